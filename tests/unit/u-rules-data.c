/*
 * u-rules-data.c: the state, city and statute-of-limitations rules as
 * shipped (rules/state-*.xml, rules/city-nyc.xml, rules/sol.xml).
 *
 * u-decide.c tests the engine on small fixture rule sets; this file tests
 * the law as data: it loads the real rules/ directory and, for every rule
 * of those files, decides a small account in that state and checks that
 * the rule fires when it should and not otherwise (another state, another
 * letter, a debt that is not time-barred, ...), and the effective-date
 * edges of the rules that have a date of their own. Each check names its
 * rule in a RULE: comment. The mandated texts are checked word for word
 * against shared/domain/REGULATIONS.md, so an edit to a text in the data
 * must be made here too, deliberately.
 *
 * Default run date 2026-11-23 (Monday): mail date Tuesday 2026-11-24.
 */
#include "pl.h"
#include "model.h"
#include "core/arena.h"
#include "core/date.h"
#include "core/diag.h"
#include "core/profile.h"
#include "decide/decide.h"
#include "tap.h"
#include "testutil.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define RULES_DIR PL_DATADIR "/rules"

static struct ruleset *rules;
static struct agency agency;
static struct arena arena;

/* A debt past every limitations period of the states tested below, but
 * not past the credit-reporting period on 2026-11-24 (obsolete from
 * 2026-11-28). */
#define BARRED "2019-06-01"
/* A debt within every limitations period. */
#define FRESH "2025-10-01"

/* ---- the agency and its licences ---- */

static const char *const licence_table[][2] = {
	{ "CA", "10058-99" }, { "US-NYC", "2045678-DCWP" }, { "NY", "2045678-DCA" },
	{ "MN", "MN-40001" }, { "NC", "NC-1234" }, { "TN", "TN-5678" },
	{ "WI", "WI-777" }, { "WA", "WA-888" }, { "CT", "CCA-999" },
	{ "MA", "DC-1010" }, { "MD", "MD-2020" }, { "AR", "AR-3030" },
};

/* Every licence the shipped rules ask for, except the one named (or none). */
static void licences_except(const char *missing)
{
	agency.nlicences = 0;
	for (size_t i = 0; i < PL_ARRAY_SIZE(licence_table); i++) {
		if (missing && !strcmp(missing, licence_table[i][0]))
			continue;
		agency.licences[agency.nlicences].jurisdiction = (char *)licence_table[i][0];
		agency.licences[agency.nlicences].number = (char *)licence_table[i][1];
		agency.nlicences++;
	}
}

static void agency_init(void)
{
	memset(&agency, 0, sizeof(agency));
	agency.id = "test";
	agency.legal_name = "Test Collections LLC";
	agency.phone = "(800) 555-0100";
	agency.website = "https://collector.example";
	agency.portal_url = "https://pay.collector.example";
	agency.dispute_url = "https://collector.example/dispute";
	agency.mail_drop_business_days = 1;
	agency.letter_series = "validation-notice reminder";
	licences_except(NULL);
}

/* ---- accounts ---- */

/* A clean credit-card account in state at postal code zip, not time-barred. */
static void account_init(struct account *a, const char *state, const char *zip)
{
	memset(a, 0, sizeof(*a));
	a->file = "test.csv";
	a->line = 2;
	a->record = 1;
	a->account_id = a->consumer_id = "A-1";
	a->creditor_name = "Current Creditor";
	a->original_creditor = "Original Bank";
	a->creditor_account_ref = "";
	a->debt_type = DEBT_CREDIT_CARD;
	a->first_name = a->last_name = "Test";
	a->middle_name = a->name_suffix = a->address_line2 = "";
	a->address_line1 = "1 Main St";
	a->city = "Springfield";
	a->state = state;
	a->postal_code = zip;
	a->language = "en";
	a->itemization_date_type = ITEMIZATION_LAST_STATEMENT;
	a->itemization_date = d("2026-01-15");
	a->delinquency_date = d(FRESH);
	a->last_payment_date = a->charge_off_date = PL_NO_DATE;
	a->letter = "auto";
	a->validation_sent_on = PL_NO_DATE;
	a->dispute_received_on = a->verification_sent_on = PL_NO_DATE;
	a->cease_requested_on = PL_NO_DATE;
	a->settlement_expires_on = a->plan_first_due = PL_NO_DATE;
	a->portal_code = "";
	a->debt_buyer = TRI_NO;
}

static void history_init(struct account_history *h)
{
	memset(h, 0, sizeof(*h));
	h->validation_sent_on = PL_NO_DATE;
	h->validation_piece_id = "";
	h->validation_end_date = PL_NO_DATE;
	h->last_letter_code = "";
	h->last_letter_date = PL_NO_DATE;
}

/* History of an account whose validation notice went out on 2026-09-01:
 * the series' next letter is the reminder. */
static void history_reminder(struct account_history *h)
{
	history_init(h);
	h->validation_sent_on = d("2026-09-01");
	h->validation_piece_id = "FN-test-0001";
	h->validation_end_date = d("2026-10-08");
	h->letters_issued = 1;
	h->last_letter_code = "validation-notice";
	h->last_letter_date = d("2026-09-01");
}

static struct contact_event events[16];

/* Add a contact event on date to h (h->events points at events[]). */
static void history_event(struct account_history *h, const char *date,
			  enum channel channel, enum contact_kind kind)
{
	struct contact_event *e;

	if (h->nevents >= PL_ARRAY_SIZE(events))
		PL_BUG("too many test events");
	e = &events[h->nevents++];
	memset(e, 0, sizeof(*e));
	e->file = "";
	e->consumer_id = e->account_id = "A-1";
	e->date = d(date);
	snprintf(e->at, sizeof(e->at), "%sT10:00:00-05:00", date);
	e->channel = channel;
	e->kind = kind;
	h->events = events;
}

/* ---- deciding and looking at verdicts ---- */

static void eval_on(const char *run_date, const struct account *a,
		    const struct account_history *h, struct verdict *v)
{
	struct decide_ctx ctx = { &agency, d(run_date) };

	arena_clear(&arena);
	if (decide_eval(rules, &ctx, a, h, &arena, v) != PL_OK)
		PL_BUG("decide_eval failed");
}

static void eval(const struct account *a, const struct account_history *h,
		 struct verdict *v)
{
	eval_on("2026-11-23", a, h, v);
}

static const struct rule_hit *hit(const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nhits; i++)
		if (!strcmp(v->hits[i].rule_id, id))
			return &v->hits[i];
	return NULL;
}

static bool fired(const struct verdict *v, const char *id)
{
	return hit(v, id) != NULL;
}

static const struct disclosure *disc(const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->ndisclosures; i++)
		if (!strcmp(v->disclosures[i].rule_id, id))
			return &v->disclosures[i];
	return NULL;
}

static size_t slot_count(const struct verdict *v, const char *slot)
{
	size_t n = 0;

	for (size_t i = 0; i < v->ndisclosures; i++)
		n += !strcmp(v->disclosures[i].slot, slot);
	return n;
}

static bool is_letter(const struct verdict *v)
{
	if (v->outcome != OUTCOME_LETTER)
		printf("#   outcome %d: %s (%s)\n", (int)v->outcome, v->reason_code,
		       v->message ? v->message : "");
	return v->outcome == OUTCOME_LETTER;
}

