/*
 * atomfile.c: lock file, checksum while writing, fsync + rename (see
 * atomfile.h). Open lock files are tracked in a small table so an exit or
 * a catchable signal removes them.
 */
#include "../pl.h"
#include "atomfile.h"
#include "xalloc.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#define MAX_OPEN_LOCKS 64

static char *open_locks[MAX_OPEN_LOCKS];
static bool cleanup_installed;

static void remove_open_locks(void)
{
	for (int i = 0; i < MAX_OPEN_LOCKS; i++)
		if (open_locks[i])
			unlink(open_locks[i]);
}

static void on_signal(int sig)
{
	remove_open_locks();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void track(char *lock_path)
{
	if (!cleanup_installed) {
		atexit(remove_open_locks);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		cleanup_installed = true;
	}
	for (int i = 0; i < MAX_OPEN_LOCKS; i++)
		if (!open_locks[i]) {
			open_locks[i] = lock_path;
			return;
		}
	PL_BUG("more than %d atomic files open at once", MAX_OPEN_LOCKS);
}

void atomfile_forget_inherited(void)
{
	for (int i = 0; i < MAX_OPEN_LOCKS; i++)
		open_locks[i] = NULL;
}

static void untrack(const char *lock_path)
{
	for (int i = 0; i < MAX_OPEN_LOCKS; i++)
		if (open_locks[i] == lock_path)
			open_locks[i] = NULL;
}

static void atomfile_free(struct atomfile *af)
{
	untrack(af->lock_path);
	free(af->path);
	free(af->lock_path);
	if (af->digest.state) {
		char unused[PL_SHA256_HEX];
		digest_finish(&af->digest, unused);
	}
	memset(af, 0, sizeof(*af));
}

int atomfile_open(struct atomfile *af, const char *path, struct pl_diag *diag)
{
	int fd;

	memset(af, 0, sizeof(*af));
	af->path = xstrdup(path);
	af->lock_path = xasprintf("%s.lock", path);
	/* A stale lock from a killed run is ours to replace. */
	unlink(af->lock_path);
	fd = open(af->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int err = errno;
		pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot create '%s': %s",
			    af->lock_path, strerror(err));
		atomfile_free(af);
		return PL_IO_OPEN;
	}
	af->fp = fdopen(fd, "wb");
	if (!af->fp) {
		close(fd);
		unlink(af->lock_path);
		atomfile_free(af);
		return pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot open '%s'", path);
	}
	track(af->lock_path);
	digest_init(&af->digest);
	return PL_OK;
}

int atomfile_write(struct atomfile *af, const void *data, size_t len)
{
	if (!af->fp || af->failed)
		return PL_IO_WRITE;
	if (len && fwrite(data, 1, len, af->fp) != len) {
		af->failed = true;
		return PL_IO_WRITE;
	}
	digest_update(&af->digest, data, len);
	af->bytes += len;
	return PL_OK;
}

int atomfile_printf(struct atomfile *af, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		PL_BUG("bad format '%s'", fmt);
	if ((size_t)n < sizeof(small))
		return atomfile_write(af, small, (size_t)n);
	{
		char *big = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		rc = atomfile_write(af, big, (size_t)n);
		free(big);
	}
	return rc;
}

int atomfile_rehash(struct atomfile *af, struct pl_diag *diag)
{
	char unused[PL_SHA256_HEX];
	FILE *in;
	char chunk[65536];
	size_t n;

	if (!af->fp || fflush(af->fp) != 0)
		return pl_diag_set(diag, PL_IO_WRITE, af->path, 0,
				   "cannot flush '%s'", af->path);
	digest_finish(&af->digest, unused);
	digest_init(&af->digest);
	af->bytes = 0;
	in = fopen(af->lock_path, "rb");
	if (!in)
		return pl_diag_set(diag, PL_IO_OPEN, af->path, 0,
				   "cannot reread '%s'", af->lock_path);
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		digest_update(&af->digest, chunk, n);
		af->bytes += n;
	}
	fclose(in);
	return PL_OK;
}

int atomfile_commit(struct atomfile *af, char sha_out[PL_SHA256_HEX],
		    struct pl_diag *diag)
{
	char hex[PL_SHA256_HEX];
	int rc = PL_OK;

	if (!af->fp)
		PL_BUG("commit of an atomic file that is not open");
	if (af->failed || fflush(af->fp) != 0 || ferror(af->fp))
		rc = pl_diag_set(diag, PL_IO_WRITE, af->path, 0,
				 "cannot write '%s': %s", af->path, strerror(errno));
	if (rc == PL_OK && fsync(fileno(af->fp)) != 0)
		rc = pl_diag_set(diag, PL_IO_SYNC, af->path, 0,
				 "cannot sync '%s': %s", af->path, strerror(errno));
	if (fclose(af->fp) != 0 && rc == PL_OK)
		rc = pl_diag_set(diag, PL_IO_WRITE, af->path, 0,
				 "cannot close '%s': %s", af->path, strerror(errno));
	af->fp = NULL;
	if (rc == PL_OK && rename(af->lock_path, af->path) != 0)
		rc = pl_diag_set(diag, PL_IO_RENAME, af->path, 0,
				 "cannot rename '%s' into place: %s",
				 af->lock_path, strerror(errno));
	if (rc != PL_OK)
		unlink(af->lock_path);
	digest_finish(&af->digest, hex);
	if (sha_out && rc == PL_OK)
		memcpy(sha_out, hex, PL_SHA256_HEX);
	atomfile_free(af);
	return rc;
}

void atomfile_rollback(struct atomfile *af)
{
	if (!af->lock_path)
		return;
	if (af->fp)
		fclose(af->fp);
	unlink(af->lock_path);
	atomfile_free(af);
}

int pl_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return PL_IO_OPEN;
	rc = fsync(fd) == 0 ? PL_OK : PL_IO_SYNC;
	close(fd);
	return rc;
}
