/* fields.c - checks shared by the tenant import, the vCard import and the
 * contact commands: addresses, UTF-8 text, dates, the contact fields the
 * command line can set, and how a contact without a display name or FileAs
 * gets one (the way Outlook files contacts). */
#include "admin/admin.h"
#include "admin/admin_int.h"

#include "core/result.h"

#include <stdio.h>
#include <string.h>

#define LOCAL_PART_MAX 64
#define DOMAIN_MAX 253

/* ---- addresses --------------------------------------------------------------- */

int admin_is_domain(const char *d)
{
	size_t n = strlen(d), label = 0;
	if (n == 0 || n > DOMAIN_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.' || c == '\0') {
			/* labels: 1..63 characters, no leading or trailing hyphen */
			if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c >= 0x80))
			return 0;
		label++;
	}
	return 1;
}

int admin_is_address(const char *a)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at = strchr(a, '@');
	size_t local;
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	local = (size_t)(at - a);
	if (local == 0 || local > LOCAL_PART_MAX || a[0] == '.' || at[-1] == '.')
		return 0;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c == '.') {
			if (a[i + 1] == '.')
				return 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c >= 0x80 || (c != '\0' && strchr(specials, c) != NULL)))
			return 0;
	}
	return admin_is_domain(at + 1);
}

int admin_ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
		if (x != y || x == 0)
			return x - y;
	}
}

/* ---- text ----------------------------------------------------------------------- */

int admin_is_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], cp, need;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;   /* continuation byte first, overlong lead, or above U+10FFFF */
		}
		if (n - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
			return 0;   /* overlong, out of range, surrogate, not an XML character */
		i += need + 1;
	}
	return 1;
}

/* ---- dates ------------------------------------------------------------------------ */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

int admin_parse_date(const char *s, char out[STORE_DATE_MAX + 1])
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t n = strlen(s);
	int y, m, d, ok;
	out[0] = '\0';
	if (n == 10 && s[4] == '-' && s[7] == '-')
		ok = digits(s, 4, &y) && digits(s + 5, 2, &m) && digits(s + 8, 2, &d);
	else if (n == 8)
		ok = digits(s, 4, &y) && digits(s + 4, 2, &m) && digits(s + 6, 2, &d);
	else
		ok = 0;
	if (!ok || y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return EMU_EINVAL;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return EMU_EINVAL;
	/* the moduli only tell the compiler the ranges the checks above ensure */
	snprintf(out, STORE_DATE_MAX + 1, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	         (unsigned)d % 100u);
	return EMU_OK;
}

/* ---- contact fields ---------------------------------------------------------------- */

enum kind { K_TEXT, K_ADDR, K_DATE, K_NOTES };

static const struct field {
	struct admin_contact_field pub;
	size_t off, max;
	enum kind kind;
} g_fields[] = {
#define F(opt, help, member, max, kind) { { opt, help }, offsetof(struct contact_record, member), max, kind }
	F("display-name", "name shown in lists (required)", display_name, STORE_TEXT_MAX, K_TEXT),
	F("given-name", "first name", given_name, STORE_TEXT_MAX, K_TEXT),
	F("middle-name", "middle name", middle_name, STORE_TEXT_MAX, K_TEXT),
	F("surname", "last name", surname, STORE_TEXT_MAX, K_TEXT),
	F("nickname", "nickname", nickname, STORE_TEXT_MAX, K_TEXT),
	F("file-as", "filing name (default \"Surname, Given\", else the display name)",
	  file_as, STORE_TEXT_MAX, K_TEXT),
	F("email", "e-mail address (EmailAddress1)", email, STORE_ADDR_MAX, K_ADDR),
	F("email2", "second e-mail address", email2, STORE_ADDR_MAX, K_ADDR),
	F("email3", "third e-mail address", email3, STORE_ADDR_MAX, K_ADDR),
	F("company", "company name", company, STORE_TEXT_MAX, K_TEXT),
	F("job-title", "job title", job_title, STORE_TEXT_MAX, K_TEXT),
	F("department", "department", department, STORE_TEXT_MAX, K_TEXT),
	F("office", "office location", office, STORE_TEXT_MAX, K_TEXT),
	F("phone", "business phone", business_phone, STORE_TEXT_MAX, K_TEXT),
	F("mobile", "mobile phone", mobile_phone, STORE_TEXT_MAX, K_TEXT),
	F("home-phone", "home phone", home_phone, STORE_TEXT_MAX, K_TEXT),
	F("street", "business address: street", street, STORE_TEXT_MAX, K_TEXT),
	F("city", "business address: city", city, STORE_TEXT_MAX, K_TEXT),
	F("state", "business address: state or province", state, STORE_TEXT_MAX, K_TEXT),
	F("postal-code", "business address: postal code", postal_code, STORE_TEXT_MAX, K_TEXT),
	F("country", "business address: country or region", country, STORE_TEXT_MAX, K_TEXT),
	F("birthday", "birthday, YYYY-MM-DD", birthday, STORE_DATE_MAX, K_DATE),
	F("notes", "notes (at most 2048 bytes)", notes, STORE_NOTES_MAX, K_NOTES),
#undef F
};

#define NFIELDS (sizeof g_fields / sizeof *g_fields)

