/* vcard.c - vCard files (RFC 2426 vCard 3.0, RFC 6350 vCard 4.0, and the
 * 2.1 dialect Outlook and Android still export) to contacts, and their
 * import into one mailbox's Contacts folder in ONE write transaction.
 *
 * The file is read once, a logical line at a time.  Nothing grows without a
 * declared bound: a line is at most VCARD_MAX_LINE bytes, a file at most
 * VCARD_MAX_CARDS cards, a picture PHOTO_MAX_UPLOAD_BYTES.  A card with a
 * problem is read on to its END:VCARD before the error is reported, so the
 * message can name the card by its FN even when the problem comes first.
 *
 * Address books export far more than a contact record holds (IMPP, URL,
 * X-SOCIALPROFILE, CATEGORIES, LABEL, X-ABLabel, ...): unknown properties
 * and parameters are ignored, but what is mapped is checked, and a value
 * that does not fit is an error, never truncated.
 *
 * This file maps properties to a contact; the syntax (lines, parameters,
 * escapes, charsets) is vcard_syntax.c.
 */
#include "admin/admin.h"
#include "admin/admin_int.h"
#include "admin/vcard_int.h"

#include "core/base64.h"
#include "core/log.h"
#include "core/result.h"
#include "photo/photo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define WHY_MAX 320
#define LABEL_MAX (2 * STORE_TEXT_MAX + 2)   /* "Given Surname" naming a card */

/* ---- cards ------------------------------------------------------------------------ */

enum { TEL_BUSINESS, TEL_MOBILE, TEL_HOME, TEL_FALLBACK, TEL_SLOTS };
enum { A_STREET, A_CITY, A_STATE, A_POSTAL, A_COUNTRY, A_FIELDS };

struct email_slot {
	char addr[STORE_ADDR_MAX + 1];
	int pref;
};

struct card {
	struct vcard_card pub;
	int open;                      /* between BEGIN:VCARD and END:VCARD */
	int fn_pref, have_n, have_nick, have_org, have_title, have_note, have_bday, have_photo;
	struct email_slot email[3];
	int nemail;
	int tel_pref[TEL_SLOTS];       /* PREF of the number kept; 0: none yet */
	char tel_fallback[STORE_TEXT_MAX + 1];
	int adr_pref[2];               /* work, fallback */
	char adr[2][A_FIELDS][STORE_TEXT_MAX + 1];
	unsigned char *photo;
	int rc;                        /* first problem of the card */
	unsigned long err_line;
	char why[WHY_MAX];
};

struct parser {
	struct reader r;
	vcard_fn fn;
	void *ctx;
	char *err;
	size_t errsz;
	unsigned cards;                /* BEGIN:VCARD seen */
	size_t passed;                 /* cards handed to fn */
	struct card c;
};

__attribute__((format(printf, 3, 4)))
static void card_fail(struct parser *ps, int rc, const char *fmt, ...)
{
	va_list ap;
	if (ps->c.rc != EMU_OK)
		return;
	ps->c.rc = rc;
	ps->c.err_line = ps->r.start;
	va_start(ap, fmt);
	vsnprintf(ps->c.why, sizeof ps->c.why, fmt, ap);
	va_end(ap);
}

/* The file-level error text (the first one only). */
__attribute__((format(printf, 3, 4)))
static int fail(struct parser *ps, int rc, const char *fmt, ...)
{
	va_list ap;
	if (ps->errsz == 0 || ps->err[0] != '\0')
		return rc;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errsz, fmt, ap);
	va_end(ap);
	return rc;
}

/* What to call the current card in a message: FN, else the name parts,
 * the company or the first address. */
static void card_label(const struct card *cd, char *out, size_t outsz)
{
	const struct contact_record *r = &cd->pub.rec;
	if (r->display_name[0] != '\0')
		snprintf(out, outsz, "%s", r->display_name);
	else if (r->given_name[0] != '\0' || r->surname[0] != '\0')
		snprintf(out, outsz, "%s%s%s", r->given_name,
		         r->given_name[0] != '\0' && r->surname[0] != '\0' ? " " : "", r->surname);
	else if (r->company[0] != '\0')
		snprintf(out, outsz, "%s", r->company);
	else if (cd->nemail > 0)
		snprintf(out, outsz, "%s", cd->email[0].addr);
	else
		snprintf(out, outsz, "no name");
}

