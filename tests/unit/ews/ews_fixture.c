/* ews_fixture.c - see ews_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/result.h"
#include "ews/ops/ops.h"
#include "ews_fixture.h"

void ews_fx_open(struct ews_fx *f, const char *tag, const char *caller)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/ewsemu-test-%.16s-XXXXXX", tag);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, 64u << 20, &f->store), EMU_OK);
	heap_arena_init(&f->heap);
	f->cfg.hr48_prefers_thumbnail = 1;
	f->ctx.store = f->store;
	f->ctx.arena = &f->heap.arena;
	f->ctx.config = &f->cfg;
	f->ctx.caller = ews_fx_as(&f->who, caller, 0);
}

const struct caller *ews_fx_as(struct caller *c, const char *address, int admin)
{
	if (address)
		assert_int_equal(caller_set_basic(c, address, admin), EMU_OK);
	else
		caller_set_anonymous(c);
	return c;
}

void ews_fx_close(struct ews_fx *f)
{
	char cmd[128];
	heap_arena_free(&f->heap);
	store_close(f->store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

unsigned char *ews_fx_jpeg(int w, int h, unsigned char shade, size_t *len)
{
	unsigned char *rgb = malloc((size_t)w * h * 3), *out = NULL;
	unsigned long n = 0;
	tjhandle tj = tjInitCompress();
	assert_non_null(rgb);
	for (int i = 0; i < w * h * 3; i++)
		rgb[i] = (unsigned char)(shade + i % 7);
	assert_int_equal(tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &out, &n, TJSAMP_444, 90, 0), 0);
	tjDestroy(tj);
	free(rgb);
	unsigned char *copy = malloc(n);
	assert_non_null(copy);
	memcpy(copy, out, n);
	tjFree(out);
	*len = n;
	return copy;
}

void ews_fx_set_photo(struct ews_fx *f, const char *as, int admin, const char *email, int size,
                      unsigned char shade, const char *want_code)
{
	struct ews_status st;
	size_t len;
	unsigned char *jpg = ews_fx_jpeg(size, size, shade, &len);
	struct ews_ctx ctx = f->ctx;
	struct caller who;
	ctx.caller = ews_fx_as(&who, as, admin);
	assert_int_equal(op_set_user_photo(&ctx, email, jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, want_code);
	free(jpg);
}

void ews_fx_user(store_t *s, const char *email, const char *display, const char *given,
                 const char *surname, const char *proxy, int admin)
{
	struct user_record u;
	store_txn_t *t;
	memset(&u, 0, sizeof u);
	snprintf(u.email, sizeof u.email, "%s", email);
	snprintf(u.display_name, sizeof u.display_name, "%s", display ? display : email);
	snprintf(u.given_name, sizeof u.given_name, "%s", given ? given : "");
	snprintf(u.surname, sizeof u.surname, "%s", surname ? surname : "");
	if (proxy) {
		snprintf(u.proxies[0], sizeof u.proxies[0], "%s", proxy);
		u.nproxies = 1;
	}
	u.is_admin = admin;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}
