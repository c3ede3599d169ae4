/*
 * bundle-int.h: what the three files of the bundle stage share.
 *
 * ledger.c owns every SQL statement; bundle.c drives one batch's
 * transaction through the ledger_txn_* functions below. manifest.c knows
 * the output formats (CSV rows, audit manifest XML) and nothing of the
 * lifecycle; bundle.c hands it one struct bundle_entry per account, the
 * outcome already normalised (a rejection by ingest and one by decide look
 * alike there).
 *
 * Ownership: as in bundle.h, everything is borrowed unless a field says
 * "owned".
 */
#ifndef PL_BUNDLE_INT_H
#define PL_BUNDLE_INT_H

#include "../pl.h"
#include "../model.h"
#include "../core/atomfile.h"
#include "../core/buf.h"
#include "../core/diag.h"
#include "bundle.h"

#include <sqlite3.h>

struct _xmlTextWriter;

/* s, or "" for NULL: fields of a rejected record may be partial. */
static inline const char *bundle_str(const char *s)
{
	return s ? s : "";
}

/* ---- the contact ledger (ledger.c) ---- */

/*
 * PRAGMA user_version of the schema this program writes. Version 1 had
 * pieces and batches; version 2 adds the contacts table and the contact
 * counts of batches; version 3 the counters table (each agency's next IMb
 * serial) and the IMb of each piece; version 4 the retention columns of
 * pieces (print group, sheets, pages digest and byte range, audit record
 * hash, rules digest, decision trace) and the bundle zip's digest of
 * batches. ledger_open() migrates an older ledger in place.
 */
#define LEDGER_SCHEMA_VERSION 4
/*
 * The letter code whose earliest issue ledger_history() reports. It names
 * a template of decide's vocabulary, not a legal text.
 */
#define LEDGER_VALIDATION_LETTER "validation-notice"
/* ledger_history(): the days before run_date whose contacts it returns. */
#define LEDGER_HISTORY_DAYS 30
/*
 * Most contact events ledger_history() returns for one account. The cap
 * keeps a corrupt or hostile ledger from filling the arena; a real
 * account has a few dozen at most in 30 days. Past it the history is an
 * error, never silently cut (a cut history would allow too many calls).
 * NEEDSWORK: belongs in core/limits.h (PL_MAX_HISTORY_EVENTS).
 */
#define LEDGER_MAX_EVENTS 4096

struct ledger {
	sqlite3 *db;                   /* owned connection */
	char *path;                    /* owned: state_dir/ledger.sqlite */
	bool in_txn;                   /* a batch transaction is open */
	/* Prepared once in ledger_open(), reset after each use. All owned. */
	sqlite3_stmt *batch_done;
	sqlite3_stmt *history_first;
	sqlite3_stmt *history_last;
	sqlite3_stmt *history_count;
	sqlite3_stmt *history_events;
	sqlite3_stmt *insert_piece;
	sqlite3_stmt *insert_trace;
	sqlite3_stmt *insert_contact;
	sqlite3_stmt *insert_batch;
	sqlite3_stmt *imb_serial_get;
	sqlite3_stmt *imb_serial_set;
};

/* One row of the pieces table. Strings borrowed. */
struct ledger_piece {
	const char *piece_id, *batch_id, *agency_id, *account_id, *consumer_id;
	const char *letter_code, *template_id, *template_version, *language;
	int mail_date, validation_end_date;   /* PL_NO_DATE is stored as NULL */
	const char *content_sha256, *pdf;
	unsigned first_page, page_count;
	const char *imb;   /* tracking + routing digits, "" when none */
	/* Retention (schema v4, docs/print-bundle.md "Retention"). */
	const char *print_group;     /* "window-2", "flat" */
	unsigned sheet_count;
	const char *pages_sha256;    /* of the piece's bytes in pdf */
	unsigned long pdf_offset, pdf_length;
	const char *audit_hash;      /* the hash of its audit record */
	const char *rules_digest;
	/* The decision: ledger.c keeps its trace (rules, disclosures). */
	const struct verdict *verdict;
};

