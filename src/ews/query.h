/* query.h - the search domain of FindItem/FindFolder, without gSOAP:
 * restriction trees (spec §4), sort orders (§3.3), paging views (§2.3, §3.2)
 * and the AQS QueryString subset (§3.5).
 *
 * A transport builds a raw tree (struct query_node: paths as the request
 * spells them, constants as text), then query_compile() resolves every path
 * through the property table (ews/props.h), parses every constant by its
 * property's type and checks the limits; query_match() evaluates a compiled
 * tree against one record.  Errors are enum query_error values; the op turns
 * them into ResponseCodes (src/ews/ops/).
 * Ownership: nodes and strings belong to the caller (arena); nothing here
 * allocates except query_aqs_parse(), from the arena it is given.
 */
#ifndef EMU_EWS_QUERY_H
#define EMU_EWS_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "ews/props.h"

/* spec §4.5: more nodes than this is ErrorRestrictionTooLong */
#define QUERY_NODES_MAX 255
/* spec §4.5 [I]: deeper nesting than this is ErrorRestrictionTooComplex
 * (also bounds the recursion of every walk over a tree).  The spec suggests
 * 64, but the body check refuses XML nested deeper than 64 levels
 * (core/xmllimit.h) and a restriction starts 4 levels down the envelope: 32
 * keeps this limit reachable, an EWS error instead of a fault; clients nest
 * a handful of levels. */
#define QUERY_DEPTH_MAX 32
/* bytes of one Constant Value (longer: ErrorInvalidValueForProperty) */
#define QUERY_CONSTANT_MAX 4096
/* FieldOrder entries of one SortOrder (more: ErrorUnsupportedPathForSortGroup) */
#define QUERY_SORT_MAX 16
/* bytes of a QueryString (longer: ErrorQueryFilterTooLong) */
#define QUERY_AQS_MAX 1024
/* terms of a QueryString (more: ErrorQueryFilterTooLong) */
#define QUERY_AQS_TERMS_MAX 16   /* x 11 nodes each stays within QUERY_NODES_MAX */

enum query_error {
	QE_OK = 0,
	QE_TOO_LONG,            /* ErrorRestrictionTooLong */
	QE_TOO_COMPLEX,         /* ErrorRestrictionTooComplex */
	QE_UNSUPPORTED_PATH,    /* ErrorUnsupportedPathForQuery */
	QE_INVALID_VALUE,       /* ErrorInvalidValueForProperty */
	QE_INVALID_EXTENDED,    /* ErrorInvalidExtendedProperty */
	QE_UNSUPPORTED_TYPE,    /* ErrorUnsupportedMapiPropertyType */
	QE_INVALID_PROPERTY,    /* ErrorInvalidPropertyRequest: a FieldURI ewsemu does not know */
	QE_INVALID_FOR_EXISTS,  /* ErrorInvalidPropertyForExists */
	QE_SORT_PATH,           /* ErrorUnsupportedPathForSortGroup */
	QE_PAGING_MAX_ROWS,     /* ErrorInvalidPagingMaxRows */
	QE_PAGING_INDEXED,      /* ErrorInvalidIndexedPagingParameters */
	QE_PAGING_FRACTIONAL,   /* ErrorInvalidFractionalPagingParameters */
	QE_AQS_UNSUPPORTED,     /* ErrorUnsupportedQueryFilter */
	QE_AQS_TOO_LONG         /* ErrorQueryFilterTooLong */
};

enum query_op {
	Q_AND = 0, Q_OR, Q_NOT, Q_EXISTS, Q_CONTAINS,
	Q_EQ, Q_NE, Q_GT, Q_GE, Q_LT, Q_LE
};

enum query_path_kind { QP_NONE = 0, QP_FIELD, QP_INDEXED, QP_EXTENDED };

/* A property path as a request spells it; @c def is filled by compile
 * (NULL with @c kind QP_EXTENDED: a well-formed property ewsemu does not
 * have, which every record lacks). */
struct query_path {
	enum query_path_kind kind;
	const char *uri, *index;       /* FieldURI / IndexedFieldURI */
	struct prop_ext_uri ext;       /* ExtendedFieldURI */
	const struct prop_def *def;
	int ext_type;                  /* the requested PropertyType (enum prop_type), extended only */
};

enum query_mode { QM_FULL_STRING = 0, QM_PREFIXED, QM_SUBSTRING, QM_PREFIX_ON_WORDS, QM_EXACT_PHRASE };
enum { QF_IGNORE_CASE = 1, QF_IGNORE_NONSPACE = 2, QF_LOOSE = 4 };

struct query_node {
	enum query_op op;
	struct query_node *kids;       /* And/Or: 1..n, Not: 1 (linked by next) */
	struct query_node *next;
	struct query_path lhs;         /* every leaf */
	int rhs_is_path;               /* comparisons: FieldURIOrConstant holds a path */
	struct query_path rhs;
	const char *constant;          /* Constant/@Value, comparisons and Contains */
	const char *mode, *comparison; /* Contains spellings, NULL: absent */
	/* set by query_compile */
	struct prop_value cval;
	enum query_mode cmode;
	unsigned cflags;
};

