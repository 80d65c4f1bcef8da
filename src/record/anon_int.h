/* anon_int.h - private to the anonymiser (anon_table.c, anonymise.c): the
 * person table.  A person is a number; what is known about them is a set of
 * keys (their SMTP addresses, lower-cased; names seen with them, exact;
 * Basic user names) each stored as SHA-256(salt || key), so the table file
 * in the recording folder names nobody.  The plain text of a key is kept in
 * memory only once this process has seen it (needed to find names inside
 * longer text). */
#ifndef EMU_RECORD_ANON_INT_H
#define EMU_RECORD_ANON_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "core/dynbuf.h"
#include "fixture/fixture.h"
#include "record/record.h"
#include "record/record_int.h"

#define ANON_SALT_LEN 16
#define ANON_HASH_LEN 32
#define ANON_FAKE_MAX 384          /* bytes of any fake text (address, name) */
#define ANON_PHOTO_CACHE 32        /* generated photos kept (person + size) */
#define ANON_DOMAINS_MAX 256       /* real address domains remembered */

/* What a key stands for.  Names map to the same role of the fake person. */
enum anon_role {
	ANON_PERSON = 0,   /* an address or user name: the person themself */
	ANON_FULL,         /* "Given Surname" */
	ANON_GIVEN,
	ANON_SURNAME,
	ANON_MIDDLE,
	ANON_FILEAS,       /* "Surname, Given" */
	ANON_INITIALS,
	ANON_NICK,
	ANON_ALIAS,        /* a mailbox alias: the fake address's local part */
	ANON_ROLE_COUNT
};

/* Key kinds (the first byte hashed). */
#define ANON_KEY_ADDRESS 'a'
#define ANON_KEY_NAME 'n'
#define ANON_KEY_USER 'u'

struct anon_entry {
	unsigned char hash[ANON_HASH_LEN];
	int person;                    /* 1.. */
	int role;                      /* enum anon_role */
	char kind;                     /* ANON_KEY_* */
	char *plain;                   /* the key's text once seen by this process, else NULL */
};

struct anon_photo {
	int person;                    /* 0: nobody known (seeded from the original's bytes) */
	uint32_t seed;
	int width, height;
	unsigned char *jpeg;
	size_t len;
};

struct anon {
	char *path;                    /* DIR/.anonymise.json */
	char domain[ANON_DOMAIN_MAX + 1];
	unsigned char salt[ANON_SALT_LEN];
	int npeople;
	struct anon_entry *e;
	int n, cap;
	int *index;                    /* open addressing over e[], -1 empty */
	size_t index_cap;              /* power of two, > 2n */
	int dirty;                     /* changed since the last save */
	char *domains[ANON_DOMAINS_MAX];  /* real address domains, lower-case */
	int ndomains;
	struct anon_photo photos[ANON_PHOTO_CACHE];
	int nphotos, photo_next;
};

/** The entry for key @p kind + @p s[0..n) (lower-cased first when
 * @p fold), or NULL.  Records the plain text on a hit. */
struct anon_entry *anon_lookup(anon_t *a, char kind, const char *s, size_t n, int fold);
/** Add key -> (@p person, @p role) unless present; a @p person of 0 makes a
 * new person.  Returns the entry (new or existing) or NULL with *rc set
 * (EMU_ENOMEM, EMU_ELIMIT). */
struct anon_entry *anon_add(anon_t *a, char kind, const char *s, size_t n, int fold, int person, int role,
                            int *rc);
/** The person of address @p s[0..n) (case-insensitive); when new, it
 * becomes @p person's (0: a new person).  Its domain is remembered for the
 * domain pass.  0 with *rc set on failure. */
int anon_address_person(anon_t *a, const char *s, size_t n, int person, int *rc);

