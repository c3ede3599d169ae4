/*
 * u-ingest.c: the ingest stage on whole files: header mapping, one case
 * per reject code, the balance equation, defaults, duplicates across two
 * files, the fatal header problems, and the extension columns
 * (debt_buyer, opt_out_channels). Contacts files: u-contacts.c.
 *
 * Most cases are data: a fixture of fixtures/accounts/malformed/ and what
 * each of its records must come out as (start line, account_id, reject
 * code, field, and the exact message where it matters). Every fixture has
 * good records after the bad ones, so they also show that the reader
 * resynchronises. The run date of every case is 2026-11-23.
 */
#include "pl.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/diag.h"
#include "ingest/ingest.h"
#include "ingest/ingest-int.h"
#include "tap.h"

#include <unistd.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define MALFORMED PL_DATADIR "/fixtures/accounts/malformed/"

#define MAX_EXPECT 10

struct expect {
	unsigned line;
	const char *account_id;
	const char *code;      /* "" for a good record */
	const char *field;     /* NULL: not checked */
	const char *message;   /* NULL: not checked */
};

struct file_case {
	const char *file;      /* under MALFORMED */
	struct expect want[MAX_EXPECT];
};

static int run_date;

static const struct file_case cases[] = {
	{ "missing-field.csv", {
		{ 2, "MF-1", "", NULL, NULL },
		{ 3, "MF-2", "MISSING_FIELD", "creditor_name",
		  "required field 'creditor_name' is empty" },
		{ 4, "MF-3", "", NULL, NULL },
		{ 5, "MF-4", "MISSING_FIELD", "delinquency_date", NULL },
		{ 6, "", "MISSING_FIELD", "account_id", NULL },
		{ 7, "MF-6", "", NULL, NULL },
	} },
	{ "bad-date.csv", {
		{ 2, "BD-1", "", NULL, NULL },
		{ 3, "BD-2", "BAD_DATE", "itemization_date",
		  "itemization_date '2025-02-30' is not a date (YYYY-MM-DD)" },
		{ 4, "BD-3", "BAD_DATE", "delinquency_date",
		  "delinquency_date '01/15/2025' is not a date (YYYY-MM-DD)" },
		{ 5, "BD-4", "", NULL, NULL },
	} },
	{ "date-in-future.csv", {
		{ 2, "DF-1", "", NULL, NULL },   /* the run date itself is fine */
		{ 3, "DF-2", "DATE_IN_FUTURE", "delinquency_date",
		  "delinquency_date '2026-11-24' is after the run date 2026-11-23" },
		{ 4, "DF-3", "DATE_IN_FUTURE", "itemization_date", NULL },
		{ 5, "DF-4", "", NULL, NULL },
	} },
	{ "bad-amount.csv", {
		{ 2, "BA-1", "", NULL, NULL },
		{ 3, "BA-2", "BAD_AMOUNT", "amount_at_itemization",
		  "amount_at_itemization '12.345' has more than two decimals" },
		{ 4, "BA-3", "BAD_AMOUNT", "payments_since",
		  "payments_since '-5.00' is negative" },
		{ 5, "BA-4", "BAD_AMOUNT", "current_balance",
		  "current_balance '$1025.00' is not an amount (digits and at most two decimals, no '$' or ',')" },
		{ 6, "BA-5", "BAD_AMOUNT", "fees_since", NULL },
		{ 7, "BA-6", "BAD_AMOUNT", "amount_at_itemization",
		  "amount_at_itemization '2000000000.00' is more than 1,000,000,000.00" },
		{ 8, "BA-7", "", NULL, NULL },
	} },
	{ "bad-value.csv", {
		{ 2, "BV-1", "", NULL, NULL },
		{ 3, "BV-2", "BAD_VALUE", "debt_type",
		  "debt_type 'mortgage' is not one of credit_card, medical, auto, "
		  "student, utility, telecom, rent, personal_loan, other" },
		{ 4, "BV-3", "BAD_VALUE", "itemization_date_type", NULL },
		{ 5, "BV-4", "", NULL, NULL },
	} },
	{ "unknown-state.csv", {
		{ 2, "US-1", "", NULL, NULL },   /* PR: a territory */
		{ 3, "US-2", "UNKNOWN_STATE", "state",
		  "state 'ZZ' is not a USPS state code" },
		{ 4, "US-3", "UNKNOWN_STATE", "state",
		  "state 'ny' is not a USPS state code (write it in capitals: 'NY')" },
		{ 5, "US-4", "", NULL, NULL },   /* AE: Armed Forces Europe */
	} },
	{ "bad-postal-code.csv", {
		{ 2, "PC-1", "", NULL, NULL },   /* ZIP+4 */
		{ 3, "PC-2", "BAD_POSTAL_CODE", "postal_code",
		  "postal_code '1220' is not a ZIP code (12345) or ZIP+4 (12345-6789)" },
		{ 4, "PC-3", "BAD_POSTAL_CODE", "postal_code", NULL },
		{ 5, "PC-4", "BAD_POSTAL_CODE", "postal_code", NULL },
		{ 6, "PC-5", "", NULL, NULL },
	} },
	{ "balance-mismatch.csv", {
		{ 2, "BM-1", "", NULL, NULL },
		{ 3, "BM-2", "BALANCE_MISMATCH", "current_balance",
		  "current_balance 1,000.00 does not equal 1,025.00 = "
		  "amount_at_itemization 1,000.00 + interest_since 50.00 + "
		  "fees_since 0.00 - payments_since 25.00 - credits_since 0.00" },
		{ 4, "BM-3", "", NULL, NULL },   /* credits make it add up */
	} },
	{ "bad-csv.csv", {
		{ 2, "CSV-1", "", NULL, NULL },
		{ 3, "CSV-2", "BAD_CSV", "creditor_name",
		  "stray quote in unquoted field 'creditor_name' (column 2)" },
		{ 4, "CSV-3", "", NULL, NULL },
		{ 5, "CSV-4", "BAD_CSV", "city",
		  "text after the closing quote of field 'city' (column 9)" },
		{ 6, "CSV-5", "", NULL, NULL },
		{ 7, "CSV-6", "", NULL, NULL },   /* quoted address over two lines */
		{ 9, "CSV-7", "", NULL, NULL },
		{ 10, "CSV-8", "BAD_CSV", "city",
		  "quote opened in field 'city' (column 9) is not closed before the end of the file" },
	} },
	{ "field-count.csv", {
		{ 2, "FC-1", "", NULL, NULL },
		{ 3, "FC-2", "FIELD_COUNT", "", "record has 4 fields, the header has 20" },
		{ 4, "FC-3", "FIELD_COUNT", "", "record has 21 fields, the header has 20" },
		{ 5, "FC-4", "", NULL, NULL },
		{ 7, "", "FIELD_COUNT", "", NULL },   /* after a blank line */
	} },
	{ "too-long.csv", {
		{ 2, "TL-1", "", NULL, NULL },
		{ 3, "TL-2", "FIELD_TOO_LONG", "address_line2",
		  "field 'address_line2' (column 8) is longer than 4096 bytes" },
		{ 4, "TL-3", "FIELD_TOO_LONG", "address_line2", NULL },
		{ 1505, "TL-4", "", NULL, NULL },  /* TL-3 spans 1501 lines */
	} },
	{ "bad-encoding.csv", {
		{ 2, "BE-1", "", NULL, NULL },
		{ 3, "BE-2", "BAD_ENCODING", "last_name",
		  "field 'last_name' (column 6) is not valid UTF-8" },
		{ 4, "BE-3", "", NULL, NULL },
		{ 5, "", "BAD_ENCODING", "account_id", NULL },
	} },
};

