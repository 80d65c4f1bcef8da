/* demo.c - builds the demo organisation (see demo.h) through the store API
 * in one write transaction.  Pictures come from avatar.c, seeded by the
 * user's address, so every build produces the same images. */
#include "demo/demo.h"
#include "demo/avatar.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/result.h"
#include "photo/photo.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPANY "Contoso"
#define UPLOAD_QUALITY 92        /* the "uploaded" photos, before renditions */
#define THUMB_QUALITY 85         /* directory thumbnails are small files */
#define CONTACT_PHOTO_SIZE 200

#define U(email, alias, given, sur, title, dept, office, phone, state, ncont, nphotos) \
	{ email, alias, given " " sur, given, sur, title, dept, office, phone, DEMO_PASSWORD, \
	  state, 0, ncont, nphotos }

static const struct demo_user_info g_users[] = {
	U("alex.smith@contoso.test", "asmith", "Alex", "Smith", "Sales Manager", "Sales",
	  "Building 1/1101", "+1 425 555 0101", "large", 3, 2),
	U("jordan.smith@contoso.test", "jsmith", "Jordan", "Smith", "Account Executive", "Sales",
	  "Building 1/1102", "+1 425 555 0102", "small", 2, 1),
	U("sam.smith@contoso.test", "ssmith", "Sam", "Smith", "Support Engineer", "Support",
	  "Building 2/2103", "+1 425 555 0103", "thumbnail", 0, 0),
	U("alex.johnson@contoso.test", "ajohnson", "Alex", "Johnson", "Software Engineer",
	  "Engineering", "Building 3/3104", "+1 425 555 0104", "both", 4, 2),
	U("jordan.lee@contoso.test", "jlee", "Jordan", "Lee", "Financial Analyst", "Finance",
	  "Building 1/1205", "+1 425 555 0105", "deleted-with-thumbnail", 2, 0),
	U("taylor.brown@contoso.test", "tbrown", "Taylor", "Brown", "Recruiter", "Human Resources",
	  "Building 1/1306", "+1 425 555 0106", "none", 0, 0),
	U("morgan.garcia@contoso.test", "mgarcia", "Morgan", "Garcia", "Marketing Director",
	  "Marketing", "Building 4/4107", "+1 425 555 0107", "large", 3, 2),
	U("casey.miller@contoso.test", "cmiller", "Casey", "Miller", "Product Manager", "Engineering",
	  "Building 3/3108", "+1 425 555 0108", "small", 1, 1),
	U("riley.davis@contoso.test", "rdavis", "Riley", "Davis", "Legal Counsel", "Legal",
	  "Building 1/1409", "+1 425 555 0109", "thumbnail-nonsquare", 2, 1),
	U("jamie.wilson@contoso.test", "jwilson", "Jamie", "Wilson", "Operations Lead", "Operations",
	  "Building 2/2110", "+1 425 555 0110", "both", 0, 0),
	U("avery.martinez@contoso.test", "amartinez", "Avery", "Martinez", "Designer", "Marketing",
	  "Building 4/4111", "+1 425 555 0111", "deleted-with-thumbnail", 0, 0),
	U("quinn.anderson@contoso.test", "qanderson", "Quinn", "Anderson", "Accountant", "Finance",
	  "Building 1/1212", "+1 425 555 0112", "none", 3, 1),
	U("parker.thomas@contoso.test", "pthomas", "Parker", "Thomas", "Engineering Manager",
	  "Engineering", "Building 3/3113", "+1 425 555 0113", "large", 0, 0),
	U("drew.taylor@contoso.test", "dtaylor", "Drew", "Taylor", "Support Lead", "Support",
	  "Building 2/2114", "+1 425 555 0114", "thumbnail", 0, 0),
	U("cameron.moore@contoso.test", "cmoore", "Cameron", "Moore", "Data Scientist", "Engineering",
	  "Building 3/3115", "+1 425 555 0115", "thumbnail-nonsquare", 0, 0),
	U("robin.jackson@contoso.test", "rjackson", "Robin", "Jackson", "Office Manager", "Operations",
	  "Building 1/1116", "+1 425 555 0116", "small", 0, 0),
	U("skyler.white@contoso.test", "swhite", "Skyler", "White", "Chief Financial Officer",
	  "Finance", "Building 1/1517", "+1 425 555 0117", "both", 0, 0),
	U("reese.harris@contoso.test", "rharris", "Reese", "Harris", "Paralegal", "Legal",
	  "Building 1/1418", "+1 425 555 0118", "deleted-with-thumbnail", 0, 0),
	U("dana.clark@contoso.test", "dclark", "Dana", "Clark", "Sales Associate", "Sales",
	  "Building 1/1119", "+1 425 555 0119", "none", 0, 0),
	U("emerson.lewis@contoso.test", "elewis", "Emerson", "Lewis", "Chief Executive Officer",
	  "Executive", "Building 1/1520", "+1 425 555 0120", "large", 0, 0),
	U("hayden.walker@contoso.test", "hwalker", "Hayden", "Walker", "Network Engineer",
	  "IT", "Building 2/2121", "+1 425 555 0121", "thumbnail", 0, 0),
	U("kendall.young@contoso.test", "kyoung", "Kendall", "Young", "Technical Writer",
	  "Engineering", "Building 3/3122", "+1 425 555 0122", "thumbnail-nonsquare", 0, 0),
	U("logan.king@contoso.test", "lking", "Logan", "King", "Systems Administrator", "IT",
	  "Building 2/2123", "+1 425 555 0123", "both", 0, 0),
	U("peyton.wright@contoso.test", "pwright", "Peyton", "Wright", "Sales Engineer", "Sales",
	  "Building 1/1124", "+1 425 555 0124", "small", 0, 0),
	{ "admin@contoso.test", "administrator", "Administrator", "", "", "Administrator", "IT",
	  "Building 2/2100", "+1 425 555 0100", DEMO_PASSWORD, "none", 1, 0, 0 },
};
#define NUSERS (sizeof g_users / sizeof *g_users)

