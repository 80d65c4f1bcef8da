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
	struct op_photo_result facts;      /* etag, len, width, height, changed, pick,
	                                    * content_type (static); no data, outcome or status */
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
	enum op_photo_outcome outcome = out->outcome;
	struct ews_status status = out->status;
	*out = e->facts;
	out->outcome = outcome;
	out->status = status;
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
	e->facts = *res;
	e->facts.data = NULL;
	e->facts.outcome = OP_PHOTO_NONE;
	ews_status_ok(&e->facts.status);
}

void op_photo_cache_clear(void)
{
	memset(g_slots, 0, sizeof g_slots);
}
