/*
 * run.c: the per-account loop that ties the four stages together.
 *
 * This is the centre of the star: the only library file that includes
 * more than one stage header. Its job is sequencing and bookkeeping:
 * load what the whole run needs, stream each record through the stages
 * with one arena per account, count outcomes so that read = letters +
 * suppressed + deferred + rejected, and make the result appear atomically
 * (staging directory renamed into place, then the ledger committed).
 *
 * A run reads the batch once (pass 1: rejects straight to the bundle,
 * good accounts into the presort spool), then takes the accounts in ZIP
 * order (pass 2): this process decides each one with the ledger, checks
 * and numbers its letter and writes it to a slice file; the slices are
 * typeset by --jobs worker processes (slices/) or, with one job, here;
 * and this process records them in the bundle in order.
 * `fairnotice preview` is here too: the same stages for one account and
 * one template file, writing a PNG or PDF and nothing else.
 */
#include "pl.h"
#include "run.h"
#include "core/arena.h"
#include "core/atomfile.h"
#include "core/date.h"
#include "core/digest.h"
#include "core/fsutil.h"
#include "core/killpoint.h"
#include "core/profile.h"
#include "core/xalloc.h"
#include "ingest/ingest.h"
#include "decide/decide.h"
#include "typeset/typeset.h"
#include "bundle/bundle.h"
#include "presort/presort.h"
#include "slices/slices.h"
#include "slices/workers.h"

#include <time.h>
#include <unistd.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#ifndef PL_FONTFILES
#define PL_FONTFILES "build/fonts"
#endif

/*
 * The live progress line, on a terminal only (a scheduler's log gets the
 * stage lines): accounts read, then letters typeset of the accounts to
 * decide, letters per second and the time left. Redrawn at most four
 * times a second; it never touches the outputs.
 */
struct progress {
	bool on;
	double start, last;      /* seconds, CLOCK_MONOTONIC */
	unsigned long total;     /* accounts to decide (known after reading) */
	unsigned long done;      /* of those, decided */
};

/* Everything one run holds; released in reverse order by run_release(). */
struct run {
	const struct run_opts *opts;
	char *rules_dir, *templates_dir, *fonts_dir, *font_files_dir;
	char *audit_xsl;           /* <templates>/audit-view.xsl */
	char *profile_path;
	struct agency agency;
	bool have_agency;
	struct ruleset *rules;
	char **files;              /* account files, name order */
	const struct input_spec **file_specs;    /* of files[i]; borrowed */
	size_t nfiles;
	char **contact_files;      /* contacts files, name order */
	const struct input_spec **contact_specs; /* of contact_files[i] */
	size_t ncontact_files;
	struct ledger *ledger;
	struct typesetter *typesetter;
	struct bundle *bundle;
	char *staging_dir;
	struct arena arena;
	int mail_date;
	unsigned long address_rejects;   /* ADDRESS_TOO_LONG, counted in rejected */
	struct progress progress;
	const struct run_counts *counts;   /* the run's, for the progress line */
	/* Typesetting (slices/): the workers, or NULL for this process. */
	struct workers *workers;
	const char *batch_id;              /* the run's (its result's) */
	const struct typeset_opts *topts;  /* a worker opens its typesetter with these */
	struct arena slice_arena;          /* a slice typeset in this process */
	unsigned long shaped, reused;      /* the shaping caches, all slices */
};

static char *default_path(const char *given, const char *fallback)
{
	return xstrdup(given ? given : fallback);
}

static double seconds_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress_start(struct run *r)
{
	const char *term = getenv("TERM");
	FILE *log = r->opts->log;

	r->progress.on = log && isatty(fileno(log)) && term && strcmp(term, "dumb");
	r->progress.start = r->progress.last = seconds_now();
}

/* Redraw the line (reading: total is 0), at most every 0.25 s unless final. */
static void progress_show(struct run *r, const struct run_counts *c, bool final)
{
	struct progress *p = &r->progress;
	double now, elapsed, rate;

	if (!p->on)
		return;
	now = seconds_now();
	if (!final && now - p->last < 0.25)
		return;
	p->last = now;
	elapsed = now - p->start;
	rate = elapsed > 0 ? (double)c->letters / elapsed : 0;
	if (!p->total)
		fprintf(r->opts->log, "\r\033[Kreading: %lu accounts", c->read);
	else
		fprintf(r->opts->log, "\r\033[Kdeciding and typesetting: %lu of %lu accounts, "
			"%lu letters, %.0f letters/s, %.0f s left",
			p->done, p->total, c->letters, rate,
			p->done ? elapsed * (double)(p->total - p->done) / (double)p->done : 0.0);
	if (final)
		fputs("\r\033[K", r->opts->log);
	fflush(r->opts->log);
}

static void run_init(struct run *r, const struct run_opts *opts)
{
	memset(r, 0, sizeof(*r));
	r->opts = opts;
	r->rules_dir = default_path(opts->rules_dir, PL_DATADIR "/rules");
	r->templates_dir = default_path(opts->templates_dir, PL_DATADIR "/templates");
	r->audit_xsl = xasprintf("%s/audit-view.xsl", r->templates_dir);
	r->fonts_dir = default_path(opts->fonts_dir, PL_DATADIR "/fonts");
	r->font_files_dir = default_path(opts->font_files_dir, PL_FONTFILES);
	r->profile_path = xasprintf("%s/agency.xml", opts->batch_dir);
	arena_init(&r->arena);
	arena_init(&r->slice_arena);
}

static void run_release(struct run *r)
{
	workers_free(r->workers);   /* before anything they use goes */
	bundle_free(r->bundle);
	typeset_free(r->typesetter);
	if (r->staging_dir) {
		/* Whatever was half built goes; the bundle dir never sees it. */
		if (fs_remove_tree(r->staging_dir, NULL) != PL_OK && r->opts->log)
			fprintf(r->opts->log, "warning: cannot remove '%s'\n",
				r->staging_dir);
		free(r->staging_dir);
	}
	ledger_close(r->ledger);
	fs_list_free(r->files, r->nfiles);
	fs_list_free(r->contact_files, r->ncontact_files);
	free(r->file_specs);
	free(r->contact_specs);
	ruleset_free(r->rules);
	if (r->have_agency)
		profile_release(&r->agency);
	arena_release(&r->arena);
	arena_release(&r->slice_arena);
	free(r->rules_dir);
	free(r->templates_dir);
	free(r->audit_xsl);
	free(r->fonts_dir);
	free(r->font_files_dir);
	free(r->profile_path);
}

static PL_PRINTF(2, 3) void run_log(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->opts->log)
		return;
	va_start(ap, fmt);
	vfprintf(r->opts->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->opts->log);
	fflush(r->opts->log);
}

/* ---- loading what the whole run needs ---- */

/*
 * The input files of a batch as the agency profile's <input> says
 * (ingest_batch_files()): contact event files and account files, each
 * with its spec. Both lists in name order.
 */
