/* query.c - restrictions, sort orders, paging views and AQS (query.h):
 * the search rules of spec §2.3, §3.2-§3.5 and §4, over records read
 * through the property table (props.h).  No gSOAP, no store.
 */
#include "ews/query.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/fold.h"
#include "core/result.h"

/* ---- text folding (spec §4.3 ContainmentComparison) ------------------------------ */

/* Room for a folded value or constant: the largest stored text (notes) and
 * the largest constant both fit, folded (core/fold.h FOLD_SIZE). */
#define FOLD_MAX FOLD_SIZE(QUERY_CONSTANT_MAX > STORE_NOTES_MAX ? QUERY_CONSTANT_MAX : STORE_NOTES_MAX)

/* Base letters of U+00C0..U+00FF ('*': no base letter, kept as is). */
static const char LATIN1_BASE[] = "AAAAAAACEEEEIIIIDNOOOOO*OUUUUY**aaaaaaaceeeeiiiidnooooo*ouuuuy*y";

static int is_word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Fold @p s (@p n bytes) into @p out (@p cap bytes) by @p flags: letters
 * case-folded (core/fold.h), Latin-1 accents and combining marks
 * (U+0300-U+036F) dropped, whitespace runs collapsed (Loose).
 * @return the folded length, or (size_t)-1 when it does not fit. */
static size_t fold(const char *s, size_t n, unsigned flags, char *out, size_t cap)
{
	size_t o = 0;
	int space = 1;   /* Loose: drop leading blanks */

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		char buf[4];
		size_t len;
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && !((flags & QF_LOOSE) && isspace(c))) {   /* ASCII: no decoding */
			if (o == cap)
				return (size_t)-1;
			out[o++] = (char)((flags & QF_IGNORE_CASE) ? fold_char(c) : c);
			space = 0;
			i++;
			continue;
		}
		i += fold_next(s + i, n - i, &cp);
		if (flags & QF_IGNORE_NONSPACE) {
			if (cp >= 0x300 && cp <= 0x36f)
				continue;   /* a combining mark */
			if (cp >= 0xc0 && cp <= 0xff && LATIN1_BASE[cp - 0xc0] != '*')
				cp = (unsigned char)LATIN1_BASE[cp - 0xc0];
		}
		if ((flags & QF_LOOSE) && cp < 0x80 && isspace((int)cp)) {
			if (space)
				continue;
			space = 1;
			cp = ' ';
		} else {
			space = 0;
		}
		if (flags & QF_IGNORE_CASE)
			cp = fold_char(cp);
		len = fold_put(cp, buf);
		if (len > cap - o)
			return (size_t)-1;
		memcpy(out + o, buf, len);
		o += len;
	}
	if ((flags & QF_LOOSE) && o && out[o - 1] == ' ')
		o--;
	return o;
}

static int starts_word(const char *h, size_t i)
{
	return i == 0 || !is_word_byte((unsigned char)h[i - 1]);
}

static int contains(enum query_mode mode, const char *h, size_t hn, const char *nd, size_t nn)
{
	switch (mode) {
	case QM_FULL_STRING:
		return hn == nn && memcmp(h, nd, nn) == 0;
	case QM_PREFIXED:
		return hn >= nn && memcmp(h, nd, nn) == 0;
	case QM_SUBSTRING:
	case QM_PREFIX_ON_WORDS:
	case QM_EXACT_PHRASE:
		for (size_t i = 0; i + nn <= hn; i++) {
			if (memcmp(h + i, nd, nn) != 0)
				continue;
			if (mode == QM_SUBSTRING)
				return 1;
			if (!starts_word(h, i))
				continue;
			if (mode == QM_PREFIX_ON_WORDS || i + nn == hn || !is_word_byte((unsigned char)h[i + nn]))
				return 1;
		}
		return 0;
	}
	return 0;
}

/* ---- values ---------------------------------------------------------------------- */

/* Comparable classes: strings, numbers, booleans, times, binaries. */
static int type_class(int t)
{
	switch (t) {
	case PROP_T_INTEGER: case PROP_T_LONG: case PROP_T_SHORT: case PROP_T_DOUBLE: return 1;
	case PROP_T_BOOLEAN: return 2;
	case PROP_T_SYSTEMTIME: return 3;
	case PROP_T_BINARY: return 4;
	default: return 0;
	}
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

/* xs:dateTime (or xs:date) to unix seconds; no zone reads as UTC (spec §4.2). */
static int parse_datetime(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, sign = 0;
	memset(&tm, 0, sizeof tm);
	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (*s == 'T') {
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' || digits(&s, 2, &sec))
			return -1;
		if (*s == '.') {
			for (s++; isdigit((unsigned char)*s); s++)
				;
		}
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &zh) || *s++ != ':' || digits(&s, 2, &zm))
			return -1;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60 || zh > 14 || zm > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - sign * (zh * 3600 + zm * 60);
	return 0;
}

