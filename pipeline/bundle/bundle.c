/*
 * bundle.c: one batch's bundle, from bundle_begin() to bundle_free().
 *
 * The life of a bundle (see bundle.h for the caller's side):
 *
 *   OPEN      bundle_begin() has opened the lock files of print/manifest.csv,
 *             audit/suppressed.csv, audit/rejects.csv, contact-plan.csv,
 *             audit/manifest.xml and print/manifest.xml, written their
 *             headers and begun the
 *             ledger transaction. bundle_add_contact() puts the batch's
 *             contact events into the transaction (or rejects.csv);
 *             bundle_add() streams one account into the files (and, for
 *             a letter, one pieces row into the transaction).
 *   FINISHED  bundle_finish() has checked that the run's counts reconcile
 *             with what was added, closed the audit manifest with its
 *             totals, written audit/summary.txt and committed every file.
 *   COMMITTED bundle_commit() has inserted the batches row, raised the
 *             agency's IMb serial counter and committed the ledger
 *             transaction.
 *   FAILED    a write failed; the bundle only waits for bundle_free().
 *
 * IMb serials: the caller read the agency's next serial with
 * ledger_imb_serial_base() before typesetting (opts.imb_serial_base).
 * bundle_begin() reads it again under the ledger's write lock; if another
 * batch of the agency committed in between, the serials of this batch may
 * repeat its, and the first letter that carries an IMb is refused. At
 * commit the counter becomes base + letters (or one past the highest
 * serial a letter carried, or what it was, whichever is largest).
 *
 * bundle_free() rolls back whatever was not committed: lock files are
 * removed, the ledger transaction is rolled back. Files already committed
 * by bundle_finish() stay in the staging directory, which the caller
 * removes or renames.
 */
#include "../pl.h"
#include "bundle-int.h"
#include "../core/date.h"
#include "../core/limits.h"
#include "../core/xalloc.h"

enum bundle_state {
	BUNDLE_OPEN = 0,
	BUNDLE_FINISHED,
	BUNDLE_COMMITTED,
	BUNDLE_FAILED,
};

/* The plain files, in the order they are committed and summed. */
enum bundle_file {
	FILE_MANIFEST_CSV = 0,
	FILE_SUPPRESSED_CSV,
	FILE_REJECTS_CSV,
	FILE_CONTACT_PLAN_CSV,
	FILE_COUNT,
};

/* Relative to the staging directory (DESIGN.md "Outputs"). */
static const char *const file_names[FILE_COUNT] = {
	"print/manifest.csv",
	"audit/suppressed.csv",
	"audit/rejects.csv",
	"contact-plan.csv",
};
#define AUDIT_XML_NAME "audit/manifest.xml"
#define PRINT_XML_NAME "print/manifest.xml"
#define SUMMARY_NAME "audit/summary.txt"

struct bundle {
	struct bundle_opts opts;         /* copy; strings borrowed */
	struct ledger *ledger;           /* borrowed */
	enum bundle_state state;
	struct atomfile files[FILE_COUNT];   /* owned */
	struct audit_xml audit;          /* owned */
	struct audit_xml print_xml;      /* owned: print/manifest.xml */
	struct print_files print_files;  /* owned: totals per print file */
	char zip_sha[PL_SHA256_HEX];     /* print/bundle.zip's, after finish */
	struct atomfile summary;         /* owned */
	struct buf name;                 /* owned scratch: the consumer's name */
	struct run_counts tally;         /* what bundle_add*() saw */
	struct file_tally *inputs;       /* owned: the same, per input file */
	size_t ninputs, alloc_inputs;
	struct run_counts totals;        /* fixed by bundle_finish() */
	unsigned long review_letters;    /* letters with verdict->needs_review */
	unsigned long imb_floor;         /* next IMb serial, read under the lock */
	unsigned long imb_top;           /* one past the highest serial added */
};