static bool is_outcome(const struct verdict *v, enum outcome outcome, const char *reason)
{
	bool good = v->outcome == outcome && !strcmp(v->reason_code, reason);

	if (!good)
		printf("#   got outcome %d '%s' (%s), want %d '%s'\n", (int)v->outcome,
		       v->reason_code, v->message ? v->message : "", (int)outcome, reason);
	return good;
}

/*
 * A disclosure rule: on a letter for a, rule id fills slot with text,
 * flagged for review as status says, at min_size/emphasis.
 */
static void expect_disclosure(const struct verdict *v, const char *id, const char *slot,
			      const char *text, bool needs_review, int min_size,
			      bool emphasis, const char *what)
{
	const struct disclosure *x = disc(v, id);
	const struct rule_hit *h = hit(v, id);
	char name[256];

	snprintf(name, sizeof(name), "%s: %s fills %s", what, id, slot);
	ok(is_letter(v) && x && !strcmp(x->slot, slot), name);
	snprintf(name, sizeof(name), "%s: %s text word for word", what, id);
	is_str(x ? x->text : NULL, text, name);
	snprintf(name, sizeof(name), "%s: %s size %d, emphasis %s, review %s", what, id,
		 min_size, emphasis ? "yes" : "no", needs_review ? "yes" : "no");
	ok(x && x->min_size == min_size && x->emphasis == emphasis && h &&
	   h->needs_review == needs_review && (!needs_review || v->needs_review), name);
}

static void expect_not_fired(const struct verdict *v, const char *id, const char *what)
{
	char name[256];

	snprintf(name, sizeof(name), "%s: %s does not fire", what, id);
	ok(!fired(v, id) && !disc(v, id), name);
}

/* ---- loading ---- */

static void test_load(void)
{
	struct pl_diag diag;
	char msg[1024];

	pl_diag_clear(&diag);
	ok(ruleset_load(&rules, RULES_DIR, &diag) == PL_OK, "load rules/ with the state files");
	if (!rules) {
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
		exit(tap_done());
	}
}

/* ---- California ---- */

static const char ca_rosenthal[] =
	"The state Rosenthal Fair Debt Collection Practices Act and the federal Fair "
	"Debt Collection Practices Act require that, except under unusual circumstances, "
	"collectors may not contact you before 8 a.m. or after 9 p.m. They may not "
	"harass you by using threats of violence or arrest or by using obscene language. "
	"Collectors may not use false or misleading statements or call you at work if "
	"they know or have reason to know that you may not receive personal calls at "
	"work. For the most part, collectors may not tell another person, other than "
	"your attorney or spouse, about your debt. Collectors may contact another person "
	"to confirm your location or enforce a judgment. For more information about debt "
	"collection activities, you may contact the Federal Trade Commission at "
	"1-877-FTC-HELP or www.ftc.gov.";
static const char ca_d1[] =
	"The law limits how long you can be sued on a debt. Because of the age of your "
	"debt, we will not sue you for it. If you do not pay the debt, {collector} may "
	"report it to the credit reporting agencies as unpaid for as long as the law "
	"permits this reporting.";
static const char ca_d2[] =
	"The law limits how long you can be sued on a debt. Because of the age of your "
	"debt, we will not sue you for it, and we will not report it to any credit "
	"reporting agency.";

static void test_ca(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: CA-ROSENTHAL-1812.700 */
	account_init(&a, "CA", "94103");
	eval(&a, NULL, &v);
	expect_disclosure(&v, "CA-ROSENTHAL-1812.700", "reverse-notice", ca_rosenthal,
			  false, 12, false, "CA validation notice");
	is_str(v.jurisdiction, "US-CA", "CA account: jurisdiction US-CA");
	history_reminder(&h);
	eval(&a, &h, &v);
	ok(is_letter(&v) && !strcmp(v.letter_code, "reminder"),
	   "CA, validation notice sent: the reminder");
	expect_not_fired(&v, "CA-ROSENTHAL-1812.700", "CA reminder");
	account_init(&a, "NV", "89101");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "CA-ROSENTHAL-1812.700", "NV validation notice");

	/* RULE: CA-1788.14-D1-TIME-BARRED, CA-1788.14-D2-TIME-BARRED */
	account_init(&a, "CA", "94103");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_NO, "CA fresh debt: not time-barred");
	expect_not_fired(&v, "CA-1788.14-D1-TIME-BARRED", "CA not time-barred");
	expect_not_fired(&v, "CA-1788.14-D2-TIME-BARRED", "CA not time-barred");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_YES, "CA 2019 debt: time-barred (4 years)");
	expect_disclosure(&v, "CA-1788.14-D1-TIME-BARRED", "time-barred-notice", ca_d1,
			  false, 0, false, "CA time-barred, not obsolete");
	expect_not_fired(&v, "CA-1788.14-D2-TIME-BARRED", "CA time-barred, not obsolete");
	/* Obsolete on delinquency + 7 years + 180 days: 2019-05-28 -> 2026-11-24. */
	a.delinquency_date = d("2019-05-29");
	eval(&a, NULL, &v);
	ok(disc(&v, "CA-1788.14-D1-TIME-BARRED") && !disc(&v, "CA-1788.14-D2-TIME-BARRED"),
	   "CA obsolete the day after the mail date: (d)(1)");
	a.delinquency_date = d("2019-05-28");
	eval(&a, NULL, &v);
	expect_disclosure(&v, "CA-1788.14-D2-TIME-BARRED", "time-barred-notice", ca_d2,
			  false, 0, false, "CA obsolete on the mail date");
	expect_not_fired(&v, "CA-1788.14-D1-TIME-BARRED", "CA obsolete on the mail date");
	history_reminder(&h);
	eval(&a, &h, &v);
	ok(disc(&v, "CA-1788.14-D2-TIME-BARRED") != NULL, "CA time-barred reminder: (d)(2) too");
	account_init(&a, "NV", "89101");
	a.delinquency_date = d("2015-01-01");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_YES && !disc(&v, "CA-1788.14-D1-TIME-BARRED") &&
	   !disc(&v, "CA-1788.14-D2-TIME-BARRED"), "NV time-barred: no California notice");

	/* RULE: CA-DCLA-LICENCE */
	account_init(&a, "CA", "94103");
	licences_except("CA");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "CA-DCLA-LICENCE"),
	   "CA without a California licence: suppressed UNLICENSED");
	account_init(&a, "NV", "89101");
	eval(&a, NULL, &v);
	ok(is_letter(&v), "NV needs no California licence");
	licences_except(NULL);

	/* RULE: CA-1788.11-F-LICENCE-NUMBER */
	account_init(&a, "CA", "94103");
	eval(&a, NULL, &v);
	expect_disclosure(&v, "CA-1788.11-F-LICENCE-NUMBER", "licence-number",
			  "California Debt Collection License: 10058-99", true, 12, false,
			  "CA validation notice");
	history_reminder(&h);
	eval(&a, &h, &v);
	ok(disc(&v, "CA-1788.11-F-LICENCE-NUMBER") != NULL, "CA reminder: licence number too");
	account_init(&a, "OR", "97205");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "CA-1788.11-F-LICENCE-NUMBER", "OR letter");

	/* Effective 2022-01-01 (licensing): 2021-12-31 is the observed New
	 * Year holiday, so the last mail date before is 2021-12-30. */
	account_init(&a, "CA", "94103");
	a.itemization_date = d("2021-06-01");
	a.delinquency_date = d("2021-01-15");
	licences_except("CA");
	eval_on("2021-12-29", &a, NULL, &v);
	ok(v.mail_date == d("2021-12-30") && is_letter(&v) &&
	   !fired(&v, "CA-DCLA-LICENCE") && !disc(&v, "CA-1788.11-F-LICENCE-NUMBER"),
	   "CA mail 2021-12-30: no licence rule yet, letter without a licence");
	eval_on("2021-12-30", &a, NULL, &v);
	ok(v.mail_date == d("2022-01-03") && is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED"),
	   "CA mail 2022-01-03: licence required");
	licences_except(NULL);
	eval_on("2021-12-30", &a, NULL, &v);
	ok(disc(&v, "CA-1788.11-F-LICENCE-NUMBER") != NULL,
	   "CA mail 2022-01-03, licensed: number printed");
}

