/*
 * verify.c: the auditor's check of a bundle, recomputed from its bytes.
 *
 * verify_bundle() trusts nothing the run left behind but the files of
 * the bundle, and checks them against each other in five passes:
 *
 *   1. print/SHA256SUMS: every listed digest recomputed, and every file
 *      of the bundle (but the list itself and the zip) listed once;
 *   2. audit/manifest.xml, streamed with libxml2's xmlTextReader: the
 *      hash chain recomputed record by record (the rule of
 *      docs/audit-chain.md, implemented here a second time, on purpose,
 *      independently of the writer in bundle/manifest.c), and <totals>
 *      against the records counted by outcome;
 *   3. print/manifest.csv: every row against the audit record of its
 *      piece (outcome letter, account, pdf, first page, page count,
 *      sheets), no row without a record and no letter record without a
 *      row, pages of each PDF contiguous from 1 without overlap, and the
 *      PDF's own page count (see pdf_page_count() for the method);
 *   4. print/control.xml: the totals against manifest.csv and the PDF,
 *      the audit chain's head against the last record's hash;
 *   5. print/bundle.zip: the whole archive parsed byte for byte (local
 *      headers, data, central directory, end record, nothing in between),
 *      each entry inflated and its CRC-32 checked against the central
 *      directory and against zlib's crc32 of the file on disk, and the
 *      entries exactly the files of the bundle.
 *
 * Memory stays flat in the number of accounts: the XML and CSV files are
 * streamed, and the rows the cross-checks join on go into a private
 * SQLite database on a temporary file (sqlite3_open_v2 with an empty
 * name), whose page cache is bounded; the joins are SQL.
 *
 * Every difference is one line on out, "problem: <what> (at
 * <file>[:<line>])", with the bundle-relative file and, where there is
 * one, the line of the record (the audit record's line in
 * audit/manifest.xml, the CSV row's line, the SHA256SUMS line); messages
 * about an audit record name its account.
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
#define CONTROL_FILE "print/control.xml"
#define CSV_FILE "print/manifest.csv"
#define AUDIT_FILE "audit/manifest.xml"

/* The longest SHA256SUMS line: a digest, two spaces, a path, LF. */
#define SUMS_MAX_LINE (PL_SHA256_HEX + 2 + PL_MAX_PATH + 2)
/* Files and directories of one bundle (a handful today). */
#define MAX_BUNDLE_FILES 65535
/* control.xml is a few hundred bytes; a cap for a hostile one. */
#define CONTROL_MAX_BYTES (1L << 20)
/* Bytes of a PDF object read to find its dictionary's keys. */
#define PDF_OBJ_WINDOW 4096

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
	/* What the CSV pass found. */
	bool csv_read;
	unsigned long csv_pieces, csv_pages, csv_sheets;
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
 * 1. print/SHA256SUMS
 * ==================================================================== */

