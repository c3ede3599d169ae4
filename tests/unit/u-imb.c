/*
 * u-imb.c: the Intelligent Mail barcode encoder (typeset/imb.c).
 *
 * USPS-B-3200's own examples (one tracking code with each routing length),
 * bad input refused, the tracking code built from its parts, and an
 * independent encoder: Debian's zint, asked in one batch for 200
 * pseudo-random payloads of every routing length, must give the same 65
 * bars. Then the drawing: rendered at 720 dpi, each bar's extent read
 * back from the pixels must give the same bars, at the specification's
 * pitch and heights.
 */
#include "pl.h"
#include "typeset/imb.h"
#include "core/xalloc.h"
#include "tap.h"

#include <math.h>
#include <unistd.h>

/* ---- the specification's examples ---- */

static const char spec_tracking[] = "01234567094987654321";

static const struct {
	const char *routing, *bars;
} spec_examples[] = {
	{ "", "ATTFATTDTTADTAATTDTDTATTDAFDDFADFDFTFFFFFTATFAAAATDFFTDAADFTFDTDT" },
	{ "01234", "DTTAFADDTTFTDTFTFDTDDADADAFADFATDDFTAAAFDTTADFAAATDFDTDFADDDTDFFT" },
	{ "012345678", "ADFTTAFDTTTTFATTADTAAATFTFTATDAAAFDDADATATDTDTTDFDTDATADADTDFFTFA" },
	{ "01234567891", "AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA" },
};

static void test_spec_examples(void)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(spec_examples); i++) {
		char bars[IMB_BARS + 1], name[96];
		int rc = imb_encode(spec_tracking, spec_examples[i].routing, bars);

		snprintf(name, sizeof(name), "spec example with %zu-digit routing '%s'",
			 strlen(spec_examples[i].routing), spec_examples[i].routing);
		if (rc != 0)
			printf("#   imb_encode returned %d\n", rc);
		is_str(bars, spec_examples[i].bars, name);
	}
}

static void test_bad_input(void)
{
	static const struct {
		const char *tracking, *routing, *why;
	} bad[] = {
		{ "0123456709498765432", "", "tracking of 19 digits" },
		{ "012345670949876543210", "", "tracking of 21 digits" },
		{ "0123456709498765432x", "", "a letter in the tracking code" },
		{ "0 234567094987654321", "", "a space in the tracking code" },
		{ "05234567094987654321", "", "second barcode id digit 5" },
		{ "09234567094987654321", "", "second barcode id digit 9" },
		{ "01234567094987654321", "0123", "routing of 4 digits" },
		{ "01234567094987654321", "012345", "routing of 6 digits" },
		{ "01234567094987654321", "0123456789", "routing of 10 digits" },
		{ "01234567094987654321", "012345678912", "routing of 12 digits" },
		{ "01234567094987654321", "01234-5678", "routing with a dash" },
		{ "01234567094987654321", "0123a", "a letter in the routing code" },
		{ "", "", "empty tracking code" },
	};
	char bars[IMB_BARS + 1];

	for (size_t i = 0; i < PL_ARRAY_SIZE(bad); i++) {
		char name[96];

		memset(bars, 'x', sizeof(bars));
		snprintf(name, sizeof(name), "refused: %s", bad[i].why);
		ok(imb_encode(bad[i].tracking, bad[i].routing, bars) == -1 &&
		   bars[0] == '\0', name);
	}
	ok(imb_encode(NULL, "", bars) == -1, "refused: NULL tracking");
	ok(imb_encode(spec_tracking, NULL, bars) == -1, "refused: NULL routing");

	/* The extremes of the payload still encode. */
	ok(imb_encode("99999999999999999999", "", bars) == -1,
	   "refused: 9 as second digit even with the largest payload");
	ok(imb_encode("94999999999999999999", "99999999999", bars) == 0 &&
	   strlen(bars) == IMB_BARS, "largest payload encodes");
	ok(imb_encode("00000000000000000000", "", bars) == 0 &&
	   strlen(bars) == IMB_BARS, "smallest payload encodes");
}