/* ---- Colorado ---- */

static void test_co(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: CO-FDCPA-NOTICE (effective 2020-07-01, before any letter rule) */
	account_init(&a, "CO", "80202");
	eval(&a, NULL, &v);
	expect_disclosure(&v, "CO-FDCPA-NOTICE", "reverse-notice",
			  "FOR INFORMATION ABOUT THE COLORADO FAIR DEBT COLLECTION PRACTICES ACT, "
			  "SEE HTTPS://COAG.GOV/OFFICE-SECTIONS/CONSUMER-PROTECTION/CONSUMER-CREDIT-UNIT/COLLECTION-AGENCY-REGULATION/",
			  true, 0, false, "CO validation notice");
	history_reminder(&h);
	eval(&a, &h, &v);
	expect_not_fired(&v, "CO-FDCPA-NOTICE", "CO reminder");
	account_init(&a, "UT", "84111");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "CO-FDCPA-NOTICE", "UT validation notice");
}

/* ---- Massachusetts ---- */

static void test_ma(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: MA-209CMR-18.16-NOTICE */
	account_init(&a, "MA", "02108");
	eval(&a, NULL, &v);
	expect_disclosure(&v, "MA-209CMR-18.16-NOTICE", "reverse-notice",
			  "NOTICE OF IMPORTANT RIGHTS You have the right to make a written or oral "
			  "request that telephone calls regarding your debt not be made to you at "
			  "your place of employment. Any such oral request will be valid for only "
			  "ten days, unless you provide written confirmation of the request "
			  "postmarked or delivered within seven days of such request. You may "
			  "terminate this request by writing to the debt collector.",
			  true, 0, false, "MA validation notice");
	history_reminder(&h);
	eval(&a, &h, &v);
	expect_not_fired(&v, "MA-209CMR-18.16-NOTICE", "MA reminder");
	account_init(&a, "NH", "03301");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "MA-209CMR-18.16-NOTICE", "NH validation notice");

	/* RULE: MA-CALL-TEXT-LIMIT: one call yesterday leaves one today. */
	account_init(&a, "MA", "02108");
	history_init(&h);
	history_event(&h, "2026-11-22", CHANNEL_CALL, CONTACT_ATTEMPT);
	eval(&a, &h, &v);
	is_int(v.plan.calls_allowed[0], 1, "MA, one call yesterday: one call allowed today");
	ok(v.plan.limit_rules && strstr(v.plan.limit_rules, "MA-CALL-TEXT-LIMIT"),
	   "MA plan names MA-CALL-TEXT-LIMIT");
	is_int(v.plan.calls_allowed[6], 2, "MA day 7: the call has left the window");
	history_init(&h);
	history_event(&h, "2026-11-22", CHANNEL_SMS, CONTACT_ATTEMPT);
	history_event(&h, "2026-11-21", CHANNEL_CALL, CONTACT_CONVERSATION);
	eval(&a, &h, &v);
	is_int(v.plan.calls_allowed[0], 0, "MA, a text and a conversation this week: no call today");
	ok(is_letter(&v), "MA limit does not count letters: the letter goes");
	account_init(&a, "NH", "03301");
	history_init(&h);
	history_event(&h, "2026-11-22", CHANNEL_CALL, CONTACT_ATTEMPT);
	eval(&a, &h, &v);
	ok(v.plan.calls_allowed[0] == 6 &&
	   !(v.plan.limit_rules && strstr(v.plan.limit_rules, "MA-CALL-TEXT-LIMIT")),
	   "NH, one call yesterday: the federal 7 in 7 only (6 left)");

	/* RULE: MA-LICENCE */
	account_init(&a, "MA", "02108");
	licences_except("MA");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "MA-LICENCE"),
	   "MA without a Massachusetts licence: suppressed UNLICENSED");
	account_init(&a, "NH", "03301");
	eval(&a, NULL, &v);
	ok(is_letter(&v) && !fired(&v, "MA-LICENCE"), "NH needs no Massachusetts licence");
	licences_except(NULL);

	/* RULE: MA-940CMR-7.07.24-TIME-BARRED: review flag only */
	account_init(&a, "MA", "02108");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "MA-940CMR-7.07.24-TIME-BARRED") &&
	   hit(&v, "MA-940CMR-7.07.24-TIME-BARRED")->needs_review && v.needs_review,
	   "MA time-barred: letter marked for review");
	is_int(slot_count(&v, "time-barred-notice"), 0, "MA time-barred: no text printed");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "MA-940CMR-7.07.24-TIME-BARRED", "MA not time-barred");
}

/* ---- Minnesota ---- */

static void test_mn(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: MN-332.33-LICENCE */
	account_init(&a, "MN", "55415");
	licences_except("MN");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "MN-332.33-LICENCE"),
	   "MN without a Minnesota licence: suppressed UNLICENSED");
	licences_except(NULL);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "MN-332.33-LICENCE") &&
	   !hit(&v, "MN-332.33-LICENCE")->needs_review, "MN licensed: letter");

	/* RULE: MN-332.37-LICENCE-STATEMENT: review flag on the first letter only */
	ok(fired(&v, "MN-332.37-LICENCE-STATEMENT") &&
	   hit(&v, "MN-332.37-LICENCE-STATEMENT")->needs_review && v.needs_review,
	   "MN validation notice: marked for review (332.37 text unconfirmed)");
	ok(!disc(&v, "MN-332.37-LICENCE-STATEMENT"), "MN: no unconfirmed text printed");
	history_reminder(&h);
	eval(&a, &h, &v);
	expect_not_fired(&v, "MN-332.37-LICENCE-STATEMENT", "MN reminder");
	account_init(&a, "WI", "53703");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "MN-332.37-LICENCE-STATEMENT", "WI validation notice");
	expect_not_fired(&v, "MN-332.33-LICENCE", "WI validation notice");
}

/* ---- New York State and New York City ---- */

#define NY_A1_BEFORE \
	"Debt collectors, in accordance with the Fair Debt Collection Practices Act, " \
	"15 U.S.C. section 1692 et seq., are prohibited from engaging in abusive, " \
	"deceptive, and "
#define NY_A1_AFTER \
	" debt collection efforts, including but not limited to: (i) the use or threat " \
	"of violence; (ii) the use of obscene or profane language; and (iii) repeated " \
	"phone calls made with the intent to annoy, abuse, or harass."