/* One row of the batches table. Strings borrowed. */
struct ledger_batch {
	const char *batch_id, *agency_id, *rules_digest;
	int run_date, mail_date;
	unsigned long letters, suppressed, deferred, rejected;
	unsigned long contacts_imported, contacts_rejected;
	/*
	 * The agency's next IMb serial after this batch; the counter is
	 * raised to it (never lowered) in the same transaction.
	 */
	unsigned long imb_serial_next;
	const char *bundle_sha256;   /* print/bundle.zip's SHA-256 (schema v4) */
};

/* The words channels and kinds are stored (and written) as. Static. */
const char *ledger_channel_name(enum channel channel);
const char *ledger_kind_name(enum contact_kind kind);

/* BEGIN IMMEDIATE: the ledger's write lock is held until commit/rollback. */
PL_WARN_UNUSED int ledger_txn_begin(struct ledger *ledger, struct pl_diag *diag);
PL_WARN_UNUSED int ledger_txn_add_piece(struct ledger *ledger,
					const struct ledger_piece *piece,
					struct pl_diag *diag);
/* A good contact event of the batch (event->rejected is false). */
PL_WARN_UNUSED int ledger_txn_add_contact(struct ledger *ledger,
					  const char *batch_id,
					  const char *agency_id,
					  const struct contact_event *event,
					  struct pl_diag *diag);
/*
 * Insert the batch row, raise the agency's IMb serial counter to
 * batch->imb_serial_next and COMMIT. On failure the transaction is
 * rolled back.
 */
PL_WARN_UNUSED int ledger_txn_commit(struct ledger *ledger,
				     const struct ledger_batch *batch,
				     struct pl_diag *diag);
/*
 * Inside the batch transaction: delete committed batch batch_id and every
 * batch committed after it (their pieces, contacts and batches rows) and
 * lower each agency's IMb counter by their letters. Only a rebuild does
 * this, and it rolls the transaction back.
 */
PL_WARN_UNUSED int ledger_txn_rewind(struct ledger *ledger, const char *batch_id,
				     struct pl_diag *diag);
/* ROLLBACK if a transaction is open; otherwise nothing. */
void ledger_txn_rollback(struct ledger *ledger);

/* ---- one account's outcome, as the writers see it (manifest.c) ---- */

struct bundle_entry {
	const struct account *account;
	const struct verdict *verdict;    /* NULL: rejected by ingest */
	const struct letter_ref *letter;  /* non-NULL exactly for letters */
	enum outcome outcome;
	/* Never NULL ("" when absent). */
	const char *account_id, *file;
	const char *reason_code, *citation, *field, *message;
	int deferred_until;               /* PL_NO_DATE unless deferred */
	const char *name;                 /* "first middle last suffix" */
	const char *language;             /* of the letter actually typeset */
	int mail_date, validation_end_date;
};

/* ---- CSV (RFC 4180) ---- */

/*
 * Record separator. RFC 4180 asks for CRLF; a line break inside a quoted
 * field is written as the input had it.
 */
#define CSV_EOL "\r\n"

/* Does s need double quotes (comma, quote, CR, LF, or a formula lead)? */
bool csv_needs_quotes(const char *s);
/* Write one record of n fields; NULL fields are written empty. */
PL_WARN_UNUSED int csv_write_row(struct atomfile *af, const char *const *fields,
				 size_t n);

/* The headers, each one record without its CSV_EOL. */
extern const char *const manifest_csv_header[];
extern const size_t manifest_csv_columns;
extern const char *const suppressed_csv_header[];
extern const size_t suppressed_csv_columns;
extern const char *const rejects_csv_header[];
extern const size_t rejects_csv_columns;
extern const char *const contact_plan_csv_header[];
extern const size_t contact_plan_csv_columns;

