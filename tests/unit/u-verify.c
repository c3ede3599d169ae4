/*
 * u-verify.c: verify_bundle() on small hand-made bundles.
 *
 * The hash chain is checked against a canonical form written out by hand
 * here from docs/audit-chain.md (attributes sorted, prev and hash left
 * out, the namespace declaration not an attribute, an entity resolved, a
 * backslash and a line feed escaped, the leaf's text hashed, the
 * formatting white space between elements not), so the test does not
 * lean on either implementation of the rule. Then: a changed attribute is
 * named by its account, a broken link by the next one, a directory that
 * is not a bundle is refused, and a missing one too.
 *
 * Then a whole grouped print bundle (docs/print-bundle.md) made here by
 * hand, file by file (four pieces: window-1 in two parts of at most two
 * pieces, window-2 in one; tiny PDFs with a real xref table; the chain
 * computed from the same attribute lists the XML is written from), that
 * verifies with no problem; and copies of it with one rule broken each:
 * a byte inside one piece's range (the piece and the PDF named),
 * overlapping ranges, a piece whose sheets disagree with its group,
 * manifest.xml differing from the CSV in one attribute, a part missing
 * between two, bundle.zip.sha256 wrong, a file over pieces-per-file and
 * postal codes out of presort order.
 *
 * Everything happens under one mkdtemp() directory, removed at the end.
 */
#define _XOPEN_SOURCE 700   /* nftw() */
#include "pl.h"
#include "verify/verify.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "bundle/zip.h"
#include "tap.h"

#include <ftw.h>
#include <sys/stat.h>

static char root[] = "/tmp/u-verify-XXXXXX";

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		PL_BUG("cannot write '%s'", path);
}

/* verify dir; the report's lines in *text (caller frees). */
static int run_verify(const char *dir, struct verify_report *r, char **text)
{
	struct pl_diag diag = { 0 };
	size_t len;
	FILE *out = open_memstream(text, &len);
	int rc;

	rc = verify_bundle(dir, out, r, &diag);
	fclose(out);
	return rc;
}

/* The manifest with one account; line is its attribute, prev and hash its links. */
static char *manifest(const char *line, const char *prev, const char *hash)
{
	return xasprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<audit-manifest xmlns=\"urn:fairnotice:audit:1\" batch=\"b\">\n"
		"  <account id=\"A&amp;1\" outcome=\"rejected\" line=\"%s\" prev=\"%s\" hash=\"%s\">\n"
		"    <reason field=\"f\" code=\"X\">bad \\ value\nline2</reason>\n"
		"  </account>\n"
		"  <totals read=\"1\" letters=\"0\" suppressed=\"0\" deferred=\"0\" rejected=\"1\""
		" pages=\"0\" sheets=\"0\"/>\n"
		"  <chain head=\"%s\"/>\n"
		"</audit-manifest>\n", line, prev, hash, hash);
}

/* ====================================================================
 * A grouped print bundle, by hand
 * ==================================================================== */

#define BATCH "b"
#define NPIECES 4
/* Bytes of each piece's range in its PDF (the rest is "shared objects"). */
#define RANGE 60

static const struct test_piece {
	const char *id, *account, *group, *pdf, *postal;
	unsigned first, pages, sheets;
	unsigned long offset;
} pieces[NPIECES] = {
	{ "b-000001", "A-1", "window-1", "window-1-001.pdf", "10001", 1, 1, 1, 0 },
	{ "b-000002", "A-2", "window-1", "window-1-001.pdf", "10002-0001", 2, 1, 1, RANGE },
	{ "b-000003", "A-3", "window-1", "window-1-002.pdf", "10003", 1, 1, 1, 0 },
	{ "b-000004", "A-4", "window-2", "window-2-001.pdf", "10000", 1, 2, 2, 0 },
};

/* The files of the bundle, sorted as SHA256SUMS and the zip list them. */
static const char *const bundle_files[] = {
	"audit/manifest.xml", "print/SHA256SUMS", "print/control.xml",
	"print/manifest.csv", "print/manifest.xml", "print/window-1-001.pdf",
	"print/window-1-002.pdf", "print/window-2-001.pdf",
};