#define NY_A2_LIST \
	" 1. Supplemental security income, (SSI); 2. Social security; 3. Public assistance " \
	"(welfare); 4. Spousal support, maintenance (alimony) or child support; " \
	"5. Unemployment benefits; 6. Disability benefits; 7. Workers' compensation " \
	"benefits; 8. Public or private pensions; 9. Veterans' benefits; 10. Federal " \
	"student loans, federal student grants, and federal work study funds; and " \
	"11. Ninety percent of your wages or salary earned in the last sixty days."

/* 1.2(a)(1) then (a)(2), one text per wording. */
static const char ny_a_2021[] =
	NY_A1_BEFORE "unfair" NY_A1_AFTER
	" If a creditor or debt collector receives a money judgment against you in court, "
	"state and federal laws may prevent the following types of income from being "
	"taken to pay the debt:" NY_A2_LIST;
static const char ny_a_amended[] =
	NY_A1_BEFORE "misleading" NY_A1_AFTER
	" A creditor may sue you to collect on this debt. Even if the creditor sues you "
	"and wins, state and federal laws may prevent the following types of income from "
	"being taken to pay the debt:" NY_A2_LIST;
static const char ny_a_time_barred[] =
	NY_A1_BEFORE "misleading" NY_A1_AFTER
	" If a creditor or debt collector receives a money judgment against you in court, "
	"state and federal laws may prevent the following types of income from being "
	"taken to pay the debt:" NY_A2_LIST;
static const char ny_13[] =
	"We are required by regulation of the New York State Department of Financial "
	"Services to notify you of the following information. This information is NOT "
	"legal advice: Your creditor or debt collector believes that the legal time limit "
	"(statute of limitations) for suing you to collect this debt may have expired. It "
	"is a violation of the Fair Debt Collection Practices Act, 15 U.S.C. section 1692 "
	"et seq., to sue to collect on a debt for which the statute of limitations has "
	"expired. If a creditor sues you to collect on this debt, you may be able to "
	"prevent the creditor from obtaining a judgment against you. To do so, you must "
	"tell the court that the statute of limitations has expired.";

static void test_ny(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: NY-23NYCRR-1.2.A-AMENDED (today) */
	account_init(&a, "NY", "12207");
	eval(&a, NULL, &v);
	is_str(v.jurisdiction, "US-NY", "Albany: jurisdiction US-NY");
	expect_disclosure(&v, "NY-23NYCRR-1.2.A-AMENDED", "reverse-notice", ny_a_amended,
			  true, 0, false, "NY 2026 not time-barred");
	is_int(slot_count(&v, "reverse-notice"), 1, "NY 2026: one 1.2(a) notice");
	expect_not_fired(&v, "NY-23NYCRR-1.2.A", "NY 2026");
	expect_not_fired(&v, "NY-23NYCRR-1.2.A-TIME-BARRED", "NY 2026 not time-barred");
	history_reminder(&h);
	eval(&a, &h, &v);
	ok(is_letter(&v) && !disc(&v, "NY-23NYCRR-1.2.A-AMENDED"),
	   "NY reminder: no 1.2(a) notice");
	account_init(&a, "NJ", "07102");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "NY-23NYCRR-1.2.A-AMENDED", "NJ validation notice");

	/* RULE: NY-23NYCRR-1.2.A-TIME-BARRED: never "A creditor may sue you"
	 * on a time-barred debt */
	account_init(&a, "NY", "12207");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	expect_disclosure(&v, "NY-23NYCRR-1.2.A-TIME-BARRED", "reverse-notice",
			  ny_a_time_barred, true, 0, false, "NY 2026 time-barred");
	expect_not_fired(&v, "NY-23NYCRR-1.2.A-AMENDED", "NY 2026 time-barred");
	ok(!strstr(disc(&v, "NY-23NYCRR-1.2.A-TIME-BARRED")->text, "may sue you"),
	   "NY time-barred: no statement that the creditor may sue");

	/* RULE: NY-23NYCRR-1.2.A: the placeholder switch date 2024-11-03 is a
	 * Sunday; the mail dates around it. */
	account_init(&a, "NY", "12207");
	a.itemization_date = d("2024-06-01");
	a.delinquency_date = d("2024-03-01");
	eval_on("2024-10-31", &a, NULL, &v);
	ok(v.mail_date == d("2024-11-01"), "mail date 2024-11-01");
	expect_disclosure(&v, "NY-23NYCRR-1.2.A", "reverse-notice", ny_a_2021,
			  true, 0, false, "NY mail 2024-11-01");
	expect_not_fired(&v, "NY-23NYCRR-1.2.A-AMENDED", "NY mail 2024-11-01");
	eval_on("2024-11-01", &a, NULL, &v);
	ok(v.mail_date == d("2024-11-04") && disc(&v, "NY-23NYCRR-1.2.A-AMENDED") &&
	   !disc(&v, "NY-23NYCRR-1.2.A"), "NY mail 2024-11-04: the amended wording only");
	a.delinquency_date = d("2019-01-01");
	eval_on("2024-10-31", &a, NULL, &v);
	ok(disc(&v, "NY-23NYCRR-1.2.A") && !disc(&v, "NY-23NYCRR-1.2.A-TIME-BARRED"),
	   "NY time-barred, mail 2024-11-01: the earlier wording, one notice");

	/* RULE: NY-23NYCRR-1.2.B */
	account_init(&a, "NY", "12207");
	a.itemization_date_type = ITEMIZATION_CHARGE_OFF;
	a.charge_off_date = d("2026-01-15");
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "NY-23NYCRR-1.2.B"),
	   "NY charge-off itemization with both fields: letter");
	a.charge_off_date = PL_NO_DATE;
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_DEFERRED, "DATA_MISSING:charge_off_date") &&
	   fired(&v, "NY-23NYCRR-1.2.B"), "NY charge-off without the date: deferred");
	a.charge_off_date = d("2026-01-15");
	a.original_creditor = "";
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_DEFERRED, "DATA_MISSING:original_creditor"),
	   "NY charge-off without the original creditor: deferred");
	a.itemization_date_type = ITEMIZATION_LAST_STATEMENT;
	a.charge_off_date = PL_NO_DATE;
	eval(&a, NULL, &v);
	ok(is_letter(&v) && !fired(&v, "NY-23NYCRR-1.2.B"),
	   "NY last-statement itemization: 1.2(b) does not apply");
	account_init(&a, "PA", "19107");
	a.itemization_date_type = ITEMIZATION_CHARGE_OFF;
	a.original_creditor = "";
	eval(&a, NULL, &v);
	ok(is_letter(&v), "PA charge-off without the data: no New York requirement");
	account_init(&a, "NY", "10001");
	a.itemization_date_type = ITEMIZATION_CHARGE_OFF;
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_DEFERRED, "DATA_MISSING:charge_off_date"),
	   "NYC is in New York State: 1.2(b) applies there too");

	/* RULE: NY-23NYCRR-1.3 */
	account_init(&a, "NY", "12207");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	expect_disclosure(&v, "NY-23NYCRR-1.3", "time-barred-notice", ny_13, true, 0, false,
			  "Albany time-barred");
	is_int(slot_count(&v, "time-barred-notice"), 1, "Albany time-barred: one notice");
	history_reminder(&h);
	eval(&a, &h, &v);
	ok(disc(&v, "NY-23NYCRR-1.3") != NULL, "Albany time-barred reminder: 1.3 too");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "NY-23NYCRR-1.3", "Albany not time-barred");
	account_init(&a, "NJ", "07102");
	a.delinquency_date = d("2015-01-01");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_YES && !disc(&v, "NY-23NYCRR-1.3"),
	   "NJ time-barred: no New York notice");
}