/* The outcomes of one input file's records (summary.txt). */
struct file_tally {
	char *file;                      /* owned: batch-relative name */
	bool contacts;                   /* a contacts file: read = imported + rejected */
	unsigned long read, letters, suppressed, deferred, rejected;
};

/* ---- helpers ---- */

static int open_file(struct bundle *b, struct atomfile *af, const char *name,
		     struct pl_diag *diag)
{
	char *path = xasprintf("%s/%s", b->opts.staging_dir, name);
	int rc = atomfile_open(af, path, diag);

	free(path);
	return rc;
}

static int write_error(struct atomfile *af, struct pl_diag *diag)
{
	int err = errno;

	return pl_diag_set(diag, PL_IO_WRITE, af->path, 0, "cannot write '%s': %s",
			   af->path, err ? strerror(err) : "write failed");
}

/* "first middle last suffix", skipping empty parts, into b->name. */
static int consumer_name(struct bundle *b, const struct account *a,
			 struct pl_diag *diag)
{
	const char *parts[] = {
		a->first_name, a->middle_name, a->last_name, a->name_suffix,
	};
	int rc = PL_OK;

	buf_clear(&b->name);
	for (size_t i = 0; rc == PL_OK && i < PL_ARRAY_SIZE(parts); i++) {
		if (!parts[i] || !parts[i][0])
			continue;
		if (b->name.len)
			rc = buf_addch(&b->name, ' ');
		if (rc == PL_OK)
			rc = buf_addstr(&b->name, parts[i]);
	}
	if (rc != PL_OK)
		return pl_diag_set(diag, rc, bundle_str(a->file), a->line,
				   "name of account '%s' is too long",
				   bundle_str(a->account_id));
	return PL_OK;
}

/*
 * Normalise one account's outcome for the writers: a rejection by ingest
 * (no verdict) and any verdict look alike from here on.
 */
static int entry_init(struct bundle *b, struct bundle_entry *e,
		      const struct account *a, const struct verdict *v,
		      const struct letter_ref *l, struct pl_diag *diag)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->account = a;
	e->verdict = v;
	e->letter = l;
	e->account_id = bundle_str(a->account_id);
	e->file = bundle_str(a->file);
	e->deferred_until = PL_NO_DATE;
	e->mail_date = PL_NO_DATE;
	e->validation_end_date = PL_NO_DATE;
	e->name = "";
	e->language = "";

	if (!v) {
		if (!a->rejected)
			PL_BUG("account '%s' has neither a verdict nor a rejection",
			       e->account_id);
		e->outcome = OUTCOME_REJECTED;
		e->reason_code = bundle_str(a->reject.code);
		e->citation = "";
		e->field = bundle_str(a->reject.field);
		e->message = bundle_str(a->reject.message);
	} else {
		e->outcome = v->outcome;
		e->reason_code = bundle_str(v->reason_code);
		e->citation = bundle_str(v->citation);
		e->field = "";
		e->message = bundle_str(v->message);
		if (v->outcome == OUTCOME_DEFERRED)
			e->deferred_until = v->deferred_until;
	}
	if ((e->outcome == OUTCOME_LETTER) != (l != NULL))
		PL_BUG("account '%s': a letter_ref must come with a letter and "
		       "only then", e->account_id);
	if (e->outcome != OUTCOME_LETTER)
		return PL_OK;

	e->language = l->language && l->language[0] ? l->language
						     : bundle_str(v->language);
	e->mail_date = v->mail_date != PL_NO_DATE ? v->mail_date
						  : b->opts.mail_date;
	e->validation_end_date = v->validation_end_date;
	rc = consumer_name(b, a, diag);
	e->name = buf_str(&b->name);   /* after: the buffer may have moved */
	return rc;
}