const struct admin_contact_field *admin_contact_field(size_t i)
{
	return i < NFIELDS ? &g_fields[i].pub : NULL;
}

int admin_contact_field_set(struct contact_record *c, const char *option, const char *value,
                            char *err, size_t errsz)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field *f = &g_fields[i];
		size_t n;
		if (strcmp(f->pub.option, option) != 0)
			continue;
		n = strlen(value);
		if (n > f->max && f->kind != K_DATE) {
			snprintf(err, errsz, "--%s is longer than %zu bytes", option, f->max);
			return EMU_ELIMIT;
		}
		if (!admin_is_text(value, n)) {
			snprintf(err, errsz, "--%s is not UTF-8 text", option);
			return EMU_EINVAL;
		}
		if (f->kind == K_ADDR && n > 0 && !admin_is_address(value)) {
			snprintf(err, errsz, "--%s: \"%s\" is not an e-mail address (local@domain)", option, value);
			return EMU_EINVAL;
		}
		if (f->kind == K_DATE) {
			if (n > 0 && admin_parse_date(value, (char *)c + f->off) != EMU_OK) {
				snprintf(err, errsz, "--%s: \"%s\" is not a date (YYYY-MM-DD)", option, value);
				return EMU_EINVAL;
			}
			if (n == 0)
				((char *)c + f->off)[0] = '\0';
			return EMU_OK;
		}
		memcpy((char *)c + f->off, value, n + 1);
		return EMU_OK;
	}
	snprintf(err, errsz, "unknown contact field --%s", option);
	return EMU_EINVAL;
}

int admin_contact_check(struct contact_record *c, char *why, size_t whysz)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field *f = &g_fields[i];
		char *v = (char *)c + f->off;
		size_t n = strnlen(v, f->max + 1);
		if (n > f->max) {
			snprintf(why, whysz, "%s is longer than %zu bytes", f->pub.option, f->max);
			return EMU_ELIMIT;
		}
		if (!admin_is_text(v, n)) {
			snprintf(why, whysz, "%s is not UTF-8 text", f->pub.option);
			return EMU_EINVAL;
		}
		if (f->kind == K_ADDR && n > 0 && !admin_is_address(v)) {
			snprintf(why, whysz, "%s \"%s\" is not an e-mail address", f->pub.option, v);
			return EMU_EINVAL;
		}
		if (f->kind == K_DATE && n > 0) {
			char d[STORE_DATE_MAX + 1];
			if (admin_parse_date(v, d) != EMU_OK) {
				snprintf(why, whysz, "%s \"%s\" is not a date (YYYY-MM-DD)", f->pub.option, v);
				return EMU_EINVAL;
			}
			memcpy(v, d, sizeof d);
		}
	}
	if (strnlen(c->company, STORE_TEXT_MAX + 1) > STORE_TEXT_MAX) {
		snprintf(why, whysz, "company is longer than %d bytes", STORE_TEXT_MAX);
		return EMU_ELIMIT;
	}
	return EMU_OK;
}

/* Append @p s to @p dst (size STORE_TEXT_MAX + 1), space-separated.
 * 0, or -1 when it does not fit. */
static int append_word(char *dst, const char *s)
{
	size_t have = strlen(dst), n = strlen(s);
	if (n == 0)
		return 0;
	if (have + (have ? 1 : 0) + n > STORE_TEXT_MAX)
		return -1;
	if (have)
		dst[have++] = ' ';
	memcpy(dst + have, s, n + 1);
	return 0;
}

int admin_contact_finish(struct contact_record *c, char *why, size_t whysz)
{
	if (c->display_name[0] == '\0') {
		/* Outlook's "First Middle Last" */
		char name[STORE_TEXT_MAX + 1] = "";
		if (append_word(name, c->given_name) || append_word(name, c->middle_name) ||
		    append_word(name, c->surname)) {
			snprintf(why, whysz, "the name composed from given, middle and surname is longer than %d bytes",
			         STORE_TEXT_MAX);
			return EMU_ELIMIT;
		}
		if (name[0] == '\0' && c->company[0] != '\0')
			memcpy(name, c->company, sizeof name);
		if (name[0] == '\0' && c->email[0] != '\0') {
			if (strlen(c->email) > STORE_TEXT_MAX) {
				snprintf(why, whysz, "the e-mail address is too long to be the display name");
				return EMU_ELIMIT;
			}
			memcpy(name, c->email, strlen(c->email) + 1);
		}
		if (name[0] == '\0') {
			snprintf(why, whysz, "no name: nothing to show the contact as (no display name, "
			         "given name, surname, company or e-mail address)");
			return EMU_EINVAL;
		}
		memcpy(c->display_name, name, sizeof name);
	}
	if (c->file_as[0] == '\0') {
		if (c->surname[0] != '\0' && c->given_name[0] != '\0') {
			int n = snprintf(c->file_as, sizeof c->file_as, "%s, %s", c->surname, c->given_name);
			if (n < 0 || (size_t)n >= sizeof c->file_as) {
				c->file_as[0] = '\0';
				snprintf(why, whysz, "\"Surname, Given\" is longer than %d bytes", STORE_TEXT_MAX);
				return EMU_ELIMIT;
			}
		} else {
			memcpy(c->file_as, c->display_name, sizeof c->file_as);
		}
	}
	return EMU_OK;
}