static char *in_bundle(const char *dir, const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

/*
 * A PDF a reader finds npages pages in: catalog, page tree, pages, a
 * classic xref table and trailer (what pdf_page_count() reads).
 */
static void write_pdf(const char *path, unsigned npages)
{
	unsigned long off[16];
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	unsigned n = 3 + npages, i;

	fputs("%PDF-1.5\n%\xb5\xed\xae\xfb\n", fp);
	fflush(fp);
	off[1] = len;
	fputs("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", fp);
	fflush(fp);
	off[2] = len;
	fputs("2 0 obj\n<< /Type /Pages /Kids [", fp);
	for (i = 0; i < npages; i++)
		fprintf(fp, " %u 0 R", 3 + i);
	fprintf(fp, " ] /Count %u >>\nendobj\n", npages);
	for (i = 0; i < npages; i++) {
		fflush(fp);
		off[3 + i] = len;
		fprintf(fp, "%u 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n",
			3 + i);
	}
	fflush(fp);
	off[0] = len;   /* where the xref starts */
	fprintf(fp, "xref\n0 %u\n0000000000 65535 f \n", n);
	for (i = 1; i < n; i++)
		fprintf(fp, "%010lu 00000 n \n", off[i]);
	fprintf(fp, "trailer\n<< /Size %u /Root 1 0 R >>\nstartxref\n%lu\n%%%%EOF\n", n, off[0]);
	fclose(fp);
	write_file(path, text);
	free(text);
}

/* SHA-256 of bytes [offset, offset + len) of the file at path. */
static void range_sha(const char *path, unsigned long offset, size_t len,
		      char hex[PL_SHA256_HEX])
{
	FILE *fp = fopen(path, "rb");
	char *bytes = xmalloc(len);

	if (!fp || fseek(fp, (long)offset, SEEK_SET) || fread(bytes, 1, len, fp) != len)
		PL_BUG("cannot read '%s'", path);
	fclose(fp);
	sha256_hex(bytes, len, hex);
	free(bytes);
}

struct attr_kv {
	const char *name;
	char value[80];
};

static int attr_kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct attr_kv *)a)->name, ((const struct attr_kv *)b)->name);
}

/* One empty element: as XML into xml, in canonical form into canon. */
static void element(FILE *xml, FILE *canon, const char *name, struct attr_kv *kv, size_t n)
{
	fprintf(xml, "    <%s", name);
	for (size_t i = 0; i < n; i++)
		fprintf(xml, " %s=\"%s\"", kv[i].name, kv[i].value);
	fputs("/>\n", xml);
	qsort(kv, n, sizeof(*kv), attr_kv_cmp);
	fprintf(canon, "E%s", name);
	for (size_t i = 0; i < n; i++)
		fprintf(canon, "\x1f%s=%s", kv[i].name, kv[i].value);
	fputs("\n/\n", canon);
}

