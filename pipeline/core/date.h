/*
 * date.h: civil dates as day numbers.
 *
 * A date is an int counting days since 1970-01-01 (proleptic Gregorian),
 * so date arithmetic is integer arithmetic and no time zone can shift a
 * day. PL_NO_DATE marks an absent optional date.
 */
#ifndef PL_DATE_H
#define PL_DATE_H

#include "../pl.h"

#define PL_NO_DATE INT_MIN
#define PL_DATE_ISO_LEN 11   /* "YYYY-MM-DD" and the NUL */

enum weekday { WD_MON = 0, WD_TUE, WD_WED, WD_THU, WD_FRI, WD_SAT, WD_SUN };

int date_from_ymd(int y, int m, int d);
void date_to_ymd(int date, int *y, int *m, int *d);
enum weekday date_weekday(int date);
int date_days_in_month(int y, int m);
/*
 * Parse exactly "YYYY-MM-DD" (a real calendar day, years 1900-2199).
 * Returns 0 and sets *out, or -1.
 */
PL_WARN_UNUSED int date_parse_iso(const char *s, int *out);
/* "YYYY-MM-DD", or "" for PL_NO_DATE. Returns out. */
char *date_format_iso(int date, char out[PL_DATE_ISO_LEN]);
/* English long form, "January 2, 2027". Returns out. */
char *date_format_long_en(int date, char *out, size_t size);

#endif
