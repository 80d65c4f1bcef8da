/* photo_cache.c - the per-thread memory of photo lookups (photo_cache.h). */
#include "ews/ops/photo_cache.h"

#include <string.h>

struct entry {
	uint64_t store;                    /* store_serial(); 0 = empty */
	uint64_t txnid;
	enum photo_size size;
	int hr48;
	size_t email_len;
	char email[STORE_ADDR_MAX];        /* as sent, not NUL-terminated */
	char etag[PHOTO_ETAG_LEN + 1];
	size_t len;
	int width, height;
	int64_t changed;
	struct photo_pick pick;
	const char *content_type;          /* static text */
};

static _Thread_local struct entry g_slots[OP_PHOTO_CACHE_SLOTS];

/* FNV-1a of the address (*n bytes, set here) and the size: the slot; NULL
 * for what is never remembered (snapshot 0, an address over STORE_ADDR_MAX). */
static struct entry *slot_for(uint64_t txnid, const char *email, enum photo_size size, size_t *n)
{
	*n = strnlen(email, STORE_ADDR_MAX + 1);
	if (!txnid || *n > STORE_ADDR_MAX)
		return NULL;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < *n; i++)
		h = (h ^ (unsigned char)email[i]) * 16777619u;
	h = (h ^ (uint32_t)size) * 16777619u;
	return &g_slots[h % OP_PHOTO_CACHE_SLOTS];
}

int op_photo_cache_get(const store_t *store, uint64_t txnid, const char *email, enum photo_size size,
                       int hr48_prefers_thumbnail, struct op_photo_result *out)
{
	size_t n;
	const struct entry *e = slot_for(txnid, email, size, &n);
	if (!e || e->store != store_serial(store) || e->txnid != txnid || e->size != size ||
	    e->hr48 != !!hr48_prefers_thumbnail || e->email_len != n || memcmp(e->email, email, n) != 0)
		return 0;
	memcpy(out->etag, e->etag, sizeof out->etag);
	out->len = e->len;
	out->width = e->width;
	out->height = e->height;
	out->changed = e->changed;
	out->pick = e->pick;
	out->content_type = e->content_type;
	return 1;
}

void op_photo_cache_put(const store_t *store, uint64_t txnid, const char *email, enum photo_size size,
                        int hr48_prefers_thumbnail, const struct op_photo_result *res)
{
	size_t n;
	struct entry *e = slot_for(txnid, email, size, &n);
	if (!e)
		return;
	e->store = store_serial(store);
	e->txnid = txnid;
	e->size = size;
	e->hr48 = !!hr48_prefers_thumbnail;
	e->email_len = n;
	memcpy(e->email, email, n);
	memcpy(e->etag, res->etag, sizeof e->etag);
	e->len = res->len;
	e->width = res->width;
	e->height = res->height;
	e->changed = res->changed;
	e->pick = res->pick;
	e->content_type = res->content_type;
}

void op_photo_cache_clear(void)
{
	memset(g_slots, 0, sizeof g_slots);
}
