/*
 * verify.c: the auditor's check of a bundle, recomputed from its bytes.
 *
 * verify_bundle() trusts nothing the run left behind but the files of
 * the bundle, and checks them against each other and against the
 * contract of docs/print-bundle.md, in passes:
 *
 *   1. print/SHA256SUMS: every listed digest recomputed, and every file
 *      of the bundle (but the list itself, the zip and the zip's digest)
 *      listed once; print/bundle.zip.sha256 recomputed;
 *   2. audit/manifest.xml, streamed with libxml2's xmlTextReader: the
 *      hash chain recomputed record by record (the rule of
 *      docs/audit-chain.md, implemented here a second time, on purpose,
 *      independently of the writer in bundle/manifest.c), <totals>
 *      against the records counted by outcome, and each <letter> kept;
 *   3. print/control.xml read (max-sheets and pieces-per-file, which
 *      the grouping rules need), then print/manifest.csv: every row's
 *      group against its sheets, envelope and PDF name, rows in piece-id
 *      order, every row against the audit record of its piece (every
 *      value the <letter> carries), no row without a record and no
 *      letter record without a row;
 *   4. the PDFs: every PDF of print/ named <group>-NNN.pdf, parts from 001
 *      without gaps, pieces in the part pieces-per-file puts them in;
 *      per PDF, pages contiguous from 1, byte ranges consecutive from 0
 *      and inside the file, each range's SHA-256 against pages_sha256
 *      (streamed), piece ids ascending and postal codes in presort
 *      order, and the PDF's own page count (see pdf_page_count());
 *   5. print/manifest.xml, streamed: the same pieces in the same order
 *      with the same values as manifest.csv, and its <totals>;
 *   6. print/control.xml: the groups exactly those of manifest.csv in
 *      order, totals per group and per file, the totals the sums, the
 *      outcome counts against the audit records, the chain's head;
 *   7. print/bundle.zip: the whole archive parsed byte for byte (local
 *      headers, data, central directory, end record, nothing in between),
 *      each entry inflated and its CRC-32 checked against the central
 *      directory and against zlib's crc32 of the file on disk, and the
 *      entries exactly the files of the bundle but the zip and its digest.
 *
 * Memory stays flat in the number of accounts: the XML and CSV files are
 * streamed, PDF byte ranges are hashed in chunks, and the rows the
 * cross-checks join on go into a private SQLite database on a temporary
 * file (sqlite3_open_v2 with an empty name), whose page cache is
 * bounded; the joins are SQL. Only control.xml (a few lines per group)
 * is read whole.
 *
 * Every difference is one line on out, "problem: <what> (at
 * <file>[:<line>])", with the bundle-relative file and, where there is
 * one, the line of the record (the audit record's line in
 * audit/manifest.xml, the CSV row's line, the <piece>'s line in
 * print/manifest.xml, the SHA256SUMS line); messages about a piece name
 * it, messages about an audit record name its account. A range whose
 * bytes do not hash to pages_sha256 is reported at its PDF with the
 * piece's id: that is how a changed byte of a PDF is pinned to a letter.
 */
#include "../pl.h"
#include "verify.h"
#include "../core/buf.h"
#include "../core/digest.h"
#include "../core/fsutil.h"
#include "../core/limits.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"
#include "../core/csv.h"   /* the streaming RFC 4180 reader */

#include <dirent.h>
#include <sys/stat.h>
#include <libxml/xmlreader.h>
#include <sqlite3.h>
#include <zlib.h>

#define SUMS_FILE "print/SHA256SUMS"
#define ZIP_FILE "print/bundle.zip"
#define ZIP_SUM_FILE "print/bundle.zip.sha256"
#define CONTROL_FILE "print/control.xml"
#define CSV_FILE "print/manifest.csv"
#define PRINT_XML_FILE "print/manifest.xml"
#define AUDIT_FILE "audit/manifest.xml"

#define PRINT_NS "urn:fairnotice:print-manifest:1"
#define ENVELOPE_WINDOW "#10-double-window"
#define ENVELOPE_FLAT "flat"

/* The longest SHA256SUMS line: a digest, two spaces, a path, LF. */
#define SUMS_MAX_LINE (PL_SHA256_HEX + 2 + PL_MAX_PATH + 2)
/* Files and directories of one bundle (a few dozen). */
#define MAX_BUNDLE_FILES 65535
/* control.xml is a few lines per group and file; a cap for a hostile one. */
#define CONTROL_MAX_BYTES (4L << 20)
/* Bytes of a PDF object read to find its dictionary's keys. */
#define PDF_OBJ_WINDOW 4096
/*
 * The page tree's root is one object listing every page (cairo writes a
 * flat tree): some 11 bytes a page, so 5,000 two-page letters take 110 KB
 * and a group in one file of a million letters some 22 MB. It is read
 * whole, up to the file's size and at most this.
 */
#define PDF_TREE_MAX ((size_t)64 << 20)
/* Bytes of a PDF hashed at a time (a piece's range is streamed). */
#define RANGE_CHUNK 65536
/* The rank of the flat group, after every window-N (N is below it). */
#define FLAT_RANK 1000000UL
/* The longest group name ("window-999999"). */
#define GROUP_MAX 32

struct verify {
	const char *dir;
	FILE *out;
	struct verify_report *report;
	sqlite3 *db;                     /* owned: private temporary database */
	char **files;                    /* owned: every file, bundle-relative, sorted */
	size_t nfiles;
	/* What the audit pass found. */
	bool audit_read;                 /* the manifest parsed to its end */
	char chain_head[PL_SHA256_HEX];  /* hash of the last record, or "" */
	unsigned long outcomes[4];       /* records by outcome (enum audit_outcome) */
	unsigned long records;
	/* The root's attributes the control file repeats; owned, or NULL. */
	char *root_attr[5];
	/* What the control file says the grouping is (0: it does not say). */
	xmlDoc *control;                 /* owned, or NULL when unreadable */
	unsigned long max_sheets;
	unsigned long pieces_per_file;
	/* What the CSV pass found. */
	bool csv_read;
	unsigned long csv_pieces, csv_pages, csv_sheets;
	/* What the PDF pass found: pages of every PDF read, all read. */
	unsigned long pdf_pages;
	bool pdf_pages_known;
	struct pl_diag *diag;
};

static PL_PRINTF(4, 5) void problem(struct verify *v, const char *file,
				    unsigned long line, const char *fmt, ...)
{
	va_list ap;

	v->report->problems++;
	fputs("problem: ", v->out);
	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	if (line)
		fprintf(v->out, " (at %s:%lu)\n", file, line);
	else
		fprintf(v->out, " (at %s)\n", file);
}

static char *bundle_path(const struct verify *v, const char *rel)
{
	return xasprintf("%s/%s", v->dir, rel);
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static bool parse_ulong(const char *s, unsigned long *out)
{
	unsigned long n = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (ULONG_MAX - 9) / 10)
			return false;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	*out = n;
	return true;
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/*
 * The groups of docs/print-bundle.md: "window-N" (N >= 1, no leading
 * zero) ranks N, "flat" ranks after every window group; 0 for any other
 * name. *sheets (may be NULL) gets N, or 0 for flat.
 */
static unsigned long group_rank(const char *g, unsigned long *sheets)
{
	unsigned long n;

	if (sheets)
		*sheets = 0;
	if (!strcmp(g, "flat"))
		return FLAT_RANK;
	if (strncmp(g, "window-", 7) || g[7] == '0' || !parse_ulong(g + 7, &n) ||
	    n == 0 || n >= FLAT_RANK)
		return 0;
	if (sheets)
		*sheets = n;
	return n;
}

/*
 * A print file's name, "<group>-NNN.pdf": its group (a valid one, into
 * group) and part number (three digits or more, from 1, no zero padding
 * past three). false for any other name.
 */
static bool pdf_name_parse(const char *name, char group[GROUP_MAX], unsigned long *part)
{
	size_t len = strlen(name), dash, digits;

	if (len < 9 || strcmp(name + len - 4, ".pdf"))
		return false;
	for (dash = len - 4; dash > 0 && name[dash - 1] != '-'; dash--)
		;
	if (dash < 2)
		return false;
	dash--;   /* at the '-' */
	digits = len - 4 - dash - 1;
	if (digits < 3 || dash >= GROUP_MAX || (digits > 3 && name[dash + 1] == '0'))
		return false;
	*part = 0;
	for (size_t i = dash + 1; i < len - 4; i++) {
		if (name[i] < '0' || name[i] > '9' || *part > 100000000UL)
			return false;
		*part = *part * 10 + (unsigned long)(name[i] - '0');
	}
	memcpy(group, name, dash);
	group[dash] = '\0';
	return *part > 0 && group_rank(group, NULL) != 0;
}

/*
 * Piece ids ("<batch-id>-000001") in their order: by length, then
 * bytewise, so a seventh digit still sorts after six. <0, 0, >0.
 */
static int piece_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

/*
 * The presort key of a postal code: its 5-digit ZIP then its +4 (the
 * digits after the first five, when there are four), so "12345" sorts
 * before "12345-0001" and both before "12346". Other characters are
 * left out.
 */
static void postal_key(const char *code, char key[10])
{
	size_t n = 0;

	for (; *code && n < 9; code++)
		if (*code >= '0' && *code <= '9')
			key[n++] = *code;
	if (n != 5 && n != 9)
		n = n > 5 ? 5 : n;
	key[n] = '\0';
}

/* ====================================================================
 * The files of the bundle
 * ==================================================================== */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every non-directory under v->dir as a bundle-relative path (sorted by
 * the caller). Anything that is not a regular file (a symlink, a fifo) is
 * a problem, and listed too.
 */
static int walk_dir(struct verify *v, const char *rel, size_t *alloc)
{
	char *path = rel[0] ? bundle_path(v, rel) : xstrdup(v->dir);
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = PL_OK;

	if (!d) {
		rc = pl_diag_set(v->diag, PL_IO_OPEN, path, 0,
				 "cannot read directory '%s': %s", path, strerror(errno));
		goto out;
	}
	while (rc == PL_OK && (de = readdir(d))) {
		char *child, *full;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		full = bundle_path(v, child);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = walk_dir(v, child, alloc);
			free(child);
		} else if (v->nfiles >= MAX_BUNDLE_FILES) {
			rc = pl_diag_set(v->diag, PL_LIMIT, full, 0,
					 "cannot verify '%s': more than %d files", v->dir,
					 MAX_BUNDLE_FILES);
			free(child);
		} else {
			if (lstat(full, &st) != 0 || !S_ISREG(st.st_mode))
				problem(v, child, 0, "not a regular file");
			if (v->nfiles == *alloc) {
				*alloc = *alloc ? 2 * *alloc : 16;
				v->files = xrealloc(v->files, *alloc * sizeof(*v->files));
			}
			v->files[v->nfiles++] = child;
		}
		free(full);
	}
out:
	if (d)
		closedir(d);
	free(path);
	return rc;
}

static bool bundle_has(const struct verify *v, const char *rel)
{
	return bsearch(&rel, v->files, v->nfiles, sizeof(*v->files), cmp_str) != NULL;
}


/* ====================================================================
 * 1. print/SHA256SUMS and print/bundle.zip.sha256
 * ==================================================================== */

/* Files the list does not cover: itself, the zip made after it, the zip's digest. */
static bool sums_exempt(const char *rel)
{
	return !strcmp(rel, SUMS_FILE) || !strcmp(rel, ZIP_FILE) || !strcmp(rel, ZIP_SUM_FILE);
}

static void check_sums(struct verify *v)
{
	char *path = bundle_path(v, SUMS_FILE);
	FILE *fp = fopen(path, "rb");
	char *line = NULL;
	bool *listed = xcalloc(v->nfiles ? v->nfiles : 1, sizeof(*listed));
	char prev[PL_MAX_PATH + 1] = "";
	unsigned long lineno = 0;
	size_t cap = 0;
	ssize_t len;

	if (!fp) {
		problem(v, SUMS_FILE, 0, "the checksum list is missing");
		goto out;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		const char *name;
		char want[PL_SHA256_HEX], got[PL_SHA256_HEX];
		char **hit;
		char *full;

		lineno++;
		if ((size_t)len > SUMS_MAX_LINE || (size_t)len != strlen(line)) {
			problem(v, SUMS_FILE, lineno, "line is not '<sha-256>  <path>'");
			continue;
		}
		if (len == 0 || line[len - 1] != '\n') {
			problem(v, SUMS_FILE, lineno, "last line does not end in a line feed");
		} else {
			line[--len] = '\0';
		}
		if (len < 67 || line[64] != ' ' || line[65] != ' ') {
			problem(v, SUMS_FILE, lineno, "line is not '<sha-256>  <path>'");
			continue;
		}
		memcpy(want, line, 64);
		want[64] = '\0';
		name = line + 66;
		if (!is_hex64(want)) {
			problem(v, SUMS_FILE, lineno, "'%s' is not a lowercase sha-256", want);
			continue;
		}
		if (strcmp(prev, name) >= 0)
			problem(v, SUMS_FILE, lineno, "'%s' is out of order or listed twice", name);
		snprintf(prev, sizeof(prev), "%s", name);
		hit = bsearch(&name, v->files, v->nfiles, sizeof(*v->files), cmp_str);
		if (!hit || sums_exempt(name)) {
			problem(v, SUMS_FILE, lineno, "listed file '%s' is %s", name,
				hit ? "not one the list may cover" : "missing from the bundle");
			continue;
		}
		listed[hit - v->files] = true;
		full = bundle_path(v, name);
		v->report->files_checked++;
		if (sha256_file(full, got) != PL_OK)
			problem(v, name, 0, "cannot read the file");
		else if (strcmp(got, want))
			problem(v, name, 0, "sha-256 %s differs from %s listed in %s:%lu",
				got, want, SUMS_FILE, lineno);
		free(full);
	}
	if (ferror(fp))
		problem(v, SUMS_FILE, 0, "cannot read the file: %s", strerror(errno));
	for (size_t i = 0; i < v->nfiles; i++)
		if (!listed[i] && !sums_exempt(v->files[i]))
			problem(v, v->files[i], 0, "file is not listed in %s", SUMS_FILE);
out:
	if (fp)
		fclose(fp);
	free(line);
	free(listed);
	free(path);
}

/*
 * print/bundle.zip.sha256: exactly one line "<sha-256>  bundle.zip\n"
 * (`sha256sum -c` run in print/), the digest that of the zip.
 */