/** The fake text of @p role for @p person into @p out (ANON_FAKE_MAX). */
void anon_fake(const anon_t *a, int person, int role, char *out, size_t outsz);
/** The fake address of @p person. */
void anon_fake_address(const anon_t *a, int person, char *out, size_t outsz);
/** The fake user name (address local part) of @p person. */
void anon_fake_user(const anon_t *a, int person, char *out, size_t outsz);

/** A generated photo for @p person (0: unknown, seeded from @p orig) of
 * @p width x @p height (clamped to the avatar limits): malloc'd JPEG bytes
 * the caller frees.  EMU_OK, EMU_ENOMEM, EMU_EINTERNAL. */
int anon_photo_for(anon_t *a, int person, const void *orig, size_t origlen, int width, int height,
                   unsigned char **out, size_t *outlen);

/** Write the table to a->path (temp file + rename) when dirty. */
int anon_save(anon_t *a);

/* ---- one exchange (anon_text.c, anon_xml.c, anonymise.c) ------------------ */

/* Most bytes of any rewritten text (a dynbuf's max; its first failure
 * sticks, so a rewrite checks once at the end). */
#define ANON_TEXT_MAX ((size_t)RECORD_CAPTURE_MAX * 2 - 1)

struct anon_run {
	anon_t *a;
	struct fixture *f;
	int subject;                   /* the person the exchange is about (0: unknown) */
	int rc;                        /* first failure */
	int response;                  /* rewriting the response (IMAGE rules apply) */
	int photos;                    /* photos replaced in the response */
};

/** Keep the first failure of the run. */
void anon_fail(struct anon_run *r, int rc);
/** Find the next address in @p s[from..n): *start, *len, and where its '@'
 * is (*at) and how long ("@" 1, "%40" 3).  0 when there is none. */
int anon_next_address(const char *s, size_t n, size_t from, size_t *start, size_t *len, size_t *at, size_t *atlen);
/** The person of the address @p s[0..n) whose '@' is at @p at (@p atlen
 * long); made when new.  0 on failure (noted in @p r). */
int anon_person_of_address(struct anon_run *r, const char *s, size_t n, size_t at, size_t atlen);
/** Is @p s[0..n) one address and nothing else?  *skip: an "SMTP:" prefix. */
int anon_whole_address(const char *s, size_t n, size_t *skip);
/** Blanks around @p s[0..n): the rest is [*b, *e). */
void anon_trim(const char *s, size_t n, size_t *b, size_t *e);
/** Make a person of every address in @p s[0..n). */
void anon_learn_addresses(struct anon_run *r, const char *s, size_t n);
/** Rewrite one value into @p o (see anonymise.c for what changes). */
void anon_text(struct anon_run *r, const char *s, size_t n, struct dynbuf *o);
/** anon_text on the heap string *@p sp, replaced in place (NULL stays). */
void anon_string(struct anon_run *r, char **sp);
/** A generated photo for @p person in place of the JPEG @p data: malloc'd,
 * or NULL when @p data is not a JPEG (left alone) or on failure (noted). */
unsigned char *anon_fake_photo(struct anon_run *r, int person, const void *data, size_t len, size_t *outlen);
/** Give @p b the @p len bytes at @p data (malloc'd, NUL after them). */
void anon_body_take(struct fixture_body *b, unsigned char *data, size_t len);

/** The XML document of an XML body, NULL when there is none or it does not
 * parse (or has a DOCTYPE): such bodies are treated as text. */
xmlDoc *anon_xml_parse(const struct fixture_body *b);
/** Learn the people in @p d (addresses, names tied to them, other names). */
void anon_xml_learn(struct anon_run *r, xmlDoc *d);
/** Rewrite @p d: text, attribute values, base64 photos (IMAGE rules). */
void anon_xml_rewrite(struct anon_run *r, xmlDoc *d);
/** Serialise @p d into @p b (an XML declaration only if b had one). */
void anon_xml_write(struct anon_run *r, xmlDoc *d, struct fixture_body *b);
/** The person of the first whole address in the text below @p n, or 0. */
int anon_xml_first_address(struct anon_run *r, const xmlNode *n);

#endif
