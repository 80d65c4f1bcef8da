/* names.c - name normalisation, tokens and prefix matching (see names.h). */
#include "core/names.h"

#include <string.h>

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int is_break(unsigned char c)
{
	return is_space(c) || strchr(",;()\"<>[]", c) != NULL;
}

/* Cut @p n bytes of @p s back so no UTF-8 sequence is split, @p next being
 * the byte that would follow them (a continuation byte means the last
 * sequence is incomplete). */
static size_t utf8_cut_before(const char *s, size_t n, unsigned char next)
{
	if ((next & 0xC0) != 0x80)
		return n;
	while (n > 0 && ((unsigned char)s[n - 1] & 0xC0) == 0x80)
		n--;
	return n > 0 ? n - 1 : 0;    /* drop the lead byte too */
}

/* @p n bytes of the string @p s (at least n long), cut at a boundary. */
static size_t utf8_cut(const char *s, size_t n)
{
	return utf8_cut_before(s, n, (unsigned char)s[n]);
}

size_t names_normalize(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	int pending_space = 0;
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	if (outsz == 0)
		return 0;
	for (; *p; p++) {
		unsigned char c = *p;
		if (is_space(c)) {
			pending_space = o > 0;
			continue;
		}
		if (pending_space) {
			if (o + 1 >= outsz)
				break;
			out[o++] = ' ';
			pending_space = 0;
		}
		if (c == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
			/* Latin-1 capitals À..Þ (not ×): second byte + 0x20 */
			if (o + 2 >= outsz)
				break;
			out[o++] = (char)c;
			out[o++] = (char)(p[1] + 0x20);
			p++;
			continue;
		}
		if (o + 1 >= outsz)
			break;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (*p)   /* stopped for want of room: do not end inside a sequence */
		o = utf8_cut_before(out, o, *p);
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

static void add_token(struct names_tokens *t, const char *s, size_t len)
{
	if (len == 0 || t->n >= NAMES_TOKENS_MAX)
		return;
	if (len > NAMES_TOKEN_MAX)
		len = utf8_cut(s, NAMES_TOKEN_MAX);
	for (int i = 0; i < t->n; i++)
		if (strlen(t->tok[i]) == len && memcmp(t->tok[i], s, len) == 0)
			return;
	memcpy(t->tok[t->n], s, len);
	t->tok[t->n][len] = '\0';
	t->n++;
}

/* The field as a whole and, when it has several, each of its words. */
static void add_field(struct names_tokens *t, const char *field)
{
	char norm[NAMES_TOKEN_MAX * 2 + 1];
	size_t n = names_normalize(field, norm, sizeof norm);
	size_t start = 0;
	if (n == 0)
		return;
	add_token(t, norm, n);
	for (size_t i = 0; i <= n; i++) {
		if (i == n || is_break((unsigned char)norm[i])) {
			if (i > start && !(start == 0 && i == n))
				add_token(t, norm + start, i - start);
			start = i + 1;
		}
	}
}

void names_tokenize(const struct names_fields *f, struct names_tokens *out)
{
	char g[NAMES_TOKEN_MAX + 1], s[NAMES_TOKEN_MAX + 1], both[2 * NAMES_TOKEN_MAX + 3];
	out->n = 0;
	add_field(out, f->display_name);
	add_field(out, f->given_name);
	add_field(out, f->surname);
	for (size_t i = 0; i < sizeof f->other / sizeof *f->other; i++)
		add_field(out, f->other[i]);
	size_t gl = names_normalize(f->given_name, g, sizeof g);
	size_t sl = names_normalize(f->surname, s, sizeof s);
	if (gl && sl) {
		memcpy(both, g, gl);
		both[gl] = ' ';
		memcpy(both + gl + 1, s, sl);
		add_token(out, both, gl + 1 + sl);
		memcpy(both, s, sl);
		both[sl] = ' ';
		memcpy(both + sl + 1, g, gl);
		add_token(out, both, sl + 1 + gl);
		both[sl] = ',';
		both[sl + 1] = ' ';
		memcpy(both + sl + 2, g, gl);
		add_token(out, both, sl + 2 + gl);
	}
}

int names_match(const struct names_tokens *t, const char *norm)
{
	size_t n = strlen(norm);
	if (n == 0)
		return 0;
	if (n > NAMES_TOKEN_MAX)
		n = utf8_cut(norm, NAMES_TOKEN_MAX);
	for (int i = 0; i < t->n; i++)
		if (strncmp(t->tok[i], norm, n) == 0)
			return 1;
	return 0;
}

int names_has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		unsigned char a = (unsigned char)*s, b = (unsigned char)*prefix;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b || a == '\0')
			return 0;
	}
	return 1;
}
