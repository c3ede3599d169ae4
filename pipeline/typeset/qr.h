/*
 * qr.h: a QR code drawn with cairo, encoded by libqrencode.
 *
 * Ownership: callers own their buffers; the libqrencode symbol is freed
 * before returning.
 */
#ifndef PL_QR_H
#define PL_QR_H

#include "../pl.h"
#include "../core/diag.h"

#include <cairo.h>

/*
 * Draw text as a QR code (error correction M, 8-bit mode, with its 4-module
 * quiet zone inside size) in a size x size point square at (x, y).
 * Returns PL_OK, or PL_RENDER with diag when the text cannot be encoded.
 */
PL_WARN_UNUSED int qr_draw(cairo_t *cr, double x, double y, double size,
			   const char *text, struct pl_diag *diag);

#endif
