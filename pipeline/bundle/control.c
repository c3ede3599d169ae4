/*
 * control.c: seal a finished bundle with its control file, its checksums
 * and its zip (control_write(), bundle-int.h).
 *
 * bundle_finish() calls this last, once every other file of the staging
 * directory is committed. Four files follow, each through an atomfile
 * and each covering the ones before it:
 *
 *   print/control.xml  what the print vendor reconciles against: the batch,
 *                      the totals per group and per PDF file (pieces,
 *                      pages, sheets, first and last piece), the accounts'
 *                      outcomes and the audit chain's last hash
 *   print/SHA256SUMS   `sha256sum` lines for every file of the bundle but
 *                      itself and the zip (and its digest), sorted by path
 *                      relative to the bundle directory, so `cd BUNDLE &&
 *                      sha256sum -c print/SHA256SUMS` checks it
 *   print/bundle.zip   every file of the bundle (SHA256SUMS included, the
 *                      zip itself not) in the same sorted order (zip.h)
 *   print/bundle.zip.sha256   the zip's digest, `sha256sum` format
 *
 * The per-file totals are bundle_add()'s (struct print_files); they must
 * add up to the run's totals, and print/manifest.csv counted again, one
 * record at a time, must agree too: a control file that disagrees with
 * the manifest beside it is never written. docs/print-bundle.md is the
 * vendor's description of all of it.
 */
#include "../pl.h"
#include "bundle-int.h"
#include "zip.h"
#include "../core/csv.h"
#include "../core/date.h"
#include "../core/killpoint.h"
#include "../core/limits.h"
#include "../core/xalloc.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#define CONTROL_NS "urn:fairnotice:control:1"
#define CONTROL_NAME "print/control.xml"
#define SUMS_NAME "print/SHA256SUMS"
#define ZIP_NAME "print/bundle.zip"
#define ZIP_SHA_NAME "print/bundle.zip.sha256"
#define MANIFEST_NAME "print/manifest.csv"
#define GROUP_FLAT "flat"
/* A bundle holds a dozen files; this only stops a runaway directory. */
#define CONTROL_MAX_FILES 65535

/* ====================================================================
 * The files of the bundle
 * ==================================================================== */

struct file_list {
	char **names;    /* owned: paths relative to the bundle directory */
	size_t n, alloc;
};