static void test_tracking(void)
{
	char out[21];

	ok(imb_tracking(out, "01", "234", "567094", 987654321ul) == 0, "tracking: 6-digit mailer");
	is_str(out, spec_tracking, "tracking: the spec's example from its parts");
	ok(imb_tracking(out, "00", "040", "123456", 7) == 0, "tracking: small serial");
	is_str(out, "00040123456000000007", "tracking: serial zero-padded to 9");
	ok(imb_tracking(out, "00", "040", "123456", 1234567890ul) == 0,
	   "tracking: 10-digit serial");
	is_str(out, "00040123456234567890", "tracking: serial taken modulo 10^9");
	ok(imb_tracking(out, "14", "300", "901234567", 42) == 0, "tracking: 9-digit mailer");
	is_str(out, "14300901234567000042", "tracking: 9-digit mailer, 6-digit serial");
	ok(imb_tracking(out, "14", "300", "901234567", 1000042) == 0,
	   "tracking: 7-digit serial with a 9-digit mailer");
	is_str(out, "14300901234567000042", "tracking: serial taken modulo 10^6");
	ok(imb_tracking(out, "00", "040", "899999", 0) == 0, "tracking: mailer 899999");

	ok(imb_tracking(out, "05", "040", "123456", 1) == -1 && out[0] == '\0',
	   "tracking refused: barcode id second digit 5");
	ok(imb_tracking(out, "0", "040", "123456", 1) == -1, "tracking refused: 1-digit barcode id");
	ok(imb_tracking(out, "00", "40", "123456", 1) == -1, "tracking refused: 2-digit service type");
	ok(imb_tracking(out, "00", "04a", "123456", 1) == -1, "tracking refused: letter in service type");
	ok(imb_tracking(out, "00", "040", "912345", 1) == -1,
	   "tracking refused: 6-digit mailer id from 900000");
	ok(imb_tracking(out, "00", "040", "812345678", 1) == -1,
	   "tracking refused: 9-digit mailer id below 900000000");
	ok(imb_tracking(out, "00", "040", "1234567", 1) == -1, "tracking refused: 7-digit mailer id");
	ok(imb_tracking(out, "00", "040", "", 1) == -1, "tracking refused: empty mailer id");
	ok(imb_tracking(out, NULL, "040", "123456", 1) == -1, "tracking refused: NULL part");
}

/* ---- zint, an independent encoder ---- */

#define ZINT_PER_LENGTH 200

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: the same sequence on every run. */
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

static void random_digits(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + rnd(10));
	out[n] = '\0';
}

struct payload {
	char tracking[21];
	char routing[12];
};

/* Bar i of a zint dump: bit 2i of each row, read from the left. */
static bool row_bit(const char *row, unsigned bit)
{
	unsigned nibble = bit / 4, seen = 0;

	for (const char *p = row; *p; p++) {
		unsigned v;

		if (*p == ' ' || *p == '\n')
			continue;
		if (seen++ != nibble)
			continue;
		v = (unsigned)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		return (v >> (3 - bit % 4)) & 1u;
	}
	return false;
}

static void zint_bars(const char *rows[3], char bars[IMB_BARS + 1])
{
	for (unsigned i = 0; i < IMB_BARS; i++) {
		bool top = row_bit(rows[0], 2 * i), bottom = row_bit(rows[2], 2 * i);

		bars[i] = top ? (bottom ? 'F' : 'A') : (bottom ? 'D' : 'T');
	}
	bars[IMB_BARS] = '\0';
}

static void test_zint(void)
{
	static const size_t lengths[] = { 0, 5, 9, 11 };
	const size_t n = PL_ARRAY_SIZE(lengths) * ZINT_PER_LENGTH;
	struct payload *p = xcalloc(n, sizeof(*p));
	char input[] = "/tmp/u-imb-XXXXXX";
	char line[3][256], *cmd = NULL;
	size_t got = 0, same = 0, mismatches = 0, same_by_length[4] = { 0 };
	int fd;
	FILE *f;

	if (system("command -v zint >/dev/null 2>&1") != 0) {
		ok(1, "zint: # SKIP zint is not installed (apt-get install zint)");
		free(p);
		return;
	}
	fd = mkstemp(input);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		PL_BUG("cannot create '%s'", input);
	for (size_t i = 0; i < n; i++) {
		/* Barcode id: its second digit is 0-4. */
		random_digits(p[i].tracking, 20);
		p[i].tracking[1] = (char)('0' + rnd(5));
		random_digits(p[i].routing, lengths[i / ZINT_PER_LENGTH]);
		fprintf(f, "%s%s%s\n", p[i].tracking, p[i].routing[0] ? "-" : "",
			p[i].routing);
	}
	fclose(f);

	cmd = xasprintf("zint -b 85 --batch --dump -i '%s' 2>/dev/null", input);
	f = popen(cmd, "r");
	while (f && got < n && fgets(line[0], sizeof(line[0]), f) &&
	       fgets(line[1], sizeof(line[1]), f) && fgets(line[2], sizeof(line[2]), f)) {
		const char *rows[3] = { line[0], line[1], line[2] };
		char want[IMB_BARS + 1], bars[IMB_BARS + 1];

		zint_bars(rows, want);
		if (imb_encode(p[got].tracking, p[got].routing, bars) == 0 &&
		    !strcmp(bars, want)) {
			same++;
			same_by_length[got / ZINT_PER_LENGTH]++;
		} else if (mismatches++ < 5) {
			printf("#   %s-%s: zint %s, ours %s\n", p[got].tracking,
			       p[got].routing, want, bars);
		}
		got++;
	}
	if (f)
		pclose(f);
	unlink(input);
	is_int(got, n, "zint: one symbol per payload");
	for (size_t k = 0; k < PL_ARRAY_SIZE(lengths); k++) {
		char name[96];

		snprintf(name, sizeof(name), "zint: same bars for %d payloads with "
			 "%zu-digit routing", ZINT_PER_LENGTH, lengths[k]);
		is_int(same_by_length[k], ZINT_PER_LENGTH, name);
	}
	is_int(same, n, "zint: same 65 bars for every payload");
	free(cmd);
	free(p);
}