static void check_zip_sum(struct verify *v)
{
	static const char tail[] = "  bundle.zip\n";
	char *path = bundle_path(v, ZIP_SUM_FILE), *zip = bundle_path(v, ZIP_FILE);
	char text[128], want[PL_SHA256_HEX], got[PL_SHA256_HEX];
	FILE *fp = NULL;
	size_t len;

	if (!bundle_has(v, ZIP_SUM_FILE) || !(fp = fopen(path, "rb"))) {
		problem(v, ZIP_SUM_FILE, 0, "the zip's digest is missing");
		goto out;
	}
	v->report->files_checked++;
	len = fread(text, 1, sizeof(text) - 1, fp);
	text[len] = '\0';
	if (ferror(fp)) {
		problem(v, ZIP_SUM_FILE, 0, "cannot read the file");
		goto out;
	}
	if (len != 64 + sizeof(tail) - 1 || strlen(text) != len ||
	    strcmp(text + 64, tail)) {
		problem(v, ZIP_SUM_FILE, 1, "the file is not one line '<sha-256>  bundle.zip'");
		goto out;
	}
	memcpy(want, text, 64);
	want[64] = '\0';
	if (!is_hex64(want)) {
		problem(v, ZIP_SUM_FILE, 1, "'%s' is not a lowercase sha-256", want);
		goto out;
	}
	if (!bundle_has(v, ZIP_FILE))
		goto out;   /* check_zip() says the zip is missing */
	if (sha256_file(zip, got) != PL_OK)
		problem(v, ZIP_FILE, 0, "cannot read the file");
	else if (strcmp(got, want))
		problem(v, ZIP_SUM_FILE, 1, "print/bundle.zip has sha-256 %s, the file says %s",
			got, want);
out:
	if (fp)
		fclose(fp);
	free(zip);
	free(path);
}

/* ====================================================================
 * The columns of print/manifest.csv, and where the other files have them
 * ==================================================================== */

enum col {
	COL_PIECE, COL_ACCOUNT, COL_PDF, COL_FIRST, COL_PAGES, COL_SHEETS,
	COL_ENVELOPE, COL_MAIL_CLASS, COL_TEMPLATE, COL_LANGUAGE, COL_NAME,
	COL_LINE1, COL_LINE2, COL_CITY, COL_STATE, COL_POSTAL, COL_IMB,
	COL_TVERSION, COL_MAIL_DATE, COL_VEND, COL_CONTENT, COL_SIDES,
	COL_GROUP, COL_PAGES_SHA, COL_OFFSET, COL_LENGTH, COL_COUNT
};

/* Where print/manifest.xml has a column. */
enum xml_place {
	XML_NONE,
	XML_ATTR,       /* an attribute of <piece>; absent means "" */
	XML_ATTR_OPT,   /* an attribute of <piece> the contract does not show: compared when there */
	XML_ADDRESS,    /* a child element of <piece><address> */
	XML_ROOT,       /* an attribute of <print-manifest>, the same for every row */
};

/* Where the audit record of a piece has a column. */
enum audit_place {
	AUDIT_NONE,
	AUDIT_LETTER,   /* an attribute of <letter> */
	AUDIT_ACCOUNT,  /* an attribute of <account> (only id) */
	AUDIT_DATES,    /* an attribute of <dates> */
};

static const struct column {
	const char *csv;            /* its name in the header (docs/print-bundle.md) */
	const char *sql;            /* its column in csv_row and audit_letter */
	enum xml_place xml_place;
	const char *xml;            /* its name in print/manifest.xml */
	enum audit_place audit_place;
	const char *audit;          /* its attribute in audit/manifest.xml */
} columns[COL_COUNT] = {
	[COL_PIECE]      = { "piece_id", "piece_id", XML_ATTR, "id", AUDIT_LETTER, "piece" },
	[COL_ACCOUNT]    = { "account_id", "account_id", XML_ATTR, "account", AUDIT_ACCOUNT, "id" },
	[COL_PDF]        = { "pdf", "pdf", XML_ATTR, "pdf", AUDIT_LETTER, "pdf" },
	[COL_FIRST]      = { "first_page", "first_page", XML_ATTR, "first-page", AUDIT_LETTER, "first-page" },
	[COL_PAGES]      = { "page_count", "page_count", XML_ATTR, "pages", AUDIT_LETTER, "pages" },
	[COL_SHEETS]     = { "sheet_count", "sheet_count", XML_ATTR, "sheets", AUDIT_LETTER, "sheets" },
	[COL_ENVELOPE]   = { "envelope", "envelope", XML_ATTR, "envelope", AUDIT_NONE, NULL },
	[COL_MAIL_CLASS] = { "mail_class", "mail_class", XML_ROOT, "mail-class", AUDIT_NONE, NULL },
	[COL_TEMPLATE]   = { "template", "template", XML_ATTR, "template", AUDIT_LETTER, "template" },
	[COL_LANGUAGE]   = { "language", "language", XML_ATTR, "language", AUDIT_LETTER, "language" },
	[COL_NAME]       = { "name", "name", XML_ADDRESS, "name", AUDIT_NONE, NULL },
	[COL_LINE1]      = { "address_line1", "address_line1", XML_ADDRESS, "line1", AUDIT_NONE, NULL },
	[COL_LINE2]      = { "address_line2", "address_line2", XML_ADDRESS, "line2", AUDIT_NONE, NULL },
	[COL_CITY]       = { "city", "city", XML_ADDRESS, "city", AUDIT_NONE, NULL },
	[COL_STATE]      = { "state", "state", XML_ADDRESS, "state", AUDIT_NONE, NULL },
	[COL_POSTAL]     = { "postal_code", "postal_code", XML_ADDRESS, "postal-code", AUDIT_NONE, NULL },
	[COL_IMB]        = { "imb", "imb", XML_ATTR, "imb", AUDIT_LETTER, "imb" },
	[COL_TVERSION]   = { "template_version", "template_version", XML_ATTR, "template-version",
			     AUDIT_LETTER, "template-version" },
	[COL_MAIL_DATE]  = { "mail_date", "mail_date", XML_ROOT, "mail-date", AUDIT_DATES, "mail" },
	[COL_VEND]       = { "validation_end_date", "validation_end_date", XML_ATTR_OPT,
			     "validation-end-date", AUDIT_DATES, "validation-end" },
	[COL_CONTENT]    = { "content_sha256", "content_sha256", XML_ATTR_OPT, "content-sha256",
			     AUDIT_LETTER, "content-sha256" },
	[COL_SIDES]      = { "sides", "sides", XML_ATTR, "sides", AUDIT_NONE, NULL },
	[COL_GROUP]      = { "group", "grp", XML_ATTR, "group", AUDIT_LETTER, "group" },
	[COL_PAGES_SHA]  = { "pages_sha256", "pages_sha256", XML_ATTR, "pages-sha256",
			     AUDIT_LETTER, "pages-sha256" },
	[COL_OFFSET]     = { "pdf_offset", "pdf_offset", XML_ATTR, "pdf-offset", AUDIT_LETTER, "pdf-offset" },
	[COL_LENGTH]     = { "pdf_length", "pdf_length", XML_ATTR, "pdf-length", AUDIT_LETTER, "pdf-length" },
};

/* The numeric columns, parsed into the n_* columns of csv_row. */
static const enum col number_cols[] = { COL_FIRST, COL_PAGES, COL_SHEETS, COL_OFFSET, COL_LENGTH };
static const char *const number_sql[] = { "n_first", "n_pages", "n_sheets", "n_offset", "n_length" };

/* ====================================================================
 * The private database of the cross-checks
 * ==================================================================== */

/*
 * csv_row: every row of manifest.csv with the header's field count, its
 * fields as text (for the comparisons) and, when good (every number
 * parses, pages from 1), the numbers, the group's rank and the part of
 * its PDF (for the sums and orders). audit_letter: every <letter> of the
 * audit manifest, as text, with the line of its record.
 */
static char *schema_sql(void)
{
	struct buf b;
	char *sql;

	buf_init(&b, 1L << 16);
	if (buf_addstr(&b, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
		       "CREATE TABLE csv_row(seq INTEGER PRIMARY KEY, line INTEGER,"
		       " good INTEGER") != PL_OK)
		PL_BUG("schema");
	for (int i = 0; i < COL_COUNT; i++)
		if (buf_addf(&b, ", %s TEXT", columns[i].sql) != PL_OK)
			PL_BUG("schema");
	for (size_t i = 0; i < PL_ARRAY_SIZE(number_sql); i++)
		if (buf_addf(&b, ", %s INTEGER", number_sql[i]) != PL_OK)
			PL_BUG("schema");
	if (buf_addstr(&b, ", grank INTEGER, part INTEGER, postal_key TEXT);"
		       "CREATE TABLE audit_letter(line INTEGER") != PL_OK)
		PL_BUG("schema");
	for (int i = 0; i < COL_COUNT; i++)
		if (columns[i].audit_place != AUDIT_NONE &&
		    buf_addf(&b, ", %s TEXT", columns[i].sql) != PL_OK)
			PL_BUG("schema");
	if (buf_addstr(&b, ");"
		       "CREATE TABLE pdf_file(name TEXT, grp TEXT, grank INTEGER, part INTEGER);"
		       /* Sums and firsts per PDF and per group: one lookup, not a scan each. */
		       "CREATE INDEX csv_row_pdf ON csv_row(pdf, seq);"
		       "CREATE INDEX csv_row_grp ON csv_row(grp, seq);"
		       "BEGIN;") != PL_OK)
		PL_BUG("schema");
	sql = buf_detach(&b, NULL);
	return sql;
}

