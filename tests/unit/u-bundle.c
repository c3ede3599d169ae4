/*
 * u-bundle.c: the bundle stage: CSV files byte for byte (contact-plan.csv
 * too), the audit manifest read back with libxml2, and the contact
 * ledger's one transaction per batch (invisible to a second connection
 * until bundle_commit(), gone after bundle_free() without a commit):
 * contact events and letters in ledger_history(), its 30-day window,
 * each agency's IMb serial counter (advanced by committed batches only,
 * a stale base refused), and ledgers of schema versions 1 and 2 migrated
 * in place.
 *
 * Everything happens under one mkdtemp() directory, removed at the end.
 */
#define _XOPEN_SOURCE 700   /* nftw() */
#include "pl.h"
#include "bundle/bundle.h"
#include "bundle/bundle-int.h"
#include "core/arena.h"
#include "core/date.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "tap.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sqlite3.h>

static char root[] = "/tmp/u-bundle-XXXXXX";
static struct agency agency;

/* ---- file helpers ---- */

static char *path_of(const char *a, const char *b)
{
	return xasprintf("%s/%s/%s", root, a, b);
}

static char *slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		data = xrealloc(data, len + n + 1);
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!data)
		data = xstrdup("");
	data[len] = '\0';
	if (len_out)
		*len_out = len;
	return data;
}

static void is_file(const char *dir, const char *name, const char *want,
		    const char *test)
{
	char *p = path_of(dir, name);
	char *got = slurp(p, NULL);

	is_str(got, want, test);
	free(got);
	free(p);
}

static bool exists(const char *dir, const char *name)
{
	char *p = path_of(dir, name);
	struct stat st;
	bool yes = stat(p, &st) == 0;

	free(p);
	return yes;
}

static int lock_files;

static int count_lock(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	size_t n = strlen(path);

	if (n > 5 && !strcmp(path + n - 5, ".lock"))
		lock_files++;
	return 0;
}

/* Number of *.lock files anywhere under root. */
static int locks_under_root(void)
{
	lock_files = 0;
	nftw(root, count_lock, 16, FTW_PHYS);
	return lock_files;
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	return remove(path);
}

static void make_staging(const char *name)
{
	char *d = xasprintf("%s/%s", root, name);
	char *p = xasprintf("%s/print", d);
	char *a = xasprintf("%s/audit", d);

	if (mkdir(d, 0755) || mkdir(p, 0755) || mkdir(a, 0755))
		PL_BUG("cannot create staging dir '%s'", d);
	free(a);
	free(p);
	free(d);
}

static int date(const char *iso)
{
	int d;

	if (date_parse_iso(iso, &d) != 0)
		PL_BUG("bad test date '%s'", iso);
	return d;
}

/* ---- the test batch: a letter, a suppression, a rejection, a deferral ---- */

struct batch {
	struct account acct[4];
	struct verdict verdict[4];
	struct letter_ref letter;
	char sha[PL_SHA256_HEX];
};

static void account_defaults(struct account *a, const char *id, unsigned line)
{
	memset(a, 0, sizeof(*a));
	a->file = "batch/accounts.csv";
	a->line = line;
	a->account_id = id;
	a->consumer_id = "";
	a->first_name = a->middle_name = a->last_name = a->name_suffix = "";
	a->address_line1 = a->address_line2 = a->city = a->state = "";
	a->postal_code = a->language = "";
}

static void verdict_defaults(struct verdict *v, enum outcome o)
{
	memset(v, 0, sizeof(*v));
	v->outcome = o;
	v->reason_code = v->citation = v->message = "";
	v->deferred_until = PL_NO_DATE;
	v->mail_date = v->assumed_receipt_date = v->validation_end_date = PL_NO_DATE;
	v->sol_expires_on = PL_NO_DATE;
	v->time_barred = TRI_UNKNOWN;
	v->sol_rule_id = "";
}

static void batch_init(struct batch *t, const char *piece, const char *acct1)
{
	struct account *a;
	struct verdict *v;

	memset(t, 0, sizeof(*t));
	memset(t->sha, 'a', 64);

	/* 1: a letter, with a name and an address that need quoting */
	a = &t->acct[0];
	account_defaults(a, acct1, 2);
	a->first_name = "Ann";
	a->middle_name = "\"Nan\"";
	a->last_name = "O'Lee";
	a->name_suffix = "Jr., PhD";
	a->address_line1 = "12 Elm St\nApt 4";
	a->address_line2 = "=HYPERLINK(\"x\")";
	a->city = "Albany";
	a->state = "NY";
	a->postal_code = "12207-1234";
	v = &t->verdict[0];
	verdict_defaults(v, OUTCOME_LETTER);
	v->letter_code = "validation-notice";
	v->language = "en";
	v->mail_date = date("2026-11-24");
	v->assumed_receipt_date = date("2026-12-02");
	v->validation_end_date = date("2027-01-01");
	v->holiday_method = "conservative";
	v->calendar_version = "US-6103A-2026";
	v->jurisdiction = "US-NY";
	v->time_barred = TRI_NO;
	v->sol_years = 6;
	v->sol_expires_on = date("2031-01-18");
	v->sol_rule_id = "NY-SOL";
	v->initial_communication = true;
	v->needs_review = true;
	v->hits[0] = (struct rule_hit){ .rule_id = "US-REGF-VALIDATION-PERIOD",
		.citation = "12 CFR 1006.34(b)(5)",
		.title = "Validation period: receipt + 30 days",
		.source_file = "rules/federal.xml", .source_line = 10 };
	v->hits[1] = (struct rule_hit){ .rule_id = "US-REGF-VN-C1",
		.citation = "12 CFR 1006.34(c)(1)", .title = "Debt collector statement",
		.source_file = "rules/federal.xml", .source_line = 42,
		.needs_review = true };
	v->nhits = 2;
	v->plan = (struct contact_plan){
		.first_day = date("2026-11-23"), .calls_allowed = { 7, 7, 6, 7, 7, 7, 7 },
		.time_zone = "America/New_York", .window = "08:00-21:00",
		.blocked = 0, .block_reasons = "", .limit_rules = "US-REGF-CALLS-7IN7",
	};
	v->disclosures[0] = (struct disclosure){ .slot = "debt-collector-statement",
		.rule_id = "US-REGF-VN-C1", .citation = "12 CFR 1006.34(c)(1)",
		.text = "{collector} is a debt collector." };
	v->ndisclosures = 1;
	t->letter = (struct letter_ref){
		.piece_id = piece, .template_id = "validation-notice.en",
		.template_version = "1.0", .first_page = 1, .page_count = 2,
		.sheet_count = 2, .language = "en", .group = "window-2",
		.envelope = "#10-double-window", .pdf = "window-2-001.pdf",
		.pdf_offset = 0, .pdf_length = 1234,
	};
	memcpy(t->letter.content_sha256, t->sha, PL_SHA256_HEX);
	memset(t->letter.pages_sha256, 'b', PL_SHA256_HEX - 1);

	/* 2: suppressed by a hold */
	account_defaults(&t->acct[1], "A-1002", 3);
	t->acct[1].state = "NY";
	v = &t->verdict[1];
	verdict_defaults(v, OUTCOME_SUPPRESSED);
	v->jurisdiction = "US-NY";
	v->plan = (struct contact_plan){
		.first_day = date("2026-11-23"), .time_zone = "America/New_York",
		.blocked = CHANNEL_ALL,
		.block_reasons = "call:CEASE_1006.6(c) letter:CEASE_1006.6(c) "
				 "email:CEASE_1006.6(c) sms:CEASE_1006.6(c)",
		.limit_rules = "",
	};
	v->reason_code = "CEASE_1006.6(c)";
	v->citation = "12 CFR 1006.6(c); 15 U.S.C. 1692c(c)";
	v->message = "the consumer asked in writing on 2026-10-01 that "
		     "communication stop";
	v->hits[0] = (struct rule_hit){ .rule_id = "US-REGF-HOLD-CEASE",
		.citation = "12 CFR 1006.6(c)", .source_file = "rules/federal.xml",
		.source_line = 77 };
	v->nhits = 1;

	/* 3: rejected by ingest, with markup in its id */
	a = &t->acct[2];
	account_defaults(a, "A<&>3", 4);
	a->rejected = true;
	a->reject = (struct reject){ "BAD_DATE", "itemization_date",
		"cannot parse date '2026-13-01', expected YYYY-MM-DD" };

	/* 4: deferred, with bytes XML cannot carry in its message */
	account_defaults(&t->acct[3], "A-1004", 5);
	t->acct[3].consumer_id = "C-4";
	t->acct[3].state = "TX";
	v = &t->verdict[3];
	verdict_defaults(v, OUTCOME_DEFERRED);
	v->reason_code = "WAITING_PERIOD";
	v->message = "wait\x01ing \xff until";
	v->deferred_until = date("2026-12-10");
	v->jurisdiction = "US-TX";
	v->time_barred = TRI_YES;
	v->sol_years = 4;
	v->sol_expires_on = date("2026-01-02");
	v->sol_rule_id = "TX-SOL";
	v->plan = (struct contact_plan){
		.first_day = date("2026-11-23"), .calls_allowed = { 2, 1, 0, 0, 0, 0, 0 },
		.time_zone = "America/Chicago", .window = "09:00-21:00",
		.blocked = CHANNEL_SMS | CHANNEL_EMAIL,
		.block_reasons = "email:MEDIUM_OPT_OUT sms:MEDIUM_OPT_OUT",
		.limit_rules = "US-REGF-CALLS-7IN7, US-REGF-CALLS-AFTER-CONVERSATION",
	};
}

static const struct run_counts batch_counts = {
	.read = 4, .letters = 1, .suppressed = 1, .deferred = 1, .rejected = 1,
	.pages = 2, .sheets = 2,
};