static int list_batch_files(struct run *r, struct pl_diag *diag)
{
	struct batch_file *all;
	size_t n;
	int rc = ingest_batch_files(r->opts->batch_dir, &r->agency, &all, &n, diag);

	if (rc != PL_OK)
		return rc;
	r->files = xcalloc(n + 1, sizeof(*r->files));
	r->file_specs = xcalloc(n + 1, sizeof(*r->file_specs));
	r->contact_files = xcalloc(n + 1, sizeof(*r->contact_files));
	r->contact_specs = xcalloc(n + 1, sizeof(*r->contact_specs));
	for (size_t i = 0; i < n; i++) {
		if (all[i].contacts) {
			r->contact_specs[r->ncontact_files] = all[i].spec;
			r->contact_files[r->ncontact_files++] = all[i].path;
		} else {
			r->file_specs[r->nfiles] = all[i].spec;
			r->files[r->nfiles++] = all[i].path;
		}
		all[i].path = NULL;   /* moved to the two lists */
	}
	ingest_batch_files_free(all, n);
	if (!r->nfiles)
		return pl_diag_set(diag, PL_PARSE, r->opts->batch_dir, 0,
				   "no account files in batch '%s'",
				   r->opts->batch_dir);
	if (r->nfiles + r->ncontact_files > PL_MAX_ACCOUNT_FILES)
		return pl_diag_set(diag, PL_LIMIT, r->opts->batch_dir, 0,
				   "more than %d input files in batch '%s'",
				   PL_MAX_ACCOUNT_FILES, r->opts->batch_dir);
	return PL_OK;
}

static int load_inputs(struct run *r, struct pl_diag *diag)
{
	int rc;

	if (!fs_is_dir(r->opts->batch_dir))
		return pl_diag_set(diag, PL_USAGE, r->opts->batch_dir, 0,
				   "batch directory '%s' does not exist",
				   r->opts->batch_dir);
	rc = profile_load(&r->agency, r->profile_path, diag);
	if (rc == PL_OK)
		r->have_agency = true;
	if (rc == PL_OK)
		rc = ruleset_load(&r->rules, r->rules_dir, diag);
	if (rc == PL_OK)
		rc = list_batch_files(r, diag);
	if (rc == PL_OK)
		r->mail_date = decide_mail_date(r->rules, &r->agency,
						r->opts->run_date);
	return rc;
}

/*
 * The batch id names one drop on one date: agency id, run date, and a
 * digest of the profile and every account file (names and bytes), so
 * re-running the same drop gives the same id and a different drop never
 * collides with it.
 */
static int compute_batch_id(struct run *r, char *out, size_t size,
			    struct pl_diag *diag)
{
	struct digest d;
	char hex[PL_SHA256_HEX], iso[PL_DATE_ISO_LEN];
	int y, m, dd;

	digest_init(&d);
	date_format_iso(r->opts->run_date, iso);
	digest_update(&d, iso, strlen(iso) + 1);
	for (size_t i = 0; i <= r->nfiles + r->ncontact_files; i++) {
		const char *path = i < r->nfiles ? r->files[i] :
				   i < r->nfiles + r->ncontact_files ?
				   r->contact_files[i - r->nfiles] : r->profile_path;
		const char *base = strrchr(path, '/') + 1;
		if (sha256_file(path, hex) != PL_OK) {
			digest_finish(&d, hex);
			return pl_diag_set(diag, PL_IO_OPEN, path, 0,
					   "cannot read '%s'", path);
		}
		digest_update(&d, base, strlen(base) + 1);
		digest_update(&d, hex, strlen(hex));
	}
	digest_finish(&d, hex);
	date_to_ymd(r->opts->run_date, &y, &m, &dd);
	snprintf(out, size, "%s-%04d%02d%02d-%.10s", r->agency.id, y, m, dd, hex);
	return PL_OK;
}

/* ---- the per-account loop ---- */

/* Outcome counters and the first lines a person reads. */
static void count_outcome(struct run_counts *c, enum outcome outcome)
{
	switch (outcome) {
	case OUTCOME_LETTER:     c->letters++; break;
	case OUTCOME_SUPPRESSED: c->suppressed++; break;
	case OUTCOME_DEFERRED:   c->deferred++; break;
	case OUTCOME_REJECTED:   c->rejected++; break;
	}
}

static void report_check(const struct run *r, const struct account *a,
			 const struct verdict *v)
{
	char until[PL_DATE_ISO_LEN];

	if (!r->opts->log)
		return;
	if (a->rejected || (v && v->outcome == OUTCOME_REJECTED)) {
		const struct reject *rej = &a->reject;
		fprintf(r->opts->log, "%s:%u: rejected %s: %s (field %s, account '%s')\n",
			a->file, a->line, rej->code, rej->message,
			*rej->field ? rej->field : "-", a->account_id ? a->account_id : "");
	} else if (v->outcome == OUTCOME_SUPPRESSED) {
		fprintf(r->opts->log, "%s:%u: suppressed %s: %s [%s] (account '%s')\n",
			a->file, a->line, v->reason_code, v->message, v->citation,
			a->account_id);
	} else if (v->outcome == OUTCOME_DEFERRED) {
		fprintf(r->opts->log, "%s:%u: deferred %s%s %s: %s (account '%s')\n",
			a->file, a->line,
			v->deferred_until == PL_NO_DATE ? "until the data arrives" : "until ",
			date_format_iso(v->deferred_until, until),
			v->reason_code, v->message, a->account_id);
	}
}

/*
 * Read every contacts file before any account, so the ledger history of
 * each account includes tonight's events. With write_outputs false
 * (check) the events are only validated and reported.
 */
static int import_contacts(struct run *r, bool write_outputs,
			   struct run_counts *counts, struct pl_diag *diag)
{
	int rc = PL_OK;

	for (size_t f = 0; f < r->ncontact_files && rc == PL_OK; f++) {
		struct contacts in;
		const char *name = strrchr(r->contact_files[f], '/') + 1;

		rc = contacts_open(&in, r->contact_files[f], r->contact_specs[f],
				   r->opts->run_date, diag);
		while (rc == PL_OK) {
			struct contact_event ev;

			arena_clear(&r->arena);
			rc = contacts_next(&in, &r->arena, &ev, diag);
			if (rc == PL_DONE) {
				rc = PL_OK;
				break;
			}
			if (rc != PL_OK)
				break;
			ev.file = name;
			counts->contacts_read++;
			if (ev.rejected)
				counts->contacts_rejected++;
			if (write_outputs)
				rc = bundle_add_contact(r->bundle, &ev, diag);
			else if (ev.rejected && r->opts->log)
				fprintf(r->opts->log, "%s:%u: rejected contact %s: %s (field %s)\n",
					name, ev.line, ev.reject.code, ev.reject.message,
					*ev.reject.field ? ev.reject.field : "-");
		}
		contacts_release(&in);
	}
	return rc;
}

/*
 * A letter whose template does not exist yet (a letter of the series
 * the rules may choose before templates/ has it) is deferred, not fatal:
 * the batch goes on and the account waits for the template.
 */
