/*
 * u-ingest-formats.c: the same accounts in every input format ingest to
 * the same canonical records.
 *
 * fixtures/formats/ holds six accounts as canonical CSV (accounts.csv, the
 * reference), the same bytes in Windows-1252 with CRLF, canonical XML,
 * a vendor letter-file XML and a creditor/debtor/account portfolio XML
 * (each with its XSLT mapping), and a Windows-1252 fixed-width file with
 * its layout. Every account of every format must equal the reference
 * field by field (every canonical field of struct account, through the
 * field table, so a field added later is compared too), and carry its
 * own file, line and record number.
 *
 * Also here: the profile's <input> element, ingest_batch_files() with and
 * without it, and the encoding tables.
 */
#include "pl.h"
#include "core/arena.h"
#include "core/diag.h"
#include "core/fsutil.h"
#include "core/profile.h"
#include "core/xalloc.h"
#include "ingest/ingest.h"
#include "ingest/ingest-int.h"
#include "tap.h"
#include "testutil.h"

#include <unistd.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define FORMATS PL_DATADIR "/fixtures/formats/"
#define NACCOUNTS 6

/* Everything of an account that outlives its arena, for comparing. */
struct kept {
	struct account a;
	struct arena arena;
};

static int run_date;

static struct input_spec spec(enum input_format format, const char *encoding,
			      const char *mapping, const char *record,
			      const char *layout)
{
	struct input_spec s = { 0 };

	s.match = (char *)"*";
	s.format = format;
	s.encoding = (char *)encoding;
	s.mapping = (char *)mapping;
	s.record = (char *)record;
	s.layout = (char *)layout;
	return s;
}

/* Read every record of path; returns how many (at most max). */
static size_t read_all(const char *path, const struct input_spec *sp,
		       struct kept *out, size_t max, int *status)
{
	struct ingest_ids ids;
	struct ingest in;
	struct pl_diag diag;
	size_t n = 0;
	int rc;

	ingest_ids_init(&ids);
	rc = ingest_open(&in, path, sp, &ids, run_date, &diag);
	if (rc != PL_OK) {
		printf("# %s: %s\n", path, diag.message);
		*status = rc;
		ingest_ids_release(&ids);
		return 0;
	}
	for (;;) {
		struct arena tmp;
		struct account a;

		arena_init(&tmp);
		rc = ingest_next(&in, &tmp, &a, &diag);
		if (rc != PL_OK || n == max) {
			arena_release(&tmp);
			break;
		}
		out[n].a = a;
		out[n].arena = tmp;   /* the strings stay valid with their arena */
		n++;
	}
	if (rc != PL_DONE)
		printf("# %s: %s\n", path, diag.message);
	*status = rc == PL_DONE ? PL_OK : rc;
	ingest_release(&in);
	ingest_ids_release(&ids);
	return n;
}

static void release_all(struct kept *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		arena_release(&k[i].arena);
}

/* Compare every canonical field; prints the first difference. */
static bool same_account(const struct account *a, const struct account *b,
			 char *why, size_t size)
{
	if (a->rejected || b->rejected) {
		snprintf(why, size, "rejected: %s %s / %s %s", a->reject.code,
			 a->reject.message, b->reject.code, b->reject.message);
		return false;
	}
	for (size_t i = 0; i < INGEST_NFIELDS; i++) {
		const struct field_spec *f = &ingest_fields[i];
		const void *x = (const char *)a + f->offset;
		const void *y = (const char *)b + f->offset;
		bool same = true;

		switch (f->kind) {
		case FK_TEXT: case FK_STATE: case FK_POSTAL: case FK_LANGUAGE:
		case FK_LETTER:
			same = !strcmp(*(const char *const *)x, *(const char *const *)y);
			if (!same)
				snprintf(why, size, "%s: '%s' vs '%s'", f->name,
					 *(const char *const *)x, *(const char *const *)y);
			break;
		case FK_DATE_PAST: case FK_DATE: case FK_COUNT:
			same = *(const int *)x == *(const int *)y;
			break;
		case FK_MONEY:
			same = *(const int64_t *)x == *(const int64_t *)y;
			break;
		case FK_DEBT_TYPE:
			same = *(const enum debt_type *)x == *(const enum debt_type *)y;
			break;
		case FK_ITEMIZATION:
			same = *(const enum itemization_type *)x ==
			       *(const enum itemization_type *)y;
			break;
		case FK_FLAG:
			same = *(const bool *)x == *(const bool *)y;
			break;
		case FK_TRISTATE:
			same = *(const enum tristate *)x == *(const enum tristate *)y;
			break;
		case FK_CHANNELS:
			same = *(const unsigned *)x == *(const unsigned *)y;
			break;
		}
		if (!same) {
			if (f->kind != FK_TEXT && f->kind != FK_STATE &&
			    f->kind != FK_POSTAL && f->kind != FK_LANGUAGE &&
			    f->kind != FK_LETTER)
				snprintf(why, size, "%s differs", f->name);
			return false;
		}
	}
	return true;
}