static void file_list_release(struct file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the regular files under root/rel (rel "" for root) to l. */
static int walk(const char *root, const char *rel, struct file_list *l,
		struct pl_diag *diag)
{
	char *dir = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = PL_OK;

	if (!d) {
		rc = pl_diag_set(diag, PL_IO_OPEN, dir, 0,
				 "cannot read directory '%s': %s", dir, strerror(errno));
		goto out;
	}
	while (rc == PL_OK && (e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		size_t len = strlen(name);
		char *sub, *path;
		struct stat st;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		sub = rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
		path = xasprintf("%s/%s", root, sub);
		if (lstat(path, &st) != 0)
			rc = pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot stat '%s': %s",
					 path, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = walk(root, sub, l, diag);
		else if (!S_ISREG(st.st_mode))
			rc = pl_diag_set(diag, PL_MANIFEST, path, 0,
					 "cannot seal the bundle: '%s' is not a regular "
					 "file", sub);
		else if (len > 5 && !strcmp(name + len - 5, ".lock"))
			rc = pl_diag_set(diag, PL_MANIFEST, path, 0,
					 "cannot seal the bundle: '%s' is still being "
					 "written", sub);
		/* sha256sum would escape these; our own names never have them. */
		else if (strpbrk(sub, "\\\n\r"))
			rc = pl_diag_set(diag, PL_MANIFEST, path, 0,
					 "cannot seal the bundle: file name '%s' has a "
					 "backslash or a line break", sub);
		else if (l->n >= CONTROL_MAX_FILES)
			rc = pl_diag_set(diag, PL_LIMIT, root, 0,
					 "cannot seal the bundle: more than %d files",
					 CONTROL_MAX_FILES);
		else {
			if (l->n == l->alloc) {
				l->alloc = l->alloc ? 2 * l->alloc : 16;
				l->names = xrealloc(l->names, l->alloc * sizeof(*l->names));
			}
			l->names[l->n++] = sub;
			sub = NULL;
		}
		free(path);
		free(sub);
	}
	closedir(d);
out:
	free(dir);
	return rc;
}

/* Every regular file of the bundle, sorted bytewise, but the excluded. */
static int list_files(const char *root, const char *const *exclude,
		      size_t nexclude, struct file_list *l, struct pl_diag *diag)
{
	size_t kept = 0;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = walk(root, "", l, diag);
	if (rc != PL_OK) {
		file_list_release(l);
		return rc;
	}
	for (size_t i = 0; i < l->n; i++) {
		bool drop = false;

		for (size_t j = 0; j < nexclude; j++)
			drop |= !strcmp(l->names[i], exclude[j]);
		if (drop)
			free(l->names[i]);
		else
			l->names[kept++] = l->names[i];
	}
	l->n = kept;
	if (l->n)
		qsort(l->names, l->n, sizeof(*l->names), compare_names);
	return PL_OK;
}

/* ====================================================================
 * Counting print/manifest.csv
 * ==================================================================== */

struct manifest_count {
	unsigned long pieces, pages, sheets;
};

static int count_error(unsigned line, struct pl_diag *diag, const char *what)
{
	return pl_diag_set(diag, PL_MANIFEST, MANIFEST_NAME, line,
			   "cannot count the print manifest: %s (at %s:%u)", what,
			   MANIFEST_NAME, line);
}

static bool parse_count(const char *s, unsigned long *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return false;
	*out = strtoul(s, NULL, 10);
	return true;
}

/*
 * The page_count and sheet_count columns summed, one record at a time
 * through the shared RFC 4180 reader (core/csv.h): memory does not grow
 * with the batch.
 */
static int count_manifest(const char *staging_dir, struct manifest_count *count,
			  struct pl_diag *diag)
{
	char *path = xasprintf("%s/%s", staging_dir, MANIFEST_NAME);
	FILE *f = fopen(path, "rb");
	struct csv_reader csv;
	const struct csv_record *rec;
	long page_col = -1, sheet_col = -1;
	bool header = true;
	int rc = PL_OK, next;

	memset(count, 0, sizeof(*count));
	if (!f) {
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot open '%s': %s",
				 path, strerror(errno));
		free(path);
		return rc;
	}
	csv_init(&csv, f, 0);
	while (rc == PL_OK && (next = csv_next(&csv, &rec)) == PL_OK) {
		unsigned long pages, sheets;

		if (rec->problem != CSV_FINE) {
			rc = count_error(rec->line, diag, csv_problem_name(rec->problem));
		} else if (header) {
			for (size_t c = 0; c < rec->nstored; c++) {
				if (!strcmp(rec->field[c], "page_count"))
					page_col = (long)c;
				if (!strcmp(rec->field[c], "sheet_count"))
					sheet_col = (long)c;
			}
			if (page_col < 0 || sheet_col < 0)
				rc = count_error(rec->line, diag, "the header has no page_count "
						 "or no sheet_count column");
			header = false;
		} else if ((size_t)page_col >= rec->nstored || (size_t)sheet_col >= rec->nstored) {
			rc = count_error(rec->line, diag, "the row is short");
		} else if (!parse_count(rec->field[page_col], &pages)) {
			rc = count_error(rec->line, diag, "page_count is not a number");
		} else if (!parse_count(rec->field[sheet_col], &sheets)) {
			rc = count_error(rec->line, diag, "sheet_count is not a number");
		} else {
			count->pieces++;
			count->pages += pages;
			count->sheets += sheets;
		}
	}
	if (rc == PL_OK && next == PL_IO)
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot read '%s': %s", path,
				 strerror(csv.io_errno));
	if (rc == PL_OK && header)
		rc = count_error(1, diag, "the file has no header");
	csv_release(&csv);
	fclose(f);
	free(path);
	return rc;
}

