/*
 * u-scanline.c: the remittance coupon's OCR line (typeset/scanline.c).
 *
 * The Luhn digit against published vectors and against its own defining
 * property (the full number checks out, one changed digit never does),
 * the line's format, and the ranges of reference and amount.
 */
#include "pl.h"
#include "typeset/scanline.h"
#include "tap.h"

/* Does digits (with its check digit last) pass the Luhn check? */
static bool luhn_valid(const char *digits)
{
	unsigned sum = 0;
	bool doubled = false;

	for (size_t i = strlen(digits); i-- > 0; ) {
		unsigned d = (unsigned)(digits[i] - '0');

		if (doubled)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
		doubled = !doubled;
	}
	return sum % 10 == 0;
}

static void test_luhn(void)
{
	static const struct {
		const char *digits;
		char check;
	} vectors[] = {
		{ "7992739871", '3' },            /* the usual worked example */
		{ "0", '0' },
		{ "", '0' },
		{ "1", '8' },
		{ "18", '2' },
		{ "453201511283036", '6' },       /* a test card number, 16 digits */
		{ "411111111111111", '1' },       /* 4111 1111 1111 1111 */
		{ "37828224631000", '5' },        /* 3782 822463 10005 */
		{ "000000000000000000", '0' },
		{ "9999999999999999999", '9' },
	};
	char buf[32];
	unsigned changed_fail = 0, changed_total = 0;

	for (size_t i = 0; i < PL_ARRAY_SIZE(vectors); i++) {
		char name[80];
		char got = luhn_digit(vectors[i].digits);

		snprintf(name, sizeof(name), "luhn: '%s' -> %c", vectors[i].digits,
			 vectors[i].check);
		if (!ok(got == vectors[i].check, name))
			printf("#   got %c\n", got);
	}
	ok(luhn_digit("799 273 9871") == '3', "luhn: spaces are skipped");

	/* Every single-digit change of a checked number is caught. */
	snprintf(buf, sizeof(buf), "%s", "123456789000001234");
	buf[18] = luhn_digit(buf);
	buf[19] = '\0';
	ok(luhn_valid(buf), "luhn: number plus its digit checks out");
	for (int pos = 0; pos < 19; pos++) {
		char keep = buf[pos];

		for (char d = '0'; d <= '9'; d++) {
			if (d == keep)
				continue;
			buf[pos] = d;
			changed_total++;
			if (!luhn_valid(buf))
				changed_fail++;
		}
		buf[pos] = keep;
	}
	is_int(changed_fail, changed_total, "luhn: every single-digit misread is caught");
}

static void test_format(void)
{
	char out[SCANLINE_LEN];

	ok(scanline_format(out, 123456789ul, 123456) == 0, "format: ok");
	is_str(out, "123456789 0000123456 3", "format: reference, cents, check digit");
	ok(luhn_digit("1234567890000123456") == '3', "format: the digit is Luhn of the 19 digits");
	{
		char digits[SCANLINE_LEN];
		size_t n = 0;

		for (const char *p = out; *p; p++)
			if (*p != ' ')
				digits[n++] = *p;
		digits[n] = '\0';
		ok(n == 20 && luhn_valid(digits), "format: the whole line passes the Luhn check");
	}
	is_int(strlen(out), SCANLINE_LEN - 1, "format: 22 characters");

	ok(scanline_format(out, 42, 0) == 0, "format: zero amount");
	is_str(out, "000000042 0000000000 2", "format: zero-padded reference and amount");

	ok(scanline_format(out, 0, 0) == 0, "format: all zeros");
	is_str(out, "000000000 0000000000 0", "format: all zeros, check 0");
}

static void test_ranges(void)
{
	char out[SCANLINE_LEN];

	ok(scanline_format(out, 1234567890123ul, 100) == 0, "range: long reference");
	is_str(out, "567890123 0000000100 9", "range: reference taken modulo 10^9");
	ok(scanline_format(out, 999999999ul, INT64_C(9999999999)) == 0,
	   "range: the largest amount, $99,999,999.99");
	is_str(out, "999999999 9999999999 9", "range: largest line");
	ok(scanline_format(out, 0, 1) == 0, "range: one cent");
	is_str(out, "000000000 0000000001 8", "range: one cent line");

	memset(out, 'x', sizeof(out));
	ok(scanline_format(out, 1, INT64_C(10000000000)) == -1 && out[0] == '\0',
	   "range: 11-digit amount refused, out emptied");
	ok(scanline_format(out, 1, -1) == -1, "range: negative amount refused");
	ok(scanline_format(out, 1, INT64_MIN) == -1, "range: INT64_MIN refused");
	ok(scanline_format(out, 1, INT64_MAX) == -1, "range: INT64_MAX refused");
}

int main(void)
{
	test_luhn();
	test_format();
	test_ranges();
	return tap_done();
}