/* Write the whole bundle under dir (made first); every digest right. */
static void make_grouped(const char *dir)
{
	char sha[NPIECES][PL_SHA256_HEX], content[NPIECES][PL_SHA256_HEX];
	char prev[PL_SHA256_HEX] = ZEROS, hex[PL_SHA256_HEX];
	char *audit = NULL, *csv = NULL, *pxml = NULL, *path, *text;
	size_t alen = 0, clen = 0, plen = 0;
	FILE *a, *c, *p;
	struct pl_diag diag = { 0 };
	struct atomfile af;
	struct zip z;
	int rc;

	path = in_bundle(dir, "audit");
	if (mkdir(dir, 0755) || mkdir(path, 0755))
		PL_BUG("mkdir");
	free(path);
	path = in_bundle(dir, "print");
	if (mkdir(path, 0755))
		PL_BUG("mkdir");
	free(path);

	/* The PDFs (page counts from the pieces), then each range's digest. */
	path = in_bundle(dir, "print/window-1-001.pdf");
	write_pdf(path, 2);
	free(path);
	path = in_bundle(dir, "print/window-1-002.pdf");
	write_pdf(path, 1);
	free(path);
	path = in_bundle(dir, "print/window-2-001.pdf");
	write_pdf(path, 2);
	free(path);
	for (int i = 0; i < NPIECES; i++) {
		char *rel = xasprintf("print/%s", pieces[i].pdf);

		path = in_bundle(dir, rel);
		range_sha(path, pieces[i].offset, RANGE, sha[i]);
		sha256_hex(pieces[i].id, strlen(pieces[i].id), content[i]);
		free(path);
		free(rel);
	}

	/* The audit records, chained; the CSV rows; the XML pieces. */
	a = open_memstream(&audit, &alen);
	c = open_memstream(&csv, &clen);
	p = open_memstream(&pxml, &plen);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<audit-manifest xmlns=\"urn:fairnotice:audit:1\" batch=\"" BATCH "\" agency=\"ag\""
	      " run-date=\"2026-11-23\" mail-date=\"2026-11-24\" rules-digest=\"r\">\n", a);
	fputs("piece_id,account_id,pdf,first_page,page_count,sheet_count,envelope,mail_class,"
	      "template,language,name,address_line1,address_line2,city,state,postal_code,imb,"
	      "template_version,mail_date,validation_end_date,content_sha256,sides,group,"
	      "pages_sha256,pdf_offset,pdf_length\r\n", c);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<print-manifest xmlns=\"urn:fairnotice:print-manifest:1\" batch=\"" BATCH "\""
	      " agency=\"ag\" mail-date=\"2026-11-24\" mail-class=\"first-class\">\n", p);
	for (int i = 0; i < NPIECES; i++) {
		const struct test_piece *t = &pieces[i];
		struct attr_kv dates[] = {
			{ "mail", "2026-11-24" }, { "validation-end", "2027-01-01" },
		};
		struct attr_kv letter[] = {
			{ "piece", "" }, { "pdf", "" }, { "group", "" }, { "first-page", "" },
			{ "pages", "" }, { "sheets", "" }, { "content-sha256", "" },
			{ "pages-sha256", "" }, { "pdf-offset", "" }, { "pdf-length", "" },
			{ "template", "t" }, { "template-version", "1" }, { "language", "en" },
		};
		char *canon = NULL, *record = NULL;
		size_t canon_len = 0, record_len = 0;
		FILE *cf = open_memstream(&canon, &canon_len);
		FILE *rf = open_memstream(&record, &record_len);

		snprintf(letter[0].value, sizeof(letter[0].value), "%s", t->id);
		snprintf(letter[1].value, sizeof(letter[1].value), "%s", t->pdf);
		snprintf(letter[2].value, sizeof(letter[2].value), "%s", t->group);
		snprintf(letter[3].value, sizeof(letter[3].value), "%u", t->first);
		snprintf(letter[4].value, sizeof(letter[4].value), "%u", t->pages);
		snprintf(letter[5].value, sizeof(letter[5].value), "%u", t->sheets);
		snprintf(letter[6].value, sizeof(letter[6].value), "%s", content[i]);
		snprintf(letter[7].value, sizeof(letter[7].value), "%s", sha[i]);
		snprintf(letter[8].value, sizeof(letter[8].value), "%lu", t->offset);
		snprintf(letter[9].value, sizeof(letter[9].value), "%d", RANGE);
		fprintf(cf, "%s\nEaccount\x1f" "file=a.csv\x1fid=%s\x1fline=%d\x1foutcome=letter\n",
			prev, t->account, i + 2);
		element(rf, cf, "dates", dates, PL_ARRAY_SIZE(dates));
		element(rf, cf, "letter", letter, PL_ARRAY_SIZE(letter));
		fputs("/\n", cf);
		fclose(cf);
		fclose(rf);
		/* canon starts with prev "\n": the whole text is what is hashed. */
		sha256_hex(canon, canon_len, hex);
		fprintf(a, "  <account id=\"%s\" file=\"a.csv\" line=\"%d\" outcome=\"letter\""
			" prev=\"%s\" hash=\"%s\">\n%s  </account>\n", t->account, i + 2, prev, hex,
			record);
		memcpy(prev, hex, sizeof(prev));
		free(canon);
		free(record);

		fprintf(c, "%s,%s,%s,%u,%u,%u,#10-double-window,first-class,t,en,Name %d,%d Main St,,"
			"Town,NY,%s,,1,2026-11-24,2027-01-01,%s,simplex,%s,%s,%lu,%d\r\n",
			t->id, t->account, t->pdf, t->first, t->pages, t->sheets, i + 1, i + 1,
			t->postal, content[i], t->group, sha[i], t->offset, RANGE);
		fprintf(p, "  <piece id=\"%s\" account=\"%s\" pdf=\"%s\" group=\"%s\""
			" envelope=\"#10-double-window\" first-page=\"%u\" pages=\"%u\" sheets=\"%u\""
			" sides=\"simplex\" template=\"t\" template-version=\"1\" language=\"en\" imb=\"\""
			" pages-sha256=\"%s\" pdf-offset=\"%lu\" pdf-length=\"%d\">\n"
			"    <address>\n      <name>Name %d</name>\n      <line1>%d Main St</line1>\n"
			"      <line2/>\n      <city>Town</city>\n      <state>NY</state>\n"
			"      <postal-code>%s</postal-code>\n    </address>\n  </piece>\n",
			t->id, t->account, t->pdf, t->group, t->first, t->pages, t->sheets, sha[i],
			t->offset, RANGE, i + 1, i + 1, t->postal);
	}
	fprintf(a, "  <totals read=\"4\" letters=\"4\" suppressed=\"0\" deferred=\"0\" rejected=\"0\""
		" pages=\"5\" sheets=\"5\"/>\n  <chain head=\"%s\"/>\n</audit-manifest>\n", prev);
	fputs("  <totals pieces=\"4\" pages=\"5\" sheets=\"5\"/>\n</print-manifest>\n", p);
	fclose(a);
	fclose(c);
	fclose(p);
	path = in_bundle(dir, "audit/manifest.xml");
	write_file(path, audit);
	free(path);
	path = in_bundle(dir, "print/manifest.csv");
	write_file(path, csv);
	free(path);
	path = in_bundle(dir, "print/manifest.xml");
	write_file(path, pxml);
	free(path);
	free(audit);
	free(csv);
	free(pxml);

	text = xasprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<control xmlns=\"urn:fairnotice:control:1\" batch=\"" BATCH "\" agency=\"ag\""
		" run-date=\"2026-11-23\" mail-date=\"2026-11-24\" rules-digest=\"r\""
		" max-sheets=\"6\" pieces-per-file=\"2\">\n"
		"  <group name=\"window-1\" envelope=\"#10-double-window\" sheets=\"1\" pieces=\"3\""
		" pages=\"3\" sheet-total=\"3\">\n"
		"    <file name=\"window-1-001.pdf\" pieces=\"2\" pages=\"2\" sheet-total=\"2\""
		" first-piece=\"b-000001\" last-piece=\"b-000002\"/>\n"
		"    <file name=\"window-1-002.pdf\" pieces=\"1\" pages=\"1\" sheet-total=\"1\""
		" first-piece=\"b-000003\" last-piece=\"b-000003\"/>\n"
		"  </group>\n"
		"  <group name=\"window-2\" envelope=\"#10-double-window\" sheets=\"2\" pieces=\"1\""
		" pages=\"2\" sheet-total=\"2\">\n"
		"    <file name=\"window-2-001.pdf\" pieces=\"1\" pages=\"2\" sheet-total=\"2\""
		" first-piece=\"b-000004\" last-piece=\"b-000004\"/>\n"
		"  </group>\n"
		"  <totals pieces=\"4\" pages=\"5\" sheets=\"5\"/>\n"
		"  <accounts read=\"4\" letters=\"4\" suppressed=\"0\" deferred=\"0\" rejected=\"0\"/>\n"
		"  <contacts read=\"0\" rejected=\"0\"/>\n"
		"  <audit-chain head=\"%s\"/>\n"
		"</control>\n", prev);
	path = in_bundle(dir, "print/control.xml");
	write_file(path, text);
	free(path);
	free(text);

	/* SHA256SUMS: every file but itself, the zip and its digest. */
	c = open_memstream(&text, &clen);
	for (size_t i = 0; i < PL_ARRAY_SIZE(bundle_files); i++) {
		if (!strcmp(bundle_files[i], "print/SHA256SUMS"))
			continue;
		path = in_bundle(dir, bundle_files[i]);
		if (sha256_file(path, hex) != PL_OK)
			PL_BUG("sha256_file");
		fprintf(c, "%s  %s\n", hex, bundle_files[i]);
		free(path);
	}
	fclose(c);
	path = in_bundle(dir, "print/SHA256SUMS");
	write_file(path, text);
	free(path);
	free(text);

	/* The zip, then its digest. */
	path = in_bundle(dir, "print/bundle.zip");
	rc = atomfile_open(&af, path, &diag);
	free(path);
	zip_begin(&z, &af);
	for (size_t i = 0; rc == PL_OK && i < PL_ARRAY_SIZE(bundle_files); i++) {
		path = in_bundle(dir, bundle_files[i]);
		rc = zip_add_file(&z, bundle_files[i], path, &diag);
		free(path);
	}
	if (rc == PL_OK)
		rc = zip_finish(&z, &diag);
	if (rc == PL_OK)
		rc = atomfile_commit(&af, hex, &diag);
	zip_release(&z);
	atomfile_rollback(&af);
	if (rc != PL_OK)
		PL_BUG("zip: %s", diag.message);
	text = xasprintf("%s  bundle.zip\n", hex);
	path = in_bundle(dir, "print/bundle.zip.sha256");
	write_file(path, text);
	free(path);
	free(text);
}