/* ---- helpers ---- */

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Read every record of path and compare with want; one test per record. */
static void run_case(struct ingest_ids *ids, const char *path,
		     const struct expect *want, size_t nwant)
{
	struct ingest in;
	struct arena arena;
	struct account acct;
	struct pl_diag diag;
	char title[300];
	size_t n = 0;
	int rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	rc = ingest_open(&in, path, NULL, ids, run_date, &diag);
	snprintf(title, sizeof(title), "%s: opens", path);
	if (!tap_ok(rc == PL_OK, __FILE__, __LINE__, title))
		printf("#   %s\n", diag.message);
	while (rc == PL_OK && (rc = ingest_next(&in, &arena, &acct, &diag)) == PL_OK) {
		const struct expect *w = n < nwant ? &want[n] : NULL;
		const char *code = acct.rejected ? acct.reject.code : "";
		bool good = w && acct.line == w->line && same(acct.account_id, w->account_id) &&
			same(code, w->code) && acct.record == n + 1 && same(acct.file, path) &&
			(!w->field || same(acct.reject.field, w->field)) &&
			(!w->message || same(acct.reject.message, w->message));

		snprintf(title, sizeof(title), "%s record %zu: %s %s", path, n + 1,
			 w ? w->account_id : "?", w && w->code[0] ? w->code : "good");
		if (!tap_ok(good, __FILE__, __LINE__, title)) {
			printf("#   got line %u record %u id '%s' code '%s' field '%s' message '%s'\n",
			       acct.line, acct.record, acct.account_id, code,
			       acct.reject.field, acct.reject.message);
			if (w)
				printf("#   want line %u id '%s' code '%s' field '%s' message '%s'\n",
				       w->line, w->account_id, w->code,
				       w->field ? w->field : "*", w->message ? w->message : "*");
		}
		n++;
		arena_clear(&arena);
	}
	snprintf(title, sizeof(title), "%s: %zu records then PL_DONE", path, nwant);
	if (!tap_ok(rc == PL_DONE && n == nwant, __FILE__, __LINE__, title))
		printf("#   rc %d after %zu records: %s\n", rc, n, diag.message);
	ingest_release(&in);
	arena_release(&arena);
}