/* External people in the users' Contacts folders, handed out in order. */
static const struct demo_contact {
	const char *given, *surname, *company, *email, *title, *phone, *city, *country;
} g_contacts[] = {
	{ "Lena", "Fischer", "Fabrikam", "lena.fischer@fabrikam.test", "Purchasing Manager",
	  "+49 30 5550 1101", "Berlin", "Germany" },
	{ "Omar", "Haddad", "Fabrikam", "omar.haddad@fabrikam.test", "Logistics Lead",
	  "+49 30 5550 1102", "Berlin", "Germany" },
	{ "Mei", "Chen", "Northwind Traders", "mei.chen@northwind.test", "Account Manager",
	  "+1 206 555 0131", "Seattle", "United States" },
	{ "Lucas", "Silva", "Northwind Traders", "lucas.silva@northwind.test", "Buyer",
	  "+1 206 555 0132", "Seattle", "United States" },
	{ "Priya", "Nair", "Tailspin Toys", "priya.nair@tailspin.test", "Product Owner",
	  "+44 20 7946 0141", "London", "United Kingdom" },
	{ "Tom", "Okafor", "Tailspin Toys", "tom.okafor@tailspin.test", "Designer",
	  "+44 20 7946 0142", "London", "United Kingdom" },
	{ "Sofia", "Rossi", "Wide World Importers", "sofia.rossi@wideworld.test", "Import Specialist",
	  "+39 02 5550 1151", "Milan", "Italy" },
	{ "Jonas", "Berg", "Wide World Importers", "jonas.berg@wideworld.test", "Controller",
	  "+46 8 5550 1152", "Stockholm", "Sweden" },
	{ "Ana", "Costa", "Adventure Works", "ana.costa@adventure-works.test", "Guide",
	  "+351 21 555 0161", "Lisbon", "Portugal" },
	{ "Ben", "Carter", "Adventure Works", "ben.carter@adventure-works.test", "Outfitter",
	  "+1 303 555 0162", "Denver", "United States" },
	{ "Nora", "Lind", "Litware", "nora.lind@litware.test", "Editor",
	  "+47 22 55 01 71", "Oslo", "Norway" },
	{ "Ivan", "Petrov", "Litware", "ivan.petrov@litware.test", "Translator",
	  "+359 2 555 0172", "Sofia", "Bulgaria" },
	{ "Kim", "Park", "Proseware", "kim.park@proseware.test", "Developer",
	  "+82 2 555 0181", "Seoul", "South Korea" },
	{ "Eva", "Novak", "Proseware", "eva.novak@proseware.test", "Tester",
	  "+420 2 5550 0182", "Prague", "Czechia" },
	{ "Leo", "Dubois", "Fourth Coffee", "leo.dubois@fourthcoffee.test", "Roaster",
	  "+33 1 55 50 01 91", "Paris", "France" },
	{ "Ines", "Moreau", "Fourth Coffee", "ines.moreau@fourthcoffee.test", "Barista Trainer",
	  "+33 1 55 50 01 92", "Lyon", "France" },
	/* personal contacts that meet the directory in ResolveNames (spec §4.2):
	 * a namesake of a directory user at another address, and a colleague
	 * saved as a contact under their directory address */
	{ "Alex", "Smith", "Fabrikam", "alex.smith@fabrikam.test", "Consultant",
	  "+49 30 5550 1199", "Hamburg", "Germany" },
	{ "Morgan", "Garcia", "Contoso", "morgan.garcia@contoso.test", "Marketing Director",
	  "+1 425 555 0107", "Redmond", "United States" },
};
#define NCONTACTS (sizeof g_contacts / sizeof *g_contacts)

