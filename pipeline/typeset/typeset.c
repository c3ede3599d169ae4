/*
 * typeset.c: the typesetter of a run (see typeset.h).
 *
 * It owns the long-lived pieces: the fonts and the pango context
 * (fonts.c), the templates (template.c), the pool of pango layouts, and the
 * one cairo PDF surface every letter is appended to. The PDF is written
 * through core/atomfile: to "<pdf>.lock", checksummed, renamed into place
 * by typeset_finish(); a run that fails leaves no PDF behind. The metadata
 * dates are pinned to the run date, so the same input gives the same bytes.
 */
#include "../pl.h"
#include "typeset-int.h"
#include "../core/date.h"
#include "../core/xalloc.h"

#include <cairo-pdf.h>
#include <dirent.h>

#define MAX_TEMPLATES 256

struct typesetter {
	struct typeset_opts opts_copy;     /* the caller's struct may be a temporary */
	const struct typeset_opts *opts;   /* = &opts_copy; the strings are borrowed */
	struct ts_fonts fonts;
	struct arena tpl_arena;            /* owns the templates */
	struct template **templates;       /* owned array, sorted by file name */
	size_t ntemplates;
	struct layout_pool pool;
	struct atomfile pdf;
	cairo_surface_t *surface;          /* owned */
	cairo_t *cr;                       /* owned */
	unsigned pages_done;               /* pages already in the PDF */
	bool finished;
	bool discarding;                   /* typeset_free without finish */
};