static void test_nyc(void)
{
	struct account a;
	struct account_history h;
	struct verdict upstate, city;

	/* RULE: NYC-6RCNY-2-191-TIME-BARRED */
	account_init(&a, "NY", "11375");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &city);
	is_str(city.jurisdiction, "US-NY-NYC", "Queens 11375: jurisdiction US-NY-NYC");
	expect_disclosure(&city, "NYC-6RCNY-2-191-TIME-BARRED", "time-barred-notice", ny_13,
			  true, 12, true, "Queens time-barred");
	/* RULE: NY-23NYCRR-1.3 (outside="US-NY-NYC"): the city's form replaces it. */
	ok(disc(&city, "NY-23NYCRR-1.3") == NULL,
	   "Queens time-barred: the state's copy of the same text is not printed twice");
	history_reminder(&h);
	eval(&a, &h, &city);
	ok(disc(&city, "NYC-6RCNY-2-191-TIME-BARRED") != NULL,
	   "Queens time-barred reminder: every communication");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &city);
	expect_not_fired(&city, "NYC-6RCNY-2-191-TIME-BARRED", "Queens not time-barred");

	/* NYC and upstate New York get different texts. */
	account_init(&a, "NY", "11375");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &city);
	account_init(&a, "NY", "12207");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &upstate);
	expect_not_fired(&upstate, "NYC-6RCNY-2-191-TIME-BARRED", "Albany time-barred");
	ok(slot_count(&city, "time-barred-notice") == 1 &&
	   slot_count(&upstate, "time-barred-notice") == 1,
	   "time-barred notices: one in Queens (the city's form), one in Albany (the state's)");
	ok(disc(&city, "NY-23NYCRR-1.2.A-TIME-BARRED") &&
	   disc(&upstate, "NY-23NYCRR-1.2.A-TIME-BARRED"),
	   "both get the state's 1.2(a) notice");
	account_init(&a, "NJ", "07102");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &upstate);
	expect_not_fired(&upstate, "NYC-6RCNY-2-191-TIME-BARRED", "Newark time-barred");

	/* RULE: NYC-6RCNY-5-77-CALL-LIMIT */
	account_init(&a, "NY", "10001");
	history_init(&h);
	history_event(&h, "2026-11-20", CHANNEL_CALL, CONTACT_ATTEMPT);
	eval(&a, &h, &city);
	is_int(city.plan.calls_allowed[0], 1, "Manhattan, one call this week: one left today");
	ok(city.plan.limit_rules && strstr(city.plan.limit_rules, "NYC-6RCNY-5-77-CALL-LIMIT"),
	   "Manhattan plan names NYC-6RCNY-5-77-CALL-LIMIT");
	ok(is_letter(&city), "NYC call limit does not count letters");
	account_init(&a, "NY", "12207");
	eval(&a, &h, &upstate);
	is_int(upstate.plan.calls_allowed[0], 6, "Albany, one call this week: the federal 6 left");

	/* RULE: NYC-DCWP-LICENCE */
	licences_except("US-NYC");
	account_init(&a, "NY", "11201");
	eval(&a, NULL, &city);
	ok(is_outcome(&city, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&city, "NYC-DCWP-LICENCE"),
	   "Brooklyn without a DCWP licence: suppressed UNLICENSED");
	account_init(&a, "NY", "14201");
	eval(&a, NULL, &upstate);
	ok(is_letter(&upstate) && !fired(&upstate, "NYC-DCWP-LICENCE"),
	   "Buffalo needs no DCWP licence");
	licences_except(NULL);
}

/* ---- North Carolina, Tennessee, Texas ---- */

static void test_nc_tn_tx(void)
{
	struct account a;
	struct verdict v;

	/* RULE: NC-58-70-115.4-DEBT-BUYER-TIME-BARRED */
	account_init(&a, "NC", "27603");
	a.delinquency_date = d(BARRED);
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "NC_58-70-115(4)") &&
	   fired(&v, "NC-58-70-115.4-DEBT-BUYER-TIME-BARRED") && v.ndisclosures == 0,
	   "NC debt buyer, time-barred: suppressed");
	is_str(v.citation, "N.C. Gen. Stat. 58-70-115(4)", "NC hold citation");
	ok(v.message && strstr(v.message, "North Carolina"), "NC hold message says why");
	a.debt_buyer = TRI_NO;
	eval(&a, NULL, &v);
	ok(is_letter(&v), "NC time-barred, not a debt buyer: letter");
	a.debt_buyer = TRI_UNKNOWN;
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_DEFERRED, "DATA_MISSING:debt_buyer"),
	   "NC time-barred, debt buyer unknown: deferred");
	a.delinquency_date = d(FRESH);
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	ok(is_letter(&v), "NC debt buyer, not time-barred: letter");
	a.debt_buyer = TRI_UNKNOWN;
	eval(&a, NULL, &v);
	ok(is_letter(&v), "NC not time-barred, debt buyer unknown: letter");
	account_init(&a, "SC", "29201");
	a.delinquency_date = d(BARRED);
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	ok(is_letter(&v), "SC debt buyer, time-barred: no North Carolina hold");

	/* RULE: NC-58-70-1-PERMIT */
	account_init(&a, "NC", "27603");
	licences_except("NC");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "NC-58-70-1-PERMIT"),
	   "NC without a permit: suppressed UNLICENSED");
	licences_except(NULL);
	eval(&a, NULL, &v);
	ok(is_letter(&v), "NC with a permit: letter");

	/* RULE: TN-62-20-LICENCE */
	account_init(&a, "TN", "37201");
	licences_except("TN");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "TN-62-20-LICENCE"),
	   "TN without a licence: suppressed UNLICENSED");
	account_init(&a, "KY", "40202");
	eval(&a, NULL, &v);
	ok(is_letter(&v), "KY needs no Tennessee licence");
	licences_except(NULL);

	/* RULE: TX-392.307-DEBT-BUYER-TIME-BARRED (effective 2019-09-01, before
	 * any letter rule) */
	account_init(&a, "TX", "75201");
	a.delinquency_date = d(BARRED);
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_DEFERRED, "TX_392.307_NOTICE_UNCONFIRMED") &&
	   fired(&v, "TX-392.307-DEBT-BUYER-TIME-BARRED") && v.needs_review,
	   "TX debt buyer, time-barred: deferred until the notice is confirmed");
	ok(v.deferred_until == PL_NO_DATE, "TX: deferred until the data changes");
	a.debt_buyer = TRI_NO;
	eval(&a, NULL, &v);
	ok(is_letter(&v) && !fired(&v, "TX-392.307-DEBT-BUYER-TIME-BARRED"),
	   "TX time-barred, not a debt buyer: letter");
	a.delinquency_date = d(FRESH);
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	ok(is_letter(&v), "TX debt buyer, not time-barred: letter");
	account_init(&a, "OK", "73102");
	a.delinquency_date = d(BARRED);
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	ok(is_letter(&v), "OK debt buyer, time-barred: no Texas hold");
}