/* Replace the first "from" in the file dir/rel by "to"; a miss is a bug. */
static void edit(const char *dir, const char *rel, const char *from, const char *to)
{
	char *path = in_bundle(dir, rel), *text = NULL, *hit, *out;
	size_t len = 0, got;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		PL_BUG("cannot open '%s'", path);
	text = xmalloc(1 << 16);
	got = fread(text, 1, (1 << 16) - 1, fp);
	fclose(fp);
	text[got] = '\0';
	if (!(hit = strstr(text, from)))
		PL_BUG("'%s' not in '%s'", from, rel);
	len = (size_t)(hit - text);
	out = xasprintf("%.*s%s%s", (int)len, text, to, hit + strlen(from));
	write_file(path, out);
	free(out);
	free(text);
	free(path);
}

/* Flip the low bit of byte at of dir/rel. */
static void flip(const char *dir, const char *rel, long at)
{
	char *path = in_bundle(dir, rel);
	FILE *fp = fopen(path, "r+b");
	int ch;

	if (!fp || fseek(fp, at, SEEK_SET) || (ch = fgetc(fp)) == EOF ||
	    fseek(fp, at, SEEK_SET) || fputc(ch ^ 1, fp) == EOF || fclose(fp))
		PL_BUG("cannot flip '%s'", path);
	free(path);
}