static size_t count_expect(const struct file_case *fc)
{
	size_t n = 0;

	while (n < MAX_EXPECT && fc->want[n].line)
		n++;
	return n;
}

static void test_fixtures(void)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		struct ingest_ids ids;
		char path[512];

		snprintf(path, sizeof(path), "%s%s", MALFORMED, cases[i].file);
		ingest_ids_init(&ids);
		run_case(&ids, path, cases[i].want, count_expect(&cases[i]));
		ingest_ids_release(&ids);
	}
}

/* ---- duplicates across the files of a batch ---- */

static void test_duplicates(void)
{
	static const char a[] = MALFORMED "duplicate-a.csv";
	static const char b[] = MALFORMED "duplicate-b.csv";
	char m1[600], m2[600], m3[600];
	struct ingest_ids ids;

	/* The other file is named by its base name: no machine path in outputs. */
	snprintf(m1, sizeof(m1), "account_id 'DUP-1' already appears at duplicate-a.csv:2");
	snprintf(m2, sizeof(m2), "account_id 'DUP-2' already appears at duplicate-a.csv:3");
	/* DUP-3 at line 5 was rejected (bad state), so line 6 is the first. */
	snprintf(m3, sizeof(m3), "account_id 'DUP-3' already appears at duplicate-a.csv:6");
	{
		const struct expect want_a[] = {
			{ 2, "DUP-1", "", NULL, NULL },
			{ 3, "DUP-2", "", NULL, NULL },
			{ 4, "DUP-1", "DUPLICATE_ACCOUNT_ID", "account_id", m1 },
			{ 5, "DUP-3", "UNKNOWN_STATE", "state", NULL },
			{ 6, "DUP-3", "", NULL, NULL },
		};
		const struct expect want_b[] = {
			{ 2, "DUP-4", "", NULL, NULL },
			{ 3, "DUP-2", "DUPLICATE_ACCOUNT_ID", "account_id", m2 },
			{ 4, "DUP-3", "DUPLICATE_ACCOUNT_ID", "account_id", m3 },
			{ 5, "DUP-5", "BAD_POSTAL_CODE", "postal_code", NULL },
			{ 6, "DUP-5", "", NULL, NULL },
		};

		ingest_ids_init(&ids);
		run_case(&ids, a, want_a, PL_ARRAY_SIZE(want_a));
		run_case(&ids, b, want_b, PL_ARRAY_SIZE(want_b));
		is_int(ids.nfiles, 2, "duplicates: two files registered");
		is_int(ids.used, 5, "duplicates: five distinct good ids remembered");
		ingest_ids_release(&ids);
	}
}