static int add_letter_to_ledger(struct bundle *b, const struct bundle_entry *e,
				const char *audit_hash, struct pl_diag *diag)
{
	const struct letter_ref *l = e->letter;
	struct ledger_piece piece = {
		.piece_id = l->piece_id,
		.batch_id = b->opts.batch_id,
		.agency_id = b->opts.agency->id,
		.account_id = e->account_id,
		.consumer_id = e->account->consumer_id && e->account->consumer_id[0]
			? e->account->consumer_id : e->account_id,
		.letter_code = e->verdict->letter_code,
		.template_id = l->template_id,
		.template_version = l->template_version,
		.language = e->language,
		.mail_date = e->mail_date,
		.validation_end_date = e->validation_end_date,
		.content_sha256 = l->content_sha256,
		.pdf = l->pdf,
		.first_page = l->first_page,
		.page_count = l->page_count,
		.imb = l->imb,
		.print_group = l->group,
		.sheet_count = l->sheet_count,
		.pages_sha256 = l->pages_sha256,
		.pdf_offset = l->pdf_offset,
		.pdf_length = l->pdf_length,
		.audit_hash = audit_hash,
		.rules_digest = b->opts.rules_digest,
		.verdict = e->verdict,
	};

	return ledger_txn_add_piece(b->ledger, &piece, diag);
}

/*
 * A letter with an IMb: its digits are a tracking code and a routing code
 * (typeset made them, so anything else is a bug), and its serial must not
 * be one an earlier batch may have used.
 */
static int check_imb(struct bundle *b, const struct bundle_entry *e,
		     struct pl_diag *diag)
{
	const struct letter_ref *l = e->letter;
	size_t len = strnlen(l->imb, sizeof(l->imb));

	if (!len)
		return PL_OK;
	if ((len != 20 && len != 25 && len != 29 && len != 31) ||
	    strspn(l->imb, "0123456789") != len)
		PL_BUG("piece '%s' has IMb '%.*s', not tracking and routing digits",
		       bundle_str(l->piece_id), (int)len, l->imb);
	if (b->opts.imb_serial_base < b->imb_floor)
		return pl_diag_set(diag, PL_MANIFEST_LEDGER, b->opts.staging_dir, 0,
				   "cannot issue piece '%s' with IMb serial %lu: "
				   "agency '%s' may already have used serials up to "
				   "%lu (a batch committed after this one read its "
				   "IMb serial base %lu; run the batch again)",
				   bundle_str(l->piece_id), l->imb_serial,
				   bundle_str(b->opts.agency->id), b->imb_floor - 1,
				   b->opts.imb_serial_base);
	if (l->imb_serial + 1 > b->imb_top)
		b->imb_top = l->imb_serial + 1;
	return PL_OK;
}

/* Count one record of input file `file` (the last one, most of the time). */
static void count_input(struct bundle *b, const char *file, bool contacts,
			enum outcome outcome)
{
	struct file_tally *t = NULL;

	for (size_t i = b->ninputs; i > 0 && !t; i--)
		if (b->inputs[i - 1].contacts == contacts &&
		    !strcmp(b->inputs[i - 1].file, file))
			t = &b->inputs[i - 1];
	if (!t) {
		if (b->ninputs == b->alloc_inputs) {
			b->alloc_inputs = b->alloc_inputs ? 2 * b->alloc_inputs : 4;
			b->inputs = xrealloc(b->inputs, b->alloc_inputs * sizeof(*b->inputs));
		}
		t = &b->inputs[b->ninputs++];
		memset(t, 0, sizeof(*t));
		t->file = xstrdup(file);
		t->contacts = contacts;
	}
	t->read++;
	switch (outcome) {
	case OUTCOME_LETTER:     t->letters++; break;
	case OUTCOME_SUPPRESSED: t->suppressed++; break;
	case OUTCOME_DEFERRED:   t->deferred++; break;
	case OUTCOME_REJECTED:   t->rejected++; break;
	}
}

static int compare_inputs(const void *a, const void *b)
{
	return strcmp(((const struct file_tally *)a)->file,
		      ((const struct file_tally *)b)->file);
}

/* ---- begin ---- */