/* Report the card's recorded problem as the parse error. */
static int card_error(struct parser *ps)
{
	char label[LABEL_MAX];
	card_label(&ps->c, label, sizeof label);
	return fail(ps, ps->c.rc, "card %u (%s), line %lu: %s", ps->c.pub.index, label,
	            ps->c.err_line, ps->c.why);
}

static void card_reset(struct card *cd)
{
	free(cd->photo);
	memset(cd, 0, sizeof *cd);
}

/* Decode text into @p dst, recording a problem under property name @p what. */
static int text_field(struct parser *ps, const struct prop *pp, const char *what, const char *s,
                      size_t n, int first_item, char *dst, size_t max)
{
	int version = ps->c.pub.version;
	switch (vcard_text_decode(pp, version, s, n, first_item, dst, max)) {
	case TXT_OK:
		return EMU_OK;
	case TXT_LONG:
		card_fail(ps, EMU_ELIMIT, "%s is longer than %zu bytes", what, max);
		return EMU_ELIMIT;
	case TXT_CHARSET:
		card_fail(ps, EMU_EFORMAT, "%s: CHARSET=%s is not supported (UTF-8, ISO-8859-1 and "
		          "Windows-1252 are)", what, pp->charset_name);
		return EMU_EFORMAT;
	case TXT_ENCODING:
		card_fail(ps, EMU_EFORMAT, "%s: ENCODING=%s is not supported for text (only "
		          "QUOTED-PRINTABLE is)", what, pp->enc == ENC_B64 ? "b" : pp->enc_name);
		return EMU_EFORMAT;
	default:
		card_fail(ps, EMU_EINVAL, "%s is not UTF-8 text (save the file as UTF-8, or give CHARSET=)",
		          what);
		return EMU_EINVAL;
	}
}

static void do_version(struct parser *ps, const struct prop *pp)
{
	char v[8];
	if (vcard_text_decode(pp, 30, pp->value, pp->vlen, 0, v, sizeof v - 1) != TXT_OK)
		v[0] = '\0';
	if (strcmp(v, "2.1") == 0)
		ps->c.pub.version = 21;
	else if (strcmp(v, "3.0") == 0)
		ps->c.pub.version = 30;
	else if (strcmp(v, "4.0") == 0)
		ps->c.pub.version = 40;
	else
		card_fail(ps, EMU_EFORMAT, "VERSION %.16s is not supported (2.1, 3.0 and 4.0 are read)",
		          pp->value);
}

static void do_fn(struct parser *ps, const struct prop *pp)
{
	struct contact_record *r = &ps->c.pub.rec;
	char v[STORE_TEXT_MAX + 1];
	/* 4.0 may give several (ALTID languages): the most preferred, else the first */
	if (ps->c.fn_pref != 0 && pp->pref >= ps->c.fn_pref)
		return;
	if (text_field(ps, pp, "FN", pp->value, pp->vlen, 0, v, STORE_TEXT_MAX) != EMU_OK ||
	    v[0] == '\0')
		return;
	memcpy(r->display_name, v, sizeof v);
	ps->c.fn_pref = pp->pref;
}

static void do_n(struct parser *ps, const struct prop *pp)
{
	struct contact_record *r = &ps->c.pub.rec;
	struct comp c[NCOMP];
	if (ps->c.have_n)
		return;
	ps->c.have_n = 1;
	/* surname; given; additional; prefix; suffix (prefix and suffix have
	 * no field in the record) */
	vcard_split(pp->value, pp->vlen, c);
	if (text_field(ps, pp, "N (surname)", c[0].p, c[0].n, 0, r->surname, STORE_TEXT_MAX) == EMU_OK &&
	    text_field(ps, pp, "N (given name)", c[1].p, c[1].n, 0, r->given_name, STORE_TEXT_MAX) == EMU_OK)
		text_field(ps, pp, "N (middle name)", c[2].p, c[2].n, 0, r->middle_name, STORE_TEXT_MAX);
}

