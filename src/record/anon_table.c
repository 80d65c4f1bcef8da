/* anon_table.c - the anonymiser's person table: keys hashed with a salt,
 * fake people drawn deterministically from small built-in name lists,
 * generated photos, and the table file DIR/.anonymise.json (jansson). */
#include "record/anon_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/hex.h"
#include "core/log.h"
#include "core/result.h"
#include "demo/avatar.h"

#define ANON_PHOTO_QUALITY 90
#define ANON_KEY_MAX (64u << 10)   /* bytes of one key's text */

/* Believable, and disjoint from the demo organisation's and the example
 * tenant's names, so a fake is never mistaken for a real demo person. */
static const char *const g_given[] = {
	"Ellis", "Briar", "Corin", "Delphine", "Ashton", "Fenna", "Greer", "Hollis",
	"Ilse", "Juno", "Keeley", "Linden", "Nell", "Orla", "Perrin", "Rowan",
	"Soren", "Tamsin", "Ulla", "Vesper", "Wynn", "Yara", "Zelda", "Arlo",
	"Bram", "Cleo", "Dorian", "Esme", "Florin", "Gideon", "Hester", "Isolde",
};
static const char *const g_surname[] = {
	"Ashcombe", "Blackwood", "Cresswell", "Dunstan", "Everly", "Fairbairn", "Grantham", "Halloway",
	"Ingleby", "Jessop", "Kettering", "Lowther", "Merriman", "Northcott", "Ormsby", "Pendleton",
	"Quarrie", "Rushworth", "Saltmarsh", "Thistlewood", "Underhill", "Vellacott", "Wetherby", "Yelverton",
	"Ambrose", "Brackley", "Coldwell", "Drayton", "Esterly", "Foxley", "Gorringe", "Hartigan",
};
#define NGIVEN ((int)(sizeof g_given / sizeof *g_given))
#define NSURNAME ((int)(sizeof g_surname / sizeof *g_surname))

/* ---- hashing and the index ------------------------------------------------ */

static int key_hash(const anon_t *a, char kind, const char *s, size_t n, int fold, unsigned char out[ANON_HASH_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int ol = 0;
	char chunk[256];
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, a->salt, sizeof a->salt) &&
	         EVP_DigestUpdate(ctx, &kind, 1);
	for (size_t off = 0; ok && off < n;) {
		size_t k = n - off < sizeof chunk ? n - off : sizeof chunk;
		for (size_t i = 0; i < k; i++)
			chunk[i] = fold ? (char)tolower((unsigned char)s[off + i]) : s[off + i];
		ok = EVP_DigestUpdate(ctx, chunk, k);
		off += k;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, &ol) && ol == ANON_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		LOGE("record", "SHA-256 failed (OpenSSL)");
		return EMU_EINTERNAL;
	}
	return EMU_OK;
}

static size_t slot_of(const unsigned char *h, size_t cap)
{
	uint64_t v;
	memcpy(&v, h, sizeof v);
	return (size_t)v & (cap - 1);
}

static int index_rebuild(anon_t *a, size_t cap)
{
	int *ix = malloc(cap * sizeof *ix);
	if (!ix)
		return EMU_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		ix[i] = -1;
	for (int i = 0; i < a->n; i++) {
		size_t s = slot_of(a->e[i].hash, cap);
		while (ix[s] >= 0)
			s = (s + 1) & (cap - 1);
		ix[s] = i;
	}
	free(a->index);
	a->index = ix;
	a->index_cap = cap;
	return EMU_OK;
}

static struct anon_entry *find_hash(const anon_t *a, const unsigned char *h)
{
	if (!a->index_cap)
		return NULL;
	for (size_t s = slot_of(h, a->index_cap);; s = (s + 1) & (a->index_cap - 1)) {
		int i = a->index[s];
		if (i < 0)
			return NULL;
		if (memcmp(a->e[i].hash, h, ANON_HASH_LEN) == 0)
			return &a->e[i];
	}
}

