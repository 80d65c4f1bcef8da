/* ids.c - encode/decode ewsemu's opaque ids (see ids.h). */
#include "ews/ids.h"

#include <ctype.h>
#include <string.h>

#include "core/base64.h"
#include "core/hex.h"
#include "core/result.h"

#define ID_VERSION 1
#define ID_BIN_MAX (4 + 1 + STORE_ADDR_MAX + 1 + STORE_ID_MAX)
#define ID_TEXT_MAX (2 * ID_BIN_MAX + 8)

static const char *const g_formats[EWS_FMT_COUNT] = {
	"EwsId", "EwsLegacyId", "EntryId", "HexEntryId", "StoreId", "OwaId",
};

int ews_id_format_parse(const char *s, enum ews_id_format *out)
{
	for (int i = 0; i < EWS_FMT_COUNT; i++) {
		if (strcmp(s, g_formats[i]) == 0) {
			*out = (enum ews_id_format)i;
			return EMU_OK;
		}
	}
	return EMU_EINVAL;
}

const char *ews_id_format_name(enum ews_id_format f)
{
	return f < EWS_FMT_COUNT ? g_formats[f] : "EwsId";
}

int ews_id_format_has_mailbox(enum ews_id_format f)
{
	return f == EWS_FMT_EWS_ID || f == EWS_FMT_EWS_LEGACY_ID || f == EWS_FMT_OWA_ID;
}

static size_t pack(const struct ews_id *id, unsigned char *b)
{
	size_t n = 0, ml = strlen(id->mailbox), ll = strlen(id->local);
	b[n++] = 'E';
	b[n++] = 'M';
	b[n++] = ID_VERSION;
	b[n++] = (unsigned char)id->kind;
	b[n++] = (unsigned char)(ml >> 8);
	b[n++] = (unsigned char)ml;
	memcpy(b + n, id->mailbox, ml);
	n += ml;
	b[n++] = (unsigned char)ll;
	memcpy(b + n, id->local, ll);
	return n + ll;
}

char *ews_id_encode(struct arena *a, const struct ews_id *id, enum ews_id_format f)
{
	unsigned char b[ID_BIN_MAX + 2];
	size_t n = pack(id, b);
	char *out;
	if (f == EWS_FMT_HEX_ENTRY_ID) {
		out = arena_alloc(a, HEX_ENCODED_SIZE(n));
		if (out)
			hex_encode(b, n, HEX_UPPER, out, HEX_ENCODED_SIZE(n));
		return out;
	}
	out = arena_alloc(a, BASE64_ENCODED_SIZE(n));
	if (out)
		base64_encode(b, n, out);
	return out;
}

int ews_id_decode(const char *text, enum ews_id_format f, struct ews_id *out)
{
	unsigned char b[ID_BIN_MAX + 2];
	size_t n = 0, tl = strlen(text);
	if (tl == 0)
		return EMU_EINVAL;
	if (tl > ID_TEXT_MAX)
		return EMU_ELIMIT;
	if (f == EWS_FMT_HEX_ENTRY_ID) {
		if (hex_decode(text, tl, HEX_EITHER, b, sizeof b, &n) != EMU_OK)
			return EMU_EINVAL;
	} else if (base64_decode(text, tl, b, sizeof b, &n) != EMU_OK) {
		return EMU_EINVAL;
	}
	if (n < 7 || b[0] != 'E' || b[1] != 'M' || b[2] != ID_VERSION)
		return EMU_EINVAL;
	if (b[3] != EWS_ID_FOLDER && b[3] != EWS_ID_ITEM && b[3] != EWS_ID_ATTACHMENT && b[3] != EWS_ID_PERSONA)
		return EMU_EINVAL;
	size_t ml = (size_t)b[4] << 8 | b[5];
	if (ml == 0 || ml > STORE_ADDR_MAX || 6 + ml + 1 > n)
		return EMU_EINVAL;
	size_t ll = b[6 + ml];
	if (ll > STORE_ID_MAX || 7 + ml + ll != n)
		return EMU_EINVAL;
	out->kind = (enum ews_id_kind)b[3];
	memcpy(out->mailbox, b + 6, ml);
	out->mailbox[ml] = '\0';
	memcpy(out->local, b + 7 + ml, ll);
	out->local[ll] = '\0';
	if (memchr(out->mailbox, '\0', ml) || memchr(out->local, '\0', ll))
		return EMU_EINVAL;
	return EMU_OK;
}