static void do_simple(struct parser *ps, const struct prop *pp, int *have, const char *what,
                      int first_item, char *dst, size_t max)
{
	if (*have)
		return;
	*have = 1;
	text_field(ps, pp, what, pp->value, pp->vlen, first_item, dst, max);
}

static void do_org(struct parser *ps, const struct prop *pp)
{
	struct contact_record *r = &ps->c.pub.rec;
	struct comp c[NCOMP];
	if (ps->c.have_org)
		return;
	ps->c.have_org = 1;
	vcard_split(pp->value, pp->vlen, c);
	if (text_field(ps, pp, "ORG (company)", c[0].p, c[0].n, 0, r->company, STORE_TEXT_MAX) == EMU_OK)
		text_field(ps, pp, "ORG (department)", c[1].p, c[1].n, 0, r->department, STORE_TEXT_MAX);
}

static void do_email(struct parser *ps, const struct prop *pp)
{
	struct card *cd = &ps->c;
	char v[STORE_ADDR_MAX + 1];
	const char *a = v;
	int at;

	if (pp->types & T_X400)
		return;   /* not an SMTP address */
	if (text_field(ps, pp, "EMAIL", pp->value, pp->vlen, 0, v, STORE_ADDR_MAX) != EMU_OK ||
	    v[0] == '\0')
		return;
	if (strncasecmp(v, "mailto:", 7) == 0)
		a = v + 7;
	if (!admin_is_address(a)) {
		card_fail(ps, EMU_EINVAL, "EMAIL \"%s\" is not an e-mail address (local@domain)", a);
		return;
	}
	/* keep the three most preferred, file order among equals */
	for (at = 0; at < cd->nemail && cd->email[at].pref <= pp->pref; at++)
		;
	if (at >= 3)
		return;
	if (cd->nemail == 3)
		cd->nemail--;
	memmove(&cd->email[at + 1], &cd->email[at], sizeof cd->email[0] * (size_t)(cd->nemail - at));
	memmove(cd->email[at].addr, a, strlen(a) + 1);
	cd->email[at].pref = pp->pref;
	cd->nemail++;
}

static void do_tel(struct parser *ps, const struct prop *pp)
{
	struct card *cd = &ps->c;
	struct contact_record *r = &cd->pub.rec;
	char v[STORE_TEXT_MAX + 1];
	const char *num = v;
	char *dst;
	int slot;

	if (pp->types & T_CELL)
		slot = TEL_MOBILE;
	else if (pp->types & (T_FAX | T_PAGER))
		return;   /* no field for them */
	else if (pp->types & T_WORK)
		slot = TEL_BUSINESS;
	else if (pp->types & T_HOME)
		slot = TEL_HOME;
	else
		slot = TEL_FALLBACK;   /* untyped, voice, main, a custom label */
	if (cd->tel_pref[slot] != 0 && pp->pref >= cd->tel_pref[slot])
		return;
	if (text_field(ps, pp, "TEL", pp->value, pp->vlen, 0, v, STORE_TEXT_MAX) != EMU_OK || v[0] == '\0')
		return;
	if (strncasecmp(v, "tel:", 4) == 0)   /* 4.0 VALUE=uri */
		num = v + 4;
	dst = slot == TEL_MOBILE ? r->mobile_phone : slot == TEL_BUSINESS ? r->business_phone :
	      slot == TEL_HOME ? r->home_phone : cd->tel_fallback;
	memmove(dst, num, strlen(num) + 1);
	cd->tel_pref[slot] = pp->pref;
}

