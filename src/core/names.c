/* names.c - name normalisation, tokens and prefix matching (see names.h). */
#include "core/names.h"

#include <stdint.h>
#include <string.h>

#include "core/fold.h"

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
	size_t o = 0, n = in ? strlen(in) : 0;
	int pending_space = 0;
	if (outsz == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		char buf[4];
		size_t len;
		if (is_space((unsigned char)in[i])) {
			pending_space = o > 0;
			i++;
			continue;
		}
		if (pending_space) {
			if (o + 1 >= outsz)
				break;
			out[o++] = ' ';
			pending_space = 0;
		}
		/* core/fold.h: the one case-insensitive rule */
		i += fold_next(in + i, n - i, &cp);
		len = fold_put(fold_char(cp), buf);
		if (o + len >= outsz)
			break;   /* whole characters only: never ends inside a sequence */
		memcpy(out + o, buf, len);
		o += len;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

/* Called for each token of a record (not NUL-terminated, @p len bytes,
 * possibly longer than NAMES_TOKEN_MAX); non-zero stops the walk. */
typedef int (*token_fn)(const char *tok, size_t len, void *ctx);

/* The field as a whole and, when it has several, each of its words. */
static int field_tokens(const char *field, token_fn fn, void *ctx)
{
	char norm[NAMES_TOKEN_MAX * 2 + 1];
	size_t n = names_normalize(field, norm, sizeof norm);
	size_t start = 0;
	int r;
	if (n == 0)
		return 0;
	if ((r = fn(norm, n, ctx)) != 0)
		return r;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || is_break((unsigned char)norm[i])) {
			if (i > start && !(start == 0 && i == n) && (r = fn(norm + start, i - start, ctx)) != 0)
				return r;
			start = i + 1;
		}
	}
	return 0;
}

/* The one definition of a record's tokens (names.h): every field, its
 * words, and the given/surname combinations. */
static int foreach_token(const struct names_fields *f, token_fn fn, void *ctx)
{
	char g[NAMES_TOKEN_MAX + 1], s[NAMES_TOKEN_MAX + 1], both[2 * NAMES_TOKEN_MAX + 3];
	const char *fields[3 + sizeof f->other / sizeof *f->other] = { f->display_name, f->given_name,
	                                                                f->surname };
	int r;
	memcpy(fields + 3, f->other, sizeof f->other);
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if ((r = field_tokens(fields[i], fn, ctx)) != 0)
			return r;
	size_t gl = names_normalize(f->given_name, g, sizeof g);
	size_t sl = names_normalize(f->surname, s, sizeof s);
	if (gl == 0 || sl == 0)
		return 0;
	memcpy(both, g, gl);
	both[gl] = ' ';
	memcpy(both + gl + 1, s, sl);
	if ((r = fn(both, gl + 1 + sl, ctx)) != 0)
		return r;
	memcpy(both, s, sl);
	both[sl] = ' ';
	memcpy(both + sl + 1, g, gl);
	if ((r = fn(both, sl + 1 + gl, ctx)) != 0)
		return r;
	both[sl] = ',';
	both[sl + 1] = ' ';
	memcpy(both + sl + 2, g, gl);
	return fn(both, sl + 2 + gl, ctx);
}

static int add_token(const char *s, size_t len, void *ctx)
{
	struct names_tokens *t = ctx;
	if (len == 0 || t->n >= NAMES_TOKENS_MAX)
		return 0;
	if (len > NAMES_TOKEN_MAX)
		len = utf8_cut(s, NAMES_TOKEN_MAX);
	for (int i = 0; i < t->n; i++)
		if (strlen(t->tok[i]) == len && memcmp(t->tok[i], s, len) == 0)
			return 0;
	memcpy(t->tok[t->n], s, len);
	t->tok[t->n][len] = '\0';
	t->n++;
	return 0;
}

void names_tokenize(const struct names_fields *f, struct names_tokens *out)
{
	out->n = 0;
	foreach_token(f, add_token, out);
}

struct prefix { const char *q; size_t n; };

/* Does the token (cut to NAMES_TOKEN_MAX) start with the query? */
static int token_has_prefix(const char *tok, size_t len, void *ctx)
{
	const struct prefix *p = ctx;
	if (len > NAMES_TOKEN_MAX)
		len = utf8_cut(tok, NAMES_TOKEN_MAX);
	return len >= p->n && memcmp(tok, p->q, p->n) == 0;
}

/* The query's compared length: at most NAMES_TOKEN_MAX, cut at a boundary. */
static size_t query_len(const char *norm)
{
	size_t n = strlen(norm);
	return n > NAMES_TOKEN_MAX ? utf8_cut(norm, NAMES_TOKEN_MAX) : n;
}

int names_fields_match(const struct names_fields *f, const char *norm)
{
	struct prefix p = { norm, query_len(norm) };
	return p.n > 0 && foreach_token(f, token_has_prefix, &p) != 0;
}

int names_match(const struct names_tokens *t, const char *norm)
{
	size_t n = query_len(norm);
	if (n == 0)
		return 0;
	for (int i = 0; i < t->n; i++)
		if (strncmp(t->tok[i], norm, n) == 0)
			return 1;
	return 0;
}

int names_has_prefix_ci(const char *s, const char *prefix)
{
	return fold_has_prefix(s, prefix);
}
