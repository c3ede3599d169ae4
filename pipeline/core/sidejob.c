/*
 * sidejob.c: fork one function, collect its status (see sidejob.h).
 *
 * The child writes one message (status and diag) to a pipe and exits;
 * a pipe that ends before the message means the child died.
 */
#include "../pl.h"
#include "sidejob.h"
#include "atomfile.h"
#include "xalloc.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct sidejob {
	pid_t pid;
	int fd;                    /* the read end */
};

struct sidejob_msg {
	int32_t status;
	struct pl_diag diag;
};

bool sidejob_can_fork(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return false;      /* cannot tell: do not fork */
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n == 1;
}

static void PL_NORETURN child(int fd, pid_t parent, sidejob_fn fn, void *ctx)
{
	struct sidejob_msg msg;
	const char *p = (const char *)&msg;
	size_t left = sizeof(msg);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(2);          /* the parent died before prctl */
	atomfile_forget_inherited();
	memset(&msg, 0, sizeof(msg));
	msg.status = fn(ctx, &msg.diag);
	while (left) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		p += w;
		left -= (size_t)w;
	}
	_exit(0);
}

int sidejob_start(struct sidejob **out, sidejob_fn fn, void *ctx, struct pl_diag *diag)
{
	int fds[2];
	pid_t parent = getpid(), pid;

	*out = NULL;
	if (!sidejob_can_fork())
		PL_BUG("sidejob_start in a process with more than one thread");
	if (pipe(fds) != 0)
		return pl_diag_set(diag, PL_IO, NULL, 0, "cannot start a process: %s",
				   strerror(errno));
	fflush(NULL);      /* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return pl_diag_set(diag, PL_IO, NULL, 0, "cannot start a process: %s",
				   strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], parent, fn, ctx);
	}
	close(fds[1]);
	*out = xcalloc(1, sizeof(**out));
	(*out)->pid = pid;
	(*out)->fd = fds[0];
	return PL_OK;
}

int sidejob_wait(struct sidejob *job, struct pl_diag *diag)
{
	struct sidejob_msg msg;
	size_t got = 0;
	int st = 0, rc;

	if (!job)
		return PL_OK;
	while (got < sizeof(msg)) {
		ssize_t r = read(job->fd, (char *)&msg + got, sizeof(msg) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(job->fd);
	while (waitpid(job->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(msg) || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		rc = WIFSIGNALED(st)
		     ? pl_diag_set(diag, PL_IO, NULL, 0, "a process of the run was killed by signal %d",
				   WTERMSIG(st))
		     : pl_diag_set(diag, PL_IO, NULL, 0, "a process of the run ended without its result");
	} else {
		rc = msg.status;
		if (rc != PL_OK && diag) {
			msg.diag.file[sizeof(msg.diag.file) - 1] = '\0';
			msg.diag.rule_id[sizeof(msg.diag.rule_id) - 1] = '\0';
			msg.diag.message[sizeof(msg.diag.message) - 1] = '\0';
			*diag = msg.diag;
		}
	}
	free(job);
	return rc;
}

void sidejob_abandon(struct sidejob *job)
{
	if (!job)
		return;
	kill(job->pid, SIGKILL);
	close(job->fd);
	while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(job);
}