int bundle_begin(struct bundle **out, const struct bundle_opts *opts,
		 struct ledger *ledger, struct pl_diag *diag)
{
	struct bundle *b;
	static const struct {
		const char *const *header;
		const size_t *columns;
	} headers[FILE_COUNT] = {
		{ manifest_csv_header, &manifest_csv_columns },
		{ suppressed_csv_header, &suppressed_csv_columns },
		{ rejects_csv_header, &rejects_csv_columns },
		{ contact_plan_csv_header, &contact_plan_csv_columns },
	};
	int rc;

	*out = NULL;
	if (!opts->staging_dir || !opts->batch_id || !opts->agency ||
	    !opts->rules_digest)
		PL_BUG("bundle options incomplete");
	b = xcalloc(1, sizeof(*b));
	b->opts = *opts;
	b->ledger = ledger;
	buf_init(&b->name, PL_MAX_RECORD_BYTES);

	rc = ledger_txn_begin(ledger, diag);
	if (rc == PL_OK && opts->rebuild)
		rc = ledger_txn_rewind(ledger, opts->batch_id, diag);
	if (rc == PL_OK)
		rc = ledger_imb_serial_base(ledger, opts->agency->id, &b->imb_floor,
					    diag);
	for (int i = 0; rc == PL_OK && i < FILE_COUNT; i++) {
		rc = open_file(b, &b->files[i], file_names[i], diag);
		if (rc == PL_OK &&
		    csv_write_header(&b->files[i], headers[i].header,
				     *headers[i].columns) != PL_OK)
			rc = write_error(&b->files[i], diag);
	}
	if (rc == PL_OK) {
		char *path = xasprintf("%s/%s", opts->staging_dir, AUDIT_XML_NAME);
		rc = audit_xml_open(&b->audit, path, opts, diag);
		free(path);
	}
	if (rc == PL_OK) {
		char *path = xasprintf("%s/%s", opts->staging_dir, PRINT_XML_NAME);
		rc = print_xml_open(&b->print_xml, path, opts, diag);
		free(path);
	}
	if (rc != PL_OK) {
		bundle_free(b);
		return rc;
	}
	*out = b;
	return PL_OK;
}

/* ---- add ---- */

int bundle_add_contact(struct bundle *b, const struct contact_event *event,
		       struct pl_diag *diag)
{
	struct atomfile *af = &b->files[FILE_REJECTS_CSV];
	int rc = PL_OK;

	if (b->state == BUNDLE_FAILED)
		return pl_diag_set(diag, PL_MANIFEST, b->opts.staging_dir, 0,
				   "cannot add a contact of account '%s' to a "
				   "failed bundle", bundle_str(event->account_id));
	if (b->state != BUNDLE_OPEN)
		PL_BUG("bundle_add_contact() after bundle_finish()");

	if (event->rejected) {
		if (manifest_csv_contact_reject(af, event) != PL_OK)
			rc = write_error(af, diag);
		b->tally.contacts_rejected++;
	} else {
		rc = ledger_txn_add_contact(b->ledger, b->opts.batch_id,
					    b->opts.agency->id, event, diag);
	}
	b->tally.contacts_read++;
	count_input(b, bundle_str(event->file), true,
		    event->rejected ? OUTCOME_REJECTED : OUTCOME_LETTER);
	if (rc != PL_OK)
		b->state = BUNDLE_FAILED;
	return rc;
}

int bundle_add(struct bundle *b, const struct account *account,
	       const struct verdict *verdict, const struct letter_ref *letter,
	       struct pl_diag *diag)
{
	struct bundle_entry e;
	struct atomfile *af = NULL;
	int rc;

	if (b->state == BUNDLE_FAILED)
		return pl_diag_set(diag, PL_MANIFEST, b->opts.staging_dir, 0,
				   "cannot add account '%s' to a failed bundle",
				   bundle_str(account->account_id));
	if (b->state != BUNDLE_OPEN)
		PL_BUG("bundle_add() after bundle_finish()");

