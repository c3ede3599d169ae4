/*
 * qr.c: a QR code drawn with cairo; libqrencode does the encoding.
 *
 * The symbol is encoded at error-correction level M (15% of it may be
 * damaged, enough for a folded letter) with 8-bit mode as the hint and
 * case kept, so a URL comes out byte for byte. The dark modules become
 * black rectangles, one per horizontal run, all in one path filled once:
 * the PDF stays small and a rasteriser leaves no seams between modules.
 * The 4-module quiet zone the standard asks for lies inside the square
 * the caller gives, so nothing else may be drawn there.
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
	cairo_save(cr);
	cairo_new_path(cr);
	for (int row = 0; row < code->width; row++) {
		const unsigned char *line = code->data + (size_t)row * code->width;
		double top = y + (QR_QUIET_MODULES + row) * module;

		for (int col = 0; col < code->width; ) {
			int end;

			/* Bit 0 of each byte: the module is dark. */
			if (!(line[col] & 1)) {
				col++;
				continue;
			}
			for (end = col; end < code->width && (line[end] & 1); end++)
				;
			cairo_rectangle(cr, x + (QR_QUIET_MODULES + col) * module, top,
					(end - col) * module, module);
			col = end;
		}
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
	cairo_fill(cr);
	cairo_restore(cr);
out:
	QRcode_free(code);
	return rc;
}