/* Append an entry (hash given); the index grows as needed. */
static struct anon_entry *push(anon_t *a, const unsigned char *h, char kind, int person, int role, int *rc)
{
	if (a->n >= ANON_ENTRIES_MAX) {
		LOGE("record", "anonymiser: more than %d names and addresses in one recording", ANON_ENTRIES_MAX);
		*rc = EMU_ELIMIT;
		return NULL;
	}
	if (a->n == a->cap) {
		int nc = a->cap ? a->cap * 2 : 64;
		struct anon_entry *ne = realloc(a->e, (size_t)nc * sizeof *ne);
		if (!ne) {
			*rc = EMU_ENOMEM;
			return NULL;
		}
		a->e = ne;
		a->cap = nc;
	}
	if ((size_t)(a->n + 1) * 2 > a->index_cap) {
		size_t nc = a->index_cap ? a->index_cap * 2 : 256;
		if ((*rc = index_rebuild(a, nc)) != EMU_OK)
			return NULL;
	}
	struct anon_entry *e = &a->e[a->n];
	memcpy(e->hash, h, ANON_HASH_LEN);
	e->kind = kind;
	e->person = person;
	e->role = role;
	e->plain = NULL;
	size_t s = slot_of(h, a->index_cap);
	while (a->index[s] >= 0)
		s = (s + 1) & (a->index_cap - 1);
	a->index[s] = a->n++;
	a->dirty = 1;
	return e;
}

/* Remember the plain text of @p e (kept as seen, for substring search). */
static void learn_plain(struct anon_entry *e, const char *s, size_t n)
{
	if (!e->plain)
		e->plain = rec_strndup(s, n);   /* NULL on no memory: only substring search misses it */
}

struct anon_entry *anon_lookup(anon_t *a, char kind, const char *s, size_t n, int fold)
{
	unsigned char h[ANON_HASH_LEN];
	if (n == 0 || n > ANON_KEY_MAX || key_hash(a, kind, s, n, fold, h) != EMU_OK)
		return NULL;
	struct anon_entry *e = find_hash(a, h);
	if (e)
		learn_plain(e, s, n);
	return e;
}

struct anon_entry *anon_add(anon_t *a, char kind, const char *s, size_t n, int fold, int person, int role,
                            int *rc)
{
	unsigned char h[ANON_HASH_LEN];
	*rc = EMU_OK;
	if (n == 0 || n > ANON_KEY_MAX) {
		*rc = EMU_ELIMIT;
		return NULL;
	}
	if ((*rc = key_hash(a, kind, s, n, fold, h)) != EMU_OK)
		return NULL;
	struct anon_entry *e = find_hash(a, h);
	if (!e) {
		if (person == 0)
			person = ++a->npeople;
		e = push(a, h, kind, person, role, rc);
		if (!e)
			return NULL;
	}
	learn_plain(e, s, n);
	return e;
}

/* Domains that are never a person's organisation even when an address
 * names them: replacing them would break namespace URIs and SOAPActions. */
static int protected_domain(const char *d, size_t n)
{
	static const char *const keep[] = { "microsoft.com", "w3.org", "xmlsoap.org", "office.com",
	                                    "outlook.com", "office365.com", "live.com", "windows.net" };
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
		size_t kl = strlen(keep[i]);
		if (n >= kl && strncasecmp(d + n - kl, keep[i], kl) == 0 && (n == kl || d[n - kl - 1] == '.'))
			return 1;
	}
	return 0;
}

