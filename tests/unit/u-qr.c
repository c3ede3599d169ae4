/*
 * u-qr.c: QR codes drawn by typeset/qr.c, read back by a real decoder.
 *
 * A URL is drawn at about 300 dpi on a white image surface, written as a
 * PNG and decoded with zbarimg (zbar-tools): the decoded text must be the
 * URL exactly, also one with a query string and characters that are
 * special in markup and in shells. The symbol keeps its quiet zone inside
 * the square, draws the same pixels every time, and a text too long for
 * any QR code is PL_RENDER with a message, having drawn nothing.
 */
#include "pl.h"
#include "typeset/qr.h"
#include "core/xalloc.h"
#include "tap.h"

#include <math.h>
#include <unistd.h>

#define QR_SIZE_PT 64.8          /* 0.9 in, the templates' size */
#define QR_SCALE (300.0 / 72.0)  /* 300 dpi */

static bool have_zbarimg;

/* Draw text on a white square RGB surface of size + a margin. */
static cairo_surface_t *render(const char *text, int *rc, struct pl_diag *diag)
{
	int px = (int)ceil((QR_SIZE_PT + 20) * QR_SCALE);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, px, px);
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, QR_SCALE, QR_SCALE);
	*rc = qr_draw(cr, 10, 10, QR_SIZE_PT, text, diag);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		*rc = -1;
	cairo_destroy(cr);
	cairo_surface_flush(s);
	return s;
}

/* Decode a surface with zbarimg; the text (caller frees) or NULL. */
static char *decode(cairo_surface_t *s)
{
	char png[] = "/tmp/u-qr-XXXXXX";
	char buf[4096], *cmd, *text = NULL;
	size_t len = 0, n;
	int fd = mkstemp(png);
	FILE *f;

	if (fd < 0)
		PL_BUG("cannot create a temporary file");
	close(fd);
	if (cairo_surface_write_to_png(s, png) != CAIRO_STATUS_SUCCESS) {
		unlink(png);
		return NULL;
	}
	/* zbarimg may chatter on stderr (D-Bus); only stdout is the text. */
	cmd = xasprintf("zbarimg --raw -q '%s' 2>/dev/null", png);
	f = popen(cmd, "r");
	if (f) {
		while ((n = fread(buf + len, 1, sizeof(buf) - 1 - len, f)) > 0)
			len += n;
		buf[len] = '\0';
		if (pclose(f) == 0) {
			/* zbarimg ends each symbol's text with a newline. */
			if (len && buf[len - 1] == '\n')
				buf[--len] = '\0';
			text = xstrdup(buf);
		}
	}
	unlink(png);
	free(cmd);
	return text;
}

static void round_trip(const char *url, const char *what)
{
	struct pl_diag diag;
	char name[128];
	int rc;
	cairo_surface_t *s;
	char *got;

	pl_diag_clear(&diag);
	s = render(url, &rc, &diag);
	snprintf(name, sizeof(name), "%s: drawn", what);
	is_int(rc, PL_OK, name);
	snprintf(name, sizeof(name), "%s: zbarimg reads the exact text", what);
	if (!have_zbarimg) {
		snprintf(name, sizeof(name), "%s: # SKIP zbarimg is not installed", what);
		ok(1, name);
	} else {
		got = decode(s);
		is_str(got, url, name);
		free(got);
	}
	cairo_surface_destroy(s);
}

static void test_round_trips(void)
{
	round_trip("https://pay.example.com/p/AB12CD34", "short URL");
	round_trip("https://portal.acme-collect.example/respond?code=PC123&x=<>",
		   "URL with a query string and markup characters");
	round_trip("https://Portal.Example.COM/Case/aBcD?Code=pc123&lang=es",
		   "mixed case kept");
	round_trip("https://portal.example.com/r?code=PC123&name=O'Lee%20\"Jr\"&q=a;b|c$d",
		   "quotes and shell characters");
}

static void test_geometry(void)
{
	cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	cairo_t *cr = cairo_create(rec);
	struct pl_diag diag;
	double x, y, w, h;
	int rc;

	pl_diag_clear(&diag);
	/* 25 characters: version 2 at level M, 25 modules + 8 of quiet zone. */
	rc = qr_draw(cr, 100, 200, 66, "https://example.com/abcde", &diag);
	cairo_destroy(cr);
	cairo_recording_surface_ink_extents(rec, &x, &y, &w, &h);
	is_int(rc, PL_OK, "geometry: drawn");
	ok(fabs(x - (100 + 4 * 2.0)) < 0.01 && fabs(y - (200 + 4 * 2.0)) < 0.01,
	   "geometry: 4-module quiet zone at the top left, inside the size");
	ok(fabs(w - 25 * 2.0) < 0.01 && fabs(h - 25 * 2.0) < 0.01,
	   "geometry: the symbol fills size minus both quiet zones");
	cairo_surface_destroy(rec);
}

static void test_deterministic(void)
{
	struct pl_diag diag;
	int rc1, rc2;
	cairo_surface_t *a = render("https://example.com/x?code=1", &rc1, &diag);
	cairo_surface_t *b = render("https://example.com/x?code=1", &rc2, &diag);
	size_t bytes = (size_t)cairo_image_surface_get_stride(a) *
		       (size_t)cairo_image_surface_get_height(a);

	ok(rc1 == PL_OK && rc2 == PL_OK &&
	   !memcmp(cairo_image_surface_get_data(a), cairo_image_surface_get_data(b), bytes),
	   "deterministic: same text, same pixels");
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
}

static void test_errors(void)
{
	size_t len = 3000;   /* more than the 2331 bytes of version 40-M */
	char *longtext = xmalloc(len + 1);
	cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	cairo_t *cr = cairo_create(rec);
	struct pl_diag diag;
	double x, y, w, h;

	memset(longtext, 'a', len);
	longtext[len] = '\0';
	pl_diag_clear(&diag);
	is_int(qr_draw(cr, 0, 0, 72, longtext, &diag), PL_RENDER,
	       "too long: PL_RENDER");
	ok(strstr(diag.message, "cannot encode 'aaaa") == diag.message &&
	   strstr(diag.message, "(3000 bytes) as a QR code: too long for a QR code"),
	   "too long: the message says what and why");
	if (!strstr(diag.message, "too long"))
		printf("#   %s\n", diag.message);
	pl_diag_clear(&diag);
	is_int(qr_draw(cr, 0, 0, 72, "", &diag), PL_RENDER, "empty text: PL_RENDER");
	ok(strstr(diag.message, "the text is empty") != NULL, "empty text: message");
	cairo_destroy(cr);
	cairo_recording_surface_ink_extents(rec, &x, &y, &w, &h);
	ok(w == 0 && h == 0, "errors: nothing drawn");
	cairo_surface_destroy(rec);
	free(longtext);

	/* The largest text that fits still works (version 40-M, 8-bit). */
	longtext = xmalloc(2332);
	memset(longtext, 'a', 2331);
	longtext[2331] = '\0';
	rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	cr = cairo_create(rec);
	pl_diag_clear(&diag);
	is_int(qr_draw(cr, 0, 0, 72, longtext, &diag), PL_OK, "2331 bytes still encode");
	cairo_destroy(cr);
	cairo_surface_destroy(rec);
	free(longtext);
}

int main(void)
{
	have_zbarimg = system("command -v zbarimg >/dev/null 2>&1") == 0;
	test_round_trips();
	test_geometry();
	test_deterministic();
	test_errors();
	cairo_debug_reset_static_data();
	return tap_done();
}
