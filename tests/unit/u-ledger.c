/*
 * u-ledger.c: retention in the contact ledger (docs/print-bundle.md
 * "Retention", schema version 4). A version 3 ledger migrated in place
 * keeps its rows, with '' (and 0) in the new columns; a piece added in a
 * batch transaction and committed comes back from ledger_piece_get() with
 * every field, its decision trace worded as bundle.h says (two rules, a
 * disclosure with the digest the audit manifest gives its text); an
 * unknown piece is PL_DONE; a rolled-back batch leaves nothing.
 *
 * Everything happens under one mkdtemp() directory, removed at the end.
 */
#define _XOPEN_SOURCE 700   /* nftw() */
#include "pl.h"
#include "bundle/bundle.h"
#include "bundle/bundle-int.h"
#include "core/arena.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "tap.h"
#include "testutil.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sqlite3.h>

static char root[] = "/tmp/u-ledger-XXXXXX";

/* ---- helpers ---- */

static char *state_dir(const char *name)
{
	char *dir = xasprintf("%s/%s", root, name);

	mkdir(dir, 0755);
	return dir;
}

/* Run sql on state's ledger with a plain connection (an auditor's shell). */
static int sql_exec(const char *state, const char *sql)
{
	char *path = xasprintf("%s/%s/ledger.sqlite", root, state);
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	free(path);
	return rc;
}

/* The first column of the first row as text (caller frees); NULL on error. */
static char *sql_text(const char *state, const char *sql)
{
	char *path = xasprintf("%s/%s/ledger.sqlite", root, state);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		out = xstrdup(s ? s : "(null)");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return out;
}

static void is_sql(const char *state, const char *sql, const char *want,
		   const char *name)
{
	char *got = sql_text(state, sql);

	is_str(got, want, name);
	free(got);
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	return remove(path);
}

/* ---- a ledger of schema version 3, migrated to 4 ---- */

/* The schema fairnotice wrote at version 3, verbatim, with one batch. */
static const char v3_schema[] =
	"CREATE TABLE batches (batch_id TEXT PRIMARY KEY NOT NULL,"
	" agency_id TEXT NOT NULL, run_date TEXT NOT NULL, mail_date TEXT NOT NULL,"
	" rules_digest TEXT NOT NULL, letters INTEGER NOT NULL,"
	" suppressed INTEGER NOT NULL, deferred INTEGER NOT NULL,"
	" rejected INTEGER NOT NULL,"
	" contacts_imported INTEGER NOT NULL DEFAULT 0,"
	" contacts_rejected INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE pieces (piece_id TEXT PRIMARY KEY NOT NULL,"
	" batch_id TEXT NOT NULL, agency_id TEXT NOT NULL, account_id TEXT NOT NULL,"
	" consumer_id TEXT NOT NULL, letter_code TEXT NOT NULL,"
	" template_id TEXT NOT NULL, template_version TEXT NOT NULL,"
	" language TEXT NOT NULL, mail_date TEXT NOT NULL, validation_end_date TEXT,"
	" content_sha256 TEXT NOT NULL, pdf TEXT NOT NULL,"
	" first_page INTEGER NOT NULL, page_count INTEGER NOT NULL,"
	" imb TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX pieces_by_account ON pieces (agency_id, account_id);"
	"CREATE TABLE contacts (batch_id TEXT NOT NULL, agency_id TEXT NOT NULL,"
	" consumer_id TEXT NOT NULL, account_id TEXT NOT NULL, date TEXT NOT NULL,"
	" at TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL,"
	" file TEXT NOT NULL, line INTEGER NOT NULL);"
	"CREATE INDEX contacts_by_account ON contacts (agency_id, account_id, date);"
	"CREATE TABLE counters (agency_id TEXT PRIMARY KEY NOT NULL,"
	" next_imb_serial INTEGER NOT NULL);"
	"INSERT INTO batches VALUES ('OLD-3', 'acme-collect', '2026-11-01',"
	" '2026-11-02', 'rules-abc', 1, 0, 0, 0, 0, 0);"
	"INSERT INTO pieces VALUES ('P-OLD-3', 'OLD-3', 'acme-collect', 'A-3',"
	" 'C-3', 'validation-notice', 'validation-notice.en', '1.0', 'en',"
	" '2026-11-02', '2026-12-10', 'ff', 'letters.pdf', 3, 2, '0123');"
	"INSERT INTO counters VALUES ('acme-collect', 1);"
	"PRAGMA user_version = 3;";

