/*
 * sidejob.c: fork one function, collect its status (see sidejob.h).
 *
 * The child writes one message (status and diag) to its socket and
 * exits; a socket that ends before the message means the child died.
 */
#include "../pl.h"
#include "sidejob.h"
#include "atomfile.h"
#include "xalloc.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct sidejob {
	pid_t pid;
	int fd;                    /* the parent's end of the socket */
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

pid_t sidejob_fork(int *fd, struct pl_diag *diag)
{
	pid_t parent = getpid(), pid;
	int sv[2];

	*fd = -1;
	if (!sidejob_can_fork())
		PL_BUG("a fork from a process with more than one thread");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		pl_diag_set(diag, PL_IO, NULL, 0, "cannot start a process: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);      /* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		pl_diag_set(diag, PL_IO, NULL, 0, "cannot start a process: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(2);  /* the parent died before prctl */
		atomfile_forget_inherited();
		*fd = sv[1];
		return 0;
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

int sidejob_read_all(int fd, void *data, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)data + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 && got == 0 ? 1 : -1;
		got += (size_t)r;
	}
	return 0;
}

int sidejob_write_all(int fd, const void *data, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t r = send(fd, (const char *)data + put, len - put, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		put += (size_t)r;
	}
	return 0;
}

int sidejob_start(struct sidejob **out, sidejob_fn fn, void *ctx, struct pl_diag *diag)
{
	struct sidejob_msg msg;
	int fd;
	pid_t pid = sidejob_fork(&fd, diag);

	*out = NULL;
	if (pid < 0)
		return PL_IO;
	if (pid == 0) {
		memset(&msg, 0, sizeof(msg));
		msg.status = fn(ctx, &msg.diag);
		_exit(sidejob_write_all(fd, &msg, sizeof(msg)) == 0 ? 0 : 3);
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->pid = pid;
	(*out)->fd = fd;
	return PL_OK;
}

int sidejob_wait(struct sidejob *job, struct pl_diag *diag)
{
	struct sidejob_msg msg;
	int st = 0, rc;

	if (!job)
		return PL_OK;
	bool got = sidejob_read_all(job->fd, &msg, sizeof(msg)) == 0;

	close(job->fd);
	while (waitpid(job->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!got || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
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
