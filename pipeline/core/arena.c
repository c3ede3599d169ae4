/*
 * arena.c: bump allocator over a chain of reusable blocks (see arena.h).
 */
#include "../pl.h"
#include "arena.h"
#include "limits.h"
#include "xalloc.h"

struct arena_block {
	struct arena_block *next;
	size_t size;   /* bytes in data */
	size_t used;
	max_align_t data[];
};

void arena_init(struct arena *a)
{
	a->first = NULL;
	a->current = NULL;
	a->used_total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->first;

	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	arena_init(a);
}

void arena_clear(struct arena *a)
{
	for (struct arena_block *b = a->first; b; b = b->next)
		b->used = 0;
	a->current = a->first;
	a->used_total = 0;
}

static struct arena_block *new_block(size_t size)
{
	struct arena_block *b = xmalloc(sizeof(*b) + size);

	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (need > PL_MAX_ARENA_BYTES || a->used_total + need > PL_MAX_ARENA_BYTES) {
		fprintf(stderr, "fatal: one account needs more than %ld bytes\n",
			(long)PL_MAX_ARENA_BYTES);
		abort();
	}
	/* Find a block with room, reusing the kept chain first. */
	for (b = a->current; b; b = b->next) {
		if (b->size - b->used >= need)
			break;
		if (!b->next) {
			size_t sz = need > PL_ARENA_BLOCK_BYTES ? need : PL_ARENA_BLOCK_BYTES;
			b->next = new_block(sz);
		}
	}
	if (!b) {
		size_t sz = need > PL_ARENA_BLOCK_BYTES ? need : PL_ARENA_BLOCK_BYTES;
		b = new_block(sz);
		a->first = b;
	}
	a->current = b;
	p = (char *)b->data + b->used;
	b->used += need;
	a->used_total += need;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list again;
	int n;
	char *p;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		PL_BUG("bad format '%s'", fmt);
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
