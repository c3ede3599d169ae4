/*
 * typeset.c: the typesetter of a run (see typeset.h).
 *
 * It owns the long-lived pieces: the fonts and the pango context
 * (fonts.c), the templates (template.c), the pool of pango layouts, and
 * the cairo PDF surfaces the letters are drawn into: one per print group
 * (docs/print-bundle.md "Groups and files"), opened when the group's
 * first letter of a slice arrives, so a group with no letter has no file
 * (a run's letters are typeset in slices, slices/slices.h; the run gives
 * each slice's files their part numbers). A letter is laid out first;
 * only then is its sheet count known, and layout.c asks pick_target()
 * for the surface of its group. Each PDF is written
 * through core/atomfile: to "<pdf>.lock", checksummed, renamed into
 * place by typeset_finish(); a run that fails leaves no PDF behind. The
 * metadata dates are pinned to the run date, so the same input gives the
 * same bytes.
 *
 * cairo writes a page's objects when the page is shown, so the bytes a
 * PDF receives while one letter is drawn are that letter's pages: their
 * offset, length and SHA-256 go into its letter_ref (the write callback
 * feeds the digest while a letter is being drawn).
 *
 * A preview (opts.png_path) draws into an unbounded recording surface
 * instead, each page under the one before; typeset_finish() replays it
 * at 100 dpi onto a white image the height of all pages and writes the
 * PNG through the same atomic file. A preview PDF (opts.pdf_path) is one
 * file, whatever the sheet count.
 */
#include "../pl.h"
#include "typeset-int.h"
#include "../core/date.h"
#include "../core/digest.h"
#include "../core/xalloc.h"

#include <cairo-pdf.h>
#include <dirent.h>

#define MAX_TEMPLATES 256
#define SCHEMA_NAME "template.rng"
/* The preview PNG: 100 dots per inch, a thin grey line between pages. */
#define PNG_DPI 100.0

#define ENVELOPE_WINDOW "#10-double-window"
#define ENVELOPE_FLAT "flat"

/* One print group and its PDF being written. */
struct ts_group {
	struct typesetter *ts;             /* back pointer, for the writer */
	char name[24];                     /* "window-2", "flat" */
	const char *envelope;              /* static */
	char *pdf_name;                    /* owned: "window-2-001.pdf" */
	char *pdf_path;                    /* owned: where it is written */
	struct atomfile af;
	cairo_surface_t *surface;          /* owned; NULL when no part is open */
	cairo_t *cr;                       /* owned */
	unsigned pages;                    /* in the open PDF */
	unsigned long bytes;               /* written to the open PDF */
};

struct typesetter {
	struct typeset_opts opts_copy;     /* the caller's struct may be a temporary */
	const struct typeset_opts *opts;   /* = &opts_copy; the strings are borrowed */
	struct ts_fonts fonts;
	struct arena tpl_arena;            /* owns the templates */
	struct template **templates;       /* owned array, sorted by file name */
	size_t ntemplates;
	struct layout_pool pool;
	/* PDF output: max_sheets window groups, then flat (or the one preview PDF). */
	struct ts_group *groups;           /* owned */
	size_t ngroups;
	/* The letter being drawn: its group, where it started, its digest. */
	struct ts_group *drawing;
	unsigned long drawing_from;
	struct digest drawing_digest;
	/* Preview PNG: a recording surface, written at finish. */
	struct atomfile png;
	cairo_surface_t *surface;          /* owned */
	cairo_t *cr;                       /* owned */
	unsigned pages_done;               /* PNG: pages already drawn */
	unsigned long letters_done;        /* letters typeset: the next IMb serial */
	/*
	 * A slice (typeset_slice_begin()): the PDFs are the slice's own,
	 * ".slice-NNNNNN-<group>.pdf", each titled by its first piece.
	 */
	bool in_slice;
	unsigned slice;
	const char *letter_piece_id;       /* of the letter being typeset */
	const char *overflow_field;        /* after TYPESET_DOES_NOT_FIT */
	bool finished;
	bool discarding;                   /* typeset_free without finish */
};

/* cairo's writer: every PDF byte goes through the group's atomic file. */
static cairo_status_t pdf_write(void *closure, const unsigned char *data,
				unsigned int length)
{
	struct ts_group *g = closure;
	struct typesetter *ts = g->ts;

	if (ts->discarding || atomfile_write(&g->af, data, length) != PL_OK)
		return CAIRO_STATUS_WRITE_ERROR;
	g->bytes += length;
	if (ts->drawing == g)
		digest_update(&ts->drawing_digest, data, length);
	return CAIRO_STATUS_SUCCESS;
}