static void defer_for_template(struct arena *arena, struct verdict *v,
			       const struct pl_diag *diag)
{
	v->outcome = OUTCOME_DEFERRED;
	v->reason_code = arena_printf(arena, "TEMPLATE_MISSING:%s", v->letter_code);
	v->citation = "";
	v->message = arena_strdup(arena, diag->message);
	v->deferred_until = PL_NO_DATE;
}

/*
 * A name or address too big for the recipient window is the record's
 * problem, not the run's: the record is rejected like a malformed one
 * (rejects.csv names the field) and the batch goes on. No letter, no
 * IMb serial, nothing drawn.
 * RULE: USPS-PUB25-3-9: the address block fits the window with 1/8 in clear.
 */
static void reject_address(struct arena *arena, struct account *a,
			   struct verdict *v, const char *field,
			   const struct pl_diag *diag)
{
	a->rejected = true;
	a->reject.code = "ADDRESS_TOO_LONG";
	a->reject.field = *field ? field : "address_line1";
	a->reject.message = arena_strdup(arena, diag->message);
	v->outcome = OUTCOME_REJECTED;
}

/*
 * What the ledger knows of an account (into *hist, for the slice file;
 * may be NULL), then decide's verdict.
 */
static int decide_account(struct run *r, const struct account *acct,
			  struct verdict **out, struct account_history *hist_out,
			  struct pl_diag *diag)
{
	struct decide_ctx ctx = { &r->agency, r->opts->run_date };
	struct account_history hist = {
		.validation_sent_on = PL_NO_DATE,
		.validation_piece_id = "",
		.validation_end_date = PL_NO_DATE,
		.last_letter_code = "",
		.last_letter_date = PL_NO_DATE,
	};
	int rc = PL_OK;

	if (r->ledger)
		rc = ledger_history(r->ledger, r->agency.id, acct->account_id,
				    r->opts->run_date, &r->arena, &hist, diag);
	*out = arena_alloc(&r->arena, sizeof(**out));
	if (rc == PL_OK)
		rc = decide_eval(r->rules, &ctx, acct, &hist, &r->arena, *out);
	if (hist_out)
		*hist_out = hist;
	return rc;
}

/* What to do with each record read; ctx is the walker's caller's. */
typedef int (*record_fn)(struct run *r, struct account *acct, unsigned file,
			 void *ctx, struct pl_diag *diag);

/*
 * Read every record of every account file in input order (files by name,
 * records in file order), one arena per record, and hand each to fn with
 * its batch-relative file name set (outputs never name a machine path).
 */
static int read_all_records(struct run *r, struct run_counts *counts, record_fn fn,
			    void *ctx, struct pl_diag *diag)
{
	struct ingest_ids ids;
	int rc = PL_OK;

	ingest_ids_init(&ids);
	for (size_t f = 0; f < r->nfiles && rc == PL_OK; f++) {
		struct ingest in;

		rc = ingest_open(&in, r->files[f], r->file_specs[f], &ids,
				 r->opts->run_date, diag);
		while (rc == PL_OK) {
			struct account acct;

			arena_clear(&r->arena);
			rc = ingest_next(&in, &r->arena, &acct, diag);
			if (rc == PL_DONE) {
				rc = PL_OK;
				break;
			}
			if (rc != PL_OK)
				break;
			acct.file = strrchr(r->files[f], '/') + 1;
			counts->read++;
			if (acct.rejected)
				counts->rejected++;
			rc = fn(r, &acct, (unsigned)f, ctx, diag);
		}
		ingest_release(&in);
	}
	ingest_ids_release(&ids);
	return rc;
}

/* check: decide each record in input order, report, write nothing. */
static int check_record(struct run *r, struct account *acct, unsigned file,
			void *ctx, struct pl_diag *diag)
{
	struct run_counts *counts = ctx;
	struct verdict *verdict = NULL;
	int rc;

	(void)file;
	if (acct->rejected) {
		report_check(r, acct, NULL);
		return PL_OK;
	}
	rc = decide_account(r, acct, &verdict, NULL, diag);
	if (rc == PL_OK) {
		count_outcome(counts, verdict->outcome);
		report_check(r, acct, verdict);
	}
	return rc;
}

/*
 * Pass 1 of a run: a rejected record goes straight into the bundle; a
 * good one into the presort spool, to be decided in ZIP order.
 */
static int spool_record(struct run *r, struct account *acct, unsigned file,
			void *ctx, struct pl_diag *diag)
{
	int rc;

	if (r->counts)
		progress_show(r, r->counts, false);
	if (!acct->rejected)
		return presort_add(ctx, acct, file, diag);
	rc = bundle_add(r->bundle, acct, NULL, NULL, diag);
	killpoint("account");
	return rc;
}

/* ---- pass 2: decide in presort order, typeset in slices, record ---- */

static const char *piece_id_of(struct arena *arena, const char *batch_id,
			       unsigned long letter_no)
{
	return arena_printf(arena, "%s-%06lu", batch_id, letter_no);
}

/*
 * A slice's letters, typeset (workers.h's worker_fn): in a worker, or in
 * the run's own process with one job. Each letter is decided again from
 * its account and history, as the main process decided it, and drawn
 * into the slice's PDFs; its result goes to the slice's results file.
 */
static int typeset_slice(void *ctx, unsigned slice, struct worker_report *report,
			 struct pl_diag *diag)
{
	struct run *r = ctx;
	struct decide_ctx dctx = { &r->agency, r->opts->run_date };
	struct slice_reader *in = NULL;
	struct slice_results *out = NULL;
	unsigned long shaped0, reused0;
	bool begun = false;
	int rc;

	rc = r->typesetter ? PL_OK : typeset_open(&r->typesetter, r->topts, diag);
	if (rc != PL_OK)
		return rc;
	typeset_shaping_counts(r->typesetter, &shaped0, &reused0);
	rc = slice_reader_open(&in, r->staging_dir, slice, diag);
	if (rc == PL_OK)
		rc = slice_results_open(&out, r->staging_dir, slice, diag);
	while (rc == PL_OK) {
		struct slice_entry e;
		struct verdict v;
		struct letter_ref ref;
		const char *piece_id;

		arena_clear(&r->slice_arena);
		rc = slice_next(in, &r->slice_arena, &e, diag);
		if (rc == PL_DONE) {
			rc = PL_OK;
			break;
		}
		if (rc != PL_OK || e.mark != SLICE_LETTER)
			continue;
		if (e.file_index >= r->nfiles)
			PL_BUG("slice %u names file index %u of %zu", slice, e.file_index, r->nfiles);
		e.account.file = strrchr(r->files[e.file_index], '/') + 1;
		if (!begun)
			typeset_slice_begin(r->typesetter, slice, e.letter_no - 1);
		begun = true;
		piece_id = piece_id_of(&r->slice_arena, r->batch_id, e.letter_no);
		rc = decide_eval(r->rules, &dctx, &e.account, &e.history, &r->slice_arena, &v);
		if (rc == PL_OK && v.outcome != OUTCOME_LETTER)
			rc = pl_diag_set(diag, PL_RENDER, e.account.file, e.account.line,
					 "account '%s' decided again for piece %s is no longer a letter",
					 e.account.account_id, piece_id);
		if (rc == PL_OK)
			rc = typeset_letter(r->typesetter, &e.account, &v, piece_id,
					    &r->slice_arena, &ref, diag);
		if (rc == TYPESET_NO_TEMPLATE || rc == TYPESET_DOES_NOT_FIT)
			/* typeset_check() passed it before it was numbered. */
			rc = pl_diag_set(diag, PL_RENDER, diag->file, diag->line,
					 "piece %s passed its check and then failed: %s",
					 piece_id, diag->message);
		if (rc == PL_OK)
			rc = slice_results_put(out, &ref, diag);
		if (rc == PL_OK)
			killpoint_slice(slice);
	}
	if (begun) {
		int end = typeset_slice_end(r->typesetter, rc == PL_OK ? diag : NULL);

		if (rc == PL_OK)
			rc = end;
	}
	slice_reader_free(in);
	if (rc == PL_OK)
		rc = slice_results_close(out, diag);
	else
		slice_results_discard(out);
	typeset_shaping_counts(r->typesetter, &report->shaped, &report->reused);
	report->shaped -= shaped0;
	report->reused -= reused0;
	return rc;
}

