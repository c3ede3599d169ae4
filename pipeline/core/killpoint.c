/*
 * killpoint.c: the crash-test hook of killpoint.h.
 *
 * The environment is read once, at the first call. Calls are counted from
 * 1 in the order the run makes them, which is deterministic for a given
 * batch, so "the N-th point" names the same moment in every run. The kill
 * is raise(SIGKILL): no atexit handler, no stdio flush, no rollback runs,
 * which is what a crash or `kill -9` leaves behind. The list line goes out
 * with write(2) before the kill so it is never lost in a stdio buffer.
 */
#include "../pl.h"
#include "killpoint.h"

#include <signal.h>
#include <unistd.h>

static bool killpoint_ready;
static bool killpoint_list;
static unsigned long killpoint_target;   /* 0: never kill */
static unsigned long killpoint_count;

static void killpoint_setup(void)
{
	const char *n = getenv("FAIRNOTICE_KILLPOINT");
	const char *list = getenv("FAIRNOTICE_KILLPOINT_LIST");

	killpoint_ready = true;
	killpoint_list = list && *list;
	if (n && *n) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(n, &end, 10);
		if (!errno && !*end)
			killpoint_target = v;
	}
}

void killpoint(const char *name)
{
	if (!killpoint_ready)
		killpoint_setup();
	if (!killpoint_target && !killpoint_list)
		return;
	killpoint_count++;
	if (killpoint_list) {
		char line[256];
		int len = snprintf(line, sizeof(line), "killpoint %lu %s\n",
				   killpoint_count, name);

		if (len > 0) {
			size_t size = (size_t)len < sizeof(line) ? (size_t)len
								 : sizeof(line) - 1;
			if (write(STDERR_FILENO, line, size) < 0) {
				/* Only a test reads the list; nothing to do. */
			}
		}
	}
	if (killpoint_count == killpoint_target)
		raise(SIGKILL);
}

void killpoint_slice(unsigned slice)
{
	const char *s = getenv("FAIRNOTICE_KILLPOINT_SLICE");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!errno && !*end && v == slice)
		raise(SIGKILL);
}
