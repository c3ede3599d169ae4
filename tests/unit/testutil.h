/*
 * testutil.h: small helpers the unit tests share (dates written as text).
 * Header-only: every test is one program.
 */
#ifndef PL_TESTUTIL_H
#define PL_TESTUTIL_H

#include "pl.h"
#include "core/date.h"

/* "2026-11-23" as a day number; a bad literal is a bug in the test. */
static inline int d(const char *iso_text)
{
	int v;

	if (date_parse_iso(iso_text, &v))
		PL_BUG("bad test date '%s'", iso_text);
	return v;
}

/* A day number as text; four buffers so one printf may show four dates. */
static inline const char *iso(int date)
{
	static char buf[4][PL_DATE_ISO_LEN];
	static int next;

	next = (next + 1) % 4;
	return date_format_iso(date, buf[next]);
}

#endif