static int db_open(struct verify *v)
{
	char *err = NULL, *sql = schema_sql();
	int rc = PL_OK;

	if (sqlite3_open_v2("", &v->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(v->db, sql, NULL, NULL, &err) != SQLITE_OK)
		rc = pl_diag_set(v->diag, PL_MANIFEST, NULL, 0,
				 "cannot open a temporary database: %s",
				 err ? err : sqlite3_errmsg(v->db));
	sqlite3_free(err);
	free(sql);
	return rc;
}

static sqlite3_stmt *db_prepare(struct verify *v, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		PL_BUG("cannot prepare '%s': %s", sql, sqlite3_errmsg(v->db));
	return st;
}

/* "INSERT INTO table VALUES (?, ...)" with one ? per column of table. */
static sqlite3_stmt *db_prepare_insert(struct verify *v, const char *table)
{
	char *sql = xasprintf("SELECT count(*) FROM pragma_table_info('%s')", table);
	sqlite3_stmt *st = db_prepare(v, sql);
	struct buf b;
	int n = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	free(sql);
	buf_init(&b, 4096);
	if (buf_addf(&b, "INSERT INTO %s VALUES (", table) != PL_OK)
		PL_BUG("insert");
	for (int i = 0; i < n; i++)
		if (buf_addstr(&b, i ? ",?" : "?") != PL_OK)
			PL_BUG("insert");
	if (buf_addstr(&b, ")") != PL_OK)
		PL_BUG("insert");
	sql = buf_detach(&b, NULL);
	st = db_prepare(v, sql);
	free(sql);
	return st;
}

static void db_step_done(struct verify *v, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		PL_BUG("cannot write the temporary database: %s", sqlite3_errmsg(v->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

static unsigned long col_ulong(sqlite3_stmt *st, int i)
{
	return (unsigned long)sqlite3_column_int64(st, i);
}

/* ====================================================================
 * 2. audit/manifest.xml: the chain and the totals
 * ==================================================================== */

/* Deepest element inside an audit record (<account> is 1; today 3). */
#define CHAIN_DEPTH 16
/* Most attributes of one element (<letter> has 17) and text of one. */
#define CHAIN_MAX_ATTRS 64
#define CHAIN_MAX_TEXT (1L << 20)
#define AUDIT_NS "urn:fairnotice:audit:1"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

enum audit_outcome { OUT_LETTER, OUT_SUPPRESSED, OUT_DEFERRED, OUT_REJECTED, OUT_COUNT };
static const char *const outcome_words[OUT_COUNT] = {
	"letter", "suppressed", "deferred", "rejected",
};

struct audit_pass {
	struct verify *v;
	xmlTextReaderPtr reader;         /* owned */
	sqlite3_stmt *insert;            /* owned */
	char err[256];                   /* first parse error, or "" */
	unsigned long err_line;
	/* The chain (docs/audit-chain.md). */
	char prev[PL_SHA256_HEX];        /* hash of the record before, zeros at the start */
	char want[PL_SHA256_HEX];        /* the hash attribute of the record being read */
	struct digest canon;             /* owned while hashing */
	bool hashing;
	bool chain_seen;
	/* Elements open inside the record, by depth (1: the <account>). */
	struct chain_level {
		bool has_child;          /* an element child was seen */
		struct buf text;         /* owned: its text so far */
	} level[CHAIN_DEPTH];
	unsigned long counts[OUT_COUNT];
	unsigned long records, pages, sheets;
	/* The record being read. */
	char account[PL_MAX_FIELD_BYTES];
	unsigned long line;
	int outcome;                     /* enum audit_outcome, or -1 */
	unsigned letters_in_record;
	char *dates[2];                  /* xmlFree: <dates> mail, validation-end */
	bool totals_seen;
};

/* The line of the node the reader is on (its start tag). */
static unsigned long reader_line(struct audit_pass *a)
{
	xmlNode *node = xmlTextReaderCurrentNode(a->reader);
	long line = node ? xmlGetLineNo(node) : -1;

	if (line <= 0)
		line = xmlTextReaderGetParserLineNumber(a->reader);
	return line > 0 ? (unsigned long)line : 0;
}

/* The attribute as a string (xmlFree), or NULL. */
static char *attr(struct audit_pass *a, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(a->reader, (const xmlChar *)name);
}

/*
 * The hash chain, recomputed from the reader's events (the rule of
 * docs/audit-chain.md, restated at the top of bundle/manifest.c):
 * hash = SHA-256(prev-hex "\n" canonical(account)), canonical() emitted
 * as the elements stream past: the "E" line at each start tag, the
 * element's text kept until its end tag (hashed only when it had no
 * element child), "/" at the end.
 */

static void canon_esc(struct digest *d, const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p != '\\' && *p != '\n')
			continue;
		digest_update(d, s, (size_t)(p - s));
		digest_update(d, *p == '\n' ? "\\n" : "\\\\", 2);
		s = p + 1;
	}
	digest_update(d, s, (size_t)(p - s));
}

struct canon_attr {
	xmlChar *name, *value;   /* owned (xmlFree) */
};

static int canon_attr_cmp(const void *a, const void *b)
{
	return strcmp((const char *)((const struct canon_attr *)a)->name,
		      (const char *)((const struct canon_attr *)b)->name);
}

/* The "E" line of the element the reader is on, and open its level. */
static void chain_element(struct audit_pass *a, int depth, bool is_account)
{
	struct canon_attr attrs[CHAIN_MAX_ATTRS];
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(a->reader);
	const char *name = (const char *)xmlTextReaderConstLocalName(a->reader);
	size_t n = 0;

	if (!ns || strcmp(ns, AUDIT_NS))
		problem(a->v, AUDIT_FILE, a->line, "account '%s': <%s> is not in namespace %s",
			a->account, name, AUDIT_NS);
	digest_update(&a->canon, "E", 1);
	digest_update(&a->canon, name, strlen(name));
	while (xmlTextReaderMoveToNextAttribute(a->reader) == 1) {
		xmlChar *an;

		if (xmlTextReaderIsNamespaceDecl(a->reader))
			continue;
		an = xmlTextReaderName(a->reader);
		if (is_account && (!strcmp((char *)an, "prev") || !strcmp((char *)an, "hash"))) {
			xmlFree(an);
			continue;
		}
		if (n == CHAIN_MAX_ATTRS) {
			problem(a->v, AUDIT_FILE, a->line, "account '%s': <%s> has over %d attributes",
				a->account, name, CHAIN_MAX_ATTRS);
			xmlFree(an);
			break;
		}
		attrs[n].name = an;
		attrs[n].value = xmlTextReaderValue(a->reader);
		n++;
	}
	xmlTextReaderMoveToElement(a->reader);
	if (n)
		qsort(attrs, n, sizeof(attrs[0]), canon_attr_cmp);
	for (size_t i = 0; i < n; i++) {
		digest_update(&a->canon, "\x1f", 1);
		digest_update(&a->canon, attrs[i].name, strlen((char *)attrs[i].name));
		digest_update(&a->canon, "=", 1);
		canon_esc(&a->canon, attrs[i].value ? (char *)attrs[i].value : "");
		xmlFree(attrs[i].name);
		xmlFree(attrs[i].value);
	}
	digest_update(&a->canon, "\n", 1);
	if (depth > 1)
		a->level[depth - 1].has_child = true;
	a->level[depth].has_child = false;
	buf_clear(&a->level[depth].text);
}

/* The end of the element at depth: its text if it had no child, then "/". */
static void chain_element_end(struct audit_pass *a, int depth)
{
	const struct chain_level *l = &a->level[depth];

	if (!l->has_child && l->text.len) {
		digest_update(&a->canon, "T", 1);
		canon_esc(&a->canon, buf_str(&l->text));
		digest_update(&a->canon, "\n", 1);
	} else if (l->has_child && strspn(buf_str(&l->text), " \t\r\n") != l->text.len) {
		problem(a->v, AUDIT_FILE, a->line,
			"account '%s': text beside elements is not part of the chain", a->account);
	}
	digest_update(&a->canon, "/\n", 2);
}

/* At the <account> start tag (the reader on it). */
static void chain_begin(struct audit_pass *a)
{
	char *prev = attr(a, "prev"), *hash = attr(a, "hash");

	if (!prev || strcmp(prev, a->prev))
		problem(a->v, AUDIT_FILE, a->line,
			"account '%s': prev '%s' is not the hash of the record before (%s)",
			a->account, prev ? prev : "", a->prev);
	snprintf(a->want, sizeof(a->want), "%s", hash ? hash : "");
	/*
	 * The record is hashed with the prev it states: a changed record is
	 * one problem, and a changed link (prev or hash) is found by the
	 * comparison above, so every record and every link is checked
	 * without one difference repeating down the rest of the chain.
	 */
	digest_init(&a->canon);
	a->hashing = true;
	digest_update(&a->canon, prev ? prev : "", prev ? strlen(prev) : 0);
	digest_update(&a->canon, "\n", 1);
	xmlFree(prev);
	xmlFree(hash);
	chain_element(a, 1, true);
}

/* Every reader event inside an open (not empty) <account>. */
static void chain_node(struct audit_pass *a, int type, int depth)
{
	if (depth < 2)
		return;   /* the <account> itself: chain_begin(), chain_end() */
	if (depth >= CHAIN_DEPTH) {
		if (type == XML_READER_TYPE_ELEMENT)
			problem(a->v, AUDIT_FILE, a->line, "account '%s': nested over %d deep",
				a->account, CHAIN_DEPTH);
		return;
	}
	switch (type) {
	case XML_READER_TYPE_ELEMENT:
		chain_element(a, depth, false);
		if (xmlTextReaderIsEmptyElement(a->reader))
			chain_element_end(a, depth);
		break;
	case XML_READER_TYPE_END_ELEMENT:
		chain_element_end(a, depth);
		break;
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_WHITESPACE:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
		const char *t = (const char *)xmlTextReaderConstValue(a->reader);

		/* A text node's depth is its element's plus one. */
		if (t && buf_addstr(&a->level[depth - 1].text, t) != PL_OK)
			problem(a->v, AUDIT_FILE, a->line, "account '%s': text over %ld bytes",
				a->account, CHAIN_MAX_TEXT);
		break;
	}
	default:
		break;
	}
}

/* At the </account> end tag (or after an empty <account/>). */
static void chain_end(struct audit_pass *a)
{
	char got[PL_SHA256_HEX];

	chain_element_end(a, 1);
	digest_finish(&a->canon, got);
	a->hashing = false;
	if (strcmp(got, a->want))
		problem(a->v, AUDIT_FILE, a->line,
			"account '%s': hash '%s' but the record hashes to %s", a->account,
			a->want, got);
	/* The next record's prev must be the hash this one states. */
	memcpy(a->prev, a->want, sizeof(a->prev));
}

static void chain_release(struct audit_pass *a)
{
	if (a->hashing) {
		char scrap[PL_SHA256_HEX];

		digest_finish(&a->canon, scrap);
		a->hashing = false;
	}
	for (size_t i = 0; i < CHAIN_DEPTH; i++)
		buf_release(&a->level[i].text);
}

/* The root's attributes print/control.xml repeats (verify.root_attr). */
static const char *const root_attrs[] = {
	"batch", "agency", "run-date", "mail-date", "rules-digest",
};

static void audit_error(void *arg, const char *msg, xmlParserSeverities severity,
			xmlTextReaderLocatorPtr loc)
{
	struct audit_pass *a = arg;
	size_t n;

	if (a->err[0] || (severity != XML_PARSER_SEVERITY_ERROR &&
			  severity != XML_PARSER_SEVERITY_VALIDITY_ERROR))
		return;
	snprintf(a->err, sizeof(a->err), "%s", msg ? msg : "error");
	n = strlen(a->err);
	while (n && (a->err[n - 1] == '\n' || a->err[n - 1] == ' '))
		a->err[--n] = '\0';
	a->err_line = loc ? (unsigned long)xmlTextReaderLocatorLineNumber(loc) : 0;
}

/* A numeric attribute of the current element; a problem when it is not one. */
static bool attr_ulong(struct audit_pass *a, const char *what, const char *name,
		       unsigned long *out)
{
	char *s = attr(a, name);
	bool good = parse_ulong(s, out);

	if (!good)
		problem(a->v, AUDIT_FILE, a->line, "%s: %s='%s' is not a number", what,
			name, s ? s : "");
	xmlFree(s);
	return good;
}

static void audit_account_begin(struct audit_pass *a)
{
	char *id = attr(a, "id"), *outcome = attr(a, "outcome");

	a->records++;
	a->line = reader_line(a);
	snprintf(a->account, sizeof(a->account), "%s", id ? id : "");
	a->outcome = -1;
	a->letters_in_record = 0;
	xmlFree(a->dates[0]);
	xmlFree(a->dates[1]);
	a->dates[0] = a->dates[1] = NULL;
	for (int i = 0; i < OUT_COUNT; i++)
		if (outcome && !strcmp(outcome, outcome_words[i]))
			a->outcome = i;
	if (a->outcome < 0)
		problem(a->v, AUDIT_FILE, a->line, "account '%s': unknown outcome '%s'",
			a->account, outcome ? outcome : "");
	else
		a->counts[a->outcome]++;
	chain_begin(a);
	xmlFree(id);
	xmlFree(outcome);
}

/* <dates> of the record: the two a letter's row repeats. */
static void audit_dates(struct audit_pass *a)
{
	xmlFree(a->dates[0]);
	xmlFree(a->dates[1]);
	a->dates[0] = attr(a, "mail");
	a->dates[1] = attr(a, "validation-end");
}

static void audit_letter(struct audit_pass *a)
{
	unsigned long first = 0, pages = 0, sheets = 0;
	char what[PL_MAX_FIELD_BYTES + 32];
	sqlite3_stmt *st = a->insert;
	int k = 2;

	snprintf(what, sizeof(what), "account '%s'", a->account);
	a->letters_in_record++;
	if (a->outcome != OUT_LETTER || a->letters_in_record > 1)
		problem(a->v, AUDIT_FILE, a->line, "%s: a <letter> in a record of outcome '%s'",
			what, a->outcome < 0 ? "?" : outcome_words[a->outcome]);
	if (attr_ulong(a, what, "first-page", &first) &&
	    attr_ulong(a, what, "pages", &pages) &&
	    attr_ulong(a, what, "sheets", &sheets)) {
		a->pages += pages;
		a->sheets += sheets;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->line);
	for (int i = 0; i < COL_COUNT; i++) {
		const struct column *c = &columns[i];
		char *value = NULL;
		const char *text = "";

		if (c->audit_place == AUDIT_NONE)
			continue;
		if (c->audit_place == AUDIT_LETTER)
			text = value = attr(a, c->audit);
		else if (c->audit_place == AUDIT_ACCOUNT)
			text = a->account;
		else
			text = a->dates[!strcmp(c->audit, "mail") ? 0 : 1];
		sqlite3_bind_text(st, k++, text ? text : "", -1, SQLITE_TRANSIENT);
		xmlFree(value);
	}
	db_step_done(a->v, st);
}

static void audit_account_end(struct audit_pass *a)
{
	if (a->outcome == OUT_LETTER && a->letters_in_record == 0)
		problem(a->v, AUDIT_FILE, a->line, "account '%s': outcome letter without <letter>",
			a->account);
	chain_end(a);
	a->v->report->records_checked++;
}

static void audit_totals(struct audit_pass *a)
{
	static const char *const names[OUT_COUNT] = {
		"letters", "suppressed", "deferred", "rejected",
	};
	unsigned long n;

	a->line = reader_line(a);
	a->totals_seen = true;
	if (attr_ulong(a, "<totals>", "read", &n) && n != a->records)
		problem(a->v, AUDIT_FILE, a->line, "<totals> read=%lu but %lu records", n,
			a->records);
	for (int i = 0; i < OUT_COUNT; i++)
		if (attr_ulong(a, "<totals>", names[i], &n) && n != a->counts[i])
			problem(a->v, AUDIT_FILE, a->line,
				"<totals> %s=%lu but %lu records of outcome %s",
				names[i], n, a->counts[i], outcome_words[i]);
	if (attr_ulong(a, "<totals>", "pages", &n) && n != a->pages)
		problem(a->v, AUDIT_FILE, a->line, "<totals> pages=%lu but the letters have %lu",
			n, a->pages);
	if (attr_ulong(a, "<totals>", "sheets", &n) && n != a->sheets)
		problem(a->v, AUDIT_FILE, a->line, "<totals> sheets=%lu but the letters have %lu",
			n, a->sheets);
}

/* <chain head="..."/>, last in the manifest: the last record's hash. */
static void audit_chain_head(struct audit_pass *a)
{
	char *head = attr(a, "head");

	a->line = reader_line(a);
	if (a->chain_seen)
		problem(a->v, AUDIT_FILE, a->line, "a second <chain>");
	a->chain_seen = true;
	if (!head || strcmp(head, a->prev))
		problem(a->v, AUDIT_FILE, a->line,
			"<chain> head '%s' but the last record's hash is %s",
			head ? head : "", a->prev);
	xmlFree(head);
}

static void check_audit(struct verify *v)
{
	struct audit_pass a = { .v = v };
	char *path = bundle_path(v, AUDIT_FILE);
	bool in_account = false;
	int ret;

	memcpy(a.prev, ZERO_HASH, sizeof(a.prev));
	for (size_t i = 0; i < CHAIN_DEPTH; i++)
		buf_init(&a.level[i].text, CHAIN_MAX_TEXT);
	if (!bundle_has(v, AUDIT_FILE)) {
		problem(v, AUDIT_FILE, 0, "the audit manifest is missing");
		goto out;
	}
	a.insert = db_prepare_insert(v, "audit_letter");
	/* No network, no DTD, no entities: the file is data. */
	a.reader = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	if (!a.reader) {
		problem(v, AUDIT_FILE, 0, "cannot open the audit manifest");
		goto out;
	}
	xmlTextReaderSetErrorHandler(a.reader, audit_error, &a);
	while ((ret = xmlTextReaderRead(a.reader)) == 1) {
		int type = xmlTextReaderNodeType(a.reader);
		int depth = xmlTextReaderDepth(a.reader);
		const char *name = (const char *)xmlTextReaderConstLocalName(a.reader);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			problem(v, AUDIT_FILE, 0, "the audit manifest has a DOCTYPE");
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT && depth == 0) {
			if (strcmp(name, "audit-manifest")) {
				problem(v, AUDIT_FILE, 0,
					"root element is <%s>, not <audit-manifest>", name);
				break;
			}
			for (size_t i = 0; i < PL_ARRAY_SIZE(root_attrs); i++) {
				char *s = attr(&a, root_attrs[i]);

				v->root_attr[i] = xstrdup(s ? s : "");
				xmlFree(s);
			}
		}
		if (in_account)
			chain_node(&a, type, depth);
		if (type == XML_READER_TYPE_ELEMENT && depth == 1 && !strcmp(name, "account")) {
			if (a.totals_seen)
				problem(v, AUDIT_FILE, 0, "an <account> after <totals>");
			audit_account_begin(&a);
			in_account = !xmlTextReaderIsEmptyElement(a.reader);
			if (!in_account)
				audit_account_end(&a);
		} else if (type == XML_READER_TYPE_END_ELEMENT && depth == 1 && in_account) {
			in_account = false;
			audit_account_end(&a);
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 2 && in_account &&
			   !strcmp(name, "letter")) {
			audit_letter(&a);
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 2 && in_account &&
			   !strcmp(name, "dates")) {
			audit_dates(&a);
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 1 &&
			   !strcmp(name, "totals")) {
			audit_totals(&a);
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 1 &&
			   !strcmp(name, "chain")) {
			audit_chain_head(&a);
		}
	}
	if (ret != 0 || a.err[0]) {
		problem(v, AUDIT_FILE, a.err_line, "the audit manifest does not parse: %s",
			a.err[0] ? a.err : "read error");
		goto out;
	}
	if (!a.totals_seen)
		problem(v, AUDIT_FILE, 0, "the audit manifest has no <totals>");
	if (!a.chain_seen)
		problem(v, AUDIT_FILE, 0, "the audit manifest has no <chain head>");
	v->audit_read = true;
	memcpy(v->outcomes, a.counts, sizeof(v->outcomes));
	v->records = a.records;
	snprintf(v->chain_head, sizeof(v->chain_head), "%s", a.prev);
out:
	chain_release(&a);
	xmlFree(a.dates[0]);
	xmlFree(a.dates[1]);
	if (a.reader)
		xmlFreeTextReader(a.reader);
	sqlite3_finalize(a.insert);
	free(path);
}

/* ====================================================================
 * 3. print/control.xml read, then print/manifest.csv
 * ==================================================================== */

#define CONTROL_NS "urn:fairnotice:control:1"

/* A count attribute of a control element; a problem when it is not one. */
static unsigned long control_count(struct verify *v, xmlNode *node, const char *name,
				   bool *good)
{
	char *s = xmlsafe_attr_dup(node, name);
	unsigned long n = 0;

	if (!parse_ulong(s, &n)) {
		problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(node),
			"<%s> %s='%s' is not a number", (const char *)node->name, name, s);
		*good = false;
	}
	free(s);
	return n;
}

static void control_expect(struct verify *v, xmlNode *node, const char *name,
			   unsigned long want, const char *whose)
{
	bool good = true;
	unsigned long got = control_count(v, node, name, &good);

	if (good && got != want)
		problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(node),
			"<%s> %s=%lu but %s has %lu", (const char *)node->name, name,
			got, whose, want);
}

/* A string attribute of a control element against what it must be. */
static void control_expect_str(struct verify *v, xmlNode *node, const char *name,
			       const char *want, const char *whose)
{
	char *got = xmlsafe_attr_dup(node, name);

	if (strcmp(got, want))
		problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(node),
			"<%s> %s='%s' but %s has '%s'", (const char *)node->name, name,
			got, whose, want);
	free(got);
}

