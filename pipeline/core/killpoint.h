/*
 * killpoint.h: a test hook that kills the process at a chosen point.
 *
 * The run calls killpoint("name") at the places where a crash is worth
 * testing (after each account, before and after each rename, around the
 * ledger commit). When the environment variable FAIRNOTICE_KILLPOINT is N,
 * the N-th call raises SIGKILL: nothing is flushed or cleaned, exactly as
 * a power cut or `kill -9`. Unset, a call costs one branch. The names are
 * printed to stderr when FAIRNOTICE_KILLPOINT_LIST is set, so a test can
 * count them.
 */
#ifndef PL_KILLPOINT_H
#define PL_KILLPOINT_H

void killpoint(const char *name);

/*
 * In the process typesetting a slice (slices/workers.h), after its first
 * letter: when FAIRNOTICE_KILLPOINT_SLICE is that slice's number, raise
 * SIGKILL there (with --jobs above 1 that is a worker, not the run).
 */
void killpoint_slice(unsigned slice);

#endif