struct format_case {
	const char *name;
	const char *file;
	struct input_spec spec;
	unsigned lines[NACCOUNTS];   /* where each account starts */
};

static void test_formats(void)
{
	struct format_case cases[] = {
		{ "windows-1252 CSV", FORMATS "accounts-1252.csv",
		  spec(INPUT_CSV, "windows-1252", "", "", ""), { 2, 3, 4, 5, 6, 7 } },
		{ "canonical XML", FORMATS "accounts.xml",
		  spec(INPUT_XML, "utf-8", "", "", ""), { 4, 32, 57, 82, 106, 132 } },
		{ "vendor letter file", FORMATS "vendor-letter-file.xml",
		  spec(INPUT_XML, "utf-8", FORMATS "mappings/vendor-letter.xsl",
		       "LetterRecord", ""), { 10, 40, 70, 100, 130, 160 } },
		{ "portfolio", FORMATS "portfolio.xml",
		  spec(INPUT_XML, "utf-8", FORMATS "mappings/portfolio.xsl",
		       "creditor/debtor", ""), { 10, 32, 53, 74, 74, 107 } },
		{ "fixed width", FORMATS "legacy.dat",
		  spec(INPUT_FIXED, "windows-1252", "", "", FORMATS "layouts/legacy.xml"),
		  { 1, 2, 3, 4, 5, 6 } },
	};
	struct kept ref[NACCOUNTS + 1], got[NACCOUNTS + 1];
	int status;
	size_t nref = read_all(FORMATS "accounts.csv", NULL, ref, NACCOUNTS + 1, &status);
	char name[200], why[300];

	is_int(status, PL_OK, "reference CSV reads");
	is_int(nref, NACCOUNTS, "reference CSV: six accounts");
	for (size_t i = 0; i < nref; i++)
		ok(!ref[i].a.rejected, "reference account is good");
	is_str(ref[2].a.last_name, "D\xe2\x80\x99" "Angelo", "reference: curly apostrophe");

	for (size_t c = 0; c < PL_ARRAY_SIZE(cases); c++) {
		struct format_case *fc = &cases[c];
		size_t n;

		/* The portfolio groups by creditor, then debtor: FM-1004 and
		 * FM-1006 (one debtor) come out together. */
		static const size_t portfolio_order[NACCOUNTS] = { 0, 1, 2, 3, 5, 4 };

		n = read_all(fc->file, &fc->spec, got, NACCOUNTS + 1, &status);
		snprintf(name, sizeof(name), "%s: reads", fc->name);
		is_int(status, PL_OK, name);
		snprintf(name, sizeof(name), "%s: six accounts", fc->name);
		is_int(n, NACCOUNTS, name);
		for (size_t i = 0; i < n && i < NACCOUNTS; i++) {
			size_t r = strcmp(fc->name, "portfolio") ? i : portfolio_order[i];
			bool same;

			why[0] = '\0';
			same = same_account(&ref[r].a, &got[i].a, why, sizeof(why));
			snprintf(name, sizeof(name), "%s: %s equals the CSV's", fc->name,
				 ref[r].a.account_id);
			if (!ok(same, name))
				printf("#   %s\n", why);
			snprintf(name, sizeof(name), "%s: %s record number", fc->name,
				 ref[r].a.account_id);
			is_int(got[i].a.record, i + 1, name);
			snprintf(name, sizeof(name), "%s: %s line", fc->name,
				 ref[r].a.account_id);
			is_int(got[i].a.line, fc->lines[i], name);
			snprintf(name, sizeof(name), "%s: %s file", fc->name,
				 ref[r].a.account_id);
			is_str(got[i].a.file, fc->file, name);
		}
		release_all(got, n);
	}
	release_all(ref, nref);
}

/* ---- the profile's <input> and the files of a batch ---- */

static char *tmpdir;

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	if (!f)
		PL_BUG("cannot write '%s'", path);
	fputs(text, f);
	fclose(f);
	free(path);
}

static const char profile_head[] =
	"<agency id=\"t\"><legal-name>T</legal-name>"
	"<mailing-address><line1>1 A St</line1><city>X</city><state>MD</state>"
	"<postal-code>20849</postal-code></mailing-address><phone>1</phone>";

static int load_profile(struct agency *a, const char *dir, const char *input,
			struct pl_diag *diag)
{
	char *text = xasprintf("%s%s</agency>", profile_head, input);
	char *path = xasprintf("%s/agency.xml", dir);
	int rc;

