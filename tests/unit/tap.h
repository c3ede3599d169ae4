/*
 * tap.h: a tiny TAP producer for unit tests (prove reads the output).
 *
 *   int main(void) { ok(1 + 1 == 2, "addition"); is_int(f(), 3, "f"); return tap_done(); }
 *
 * Each check prints "ok N - name" or "not ok N - name" plus a diagnostic;
 * tap_done() prints the plan and returns the exit status.
 */
#ifndef PL_TAP_H
#define PL_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_count++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))

#define is_int(got, want, name) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!tap_ok(g_ == w_, __FILE__, __LINE__, (name))) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, name) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!tap_ok(g_ && w_ && !strcmp(g_, w_), __FILE__, __LINE__, (name))) \
		printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