static void do_adr(struct parser *ps, const struct prop *pp)
{
	struct card *cd = &ps->c;
	static const char *const what[A_FIELDS] = {
		"ADR (street)", "ADR (city)", "ADR (region)", "ADR (postal code)", "ADR (country)"
	};
	/* post office box; extended address; street; locality; region; postal
	 * code; country */
	static const int from[A_FIELDS] = { 2, 3, 4, 5, 6 };
	struct comp c[NCOMP];
	char f[A_FIELDS][STORE_TEXT_MAX + 1];
	int slot;

	if (pp->types & T_WORK)
		slot = 0;
	else if (pp->types & T_HOME)
		return;   /* the record holds the business address only */
	else
		slot = 1; /* vCard 3.0's default ADR type includes work */
	if (cd->adr_pref[slot] != 0 && pp->pref >= cd->adr_pref[slot])
		return;
	vcard_split(pp->value, pp->vlen, c);
	for (int i = 0; i < A_FIELDS; i++)
		if (text_field(ps, pp, what[i], c[from[i]].p, c[from[i]].n, 0, f[i], STORE_TEXT_MAX) != EMU_OK)
			return;
	if (f[A_STREET][0] == '\0' &&
	    text_field(ps, pp, "ADR (extended address)", c[1].p, c[1].n, 0, f[A_STREET],
	               STORE_TEXT_MAX) != EMU_OK)
		return;
	memcpy(cd->adr[slot], f, sizeof f);
	cd->adr_pref[slot] = pp->pref;
}

static void do_bday(struct parser *ps, const struct prop *pp)
{
	struct card *cd = &ps->c;
	char v[40], date[16];
	const char *t;
	size_t n;

	if (cd->have_bday || pp->value_text)
		return;   /* VALUE=text: "circa 1800" */
	cd->have_bday = 1;
	if (vcard_text_decode(pp, cd->pub.version, pp->value, pp->vlen, 0, v, sizeof v - 1) != TXT_OK) {
		card_fail(ps, EMU_EINVAL, "BDAY \"%.40s\" is not a date (YYYY-MM-DD or YYYYMMDD)", pp->value);
		return;
	}
	if (v[0] == '\0' || strncmp(v, "--", 2) == 0)
		return;   /* a partial date without a year (--MMDD, --MM-DD): no field for it */
	/* a date-time: keep the date */
	t = strchr(v, 'T');
	n = t != NULL ? (size_t)(t - v) : strlen(v);
	if (n >= sizeof date) {
		card_fail(ps, EMU_EINVAL, "BDAY \"%s\" is not a date (YYYY-MM-DD or YYYYMMDD)", v);
		return;
	}
	memcpy(date, v, n);
	date[n] = '\0';
	/* 4.0 reduced accuracy: a year ("1985") or a month ("1985-04") alone */
	if (n == 0 || (n == 4 && vcard_small_number(date, 4, 9999) >= 0) ||
	    (n == 7 && date[4] == '-' && vcard_small_number(date, 4, 9999) >= 0 &&
	     vcard_small_number(date + 5, 2, 12) >= 1))
		return;
	/* Apple writes a birthday without a year as 1604 with X-APPLE-OMIT-YEAR=1604,
	 * others as year 0000 */
	if ((pp->omit_year > 0 && vcard_small_number(date, 4, 9999) == pp->omit_year) ||
	    strncmp(date, "0000", 4) == 0)
		return;
	if (admin_parse_date(date, cd->pub.rec.birthday) != EMU_OK)
		card_fail(ps, EMU_EINVAL, "BDAY \"%s\" is not a date (YYYY-MM-DD or YYYYMMDD)", v);
}

/* What an image is, by its first bytes, for the error message. */
static const char *image_kind(const unsigned char *p, size_t n, const char *declared)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "PNG";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return "GIF";
	if (n >= 2 && memcmp(p, "BM", 2) == 0)
		return "BMP";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "WebP";
	if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0))
		return "TIFF";
	if (n >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
		return "HEIF/AVIF";
	return declared[0] != '\0' ? declared : "non-JPEG";
}