/* The PNG's writer. */
static cairo_status_t png_write(void *closure, const unsigned char *data,
				unsigned int length)
{
	struct typesetter *ts = closure;

	if (ts->discarding || atomfile_write(&ts->png, data, length) != PL_OK)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The one template of a preview. */
static int load_one_template(struct typesetter *ts, xmlRelaxNG *schema,
			     struct pl_diag *diag)
{
	struct template *t;
	int rc = template_load(ts->opts->template_file, &ts->tpl_arena, schema, &t, diag);

	ts->templates = xcalloc(2, sizeof(*ts->templates));
	if (rc == PL_OK)
		ts->templates[ts->ntemplates++] = t;
	return rc;
}

/*
 * Load every .xml file of the templates folder, in name order (or the
 * one file of a preview); two for one letter and language are an error.
 */
static int load_templates(struct typesetter *ts, struct pl_diag *diag)
{
	const char *dir = ts->opts->templates_dir;
	char *names[MAX_TEMPLATES];
	size_t n = 0;
	struct dirent *e;
	DIR *d = NULL;
	xmlRelaxNG *schema = NULL;
	char *schema_path = ts->opts->schema_path ? xstrdup(ts->opts->schema_path)
			    : xasprintf("%s/%s", dir, SCHEMA_NAME);
	int rc = template_schema_load(schema_path, &schema, diag);

	free(schema_path);
	if (rc == PL_OK && ts->opts->template_file) {
		rc = load_one_template(ts, schema, diag);
		goto out;
	}
	if (rc == PL_OK && !(d = opendir(dir)))
		rc = pl_diag_set(diag, PL_IO_OPEN, dir, 0,
				 "cannot open templates folder '%s': %s", dir,
				 strerror(errno));
	if (rc != PL_OK)
		goto out;
	while (rc == PL_OK && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".xml"))
			continue;
		if (n == MAX_TEMPLATES)
			rc = pl_diag_set(diag, PL_LIMIT, dir, 0,
					 "more than %d templates in '%s'", MAX_TEMPLATES, dir);
		else
			names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);

	ts->templates = xcalloc(n + 1, sizeof(*ts->templates));
	for (size_t i = 0; i < n && rc == PL_OK; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct template *t;

		rc = template_load(path, &ts->tpl_arena, schema, &t, diag);
		for (size_t j = 0; rc == PL_OK && j < ts->ntemplates; j++)
			if (!strcmp(ts->templates[j]->letter, t->letter) &&
			    !strcmp(ts->templates[j]->language, t->language))
				rc = pl_diag_set(diag, PL_TEMPLATE, path, 0,
						 "a second template for letter '%s' in language '%s' (the first is '%s')",
						 t->letter, t->language, ts->templates[j]->path);
		if (rc == PL_OK)
			ts->templates[ts->ntemplates++] = t;
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (rc == PL_OK && ts->ntemplates == 0)
		rc = pl_diag_set(diag, PL_TEMPLATE, dir, 0,
				 "no templates (*.xml) in '%s'", dir);
out:
	if (schema)
		xmlRelaxNGFree(schema);
	return rc;
}

static const struct template *find_template(const struct typesetter *ts,
					    const char *letter, const char *language)
{
	for (size_t i = 0; i < ts->ntemplates; i++)
		if (!strcmp(ts->templates[i]->letter, letter) &&
		    !strcmp(ts->templates[i]->language, language))
			return ts->templates[i];
	return NULL;
}

/* A preview: an unbounded recording, replayed into the PNG at the end. */
static int open_png(struct typesetter *ts, struct pl_diag *diag)
{
	const char *path = ts->opts->png_path;
	int rc = atomfile_open(&ts->png, path, diag);

	if (rc != PL_OK)
		return rc;
	ts->surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	ts->cr = cairo_create(ts->surface);
	if (cairo_status(ts->cr) != CAIRO_STATUS_SUCCESS)
		return pl_diag_set(diag, PL_RENDER, path, 0, "cannot draw preview '%s': %s",
				   path, cairo_status_to_string(cairo_status(ts->cr)));
	return PL_OK;
}

/*
 * The groups of the run: window-1 .. window-<max-sheets>, then flat (or,
 * for a preview PDF, one group writing opts.pdf_path).
 */