	write_file(dir, "agency.xml", text);
	rc = profile_load(a, path, diag);
	free(text);
	free(path);
	return rc;
}

/* "name:format:contacts name:..." of the batch's files, for comparing. */
static char *describe(struct batch_file *f, size_t n)
{
	static const char *const formats[] = { "csv", "xml", "fixed" };
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s:%s%s", s, i ? " " : "",
				    strrchr(f[i].path, '/') + 1, formats[f[i].spec->format],
				    f[i].contacts ? ":contacts" : "");
		free(s);
		s = t;
	}
	return s;
}

static void test_batch_files(void)
{
	char *dir = xasprintf("%s/batch", tmpdir), *sub = xasprintf("%s/maps", dir);
	struct agency a;
	struct pl_diag diag;
	struct batch_file *files = NULL;
	size_t n = 0;
	char *got;
	int rc;

	if (fs_mkdir_p(sub, NULL) != PL_OK)
		PL_BUG("mkdir");
	write_file(dir, "accounts-1.csv", "x");
	write_file(dir, "contacts-1.csv", "x");
	write_file(dir, "b.xml", "x");
	write_file(dir, ".hidden", "x");
	write_file(sub, "v.xsl", "<x/>");

	/* No <input>: the defaults. */
	rc = load_profile(&a, dir, "", &diag);
	is_int(rc, PL_OK, "profile without <input> loads");
	is_int(a.ninputs, 0, "no input specs");
	rc = ingest_batch_files(dir, &a, &files, &n, &diag);
	is_int(rc, PL_OK, "default specs: listed");
	got = describe(files, n);
	is_str(got, "accounts-1.csv:csv b.xml:xml contacts-1.csv:csv:contacts",
	       "default specs: csv, xml, contacts; agency.xml and dotfiles ignored");
	free(got);
	ingest_batch_files_free(files, n);

	/* An unmatched file stops the run, naming it. */
	write_file(dir, "notes.txt", "x");
	rc = ingest_batch_files(dir, &a, &files, &n, &diag);
	is_int(rc, PL_PARSE, "unmatched file: PL_PARSE");
	ok(strstr(diag.message, "'notes.txt'") != NULL, "unmatched file: named");
	profile_release(&a);

	/* An <input>: contacts first whatever the order; the mapping is not a batch file. */
	write_file(dir, "v.xsl", "<x/>");
	rc = load_profile(&a, dir,
			  "<input>"
			  "<accounts match=\"*.csv\" encoding=\"CP1252\"/>"
			  "<accounts match=\"*.txt\" format=\"fixed\" layout=\"maps/v.xsl\"/>"
			  "<accounts match=\"*.xml\" format=\"xml\" mapping=\"v.xsl\" record=\"a/b\"/>"
			  "<contacts match=\"contacts*.csv\"/>"
			  "</input>", &diag);
	is_int(rc, PL_OK, "profile with <input> loads");
	if (rc != PL_OK)
		printf("# %s\n", diag.message);
	is_int(a.ninputs, 4, "four input specs");
	if (a.ninputs == 4) {
		is_str(a.inputs[0].encoding, "windows-1252", "encoding alias CP1252");
		ok(strstr(a.inputs[2].mapping, "/batch/v.xsl") != NULL,
		   "mapping resolved against the profile's directory");
		is_str(a.inputs[2].record, "a/b", "record kept");
		ok(a.inputs[3].contacts, "contacts spec");
	}
	write_file(dir, "v.xsl", "<x/>");
	rc = ingest_batch_files(dir, &a, &files, &n, &diag);
	is_int(rc, PL_OK, "<input> specs: listed");
	got = describe(files, n);
	is_str(got, "accounts-1.csv:csv b.xml:xml contacts-1.csv:csv:contacts notes.txt:fixed",
	       "<input> specs: contacts before *.csv; layout/mapping files skipped only if named");
	free(got);
	ingest_batch_files_free(files, n);
	profile_release(&a);

	/* Profile errors. */
	{
		static const struct { const char *input, *want; } bad[] = {
			{ "<input><accounts match=\"*.csv\" format=\"json\"/></input>",
			  "format 'json' is not csv, xml or fixed" },
			{ "<input><accounts match=\"*.csv\" encoding=\"utf-16\"/></input>",
			  "encoding 'utf-16' is not utf-8, windows-1252 or iso-8859-1" },
			{ "<input><accounts match=\"*.dat\" format=\"fixed\"/></input>",
			  "needs layout=" },
			{ "<input><accounts match=\"*.xml\" format=\"xml\" mapping=\"v.xsl\"/></input>",
			  "no record=" },
			{ "<input><accounts match=\"*.xml\" format=\"xml\" mapping=\"nope.xsl\" record=\"r\"/></input>",
			  "cannot read the mapping 'nope.xsl'" },
			{ "<input><contacts match=\"c*.xml\" format=\"xml\"/></input>",
			  "must be format csv" },
			{ "<input><accounts/></input>", "needs match=" },
			{ "<input><files match=\"*\"/></input>", "unknown element <files>" },
			{ "<input/>", "lists no <accounts>" },
		};

		for (size_t i = 0; i < PL_ARRAY_SIZE(bad); i++) {
			char nm[160];

			rc = load_profile(&a, dir, bad[i].input, &diag);
			snprintf(nm, sizeof(nm), "profile error %zu: PL_PARSE", i);
			is_int(rc, PL_PARSE, nm);
			snprintf(nm, sizeof(nm), "profile error %zu: '%s'", i, bad[i].want);
			if (!ok(rc != PL_OK && strstr(diag.message, bad[i].want), nm))
				printf("#   %s\n", diag.message);
			if (rc == PL_OK)
				profile_release(&a);
		}
	}
	free(dir);
	free(sub);
}

