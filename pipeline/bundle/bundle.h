/*
 * bundle.h: write the print bundle, the audit files and the contact ledger.
 *
 * bundle_begin() opens the output files of one batch inside a staging
 * directory (the caller renames the directory into place when the bundle
 * is complete) and begins one transaction on the contact ledger, a SQLite
 * database in the state directory. bundle_add() streams one account's
 * outcome into the files (print/manifest.csv for letters,
 * audit/suppressed.csv, audit/rejects.csv, audit/manifest.xml for every
 * account) and records an issued letter in the pending transaction.
 * bundle_finish() writes the run summary and commits every file
 * atomically; bundle_commit() commits the ledger transaction, so the
 * ledger holds a batch wholly or not at all, and only after the bundle is
 * complete. ledger_* lets the run ask what was issued before.
 *
 * Order of calls:
 *   ledger_open(&ledger, state_dir, &diag)
 *   ledger_batch_done(ledger, batch_id)?  -> nothing to do
 *   ledger_imb_serial_base(ledger, agency_id, &base, &diag)
 *                             -> typeset_opts and bundle_opts
 *   bundle_begin(&b, &opts, ledger, &diag)
 *   ledger_history(...) / bundle_add(...)  per account
 *   bundle_finish(b, &counts, &diag)
 *   [caller renames the staging directory into place]
 *   bundle_commit(b, &diag)
 *   bundle_free(b)            rolls back whatever was not committed
 *   ledger_close(ledger)
 *
 * Ownership: functions borrow their arguments; opts' strings must outlive
 * the bundle.
 */
#ifndef PL_BUNDLE_H
#define PL_BUNDLE_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/diag.h"
#include "../core/profile.h"

struct ledger;
struct bundle;

/* The contact ledger's file in the state directory. */
#define LEDGER_FILE "ledger.sqlite"

/* ---- the contact ledger ---- */

/* Open (creating if needed) state_dir/ledger.sqlite. */
PL_WARN_UNUSED int ledger_open(struct ledger **out, const char *state_dir,
			       struct pl_diag *diag);
void ledger_close(struct ledger *ledger);
/*
 * Was batch_id committed? *when_out (may be NULL) gets its run date. A
 * read error answers false (the batch's piece ids then collide in
 * bundle_add(), so nothing is issued twice).
 */
bool ledger_batch_done(struct ledger *ledger, const char *batch_id, int *when_out);
/*
 * What the ledger knows of an account of this agency as of run_date: its
 * validation notice, its last letter, and every contact event of the 30
 * days up to run_date (letters issued and imported events, including
 * those of the open batch transaction), oldest first.
 */
PL_WARN_UNUSED int ledger_history(struct ledger *ledger, const char *agency_id,
				  const char *account_id, int run_date,
				  struct arena *arena, struct account_history *out,
				  struct pl_diag *diag);

/*
 * The first IMb serial number this agency's next batch may use: one past
 * the last serial of every committed batch (0 for a new ledger). Letters
 * take serials base, base + 1, ... in order; bundle_commit() records how
 * many were used, in the same transaction as the pieces. Ask before
 * typesetting (the serials are printed) and pass the same base in
 * bundle_opts: bundle_begin() reads the counter again under the ledger's
 * write lock, and if a batch of the agency committed in between, the
 * first letter that carries an IMb is refused (PL_MANIFEST_LEDGER), since
 * its serial may repeat one already mailed.
 */
PL_WARN_UNUSED int ledger_imb_serial_base(struct ledger *ledger, const char *agency_id,
					  unsigned long *base_out, struct pl_diag *diag);
/*
 * For a rebuild: the IMb serial base committed batch batch_id was issued
 * with (its agency's counter less the letters of that batch and of every
 * batch of the agency committed after it).
 */
PL_WARN_UNUSED int ledger_batch_serial_base(struct ledger *ledger, const char *batch_id,
					    unsigned long *base_out, struct pl_diag *diag);

