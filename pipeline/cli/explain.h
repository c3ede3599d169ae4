/*
 * explain.h: `fairnotice explain` prints one account's decision in plain
 * words, for a compliance officer or an examiner: what the record said,
 * what was decided and why, which rules fired (with citations and where
 * they are written), the dates, the texts placed, the contact plan.
 *
 * Two questions: explain_print() words a decision made now, from the
 * batch (run_explain() calls it); explain_piece() words what the contact
 * ledger kept of a piece issued long ago, from the ledger alone.
 *
 * Ownership: functions borrow their arguments.
 */
#ifndef PL_CLI_EXPLAIN_H
#define PL_CLI_EXPLAIN_H

#include "../pl.h"
#include "../run.h"
#include "../core/diag.h"

/* A run_explain_fn: ctx is the FILE * to print on. */
void explain_print(const struct run_explained *what, void *ctx);

/*
 * `fairnotice explain --state DIR --piece PIECE_ID`: print on out, in
 * plain words, what the contact ledger of state_dir keeps of piece_id
 * (docs/print-bundle.md "Retention"): dates, account, letter, where it is
 * in the bundle, the rules and texts of its decision, its digests, and
 * how to check the bundle. Needs nothing but the ledger. Returns PL_OK
 * when printed; PL_DONE when the ledger has no such piece, PL_USAGE when
 * state_dir holds no ledger (one is never created), another status when
 * the ledger cannot be read; diag says which, naming the ledger.
 */
PL_WARN_UNUSED int explain_piece(const char *state_dir, const char *piece_id,
				 FILE *out, struct pl_diag *diag);

#endif