/* The element child of parent named name whose attribute key is value. */
static xmlNode *control_find(xmlNode *parent, const char *name, const char *key,
			     const char *value)
{
	for (xmlNode *n = parent->children; n; n = n->next) {
		xmlChar *s;
		bool hit;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name))
			continue;
		if (!key)
			return n;
		s = xmlGetProp(n, (const xmlChar *)key);
		hit = s && !strcmp((const char *)s, value);
		xmlFree(s);
		if (hit)
			return n;
	}
	return NULL;
}

/*
 * Parse print/control.xml into v->control and read what the grouping
 * rules of the CSV pass need: pieces-per-file (an attribute of <control>,
 * only when the profile sets it) and max-sheets (an attribute of
 * <control> when there is one, else one less than the flat group's
 * min-sheets; 0 when neither says).
 */
static void control_read(struct verify *v)
{
	char *path = bundle_path(v, CONTROL_FILE);
	struct pl_diag d = { 0 };
	xmlNode *root, *flat;
	bool good = true;

	if (!bundle_has(v, CONTROL_FILE)) {
		problem(v, CONTROL_FILE, 0, "the control file is missing");
		goto out;
	}
	if (xmlsafe_read(path, CONTROL_MAX_BYTES, &v->control, &d) != PL_OK) {
		problem(v, CONTROL_FILE, d.line, "the control file does not parse: %s", d.message);
		v->control = NULL;
		goto out;
	}
	root = xmlDocGetRootElement(v->control);
	if (!root || strcmp((const char *)root->name, "control") || !root->ns ||
	    strcmp((const char *)root->ns->href, CONTROL_NS)) {
		problem(v, CONTROL_FILE, 0, "the root element is not <control xmlns=\"%s\">",
			CONTROL_NS);
		xmlFreeDoc(v->control);
		v->control = NULL;
		goto out;
	}
	if (xmlHasProp(root, (const xmlChar *)"pieces-per-file")) {
		v->pieces_per_file = control_count(v, root, "pieces-per-file", &good);
		if (good && v->pieces_per_file == 0)
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(root),
				"<control> pieces-per-file='0'");
	}
	if (xmlHasProp(root, (const xmlChar *)"max-sheets")) {
		v->max_sheets = control_count(v, root, "max-sheets", &good);
	} else if ((flat = control_find(root, "group", "name", "flat")) &&
		   xmlHasProp(flat, (const xmlChar *)"min-sheets")) {
		unsigned long min = control_count(v, flat, "min-sheets", &good);

		v->max_sheets = min ? min - 1 : 0;
	}
	if (v->max_sheets == 0 && xmlHasProp(root, (const xmlChar *)"max-sheets"))
		problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(root),
			"<control> max-sheets='0'");
out:
	free(path);
}

/*
 * Inserted in csv_row: the row's fields, and when good its numbers, the
 * rank of its group and the part of its PDF.
 */
static void csv_insert(struct verify *v, sqlite3_stmt *st, unsigned long seq,
		       const struct csv_record *rec, bool good,
		       const unsigned long *numbers, unsigned long rank,
		       unsigned long part, const char *key)
{
	int k = 1;

	sqlite3_bind_int64(st, k++, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, k++, (sqlite3_int64)rec->line);
	sqlite3_bind_int(st, k++, good);
	for (int i = 0; i < COL_COUNT; i++)
		sqlite3_bind_text(st, k++, rec->field[i], -1, SQLITE_TRANSIENT);
	for (size_t i = 0; i < PL_ARRAY_SIZE(number_cols); i++) {
		if (good)
			sqlite3_bind_int64(st, k, (sqlite3_int64)numbers[i]);
		k++;
	}
	if (rank)
		sqlite3_bind_int64(st, k, (sqlite3_int64)rank);
	k++;
	if (part)
		sqlite3_bind_int64(st, k, (sqlite3_int64)part);
	k++;
	sqlite3_bind_text(st, k, key, -1, SQLITE_TRANSIENT);
	db_step_done(v, st);
}

/*
 * The rules one row obeys by itself: its group is one of
 * docs/print-bundle.md and agrees with its sheets (window-N: exactly N,
 * N up to max-sheets; flat: over max-sheets) and its envelope; its PDF
 * is a file of its group; its pages_sha256 is a digest. Returns the
 * group's rank (0 when the group is not one) and *part the PDF's part
 * (0 when the name is not <group>-NNN.pdf).
 */
static unsigned long csv_row_rules(struct verify *v, const struct csv_record *rec,
				   bool good, unsigned long sheets, unsigned long *part)
{
	const char *piece = rec->field[COL_PIECE], *grp = rec->field[COL_GROUP];
	const char *envelope = rec->field[COL_ENVELOPE];
	unsigned long n, rank = group_rank(grp, &n);
	unsigned long line = rec->line;
	char pdf_group[GROUP_MAX];

	*part = 0;
	if (!rank) {
		problem(v, CSV_FILE, line, "piece '%s': group '%s' is not window-N or flat",
			piece, grp);
	} else if (rank != FLAT_RANK) {
		if (v->max_sheets && n > v->max_sheets)
			problem(v, CSV_FILE, line,
				"piece '%s': group '%s' but max-sheets is %lu in %s", piece,
				grp, v->max_sheets, CONTROL_FILE);
		if (good && sheets != n)
			problem(v, CSV_FILE, line, "piece '%s': sheet_count %lu but group '%s'",
				piece, sheets, grp);
		if (strcmp(envelope, ENVELOPE_WINDOW))
			problem(v, CSV_FILE, line, "piece '%s': envelope '%s' but group '%s'",
				piece, envelope, grp);
	} else {
		if (good && v->max_sheets && sheets <= v->max_sheets)
			problem(v, CSV_FILE, line,
				"piece '%s': sheet_count %lu in group 'flat' but max-sheets is %lu in %s",
				piece, sheets, v->max_sheets, CONTROL_FILE);
		if (strcmp(envelope, ENVELOPE_FLAT))
			problem(v, CSV_FILE, line, "piece '%s': envelope '%s' but group 'flat'",
				piece, envelope);
	}
	if (!pdf_name_parse(rec->field[COL_PDF], pdf_group, part))
		problem(v, CSV_FILE, line, "piece '%s': pdf '%s' is not named <group>-NNN.pdf",
			piece, rec->field[COL_PDF]);
	else if (rank && strcmp(pdf_group, grp))
		problem(v, CSV_FILE, line, "piece '%s': pdf '%s' is not a file of group '%s'",
			piece, rec->field[COL_PDF], grp);
	if (!is_hex64(rec->field[COL_PAGES_SHA]))
		problem(v, CSV_FILE, line, "piece '%s': pages_sha256 '%s' is not a lowercase sha-256",
			piece, rec->field[COL_PAGES_SHA]);
	return rank;
}

static void check_csv(struct verify *v)
{
	char *path = bundle_path(v, CSV_FILE);
	FILE *fp = NULL;
	struct csv_reader r;
	const struct csv_record *rec;
	sqlite3_stmt *insert = NULL;
	size_t ncolumns = 0;
	bool header = true, reader = false;
	unsigned long seq = 0;
	char prev_piece[PL_MAX_FIELD_BYTES + 1] = "";
	int rc;

	if (!bundle_has(v, CSV_FILE) || !(fp = fopen(path, "rb"))) {
		problem(v, CSV_FILE, 0, "the piece manifest is missing");
		goto out;
	}
	insert = db_prepare_insert(v, "csv_row");
	csv_init(&r, fp, 0);
	reader = true;
	while ((rc = csv_next(&r, &rec)) == PL_OK) {
		unsigned long n[PL_ARRAY_SIZE(number_cols)] = { 0 };
		unsigned long rank, part;
		char key[10];
		bool good = true;

		if (rec->problem != CSV_FINE) {
			problem(v, CSV_FILE, rec->line, "row cannot be read: %s",
				csv_problem_name(rec->problem));
			continue;
		}
		if (header) {
			header = false;
			ncolumns = rec->nfields;
			/* More columns may follow (shared/DESIGN.md); these come first. */
			for (size_t i = 0; i < COL_COUNT; i++)
				if (i >= rec->nstored || strcmp(rec->field[i], columns[i].csv)) {
					problem(v, CSV_FILE, rec->line,
						"header column %zu is not '%s'", i + 1,
						columns[i].csv);
					goto out;
				}
			continue;
		}
		if (rec->nfields != ncolumns || rec->nstored < COL_COUNT) {
			problem(v, CSV_FILE, rec->line, "row has %zu fields, the header %zu",
				rec->nfields, ncolumns);
			continue;
		}
		for (size_t i = 0; i < PL_ARRAY_SIZE(number_cols); i++)
			if (!parse_ulong(rec->field[number_cols[i]], &n[i])) {
				problem(v, CSV_FILE, rec->line, "piece '%s': %s '%s' is not a number",
					rec->field[COL_PIECE], columns[number_cols[i]].csv,
					rec->field[number_cols[i]]);
				good = false;
			}
		/* n[] follows number_cols: first, pages, sheets, offset, length. */
		if (good && (n[0] == 0 || n[1] == 0 || n[4] == 0)) {
			problem(v, CSV_FILE, rec->line, "piece '%s': no pages or no bytes",
				rec->field[COL_PIECE]);
			good = false;
		}
		/* docs/print-bundle.md: one row per piece, in piece-id order. */
		if (seq && piece_cmp(prev_piece, rec->field[COL_PIECE]) >= 0)
			problem(v, CSV_FILE, rec->line,
				"piece '%s' follows '%s': rows are not in piece-id order",
				rec->field[COL_PIECE], prev_piece);
		snprintf(prev_piece, sizeof(prev_piece), "%s", rec->field[COL_PIECE]);
		rank = csv_row_rules(v, rec, good, n[2], &part);
		postal_key(rec->field[COL_POSTAL], key);
		if (good) {
			v->csv_pieces++;
			v->csv_pages += n[1];
			v->csv_sheets += n[2];
		}
		csv_insert(v, insert, ++seq, rec, good, n, rank, part, key);
	}
	if (rc != PL_DONE)
		problem(v, CSV_FILE, 0, "cannot read the file: %s", strerror(r.io_errno));
	else if (header)
		problem(v, CSV_FILE, 0, "the file has no header");
	else
		v->csv_read = true;
out:
	if (reader)
		csv_release(&r);
	if (fp)
		fclose(fp);
	sqlite3_finalize(insert);
	free(path);
}

/*
 * The rows against the audit records, joined on the piece id: every
 * column the audit record carries (columns[], audit_place) the same.
 * Only meaningful when both files were read (a half-read side would
 * report every row of the other).
 */
static void check_pieces(struct verify *v)
{
	struct buf sql;
	sqlite3_stmt *st;
	char *text;

	sqlite3_exec(v->db, "CREATE INDEX audit_piece ON audit_letter(piece_id);"
		     "CREATE INDEX csv_piece ON csv_row(piece_id);", NULL, NULL, NULL);
	st = db_prepare(v, "SELECT piece_id, min(line), count(*) FROM csv_row GROUP BY piece_id"
			" HAVING count(*) > 1 ORDER BY min(line)");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, CSV_FILE, col_ulong(st, 1), "piece '%s' has %d rows",
			col_text(st, 0), sqlite3_column_int(st, 2));
	sqlite3_finalize(st);
	st = db_prepare(v, "SELECT piece_id, min(line), count(*) FROM audit_letter GROUP BY piece_id"
			" HAVING count(*) > 1 ORDER BY min(line)");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, AUDIT_FILE, col_ulong(st, 1), "piece '%s' has %d letter records",
			col_text(st, 0), sqlite3_column_int(st, 2));
	sqlite3_finalize(st);

	st = db_prepare(v, "SELECT c.piece_id, c.line FROM csv_row c WHERE NOT EXISTS"
			" (SELECT 1 FROM audit_letter a WHERE a.piece_id = c.piece_id) ORDER BY c.line");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, CSV_FILE, col_ulong(st, 1),
			"piece '%s' has no audit record of outcome letter", col_text(st, 0));
	sqlite3_finalize(st);
	st = db_prepare(v, "SELECT a.piece_id, a.line, a.account_id FROM audit_letter a WHERE NOT EXISTS"
			" (SELECT 1 FROM csv_row c WHERE c.piece_id = a.piece_id) ORDER BY a.line");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, AUDIT_FILE, col_ulong(st, 1),
			"account '%s': piece '%s' has no row in %s", col_text(st, 2),
			col_text(st, 0), CSV_FILE);
	sqlite3_finalize(st);

	/* c.piece, c.line, a.line, a.account, then c.X, a.X for each column. */
	buf_init(&sql, 1L << 16);
	if (buf_addstr(&sql, "SELECT c.piece_id, c.line, a.line, a.account_id") != PL_OK)
		PL_BUG("sql");
	for (int i = 0; i < COL_COUNT; i++)
		if (columns[i].audit_place != AUDIT_NONE &&
		    buf_addf(&sql, ", c.%s, a.%s", columns[i].sql, columns[i].sql) != PL_OK)
			PL_BUG("sql");
	if (buf_addstr(&sql, " FROM csv_row c JOIN audit_letter a ON a.piece_id = c.piece_id"
		       " ORDER BY c.line, a.line") != PL_OK)
		PL_BUG("sql");
	text = buf_detach(&sql, NULL);
	st = db_prepare(v, text);
	free(text);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int k = 4;

		for (int i = 0; i < COL_COUNT; i++) {
			const char *mine, *theirs;

			if (columns[i].audit_place == AUDIT_NONE)
				continue;
			mine = col_text(st, k);
			theirs = col_text(st, k + 1);
			k += 2;
			if (strcmp(mine, theirs))
				problem(v, CSV_FILE, col_ulong(st, 1),
					"piece '%s': %s '%s' but '%s' in the record of account '%s' at %s:%lu",
					col_text(st, 0), columns[i].csv, mine, theirs,
					col_text(st, 3), AUDIT_FILE, col_ulong(st, 2));
		}
	}
	sqlite3_finalize(st);
}

/* ====================================================================
 * 4. The PDFs
 * ==================================================================== */


/*
 * Find "key" in the dictionary text s (a window of one object) followed by
 * "N G R" and return N, or 0.
 */
static unsigned long pdf_ref(const char *s, const char *key)
{
	const char *p = s;
	size_t klen = strlen(key);

	while ((p = strstr(p, key))) {
		char *end;
		unsigned long n;

		p += klen;
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			continue;   /* a longer name, e.g. /PagesX */
		n = strtoul(p, &end, 10);
		if (end == p)
			continue;
		return n;
	}
	return 0;
}

/* Read the window of object n via the xref table into buf (NUL-terminated). */
static bool pdf_object(FILE *fp, unsigned long first_entry_at, unsigned long count,
		       unsigned long n, char *buf, size_t size)
{
	char entry[21], head[64];
	unsigned long off;
	char *end;
	size_t got;
	int hl;

	if (n == 0 || n >= count ||
	    fseek(fp, (long)(first_entry_at + 20 * n), SEEK_SET) ||
	    fread(entry, 1, 20, fp) != 20)
		return false;
	entry[20] = '\0';
	if (entry[17] != 'n')
		return false;
	off = strtoul(entry, &end, 10);
	if (end != entry + 10 || fseek(fp, (long)off, SEEK_SET))
		return false;
	got = fread(buf, 1, size - 1, fp);
	buf[got] = '\0';
	hl = snprintf(head, sizeof(head), "%lu 0 obj", n);
	if (strncmp(buf, head, (size_t)hl))
		return false;
	/* Only the dictionary: cut at the end of the object or its stream. */
	if ((end = strstr(buf, "endobj")))
		*end = '\0';
	if ((end = strstr(buf, "stream")))
		*end = '\0';
	return true;
}

