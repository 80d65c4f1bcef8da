/* test_vcard.c - vcard_parse(): cards shaped like the exports of Apple
 * Contacts (3.0), Google Contacts (3.0), Thunderbird (4.0), Outlook and
 * Android (2.1), and the ways a file can be wrong.  Pictures are JPEGs made
 * here with TurboJPEG (and one PNG), embedded as base64 or data: URIs. */
#define _GNU_SOURCE /* vasprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "admin/admin.h"
#include "core/base64.h"
#include "core/result.h"
#include "photo/photo.h"

/* ---- a growing string ---------------------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sb *s, const char *data, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void sb_add(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	char *tmp = NULL;
	int n;
	va_start(ap, fmt);
	n = vasprintf(&tmp, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	sb_put(s, tmp, (size_t)n);
	free(tmp);
}

/* "head" + value folded at @p width octets (continuation lines start with
 * @p indent), each physical line ended by @p eol. */
static void sb_fold(struct sb *s, const char *head, const char *value, size_t width,
                    const char *indent, const char *eol)
{
	struct sb line = { NULL, 0, 0 };
	size_t i = 0, first;
	sb_add(&line, "%s%s", head, value);
	first = width < line.len ? width : line.len;
	sb_put(s, line.p, first);
	sb_add(s, "%s", eol);
	for (i = first; i < line.len;) {
		size_t k = line.len - i < width - 1 ? line.len - i : width - 1;
		sb_add(s, "%s", indent);
		sb_put(s, line.p + i, k);
		sb_add(s, "%s", eol);
		i += k;
	}
	free(line.p);
}

/* ---- pictures ------------------------------------------------------------------- */

static unsigned char *make_jpeg(int w, int h, size_t *len)
{
	unsigned char *rgb = malloc((size_t)w * (size_t)h * 3), *jpeg = NULL, *copy;
	unsigned long size = 0;
	tjhandle tj = tjInitCompress();
	assert_non_null(rgb);
	assert_non_null(tj);
	for (int i = 0; i < w * h * 3; i++)
		rgb[i] = (unsigned char)(i * 7);
	assert_int_equal(tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &jpeg, &size, TJSAMP_444, 80, 0), 0);
	copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, jpeg, size);
	tjFree(jpeg);
	tjDestroy(tj);
	free(rgb);
	*len = size;
	return copy;
}

static char *b64(const void *data, size_t len)
{
	char *out = malloc(BASE64_ENCODED_SIZE(len));
	assert_non_null(out);
	base64_encode(data, len, out);
	return out;
}

static const unsigned char PNG_1x1[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
	0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
	0, 0, 0, 12, 'I', 'D', 'A', 'T', 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0, 0, 0x03, 0x01,
	0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
};

/* ---- parsing into an array ---------------------------------------------------------- */

#define MAXCARDS 8

struct got {
	size_t n;                         /* callbacks seen */
	struct vcard_card c[MAXCARDS];
	unsigned char *photo[MAXCARDS];   /* copies: the parser's are gone after the call */
	int stop_at;                      /* return EMU_EEXIST at this card (1-based), 0 never */
};

static int collect(const struct vcard_card *card, void *ctx, char *why, size_t whysz)
{
	struct got *g = ctx;
	size_t i = g->n++;
	if (g->stop_at != 0 && (size_t)g->stop_at == i + 1) {
		snprintf(why, whysz, "stopped by the test");
		return EMU_EEXIST;
	}
	if (i < MAXCARDS) {
		g->c[i] = *card;
		if (card->photo != NULL) {
			g->photo[i] = malloc(card->photo_len);
			assert_non_null(g->photo[i]);
			memcpy(g->photo[i], card->photo, card->photo_len);
			g->c[i].photo = g->photo[i];
		}
	}
	return 0;
}

static void got_free(struct got *g)
{
	for (int i = 0; i < MAXCARDS; i++)
		free(g->photo[i]);
	free(g);
}

static struct got *got_new(void)
{
	struct got *g = calloc(1, sizeof *g);
	assert_non_null(g);
	return g;
}

static int parse_n(const char *text, size_t len, struct got *g, char *err, size_t errsz)
{
	FILE *fp = tmpfile();
	size_t n = 0;
	int rc;
	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(text, 1, len, fp), len);
	rewind(fp);
	rc = vcard_parse(fp, collect, g, &n, err, errsz);
	fclose(fp);
	if (rc == EMU_OK) {
		assert_int_equal(n, g->n);
		assert_string_equal(err, "");
	}
	return rc;
}

static int parse(const char *text, struct got *g, char *err, size_t errsz)
{
	return parse_n(text, strlen(text), g, err, errsz);
}

/* Expect failure @p rc whose message contains every string of @p parts
 * (NULL-terminated). */