/*
 * Retention: what the ledger keeps of one issued piece, for `fairnotice
 * explain --piece` years after the batch folder is gone. Strings
 * arena-owned; dates are day numbers (PL_NO_DATE when absent). trace is
 * the decision as the ledger stored it: one line per rule that fired
 * ("rule <id> [<citation>] <source> <title>", in firing order) and per
 * disclosure placed ("disclosure <slot> <rule> <text-sha256>"), each line
 * ending in '\n'.
 */
struct ledger_piece_record {
	const char *piece_id, *batch_id, *agency_id, *account_id, *consumer_id;
	const char *letter_code, *template_id, *template_version, *language;
	int run_date, mail_date, validation_end_date;
	const char *pdf, *print_group;
	unsigned first_page, page_count, sheet_count;
	unsigned long pdf_offset, pdf_length;
	const char *content_sha256, *pages_sha256, *imb;
	const char *audit_hash, *rules_digest, *bundle_sha256;
	const char *trace;
};

/*
 * Look piece_id up: PL_OK with *out filled, PL_DONE when the ledger has
 * no such piece, or an error with diag. Pieces of a ledger older than
 * schema v4 have "" for what it did not keep.
 */
PL_WARN_UNUSED int ledger_piece_get(struct ledger *ledger, const char *piece_id,
				    struct arena *arena,
				    struct ledger_piece_record *out,
				    struct pl_diag *diag);

/* ---- the bundle ---- */

struct bundle_opts {
	const char *staging_dir;     /* OUT/.<batch-id>.partial, exists */
	const char *batch_id;
	const struct agency *agency;
	int run_date, mail_date;
	const char *rules_digest;
	const char *pdf_name;        /* combined PDF, relative to print/ */
	unsigned long imb_serial_base;  /* from ledger_imb_serial_base(), as
					   given to the typesetter */
	const char *audit_xsl_path;  /* stylesheet of audit/manifest.html;
					NULL: no HTML view */
	unsigned jobs;               /* processes the HTML view may use (0: 1) */
	/*
	 * batch_id is committed and is being rebuilt: bundle_begin() takes
	 * the open transaction back to the ledger as it was before that
	 * batch (it and every later batch removed, the IMb counters lowered
	 * by their letters), so ledger_history() answers as it did then;
	 * bundle_commit() rolls the transaction back instead of committing,
	 * so the ledger is left exactly as it was. imb_serial_base comes
	 * from ledger_batch_serial_base().
	 */
	bool rebuild;
};

PL_WARN_UNUSED int bundle_begin(struct bundle **out, const struct bundle_opts *opts,
				struct ledger *ledger, struct pl_diag *diag);
/*
 * One contact event of the batch's contacts files, before any account:
 * a good one goes into the open ledger transaction (so ledger_history
 * sees it), a rejected one into audit/rejects.csv.
 */
PL_WARN_UNUSED int bundle_add_contact(struct bundle *b,
				      const struct contact_event *event,
				      struct pl_diag *diag);

/*
 * letter is non-NULL exactly when verdict->outcome is OUTCOME_LETTER;
 * verdict is NULL for an account rejected by ingest. Every account with a
 * verdict that is not a rejection also gets its row in contact-plan.csv
 * (at the top of the batch directory, DESIGN.md "Outputs").
 */
PL_WARN_UNUSED int bundle_add(struct bundle *b, const struct account *account,
			      const struct verdict *verdict,
			      const struct letter_ref *letter,
			      struct pl_diag *diag);
/*
 * counts must reconcile with what was added (read = letters + suppressed
 * + deferred + rejected, each as bundle_add() saw it; contacts_read and
 * contacts_rejected as bundle_add_contact() saw them), or PL_MANIFEST and
 * nothing is committed. Pages and sheets in the totals are the sums of
 * the letter_refs added; counts' own are not used.
 */
PL_WARN_UNUSED int bundle_finish(struct bundle *b, const struct run_counts *counts,
				 struct pl_diag *diag);
PL_WARN_UNUSED int bundle_commit(struct bundle *b, struct pl_diag *diag);
void bundle_free(struct bundle *b);

#endif
