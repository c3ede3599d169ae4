/*
 * workers.h: the processes that typeset a run's slices (--jobs N).
 *
 * workers_start() forks n processes from the run's main process once the
 * rules are loaded and before anything has started a thread (pango runs
 * fontconfig's matching in threads, and a fork copies only the calling
 * thread: a lock another thread held would stay held in the child).
 * workers_start() refuses a process with more than one thread. The main process gives each slice, once
 * decided, to an idle worker and collects the slices in whatever order
 * they finish; the run records them in the bundle in slice order. A
 * worker calls the run's slice function, the same one a run of one job
 * calls in its own process, and reports its status, its diag and its
 * shaping counts.
 *
 * Workers never touch the ledger or the bundle. They die with the main
 * process (PR_SET_PDEATHSIG), so a killed run leaves no worker writing
 * into a staging directory that the next run removes. A worker that dies
 * or says something unreadable is an error of the run that names the
 * slice it had; the other workers are then killed.
 *
 * Order of calls:
 *   workers_start(&w, n, fn, done, ctx, &diag)
 *   workers_idle(w) > 0: workers_give(w, slice, &diag)
 *   workers_collect(w, block, &report, &diag)
 *   workers_stop(w, &diag)      all given slices collected: they exit
 *   workers_free(w)             always; kills any still running
 */
#ifndef PL_WORKERS_H
#define PL_WORKERS_H

#include "../pl.h"
#include "../core/diag.h"

struct worker_report {
	unsigned slice;
	unsigned long shaped, reused;   /* the shaping cache, for this slice */
};

/*
 * Typeset one slice. Called in a worker (or by a run of one job in its own
 * process); fills report (slice is set by the caller).
 */
typedef int (*worker_fn)(void *ctx, unsigned slice, struct worker_report *report,
			 struct pl_diag *diag);
/* Called in a worker before it exits: free what the slices made. */
typedef void (*worker_done_fn)(void *ctx);

struct workers;

PL_WARN_UNUSED int workers_start(struct workers **out, unsigned n, worker_fn fn,
				 worker_done_fn done, void *ctx,
				 struct pl_diag *diag);
/* Workers with no slice. */
unsigned workers_idle(const struct workers *w);
/* Slices given and not yet collected. */
unsigned workers_busy(const struct workers *w);
/* Give slice to an idle worker (there must be one). */
PL_WARN_UNUSED int workers_give(struct workers *w, unsigned slice,
				struct pl_diag *diag);
/*
 * The next finished slice into *report: PL_OK, or the slice's own failure
 * (its status and diag), or a worker's death. block: wait for one;
 * otherwise PL_DONE when none has finished yet (and PL_DONE when none is
 * busy).
 */
PL_WARN_UNUSED int workers_collect(struct workers *w, bool block,
				   struct worker_report *report,
				   struct pl_diag *diag);
/* Every given slice collected: let the workers exit and wait for them. */
PL_WARN_UNUSED int workers_stop(struct workers *w, struct pl_diag *diag);
void workers_free(struct workers *w);

/* The number of processors online: --jobs's default. */
unsigned workers_default_count(void);

#endif
