/* record_int.h - private to src/record/: the anonymiser as record.c and the
 * tests of this module see it, and small helpers shared by the files here.
 * Not part of the module's interface. */
#ifndef EMU_RECORD_RECORD_INT_H
#define EMU_RECORD_RECORD_INT_H

#include <stddef.h>

#include "fixture/fixture.h"

#define ANON_FILE ".anonymise.json"     /* the person table kept in a recording folder */
#define ANON_ENTRIES_MAX 200000         /* known addresses + names in one table */
#define ANON_DEFAULT_DOMAIN "example.test"
#define ANON_DOMAIN_MAX 253             /* bytes of a fake domain */

typedef struct anon anon_t;

/** Open the person table of the recording in @p dir: DIR/.anonymise.json
 * when it exists (so a later recording into the same folder stays
 * consistent), else a fresh table.  @p fake_domain NULL means
 * ANON_DEFAULT_DOMAIN.  Returns EMU_OK, EMU_EINVAL (a bad fake domain or a
 * damaged table file, logged), EMU_ENOMEM.  Free with anon_close(). */
int anon_open(const char *dir, const char *fake_domain, anon_t **out);
/** Free the table (it was saved by every anon_fixture that changed it). */
void anon_close(anon_t *a);

/** Replace the people in @p f in place: addresses, names tied to them,
 * remaining names, address domains, ewsemu ids that carry a mailbox, the
 * caller, the target (query and Outlook REST paths), the headers that can
 * name someone (X-AnchorMailbox, Location, WWW-Authenticate), and JPEG
 * photos (base64 elements and binary bodies, replaced by a generated
 * avatar of the same dimensions; IMAGE rules / compare_image are added for
 * the response).  Not thread-safe: the recorder serialises calls.
 * Returns EMU_OK, EMU_ENOMEM, EMU_ELIMIT (the table is full), EMU_EIO (the
 * table could not be saved; the fixture is anonymised all the same). */
int anon_fixture(anon_t *a, struct fixture *f);

/* ---- helpers shared by record.c and proxy.c ----------------------------- */

struct recorder;
/** The folder a recorder writes into (record.c). */
const char *rec_dir(const struct recorder *r);

/** ASCII case-insensitive search of @p needle in @p hay[0..n); NULL if absent. */
const char *rec_memcasemem(const char *hay, size_t n, const char *needle, size_t nl);
/** malloc'd copy of @p n bytes plus a NUL; NULL on no memory. */
char *rec_strndup(const char *s, size_t n);

#endif
