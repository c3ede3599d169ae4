/*
 * imb.h: the USPS Intelligent Mail barcode (USPS-B-3200), encoded and drawn.
 *
 * A 20-digit tracking code (barcode id, service type, mailer id, serial)
 * and a routing code of 0, 5, 9 or 11 digits (ZIP, ZIP+4, ZIP+4+delivery
 * point) become 65 bars, each Full, Ascender, Descender or Tracker. No
 * library here does this, so it is written from the specification.
 *
 * Ownership: callers own every buffer; nothing is allocated.
 */
#ifndef PL_IMB_H
#define PL_IMB_H

#include "../pl.h"
#include "../core/diag.h"

#include <cairo.h>

#define IMB_BARS 65

/*
 * Build the 20-digit tracking code. barcode_id: 2 digits, the second 0-4;
 * service_type: 3 digits; mailer_id: 6 digits (000000-899999) or 9 digits
 * (900000000-999999999); serial: 9 digits with a 6-digit mailer id, 6 with
 * a 9-digit one (taken modulo that). Returns 0, or -1 on a bad part.
 */
PL_WARN_UNUSED int imb_tracking(char out[21], const char *barcode_id,
				const char *service_type, const char *mailer_id,
				unsigned long serial);

/*
 * Encode: tracking is 20 digits, routing "" or 5, 9 or 11 digits (no
 * dash). bars receives 65 letters of "FADT" and a NUL. Returns 0 or -1.
 */
PL_WARN_UNUSED int imb_encode(const char *tracking, const char *routing,
			      char bars[IMB_BARS + 1]);

/* The barcode's size in points as imb_draw() draws it (no quiet zone). */
double imb_width_pt(void);
double imb_height_pt(void);

/*
 * Draw bars with (x, y) the top-left of the full-bar box, in points.
 * PL_OK, or PL_RENDER (diag filled) when cairo cannot make their image.
 */
PL_WARN_UNUSED int imb_draw(cairo_t *cr, double x, double y,
			    const char bars[IMB_BARS + 1], struct pl_diag *diag);

#endif