static void test_ids_set(void)
{
	struct ingest_ids ids;
	const char *ff = NULL;
	unsigned fl = 0;
	char id[32];
	int bad = 0;

	ingest_ids_init(&ids);
	is_int(ingest_ids_add_file(&ids, "x.csv"), 0, "ids: first file is index 0");
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "A%07u", i);
		bad += ingest_ids_insert(&ids, id, 0, i + 2, &ff, &fl) != PL_OK;
	}
	is_int(bad, 0, "ids: 100000 distinct ids, no false duplicate");
	ok(ingest_ids_bytes(&ids, NULL) <= 18 * ids.used + 512 * 1024,
	   "ids: under 18 bytes an id (u-ingest-ids.c tests the set itself)");
	is_int(ingest_ids_insert(&ids, "A0054321", 0, 9, &ff, &fl), PL_DONE,
	       "ids: a repeat is found");
	ok(same(ff, "x.csv") && fl == 54323, "ids: where it was first seen");
	is_int(ids.used, 100000, "ids: a repeat is not stored");
	ok(ingest_id_hash("") != 0 && ingest_id_hash("A1") != ingest_id_hash("A2"),
	   "ids: hash is never 0 and tells close ids apart");
	ingest_ids_release(&ids);
	ok(ids.used == 0 && !ids.parts && ingest_ids_bytes(&ids, NULL) == 0,
	   "ids: release empties the set");
}

/* ---- fatal header problems ---- */

static void expect_fatal(const char *file, int status, const char *message,
			 unsigned line)
{
	struct ingest_ids ids;
	struct ingest in;
	struct pl_diag diag;
	char path[512], title[600];
	int rc;

	snprintf(path, sizeof(path), "%s%s", file[0] == '/' ? "" : MALFORMED, file);
	ingest_ids_init(&ids);
	pl_diag_clear(&diag);
	rc = ingest_open(&in, path, NULL, &ids, run_date, &diag);
	snprintf(title, sizeof(title), "fatal: %s is status %d", file, status);
	is_int(rc, status, title);
	snprintf(title, sizeof(title), "fatal: %s message", file);
	if (message)
		is_str(diag.message, message, title);
	snprintf(title, sizeof(title), "fatal: %s names the file and line %u", file, line);
	ok(same(diag.file, path) && diag.line == line && in.state == NULL, title);
	ingest_release(&in);   /* allowed after a failed open */
	is_int(ids.nfiles, 0, "fatal: the file is not registered");
	ingest_ids_release(&ids);
}

static void test_fatal(void)
{
	expect_fatal("unknown-column.csv", PL_PARSE,
		     "unknown column 'acount_status' in the header (column 21)", 1);
	expect_fatal("missing-column.csv", PL_PARSE,
		     "missing required column 'current_balance' in the header", 1);
	expect_fatal("duplicate-column.csv", PL_PARSE,
		     "duplicate column 'city' in the header (columns 9 and 21)", 1);
	expect_fatal("empty.csv", PL_PARSE, "account file has no header row", 0);
	expect_fatal("no-such-file.csv", PL_IO_OPEN, NULL, 0);
	expect_fatal("/", PL_IO, NULL, 0);
}

/* ---- every field, defaults, the other enumerations ---- */

static char tmpdir[64];

static char *write_temp(const char *name, const char *content)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	if (!fp || fputs(content, fp) == EOF || fclose(fp) != 0)
		PL_BUG("cannot write '%s'", path);
	return path;
}

/*
 * All 42 columns in reverse order, header names padded with spaces, a BOM
 * and CRLF line ends.
 */
