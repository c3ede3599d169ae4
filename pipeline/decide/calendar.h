/*
 * calendar.h: business days under the 5 U.S.C. 6103(a) holiday calendar.
 *
 * The holidays are data (rules/calendar-us-6103a.xml, root <calendar>):
 * fixed dates ("January 1"), nth weekdays ("third Monday in January",
 * "last Monday in May"), each with an optional first and last year, and
 * the weekend observance rule (a Saturday holiday is observed on the
 * Friday before, a Sunday one on the Monday after). This module compiles
 * that file and answers date questions from it; it knows no holiday name.
 *
 * Two ways of counting, because Regulation F does not say whether an
 * observed weekday is a "legal public holiday identified in 5 U.S.C.
 * 6103(a)" (REGULATIONS.md 2.3):
 *   CALENDAR_STRICT        only the 6103(a) dates themselves are holidays;
 *   CALENDAR_CONSERVATIVE  the weekday on which a weekend holiday is
 *                          observed is a holiday too (never yields an
 *                          earlier date than strict, so never a
 *                          non-compliant one).
 *
 * Used by the decide stage only (and by its unit tests); other stages
 * read the computed dates from the verdict.
 *
 * Order of calls:
 *   calendar_load(&cal, path, &diag)   or calendar_compile() on a parsed doc
 *   calendar_is_holiday(), calendar_add_business_days(), ...
 *   calendar_free(cal)
 *
 * Ownership: functions borrow their arguments; *out of calendar_load and
 * calendar_compile is owned by the caller (calendar_free). Strings returned
 * by accessors are borrowed from the calendar.
 */
#ifndef PL_CALENDAR_H
#define PL_CALENDAR_H

#include "../pl.h"
#include "../core/diag.h"

#include <libxml/tree.h>

struct calendar;

enum calendar_method {
	CALENDAR_STRICT = 0,
	CALENDAR_CONSERVATIVE,
};

/* One holiday of one year, as calendar_year() lists it. */
struct calendar_day {
	const char *name;   /* borrowed from the calendar */
	int date;           /* the 6103(a) date */
	int observed;       /* weekday it is observed on (== date on a weekday) */
};

/* The most holidays one year may list (calendar_year's max). */
#define CALENDAR_MAX_HOLIDAYS 32

/* ---- loading ---- */

/*
 * Read path (core/xmlsafe) and compile it. Checks the structure and every
 * value (month, day, nth, weekday, years); a problem is PL_RULE with
 * diag naming file and line. No RELAX NG here: ruleset_load() validates
 * the schema before it calls calendar_compile().
 */
PL_WARN_UNUSED int calendar_load(struct calendar **out, const char *path,
				 struct pl_diag *diag);
/* Compile an already parsed <calendar> document; path is for messages. */
PL_WARN_UNUSED int calendar_compile(struct calendar **out, xmlDoc *doc,
				    const char *path, struct pl_diag *diag);
void calendar_free(struct calendar *cal);

/* ---- what the data says ---- */

/* The calendar's id attribute, e.g. "US-6103A". Borrowed. */
const char *calendar_id(const struct calendar *cal);
/* "<id>@<version>", recorded in every verdict. Borrowed. */
const char *calendar_version(const struct calendar *cal);

/*
 * Fill out[] with the holidays of year in date order of their 6103(a)
 * date; returns how many (at most max).
 */
size_t calendar_year(const struct calendar *cal, int year,
		     struct calendar_day *out, size_t max);

/* ---- date questions ---- */

/*
 * Is date a holiday? Strict: a 6103(a) date. Conservative: also the
 * weekday on which a weekend holiday is observed.
 */
bool calendar_is_holiday(const struct calendar *cal, int date,
			 enum calendar_method method);
/* Not Saturday, not Sunday, not a holiday under method. */
bool calendar_is_business_day(const struct calendar *cal, int date,
			      enum calendar_method method);
/*
 * The n-th business day after date (n >= 1): step one day at a time and
 * count only business days. n == 0 gives date itself when it is a
 * business day, else the next business day. n < 0 is a bug.
 */
int calendar_add_business_days(const struct calendar *cal, int date, int n,
			       enum calendar_method method);
/*
 * 12 CFR 1006.34(b)(5) as REGULATIONS.md 1.5 specifies it: receipt is
 * mail_date + receipt_days business days; end is receipt + period_days
 * calendar days (not moved off a weekend or holiday).
 */
void calendar_validation_dates(const struct calendar *cal, int mail_date,
			       int receipt_days, int period_days,
			       enum calendar_method method,
			       int *receipt_out, int *end_out);

/* "strict" / "conservative" <-> enum. parse returns 0 or -1. */
const char *calendar_method_name(enum calendar_method method);
PL_WARN_UNUSED int calendar_method_parse(const char *name,
					 enum calendar_method *out);

#endif