PL_WARN_UNUSED int csv_write_header(struct atomfile *af,
				    const char *const *header, size_t n);
/* One row of print/manifest.csv, audit/suppressed.csv, audit/rejects.csv. */
PL_WARN_UNUSED int manifest_csv_letter(struct atomfile *af,
				       const struct bundle_opts *opts,
				       const struct bundle_entry *e);
PL_WARN_UNUSED int manifest_csv_suppressed(struct atomfile *af,
					   const struct bundle_entry *e);
PL_WARN_UNUSED int manifest_csv_reject(struct atomfile *af,
				       const struct bundle_entry *e);
/* A rejected contact event, as one row of audit/rejects.csv. */
PL_WARN_UNUSED int manifest_csv_contact_reject(struct atomfile *af,
					       const struct contact_event *ev);
/* One row of contact-plan.csv (e has a verdict that is not a rejection). */
PL_WARN_UNUSED int manifest_csv_plan(struct atomfile *af,
				     const struct bundle_entry *e);

/* "call letter email sms": the words of the channel bits, in that order. */
#define BUNDLE_CHANNEL_WORDS sizeof("call letter email sms")
char *bundle_channel_words(unsigned bits, char out[BUNDLE_CHANNEL_WORDS]);

/* ---- the audit manifest (audit/manifest.xml) ---- */

/*
 * A libxml2 xmlTextWriter streaming into an atomfile: the output buffer's
 * write callback is atomfile_write(), so the digest is computed as the
 * bytes pass and memory does not grow with the batch. Errors are sticky:
 * the first one is kept in status and every later call does nothing.
 */
/* Most attributes one element of a record has (<letter> has 13). */
#define AUDIT_MAX_ATTRS 32

/*
 * The hash chain of an audit manifest being written (docs/audit-chain.md):
 * each record is produced twice by the same calls, once into canon (the
 * hashing pass, nothing written) and once into the file.
 */
struct audit_chain {
	char prev[PL_SHA256_HEX];        /* hash of the last record written */
	struct digest *canon;            /* non-NULL: hashing pass, no writes */
	const char *elem;                /* static name whose line is not out yet */
	struct buf attrs;                /* owned: "name\0value\0" pairs */
	size_t off[AUDIT_MAX_ATTRS];     /* offset of each pair in attrs */
	size_t nattrs;
};

struct audit_xml {
	struct audit_chain chain;        /* owned */
	struct atomfile af;              /* owned */
	struct _xmlTextWriter *writer;   /* owned; NULL when closed */
	struct buf clean;                /* owned scratch for sanitised text */
	int status;                      /* first failure, or PL_OK */
	const char *what;                /* static: "audit manifest", for messages */
};

PL_WARN_UNUSED int audit_xml_open(struct audit_xml *x, const char *path,
				  const struct bundle_opts *opts,
				  struct pl_diag *diag);
PL_WARN_UNUSED int audit_xml_account(struct audit_xml *x,
				     const struct bundle_opts *opts,
				     const struct bundle_entry *e,
				     struct pl_diag *diag);
/*
 * Write <totals> (review_letters: letters that carry a review flag), end
 * the document, commit the file. chain_out receives the hash of the last
 * record of the chain (every <account> carries the hash of the one before
 * it), which the control file repeats.
 */
PL_WARN_UNUSED int audit_xml_finish(struct audit_xml *x,
				    const struct run_counts *totals,
				    unsigned long review_letters,
				    char sha_out[PL_SHA256_HEX],
				    char chain_out[PL_SHA256_HEX],
				    struct pl_diag *diag);
/* Drop the writer and remove the lock file. Safe after finish. */
void audit_xml_abort(struct audit_xml *x);

/*
 * print/manifest.xml (docs/print-bundle.md), one <piece> per letter as
 * bundle_add() sees it, written by the same machinery without a chain
 * (audit_xml_abort() drops it too).
 */