/* Files the list does not cover: itself, and the zip made after it. */
static bool sums_exempt(const char *rel)
{
	return !strcmp(rel, SUMS_FILE) || !strcmp(rel, ZIP_FILE);
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

/* ====================================================================
 * The private database of the cross-checks
 * ==================================================================== */

static const char schema_sql[] =
	"PRAGMA journal_mode=OFF;"
	"PRAGMA synchronous=OFF;"
	"CREATE TABLE audit_letter(piece TEXT, account TEXT, pdf TEXT,"
	" first INTEGER, pages INTEGER, sheets INTEGER, line INTEGER);"
	"CREATE TABLE csv_row(piece TEXT, account TEXT, pdf TEXT,"
	" first INTEGER, pages INTEGER, sheets INTEGER, line INTEGER);"
	"BEGIN;";

static int db_open(struct verify *v)
{
	char *err = NULL;
	int rc = PL_OK;

	if (sqlite3_open_v2("", &v->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(v->db, schema_sql, NULL, NULL, &err) != SQLITE_OK)
		rc = pl_diag_set(v->diag, PL_MANIFEST, NULL, 0,
				 "cannot open a temporary database: %s",
				 err ? err : sqlite3_errmsg(v->db));
	sqlite3_free(err);
	return rc;
}

static sqlite3_stmt *db_prepare(struct verify *v, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		PL_BUG("cannot prepare '%s': %s", sql, sqlite3_errmsg(v->db));
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

/* ====================================================================
 * 2. audit/manifest.xml: the chain and the totals
 * ==================================================================== */

/* Deepest element inside an audit record (<account> is 1; today 3). */
#define CHAIN_DEPTH 16
/* Most attributes of one element (<letter> has 13) and text of one. */
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

static void audit_letter(struct audit_pass *a)
{
	char *piece = attr(a, "piece"), *pdf = attr(a, "pdf");
	unsigned long first = 0, pages = 0, sheets = 0;
	char what[PL_MAX_FIELD_BYTES + 32];
	sqlite3_stmt *st = a->insert;

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
	sqlite3_bind_text(st, 1, piece ? piece : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, pdf ? pdf : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)pages);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)sheets);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)a->line);
	db_step_done(a->v, st);
	xmlFree(piece);
	xmlFree(pdf);
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
	a.insert = db_prepare(v, "INSERT INTO audit_letter VALUES (?,?,?,?,?,?,?)");
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
	if (a.reader)
		xmlFreeTextReader(a.reader);
	sqlite3_finalize(a.insert);
	free(path);
}

/* ====================================================================
 * 3. print/manifest.csv against the audit records and the PDFs
 * ==================================================================== */

/* The first columns of print/manifest.csv (shared/DESIGN.md "Outputs"). */
enum { COL_PIECE, COL_ACCOUNT, COL_PDF, COL_FIRST, COL_PAGES, COL_SHEETS,
       COL_ENVELOPE, COL_NEEDED };
static const char *const csv_columns[COL_NEEDED] = {
	"piece_id", "account_id", "pdf", "first_page", "page_count",
	"sheet_count", "envelope",
};

