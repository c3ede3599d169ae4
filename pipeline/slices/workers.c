/*
 * workers.c: forked typesetting workers (see workers.h).
 *
 * Each worker is a child of core/sidejob's sidejob_fork() (it dies with
 * the run and forgets the run's lock files) with one Unix stream socket
 * to the main process: the main process writes a slice number, the
 * worker answers with one fixed-size message (the slice, its status, its
 * shaping counts and its diag) when the slice's files are complete. A
 * worker reads until its socket closes and then exits with _exit(): the
 * atexit handlers and stdio buffers it inherited are the main process's.
 */
#define _GNU_SOURCE
#include "../pl.h"
#include "workers.h"
#include "../core/sidejob.h"
#include "../core/xalloc.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 64

struct job_msg {
	uint32_t slice;
};

struct done_msg {
	uint32_t slice;
	int32_t status;
	uint64_t shaped, reused;
	struct pl_diag diag;
};

struct worker {
	pid_t pid;                 /* 0 once reaped */
	int fd;                    /* the main process's end; -1 when closed */
	bool busy;
	unsigned slice;            /* busy: the slice it has */
};

struct workers {
	struct worker *w;          /* owned, n of them */
	unsigned n;
	worker_fn fn;
	worker_done_fn done;
	void *ctx;
};

unsigned workers_default_count(void)
{
	cpu_set_t set;
	long n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > MAX_WORKERS ? MAX_WORKERS : (unsigned)n;
}

/* The worker process: slices in, reports out, until the socket closes. */
static void PL_NORETURN worker_main(struct workers *ws, int fd)
{
	for (;;) {
		struct job_msg job;
		struct done_msg done;
		struct worker_report report;
		int r = sidejob_read_all(fd, &job, sizeof(job));

		if (r == 1) {
			if (ws->done)
				ws->done(ws->ctx);
			_exit(0);
		}
		if (r != 0)
			_exit(3);
		memset(&done, 0, sizeof(done));
		memset(&report, 0, sizeof(report));
		report.slice = job.slice;
		done.slice = job.slice;
		done.status = ws->fn(ws->ctx, job.slice, &report, &done.diag);
		done.shaped = report.shaped;
		done.reused = report.reused;
		if (sidejob_write_all(fd, &done, sizeof(done)) != 0)
			_exit(3);
	}
}

int workers_start(struct workers **out, unsigned n, worker_fn fn,
		  worker_done_fn done, void *ctx, struct pl_diag *diag)
{
	struct workers *ws = xcalloc(1, sizeof(*ws));

	*out = ws;
	if (n == 0 || n > MAX_WORKERS)
		return pl_diag_set(diag, PL_USAGE, NULL, 0, "--jobs must be 1 to %d, not %u",
				   MAX_WORKERS, n);
	/* A fork copies one thread: another one's locks would stay held. */
	if (!sidejob_can_fork())
		PL_BUG("workers_start in a process with more than one thread");
	ws->w = xcalloc(n, sizeof(*ws->w));
	ws->fn = fn;
	ws->done = done;
	ws->ctx = ctx;
	for (unsigned i = 0; i < n; i++)
		ws->w[i].fd = -1;
	for (unsigned i = 0; i < n; i++) {
		int fd;
		pid_t pid = sidejob_fork(&fd, diag);

		if (pid < 0)
			return PL_IO;
		if (pid == 0) {
			/* The sockets of the workers forked before are theirs. */
			for (unsigned j = 0; j < i; j++)
				close(ws->w[j].fd);
			worker_main(ws, fd);
		}
		ws->w[i].pid = pid;
		ws->w[i].fd = fd;
		ws->n++;
	}
	return PL_OK;
}

unsigned workers_idle(const struct workers *ws)
{
	unsigned idle = 0;

	for (unsigned i = 0; i < ws->n; i++)
		idle += !ws->w[i].busy;
	return idle;
}

unsigned workers_busy(const struct workers *ws)
{
	return ws->n - workers_idle(ws);
}

