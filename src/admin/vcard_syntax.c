/* vcard_syntax.c - the syntax of vCard files: logical lines (unfolding, CR LF
 * or LF, quoted-printable soft breaks), property lines (groups, parameters
 * in their 2.1, 3.0 and 4.0 forms, quoted values) and text values (escapes,
 * charsets, structured components).  What the properties mean to a contact
 * is vcard.c's business. */
#include "admin/admin.h"
#include "admin/admin_int.h"
#include "admin/vcard_int.h"

#include "core/hex.h"
#include "core/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- logical lines (RFC 6350 §3.2) ------------------------------------------ */

/* Bytes past VCARD_MAX_LINE are dropped (the failure sticks in the line
 * until the next logical line). */
static int put_byte(struct reader *r, int c)
{
	char ch = (char)c;
	int rc = dynbuf_add(&r->line, &ch, 1);
	if (rc == EMU_ELIMIT) {
		r->too_long = 1;
		return EMU_OK;
	}
	return rc;
}

/* Append one physical line without its LF or CR LF.
 * @return 1 a line (possibly empty) was read; 0 end of file; or an error. */
static int read_physical(struct reader *r)
{
	size_t begin = r->line.len;
	int c, any = 0, rc;
	while ((c = getc(r->in)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (c == '\0')
			r->nul = 1;
		if ((rc = put_byte(r, c)) != EMU_OK)
			return rc;
	}
	if (c == EOF && ferror(r->in))
		return EMU_EIO;
	if (!any)
		return 0;
	r->lineno++;
	if (r->line.len > begin && r->line.p[r->line.len - 1] == '\r')
		dynbuf_setlen(&r->line, r->line.len - 1);
	return 1;
}

/* Read the next logical line: a physical line plus its continuations (a
 * line break followed by a space or tab is removed with that character).
 * @return 1 a line; 0 end of file; or an error. */
int vcard_read_line(struct reader *r)
{
	int rc, c;
	dynbuf_reset(&r->line);
	r->too_long = 0;
	r->nul = 0;
	if ((rc = dynbuf_reserve(&r->line, 0)) != EMU_OK)   /* line.p is a string even when empty */
		return rc;
	rc = read_physical(r);
	if (rc <= 0)
		return rc;
	r->start = r->lineno;
	for (;;) {
		c = getc(r->in);
		if (c == ' ' || c == '\t') {
			if ((rc = read_physical(r)) < 0)
				return rc;
			if (rc == 0)
				r->lineno++;   /* the folded line was the space alone, at EOF */
			continue;
		}
		if (c == EOF) {
			if (ferror(r->in))
				return EMU_EIO;
		} else {
			ungetc(c, r->in);
		}
		break;
	}
	return 1;
}

/* ---- one property line: group.NAME;PARAM=a,b;BARE:value ------------------------ */


static const struct { const char *word; unsigned bit; } g_types[] = {
	{ "work", T_WORK }, { "home", T_HOME }, { "cell", T_CELL }, { "mobile", T_CELL },
	{ "iphone", T_CELL }, { "voice", T_VOICE }, { "fax", T_FAX }, { "pager", T_PAGER },
	{ "main", T_MAIN }, { "x400", T_X400 },
	/* known, and meaningless for what a contact record holds */
	{ "internet", 0 }, { "postal", 0 }, { "parcel", 0 }, { "intl", 0 }, { "dom", 0 },
	{ "text", 0 }, { "video", 0 }, { "msg", 0 }, { "textphone", 0 }, { "other", 0 },
};



int vcard_word_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

void vcard_copy_word(char *dst, size_t dstsz, const char *p, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 'a' - 'A') : p[i];
	dst[n] = '\0';
}