/*
 * The page count of a PDF, the way a reader finds it: startxref at the end
 * of the file gives the cross-reference table (cairo writes a classic
 * table, one subsection from object 0); the trailer after it names the
 * catalog (/Root); the catalog names the root of the page tree (/Pages);
 * its /Count is the number of pages. Each object is located through its
 * xref entry and checked to begin with "N 0 obj", and only a bounded
 * window of it is read, so a damaged file gives false, never a crash or a
 * long scan. Object streams and xref streams (PDF 1.5 compressed
 * structure) are not read: cairo does not write them; such a file is
 * reported as unreadable.
 */
static bool pdf_page_count(const char *path, unsigned long *pages)
{
	FILE *fp = fopen(path, "rb");
	char *buf = xmalloc(PDF_OBJ_WINDOW + 1), *p, *end;
	unsigned long xref_at, count, entries_at, root, tree;
	long size;
	size_t got;
	bool ok = false;

	if (!fp || fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 64)
		goto out;
	/* The tail: "startxref\n<offset>\n%%EOF". */
	if (fseek(fp, size > 1024 ? size - 1024 : 0, SEEK_SET))
		goto out;
	got = fread(buf, 1, 1024, fp);
	buf[got] = '\0';
	for (p = NULL, end = buf; (end = strstr(end, "startxref")); end++)
		p = end;
	if (!p)
		goto out;
	xref_at = strtoul(p + 9, &end, 10);
	if (end == p + 9 || xref_at >= (unsigned long)size || fseek(fp, (long)xref_at, SEEK_SET))
		goto out;
	/* "xref\n0 <count>\n" then count entries of 20 bytes, then the trailer. */
	got = fread(buf, 1, 64, fp);
	buf[got] = '\0';
	if (strncmp(buf, "xref", 4))
		goto out;
	p = buf + 4;
	while (*p == '\r' || *p == '\n' || *p == ' ')
		p++;
	if (strtoul(p, &end, 10) != 0 || end == p)
		goto out;
	p = end;
	count = strtoul(p, &end, 10);
	if (end == p || count < 2 || count > (unsigned long)size / 20)
		goto out;
	p = end;
	while (*p == ' ' || *p == '\r')
		p++;
	if (*p != '\n')
		goto out;
	entries_at = xref_at + (unsigned long)(p + 1 - buf);
	if (fseek(fp, (long)(entries_at + 20 * count), SEEK_SET))
		goto out;
	got = fread(buf, 1, 512, fp);
	buf[got] = '\0';
	if (strncmp(buf, "trailer", 7) || !(root = pdf_ref(buf, "/Root")))
		goto out;
	if (!pdf_object(fp, entries_at, count, root, buf, PDF_OBJ_WINDOW + 1) ||
	    !strstr(buf, "/Type /Catalog") || !(tree = pdf_ref(buf, "/Pages")))
		goto out;
	free(buf);
	buf = xmalloc((size_t)size < PDF_TREE_MAX ? (size_t)size + 1 : PDF_TREE_MAX + 1);
	if (!pdf_object(fp, entries_at, count, tree, buf,
			(size_t)size < PDF_TREE_MAX ? (size_t)size + 1 : PDF_TREE_MAX + 1) ||
	    !strstr(buf, "/Type /Pages") || strstr(buf, "/Parent") ||
	    !(p = strstr(buf, "/Count")))
		goto out;
	p += 6;
	while (*p == ' ' || *p == '\n' || *p == '\r')
		p++;
	*pages = strtoul(p, &end, 10);
	ok = end != p;
out:
	if (fp)
		fclose(fp);
	free(buf);
	return ok;
}


/*
 * The print files as a set: every PDF of print/ named <group>-NNN.pdf and
 * holding pieces, each group's parts numbered from 001 without a gap,
 * every PDF a row names there, no file over pieces-per-file, and each
 * piece in the part pieces-per-file puts it in (docs/print-bundle.md
 * "Groups and files": a group's part n holds its letters from the n-th
 * slice of K letters of the batch that has any; without K, all in part
 * 001).
 */
static void check_pdf_files(struct verify *v)
{
	sqlite3_stmt *ins = db_prepare_insert(v, "pdf_file"), *st;
	unsigned long k = v->pieces_per_file;
	char grp[GROUP_MAX] = "";
	unsigned long next = 1, at = 0;
	char prev_name[PL_MAX_PATH] = "";

	for (size_t i = 0; i < v->nfiles; i++) {
		const char *f = v->files[i], *name = f + 6;
		char g[GROUP_MAX];
		unsigned long part;
		size_t len = strlen(f);

		if (strncmp(f, "print/", 6) || strchr(name, '/') || len < 10 ||
		    strcmp(f + len - 4, ".pdf"))
			continue;
		if (!pdf_name_parse(name, g, &part)) {
			problem(v, f, 0, "a print file not named <group>-NNN.pdf");
			continue;
		}
		sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, g, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 3, (sqlite3_int64)group_rank(g, NULL));
		sqlite3_bind_int64(ins, 4, (sqlite3_int64)part);
		db_step_done(v, ins);
	}
	sqlite3_finalize(ins);

	/* Parts from 001 without a gap (a missing file between two is named). */
	st = db_prepare(v, "SELECT grp, part, name FROM pdf_file ORDER BY grank, part");
	while (sqlite3_step(st) == SQLITE_ROW) {
		unsigned long part = col_ulong(st, 1);

		if (strcmp(grp, col_text(st, 0))) {
			snprintf(grp, sizeof(grp), "%s", col_text(st, 0));
			next = 1;
			prev_name[0] = '\0';
		}
		if (part > next) {
			char *missing = xasprintf("print/%s-%03lu.pdf", grp, next);

			if (prev_name[0])
				problem(v, missing, 0, "part %lu of group '%s' is missing: %s is followed by %s",
					next, grp, prev_name, col_text(st, 2));
			else
				problem(v, missing, 0, "part %lu of group '%s' is missing: its first file is %s",
					next, grp, col_text(st, 2));
			free(missing);
		}
		next = part + 1;
		snprintf(prev_name, sizeof(prev_name), "%s", col_text(st, 2));
	}
	sqlite3_finalize(st);
	if (!v->csv_read)
		return;

	st = db_prepare(v, "SELECT name FROM pdf_file f WHERE NOT EXISTS"
			" (SELECT 1 FROM csv_row c WHERE c.pdf = f.name) ORDER BY name");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *rel = xasprintf("print/%s", col_text(st, 0));

		problem(v, rel, 0, "the PDF holds no piece of %s", CSV_FILE);
		free(rel);
	}
	sqlite3_finalize(st);
	st = db_prepare(v, "SELECT pdf, min(line) FROM csv_row GROUP BY pdf ORDER BY min(line)");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *pdf = col_text(st, 0);
		char *rel = xasprintf("print/%s", pdf);

		if (strstr(pdf, "..") || strchr(pdf, '/') || !bundle_has(v, rel))
			problem(v, CSV_FILE, col_ulong(st, 1), "pdf '%s' is not a file of the bundle", pdf);
		free(rel);
	}
	sqlite3_finalize(st);
	if (k) {
		st = db_prepare(v, "SELECT pdf, count(*) FROM csv_row GROUP BY pdf"
				" HAVING count(*) > ? ORDER BY min(line)");
		sqlite3_bind_int64(st, 1, (sqlite3_int64)k);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char *rel = xasprintf("print/%s", col_text(st, 0));

			problem(v, rel, 0, "the PDF holds %lu pieces, over pieces-per-file %lu in %s",
				col_ulong(st, 1), k, CONTROL_FILE);
			free(rel);
		}
		sqlite3_finalize(st);
	}

	/*
	 * Each group's pieces in piece-id order, part by part: the batch's
	 * letters go in slices of K (the n-th letter in slice (n-1)/K), and
	 * each slice that has letters of a group gives the group its next part.
	 */
	grp[0] = '\0';
	st = db_prepare(v, "SELECT grp, part, piece_id, line, pdf, seq FROM csv_row"
			" WHERE grank IS NOT NULL AND part IS NOT NULL ORDER BY grank, seq");
	{
		unsigned long want = 0, slice = 0;

		while (sqlite3_step(st) == SQLITE_ROW) {
			unsigned long part = col_ulong(st, 1), seq = col_ulong(st, 5);
			unsigned long this_slice = k && seq ? (seq - 1) / k : 0;

			if (strcmp(grp, col_text(st, 0))) {
				snprintf(grp, sizeof(grp), "%s", col_text(st, 0));
				at = 0;
				want = 1;
				slice = this_slice;
			} else if (at == ULONG_MAX) {
				continue;   /* this group's first misplaced piece is reported */
			} else if (this_slice != slice) {
				want++;
				slice = this_slice;
			}
			at++;
			if (part == want)
				continue;
			if (k)
				problem(v, CSV_FILE, col_ulong(st, 3),
					"piece '%s' is in '%s', but as letter %lu of the batch (slice %lu, of %lu letters each) it belongs in part %03lu of group '%s'",
					col_text(st, 2), col_text(st, 4), seq, this_slice + 1, k, want, grp);
			else
				problem(v, CSV_FILE, col_ulong(st, 3),
					"piece '%s' is in '%s', but %s sets no pieces-per-file: group '%s' is one file, part 001",
					col_text(st, 2), col_text(st, 4), CONTROL_FILE, grp);
			at = ULONG_MAX;
		}
	}
	sqlite3_finalize(st);
}

/*
 * SHA-256 of bytes [offset, offset + length) of fp, read in chunks.
 * false when they cannot all be read.
 */
static bool hash_range(FILE *fp, unsigned char *chunk, unsigned long offset,
		       unsigned long length, char hex[PL_SHA256_HEX])
{
	struct digest d;
	bool ok = fseeko(fp, (off_t)offset, SEEK_SET) == 0;

	digest_init(&d);
	while (ok && length) {
		size_t want = length < RANGE_CHUNK ? (size_t)length : RANGE_CHUNK;

		ok = fread(chunk, 1, want, fp) == want;
		if (ok)
			digest_update(&d, chunk, want);
		length -= want;
	}
	digest_finish(&d, hex);
	return ok;
}

/* One PDF being walked by check_pdf_rows(). */
struct pdf_walk {
	char name[PL_MAX_PATH];      /* within print/; "" before the first */
	char *rel;                   /* owned: "print/<name>" */
	FILE *fp;                    /* owned, or NULL when not a readable file of the bundle */
	unsigned long size;          /* its bytes */
	unsigned long next_page;     /* the page the next piece must start at */
	unsigned long next_byte;     /* the byte the next range must start at */
	unsigned long prev_line;     /* the row before in this PDF */
	char prev_piece[PL_MAX_FIELD_BYTES + 1];
	char prev_postal[PL_MAX_FIELD_BYTES + 1];
	char prev_key[10];
};

static void pdf_walk_begin(struct verify *v, struct pdf_walk *w, const char *name)
{
	struct stat st;
	char *path;

	snprintf(w->name, sizeof(w->name), "%s", name);
	w->rel = xasprintf("print/%s", name);
	w->fp = NULL;
	w->size = 0;
	w->next_page = 1;
	w->next_byte = 0;
	w->prev_line = 0;
	w->prev_piece[0] = w->prev_postal[0] = w->prev_key[0] = '\0';
	if (strstr(name, "..") || strchr(name, '/') || !bundle_has(v, w->rel))
		return;   /* check_pdf_files() says so */
	path = bundle_path(v, w->rel);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (w->fp = fopen(path, "rb")))
		w->size = (unsigned long)st.st_size;
	else
		problem(v, w->rel, 0, "cannot read the file");
	free(path);
}

/* The end of one PDF's rows: its page count against them. */
static void pdf_walk_end(struct verify *v, struct pdf_walk *w)
{
	unsigned long pages = 0;
	char *path;

	if (!w->name[0])
		return;
	if (w->fp) {
		fclose(w->fp);
		path = bundle_path(v, w->rel);
		if (!pdf_page_count(path, &pages)) {
			problem(v, w->rel, 0, "cannot read the page count (trailer, catalog, page tree)");
			v->pdf_pages_known = false;
		} else {
			v->pdf_pages += pages;
			if (pages != w->next_page - 1)
				problem(v, w->rel, 0, "the PDF has %lu pages, the rows of %s cover %lu",
					pages, CSV_FILE, w->next_page - 1);
		}
		free(path);
	} else {
		v->pdf_pages_known = false;
	}
	free(w->rel);
	w->rel = NULL;
	w->fp = NULL;
	w->name[0] = '\0';
}

/*
 * Per PDF named by the rows, its pieces in page order: pages contiguous
 * from 1 without overlap; byte ranges consecutive from 0, without
 * overlap, inside the file, each hashing to its pages_sha256; piece ids
 * ascending and postal codes not descending (presort); the file's page
 * count the pages the rows cover.
 */
static void check_pdf_rows(struct verify *v)
{
	sqlite3_stmt *st = db_prepare(v, "SELECT pdf, n_first, n_pages, line, piece_id,"
				      " n_offset, n_length, pages_sha256, postal_code, postal_key"
				      " FROM csv_row WHERE good ORDER BY pdf, n_first, line");
	unsigned char *chunk = xmalloc(RANGE_CHUNK);
	struct pdf_walk w = { .name = "" };

	v->pdf_pages_known = true;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *pdf = col_text(st, 0), *piece = col_text(st, 4);
		const char *want = col_text(st, 7), *postal = col_text(st, 8);
		const char *key = col_text(st, 9);
		unsigned long first = col_ulong(st, 1), count = col_ulong(st, 2);
		unsigned long line = col_ulong(st, 3);
		unsigned long offset = col_ulong(st, 5), length = col_ulong(st, 6);
		char got[PL_SHA256_HEX];

		if (strcmp(pdf, w.name)) {
			pdf_walk_end(v, &w);
			pdf_walk_begin(v, &w, pdf);
		}
		/* Pages. */
		if (first < w.next_page)
			problem(v, CSV_FILE, line,
				"piece '%s': pages %lu-%lu overlap the row at line %lu",
				piece, first, first + count - 1, w.prev_line);
		else if (first > w.next_page)
			problem(v, CSV_FILE, line,
				"piece '%s': pages %lu-%lu of '%s' belong to no row",
				piece, w.next_page, first - 1, pdf);
		if (first + count > w.next_page)
			w.next_page = first + count;
		/* Bytes. */
		if (offset < w.next_byte)
			problem(v, CSV_FILE, line,
				"piece '%s': bytes %lu-%lu of '%s' overlap the piece before (to byte %lu, row at line %lu)",
				piece, offset, offset + length - 1, pdf, w.next_byte - 1, w.prev_line);
		else if (offset > w.next_byte)
			problem(v, CSV_FILE, line,
				"piece '%s': bytes %lu-%lu of '%s' belong to no piece",
				piece, w.next_byte, offset - 1, pdf);
		if (offset + length > w.next_byte)
			w.next_byte = offset + length;
		if (w.fp && (offset > w.size || length > w.size - offset))
			problem(v, CSV_FILE, line,
				"piece '%s': bytes %lu-%lu lie past the end of '%s' (%lu bytes)",
				piece, offset, offset + length - 1, pdf, w.size);
		else if (w.fp && !hash_range(w.fp, chunk, offset, length, got))
			problem(v, w.rel, 0, "piece '%s': cannot read bytes %lu-%lu", piece,
				offset, offset + length - 1);
		else if (w.fp && strcmp(got, want))
			problem(v, w.rel, 0,
				"piece '%s': bytes %lu-%lu hash to %s, not pages_sha256 %s of %s:%lu",
				piece, offset, offset + length - 1, got, want, CSV_FILE, line);
		/* Presort: ids ascend, ZIP then +4 does not descend. */
		if (w.prev_piece[0] && piece_cmp(w.prev_piece, piece) >= 0)
			problem(v, CSV_FILE, line, "piece '%s' follows piece '%s' in '%s': ids do not ascend",
				piece, w.prev_piece, pdf);
		if (w.prev_piece[0] && strcmp(w.prev_key, key) > 0)
			problem(v, CSV_FILE, line,
				"piece '%s': postal code '%s' follows '%s' of piece '%s' in '%s': not in presort order",
				piece, postal, w.prev_postal, w.prev_piece, pdf);
		snprintf(w.prev_piece, sizeof(w.prev_piece), "%s", piece);
		snprintf(w.prev_postal, sizeof(w.prev_postal), "%s", postal);
		snprintf(w.prev_key, sizeof(w.prev_key), "%s", key);
		w.prev_line = line;
	}
	pdf_walk_end(v, &w);
	sqlite3_finalize(st);
	free(chunk);
}

