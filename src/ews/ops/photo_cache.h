/* photo_cache.h - a small per-thread memory of photo lookups, so that a
 * conditional GetUserPhoto whose ETag still matches (the 304 of the REST
 * URL, HasChanged=false over SOAP, Outlook's $value) needs no LMDB read
 * transaction and no photo record decoding.
 *
 * An entry is what op_get_user_photo() found for (store, address as sent,
 * size, hr48_prefers_thumbnail) in the store snapshot @p txnid: the pick,
 * the ETag and the rendition's facts, never the image bytes.  It is used
 * only while store_last_txnid() still returns that snapshot, so any commit
 * (a photo set or removed, by this process or another) makes every entry
 * stale, as the login cache of http/auth.c does.  Access is not cached:
 * the caller checks it on every request.
 *
 * Each thread has its own table (a worker serves many connections one
 * request at a time): no lock.  Direct-mapped: a colliding key replaces the
 * entry. */
#ifndef EMU_EWS_OPS_PHOTO_CACHE_H
#define EMU_EWS_OPS_PHOTO_CACHE_H

#include <stdint.h>

#include "ews/ops/ops.h"
#include "store/store.h"

#define OP_PHOTO_CACHE_SLOTS 32   /* entries per thread (~15 KiB of thread-local memory) */

/** The entry for the key, current at snapshot @p txnid (0: never a hit):
 * 1 with @p out's etag, len, width, height, changed, pick and content_type
 * set (its outcome and status untouched), 0 when there is none. */
int op_photo_cache_get(const store_t *store, uint64_t txnid, const char *email, enum photo_size size,
                       int hr48_prefers_thumbnail, struct op_photo_result *out);

/** Remember @p res (a photo that was found: RETURNED or UNCHANGED) for the
 * key as of snapshot @p txnid.  An address over STORE_ADDR_MAX bytes or a
 * txnid of 0 is not remembered. */
void op_photo_cache_put(const store_t *store, uint64_t txnid, const char *email, enum photo_size size,
                        int hr48_prefers_thumbnail, const struct op_photo_result *res);

/** Forget this thread's entries (tests). */
void op_photo_cache_clear(void);

#endif
