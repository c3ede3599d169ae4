/*
 * u-calendar.c: the 6103(a) holiday calendar and business-day counting,
 * against the real rules/calendar-us-6103a.xml.
 *
 * The expected dates are written out by hand (and cross-checked against
 * an independent computation), not derived from the code under test.
 */
#include "pl.h"
#include "core/date.h"
#include "core/diag.h"
#include "decide/calendar.h"
#include "tap.h"
#include "testutil.h"

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define CALENDAR_FILE PL_DATADIR "/rules/calendar-us-6103a.xml"
#define FIXTURES PL_DATADIR "/fixtures/rules"

static struct calendar *cal;

static void test_load(void)
{
	struct pl_diag diag;
	char msg[1024];

	pl_diag_clear(&diag);
	ok(calendar_load(&cal, CALENDAR_FILE, &diag) == PL_OK,
	   "load rules/calendar-us-6103a.xml");
	if (!cal) {
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
		exit(tap_done());
	}
	is_str(calendar_id(cal), "US-6103A", "calendar id");
	is_str(calendar_version(cal), "US-6103A@2021.06", "calendar version");
}

/* One row per holiday: the 6103(a) date and the day it is observed. */
static const struct {
	const char *date, *observed;
} holidays[] = {
	/* 2025: no weekend holiday */
	{ "2025-01-01", "2025-01-01" }, { "2025-01-20", "2025-01-20" },
	{ "2025-02-17", "2025-02-17" }, { "2025-05-26", "2025-05-26" },
	{ "2025-06-19", "2025-06-19" }, { "2025-07-04", "2025-07-04" },
	{ "2025-09-01", "2025-09-01" }, { "2025-10-13", "2025-10-13" },
	{ "2025-11-11", "2025-11-11" }, { "2025-11-27", "2025-11-27" },
	{ "2025-12-25", "2025-12-25" },
	/* 2026: July 4 is a Saturday, observed Friday July 3 */
	{ "2026-01-01", "2026-01-01" }, { "2026-01-19", "2026-01-19" },
	{ "2026-02-16", "2026-02-16" }, { "2026-05-25", "2026-05-25" },
	{ "2026-06-19", "2026-06-19" }, { "2026-07-04", "2026-07-03" },
	{ "2026-09-07", "2026-09-07" }, { "2026-10-12", "2026-10-12" },
	{ "2026-11-11", "2026-11-11" }, { "2026-11-26", "2026-11-26" },
	{ "2026-12-25", "2026-12-25" },
	/* 2027: June 19 (Sat), July 4 (Sun), December 25 (Sat) */
	{ "2027-01-01", "2027-01-01" }, { "2027-01-18", "2027-01-18" },
	{ "2027-02-15", "2027-02-15" }, { "2027-05-31", "2027-05-31" },
	{ "2027-06-19", "2027-06-18" }, { "2027-07-04", "2027-07-05" },
	{ "2027-09-06", "2027-09-06" }, { "2027-10-11", "2027-10-11" },
	{ "2027-11-11", "2027-11-11" }, { "2027-11-25", "2027-11-25" },
	{ "2027-12-25", "2027-12-24" },
};

static void test_holidays(void)
{
	struct calendar_day days[CALENDAR_MAX_HOLIDAYS];
	char name[96];

	for (int year = 2025; year <= 2027; year++) {
		size_t n = calendar_year(cal, year, days, PL_ARRAY_SIZE(days));
		size_t row = (size_t)(year - 2025) * 11;

		snprintf(name, sizeof(name), "%d has 11 holidays", year);
		is_int(n, 11, name);
		for (size_t i = 0; i < n && i < 11; i++) {
			snprintf(name, sizeof(name), "%d holiday %zu (%s) date", year,
				 i + 1, days[i].name);
			is_str(iso(days[i].date), holidays[row + i].date, name);
			snprintf(name, sizeof(name), "%d holiday %zu (%s) observed",
				 year, i + 1, days[i].name);
			is_str(iso(days[i].observed), holidays[row + i].observed, name);
		}
	}

	for (size_t i = 0; i < PL_ARRAY_SIZE(holidays); i++) {
		int date = d(holidays[i].date), obs = d(holidays[i].observed);

		snprintf(name, sizeof(name), "%s is a holiday (strict)", holidays[i].date);
		ok(calendar_is_holiday(cal, date, CALENDAR_STRICT), name);
		snprintf(name, sizeof(name), "%s is a holiday (conservative)",
			 holidays[i].date);
		ok(calendar_is_holiday(cal, date, CALENDAR_CONSERVATIVE), name);
		if (obs != date) {
			snprintf(name, sizeof(name), "observed %s: not a holiday (strict)",
				 holidays[i].observed);
			ok(!calendar_is_holiday(cal, obs, CALENDAR_STRICT), name);
			snprintf(name, sizeof(name),
				 "observed %s: a holiday (conservative)",
				 holidays[i].observed);
			ok(calendar_is_holiday(cal, obs, CALENDAR_CONSERVATIVE), name);
		}
	}
}