static void expect_error(const char *text, size_t len, int rc, const char *const *parts)
{
	struct got *g = got_new();
	char err[512];
	int got = parse_n(text, len, g, err, sizeof err);
	int ok = got == rc;
	for (const char *const *p = parts; ok && *p != NULL; p++)
		ok = strstr(err, *p) != NULL;
	if (!ok) {
		print_error("rc %d (%s), err \"%s\"; want %d with", got, emu_strerror(got), err, rc);
		for (const char *const *p = parts; *p != NULL; p++)
			print_error(" \"%s\"", *p);
		print_error("\n");
	}
	assert_true(ok);
	got_free(g);
}

#define EXPECT_ERROR(text, rc, ...) do { \
		const char *const parts_[] = { __VA_ARGS__, NULL }; \
		expect_error(text, strlen(text), rc, parts_); \
	} while (0)

/* ---- well-formed exports -------------------------------------------------------------- */

/* Apple Contacts 3.0: CRLF, lower-case type params repeated, groups with
 * X-ABLabel, escaped text, a base64 JPEG folded at 75 octets. */
static void test_apple_30(void **state)
{
	struct got *g = got_new();
	struct sb s = { NULL, 0, 0 };
	size_t jlen;
	unsigned char *jpeg = make_jpeg(120, 90, &jlen);
	char *enc = b64(jpeg, jlen), err[512];
	const struct contact_record *r;
	(void)state;

	sb_add(&s, "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.0//EN\r\n"
	       "N:Appleseed;Johnny;Q.;Dr.;Jr.\r\nFN:Dr. Johnny Appleseed\r\n"
	       "NICKNAME:Jo\\, the seed,Johnny\r\n"
	       "ORG:Apple\\, Inc.;Orchards;Cider\r\nTITLE:Head of Seeds\r\n"
	       "EMAIL;type=INTERNET;type=HOME:johnny@home.test\r\n"
	       "EMAIL;type=INTERNET;type=WORK;type=pref:johnny@apple.test\r\n"
	       "item1.EMAIL;type=INTERNET:seeds@apple.test\r\n"
	       "item1.X-ABLabel:_$!<Other>!$_\r\n"
	       "EMAIL;type=INTERNET:fourth@apple.test\r\n"
	       "TEL;type=CELL;type=VOICE;type=pref:+1 (408) 555-0101\r\n"
	       "TEL;type=IPHONE;type=CELL;type=VOICE:+1 (408) 555-0199\r\n"
	       "TEL;type=WORK;type=VOICE:+1 (408) 555-0102\r\n"
	       "TEL;type=WORK;type=FAX:+1 (408) 555-0103\r\n"
	       "TEL;type=HOME;type=VOICE:+1 (408) 555-0104\r\n"
	       "item2.ADR;type=HOME:;;7 Home Rd;Hometown;CA;95000;USA\r\n"
	       "item3.ADR;type=WORK;type=pref:;;1 Apple Park Way\\nBuilding 2;Cupertino;CA;95014;\r\n"
	       " United States\r\n"
	       "item3.X-ABADR:us\r\n"
	       "NOTE:Met at WWDC.\\nLikes apples\\; and pears.\\\\o/\r\n"
	       "BDAY:1974-09-26\r\n"
	       "X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny\r\n"
	       "IMPP;X-SERVICE-TYPE=Skype;type=HOME;type=pref:skype:johnny\r\n");
	sb_fold(&s, "PHOTO;ENCODING=b;TYPE=JPEG:", enc, 75, " ", "\r\n");
	sb_add(&s, "UID:8d5ab2e4-0000-4000-8000-000000000001\r\nEND:VCARD\r\n");

	assert_int_equal(parse(s.p, g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 1);
	r = &g->c[0].rec;
	assert_int_equal(g->c[0].index, 1);
	assert_int_equal(g->c[0].line, 1);
	assert_int_equal(g->c[0].version, 30);
	assert_int_equal(g->c[0].is_group, 0);
	assert_string_equal(r->display_name, "Dr. Johnny Appleseed");
	assert_string_equal(r->surname, "Appleseed");
	assert_string_equal(r->given_name, "Johnny");
	assert_string_equal(r->middle_name, "Q.");
	assert_string_equal(r->file_as, "Appleseed, Johnny");
	assert_string_equal(r->nickname, "Jo, the seed");
	assert_string_equal(r->company, "Apple, Inc.");
	assert_string_equal(r->department, "Orchards");
	assert_string_equal(r->job_title, "Head of Seeds");
	/* pref first, then file order; the fourth is dropped */
	assert_string_equal(r->email, "johnny@apple.test");
	assert_string_equal(r->email2, "johnny@home.test");
	assert_string_equal(r->email3, "seeds@apple.test");
	assert_string_equal(r->mobile_phone, "+1 (408) 555-0101");
	assert_string_equal(r->business_phone, "+1 (408) 555-0102");
	assert_string_equal(r->home_phone, "+1 (408) 555-0104");
	assert_string_equal(r->street, "1 Apple Park Way\nBuilding 2");
	assert_string_equal(r->city, "Cupertino");
	assert_string_equal(r->state, "CA");
	assert_string_equal(r->postal_code, "95014");
	assert_string_equal(r->country, "United States");
	assert_string_equal(r->notes, "Met at WWDC.\nLikes apples; and pears.\\o/");
	assert_string_equal(r->birthday, "1974-09-26");
	assert_string_equal(r->id, "");
	assert_non_null(g->c[0].photo);
	assert_int_equal(g->c[0].photo_len, jlen);
	assert_memory_equal(g->c[0].photo, jpeg, jlen);
	assert_int_equal(r->photo.width, 120);
	assert_int_equal(r->photo.height, 90);
	assert_int_equal(g->c[0].photo_link, 0);

	free(s.p);
	free(enc);
	free(jpeg);
	got_free(g);
}

/* vCard 4.0 (RFC 6350 style, Thunderbird-like): LF only, PREF=n, quoted
 * TYPE lists, VALUE=uri telephone, a data: URI photo, partial BDAY. */
static void test_v40_data_uri(void **state)
{
	struct got *g = got_new();
	struct sb s = { NULL, 0, 0 };
	size_t jlen;
	unsigned char *jpeg = make_jpeg(48, 64, &jlen);
	char *enc = b64(jpeg, jlen), err[512];
	const struct contact_record *r;
	(void)state;

	sb_add(&s, "BEGIN:VCARD\nVERSION:4.0\nKIND:individual\n"
	       "FN;PREF=2:Zoë Ångström\nFN;PREF=1;LANGUAGE=en:Zoe Angstrom\n"
	       "N:Ångström;Zoë;;;\n"
	       "EMAIL;TYPE=home;PREF=3:zoe@home.test\n"
	       "EMAIL;TYPE=work;PREF=1:zoe@work.test\n"
	       "EMAIL:mailto:zoe@other.test\n"
	       "TEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+44-20-7946-0000\n"
	       "TEL;VALUE=uri;TYPE=\"cell,text\":tel:+44-7700-900000\n"
	       "TEL;TYPE=fax,work:+44-20-7946-0001\n"
	       "ADR;TYPE=work;LABEL=\"10 Downing St.\\nLondon\":;;10 Downing St.;London;;SW1A 2AA;UK\n"
	       "BDAY:--0412\n"
	       "ORG:Example Ltd.\n"
	       "X-EXTRA;X-PARAM=\"a:b;c,d\":ignored\n");
	sb_fold(&s, "PHOTO:data:image/jpeg;base64,", enc, 75, "\t", "\n");
	sb_add(&s, "END:VCARD\n");

	assert_int_equal(parse(s.p, g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 1);
	r = &g->c[0].rec;
	assert_int_equal(g->c[0].version, 40);
	assert_string_equal(r->display_name, "Zoe Angstrom");
	assert_string_equal(r->surname, "Ångström");
	assert_string_equal(r->given_name, "Zoë");
	assert_string_equal(r->file_as, "Ångström, Zoë");
	assert_string_equal(r->email, "zoe@work.test");
	assert_string_equal(r->email2, "zoe@home.test");
	assert_string_equal(r->email3, "zoe@other.test");
	assert_string_equal(r->business_phone, "+44-20-7946-0000");
	assert_string_equal(r->mobile_phone, "+44-7700-900000");
	assert_string_equal(r->home_phone, "");
	assert_string_equal(r->street, "10 Downing St.");
	assert_string_equal(r->city, "London");
	assert_string_equal(r->state, "");
	assert_string_equal(r->postal_code, "SW1A 2AA");
	assert_string_equal(r->country, "UK");
	assert_string_equal(r->birthday, "");          /* --0412: no year, skipped */
	assert_string_equal(r->company, "Example Ltd.");
	assert_string_equal(r->department, "");
	assert_int_equal(g->c[0].photo_len, jlen);
	assert_memory_equal(g->c[0].photo, jpeg, jlen);
	assert_int_equal(r->photo.width, 48);
	assert_int_equal(r->photo.height, 64);

	free(s.p);
	free(enc);
	free(jpeg);
	got_free(g);
}

/* Google Contacts 3.0: upper-case TYPE, item groups with custom labels, a
 * picture given as a URL (not fetched), no N given names. */
static void test_google_30(void **state)
{
	struct got *g = got_new();
	char err[512];
	const struct contact_record *r;
	(void)state;

	assert_int_equal(parse(
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
		"EMAIL;TYPE=INTERNET;TYPE=HOME:grace@navy.test\r\n"
		"TEL;TYPE=CELL:+1 202 555 0100\r\n"
		"item1.TEL:+1 202 555 0111\r\nitem1.X-ABLabel:Lab\r\n"
		"ADR;TYPE=HOME:;;1 Navy Way;Arlington;VA;22201;US\r\n"
		"ORG:US Navy\r\nTITLE:Rear Admiral\r\n"
		"BDAY:19061209\r\n"
		"PHOTO:https://lh3.googleusercontent.com/contacts/AAAA\r\n"
		"CATEGORIES:myContacts,Starred in Android\r\n"
		"END:VCARD\r\n"
		"BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nEMAIL;TYPE=INTERNET:only.mail@example.test\r\n"
		"END:VCARD\r\n", g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 2);
	r = &g->c[0].rec;
	assert_string_equal(r->display_name, "Grace Hopper");
	assert_string_equal(r->mobile_phone, "+1 202 555 0100");
	assert_string_equal(r->business_phone, "+1 202 555 0111");   /* untyped: the fallback */
	assert_string_equal(r->street, "");                          /* home address: no field */
	assert_string_equal(r->birthday, "1906-12-09");
	assert_null(g->c[0].photo);
	assert_int_equal(g->c[0].photo_link, 1);
	/* a card with only an address is named by it */
	r = &g->c[1].rec;
	assert_int_equal(g->c[1].index, 2);
	assert_int_equal(g->c[1].line, 16);
	assert_string_equal(r->display_name, "only.mail@example.test");
	assert_string_equal(r->file_as, "only.mail@example.test");
	got_free(g);
}

/* Outlook / Android 2.1: bare type words, QUOTED-PRINTABLE with soft line
 * breaks, CHARSET=ISO-8859-1 and Windows-1252, PHOTO;TYPE=JPEG;ENCODING=BASE64
 * with indented lines and the blank line that ends it. */
static void test_outlook_21(void **state)
{
	struct got *g = got_new();
	struct sb s = { NULL, 0, 0 };
	size_t jlen;
	unsigned char *jpeg = make_jpeg(96, 96, &jlen);
	char *enc = b64(jpeg, jlen), err[512];
	const struct contact_record *r;
	(void)state;

	sb_add(&s, "BEGIN:VCARD\r\nVERSION:2.1\r\n"
	       "N;LANGUAGE=de-de;CHARSET=ISO-8859-1:M\xfcller;J\xfcrgen\r\n"
	       "FN;CHARSET=ISO-8859-1:J\xfcrgen M\xfcller\r\n"
	       "ORG:Contoso AG;Vertrieb\r\n"
	       "TITLE;CHARSET=Windows-1252:\x84" "Chef\x93 \x80 sales\r\n"
	       "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Erste Zeile=0D=0AZweite Zeile mit =\r\n"
	       "=C3=BC und =3D Zeichen, C:\\Temp\r\n"
	       "TEL;WORK;VOICE:+49 30 1234567\r\n"
	       "TEL;HOME;VOICE:+49 30 7654321\r\n"
	       "TEL;CELL;VOICE:+49 170 1234567\r\n"
	       "TEL;WORK;FAX:+49 30 1234568\r\n"
	       "ADR;WORK;PREF;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=C3=9Fe 1;Berlin;;10115;Deutschland\r\n"
	       "LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE:Hauptstra=C3=9Fe 1=0D=0A=\r\n"
	       "Berlin 10115\r\n"
	       "X-MS-OL-DEFAULT-POSTAL-ADDRESS:2\r\n"
	       "EMAIL;PREF;INTERNET:juergen@contoso.test\r\n"
	       "BDAY:19700101\r\n");
	sb_add(&s, "PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n");
	for (size_t i = 0; i < strlen(enc); i += 72)
		sb_add(&s, "    %.72s\r\n", enc + i);
	sb_add(&s, "\r\nX-MS-OL-DESIGN;CHARSET=utf-8:<card/>\r\nREV:20240101T000000Z\r\nEND:VCARD\r\n");

	assert_int_equal(parse(s.p, g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 1);
	r = &g->c[0].rec;
	assert_int_equal(g->c[0].version, 21);
	assert_string_equal(r->surname, "Müller");
	assert_string_equal(r->given_name, "Jürgen");
	assert_string_equal(r->display_name, "Jürgen Müller");
	assert_string_equal(r->file_as, "Müller, Jürgen");
	assert_string_equal(r->company, "Contoso AG");
	assert_string_equal(r->department, "Vertrieb");
	assert_string_equal(r->job_title, "„Chef“ € sales");
	assert_string_equal(r->notes, "Erste Zeile\r\nZweite Zeile mit ü und = Zeichen, C:\\Temp");
	assert_string_equal(r->business_phone, "+49 30 1234567");
	assert_string_equal(r->home_phone, "+49 30 7654321");
	assert_string_equal(r->mobile_phone, "+49 170 1234567");
	assert_string_equal(r->street, "Hauptstraße 1");
	assert_string_equal(r->city, "Berlin");
	assert_string_equal(r->postal_code, "10115");
	assert_string_equal(r->country, "Deutschland");
	assert_string_equal(r->email, "juergen@contoso.test");
	assert_string_equal(r->birthday, "1970-01-01");
	assert_int_equal(g->c[0].photo_len, jlen);
	assert_memory_equal(g->c[0].photo, jpeg, jlen);

	free(s.p);
	free(enc);
	free(jpeg);
	got_free(g);
}

/* Several cards: names derived from N and ORG, FileAs rules, a UTF-8 BOM,
 * blank lines between cards, lower-case BEGIN, a group card, birthdays in
 * every accepted shape. */
static void test_many_cards(void **state)
{
	struct got *g = got_new();
	char err[512];
	(void)state;

	assert_int_equal(parse(
		"\xef\xbb\xbf" "BEGIN:VCARD\nVERSION:3.0\nN:Lovelace;Ada;;;\nBDAY:1815-12-10T00:00:00Z\nEND:VCARD\n"
		"\n\n"
		"begin:vcard\nversion:3.0\nFN:Solo\nN:;Solo;;;\nbday;value=date:18151210\nend:vcard\n"
		"BEGIN:VCARD\nVERSION:3.0\nORG:Acme Corp\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:4.0\nKIND:group\nFN:Book club\n"
		"MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af\nEND:VCARD\n"
		"BEGIN:VCARD\nFN:  No Version  \nN:Version;No\nBDAY;VALUE=text:circa 1800\nEND:VCARD\n"
		"\xef\xbb\xbf" "BEGIN:VCARD\nVERSION:4.0\nFN:Year Only\nBDAY:1985\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:4.0\nFN:Month Only\nBDAY:1985-04\nEND:VCARD\n",
		g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 7);
	assert_string_equal(g->c[5].rec.display_name, "Year Only");   /* a concatenated file's BOM */
	assert_string_equal(g->c[5].rec.birthday, "");
	assert_string_equal(g->c[6].rec.birthday, "");
	assert_string_equal(g->c[0].rec.display_name, "Ada Lovelace");
	assert_string_equal(g->c[0].rec.file_as, "Lovelace, Ada");
	assert_string_equal(g->c[0].rec.birthday, "1815-12-10");
	assert_string_equal(g->c[1].rec.display_name, "Solo");
	assert_string_equal(g->c[1].rec.file_as, "Solo");        /* no surname: the display name */
	assert_string_equal(g->c[1].rec.birthday, "1815-12-10");
	assert_string_equal(g->c[2].rec.display_name, "Acme Corp");
	assert_string_equal(g->c[2].rec.birthday, "");           /* Apple's year-less birthday */
	assert_int_equal(g->c[3].is_group, 1);
	assert_int_equal(g->c[3].version, 40);
	assert_int_equal(g->c[4].version, 30);                   /* no VERSION: read as 3.0 */
	assert_string_equal(g->c[4].rec.display_name, "No Version");
	assert_string_equal(g->c[4].rec.birthday, "");
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(g->c[i].index, i + 1);
	assert_int_equal(g->c[2].line, 14);
	got_free(g);
}

/* Folding: at any byte (inside a UTF-8 sequence, a parameter, an escape),
 * with a space or a tab, and a CRLF file folded with LF-only lines. */
static void test_folding(void **state)
{
	struct got *g = got_new();
	char err[512];
	(void)state;

	assert_int_equal(parse(
		"BEGIN:VCARD\r\nVERSION:3.0\r\n"
		"FN:Fran\xc3\r\n \xa7oise D\r\n\tupont\r\n"
		"N:Dupont;Fran\xc3\xa7oise\r\n"
		"EM\r\n AIL;TY\r\n PE=WORK:fd@exam\r\n ple.test\r\n"
		"NOTE:a\\\r\n nb\r\n"
		"END:VCARD", g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 1);
	assert_string_equal(g->c[0].rec.display_name, "Françoise Dupont");
	assert_string_equal(g->c[0].rec.email, "fd@example.test");
	assert_string_equal(g->c[0].rec.notes, "a\nb");
	got_free(g);
}

/* A photo listed twice keeps the first; a link first and an embedded one
 * second keeps the embedded one; an empty PHOTO is no picture. */
static void test_photo_choices(void **state)
{
	struct got *g = got_new();
	struct sb s = { NULL, 0, 0 };
	size_t l1, l2;
	unsigned char *j1 = make_jpeg(40, 40, &l1), *j2 = make_jpeg(50, 50, &l2);
	char *e1 = b64(j1, l1), *e2 = b64(j2, l2), err[512];
	(void)state;

	sb_add(&s, "BEGIN:VCARD\nVERSION:3.0\nFN:Two Photos\nPHOTO;ENCODING=b;TYPE=JPEG:%s\n"
	       "PHOTO;ENCODING=b;TYPE=JPEG:%s\nEND:VCARD\n", e1, e2);
	sb_add(&s, "BEGIN:VCARD\nVERSION:3.0\nFN:Link First\nPHOTO;VALUE=uri:http://example.test/a.jpg\n"
	       "PHOTO;ENCODING=BASE64;TYPE=image/jpeg:%s\nEND:VCARD\n", e2);
	sb_add(&s, "BEGIN:VCARD\nVERSION:3.0\nFN:Empty\nPHOTO;ENCODING=b;TYPE=JPEG:\nEND:VCARD\n");
	sb_add(&s, "BEGIN:VCARD\nVERSION:2.1\nFN:No Encoding\nPHOTO;JPEG:%s\nEND:VCARD\n", e1);
	assert_int_equal(parse(s.p, g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, 4);
	assert_int_equal(g->c[0].photo_len, l1);
	assert_memory_equal(g->c[0].photo, j1, l1);
	assert_int_equal(g->c[1].photo_len, l2);
	assert_int_equal(g->c[1].photo_link, 1);
	assert_null(g->c[2].photo);
	assert_int_equal(g->c[3].photo_len, l1);

	free(s.p);
	free(e1);
	free(e2);
	free(j1);
	free(j2);
	got_free(g);
}

/* ---- errors ------------------------------------------------------------------------- */

#define CARD(body) "BEGIN:VCARD\r\nVERSION:3.0\r\n" body "END:VCARD\r\n"

static void test_structure_errors(void **state)
{
	(void)state;
	EXPECT_ERROR("", EMU_EINVAL, "no vCard in the file");
	EXPECT_ERROR("\r\n\r\n  \r\n", EMU_EINVAL, "no vCard");
	EXPECT_ERROR("{ \"domain\": \"example.test\" }\n", EMU_EINVAL, "line 1:", "expected BEGIN:VCARD");
	EXPECT_ERROR(CARD("FN:Ann\r\n") "FN:Stray\r\n", EMU_EINVAL, "line 5:", "outside a card");
	EXPECT_ERROR(CARD("FN:Ann\r\n") "END:VCARD\r\n", EMU_EINVAL, "line 5:", "outside a card");
	/* missing END: reported with the card's number, name and BEGIN line */
	EXPECT_ERROR(CARD("FN:Ann\r\n") "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Missing\r\n",
	             EMU_EINVAL, "card 2 (Bob Missing), line 5:", "no END:VCARD");
	EXPECT_ERROR("BEGIN:VCARD\r\nFN:Carl\r\nBEGIN:VCARD\r\nFN:Dora\r\nEND:VCARD\r\n",
	             EMU_EINVAL, "card 1 (Carl), line 3:", "BEGIN:VCARD before END:VCARD");
	EXPECT_ERROR(CARD("FN:Eve\r\nEND:VCALENDAR\r\n"), EMU_EINVAL, "card 1 (Eve)", "END:VCALENDAR");
	EXPECT_ERROR(CARD("FN:Fay\r\nthis line has no colon\r\n"), EMU_EINVAL,
	             "card 1 (Fay), line 4:", "not a property line");
	EXPECT_ERROR(CARD("FN;X-Q=\"unterminated:Gus\r\n"), EMU_EINVAL, "card 1", "not a property line");
	EXPECT_ERROR(CARD("FN:Hal\r\n") CARD("VERSION:5.0\r\nFN:Ida\r\n"), EMU_EFORMAT,
	             "card 2 (Ida), line 7:", "VERSION 5.0 is not supported");
	EXPECT_ERROR(CARD("N:;;;;\r\nNOTE:nobody\r\n"), EMU_EINVAL, "card 1 (no name)", "no name");
	EXPECT_ERROR("\xff\xfe" "B\0E\0G\0I\0N\0", EMU_EFORMAT, "UTF-16");
	{
		static const char nul[] = "BEGIN:VCARD\nFN:Nul\nNOTE:a\0b\nEND:VCARD\n";
		const char *const parts[] = { "card 1 (Nul), line 3:", "NUL", NULL };
		expect_error(nul, sizeof nul - 1, EMU_EINVAL, parts);
	}
}

static void test_value_errors(void **state)
{
	char longname[400], text[1200], *note;
	size_t n;
	(void)state;

	EXPECT_ERROR(CARD("FN:Bad Mail\r\nEMAIL:not-an-address\r\n"), EMU_EINVAL,
	             "card 1 (Bad Mail), line 4:", "EMAIL \"not-an-address\" is not an e-mail address");
	EXPECT_ERROR(CARD("FN:Bad Day\r\nBDAY:1999-02-30\r\n"), EMU_EINVAL,
	             "card 1 (Bad Day)", "BDAY \"1999-02-30\" is not a date");
	EXPECT_ERROR(CARD("FN:Bad Day\r\nBDAY:yesterday\r\n"), EMU_EINVAL, "BDAY \"yesterday\"");
	EXPECT_ERROR(CARD("FN:Bad Day\r\nBDAY:1985-13\r\n"), EMU_EINVAL, "BDAY \"1985-13\"");
	EXPECT_ERROR(CARD("FN:Latin \xe9\r\n"), EMU_EINVAL, "card 1", "FN is not UTF-8");
	EXPECT_ERROR(CARD("FN:Ctl\r\nNOTE:bell\x07\r\n"), EMU_EINVAL, "card 1 (Ctl)", "NOTE is not UTF-8");
	EXPECT_ERROR(CARD("FN;CHARSET=KOI8-R:x\r\n"), EMU_EFORMAT, "CHARSET=koi8-r is not supported");
	EXPECT_ERROR(CARD("FN:Enc\r\nNOTE;ENCODING=x-gzip:abc\r\n"), EMU_EFORMAT, "card 1 (Enc)",
	             "ENCODING=x-gzip");
	/* the error names the card by FN even when FN comes after the problem */
	EXPECT_ERROR(CARD("EMAIL:nope\r\nFN:Late Name\r\n"), EMU_EINVAL, "card 1 (Late Name), line 3:");

	memset(longname, 'x', 257);
	longname[257] = '\0';
	snprintf(text, sizeof text, CARD("FN:%s\r\nN:Long;Name\r\n"), longname);
	EXPECT_ERROR(text, EMU_ELIMIT, "card 1 (Name Long)", "FN is longer than 256 bytes");
	snprintf(text, sizeof text, CARD("FN:Org\r\nORG:Acme;%s\r\n"), longname);
	EXPECT_ERROR(text, EMU_ELIMIT, "card 1 (Org)", "ORG (department) is longer than 256 bytes");
	snprintf(text, sizeof text, CARD("N:%s;%s\r\n"), longname + 100, longname + 100);
	EXPECT_ERROR(text, EMU_ELIMIT, "card 1", "composed");

	n = STORE_NOTES_MAX + 1;
	note = malloc(n + 200);
	assert_non_null(note);
	snprintf(note, n + 200, "BEGIN:VCARD\r\nFN:Notes\r\nNOTE:%0*d\r\nEND:VCARD\r\n", (int)n, 0);
	EXPECT_ERROR(note, EMU_ELIMIT, "card 1 (Notes), line 3:", "NOTE is longer than 2048 bytes");
	free(note);
}

static void test_photo_errors(void **state)
{
	struct sb s = { NULL, 0, 0 };
	size_t jlen;
	unsigned char *jpeg = make_jpeg(64, 64, &jlen);
	char *png = b64(PNG_1x1, sizeof PNG_1x1), *good = b64(jpeg, jlen), *cut = b64(jpeg, jlen / 2);
	(void)state;

	sb_add(&s, CARD("FN:Ok\r\n"));
	sb_add(&s, "BEGIN:VCARD\r\nVERSION:3.0\r\n");
	sb_fold(&s, "PHOTO;ENCODING=b;TYPE=PNG:", png, 75, " ", "\r\n");
	sb_add(&s, "FN:Pat Png\r\nEND:VCARD\r\n");
	EXPECT_ERROR(s.p, EMU_EFORMAT, "card 2 (Pat Png), line 7:", "PHOTO is a PNG image",
	             "only JPEG");
	s.len = 0;
	sb_add(&s, "BEGIN:VCARD\nVERSION:4.0\nFN:Uri Png\nPHOTO:data:image/png;base64,%s\nEND:VCARD\n", png);
	EXPECT_ERROR(s.p, EMU_EFORMAT, "card 1 (Uri Png), line 4:", "PNG image");
	s.len = 0;
	sb_add(&s, CARD("FN:Bad B64\r\nPHOTO;ENCODING=b;TYPE=JPEG:%s!!!!\r\n"), good);
	EXPECT_ERROR(s.p, EMU_EINVAL, "card 1 (Bad B64), line 4:", "bad base64");
	s.len = 0;
	sb_add(&s, CARD("FN:Cut\r\nPHOTO;ENCODING=b;TYPE=JPEG:%s\r\n"), cut);
	EXPECT_ERROR(s.p, EMU_EIMAGE, "card 1 (Cut)", "not a valid JPEG");
	s.len = 0;
	sb_add(&s, CARD("FN:Text\r\nPHOTO;ENCODING=b;TYPE=JPEG:%s\r\n"), "aGVsbG8gd29ybGQ=");
	EXPECT_ERROR(s.p, EMU_EIMAGE, "card 1 (Text)", "not a valid JPEG");
	s.len = 0;
	sb_add(&s, "BEGIN:VCARD\nVERSION:4.0\nFN:Pct\nPHOTO:data:image/jpeg,%%FF%%D8\nEND:VCARD\n");
	EXPECT_ERROR(s.p, EMU_EFORMAT, "card 1 (Pct)", "only base64 data: URIs");
	s.len = 0;
	sb_add(&s, "BEGIN:VCARD\nVERSION:4.0\nFN:Nocomma\nPHOTO:data:image/jpeg;base64\nEND:VCARD\n");
	EXPECT_ERROR(s.p, EMU_EINVAL, "card 1 (Nocomma)", "data: URI");
	s.len = 0;
	sb_add(&s, CARD("FN:Qp\r\nPHOTO;ENCODING=QUOTED-PRINTABLE:=FF=D8\r\n"));
	EXPECT_ERROR(s.p, EMU_EFORMAT, "card 1 (Qp)", "ENCODING=QUOTED-PRINTABLE");

	free(s.p);
	free(png);
	free(good);
	free(cut);
	free(jpeg);
}

/* A PHOTO above the 8 MiB upload limit, and a line above VCARD_MAX_LINE. */
static void test_size_limits(void **state)
{
	size_t big = PHOTO_MAX_UPLOAD_BYTES + 3, n;
	unsigned char *raw = malloc(big);
	char *enc, *text;
	const char *head = "BEGIN:VCARD\nVERSION:3.0\nFN:Huge\nPHOTO;ENCODING=b;TYPE=JPEG:";
	const char *tail = "\nEND:VCARD\n";
	(void)state;

	assert_non_null(raw);
	memset(raw, 0xff, big);
	enc = b64(raw, big);
	free(raw);
	n = strlen(head) + strlen(enc) + strlen(tail);
	text = malloc(n + 1);
	assert_non_null(text);
	snprintf(text, n + 1, "%s%s%s", head, enc, tail);
	{
		const char *const parts[] = { "card 1 (Huge), line 4:", "larger than 8388608 bytes", NULL };
		expect_error(text, n, EMU_ELIMIT, parts);
	}
	free(text);
	free(enc);

	/* an over-long line (unknown property, folded): the card is named, the
	 * parse goes on to END:VCARD to find the FN */
	n = VCARD_MAX_LINE / 73 * 75 + 1000;   /* a fold every 75 bytes takes 2 of them */
	text = malloc(n + 200);
	assert_non_null(text);
	strcpy(text, "BEGIN:VCARD\nVERSION:3.0\nX-BLOB:");
	{
		size_t at = strlen(text);
		memset(text + at, 'A', n);
		for (size_t i = at + 70; i < at + n; i += 75)
			text[i] = '\n', text[i + 1] = ' ';
		strcpy(text + at + n, "\nFN:After The Blob\nEND:VCARD\n");
		const char *const parts[] = { "card 1 (After The Blob), line 3:", "longer than 12582912 bytes", NULL };
		expect_error(text, strlen(text), EMU_ELIMIT, parts);
	}
	free(text);
}

/* VCARD_MAX_CARDS cards are fine; one more is refused before its callback. */
static void test_too_many_cards(void **state)
{
	static const char one[] = "BEGIN:VCARD\nFN:x\nEND:VCARD\n";
	size_t n = VCARD_MAX_CARDS + 1, len = (sizeof one - 1) * n;
	char *text = malloc(len + 1), err[512];
	struct got *g = got_new();
	(void)state;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * (sizeof one - 1), one, sizeof one - 1);
	text[len] = '\0';
	assert_int_equal(parse_n(text, len - (sizeof one - 1), g, err, sizeof err), EMU_OK);
	assert_int_equal(g->n, VCARD_MAX_CARDS);
	got_free(g);
	g = got_new();
	assert_int_equal(parse_n(text, len, g, err, sizeof err), EMU_ELIMIT);
	assert_non_null(strstr(err, "card 5001, line 15001: more than 5000 cards"));
	assert_int_equal(g->n, VCARD_MAX_CARDS);
	got_free(g);
	free(text);
}

/* The callback's refusal stops the parse and is reported with the card. */
static void test_callback_error(void **state)
{
	struct got *g = got_new();
	char err[512];
	(void)state;
	g->stop_at = 2;
	assert_int_equal(parse(CARD("FN:One\r\n") CARD("FN:Two\r\n") CARD("FN:Three\r\n"), g, err, sizeof err),
	                 EMU_EEXIST);
	assert_string_equal(err, "card 2 (Two): stopped by the test");
	assert_int_equal(g->n, 2);
	/* a tiny error buffer is cut, never overrun */
	got_free(g);
	g = got_new();
	assert_int_equal(parse("FN:x\n", g, err, 8), EMU_EINVAL);
	assert_int_equal(strlen(err), 7);
	got_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apple_30),
		cmocka_unit_test(test_v40_data_uri),
		cmocka_unit_test(test_google_30),
		cmocka_unit_test(test_outlook_21),
		cmocka_unit_test(test_many_cards),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_photo_choices),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_photo_errors),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_too_many_cards),
		cmocka_unit_test(test_callback_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