static void make_groups(struct typesetter *ts)
{
	const struct typeset_opts *o = ts->opts;
	int max = o->agency->print.max_sheets > 0 ? o->agency->print.max_sheets : 1;

	ts->ngroups = o->pdf_dir ? (size_t)max + 1 : 1;
	ts->groups = xcalloc(ts->ngroups, sizeof(*ts->groups));
	for (size_t i = 0; i < ts->ngroups; i++) {
		struct ts_group *g = &ts->groups[i];

		g->ts = ts;
		if (!o->pdf_dir) {
			snprintf(g->name, sizeof(g->name), "preview");
			g->envelope = ENVELOPE_WINDOW;
		} else if (i < (size_t)max) {
			snprintf(g->name, sizeof(g->name), "window-%zu", i + 1);
			g->envelope = ENVELOPE_WINDOW;
		} else {
			snprintf(g->name, sizeof(g->name), "flat");
			g->envelope = ENVELOPE_FLAT;
		}
	}
}

/* Finish the open PDF of g: cairo writes the shared objects, then commit. */
static int close_pdf(struct typesetter *ts, struct ts_group *g, struct pl_diag *diag)
{
	cairo_status_t st;
	int rc = PL_OK;

	if (!g->surface)
		return PL_OK;
	cairo_destroy(g->cr);
	g->cr = NULL;
	/* Some write errors only show when cairo writes the last objects. */
	cairo_surface_finish(g->surface);
	st = cairo_surface_status(g->surface);
	cairo_surface_destroy(g->surface);
	g->surface = NULL;
	if (st != CAIRO_STATUS_SUCCESS)
		rc = pl_diag_set(diag, PL_RENDER, g->pdf_path, 0, "cannot write PDF '%s': %s",
				 g->pdf_path, cairo_status_to_string(st));
	if (rc == PL_OK)
		rc = atomfile_commit(&g->af, NULL, diag);
	else
		atomfile_rollback(&g->af);
	(void)ts;
	return rc;
}