/* A generated team whose given names all begin with "Ma": with the named
 * users that makes well over 100 matches for "ma", so ResolveNames shows its
 * cap (100 resolutions, IncludesLastItemInRange="false").  Every fourth has a
 * directory thumbnail. */
static const char *const g_staff_given[] = {
	"Mabel", "Madeline", "Madison", "Maeve", "Maggie", "Malcolm", "Malik", "Manuel", "Marco",
	"Marcus", "Margaret", "Maria", "Mariana", "Mario", "Mark", "Marta", "Martin", "Marvin",
	"Mason", "Mateo", "Matilda", "Matthew", "Maurice", "Max", "Maya",
};
static const char *const g_staff_surname[] = { "Adams", "Baker", "Collins", "Diaz", "Evans" };
#define NSTAFF_GIVEN (sizeof g_staff_given / sizeof *g_staff_given)
#define NSTAFF_SURNAME (sizeof g_staff_surname / sizeof *g_staff_surname)

const struct demo_user_info *demo_users(size_t *n)
{
	if (n != NULL)
		*n = NUSERS;
	return g_users;
}

/* ---- helpers ------------------------------------------------------------------ */

/* FNV-1a: the avatar seed of a name, the same on every machine. */
static uint32_t seed_of(const char *s, uint32_t salt)
{
	uint32_t h = 2166136261u ^ salt;
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void initials_of(const char *given, const char *surname, const char *fallback, char out[4])
{
	size_t n = 0;
	if (given[0] != '\0')
		out[n++] = given[0];
	if (surname[0] != '\0')
		out[n++] = surname[0];
	if (n == 0)
		out[n++] = fallback[0];
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
}

static int copy_text(char *dst, size_t dstsz, const char *src)
{
	int n = snprintf(dst, dstsz, "%s", src);
	return n >= 0 && (size_t)n < dstsz ? EMU_OK : EMU_ELIMIT;
}

static int valid_domain(const char *d)
{
	if (d[0] == '\0' || d[0] == '.' || d[0] == '-')
		return 0;
	for (; *d != '\0'; d++) {
		char c = *d;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* "local@domain" from a table address and the chosen domain. */
static int address_at(char *out, size_t outsz, const char *table_email, const char *domain)
{
	const char *at = strchr(table_email, '@');
	int n, local = at != NULL ? (int)(at - table_email) : (int)strlen(table_email);
	n = snprintf(out, outsz, "%.*s@%s", local, table_email, domain);
	return n >= 0 && (size_t)n < outsz ? EMU_OK : EMU_ELIMIT;
}

static int render(const struct demo_user_info *u, uint32_t salt, int w, int h, int quality,
                  unsigned char **jpeg, size_t *len)
{
	char ini[4];
	initials_of(u->given_name, u->surname, u->display_name, ini);
	return avatar_render_jpeg(ini, seed_of(u->email, salt), w, h, quality, jpeg, len);
}

/* Mailbox photo from a size x size "upload" (Set-UserPhoto). */
static int put_mailbox_photo(store_txn_t *t, const char *email, const struct demo_user_info *u,
                             int size)
{
	unsigned char *jpeg = NULL;
	size_t len = 0;
	struct photo_set set;
	int rc;

	memset(&set, 0, sizeof set);
	rc = render(u, 0, size, size, UPLOAD_QUALITY, &jpeg, &len);
	if (rc != EMU_OK)
		goto out;
	rc = photo_make_renditions(jpeg, len, &set);
	if (rc != EMU_OK)
		goto out;
	rc = store_photo_set(t, email, &set);
out:
	photo_set_free(&set);
	free(jpeg);
	return rc;
}

/* Directory thumbnail (a different seed: its colour differs from the
 * mailbox photo, which makes spec §6.2 step 3 visible). */
static int put_thumbnail(store_txn_t *t, const char *email, const struct demo_user_info *u,
                         int w, int h)
{
	unsigned char *jpeg = NULL;
	size_t len = 0;
	int rc, iw, ih;

	rc = render(u, 0x7468756du, w, h, THUMB_QUALITY, &jpeg, &len);
	if (rc != EMU_OK)
		goto out;
	rc = photo_inspect(jpeg, len, PHOTO_MAX_THUMBNAIL_BYTES, &iw, &ih);
	if (rc != EMU_OK)
		goto out;
	rc = store_thumbnail_set(t, email, jpeg, len, iw, ih);
out:
	free(jpeg);
	return rc;
}

static int put_photos(store_txn_t *t, const char *email, const struct demo_user_info *u)
{
	const char *st = u->photo_state;
	int rc = EMU_OK;

	if (strcmp(st, "large") == 0)
		return put_mailbox_photo(t, email, u, 648);
	if (strcmp(st, "small") == 0)
		return put_mailbox_photo(t, email, u, 240);
	if (strcmp(st, "thumbnail") == 0)
		return put_thumbnail(t, email, u, 96, 96);
	if (strcmp(st, "thumbnail-nonsquare") == 0)
		return put_thumbnail(t, email, u, 96, 72);
	if (strcmp(st, "both") == 0) {
		rc = put_mailbox_photo(t, email, u, 648);
		if (rc == EMU_OK)
			rc = put_thumbnail(t, email, u, 96, 96);
		return rc;
	}
	if (strcmp(st, "deleted-with-thumbnail") == 0) {
		/* Set-UserPhoto, then Remove-UserPhoto: spec §6.4 */
		rc = put_thumbnail(t, email, u, 96, 96);
		if (rc == EMU_OK)
			rc = put_mailbox_photo(t, email, u, 360);
		if (rc == EMU_OK)
			rc = store_photo_remove(t, email);
		return rc;
	}
	if (strcmp(st, "none") == 0)
		return EMU_OK;
	LOGE("demo", "unknown photo state '%s'", st);
	return EMU_EINTERNAL;
}

/* The same contact ids in every demo store (owner and position), so that
 * fixtures recorded from one demo organisation verify against another. */
static int demo_contact_id(const char *owner, int i, char id[STORE_CONTACT_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char seed[STORE_ADDR_MAX + 64];
	int n = snprintf(seed, sizeof seed, "ewsemu demo contact %s %d", owner, i);
	if (n < 0 || (size_t)n >= sizeof seed ||
	    !EVP_Digest(seed, (size_t)n, md, &mdlen, EVP_sha256(), NULL) || mdlen < STORE_CONTACT_ID_LEN / 2)
		return EMU_EINTERNAL;
	return hex_encode(md, STORE_CONTACT_ID_LEN / 2, HEX_LOWER, id, STORE_CONTACT_ID_LEN + 1);
}

static int put_contacts(store_txn_t *t, const char *owner, const struct demo_user_info *u,
                        size_t *next)
{
	int rc = EMU_OK;

	for (int i = 0; i < u->ncontacts; i++) {
		const struct demo_contact *dc = &g_contacts[*next % NCONTACTS];
		struct demo_user_info as_user;
		struct contact_record c;
		unsigned char *jpeg = NULL;
		size_t len = 0;
		char name[STORE_TEXT_MAX + 1];
		int n;

		(*next)++;
		memset(&c, 0, sizeof c);
		if ((rc = demo_contact_id(owner, i, c.id)) != EMU_OK)
			return rc;
		n = snprintf(name, sizeof name, "%s %s", dc->given, dc->surname);
		if (n < 0 || (size_t)n >= sizeof name)
			return EMU_ELIMIT;
		rc = copy_text(c.display_name, sizeof c.display_name, name);
		if (rc == EMU_OK)
			rc = copy_text(c.given_name, sizeof c.given_name, dc->given);
		if (rc == EMU_OK)
			rc = copy_text(c.surname, sizeof c.surname, dc->surname);
		if (rc == EMU_OK) {
			n = snprintf(c.file_as, sizeof c.file_as, "%s, %s", dc->surname, dc->given);
			rc = n >= 0 && (size_t)n < sizeof c.file_as ? EMU_OK : EMU_ELIMIT;
		}
		if (rc == EMU_OK)
			rc = copy_text(c.email, sizeof c.email, dc->email);
		if (rc == EMU_OK)
			rc = copy_text(c.company, sizeof c.company, dc->company);
		if (rc == EMU_OK)
			rc = copy_text(c.job_title, sizeof c.job_title, dc->title);
		if (rc == EMU_OK)
			rc = copy_text(c.business_phone, sizeof c.business_phone, dc->phone);
		if (rc == EMU_OK)
			rc = copy_text(c.city, sizeof c.city, dc->city);
		if (rc == EMU_OK)
			rc = copy_text(c.country, sizeof c.country, dc->country);
		if (rc != EMU_OK)
			return rc;
		snprintf(c.notes, sizeof c.notes, "Met at the %s partner day.", dc->company);
		if (i < u->ncontact_photos) {
			memset(&as_user, 0, sizeof as_user);
			as_user.email = dc->email;
			as_user.given_name = dc->given;
			as_user.surname = dc->surname;
			as_user.display_name = name;
			rc = render(&as_user, 0x636f6e74u, CONTACT_PHOTO_SIZE, CONTACT_PHOTO_SIZE,
			            UPLOAD_QUALITY, &jpeg, &len);
			if (rc != EMU_OK)
				return rc;
			c.photo.width = CONTACT_PHOTO_SIZE;
			c.photo.height = CONTACT_PHOTO_SIZE;
		}
		rc = store_contact_add(t, owner, &c, jpeg, len);
		free(jpeg);
		if (rc != EMU_OK)
			return rc;
	}
	return EMU_OK;
}

static int put_user(store_txn_t *t, const struct demo_user_info *u, const char *domain,
                    size_t *next_contact)
{
	struct user_record *r = calloc(1, sizeof *r);   /* ~10 KB: not on the stack */
	int rc;

	if (r == NULL)
		return EMU_ENOMEM;
	rc = address_at(r->email, sizeof r->email, u->email, domain);
	if (rc == EMU_OK)
		rc = address_at(r->proxies[0], sizeof r->proxies[0], u->alias, domain);
	if (rc != EMU_OK)
		goto out;
	r->nproxies = 1;
	if ((rc = copy_text(r->display_name, sizeof r->display_name, u->display_name)) != EMU_OK ||
	    (rc = copy_text(r->alias, sizeof r->alias, u->alias)) != EMU_OK ||
	    (rc = copy_text(r->given_name, sizeof r->given_name, u->given_name)) != EMU_OK ||
	    (rc = copy_text(r->surname, sizeof r->surname, u->surname)) != EMU_OK ||
	    (rc = copy_text(r->company, sizeof r->company, COMPANY)) != EMU_OK ||
	    (rc = copy_text(r->title, sizeof r->title, u->title)) != EMU_OK ||
	    (rc = copy_text(r->department, sizeof r->department, u->department)) != EMU_OK ||
	    (rc = copy_text(r->office, sizeof r->office, u->office)) != EMU_OK ||
	    (rc = copy_text(r->phone, sizeof r->phone, u->phone)) != EMU_OK)
		goto out;
	r->is_admin = u->is_admin;
	rc = store_user_set_password(r, u->password);
	if (rc != EMU_OK)
		goto out;
	rc = store_user_put(t, r);
	if (rc != EMU_OK)
		goto out;
	rc = put_photos(t, r->email, u);
	if (rc != EMU_OK)
		goto out;
	rc = put_contacts(t, r->email, u, next_contact);
out:
	if (rc != EMU_OK)
		LOGE("demo", "demo user %s: %s", u->email, emu_strerror(rc));
	free(r);
	return rc;
}

/* The generated "Ma..." team (see g_staff_given): one password hash for all,
 * since they share the demo password and hashing dominates the build. */
static int put_staff(store_txn_t *t, const char *domain)
{
	struct user_record *r = calloc(1, sizeof *r);
	char hash[STORE_HASH_MAX + 1], local[80], alias[40], display[80];
	uint8_t nt_hash[STORE_NT_HASH_LEN];
	int rc, n = 0;

	if (r == NULL)
		return EMU_ENOMEM;
	rc = store_user_set_password(r, DEMO_PASSWORD);
	memcpy(hash, r->password_hash, sizeof hash);
	memcpy(nt_hash, r->nt_hash, sizeof nt_hash);
	for (size_t si = 0; rc == EMU_OK && si < NSTAFF_SURNAME; si++) {
		for (size_t gi = 0; rc == EMU_OK && gi < NSTAFF_GIVEN; gi++, n++) {
			const char *g = g_staff_given[gi], *sn = g_staff_surname[si];
			struct demo_user_info info;
			memset(r, 0, sizeof *r);
			snprintf(local, sizeof local, "%s.%s", g, sn);
			for (char *p = local; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			snprintf(alias, sizeof alias, "%s%c", g, sn[0]);
			for (char *p = alias; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			snprintf(display, sizeof display, "%s %s", g, sn);
			if ((rc = address_at(r->email, sizeof r->email, local, domain)) != EMU_OK ||
			    (rc = address_at(r->proxies[0], sizeof r->proxies[0], alias, domain)) != EMU_OK)
				break;
			r->nproxies = 1;
			snprintf(r->display_name, sizeof r->display_name, "%s", display);
			snprintf(r->alias, sizeof r->alias, "%s", alias);
			snprintf(r->given_name, sizeof r->given_name, "%s", g);
			snprintf(r->surname, sizeof r->surname, "%s", sn);
			snprintf(r->company, sizeof r->company, COMPANY);
			snprintf(r->title, sizeof r->title, "Field Technician");
			snprintf(r->department, sizeof r->department, "Field Services");
			snprintf(r->office, sizeof r->office, "Depot %zu", si + 1);
			snprintf(r->phone, sizeof r->phone, "+1 425 555 %04d", 2000 + n);
			memcpy(r->password_hash, hash, sizeof hash);
			memcpy(r->nt_hash, nt_hash, sizeof nt_hash);
			r->has_nt_hash = 1;
			if ((rc = store_user_put(t, r)) != EMU_OK)
				break;
			if (n % 4 == 0) {
				memset(&info, 0, sizeof info);
				info.email = r->email;
				info.given_name = g;
				info.surname = sn;
				info.display_name = display;
				rc = put_thumbnail(t, r->email, &info, 96, 96);
			}
		}
	}
	if (rc != EMU_OK)
		LOGE("demo", "demo staff: %s", emu_strerror(rc));
	free(r);
	return rc;
}

int demo_build(store_t *s, const char *domain)
{
	store_txn_t *t = NULL;
	size_t count = 0, next_contact = 0;
	int rc;

	if (s == NULL)
		return EMU_EINVAL;
	if (domain == NULL || domain[0] == '\0')
		domain = DEMO_DEFAULT_DOMAIN;
	if (!valid_domain(domain))
		return EMU_EINVAL;
	if (strlen(domain) > STORE_ADDR_MAX)
		return EMU_ELIMIT;

	rc = store_txn_begin(s, 1, &t);
	if (rc != EMU_OK)
		return rc;
	rc = store_user_count(t, &count);
	if (rc != EMU_OK)
		goto out;
	if (count > 0) {
		rc = EMU_EEXIST;
		goto out;
	}
	rc = store_domain_set(t, domain);
	if (rc != EMU_OK)
		goto out;
	for (size_t i = 0; i < NUSERS; i++) {
		rc = put_user(t, &g_users[i], domain, &next_contact);
		if (rc != EMU_OK)
			goto out;
	}
	if ((rc = put_staff(t, domain)) != EMU_OK)
		goto out;
	rc = store_txn_commit(t);
	t = NULL;
	if (rc == EMU_OK)
		LOGI("demo", "demo organisation created: %zu users at %s", DEMO_USER_COUNT, domain);
out:
	store_txn_abort(t);
	return rc;
}

size_t demo_named_count(void)
{
	return NUSERS;
}
