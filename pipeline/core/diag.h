/*
 * diag.h: status codes and diagnostics.
 *
 * A status is a broad class in the low byte (PL_IO, PL_PARSE, ...) with an
 * optional detail code in the upper bits, as in SQLite's extended result
 * codes: PL_CLASS(rc) gives the class back. PL_OK is 0 and PL_DONE ends an
 * iteration. A function that fails fills a struct pl_diag with a message in
 * the house style: lowercase, what went wrong first, the subject quoted,
 * the place last ("cannot parse amount 'x12' (at accounts.csv:17)").
 *
 * Ownership: a struct pl_diag owns nothing; its strings are fixed buffers.
 */
#ifndef PL_DIAG_H
#define PL_DIAG_H

#include "../pl.h"

enum pl_status {
	PL_OK = 0,
	PL_DONE = 1,      /* iteration finished; not an error */
	PL_IO = 2,        /* reading or writing a file failed */
	PL_PARSE = 3,     /* a batch-level input (profile, CSV framing) is unreadable */
	PL_RULE = 4,      /* the rule set is broken */
	PL_TEMPLATE = 5,  /* a template is broken */
	PL_RENDER = 6,    /* cairo/pango reported an error */
	PL_MANIFEST = 7,  /* bundle, manifest or ledger failure */
	PL_USAGE = 8,     /* the caller asked for something impossible */
	PL_LIMIT = 9,     /* a cap of core/limits.h was hit */
};

#define PL_CLASS(rc) ((rc) & 0xff)
#define PL_DETAIL(cls, n) ((cls) | ((n) << 8))

/* Details used across stages. */
#define PL_IO_OPEN      PL_DETAIL(PL_IO, 1)
#define PL_IO_WRITE     PL_DETAIL(PL_IO, 2)
#define PL_IO_RENAME    PL_DETAIL(PL_IO, 3)
#define PL_IO_SYNC      PL_DETAIL(PL_IO, 4)
#define PL_PARSE_XML    PL_DETAIL(PL_PARSE, 1)
#define PL_PARSE_SCHEMA PL_DETAIL(PL_PARSE, 2)
#define PL_MANIFEST_LEDGER PL_DETAIL(PL_MANIFEST, 1)

struct pl_diag {
	int status;
	char file[256];   /* where, or "" */
	unsigned line;    /* 0 when unknown */
	char rule_id[64]; /* rule involved, or "" */
	char message[512];
};

/* Human name of a status class ("i/o error", "rules error", ...). */
const char *pl_strerror(int status);

/*
 * Fill diag (if non-NULL) and return status, so a failing function can
 * end with `return pl_diag_set(diag, PL_IO_OPEN, path, 0, "...", ...);`.
 * file may be NULL.
 */
PL_PRINTF(5, 6) int pl_diag_set(struct pl_diag *diag, int status,
				const char *file, unsigned line,
				const char *fmt, ...);

/* Reset to PL_OK with empty strings. */
void pl_diag_clear(struct pl_diag *diag);

/* Format "message (at file:line)" into out. Returns out. */
char *pl_diag_format(const struct pl_diag *diag, char *out, size_t size);

#endif