/* ====================================================================
 * 5. print/manifest.xml against print/manifest.csv
 * ==================================================================== */

/* Most text of one <address> child kept while reading it. */
#define ADDRESS_MAX_TEXT PL_MAX_FIELD_BYTES

struct print_pass {
	struct verify *v;
	xmlTextReaderPtr reader;         /* owned */
	sqlite3_stmt *rows;              /* owned: csv_row in file order */
	char err[256];                   /* first parse error, or "" */
	unsigned long err_line;
	char *root[COL_COUNT];           /* owned: XML_ROOT values, by column */
	/* The <piece> being read, and the row it is compared with. */
	bool in_piece, have_row, same_piece, address_seen;
	unsigned long line, row_line;
	char id[PL_MAX_FIELD_BYTES + 1];
	int address_col;                 /* the <address> child open, or -1 */
	bool seen[COL_COUNT];            /* address children met */
	struct buf text;                 /* owned: that child's text */
	unsigned long pieces, pages, sheets, rows_left;
	bool rows_done;          /* the row query ended: never step it again (SQLite would restart it) */
	bool totals_seen;
};

static void print_error(void *arg, const char *msg, xmlParserSeverities severity,
			xmlTextReaderLocatorPtr loc)
{
	struct print_pass *p = arg;
	size_t n;

	if (p->err[0] || (severity != XML_PARSER_SEVERITY_ERROR &&
			  severity != XML_PARSER_SEVERITY_VALIDITY_ERROR))
		return;
	snprintf(p->err, sizeof(p->err), "%s", msg ? msg : "error");
	n = strlen(p->err);
	while (n && (p->err[n - 1] == '\n' || p->err[n - 1] == ' '))
		p->err[--n] = '\0';
	p->err_line = loc ? (unsigned long)xmlTextReaderLocatorLineNumber(loc) : 0;
}

static unsigned long print_line(struct print_pass *p)
{
	xmlNode *node = xmlTextReaderCurrentNode(p->reader);
	long line = node ? xmlGetLineNo(node) : -1;

	if (line <= 0)
		line = xmlTextReaderGetParserLineNumber(p->reader);
	return line > 0 ? (unsigned long)line : 0;
}

/* The row's value of column c (1 + c in the rows statement). */
static const char *row_value(struct print_pass *p, int c)
{
	return col_text(p->rows, 2 + c);
}

/* The XML value of column c against the row's; what says where it is in the XML. */
static void print_compare(struct print_pass *p, int c, const char *what, const char *value)
{
	const char *want = row_value(p, c);

	if (strcmp(value, want))
		problem(p->v, PRINT_XML_FILE, p->line,
			"piece '%s': %s '%s' but %s '%s' in %s:%lu", p->id, what, value,
			columns[c].csv, want, CSV_FILE, p->row_line);
}

/* At a <piece> start tag: the next row, and every attribute against it. */
static void print_piece_begin(struct print_pass *p)
{
	char *id = (char *)xmlTextReaderGetAttribute(p->reader, (const xmlChar *)"id");
	bool present[COL_COUNT] = { false };

	p->line = print_line(p);
	p->in_piece = true;
	p->address_seen = false;
	p->address_col = -1;
	memset(p->seen, 0, sizeof(p->seen));
	snprintf(p->id, sizeof(p->id), "%s", id ? (char *)id : "");
	xmlFree(id);
	p->pieces++;
	p->have_row = !p->rows_done && sqlite3_step(p->rows) == SQLITE_ROW;
	p->rows_done = !p->have_row;
	p->same_piece = false;
	if (!p->have_row) {
		problem(p->v, PRINT_XML_FILE, p->line, "piece '%s' has no row in %s (it has %lu)",
			p->id, CSV_FILE, p->pieces - 1);
		goto count;
	}
	p->rows_left--;
	p->row_line = col_ulong(p->rows, 0);
	if (strcmp(p->id, row_value(p, COL_PIECE))) {
		/* Out of step: the values would differ, say it once. */
		problem(p->v, PRINT_XML_FILE, p->line,
			"piece '%s' where %s:%lu has piece '%s': not the same pieces in the same order",
			p->id, CSV_FILE, p->row_line, row_value(p, COL_PIECE));
		goto count;
	}
	p->same_piece = true;
	while (xmlTextReaderMoveToNextAttribute(p->reader) == 1) {
		const char *name = (const char *)xmlTextReaderConstName(p->reader);
		const char *value = (const char *)xmlTextReaderConstValue(p->reader);
		int c;

		if (xmlTextReaderIsNamespaceDecl(p->reader))
			continue;
		for (c = 0; c < COL_COUNT; c++)
			if ((columns[c].xml_place == XML_ATTR || columns[c].xml_place == XML_ATTR_OPT) &&
			    !strcmp(columns[c].xml, name))
				break;
		if (c == COL_COUNT) {
			problem(p->v, PRINT_XML_FILE, p->line,
				"piece '%s': attribute '%s' has no column in %s", p->id, name, CSV_FILE);
			continue;
		}
		present[c] = true;
		print_compare(p, c, name, value ? value : "");
	}
	xmlTextReaderMoveToElement(p->reader);
	/* An attribute the contract shows but the piece leaves out is "". */
	for (int c = 0; c < COL_COUNT; c++)
		if (columns[c].xml_place == XML_ATTR && !present[c])
			print_compare(p, c, columns[c].xml, "");
	/* The root's values hold for every row. */
	for (int c = 0; c < COL_COUNT; c++)
		if (columns[c].xml_place == XML_ROOT && strcmp(p->root[c], row_value(p, c)))
			problem(p->v, CSV_FILE, p->row_line,
				"piece '%s': %s '%s' but <print-manifest %s='%s'> in %s",
				p->id, columns[c].csv, row_value(p, c), columns[c].xml,
				p->root[c], PRINT_XML_FILE);
count:
	{
		unsigned long n;
		char *s = (char *)xmlTextReaderGetAttribute(p->reader, (const xmlChar *)"pages");

		if (parse_ulong(s, &n))
			p->pages += n;
		xmlFree(s);
		s = (char *)xmlTextReaderGetAttribute(p->reader, (const xmlChar *)"sheets");
		if (parse_ulong(s, &n))
			p->sheets += n;
		xmlFree(s);
	}
}

/* At </piece> (or after <piece/>): the address was all there. */
static void print_piece_end(struct print_pass *p)
{
	p->in_piece = false;
	if (!p->same_piece)
		return;
	if (!p->address_seen) {
		problem(p->v, PRINT_XML_FILE, p->line, "piece '%s' has no <address>", p->id);
		return;
	}
	for (int c = 0; c < COL_COUNT; c++)
		if (columns[c].xml_place == XML_ADDRESS && !p->seen[c]) {
			char what[64];

			snprintf(what, sizeof(what), "<address> without <%s>: text", columns[c].xml);
			print_compare(p, c, what, "");
		}
}

/* An element inside <piece>: <address> and its children. */
static void print_piece_element(struct print_pass *p, int depth, const char *name)
{
	if (depth == 2) {
		if (strcmp(name, "address"))
			problem(p->v, PRINT_XML_FILE, print_line(p),
				"piece '%s': unknown element <%s>", p->id, name);
		else
			p->address_seen = true;
		return;
	}
	if (depth != 3)
		return;
	for (int c = 0; c < COL_COUNT; c++)
		if (columns[c].xml_place == XML_ADDRESS && !strcmp(columns[c].xml, name)) {
			if (p->seen[c])
				problem(p->v, PRINT_XML_FILE, print_line(p),
					"piece '%s': a second <%s>", p->id, name);
			p->seen[c] = true;
			p->address_col = c;
			buf_clear(&p->text);
			return;
		}
	problem(p->v, PRINT_XML_FILE, print_line(p), "piece '%s': unknown element <%s>",
		p->id, name);
}

static void print_address_end(struct print_pass *p)
{
	char what[64];
	int c = p->address_col;

	p->address_col = -1;
	if (c < 0 || !p->same_piece)
		return;
	snprintf(what, sizeof(what), "<%s>", columns[c].xml);
	print_compare(p, c, what, buf_str(&p->text));
}

static void print_totals(struct print_pass *p)
{
	static const char *const names[] = { "pieces", "pages", "sheets" };
	unsigned long want[] = { p->pieces, p->pages, p->sheets };
	unsigned long line = print_line(p);

	if (p->totals_seen)
		problem(p->v, PRINT_XML_FILE, line, "a second <totals>");
	p->totals_seen = true;
	for (size_t i = 0; i < PL_ARRAY_SIZE(names); i++) {
		char *s = (char *)xmlTextReaderGetAttribute(p->reader, (const xmlChar *)names[i]);
		unsigned long n;

		if (!parse_ulong(s, &n))
			problem(p->v, PRINT_XML_FILE, line, "<totals> %s='%s' is not a number",
				names[i], s ? s : "");
		else if (n != want[i])
			problem(p->v, PRINT_XML_FILE, line, "<totals> %s=%lu but the pieces have %lu",
				names[i], n, want[i]);
		xmlFree(s);
	}
}

/* The root: its namespace, and the values it holds for every piece. */
static bool print_root(struct print_pass *p, const char *name)
{
	static const struct { const char *attr; int audit; } same[] = {
		{ "batch", 0 }, { "agency", 1 }, { "mail-date", 3 },
	};
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(p->reader);

	if (strcmp(name, "print-manifest") || !ns || strcmp(ns, PRINT_NS)) {
		problem(p->v, PRINT_XML_FILE, print_line(p),
			"the root element is not <print-manifest xmlns=\"%s\">", PRINT_NS);
		return false;
	}
	for (int c = 0; c < COL_COUNT; c++) {
		char *s;

		if (columns[c].xml_place != XML_ROOT)
			continue;
		s = (char *)xmlTextReaderGetAttribute(p->reader, (const xmlChar *)columns[c].xml);
		p->root[c] = xstrdup(s ? s : "");
		xmlFree(s);
	}
	/* The batch it is of: the audit manifest's (verify.root_attr). */
	for (size_t i = 0; p->v->audit_read && i < PL_ARRAY_SIZE(same); i++) {
		char *s = (char *)xmlTextReaderGetAttribute(p->reader, (const xmlChar *)same[i].attr);
		const char *want = p->v->root_attr[same[i].audit];

		if (strcmp(s ? s : "", want))
			problem(p->v, PRINT_XML_FILE, print_line(p),
				"<print-manifest> %s '%s' but '%s' in %s", same[i].attr,
				s ? s : "", want, AUDIT_FILE);
		xmlFree(s);
	}
	return true;
}

static void check_print_xml(struct verify *v)
{
	struct print_pass p = { .v = v, .address_col = -1 };
	char *path = bundle_path(v, PRINT_XML_FILE);
	struct buf sql;
	char *text;
	int ret;

	buf_init(&p.text, ADDRESS_MAX_TEXT);
	if (!bundle_has(v, PRINT_XML_FILE)) {
		problem(v, PRINT_XML_FILE, 0, "the XML piece manifest is missing");
		goto out;
	}
	buf_init(&sql, 1L << 16);
	if (buf_addstr(&sql, "SELECT line, seq") != PL_OK)
		PL_BUG("sql");
	for (int c = 0; c < COL_COUNT; c++)
		if (buf_addf(&sql, ", %s", columns[c].sql) != PL_OK)
			PL_BUG("sql");
	if (buf_addstr(&sql, " FROM csv_row ORDER BY seq") != PL_OK)
		PL_BUG("sql");
	text = buf_detach(&sql, NULL);
	p.rows = db_prepare(v, text);
	free(text);
	{
		sqlite3_stmt *st = db_prepare(v, "SELECT count(*) FROM csv_row");

		if (sqlite3_step(st) == SQLITE_ROW)
			p.rows_left = col_ulong(st, 0);
		sqlite3_finalize(st);
	}
	p.reader = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA |
				    XML_PARSE_BIG_LINES);
	if (!p.reader) {
		problem(v, PRINT_XML_FILE, 0, "cannot open the XML piece manifest");
		goto out;
	}
	xmlTextReaderSetErrorHandler(p.reader, print_error, &p);
	while ((ret = xmlTextReaderRead(p.reader)) == 1) {
		int type = xmlTextReaderNodeType(p.reader);
		int depth = xmlTextReaderDepth(p.reader);
		const char *name = (const char *)xmlTextReaderConstLocalName(p.reader);
		bool empty = type == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(p.reader);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			problem(v, PRINT_XML_FILE, 0, "the XML piece manifest has a DOCTYPE");
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT && depth == 0) {
			if (!print_root(&p, name))
				break;
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 1 && !strcmp(name, "piece")) {
			if (p.totals_seen)
				problem(v, PRINT_XML_FILE, print_line(&p), "a <piece> after <totals>");
			print_piece_begin(&p);
			if (empty)
				print_piece_end(&p);
		} else if (type == XML_READER_TYPE_END_ELEMENT && depth == 1 && p.in_piece) {
			print_piece_end(&p);
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 1 && !strcmp(name, "totals")) {
			print_totals(&p);
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 1) {
			problem(v, PRINT_XML_FILE, print_line(&p), "unknown element <%s>", name);
		} else if (type == XML_READER_TYPE_ELEMENT && p.in_piece) {
			print_piece_element(&p, depth, name);
			if (empty && depth == 3)
				print_address_end(&p);
		} else if (type == XML_READER_TYPE_END_ELEMENT && depth == 3 && p.in_piece) {
			print_address_end(&p);
		} else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
			    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
			    type == XML_READER_TYPE_WHITESPACE) &&
			   p.address_col >= 0 && depth == 4) {
			const char *t = (const char *)xmlTextReaderConstValue(p.reader);

			if (t && buf_addstr(&p.text, t) != PL_OK)
				problem(v, PRINT_XML_FILE, print_line(&p),
					"piece '%s': address text over %d bytes", p.id,
					ADDRESS_MAX_TEXT);
		}
	}
	if (ret != 0 || p.err[0]) {
		problem(v, PRINT_XML_FILE, p.err_line, "the XML piece manifest does not parse: %s",
			p.err[0] ? p.err : "read error");
		goto out;
	}
	if (!p.totals_seen)
		problem(v, PRINT_XML_FILE, 0, "the XML piece manifest has no <totals>");
	while (!p.rows_done && p.rows_left && sqlite3_step(p.rows) == SQLITE_ROW) {
		problem(v, CSV_FILE, col_ulong(p.rows, 0), "piece '%s' has no <piece> in %s",
			row_value(&p, COL_PIECE), PRINT_XML_FILE);
		p.rows_left--;
	}
