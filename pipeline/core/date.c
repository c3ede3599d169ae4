/*
 * date.c: day-number arithmetic for civil dates (see date.h).
 *
 * The conversions are the well-known "days from civil" algorithm over
 * 400-year eras, which is exact for every Gregorian date.
 */
#include "../pl.h"
#include "date.h"

int date_from_ymd(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_to_ymd(int date, int *y, int *m, int *d)
{
	int z = date + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

enum weekday date_weekday(int date)
{
	/* 1970-01-01 was a Thursday. */
	int w = (date + 3) % 7;

	return (enum weekday)(w < 0 ? w + 7 : w);
}

int date_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m == 2 && leap)
		return 29;
	return days[m - 1];
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int date_parse_iso(const char *s, int *out)
{
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > date_days_in_month(y, m))
		return -1;
	*out = date_from_ymd(y, m, d);
	return 0;
}

char *date_format_iso(int date, char out[PL_DATE_ISO_LEN])
{
	int y, m, d;

	if (date == PL_NO_DATE) {
		out[0] = '\0';
		return out;
	}
	date_to_ymd(date, &y, &m, &d);
	/* Spelled out digit by digit: day numbers always give 4-digit years
	 * here (parsing caps them at 1900-2199) and the compiler cannot see it. */
	y = (y % 10000 + 10000) % 10000;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return out;
}

char *date_format_long_en(int date, char *out, size_t size)
{
	static const char *const months[] = {
		"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"
	};
	int y, m, d;

	if (date == PL_NO_DATE) {
		snprintf(out, size, "%s", "");
		return out;
	}
	date_to_ymd(date, &y, &m, &d);
	snprintf(out, size, "%s %d, %d", months[m - 1], d, y);
	return out;
}