/* A worker's end (workers.h's worker_done_fn): its typesetter goes. */
static void worker_done(void *ctx)
{
	struct run *r = ctx;

	typeset_free(r->typesetter);
	r->typesetter = NULL;
	arena_release(&r->slice_arena);
}

/* The part numbers a run gives, by group, as slices are recorded. */
struct group_parts {
	char name[24];
	unsigned parts;             /* given so far */
	unsigned slice;             /* of the last part given */
	char *slice_pdf;            /* owned: the slice's file for it; NULL: none */
	char *part_pdf;             /* owned: the part it becomes */
};

/* Where pass 2 is. */
struct pass2 {
	struct run *r;
	struct run_counts *counts;
	unsigned long per_slice;    /* letters in a slice; 0: one slice */
	unsigned long letters;      /* numbered so far */
	struct slice_writer *open;  /* the slice being written, or NULL */
	unsigned long open_letters; /* letters in it */
	unsigned long *slice_letters;   /* owned: letters of each closed slice */
	bool *typeset;              /* owned: each closed slice's PDFs are done */
	size_t slices_alloc;
	unsigned nslices;           /* closed */
	unsigned given;             /* slices typeset or handed to a worker */
	unsigned recorded;          /* slices recorded in the bundle */
	struct group_parts *groups; /* owned */
	size_t ngroups;
};

/* ref->pdf (the slice's file) becomes its group's part in the bundle. */
static int give_part(struct pass2 *p, unsigned slice, struct letter_ref *ref,
		     struct pl_diag *diag)
{
	struct group_parts *g = NULL;

	for (size_t i = 0; i < p->ngroups && !g; i++)
		if (!strcmp(p->groups[i].name, ref->group))
			g = &p->groups[i];
	if (!g) {
		p->groups = xrealloc(p->groups, (p->ngroups + 1) * sizeof(*p->groups));
		g = &p->groups[p->ngroups++];
		memset(g, 0, sizeof(*g));
		snprintf(g->name, sizeof(g->name), "%s", ref->group);
	}
	if (!g->slice_pdf || g->slice != slice) {
		if (g->slice_pdf)
			PL_BUG("group %s: slice %u's file not renamed", g->name, g->slice);
		if (g->parts == 999)
			return pl_diag_set(diag, PL_LIMIT, p->r->profile_path, 0,
					   "group '%s' needs more than 999 PDF files: raise <pieces-per-file>",
					   g->name);
		g->parts++;
		g->slice = slice;
		g->slice_pdf = xstrdup(ref->pdf);
		free(g->part_pdf);
		g->part_pdf = xasprintf("%s-%03u.pdf", g->name, g->parts);
	} else if (strcmp(g->slice_pdf, ref->pdf)) {
		PL_BUG("slice %u has two files for group %s", slice, g->name);
	}
	ref->pdf = g->part_pdf;
	return PL_OK;
}

/* The slice's PDFs take their part names (give_part()). */
static int rename_parts(struct pass2 *p, struct pl_diag *diag)
{
	int rc = PL_OK;

	for (size_t i = 0; i < p->ngroups; i++) {
		struct group_parts *g = &p->groups[i];
		char *from, *to;

		if (!g->slice_pdf)
			continue;
		from = xasprintf("%s/print/%s", p->r->staging_dir, g->slice_pdf);
		to = xasprintf("%s/print/%s", p->r->staging_dir, g->part_pdf);
		if (rc == PL_OK && rename(from, to) != 0)
			rc = pl_diag_set(diag, PL_IO_RENAME, from, 0, "cannot rename '%s' to '%s': %s",
					 from, to, strerror(errno));
		free(from);
		free(to);
		free(g->slice_pdf);
		g->slice_pdf = NULL;
	}
	return rc;
}

/*
 * What typeset_check() said when the slice was written, said again for
 * the account's record: the deferral or the rejection, with its message.
 */
static int apply_check(struct run *r, struct slice_entry *e, struct verdict *v,
		       struct pl_diag *diag)
{
	int rc = typeset_check(r->typesetter, &e->account, v,
			       piece_id_of(&r->arena, r->batch_id, e->letter_no),
			       e->letter_no - 1, &r->arena, diag);

	if (rc == TYPESET_NO_TEMPLATE && e->mark == SLICE_NO_TEMPLATE) {
		defer_for_template(&r->arena, v, diag);
	} else if (rc == TYPESET_DOES_NOT_FIT && e->mark == SLICE_DOES_NOT_FIT) {
		reject_address(&r->arena, &e->account, v,
			       typeset_overflow_field(r->typesetter), diag);
		r->address_rejects++;
	} else {
		return pl_diag_set(diag, PL_RENDER, e->account.file, e->account.line,
				   "account '%s' checked again gives another answer",
				   e->account.account_id);
	}
	pl_diag_clear(diag);
	return PL_OK;
}

