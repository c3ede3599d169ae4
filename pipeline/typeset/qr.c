/*
 * qr.c: a QR code drawn with cairo; libqrencode does the encoding.
 *
 * The symbol is encoded at error-correction level M (15% of it may be
 * damaged, enough for a folded letter) with 8-bit mode as the hint and
 * case kept, so a URL comes out byte for byte. The modules become a
 * stencil (stencil.h), one pixel a module: drawing them as hundreds of
 * path rectangles was most of a payment letter's time. The
 * 4-module quiet zone the standard asks for lies inside the square the
 * caller gives, so nothing else may be drawn there.
 */
#include "../pl.h"
#include "qr.h"
#include "stencil.h"

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

/* The dark modules, black, the symbol's top left at (x, y). */
static int draw_modules(cairo_t *cr, double x, double y, double module,
			const QRcode *code, struct pl_diag *diag)
{
	struct stencil st;
	int rc = stencil_init(&st, code->width, code->width, "QR code", diag);

	if (rc != PL_OK)
		return rc;
	for (int row = 0; row < code->width; row++)
		for (int col = 0; col < code->width; col++)
			/* Bit 0 of each byte: the module is dark. */
			if (code->data[(size_t)row * code->width + col] & 1)
				stencil_set(&st, col, row);
	stencil_paint(&st, cr, x, y, module, module);
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
			  module, code, diag);
out:
	QRcode_free(code);
	return rc;
}