/* A fresh copy of the intact bundle as root/<name>. */
static char *fresh(const char *name)
{
	char *dir = xasprintf("%s/%s", root, name);

	make_grouped(dir);
	return dir;
}

/* Print the report as TAP comments when a check fails. */
static void show(const char *text)
{
	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		printf("#   %.*s\n", n, p);
		p += n + (nl != NULL);
	}
}

#define has(text, want, name) do { \
	if (!ok(strstr((text), (want)) != NULL, (name))) { \
		printf("#   wanted: %s\n", (want)); \
		show(text); \
	} \
} while (0)

static void test_grouped(void)
{
	struct verify_report r;
	char *dir, *text = NULL;
	int rc;

	/* Intact. */
	dir = fresh("grouped");
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_OK, "hand-made grouped bundle: intact");
	is_int(r.problems, 0, "hand-made grouped bundle: no problem");
	if (r.problems)
		show(text);
	is_int(r.records_checked, 4, "hand-made grouped bundle: four records");
	free(text);
	free(dir);

	/* A byte inside the second piece's range: that piece, that PDF. */
	dir = fresh("flip");
	flip(dir, "print/window-1-001.pdf", RANGE + 10);
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "byte in a range: problems");
	has(text, "problem: piece 'b-000002': bytes 60-119 hash to ",
	    "byte in a range: the piece and its bytes named");
	has(text, "of print/manifest.csv:3 (at print/window-1-001.pdf)\n",
	    "byte in a range: the PDF and the row named");
	ok(!strstr(text, "piece 'b-000001': bytes"), "byte in a range: the piece before is intact");
	free(text);
	free(dir);

	/* Overlapping ranges: the second starts inside the first. */
	dir = fresh("overlap");
	edit(dir, "print/manifest.csv", ",60,60\r\n", ",50,60\r\n");
	rc = run_verify(dir, &r, &text);
	has(text, "problem: piece 'b-000002': bytes 50-109 of 'window-1-001.pdf' overlap the piece before (to byte 59, row at line 2) (at print/manifest.csv:3)",
	    "overlapping ranges: named");
	has(text, "problem: piece 'b-000002': pdf_offset '50' but '60' in the record of account 'A-2'",
	    "overlapping ranges: the audit record disagrees");
	has(text, "pdf-offset '60' but pdf_offset '50' in print/manifest.csv:3 (at print/manifest.xml:",
	    "overlapping ranges: manifest.xml disagrees");
	free(text);
	free(dir);

	/* A group that disagrees with the sheets. */
	dir = fresh("sheets");
	edit(dir, "print/manifest.csv", "b-000004,A-4,window-2-001.pdf,1,2,2,",
	     "b-000004,A-4,window-2-001.pdf,1,2,3,");
	rc = run_verify(dir, &r, &text);
	has(text, "problem: piece 'b-000004': sheet_count 3 but group 'window-2' (at print/manifest.csv:5)",
	    "group and sheets disagree: named");
	free(text);
	free(dir);

	/* manifest.xml differs from the CSV in one attribute. */
	dir = fresh("xml");
	edit(dir, "print/manifest.xml", "template-version=\"1\" language=\"en\" imb=\"\" pages-sha256",
	     "template-version=\"1\" language=\"es\" imb=\"\" pages-sha256");
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "manifest.xml attribute: problems");
	has(text, "problem: piece 'b-000001': language 'es' but language 'en' in print/manifest.csv:2 (at print/manifest.xml:3)",
	    "manifest.xml attribute: the piece, the row and the line named");
	has(text, "(at print/manifest.xml)\n", "manifest.xml attribute: its checksum differs");
	free(text);
	free(dir);

	/* A part missing between two: window-1-002 renamed -003. */
	dir = fresh("gap");
	{
		char *from = in_bundle(dir, "print/window-1-002.pdf");
		char *to = in_bundle(dir, "print/window-1-003.pdf");

		if (rename(from, to))
			PL_BUG("rename");
		free(from);
		free(to);
	}
	rc = run_verify(dir, &r, &text);
	has(text, "problem: part 2 of group 'window-1' is missing: window-1-001.pdf is followed by window-1-003.pdf (at print/window-1-002.pdf)",
	    "part gap: the missing part named");
	has(text, "problem: pdf 'window-1-002.pdf' is not a file of the bundle (at print/manifest.csv:4)",
	    "part gap: the row naming it");
	has(text, "problem: the PDF holds no piece of print/manifest.csv (at print/window-1-003.pdf)",
	    "part gap: the stray part");
	free(text);
	free(dir);

	/* bundle.zip.sha256 wrong. */
	dir = fresh("zipsum");
	{
		char *path = in_bundle(dir, "print/bundle.zip.sha256");

		write_file(path, ZEROS "  bundle.zip\n");
		free(path);
	}
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "bundle.zip.sha256 wrong: problems");
	has(text, "the file says " ZEROS " (at print/bundle.zip.sha256:1)",
	    "bundle.zip.sha256 wrong: named");
	is_int(r.problems, 1, "bundle.zip.sha256 wrong: the only problem");
	free(text);
	free(dir);

	/* pieces-per-file 1: window-1-001.pdf holds one too many. */
	dir = fresh("perfile");
	edit(dir, "print/control.xml", "pieces-per-file=\"2\"", "pieces-per-file=\"1\"");
	rc = run_verify(dir, &r, &text);
	has(text, "problem: the PDF holds 2 pieces, over pieces-per-file 1 in print/control.xml (at print/window-1-001.pdf)",
	    "pieces-per-file: the full file named");
	has(text, "problem: piece 'b-000002' is in 'window-1-001.pdf', but as letter 2 of the batch (slice 2, of 1 letters each) it belongs in part 002 of group 'window-1'",
	    "pieces-per-file: the misplaced piece named");
	free(text);
	free(dir);

	/* Presort: the second piece's ZIP before the first's. */
	dir = fresh("presort");
	edit(dir, "print/manifest.csv", ",10002-0001,", ",10000-0001,");
	rc = run_verify(dir, &r, &text);
	has(text, "problem: piece 'b-000002': postal code '10000-0001' follows '10001' of piece 'b-000001' in 'window-1-001.pdf': not in presort order (at print/manifest.csv:3)",
	    "presort: named");
	free(text);
	free(dir);
}