static struct bundle_opts opts_for(const char *staging, const char *batch_id)
{
	struct bundle_opts o = {
		.staging_dir = NULL, .batch_id = batch_id, .agency = &agency,
		.run_date = date("2026-11-23"), .mail_date = date("2026-11-24"),
		.rules_digest = "0123456789abcdef0123456789abcdef"
				"0123456789abcdef0123456789abcdef",
	};
	o.staging_dir = xasprintf("%s/%s", root, staging);
	return o;
}

static int add_batch(struct bundle *b, struct batch *t, struct pl_diag *diag)
{
	int rc = bundle_add(b, &t->acct[0], &t->verdict[0], &t->letter, diag);

	if (rc == PL_OK)
		rc = bundle_add(b, &t->acct[1], &t->verdict[1], NULL, diag);
	if (rc == PL_OK)
		rc = bundle_add(b, &t->acct[2], NULL, NULL, diag);
	if (rc == PL_OK)
		rc = bundle_add(b, &t->acct[3], &t->verdict[3], NULL, diag);
	return rc;
}

/* ---- the expected files ---- */

static const char want_manifest[] =
	"piece_id,account_id,pdf,first_page,page_count,sheet_count,envelope,"
	"mail_class,template,language,name,address_line1,address_line2,city,"
	"state,postal_code,imb,template_version,mail_date,validation_end_date,"
	"content_sha256,sides,group,pages_sha256,pdf_offset,pdf_length\r\n"
	"P-0001,A-1001,window-2-001.pdf,1,2,2,#10-double-window,first-class,"
	"validation-notice.en,en,\"Ann \"\"Nan\"\" O'Lee Jr., PhD\","
	"\"12 Elm St\nApt 4\",\"=HYPERLINK(\"\"x\"\")\",Albany,NY,12207-1234,,"
	"1.0,2026-11-24,2027-01-01,"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,simplex,window-2,"
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,0,1234\r\n";

static const char want_suppressed[] =
	"account_id,outcome,reason_code,citation,message,deferred_until,file,line\r\n"
	"A-1002,suppressed,CEASE_1006.6(c),12 CFR 1006.6(c); 15 U.S.C. 1692c(c),"
	"the consumer asked in writing on 2026-10-01 that communication stop,,"
	"batch/accounts.csv,3\r\n"
	"A-1004,deferred,WAITING_PERIOD,,wait\x01ing \xff until,2026-12-10,"
	"batch/accounts.csv,5\r\n";

static const char want_plan[] =
	"account_id,consumer_id,state,time_zone,call_window,calls_day1,calls_day2,"
	"calls_day3,calls_day4,calls_day5,calls_day6,calls_day7,blocked_channels,"
	"block_reasons,first_day,limit_rules\r\n"
	"A-1001,A-1001,NY,America/New_York,08:00-21:00,7,7,6,7,7,7,7,,,2026-11-23,"
	"US-REGF-CALLS-7IN7\r\n"
	"A-1002,A-1002,NY,America/New_York,,0,0,0,0,0,0,0,call letter email sms,"
	"call:CEASE_1006.6(c) letter:CEASE_1006.6(c) email:CEASE_1006.6(c) "
	"sms:CEASE_1006.6(c),2026-11-23,\r\n"
	"A-1004,C-4,TX,America/Chicago,09:00-21:00,2,1,0,0,0,0,0,email sms,"
	"email:MEDIUM_OPT_OUT sms:MEDIUM_OPT_OUT,2026-11-23,"
	"\"US-REGF-CALLS-7IN7, US-REGF-CALLS-AFTER-CONVERSATION\"\r\n";

static const char want_rejects[] =
	"file,line,account_id,reason_code,field,message\r\n"
	"batch/accounts.csv,4,A<&>3,BAD_DATE,itemization_date,"
	"\"cannot parse date '2026-13-01', expected YYYY-MM-DD\"\r\n";

/* ---- CSV quoting ---- */

static void test_csv_quoting(void)
{
	ok(!csv_needs_quotes("plain text"), "csv: plain field unquoted");
	ok(!csv_needs_quotes(""), "csv: empty field unquoted");
	ok(csv_needs_quotes("a,b"), "csv: comma quoted");
	ok(csv_needs_quotes("say \"hi\""), "csv: quote quoted");
	ok(csv_needs_quotes("a\rb") && csv_needs_quotes("a\nb"), "csv: CR and LF quoted");
	ok(csv_needs_quotes("=1+2") && csv_needs_quotes("+1") &&
	   csv_needs_quotes("-1") && csv_needs_quotes("@SUM(A1)"),
	   "csv: formula leads quoted");
	ok(!csv_needs_quotes("a=b"), "csv: = inside a field unquoted");
}

/* ---- the audit manifest, read back ---- */

static const char *attr(xmlNode *n, const char *name, char *out, size_t size)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);

	snprintf(out, size, "%s", v ? (const char *)v : "(absent)");
	xmlFree(v);
	return out;
}

