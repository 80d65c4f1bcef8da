/* wire_headers.c - header rules every user of wire/ shares: which fields
 * concern only one hop or carry credentials, and the Basic user name. */
#include "wire/wire.h"

#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/result.h"

#define BASIC_DECODED_MAX 1024   /* decoded bytes of a Basic credential looked at */

static int in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(name, list[i]))
			return 1;
	return 0;
}

int wire_header_hop_by_hop(const char *name)
{
	/* RFC 9110 §7.6.1, plus Content-Length: wire_serialize() writes its own */
	static const char *const h[] = { "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	                                 "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
	                                 "Content-Length" };
	return name && in_list(name, h, sizeof h / sizeof *h);
}

int wire_header_credential(const char *name)
{
	static const char *const h[] = { "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie" };
	return name && in_list(name, h, sizeof h / sizeof *h);
}

int wire_msg_strip_hop_by_hop(struct wire_msg *m)
{
	char named[WIRE_HEADERS_MAX][64];
	int nn = 0, rc = EMU_OK;
	/* the fields a Connection header names are hop-by-hop too */
	for (int i = 0; i < m->nheaders; i++) {
		if (strcasecmp(m->headers[i].name, "Connection") != 0 || !m->headers[i].value)
			continue;
		const char *p = m->headers[i].value;
		while (*p && nn < WIRE_HEADERS_MAX) {
			size_t n = strcspn(p, ", \t");
			if (n > 0 && n < sizeof named[0]) {
				memcpy(named[nn], p, n);
				named[nn++][n] = '\0';
			}
			p += n;
			p += strspn(p, ", \t");
		}
	}
	for (int i = 0; i < nn && rc == EMU_OK; i++)
		if (strcasecmp(named[i], "close") && strcasecmp(named[i], "keep-alive"))
			rc = wire_msg_set_header(m, named[i], NULL);
	for (int i = 0; i < m->nheaders && rc == EMU_OK;) {
		char name[64];
		if (!wire_header_hop_by_hop(m->headers[i].name) || strlen(m->headers[i].name) >= sizeof name) {
			i++;
			continue;
		}
		/* a copy: removing frees the header's own name */
		memcpy(name, m->headers[i].name, strlen(m->headers[i].name) + 1);
		rc = wire_msg_set_header(m, name, NULL);
	}
	return rc;
}

int wire_basic_user(const char *authorization, char *out, size_t outsz)
{
	unsigned char dec[BASIC_DECODED_MAX + 1];
	size_t n = 0, i;
	const char *v = authorization;
	int rc = EMU_EINVAL;
	if (!v || outsz == 0 || strncasecmp(v, "Basic", 5) != 0 || (v[5] != ' ' && v[5] != '\t'))
		return EMU_EINVAL;
	v += 6;
	while (*v == ' ' || *v == '\t')
		v++;
	if (base64_decode(v, strlen(v), dec, BASIC_DECODED_MAX, &n) != EMU_OK)
		goto out;
	for (i = 0; i < n && dec[i] != ':'; i++)
		if (dec[i] < 0x20 || dec[i] == 0x7f)
			goto out;   /* not a name that can be kept as text */
	if (i == 0)
		goto out;
	if (i >= outsz) {
		rc = EMU_ELIMIT;
		goto out;
	}
	memcpy(out, dec, i);
	out[i] = '\0';
	rc = EMU_OK;
out:
	explicit_bzero(dec, sizeof dec);   /* the password was in there */
	return rc;
}