/* Parse constant @p s as a value of type @p type (spec §4.2). */
static enum query_error parse_constant(const char *s, int type, struct prop_value *v)
{
	char *end;
	size_t n = s ? strlen(s) : 0;
	memset(v, 0, sizeof *v);
	if (!s || n > QUERY_CONSTANT_MAX)
		return QE_INVALID_VALUE;
	v->type = type;
	switch (type_class(type)) {
	case 1:
		errno = 0;
		v->i = strtoll(s, &end, 10);
		if (!n || *end || errno || isspace((unsigned char)*s))
			return QE_INVALID_VALUE;
		if (type == PROP_T_INTEGER && (v->i < INT32_MIN || v->i > INT32_MAX))
			return QE_INVALID_VALUE;
		if (type == PROP_T_SHORT && (v->i < INT16_MIN || v->i > INT16_MAX))
			return QE_INVALID_VALUE;
		return QE_OK;
	case 2:
		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			v->i = 1;
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			v->i = 0;
		else
			return QE_INVALID_VALUE;
		return QE_OK;
	case 3:
		return parse_datetime(s, &v->i) ? QE_INVALID_VALUE : QE_OK;
	case 4:
		return QE_INVALID_VALUE;   /* no Binary property is stored: nothing to compare with */
	default:
		v->type = PROP_T_STRING;
		v->s = s;
		v->len = n;
		return QE_OK;
	}
}

/* <0, 0, >0: @p a against @p b of the same class; strings case-insensitively. */
static int value_cmp(const struct prop_value *a, const struct prop_value *b)
{
	if (type_class(a->type) == 0)
		return fold_cmp(a->s, a->len, b->s, b->len);   /* spec §4.2: ordinal after case folding */
	return a->i < b->i ? -1 : a->i > b->i;
}

static int path_type(const struct query_path *p)
{
	if (p->def)
		return p->def->type;
	return p->ext_type >= 0 ? p->ext_type : PROP_T_STRING;
}

/* Item flags Exchange computes: Exists on them is ErrorInvalidPropertyForExists. */
static int is_flag_uri(const char *uri)
{
	static const char *const flags[] = { "item:IsSubmitted", "item:IsDraft", "item:IsFromMe",
	                                     "item:IsResend", "item:IsUnmodified", "item:ReminderIsSet",
	                                     "item:IsAssociated", "item:HasAttachments" };
	for (size_t i = 0; uri && i < sizeof flags / sizeof *flags; i++)
		if (strcmp(uri, flags[i]) == 0)
			return 1;
	return 0;
}

/* Resolve @p p for @p kinds; @p for_sort picks the sort error. */
static enum query_error resolve(struct query_path *p, unsigned kinds, int for_sort)
{
	int unsupported;
	p->def = NULL;
	p->ext_type = -1;
	switch (p->kind) {
	case QP_FIELD:
	case QP_INDEXED: {
		const struct prop_def *any = props_find_uri(p->uri);
		if (!any)
			return QE_INVALID_PROPERTY;
		if (p->kind == QP_FIELD && any->field_index)
			return QE_INVALID_PROPERTY;   /* an indexed URI needs its FieldIndex */
		p->def = props_find_field(p->uri, p->kind == QP_INDEXED ? p->index : NULL);
		if (p->kind == QP_INDEXED && !p->def) {
			if (!any->field_index)
				return QE_INVALID_PROPERTY;
			return QE_OK;   /* a dictionary entry ewsemu does not store: never set */
		}
		if (!p->def->queryable || !(p->def->on & kinds))
			return for_sort ? QE_SORT_PATH : QE_UNSUPPORTED_PATH;
		return QE_OK;
	}
	case QP_EXTENDED:
		switch (props_find_extended(&p->ext, kinds, &p->def)) {
		case PROP_EXT_SERVED:
		case PROP_EXT_NOT_SERVED:
			p->ext_type = props_type_parse(p->ext.type, &unsupported);
			return QE_OK;
		case PROP_EXT_UNSUPPORTED_TYPE:
			return QE_UNSUPPORTED_TYPE;
		default:
			return QE_INVALID_EXTENDED;
		}
	default:
		return QE_TOO_COMPLEX;
	}
}