static const char full_file[] =
	"\xEF\xBB\xBF"
	" portal_code , plan_first_due,plan_count,plan_installment,settlement_expires_on,"
	"settlement_amount,identity_theft_claim,deceased,bankruptcy,attorney_represented,"
	"cease_requested_on,verification_sent_on,dispute_received_on,validation_sent_on,"
	"letter,charge_off_date,last_payment_date,delinquency_date,current_balance,"
	"credits_since,payments_since,fees_since,interest_since,amount_at_itemization,"
	"itemization_date,itemization_date_type,language,postal_code,state,city,"
	"address_line2,address_line1,name_suffix,last_name,middle_name,first_name,"
	"debt_type,creditor_account_ref,original_creditor,creditor_name,consumer_id,"
	"\taccount_id\t\r\n"
	/* line 2: every field, with spaces to trim */
	"PC-77, 2027-01-15 ,12,100.50,2026-12-31,500,N,n,y,Y,"
	"2026-10-01,2026-09-02,2026-08-03,2026-07-04,"
	"settlement-offer,2025-03-01,2025-02-01,2025-01-15,1200.00,"
	"10.00,40.00,25.00,75.00,1150.00,"
	"2025-06-30,last_statement,es,10001-0001,NY,New York,"
	"\"Apt 4B\",\"1 Broadway, Floor 2\",Jr.,\"O'Brien \"\"Bo\"\"\",Q,Mar\xC3\xAD" "a,"
	"medical,ACC-1,Old Hospital,  Acme Health  ,C-9,F-1\r\n"
	/* line 3: only the required fields */
	",,,,,,,,,,,,,,,,,2025-01-15,99.99,,,,,99.99,2025-06-30,judgment,,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-2\r\n"
	/* lines 4-8: one bad value each */
	",,,,,,,,,,,,,,,,,2025-01-15,1.00,,,,,1.00,2025-06-30,judgment,fr,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-3\r\n"
	",,,,,,,,,,,,,,auto-pilot,,,2025-01-15,1.00,,,,,1.00,2025-06-30,judgment,,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-4\r\n"
	",,,,,,,,maybe,,,,,,,,,2025-01-15,1.00,,,,,1.00,2025-06-30,judgment,,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-5\r\n"
	",,0,,,,,,,,,,,,,,,2025-01-15,1.00,,,,,1.00,2025-06-30,judgment,,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-6\r\n"
	",,,,,,,,,,2026-12-01,,,,,,,2025-01-15,1.00,,,,,1.00,2025-06-30,judgment,,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-7\r\n"
	/* line 9: a future settlement expiry is fine */
	",2027-06-01,,,2027-06-01,1.00,,,,,,,,,,,,2025-01-15,1.00,,,,,1.00,2025-06-30,judgment,,99501,AK,"
	"Anchorage,,2 Elm St,,Smith,,,other,R-2,,Beta Credit,,F-8";

static int d(const char *iso)
{
	int v = PL_NO_DATE;

	if (date_parse_iso(iso, &v) != 0)
		PL_BUG("bad test date '%s'", iso);
	return v;
}