/* Record slice s in the bundle: every account in order, with its letter. */
static int record_slice(struct pass2 *p, unsigned s, struct pl_diag *diag)
{
	struct run *r = p->r;
	struct decide_ctx dctx = { &r->agency, r->opts->run_date };
	struct slice_reader *in = NULL;
	struct slice_results *res = NULL;
	int rc = slice_reader_open(&in, r->staging_dir, s, diag);

	if (rc == PL_OK && p->slice_letters[s])
		rc = slice_results_read_open(&res, r->staging_dir, s, diag);
	while (rc == PL_OK) {
		struct slice_entry e;
		struct verdict *v;
		struct letter_ref ref, *letter = NULL;

		arena_clear(&r->arena);
		rc = slice_next(in, &r->arena, &e, diag);
		if (rc == PL_DONE) {
			rc = PL_OK;
			break;
		}
		if (rc != PL_OK)
			break;
		e.account.file = strrchr(r->files[e.file_index], '/') + 1;
		v = arena_alloc(&r->arena, sizeof(*v));
		rc = decide_eval(r->rules, &dctx, &e.account, &e.history, &r->arena, v);
		if (rc == PL_OK && (v->outcome == OUTCOME_LETTER) != (e.mark != SLICE_NOT_LETTER))
			rc = pl_diag_set(diag, PL_RENDER, e.account.file, e.account.line,
					 "account '%s' decided again gives another outcome",
					 e.account.account_id);
		if (rc != PL_OK)
			break;
		if (e.mark == SLICE_LETTER) {
			rc = res ? slice_results_next(res, &r->arena, &ref, diag) : PL_DONE;
			if (rc == PL_DONE)
				rc = pl_diag_set(diag, PL_IO, r->staging_dir, 0,
						 "the results of slice %u end before its letters", s);
			if (rc == PL_OK) {
				ref.piece_id = piece_id_of(&r->arena, r->batch_id, e.letter_no);
				rc = give_part(p, s, &ref, diag);
			}
			if (rc != PL_OK)
				break;
			p->counts->pages += ref.page_count;
			p->counts->sheets += ref.sheet_count;
			letter = &ref;
		} else if (e.mark != SLICE_NOT_LETTER) {
			rc = apply_check(r, &e, v, diag);
			if (rc != PL_OK)
				break;
		}
		count_outcome(p->counts, v->outcome);
		/* A rejection after decide reads like ingest's: no verdict. */
		rc = bundle_add(r->bundle, &e.account, e.account.rejected ? NULL : v,
				letter, diag);
		killpoint("account");
		r->progress.done++;
		progress_show(r, p->counts, false);
	}
	if (rc == PL_OK && res) {
		struct letter_ref extra;

		rc = slice_results_next(res, &r->arena, &extra, diag);
		rc = rc == PL_DONE ? PL_OK
		     : pl_diag_set(diag, PL_IO, r->staging_dir, 0,
				   "slice %u has more results than letters", s);
	}
	slice_reader_free(in);
	slice_results_free(res);
	if (rc == PL_OK)
		rc = rename_parts(p, diag);
	if (rc == PL_OK)
		slice_remove(r->staging_dir, s);
	return rc;
}

/*
 * Hand out the closed slices (to idle workers, or typeset them here),
 * collect finished ones and record every slice whose turn has come.
 * finish: wait until every closed slice is recorded.
 */
static int advance(struct pass2 *p, bool finish, struct pl_diag *diag)
{
	struct run *r = p->r;
	int rc = PL_OK;

	for (;;) {
		struct worker_report rep;

		while (rc == PL_OK && p->given < p->nslices &&
		       (!r->workers || workers_idle(r->workers) ||
			!p->slice_letters[p->given])) {
			unsigned s = p->given++;

			if (!p->slice_letters[s]) {
				p->typeset[s] = true;
			} else if (r->workers) {
				rc = workers_give(r->workers, s, diag);
			} else {
				memset(&rep, 0, sizeof(rep));
				rc = typeset_slice(r, s, &rep, diag);
				r->shaped += rep.shaped;
				r->reused += rep.reused;
				p->typeset[s] = true;
			}
		}
		while (rc == PL_OK && p->recorded < p->nslices && p->typeset[p->recorded])
			rc = record_slice(p, p->recorded++, diag);
		if (rc != PL_OK || !r->workers || !workers_busy(r->workers))
			return rc;
		rc = workers_collect(r->workers, finish, &rep, diag);
		if (rc == PL_DONE)
			return PL_OK;
		if (rc != PL_OK)
			return rc;
		if (rep.slice >= p->nslices)
			PL_BUG("a worker finished slice %u of %u", rep.slice, p->nslices);
		p->typeset[rep.slice] = true;
		r->shaped += rep.shaped;
		r->reused += rep.reused;
	}
}

static int close_slice(struct pass2 *p, struct pl_diag *diag)
{
	int rc = slice_writer_close(p->open, diag);

	p->open = NULL;
	if (p->nslices == p->slices_alloc) {
		p->slices_alloc = p->slices_alloc ? 2 * p->slices_alloc : 64;
		p->slice_letters = xrealloc(p->slice_letters,
					    p->slices_alloc * sizeof(*p->slice_letters));
		p->typeset = xrealloc(p->typeset, p->slices_alloc * sizeof(*p->typeset));
	}
	p->typeset[p->nslices] = false;
	p->slice_letters[p->nslices++] = p->open_letters;
	p->open_letters = 0;
	if (rc == PL_OK)
		rc = advance(p, false, diag);
	return rc;
}

/*
 * One account in presort order: decided (with the ledger), a letter
 * checked and numbered, and written to the open slice.
 */
static int decide_into_slice(struct pass2 *p, struct account *acct, unsigned f,
			     struct pl_diag *diag)
{
	struct run *r = p->r;
	struct slice_entry e = { .file_index = f, .mark = SLICE_NOT_LETTER,
				 .letter_no = p->letters + 1 };
	struct verdict *verdict;
	int rc = decide_account(r, acct, &verdict, &e.history, diag);

	if (rc == PL_OK && verdict->outcome == OUTCOME_LETTER) {
		rc = typeset_check(r->typesetter, acct, verdict,
				   piece_id_of(&r->arena, r->batch_id, e.letter_no),
				   p->letters, &r->arena, diag);
		if (rc == PL_OK)
			e.mark = SLICE_LETTER;
		else if (rc == TYPESET_NO_TEMPLATE)
			e.mark = SLICE_NO_TEMPLATE;
		else if (rc == TYPESET_DOES_NOT_FIT)
			e.mark = SLICE_DOES_NOT_FIT;
		if (e.mark != SLICE_NOT_LETTER) {
			pl_diag_clear(diag);
			rc = PL_OK;
		}
	}
	if (rc == PL_OK && !p->open)
		rc = slice_writer_open(&p->open, r->staging_dir, p->nslices, diag);
	if (rc != PL_OK)
		return rc;
	e.account = *acct;
	rc = slice_put(p->open, &e, diag);
	if (rc == PL_OK && e.mark == SLICE_LETTER) {
		p->letters++;
		if (++p->open_letters == p->per_slice)
			rc = close_slice(p, diag);
	}
	return rc;
}

/*
 * Pass 2: every good account in presort order (docs/print-bundle.md
 * "Order: presort"), decided here, where the ledger is, its letter
 * checked and numbered (piece ids and IMb serials follow this order, so
 * each group's PDFs are in ZIP order) and written to the open slice;
 * every pieces-per-file letters close a slice, which is typeset (by a
 * worker, or here with one job) and then recorded, slices in order,
 * each slice's PDFs becoming its groups' next parts.
 */
static int process_sorted(struct run *r, struct presort *ps,
			  struct run_counts *counts, struct pl_diag *diag)
{
	struct pass2 p = { .r = r, .counts = counts,
			   .per_slice = r->agency.print.pieces_per_file };
	int rc = presort_sort(ps, diag);