/* ---- Wisconsin, Washington, West Virginia ---- */

static void test_wi_wa_wv(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: WI-DFI-BKG-74.13-NOTICE */
	account_init(&a, "WI", "53703");
	eval(&a, NULL, &v);
	expect_disclosure(&v, "WI-DFI-BKG-74.13-NOTICE", "reverse-notice",
			  "This collection agency is licensed by the Division of Banking in the "
			  "Wisconsin Department of Financial Institutions, www.wdfi.org.",
			  false, 8, false, "WI validation notice");
	history_reminder(&h);
	eval(&a, &h, &v);
	expect_not_fired(&v, "WI-DFI-BKG-74.13-NOTICE", "WI reminder");
	account_init(&a, "IA", "50309");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "WI-DFI-BKG-74.13-NOTICE", "IA validation notice");

	/* RULE: WI-218.04-LICENCE */
	account_init(&a, "WI", "53703");
	licences_except("WI");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "WI-218.04-LICENCE"),
	   "WI without a licence: suppressed UNLICENSED");
	licences_except(NULL);

	/* RULE: WA-19.16.250-THREE-PER-WEEK: letters count */
	account_init(&a, "WA", "98105");
	history_init(&h);
	history_event(&h, "2026-11-19", CHANNEL_CALL, CONTACT_ATTEMPT);
	history_event(&h, "2026-11-20", CHANNEL_CALL, CONTACT_CONVERSATION);
	eval(&a, &h, &v);
	ok(is_letter(&v), "WA, two calls this week: the letter is the third, it goes");
	history_event(&h, "2026-11-22", CHANNEL_CALL, CONTACT_ATTEMPT);
	eval(&a, &h, &v);
	ok(is_outcome(&v, OUTCOME_DEFERRED, "FREQ_LIMIT:WA") &&
	   fired(&v, "WA-19.16.250-THREE-PER-WEEK"),
	   "WA, three calls this week: the letter would be the fourth, deferred");
	/* Mail date 11-24: window 11-18..11-24 holds 3; on 11-26 the 11-19
	 * call has left it (11-20..11-26: 2 + the letter = 3). */
	is_str(iso(v.deferred_until), "2026-11-26", "WA: deferred to the first day it fits");
	ok(v.plan.limit_rules && strstr(v.plan.limit_rules, "WA-19.16.250-THREE-PER-WEEK"),
	   "WA plan names WA-19.16.250-THREE-PER-WEEK");
	is_int(v.plan.calls_allowed[0], 0, "WA, three calls this week: no call today");
	account_init(&a, "OR", "97205");
	eval(&a, &h, &v);
	ok(is_letter(&v), "OR, three calls this week: letters do not count, letter goes");

	/* RULE: WA-19.16.250-CALLING-HOURS */
	account_init(&a, "WA", "98105");
	eval(&a, NULL, &v);
	is_str(v.plan.window, "08:00-21:00", "WA calling window 08:00-21:00 Pacific");
	is_str(v.plan.time_zone, "America/Los_Angeles", "WA plan time zone");

	/* RULE: WA-19.16.110-LICENCE */
	licences_except("WA");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "WA-19.16.110-LICENCE"),
	   "WA without a licence: suppressed UNLICENSED");
	licences_except(NULL);

	/* RULE: WA-19.16.250-INITIAL-NOTICE: review flag on the first letter */
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "WA-19.16.250-INITIAL-NOTICE") && v.needs_review,
	   "WA validation notice: marked for review");
	history_reminder(&h);
	eval(&a, &h, &v);
	expect_not_fired(&v, "WA-19.16.250-INITIAL-NOTICE", "WA reminder");
	account_init(&a, "ID", "83702");
	eval(&a, NULL, &v);
	expect_not_fired(&v, "WA-19.16.250-INITIAL-NOTICE", "ID validation notice");

	/*
	 * RULE: WV-46A-2-125.D-CALLS, WV-46A-2-125.D-CONVERSATIONS
	 * The federal limits (7 calls in 7 days, none for 7 days after a
	 * conversation) are always tighter, so West Virginia's never bind the
	 * plan; check they apply to West Virginia only.
	 */
	account_init(&a, "WV", "25301");
	eval(&a, NULL, &v);
	is_int(v.plan.calls_allowed[0], 7, "WV, no calls: the federal 7 bind");
	ok(v.plan.limit_rules && strstr(v.plan.limit_rules, "WV-46A-2-125.D-CALLS") &&
	   strstr(v.plan.limit_rules, "WV-46A-2-125.D-CONVERSATIONS"),
	   "WV plan lists its limits");
	account_init(&a, "VA", "23219");
	eval(&a, NULL, &v);
	ok(!(v.plan.limit_rules && strstr(v.plan.limit_rules, "WV-46A")),
	   "VA plan: no West Virginia limit");

	/* RULE: WV-TIME-BARRED-NOTICE: review flag only */
	account_init(&a, "WV", "25301");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "WV-TIME-BARRED-NOTICE") && v.needs_review &&
	   slot_count(&v, "time-barred-notice") == 0,
	   "WV time-barred: marked for review, no text");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "WV-TIME-BARRED-NOTICE", "WV not time-barred");
}

/* ---- New Mexico, Connecticut, Maryland, Arkansas, Illinois ---- */

static void test_others(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: NM-12.2.12.9-TIME-BARRED (effective 2010-12-15, before any
	 * letter rule) */
	account_init(&a, "NM", "87102");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	expect_disclosure(&v, "NM-12.2.12.9-TIME-BARRED", "time-barred-notice",
			  "We are required by New Mexico Attorney General rule to notify you of "
			  "the following information. This information is not legal advice.",
			  true, 0, false, "NM time-barred");
	history_reminder(&h);
	eval(&a, &h, &v);
	ok(disc(&v, "NM-12.2.12.9-TIME-BARRED") != NULL, "NM time-barred reminder: preface too");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "NM-12.2.12.9-TIME-BARRED", "NM not time-barred");
	account_init(&a, "AZ", "85016");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "NM-12.2.12.9-TIME-BARRED", "AZ time-barred");

	/* RULE: CT-36A-800-LICENCE */
	account_init(&a, "CT", "06103");
	licences_except("CT");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") && fired(&v, "CT-36A-800-LICENCE"),
	   "CT without a licence: suppressed UNLICENSED");
	licences_except(NULL);

	/* RULE: CT-TIME-BARRED-NOTICE: CT open accounts use 3 years (oral) */
	a.delinquency_date = d("2023-06-01");
	eval(&a, NULL, &v);
	ok(is_letter(&v) && v.time_barred == TRI_YES && fired(&v, "CT-TIME-BARRED-NOTICE") &&
	   slot_count(&v, "time-barred-notice") == 0,
	   "CT card debt of 2023-06: time-barred (3 years), marked for review, no text");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "CT-TIME-BARRED-NOTICE", "CT not time-barred");

	/* RULE: MD-5-1202-NO-REVIVAL */
	account_init(&a, "MD", "21202");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "MD-5-1202-NO-REVIVAL") && v.needs_review &&
	   slot_count(&v, "time-barred-notice") == 0,
	   "MD time-barred: marked for review, no text");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "MD-5-1202-NO-REVIVAL", "MD not time-barred");

	/* RULE: MD-COLLECTION-AGENCY-LICENCE */
	licences_except("MD");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") &&
	   fired(&v, "MD-COLLECTION-AGENCY-LICENCE"), "MD without a licence: suppressed UNLICENSED");
	account_init(&a, "DE", "19901");
	eval(&a, NULL, &v);
	ok(is_letter(&v), "DE needs no Maryland licence");
	licences_except(NULL);

	/* RULE: AR-COLLECTION-AGENCY-LICENCE */
	account_init(&a, "AR", "72201");
	licences_except("AR");
	eval(&a, NULL, &v);
	ok(is_outcome(&v, OUTCOME_SUPPRESSED, "UNLICENSED") &&
	   fired(&v, "AR-COLLECTION-AGENCY-LICENCE"), "AR without a licence: suppressed UNLICENSED");
	licences_except(NULL);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && hit(&v, "AR-COLLECTION-AGENCY-LICENCE") &&
	   hit(&v, "AR-COLLECTION-AGENCY-LICENCE")->needs_review,
	   "AR licensed: letter, licence rule marked for review");

	/* RULE: IL-740-TIME-BARRED-NOTICE */
	account_init(&a, "IL", "60614");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && fired(&v, "IL-740-TIME-BARRED-NOTICE") && v.needs_review &&
	   slot_count(&v, "time-barred-notice") == 0,
	   "IL time-barred: marked for review, no text");
	a.delinquency_date = d(FRESH);
	eval(&a, NULL, &v);
	expect_not_fired(&v, "IL-740-TIME-BARRED-NOTICE", "IL not time-barred");
}