static void test_full_record(void)
{
	struct ingest_ids ids;
	struct ingest in;
	struct arena arena;
	struct account a;
	struct pl_diag diag;
	const char *path = write_temp("full.csv", full_file);
	int rc;

	ingest_ids_init(&ids);
	arena_init(&arena);
	rc = ingest_open(&in, path, NULL, &ids, run_date, &diag);
	is_int(rc, PL_OK, "full: header in any order, trimmed, after a BOM");
	if (rc != PL_OK) {
		printf("#   %s\n", diag.message);
		goto out;
	}

	rc = ingest_next(&in, &arena, &a, &diag);
	ok(rc == PL_OK && !a.rejected && a.line == 2 && a.record == 1,
	   "full: record with every field is good");
	if (a.rejected)
		printf("#   %s: %s\n", a.reject.code, a.reject.message);
	is_str(a.account_id, "F-1", "full: account_id trimmed of tabs");
	is_str(a.consumer_id, "C-9", "full: consumer_id");
	is_str(a.creditor_name, "Acme Health", "full: creditor_name trimmed");
	is_str(a.original_creditor, "Old Hospital", "full: original_creditor");
	is_str(a.creditor_account_ref, "ACC-1", "full: creditor_account_ref");
	is_int(a.debt_type, DEBT_MEDICAL, "full: debt_type");
	is_str(a.first_name, "Mar\xC3\xAD" "a", "full: first_name (UTF-8)");
	is_str(a.middle_name, "Q", "full: middle_name");
	is_str(a.last_name, "O'Brien \"Bo\"", "full: last_name with escaped quotes");
	is_str(a.name_suffix, "Jr.", "full: name_suffix");
	is_str(a.address_line1, "1 Broadway, Floor 2", "full: address_line1 with comma");
	is_str(a.address_line2, "Apt 4B", "full: address_line2");
	is_str(a.city, "New York", "full: city");
	is_str(a.state, "NY", "full: state");
	is_str(a.postal_code, "10001-0001", "full: ZIP+4");
	is_str(a.language, "es", "full: language");
	is_int(a.itemization_date_type, ITEMIZATION_LAST_STATEMENT, "full: itemization_date_type");
	is_int(a.itemization_date, d("2025-06-30"), "full: itemization_date");
	is_int(a.amount_at_itemization, 115000, "full: amount_at_itemization");
	is_int(a.interest_since, 7500, "full: interest_since");
	is_int(a.fees_since, 2500, "full: fees_since");
	is_int(a.payments_since, 4000, "full: payments_since");
	is_int(a.credits_since, 1000, "full: credits_since");
	is_int(a.current_balance, 120000, "full: current_balance (balance equation holds)");
	is_int(a.delinquency_date, d("2025-01-15"), "full: delinquency_date");
	is_int(a.last_payment_date, d("2025-02-01"), "full: last_payment_date");
	is_int(a.charge_off_date, d("2025-03-01"), "full: charge_off_date");
	is_str(a.letter, "settlement-offer", "full: letter");
	is_int(a.validation_sent_on, d("2026-07-04"), "full: validation_sent_on");
	is_int(a.dispute_received_on, d("2026-08-03"), "full: dispute_received_on");
	is_int(a.verification_sent_on, d("2026-09-02"), "full: verification_sent_on");
	is_int(a.cease_requested_on, d("2026-10-01"), "full: cease_requested_on");
	ok(a.attorney_represented && a.bankruptcy && !a.deceased && !a.identity_theft_claim,
	   "full: flags Y, y, n, N");
	is_int(a.settlement_amount, 50000, "full: settlement_amount");
	is_int(a.settlement_expires_on, d("2026-12-31"), "full: settlement_expires_on");
	is_int(a.plan_installment, 10050, "full: plan_installment");
	is_int(a.plan_count, 12, "full: plan_count");
	is_int(a.plan_first_due, d("2027-01-15"), "full: plan_first_due (future is fine)");
	is_str(a.portal_code, "PC-77", "full: portal_code");
	arena_clear(&arena);

	rc = ingest_next(&in, &arena, &a, &diag);
	ok(rc == PL_OK && !a.rejected && a.line == 3, "defaults: minimal record is good");
	is_str(a.consumer_id, "F-2", "defaults: consumer_id is account_id");
	ok(same(a.original_creditor, "") && same(a.first_name, "") &&
	   same(a.middle_name, "") && same(a.name_suffix, "") &&
	   same(a.address_line2, "") && same(a.portal_code, ""),
	   "defaults: absent strings are \"\"");
	is_str(a.language, "en", "defaults: language en");
	is_str(a.letter, "auto", "defaults: letter auto");
	ok(a.last_payment_date == PL_NO_DATE && a.charge_off_date == PL_NO_DATE &&
	   a.validation_sent_on == PL_NO_DATE && a.dispute_received_on == PL_NO_DATE &&
	   a.verification_sent_on == PL_NO_DATE && a.cease_requested_on == PL_NO_DATE &&
	   a.settlement_expires_on == PL_NO_DATE && a.plan_first_due == PL_NO_DATE,
	   "defaults: absent dates are PL_NO_DATE");
	ok(a.interest_since == 0 && a.fees_since == 0 && a.payments_since == 0 &&
	   a.credits_since == 0 && a.settlement_amount == 0 && a.plan_installment == 0 &&
	   a.plan_count == 0, "defaults: absent money and counts are 0");
	ok(!a.attorney_represented && !a.bankruptcy && !a.deceased &&
	   !a.identity_theft_claim, "defaults: flags N");
	ok(a.debt_buyer == TRI_UNKNOWN && a.opt_out_channels == 0,
	   "defaults: without the extension columns, debt_buyer unknown, no opt-out");
	arena_clear(&arena);

	{
		static const struct {
			const char *id, *code, *field, *message;
		} bad[] = {
			{ "F-3", "BAD_VALUE", "language", "language 'fr' is not one of en, es" },
			{ "F-4", "BAD_VALUE", "letter", NULL },
			{ "F-5", "BAD_VALUE", "bankruptcy", "bankruptcy 'maybe' is not Y or N" },
			{ "F-6", "BAD_VALUE", "plan_count",
			  "plan_count '0' is not a whole number from 1 to 9999" },
			{ "F-7", "DATE_IN_FUTURE", "cease_requested_on", NULL },
		};
		char title[100];

		for (size_t i = 0; i < PL_ARRAY_SIZE(bad); i++) {
			rc = ingest_next(&in, &arena, &a, &diag);
			snprintf(title, sizeof(title), "values: %s is %s on %s", bad[i].id,
				 bad[i].code, bad[i].field);
			if (!ok(rc == PL_OK && a.rejected && same(a.account_id, bad[i].id) &&
				same(a.reject.code, bad[i].code) &&
				same(a.reject.field, bad[i].field) &&
				(!bad[i].message || same(a.reject.message, bad[i].message)), title))
				printf("#   %s %s: %s\n", a.reject.code, a.reject.field,
				       a.reject.message);
			arena_clear(&arena);
		}
	}
	rc = ingest_next(&in, &arena, &a, &diag);
	ok(rc == PL_OK && !a.rejected && a.line == 9 &&
	   a.settlement_expires_on == d("2027-06-01"),
	   "values: last line without CRLF, future expiry accepted");
	is_int(ingest_next(&in, &arena, &a, &diag), PL_DONE, "full: then PL_DONE");
	is_int(a.rejected, 0, "full: out is cleared at PL_DONE");
out:
	ingest_release(&in);
	arena_release(&arena);
	ingest_ids_release(&ids);
	unlink(path);
}