int main(void)
{
	static const char canonical[] =
		ZEROS "\n"
		"Eaccount\x1fid=A&1\x1fline=2\x1foutcome=rejected\n"
		"Ereason\x1f" "code=X\x1f" "field=f\n"
		"Tbad \\\\ value\\nline2\n"
		"/\n"
		"/\n";
	char hash[PL_SHA256_HEX];
	struct verify_report r;
	char *dir, *path, *path2, *text = NULL, *xml;
	int rc;

	if (!mkdtemp(root))
		PL_BUG("mkdtemp");
	sha256_hex(canonical, sizeof(canonical) - 1, hash);
	dir = xasprintf("%s/bundle", root);
	path = xasprintf("%s/audit", dir);
	if (mkdir(dir, 0755) || mkdir(path, 0755))
		PL_BUG("mkdir");
	free(path);
	path = xasprintf("%s/audit/manifest.xml", dir);

	/* The chain as docs/audit-chain.md computes it. */
	xml = manifest("2", ZEROS, hash);
	write_file(path, xml);
	free(xml);
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "a bundle of one file has problems");
	is_int(r.records_checked, 1, "one audit record checked");
	ok(!strstr(text, "hash") && !strstr(text, "prev") && !strstr(text, "<totals>"),
	   "the hand-made chain and totals are accepted");
	ok(strstr(text, "problem: the checksum list is missing (at print/SHA256SUMS)") != NULL,
	   "the missing checksum list is named");
	ok(strstr(text, "problem: the zip is missing (at print/bundle.zip)") != NULL,
	   "the missing zip is named");
	free(text);

	/* An empty checksum list: the file it does not list is named. */
	path2 = xasprintf("%s/print", dir);
	if (mkdir(path2, 0755))
		PL_BUG("mkdir");
	free(path2);
	path2 = xasprintf("%s/print/SHA256SUMS", dir);
	write_file(path2, "");
	free(path2);
	rc = run_verify(dir, &r, &text);
	ok(strstr(text, "file is not listed in print/SHA256SUMS (at audit/manifest.xml)") != NULL,
	   "an unlisted file is named");
	free(text);

	/* One attribute changed: the record's account named, once. */
	xml = manifest("3", ZEROS, hash);
	write_file(path, xml);
	free(xml);
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "changed attribute: problems");
	ok(strstr(text, "problem: account 'A&1': hash '") != NULL &&
	   strstr(text, "(at audit/manifest.xml:3)\n") != NULL,
	   "changed attribute: the account and its line named");
	free(text);

	/* A broken link: prev is not the zeros of the first record. */
	xml = manifest("2", hash, hash);
	write_file(path, xml);
	free(xml);
	rc = run_verify(dir, &r, &text);
	ok(strstr(text, "account 'A&1': prev '") != NULL, "broken link: named");
	free(text);

	/* Not a bundle; not there at all. */
	free(path);
	path = xasprintf("%s/empty", root);
	if (mkdir(path, 0755))
		PL_BUG("mkdir");
	rc = run_verify(path, &r, &text);
	is_int(rc, PL_USAGE, "a directory without print/ and audit/ is not a bundle");
	free(text);
	free(path);
	path = xasprintf("%s/none", root);
	rc = run_verify(path, &r, &text);
	is_int(PL_CLASS(rc), PL_IO, "a missing directory cannot be read");
	free(text);

	free(path);
	free(dir);

	test_grouped();
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