/* ====================================================================
 * The print files' totals
 * ==================================================================== */

void print_files_add(struct print_files *pf, const struct letter_ref *l)
{
	struct print_file *f = NULL;

	/* The file of the last piece, most of the time; else a search. */
	for (size_t i = pf->n; i > 0 && !f; i--)
		if (!strcmp(pf->files[i - 1].name, l->pdf))
			f = &pf->files[i - 1];
	if (!f) {
		if (pf->n == pf->alloc) {
			pf->alloc = pf->alloc ? 2 * pf->alloc : 16;
			pf->files = xrealloc(pf->files, pf->alloc * sizeof(*pf->files));
		}
		f = &pf->files[pf->n++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup(l->pdf);
		f->group = xstrdup(l->group);
		f->envelope = xstrdup(l->envelope);
		f->sheets = strcmp(l->group, GROUP_FLAT) ? l->sheet_count : 0;
		f->first_piece = xstrdup(l->piece_id);
	}
	free(f->last_piece);
	f->last_piece = xstrdup(l->piece_id);
	f->pieces++;
	f->pages += l->page_count;
	f->sheet_total += l->sheet_count;
}

void print_files_release(struct print_files *pf)
{
	for (size_t i = 0; i < pf->n; i++) {
		struct print_file *f = &pf->files[i];
		free(f->name);
		free(f->group);
		free(f->envelope);
		free(f->first_piece);
		free(f->last_piece);
	}
	free(pf->files);
	memset(pf, 0, sizeof(*pf));
}

/* window-1 .. window-N by N, then flat; parts of a group by name. */
static int compare_files(const void *a, const void *b)
{
	const struct print_file *x = a, *y = b;
	unsigned rx = x->sheets ? x->sheets : UINT_MAX;
	unsigned ry = y->sheets ? y->sheets : UINT_MAX;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* ====================================================================
 * print/control.xml
 * ==================================================================== */

static void cx_body(struct audit_xml *x, const struct bundle_opts *opts,
		    const struct run_counts *t, const struct manifest_count *m,
		    const struct print_files *pf, const char *chain_head)
{
	char run[PL_DATE_ISO_LEN], mail[PL_DATE_ISO_LEN];

	xmldoc_attr(x, "xmlns", CONTROL_NS);
	xmldoc_attr(x, "batch", opts->batch_id);
	xmldoc_attr(x, "agency", bundle_str(opts->agency->id));
	xmldoc_attr(x, "run-date", date_format_iso(opts->run_date, run));
	xmldoc_attr(x, "mail-date", date_format_iso(opts->mail_date, mail));
	xmldoc_attr(x, "rules-digest", opts->rules_digest);
	xmldoc_attr_ulong(x, "max-sheets", (unsigned long)opts->agency->print.max_sheets);
	if (opts->agency->print.pieces_per_file)
		xmldoc_attr_ulong(x, "pieces-per-file", opts->agency->print.pieces_per_file);

	/* Each group with its files (sorted by compare_files()). */
	for (size_t i = 0; i < pf->n; ) {
		const struct print_file *g = &pf->files[i];
		unsigned long pieces = 0, pages = 0, sheets = 0;
		size_t end = i;

		for (; end < pf->n && !strcmp(pf->files[end].group, g->group); end++) {
			pieces += pf->files[end].pieces;
			pages += pf->files[end].pages;
			sheets += pf->files[end].sheet_total;
		}
		xmldoc_start(x, "group");
		xmldoc_attr(x, "name", g->group);
		xmldoc_attr(x, "envelope", g->envelope);
		if (g->sheets)
			xmldoc_attr_ulong(x, "sheets", g->sheets);
		else
			xmldoc_attr_ulong(x, "min-sheets",
				      (unsigned long)opts->agency->print.max_sheets + 1);
		xmldoc_attr_ulong(x, "pieces", pieces);
		xmldoc_attr_ulong(x, "pages", pages);
		xmldoc_attr_ulong(x, "sheet-total", sheets);
		for (; i < end; i++) {
			const struct print_file *f = &pf->files[i];

			xmldoc_start(x, "file");
			xmldoc_attr(x, "name", f->name);
			xmldoc_attr_ulong(x, "pieces", f->pieces);
			xmldoc_attr_ulong(x, "pages", f->pages);
			xmldoc_attr_ulong(x, "sheet-total", f->sheet_total);
			xmldoc_attr(x, "first-piece", f->first_piece);
			xmldoc_attr(x, "last-piece", f->last_piece);
			xmldoc_end(x);
		}
		xmldoc_end(x);
	}

	xmldoc_start(x, "totals");
	xmldoc_attr_ulong(x, "pieces", m->pieces);
	xmldoc_attr_ulong(x, "pages", m->pages);
	xmldoc_attr_ulong(x, "sheets", m->sheets);
	xmldoc_end(x);
	xmldoc_start(x, "accounts");
	xmldoc_attr_ulong(x, "read", t->read);
	xmldoc_attr_ulong(x, "letters", t->letters);
	xmldoc_attr_ulong(x, "suppressed", t->suppressed);
	xmldoc_attr_ulong(x, "deferred", t->deferred);
	xmldoc_attr_ulong(x, "rejected", t->rejected);
	xmldoc_end(x);
	xmldoc_start(x, "contacts");
	xmldoc_attr_ulong(x, "read", t->contacts_read);
	xmldoc_attr_ulong(x, "rejected", t->contacts_rejected);
	xmldoc_end(x);
	xmldoc_start(x, "audit-chain");
	xmldoc_attr(x, "head", chain_head);
	xmldoc_end(x);
}

static int write_control(const char *staging_dir, const struct bundle_opts *opts,
			 const struct run_counts *t, const struct manifest_count *m,
			 const struct print_files *pf, const char *chain_head,
			 struct pl_diag *diag)
{
	char *path = xasprintf("%s/%s", staging_dir, CONTROL_NAME);
	struct audit_xml x;
	int rc = xmldoc_open(&x, path, "control", "control file", diag);

	if (rc == PL_OK) {
		cx_body(&x, opts, t, m, pf, chain_head);
		rc = xmldoc_finish(&x, diag);
	}
	audit_xml_abort(&x);   /* nothing after a commit */
	free(path);
	return rc;
}

/* ====================================================================
 * print/SHA256SUMS and print/bundle.zip
 * ==================================================================== */

static int write_sums(const char *staging_dir, struct pl_diag *diag)
{
	static const char *const exclude[] = { SUMS_NAME, ZIP_NAME, ZIP_SHA_NAME };
	char *path = xasprintf("%s/%s", staging_dir, SUMS_NAME);
	struct file_list files;
	struct atomfile af;
	int rc = list_files(staging_dir, exclude, PL_ARRAY_SIZE(exclude), &files, diag);

	memset(&af, 0, sizeof(af));
	if (rc == PL_OK)
		rc = atomfile_open(&af, path, diag);
	for (size_t i = 0; rc == PL_OK && i < files.n; i++) {
		char *file = xasprintf("%s/%s", staging_dir, files.names[i]);
		char hex[PL_SHA256_HEX];

		if (sha256_file(file, hex) != PL_OK)
			rc = pl_diag_set(diag, PL_IO_OPEN, file, 0,
					 "cannot read '%s' to sum it", file);
		else if (atomfile_printf(&af, "%s  %s\n", hex, files.names[i]) != PL_OK)
			rc = pl_diag_set(diag, PL_IO_WRITE, path, 0,
					 "cannot write '%s': %s", path, strerror(errno));
		free(file);
	}
	if (rc == PL_OK)
		rc = atomfile_commit(&af, NULL, diag);
	atomfile_rollback(&af);
	file_list_release(&files);
	free(path);
	return rc;
}

static int write_zip(const char *staging_dir, char sha_out[PL_SHA256_HEX],
		     struct pl_diag *diag)
{
	static const char *const exclude[] = { ZIP_NAME, ZIP_SHA_NAME };
	char *path = xasprintf("%s/%s", staging_dir, ZIP_NAME);
	struct file_list files;
	struct atomfile af;
	struct zip z;
	int rc = list_files(staging_dir, exclude, PL_ARRAY_SIZE(exclude), &files, diag);

	memset(&af, 0, sizeof(af));
	zip_begin(&z, &af);
	if (rc == PL_OK)
		rc = atomfile_open(&af, path, diag);
	for (size_t i = 0; rc == PL_OK && i < files.n; i++) {
		char *file = xasprintf("%s/%s", staging_dir, files.names[i]);

		rc = zip_add_file(&z, files.names[i], file, diag);
		free(file);
	}
	if (rc == PL_OK)
		rc = zip_finish(&z, diag);
	if (rc == PL_OK)
		rc = atomfile_commit(&af, sha_out, diag);
	zip_release(&z);
	atomfile_rollback(&af);
	file_list_release(&files);
	free(path);
	return rc;
}

/* print/bundle.zip.sha256: the zip's digest, for `sha256sum -c` in print/. */
static int write_zip_sha(const char *staging_dir, const char sha[PL_SHA256_HEX],
			 struct pl_diag *diag)
{
	char *path = xasprintf("%s/%s", staging_dir, ZIP_SHA_NAME);
	struct atomfile af;
	int rc = atomfile_open(&af, path, diag);

	if (rc == PL_OK && atomfile_printf(&af, "%s  %s\n", sha,
					   strrchr(ZIP_NAME, '/') + 1) != PL_OK)
		rc = pl_diag_set(diag, PL_IO_WRITE, path, 0, "cannot write '%s': %s",
				 path, strerror(errno));
	if (rc == PL_OK)
		rc = atomfile_commit(&af, NULL, diag);
	atomfile_rollback(&af);
	free(path);
	return rc;
}

int control_write(const char *staging_dir, const struct bundle_opts *opts,
		  const struct run_counts *totals, struct print_files *files,
		  const char chain_head[PL_SHA256_HEX],
		  char zip_sha_out[PL_SHA256_HEX], struct pl_diag *diag)
{
	struct manifest_count m, f = { 0 };
	int rc = count_manifest(staging_dir, &m, diag);

	if (files->n)
		qsort(files->files, files->n, sizeof(*files->files), compare_files);
	for (size_t i = 0; i < files->n; i++) {
		f.pieces += files->files[i].pieces;
		f.pages += files->files[i].pages;
		f.sheets += files->files[i].sheet_total;
	}
	if (rc == PL_OK && (m.pieces != totals->letters || m.pages != totals->pages ||
			    m.sheets != totals->sheets || f.pieces != m.pieces ||
			    f.pages != m.pages || f.sheets != m.sheets))
		rc = pl_diag_set(diag, PL_MANIFEST, MANIFEST_NAME, 0,
				 "control totals do not reconcile with the print "
				 "manifest: run has %lu pieces, %lu pages, %lu sheets, "
				 "the print files %lu, %lu, %lu, %s has %lu, %lu, %lu",
				 totals->letters, totals->pages, totals->sheets,
				 f.pieces, f.pages, f.sheets, MANIFEST_NAME, m.pieces,
				 m.pages, m.sheets);
	if (rc == PL_OK)
		rc = write_control(staging_dir, opts, totals, &m, files,
				   chain_head ? chain_head : "", diag);
	if (rc == PL_OK) {
		killpoint("bundle: control.xml committed");
		rc = write_sums(staging_dir, diag);
	}
	if (rc == PL_OK) {
		killpoint("bundle: SHA256SUMS committed");
		rc = write_zip(staging_dir, zip_sha_out, diag);
	}
	if (rc == PL_OK) {
		killpoint("bundle: bundle.zip committed");
		rc = write_zip_sha(staging_dir, zip_sha_out, diag);
	}
	return rc;
}