/* ---- the extension columns: debt_buyer, opt_out_channels ---- */

#define EXT_HEADER \
	"account_id,creditor_name,creditor_account_ref,debt_type,last_name," \
	"address_line1,city,state,postal_code,itemization_date_type," \
	"itemization_date,amount_at_itemization,current_balance,delinquency_date," \
	"opt_out_channels,debt_buyer\n"
#define EXT_ROW(id, opt, buyer) \
	id ",Acme,R1,rent,Doe,1 Main St,Troy,NY,12180,transaction,2025-01-02," \
	"1.00,1.00,2025-01-01," opt "," buyer "\n"

static const char ext_file[] =
	EXT_HEADER
	EXT_ROW("E-1", "", "")
	EXT_ROW("E-2", "call", "Y")
	EXT_ROW("E-3", "\"Letter; EMAIL\"", "n")
	EXT_ROW("E-4", "sms;call  sms;", "y")
	EXT_ROW("E-5", " ; ;", "N")
	EXT_ROW("E-6", "call fax", "")
	EXT_ROW("E-7", "", "maybe")
	EXT_ROW("E-8", "CALL LETTER email Sms", "");

/*
 * debt_buyer: Y/N either case, empty = not known (a rule that needs it
 * defers). opt_out_channels: words, spaces or semicolons, any case.
 */
static void test_extensions(void)
{
	static const struct {
		const char *id;
		enum tristate buyer;
		unsigned channels;
		const char *code, *field, *message;
	} want[] = {
		{ "E-1", TRI_UNKNOWN, 0, "", NULL, NULL },
		{ "E-2", TRI_YES, CHANNEL_CALL, "", NULL, NULL },
		{ "E-3", TRI_NO, CHANNEL_LETTER | CHANNEL_EMAIL, "", NULL, NULL },
		{ "E-4", TRI_YES, CHANNEL_SMS | CHANNEL_CALL, "", NULL, NULL },
		{ "E-5", TRI_NO, 0, "", NULL, NULL },
		{ "E-6", TRI_UNKNOWN, 0, "BAD_VALUE", "opt_out_channels",
		  "opt_out_channels word 'fax' is not one of call, letter, email, sms" },
		{ "E-7", TRI_UNKNOWN, 0, "BAD_VALUE", "debt_buyer",
		  "debt_buyer 'maybe' is not Y or N (or empty: not known)" },
		{ "E-8", TRI_UNKNOWN, CHANNEL_ALL, "", NULL, NULL },
	};
	struct ingest_ids ids;
	struct ingest in;
	struct arena arena;
	struct account a;
	struct pl_diag diag;
	const char *path = write_temp("ext.csv", ext_file);
	char title[120];
	int rc;

	ingest_ids_init(&ids);
	arena_init(&arena);
	rc = ingest_open(&in, path, NULL, &ids, run_date, &diag);
	is_int(rc, PL_OK, "extensions: the optional columns are known");
	for (size_t i = 0; rc == PL_OK && i < PL_ARRAY_SIZE(want); i++) {
		const char *code;

		rc = ingest_next(&in, &arena, &a, &diag);
		code = a.rejected ? a.reject.code : "";
		snprintf(title, sizeof(title), "extensions: %s %s", want[i].id,
			 want[i].code[0] ? want[i].code : "good");
		if (!ok(rc == PL_OK && same(a.account_id, want[i].id) &&
			same(code, want[i].code) &&
			(a.rejected || (a.debt_buyer == want[i].buyer &&
					a.opt_out_channels == want[i].channels)) &&
			(!want[i].field || same(a.reject.field, want[i].field)) &&
			(!want[i].message || same(a.reject.message, want[i].message)),
			title))
			printf("#   got %s '%s' '%s', buyer %d, channels %u\n", code,
			       a.reject.field, a.reject.message, (int)a.debt_buyer,
			       a.opt_out_channels);
		arena_clear(&arena);
	}
	is_int(ingest_next(&in, &arena, &a, &diag), PL_DONE, "extensions: then PL_DONE");
	ingest_release(&in);
	arena_release(&arena);
	ingest_ids_release(&ids);
	unlink(path);
}