static void test_migrate_v3(void)
{
	struct ledger *l = NULL;
	char *state = state_dir("v3");
	struct ledger_piece_record r;
	struct pl_diag diag;
	struct arena arena;
	int rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	is_int(sql_exec("v3", v3_schema), SQLITE_OK, "migrate v3: a v3 ledger by hand");
	rc = ledger_open(&l, state, &diag);
	if (!ok(rc == PL_OK, "migrate v3: ledger_open migrates it"))
		printf("#   %s\n", diag.message);
	is_sql("v3", "PRAGMA user_version", "4", "migrate v3: now version 4");
	is_sql("v3", "SELECT count(*) FROM pieces", "1", "migrate v3: the piece kept");
	is_sql("v3", "SELECT piece_id || ' ' || imb || ' ' || first_page FROM pieces",
	       "P-OLD-3 0123 3", "migrate v3: its old columns as they were");
	is_sql("v3", "SELECT '[' || print_group || pages_sha256 || audit_hash ||"
	       " rules_digest || trace_sha256 || ']' FROM pieces", "[]",
	       "migrate v3: '' in the new text columns");
	is_sql("v3", "SELECT sheet_count + pdf_offset + pdf_length FROM pieces", "0",
	       "migrate v3: 0 in the new counts");
	is_sql("v3", "SELECT '[' || bundle_sha256 || ']' || rules_digest FROM batches",
	       "[]rules-abc", "migrate v3: the batch kept, '' for its bundle digest");
	is_sql("v3", "SELECT next_imb_serial FROM counters", "1",
	       "migrate v3: the IMb counter kept");

	if (rc == PL_OK)
		rc = ledger_piece_get(l, "P-OLD-3", &arena, &r, &diag);
	if (!ok(rc == PL_OK, "migrate v3: the old piece is found"))
		printf("#   %s\n", diag.message);
	if (rc == PL_OK) {
		is_str(r.batch_id, "OLD-3", "migrate v3: get: batch");
		is_str(r.account_id, "A-3", "migrate v3: get: account");
		is_str(iso(r.run_date), "2026-11-01", "migrate v3: get: run date of its batch");
		is_str(iso(r.validation_end_date), "2026-12-10",
		       "migrate v3: get: validation end date");
		is_str(r.rules_digest, "rules-abc",
		       "migrate v3: get: the rules digest its batch kept");
		is_str(r.trace, "", "migrate v3: get: no trace");
		is_str(r.bundle_sha256, "", "migrate v3: get: no bundle digest");
		is_str(r.print_group, "", "migrate v3: get: no group");
		ok(r.sheet_count == 0 && r.pdf_length == 0 && r.first_page == 3 &&
		   r.page_count == 2, "migrate v3: get: counts");
	}
	ledger_close(l);
	l = NULL;

	/* Opening again changes nothing. */
	rc = ledger_open(&l, state, &diag);
	ok(rc == PL_OK, "migrate v3: a v4 ledger opens as it is");
	is_sql("v3", "PRAGMA user_version", "4", "migrate v3: still version 4");
	ledger_close(l);
	arena_release(&arena);
	free(state);
}

/* ---- a piece in, the same piece out ---- */

/* Two rules and a disclosure, as decide would fire them. */
static void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->outcome = OUTCOME_LETTER;
	v->hits[0] = (struct rule_hit){
		.rule_id = "US-REGF-VALIDATION-PERIOD",
		.citation = "12 CFR 1006.34(b)(5)",
		.title = "Validation period: receipt + 30 days",
		.source_file = "rules/federal.xml", .source_line = 42,
	};
	v->hits[1] = (struct rule_hit){
		.rule_id = "CA-1812.700",
		.citation = "Cal. Civ. Code 1812.700",
		/* A line break in a title must not split the trace line. */
		.title = "California notice\nof rights",
		.source_file = "rules/state-CA.xml", .source_line = 7,
		.needs_review = true,
	};
	v->nhits = 2;
	v->disclosures[0] = (struct disclosure){
		.slot = "state-notice", .rule_id = "CA-1812.700",
		.citation = "Cal. Civ. Code 1812.700",
		.text = "The state Rosenthal Fair Debt Collection Practices Act ...",
	};
	v->ndisclosures = 1;
}

static struct ledger_piece piece_of(const char *piece_id, const char *batch_id,
				    const struct verdict *v)
{
	return (struct ledger_piece){
		.piece_id = piece_id, .batch_id = batch_id,
		.agency_id = "acme-collect", .account_id = "A-1",
		.consumer_id = "C-1", .letter_code = "validation-notice",
		.template_id = "validation-notice.en", .template_version = "3",
		.language = "en", .mail_date = d("2026-11-24"),
		.validation_end_date = d("2027-01-01"),
		.content_sha256 = "c0ffee", .pdf = "window-2-001.pdf",
		.first_page = 5, .page_count = 2, .imb = "00270123456789012345",
		.print_group = "window-2", .sheet_count = 2,
		.pages_sha256 = "9a9e5", .pdf_offset = 123456789012UL,
		.pdf_length = 4567, .audit_hash = "a0d17",
		.rules_digest = "rules-def", .verdict = v,
	};
}

