/* test_vcard_write.c - ews/vcard.h: the vCard 3.0 of a contact (spec §10):
 * escaping, CR LF lines folded at 75 octets never inside a UTF-8 sequence,
 * empty properties written, the picture in base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/result.h"
#include "ews/vcard.h"

/* The card with folds removed; checks every physical line on the way. */
static void unfold(const char *card, size_t len, char *out, size_t outsz)
{
	size_t o = 0, line = 0;
	for (size_t i = 0; i < len; i++) {
		if (card[i] == '\r') {
			assert_true(i + 1 < len && card[i + 1] == '\n');   /* CR LF only */
			assert_true(line <= 75);
			/* a fold never splits a UTF-8 sequence */
			if (i + 2 < len && card[i + 2] == ' ')
				assert_true(((unsigned char)card[i + 3] & 0xC0) != 0x80);
			i++;
			line = 0;
			if (i + 1 < len && card[i + 1] == ' ') {
				i++;
				line = 1;
				continue;
			}
			out[o++] = '\n';
			continue;
		}
		assert_true(card[i] != '\n');
		line++;
		out[o++] = card[i];
		assert_true(o < outsz);
	}
	out[o] = '\0';
}

static void test_escaping_and_folding(void **state)
{
	(void)state;
	static struct contact_record c;
	static char flat[1 << 16];
	struct heap_arena h;
	const char *card;
	size_t len;
	unsigned char jpeg[300];

	heap_arena_init(&h);
	memset(&c, 0, sizeof c);
	snprintf(c.display_name, sizeof c.display_name, "Smith, Jr.; A\\B");
	snprintf(c.surname, sizeof c.surname, "Smith, Jr.");
	snprintf(c.given_name, sizeof c.given_name, "A;B");
	snprintf(c.notes, sizeof c.notes, "one\r\ntwo\rthree\nfour");
	for (size_t i = 0; i + 2 < sizeof c.company; i += 2)
		memcpy(c.company + i, "\xc3\xa9", 2);        /* 254 bytes of two-byte sequences */
	snprintf(c.email, sizeof c.email, "a@b.test");
	memset(jpeg, 0xAB, sizeof jpeg);
	assert_int_equal(ews_vcard_write(&h.arena, &c, jpeg, sizeof jpeg, &card, &len), EMU_OK);
	assert_int_equal(strlen(card), len);
	unfold(card, len, flat, sizeof flat);
	assert_non_null(strstr(flat, "BEGIN:VCARD\nPROFILE:VCARD\nVERSION:3.0\n"));
	assert_non_null(strstr(flat, "\nFN:Smith\\, Jr.\\; A\\\\B\n"));
	assert_non_null(strstr(flat, "\nN:Smith\\, Jr.;A\\;B;;;\n"));
	assert_non_null(strstr(flat, "\nNOTE:one\\ntwo\\nthree\\nfour\n"));
	assert_non_null(strstr(flat, "\nEMAIL;TYPE=INTERNET:a@b.test\n"));
	/* empty properties are written, as Exchange does */
	assert_non_null(strstr(flat, "\nTITLE:\n"));
	assert_non_null(strstr(flat, "\nTEL;TYPE=CELL,VOICE:\n"));
	assert_null(strstr(flat, "BDAY"));
	assert_null(strstr(flat, "ADR"));
	assert_non_null(strstr(flat, "\nPHOTO;ENCODING=b;TYPE=JPEG:q6ur"));
	assert_true(len > 11 && strcmp(card + len - 11, "END:VCARD\r\n") == 0);

	/* no picture: no PHOTO */
	assert_int_equal(ews_vcard_write(&h.arena, &c, NULL, 0, &card, &len), EMU_OK);
	assert_null(strstr(card, "PHOTO"));
	heap_arena_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping_and_folding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
