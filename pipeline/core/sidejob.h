/*
 * sidejob.h: one function run in a forked copy of this process.
 *
 * The audit view of a run with more than one job is transformed by
 * several processes at once, each a range of the manifest's records
 * (bundle/audit-html.c). sidejob_start() forks and calls fn in the child,
 * which reports fn's status and diag through a socket and ends with
 * _exit(), so no atexit handler or stdio buffer of the parent runs twice;
 * sidejob_wait() returns them. The child forgets the lock files the
 * parent has open (core/atomfile.h) and dies with the parent.
 *
 * A fork copies the calling thread only: a lock another thread held
 * stays held in the child. sidejob_can_fork() says whether this process
 * has one thread (pango starts threads of its own while it matches fonts,
 * and they end when they are done); the callers fork only then and
 * otherwise do the work themselves.
 *
 * Ownership: fn and ctx are the caller's; the child works on its own
 * copy. sidejob_wait() and sidejob_abandon() free the sidejob.
 */
#ifndef PL_SIDEJOB_H
#define PL_SIDEJOB_H

#include "../pl.h"
#include "diag.h"

#include <sys/types.h>

struct sidejob;

typedef int (*sidejob_fn)(void *ctx, struct pl_diag *diag);

/* Does this process have one thread (so a fork is safe)? */
bool sidejob_can_fork(void);

/*
 * The mechanics both kinds of child share (these sidejobs, and the run's
 * typesetting workers, slices/workers.h):
 *
 * sidejob_fork(): a socket pair and a fork. In the child (returns 0,
 * *fd its end) the parent's stdio was flushed before, the child dies
 * with the parent (PR_SET_PDEATHSIG; it exits at once if the parent is
 * already gone) and forgets the parent's lock files. In the parent
 * (returns the pid, *fd its end) nothing else changes. -1 with diag set
 * when either step fails. The child must end with _exit().
 *
 * sidejob_read_all(): len bytes from fd: 0, or 1 at the end of the stream
 * before any byte, or -1 (an error, or a message cut short).
 * sidejob_write_all(): len bytes to fd: 0 or -1; a peer that is gone is
 * an error, never SIGPIPE.
 */
pid_t sidejob_fork(int *fd, struct pl_diag *diag);
int sidejob_read_all(int fd, void *data, size_t len);
int sidejob_write_all(int fd, const void *data, size_t len);

PL_WARN_UNUSED int sidejob_start(struct sidejob **out, sidejob_fn fn, void *ctx,
				 struct pl_diag *diag);
/* fn's status and diag, or an error when the child died. NULL: PL_OK. */
PL_WARN_UNUSED int sidejob_wait(struct sidejob *job, struct pl_diag *diag);
/* After an error elsewhere: kill the child and wait for it. NULL is fine. */
void sidejob_abandon(struct sidejob *job);

#endif
