/*
 * buf.h: a growable byte buffer with a hard size cap.
 *
 * Every buffer is created with the most it may ever hold (a constant of
 * core/limits.h). Adding past the cap fails with PL_LIMIT and leaves the
 * buffer as it was, so a hostile input cannot exhaust memory. The content
 * is always NUL-terminated.
 *
 * Ownership: the buffer owns its memory; buf_detach() hands it to the
 * caller and leaves the buffer empty.
 */
#ifndef PL_BUF_H
#define PL_BUF_H

#include "../pl.h"

struct buf {
	char *data;     /* owned; NUL-terminated; NULL until first growth */
	size_t len;
	size_t alloc;
	size_t max;     /* cap on len */
};

#define BUF_INIT(cap) { NULL, 0, 0, (cap) }

void buf_init(struct buf *b, size_t max);
/* Free the memory; the buffer may be reused after buf_init(). */
void buf_release(struct buf *b);
/* Empty the buffer but keep its memory. */
void buf_clear(struct buf *b);

PL_WARN_UNUSED int buf_add(struct buf *b, const void *data, size_t len);
PL_WARN_UNUSED int buf_addstr(struct buf *b, const char *s);
PL_WARN_UNUSED int buf_addch(struct buf *b, char c);
PL_WARN_UNUSED PL_PRINTF(2, 3) int buf_addf(struct buf *b, const char *fmt, ...);

/* Content as a string; "" for an empty buffer. Borrowed. */
const char *buf_str(const struct buf *b);
/* Take the content (caller frees); the buffer becomes empty. */
char *buf_detach(struct buf *b, size_t *len_out);

#endif