static void do_photo(struct parser *ps, struct prop *pp)
{
	struct card *cd = &ps->c;
	const char *data = pp->value;
	size_t n = pp->vlen, cap, len = 0;
	char media[sizeof pp->media];
	int b64 = pp->enc == ENC_B64, w, h, rc;

	if (cd->have_photo || cd->rc != EMU_OK)
		return;
	memcpy(media, pp->media, sizeof media);
	while (n > 0 && (*data == ' ' || *data == '\t')) {
		data++;
		n--;
	}
	if (n >= 5 && strncasecmp(data, "data:", 5) == 0) {
		/* RFC 2397: data:[<mediatype>][;base64],<data> */
		const char *comma = memchr(data, ',', n), *semi;
		if (comma == NULL) {
			card_fail(ps, EMU_EINVAL, "PHOTO: a data: URI without ','");
			return;
		}
		semi = memchr(data + 5, ';', (size_t)(comma - data - 5));
		vcard_copy_word(media, sizeof media, data + 5, (size_t)((semi ? semi : comma) - data - 5));
		if (!(comma - data >= 12 && strncasecmp(comma - 7, ";base64", 7) == 0)) {
			card_fail(ps, EMU_EFORMAT, "PHOTO: only base64 data: URIs are read");
			return;
		}
		n -= (size_t)(comma + 1 - data);
		data = comma + 1;
		b64 = 1;
	} else if (pp->enc == ENC_OTHER || pp->enc == ENC_QP) {
		card_fail(ps, EMU_EFORMAT, "PHOTO: ENCODING=%s is not supported (b and BASE64 are)",
		          pp->enc == ENC_QP ? "QUOTED-PRINTABLE" : pp->enc_name);
		return;
	} else if (!b64 && (pp->value_uri || memchr(data, ':', n) != NULL)) {
		/* a link (https:, http:, file:, cid:): never fetched */
		cd->pub.photo_link = 1;
		return;
	}
	/* no ENCODING and no URI: some 2.1 exporters leave the parameter out */
	cap = n / 4 * 3 + 3;
	if (cap > PHOTO_MAX_UPLOAD_BYTES)
		cap = PHOTO_MAX_UPLOAD_BYTES;
	cd->photo = malloc(cap);
	if (cd->photo == NULL) {
		card_fail(ps, EMU_ENOMEM, "PHOTO: out of memory");
		return;
	}
	rc = base64_decode(data, n, cd->photo, cap, &len);
	if (rc == EMU_ELIMIT) {
		card_fail(ps, EMU_ELIMIT, "PHOTO is larger than %u bytes (the upload limit)",
		          PHOTO_MAX_UPLOAD_BYTES);
		return;
	}
	if (rc != EMU_OK) {
		card_fail(ps, EMU_EINVAL, "PHOTO: bad base64 data%s", b64 ? "" : " (and no ENCODING=b)");
		return;
	}
	if (len == 0) {
		free(cd->photo);
		cd->photo = NULL;
		return;   /* an empty PHOTO: no picture */
	}
	rc = photo_inspect(cd->photo, len, PHOTO_MAX_UPLOAD_BYTES, &w, &h);
	switch (rc) {
	case EMU_OK:
		break;
	case EMU_EFORMAT:
		card_fail(ps, rc, "PHOTO is a %s image; only JPEG pictures are accepted",
		          image_kind(cd->photo, len, media));
		return;
	case EMU_EIMAGE:
		card_fail(ps, rc, "PHOTO is not a valid JPEG image (corrupt or truncated)");
		return;
	case EMU_ELIMIT:
		card_fail(ps, rc, "PHOTO is larger than %d x %d pixels", PHOTO_MAX_DIMENSION,
		          PHOTO_MAX_DIMENSION);
		return;
	default:
		card_fail(ps, rc, "PHOTO: %s", emu_strerror(rc));
		return;
	}
	cd->have_photo = 1;
	cd->pub.photo = cd->photo;
	cd->pub.photo_len = len;
	cd->pub.rec.photo.width = (uint16_t)w;
	cd->pub.rec.photo.height = (uint16_t)h;
}

static void do_kind(struct parser *ps, const struct prop *pp)
{
	char v[16];
	if (vcard_text_decode(pp, 30, pp->value, pp->vlen, 0, v, sizeof v - 1) == TXT_OK &&
	    admin_ascii_casecmp(v, "group") == 0)
		ps->c.pub.is_group = 1;
}

