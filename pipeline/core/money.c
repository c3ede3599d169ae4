/*
 * money.c: parse and print integer cents (see money.h).
 */
#include "../pl.h"
#include "money.h"
#include "limits.h"

int money_parse(const char *s, bool allow_negative, int64_t *cents)
{
	bool negative = false;
	int64_t whole = 0;
	int frac = 0, frac_digits = 0, int_digits = 0;

	if (*s == '-') {
		if (!allow_negative)
			return -1;
		negative = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (*s - '0');
		if (++int_digits > 12)
			return -1;
	}
	if (!int_digits)
		return -1;
	if (*s == '.') {
		s++;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (++frac_digits > 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (!frac_digits)
			return -1;
		if (frac_digits == 1)
			frac *= 10;
	}
	if (*s)
		return -1;
	whole = whole * 100 + frac;
	if (whole > PL_MAX_MONEY_CENTS)
		return -1;
	*cents = negative ? -whole : whole;
	return 0;
}

char *money_format(int64_t cents, char *out, size_t size)
{
	char digits[32];
	char grouped[48];
	uint64_t mag = cents < 0 ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
	int n, g = 0;

	n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(mag / 100));
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	snprintf(out, size, "%s%s.%02u", cents < 0 ? "-" : "", grouped,
		 (unsigned)(mag % 100));
	return out;
}