static enum query_error parse_contains(struct query_node *n)
{
	static const char *const modes[] = { "FullString", "Prefixed", "Substring", "PrefixOnWords", "ExactPhrase" };
	static const struct { const char *name; unsigned flags; } cmps[] = {
		{ "Exact", 0 }, { "IgnoreCase", QF_IGNORE_CASE }, { "IgnoreNonSpacingCharacters", QF_IGNORE_NONSPACE },
		{ "IgnoreCaseAndNonSpacingCharacters", QF_IGNORE_CASE | QF_IGNORE_NONSPACE },
		{ "Loose", QF_IGNORE_CASE | QF_LOOSE }, { "LooseAndIgnoreCase", QF_IGNORE_CASE | QF_LOOSE },
		{ "LooseAndIgnoreNonSpace", QF_IGNORE_CASE | QF_IGNORE_NONSPACE | QF_LOOSE },
		{ "LooseAndIgnoreCaseAndIgnoreNonSpace", QF_IGNORE_CASE | QF_IGNORE_NONSPACE | QF_LOOSE },
	};
	size_t i;
	n->cmode = QM_FULL_STRING;   /* spec §4.3: FullString and Exact by default */
	n->cflags = 0;
	if (n->mode) {
		for (i = 0; i < sizeof modes / sizeof *modes && strcmp(n->mode, modes[i]); i++)
			;
		if (i == sizeof modes / sizeof *modes)
			return QE_INVALID_VALUE;
		n->cmode = (enum query_mode)i;
	}
	if (n->comparison) {
		for (i = 0; i < sizeof cmps / sizeof *cmps && strcmp(n->comparison, cmps[i].name); i++)
			;
		if (i == sizeof cmps / sizeof *cmps)
			return QE_INVALID_VALUE;
		n->cflags = cmps[i].flags;
	}
	return QE_OK;
}

/* Limits first: count nodes and depth without recursing past the cap. */
static enum query_error measure(const struct query_node *n, int depth, size_t *count)
{
	if (depth > QUERY_DEPTH_MAX)
		return QE_TOO_COMPLEX;
	for (; n; n = n->next) {
		enum query_error e;
		if (++*count > QUERY_NODES_MAX)
			return QE_TOO_LONG;
		if (n->kids && (e = measure(n->kids, depth + 1, count)) != QE_OK)
			return e;
	}
	return QE_OK;
}

static enum query_error compile(struct query_node *n, unsigned kinds)
{
	enum query_error e;
	size_t kids = 0;
	for (const struct query_node *k = n->kids; k; k = k->next)
		kids++;
	switch (n->op) {
	case Q_AND:
	case Q_OR:
	case Q_NOT:
		if (kids == 0 || (n->op == Q_NOT && kids != 1))
			return QE_TOO_COMPLEX;
		for (struct query_node *k = n->kids; k; k = k->next)
			if ((e = compile(k, kinds)) != QE_OK)
				return e;
		return QE_OK;
	case Q_EXISTS:
		if (n->lhs.kind != QP_EXTENDED && is_flag_uri(n->lhs.uri))
			return QE_INVALID_FOR_EXISTS;
		return resolve(&n->lhs, kinds, 0);
	case Q_CONTAINS:
		if ((e = resolve(&n->lhs, kinds, 0)) != QE_OK)
			return e;
		if (type_class(path_type(&n->lhs)) != 0)
			return QE_UNSUPPORTED_PATH;   /* spec §4.3: strings only */
		if ((e = parse_contains(n)) != QE_OK)
			return e;
		return parse_constant(n->constant, PROP_T_STRING, &n->cval);
	default:
		if ((e = resolve(&n->lhs, kinds, 0)) != QE_OK)
			return e;
		if (n->rhs_is_path) {
			if ((e = resolve(&n->rhs, kinds, 0)) != QE_OK)
				return e;
			return type_class(path_type(&n->lhs)) == type_class(path_type(&n->rhs)) ? QE_OK : QE_INVALID_VALUE;
		}
		return parse_constant(n->constant, path_type(&n->lhs), &n->cval);
	}
}

enum query_error query_compile(struct query_node *root, unsigned kinds)
{
	size_t count = 0;
	enum query_error e;
	if (!root)
		return QE_TOO_COMPLEX;
	if ((e = measure(root, 1, &count)) != QE_OK)
		return e;
	if (root->next)
		return QE_TOO_COMPLEX;   /* a Restriction holds one expression */
	return compile(root, kinds);
}