static struct ledger_batch batch_of(const char *batch_id, const char *bundle_sha)
{
	return (struct ledger_batch){
		.batch_id = batch_id, .agency_id = "acme-collect",
		.rules_digest = "rules-def", .run_date = d("2026-11-23"),
		.mail_date = d("2026-11-24"), .letters = 1,
		.imb_serial_next = 1, .bundle_sha256 = bundle_sha,
	};
}

static void test_round_trip(void)
{
	struct ledger *l = NULL, *l2 = NULL;
	char *state = state_dir("rt");
	struct verdict v;
	struct ledger_piece p;
	struct ledger_batch b = batch_of("B-1", "b0d1e5");
	struct ledger_piece_record r;
	struct pl_diag diag;
	struct arena arena;
	char text_sha[PL_SHA256_HEX];
	char *want_trace;
	int rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	verdict_init(&v);
	p = piece_of("B-1-000001", "B-1", &v);
	sha256_hex(v.disclosures[0].text, strlen(v.disclosures[0].text), text_sha);
	want_trace = xasprintf(
		"rule US-REGF-VALIDATION-PERIOD [12 CFR 1006.34(b)(5)] rules/federal.xml:42"
		" Validation period: receipt + 30 days\n"
		"rule CA-1812.700 [Cal. Civ. Code 1812.700] rules/state-CA.xml:7"
		" California notice of rights\n"
		"disclosure state-notice CA-1812.700 %s\n", text_sha);

	rc = ledger_open(&l, state, &diag);
	ok(rc == PL_OK, "round trip: a new ledger");
	is_sql("rt", "PRAGMA user_version", "4", "round trip: created at version 4");
	if (rc == PL_OK)
		rc = ledger_txn_begin(l, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_add_piece(l, &p, &diag);
	if (!ok(rc == PL_OK, "round trip: add the piece"))
		printf("#   %s\n", diag.message);
	/* A second piece decided the same way: its trace is kept once. */
	if (rc == PL_OK) {
		struct ledger_piece twin = p;

		twin.piece_id = "B-1-000002";
		twin.account_id = "A-2";
		rc = ledger_txn_add_piece(l, &twin, &diag);
	}
	ok(rc == PL_OK, "round trip: a second piece with the same decision");

	/* Inside the transaction the piece is there, its batch not yet. */
	if (rc == PL_OK)
		rc = ledger_piece_get(l, "B-1-000001", &arena, &r, &diag);
	ok(rc == PL_OK && r.run_date == PL_NO_DATE && !strcmp(r.bundle_sha256, "") &&
	   !strcmp(r.account_id, "A-1"),
	   "round trip: before commit, the piece without its batch");
	if (rc == PL_OK)
		rc = ledger_txn_commit(l, &b, &diag);
	if (!ok(rc == PL_OK, "round trip: commit"))
		printf("#   %s\n", diag.message);
	ledger_close(l);
	l = NULL;
	is_sql("rt", "SELECT count(*) || ' ' || count(DISTINCT trace_sha256) FROM pieces",
	       "2 1", "round trip: two pieces, one trace name");
	is_sql("rt", "SELECT count(*) FROM traces", "1", "round trip: the trace kept once");

	/* A new connection, as explain years later. */
	if (rc == PL_OK)
		rc = ledger_open(&l2, state, &diag);
	if (rc == PL_OK)
		rc = ledger_piece_get(l2, "B-1-000001", &arena, &r, &diag);
	if (!ok(rc == PL_OK, "round trip: get"))
		printf("#   %s\n", diag.message);
	if (rc == PL_OK) {
		is_str(r.piece_id, "B-1-000001", "get: piece id");
		is_str(r.batch_id, "B-1", "get: batch id");
		is_str(r.agency_id, "acme-collect", "get: agency");
		is_str(r.account_id, "A-1", "get: account");
		is_str(r.consumer_id, "C-1", "get: consumer");
		is_str(r.letter_code, "validation-notice", "get: letter");
		is_str(r.template_id, "validation-notice.en", "get: template");
		is_str(r.template_version, "3", "get: template version");
		is_str(r.language, "en", "get: language");
		is_str(iso(r.run_date), "2026-11-23", "get: run date (of the batch)");
		is_str(iso(r.mail_date), "2026-11-24", "get: mail date");
		is_str(iso(r.validation_end_date), "2027-01-01", "get: validation end date");
		is_str(r.pdf, "window-2-001.pdf", "get: pdf");
		is_str(r.print_group, "window-2", "get: group");
		is_int(r.first_page, 5, "get: first page");
		is_int(r.page_count, 2, "get: page count");
		is_int(r.sheet_count, 2, "get: sheet count");
		ok(r.pdf_offset == 123456789012UL, "get: pdf offset (past 32 bits)");
		is_int(r.pdf_length, 4567, "get: pdf length");
		is_str(r.content_sha256, "c0ffee", "get: content digest");
		is_str(r.pages_sha256, "9a9e5", "get: pages digest");
		is_str(r.imb, "00270123456789012345", "get: IMb");
		is_str(r.audit_hash, "a0d17", "get: audit record hash");
		is_str(r.rules_digest, "rules-def", "get: rules digest");
		is_str(r.bundle_sha256, "b0d1e5", "get: bundle zip digest (of the batch)");
		is_str(r.trace, want_trace,
		       "get: trace: two rules in firing order, one disclosure");
	}
	rc = ledger_piece_get(l2, "B-1-999999", &arena, &r, &diag);
	is_int(rc, PL_DONE, "get: an unknown piece is PL_DONE");
	ledger_close(l2);
	free(want_trace);
	arena_release(&arena);
	free(state);
}

/* No verdict, no bundle digest: '' in the ledger, never NULL. */
static void test_empty_values(void)
{
	struct ledger *l = NULL;
	char *state = state_dir("empty");
	struct ledger_piece p = piece_of("B-2-000001", "B-2", NULL);
	struct ledger_batch b = batch_of("B-2", NULL);
	struct ledger_piece_record r;
	struct pl_diag diag;
	struct arena arena;
	int rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	p.print_group = p.pages_sha256 = p.audit_hash = p.rules_digest = NULL;
	rc = ledger_open(&l, state, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_begin(l, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_add_piece(l, &p, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_commit(l, &b, &diag);
	if (!ok(rc == PL_OK, "empty: a piece without a verdict commits"))
		printf("#   %s\n", diag.message);
	is_sql("empty", "SELECT count(*) FROM pieces p JOIN traces t"
	       " ON t.sha256 = p.trace_sha256 WHERE t.trace = '' AND"
	       " print_group = '' AND audit_hash = '' AND rules_digest = ''", "1",
	       "empty: '' for the missing strings");
	is_sql("empty", "SELECT count(*) FROM batches WHERE bundle_sha256 = ''", "1",
	       "empty: '' for a NULL bundle digest");
	if (rc == PL_OK)
		rc = ledger_piece_get(l, "B-2-000001", &arena, &r, &diag);
	ok(rc == PL_OK && !strcmp(r.trace, "") && !strcmp(r.rules_digest, "rules-def"),
	   "empty: get: no trace; the batch's rules digest stands in");
	ledger_close(l);
	arena_release(&arena);
	free(state);
}

/* A batch rolled back leaves neither its pieces nor its batch row. */
static void test_rollback(void)
{
	struct ledger *l = NULL;
	char *state = state_dir("rb");
	struct verdict v;
	struct ledger_piece p;
	struct ledger_piece_record r;
	struct pl_diag diag;
	struct arena arena;
	int rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	verdict_init(&v);
	p = piece_of("B-3-000001", "B-3", &v);
	rc = ledger_open(&l, state, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_begin(l, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_add_piece(l, &p, &diag);
	ok(rc == PL_OK, "rollback: a piece added");
	ledger_txn_rollback(l);
	if (rc == PL_OK)
		rc = ledger_piece_get(l, "B-3-000001", &arena, &r, &diag);
	is_int(rc, PL_DONE, "rollback: the piece is gone");
	ok(!ledger_batch_done(l, "B-3", NULL), "rollback: the batch is not done");
	is_sql("rb", "SELECT count(*) FROM pieces", "0", "rollback: no piece rows");
	is_sql("rb", "SELECT count(*) FROM batches", "0", "rollback: no batch rows");

	/* The same piece again, now committed: nothing of the first try. */
	rc = ledger_txn_begin(l, &diag);
	if (rc == PL_OK)
		rc = ledger_txn_add_piece(l, &p, &diag);
	if (rc == PL_OK) {
		struct ledger_batch b = batch_of("B-3", "b3");

		rc = ledger_txn_commit(l, &b, &diag);
	}
	ok(rc == PL_OK, "rollback: the batch commits afterwards");
	is_sql("rb", "SELECT count(*) FROM pieces", "1", "rollback: one piece row");
	ledger_close(l);
	arena_release(&arena);
	free(state);
}

int main(void)
{
	if (!mkdtemp(root))
		PL_BUG("mkdtemp failed");

	test_migrate_v3();
	test_round_trip();
	test_empty_values();
	test_rollback();

	/* U_LEDGER_KEEP=1 keeps the files to look at. */
	if (getenv("U_LEDGER_KEEP"))
		printf("# kept %s\n", root);
	else
		nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