	while (rc == PL_OK) {
		struct account acct;
		unsigned f;

		arena_clear(&r->arena);
		rc = presort_next(ps, &r->arena, &acct, &f, diag);
		if (rc == PL_DONE) {
			rc = PL_OK;
			break;
		}
		if (rc != PL_OK)
			break;
		if (f >= r->nfiles)
			PL_BUG("presort gave file index %u of %zu", f, r->nfiles);
		acct.file = strrchr(r->files[f], '/') + 1;
		rc = decide_into_slice(&p, &acct, f, diag);
	}
	/* The accounts after the last full slice, letters or not. */
	if (rc == PL_OK && p.open)
		rc = close_slice(&p, diag);
	if (rc == PL_OK)
		rc = advance(&p, true, diag);
	if (rc == PL_OK && r->workers)
		rc = workers_stop(r->workers, diag);
	slice_writer_discard(p.open);
	for (size_t i = 0; i < p.ngroups; i++) {
		free(p.groups[i].slice_pdf);
		free(p.groups[i].part_pdf);
	}
	free(p.groups);
	free(p.slice_letters);
	free(p.typeset);
	return rc;
}

/* Both passes of a run, with the spool in the staging directory. */
static int process_records(struct run *r, struct run_counts *counts,
			   struct pl_diag *diag)
{
	struct presort *ps = NULL;
	int rc = presort_open(&ps, r->staging_dir, PRESORT_MEM_CAP, diag);

	r->counts = counts;
	progress_start(r);
	if (rc == PL_OK)
		rc = read_all_records(r, counts, spool_record, ps, diag);
	if (rc == PL_OK) {
		killpoint("accounts-read");
		r->progress.total = presort_count(ps);
		rc = process_sorted(r, ps, counts, diag);
	}
	progress_show(r, counts, true);   /* clears the line */
	presort_free(ps);
	return rc;
}


static void log_stage_lines(const struct run *r, const struct run_counts *c)
{
	if (r->ncontact_files)
		run_log(r, "ingest: %lu contact events read from %zu file%s, %lu rejected",
			c->contacts_read, r->ncontact_files,
			r->ncontact_files == 1 ? "" : "s", c->contacts_rejected);
	run_log(r, "ingest: %lu records read from %zu file%s, %lu rejected",
		c->read, r->nfiles, r->nfiles == 1 ? "" : "s",
		c->rejected - r->address_rejects);
	run_log(r, "decide: %lu letters, %lu suppressed, %lu deferred (%zu rules, digest %.12s)",
		c->letters, c->suppressed, c->deferred, ruleset_count(r->rules),
		ruleset_digest(r->rules));
}

/* ---- making the bundle appear ---- */

/*
 * Rename the finished staging directory to OUT/<batch-id>. A directory of
 * that name can exist only if an earlier run of the same batch was
 * interrupted after its rename and before its ledger commit; the ledger
 * does not hold it, so it is replaced by this identical rebuild.
 */
static int publish(struct run *r, const char *final_dir, struct pl_diag *diag)
{
	int rc = PL_OK;

	if (fs_exists(final_dir)) {
		char *old = xasprintf("%s/.%s.old", r->opts->out_dir,
				      strrchr(final_dir, '/') + 1);
		rc = fs_remove_tree(old, diag);
		if (rc == PL_OK && rename(final_dir, old) != 0)
			rc = pl_diag_set(diag, PL_IO_RENAME, final_dir, 0,
					 "cannot move aside '%s': %s", final_dir,
					 strerror(errno));
		if (rc == PL_OK)
			rc = fs_remove_tree(old, diag);
		free(old);
	}
	if (rc == PL_OK && rename(r->staging_dir, final_dir) != 0)
		rc = pl_diag_set(diag, PL_IO_RENAME, final_dir, 0,
				 "cannot rename '%s' to '%s': %s", r->staging_dir,
				 final_dir, strerror(errno));
	if (rc == PL_OK) {
		free(r->staging_dir);
		r->staging_dir = NULL;
		if (pl_fsync_dir(r->opts->out_dir) != PL_OK)
			rc = pl_diag_set(diag, PL_IO_SYNC, r->opts->out_dir, 0,
					 "cannot sync directory '%s'", r->opts->out_dir);
	}
	return rc;
}

static int make_staging(struct run *r, const char *batch_id, struct pl_diag *diag)
{
	char *sub;
	int rc;

	r->staging_dir = xasprintf("%s/.%s.partial", r->opts->out_dir, batch_id);
	/* A partial directory is what a killed run leaves: start afresh. */
	rc = fs_remove_tree(r->staging_dir, diag);
	if (rc == PL_OK) {
		sub = xasprintf("%s/print", r->staging_dir);
		rc = fs_mkdir_p(sub, diag);
		free(sub);
	}
	if (rc == PL_OK) {
		sub = xasprintf("%s/audit", r->staging_dir);
		rc = fs_mkdir_p(sub, diag);
		free(sub);
	}
	if (rc == PL_OK && r->opts->layout_dumps) {
		sub = xasprintf("%s/audit/layout", r->staging_dir);
		rc = fs_mkdir_p(sub, diag);
		free(sub);
	}
	return rc;
}

/*
 * Is the batch already in the ledger? Without --rebuild that ends the run
 * (*stop). With it, the IMb serial base is the one the batch was issued
 * with, and the bundle will take the ledger back to just before the batch
 * for the run (run.h "Rebuild"). Otherwise the agency's next serial.
 */
static int check_ledger(struct run *r, struct run_result *result,
			unsigned long *serial_base, bool *stop, struct pl_diag *diag)
{
	int done_date;
	bool done = ledger_batch_done(r->ledger, result->batch_id, &done_date);

	*stop = false;
	if (done && !r->opts->rebuild) {
		char iso[PL_DATE_ISO_LEN];

		result->already_done = true;
		*stop = true;
		run_log(r, "batch %s was already issued (run date %s); nothing to do",
			result->batch_id, date_format_iso(done_date, iso));
		return PL_OK;
	}
	if (!done && r->opts->rebuild)
		return pl_diag_set(diag, PL_USAGE, r->opts->state_dir, 0,
				   "cannot rebuild batch '%s': the contact ledger in '%s' "
				   "does not hold it (run it without --rebuild)",
				   result->batch_id, r->opts->state_dir);
	/* IMb serials never repeat: a new batch starts after the last one's. */
	if (!done)
		return ledger_imb_serial_base(r->ledger, r->agency.id, serial_base, diag);
	result->rebuilt = true;
	return ledger_batch_serial_base(r->ledger, result->batch_id, serial_base, diag);
}

/* --jobs, or one per processor. */
static unsigned jobs_of(const struct run_opts *opts)
{
	return opts->jobs ? opts->jobs : workers_default_count();
}

int run_batch(const struct run_opts *opts, struct run_result *result,
	      struct pl_diag *diag)
{
	struct run r;
	char *pdf_dir = NULL, *dump_dir = NULL;
	/* Both stages keep pointers to their options: they live to the end. */
	struct typeset_opts topts = { 0 };
	struct bundle_opts bopts = { 0 };
	unsigned long serial_base = 0;
	bool stop = false;
	int rc;