static void remember_domain(anon_t *a, const char *d, size_t n)
{
	if (n == 0 || a->ndomains >= ANON_DOMAINS_MAX || protected_domain(d, n) ||
	    (n == strlen(a->domain) && strncasecmp(d, a->domain, n) == 0))
		return;
	for (int i = 0; i < a->ndomains; i++)
		if (strlen(a->domains[i]) == n && strncasecmp(a->domains[i], d, n) == 0)
			return;
	char *c = rec_strndup(d, n);
	if (!c)
		return;
	for (size_t i = 0; i < n; i++)
		c[i] = (char)tolower((unsigned char)c[i]);
	a->domains[a->ndomains++] = c;
}

int anon_address_person(anon_t *a, const char *s, size_t n, int person, int *rc)
{
	struct anon_entry *e = anon_add(a, ANON_KEY_ADDRESS, s, n, 1, person, ANON_PERSON, rc);
	if (!e)
		return 0;
	const char *at = memchr(s, '@', n);
	if (at)
		remember_domain(a, at + 1, (size_t)(s + n - at - 1));
	return e->person;
}

/* ---- fake people ------------------------------------------------------------ */

static void parts(int person, int *g, int *s, int *round)
{
	int k = person > 0 ? person - 1 : 0;
	*g = k % NGIVEN;
	*s = (k + k / NGIVEN) % NSURNAME;   /* NGIVEN * NSURNAME distinct pairs per round */
	*round = k / (NGIVEN * NSURNAME);
}

void anon_fake(const anon_t *a, int person, int role, char *out, size_t outsz)
{
	int g, s, round;
	parts(person, &g, &s, &round);
	switch (role) {
	case ANON_GIVEN:
	case ANON_NICK: snprintf(out, outsz, "%s", g_given[g]); break;
	case ANON_SURNAME: snprintf(out, outsz, "%s", g_surname[s]); break;
	case ANON_MIDDLE: snprintf(out, outsz, "%s", g_given[(g + 11) % NGIVEN]); break;
	case ANON_FILEAS: snprintf(out, outsz, "%s, %s", g_surname[s], g_given[g]); break;
	case ANON_INITIALS: snprintf(out, outsz, "%c%c", g_given[g][0], g_surname[s][0]); break;
	case ANON_ALIAS: anon_fake_user(a, person, out, outsz); break;
	case ANON_PERSON: anon_fake_address(a, person, out, outsz); break;
	default: snprintf(out, outsz, "%s %s", g_given[g], g_surname[s]); break;
	}
}

void anon_fake_user(const anon_t *a, int person, char *out, size_t outsz)
{
	int g, s, round;
	char buf[ANON_FAKE_MAX];
	parts(person, &g, &s, &round);
	if (round)
		snprintf(buf, sizeof buf, "%s.%s%d", g_given[g], g_surname[s], round + 1);
	else
		snprintf(buf, sizeof buf, "%s.%s", g_given[g], g_surname[s]);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(out, outsz, "%s", buf);
}

void anon_fake_address(const anon_t *a, int person, char *out, size_t outsz)
{
	char user[ANON_FAKE_MAX];
	anon_fake_user(a, person, user, sizeof user);
	snprintf(out, outsz, "%s@%s", user, a->domain);
}

/* ---- photos ------------------------------------------------------------------ */

