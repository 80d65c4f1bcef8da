/* arena.h - per-request memory as domain code sees it.
 *
 * Everything a domain operation returns for a response is allocated from an
 * arena and freed in one go after the response is sent.  The SOAP adapter
 * backs it with soap_malloc (freed by soap_end); unit tests and CLI commands
 * use the heap arena below.  Domain code never frees arena memory itself.
 */
#ifndef EMU_CORE_ARENA_H
#define EMU_CORE_ARENA_H

#include <stddef.h>

struct arena {
	/* returns NULL on failure; memory is suitably aligned for any type */
	void *(*alloc)(void *ctx, size_t n);
	void *ctx;
};

/** Allocate @p n bytes from @p a; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/** Copy @p n bytes into the arena; NULL when out of memory. */
void *arena_memdup(struct arena *a, const void *p, size_t n);
/** Copy a NUL-terminated string into the arena (NULL in -> NULL out). */
char *arena_strdup(struct arena *a, const char *s);

/* A heap-backed arena: allocations are carved from blocks of
 * HEAP_ARENA_BLOCK bytes (one larger than half a block gets a block of its
 * own), freed by heap_arena_free(). */
#define HEAP_ARENA_BLOCK (16 * 1024)

struct heap_arena {
	struct arena arena;      /* pass &h.arena to domain code */
	struct heap_block *head; /* private: the block being carved first */
};

void heap_arena_init(struct heap_arena *h);
/** Free everything allocated from @p h; @p h may be reused afterwards. */
void heap_arena_free(struct heap_arena *h);
/** Release everything allocated from @p h but keep one HEAP_ARENA_BLOCK
 * block for the next allocations (a server connection's per-request
 * arena: a request that fits costs no malloc).  Under AddressSanitizer it
 * frees everything, so that a use after the reset is still caught. */
void heap_arena_reset(struct heap_arena *h);

#endif