/* Open a PDF for g: a new file with pinned metadata. */
static int open_pdf(struct typesetter *ts, struct ts_group *g, struct pl_diag *diag)
{
	const struct typeset_opts *o = ts->opts;
	char iso[PL_DATE_ISO_LEN], stamp[32];
	char *title;
	int rc;

	free(g->pdf_name);
	free(g->pdf_path);
	if (o->pdf_dir) {
		g->pdf_name = xasprintf(".slice-%06u-%s.pdf", ts->slice, g->name);
		g->pdf_path = xasprintf("%s/%s", o->pdf_dir, g->pdf_name);
	} else {
		const char *slash = strrchr(o->pdf_path, '/');
		g->pdf_name = xstrdup(slash ? slash + 1 : o->pdf_path);
		g->pdf_path = xstrdup(o->pdf_path);
	}
	g->pages = 0;
	g->bytes = 0;
	rc = atomfile_open(&g->af, g->pdf_path, diag);
	if (rc != PL_OK)
		return rc;
	g->surface = cairo_pdf_surface_create_for_stream(pdf_write, g,
							 TS_PAGE_WIDTH, TS_PAGE_HEIGHT);
	if (cairo_surface_status(g->surface) != CAIRO_STATUS_SUCCESS)
		return pl_diag_set(diag, PL_RENDER, g->pdf_path, 0,
				   "cannot start PDF '%s': %s", g->pdf_path,
				   cairo_status_to_string(cairo_surface_status(g->surface)));
	/* Pinned dates: the same run gives the same bytes. */
	snprintf(stamp, sizeof(stamp), "%sT00:00:00Z", date_format_iso(o->run_date, iso));
	/*
	 * A run's files name their group and first piece (the part number is
	 * the run's to give, after the slice); a preview's name is the caller's.
	 */
	if (o->pdf_dir)
		title = xasprintf("fairnotice letters %s %s %s from %s",
				  o->agency && o->agency->id ? o->agency->id : "", iso,
				  g->name, ts->letter_piece_id);
	else
		title = xasprintf("fairnotice letters %s %s",
				  o->agency && o->agency->id ? o->agency->id : "", iso);
	cairo_pdf_surface_set_metadata(g->surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(g->surface, CAIRO_PDF_METADATA_CREATOR, "fairnotice");
	cairo_pdf_surface_set_metadata(g->surface, CAIRO_PDF_METADATA_CREATE_DATE, stamp);
	cairo_pdf_surface_set_metadata(g->surface, CAIRO_PDF_METADATA_MOD_DATE, stamp);
	free(title);
	g->cr = cairo_create(g->surface);
	if (cairo_status(g->cr) != CAIRO_STATUS_SUCCESS)
		return pl_diag_set(diag, PL_RENDER, g->pdf_path, 0,
				   "cannot draw into PDF '%s': %s", g->pdf_path,
				   cairo_status_to_string(cairo_status(g->cr)));
	return PL_OK;
}

/*
 * layout.c's pick_target: the letter is laid out; choose its group by
 * sheet count, open the group's PDF if it has none yet, and start
 * counting and hashing the bytes its pages will write.
 */
static int pick_target(void *ctx, const struct letter_ref *ref, cairo_t **cr,
		       struct pl_diag *diag)
{
	struct typesetter *ts = ctx;
	struct ts_group *g;
	int rc = PL_OK;

	if (ts->ngroups == 1)
		g = &ts->groups[0];
	else if (ref->sheet_count >= 1 && ref->sheet_count < ts->ngroups)
		g = &ts->groups[ref->sheet_count - 1];
	else
		g = &ts->groups[ts->ngroups - 1];      /* flat */
	if (!g->surface)
		rc = open_pdf(ts, g, diag);
	if (rc != PL_OK)
		return rc;
	ts->drawing = g;
	ts->drawing_from = g->bytes;
	digest_init(&ts->drawing_digest);
	*cr = g->cr;
	return PL_OK;
}

static int open_output(struct typesetter *ts, struct pl_diag *diag)
{
	if (ts->opts->png_path)
		return open_png(ts, diag);
	make_groups(ts);
	return PL_OK;
}

int typeset_open(struct typesetter **out, const struct typeset_opts *opts,
		 struct pl_diag *diag)
{
	struct typesetter *ts = xcalloc(1, sizeof(*ts));
	int rc = PL_OK;

	*out = ts;
	ts->opts_copy = *opts;
	ts->opts = &ts->opts_copy;
	opts = ts->opts;
	arena_init(&ts->tpl_arena);
	if (!opts->agency || !(opts->pdf_dir || opts->pdf_path || opts->png_path) ||
	    !(opts->templates_dir || (opts->template_file && opts->schema_path)) ||
	    !opts->fonts_dir || !opts->font_files_dir || opts->run_date == PL_NO_DATE)
		rc = pl_diag_set(diag, PL_USAGE, NULL, 0,
				 "typeset options need agency, pdf folder or path, templates, fonts and run date");
	if (rc == PL_OK)
		rc = ts_fonts_load(&ts->fonts, opts->fonts_dir, opts->font_files_dir, diag);
	if (rc == PL_OK)
		rc = load_templates(ts, diag);
	if (rc == PL_OK)
		rc = open_output(ts, diag);
	return rc;
}

/*
 * The template of the verdict's letter and language (no fallback to
 * another language: decide chose the language from the rules and picked
 * every disclosure in it, so a template in another language would mix
 * two in one letter). A missing template is not the run's end: the rules
 * may already know letters (a reminder) that templates/ does not have
 * yet; the run defers the account.
 */
static int letter_template(const struct typesetter *ts, const struct verdict *verdict,
			   const char *piece_id, const struct template **out,
			   struct pl_diag *diag)
{
	const char *letter = verdict->letter_code ? verdict->letter_code : "";
	const char *language = verdict->language && *verdict->language
			       ? verdict->language : "en";

	*out = find_template(ts, letter, language);
	if (!*out)
		return pl_diag_set(diag, TYPESET_NO_TEMPLATE, ts->opts->templates_dir, 0,
				   "no template for letter '%s' in language '%s'",
				   letter, language);
	if (!*piece_id || strchr(piece_id, '/') || piece_id[0] == '.')
		return pl_diag_set(diag, PL_USAGE, NULL, 0,
				   "piece id '%s' cannot name a file", piece_id);
	return PL_OK;
}

static struct letter_job letter_job_of(struct typesetter *ts, const struct template *t,
				       const struct account *account,
				       const struct verdict *verdict,
				       const char *piece_id, unsigned long serial,
				       struct arena *arena)
{
	return (struct letter_job){
		.tpl = t,
		.agency = ts->opts->agency,
		.account = account,
		.verdict = verdict,
		.piece_id = piece_id,
		.context = ts->fonts.context,
		.pool = &ts->pool,
		.cr = ts->cr,
		.pick_target = ts->groups ? pick_target : NULL,
		.pick_ctx = ts,
		.dump_path = ts->opts->dump_file ? ts->opts->dump_file :
			ts->opts->dump_dir
			? arena_printf(arena, "%s/%s.layout", ts->opts->dump_dir, piece_id)
			: NULL,
		.arena = arena,
		.imb_serial = ts->opts->imb_serial_base + serial,
		.stacked = ts->opts->png_path != NULL,
		.first_page = ts->pages_done + 1,
		.lenient_slots = ts->opts->lenient_slots,
		.overflow_field = &ts->overflow_field,
	};
}

int typeset_check(struct typesetter *ts, const struct account *account,
		  const struct verdict *verdict, const char *piece_id,
		  unsigned long letters_before, struct arena *arena,
		  struct pl_diag *diag)
{
	const struct template *t;
	struct letter_job job;
	int rc = letter_template(ts, verdict, piece_id, &t, diag);

	if (rc != PL_OK)
		return rc;
	job = letter_job_of(ts, t, account, verdict, piece_id, letters_before, arena);
	job.dump_path = NULL;
	ts->overflow_field = "";
	return layout_check_windows(&job, diag);
}

int typeset_letter(struct typesetter *ts, const struct account *account,
		   const struct verdict *verdict, const char *piece_id,
		   struct arena *arena, struct letter_ref *ref, struct pl_diag *diag)
{
	const struct template *t;
	struct letter_job job;
	int rc;

	if ((!ts->cr && !ts->groups) || ts->finished)
		PL_BUG("typeset_letter on a typesetter that is not open");
	if (ts->opts->pdf_dir && !ts->in_slice)
		PL_BUG("typeset_letter of a run outside a slice");
	memset(ref, 0, sizeof(*ref));
	rc = letter_template(ts, verdict, piece_id, &t, diag);
	if (rc != PL_OK)
		return rc;
	job = letter_job_of(ts, t, account, verdict, piece_id, ts->letters_done, arena);
	ts->overflow_field = "";
	ts->letter_piece_id = piece_id;
	rc = layout_letter(&job, ref, diag);
	ts->letter_piece_id = NULL;
	if (rc == PL_OK) {
		ref->piece_id = arena_strdup(arena, piece_id);
		ref->template_id = t->id;
		ref->template_version = t->version;
		ref->language = t->language;
		if (ts->groups) {
			struct ts_group *g = ts->drawing;

			ref->group = g->name;
			ref->envelope = g->envelope;
			ref->pdf = g->pdf_name;
			ref->first_page = g->pages + 1;
			ref->pdf_offset = ts->drawing_from;
			ref->pdf_length = g->bytes - ts->drawing_from;
			digest_finish(&ts->drawing_digest, ref->pages_sha256);
			g->pages += ref->page_count;
		} else {
			ref->group = ref->envelope = ref->pdf = "";
			ref->first_page = ts->pages_done + 1;
			ts->pages_done += ref->page_count;
		}
		ts->letters_done++;
	} else if (ts->drawing) {
		digest_finish(&ts->drawing_digest, ref->pages_sha256);
		ref->pages_sha256[0] = '\0';
	}
	ts->drawing = NULL;
	return rc;
}

void typeset_slice_begin(struct typesetter *ts, unsigned slice,
			 unsigned long letters_before)
{
	if (!ts->groups || !ts->opts->pdf_dir || ts->finished || ts->in_slice)
		PL_BUG("typeset_slice_begin on a typesetter that cannot take a slice");
	for (size_t i = 0; i < ts->ngroups; i++)
		if (ts->groups[i].surface)
			PL_BUG("typeset_slice_begin with a PDF open");
	ts->in_slice = true;
	ts->slice = slice;
	ts->letters_done = letters_before;
}

int typeset_slice_end(struct typesetter *ts, struct pl_diag *diag)
{
	int rc = PL_OK;

	if (!ts->in_slice)
		PL_BUG("typeset_slice_end without typeset_slice_begin");
	for (size_t i = 0; i < ts->ngroups; i++) {
		int one = close_pdf(ts, &ts->groups[i], diag);

		if (rc == PL_OK)
			rc = one;
	}
	ts->in_slice = false;
	return rc;
}

void typeset_shaping_counts(const struct typesetter *ts, unsigned long *shaped,
			    unsigned long *reused)
{
	*shaped = ts->pool.shape_misses;
	*reused = ts->pool.shape_hits;
}

const char *typeset_overflow_field(const struct typesetter *ts)
{
	return ts->overflow_field ? ts->overflow_field : "";
}

bool typeset_template_of(const struct typesetter *ts, size_t i,
			 const char **letter, const char **language)
{
	if (i >= ts->ntemplates)
		return false;
	*letter = ts->templates[i]->letter;
	*language = ts->templates[i]->language;
	return true;
}

/*
 * The preview's pages, one under the other, at PNG_DPI on white, with a
 * light grey line where one page ends and the next begins.
 */
static int finish_png(struct typesetter *ts, struct pl_diag *diag)
{
	const char *path = ts->opts->png_path;
	double scale = PNG_DPI / 72.0;
	int width = (int)(TS_PAGE_WIDTH * scale + 0.5);
	int page_h = (int)(TS_PAGE_HEIGHT * scale + 0.5);
	unsigned pages = ts->pages_done ? ts->pages_done : 1;
	cairo_surface_t *img = NULL;
	cairo_t *cr = NULL;
	cairo_status_t st;
	int rc = PL_OK;

	if ((long)page_h * pages > 32767)
		return pl_diag_set(diag, PL_LIMIT, path, 0,
				   "preview '%s' of %u pages is too tall for one PNG",
				   path, pages);
	img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, page_h * (int)pages);
	cr = cairo_create(img);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_save(cr);
	cairo_scale(cr, scale, scale);
	cairo_set_source_surface(cr, ts->surface, 0, 0);
	cairo_paint(cr);
	cairo_restore(cr);
	cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
	for (unsigned p = 1; p < pages; p++)
		cairo_rectangle(cr, 0, (double)page_h * p, width, 1);
	cairo_fill(cr);
	st = cairo_status(cr);
	if (st == CAIRO_STATUS_SUCCESS)
		/* Through the atomic file, like the PDF. */
		st = cairo_surface_write_to_png_stream(img, png_write, ts);
	if (st != CAIRO_STATUS_SUCCESS)
		rc = pl_diag_set(diag, PL_RENDER, path, 0, "cannot write preview '%s': %s",
				 path, cairo_status_to_string(st));
	cairo_destroy(cr);
	cairo_surface_destroy(img);
	return rc;
}