static int get(const struct query_path *p, const struct prop_record *r, struct prop_value *v)
{
	return p->def && props_get(p->def, r, v);
}

static int match_contains(const struct query_node *n, const struct prop_value *v)
{
	char h[FOLD_MAX], nd[FOLD_MAX];   /* a leaf: one such frame at a time */
	size_t hn = fold(v->s, v->len, n->cflags, h, sizeof h);
	size_t nn = fold(n->cval.s, n->cval.len, n->cflags, nd, sizeof nd);
	if (hn == (size_t)-1 || nn == (size_t)-1)
		return 0;
	return contains(n->cmode, h, hn, nd, nn);
}

int query_match(const struct query_node *n, const struct prop_record *r)
{
	struct prop_value v, w;
	int c;
	switch (n->op) {
	case Q_AND:
		for (const struct query_node *k = n->kids; k; k = k->next)
			if (!query_match(k, r))
				return 0;
		return 1;
	case Q_OR:
		for (const struct query_node *k = n->kids; k; k = k->next)
			if (query_match(k, r))
				return 1;
		return 0;
	case Q_NOT:
		return !query_match(n->kids, r);
	case Q_EXISTS:
		return get(&n->lhs, r, &v);
	case Q_CONTAINS:
		return get(&n->lhs, r, &v) && match_contains(n, &v);
	default:
		break;
	}
	/* spec §4.2: a missing operand makes every comparison false */
	if (!get(&n->lhs, r, &v))
		return 0;
	if (n->rhs_is_path) {
		if (!get(&n->rhs, r, &w))
			return 0;
	} else {
		w = n->cval;
	}
	if (type_class(v.type) != type_class(w.type))
		return 0;
	c = value_cmp(&v, &w);
	switch (n->op) {
	case Q_EQ: return c == 0;
	case Q_NE: return c != 0;
	case Q_GT: return c > 0;
	case Q_GE: return c >= 0;
	case Q_LT: return c < 0;
	case Q_LE: return c <= 0;
	default: return 0;
	}
}

/* ---- SortOrder ------------------------------------------------------------------------ */

enum query_error query_sort_compile(struct query_sort_key *keys, size_t n, unsigned kinds)
{
	enum query_error e;
	if (n > QUERY_SORT_MAX)
		return QE_SORT_PATH;
	for (size_t i = 0; i < n; i++)
		if ((e = resolve(&keys[i].path, kinds, 1)) != QE_OK)
			return e;
	return QE_OK;
}

void query_sort_values(const struct query_sort_key *keys, size_t n, const struct prop_record *r,
                       struct prop_value *vals)
{
	for (size_t i = 0; i < n; i++)
		if (!get(&keys[i].path, r, &vals[i]))
			vals[i].type = QUERY_MISSING;
}

int query_sort_cmp_values(const struct query_sort_key *keys, size_t n,
                          const struct prop_value *a, const struct prop_value *b)
{
	for (size_t i = 0; i < n; i++) {
		int ha = a[i].type != QUERY_MISSING, hb = b[i].type != QUERY_MISSING;
		int c = ha && hb ? value_cmp(&a[i], &b[i]) : ha - hb;   /* missing first */
		if (c)
			return keys[i].descending ? -c : c;
	}
	return 0;
}

int query_sort_cmp(const struct query_sort_key *keys, size_t n,
                   const struct prop_record *a, const struct prop_record *b)
{
	struct prop_value va[QUERY_SORT_MAX], vb[QUERY_SORT_MAX];
	if (n > QUERY_SORT_MAX)
		n = QUERY_SORT_MAX;
	query_sort_values(keys, n, a, va);
	query_sort_values(keys, n, b, vb);
	return query_sort_cmp_values(keys, n, va, vb);
}

/* ---- views ------------------------------------------------------------------------------ */

enum query_error query_view_check(const struct query_view *v)
{
	if (v->kind == QV_NONE)
		return QE_OK;
	if (v->has_max && v->max <= 0)
		return QE_PAGING_MAX_ROWS;
	if (v->kind == QV_INDEXED && v->offset < 0)
		return QE_PAGING_INDEXED;
	if (v->kind == QV_FRACTIONAL &&
	    (v->numerator < 0 || v->denominator <= 0 || v->numerator > v->denominator))
		return QE_PAGING_FRACTIONAL;
	return QE_OK;
}

