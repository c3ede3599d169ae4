/*
 * scanline.h: the OCR-style line of a remittance coupon.
 *
 * "<reference: 9 digits> <amount due in cents: 10 digits> <check digit>",
 * the check digit being the Luhn (mod 10) digit of the 19 digits before it,
 * so a lockbox reader can catch a misread digit.
 */
#ifndef PL_SCANLINE_H
#define PL_SCANLINE_H

#include "../pl.h"

#define SCANLINE_LEN 23   /* 9 + 1 + 10 + 1 + 1 + NUL */

/*
 * The Luhn check digit ('0'-'9') of a string of digits. Spaces are
 * skipped (a formatted line's digits may be passed as they print); any
 * other character is a bug in the caller (PL_BUG).
 */
char luhn_digit(const char *digits);

/*
 * Format the scanline. reference is taken modulo 10^9, cents must be
 * 0 .. 9,999,999,999. Returns 0, or -1 when cents is out of range.
 */
PL_WARN_UNUSED int scanline_format(char out[SCANLINE_LEN], unsigned long reference,
				   int64_t cents);

#endif