static void check_csv(struct verify *v)
{
	char *path = bundle_path(v, CSV_FILE);
	FILE *fp = NULL;
	struct csv_reader r;
	const struct csv_record *rec;
	sqlite3_stmt *insert = NULL;
	size_t columns = 0;
	bool header = true, reader = false;
	int rc;

	if (!bundle_has(v, CSV_FILE) || !(fp = fopen(path, "rb"))) {
		problem(v, CSV_FILE, 0, "the piece manifest is missing");
		goto out;
	}
	insert = db_prepare(v, "INSERT INTO csv_row VALUES (?,?,?,?,?,?,?)");
	csv_init(&r, fp, 0);
	reader = true;
	while ((rc = csv_next(&r, &rec)) == PL_OK) {
		unsigned long n[COL_NEEDED] = { 0 };
		bool good = true;

		if (rec->problem != CSV_FINE) {
			problem(v, CSV_FILE, rec->line, "row cannot be read: %s",
				csv_problem_name(rec->problem));
			continue;
		}
		if (header) {
			header = false;
			columns = rec->nfields;
			for (size_t i = 0; i < COL_NEEDED; i++)
				if (i >= rec->nstored || strcmp(rec->field[i], csv_columns[i])) {
					problem(v, CSV_FILE, rec->line,
						"header column %zu is not '%s'", i + 1,
						csv_columns[i]);
					goto out;
				}
			continue;
		}
		if (rec->nfields != columns || rec->nstored < COL_NEEDED) {
			problem(v, CSV_FILE, rec->line, "row has %zu fields, the header %zu",
				rec->nfields, columns);
			continue;
		}
		for (int i = COL_FIRST; i <= COL_SHEETS; i++)
			if (!parse_ulong(rec->field[i], &n[i])) {
				problem(v, CSV_FILE, rec->line, "piece '%s': %s '%s' is not a number",
					rec->field[COL_PIECE], csv_columns[i], rec->field[i]);
				good = false;
			}
		if (good && (n[COL_FIRST] == 0 || n[COL_PAGES] == 0)) {
			problem(v, CSV_FILE, rec->line, "piece '%s': no pages",
				rec->field[COL_PIECE]);
			good = false;
		}
		if (!good)
			continue;
		v->csv_pieces++;
		v->csv_pages += n[COL_PAGES];
		v->csv_sheets += n[COL_SHEETS];
		sqlite3_bind_text(insert, 1, rec->field[COL_PIECE], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(insert, 2, rec->field[COL_ACCOUNT], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(insert, 3, rec->field[COL_PDF], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(insert, 4, (sqlite3_int64)n[COL_FIRST]);
		sqlite3_bind_int64(insert, 5, (sqlite3_int64)n[COL_PAGES]);
		sqlite3_bind_int64(insert, 6, (sqlite3_int64)n[COL_SHEETS]);
		sqlite3_bind_int64(insert, 7, (sqlite3_int64)rec->line);
		db_step_done(v, insert);
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
 * The rows against the audit records, joined on the piece id. Only
 * meaningful when both files were read (a half-read side would report
 * every row of the other).
 */
static void check_pieces(struct verify *v)
{
	sqlite3_stmt *st;

	sqlite3_exec(v->db, "CREATE INDEX audit_piece ON audit_letter(piece);"
		     "CREATE INDEX csv_piece ON csv_row(piece);", NULL, NULL, NULL);
	st = db_prepare(v, "SELECT piece, line, count(*) FROM csv_row GROUP BY piece"
			" HAVING count(*) > 1 ORDER BY min(line)");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, CSV_FILE, (unsigned long)sqlite3_column_int64(st, 1),
			"piece '%s' has %d rows", col_text(st, 0), sqlite3_column_int(st, 2));
	sqlite3_finalize(st);
	st = db_prepare(v, "SELECT piece, line, count(*) FROM audit_letter GROUP BY piece"
			" HAVING count(*) > 1 ORDER BY min(line)");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, AUDIT_FILE, (unsigned long)sqlite3_column_int64(st, 1),
			"piece '%s' has %d letter records", col_text(st, 0),
			sqlite3_column_int(st, 2));
	sqlite3_finalize(st);

	st = db_prepare(v, "SELECT c.piece, c.line FROM csv_row c WHERE NOT EXISTS"
			" (SELECT 1 FROM audit_letter a WHERE a.piece = c.piece) ORDER BY c.line");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, CSV_FILE, (unsigned long)sqlite3_column_int64(st, 1),
			"piece '%s' has no audit record of outcome letter", col_text(st, 0));
	sqlite3_finalize(st);
	st = db_prepare(v, "SELECT a.piece, a.line, a.account FROM audit_letter a WHERE NOT EXISTS"
			" (SELECT 1 FROM csv_row c WHERE c.piece = a.piece) ORDER BY a.line");
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(v, AUDIT_FILE, (unsigned long)sqlite3_column_int64(st, 1),
			"account '%s': piece '%s' has no row in %s", col_text(st, 2),
			col_text(st, 0), CSV_FILE);
	sqlite3_finalize(st);

	st = db_prepare(v, "SELECT c.piece, c.line, a.line, a.account,"
			" c.account, a.account, c.pdf, a.pdf, c.first, a.first,"
			" c.pages, a.pages, c.sheets, a.sheets"
			" FROM csv_row c JOIN audit_letter a ON a.piece = c.piece ORDER BY c.line");
	while (sqlite3_step(st) == SQLITE_ROW) {
		static const char *const what[] = {
			"account_id", "pdf", "first_page", "page_count", "sheet_count",
		};
		for (int i = 0; i < 5; i++) {
			const char *mine = col_text(st, 4 + 2 * i);
			const char *theirs = col_text(st, 5 + 2 * i);

			if (strcmp(mine, theirs))
				problem(v, CSV_FILE, (unsigned long)sqlite3_column_int64(st, 1),
					"piece '%s': %s '%s' but '%s' in the record of account '%s' at %s:%lu",
					col_text(st, 0), what[i], mine, theirs, col_text(st, 3),
					AUDIT_FILE, (unsigned long)sqlite3_column_int64(st, 2));
		}
	}
	sqlite3_finalize(st);
}

/* ---- the PDFs ---- */

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
	if (!pdf_object(fp, entries_at, count, tree, buf, PDF_OBJ_WINDOW + 1) ||
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
 * Per PDF named by the rows: pages contiguous from 1 in row order of
 * first_page, no overlap, and the file's page count equal to the pages
 * the rows cover.
 */
static void check_pages(struct verify *v, unsigned long *letters_pdf_pages)
{
	sqlite3_stmt *st = db_prepare(v, "SELECT pdf, first, pages, line, piece FROM csv_row"
				      " ORDER BY pdf, first, line");
	char pdf[PL_MAX_PATH] = "";
	unsigned long next = 1, prev_line = 0;
	bool more = true;

	while (more) {
		more = sqlite3_step(st) == SQLITE_ROW;
		if (pdf[0] && (!more || strcmp(col_text(st, 0), pdf))) {
			/* The end of one PDF's rows. */
			char *rel = xasprintf("print/%s", pdf);
			char *path = bundle_path(v, rel);
			unsigned long pages = 0;

			if (strstr(pdf, "..") || strchr(pdf, '/') || !bundle_has(v, rel))
				problem(v, CSV_FILE, prev_line, "pdf '%s' is not a file of the bundle", pdf);
			else if (!pdf_page_count(path, &pages))
				problem(v, rel, 0, "cannot read the page count (trailer, catalog, page tree)");
			else if (pages != next - 1)
				problem(v, rel, 0, "the PDF has %lu pages, the rows of %s cover %lu",
					pages, CSV_FILE, next - 1);
			if (!strcmp(pdf, "letters.pdf"))
				*letters_pdf_pages = pages;
			free(path);
			free(rel);
			next = 1;
		}
		if (!more)
			break;
		snprintf(pdf, sizeof(pdf), "%s", col_text(st, 0));
		{
			unsigned long first = (unsigned long)sqlite3_column_int64(st, 1);
			unsigned long count = (unsigned long)sqlite3_column_int64(st, 2);
			unsigned long line = (unsigned long)sqlite3_column_int64(st, 3);

			if (first < next)
				problem(v, CSV_FILE, line,
					"piece '%s': pages %lu-%lu overlap the row at line %lu",
					col_text(st, 4), first, first + count - 1, prev_line);
			else if (first > next)
				problem(v, CSV_FILE, line,
					"piece '%s': pages %lu-%lu of '%s' belong to no row",
					col_text(st, 4), next, first - 1, pdf);
			if (first + count > next)
				next = first + count;
			prev_line = line;
		}
	}
	sqlite3_finalize(st);
}

/* ====================================================================
 * 4. print/control.xml
 * ==================================================================== */

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

struct pdf_sums {
	unsigned long pieces, pages, sheets;
};

static void pdf_sums(struct verify *v, const char *pdf, struct pdf_sums *out)
{
	sqlite3_stmt *st = db_prepare(v, "SELECT count(*), total(pages), total(sheets)"
				      " FROM csv_row WHERE pdf = ?");

	sqlite3_bind_text(st, 1, pdf, -1, SQLITE_TRANSIENT);
	memset(out, 0, sizeof(*out));
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->pieces = (unsigned long)sqlite3_column_int64(st, 0);
		out->pages = (unsigned long)sqlite3_column_double(st, 1);
		out->sheets = (unsigned long)sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
}

static void check_control(struct verify *v, unsigned long letters_pdf_pages,
			  bool have_pdf_pages)
{
	static const char *const count_names[] = {
		"letters", "suppressed", "deferred", "rejected",
	};
	char *path = bundle_path(v, CONTROL_FILE);
	xmlDoc *doc = NULL;
	xmlNode *root, *n;
	struct pl_diag d = { 0 };
	const char *whose = "print/manifest.csv";

	if (!bundle_has(v, CONTROL_FILE)) {
		problem(v, CONTROL_FILE, 0, "the control file is missing");
		goto out;
	}
	if (xmlsafe_read(path, CONTROL_MAX_BYTES, &doc, &d) != PL_OK) {
		problem(v, CONTROL_FILE, d.line, "the control file does not parse: %s", d.message);
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "control")) {
		problem(v, CONTROL_FILE, 0, "the root element is not <control>");
		goto out;
	}
	for (size_t i = 0; v->audit_read && i < PL_ARRAY_SIZE(root_attrs); i++) {
		char *s = xmlsafe_attr_dup(root, root_attrs[i]);

		if (strcmp(s, v->root_attr[i]))
			problem(v, CONTROL_FILE, (unsigned long)xmlGetLineNo(root),
				"%s '%s' but '%s' in %s", root_attrs[i], s,
				v->root_attr[i], AUDIT_FILE);
		free(s);
	}

	if (v->csv_read) {
		struct pdf_sums window;
		unsigned long flat = 0;
		char *pdf = NULL;

		if (!(n = control_find(root, "group", "name", "#10-double-window"))) {
			problem(v, CONTROL_FILE, 0, "no <group name=\"#10-double-window\">");
		} else {
			pdf = xmlsafe_attr_dup(n, "pdf");
			pdf_sums(v, pdf, &window);
			control_expect(v, n, "pieces", window.pieces, whose);
			control_expect(v, n, "pages", window.pages, whose);
			control_expect(v, n, "sheets", window.sheets, whose);
			if (have_pdf_pages && !strcmp(pdf, "letters.pdf"))
				control_expect(v, n, "pages", letters_pdf_pages,
					       "print/letters.pdf");
		}
		if (!(n = control_find(root, "group", "name", "flat"))) {
			problem(v, CONTROL_FILE, 0, "no <group name=\"flat\">");
		} else {
			bool good = true;
			unsigned long max = control_count(v, n, "max-sheets", &good);
			sqlite3_stmt *st = db_prepare(v, "SELECT count(*) FROM csv_row"
						      " WHERE sheets > ?");

			sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
			if (sqlite3_step(st) == SQLITE_ROW)
				flat = (unsigned long)sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			if (good)
				control_expect(v, n, "pieces", flat, whose);
		}
		if (!(n = control_find(root, "totals", NULL, NULL))) {
			problem(v, CONTROL_FILE, 0, "no <totals>");
		} else {
			control_expect(v, n, "pieces", v->csv_pieces, whose);
			control_expect(v, n, "pages", v->csv_pages, whose);
			control_expect(v, n, "sheets", v->csv_sheets, whose);
			if (have_pdf_pages)
				control_expect(v, n, "pages", letters_pdf_pages,
					       "print/letters.pdf");
		}
		free(pdf);
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
out:
	if (doc)
		xmlFreeDoc(doc);
	free(path);
}

/* ====================================================================
 * 5. print/bundle.zip
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

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool read_at(FILE *fp, uint64_t at, void *buf, size_t len)
{
	return fseeko(fp, (off_t)at, SEEK_SET) == 0 && fread(buf, 1, len, fp) == len;
}

/* One central directory record, as read. */
struct zip_cd {
	unsigned flags;
	uint32_t crc, csize, size, offset;
	unsigned name_len;
	char *name;                  /* owned */
};

/*
 * Inflate the entry's data (csize bytes at at) and check that the raw
 * deflate stream ends exactly at its last byte with zero padding bits;
 * *crc and *size get what it inflates to. false with why filled when it
 * is not a valid stream.
 */
static bool zip_inflate(FILE *fp, uint64_t at, uint32_t csize, uint32_t *crc,
			uint64_t *size, const char **why)
{
	unsigned char *in = xmalloc(ZIP_CHUNK), *out = xmalloc(ZIP_CHUNK);
	z_stream zs;
	uint32_t left = csize;
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
			left -= (uint32_t)want;
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
	unsigned char h[ZIP_LOCAL_LEN];
	char *name = NULL;
	uint32_t crc;
	uint64_t size;
	const char *why;

	if (e->offset != *next_local) {
		problem(v, ZIP_FILE, 0, "entry '%s' starts at byte %lu, not %lu", e->name,
			(unsigned long)e->offset, (unsigned long)*next_local);
		return;
	}
	/* Go on from where the directory says this entry ends, even if bad. */
	*next_local = (uint64_t)e->offset + ZIP_LOCAL_LEN + e->name_len + e->csize;
	name = xmalloc(e->name_len + 1);
	if (!read_at(fp, e->offset, h, sizeof(h)) ||
	    !(e->name_len == 0 || fread(name, 1, e->name_len, fp) == e->name_len)) {
		problem(v, ZIP_FILE, 0, "entry '%s': local header cut short", e->name);
		goto out;
	}
	name[e->name_len] = '\0';
	if (get32(h) != ZIP_LOCAL_SIG || get16(h + 4) != ZIP_VERSION ||
	    get16(h + 6) != e->flags || get16(h + 8) != ZIP_DEFLATE ||
	    get16(h + 10) != ZIP_DOS_TIME || get16(h + 12) != ZIP_DOS_DATE ||
	    get32(h + 14) != e->crc || get32(h + 18) != e->csize ||
	    get32(h + 22) != e->size || get16(h + 26) != e->name_len ||
	    get16(h + 28) != 0 || memcmp(name, e->name, e->name_len)) {
		problem(v, ZIP_FILE, 0,
			"entry '%s': local header at byte %lu differs from the central directory",
			e->name, (unsigned long)e->offset);
		goto out;
	}
	if (!zip_inflate(fp, (uint64_t)e->offset + ZIP_LOCAL_LEN + e->name_len,
			 e->csize, &crc, &size, &why))
		problem(v, ZIP_FILE, 0, "entry '%s': %s", e->name, why);
	else if (crc != e->crc || size != e->size)
		problem(v, ZIP_FILE, 0,
			"entry '%s': inflates to crc-32 %08lx, %lu bytes; the directory says %08lx, %lu",
			e->name, (unsigned long)crc, (unsigned long)size,
			(unsigned long)e->crc, (unsigned long)e->size);
	if (bundle_has(v, e->name) && strcmp(e->name, ZIP_FILE)) {
		char *path = bundle_path(v, e->name);

		if (!file_crc(path, &crc, &size))
			problem(v, e->name, 0, "cannot read the file");
		else if (crc != e->crc || size != e->size)
			problem(v, ZIP_FILE, 0,
				"entry '%s': crc-32 %08lx, %lu bytes, but the file has %08lx, %lu",
				e->name, (unsigned long)e->crc, (unsigned long)e->size,
				(unsigned long)crc, (unsigned long)size);
		free(path);
	}
out:
	free(name);
}

static void check_zip(struct verify *v)
{
	char *path = bundle_path(v, ZIP_FILE);
	FILE *fp = NULL;
	unsigned char end[ZIP_END_LEN], c[ZIP_CENTRAL_LEN];
	uint64_t zsize, cd_at, next_local = 0;
	uint32_t cd_size, cd_off;
	unsigned entries;
	size_t want = 0;   /* next expected file of v->files */
	char *prev = NULL;

	if (!bundle_has(v, ZIP_FILE) || !(fp = fopen(path, "rb"))) {
		problem(v, ZIP_FILE, 0, "the zip is missing");
		goto out;
	}
	v->report->files_checked++;
	if (fseeko(fp, 0, SEEK_END) || (zsize = (uint64_t)ftello(fp)) < ZIP_END_LEN ||
	    !read_at(fp, zsize - ZIP_END_LEN, end, sizeof(end))) {
		problem(v, ZIP_FILE, 0, "the file is too short for a zip");
		goto out;
	}
	entries = get16(end + 10);
	cd_size = get32(end + 12);
	cd_off = get32(end + 16);
	if (get32(end) != ZIP_END_SIG || get16(end + 4) || get16(end + 6) ||
	    get16(end + 8) != entries || get16(end + 20) ||
	    (uint64_t)cd_off + cd_size + ZIP_END_LEN != zsize) {
		problem(v, ZIP_FILE, 0, "the end of central directory record is not the last %d bytes",
			ZIP_END_LEN);
		goto out;
	}
	cd_at = cd_off;
	for (unsigned i = 0; i < entries; i++) {
		struct zip_cd e = { 0 };
		bool ascii = true;
		int order;

		if (cd_at + ZIP_CENTRAL_LEN > (uint64_t)cd_off + cd_size ||
		    !read_at(fp, cd_at, c, sizeof(c)) || get32(c) != ZIP_CENTRAL_SIG) {
			problem(v, ZIP_FILE, 0, "central directory record %u is damaged (at byte %lu)",
				i + 1, (unsigned long)cd_at);
			goto out;
		}
		e.flags = get16(c + 8);
		e.crc = get32(c + 16);
		e.csize = get32(c + 20);
		e.size = get32(c + 24);
		e.name_len = get16(c + 28);
		e.offset = get32(c + 42);
		e.name = xmalloc(e.name_len + 1);
		if (cd_at + ZIP_CENTRAL_LEN + e.name_len > (uint64_t)cd_off + cd_size ||
		    (e.name_len && fread(e.name, 1, e.name_len, fp) != e.name_len)) {
			problem(v, ZIP_FILE, 0, "central directory record %u is cut short", i + 1);
			free(e.name);
			goto out;
		}
		e.name[e.name_len] = '\0';
		for (unsigned k = 0; k < e.name_len; k++)
			ascii &= (unsigned char)e.name[k] < 0x80;
		if (get16(c + 4) != ZIP_MADE_BY || get16(c + 6) != ZIP_VERSION ||
		    e.flags != (ascii ? 0 : ZIP_FLAG_UTF8) || get16(c + 10) != ZIP_DEFLATE ||
		    get16(c + 12) != ZIP_DOS_TIME || get16(c + 14) != ZIP_DOS_DATE ||
		    get16(c + 30) || get16(c + 32) || get16(c + 34) || get16(c + 36) ||
		    get32(c + 38) != ZIP_EXTERNAL || strlen(e.name) != e.name_len) {
			problem(v, ZIP_FILE, 0,
				"central directory record %u ('%s') has a field zip.h never writes",
				i + 1, e.name);
			free(e.name);
			goto out;
		}
		cd_at += ZIP_CENTRAL_LEN + e.name_len;
		if (prev && strcmp(prev, e.name) >= 0)
			problem(v, ZIP_FILE, 0, "entry '%s' is out of order or twice", e.name);
		/* Merge against the bundle's files (sorted; the zip left out). */
		while (want < v->nfiles &&
		       (!strcmp(v->files[want], ZIP_FILE) ||
			strcmp(v->files[want], e.name) < 0)) {
			if (strcmp(v->files[want], ZIP_FILE))
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
		if (strcmp(v->files[want], ZIP_FILE))
			problem(v, ZIP_FILE, 0, "file '%s' of the bundle is not in the zip",
				v->files[want]);
	if (cd_at != (uint64_t)cd_off + cd_size)
		problem(v, ZIP_FILE, 0, "the central directory has bytes after its %u records",
			entries);
	if (next_local != cd_off)
		problem(v, ZIP_FILE, 0, "bytes %lu-%lu lie between the last entry and the central directory",
			(unsigned long)next_local, (unsigned long)cd_off);
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
	unsigned long pdf_pages = 0;
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
	check_audit(&v);
	check_csv(&v);
	if (v.audit_read && v.csv_read)
		check_pieces(&v);
	if (v.csv_read)
		check_pages(&v, &pdf_pages);
	check_control(&v, pdf_pages, v.csv_read && pdf_pages > 0);
	check_zip(&v);
	rc = report->problems ? PL_MANIFEST : PL_OK;
out:
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
