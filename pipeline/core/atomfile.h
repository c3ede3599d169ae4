/*
 * atomfile.h: write a file so that it appears whole or not at all.
 *
 * atomfile_open() creates "<path>.lock" exclusively; writes go there and
 * are checksummed (SHA-256) as they pass; atomfile_commit() flushes,
 * fsyncs and renames the lock file onto path, and reports the digest.
 * atomfile_rollback() removes the lock file. Lock files still open when the
 * process exits or receives SIGINT/SIGTERM/SIGHUP are removed, so a crash
 * leaves the old file or the new one, never a mix. (SIGKILL cannot be
 * caught: a stale "<path>.lock" then stays behind and the next
 * atomfile_open() of the same path replaces it.)
 *
 * Ownership: struct atomfile owns its FILE and path until commit or
 * rollback. The FILE* is borrowed by callers that hand it to a library
 * (e.g. a cairo or libxml2 writer); such callers must then report the
 * bytes through atomfile_write() or call atomfile_rehash() before commit.
 */
#ifndef PL_ATOMFILE_H
#define PL_ATOMFILE_H

#include "../pl.h"
#include "digest.h"
#include "diag.h"

struct atomfile {
	FILE *fp;            /* owned; NULL when not open */
	char *path;          /* owned: final name */
	char *lock_path;     /* owned: "<path>.lock" */
	struct digest digest;
	uint64_t bytes;
	bool failed;         /* a write failed; commit will refuse */
};

PL_WARN_UNUSED int atomfile_open(struct atomfile *af, const char *path,
				 struct pl_diag *diag);
PL_WARN_UNUSED int atomfile_write(struct atomfile *af, const void *data,
				  size_t len);
PL_WARN_UNUSED PL_PRINTF(2, 3) int atomfile_printf(struct atomfile *af,
						   const char *fmt, ...);
/*
 * For writers that bypass atomfile_write(): recompute the digest from the
 * lock file's content. Call after the last byte and before commit.
 */
PL_WARN_UNUSED int atomfile_rehash(struct atomfile *af, struct pl_diag *diag);
/* Flush, fsync, rename. sha_out (may be NULL) receives the digest. */
PL_WARN_UNUSED int atomfile_commit(struct atomfile *af,
				   char sha_out[PL_SHA256_HEX],
				   struct pl_diag *diag);
/* Remove the lock file. Safe on a committed or never-opened atomfile. */
void atomfile_rollback(struct atomfile *af);

/*
 * In a process just forked (a run's typesetting worker): the lock files
 * open in the parent are the parent's to finish or remove; forget them,
 * so that a signal ending the child leaves them alone.
 */
void atomfile_forget_inherited(void);

/* fsync a directory so renames inside it survive a power cut. */
int pl_fsync_dir(const char *dir);

#endif