int vcard_small_number(const char *p, size_t n, int max)
{
	int v = 0;
	if (n == 0 || n > 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v <= max ? v : -1;
}

static void add_type(struct prop *pp, const char *v, size_t n)
{
	if (vcard_word_eq(v, n, "pref")) {
		pp->pref = 1;
		return;
	}
	for (size_t i = 0; i < sizeof g_types / sizeof *g_types; i++)
		if (vcard_word_eq(v, n, g_types[i].word)) {
			pp->types |= g_types[i].bit;
			return;
		}
	if (pp->media[0] == '\0')
		vcard_copy_word(pp->media, sizeof pp->media, v, n);
}

static void set_encoding(struct prop *pp, const char *v, size_t n)
{
	if (vcard_word_eq(v, n, "b") || vcard_word_eq(v, n, "base64")) {
		pp->enc = ENC_B64;
	} else if (vcard_word_eq(v, n, "quoted-printable")) {
		pp->enc = ENC_QP;
	} else if (vcard_word_eq(v, n, "8bit") || vcard_word_eq(v, n, "7bit")) {
		pp->enc = ENC_NONE;
	} else {
		pp->enc = ENC_OTHER;
		vcard_copy_word(pp->enc_name, sizeof pp->enc_name, v, n);
	}
}

/* One parameter value; @p pname NULL for a bare 2.1 parameter (TYPE value or
 * encoding). */
static void apply_param(struct prop *pp, const char *pname, size_t pnl, const char *v, size_t n)
{
	if (pname == NULL) {
		if (vcard_word_eq(v, n, "base64") || vcard_word_eq(v, n, "quoted-printable") ||
		    vcard_word_eq(v, n, "8bit") || vcard_word_eq(v, n, "7bit"))
			set_encoding(pp, v, n);
		else
			add_type(pp, v, n);
		return;
	}
	if (vcard_word_eq(pname, pnl, "TYPE")) {
		/* a quoted list: TYPE="work,voice" */
		const char *e = v + n;
		while (v < e) {
			const char *c = memchr(v, ',', (size_t)(e - v));
			size_t k = c != NULL ? (size_t)(c - v) : (size_t)(e - v);
			add_type(pp, v, k);
			v += k + (c != NULL);
		}
	} else if (vcard_word_eq(pname, pnl, "PREF")) {
		int p = vcard_small_number(v, n, 100);
		if (p >= 1 && p < pp->pref)
			pp->pref = p;
	} else if (vcard_word_eq(pname, pnl, "ENCODING")) {
		set_encoding(pp, v, n);
	} else if (vcard_word_eq(pname, pnl, "VALUE")) {
		if (vcard_word_eq(v, n, "uri") || vcard_word_eq(v, n, "url") || vcard_word_eq(v, n, "content-id") ||
		    vcard_word_eq(v, n, "cid"))
			pp->value_uri = 1;
		else if (vcard_word_eq(v, n, "text"))
			pp->value_text = 1;
	} else if (vcard_word_eq(pname, pnl, "CHARSET")) {
		vcard_copy_word(pp->charset_name, sizeof pp->charset_name, v, n);
		if (vcard_word_eq(v, n, "utf-8") || vcard_word_eq(v, n, "utf8") || vcard_word_eq(v, n, "us-ascii") ||
		    vcard_word_eq(v, n, "ascii"))
			pp->charset = CS_UTF8;
		else if (vcard_word_eq(v, n, "iso-8859-1") || vcard_word_eq(v, n, "iso8859-1") ||
		         vcard_word_eq(v, n, "latin1") || vcard_word_eq(v, n, "latin-1"))
			pp->charset = CS_LATIN1;
		else if (vcard_word_eq(v, n, "windows-1252") || vcard_word_eq(v, n, "cp1252"))
			pp->charset = CS_CP1252;
		else
			pp->charset = CS_OTHER;
	} else if (vcard_word_eq(pname, pnl, "MEDIATYPE")) {
		vcard_copy_word(pp->media, sizeof pp->media, v, n);
	} else if (vcard_word_eq(pname, pnl, "X-APPLE-OMIT-YEAR")) {
		pp->omit_year = vcard_small_number(v, n, 9999);
	}
}

static int is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* Split @p line into name, parameters and value.  @return EMU_OK or
 * EMU_EINVAL (not NAME[;params]:value, or an unterminated quoted value). */
int vcard_parse_line(char *line, size_t len, struct prop *pp)
{
	char *p = line, *end = line + len, *name = line;
	size_t n;

	memset(pp, 0, sizeof *pp);
	pp->pref = PREF_NONE;
	while (p < end && is_name_char(*p)) {
		if (*p == '.')
			name = p + 1;   /* item1.EMAIL: the group is dropped */
		p++;
	}
	n = (size_t)(p - name);
	if (n == 0 || p == end || (*p != ';' && *p != ':'))
		return EMU_EINVAL;
	if (n < sizeof pp->name)
		for (size_t i = 0; i < n; i++)
			pp->name[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 'a' + 'A') : name[i];
	while (p < end && *p == ';') {
		const char *pn = ++p;
		size_t pnl;
		while (p < end && *p != '=' && *p != ';' && *p != ':')
			p++;
		pnl = (size_t)(p - pn);
		if (p == end)
			return EMU_EINVAL;
		if (*p != '=') {
			if (pnl > 0)
				apply_param(pp, NULL, 0, pn, pnl);
			continue;
		}
		p++;
		for (;;) {
			const char *v;
			size_t vl;
			if (p < end && *p == '"') {
				v = ++p;
				while (p < end && *p != '"')
					p++;
				if (p == end)
					return EMU_EINVAL;
				vl = (size_t)(p - v);
				p++;
			} else {
				v = p;
				while (p < end && *p != ',' && *p != ';' && *p != ':')
					p++;
				vl = (size_t)(p - v);
			}
			apply_param(pp, pn, pnl, v, vl);
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			break;
		}
		if (p == end || (*p != ';' && *p != ':'))
			return EMU_EINVAL;
	}
	if (p == end || *p != ':')
		return EMU_EINVAL;
	pp->value = p + 1;
	pp->vlen = (size_t)(end - (p + 1));
	return EMU_OK;
}

/* ---- values -------------------------------------------------------------------------- */

/* Quoted-printable (RFC 2045 §6.7) in place; soft line breaks were removed
 * when the line was read.  A '=' not followed by two hex digits is kept. */
size_t vcard_qp_decode(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '=' && i + 2 < n && (hi = hex_digit_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_digit_value((unsigned char)s[i + 2])) >= 0) {
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '=' && i + 1 == n) {
			break;   /* a soft break at the very end of the file */
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/* Windows-1252 0x80..0x9F; 0 where the code page has no character. */
static const unsigned short g_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

struct out {
	char *p;
	size_t n, max;
	int over;
};

static void out_byte(struct out *o, unsigned c)
{
	if (o->n >= o->max) {
		o->over = 1;
		return;
	}
	o->p[o->n++] = (char)c;
}

/* One byte of text in @p charset, as UTF-8.  @return 0, or -1 for a byte the
 * charset does not define. */
static int out_char(struct out *o, int charset, unsigned char b)
{
	unsigned cp = b;
	if (b < 0x80 || charset == CS_UTF8) {
		out_byte(o, b);
		return 0;
	}
	if (charset == CS_CP1252 && b < 0xa0) {
		cp = g_cp1252[b - 0x80];
		if (cp == 0)
			return -1;
	}
	if (cp < 0x800) {
		out_byte(o, 0xc0 | cp >> 6);
	} else {
		out_byte(o, 0xe0 | cp >> 12);
		out_byte(o, 0x80 | (cp >> 6 & 0x3f));
	}
	out_byte(o, 0x80 | (cp & 0x3f));
	return 0;
}


/* Decode one text component s[0..n) into @p dst (at most @p max bytes plus
 * NUL): backslash escapes (vCard 3.0/4.0: \n \N \\ \, \; \:, others are
 * kept; 2.1 knows only \;), charset to UTF-8, surrounding blanks trimmed.
 * @p first_item stops at the first unescaped ',' (NICKNAME lists). */
int vcard_text_decode(const struct prop *pp, int version, const char *s, size_t n,
                      int first_item, char *dst, size_t max)
{
	struct out o = { dst, 0, max, 0 };
	size_t a = 0, b;

	dst[0] = '\0';
	if (pp->enc == ENC_OTHER || pp->enc == ENC_B64)
		return TXT_ENCODING;
	if (pp->charset == CS_OTHER)
		return TXT_CHARSET;
	for (size_t i = 0; i < n && !o.over; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			if (version == 21 ? e == ';' : strchr("\\,;:", e) != NULL) {
				out_byte(&o, (unsigned char)e);
				i++;
				continue;
			}
			if (version != 21 && (e == 'n' || e == 'N')) {
				out_byte(&o, '\n');
				i++;
				continue;
			}
		}
		if (c == ',' && first_item && version != 21)
			break;
		if (out_char(&o, pp->charset, c) != 0)
			return TXT_UTF8;
	}
	if (o.over)
		return TXT_LONG;
	b = o.n;
	while (a < b && (dst[a] == ' ' || dst[a] == '\t'))
		a++;
	while (b > a && (dst[b - 1] == ' ' || dst[b - 1] == '\t'))
		b--;
	memmove(dst, dst + a, b - a);
	dst[b - a] = '\0';
	if (!admin_is_text(dst, b - a)) {
		dst[0] = '\0';
		return TXT_UTF8;
	}
	return TXT_OK;
}


/* Split a structured value at unescaped ';' into at most NCOMP components
 * (further ones are ignored); missing ones are empty. */
void vcard_split(const char *v, size_t n, struct comp c[NCOMP])
{
	size_t k = 0, start = 0;
	memset(c, 0, sizeof(struct comp) * NCOMP);
	for (size_t i = 0; i <= n && k < NCOMP; i++) {
		if (i + 1 < n && v[i] == '\\') {
			i++;
			continue;
		}
		if (i == n || v[i] == ';') {
			c[k].p = v + start;
			c[k].n = i - start;
			k++;
			start = i + 1;
		}
	}
}

/* Quoted-printable soft line breaks: a QP line that ends in '=' goes on in
 * the next physical line. */
int vcard_qp_continue(struct reader *r)
{
	while (r->line.len > 0 && r->line.p[r->line.len - 1] == '=' && !r->too_long) {
		int rc;
		dynbuf_setlen(&r->line, r->line.len - 1);
		if ((rc = read_physical(r)) < 0)
			return rc;
		if (rc == 0)
			break;
	}
	return EMU_OK;
}