/* ---- lint: the shipped set is clean, and every licence is known ---- */

static void test_lint(void)
{
	char *text = NULL;
	size_t len = 0;
	unsigned warnings, errors, missing = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		PL_BUG("open_memstream failed");
	licences_except(NULL);
	ruleset_lint(rules, &agency, out, &warnings, &errors);
	fclose(out);
	is_int(errors, 0, "lint: no errors with every licence (no two rules fight over a slot)");
	if (errors)
		printf("%s", text);
	ok(strstr(text, "rule 'NY-23NYCRR-1.3' needs review") != NULL,
	   "lint: needs-review rules are named");
	free(text);

	/* Each licence of the table is required by exactly one rule. */
	for (size_t i = 0; i < PL_ARRAY_SIZE(licence_table); i++) {
		if (!strcmp(licence_table[i][0], "NY"))
			continue;   /* the demo's NY licence: no state rule asks for it */
		text = NULL;
		out = open_memstream(&text, &len);
		if (!out)
			PL_BUG("open_memstream failed");
		licences_except(licence_table[i][0]);
		ruleset_lint(rules, &agency, out, &warnings, &errors);
		fclose(out);
		if (errors != 1) {
			printf("#   without %s: %u errors\n", licence_table[i][0], errors);
			missing++;
		}
		free(text);
	}
	is_int(missing, 0, "lint: each licence jurisdiction is required by one rule");
	licences_except(NULL);
}

/* ---- a state without a file ---- */

static void test_federal_only(void)
{
	struct account a;
	struct verdict v;
	bool federal = true;

	account_init(&a, "PA", "19107");
	a.delinquency_date = d(BARRED);
	eval(&a, NULL, &v);
	ok(is_letter(&v) && v.time_barred == TRI_YES, "PA time-barred: letter");
	for (size_t i = 0; i < v.nhits; i++)
		if (strncmp(v.hits[i].rule_id, "US-", 3)) {
			printf("#   non-federal rule %s\n", v.hits[i].rule_id);
			federal = false;
		}
	for (size_t i = 0; i < v.ndisclosures; i++)
		federal = federal && !strncmp(v.disclosures[i].rule_id, "US-", 3);
	ok(federal, "PA (no state file): federal rules and its SOL only");
	is_str(v.sol_rule_id, "US-PA-SOL", "PA: its SOL rule");
	ok(slot_count(&v, "reverse-notice") == 0 && slot_count(&v, "time-barred-notice") == 0 &&
	   slot_count(&v, "licence-number") == 0 && slot_count(&v, "state-notice") == 0,
	   "PA: no state or city slot filled");
}

/* ---- statute of limitations ---- */

static const struct {
	const char *state;
	int written, open;
} sol_table[] = {
	{ "AL", 6, 3 }, { "AK", 3, 3 }, { "AZ", 6, 3 }, { "AR", 5, 3 }, { "CA", 4, 4 },
	{ "CO", 6, 6 }, { "CT", 6, 3 }, { "DE", 3, 3 }, { "DC", 3, 3 }, { "FL", 5, 4 },
	{ "GA", 6, 4 }, { "HI", 6, 6 }, { "ID", 5, 4 }, { "IL", 10, 5 }, { "IN", 6, 6 },
	{ "IA", 10, 5 }, { "KS", 5, 3 }, { "KY", 10, 5 }, { "LA", 10, 3 }, { "ME", 6, 6 },
	{ "MD", 3, 3 }, { "MA", 6, 6 }, { "MI", 6, 6 }, { "MN", 6, 6 }, { "MS", 3, 3 },
	{ "MO", 10, 5 }, { "MT", 8, 5 }, { "NE", 5, 4 }, { "NV", 6, 4 }, { "NH", 3, 3 },
	{ "NJ", 6, 6 }, { "NM", 6, 4 }, { "NY", 3, 3 }, { "NC", 3, 3 }, { "ND", 6, 6 },
	{ "OH", 6, 4 }, { "OK", 5, 3 }, { "OR", 6, 6 }, { "PA", 4, 4 }, { "RI", 10, 10 },
	{ "SC", 3, 3 }, { "SD", 6, 6 }, { "TN", 6, 6 }, { "TX", 4, 4 }, { "UT", 6, 4 },
	{ "VT", 6, 6 }, { "VA", 5, 3 }, { "WA", 6, 3 }, { "WV", 10, 5 }, { "WI", 6, 6 },
	{ "WY", 10, 8 },
};

/* Rows REGULATIONS.md 6.17 tags [V-S]: verified; every other needs review. */
static bool sol_verified(const char *state)
{
	static const char *const v[] = { "CA", "CT", "IL", "MD", "MA", "MN", "NM", "NY", "TX" };

	for (size_t i = 0; i < PL_ARRAY_SIZE(v); i++)
		if (!strcmp(v[i], state))
			return true;
	return false;
}

