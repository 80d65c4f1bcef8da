/* test_syncstate.c - ews/syncstate.h: round trips, and every way a state can
 * be wrong is refused (spec §6.4, §6.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/result.h"
#include "ews/syncstate.h"

static unsigned char g_secret[STORE_SECRET_LEN], g_other[STORE_SECRET_LEN];
static struct heap_arena g_heap;

#define MBX "alice@example.test"
#define ID "0123456789abcdef0123456789abcdef"

static const struct ews_sync_state g_items = {
	.kind = EWS_SYNC_ITEMS, .scope = 0, .listing = 1, .base = 7, .pos = 9, .horizon = 12,
	.after = ID, .fingerprint = 0,
};

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < STORE_SECRET_LEN; i++) {
		g_secret[i] = (unsigned char)(i * 7 + 1);
		g_other[i] = (unsigned char)(i * 7 + 2);
	}
	heap_arena_init(&g_heap);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	heap_arena_free(&g_heap);
	return 0;
}

static char *enc(const unsigned char *secret, const char *mbx, const char *folder,
                 const struct ews_sync_state *st)
{
	char *text = NULL;
	assert_int_equal(ews_sync_state_encode(&g_heap.arena, secret, mbx, folder, st, &text), EMU_OK);
	return text;
}

static int dec(const char *text, struct ews_sync_state *out)
{
	return ews_sync_state_decode(g_secret, MBX, "contacts", EWS_SYNC_ITEMS, 0, text, out);
}

static void test_roundtrip(void **state)
{
	struct ews_sync_state st, h = { .kind = EWS_SYNC_HIERARCHY, .fingerprint = 0x1122334455667788ull };
	char *text = enc(g_secret, MBX, "contacts", &g_items);
	(void)state;
	assert_int_equal(strlen(text), 172);
	assert_int_equal(dec(text, &st), EMU_OK);
	assert_int_equal(st.listing, 1);
	assert_true(st.base == 7 && st.pos == 9 && st.horizon == 12);
	assert_string_equal(st.after, ID);
	/* a hierarchy state for the absent SyncFolderId ("") */
	text = enc(g_secret, MBX, "", &h);
	assert_int_equal(ews_sync_state_decode(g_secret, MBX, "", EWS_SYNC_HIERARCHY, 0, text, &st), EMU_OK);
	assert_true(st.fingerprint == 0x1122334455667788ull && st.listing == 0 && st.after[0] == '\0');
	/* states are deterministic: the same position gives the same text */
	assert_string_equal(enc(g_secret, MBX, "", &h), text);
}

/* Another store, mailbox, folder (absent != root), kind or scope: refused. */
static void test_foreign(void **state)
{
	struct ews_sync_state st, h = { .kind = EWS_SYNC_HIERARCHY };
	(void)state;
	assert_int_equal(dec(enc(g_other, MBX, "contacts", &g_items), &st), EMU_EINVAL);
	assert_int_equal(dec(enc(g_secret, "bob@example.test", "contacts", &g_items), &st), EMU_EINVAL);
	assert_int_equal(dec(enc(g_secret, MBX, "inbox", &g_items), &st), EMU_EINVAL);
	assert_int_equal(ews_sync_state_decode(g_secret, MBX, "contacts", EWS_SYNC_ITEMS, 1,
	                                       enc(g_secret, MBX, "contacts", &g_items), &st), EMU_EINVAL);
	assert_int_equal(ews_sync_state_decode(g_secret, MBX, "contacts", EWS_SYNC_HIERARCHY, 0,
	                                       enc(g_secret, MBX, "contacts", &g_items), &st), EMU_EINVAL);
	assert_int_equal(ews_sync_state_decode(g_secret, MBX, "root", EWS_SYNC_HIERARCHY, 0,
	                                       enc(g_secret, MBX, "", &h), &st), EMU_EINVAL);
}

/* Every single changed byte, truncation, extension, garbage, size limits. */
static void test_hostile(void **state)
{
	struct ews_sync_state st;
	unsigned char b[200];
	char text[400], *good = enc(g_secret, MBX, "contacts", &g_items);
	size_t n;
	(void)state;

	assert_int_equal(base64_decode(good, strlen(good), b, sizeof b, &n), EMU_OK);
	assert_int_equal(n, 128);
	for (size_t i = 0; i < n; i++) {
		b[i] ^= 0x01;
		base64_encode(b, n, text);
		assert_int_equal(dec(text, &st), EMU_EINVAL);
		b[i] ^= 0x01;
	}
	/* truncated by one byte, and by characters (a dropped "=" pad loses no
	 * data and still decodes, so cut into the data); one byte longer */
	base64_encode(b, n - 1, text);
	assert_int_equal(dec(text, &st), EMU_EINVAL);
	for (int cut = 2; cut <= 4; cut++) {
		snprintf(text, sizeof text, "%.*s", (int)strlen(good) - cut, good);
		assert_int_equal(dec(text, &st), EMU_EINVAL);
	}
	b[n] = 0;
	base64_encode(b, n + 1, text);
	assert_int_equal(dec(text, &st), EMU_EINVAL);
	assert_int_equal(dec("", &st), EMU_EINVAL);
	assert_int_equal(dec(NULL, &st), EMU_EINVAL);
	assert_int_equal(dec("not base64 at all!", &st), EMU_EINVAL);
	assert_int_equal(dec("H4sIAAAAAAAEAO29B2AcSZYlJi9tynt/SvVK1+B0oQiAYBMk2JBAEOzBiM3mkuwdaUcjKasqgcplVmVdZhZAzO2dvPfee++999577733", &st), EMU_EINVAL);
	/* at the text limit and one above: both refused, neither decoded past it */
	char *big = malloc(EWS_SYNCSTATE_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', EWS_SYNCSTATE_TEXT_MAX);
	big[EWS_SYNCSTATE_TEXT_MAX] = '\0';
	assert_int_equal(dec(big, &st), EMU_EINVAL);
	big[EWS_SYNCSTATE_TEXT_MAX] = 'A';
	big[EWS_SYNCSTATE_TEXT_MAX + 1] = '\0';
	assert_int_equal(dec(big, &st), EMU_EINVAL);
	free(big);
	/* a well-signed state with impossible positions */
	struct ews_sync_state bad = g_items;
	bad.base = 10;
	assert_int_equal(dec(enc(g_secret, MBX, "contacts", &bad), &st), EMU_EINVAL);
	bad = g_items;
	bad.pos = 13;
	assert_int_equal(dec(enc(g_secret, MBX, "contacts", &bad), &st), EMU_EINVAL);
	/* an id longer than a contact id cannot be encoded */
	bad = g_items;
	memset(bad.after, 'a', sizeof bad.after);
	char *t = NULL;
	assert_int_equal(ews_sync_state_encode(&g_heap.arena, g_secret, MBX, "contacts", &bad, &t), EMU_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