	rc = entry_init(b, &e, account, verdict, letter, diag);
	if (rc == PL_OK) {
		switch (e.outcome) {
		case OUTCOME_LETTER:
			af = &b->files[FILE_MANIFEST_CSV];
			rc = check_imb(b, &e, diag);
			if (rc == PL_OK && manifest_csv_letter(af, &b->opts, &e) != PL_OK)
				rc = write_error(af, diag);
			if (rc == PL_OK)
				rc = print_xml_piece(&b->print_xml, &e, diag);
			print_files_add(&b->print_files, letter);
			b->tally.letters++;
			if (verdict->needs_review)
				b->review_letters++;
			b->tally.pages += letter->page_count;
			b->tally.sheets += letter->sheet_count;
			break;
		case OUTCOME_SUPPRESSED:
		case OUTCOME_DEFERRED:
			af = &b->files[FILE_SUPPRESSED_CSV];
			if (manifest_csv_suppressed(af, &e) != PL_OK)
				rc = write_error(af, diag);
			if (e.outcome == OUTCOME_SUPPRESSED)
				b->tally.suppressed++;
			else
				b->tally.deferred++;
			break;
		case OUTCOME_REJECTED:
			af = &b->files[FILE_REJECTS_CSV];
			if (manifest_csv_reject(af, &e) != PL_OK)
				rc = write_error(af, diag);
			b->tally.rejected++;
			break;
		}
		b->tally.read++;
		count_input(b, e.file, false, e.outcome);
	}
	/* Every account decide saw gets a plan, whatever its outcome. */
	if (rc == PL_OK && verdict && e.outcome != OUTCOME_REJECTED) {
		af = &b->files[FILE_CONTACT_PLAN_CSV];
		if (manifest_csv_plan(af, &e) != PL_OK)
			rc = write_error(af, diag);
	}
	if (rc == PL_OK)
		rc = audit_xml_account(&b->audit, &b->opts, &e, diag);
	/* After its audit record: the ledger keeps the record's hash. */
	if (rc == PL_OK && e.outcome == OUTCOME_LETTER)
		rc = add_letter_to_ledger(b, &e, b->audit.chain.prev, diag);
	if (rc != PL_OK)
		b->state = BUNDLE_FAILED;
	return rc;
}

/* ---- finish ---- */

static int check_counts(struct bundle *b, const struct run_counts *c,
			struct pl_diag *diag)
{
	const struct run_counts *t = &b->tally;

	if (c->read != c->letters + c->suppressed + c->deferred + c->rejected ||
	    c->read != t->read || c->letters != t->letters ||
	    c->suppressed != t->suppressed || c->deferred != t->deferred ||
	    c->rejected != t->rejected)
		return pl_diag_set(diag, PL_MANIFEST, b->opts.staging_dir, 0,
				   "run counts do not reconcile with batch '%s': run "
				   "read %lu = %lu letters + %lu suppressed + %lu deferred "
				   "+ %lu rejected, bundle has %lu = %lu + %lu + %lu + %lu",
				   b->opts.batch_id, c->read, c->letters, c->suppressed,
				   c->deferred, c->rejected, t->read, t->letters,
				   t->suppressed, t->deferred, t->rejected);
	/* Contact events: read = imported + rejected, as bundle_add_contact() saw. */
	if (c->contacts_rejected > c->contacts_read ||
	    c->contacts_read != t->contacts_read ||
	    c->contacts_rejected != t->contacts_rejected)
		return pl_diag_set(diag, PL_MANIFEST, b->opts.staging_dir, 0,
				   "contact counts do not reconcile with batch '%s': "
				   "run read %lu contacts, %lu rejected, bundle has "
				   "%lu, %lu rejected", b->opts.batch_id,
				   c->contacts_read, c->contacts_rejected,
				   t->contacts_read, t->contacts_rejected);
	return PL_OK;
}

