/*
 * run.h: one nightly batch, ingest to committed bundle, in one process.
 *
 * run_batch() is the only code that knows all four stages. It loads the
 * agency profile and the rules (a problem there stops the run before
 * anything is written), then streams every record of every account file
 * through ingest -> decide -> typeset -> bundle, with one arena cleared per
 * account. Output is built in OUT/.<batch-id>.partial and renamed to
 * OUT/<batch-id> only when complete; the contact ledger is committed only
 * after that rename. A batch the ledger already holds is not issued again.
 *
 * Crash safety: a run killed at any moment (core/killpoint.h names the
 * moments the tests kill it at) leaves OUT/.<batch-id>.partial or nothing
 * before the rename, the whole bundle after it, and the ledger without the
 * batch until the commit. Running the batch again then removes the
 * partial directory, replaces a published bundle the ledger does not hold
 * by the identical rebuild, and commits: each letter is issued once.
 *
 * Rebuild (opts.rebuild, `fairnotice run --rebuild`): the bundle of a batch
 * the ledger already holds, written again into OUT, byte for byte as it
 * was first issued, the ledger left exactly as it is. Decisions depend on
 * the ledger's history, which now contains the batch itself (and perhaps
 * later batches), so a plain re-run would decide differently. The batch
 * is therefore run again in full inside one ledger transaction that first
 * takes the ledger back to just before the batch (the batch and every
 * batch committed after it removed, the agency's IMb counter lowered by
 * their letters: bundle_opts.rebuild) and is rolled back at the end
 * instead of committed. Every decision, serial and piece id then comes out
 * as it did the first time, and nothing in the ledger changes. The
 * alternative, rendering from the ledger's record of what was issued,
 * cannot give back the suppressed, deferred and rejected accounts' audit
 * records, which the ledger does not keep. Rebuilding a batch the ledger
 * does not hold is a usage error.
 *
 * run_check() reads and decides a batch the same way but writes nothing
 * (no bundle, no ledger), for `fairnotice check`. run_preview() renders
 * one account with one template file, for whoever edits a template.
 *
 * Ownership: functions borrow their arguments.
 */
#ifndef PL_RUN_H
#define PL_RUN_H

#include "pl.h"
#include "model.h"
#include "core/diag.h"
#include "core/limits.h"

struct run_opts {
	const char *batch_dir;        /* holds agency.xml and *.csv */
	const char *out_dir;          /* bundles go to out_dir/<batch-id> */
	const char *state_dir;        /* holds the contact ledger */
	int run_date;                 /* --date (a day number) */
	const char *rules_dir;        /* default: <datadir>/rules */
	const char *templates_dir;    /* default: <datadir>/templates */
	const char *fonts_dir;        /* default: <datadir>/fonts */
	const char *font_files_dir;   /* default: build/fonts */
	bool layout_dumps;            /* write audit/layout/<piece>.layout */
	bool rebuild;                 /* run_batch(): rebuild a batch the
					 ledger holds (see above) */
	FILE *log;                    /* stage lines and warnings; NULL: silent */
	/*
	 * run_batch(): processes typesetting the letters (slices/workers.h),
	 * 0 for one per processor. 1 typesets in the run's own process. The
	 * bundle is the same bytes whatever the number.
	 */
	unsigned jobs;
};

struct run_result {
	struct run_counts counts;
	char batch_id[128];
	char bundle_dir[PL_MAX_PATH];
	bool already_done;            /* the ledger held this batch: nothing issued */
	bool rebuilt;                 /* opts.rebuild: the bundle was rebuilt,
					 the ledger left as it was */
};

PL_WARN_UNUSED int run_batch(const struct run_opts *opts, struct run_result *result,
			     struct pl_diag *diag);

/*
 * Validate and decide without writing anything. Each rejected, suppressed
 * or deferred record is reported on opts->log.
 */
PL_WARN_UNUSED int run_check(const struct run_opts *opts, struct run_result *result,
			     struct pl_diag *diag);

/* What explain's printer gets for the account it asked about. */
struct run_explained {
	const struct account *account;   /* borrowed, valid during the callback */
	const struct verdict *verdict;   /* NULL when ingest rejected the record */
	const char *rules_digest;
	size_t rules_count;
	int run_date, mail_date;
	bool used_ledger;                /* history came from --state */
};

typedef void (*run_explain_fn)(const struct run_explained *what, void *ctx);

/*
 * Read the batch as check does until the first record whose account_id is
 * account_id, decide it (with the ledger of opts->state_dir when that
 * holds one; nothing is written) and hand it to print. PL_DONE when no
 * record has that account_id.
 */
PL_WARN_UNUSED int run_explain(const struct run_opts *opts, const char *account_id,
			       run_explain_fn print, void *ctx, struct pl_diag *diag);

/* `fairnotice preview`: one template file, one account. */
struct preview_opts {
	const char *template_file;    /* templates/<letter>.<lang>.xml, or a draft */
	const char *account_file;     /* an account CSV: its first record */
	const char *agency_file;      /* default: <datadir>/fixtures/demo/agency.xml */
	int run_date;                 /* --date (a day number) */
	const char *rules_dir;        /* default: <datadir>/rules */
	const char *fonts_dir;        /* default: <datadir>/fonts */
	const char *font_files_dir;   /* default: build/fonts */
	const char *png_path;         /* exactly one of png_path and pdf_path */
	const char *pdf_path;
	const char *dump_path;        /* NULL: no layout dump */
	FILE *log;                    /* warnings; NULL: silent */
};

/*
 * Render the first record of opts->account_file with the template file,
 * in the template's own letter and language: the account is decided with
 * the rules as for a run (its letter column set to the template's letter,
 * its language to the template's), and when decide would not send that
 * letter the preview still renders it, with a warning on opts->log that
 * gives the verdict's reason (a required slot no rule filled then shows
 * as "[slot]"). png_path: the pages one under the other, 100 dpi, on
 * white. Nothing else is written (no bundle, no ledger).
 */
PL_WARN_UNUSED int run_preview(const struct preview_opts *opts, struct pl_diag *diag);

/*
 * Load opts->rules_dir (and the agency profile of opts->batch_dir when
 * batch_dir is set) and lint the rule set onto out.
 */
PL_WARN_UNUSED int run_lint(const struct run_opts *opts, FILE *out,
			    unsigned *warnings, unsigned *errors,
			    struct pl_diag *diag);

#endif