out:
	for (int c = 0; c < COL_COUNT; c++)
		free(p.root[c]);
	buf_release(&p.text);
	if (p.reader)
		xmlFreeTextReader(p.reader);
	sqlite3_finalize(p.rows);
	free(path);
}

/* ====================================================================
 * 6. print/control.xml
 * ==================================================================== */

/* The sums of the rows of one group or one file. */
struct row_sums {
	unsigned long pieces, pages, sheets;
	char first[PL_MAX_FIELD_BYTES + 1], last[PL_MAX_FIELD_BYTES + 1];
};

/* The good rows whose column (grp or pdf) is value. */
static void row_sums(struct verify *v, const char *column, const char *value,
		     struct row_sums *out)
{
	char *sql = xasprintf("SELECT count(*), total(n_pages), total(n_sheets),"
			      " (SELECT piece_id FROM csv_row WHERE good AND %s = ?1 ORDER BY seq LIMIT 1),"
			      " (SELECT piece_id FROM csv_row WHERE good AND %s = ?1 ORDER BY seq DESC LIMIT 1)"
			      " FROM csv_row WHERE good AND %s = ?1", column, column, column);
	sqlite3_stmt *st = db_prepare(v, sql);

	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	memset(out, 0, sizeof(*out));
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->pieces = col_ulong(st, 0);
		out->pages = (unsigned long)sqlite3_column_double(st, 1);
		out->sheets = (unsigned long)sqlite3_column_double(st, 2);
		snprintf(out->first, sizeof(out->first), "%s", col_text(st, 3));
		snprintf(out->last, sizeof(out->last), "%s", col_text(st, 4));
	}
	sqlite3_finalize(st);
	free(sql);
}

/* pieces, pages and sheet-total (sheets for <totals>) against sums. */
static void control_expect_sums(struct verify *v, xmlNode *n, const char *sheets_name,
				const struct row_sums *s, const char *whose)
{
	control_expect(v, n, "pieces", s->pieces, whose);
	control_expect(v, n, "pages", s->pages, whose);
	control_expect(v, n, sheets_name, s->sheets, whose);
}

/* The <file> children of one <group>: exactly its PDFs, in part order. */
static void control_files(struct verify *v, xmlNode *group, const char *name)
{
	sqlite3_stmt *st = db_prepare(v, "SELECT pdf FROM csv_row WHERE good AND grp = ?"
				      " GROUP BY pdf ORDER BY min(part), pdf");
	xmlNode *n = group->children;
	char whose[PL_MAX_PATH + 64];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *pdf = col_text(st, 0);
		struct row_sums s;
		char *got;

		while (n && n->type != XML_ELEMENT_NODE)
			n = n->next;
		if (!n || strcmp((const char *)n->name, "file")) {
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(group),
				"<group name=\"%s\"> has no <file name=\"%s\"> (in its place in part order)",
				name, pdf);
			break;
		}
		got = xmlsafe_attr_dup(n, "name");
		if (strcmp(got, pdf)) {
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(n),
				"<file name=\"%s\"> where %s's next file of group '%s' is '%s'",
				got, CSV_FILE, name, pdf);
			free(got);
			break;
		}
		free(got);
		row_sums(v, "pdf", pdf, &s);
		snprintf(whose, sizeof(whose), "%s (file %s)", CSV_FILE, pdf);
		control_expect_sums(v, n, "sheet-total", &s, whose);
		control_expect_str(v, n, "first-piece", s.first, whose);
		control_expect_str(v, n, "last-piece", s.last, whose);
		n = n->next;
	}
	sqlite3_finalize(st);
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(n),
			"<%s> in <group name=\"%s\"> is not a file of the group's pieces in %s",
			(const char *)n->name, name, CSV_FILE);
	}
}

/*
 * The groups: in the order window-1 ... window-N, flat; exactly those
 * manifest.csv has pieces of; each with its envelope, its sheets (or the
 * flat group's min-sheets), its totals and its files.
 */
static void control_groups(struct verify *v, xmlNode *root, struct row_sums *sum)
{
	sqlite3_stmt *st;
	unsigned long prev_rank = 0;

	memset(sum, 0, sizeof(*sum));
	for (xmlNode *n = root->children; n; n = n->next) {
		char *name, whose[64];
		unsigned long rank, sheets;
		struct row_sums s;
		bool good = true;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "group"))
			continue;
		name = xmlsafe_attr_dup(n, "name");
		rank = group_rank(name, &sheets);
		sum->pieces += control_count(v, n, "pieces", &good);
		sum->pages += control_count(v, n, "pages", &good);
		sum->sheets += control_count(v, n, "sheet-total", &good);
		if (!rank) {
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(n),
				"<group name=\"%s\"> is not window-N or flat", name);
			free(name);
			continue;
		}
		if (rank <= prev_rank)
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(n),
				"<group name=\"%s\"> is out of order (window-1 ... window-N, flat) or twice",
				name);
		prev_rank = rank;
		if (rank == FLAT_RANK) {
			control_expect_str(v, n, "envelope", ENVELOPE_FLAT, "the group flat");
			if (v->max_sheets)
				control_expect(v, n, "min-sheets", v->max_sheets + 1,
					       "max-sheets + 1 of <control>");
		} else {
			control_expect_str(v, n, "envelope", ENVELOPE_WINDOW, "a window group");
			control_expect(v, n, "sheets", sheets, "its name");
		}
		row_sums(v, "grp", name, &s);
		if (!s.pieces) {
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(n),
				"<group name=\"%s\"> but %s has no piece of the group", name, CSV_FILE);
		} else {
			snprintf(whose, sizeof(whose), "%s (group %s)", CSV_FILE, name);
			control_expect_sums(v, n, "sheet-total", &s, whose);
			control_files(v, n, name);
		}
		free(name);
	}
	st = db_prepare(v, "SELECT grp, count(*), min(line) FROM csv_row WHERE good AND"
			" grank IS NOT NULL GROUP BY grp ORDER BY grank");
	while (sqlite3_step(st) == SQLITE_ROW)
		if (!control_find(root, "group", "name", col_text(st, 0)))
			problem(v, CONTROL_FILE, 0, "no <group name=\"%s\"> for its %lu pieces in %s",
				col_text(st, 0), col_ulong(st, 1), CSV_FILE);
	sqlite3_finalize(st);
	/* The files it names are files of the bundle. */
	for (xmlNode *g = root->children; g; g = g->next) {
		if (g->type != XML_ELEMENT_NODE || strcmp((const char *)g->name, "group"))
			continue;
		for (xmlNode *f = g->children; f; f = f->next) {
			char *name, *rel;

			if (f->type != XML_ELEMENT_NODE || strcmp((const char *)f->name, "file"))
				continue;
			name = xmlsafe_attr_dup(f, "name");
			rel = xasprintf("print/%s", name);
			if (strchr(name, '/') || !bundle_has(v, rel))
				problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(f),
					"<file name=\"%s\"> is not a file of the bundle", name);
			free(rel);
			free(name);
		}
	}
}

static void check_control(struct verify *v)
{
	static const char *const count_names[] = {
		"letters", "suppressed", "deferred", "rejected",
	};
	xmlNode *root, *n;
	const char *whose = CSV_FILE;

	if (!v->control)
		return;   /* control_read() said why */
	root = xmlDocGetRootElement(v->control);
	for (size_t i = 0; v->audit_read && i < PL_ARRAY_SIZE(root_attrs); i++) {
		char *s = xmlsafe_attr_dup(root, root_attrs[i]);

		if (strcmp(s, v->root_attr[i]))
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(root),
				"%s '%s' but '%s' in %s", root_attrs[i], s,
				v->root_attr[i], AUDIT_FILE);
		free(s);
	}

	if (v->csv_read) {
		struct row_sums groups;

		control_groups(v, root, &groups);
		if (!(n = control_find(root, "totals", NULL, NULL))) {
			problem(v, CONTROL_FILE, 0, "no <totals>");
		} else {
			control_expect(v, n, "pieces", v->csv_pieces, whose);
			control_expect(v, n, "pages", v->csv_pages, whose);
			control_expect(v, n, "sheets", v->csv_sheets, whose);
			control_expect(v, n, "pieces", groups.pieces, "the sum of its groups");
			control_expect(v, n, "pages", groups.pages, "the sum of its groups");
			control_expect(v, n, "sheets", groups.sheets, "the sum of its groups");
			if (v->pdf_pages_known)
				control_expect(v, n, "pages", v->pdf_pages, "the sum of the PDFs");
		}
	}
	if (v->audit_read) {
		if (!(n = control_find(root, "accounts", NULL, NULL))) {
			problem(v, CONTROL_FILE, 0, "no <accounts>");
		} else {
			control_expect(v, n, "read", v->records, AUDIT_FILE);
			for (int i = 0; i < OUT_COUNT; i++)
				control_expect(v, n, count_names[i], v->outcomes[i], AUDIT_FILE);
		}
		if (!(n = control_find(root, "audit-chain", NULL, NULL))) {
			problem(v, CONTROL_FILE, 0, "no <audit-chain>");
		} else {
			char *head = xmlsafe_attr_dup(n, "head");

			if (strcmp(head, v->chain_head))
				problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(n),
					"<audit-chain> head '%s' but the last record of %s has hash '%s'",
					head, AUDIT_FILE, v->chain_head);
			free(head);
		}
	}
}

/* ====================================================================
 * 7. print/bundle.zip
 * ==================================================================== */

/*
 * The values bundle/zip.c writes (zip.h): every field the format leaves
 * free is fixed, so a changed byte in any of them is a difference too.
 */
#define ZIP_LOCAL_SIG    0x04034b50u
#define ZIP_CENTRAL_SIG  0x02014b50u
#define ZIP_END_SIG      0x06054b50u
#define ZIP_LOCAL_LEN    30
#define ZIP_CENTRAL_LEN  46
#define ZIP_END_LEN      22
#define ZIP_VERSION      20
#define ZIP_MADE_BY      ((3u << 8) | ZIP_VERSION)
#define ZIP_DEFLATE      8
#define ZIP_DOS_TIME     0x0000u
#define ZIP_DOS_DATE     0x0021u
#define ZIP_FLAG_UTF8    0x0800u
#define ZIP_EXTERNAL     (0100644u << 16)
#define ZIP_CHUNK        65536
#define ZIP_ALL_ONES     0xffffffffu
/* ZIP64, where a value needs it (zip.h). */
#define ZIP64_VERSION     45
#define ZIP64_MADE_BY     ((3u << 8) | ZIP64_VERSION)
#define ZIP64_EXTRA_ID    0x0001u
#define ZIP64_END_SIG     0x06064b50u
#define ZIP64_LOCATOR_SIG 0x07064b50u
#define ZIP64_END_LEN     56
#define ZIP64_LOCATOR_LEN 20

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool read_at(FILE *fp, uint64_t at, void *buf, size_t len)
{
	return fseeko(fp, (off_t)at, SEEK_SET) == 0 && fread(buf, 1, len, fp) == len;
}

/* One central directory record, as read (ZIP64 values in place). */
struct zip_cd {
	unsigned flags;
	uint32_t crc;
	uint64_t csize, size, offset;
	unsigned name_len;
	bool zip64_sizes;            /* the sizes came from its ZIP64 extra */
	char *name;                  /* owned */
};

/*
 * Inflate the entry's data (csize bytes at at) and check that the raw
 * deflate stream ends exactly at its last byte with zero padding bits;
 * *crc and *size get what it inflates to. false with why filled when it
 * is not a valid stream.
 */
static bool zip_inflate(FILE *fp, uint64_t at, uint64_t csize, uint32_t *crc,
			uint64_t *size, const char **why)
{
	unsigned char *in = xmalloc(ZIP_CHUNK), *out = xmalloc(ZIP_CHUNK);
	z_stream zs;
	uint64_t left = csize;
	unsigned char last = 0;
	bool ok = false, final_seen = false;
	int ret = Z_OK;

	memset(&zs, 0, sizeof(zs));
	*crc = (uint32_t)crc32(0L, Z_NULL, 0);
	*size = 0;
	*why = "the data is not a deflate stream";
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
		PL_BUG("inflateInit2 failed");
	if (fseeko(fp, (off_t)at, SEEK_SET)) {
		*why = "the data cannot be read";
		goto out;
	}
	while (ret != Z_STREAM_END) {
		if (zs.avail_in == 0 && left) {
			size_t want = left < ZIP_CHUNK ? left : ZIP_CHUNK;

			if (fread(in, 1, want, fp) != want) {
				*why = "the data is cut short";
				goto out;
			}
			left -= want;
			last = in[want - 1];
			zs.next_in = in;
			zs.avail_in = (uInt)want;
		}
		zs.next_out = out;
		zs.avail_out = ZIP_CHUNK;
		/* Z_BLOCK: stop at block ends, to see the final one's padding. */
		ret = inflate(&zs, Z_BLOCK);
		if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
			goto out;
		*crc = (uint32_t)crc32(*crc, out, ZIP_CHUNK - zs.avail_out);
		*size += ZIP_CHUNK - zs.avail_out;
		if (!final_seen && (zs.data_type & 64) && (zs.data_type & 128)) {
			unsigned unused = (unsigned)zs.data_type & 7;

			final_seen = true;
			if (left || zs.avail_in) {
				*why = "bytes follow the end of the deflate stream";
				goto out;
			}
			if (unused && (last >> (8 - unused)) != 0) {
				*why = "the deflate stream's padding bits are not zero";
				goto out;
			}
		}
		if (ret == Z_BUF_ERROR && zs.avail_in == 0 && !left && zs.avail_out) {
			*why = "the deflate stream is cut short";
			goto out;
		}
	}
	ok = final_seen && !left && !zs.avail_in;
	if (!ok)
		*why = "bytes follow the end of the deflate stream";
out:
	inflateEnd(&zs);
	free(in);
	free(out);
	return ok;
}

/* zlib's crc32 of a file of the bundle; false when it cannot be read. */
static bool file_crc(const char *path, uint32_t *crc, uint64_t *size)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	size_t n;
	bool ok;

	if (!fp)
		return false;
	buf = xmalloc(ZIP_CHUNK);
	*crc = (uint32_t)crc32(0L, Z_NULL, 0);
	*size = 0;
	while ((n = fread(buf, 1, ZIP_CHUNK, fp)) > 0) {
		*crc = (uint32_t)crc32(*crc, buf, (uInt)n);
		*size += n;
	}
	ok = !ferror(fp);
	fclose(fp);
	free(buf);
	return ok;
}

