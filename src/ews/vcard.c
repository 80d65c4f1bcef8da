/* vcard.c - a personal contact as a vCard 3.0 (see vcard.h for the mapping,
 * which is the import's, admin/vcard.c, read backwards). */
#include "ews/vcard.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/base64.h"
#include "core/dynbuf.h"
#include "core/result.h"

#define FOLD_OCTETS 75   /* RFC 2426 §2.6 / RFC 6350 §3.2: at most 75 octets a line */

/* Append text @p s escaped for a vCard value (RFC 2426 §4: \\ \, \; \n). */
static void escaped(struct dynbuf *d, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': dynbuf_add(d, "\\\\", 2); break;
		case ',': dynbuf_add(d, "\\,", 2); break;
		case ';': dynbuf_add(d, "\\;", 2); break;
		case '\r':   /* CR LF and a lone CR are one line break */
			if (s[1] == '\n')
				s++;
			dynbuf_add(d, "\\n", 2);
			break;
		case '\n': dynbuf_add(d, "\\n", 2); break;
		default: dynbuf_add(d, s, 1); break;
		}
	}
}

/* Append the logical line @p l to @p out, folded at FOLD_OCTETS octets
 * (a continuation starts with a space), never inside a UTF-8 sequence. */
static void folded(struct dynbuf *out, const struct dynbuf *l)
{
	size_t at = 0, room = FOLD_OCTETS;
	if (dynbuf_error(l)) {
		dynbuf_addbuf(out, l);   /* @p out takes the failure */
		return;
	}
	while (l->len - at > room) {
		size_t n = room;
		while (n > 1 && ((unsigned char)l->p[at + n] & 0xC0) == 0x80)
			n--;
		dynbuf_add(out, l->p + at, n);
		dynbuf_add(out, "\r\n ", 3);
		at += n;
		room = FOLD_OCTETS - 1;
	}
	dynbuf_add(out, l->p + at, l->len - at);
	dynbuf_add(out, "\r\n", 2);
}

/* One property: NAME then ';'-joined escaped components @p v (NULL ends). */
static void prop(struct dynbuf *out, struct dynbuf *l, const char *name, const char *const *v)
{
	dynbuf_reset(l);
	dynbuf_addstr(l, name);
	dynbuf_add(l, ":", 1);
	for (size_t i = 0; v[i]; i++) {
		if (i)
			dynbuf_add(l, ";", 1);
		escaped(l, v[i]);
	}
	folded(out, l);
}

static void prop1(struct dynbuf *out, struct dynbuf *l, const char *name, const char *v)
{
	const char *vs[2] = { v, NULL };
	prop(out, l, name, vs);
}

int ews_vcard_write(struct arena *a, const struct contact_record *c,
                    const void *photo, size_t photo_len, const char **out, size_t *len)
{
	struct dynbuf d, l;
	int rc;

	*out = NULL;
	*len = 0;
	dynbuf_init(&d, EWS_VCARD_MAX);
	dynbuf_init(&l, EWS_VCARD_MAX);
	dynbuf_addstr(&d, "BEGIN:VCARD\r\nPROFILE:VCARD\r\nVERSION:3.0\r\n"
	                  "MAILER:Microsoft Exchange\r\nPRODID:Microsoft Exchange\r\n");
	prop1(&d, &l, "FN", c->display_name);
	const char *n[] = { c->surname, c->given_name, c->middle_name, "", "", NULL };
	prop(&d, &l, "N", n);
	if (c->nickname[0])
		prop1(&d, &l, "NICKNAME", c->nickname);
	const char *org[] = { c->company, c->department[0] ? c->department : NULL, NULL };
	prop(&d, &l, "ORG", org);
	dynbuf_addstr(&d, "CLASS:PUBLIC\r\n");
	if (c->street[0] || c->city[0] || c->state[0] || c->postal_code[0] || c->country[0]) {
		const char *adr[] = { "", "", c->street, c->city, c->state, c->postal_code, c->country, NULL };
		prop(&d, &l, "ADR;TYPE=WORK", adr);
		/* the label as Exchange writes it: street, then "city, state postal", country */
		char label[5 * STORE_TEXT_MAX + 16];
		snprintf(label, sizeof label, "%s\n%s%s%s%s%s\n%s", c->street, c->city,
		         c->city[0] && c->state[0] ? ", " : "", c->state,
		         c->postal_code[0] && (c->city[0] || c->state[0]) ? " " : "", c->postal_code,
		         c->country);
		prop1(&d, &l, "LABEL;TYPE=WORK", label);
	}
	prop1(&d, &l, "TEL;TYPE=WORK,VOICE", c->business_phone);
	prop1(&d, &l, "TEL;TYPE=HOME,VOICE", c->home_phone);
	prop1(&d, &l, "TEL;TYPE=CELL,VOICE", c->mobile_phone);
	const char *mails[3] = { c->email, c->email2, c->email3 };
	for (int i = 0; i < 3; i++)
		if (mails[i][0])
			prop1(&d, &l, "EMAIL;TYPE=INTERNET", mails[i]);
	prop1(&d, &l, "TITLE", c->job_title);
	if (c->birthday[0])
		prop1(&d, &l, "BDAY;VALUE=DATE", c->birthday);
	if (c->notes[0])
		prop1(&d, &l, "NOTE", c->notes);
	if (c->modified > 0) {
		time_t t = (time_t)c->modified;
		struct tm tm;
		char rev[32];
		if (gmtime_r(&t, &tm) && strftime(rev, sizeof rev, "REV;VALUE=DATE-TIME:%Y%m%dT%H%M%SZ", &tm))
			dynbuf_addf(&d, "%s\r\n", rev);
	}
	if (photo && photo_len > 0) {
		dynbuf_reset(&l);
		dynbuf_addstr(&l, "PHOTO;ENCODING=b;TYPE=JPEG:");
		size_t at = l.len;
		if (dynbuf_reserve(&l, BASE64_ENCODED_SIZE(photo_len)) == EMU_OK) {
			size_t b = base64_encode(photo, photo_len, l.p + at);
			dynbuf_added(&l, b);
		}
		folded(&d, &l);
	}
	dynbuf_addstr(&d, "END:VCARD\r\n");
	if ((rc = dynbuf_error(&d)) != EMU_OK)
		goto out;
	if (!(*out = arena_memdup(a, d.p, d.len + 1))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	*len = d.len;
out:
	dynbuf_free(&d);
	dynbuf_free(&l);
	return rc;
}
