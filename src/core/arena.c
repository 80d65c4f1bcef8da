/* arena.c - arena helpers and the heap-backed arena used by tests and the CLI. */
#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

struct heap_block {
	struct heap_block *next;
	max_align_t data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	return a->alloc(a->ctx, n ? n : 1);
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *d = arena_alloc(a, n + 1);
	if (d) {
		if (n)
			memcpy(d, p, n);
		((char *)d)[n] = '\0';
	}
	return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_memdup(a, s, strlen(s)) : NULL;
}

static void *heap_alloc(void *ctx, size_t n)
{
	struct heap_arena *h = ctx;
	struct heap_block *b = malloc(sizeof *b + n);
	if (!b)
		return NULL;
	b->next = h->head;
	h->head = b;
	return b->data;
}

void heap_arena_init(struct heap_arena *h)
{
	h->arena.alloc = heap_alloc;
	h->arena.ctx = h;
	h->head = NULL;
}

void heap_arena_free(struct heap_arena *h)
{
	struct heap_block *b = h->head;
	while (b) {
		struct heap_block *n = b->next;
		free(b);
		b = n;
	}
	h->head = NULL;
}