static void test_encodings(void)
{
	char out[64];
	size_t len = 0, bad = 0;

	ok(encoding_decode(ENC_WINDOWS_1252, "caf\xe9 \x80 \x92", 8, out, &len, &bad),
	   "1252: decodes");
	is_str(out, "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\x99", "1252: e-acute, euro, right quote");
	ok(!encoding_decode(ENC_WINDOWS_1252, "ab\x81", 3, out, &len, &bad),
	   "1252: 0x81 is undefined");
	is_int(bad, 2, "1252: offset of the bad byte");
	ok(!encoding_decode(ENC_WINDOWS_1252, "a\0b", 3, out, &len, &bad), "1252: NUL refused");
	ok(encoding_decode(ENC_ISO_8859_1, "\x81\xff", 2, out, &len, &bad),
	   "latin-1: every byte but NUL");
	is_str(out, "\xc2\x81\xc3\xbf", "latin-1: U+0081 U+00FF");
	ok(!encoding_decode(ENC_UTF8, "a\xc3(", 3, out, &len, &bad), "utf-8: malformed");
	is_int(bad, 1, "utf-8: offset of the bad sequence");
	ok(!encoding_decode(ENC_UTF8, "\xc0\xaf", 2, out, &len, &bad), "utf-8: overlong refused");
}

/* A contacts file in Windows-1252: decoded, and an undefined byte rejected. */
static void test_contacts_encoding(void)
{
	struct input_spec sp = spec(INPUT_CSV, "windows-1252", "", "", "");
	char *dir = xasprintf("%s", tmpdir), *path = xasprintf("%s/contacts-1252.csv", tmpdir);
	struct contacts c;
	struct contact_event ev;
	struct arena arena;
	struct pl_diag diag;
	int rc;

	sp.contacts = true;
	write_file(dir, "contacts-1252.csv",
		   "consumer_id,account_id,at,channel,kind\r\n"
		   "C-1,Jos\xe9-1,2026-11-20T10:00:00-05:00,call,attempt\r\n"
		   "C-2,A-\x81,2026-11-20T10:00:00-05:00,call,attempt\r\n");
	arena_init(&arena);
	rc = contacts_open(&c, path, &sp, run_date, &diag);
	is_int(rc, PL_OK, "contacts 1252: opens");
	if (rc == PL_OK) {
		rc = contacts_next(&c, &arena, &ev, &diag);
		ok(rc == PL_OK && !ev.rejected, "contacts 1252: first row good");
		is_str(ev.account_id, "Jos\xc3\xa9-1", "contacts 1252: decoded to UTF-8");
		rc = contacts_next(&c, &arena, &ev, &diag);
		ok(rc == PL_OK && ev.rejected, "contacts 1252: undefined byte rejected");
		is_str(ev.reject.code, "BAD_ENCODING", "contacts 1252: BAD_ENCODING");
		is_str(ev.reject.message,
		       "field 'account_id' (column 2) is not valid Windows-1252",
		       "contacts 1252: the message names field and encoding");
		rc = contacts_next(&c, &arena, &ev, &diag);
		is_int(rc, PL_DONE, "contacts 1252: two rows");
		contacts_release(&c);
	}
	arena_release(&arena);
	free(dir);
	free(path);
}

int main(void)
{
	char tmpl[] = "/tmp/u-ingest-formats.XXXXXX";

	run_date = d("2026-11-23");
	tmpdir = mkdtemp(tmpl);
	if (!tmpdir)
		PL_BUG("mkdtemp");
	test_encodings();
	test_formats();
	test_batch_files();
	test_contacts_encoding();
	if (fs_remove_tree(tmpdir, NULL) != PL_OK)
		printf("# cannot remove %s\n", tmpdir);
	return tap_done();
}