/* ---- the drawing ---- */

#define DPI_SCALE 10.0   /* 720 dpi: a bar is 14.4 pixels wide */

static void test_draw(void)
{
	char bars[IMB_BARS + 1], read[IMB_BARS + 1];
	const double margin = 9.0;   /* the quiet zone: 1/8 in */
	double w = imb_width_pt(), h = imb_height_pt();
	int pw = (int)ceil((w + 2 * margin) * DPI_SCALE);
	int ph = (int)ceil((h + 2 * margin) * DPI_SCALE);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, pw, ph);
	cairo_surface_t *rec;
	cairo_t *cr = cairo_create(s);
	double ex, ey, ew, eh, x0 = -1, x64 = -1;
	unsigned char *data;
	int stride, wrong_width = 0;

	ok(fabs(w - (64.0 / 22.0 + 1.0 / 44.0) * 72.0) < 1e-9, "draw: width = 64 pitches + a bar");
	ok(fabs(h - 0.145 * 72.0) < 1e-9, "draw: full bar 0.145 in");
	ok(w / 72.0 >= 2.667 && w / 72.0 <= 3.225, "draw: length within USPS limits");

	if (imb_encode(spec_tracking, "01234567891", bars) != 0)
		PL_BUG("spec example does not encode");
	cairo_scale(cr, DPI_SCALE, DPI_SCALE);
	ok(imb_draw(cr, margin, margin, bars, NULL) == PL_OK, "draw: PL_OK");
	cairo_surface_flush(s);
	ok(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "draw: cairo is happy");

	data = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (int i = 0; i < IMB_BARS; i++) {
		double centre = margin + i * 72.0 / 22.0 + 72.0 / 88.0;
		int px = (int)(centre * DPI_SCALE), top = -1, bottom = -1;
		int left = px, right = px;
		double t, b;

		for (int y = 0; y < ph; y++) {
			if (data[y * stride + px] > 127) {
				if (top < 0)
					top = y;
				bottom = y;
			}
		}
		if (top >= 0) {
			int row = (top + bottom) / 2;

			while (left > 0 && data[row * stride + left - 1] > 127)
				left--;
			while (right < pw - 1 && data[row * stride + right + 1] > 127)
				right++;
			/* Half the pitch, 1/44 in, at 720 dpi is 16.4 pixels. */
			if (abs(right - left + 1 - 16) > 1)
				wrong_width++;
			if (i == 0)
				x0 = left / DPI_SCALE;
			if (i == IMB_BARS - 1)
				x64 = left / DPI_SCALE;
		}
		t = top / DPI_SCALE - margin;
		b = (bottom + 1) / DPI_SCALE - margin;
		if (top < 0)
			read[i] = '?';
		else if (t < 0.5 && b > h - 0.5)
			read[i] = 'F';
		else if (t < 0.5 && fabs(b - 0.145 * 2 / 3 * 72.0) < 0.5)
			read[i] = 'A';
		else if (b > h - 0.5 && fabs(t - (h - 0.145 * 2 / 3 * 72.0)) < 0.5)
			read[i] = 'D';
		else if (fabs(b - t - 0.145 / 3 * 72.0) < 0.5 && fabs((t + b) / 2 - h / 2) < 0.5)
			read[i] = 'T';
		else
			read[i] = '?';
	}
	read[IMB_BARS] = '\0';
	is_str(read, bars, "draw: bars read back from the pixels, heights per spec");
	is_int(wrong_width, 0, "draw: every bar 1/44 in wide (0.020 +- 0.005)");
	ok(fabs((x64 - x0) - 64.0 * 72.0 / 22.0) < 0.2, "draw: 22 bars per inch");
	cairo_destroy(cr);
	cairo_surface_destroy(s);

	/* The ink is exactly the box imb_width_pt() x imb_height_pt() says. */
	rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	cr = cairo_create(rec);
	if (imb_draw(cr, 100, 200, bars, NULL) != PL_OK)
		PL_BUG("imb_draw failed on a recording surface");
	cairo_destroy(cr);
	cairo_recording_surface_ink_extents(rec, &ex, &ey, &ew, &eh);
	ok(fabs(ex - 100) < 1 && fabs(ey - 200) < 1 && fabs(ew - w) < 1 &&
	   fabs(eh - h) < 1, "draw: (x, y) is the top-left of the full-bar box");
	cairo_surface_destroy(rec);
}

int main(void)
{
	test_spec_examples();
	test_bad_input();
	test_tracking();
	test_zint();
	test_draw();
	return tap_done();
}