static uint32_t fnv32(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static int clamp(int v)
{
	return v < AVATAR_MIN_SIZE ? AVATAR_MIN_SIZE : v > AVATAR_MAX_SIZE ? AVATAR_MAX_SIZE : v;
}

int anon_photo_for(anon_t *a, int person, const void *orig, size_t origlen, int width, int height,
                   unsigned char **out, size_t *outlen)
{
	char initials[AVATAR_MAX_INITIALS + 1] = "";
	uint32_t seed = person ? (uint32_t)person * 2654435761u : fnv32(orig, origlen);
	int w = clamp(width), h = clamp(height), rc;
	*out = NULL;
	if (w != width || h != height)
		LOGW("record", "anonymiser: a %dx%d photo is replaced by a %dx%d one (avatar size limits)", width, height, w,
		     h);
	if (person) {
		char ini[ANON_FAKE_MAX];
		anon_fake(a, person, ANON_INITIALS, ini, sizeof ini);
		snprintf(initials, sizeof initials, "%.2s", ini);
	}
	for (int i = 0; i < a->nphotos; i++) {
		struct anon_photo *p = &a->photos[i];
		if (p->person == person && p->seed == seed && p->width == w && p->height == h) {
			if (!(*out = malloc(p->len)))
				return EMU_ENOMEM;
			memcpy(*out, p->jpeg, p->len);
			*outlen = p->len;
			return EMU_OK;
		}
	}
	unsigned char *jpeg = NULL;
	size_t len = 0;
	if ((rc = avatar_render_jpeg(initials, seed, w, h, ANON_PHOTO_QUALITY, &jpeg, &len)) != EMU_OK)
		return rc;
	/* keep a copy: the same person's photo comes back in many exchanges */
	unsigned char *keep = malloc(len);
	if (keep) {
		memcpy(keep, jpeg, len);
		struct anon_photo *slot;
		if (a->nphotos < ANON_PHOTO_CACHE)
			slot = &a->photos[a->nphotos++];
		else {
			slot = &a->photos[a->photo_next];
			a->photo_next = (a->photo_next + 1) % ANON_PHOTO_CACHE;
			free(slot->jpeg);
		}
		*slot = (struct anon_photo){ person, seed, w, h, keep, len };
	}
	*out = jpeg;
	*outlen = len;
	return EMU_OK;
}

/* ---- the table file ------------------------------------------------------------ */

/* Exactly 2 * n lower-case hex digits into @p out (n bytes); -1 otherwise. */
static int unhex(const char *s, unsigned char *out, size_t n)
{
	if (!s || strlen(s) != 2 * n || hex_decode(s, 2 * n, HEX_LOWER, out, n, NULL) != EMU_OK)
		return -1;
	return 0;
}

int anon_save(anon_t *a)
{
	char tmp[4200], h[2 * ANON_HASH_LEN + 1];
	json_t *root = NULL, *arr = NULL;
	int rc = EMU_ENOMEM;
	if (!a->dirty)
		return EMU_OK;
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", a->path) >= sizeof tmp)
		return EMU_ELIMIT;
	hex_encode(a->salt, sizeof a->salt, HEX_LOWER, h, sizeof h);
	if (!(root = json_object()) || !(arr = json_array()) || json_object_set_new(root, "version", json_integer(1)) ||
	    json_object_set_new(root, "salt", json_string(h)) ||
	    json_object_set_new(root, "fake_domain", json_string(a->domain)) ||
	    json_object_set_new(root, "people", json_integer(a->npeople)))
		goto out;
	for (int i = 0; i < a->n; i++) {
		char kind[2] = { a->e[i].kind, '\0' };
		hex_encode(a->e[i].hash, ANON_HASH_LEN, HEX_LOWER, h, sizeof h);
		if (json_array_append_new(arr, json_pack("[ssii]", kind, h, a->e[i].person, a->e[i].role)))
			goto out;
	}
	if (json_object_set(root, "keys", arr))
		goto out;
	if (json_dump_file(root, tmp, JSON_COMPACT) != 0 || chmod(tmp, 0600) != 0 || rename(tmp, a->path) != 0) {
		LOGE("record", "cannot write %s: %s", a->path, strerror(errno));
		unlink(tmp);
		rc = EMU_EIO;
		goto out;
	}
	a->dirty = 0;
	rc = EMU_OK;
out:
	json_decref(arr);
	json_decref(root);
	return rc;
}

static int load(anon_t *a, const char *fake_domain)
{
	json_error_t jerr;
	json_t *root = json_load_file(a->path, 0, &jerr);
	const char *salt = NULL, *dom = NULL;
	json_t *keys = NULL;
	json_int_t people = 0, version = 0;
	int rc = EMU_EINVAL;
	if (!root) {
		LOGE("record", "%s: %s (line %d)", a->path, jerr.text, jerr.line);
		return EMU_EINVAL;
	}
	if (json_unpack(root, "{s:I, s:s, s:s, s:I, s:o}", "version", &version, "salt", &salt, "fake_domain", &dom,
	                "people", &people, "keys", &keys) != 0 ||
	    version != 1 || unhex(salt, a->salt, sizeof a->salt) || !json_is_array(keys) || people < 0 ||
	    people > ANON_ENTRIES_MAX) {
		LOGE("record", "%s is not an ewsemu anonymiser table", a->path);
		goto out;
	}
	if (!fake_domain && strlen(dom) <= ANON_DOMAIN_MAX)
		snprintf(a->domain, sizeof a->domain, "%s", dom);   /* the same fakes as last time */
	else if (fake_domain && strcasecmp(dom, fake_domain) != 0)
		LOGW("record", "%s was made with fake domain %s; now %s", a->path, dom, fake_domain);
	a->npeople = (int)people;
	size_t i;
	json_t *it;
	json_array_foreach(keys, i, it) {
		const char *kind = NULL, *h = NULL;
		json_int_t person = 0, role = 0;
		unsigned char hb[ANON_HASH_LEN];
		if (json_unpack(it, "[ssII]", &kind, &h, &person, &role) != 0 || strlen(kind) != 1 ||
		    unhex(h, hb, sizeof hb) || person < 1 || person > people || role < 0 || role >= ANON_ROLE_COUNT) {
			LOGE("record", "%s: keys[%zu] is damaged", a->path, i);
			goto out;
		}
		if (!find_hash(a, hb) && !push(a, hb, kind[0], (int)person, (int)role, &rc))
			goto out;
	}
	a->dirty = 0;
	rc = EMU_OK;
out:
	json_decref(root);
	return rc;
}

static int valid_domain(const char *d)
{
	size_t n = strlen(d);
	if (n == 0 || n > ANON_DOMAIN_MAX || !strchr(d, '.') || d[0] == '.' || d[0] == '-' || d[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)d[i]) && d[i] != '.' && d[i] != '-')
			return 0;
	return 1;
}