void query_page(const struct query_view *v, size_t total, struct query_page *out)
{
	size_t start = 0, room;
	memset(out, 0, sizeof *out);
	out->total = total;
	if (v->kind == QV_INDEXED) {
		size_t off = (unsigned long long)v->offset > total ? total : (size_t)v->offset;
		size_t max = v->has_max && (unsigned long long)v->max < total ? (size_t)v->max : total;
		if (v->from_end) {
			/* spec §2.3: counted from the end, rows in forward order */
			size_t end = total - off;
			start = end > max ? end - max : 0;
			out->count = end - start;
			out->includes_last = start == 0;
		} else {
			start = off;
			out->count = total - start < max ? total - start : max;
			out->includes_last = start + out->count >= total;
		}
		out->start = start;
		out->has_indexed_offset = 1;
		out->indexed_offset = (long long)(off + out->count);
		return;
	}
	if (v->kind == QV_FRACTIONAL)
		start = (size_t)((unsigned long long)v->numerator * total / (unsigned long long)v->denominator);
	room = total - start;
	out->start = start;
	out->count = v->has_max && (unsigned long long)v->max < room ? (size_t)v->max : room;
	out->includes_last = start + out->count >= total;
	if (v->kind == QV_FRACTIONAL) {
		out->has_fraction = 1;
		out->numerator_offset = (long long)(start + out->count);
		out->absolute_denominator = (long long)total;
	}
}

int query_contacts_view_match(const struct query_view *v, const char *name)
{
	if (v->kind != QV_CONTACTS)
		return 1;
	if (!name)
		name = "";
	if (v->initial && fold_strcmp(name, v->initial) < 0)
		return 0;
	if (v->final && fold_strcmp(name, v->final) > 0)
		return 0;
	return 1;
}

/* ---- AQS ---------------------------------------------------------------------------------- */

/* What a bare word searches, and the property names `name:value` accepts. */
static const struct { const char *uri, *index; } AQS_ANY[] = {
	{ "contacts:DisplayName", NULL }, { "contacts:GivenName", NULL }, { "contacts:Surname", NULL },
	{ "contacts:Nickname", NULL }, { "contacts:CompanyName", NULL }, { "contacts:JobTitle", NULL },
	{ "contacts:Department", NULL }, { "contacts:EmailAddress", "EmailAddress1" },
	{ "contacts:EmailAddress", "EmailAddress2" }, { "contacts:EmailAddress", "EmailAddress3" },
};

static const struct { const char *name, *uri, *index; } AQS_PROPS[] = {
	{ "name", "contacts:DisplayName", NULL }, { "displayname", "contacts:DisplayName", NULL },
	{ "subject", "item:Subject", NULL }, { "givenname", "contacts:GivenName", NULL },
	{ "firstname", "contacts:GivenName", NULL }, { "surname", "contacts:Surname", NULL },
	{ "lastname", "contacts:Surname", NULL }, { "nickname", "contacts:Nickname", NULL },
	{ "company", "contacts:CompanyName", NULL }, { "title", "contacts:JobTitle", NULL },
	{ "jobtitle", "contacts:JobTitle", NULL }, { "department", "contacts:Department", NULL },
	{ "office", "contacts:OfficeLocation", NULL }, { "body", "item:Body", NULL },
	{ "notes", "item:Body", NULL }, { "email", "contacts:EmailAddress", NULL },
	{ "phone", "contacts:PhoneNumber", NULL },
};

static struct query_node *contains_node(struct arena *a, const char *uri, const char *index,
                                        const char *value, int phrase)
{
	struct query_node *n = arena_alloc(a, sizeof *n);
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	n->op = Q_CONTAINS;
	n->lhs.kind = index ? QP_INDEXED : QP_FIELD;
	n->lhs.uri = uri;
	n->lhs.index = index;
	n->constant = value;
	n->mode = phrase ? "ExactPhrase" : "PrefixOnWords";
	n->comparison = "IgnoreCase";
	return n;
}

/* The fields of term @p prop (NULL: a bare word) as an Or (or one node). */
static int term_node(struct arena *a, const char *prop, const char *value, int phrase,
                     struct query_node **out, enum query_error *err)
{
	static const char *const email_idx[] = { "EmailAddress1", "EmailAddress2", "EmailAddress3" };
	static const char *const phone_idx[] = { "BusinessPhone", "MobilePhone", "HomePhone" };
	const char *uris[10], *idx[10];
	size_t n = 0;

