/* vcard_int.h - the vCard syntax layer (vcard_syntax.c) as used by the card
 * mapping in vcard.c: logical lines, property lines, parameters and values
 * (RFC 6350 §3, RFC 2426, and the 2.1 forms exporters still write).
 * Private to src/admin. */
#ifndef EMU_ADMIN_VCARD_INT_H
#define EMU_ADMIN_VCARD_INT_H

#include <stddef.h>
#include <stdio.h>

#include "core/dynbuf.h"

#define PREF_NONE 1000            /* sorts after every PREF=1..100 */
#define NCOMP 7                   /* components read from a structured value (ADR has 7) */

/* ---- logical lines ------------------------------------------------------------------ */

/* Reads a stream a logical line at a time into one buffer that grows up to
 * VCARD_MAX_LINE bytes.  Set in, dynbuf_init(&line, VCARD_MAX_LINE); zero
 * the rest.  The owner frees line (dynbuf_free). */
struct reader {
	FILE *in;
	struct dynbuf line;    /* the logical line: line.p (NUL-terminated), line.len */
	unsigned long lineno;  /* physical lines read so far */
	unsigned long start;   /* first physical line of the logical line */
	int too_long;          /* bytes beyond VCARD_MAX_LINE were dropped */
	int nul;               /* the line held a NUL byte */
};

/** Read the next logical line into r->line: a physical line (LF or CR LF)
 * plus its continuations (a line break followed by a space or tab is
 * removed with that character, RFC 6350 §3.2).  A line over VCARD_MAX_LINE
 * is read to its end with the excess dropped and r->too_long set; a NUL
 * byte sets r->nul.
 * @return 1 a line; 0 end of file; EMU_EIO; EMU_ENOMEM. */
int vcard_read_line(struct reader *r);

/** Quoted-printable soft line breaks: while the line ends in '=', drop it
 * and append the next physical line.  @return EMU_OK; EMU_EIO; EMU_ENOMEM. */
int vcard_qp_continue(struct reader *r);

/* ---- property lines ------------------------------------------------------------------- */

/* TYPE values that matter to a contact record */
enum {
	T_WORK = 1u << 0, T_HOME = 1u << 1, T_CELL = 1u << 2, T_VOICE = 1u << 3,
	T_FAX = 1u << 4, T_PAGER = 1u << 5, T_MAIN = 1u << 6, T_X400 = 1u << 7
};

enum { ENC_NONE, ENC_B64, ENC_QP, ENC_OTHER };
enum { CS_UTF8, CS_LATIN1, CS_CP1252, CS_OTHER };

/* One property line, split; value points into the line. */
struct prop {
	char name[32];         /* upper case, group dropped; "" when longer (unknown) */
	unsigned types;        /* T_* */
	int pref;              /* PREF=n, 1 for TYPE=pref, else PREF_NONE */
	int enc;               /* ENC_* */
	char enc_name[24];
	int charset;           /* CS_* */
	char charset_name[24];
	int value_uri, value_text;
	char media[48];        /* PHOTO: TYPE=JPEG, MEDIATYPE=image/jpeg, 2.1 bare JPEG */
	int omit_year;         /* Apple's X-APPLE-OMIT-YEAR */
	char *value;           /* in the reader's buffer */
	size_t vlen;
};

/** Split @p line (NUL-terminated at @p len) into group (dropped), name,
 * parameters and value.  Parameters: TYPE (comma lists, quoted lists,
 * repeated, 2.1 bare words), PREF, ENCODING, VALUE, CHARSET, MEDIATYPE,
 * X-APPLE-OMIT-YEAR; others are skipped, quoted values may hold ':' ';' ','.
 * @return EMU_OK; EMU_EINVAL not NAME[;params]:value or an unterminated
 *	quoted value. */
int vcard_parse_line(char *line, size_t len, struct prop *pp);

/* ---- values ---------------------------------------------------------------------------- */

/** Decode quoted-printable in place (soft breaks already removed); a '='
 * without two hex digits is kept.  @return the new length (NUL written). */
size_t vcard_qp_decode(char *s, size_t n);

enum { TXT_OK = 0, TXT_LONG, TXT_UTF8, TXT_CHARSET, TXT_ENCODING };

/** Decode one text component s[0..n) into @p dst (at most @p max bytes plus
 * NUL): backslash escapes (3.0/4.0: \n \N \\ \, \; \:, others kept; 2.1
 * knows only \;), the property's CHARSET to UTF-8, blanks trimmed at both
 * ends, then admin_is_text().  @p first_item stops at the first unescaped
 * ',' (list values such as NICKNAME).
 * @return TXT_OK; TXT_LONG; TXT_UTF8 not UTF-8 or a control character;
 *	TXT_CHARSET unsupported CHARSET; TXT_ENCODING base64 or an unknown
 *	ENCODING on text.  @p dst is "" on failure, except TXT_LONG. */
int vcard_text_decode(const struct prop *pp, int version, const char *s, size_t n,
                      int first_item, char *dst, size_t max);

/* One component of a structured value (N, ORG, ADR), still escaped. */
struct comp {
	const char *p;
	size_t n;
};

/** Split at unescaped ';' into NCOMP components (further ones ignored;
 * missing ones are empty with p NULL). */
void vcard_split(const char *v, size_t n, struct comp c[NCOMP]);

/* ---- small helpers ----------------------------------------------------------------------- */

/** 1 when p[0..n) equals @p w, ASCII case-insensitively. */
int vcard_word_eq(const char *p, size_t n, const char *w);
/** Copy p[0..n) lower-cased into @p dst, cut to @p dstsz - 1 bytes. */
void vcard_copy_word(char *dst, size_t dstsz, const char *p, size_t n);
/** The decimal p[0..n) when it is 0..@p max, else -1. */
int vcard_small_number(const char *p, size_t n, int max);

#endif
