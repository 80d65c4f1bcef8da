/* util.c - XML escaping into a dynbuf, UTF-8 and Basic credentials for
 * the replay module. */
#include "replay/replay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/result.h"

#define BASIC_MAX 1024   /* decoded bytes of a Basic credential we look at */

int replay_utf8_char(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0], min;
	int len;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* XML 1.0 §2.2 Char */
static int xml_char_ok(unsigned c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	       (c >= 0x10000 && c <= 0x10FFFF);
}

void replay_buf_xml(struct dynbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n) {
		unsigned cp;
		int len = replay_utf8_char(p, n, &cp);
		if (len == 0 || !xml_char_ok(cp)) {
			dynbuf_add(b, "?", 1);
			len = 1;
		} else if (cp == '&') {
			dynbuf_add(b, "&amp;", 5);
		} else if (cp == '<') {
			dynbuf_add(b, "&lt;", 4);
		} else if (cp == '>') {
			dynbuf_add(b, "&gt;", 4);
		} else if (cp == '"') {
			dynbuf_add(b, "&quot;", 6);
		} else if (cp == '\'') {
			dynbuf_add(b, "&apos;", 6);
		} else {
			dynbuf_add(b, p, (size_t)len);
		}
		p += len;
		n -= (size_t)len;
	}
}

int replay_basic_auth(const char *user, const char *password, char *out, size_t outsz)
{
	char plain[BASIC_MAX];
	int n = snprintf(plain, sizeof plain, "%s:%s", user, password ? password : "");
	int rc = -1;
	if (n < 0 || (size_t)n >= sizeof plain || outsz < 6 + BASE64_ENCODED_SIZE((size_t)n))
		goto out;
	memcpy(out, "Basic ", 6);
	base64_encode(plain, (size_t)n, out + 6);
	rc = 0;
out:
	memset(plain, 0, sizeof plain);
	return rc;
}