	if (!prop) {
		for (; n < sizeof AQS_ANY / sizeof *AQS_ANY; n++) {
			uris[n] = AQS_ANY[n].uri;
			idx[n] = AQS_ANY[n].index;
		}
	} else {
		size_t i;
		for (i = 0; i < sizeof AQS_PROPS / sizeof *AQS_PROPS && strcasecmp(prop, AQS_PROPS[i].name); i++)
			;
		if (i == sizeof AQS_PROPS / sizeof *AQS_PROPS) {
			*err = QE_AQS_UNSUPPORTED;
			return EMU_OK;
		}
		if (strcmp(AQS_PROPS[i].uri, "contacts:EmailAddress") == 0 ||
		    strcmp(AQS_PROPS[i].uri, "contacts:PhoneNumber") == 0) {
			const char *const *ix = strcmp(AQS_PROPS[i].uri, "contacts:EmailAddress") == 0 ? email_idx : phone_idx;
			for (; n < 3; n++) {
				uris[n] = AQS_PROPS[i].uri;
				idx[n] = ix[n];
			}
		} else {
			uris[n] = AQS_PROPS[i].uri;
			idx[n++] = NULL;
		}
	}
	struct query_node *or = NULL, **tail = NULL;
	if (n > 1) {
		if (!(or = arena_alloc(a, sizeof *or)))
			return EMU_ENOMEM;
		memset(or, 0, sizeof *or);
		or->op = Q_OR;
		tail = &or->kids;
	}
	for (size_t i = 0; i < n; i++) {
		struct query_node *c = contains_node(a, uris[i], idx[i], value, phrase);
		if (!c)
			return EMU_ENOMEM;
		if (!or) {
			*out = c;
			return EMU_OK;
		}
		*tail = c;
		tail = &c->next;
	}
	*out = or;
	return EMU_OK;
}

int query_aqs_parse(struct arena *a, const char *text, struct query_node **out, enum query_error *err)
{
	struct query_node *and = NULL, **tail;
	size_t terms = 0;
	char *s;

	*out = NULL;
	*err = QE_OK;
	if (!text)
		return EMU_OK;
	if (strlen(text) > QUERY_AQS_MAX) {
		*err = QE_AQS_TOO_LONG;
		return EMU_OK;
	}
	if (!(s = arena_strdup(a, text)) || !(and = arena_alloc(a, sizeof *and)))
		return EMU_ENOMEM;
	memset(and, 0, sizeof *and);
	and->op = Q_AND;
	tail = &and->kids;
	for (;;) {
		char *prop = NULL, *value, *colon;
		int phrase = 0;
		struct query_node *t;
		int rc;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (++terms > QUERY_AQS_TERMS_MAX) {
			*err = QE_AQS_TOO_LONG;
			return EMU_OK;
		}
		value = s;
		colon = NULL;
		while (*s && !isspace((unsigned char)*s) && *s != '"') {
			if (*s == ':' && !colon)
				colon = s;
			s++;
		}
		if (colon) {
			*colon = '\0';
			prop = value;
			value = colon + 1;
		}
		if (*s == '"') {
			if (value != s) {
				*err = QE_AQS_UNSUPPORTED;   /* a quote inside a word */
				return EMU_OK;
			}
			value = ++s;
			if (!(s = strchr(s, '"'))) {
				*err = QE_AQS_UNSUPPORTED;   /* unbalanced */
				return EMU_OK;
			}
			*s++ = '\0';
			phrase = 1;
			if (*s && !isspace((unsigned char)*s)) {
				*err = QE_AQS_UNSUPPORTED;
				return EMU_OK;
			}
		} else if (*s) {
			*s++ = '\0';
		}
		if (!phrase) {
			size_t len = strlen(value);
			if (len && value[len - 1] == '*')
				value[--len] = '\0';   /* AQS prefix wildcard: words match by prefix anyway */
			/* operators, grouping, ranges and comparisons are not served */
			if (!len || strcmp(value, "AND") == 0 || strcmp(value, "OR") == 0 || strcmp(value, "NOT") == 0 ||
			    strpbrk(value, "()<>=*") || strstr(value, "..")) {
				*err = QE_AQS_UNSUPPORTED;
				return EMU_OK;
			}
		}
		if (prop && !*prop) {
			*err = QE_AQS_UNSUPPORTED;
			return EMU_OK;
		}
		if ((rc = term_node(a, prop, value, phrase, &t, err)) != EMU_OK)
			return rc;
		if (*err != QE_OK)
			return EMU_OK;
		*tail = t;
		tail = &t->next;
	}
	*out = and->kids ? and : NULL;
	return EMU_OK;
}