static xmlNode *next_element(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static size_t count_children(xmlNode *parent, const char *name)
{
	size_t n = 0;

	for (xmlNode *c = next_element(parent->children); c; c = next_element(c->next))
		if (!strcmp((const char *)c->name, name))
			n++;
	return n;
}

static xmlNode *child(xmlNode *parent, const char *name)
{
	for (xmlNode *c = next_element(parent->children); c; c = next_element(c->next))
		if (!strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

static void test_audit_xml(const char *staging)
{
	char *path = path_of(staging, "audit/manifest.xml");
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlNode *top, *acct, *n;
	char v[256], sha[PL_SHA256_HEX];
	const char *outcomes[] = { "letter", "suppressed", "rejected", "deferred" };
	int i = 0;

	ok(doc != NULL, "xml: manifest parses");
	if (!doc) {
		free(path);
		return;
	}
	top = xmlDocGetRootElement(doc);
	is_str((const char *)top->name, "audit-manifest", "xml: root element");
	ok(top->ns && !strcmp((const char *)top->ns->href, "urn:fairnotice:audit:1"),
	   "xml: root namespace");
	is_str(attr(top, "batch", v, sizeof(v)), "B1", "xml: batch");
	is_str(attr(top, "agency", v, sizeof(v)), "acme-collect", "xml: agency");
	is_str(attr(top, "run-date", v, sizeof(v)), "2026-11-23", "xml: run date");
	is_str(attr(top, "mail-date", v, sizeof(v)), "2026-11-24", "xml: mail date");
	is_int(strlen(attr(top, "rules-digest", v, sizeof(v))), 64, "xml: rules digest");
	is_int(count_children(top, "account"), 4, "xml: one account element each");

	for (acct = next_element(top->children); acct && i < 4;
	     acct = next_element(acct->next), i++)
		is_str(attr(acct, "outcome", v, sizeof(v)), outcomes[i],
		       "xml: outcomes in bundle_add order");

	acct = child(top, "account");
	is_str(attr(acct, "id", v, sizeof(v)), "A-1001", "xml: letter account id");
	is_str(attr(acct, "jurisdiction", v, sizeof(v)), "US-NY", "xml: jurisdiction");
	is_str(attr(acct, "review", v, sizeof(v)), "yes",
	       "xml: a letter a needs-review rule touched is flagged");
	n = child(acct, "time-barred");
	ok(n != NULL, "xml: letter has time-barred");
	if (n) {
		is_str(attr(n, "status", v, sizeof(v)), "no", "xml: time-barred status");
		is_str(attr(n, "sol-years", v, sizeof(v)), "6", "xml: time-barred sol-years");
		is_str(attr(n, "expires-on", v, sizeof(v)), "2031-01-18",
		       "xml: time-barred expires-on");
		is_str(attr(n, "rule", v, sizeof(v)), "NY-SOL", "xml: time-barred rule");
	}
	n = child(acct, "plan");
	ok(n != NULL, "xml: letter has a plan");
	if (n) {
		is_str(attr(n, "first-day", v, sizeof(v)), "2026-11-23", "xml: plan first-day");
		is_str(attr(n, "window", v, sizeof(v)), "08:00-21:00", "xml: plan window");
		is_str(attr(n, "time-zone", v, sizeof(v)), "America/New_York",
		       "xml: plan time-zone");
		is_str(attr(n, "calls", v, sizeof(v)), "7 7 6 7 7 7 7", "xml: plan calls");
		is_str(attr(n, "blocked", v, sizeof(v)), "(absent)",
		       "xml: plan blocks nothing");
		is_str(attr(n, "limit-rules", v, sizeof(v)), "US-REGF-CALLS-7IN7",
		       "xml: plan limit rules");
	}
	is_str(attr(acct, "file", v, sizeof(v)), "batch/accounts.csv", "xml: file");
	is_str(attr(acct, "line", v, sizeof(v)), "2", "xml: line");
	ok(child(acct, "reason") == NULL, "xml: a letter has no reason");
	n = child(acct, "dates");
	ok(n != NULL, "xml: letter has dates");
	if (n) {
		is_str(attr(n, "mail", v, sizeof(v)), "2026-11-24", "xml: dates mail");
		is_str(attr(n, "assumed-receipt", v, sizeof(v)), "2026-12-02",
		       "xml: dates assumed receipt");
		is_str(attr(n, "validation-end", v, sizeof(v)), "2027-01-01",
		       "xml: dates validation end");
		is_str(attr(n, "holiday-method", v, sizeof(v)), "conservative",
		       "xml: holiday method");
		is_str(attr(n, "calendar", v, sizeof(v)), "US-6103A-2026", "xml: calendar");
	}
	is_int(count_children(acct, "rule"), 2, "xml: every rule hit listed");
	n = child(acct, "rule");
	if (n) {
		is_str(attr(n, "id", v, sizeof(v)), "US-REGF-VALIDATION-PERIOD",
		       "xml: first rule in firing order");
		is_str(attr(n, "source", v, sizeof(v)), "rules/federal.xml:10",
		       "xml: rule source file:line");
		is_str(attr(n, "title", v, sizeof(v)),
		       "Validation period: receipt + 30 days", "xml: rule title");
		is_str(attr(n, "review", v, sizeof(v)), "(absent)",
		       "xml: a verified rule has no review flag");
		n = next_element(n->next);
		is_str(attr(n, "review", v, sizeof(v)), "yes",
		       "xml: a needs-review rule is flagged");
	}
	n = child(acct, "disclosure");
	ok(n != NULL, "xml: disclosure listed");
	if (n) {
		sha256_hex("{collector} is a debt collector.", 32, sha);
		is_str(attr(n, "text-sha256", v, sizeof(v)), sha,
		       "xml: disclosure text digest");
		is_str(attr(n, "slot", v, sizeof(v)), "debt-collector-statement",
		       "xml: disclosure slot");
	}
	n = child(acct, "letter");
	ok(n != NULL, "xml: letter element");
	if (n) {
		is_str(attr(n, "piece", v, sizeof(v)), "P-0001", "xml: piece id");
		is_str(attr(n, "template", v, sizeof(v)), "validation-notice.en",
		       "xml: template");
		is_str(attr(n, "pages", v, sizeof(v)), "2", "xml: pages");
		is_str(attr(n, "first-page", v, sizeof(v)), "1", "xml: first page");
		is_str(attr(n, "communication", v, sizeof(v)), "initial",
		       "xml: letter communication");
		is_int(strlen(attr(n, "content-sha256", v, sizeof(v))), 64,
		       "xml: content digest");
	}

	acct = next_element(acct->next);
	n = child(acct, "reason");
	ok(n != NULL, "xml: suppressed has a reason");
	if (n) {
		xmlChar *text = xmlNodeGetContent(n);
		is_str(attr(n, "code", v, sizeof(v)), "CEASE_1006.6(c)", "xml: reason code");
		is_str(attr(n, "citation", v, sizeof(v)),
		       "12 CFR 1006.6(c); 15 U.S.C. 1692c(c)", "xml: reason citation");
		is_str((const char *)text, "the consumer asked in writing on "
		       "2026-10-01 that communication stop", "xml: reason message");
		xmlFree(text);
	}
	is_int(count_children(acct, "rule"), 1, "xml: suppressed lists its hold rule");
	is_str(attr(acct, "review", v, sizeof(v)), "(absent)", "xml: no review flag");
	n = child(acct, "time-barred");
	ok(n && !strcmp(attr(n, "status", v, sizeof(v)), "unknown") &&
	   !strcmp(attr(n, "sol-years", v, sizeof(v)), "(absent)") &&
	   !strcmp(attr(n, "expires-on", v, sizeof(v)), "(absent)") &&
	   !strcmp(attr(n, "rule", v, sizeof(v)), "(absent)"),
	   "xml: time-barred unknown, nothing else");
	n = child(acct, "plan");
	ok(n && !strcmp(attr(n, "blocked", v, sizeof(v)), "call letter email sms") &&
	   !strcmp(attr(n, "window", v, sizeof(v)), "(absent)") &&
	   !strcmp(attr(n, "calls", v, sizeof(v)), "0 0 0 0 0 0 0") &&
	   strstr(attr(n, "reasons", v, sizeof(v)), "call:CEASE_1006.6(c) letter:"),
	   "xml: suppressed plan blocks every channel, with reasons");

	acct = next_element(acct->next);
	is_str(attr(acct, "id", v, sizeof(v)), "A<&>3", "xml: markup in an id survives");
	ok(!child(acct, "plan") && !child(acct, "time-barred") &&
	   !strcmp(attr(acct, "jurisdiction", v, sizeof(v)), "(absent)"),
	   "xml: a record rejected by ingest has no plan, no time-barred");
	n = child(acct, "reason");
	if (n) {
		is_str(attr(n, "field", v, sizeof(v)), "itemization_date",
		       "xml: reject field");
		is_str(attr(n, "citation", v, sizeof(v)), "(absent)",
		       "xml: empty citation left out");
	}

	acct = next_element(acct->next);
	n = child(acct, "reason");
	if (n) {
		xmlChar *text = xmlNodeGetContent(n);
		is_str((const char *)text, "wait\xEF\xBF\xBDing \xEF\xBF\xBD until",
		       "xml: bytes XML cannot carry become U+FFFD");
		is_str(attr(n, "until", v, sizeof(v)), "2026-12-10", "xml: deferred until");
		xmlFree(text);
	}
	n = child(acct, "time-barred");
	ok(n && !strcmp(attr(n, "status", v, sizeof(v)), "yes") &&
	   !strcmp(attr(n, "sol-years", v, sizeof(v)), "4"),
	   "xml: deferred account's time-barred yes");
	ok(child(acct, "plan") != NULL, "xml: deferred account has a plan");

	n = child(top, "totals");
	ok(n != NULL, "xml: totals");
	if (n) {
		is_str(attr(n, "read", v, sizeof(v)), "4", "xml: totals read");
		is_str(attr(n, "letters", v, sizeof(v)), "1", "xml: totals letters");
		is_str(attr(n, "rejected", v, sizeof(v)), "1", "xml: totals rejected");
		is_str(attr(n, "sheets", v, sizeof(v)), "2", "xml: totals sheets");
		is_str(attr(n, "letters-for-review", v, sizeof(v)), "1",
		       "xml: totals letters for review");
		n = child(n, "contacts");
		ok(n && !strcmp(attr(n, "read", v, sizeof(v)), "0") &&
		   !strcmp(attr(n, "rejected", v, sizeof(v)), "0"),
		   "xml: totals contacts");
	}
	xmlFreeDoc(doc);
	free(path);
}

/* The summary lists each file's digest; they must match the bytes. */
static void test_summary(const char *staging)
{
	const char *names[] = { "print/manifest.csv", "audit/suppressed.csv",
				"audit/rejects.csv", "contact-plan.csv",
				"audit/manifest.xml" };
	char *sp = path_of(staging, "audit/summary.txt");
	char *summary = slurp(sp, NULL);

	ok(summary && strstr(summary, "batch:         B1\n"), "summary: batch id");
	ok(summary && strstr(summary, "records read:  4\n"), "summary: read count");
	ok(summary && strstr(summary, "  rejected:    1\n"), "summary: rejected count");
	ok(summary && strstr(summary, "mail date:     2026-11-24\n"), "summary: mail date");
	ok(summary && strstr(summary, "contacts read: 0 (0 imported, 0 rejected)\n"),
	   "summary: contacts line");
	ok(summary && strstr(summary, "review flags:  1 (letters a needs-review rule touched)\n"),
	   "summary: letters with a review flag");
	for (size_t i = 0; i < PL_ARRAY_SIZE(names); i++) {
		char *p = path_of(staging, names[i]);
		char sha[PL_SHA256_HEX], *line;

		if (sha256_file(p, sha) != PL_OK)
			sha[0] = '\0';
		line = xasprintf("%s  %s\n", sha, names[i]);
		ok(summary && strstr(summary, line),
		   "summary: digest computed while writing matches the file");
		free(line);
		free(p);
	}
	free(summary);
	free(sp);
}

/* ---- raw SQLite, as an auditor's shell would see the ledger ---- */

static long long sql_int(const char *state, const char *sql)
{
	char *path = xasprintf("%s/%s/ledger.sqlite", root, state);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return n;
}

/* ---- the main batch ---- */

static char *state_dir(const char *name)
{
	char *d = xasprintf("%s/%s", root, name);

	mkdir(d, 0755);
	return d;
}

static void test_batch(void)
{
	struct ledger *l1 = NULL, *l2 = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s1", "B1");
	char *state = state_dir("state");
	struct account_history h;
	struct pl_diag diag;
	struct arena arena;
	struct batch t;
	int when = 0, rc, run = date("2026-11-23");

	arena_init(&arena);
	pl_diag_clear(&diag);
	batch_init(&t, "P-0001", "A-1001");
	make_staging("s1");

	ok(ledger_open(&l1, state, &diag) == PL_OK, "ledger: open creates the ledger");
	is_int(sql_int("state", "PRAGMA user_version"), 4, "ledger: schema version");
	ok(!ledger_batch_done(l1, "B1", NULL), "ledger: new batch not done");
	ok(bundle_begin(&b, &o, l1, &diag) == PL_OK, "bundle: begin");
	ok(ledger_open(&l2, state, &diag) == PL_OK,
	   "ledger: a second connection opens while a batch is being written");

	rc = add_batch(b, &t, &diag);
	ok(rc == PL_OK, "bundle: add four accounts");
	if (rc != PL_OK)
		printf("#   %s\n", diag.message);
	ok(locks_under_root() == 6, "bundle: six lock files while open");

	ok(ledger_history(l1, "acme-collect", "A-1001", run, &arena, &h, &diag) == PL_OK,
	   "ledger: history inside the transaction");
	is_int(h.letters_issued, 1, "ledger: own transaction sees its piece");
	is_str(h.validation_piece_id, "P-0001", "ledger: own transaction piece id");
	ok(ledger_history(l2, "acme-collect", "A-1001", run, &arena, &h, &diag) == PL_OK &&
	   h.letters_issued == 0 && h.validation_sent_on == PL_NO_DATE &&
	   !strcmp(h.validation_piece_id, ""),
	   "ledger: second connection sees nothing before commit");

	rc = bundle_finish(b, &batch_counts, &diag);
	ok(rc == PL_OK, "bundle: finish");
	if (rc != PL_OK)
		printf("#   %s\n", diag.message);
	is_int(locks_under_root(), 0, "bundle: no lock files after finish");
	is_file("s1", "print/manifest.csv", want_manifest, "csv: print manifest bytes");
	is_file("s1", "audit/suppressed.csv", want_suppressed, "csv: suppressed bytes");
	is_file("s1", "audit/rejects.csv", want_rejects, "csv: rejects bytes");
	is_file("s1", "contact-plan.csv", want_plan, "csv: contact plan bytes");
	test_audit_xml("s1");
	test_summary("s1");

	ok(!ledger_batch_done(l2, "B1", NULL), "ledger: batch not done before commit");
	is_int(sql_int("state", "SELECT count(*) FROM pieces"), 0,
	       "ledger: no piece on disk before commit");

	ok(bundle_commit(b, &diag) == PL_OK, "bundle: commit");
	ok(ledger_batch_done(l2, "B1", &when), "ledger: batch done after commit");
	is_int(when, date("2026-11-23"), "ledger: batch run date");
	ok(ledger_history(l2, "acme-collect", "A-1001", run, &arena, &h, &diag) == PL_OK,
	   "ledger: history after commit");
	is_int(h.letters_issued, 1, "ledger: second connection sees the piece");
	is_int(h.validation_sent_on, date("2026-11-24"), "ledger: validation mail date");
	is_str(h.validation_piece_id, "P-0001", "ledger: validation piece id");
	is_int(h.validation_end_date, date("2027-01-01"), "ledger: validation end date");
	is_str(h.last_letter_code, "validation-notice", "ledger: last letter code");
	is_int(h.last_letter_date, date("2026-11-24"), "ledger: last letter date");
	is_int(h.nevents, 0, "ledger: a letter mailed after the run date is no event yet");
	ok(ledger_history(l2, "acme-collect", "A-1001", date("2026-11-24"), &arena,
			  &h, &diag) == PL_OK && h.nevents == 1 &&
	   h.events[0].channel == CHANNEL_LETTER &&
	   h.events[0].kind == CONTACT_DELIVERED &&
	   h.events[0].date == date("2026-11-24") && !strcmp(h.events[0].at, "") &&
	   !strcmp(h.events[0].file, ""),
	   "ledger: on its mail date the letter is a delivered letter event");
	ok(ledger_history(l2, "other-agency", "A-1001", run, &arena, &h, &diag) == PL_OK &&
	   h.letters_issued == 0, "ledger: history is per agency");
	is_int(sql_int("state", "SELECT letters + suppressed + deferred + rejected "
		       "FROM batches WHERE batch_id = 'B1'"), 4,
	       "ledger: batch row counts");
	bundle_free(b);

	/* The same batch again: the piece id is taken, nothing is issued twice. */
	b = NULL;
	{
		struct bundle_opts o2 = opts_for("s2", "B1-again");

		make_staging("s2");
		ok(bundle_begin(&b, &o2, l1, &diag) == PL_OK, "dup: begin");
		rc = bundle_add(b, &t.acct[0], &t.verdict[0], &t.letter, &diag);
		is_int(rc, PL_MANIFEST_LEDGER, "dup: a piece id issued before is refused");
		ok(strstr(diag.message, "'P-0001'") && strstr(diag.message, "UNIQUE") &&
		   strstr(diag.file, "/state/ledger.sqlite"),
		   "dup: message names the piece, sqlite's reason and the ledger");
		ok(bundle_finish(b, &batch_counts, &diag) != PL_OK,
		   "dup: a failed bundle cannot finish");
		bundle_free(b);
		is_int(locks_under_root(), 0, "dup: no lock files after free");
		ok(!exists("s2", "print/manifest.csv"), "dup: no manifest left behind");
		free((char *)o2.staging_dir);
	}

	ledger_close(l2);
	ledger_close(l1);
	arena_release(&arena);
	free((char *)o.staging_dir);
	free(state);
}

/* A bundle freed without commit leaves nothing in the ledger or on disk. */
static void test_rollback(void)
{
	struct ledger *l = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s3", "B3");
	struct bundle_opts o4 = opts_for("s4", "B4");
	char *state = state_dir("state3");
	struct account_history h;
	struct pl_diag diag;
	struct arena arena;
	struct batch t;

	arena_init(&arena);
	pl_diag_clear(&diag);
	batch_init(&t, "P-3001", "A-3001");
	make_staging("s3");
	make_staging("s4");

	ok(ledger_open(&l, state, &diag) == PL_OK, "rollback: open ledger");
	ok(bundle_begin(&b, &o, l, &diag) == PL_OK, "rollback: begin");
	ok(add_batch(b, &t, &diag) == PL_OK, "rollback: add");
	ok(ledger_history(l, "acme-collect", "A-3001", date("2026-11-23"), &arena, &h,
			  &diag) == PL_OK &&
	   h.letters_issued == 1, "rollback: piece pending in the transaction");
	bundle_free(b);
	is_int(locks_under_root(), 0, "rollback: free before finish removes lock files");
	ok(!exists("s3", "print/manifest.csv") && !exists("s3", "audit/manifest.xml"),
	   "rollback: no output file before finish");
	ok(ledger_history(l, "acme-collect", "A-3001", date("2026-11-23"), &arena, &h,
			  &diag) == PL_OK &&
	   h.letters_issued == 0 && !strcmp(h.last_letter_code, "") &&
	   h.last_letter_date == PL_NO_DATE && h.validation_end_date == PL_NO_DATE,
	   "rollback: piece gone after free");
	ok(!ledger_batch_done(l, "B3", NULL), "rollback: batch not done");
	is_int(sql_int("state3", "SELECT count(*) FROM pieces"), 0,
	       "rollback: no pieces on disk");

	/* finished but never committed: files stay, the ledger does not change */
	ok(bundle_begin(&b, &o4, l, &diag) == PL_OK, "uncommitted: begin");
	ok(add_batch(b, &t, &diag) == PL_OK, "uncommitted: add");
	ok(bundle_finish(b, &batch_counts, &diag) == PL_OK, "uncommitted: finish");
	bundle_free(b);
	ok(exists("s4", "audit/summary.txt"), "uncommitted: finished files stay");
	is_int(locks_under_root(), 0, "uncommitted: no lock files");
	ok(!ledger_batch_done(l, "B4", NULL), "uncommitted: batch not done");
	is_int(sql_int("state3", "SELECT count(*) FROM pieces"), 0,
	       "uncommitted: no pieces");
	is_int(sql_int("state3", "SELECT count(*) FROM batches"), 0,
	       "uncommitted: no batches");

	ledger_close(l);
	arena_release(&arena);
	free((char *)o.staging_dir);
	free((char *)o4.staging_dir);
	free(state);
}

/* Counts that do not reconcile stop the bundle before anything is final. */
static void test_counts(void)
{
	struct ledger *l = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s5", "B5");
	char *state = state_dir("state5");
	struct run_counts c = batch_counts;
	struct pl_diag diag;
	struct batch t;

	pl_diag_clear(&diag);
	batch_init(&t, "P-5001", "A-5001");
	make_staging("s5");
	c.read = 5;
	ok(ledger_open(&l, state, &diag) == PL_OK, "counts: open ledger");
	ok(bundle_begin(&b, &o, l, &diag) == PL_OK, "counts: begin");
	ok(add_batch(b, &t, &diag) == PL_OK, "counts: add");
	is_int(PL_CLASS(bundle_finish(b, &c, &diag)), PL_MANIFEST,
	       "counts: read != sum of outcomes refused");
	ok(strstr(diag.message, "do not reconcile") != NULL, "counts: message says why");
	ok(bundle_commit(b, &diag) != PL_OK, "counts: cannot commit a failed bundle");
	bundle_free(b);
	is_int(locks_under_root(), 0, "counts: no lock files");
	ok(!exists("s5", "print/manifest.csv"), "counts: nothing final");
	ledger_close(l);
	free((char *)o.staging_dir);
	free(state);
}

/* Same input, same bytes: a second run into a fresh state matches s1. */
static void test_deterministic(void)
{
	const char *names[] = { "print/manifest.csv", "audit/suppressed.csv",
				"audit/rejects.csv", "audit/manifest.xml",
				"audit/summary.txt", "contact-plan.csv" };
	struct ledger *l = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s6", "B1");
	char *state = state_dir("state6");
	struct pl_diag diag;
	struct batch t;
	int rc;

	pl_diag_clear(&diag);
	batch_init(&t, "P-0001", "A-1001");
	make_staging("s6");
	rc = ledger_open(&l, state, &diag);
	if (rc == PL_OK)
		rc = bundle_begin(&b, &o, l, &diag);
	if (rc == PL_OK)
		rc = add_batch(b, &t, &diag);
	if (rc == PL_OK)
		rc = bundle_finish(b, &batch_counts, &diag);
	if (rc == PL_OK)
		rc = bundle_commit(b, &diag);
	ok(rc == PL_OK, "determinism: second run");
	for (size_t i = 0; i < PL_ARRAY_SIZE(names); i++) {
		char *p1 = path_of("s1", names[i]), *p2 = path_of("s6", names[i]);
		size_t n1 = 0, n2 = 1;
		char *a = slurp(p1, &n1), *c = slurp(p2, &n2);

		ok(a && c && n1 == n2 && !memcmp(a, c, n1),
		   "determinism: same input, same bytes");
		free(a);
		free(c);
		free(p1);
		free(p2);
	}
	bundle_free(b);
	ledger_close(l);
	free((char *)o.staging_dir);
	free(state);
}

/*
 * The audit manifest streams: with many accounts its lock file fills
 * before bundle_finish(), so memory does not hold the batch. And
 * whitespace in an attribute survives the round trip.
 */
static void test_streaming(void)
{
	struct ledger *l = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s7", "B7");
	char *state = state_dir("state7");
	char *lock = path_of("s7", "audit/manifest.xml.lock");
	struct run_counts c = { 0 };
	struct pl_diag diag;
	struct account a;
	struct stat st;
	char id[32], v[64];
	int rc = PL_OK;
	const unsigned n = 300;

	pl_diag_clear(&diag);
	make_staging("s7");
	account_defaults(&a, id, 0);
	a.rejected = true;
	a.reject = (struct reject){ "MISSING_FIELD", "last_name",
		"missing required field 'last_name'" };
	ok(ledger_open(&l, state, &diag) == PL_OK, "stream: open ledger");
	ok(bundle_begin(&b, &o, l, &diag) == PL_OK, "stream: begin");
	for (unsigned i = 0; rc == PL_OK && i < n; i++) {
		snprintf(id, sizeof(id), "R-%05u", i);
		a.line = i + 2;
		rc = bundle_add(b, &a, NULL, NULL, &diag);
	}
	snprintf(id, sizeof(id), "X\n\tY\r");
	if (rc == PL_OK)
		rc = bundle_add(b, &a, NULL, NULL, &diag);
	ok(rc == PL_OK, "stream: add many");
	ok(stat(lock, &st) == 0 && st.st_size > 20000,
	   "stream: manifest.xml is written while accounts are added");
	c.read = c.rejected = n + 1;
	ok(bundle_finish(b, &c, &diag) == PL_OK, "stream: finish");
	bundle_free(b);
	ledger_close(l);
	{
		char *path = path_of("s7", "audit/manifest.xml");
		xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
		xmlNode *top = doc ? xmlDocGetRootElement(doc) : NULL, *last = NULL;

		if (top)
			for (xmlNode *x = next_element(top->children); x;
			     x = next_element(x->next))
				if (!strcmp((const char *)x->name, "account"))
					last = x;
		is_int(top ? count_children(top, "account") : 0, n + 1,
		       "stream: every account in the manifest");
		ok(last && !strcmp(attr(last, "id", v, sizeof(v)), "X\n\tY\r"),
		   "stream: newline, tab and CR in an attribute survive");
		xmlFreeDoc(doc);
		free(path);
	}
	free(lock);
	free((char *)o.staging_dir);
	free(state);
}

/* ---- contacts and the history of an account ---- */

/* A good contact event as ingest would make it (file is a base name). */
static struct contact_event event(const char *account, const char *at,
				  enum channel channel, enum contact_kind kind,
				  unsigned line)
{
	struct contact_event ev;
	char day[PL_DATE_ISO_LEN];

	memset(&ev, 0, sizeof(ev));
	ev.file = "contacts-1.csv";
	ev.line = line;
	ev.reject = (struct reject){ "", "", "" };
	ev.account_id = account;
	ev.consumer_id = "";
	snprintf(ev.at, sizeof(ev.at), "%s", at);
	snprintf(day, sizeof(day), "%.10s", at);
	ev.date = date(day);
	ev.channel = channel;
	ev.kind = kind;
	return ev;
}

/* Commit a batch of one letter for account, mailed on mail (ISO). */
static void commit_letter(struct ledger *l, const char *staging,
			  const char *batch_id, const char *piece,
			  const char *account, const char *code,
			  const char *mail, const char *validation_end)
{
	struct bundle_opts o = opts_for(staging, batch_id);
	struct run_counts c = { .read = 1, .letters = 1, .pages = 2, .sheets = 2 };
	struct bundle *b = NULL;
	struct pl_diag diag;
	struct batch t;
	char title[200];
	int rc;

	batch_init(&t, piece, account);
	t.verdict[0].letter_code = code;
	t.verdict[0].mail_date = date(mail);
	t.verdict[0].validation_end_date = validation_end ? date(validation_end)
							  : PL_NO_DATE;
	o.run_date = o.mail_date = date(mail);
	make_staging(staging);
	rc = bundle_begin(&b, &o, l, &diag);
	if (rc == PL_OK)
		rc = bundle_add(b, &t.acct[0], &t.verdict[0], &t.letter, &diag);
	if (rc == PL_OK)
		rc = bundle_finish(b, &c, &diag);
	if (rc == PL_OK)
		rc = bundle_commit(b, &diag);
	snprintf(title, sizeof(title), "history: batch %s with %s %s committed",
		 batch_id, code, piece);
	if (!ok(rc == PL_OK, title))
		printf("#   %s\n", diag.message);
	bundle_free(b);
	free((char *)o.staging_dir);
}

/*
 * The contacts of one batch, in insertion order. The run date is
 * 2026-11-23, so the history window is 2026-10-24 .. 2026-11-23.
 */
static struct contact_event contacts_in[10];

static size_t contacts_init(void)
{
	size_t n = 0;

	contacts_in[n++] = event("A-9001", "2026-10-23T23:59:59-05:00", CHANNEL_CALL,
				 CONTACT_ATTEMPT, 2);   /* run - 31: out */
	contacts_in[n++] = event("A-9001", "2026-10-24T09:00:00Z", CHANNEL_CALL,
				 CONTACT_ATTEMPT, 3);   /* run - 30: in */
	contacts_in[n++] = event("A-9001", "2026-11-10T12:00:00Z", CHANNEL_SMS,
				 CONTACT_ATTEMPT, 4);
	contacts_in[n++] = event("A-9001", "2026-11-10T08:00:00-05:00", CHANNEL_EMAIL,
				 CONTACT_DELIVERED, 5); /* sorts before line 4 */
	contacts_in[n++] = event("A-9001", "2026-11-12T10:00:00-05:00", CHANNEL_CALL,
				 CONTACT_ATTEMPT, 6);
	contacts_in[n++] = event("A-9001", "2026-11-12T10:00:00-05:00", CHANNEL_CALL,
				 CONTACT_CONVERSATION, 7); /* same at: insertion order */
	contacts_in[n++] = event("A-9001", "2026-11-23T20:00:00-05:00", CHANNEL_CALL,
				 CONTACT_ATTEMPT, 8);   /* the run date: in */
	contacts_in[n++] = event("A-9001", "2026-11-24T01:00:00+14:00", CHANNEL_CALL,
				 CONTACT_ATTEMPT, 9);   /* after it: out */
	contacts_in[n++] = event("A-9002", "2026-11-20T10:00:00-05:00", CHANNEL_CALL,
				 CONTACT_ATTEMPT, 10);  /* another account */
	contacts_in[n] = event("A-9003", "2026-11-20T10:00:00-05:00", CHANNEL_CALL,
			       CONTACT_ATTEMPT, 11);
	contacts_in[n].rejected = true;
	contacts_in[n].channel = 0;
	contacts_in[n].reject = (struct reject){ "BAD_VALUE", "channel",
		"channel 'fax' is not one of call, letter, email, sms" };
	return n + 1;
}

/* What ledger_history() must return for A-9001: "date at channel kind". */
static const char *const want_events[] = {
	"2026-10-24  letter delivered",   /* the reminder of batch H2 */
	"2026-10-24 2026-10-24T09:00:00Z call attempt",
	"2026-11-10 2026-11-10T08:00:00-05:00 email delivered",
	"2026-11-10 2026-11-10T12:00:00Z sms attempt",
	"2026-11-12 2026-11-12T10:00:00-05:00 call attempt",
	"2026-11-12 2026-11-12T10:00:00-05:00 call conversation",
	"2026-11-23 2026-11-23T20:00:00-05:00 call attempt",
};

/* The events of h, each "date at channel kind", compared with want. */
static bool events_are(const struct account_history *h,
		       const char *const *want, size_t nwant, const char *test)
{
	bool good = h->nevents == nwant;

	for (size_t i = 0; i < h->nevents; i++) {
		const struct contact_event *e = &h->events[i];
		char day[PL_DATE_ISO_LEN], line[128];

		snprintf(line, sizeof(line), "%s %s %s %s", date_format_iso(e->date, day),
			 e->at, ledger_channel_name(e->channel),
			 ledger_kind_name(e->kind));
		if (i >= nwant || strcmp(line, want[i])) {
			good = false;
			printf("#   event %zu: '%s', want '%s'\n", i, line,
			       i < nwant ? want[i] : "(none)");
		}
		if (e->rejected || strcmp(e->file, "") || e->line ||
		    strcmp(e->account_id, "A-9001") || strcmp(e->consumer_id, "A-9001"))
			good = false;
	}
	return ok(good, test);
}

static const char want_contact_rejects[] =
	"file,line,account_id,reason_code,field,message\r\n"
	"contacts-1.csv,11,A-9003,BAD_VALUE,channel,"
	"\"channel 'fax' is not one of call, letter, email, sms\"\r\n"
	"batch/accounts.csv,2,A-9101,UNKNOWN_STATE,,"
	"state 'ZZ' is not in jurisdictions.xml\r\n";

static void test_history(void)
{
	struct ledger *l1 = NULL, *l2 = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("h9", "H9");
	struct bundle_opts o2 = opts_for("h10", "H9");
	char *state = state_dir("state9");
	struct account_history h;
	struct pl_diag diag;
	struct arena arena;
	struct batch t;
	size_t ncontacts = contacts_init();
	struct run_counts c = { .read = 2, .suppressed = 1, .rejected = 1,
				.contacts_read = ncontacts, .contacts_rejected = 1 };
	int run = date("2026-11-23"), rc = PL_OK;

	arena_init(&arena);
	pl_diag_clear(&diag);
	ok(ledger_open(&l1, state, &diag) == PL_OK && ledger_open(&l2, state, &diag) == PL_OK,
	   "history: two connections");
	/* Letters of earlier batches: one the day before the window, one on its first day. */
	commit_letter(l1, "h1", "H1", "P-9001", "A-9001", "validation-notice",
		      "2026-10-23", "2026-12-01");
	commit_letter(l1, "h2", "H2", "P-9002", "A-9001", "reminder", "2026-10-24", NULL);

	/* 1: contacts in a transaction that is rolled back */
	make_staging("h9");
	ok(bundle_begin(&b, &o, l1, &diag) == PL_OK, "history: begin");
	for (size_t i = 0; rc == PL_OK && i < ncontacts; i++)
		rc = bundle_add_contact(b, &contacts_in[i], &diag);
	if (!ok(rc == PL_OK, "history: add contacts"))
		printf("#   %s\n", diag.message);
	ok(ledger_history(l1, "acme-collect", "A-9001", run, &arena, &h, &diag) == PL_OK,
	   "history: read in the open transaction");
	events_are(&h, want_events, PL_ARRAY_SIZE(want_events),
		   "history: the open transaction's contacts, window edges, order");
	is_int(h.validation_sent_on, date("2026-10-23"), "history: validation notice mailed");
	is_str(h.validation_piece_id, "P-9001", "history: validation piece");
	is_int(h.validation_end_date, date("2026-12-01"), "history: validation end date");
	is_str(h.last_letter_code, "reminder", "history: last letter code");
	is_int(h.last_letter_date, date("2026-10-24"), "history: last letter date");
	is_int(h.letters_issued, 2, "history: letters issued");
	ok(ledger_history(l2, "acme-collect", "A-9001", run, &arena, &h, &diag) == PL_OK,
	   "history: read on another connection");
	events_are(&h, want_events, 1,
		   "history: another connection sees only committed letters");
	ok(ledger_history(l1, "acme-collect", "A-9001", date("2026-11-22"), &arena, &h,
			  &diag) == PL_OK && h.nevents == 8 &&
	   h.events[0].channel == CHANNEL_LETTER &&
	   h.events[0].date == date("2026-10-23") &&
	   !strcmp(h.events[1].at, "2026-10-23T23:59:59-05:00") &&
	   h.events[7].kind == CONTACT_CONVERSATION,
	   "history: the window moves with the run date (2026-10-23 .. 2026-11-22)");
	ok(ledger_history(l1, "acme-collect", "A-9001", date("2026-11-24"), &arena, &h,
			  &diag) == PL_OK && h.nevents == 6 &&
	   !strcmp(h.events[0].at, "2026-11-10T08:00:00-05:00") &&
	   !strcmp(h.events[5].at, "2026-11-24T01:00:00+14:00"),
	   "history: a day later, the first day drops out and the last comes in");
	ok(ledger_history(l1, "acme-collect", "A-9002", run, &arena, &h, &diag) == PL_OK &&
	   h.nevents == 1 && h.letters_issued == 0 &&
	   h.validation_sent_on == PL_NO_DATE && !strcmp(h.last_letter_code, ""),
	   "history: per account");
	ok(ledger_history(l1, "other-agency", "A-9001", run, &arena, &h, &diag) == PL_OK &&
	   h.nevents == 0 && h.letters_issued == 0, "history: per agency");
	bundle_free(b);
	b = NULL;
	ok(ledger_history(l1, "acme-collect", "A-9001", run, &arena, &h, &diag) == PL_OK,
	   "history: after rollback");
	events_are(&h, want_events, 1, "history: rolled-back contacts are gone");
	is_int(sql_int("state9", "SELECT count(*) FROM contacts"), 0,
	       "history: no contacts on disk");

	/* 2: the same batch again, with two accounts, committed */
	make_staging("h10");
	rc = bundle_begin(&b, &o2, l1, &diag);
	for (size_t i = 0; rc == PL_OK && i < ncontacts; i++)
		rc = bundle_add_contact(b, &contacts_in[i], &diag);
	batch_init(&t, "P-9101", "A-9101");
	/* rejected by decide (a verdict, but no plan row) */
	verdict_defaults(&t.verdict[0], OUTCOME_REJECTED);
	t.verdict[0].reason_code = "UNKNOWN_STATE";
	t.verdict[0].message = "state 'ZZ' is not in jurisdictions.xml";
	if (rc == PL_OK)
		rc = bundle_add(b, &t.acct[0], &t.verdict[0], NULL, &diag);
	if (rc == PL_OK)
		rc = bundle_add(b, &t.acct[1], &t.verdict[1], NULL, &diag);
	if (rc == PL_OK)
		rc = bundle_finish(b, &c, &diag);
	if (rc == PL_OK)
		rc = bundle_commit(b, &diag);
	if (!ok(rc == PL_OK, "history: batch with contacts committed"))
		printf("#   %s\n", diag.message);
	bundle_free(b);
	ok(ledger_history(l2, "acme-collect", "A-9001", run, &arena, &h, &diag) == PL_OK,
	   "history: after commit, on another connection");
	events_are(&h, want_events, PL_ARRAY_SIZE(want_events),
		   "history: committed contacts seen by every connection");
	is_int(sql_int("state9", "SELECT count(*) FROM contacts"), 9,
	       "history: good contacts in the ledger");
	is_int(sql_int("state9", "SELECT count(*) FROM contacts WHERE file = "
		       "'contacts-1.csv' AND line = 3 AND consumer_id = 'A-9001' AND "
		       "date = '2026-10-24' AND channel = 'call' AND kind = 'attempt' "
		       "AND batch_id = 'H9' AND agency_id = 'acme-collect'"), 1,
	       "history: a contacts row, column by column");
	is_int(sql_int("state9", "SELECT contacts_imported * 100 + contacts_rejected "
		       "FROM batches WHERE batch_id = 'H9'"), 901,
	       "history: batch row counts contacts");
	is_file("h10", "audit/rejects.csv", want_contact_rejects,
		"history: a rejected contact is a row of rejects.csv, before the accounts");
	is_file("h10", "contact-plan.csv",
		"account_id,consumer_id,state,time_zone,call_window,calls_day1,"
		"calls_day2,calls_day3,calls_day4,calls_day5,calls_day6,calls_day7,"
		"blocked_channels,block_reasons,first_day,limit_rules\r\n"
		"A-1002,A-1002,NY,America/New_York,,0,0,0,0,0,0,0,call letter email sms,"
		"call:CEASE_1006.6(c) letter:CEASE_1006.6(c) email:CEASE_1006.6(c) "
		"sms:CEASE_1006.6(c),2026-11-23,\r\n",
		"history: no plan row for an account decide rejected");
	{
		char *sp = path_of("h10", "audit/summary.txt");
		char *summary = slurp(sp, NULL);
		char *mp = path_of("h10", "audit/manifest.xml");
		char *manifest = slurp(mp, NULL);

		ok(summary && strstr(summary, "contacts read: 10 (9 imported, 1 rejected)\n"),
		   "history: summary contacts line");
		ok(summary && strstr(summary, "review flags:  0 ("),
		   "history: no letter, no review flag");
		ok(manifest && strstr(manifest, "<contacts read=\"10\" rejected=\"1\"/>"),
		   "history: manifest totals count contacts");
		free(manifest);
		free(mp);
		free(summary);
		free(sp);
	}

	ledger_close(l2);
	ledger_close(l1);
	arena_release(&arena);
	free((char *)o.staging_dir);
	free((char *)o2.staging_dir);
	free(state);
}

/* Contact counts must reconcile too. */
static void test_contact_counts(void)
{
	struct ledger *l = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s11", "B11");
	char *state = state_dir("state11");
	struct contact_event ev = event("A-1", "2026-11-20T10:00:00Z", CHANNEL_CALL,
					CONTACT_ATTEMPT, 2);
	struct run_counts c = { 0 };
	struct pl_diag diag;

	pl_diag_clear(&diag);
	make_staging("s11");
	ok(ledger_open(&l, state, &diag) == PL_OK, "contact counts: open ledger");
	ok(bundle_begin(&b, &o, l, &diag) == PL_OK, "contact counts: begin");
	ok(bundle_add_contact(b, &ev, &diag) == PL_OK, "contact counts: add one");
	is_int(PL_CLASS(bundle_finish(b, &c, &diag)), PL_MANIFEST,
	       "contact counts: a run that counted none is refused");
	ok(strstr(diag.message, "contact counts do not reconcile") != NULL,
	   "contact counts: message says why");
	ok(bundle_add_contact(b, &ev, &diag) != PL_OK,
	   "contact counts: nothing more goes into a failed bundle");
	bundle_free(b);
	is_int(locks_under_root(), 0, "contact counts: no lock files");
	is_int(sql_int("state11", "SELECT count(*) FROM contacts"), 0,
	       "contact counts: nothing in the ledger");
	ledger_close(l);
	free((char *)o.staging_dir);
	free(state);
}

/* ---- a ledger of schema version 1, migrated in place ---- */

/* The schema fairnotice wrote before contacts, verbatim. */
static const char v1_schema[] =
	"CREATE TABLE batches (batch_id TEXT PRIMARY KEY NOT NULL,"
	" agency_id TEXT NOT NULL, run_date TEXT NOT NULL, mail_date TEXT NOT NULL,"
	" rules_digest TEXT NOT NULL, letters INTEGER NOT NULL,"
	" suppressed INTEGER NOT NULL, deferred INTEGER NOT NULL,"
	" rejected INTEGER NOT NULL);"
	"CREATE TABLE pieces (piece_id TEXT PRIMARY KEY NOT NULL,"
	" batch_id TEXT NOT NULL, agency_id TEXT NOT NULL, account_id TEXT NOT NULL,"
	" consumer_id TEXT NOT NULL, letter_code TEXT NOT NULL,"
	" template_id TEXT NOT NULL, template_version TEXT NOT NULL,"
	" language TEXT NOT NULL, mail_date TEXT NOT NULL, validation_end_date TEXT,"
	" content_sha256 TEXT NOT NULL, pdf TEXT NOT NULL,"
	" first_page INTEGER NOT NULL, page_count INTEGER NOT NULL);"
	"CREATE INDEX pieces_by_account ON pieces (agency_id, account_id);"
	"INSERT INTO batches VALUES ('OLD-1', 'acme-collect', '2026-11-01',"
	" '2026-11-02', 'abc', 1, 2, 0, 1);"
	"INSERT INTO pieces VALUES ('P-OLD-1', 'OLD-1', 'acme-collect', 'A-1',"
	" 'C-1', 'validation-notice', 'validation-notice.en', '1.0', 'en',"
	" '2026-11-02', '2026-12-10', 'ff', 'letters.pdf', 1, 2);"
	"PRAGMA user_version = 1;";

static int make_db(const char *state, const char *sql)
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

static void test_migrate_v1(void)
{
	struct ledger *l = NULL;
	struct bundle *b = NULL;
	struct bundle_opts o = opts_for("s12", "B12");
	char *state = state_dir("state12");
	char *newer = state_dir("state13");
	struct contact_event ev = event("A-1", "2026-11-20T10:00:00-05:00",
					CHANNEL_CALL, CONTACT_CONVERSATION, 2);
	struct run_counts c = { .contacts_read = 1 };
	struct account_history h;
	struct pl_diag diag;
	struct arena arena;
	int when = 0, rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	is_int(make_db("state12", v1_schema), SQLITE_OK, "migrate: a v1 ledger by hand");
	is_int(sql_int("state12", "PRAGMA user_version"), 1, "migrate: version 1");

	rc = ledger_open(&l, state, &diag);
	if (!ok(rc == PL_OK, "migrate: ledger_open migrates it"))
		printf("#   %s\n", diag.message);
	is_int(sql_int("state12", "PRAGMA user_version"), 4, "migrate: now version 4");
	is_int(sql_int("state12", "SELECT count(*) FROM counters"), 0,
	       "migrate: an empty counters table");
	is_int(sql_int("state12", "SELECT count(*) FROM pieces WHERE imb = ''"), 1,
	       "migrate: the old piece has no IMb");
	is_int(sql_int("state12", "SELECT count(*) FROM pieces"), 1, "migrate: the piece kept");
	is_int(sql_int("state12", "SELECT letters * 100 + suppressed * 10 + rejected"
		       " FROM batches WHERE batch_id = 'OLD-1'"), 121,
	       "migrate: the batch row kept");
	is_int(sql_int("state12", "SELECT contacts_imported + contacts_rejected"
		       " FROM batches WHERE batch_id = 'OLD-1'"), 0,
	       "migrate: new batch columns are 0 for old batches");
	is_int(sql_int("state12", "SELECT count(*) FROM sqlite_master WHERE"
		       " name IN ('contacts', 'contacts_by_account')"), 2,
	       "migrate: contacts table and its index");
	ok(ledger_batch_done(l, "OLD-1", &when) && when == date("2026-11-01"),
	   "migrate: the old batch is still done");
	ok(rc == PL_OK &&
	   ledger_history(l, "acme-collect", "A-1", date("2026-11-23"), &arena, &h,
			  &diag) == PL_OK &&
	   h.validation_sent_on == date("2026-11-02") &&
	   h.validation_end_date == date("2026-12-10") &&
	   !strcmp(h.validation_piece_id, "P-OLD-1") && h.letters_issued == 1 &&
	   !strcmp(h.last_letter_code, "validation-notice") && h.nevents == 1 &&
	   h.events[0].channel == CHANNEL_LETTER && !strcmp(h.events[0].consumer_id, "C-1"),
	   "migrate: the old letter is in the history");

	/* A batch with contacts on the migrated ledger. */
	make_staging("s12");
	if (rc == PL_OK)
		rc = bundle_begin(&b, &o, l, &diag);
	if (rc == PL_OK)
		rc = bundle_add_contact(b, &ev, &diag);
	if (rc == PL_OK)
		rc = bundle_finish(b, &c, &diag);
	if (rc == PL_OK)
		rc = bundle_commit(b, &diag);
	if (!ok(rc == PL_OK, "migrate: a batch with contacts commits"))
		printf("#   %s\n", diag.message);
	bundle_free(b);
	ledger_close(l);
	l = NULL;
	is_int(sql_int("state12", "SELECT contacts_imported FROM batches"
		       " WHERE batch_id = 'B12'"), 1, "migrate: new batch counts its contact");
	rc = ledger_open(&l, state, &diag);
	ok(rc == PL_OK && ledger_history(l, "acme-collect", "A-1", date("2026-11-23"),
					 &arena, &h, &diag) == PL_OK &&
	   h.nevents == 2 && h.events[1].kind == CONTACT_CONVERSATION,
	   "migrate: reopening a current ledger changes nothing");
	ledger_close(l);
	l = NULL;

	/* A ledger from a newer program is refused, not touched. */
	is_int(make_db("state13", "CREATE TABLE future (x); PRAGMA user_version = 5;"),
	       SQLITE_OK, "newer: a version 5 ledger by hand");
	is_int(ledger_open(&l, newer, &diag), PL_MANIFEST_LEDGER, "newer: refused");
	is_str(diag.message, "contact ledger schema version 5 is newer than this "
	       "program's (4)", "newer: message");
	is_int(sql_int("state13", "PRAGMA user_version"), 5, "newer: left as it was");

	arena_release(&arena);
	free((char *)o.staging_dir);
	free(newer);
	free(state);
}

/* ---- IMb serials: the counter, the manifests, the pieces ---- */

/*
 * One batch of n letters for agency, IMb serials base, base + 1, ...
 * (none when with_imb is false), committed or only freed. Returns the
 * first failure's status; *diag says why.
 */
static int imb_batch(struct ledger *l, const char *staging, const char *batch_id,
		     unsigned long base, unsigned n, bool with_imb, bool commit,
		     struct pl_diag *diag)
{
	struct bundle_opts o = opts_for(staging, batch_id);
	struct run_counts c = { .read = n, .letters = n, .pages = 2UL * n,
				.sheets = 2UL * n };
	struct batch *t = xcalloc(n ? n : 1, sizeof(*t));
	char (*ids)[2][32] = xcalloc(n ? n : 1, sizeof(*ids));
	struct bundle *b = NULL;
	int rc;

	o.imb_serial_base = base;
	make_staging(staging);
	rc = bundle_begin(&b, &o, l, diag);
	for (unsigned i = 0; rc == PL_OK && i < n; i++) {
		snprintf(ids[i][0], sizeof(ids[i][0]), "%s-P%u", batch_id, i);
		snprintf(ids[i][1], sizeof(ids[i][1]), "%s-A%u", batch_id, i);
		batch_init(&t[i], ids[i][0], ids[i][1]);
		if (with_imb) {
			/* tracking: 00 040 123456 <9-digit serial>, routing ZIP+4 */
			t[i].letter.imb_serial = base + i;
			snprintf(t[i].letter.imb, sizeof(t[i].letter.imb),
				 "00040123456%09lu122071234", (base + i) % 1000000000ul);
		}
		rc = bundle_add(b, &t[i].acct[0], &t[i].verdict[0], &t[i].letter, diag);
	}
	if (rc == PL_OK)
		rc = bundle_finish(b, &c, diag);
	if (rc == PL_OK && commit)
		rc = bundle_commit(b, diag);
	bundle_free(b);
	free(ids);
	free(t);
	free((char *)o.staging_dir);
	return rc;
}

static unsigned long serial_base(struct ledger *l, const char *agency_id)
{
	struct pl_diag diag;
	unsigned long base = 12345;

	pl_diag_clear(&diag);
	if (ledger_imb_serial_base(l, agency_id, &base, &diag) != PL_OK) {
		printf("#   %s\n", diag.message);
		return 99999;
	}
	return base;
}

static void test_imb_serials(void)
{
	struct ledger *l = NULL, *l2 = NULL;
	char *state = state_dir("state20");
	struct pl_diag diag;
	int rc;

	pl_diag_clear(&diag);
	ok(ledger_open(&l, state, &diag) == PL_OK && ledger_open(&l2, state, &diag) == PL_OK,
	   "imb: open the ledger twice");
	is_int(serial_base(l, "acme-collect"), 0, "imb: a new ledger starts at serial 0");

	/* 1: three letters from 0, committed */
	rc = imb_batch(l, "i1", "I1", 0, 3, true, true, &diag);
	if (!ok(rc == PL_OK, "imb: first batch of three letters committed"))
		printf("#   %s\n", diag.message);
	is_int(serial_base(l, "acme-collect"), 3, "imb: the second batch's base follows "
	       "the first's letters");
	is_int(serial_base(l2, "acme-collect"), 3, "imb: every connection sees it");
	is_int(serial_base(l, "other-agency"), 0, "imb: the counter is per agency");
	is_int(sql_int("state20", "SELECT count(*) FROM pieces WHERE imb LIKE "
		       "'00040123456000000001122071234'"), 1,
	       "imb: each piece's IMb in the ledger");
	{
		char *p = path_of("i1", "print/manifest.csv");
		char *csv = slurp(p, NULL);
		char *xp = path_of("i1", "audit/manifest.xml");
		char *xml = slurp(xp, NULL);

		ok(csv && strstr(csv, ",12207-1234,00040123456000000002122071234,1.0,"),
		   "imb: the manifest.csv imb column holds the digits");
		ok(xml && strstr(xml, " imb=\"00040123456000000000122071234\" imb-serial=\"0\"") &&
		   strstr(xml, " imb=\"00040123456000000002122071234\" imb-serial=\"2\""),
		   "imb: <letter imb imb-serial> in the audit manifest");
		free(xml);
		free(xp);
		free(csv);
		free(p);
	}

	/* 2: two letters from 3, never committed: the counter stays */
	rc = imb_batch(l, "i2", "I2", 3, 2, true, false, &diag);
	ok(rc == PL_OK, "imb: a finished batch freed without commit");
	is_int(serial_base(l, "acme-collect"), 3, "imb: a rolled-back batch does not "
	       "advance the counter");

	/* 3: an open transaction is invisible to another connection */
	{
		struct bundle_opts o = opts_for("i3", "I3");
		struct bundle *b = NULL;
		struct batch t;

		o.imb_serial_base = 3;
		make_staging("i3");
		batch_init(&t, "I3-P0", "I3-A0");
		t.letter.imb_serial = 3;
		snprintf(t.letter.imb, sizeof(t.letter.imb), "%s",
			 "0004012345600000000312207");
		rc = bundle_begin(&b, &o, l, &diag);
		if (rc == PL_OK)
			rc = bundle_add(b, &t.acct[0], &t.verdict[0], &t.letter, &diag);
		ok(rc == PL_OK, "imb: a letter with a 5-digit routing code added");
		is_int(serial_base(l2, "acme-collect"), 3,
		       "imb: another connection does not see an open batch");
		bundle_free(b);
		free((char *)o.staging_dir);
	}

	/* 4: a stale base (another batch committed since it was read) */
	rc = imb_batch(l, "i4", "I4", 1, 1, true, true, &diag);
	is_int(rc, PL_MANIFEST_LEDGER, "imb: a stale base is refused for a letter with an IMb");
	ok(strstr(diag.message, "cannot issue piece 'I4-P0' with IMb serial 1: agency "
		  "'acme-collect' may already have used serials up to 2") == diag.message,
	   "imb: the message names the piece, the serial and the agency");
	is_int(serial_base(l, "acme-collect"), 3, "imb: the refused batch changed nothing");
	ok(!exists("i4", "print/manifest.csv"), "imb: the refused batch left no manifest");

	/* 5: letters without an IMb do not care, and never lower the counter */
	rc = imb_batch(l, "i5", "I5", 0, 2, false, true, &diag);
	if (!ok(rc == PL_OK, "imb: a batch without IMbs commits with any base"))
		printf("#   %s\n", diag.message);
	is_int(serial_base(l, "acme-collect"), 3, "imb: the counter never goes down");
	{
		char *p = path_of("i5", "print/manifest.csv");
		char *xp = path_of("i5", "audit/manifest.xml");
		char *csv = slurp(p, NULL), *xml = slurp(xp, NULL);

		ok(csv && strstr(csv, ",NY,12207-1234,,1.0,"),
		   "imb: no IMb, an empty imb column");
		ok(xml && !strstr(xml, "imb="), "imb: no IMb, no imb attributes");
		free(xml);
		free(csv);
		free(xp);
		free(p);
	}

	/* 6: a batch of no letters with the right base leaves it as it was */
	rc = imb_batch(l, "i6", "I6", 3, 0, true, true, &diag);
	ok(rc == PL_OK && serial_base(l, "acme-collect") == 3,
	   "imb: a batch without letters uses no serial");

	/* 7: base + letters; the next batch goes on from there */
	rc = imb_batch(l, "i7", "I7", 3, 4, true, true, &diag);
	ok(rc == PL_OK && serial_base(l, "acme-collect") == 7,
	   "imb: the third batch's letters counted on top");
	is_int(sql_int("state20", "SELECT next_imb_serial FROM counters WHERE "
		       "agency_id = 'acme-collect'"), 7, "imb: the counters row");
	is_int(sql_int("state20", "SELECT count(DISTINCT imb) FROM pieces WHERE imb != ''"),
	       7, "imb: no IMb issued twice");

	/* 8: a letter that carries a serial past base + letters raises it further */
	{
		struct bundle_opts o = opts_for("i8", "I8");
		struct run_counts c = { .read = 1, .letters = 1, .pages = 2, .sheets = 2 };
		struct bundle *b = NULL;
		struct batch t;

		o.imb_serial_base = 7;
		make_staging("i8");
		batch_init(&t, "I8-P0", "I8-A0");
		t.letter.imb_serial = 20;
		snprintf(t.letter.imb, sizeof(t.letter.imb), "%s",
			 "00040123456000000020");
		rc = bundle_begin(&b, &o, l, &diag);
		if (rc == PL_OK)
			rc = bundle_add(b, &t.acct[0], &t.verdict[0], &t.letter, &diag);
		if (rc == PL_OK)
			rc = bundle_finish(b, &c, &diag);
		if (rc == PL_OK)
			rc = bundle_commit(b, &diag);
		ok(rc == PL_OK && serial_base(l, "acme-collect") == 21,
		   "imb: one past the highest serial a letter carried");
		bundle_free(b);
		free((char *)o.staging_dir);
	}

	ledger_close(l2);
	ledger_close(l);
	free(state);
}

/* A ledger of version 2 (contacts, no counters) gets its counters. */
static const char v2_schema[] =
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
	" first_page INTEGER NOT NULL, page_count INTEGER NOT NULL);"
	"CREATE INDEX pieces_by_account ON pieces (agency_id, account_id);"
	"CREATE TABLE contacts (batch_id TEXT NOT NULL, agency_id TEXT NOT NULL,"
	" consumer_id TEXT NOT NULL, account_id TEXT NOT NULL, date TEXT NOT NULL,"
	" at TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL,"
	" file TEXT NOT NULL, line INTEGER NOT NULL);"
	"CREATE INDEX contacts_by_account ON contacts (agency_id, account_id, date);"
	"INSERT INTO batches VALUES ('OLD-2', 'acme-collect', '2026-11-01',"
	" '2026-11-02', 'abc', 1, 0, 0, 0, 1, 0);"
	"INSERT INTO pieces VALUES ('P-OLD-2', 'OLD-2', 'acme-collect', 'A-2',"
	" 'C-2', 'validation-notice', 'validation-notice.en', '1.0', 'en',"
	" '2026-11-02', '2026-12-10', 'ff', 'letters.pdf', 1, 2);"
	"INSERT INTO contacts VALUES ('OLD-2', 'acme-collect', 'C-2', 'A-2',"
	" '2026-11-20', '2026-11-20T10:00:00Z', 'call', 'attempt', 'c.csv', 2);"
	"PRAGMA user_version = 2;";

static void test_migrate_v2(void)
{
	struct ledger *l = NULL;
	char *state = state_dir("state21");
	struct account_history h;
	struct pl_diag diag;
	struct arena arena;
	int rc;

	arena_init(&arena);
	pl_diag_clear(&diag);
	is_int(make_db("state21", v2_schema), SQLITE_OK, "migrate v2: a v2 ledger by hand");
	rc = ledger_open(&l, state, &diag);
	if (!ok(rc == PL_OK, "migrate v2: ledger_open migrates it"))
		printf("#   %s\n", diag.message);
	is_int(sql_int("state21", "PRAGMA user_version"), 4, "migrate v2: now version 4");
	is_int(sql_int("state21", "SELECT count(*) FROM pieces WHERE piece_id = 'P-OLD-2' "
		       "AND imb = ''"), 1, "migrate v2: the old piece kept, without an IMb");
	is_int(sql_int("state21", "SELECT count(*) FROM contacts"), 1,
	       "migrate v2: the contacts kept");
	if (rc == PL_OK) {
		is_int(serial_base(l, "acme-collect"), 0,
		       "migrate v2: serials start at 0 for an agency without a counter");
		ok(ledger_history(l, "acme-collect", "A-2", date("2026-11-23"), &arena, &h,
				  &diag) == PL_OK && h.letters_issued == 1 && h.nevents == 2,
		   "migrate v2: the history reads as before");
		rc = imb_batch(l, "i21", "I21", 0, 2, true, true, &diag);
		if (!ok(rc == PL_OK, "migrate v2: a batch with IMbs commits"))
			printf("#   %s\n", diag.message);
		is_int(serial_base(l, "acme-collect"), 2, "migrate v2: the counter advances");
	}
	ledger_close(l);
	arena_release(&arena);
	free(state);
}

/* A staging directory without audit/: begin fails and cleans up. */
static void test_begin_fails(void)
{
	struct ledger *l = NULL;
	struct bundle *b = (struct bundle *)1;
	struct bundle_opts o = opts_for("s8", "B8");
	char *state = state_dir("state8");
	char *print = xasprintf("%s/s8/print", root);
	struct pl_diag diag;
	char out[1024];

	pl_diag_clear(&diag);
	mkdir(o.staging_dir, 0755);
	mkdir(print, 0755);
	ok(ledger_open(&l, state, &diag) == PL_OK, "begin fails: open ledger");
	is_int(bundle_begin(&b, &o, l, &diag), PL_IO_OPEN,
	       "begin fails: missing audit directory");
	ok(b == NULL, "begin fails: no bundle returned");
	pl_diag_format(&diag, out, sizeof(out));
	ok(strstr(out, "cannot create '") == out &&
	   strstr(out, "/s8/audit/suppressed.csv)"),
	   "begin fails: message names the file");
	is_int(locks_under_root(), 0, "begin fails: no lock files left");
	ok(!exists("s8", "print/manifest.csv"), "begin fails: nothing final");
	{
		char *audit = xasprintf("%s/s8/audit", root);

		mkdir(audit, 0755);
		free(audit);
	}
	ok(bundle_begin(&b, &o, l, &diag) == PL_OK,
	   "begin fails: the ledger transaction was rolled back");
	bundle_free(b);
	ledger_close(l);
	free(print);
	free((char *)o.staging_dir);
	free(state);
}

static void test_ledger_errors(void)
{
	struct ledger *l = (struct ledger *)1;
	struct pl_diag diag;
	char *missing = xasprintf("%s/no/such/dir", root);
	char out[1024];

	pl_diag_clear(&diag);
	is_int(ledger_open(&l, missing, &diag), PL_MANIFEST_LEDGER,
	       "ledger: missing state directory is an error");
	ok(l == NULL, "ledger: nothing returned on error");
	pl_diag_format(&diag, out, sizeof(out));
	ok(strstr(out, "cannot open the contact ledger: ") == out &&
	   strstr(out, "/no/such/dir/ledger.sqlite)"),
	   "ledger: message in house style, ledger path last");
	free(missing);
}

int main(void)
{
	if (!mkdtemp(root))
		PL_BUG("mkdtemp failed");
	agency.id = "acme-collect";
	agency.legal_name = "Acme Collect LLC";
	agency.mail_class = "first-class";

	test_csv_quoting();
	test_batch();
	test_rollback();
	test_counts();
	test_deterministic();
	test_streaming();
	test_begin_fails();
	test_ledger_errors();
	test_history();
	test_contact_counts();
	test_migrate_v1();
	test_imb_serials();
	test_migrate_v2();

	/* U_BUNDLE_KEEP=1 keeps the files to look at. */
	if (getenv("U_BUNDLE_KEEP"))
		printf("# kept %s\n", root);
	else
		nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	xmlCleanupParser();
	return tap_done();
}
