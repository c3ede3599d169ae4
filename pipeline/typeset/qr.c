/*
 * qr.c: a QR code drawn with cairo; libqrencode does the encoding.
 *
 * The symbol is encoded at error-correction level M (15% of it may be
 * damaged, enough for a folded letter) with 8-bit mode as the hint and
 * case kept, so a URL comes out byte for byte. The modules become a
 * 1-bit image, one pixel a module, painted black through it as a mask
 * scaled with the nearest filter: in the PDF a stencil image mask with
 * interpolation off, which prints with sharp edges at any resolution and
 * costs the PDF writer a few hundred bytes instead of hundreds of path
 * rectangles (drawing them was most of a payment letter's time). The
 * 4-module quiet zone the standard asks for lies inside the square the
 * caller gives, so nothing else may be drawn there.
 */
#include "../pl.h"
#include "qr.h"

#include <qrencode.h>

/* Modules of white margin on each side (ISO/IEC 18004: at least 4). */
#define QR_QUIET_MODULES 4

/* A shortened copy of text for a message: at most 60 bytes and "...". */
static void text_excerpt(const char *text, char *out, size_t size)
{
	size_t len = strlen(text);

	if (len > 60)
		snprintf(out, size, "%.60s...", text);
	else
		snprintf(out, size, "%s", text);
}

/* Set pixel col of a row of a CAIRO_FORMAT_A1 image (32-bit native words). */
static void a1_set(unsigned char *row, int col)
{
	uint32_t *words = (uint32_t *)(void *)row;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	words[col / 32] |= UINT32_C(1) << (31 - col % 32);
#else
	words[col / 32] |= UINT32_C(1) << (col % 32);
#endif
}

/* The dark modules, black, the symbol's top left at (x, y). */
static int draw_modules(cairo_t *cr, double x, double y, double module,
			const QRcode *code)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_A1, code->width,
							  code->width);
	cairo_pattern_t *pattern;
	unsigned char *data;
	int stride;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return PL_RENDER;
	}
	cairo_surface_flush(img);
	data = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	memset(data, 0, (size_t)stride * (size_t)code->width);
	for (int row = 0; row < code->width; row++)
		for (int col = 0; col < code->width; col++)
			/* Bit 0 of each byte: the module is dark. */
			if (code->data[(size_t)row * code->width + col] & 1)
				a1_set(data + (size_t)row * stride, col);
	cairo_surface_mark_dirty(img);

	pattern = cairo_pattern_create_for_surface(img);
	cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST);
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, module, module);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_mask(cr, pattern);
	cairo_restore(cr);
	cairo_pattern_destroy(pattern);
	cairo_surface_destroy(img);
	return PL_OK;
}

int qr_draw(cairo_t *cr, double x, double y, double size, const char *text,
	    struct pl_diag *diag)
{
	QRcode *code = NULL;
	double module;
	int rc = PL_OK, err;

	errno = 0;
	if (text && text[0])
		code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code) {
		char excerpt[80];

		err = errno;
		text_excerpt(text ? text : "", excerpt, sizeof(excerpt));
		rc = pl_diag_set(diag, PL_RENDER, NULL, 0,
				 "cannot encode '%s' (%zu bytes) as a QR code: %s",
				 excerpt, text ? strlen(text) : (size_t)0,
				 !text || !text[0] ? "the text is empty"
				 : err == ERANGE ? "too long for a QR code"
				 : err ? strerror(err) : "libqrencode failed");
		goto out;
	}

	module = size / (code->width + 2 * QR_QUIET_MODULES);
	rc = draw_modules(cr, x + QR_QUIET_MODULES * module, y + QR_QUIET_MODULES * module,
			  module, code);
out:
	QRcode_free(code);
	return rc;
}
