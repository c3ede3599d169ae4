/*
 * arena.h: the per-account memory pool.
 *
 * Everything allocated while one account passes through the stages comes
 * from one arena, which the run loop clears before the next account. A
 * leak therefore cannot grow with the batch. Blocks are kept between
 * clears, so a steady batch allocates nothing from malloc after warm-up.
 * The arena aborts (like xalloc) when it would pass PL_MAX_ARENA_BYTES.
 *
 * Ownership: the arena owns every pointer it returns; they stay valid until
 * the next arena_clear() or arena_release().
 */
#ifndef PL_ARENA_H
#define PL_ARENA_H

#include "../pl.h"

struct arena_block;

struct arena {
	struct arena_block *first;   /* owned chain */
	struct arena_block *current; /* where the next allocation goes */
	size_t used_total;
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
/* Forget every allocation, keep the blocks. */
void arena_clear(struct arena *a);

/* Zeroed, 16-byte aligned memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
PL_PRINTF(2, 3) char *arena_printf(struct arena *a, const char *fmt, ...);
PL_PRINTF(2, 0) char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

#endif
