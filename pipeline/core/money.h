/*
 * money.h: amounts as integer cents.
 *
 * Input money is a plain decimal string with at most two decimals; it is
 * never converted through floating point.
 */
#ifndef PL_MONEY_H
#define PL_MONEY_H

#include "../pl.h"

/*
 * Parse "1234", "1234.5", "1234.56" (and "-12.00" only when
 * allow_negative). No '$', no thousands separators, no spaces, at most
 * PL_MAX_MONEY_CENTS in magnitude. Returns 0 and sets *cents, or -1.
 */
PL_WARN_UNUSED int money_parse(const char *s, bool allow_negative, int64_t *cents);

/* "1,234.56" (negative: "-1,234.56") into out. Returns out. */
char *money_format(int64_t cents, char *out, size_t size);

#endif