static int write_summary(struct bundle *b,
			 char sums[FILE_COUNT + 1][PL_SHA256_HEX],
			 struct pl_diag *diag)
{
	const struct run_counts *t = &b->totals;
	struct atomfile *af = &b->summary;
	char run[PL_DATE_ISO_LEN], mail[PL_DATE_ISO_LEN];
	int rc = open_file(b, af, SUMMARY_NAME, diag);

	if (rc == PL_OK)
		rc = atomfile_printf(af,
				     "fairnotice run summary\n"
				     "\n"
				     "batch:         %s\n"
				     "agency:        %s\n"
				     "run date:      %s\n"
				     "mail date:     %s\n"
				     "rules digest:  %s\n"
				     "\n"
				     "records read:  %lu\n"
				     "  letters:     %lu\n"
				     "  suppressed:  %lu\n"
				     "  deferred:    %lu\n"
				     "  rejected:    %lu\n"
				     "pages:         %lu\n"
				     "sheets:        %lu\n"
				     "contacts read: %lu (%lu imported, %lu rejected)\n"
				     "review flags:  %lu (letters a needs-review rule touched)\n"
				     "\n",
				     b->opts.batch_id, bundle_str(b->opts.agency->id),
				     date_format_iso(b->opts.run_date, run),
				     date_format_iso(b->opts.mail_date, mail),
				     b->opts.rules_digest, t->read, t->letters,
				     t->suppressed, t->deferred, t->rejected,
				     t->pages, t->sheets, t->contacts_read,
				     t->contacts_read - t->contacts_rejected,
				     t->contacts_rejected, b->review_letters);
	/* Read = letters + suppressed + deferred + rejected, file by file. */
	if (rc == PL_OK && b->ninputs)
		qsort(b->inputs, b->ninputs, sizeof(*b->inputs), compare_inputs);
	if (rc == PL_OK)
		rc = atomfile_printf(af, "records by input file:\n");
	for (size_t i = 0; rc == PL_OK && i < b->ninputs; i++) {
		const struct file_tally *f = &b->inputs[i];
		if (f->contacts)
			rc = atomfile_printf(af, "  %s: read %lu = %lu contact events "
					     "imported + %lu rejected\n", f->file, f->read,
					     f->letters, f->rejected);
		else
			rc = atomfile_printf(af, "  %s: read %lu = %lu letters + %lu suppressed + "
					     "%lu deferred + %lu rejected\n", f->file, f->read,
					     f->letters, f->suppressed, f->deferred, f->rejected);
	}
	if (rc == PL_OK)
		rc = atomfile_printf(af, "\nfiles (sha256):\n");
	/* sha256sum's format, so `sha256sum -c` can check the bundle. */
	for (int i = 0; rc == PL_OK && i < FILE_COUNT; i++)
		rc = atomfile_printf(af, "%s  %s\n", sums[i], file_names[i]);
	if (rc == PL_OK)
		rc = atomfile_printf(af, "%s  %s\n", sums[FILE_COUNT], AUDIT_XML_NAME);
	if (rc != PL_OK && af->lock_path)
		rc = write_error(af, diag);
	if (rc == PL_OK)
		rc = atomfile_commit(af, NULL, diag);
	return rc;
}

int bundle_finish(struct bundle *b, const struct run_counts *counts,
		  struct pl_diag *diag)
{
	char sums[FILE_COUNT + 1][PL_SHA256_HEX];
	char chain[PL_SHA256_HEX] = "";
	int rc = PL_OK;

	if (b->state == BUNDLE_FAILED)
		return pl_diag_set(diag, PL_MANIFEST, b->opts.staging_dir, 0,
				   "cannot finish failed bundle '%s'",
				   b->opts.batch_id);
	if (b->state != BUNDLE_OPEN)
		PL_BUG("bundle_finish() called twice");

