/*
 * buf.c: bounded growable buffer (see buf.h).
 */
#include "../pl.h"
#include "buf.h"
#include "diag.h"
#include "xalloc.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int grow(struct buf *b, size_t extra)
{
	size_t want;

	if (extra > b->max || b->len > b->max - extra)
		return PL_LIMIT;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return PL_OK;
	if (b->alloc < 64)
		b->alloc = 64;
	while (b->alloc < want)
		b->alloc *= 2;
	b->data = xrealloc(b->data, b->alloc);
	return PL_OK;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	int rc = grow(b, len);

	if (rc != PL_OK)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PL_OK;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		PL_BUG("bad format '%s'", fmt);
	rc = grow(b, (size_t)n);
	if (rc != PL_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PL_OK;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(struct buf *b, size_t *len_out)
{
	char *p = b->data ? b->data : xstrdup("");

	if (len_out)
		*len_out = b->len;
	buf_init(b, b->max);
	return p;
}