/* Days of year that are holidays under method. */
static int count_year(int year, enum calendar_method method)
{
	int n = 0;
	char first[16], last[16];

	snprintf(first, sizeof(first), "%d-01-01", year);
	snprintf(last, sizeof(last), "%d-12-31", year);
	for (int x = d(first); x <= d(last); x++)
		n += calendar_is_holiday(cal, x, method);
	return n;
}

static void test_counts(void)
{
	/* No other day of the year is a holiday. */
	is_int(count_year(2025, CALENDAR_STRICT), 11, "2025: 11 holiday days, strict");
	is_int(count_year(2025, CALENDAR_CONSERVATIVE), 11,
	       "2025: 11 holiday days, conservative");
	is_int(count_year(2026, CALENDAR_STRICT), 11, "2026: 11 holiday days, strict");
	is_int(count_year(2026, CALENDAR_CONSERVATIVE), 12,
	       "2026: 12 holiday days, conservative (+ Jul 3)");
	is_int(count_year(2027, CALENDAR_STRICT), 11, "2027: 11 holiday days, strict");
	/* Jun 18, Jul 5, Dec 24, and Dec 31 for New Year's Day 2028 (Sat). */
	is_int(count_year(2027, CALENDAR_CONSERVATIVE), 15,
	       "2027: 15 holiday days, conservative");
	ok(calendar_is_holiday(cal, d("2027-12-31"), CALENDAR_CONSERVATIVE),
	   "2027-12-31: observed New Year's Day 2028 (across the year)");
	ok(!calendar_is_holiday(cal, d("2027-12-31"), CALENDAR_STRICT),
	   "2027-12-31: not a 6103(a) date");

	/* from-year: Juneteenth from 2021, MLK from 1986. */
	ok(calendar_is_holiday(cal, d("2021-06-19"), CALENDAR_STRICT),
	   "Juneteenth 2021: first year");
	ok(calendar_is_holiday(cal, d("2021-06-18"), CALENDAR_CONSERVATIVE),
	   "Juneteenth 2021 (Sat) observed Fri 2021-06-18");
	ok(!calendar_is_holiday(cal, d("2020-06-19"), CALENDAR_CONSERVATIVE),
	   "Juneteenth 2020: not a holiday yet");
	is_int(count_year(2020, CALENDAR_STRICT), 10, "2020: 10 holidays");
	ok(calendar_is_holiday(cal, d("1986-01-20"), CALENDAR_STRICT),
	   "MLK day 1986: first year");
	ok(!calendar_is_holiday(cal, d("1985-01-21"), CALENDAR_STRICT),
	   "MLK day 1985: not a holiday yet");
	/* nth="last": Memorial Day in a May with five Mondays. */
	ok(calendar_is_holiday(cal, d("2027-05-31"), CALENDAR_STRICT) &&
	   !calendar_is_holiday(cal, d("2027-05-24"), CALENDAR_STRICT),
	   "Memorial Day 2027 is the fifth (last) Monday");
}

/* RULE: US-REGF-VALIDATION-PERIOD: REGULATIONS.md 1.5 worked examples. */
static void test_worked_examples(void)
{
	static const struct {
		const char *mailed;
		const char *strict_receipt, *strict_end;
		const char *cons_receipt, *cons_end;
	} ex[] = {
		{ "2025-11-24", "2025-12-02", "2026-01-01", "2025-12-02", "2026-01-01" },
		{ "2022-12-20", "2022-12-27", "2023-01-26", "2022-12-28", "2023-01-27" },
		{ "2026-07-01", "2026-07-08", "2026-08-07", "2026-07-09", "2026-08-08" },
	};
	char name[96];

	for (size_t i = 0; i < PL_ARRAY_SIZE(ex); i++) {
		int receipt, end;

		calendar_validation_dates(cal, d(ex[i].mailed), 5, 30,
					  CALENDAR_STRICT, &receipt, &end);
		snprintf(name, sizeof(name), "mailed %s: strict receipt", ex[i].mailed);
		is_str(iso(receipt), ex[i].strict_receipt, name);
		snprintf(name, sizeof(name), "mailed %s: strict end", ex[i].mailed);
		is_str(iso(end), ex[i].strict_end, name);

		calendar_validation_dates(cal, d(ex[i].mailed), 5, 30,
					  CALENDAR_CONSERVATIVE, &receipt, &end);
		snprintf(name, sizeof(name), "mailed %s: conservative receipt",
			 ex[i].mailed);
		is_str(iso(receipt), ex[i].cons_receipt, name);
		snprintf(name, sizeof(name), "mailed %s: conservative end", ex[i].mailed);
		is_str(iso(end), ex[i].cons_end, name);
	}
}