#define PRINT_NS "urn:fairnotice:print-manifest:1"
PL_WARN_UNUSED int print_xml_open(struct audit_xml *x, const char *path,
				  const struct bundle_opts *opts,
				  struct pl_diag *diag);
PL_WARN_UNUSED int print_xml_piece(struct audit_xml *x, const struct bundle_entry *e,
				   struct pl_diag *diag);
/* <totals> (pieces = letters), end the document, commit the file. */
PL_WARN_UNUSED int print_xml_finish(struct audit_xml *x, const struct run_counts *t,
				    struct pl_diag *diag);

/*
 * The same streaming writer for any other document of the bundle
 * (print/control.xml): indented, UTF-8, text made safe for XML, through
 * an atomfile; errors are sticky and reported by xmldoc_finish(), which
 * also commits the file (audit_xml_abort() drops it). name and root are
 * string literals; what names the document in messages.
 */
PL_WARN_UNUSED int xmldoc_open(struct audit_xml *x, const char *path, const char *root,
			       const char *what, struct pl_diag *diag);
void xmldoc_start(struct audit_xml *x, const char *name);
void xmldoc_attr(struct audit_xml *x, const char *name, const char *value);
void xmldoc_attr_ulong(struct audit_xml *x, const char *name, unsigned long n);
void xmldoc_end(struct audit_xml *x);
PL_WARN_UNUSED int xmldoc_finish(struct audit_xml *x, struct pl_diag *diag);

/* ---- the auditor's HTML view (audit-html.c) ---- */

/*
 * audit/manifest.html from the committed audit/manifest.xml of staging_dir
 * through the stylesheet xsl_path, with libxslt's security preferences
 * forbidding every file write, directory creation and network access.
 * The manifest is streamed twice (counts, then rows in small chunks), so
 * memory is flat in the number of accounts. jobs > 1: the rows are cut
 * into up to jobs ranges, all but the first transformed by forked copies
 * of this process (core/sidejob.h) at the same time; the page is the same
 * bytes.
 */
PL_WARN_UNUSED int audit_html_write(const char *staging_dir, const char *xsl_path,
				    unsigned jobs, struct pl_diag *diag);

/* ---- control file, checksums, zip (control.c, zip.c) ---- */

/*
 * Once every other file of staging_dir is committed: print/control.xml
 * (batch id, totals per group and per file: pieces, pages, sheets; the
 * audit chain's final hash), print/SHA256SUMS (every file of the bundle
 * but itself, the zip and its digest, `sha256sum` format, sorted paths
 * relative to the bundle directory), then print/bundle.zip holding every
 * file of the bundle in sorted order with fixed timestamps
 * (deterministic), then print/bundle.zip.sha256.
 */
/*
 * The print files of the batch as bundle_add() saw their pieces, in the
 * order each file first appeared (control.c sorts them by group).
 */
struct print_file {
	char *name;                  /* owned: "window-2-001.pdf" */
	char *group, *envelope;      /* owned */
	unsigned sheets;             /* sheets per piece of a window group; 0: flat */
	unsigned long pieces, pages, sheet_total;
	char *first_piece, *last_piece;   /* owned */
};

struct print_files {
	struct print_file *files;    /* owned */
	size_t n, alloc;
};

/* Count letter l into its file's totals. */
void print_files_add(struct print_files *pf, const struct letter_ref *l);
void print_files_release(struct print_files *pf);

/*
 * Also, first: the print files' totals must add up to totals (or
 * PL_MANIFEST, nothing written), and print/manifest.csv counted again
 * must agree. Last: print/bundle.zip.sha256, whose digest goes to
 * zip_sha_out for the ledger.
 */
PL_WARN_UNUSED int control_write(const char *staging_dir, const struct bundle_opts *opts,
				 const struct run_counts *totals,
				 struct print_files *files,
				 const char chain_head[PL_SHA256_HEX],
				 char zip_sha_out[PL_SHA256_HEX],
				 struct pl_diag *diag);


#endif