int anon_open(const char *dir, const char *fake_domain, anon_t **out)
{
	anon_t *a = NULL;
	int rc = EMU_ENOMEM;
	size_t pl;
	*out = NULL;
	if (fake_domain && !valid_domain(fake_domain)) {
		LOGE("record", "'%s' is not a domain name (want e.g. example.test)", fake_domain);
		return EMU_EINVAL;
	}
	if (!(a = calloc(1, sizeof *a)))
		return EMU_ENOMEM;
	pl = strlen(dir) + sizeof "/" ANON_FILE;
	if (!(a->path = malloc(pl)))
		goto out;
	snprintf(a->path, pl, "%s/%s", dir, ANON_FILE);
	snprintf(a->domain, sizeof a->domain, "%s", fake_domain ? fake_domain : ANON_DEFAULT_DOMAIN);
	for (char *p = a->domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (access(a->path, F_OK) == 0) {
		if ((rc = load(a, fake_domain)) != EMU_OK)
			goto out;
		LOGI("record", "anonymiser: %d people known from %s", a->npeople, a->path);
	} else if (RAND_bytes(a->salt, sizeof a->salt) != 1) {
		LOGE("record", "no random bytes for the anonymiser's salt (OpenSSL)");
		rc = EMU_EINTERNAL;
		goto out;
	}
	*out = a;
	return EMU_OK;
out:
	anon_close(a);
	return rc;
}

void anon_close(anon_t *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n; i++)
		free(a->e[i].plain);
	for (int i = 0; i < a->ndomains; i++)
		free(a->domains[i]);
	for (int i = 0; i < a->nphotos; i++)
		free(a->photos[i].jpeg);
	free(a->e);
	free(a->index);
	free(a->path);
	free(a);
}