/** Resolve, type-check and bound @p root for records of @p kinds
 * (PROP_ON_*): paths through the table, constants parsed by the property's
 * type (spec §4.2), Contains only on strings (§4.3), ContainmentMode and
 * ContainmentComparison spellings, Exists only on stored properties.
 * @return QE_OK, or the first error found (limits first: QE_TOO_LONG for
 *	more than QUERY_NODES_MAX nodes, QE_TOO_COMPLEX deeper than
 *	QUERY_DEPTH_MAX). */
enum query_error query_compile(struct query_node *root, unsigned kinds);

/** 1 when @p r satisfies compiled @p n, else 0 (spec §4.2: a comparison
 * with a missing property is false, IsNotEqualTo included). */
int query_match(const struct query_node *n, const struct prop_record *r);

/* ---- SortOrder (spec §3.3) ----------------------------------------------------------- */

struct query_sort_key {
	struct query_path path;
	int descending;
};

/** Resolve the paths of @p keys (@p n <= QUERY_SORT_MAX) for @p kinds.
 * @return QE_OK; QE_SORT_PATH (too many keys, a path that cannot be sorted);
 *	QE_INVALID_PROPERTY / QE_INVALID_EXTENDED / QE_UNSUPPORTED_TYPE. */
enum query_error query_sort_compile(struct query_sort_key *keys, size_t n, unsigned kinds);

/** qsort-style comparison of @p a and @p b by compiled @p keys: the first
 * key decides, later ones break ties; a missing value sorts first
 * ascending (last descending); strings case-insensitively (core/fold.h:
 * ordinal over Unicode simple case folding). */
int query_sort_cmp(const struct query_sort_key *keys, size_t n,
                   const struct prop_record *a, const struct prop_record *b);

/** The sort values of @p r for @p keys (vals[i] for key i; a value @p r
 * lacks has type QUERY_MISSING).  Strings point into @p r: copy them to keep
 * them past the record's life. */
void query_sort_values(const struct query_sort_key *keys, size_t n, const struct prop_record *r,
                       struct prop_value *vals);
#define QUERY_MISSING PROP_T_OTHER

/** query_sort_cmp() on values taken by query_sort_values(). */
int query_sort_cmp_values(const struct query_sort_key *keys, size_t n,
                          const struct prop_value *a, const struct prop_value *b);

/* ---- views and paging (spec §2.3, §3.2) ---------------------------------------------- */

enum query_view_kind { QV_NONE = 0, QV_INDEXED, QV_FRACTIONAL, QV_CONTACTS };

struct query_view {
	enum query_view_kind kind;
	int has_max;
	long long max;                 /* MaxEntriesReturned */
	long long offset;              /* Indexed: Offset */
	int from_end;                  /* Indexed: BasePoint End */
	long long numerator, denominator;   /* Fractional */
	const char *initial, *final;   /* ContactsView: InitialName / FinalName, NULL absent */
};

/* Which rows of a result of @p total rows a view returns, and the
 * RootFolder attributes. */
struct query_page {
	size_t start, count;
	size_t total;                  /* TotalItemsInView */
	int includes_last;             /* IncludesLastItemInRange */
	int has_indexed_offset;        /* Indexed views */
	long long indexed_offset;      /* IndexedPagingOffset */
	int has_fraction;              /* Fractional views */
	long long numerator_offset, absolute_denominator;
};

/** Check @p v's attributes.  @return QE_OK; QE_PAGING_MAX_ROWS
 * (MaxEntriesReturned <= 0); QE_PAGING_INDEXED (Offset < 0);
 * QE_PAGING_FRACTIONAL (Numerator < 0, Denominator <= 0, Numerator >
 * Denominator). */
enum query_error query_view_check(const struct query_view *v);

/** The page of checked view @p v over @p total rows (already filtered and,
 * for ContactsView, narrowed by query_contacts_view_match). */
void query_page(const struct query_view *v, size_t total, struct query_page *out);

/** ContactsView (spec §3.2 [I]): 1 when @p display_name (NULL: none) is in
 * [InitialName, FinalName), FinalName itself included when equal,
 * case-insensitively (core/fold.h); always 1 for other views. */
int query_contacts_view_match(const struct query_view *v, const char *display_name);

/* ---- QueryString (AQS, spec §3.5) ---------------------------------------------------- */

/** Turn AQS @p text into a restriction tree in @p a: every term must match
 * (AND); a bare word or "quoted phrase" matches any of the searchable text
 * fields (display name, given name, surname, nickname, company, job title,
 * department, office, e-mail addresses, notes); `name:word` narrows it to
 * one field (see query.c AQS_PROPS).  Words match by prefix on words,
 * phrases as whole words, case-insensitively.  An empty text is *out NULL
 * (everything matches).
 * The tree still needs query_compile().
 * @param[out] err QE_OK; QE_AQS_TOO_LONG (over QUERY_AQS_MAX bytes or
 *	QUERY_AQS_TERMS_MAX terms); QE_AQS_UNSUPPORTED (unknown property,
 *	operators AND/OR/NOT, parentheses, ranges, comparisons, unbalanced
 *	quotes, an empty value)
 * @return EMU_OK (see @p err); EMU_ENOMEM. */
int query_aqs_parse(struct arena *a, const char *text, struct query_node **out, enum query_error *err);

#endif
