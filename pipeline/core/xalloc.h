/*
 * xalloc.h: allocation that never returns NULL.
 *
 * fairnotice aborts with a message when memory runs out (STYLE.md: a batch
 * run can simply be restarted, and atomic output means nothing half-written
 * survives). Returned memory is owned by the caller.
 */
#ifndef PL_XALLOC_H
#define PL_XALLOC_H

#include "../pl.h"

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string. */
PL_PRINTF(1, 2) char *xasprintf(const char *fmt, ...);

#endif
