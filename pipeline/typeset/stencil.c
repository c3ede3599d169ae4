/*
 * stencil.c: see stencil.h.
 */
#include "../pl.h"
#include "stencil.h"

int stencil_init(struct stencil *s, int width, int height, const char *what,
		 struct pl_diag *diag)
{
	cairo_status_t st;

	memset(s, 0, sizeof(*s));
	s->img = cairo_image_surface_create(CAIRO_FORMAT_A1, width, height);
	st = cairo_surface_status(s->img);
	if (st != CAIRO_STATUS_SUCCESS) {
		stencil_drop(s);
		return pl_diag_set(diag, PL_RENDER, NULL, 0,
				   "cannot draw the %s: cairo cannot make its %d x %d image: %s",
				   what, width, height, cairo_status_to_string(st));
	}
	cairo_surface_flush(s->img);
	s->data = cairo_image_surface_get_data(s->img);
	s->stride = cairo_image_surface_get_stride(s->img);
	s->width = width;
	s->height = height;
	memset(s->data, 0, (size_t)s->stride * (size_t)height);
	return PL_OK;
}

/* A1 pixels are bits of 32-bit native words, the first pixel in bit 0 on
 * a little-endian machine and in bit 31 on a big-endian one. */
void stencil_set(struct stencil *s, int col, int row)
{
	uint32_t *words;

	if (col < 0 || col >= s->width || row < 0 || row >= s->height)
		PL_BUG("stencil pixel (%d, %d) outside %d x %d", col, row,
		       s->width, s->height);
	words = (uint32_t *)(void *)(s->data + (size_t)row * (size_t)s->stride);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	words[col / 32] |= UINT32_C(1) << (31 - col % 32);
#else
	words[col / 32] |= UINT32_C(1) << (col % 32);
#endif
}

void stencil_paint(struct stencil *s, cairo_t *cr, double x, double y,
		   double px, double py)
{
	cairo_pattern_t *pattern;

	cairo_surface_mark_dirty(s->img);
	pattern = cairo_pattern_create_for_surface(s->img);
	cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST);
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, px, py);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_mask(cr, pattern);
	cairo_restore(cr);
	cairo_pattern_destroy(pattern);
	stencil_drop(s);
}

void stencil_drop(struct stencil *s)
{
	if (s->img)
		cairo_surface_destroy(s->img);
	memset(s, 0, sizeof(*s));
}