int typeset_finish(struct typesetter *ts, struct pl_diag *diag)
{
	cairo_status_t st;
	int rc = PL_OK;

	if ((!ts->surface && !ts->groups) || ts->finished)
		PL_BUG("typeset_finish on a typesetter that is not open");
	ts->finished = true;
	for (size_t i = 0; i < ts->ngroups && rc == PL_OK; i++)
		rc = close_pdf(ts, &ts->groups[i], diag);
	if (!ts->opts->png_path)
		return rc;
	cairo_destroy(ts->cr);
	ts->cr = NULL;
	rc = finish_png(ts, diag);
	cairo_surface_finish(ts->surface);
	st = cairo_surface_status(ts->surface);
	if (rc == PL_OK && st != CAIRO_STATUS_SUCCESS)
		rc = pl_diag_set(diag, PL_RENDER, ts->opts->png_path, 0,
				 "cannot write preview '%s': %s", ts->opts->png_path,
				 cairo_status_to_string(st));
	if (rc == PL_OK)
		rc = atomfile_commit(&ts->png, NULL, diag);
	else
		atomfile_rollback(&ts->png);
	return rc;
}

void typeset_free(struct typesetter *ts)
{
	if (!ts)
		return;
	ts->discarding = true;
	if (ts->drawing)
		digest_finish(&ts->drawing_digest, (char[PL_SHA256_HEX]){ 0 });
	for (size_t i = 0; i < ts->ngroups; i++) {
		struct ts_group *g = &ts->groups[i];

		if (g->cr)
			cairo_destroy(g->cr);
		if (g->surface) {
			cairo_surface_destroy(g->surface);
			atomfile_rollback(&g->af);
		}
		free(g->pdf_name);
		free(g->pdf_path);
	}
	free(ts->groups);
	if (ts->cr)
		cairo_destroy(ts->cr);
	if (ts->surface)
		cairo_surface_destroy(ts->surface);
	atomfile_rollback(&ts->png);   /* nothing when committed */
	layout_pool_release(&ts->pool);
	free(ts->templates);
	arena_release(&ts->tpl_arena);
	ts_fonts_release(&ts->fonts);
	free(ts);
}