/* Check one entry: its local header, its data, the file it copies. */
static void zip_entry(struct verify *v, FILE *fp, const struct zip_cd *e,
		      uint64_t *next_local)
{
	unsigned char h[ZIP_LOCAL_LEN], x[20];
	unsigned extra = e->zip64_sizes ? sizeof(x) : 0;
	char *name = NULL;
	uint32_t crc;
	uint64_t size;
	const char *why;
	bool same;

	if (e->offset != *next_local) {
		problem(v, ZIP_FILE, 0, "entry '%s' starts at byte %llu, not %llu", e->name,
			(unsigned long long)e->offset, (unsigned long long)*next_local);
		return;
	}
	/* Go on from where the directory says this entry ends, even if bad. */
	*next_local = e->offset + ZIP_LOCAL_LEN + e->name_len + extra + e->csize;
	name = xmalloc(e->name_len + 1);
	if (!read_at(fp, e->offset, h, sizeof(h)) ||
	    !(e->name_len == 0 || fread(name, 1, e->name_len, fp) == e->name_len) ||
	    (extra && fread(x, 1, extra, fp) != extra)) {
		problem(v, ZIP_FILE, 0, "entry '%s': local header cut short", e->name);
		goto out;
	}
	name[e->name_len] = '\0';
	same = get32(h) == ZIP_LOCAL_SIG &&
	       get16(h + 4) == (e->zip64_sizes ? ZIP64_VERSION : ZIP_VERSION) &&
	       get16(h + 6) == e->flags && get16(h + 8) == ZIP_DEFLATE &&
	       get16(h + 10) == ZIP_DOS_TIME && get16(h + 12) == ZIP_DOS_DATE &&
	       get32(h + 14) == e->crc && get16(h + 26) == e->name_len &&
	       get16(h + 28) == extra && !memcmp(name, e->name, e->name_len);
	if (same && e->zip64_sizes)
		same = get32(h + 18) == ZIP_ALL_ONES && get32(h + 22) == ZIP_ALL_ONES &&
		       get16(x) == ZIP64_EXTRA_ID && get16(x + 2) == 16 &&
		       get64(x + 4) == e->size && get64(x + 12) == e->csize;
	else if (same)
		same = get32(h + 18) == e->csize && get32(h + 22) == e->size;
	if (!same) {
		problem(v, ZIP_FILE, 0,
			"entry '%s': local header at byte %llu differs from the central directory",
			e->name, (unsigned long long)e->offset);
		goto out;
	}
	if (!zip_inflate(fp, e->offset + ZIP_LOCAL_LEN + e->name_len + extra,
			 e->csize, &crc, &size, &why))
		problem(v, ZIP_FILE, 0, "entry '%s': %s", e->name, why);
	else if (crc != e->crc || size != e->size)
		problem(v, ZIP_FILE, 0,
			"entry '%s': inflates to crc-32 %08lx, %llu bytes; the directory says %08lx, %llu",
			e->name, (unsigned long)crc, (unsigned long long)size,
			(unsigned long)e->crc, (unsigned long long)e->size);
	if (bundle_has(v, e->name) && strcmp(e->name, ZIP_FILE)) {
		char *path = bundle_path(v, e->name);

		if (!file_crc(path, &crc, &size))
			problem(v, e->name, 0, "cannot read the file");
		else if (crc != e->crc || size != e->size)
			problem(v, ZIP_FILE, 0,
				"entry '%s': crc-32 %08lx, %llu bytes, but the file has %08lx, %llu",
				e->name, (unsigned long)e->crc, (unsigned long long)e->size,
				(unsigned long)crc, (unsigned long long)size);
		free(path);
	}
out:
	free(name);
}

/*
 * A central record's ZIP64 extra field (x, len bytes): the values its
 * 32-bit fields left at all ones, in the format's order (size, compressed
 * size, offset), and nothing else. false when it is not that.
 */
static bool zip64_extra(const unsigned char *x, unsigned len, struct zip_cd *e,
			bool sizes, bool offset)
{
	unsigned want = 8u * ((sizes ? 2 : 0) + (offset ? 1 : 0));
	const unsigned char *p = x + 4;

	if (len != 4 + want || get16(x) != ZIP64_EXTRA_ID || get16(x + 2) != want || !want)
		return false;
	if (sizes) {
		e->size = get64(p);
		e->csize = get64(p + 8);
		p += 16;
		e->zip64_sizes = true;
	}
	if (offset)
		e->offset = get64(p);
	return true;
}

/*
 * The end of the central directory: the end record in the last 22
 * bytes, and before it, when the directory needs them, the ZIP64 end
 * record and its locator. *entries, *cd_size, *cd_off: the values (ZIP64
 * ones where the end record's field is all ones). false after a problem.
 */
static bool zip_end(struct verify *v, FILE *fp, uint64_t zsize, uint64_t *entries,
		    uint64_t *cd_size, uint64_t *cd_off)
{
	unsigned char end[ZIP_END_LEN], loc[ZIP64_LOCATOR_LEN], z64[ZIP64_END_LEN];
	uint64_t tail = ZIP_END_LEN, z64_at;

	if (zsize < ZIP_END_LEN || !read_at(fp, zsize - ZIP_END_LEN, end, sizeof(end))) {
		problem(v, ZIP_FILE, 0, "the file is too short for a zip");
		return false;
	}
	*entries = get16(end + 10);
	*cd_size = get32(end + 12);
	*cd_off = get32(end + 16);
	if (get32(end) != ZIP_END_SIG || get16(end + 4) || get16(end + 6) ||
	    get16(end + 8) != *entries || get16(end + 20))
		goto bad_end;
	if (zsize >= ZIP_END_LEN + ZIP64_LOCATOR_LEN + ZIP64_END_LEN &&
	    read_at(fp, zsize - ZIP_END_LEN - ZIP64_LOCATOR_LEN, loc, sizeof(loc)) &&
	    get32(loc) == ZIP64_LOCATOR_SIG) {
		z64_at = get64(loc + 8);
		if (get32(loc + 4) || get32(loc + 16) != 1 ||
		    z64_at + ZIP64_END_LEN + ZIP64_LOCATOR_LEN + ZIP_END_LEN != zsize ||
		    !read_at(fp, z64_at, z64, sizeof(z64)) || get32(z64) != ZIP64_END_SIG ||
		    get64(z64 + 4) != ZIP64_END_LEN - 12 || get16(z64 + 12) != ZIP64_MADE_BY ||
		    get16(z64 + 14) != ZIP64_VERSION || get32(z64 + 16) || get32(z64 + 20) ||
		    get64(z64 + 24) != get64(z64 + 32) ||
		    (*entries != 0xffffu && *entries != get64(z64 + 32)) ||
		    (*cd_size != ZIP_ALL_ONES && *cd_size != get64(z64 + 40)) ||
		    (*cd_off != ZIP_ALL_ONES && *cd_off != get64(z64 + 48))) {
			problem(v, ZIP_FILE, 0, "the ZIP64 end of central directory record or its locator is damaged");
			return false;
		}
		*entries = get64(z64 + 32);
		*cd_size = get64(z64 + 40);
		*cd_off = get64(z64 + 48);
		tail += ZIP64_END_LEN + ZIP64_LOCATOR_LEN;
	} else if (*entries == 0xffffu || *cd_size == ZIP_ALL_ONES || *cd_off == ZIP_ALL_ONES) {
		problem(v, ZIP_FILE, 0, "the end record asks for a ZIP64 end record, and there is none");
		return false;
	}
	if (*cd_off + *cd_size + tail == zsize)
		return true;
bad_end:
	problem(v, ZIP_FILE, 0, "the end of central directory record is not the last %d bytes",
		ZIP_END_LEN);
	return false;
}

/* The files the zip does not hold: itself, and its digest made after it. */
static bool zip_exempt(const char *rel)
{
	return !strcmp(rel, ZIP_FILE) || !strcmp(rel, ZIP_SUM_FILE);
}

static void check_zip(struct verify *v)
{
	char *path = bundle_path(v, ZIP_FILE);
	FILE *fp = NULL;
	unsigned char c[ZIP_CENTRAL_LEN], x[4 + 24];
	uint64_t zsize, cd_at, next_local = 0, cd_size, cd_off, entries;
	size_t want = 0;   /* next expected file of v->files */
	char *prev = NULL;

	if (!bundle_has(v, ZIP_FILE) || !(fp = fopen(path, "rb"))) {
		problem(v, ZIP_FILE, 0, "the zip is missing");
		goto out;
	}
	v->report->files_checked++;
	if (fseeko(fp, 0, SEEK_END) ||
	    !zip_end(v, fp, zsize = (uint64_t)ftello(fp), &entries, &cd_size, &cd_off))
		goto out;
	cd_at = cd_off;
	for (uint64_t i = 0; i < entries; i++) {
		struct zip_cd e = { 0 };
		bool ascii = true, zip64, sizes, far;
		unsigned extra;
		int order;

		if (cd_at + ZIP_CENTRAL_LEN > cd_off + cd_size ||
		    !read_at(fp, cd_at, c, sizeof(c)) || get32(c) != ZIP_CENTRAL_SIG) {
			problem(v, ZIP_FILE, 0, "central directory record %llu is damaged (at byte %llu)",
				(unsigned long long)i + 1, (unsigned long long)cd_at);
			goto out;
		}
		e.flags = get16(c + 8);
		e.crc = get32(c + 16);
		e.csize = get32(c + 20);
		e.size = get32(c + 24);
		e.name_len = get16(c + 28);
		extra = get16(c + 30);
		e.offset = get32(c + 42);
		zip64 = get16(c + 6) == ZIP64_VERSION;
		sizes = e.csize == ZIP_ALL_ONES && e.size == ZIP_ALL_ONES;
		far = e.offset == ZIP_ALL_ONES;
		e.name = xmalloc(e.name_len + 1);
		if (cd_at + ZIP_CENTRAL_LEN + e.name_len + extra > cd_off + cd_size ||
		    extra > sizeof(x) ||
		    (e.name_len && fread(e.name, 1, e.name_len, fp) != e.name_len) ||
		    (extra && fread(x, 1, extra, fp) != extra)) {
			problem(v, ZIP_FILE, 0, "central directory record %llu is cut short or has a field zip.h never writes",
				(unsigned long long)i + 1);
			free(e.name);
			goto out;
		}
		e.name[e.name_len] = '\0';
		for (unsigned k = 0; k < e.name_len; k++)
			ascii &= (unsigned char)e.name[k] < 0x80;
		if (get16(c + 4) != (zip64 ? ZIP64_MADE_BY : ZIP_MADE_BY) ||
		    (!zip64 && get16(c + 6) != ZIP_VERSION) ||
		    (zip64 ? !zip64_extra(x, extra, &e, sizes, far) : extra != 0) ||
		    e.flags != (ascii ? 0 : ZIP_FLAG_UTF8) || get16(c + 10) != ZIP_DEFLATE ||
		    get16(c + 12) != ZIP_DOS_TIME || get16(c + 14) != ZIP_DOS_DATE ||
		    get16(c + 32) || get16(c + 34) || get16(c + 36) ||
		    get32(c + 38) != ZIP_EXTERNAL || strlen(e.name) != e.name_len) {
			problem(v, ZIP_FILE, 0,
				"central directory record %llu ('%s') has a field zip.h never writes",
				(unsigned long long)i + 1, e.name);
			free(e.name);
			goto out;
		}
		cd_at += ZIP_CENTRAL_LEN + e.name_len + extra;
		if (prev && strcmp(prev, e.name) >= 0)
			problem(v, ZIP_FILE, 0, "entry '%s' is out of order or twice", e.name);
		/* Merge against the bundle's files (sorted; the zip and its digest left out). */
		while (want < v->nfiles &&
		       (zip_exempt(v->files[want]) ||
			strcmp(v->files[want], e.name) < 0)) {
			if (!zip_exempt(v->files[want]))
				problem(v, ZIP_FILE, 0, "file '%s' of the bundle is not in the zip",
					v->files[want]);
			want++;
		}
		order = want < v->nfiles ? strcmp(v->files[want], e.name) : 1;
		if (order == 0)
			want++;
		else
			problem(v, ZIP_FILE, 0, "entry '%s' is not a file of the bundle", e.name);
		zip_entry(v, fp, &e, &next_local);
		free(prev);
		prev = e.name;
	}
	for (; want < v->nfiles; want++)
		if (!zip_exempt(v->files[want]))
			problem(v, ZIP_FILE, 0, "file '%s' of the bundle is not in the zip",
				v->files[want]);
	if (cd_at != cd_off + cd_size)
		problem(v, ZIP_FILE, 0, "the central directory has bytes after its %llu records",
			(unsigned long long)entries);
	if (next_local != cd_off)
		problem(v, ZIP_FILE, 0, "bytes %llu-%llu lie between the last entry and the central directory",
			(unsigned long long)next_local, (unsigned long long)cd_off);
out:
	free(prev);
	if (fp)
		fclose(fp);
	free(path);
}

/* ====================================================================
 * verify_bundle()
 * ==================================================================== */

int verify_bundle(const char *dir, FILE *out, struct verify_report *report,
		  struct pl_diag *diag)
{
	struct verify v = { .dir = dir, .out = out, .report = report, .diag = diag };
	char *print = xasprintf("%s/print", dir), *audit = xasprintf("%s/audit", dir);
	size_t alloc = 0;
	int rc = PL_OK;

	memset(report, 0, sizeof(*report));
	if (!fs_is_dir(dir))
		rc = pl_diag_set(diag, PL_IO_OPEN, dir, 0,
				 "cannot verify '%s': not a directory", dir);
	else if (!fs_is_dir(print) && !fs_is_dir(audit))
		rc = pl_diag_set(diag, PL_USAGE, dir, 0,
				 "cannot verify '%s': not a bundle (no print/ and no audit/)", dir);
	if (rc == PL_OK)
		rc = walk_dir(&v, "", &alloc);
	if (rc == PL_OK && v.nfiles)
		qsort(v.files, v.nfiles, sizeof(*v.files), cmp_str);
	if (rc == PL_OK)
		rc = db_open(&v);
	if (rc != PL_OK)
		goto out;

	check_sums(&v);
	check_zip_sum(&v);
	check_audit(&v);
	control_read(&v);
	check_csv(&v);
	if (v.audit_read && v.csv_read)
		check_pieces(&v);
	check_pdf_files(&v);
	if (v.csv_read) {
		check_pdf_rows(&v);
		check_print_xml(&v);
	}
	check_control(&v);
	check_zip(&v);
	rc = report->problems ? PL_MANIFEST : PL_OK;
out:
	if (v.control)
		xmlFreeDoc(v.control);
	if (v.db)
		sqlite3_close(v.db);
	for (size_t i = 0; i < v.nfiles; i++)
		free(v.files[i]);
	free(v.files);
	for (size_t i = 0; i < PL_ARRAY_SIZE(v.root_attr); i++)
		free(v.root_attr[i]);
	free(print);
	free(audit);
	return rc;
}
