/*
 * stencil.h: a 1-bit picture painted black through itself.
 *
 * The picture is a CAIRO_FORMAT_A1 image, painted as a mask scaled with
 * the nearest filter: in the PDF a stencil image mask with interpolation
 * off, which prints with sharp edges at any resolution and costs cairo a
 * few hundred bytes and one operation, where the same marks drawn as
 * paths cost it two printed numbers a point. The QR code and the
 * Intelligent Mail barcode are drawn this way.
 *
 * Ownership: a struct stencil owns its image from stencil_init() until
 * stencil_paint() or stencil_drop().
 */
#ifndef PL_STENCIL_H
#define PL_STENCIL_H

#include "../pl.h"
#include "../core/diag.h"

#include <cairo.h>

struct stencil {
	cairo_surface_t *img;
	unsigned char *data;
	int stride, width, height;
};

/*
 * A blank width x height stencil. PL_OK, or PL_RENDER with diag saying
 * what (what the picture is, for the message; *s empty).
 */
PL_WARN_UNUSED int stencil_init(struct stencil *s, int width, int height,
				const char *what, struct pl_diag *diag);

/* Mark the pixel at (col, row), both within the size. */
void stencil_set(struct stencil *s, int col, int row);

/*
 * Paint the marked pixels black, the picture's top left at (x, y) and
 * each pixel px by py points; the source and matrix are restored. Then
 * the stencil is dropped.
 */
void stencil_paint(struct stencil *s, cairo_t *cr, double x, double y,
		   double px, double py);

void stencil_drop(struct stencil *s);

#endif