static void test_business_days(void)
{
	const enum calendar_method C = CALENDAR_CONSERVATIVE, S = CALENDAR_STRICT;

	/* Thanksgiving: Thu 2026-11-26. */
	is_str(iso(calendar_add_business_days(cal, d("2026-11-25"), 1, C)),
	       "2026-11-27", "Wed before Thanksgiving + 1 = Fri");
	is_str(iso(calendar_add_business_days(cal, d("2026-11-24"), 3, C)),
	       "2026-11-30", "Tue before Thanksgiving + 3 = Mon");
	/* New Year: Fri 2027-01-01. */
	is_str(iso(calendar_add_business_days(cal, d("2026-12-31"), 1, C)),
	       "2027-01-04", "2026-12-31 + 1 skips New Year's Day and the weekend");
	is_str(iso(calendar_add_business_days(cal, d("2026-12-24"), 1, C)),
	       "2026-12-28", "Christmas Eve 2026 + 1 = Mon 12-28");
	/* New Year 2028 on a Saturday: observed Fri 2027-12-31. */
	is_str(iso(calendar_add_business_days(cal, d("2027-12-30"), 1, C)),
	       "2028-01-03", "2027-12-30 + 1, conservative: Mon 2028-01-03");
	is_str(iso(calendar_add_business_days(cal, d("2027-12-30"), 1, S)),
	       "2027-12-31", "2027-12-30 + 1, strict: Fri 2027-12-31");
	/* n = 0: the day itself, or the next business day. */
	is_str(iso(calendar_add_business_days(cal, d("2026-11-23"), 0, C)),
	       "2026-11-23", "+0 on a business day is the day");
	is_str(iso(calendar_add_business_days(cal, d("2026-11-21"), 0, C)),
	       "2026-11-23", "+0 on a Saturday is the Monday");
	is_str(iso(calendar_add_business_days(cal, d("2026-07-03"), 0, C)),
	       "2026-07-06", "+0 on observed July 3 is Monday July 6");
	ok(!calendar_is_business_day(cal, d("2026-11-28"), S), "Saturday is no business day");
	ok(calendar_is_business_day(cal, d("2026-07-03"), S),
	   "observed 2026-07-03 is a business day, strict");
}

static void test_method_names(void)
{
	enum calendar_method m;

	ok(calendar_method_parse("strict", &m) == 0 && m == CALENDAR_STRICT,
	   "parse 'strict'");
	ok(calendar_method_parse("conservative", &m) == 0 &&
	   m == CALENDAR_CONSERVATIVE, "parse 'conservative'");
	ok(calendar_method_parse("lenient", &m) != 0, "refuse 'lenient'");
	is_str(calendar_method_name(CALENDAR_STRICT), "strict", "name strict");
}

static void test_bad_calendar(void)
{
	struct calendar *bad = NULL;
	struct pl_diag diag;
	char msg[1024];

	pl_diag_clear(&diag);
	ok(calendar_load(&bad, FIXTURES "/bad-calendar-day/calendar-us-6103a.xml",
			 &diag) == PL_RULE && !bad,
	   "February 30 does not load");
	pl_diag_format(&diag, msg, sizeof(msg));
	ok(strstr(msg, "bad day '30'") &&
	   strstr(msg, "bad-calendar-day/calendar-us-6103a.xml:"), msg);
	ok(calendar_load(&bad, FIXTURES "/no-such/calendar.xml", &diag) ==
	   PL_IO_OPEN, "missing file is an i/o error");
}

int main(void)
{
	test_load();
	test_holidays();
	test_counts();
	test_worked_examples();
	test_business_days();
	test_method_names();
	test_bad_calendar();
	calendar_free(cal);
	return tap_done();
}
