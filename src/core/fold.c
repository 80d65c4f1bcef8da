/* fold.c - Unicode simple case folding over UTF-8 (see fold.h).  The
 * letter tables are libunistring's (unicase.h), which need no locale. */
#include "core/fold.h"

#include <string.h>
#include <unicase.h>

size_t fold_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	uint32_t v, min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1Fu;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0Fu;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		goto raw;
	}
	if (len > n)
		goto raw;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			goto raw;
		v = (v << 6) | (p[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto raw;   /* overlong, beyond Unicode, surrogate */
	*cp = v;
	return len;
raw:
	*cp = FOLD_RAW_BASE + c;
	return 1;
}

uint32_t fold_char(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	/* U+0130/U+0131 fold only in Turkic tailoring (CaseFolding.txt "T") */
	if (cp >= FOLD_RAW_BASE || cp == 0x130 || cp == 0x131)
		return cp;
	return uc_tolower(uc_toupper(cp));
}

size_t fold_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80 || cp >= FOLD_RAW_BASE) {
		o[0] = (unsigned char)(cp < 0x80 ? cp : cp - FOLD_RAW_BASE);
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t fold_text(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		char buf[4];
		size_t len;
		i += fold_next(s + i, n - i, &cp);
		len = fold_put(fold_char(cp), buf);
		if (len > cap - o)
			return FOLD_NOROOM;
		memcpy(out + o, buf, len);
		o += len;
	}
	return o;
}

int fold_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;
	while (i < an && j < bn) {
		uint32_t x, y;
		if ((unsigned char)a[i] < 0x80 && (unsigned char)b[j] < 0x80) {   /* ASCII: no decoding */
			x = fold_char((unsigned char)a[i++]);
			y = fold_char((unsigned char)b[j++]);
		} else {
			i += fold_next(a + i, an - i, &x);
			j += fold_next(b + j, bn - j, &y);
			x = fold_char(x);
			y = fold_char(y);
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (i < an) - (j < bn);
}

int fold_strcmp(const char *a, const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	return fold_cmp(a, strlen(a), b, strlen(b));
}

int fold_has_prefix(const char *s, const char *prefix)
{
	size_t sn = strlen(s), pn = strlen(prefix), i = 0, j = 0;
	while (j < pn) {
		uint32_t x, y;
		if (i >= sn)
			return 0;
		i += fold_next(s + i, sn - i, &x);
		j += fold_next(prefix + j, pn - j, &y);
		if (fold_char(x) != fold_char(y))
			return 0;
	}
	return 1;
}