/* cairo's writer: every PDF byte goes through the atomic file. */
static cairo_status_t pdf_write(void *closure, const unsigned char *data,
				unsigned int length)
{
	struct typesetter *ts = closure;

	if (ts->discarding || atomfile_write(&ts->pdf, data, length) != PL_OK)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every .xml file of the templates folder, in name order; two for one letter and language are an error. */
static int load_templates(struct typesetter *ts, struct pl_diag *diag)
{
	const char *dir = ts->opts->templates_dir;
	char *names[MAX_TEMPLATES];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = PL_OK;

	if (!d)
		return pl_diag_set(diag, PL_IO_OPEN, dir, 0,
				   "cannot open templates folder '%s': %s", dir,
				   strerror(errno));
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

		rc = template_load(path, &ts->tpl_arena, &t, diag);
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

static int open_pdf(struct typesetter *ts, struct pl_diag *diag)
{
	const struct typeset_opts *o = ts->opts;
	char iso[PL_DATE_ISO_LEN], stamp[32];
	char *title;
	int rc = atomfile_open(&ts->pdf, o->pdf_path, diag);

	if (rc != PL_OK)
		return rc;
	ts->surface = cairo_pdf_surface_create_for_stream(pdf_write, ts,
							  TS_PAGE_WIDTH, TS_PAGE_HEIGHT);
	if (cairo_surface_status(ts->surface) != CAIRO_STATUS_SUCCESS)
		return pl_diag_set(diag, PL_RENDER, o->pdf_path, 0,
				   "cannot start PDF '%s': %s", o->pdf_path,
				   cairo_status_to_string(cairo_surface_status(ts->surface)));
	/* Pinned dates: the same run gives the same bytes. */
	snprintf(stamp, sizeof(stamp), "%sT00:00:00Z", date_format_iso(o->run_date, iso));
	title = xasprintf("fairnotice letters %s %s",
			  o->agency && o->agency->id ? o->agency->id : "", iso);
	cairo_pdf_surface_set_metadata(ts->surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(ts->surface, CAIRO_PDF_METADATA_CREATOR, "fairnotice");
	cairo_pdf_surface_set_metadata(ts->surface, CAIRO_PDF_METADATA_CREATE_DATE, stamp);
	cairo_pdf_surface_set_metadata(ts->surface, CAIRO_PDF_METADATA_MOD_DATE, stamp);
	free(title);
	ts->cr = cairo_create(ts->surface);
	if (cairo_status(ts->cr) != CAIRO_STATUS_SUCCESS)
		return pl_diag_set(diag, PL_RENDER, o->pdf_path, 0,
				   "cannot draw into PDF '%s': %s", o->pdf_path,
				   cairo_status_to_string(cairo_status(ts->cr)));
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
	if (!opts->agency || !opts->pdf_path || !opts->templates_dir ||
	    !opts->fonts_dir || !opts->font_files_dir || opts->run_date == PL_NO_DATE)
		rc = pl_diag_set(diag, PL_USAGE, NULL, 0,
				 "typeset options need agency, pdf path, templates, fonts and run date");
	if (rc == PL_OK)
		rc = ts_fonts_load(&ts->fonts, opts->fonts_dir, opts->font_files_dir, diag);
	if (rc == PL_OK)
		rc = load_templates(ts, diag);
	if (rc == PL_OK)
		rc = open_pdf(ts, diag);
	return rc;
}

int typeset_letter(struct typesetter *ts, const struct account *account,
		   const struct verdict *verdict, const char *piece_id,
		   struct arena *arena, struct letter_ref *ref, struct pl_diag *diag)
{
	const char *letter = verdict->letter_code ? verdict->letter_code : "";
	const char *language = verdict->language && *verdict->language
			       ? verdict->language : "en";
	const struct template *t;
	struct letter_job job;
	int rc;

	if (!ts->cr || ts->finished)
		PL_BUG("typeset_letter on a typesetter that is not open");
	memset(ref, 0, sizeof(*ref));
	/*
	 * No fallback to another language: decide chose the language from the
	 * rules and picked every disclosure in it, so a template in another
	 * language would mix two in one letter. A missing template is not the
	 * run's end: the rules may already know letters (a reminder) that
	 * templates/ does not have yet; the run defers the account.
	 */
	t = find_template(ts, letter, language);
	if (!t)
		return pl_diag_set(diag, TYPESET_NO_TEMPLATE, ts->opts->templates_dir, 0,
				   "no template for letter '%s' in language '%s'",
				   letter, language);
	if (!*piece_id || strchr(piece_id, '/') || piece_id[0] == '.')
		return pl_diag_set(diag, PL_USAGE, NULL, 0,
				   "piece id '%s' cannot name a file", piece_id);

	job = (struct letter_job){
		.tpl = t,
		.agency = ts->opts->agency,
		.account = account,
		.verdict = verdict,
		.piece_id = piece_id,
		.context = ts->fonts.context,
		.pool = &ts->pool,
		.cr = ts->cr,
		.dump_path = ts->opts->dump_dir
			? arena_printf(arena, "%s/%s.layout", ts->opts->dump_dir, piece_id)
			: NULL,
		.arena = arena,
	};
	rc = layout_letter(&job, ref, diag);
	if (rc == PL_OK) {
		ref->piece_id = arena_strdup(arena, piece_id);
		ref->template_id = t->id;
		ref->template_version = t->version;
		ref->language = t->language;
		ref->first_page = ts->pages_done + 1;
		ts->pages_done += ref->page_count;
	}
	return rc;
}

int typeset_finish(struct typesetter *ts, struct pl_diag *diag)
{
	const char *path = ts->opts->pdf_path;
	cairo_status_t st;
	int rc = PL_OK;

	if (!ts->surface || ts->finished)
		PL_BUG("typeset_finish on a typesetter that is not open");
	ts->finished = true;
	cairo_destroy(ts->cr);
	ts->cr = NULL;
	/* Some write errors only show when cairo writes the last objects. */
	cairo_surface_finish(ts->surface);
	st = cairo_surface_status(ts->surface);
	if (st != CAIRO_STATUS_SUCCESS)
		rc = pl_diag_set(diag, PL_RENDER, path, 0, "cannot write PDF '%s': %s",
				 path, cairo_status_to_string(st));
	if (rc == PL_OK)
		rc = atomfile_commit(&ts->pdf, NULL, diag);
	else
		atomfile_rollback(&ts->pdf);
	return rc;
}

void typeset_free(struct typesetter *ts)
{
	if (!ts)
		return;
	ts->discarding = true;
	if (ts->cr)
		cairo_destroy(ts->cr);
	if (ts->surface)
		cairo_surface_destroy(ts->surface);
	atomfile_rollback(&ts->pdf);   /* nothing when committed */
	layout_pool_release(&ts->pool);
	free(ts->templates);
	arena_release(&ts->tpl_arena);
	ts_fonts_release(&ts->fonts);
	free(ts);
}
