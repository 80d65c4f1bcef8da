/* arena.c - arena helpers and the heap-backed arena used by tests and the CLI. */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct heap_block {
	struct heap_block *next;
	size_t size, used;       /* bytes of data[]; carved so far */
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
	struct heap_block *b = h->head;
	const size_t align = _Alignof(max_align_t);
	if (n > SIZE_MAX - sizeof *b - align)
		return NULL;
	n = (n + align - 1) / align * align;
	if (b && b->size - b->used >= n) {
		void *p = (char *)b->data + b->used;
		b->used += n;
		return p;
	}
	size_t size = n > HEAP_ARENA_BLOCK / 2 ? n : HEAP_ARENA_BLOCK;
	if (!(b = malloc(sizeof *b + size)))
		return NULL;
	b->size = size;
	b->used = n;
	if (size == n && h->head) {   /* a block of its own: the head keeps its room */
		b->next = h->head->next;
		h->head->next = b;
	} else {
		b->next = h->head;
		h->head = b;
	}
	return b->data;
}

void heap_arena_init(struct heap_arena *h)
{
	h->arena.alloc = heap_alloc;
	h->arena.ctx = h;
	h->head = NULL;
}

static void free_chain(struct heap_block *b)
{
	while (b) {
		struct heap_block *n = b->next;
		free(b);
		b = n;
	}
}

void heap_arena_free(struct heap_arena *h)
{
	free_chain(h->head);
	h->head = NULL;
}

#if defined(__SANITIZE_ADDRESS__)
#define KEEP_BLOCK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_BLOCK 0
#endif
#endif
#ifndef KEEP_BLOCK
#define KEEP_BLOCK 1
#endif

void heap_arena_reset(struct heap_arena *h)
{
	struct heap_block *keep = NULL, **pp = &h->head;
	/* the first block of the standard size is kept; every other goes */
	for (struct heap_block *b = h->head; KEEP_BLOCK && b; pp = &b->next, b = b->next) {
		if (b->size == HEAP_ARENA_BLOCK) {
			keep = b;
			*pp = b->next;
			break;
		}
	}
	free_chain(h->head);
	h->head = keep;
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
}