	memset(result, 0, sizeof(*result));
	run_init(&r, opts);
	rc = load_inputs(&r, diag);
	if (rc == PL_OK)
		rc = compute_batch_id(&r, result->batch_id, sizeof(result->batch_id), diag);
	if (rc == PL_OK) {
		killpoint("inputs-loaded");
		snprintf(result->bundle_dir, sizeof(result->bundle_dir), "%s/%s",
			 opts->out_dir, result->batch_id);
		rc = fs_mkdir_p(opts->out_dir, diag);
	}
	if (rc == PL_OK)
		rc = fs_mkdir_p(opts->state_dir, diag);
	if (rc == PL_OK)
		rc = ledger_open(&r.ledger, opts->state_dir, diag);
	if (rc == PL_OK)
		rc = check_ledger(&r, result, &serial_base, &stop, diag);
	if (stop)
		goto out;
	if (rc == PL_OK)
		rc = make_staging(&r, result->batch_id, diag);
	if (rc == PL_OK) {
		topts.imb_serial_base = serial_base;
		topts.templates_dir = r.templates_dir;
		topts.fonts_dir = r.fonts_dir;
		topts.font_files_dir = r.font_files_dir;
		topts.agency = &r.agency;
		topts.run_date = opts->run_date;
		pdf_dir = xasprintf("%s/print", r.staging_dir);
		if (opts->layout_dumps)
			dump_dir = xasprintf("%s/audit/layout", r.staging_dir);
		topts.pdf_dir = pdf_dir;
		topts.dump_dir = dump_dir;
		r.topts = &topts;
	}
	/*
	 * The workers are forked before anything starts a thread: pango runs
	 * fontconfig's matching in threads of its own, and a fork copies only
	 * the calling thread, so each worker opens its own typesetter (fonts,
	 * templates) at its first slice.
	 */
	r.batch_id = result->batch_id;
	if (rc == PL_OK && jobs_of(opts) > 1)
		rc = workers_start(&r.workers, jobs_of(opts), typeset_slice,
				   worker_done, &r, diag);
	if (rc == PL_OK)
		rc = typeset_open(&r.typesetter, &topts, diag);
	if (rc == PL_OK) {
		bopts.staging_dir = r.staging_dir;
		bopts.batch_id = result->batch_id;
		bopts.agency = &r.agency;
		bopts.run_date = opts->run_date;
		bopts.mail_date = r.mail_date;
		bopts.rules_digest = ruleset_digest(r.rules);
		bopts.audit_xsl_path = r.audit_xsl;
		bopts.imb_serial_base = serial_base;
		bopts.rebuild = result->rebuilt;
		bopts.jobs = jobs_of(opts);
		rc = bundle_begin(&r.bundle, &bopts, r.ledger, diag);
	}
	if (rc == PL_OK) {
		killpoint("bundle-begun");
		rc = import_contacts(&r, true, &result->counts, diag);
	}
	if (rc == PL_OK)
		rc = process_records(&r, &result->counts, diag);
	if (rc == PL_OK) {
		log_stage_lines(&r, &result->counts);
		rc = typeset_finish(r.typesetter, diag);
	}
	if (rc == PL_OK) {
		killpoint("typeset-finished");
		run_log(&r, "typeset: %lu letters, %lu pages, %lu sheets in print/ (grouped by sheets, ZIP order; %u job%s); %lu texts shaped, %lu reused%s",
			result->counts.letters, result->counts.pages, result->counts.sheets,
			jobs_of(opts), jobs_of(opts) == 1 ? "" : "s", r.shaped, r.reused,
			r.address_rejects ? arena_printf(&r.arena, "; %lu rejected: address too big for the window",
							 r.address_rejects) : "");
		killpoint("before-bundle-finish");
		rc = bundle_finish(r.bundle, &result->counts, diag);
	}
	if (rc == PL_OK) {
		killpoint("before-publish");
		rc = publish(&r, result->bundle_dir, diag);
	}
	if (rc == PL_OK) {
		killpoint("after-publish");
		killpoint("before-commit");
		rc = bundle_commit(r.bundle, diag);
	}
	if (rc == PL_OK) {
		killpoint("after-commit");
		run_log(&r, "bundle: %s (%s)", result->bundle_dir,
			result->rebuilt ? "rebuilt; ledger unchanged" : "ledger committed");
	}
out:
	free(pdf_dir);
	free(dump_dir);
	run_release(&r);
	return rc;
}

int run_check(const struct run_opts *opts, struct run_result *result,
	      struct pl_diag *diag)
{
	struct run r;
	int rc;

	memset(result, 0, sizeof(*result));
	run_init(&r, opts);
	rc = load_inputs(&r, diag);
	if (rc == PL_OK)
		rc = compute_batch_id(&r, result->batch_id, sizeof(result->batch_id), diag);
	if (rc == PL_OK)
		rc = import_contacts(&r, false, &result->counts, diag);
	if (rc == PL_OK)
		rc = read_all_records(&r, &result->counts, check_record, &result->counts, diag);
	if (rc == PL_OK)
		log_stage_lines(&r, &result->counts);
	run_release(&r);
	return rc;
}

/* ---- preview ---- */

/*
 * The first record of the account file, decided as a run would with the
 * template's letter and language asked for. *lenient: decide would not
 * send that letter (the warning says why).
 */
static int preview_decide(struct run *r, const struct preview_opts *po,
			  const char *letter, const char *language,
			  struct account *acct, struct verdict *v, bool *lenient,
			  struct pl_diag *diag)
{
	struct ingest_ids ids;
	struct ingest in;
	struct decide_ctx dctx = { &r->agency, po->run_date };
	struct account_history hist = {
		.validation_sent_on = PL_NO_DATE,
		.validation_piece_id = "",
		.validation_end_date = PL_NO_DATE,
		.last_letter_code = "",
		.last_letter_date = PL_NO_DATE,
	};
	int rc;

	*lenient = false;
	ingest_ids_init(&ids);
	rc = ingest_open(&in, po->account_file, NULL, &ids, po->run_date, diag);
	if (rc == PL_OK)
		rc = ingest_next(&in, &r->arena, acct, diag);
	if (rc == PL_DONE)
		rc = pl_diag_set(diag, PL_USAGE, po->account_file, 0,
				 "no account record in '%s'", po->account_file);
	if (rc == PL_OK && acct->rejected)
		rc = pl_diag_set(diag, PL_USAGE, po->account_file, acct->line,
				 "the first record is rejected: %s %s (field %s)",
				 acct->reject.code, acct->reject.message,
				 *acct->reject.field ? acct->reject.field : "-");
	if (rc == PL_OK) {
		acct->file = po->account_file;
		acct->letter = letter;
		acct->language = language;
		rc = decide_eval(r->rules, &dctx, acct, &hist, &r->arena, v);
	}
	if (rc == PL_OK && (v->outcome != OUTCOME_LETTER ||
			    strcmp(v->letter_code, letter) ||
			    strcmp(v->language, language))) {
		static const char *const outcomes[] = {
			[OUTCOME_LETTER] = "a letter", [OUTCOME_SUPPRESSED] = "suppressed",
			[OUTCOME_DEFERRED] = "deferred", [OUTCOME_REJECTED] = "rejected" };

		if (po->log)
			fprintf(po->log, "fairnotice: warning: a run would not send this letter: %s%s%s%s%s%s (account '%s')\n",
				outcomes[v->outcome],
				v->outcome == OUTCOME_LETTER ? " '" : "",
				v->outcome == OUTCOME_LETTER ? v->letter_code : "",
				v->outcome == OUTCOME_LETTER ? "' in language " : " ",
				v->outcome == OUTCOME_LETTER ? v->language : v->reason_code,
				*v->message ? arena_printf(&r->arena, ": %s", v->message) : "",
				acct->account_id);
		*lenient = v->outcome != OUTCOME_LETTER;
		v->outcome = OUTCOME_LETTER;
		v->letter_code = letter;
		v->language = language;
	}
	ingest_release(&in);
	ingest_ids_release(&ids);
	return rc;
}