static void property(struct parser *ps, struct prop *pp)
{
	struct card *cd = &ps->c;
	struct contact_record *r = &cd->pub.rec;
	const char *name = pp->name;

	if (strcmp(name, "VERSION") == 0)
		do_version(ps, pp);
	else if (strcmp(name, "FN") == 0)
		do_fn(ps, pp);
	else if (strcmp(name, "N") == 0)
		do_n(ps, pp);
	else if (strcmp(name, "NICKNAME") == 0)
		do_simple(ps, pp, &cd->have_nick, "NICKNAME", 1, r->nickname, STORE_TEXT_MAX);
	else if (strcmp(name, "ORG") == 0)
		do_org(ps, pp);
	else if (strcmp(name, "TITLE") == 0)
		do_simple(ps, pp, &cd->have_title, "TITLE", 0, r->job_title, STORE_TEXT_MAX);
	else if (strcmp(name, "NOTE") == 0)
		do_simple(ps, pp, &cd->have_note, "NOTE", 0, r->notes, STORE_NOTES_MAX);
	else if (strcmp(name, "EMAIL") == 0)
		do_email(ps, pp);
	else if (strcmp(name, "TEL") == 0)
		do_tel(ps, pp);
	else if (strcmp(name, "ADR") == 0)
		do_adr(ps, pp);
	else if (strcmp(name, "BDAY") == 0)
		do_bday(ps, pp);
	else if (strcmp(name, "PHOTO") == 0)
		do_photo(ps, pp);
	else if (strcmp(name, "KIND") == 0 || strcmp(name, "X-ADDRESSBOOKSERVER-KIND") == 0)
		do_kind(ps, pp);
	/* everything else: ignored */
}