/* Count the <statute-of-limitations> rules of sol.xml naming each state. */
static void test_sol_file(void)
{
	xmlDoc *doc = xmlReadFile(RULES_DIR "/sol.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	unsigned count[PL_ARRAY_SIZE(sol_table)] = { 0 };
	unsigned others = 0;
	bool one = true;
	char name[96];

	ok(root != NULL, "sol.xml parses");
	for (xmlNode *r = root ? root->children : NULL; r; r = r->next) {
		for (xmlNode *x = r->type == XML_ELEMENT_NODE ? r->children : NULL; x; x = x->next) {
			xmlChar *st;
			size_t i;

			if (x->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)x->name, "statute-of-limitations"))
				continue;
			st = xmlGetProp(x, (const xmlChar *)"states");
			for (i = 0; i < PL_ARRAY_SIZE(sol_table); i++)
				if (st && !strcmp((const char *)st, sol_table[i].state))
					break;
			if (i < PL_ARRAY_SIZE(sol_table))
				count[i]++;
			else
				others++;
			xmlFree(st);
		}
	}
	for (size_t i = 0; i < PL_ARRAY_SIZE(sol_table); i++) {
		/* New York: CPLR 213 until 2022-04-07, CPLR 214-i from then. */
		unsigned want = strcmp(sol_table[i].state, "NY") ? 1 : 2;

		if (count[i] != want) {
			printf("#   %s has %u SOL rules\n", sol_table[i].state, count[i]);
			one = false;
		}
	}
	ok(one, "sol.xml: one rule per state and DC (NY: two, by date)");
	is_int(others, 0, "sol.xml: no rule for any other place or several states");
	snprintf(name, sizeof(name), "%zu jurisdictions in the table", PL_ARRAY_SIZE(sol_table));
	is_int(PL_ARRAY_SIZE(sol_table), 51, name);
	xmlFreeDoc(doc);
}

/* RULE: US-SOL-CLASSES, US-XX-SOL (every row of the 6.17 table) */
static void test_sol_states(void)
{
	struct account a;
	struct verdict v;
	char id[16];
	unsigned wrong = 0;

	for (size_t i = 0; i < PL_ARRAY_SIZE(sol_table); i++) {
		const struct rule_hit *h;

		snprintf(id, sizeof(id), "US-%s-SOL", sol_table[i].state);
		account_init(&a, sol_table[i].state, sol_table[i].state[0] == 'N' &&
			     sol_table[i].state[1] == 'Y' ? "12207" : "00000");
		eval(&a, NULL, &v);
		h = hit(&v, id);
		if (strcmp(v.sol_rule_id, id) || v.sol_years != sol_table[i].open ||
		    v.time_barred != TRI_NO || !h ||
		    h->needs_review == sol_verified(sol_table[i].state)) {
			printf("#   %s card: rule '%s' %d years, hit %s\n", sol_table[i].state,
			       v.sol_rule_id, v.sol_years, h ? "yes" : "no");
			wrong++;
		}
		/*
		 * The edges: a card debt whose period ends on the mail date is
		 * time-barred that day; one whose period ends the day after is
		 * not (mail date >= delinquency + years).
		 */
		{
			int y, m, dd, mail = v.mail_date;

			date_to_ymd(mail, &y, &m, &dd);
			a.delinquency_date = date_from_ymd(y - sol_table[i].open, m, dd);
			eval(&a, NULL, &v);
			if (v.time_barred != TRI_YES || v.sol_expires_on != mail) {
				printf("#   %s: period ending on the mail date is not time-barred\n",
				       sol_table[i].state);
				wrong++;
			}
			a.delinquency_date++;
			eval(&a, NULL, &v);
			if (v.time_barred != TRI_NO || v.sol_expires_on != mail + 1) {
				printf("#   %s: period ending the day after the mail date is time-barred\n",
				       sol_table[i].state);
				wrong++;
			}
			a.delinquency_date = v.mail_date - 365;
		}
		a.debt_type = DEBT_AUTO;
		eval(&a, NULL, &v);
		if (strcmp(v.sol_rule_id, id) || v.sol_years != sol_table[i].written) {
			printf("#   %s auto: rule '%s' %d years\n", sol_table[i].state,
			       v.sol_rule_id, v.sol_years);
			wrong++;
		}
	}
	is_int(wrong, 0, "every state and DC: its SOL rule, open years for cards, "
	       "time-barred the day the period ends and not the day before, "
	       "written for auto loans, review per tag");

	/* The classes: written for auto student personal_loan rent. */
	{
		static const struct {
			enum debt_type type;
			int years;    /* AL: 6 written, 3 open */
		} classes[] = {
			{ DEBT_CREDIT_CARD, 3 }, { DEBT_MEDICAL, 3 }, { DEBT_UTILITY, 3 },
			{ DEBT_TELECOM, 3 }, { DEBT_OTHER, 3 }, { DEBT_AUTO, 6 },
			{ DEBT_STUDENT, 6 }, { DEBT_PERSONAL_LOAN, 6 }, { DEBT_RENT, 6 },
		};

		wrong = 0;
		account_init(&a, "AL", "35203");
		for (size_t i = 0; i < PL_ARRAY_SIZE(classes); i++) {
			a.debt_type = classes[i].type;
			eval(&a, NULL, &v);
			wrong += v.sol_years != classes[i].years;
		}
		is_int(wrong, 0, "US-SOL-CLASSES: the column of each debt type (Alabama 6/3)");
	}
}

/* RULE: US-NY-SOL, US-NY-SOL-CPLR213: the date the period is measured
 * from, and the 2022-04-07 switch. */
static void test_sol_edges(void)
{
	struct account a;
	struct verdict v;

	account_init(&a, "NY", "12207");
	a.delinquency_date = d("2023-11-24");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_YES && !strcmp(iso(v.sol_expires_on), "2026-11-24"),
	   "NY: time-barred on the mail date the 3 years end");
	a.delinquency_date = d("2023-11-25");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_NO, "NY: not time-barred the day before they end");

	account_init(&a, "NY", "12207");
	a.itemization_date = d("2021-06-01");
	a.delinquency_date = d("2018-06-01");
	eval_on("2022-04-05", &a, NULL, &v);
	ok(v.mail_date == d("2022-04-06") && !strcmp(v.sol_rule_id, "US-NY-SOL-CPLR213") &&
	   v.sol_years == 6 && v.time_barred == TRI_NO,
	   "NY mail 2022-04-06: CPLR 213, 6 years, not time-barred");
	eval_on("2022-04-06", &a, NULL, &v);
	ok(v.mail_date == d("2022-04-07") && !strcmp(v.sol_rule_id, "US-NY-SOL") &&
	   v.sol_years == 3 && v.time_barred == TRI_YES,
	   "NY mail 2022-04-07: CPLR 214-i, 3 years, time-barred");
	a.debt_type = DEBT_PERSONAL_LOAN;
	eval(&a, NULL, &v);
	ok(v.sol_years == 3, "NY 2026: 3 years for a written consumer loan too");

	/* Two numbers in a cell: the shorter (Indiana written, Arizona open). */
	account_init(&a, "IN", "46802");
	a.debt_type = DEBT_AUTO;
	eval(&a, NULL, &v);
	is_int(v.sol_years, 6, "IN written: 6 (not 10)");
	account_init(&a, "AZ", "85016");
	eval(&a, NULL, &v);
	is_int(v.sol_years, 3, "AZ card: 3 (not 6)");
}

int main(void)
{
	arena_init(&arena);
	agency_init();
	test_load();
	test_ca();
	test_co();
	test_ma();
	test_mn();
	test_ny();
	test_nyc();
	test_nc_tn_tx();
	test_wi_wa_wv();
	test_others();
	test_lint();
	test_federal_only();
	test_sol_file();
	test_sol_states();
	test_sol_edges();
	ruleset_free(rules);
	arena_release(&arena);
	xmlCleanupParser();
	return tap_done();
}
