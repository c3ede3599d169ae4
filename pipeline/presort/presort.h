/*
 * presort.h: the accounts of a batch in presort order (ZIP code order).
 *
 * Print vendors mail in ZIP order, so the run decides, typesets and
 * records the accounts of a batch in that order (docs/print-bundle.md
 * "Order: presort"): by 5-digit ZIP, then ZIP+4 (none before any), then
 * input order (file index, record number). Input files come in any order,
 * so the accounts read by ingest are spooled here and read back sorted.
 *
 * Memory stays flat: accounts are kept in a buffer of at most mem_cap
 * bytes; a full buffer is sorted and written to a run file in tmp_dir,
 * and the runs are merged when read back. A batch that fits the buffer
 * never touches the disk. Run files are named tmp_dir/.presort-NNNN,
 * unlinked as soon as the merge has them open, so nothing is left behind
 * once presort_free() returns (a killed run leaves them in its staging
 * directory, which the next run removes).
 *
 * Order of calls:
 *   presort_open(&ps, tmp_dir, mem_cap, &diag)
 *   presort_add(ps, &account, file_index, &diag)      per good account
 *   presort_sort(ps, &diag)                           once
 *   presort_next(ps, &arena, &account, &file_index, &diag)  until PL_DONE
 *   presort_free(ps)                                  always
 *
 * Ownership: presort_add() copies the account; presort_next() fills
 * *account with strings from the arena (account->file is NULL: the caller
 * knows its files by index).
 */
#ifndef PL_PRESORT_H
#define PL_PRESORT_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/diag.h"

/* The buffer size a run uses: 8 MiB, some 25,000 accounts. */
#define PRESORT_MEM_CAP (8u << 20)

struct presort;

PL_WARN_UNUSED int presort_open(struct presort **out, const char *tmp_dir,
				size_t mem_cap, struct pl_diag *diag);
/* A good (not rejected) account; file_index is the caller's. */
PL_WARN_UNUSED int presort_add(struct presort *ps, const struct account *account,
			       unsigned file_index, struct pl_diag *diag);
/* No more presort_add(); the next presort_next() gives the first account. */
PL_WARN_UNUSED int presort_sort(struct presort *ps, struct pl_diag *diag);
/* PL_OK with the next account, PL_DONE after the last, or an I/O error. */
PL_WARN_UNUSED int presort_next(struct presort *ps, struct arena *arena,
				struct account *account, unsigned *file_index,
				struct pl_diag *diag);
/* How many accounts went in, and how many run files were written. */
unsigned long presort_count(const struct presort *ps);
unsigned presort_runs(const struct presort *ps);
void presort_free(struct presort *ps);

/*
 * The sort key of a postal code: 5 ZIP digits then 4 +4 digits (spaces
 * when there is none, so they sort first). Anything that is not 5 or 9
 * digits (with or without a hyphen) gets "99999" and spaces: last.
 */
#define PRESORT_ZIP_KEY 9
void presort_zip_key(const char *postal_code, char key[PRESORT_ZIP_KEY]);

/*
 * The spool's encoding of one account (every field but file and the
 * reject), for the run's other spools (slices/slices.h): pack appends it
 * to out (whose cap must hold an account ingest accepted); unpack reads
 * it back from p (at most end), strings into the arena, and returns
 * where it ended, or NULL when the bytes end before the account does.
 */
void presort_pack_account(struct buf *out, const struct account *account);
const unsigned char *presort_unpack_account(const unsigned char *p,
					    const unsigned char *end,
					    struct arena *arena,
					    struct account *account);

#endif