	rc = check_counts(b, counts, diag);
	/* Pages and sheets are the bundle's own sums of its letter_refs. */
	b->totals = b->tally;
	for (int i = 0; rc == PL_OK && i < FILE_COUNT; i++)
		rc = atomfile_commit(&b->files[i], sums[i], diag);
	if (rc == PL_OK)
		rc = audit_xml_finish(&b->audit, &b->totals, b->review_letters,
				      sums[FILE_COUNT], chain, diag);
	if (rc == PL_OK)
		rc = print_xml_finish(&b->print_xml, &b->totals, diag);
	if (rc == PL_OK)
		rc = write_summary(b, sums, diag);
	if (rc == PL_OK && b->opts.audit_xsl_path)
		rc = audit_html_write(b->opts.staging_dir, b->opts.audit_xsl_path,
				      b->opts.jobs ? b->opts.jobs : 1, diag);
	/* Last: the control file and the sums cover every other file. */
	if (rc == PL_OK)
		rc = control_write(b->opts.staging_dir, &b->opts, &b->totals,
				   &b->print_files, chain, b->zip_sha, diag);
	if (rc == PL_OK) {
		char *print = xasprintf("%s/print", b->opts.staging_dir);
		char *audit = xasprintf("%s/audit", b->opts.staging_dir);

		/* The staging directory itself holds contact-plan.csv. */
		if (pl_fsync_dir(print) != PL_OK || pl_fsync_dir(audit) != PL_OK ||
		    pl_fsync_dir(b->opts.staging_dir) != PL_OK)
			rc = pl_diag_set(diag, PL_IO_SYNC, b->opts.staging_dir, 0,
					 "cannot sync the bundle directories");
		free(audit);
		free(print);
	}
	b->state = rc == PL_OK ? BUNDLE_FINISHED : BUNDLE_FAILED;
	return rc;
}

/* ---- commit and free ---- */

int bundle_commit(struct bundle *b, struct pl_diag *diag)
{
	struct ledger_batch batch = {
		.batch_id = b->opts.batch_id,
		.agency_id = b->opts.agency->id,
		.rules_digest = b->opts.rules_digest,
		.run_date = b->opts.run_date,
		.mail_date = b->opts.mail_date,
		.letters = b->totals.letters,
		.suppressed = b->totals.suppressed,
		.deferred = b->totals.deferred,
		.rejected = b->totals.rejected,
		.contacts_imported = b->totals.contacts_read -
				     b->totals.contacts_rejected,
		.contacts_rejected = b->totals.contacts_rejected,
		.imb_serial_next = b->opts.imb_serial_base + b->totals.letters,
		.bundle_sha256 = b->zip_sha,
	};
	int rc;

	if (b->state != BUNDLE_FINISHED)
		return pl_diag_set(diag, PL_MANIFEST, b->opts.staging_dir, 0,
				   "cannot commit batch '%s' to the contact ledger "
				   "before its bundle is complete", b->opts.batch_id);
	if (b->opts.rebuild) {
		/* The ledger already holds the batch: leave it as it was. */
		ledger_txn_rollback(b->ledger);
		b->state = BUNDLE_COMMITTED;
		return PL_OK;
	}
	if (batch.imb_serial_next < b->imb_top)
		batch.imb_serial_next = b->imb_top;
	if (batch.imb_serial_next < b->imb_floor)
		batch.imb_serial_next = b->imb_floor;
	rc = ledger_txn_commit(b->ledger, &batch, diag);
	b->state = rc == PL_OK ? BUNDLE_COMMITTED : BUNDLE_FAILED;
	return rc;
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	/* Each of these is a no-op on what was committed or never opened. */
	atomfile_rollback(&b->summary);
	audit_xml_abort(&b->audit);
	audit_xml_abort(&b->print_xml);
	print_files_release(&b->print_files);
	for (size_t i = 0; i < b->ninputs; i++)
		free(b->inputs[i].file);
	free(b->inputs);
	for (int i = FILE_COUNT - 1; i >= 0; i--)
		atomfile_rollback(&b->files[i]);
	if (b->state != BUNDLE_COMMITTED)
		ledger_txn_rollback(b->ledger);
	buf_release(&b->name);
	free(b);
}