/* Reap worker i and say how it ended ("exit 3", "signal 9"). */
static void reap(struct worker *w, char *how, size_t size)
{
	int st = 0;

	snprintf(how, size, "ended");
	if (w->pid && waitpid(w->pid, &st, 0) == w->pid) {
		if (WIFSIGNALED(st))
			snprintf(how, size, "was killed by signal %d", WTERMSIG(st));
		else if (WIFEXITED(st) && WEXITSTATUS(st))
			snprintf(how, size, "exited with status %d", WEXITSTATUS(st));
		else
			snprintf(how, size, "exited");
	}
	w->pid = 0;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

static int worker_lost(struct worker *w, unsigned i, struct pl_diag *diag)
{
	char how[64];
	unsigned slice = w->slice;
	bool busy = w->busy;

	reap(w, how, sizeof(how));
	w->busy = false;
	if (busy)
		return pl_diag_set(diag, PL_RENDER, NULL, 0,
				   "typesetting worker %u %s while it typeset slice %u",
				   i + 1, how, slice);
	return pl_diag_set(diag, PL_RENDER, NULL, 0, "typesetting worker %u %s",
			   i + 1, how);
}

int workers_give(struct workers *ws, unsigned slice, struct pl_diag *diag)
{
	struct job_msg job = { .slice = slice };

	for (unsigned i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		if (w->busy || w->fd < 0)
			continue;
		w->busy = true;
		w->slice = slice;
		if (sidejob_write_all(w->fd, &job, sizeof(job)) != 0)
			return worker_lost(w, i, diag);
		return PL_OK;
	}
	PL_BUG("workers_give with no idle worker");
}

int workers_collect(struct workers *ws, bool block, struct worker_report *report,
		    struct pl_diag *diag)
{
	struct pollfd fds[MAX_WORKERS];
	unsigned idx[MAX_WORKERS], nfds = 0;
	int r;

	for (unsigned i = 0; i < ws->n; i++)
		if (ws->w[i].busy) {
			fds[nfds] = (struct pollfd){ .fd = ws->w[i].fd, .events = POLLIN };
			idx[nfds++] = i;
		}
	if (nfds == 0)
		return PL_DONE;
	do
		r = poll(fds, nfds, block ? -1 : 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return pl_diag_set(diag, PL_IO, NULL, 0, "cannot wait for the typesetting workers: %s",
				   strerror(errno));
	if (r == 0)
		return PL_DONE;
	for (unsigned k = 0; k < nfds; k++) {
		struct worker *w = &ws->w[idx[k]];
		struct done_msg done;

		if (!fds[k].revents)
			continue;
		if (sidejob_read_all(w->fd, &done, sizeof(done)) != 0 || done.slice != w->slice)
			return worker_lost(w, idx[k], diag);
		w->busy = false;
		memset(report, 0, sizeof(*report));
		report->slice = done.slice;
		report->shaped = (unsigned long)done.shaped;
		report->reused = (unsigned long)done.reused;
		if (done.status != PL_OK) {
			done.diag.file[sizeof(done.diag.file) - 1] = '\0';
			done.diag.rule_id[sizeof(done.diag.rule_id) - 1] = '\0';
			done.diag.message[sizeof(done.diag.message) - 1] = '\0';
			if (diag)
				*diag = done.diag;
			return done.status;
		}
		return PL_OK;
	}
	PL_BUG("poll said a worker was ready and none was");
}

int workers_stop(struct workers *ws, struct pl_diag *diag)
{
	int rc = PL_OK;

	if (workers_busy(ws))
		PL_BUG("workers_stop with slices not collected");
	for (unsigned i = 0; i < ws->n; i++)
		if (ws->w[i].fd >= 0)
			shutdown(ws->w[i].fd, SHUT_WR);    /* EOF: the worker exits */
	for (unsigned i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];
		char how[64];

		if (!w->pid)
			continue;
		reap(w, how, sizeof(how));
		if (strcmp(how, "exited") && rc == PL_OK)
			rc = pl_diag_set(diag, PL_RENDER, NULL, 0,
					 "typesetting worker %u %s after its last slice",
					 i + 1, how);
	}
	return rc;
}

void workers_free(struct workers *ws)
{
	if (!ws)
		return;
	for (unsigned i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];
		char how[64];

		if (w->pid)
			kill(w->pid, SIGKILL);
		reap(w, how, sizeof(how));
	}
	free(ws->w);
	free(ws);
}
