/*
 * scanline.c: the OCR-style line of a remittance coupon and its Luhn digit.
 *
 * Luhn (ISO/IEC 7812-1 annex B): from the rightmost digit leftwards,
 * every other digit, starting with the rightmost, is doubled (a doubled
 * digit above 9 counts as its digit sum, i.e. minus 9); the check digit
 * brings the total to a multiple of 10. It catches every single-digit
 * misread and most swaps of neighbours, which is what a lockbox reader
 * needs.
 */
#include "../pl.h"
#include "scanline.h"

#define SCANLINE_REFERENCE_MOD 1000000000ul       /* 9 digits */
#define SCANLINE_MAX_CENTS INT64_C(9999999999)    /* 10 digits */

char luhn_digit(const char *digits)
{
	unsigned sum = 0;
	bool doubled = true;   /* the rightmost digit is doubled */

	for (size_t i = strlen(digits); i-- > 0; ) {
		unsigned d;

		if (digits[i] == ' ')
			continue;
		if (digits[i] < '0' || digits[i] > '9')
			PL_BUG("Luhn digit of '%s', which is not digits", digits);
		d = (unsigned)(digits[i] - '0');
		if (doubled) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		doubled = !doubled;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

int scanline_format(char out[SCANLINE_LEN], unsigned long reference, int64_t cents)
{
	char digits[20];

	out[0] = '\0';
	if (cents < 0 || cents > SCANLINE_MAX_CENTS)
		return -1;
	snprintf(digits, sizeof(digits), "%09lu%010lld",
		 reference % SCANLINE_REFERENCE_MOD, (long long)cents);
	snprintf(out, SCANLINE_LEN, "%.9s %s %c", digits, digits + 9,
		 luhn_digit(digits));
	return 0;
}