/* END:VCARD: settle the choices, complete the record, hand it over. */
static int card_end(struct parser *ps)
{
	struct card *cd = &ps->c;
	struct contact_record *r = &cd->pub.rec;
	char why[WHY_MAX] = "", label[LABEL_MAX];
	char *emails[3] = { r->email, r->email2, r->email3 };
	int rc;

	if (cd->rc != EMU_OK)
		return card_error(ps);
	for (int i = 0; i < cd->nemail; i++)
		memcpy(emails[i], cd->email[i].addr, sizeof cd->email[i].addr);
	if (r->business_phone[0] == '\0')
		memcpy(r->business_phone, cd->tel_fallback, sizeof cd->tel_fallback);
	for (int slot = 0; slot < 2; slot++) {
		if (cd->adr_pref[slot] == 0)
			continue;
		memcpy(r->street, cd->adr[slot][A_STREET], sizeof r->street);
		memcpy(r->city, cd->adr[slot][A_CITY], sizeof r->city);
		memcpy(r->state, cd->adr[slot][A_STATE], sizeof r->state);
		memcpy(r->postal_code, cd->adr[slot][A_POSTAL], sizeof r->postal_code);
		memcpy(r->country, cd->adr[slot][A_COUNTRY], sizeof r->country);
		break;
	}
	if (cd->pub.version == 0)
		cd->pub.version = 30;
	if ((rc = admin_contact_finish(r, why, sizeof why)) != EMU_OK) {
		card_fail(ps, rc, "%s", why);
		return card_error(ps);
	}
	rc = ps->fn(&cd->pub, ps->ctx, why, sizeof why);
	if (rc != 0) {
		card_label(cd, label, sizeof label);
		return fail(ps, rc, "card %u (%s): %s", cd->pub.index, label,
		            why[0] != '\0' ? why : emu_strerror(rc));
	}
	ps->passed++;
	card_reset(cd);
	return EMU_OK;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Is @p pp NAME:VALUE (value compared case-insensitively, blanks trimmed)? */
static int is(const struct prop *pp, const char *name, const char *value)
{
	const char *v = pp->value;
	size_t n = pp->vlen;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	return strcmp(pp->name, name) == 0 && (value == NULL || vcard_word_eq(v, n, value));
}

static int run(struct parser *ps)
{
	struct reader *r = &ps->r;
	struct card *cd = &ps->c;
	struct prop pp;
	int rc, first = 1;

	for (;;) {
		rc = vcard_read_line(r);
		if (rc < 0)
			return fail(ps, rc, "line %lu: %s", r->lineno + 1,
			            rc == EMU_EIO ? strerror(errno) : emu_strerror(rc));
		if (rc == 0)
			break;
		if (first) {
			first = 0;
			if (r->line.len >= 2 && ((unsigned char)r->line.p[0] == 0xff || (unsigned char)r->line.p[0] == 0xfe) &&
			    ((unsigned char)r->line.p[1] == 0xfe || (unsigned char)r->line.p[1] == 0xff))
				return fail(ps, EMU_EFORMAT, "line 1: the file is UTF-16; save it as UTF-8");
		}
		/* a UTF-8 byte order mark: at the start of the file, or of each
		 * exported file when several were concatenated */
		if (!cd->open && r->line.len >= 3 && memcmp(r->line.p, "\xef\xbb\xbf", 3) == 0) {
			memmove(r->line.p, r->line.p + 3, r->line.len - 2);
			dynbuf_setlen(&r->line, r->line.len - 3);
		}
		if (r->nul) {
			if (!cd->open)
				return fail(ps, EMU_EINVAL, "line %lu: binary data (a NUL byte): not a vCard file",
				            r->start);
			card_fail(ps, EMU_EINVAL, "binary data (a NUL byte) in a line");
			continue;
		}
		if (r->too_long) {
			if (!cd->open)
				return fail(ps, EMU_ELIMIT, "line %lu: longer than %zu bytes", r->start,
				            VCARD_MAX_LINE);
			card_fail(ps, EMU_ELIMIT, "a line longer than %zu bytes (the limit)", VCARD_MAX_LINE);
			continue;
		}
		if (blank(r->line.p, r->line.len))
			continue;
		if (vcard_parse_line(r->line.p, r->line.len, &pp) != EMU_OK) {
			if (!cd->open)
				return fail(ps, EMU_EINVAL, "line %lu: not a vCard line (expected BEGIN:VCARD)",
				            r->start);
			card_fail(ps, EMU_EINVAL, "not a property line (NAME:value): \"%.40s\"", r->line.p);
			continue;
		}
		if (!cd->open) {
			if (!is(&pp, "BEGIN", "VCARD"))
				return fail(ps, EMU_EINVAL, "line %lu: %.40s outside a card (expected BEGIN:VCARD)",
				            r->start, r->line.p);
			if (ps->cards >= VCARD_MAX_CARDS)
				return fail(ps, EMU_ELIMIT, "card %u, line %lu: more than %d cards in the file "
				            "(a mailbox holds at most %d contacts)", ps->cards + 1, r->start,
				            VCARD_MAX_CARDS, STORE_CONTACTS_MAX);
			ps->cards++;
			cd->open = 1;
			cd->pub.index = ps->cards;
			cd->pub.line = r->start;
			continue;
		}
		if (pp.enc == ENC_QP && r->line.len > 0 && r->line.p[r->line.len - 1] == '=') {
			if ((rc = vcard_qp_continue(r)) != EMU_OK)
				return fail(ps, rc, "line %lu: %s", r->lineno, strerror(errno));
			if (r->too_long) {
				card_fail(ps, EMU_ELIMIT, "a line longer than %zu bytes (the limit)", VCARD_MAX_LINE);
				continue;
			}
			if (vcard_parse_line(r->line.p, r->line.len, &pp) != EMU_OK) {
				card_fail(ps, EMU_EINVAL, "not a property line (NAME:value): \"%.40s\"", r->line.p);
				continue;
			}
		}
		if (strcmp(pp.name, "BEGIN") == 0) {
			card_fail(ps, EMU_EINVAL, "BEGIN:%.20s before END:VCARD (is END:VCARD missing?)", pp.value);
			return card_error(ps);
		}
		if (strcmp(pp.name, "END") == 0) {
			if (!is(&pp, "END", "VCARD")) {
				card_fail(ps, EMU_EINVAL, "END:%.20s inside a card", pp.value);
				return card_error(ps);
			}
			if ((rc = card_end(ps)) != EMU_OK)
				return rc;
			continue;
		}
		if (pp.enc == ENC_QP)
			pp.vlen = vcard_qp_decode(pp.value, pp.vlen);
		property(ps, &pp);
	}
	if (cd->open) {
		card_fail(ps, EMU_EINVAL, "no END:VCARD before the end of the file");
		cd->err_line = cd->pub.line;
		return card_error(ps);
	}
	if (ps->cards == 0)
		return fail(ps, EMU_EINVAL, "no vCard in the file (no BEGIN:VCARD line)");
	return EMU_OK;
}

int vcard_parse(FILE *in, vcard_fn fn, void *ctx, size_t *ncards, char *err, size_t errsz)
{
	struct parser *ps;
	int rc;

	if (errsz > 0)
		err[0] = '\0';
	if (ncards != NULL)
		*ncards = 0;
	ps = calloc(1, sizeof *ps);
	if (ps == NULL) {
		if (errsz > 0)
			snprintf(err, errsz, "out of memory");
		return EMU_ENOMEM;
	}
	ps->r.in = in;
	dynbuf_init(&ps->r.line, VCARD_MAX_LINE);
	ps->fn = fn;
	ps->ctx = ctx;
	ps->err = err;
	ps->errsz = errsz;
	rc = run(ps);
	if (ncards != NULL)
		*ncards = ps->passed;
	card_reset(&ps->c);
	dynbuf_free(&ps->r.line);
	free(ps);
	return rc;
}

/* ---- import -------------------------------------------------------------------------- */

struct vimport {
	store_txn_t *t;
	const char *owner;
	struct vcard_import_result *res;
};

static int add_card(const struct vcard_card *card, void *ctx, char *why, size_t whysz)
{
	struct vimport *vi = ctx;
	struct contact_record c;
	int rc;

	if (card->is_group) {
		vi->res->groups++;
		return 0;
	}
	c = card->rec;
	rc = store_contact_add(vi->t, vi->owner, &c, card->photo, card->photo_len);
	if (rc == EMU_ELIMIT)
		snprintf(why, whysz, "cannot be stored: a limit was reached (at most %d contacts a mailbox)",
		         STORE_CONTACTS_MAX);
	else if (rc != EMU_OK)
		snprintf(why, whysz, "cannot be stored: %s", emu_strerror(rc));
	if (rc != EMU_OK)
		return rc;
	vi->res->contacts++;
	vi->res->photos += card->photo != NULL;
	vi->res->photo_links += card->photo_link != 0;
	return 0;
}

int admin_import_vcard(store_t *s, const char *owner, const char *path,
                       struct vcard_import_result *res, char *err, size_t errsz)
{
	struct vcard_import_result local;
	struct vimport vi;
	struct user_record *u = NULL;
	struct stat st;
	store_txn_t *t = NULL;
	FILE *fp = NULL;
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	if (errsz > 0)
		err[0] = '\0';
	u = malloc(sizeof *u);
	if (u == NULL) {
		snprintf(err, errsz, "out of memory");
		return EMU_ENOMEM;
	}
	fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		rc = EMU_EIO;
		goto out;
	}
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		rc = EMU_EIO;
		goto out;
	}
	if ((rc = store_txn_begin(s, 1, &t)) != EMU_OK) {
		snprintf(err, errsz, "begin transaction: %s", emu_strerror(rc));
		goto out;
	}
	rc = store_user_get(t, owner, u);
	if (rc != EMU_OK) {
		snprintf(err, errsz, "%s: %s", owner, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
		goto out;
	}
	vi.t = t;
	vi.owner = u->email;
	vi.res = res;
	rc = vcard_parse(fp, add_card, &vi, NULL, err, errsz);
	if (rc != EMU_OK) {
		/* prefix the file name: "contacts.vcf: card 3 (Bob Builder), line 57: ..." */
		char *msg = strdup(err);
		if (msg != NULL) {
			snprintf(err, errsz, "%s: %s", path, msg);
			free(msg);
		}
		goto out;
	}
	rc = store_txn_commit(t);
	t = NULL;
	if (rc != EMU_OK) {
		snprintf(err, errsz, "commit: %s", emu_strerror(rc));
		goto out;
	}
	LOGI("admin", "imported %zu contact(s) from %s into %s", res->contacts, path, u->email);
out:
	store_txn_abort(t);
	if (rc != EMU_OK)
		memset(res, 0, sizeof *res);
	if (fp != NULL)
		fclose(fp);
	free(u);
	return rc;
}