/* ---- helpers exposed by the stage ---- */

static void test_helpers(void)
{
	static const char *const good[] = {
		"AL", "AK", "WY", "DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP",
	};
	static const char *const bad[] = { "ny", "Ny", "ZZ", "NYC", "N", "", "XX", "AB" };
	bool all = true;
	int i;

	for (i = 0; i < (int)PL_ARRAY_SIZE(good); i++)
		all = all && usps_state_known(good[i]);
	ok(all, "usps: states, DC, territories and military codes known");
	all = true;
	for (i = 0; i < (int)PL_ARRAY_SIZE(bad); i++)
		all = all && !usps_state_known(bad[i]);
	ok(all, "usps: lower case, unknown and wrong-length codes refused");
	ok(!usps_state_known(NULL), "usps: NULL refused");
	is_int(ingest_field_index("account_id"), 0, "fields: account_id is first");
	is_int(ingest_field_index("portal_code"), 41,
	       "fields: portal_code is the last field of DESIGN.md");
	is_int(ingest_field_index("debt_buyer"), 42, "fields: extensions follow it");
	is_int(ingest_field_index("opt_out_channels"), INGEST_NFIELDS - 1,
	       "fields: opt_out_channels is last");
	is_int(ingest_field_index("Account_ID"), -1, "fields: names are case-sensitive");
}

/* Memory does not grow with the number of records (one arena, cleared). */
static void test_streaming(void)
{
	struct buf content = BUF_INIT(1 << 24);
	struct ingest_ids ids;
	struct ingest in;
	struct arena arena;
	struct account a;
	struct pl_diag diag;
	size_t max_used = 0, first_used = 0, records = 0;
	const char *path;
	int rc = PL_OK;

	rc |= buf_addstr(&content, "account_id,creditor_name,creditor_account_ref,debt_type,"
			 "last_name,address_line1,city,state,postal_code,itemization_date_type,"
			 "itemization_date,amount_at_itemization,current_balance,delinquency_date\n");
	for (int i = 0; i < 20000; i++)
		rc |= buf_addf(&content, "S%06d,Acme,R%d,rent,Doe,1 Main St,Troy,NY,12180,"
			       "transaction,2025-01-02,%d.%02d,%d.%02d,2025-01-01\n",
			       i, i, i, i % 100, i, i % 100);
	path = write_temp("many.csv", buf_str(&content));
	buf_release(&content);
	ok(rc == PL_OK, "streaming: built 20000 records");

	ingest_ids_init(&ids);
	arena_init(&arena);
	rc = ingest_open(&in, path, NULL, &ids, run_date, &diag);
	while (rc == PL_OK && (rc = ingest_next(&in, &arena, &a, &diag)) == PL_OK) {
		if (a.rejected)
			break;
		records++;
		if (records == 1)
			first_used = arena.used_total;
		if (arena.used_total > max_used)
			max_used = arena.used_total;
		arena_clear(&arena);
	}
	is_int(rc, PL_DONE, "streaming: all good, then PL_DONE");
	is_int(records, 20000, "streaming: 20000 records");
	ok(max_used <= first_used + 64, "streaming: arena use per record stays flat");
	ingest_release(&in);
	arena_release(&arena);
	ingest_ids_release(&ids);
	unlink(path);
}

int main(void)
{
	if (date_parse_iso("2026-11-23", &run_date) != 0)
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/u-ingest-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_fixtures();
	test_duplicates();
	test_ids_set();
	test_fatal();
	test_full_record();
	test_extensions();
	test_helpers();
	test_streaming();
	rmdir(tmpdir);
	return tap_done();
}