char *ews_id_text(struct arena *a, enum ews_id_kind kind, const char *mailbox, const char *local)
{
	struct ews_id id;
	size_t ml = strlen(mailbox), ll = strlen(local);
	if (ml == 0 || ml > STORE_ADDR_MAX || ll > STORE_ID_MAX)
		return NULL;
	id.kind = kind;
	for (size_t i = 0; i <= ml; i++)
		id.mailbox[i] = (char)tolower((unsigned char)mailbox[i]);
	memcpy(id.local, local, ll + 1);
	return ews_id_encode(a, &id, EWS_FMT_EWS_ID);
}

/* ---- change keys: base64 of {"CK", version, kind, change (big-endian)} ---- */

#define CK_BIN_LEN 8

char *ews_change_key(struct arena *a, enum ews_id_kind kind, uint32_t change)
{
	unsigned char b[CK_BIN_LEN] = { 'C', 'K', ID_VERSION, (unsigned char)kind,
	                                (unsigned char)(change >> 24), (unsigned char)(change >> 16),
	                                (unsigned char)(change >> 8), (unsigned char)change };
	char *out = arena_alloc(a, BASE64_ENCODED_SIZE(sizeof b));
	if (out)
		base64_encode(b, sizeof b, out);
	return out;
}

int ews_change_key_decode(const char *text, enum ews_id_kind *kind, uint32_t *change)
{
	unsigned char b[CK_BIN_LEN + 3];
	size_t n = 0, tl = strlen(text);
	if (tl == 0 || tl > BASE64_ENCODED_SIZE(CK_BIN_LEN) ||
	    base64_decode(text, tl, b, sizeof b, &n) != EMU_OK || n != CK_BIN_LEN)
		return EMU_EINVAL;
	if (b[0] != 'C' || b[1] != 'K' || b[2] != ID_VERSION ||
	    (b[3] != EWS_ID_FOLDER && b[3] != EWS_ID_ITEM && b[3] != EWS_ID_ATTACHMENT))
		return EMU_EINVAL;
	*kind = (enum ews_id_kind)b[3];
	*change = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	return EMU_OK;
}

/* ---- attachment ids --------------------------------------------------------- */

int ews_attachment_local(char *out, const char *item_local, const char *part)
{
	size_t il = strlen(item_local), pl = strlen(part);
	if (il == 0 || pl == 0 || memchr(item_local, EWS_ATTACHMENT_SEP, il))
		return EMU_EINVAL;
	if (il + 1 + pl > STORE_ID_MAX)
		return EMU_ELIMIT;
	memcpy(out, item_local, il);
	out[il] = EWS_ATTACHMENT_SEP;
	memcpy(out + il + 1, part, pl + 1);
	return EMU_OK;
}

int ews_attachment_split(const char *local, char *item_local, char *part)
{
	const char *sep = strchr(local, EWS_ATTACHMENT_SEP);
	size_t il, pl;
	if (!sep)
		return EMU_EINVAL;
	il = (size_t)(sep - local);
	pl = strlen(sep + 1);
	if (il == 0 || pl == 0 || il > STORE_ID_MAX || pl > STORE_ID_MAX)
		return EMU_EINVAL;
	memcpy(item_local, local, il);
	item_local[il] = '\0';
	memcpy(part, sep + 1, pl + 1);
	return EMU_OK;
}
