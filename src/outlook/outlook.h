/* outlook.h - the Outlook REST API v2.0 user-photo resource (spec §8):
 * route parsing, rights from ews/access.h, JSON metadata built with jansson,
 * and the photo ops (op_get_user_photo, op_set_user_photo,
 * op_remove_user_photo: the same code as GetUserPhoto/SetUserPhoto).
 *
 * Transport-neutral like rest/: no sockets, no gSOAP.  src/http/ reads the
 * request, calls outlook_serve() and writes what it says.
 *
 *   GET          /api/v2.0/me/photo                  metadata of the largest photo
 *   GET          /api/v2.0/Users('{email}')/photo    (Users/users, any case)
 *   GET          .../photo/$value                    the image (ETag, If-None-Match -> 304)
 *   PATCH / PUT  .../photo/$value                    replace (body = JPEG)
 *   DELETE       .../photo[/$value]                  remove, sets the deletion record
 *   GET          .../photos                          every available size
 *   GET          .../photos('{size}')[/$value]       one size
 * /api/beta/ is accepted as well as /api/v2.0/.
 */
#ifndef EMU_OUTLOOK_OUTLOOK_H
#define EMU_OUTLOOK_OUTLOOK_H

#include <stddef.h>

#include "ews/ews.h"
#include "ews/outcome.h"
#include "photo/photo.h"

#define OUTLOOK_PATH_MAX 1024      /* longest (decoded) path accepted */
#define OUTLOOK_SIZE_MAX 15        /* longest photos('{size}') value */

enum outlook_method { OUTLOOK_GET = 0, OUTLOOK_PUT, OUTLOOK_PATCH, OUTLOOK_DELETE, OUTLOOK_OTHER };

enum outlook_resource {
	OUTLOOK_RES_PHOTO = 0,     /* .../photo */
	OUTLOOK_RES_PHOTOS,        /* .../photos */
	OUTLOOK_RES_PHOTOS_ONE     /* .../photos('{size}') */
};

struct outlook_route {
	int me;                              /* /me, else Users('{user}') */
	char user[STORE_ADDR_MAX + 1];       /* the decoded user id when !me */
	char version[8];                     /* "v2.0" or "beta" as the URL spells it */
	enum outlook_resource res;
	char size[OUTLOOK_SIZE_MAX + 1];     /* photos('{size}'), as given */
	int value;                           /* /$value */
};

/** Is @p path (@p len bytes, no query) under /api/v2.0/ or /api/beta/
 * (ASCII case-insensitive)?  Such URLs are answered by outlook_serve(),
 * known or not. */
int outlook_is_api_path(const char *path, size_t len);

/** Parse @p path (@p len bytes, no query; percent-escapes decoded here).
 * @return EMU_OK and @p out, EMU_ENOTFOUND for a URL that is no photo
 *         resource, EMU_ELIMIT when too long. */
int outlook_parse_route(const char *path, size_t len, struct outlook_route *out);

struct outlook_request {
	enum outlook_method method;
	const char *path;               /* without the query */
	size_t path_len;
	const char *base_url;           /* "https://host:port", for @odata ids */
	const char *if_none_match;      /* raw header or NULL */
	const void *body;               /* PUT/PATCH body */
	size_t body_len;
};

struct outlook_response {
	enum http_outcome outcome;
	const char *content_type;       /* "application/json; odata.metadata=minimal" or the image's */
	const void *body;               /* arena memory (or static), may be NULL */
	size_t len;
	char etag[PHOTO_ETAG_LEN + 1];  /* $value: the ETag header value (unquoted), else empty */
	const char *allow;              /* methods for a 405's Allow header, else NULL */
	const char *message;            /* one line for the log */
	/* issue 13: for the access log */
	const char *op;                 /* the operation (static): "GetPhoto", "GetPhotoValue",
	                                 * "ListPhotos", "SetPhoto", "DeletePhoto"; NULL for a URL
	                                 * or method the API does not serve */
	const char *code;               /* the JSON error's code (static), NULL on success */
};

#define OUTLOOK_JSON "application/json; odata.metadata=minimal"

/** Serve one request for ctx->caller (rights from ews/access.h: 403
 * ErrorAccessDenied when the caller lacks ACCESS_PHOTO_READ / _WRITE over
 * the user, checked after 404 for an unknown user and 401 for /me without
 * a signed-in caller).  Every outcome, errors included,
 * comes back in @p out with a JSON body {"error":{"code","message"}} where
 * there is one.  Returns EMU_OK, or a negative emu_result on an internal
 * failure (store, memory). */
int outlook_serve(const struct ews_ctx *ctx, const struct outlook_request *req, struct outlook_response *out);

/** Primary address of the user owning @p address (any of their addresses,
 * or the alias) into @p primary.  EMU_OK, EMU_ENOTFOUND, store errors. */
int outlook_primary_address(const struct ews_ctx *ctx, const char *address, char primary[STORE_ADDR_MAX + 1]);

/** Build {"error":{"code":@p code,"message":@p msg}} in @p ctx's arena into
 * @p out (outcome @p o).  Returns EMU_OK or EMU_ENOMEM. */
int outlook_error(const struct ews_ctx *ctx, enum http_outcome o, const char *code, const char *msg,
                  struct outlook_response *out);

#endif