/* Open the preview's typesetter on the one template file. */
static int preview_open(struct run *r, const struct preview_opts *po,
			struct typeset_opts *topts, bool lenient, struct pl_diag *diag)
{
	memset(topts, 0, sizeof(*topts));
	topts->template_file = po->template_file;
	topts->schema_path = PL_DATADIR "/templates/template.rng";
	topts->fonts_dir = r->fonts_dir;
	topts->font_files_dir = r->font_files_dir;
	topts->agency = &r->agency;
	topts->run_date = po->run_date;
	topts->png_path = po->png_path;
	topts->pdf_path = po->pdf_path;
	topts->dump_file = po->dump_path;
	topts->lenient_slots = lenient;
	return typeset_open(&r->typesetter, topts, diag);
}

int run_preview(const struct preview_opts *po, struct pl_diag *diag)
{
	struct run_opts ropts = {
		.rules_dir = po->rules_dir,
		.fonts_dir = po->fonts_dir,
		.font_files_dir = po->font_files_dir,
		.batch_dir = ".",
		.log = po->log,
	};
	struct typeset_opts topts;
	struct run r;
	struct account acct;
	struct verdict *v;
	struct letter_ref ref;
	const char *letter = "", *language = "";
	bool lenient = false;
	int rc = PL_OK;

	run_init(&r, &ropts);
	if (!po->template_file || !po->account_file || !!po->png_path == !!po->pdf_path)
		rc = pl_diag_set(diag, PL_USAGE, NULL, 0,
				 "preview needs a template file, an account file and one of a PNG or a PDF");
	if (rc == PL_OK && !fs_exists(po->template_file))
		rc = pl_diag_set(diag, PL_USAGE, po->template_file, 0,
				 "no template file '%s'", po->template_file);
	if (rc == PL_OK) {
		rc = profile_load(&r.agency, po->agency_file ? po->agency_file
				  : PL_DATADIR "/fixtures/demo/agency.xml", diag);
		r.have_agency = rc == PL_OK;
	}
	if (rc == PL_OK)
		rc = ruleset_load(&r.rules, r.rules_dir, diag);
	/* The template's letter and language first: decide is asked for them. */
	if (rc == PL_OK)
		rc = preview_open(&r, po, &topts, false, diag);
	if (rc == PL_OK && !typeset_template_of(r.typesetter, 0, &letter, &language))
		PL_BUG("a preview typesetter without its template");
	if (rc == PL_OK) {
		letter = arena_strdup(&r.arena, letter);
		language = arena_strdup(&r.arena, language);
		v = arena_alloc(&r.arena, sizeof(*v));
		rc = preview_decide(&r, po, letter, language, &acct, v, &lenient, diag);
	}
	if (rc == PL_OK && lenient) {
		typeset_free(r.typesetter);
		r.typesetter = NULL;
		rc = preview_open(&r, po, &topts, true, diag);
	}
	if (rc == PL_OK)
		rc = typeset_letter(r.typesetter, &acct, v, "preview", &r.arena, &ref, diag);
	if (rc == PL_OK)
		rc = typeset_finish(r.typesetter, diag);
	run_release(&r);
	return rc;
}

/* ---- explain and lint ---- */

/* What explain looks for and how it answers. */
struct explain_job {
	const char *account_id;
	run_explain_fn print;
	void *ctx;
};

/* explain: the one record of the account, decided and printed; then stop. */
static int explain_record(struct run *r, struct account *acct, unsigned file,
			  void *ctx, struct pl_diag *diag)
{
	const struct explain_job *job = ctx;
	struct verdict *verdict = NULL;
	struct run_explained what;
	int rc = PL_OK;

	(void)file;
	if (!acct->account_id || strcmp(acct->account_id, job->account_id))
		return PL_OK;
	if (!acct->rejected)
		rc = decide_account(r, acct, &verdict, NULL, diag);
	if (rc != PL_OK)
		return rc;
	what.account = acct;
	what.verdict = verdict;
	what.rules_digest = ruleset_digest(r->rules);
	what.rules_count = ruleset_count(r->rules);
	what.run_date = r->opts->run_date;
	what.mail_date = r->mail_date;
	what.used_ledger = r->ledger != NULL;
	job->print(&what, job->ctx);
	return PL_DONE;   /* found: read no further */
}

int run_explain(const struct run_opts *opts, const char *account_id,
		run_explain_fn print, void *ctx, struct pl_diag *diag)
{
	struct run r;
	struct run_counts counts = { 0 };
	struct explain_job job = { account_id, print, ctx };
	char *ledger_file = NULL;
	int rc;

	run_init(&r, opts);
	rc = load_inputs(&r, diag);
	if (rc == PL_OK && opts->state_dir) {
		/* Only an existing ledger: explain never creates one. */
		ledger_file = xasprintf("%s/%s", opts->state_dir, LEDGER_FILE);
		if (fs_exists(ledger_file))
			rc = ledger_open(&r.ledger, opts->state_dir, diag);
	}
	if (rc == PL_OK) {
		rc = read_all_records(&r, &counts, explain_record, &job, diag);
		/* PL_DONE: found and printed; PL_OK: read to the end, not found. */
		rc = rc == PL_DONE ? PL_OK : rc == PL_OK ? PL_DONE : rc;
	}
	free(ledger_file);
	run_release(&r);
	return rc;
}

int run_lint(const struct run_opts *opts, FILE *out, unsigned *warnings,
	     unsigned *errors, struct pl_diag *diag)
{
	struct run r;
	int rc = PL_OK;

	*warnings = *errors = 0;
	run_init(&r, opts);
	if (opts->batch_dir) {
		rc = profile_load(&r.agency, r.profile_path, diag);
		r.have_agency = rc == PL_OK;
	}
	if (rc == PL_OK)
		rc = ruleset_load(&r.rules, r.rules_dir, diag);
	if (rc == PL_OK)
		ruleset_lint(r.rules, r.have_agency ? &r.agency : NULL, out,
			     warnings, errors);
	run_release(&r);
	return rc;
}
