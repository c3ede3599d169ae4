/*
 * u-decide-v2.c: the rules format v2 (rules/README.md) in decide_eval():
 * jurisdiction and city by ZIP, statute of limitations, holds that defer
 * or let letters through, licences, the letter series, data the rules
 * need, letter frequency limits, slots, the contact plan (call limits,
 * calling hours across time zones, blocked channels) and ruleset_lint().
 *
 * Test data: fixtures/rules/v2 (test rules per state and city, not law),
 * fixtures/rules/federal (the real federal.xml with a test SOL table) for
 * federal facts, fixtures/rules/lint. Expected values are worked out by
 * hand in the comments. Each check names the rule it covers (RULE:).
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

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define FIXTURES PL_DATADIR "/fixtures/rules"

static struct ruleset *v2, *federal;
static struct agency agency;
static struct arena arena;

/* A clean credit-card account in Illinois, delinquent in 2025. */
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
	a->city = "Somewhere";
	a->state = state;
	a->postal_code = zip;
	a->language = "en";
	a->itemization_date_type = ITEMIZATION_CHARGE_OFF;
	a->itemization_date = d("2026-01-15");
	a->delinquency_date = d("2025-10-01");
	a->charge_off_date = d("2026-01-15");
	a->last_payment_date = PL_NO_DATE;
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

static struct licence licences[] = { { "CA", "10058-99" } };

static void agency_init(void)
{
	memset(&agency, 0, sizeof(agency));
	agency.id = "test";
	agency.legal_name = "Test Collections LLC";
	agency.website = "https://collector.example";
	agency.dispute_url = "https://collector.example/dispute";
	agency.portal_url = "";
	agency.mail_drop_business_days = 1;
	agency.letter_series = "validation-notice reminder";
	agency.licences[0] = licences[0];
	agency.nlicences = 1;
}

/* Run date 2026-11-23 (Mon) unless said: mail date Tue 2026-11-24. */
static void eval_on(const struct ruleset *rs, const char *run_date,
		    const struct account *a, const struct account_history *h,
		    struct verdict *v)
{
	struct decide_ctx ctx = { &agency, d(run_date) };

	arena_clear(&arena);
	if (decide_eval(rs, &ctx, a, h, &arena, v) != PL_OK)
		PL_BUG("decide_eval failed");
}

static void eval(const struct account *a, const struct account_history *h,
		 struct verdict *v)
{
	eval_on(v2, "2026-11-23", a, h, v);
}

static const struct disclosure *slot(const struct verdict *v, const char *name,
				     size_t nth)
{
	for (size_t i = 0; i < v->ndisclosures; i++)
		if (!strcmp(v->disclosures[i].slot, name) && nth-- == 0)
			return &v->disclosures[i];
	return NULL;
}

static const char *slot_text(const struct verdict *v, const char *name)
{
	const struct disclosure *x = slot(v, name, 0);

	return x ? x->text : "(none)";
}

static void show(const struct verdict *v)
{
	if (v->outcome != OUTCOME_LETTER)
		printf("#   outcome %d %s: %s (until %s)\n", (int)v->outcome,
		       v->reason_code, v->message, iso(v->deferred_until));
}

static void expect(const struct verdict *v, enum outcome outcome,
		   const char *reason, const char *what)
{
	ok(v->outcome == outcome && !strcmp(v->reason_code, reason), what);
	if (v->outcome != outcome || strcmp(v->reason_code, reason))
		show(v);
}

static void test_load(void)
{
	struct pl_diag diag;
	char msg[1024];

	pl_diag_clear(&diag);
	ok(ruleset_load(&v2, FIXTURES "/v2", &diag) == PL_OK, "load fixtures/rules/v2");
	if (!v2) {
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
		exit(tap_done());
	}
	ok(ruleset_load(&federal, FIXTURES "/federal", &diag) == PL_OK,
	   "load fixtures/rules/federal");
	if (!federal) {
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
		exit(tap_done());
	}
}

/* ---- 1. jurisdiction ---- */

static void test_jurisdiction(void)
{
	static const struct {
		const char *zip, *want, *what;
	} cases[] = {
		{ "10001", "US-NY-NYC", "Manhattan 10001" },
		{ "10314", "US-NY-NYC", "Staten Island 10314" },
		{ "10451", "US-NY-NYC", "the Bronx 10451" },
		{ "11201", "US-NY-NYC", "Brooklyn 11201" },
		{ "11375", "US-NY-NYC", "Queens 11375" },
		{ "11004", "US-NY-NYC", "Glen Oaks (Queens) 11004" },
		{ "11004-1234", "US-NY-NYC", "ZIP+4 11004-1234" },
		{ "11001", "US-NY", "Floral Park (Nassau) 11001" },
		{ "12207", "US-NY", "Albany 12207" },
		{ "14201", "US-NY", "Buffalo 14201" },
	};
	struct account a;
	struct verdict v;
	char name[128];

	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		account_init(&a, "NY", cases[i].zip);
		eval(&a, NULL, &v);
		snprintf(name, sizeof(name), "%s is in %s", cases[i].what, cases[i].want);
		is_str(v.jurisdiction, cases[i].want, name);
	}
	/* A NYC ZIP in another state is not the city. */
	account_init(&a, "NJ", "10001");
	eval(&a, NULL, &v);
	is_str(v.jurisdiction, "US-NJ", "NYC ZIP with state NJ: New Jersey");

	/* Federal, then state, then city, though city-nyc.xml sorts first. */
	account_init(&a, "NY", "11201");
	eval(&a, NULL, &v);
	ok(v.outcome == OUTCOME_LETTER &&
	   slot(&v, "state-notice", 0) && slot(&v, "state-notice", 1) &&
	   !strcmp(slot(&v, "state-notice", 0)->rule_id, "T-NY-NOTICE") &&
	   !strcmp(slot(&v, "state-notice", 1)->rule_id, "T-NYC-NOTICE"),
	   "two texts in one slot: the state's, then the city's");
	account_init(&a, "NY", "12207");
	eval(&a, NULL, &v);
	ok(slot(&v, "state-notice", 0) && !slot(&v, "state-notice", 1),
	   "Albany: only the state's notice");
	account_init(&a, "IL", "62701");
	eval(&a, NULL, &v);
	ok(!slot(&v, "state-notice", 0), "Illinois: no New York rule applies");

	account_init(&a, "ZZ", "00000");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_REJECTED, "UNKNOWN_STATE", "state ZZ: rejected UNKNOWN_STATE");
	ok(strstr(v.message, "state 'ZZ' is not in the jurisdiction list") != NULL,
	   "message names the state");
	ok(v.plan.first_day == PL_NO_DATE && v.nhits == 0,
	   "a rejected account gets no plan and no hits");
}

/* ---- 2. statute of limitations (fixture table, not law) ---- */

/* RULE: T-SOL-MOST, T-SOL-TX, T-SOL-CLASSES */
static void test_sol(void)
{
	struct account a;
	struct verdict v;

	/* Mail date 2026-11-24; credit card = written column, 6 years. */
	account_init(&a, "IL", "62701");
	a.delinquency_date = d("2020-11-25");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_NO && v.sol_years == 6 &&
	   v.sol_expires_on == d("2026-11-25") && !strcmp(v.sol_rule_id, "T-SOL-MOST"),
	   "period ends the day after the mail date: not time-barred");
	a.delinquency_date = d("2020-11-24");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_YES && v.sol_expires_on == d("2026-11-24"),
	   "period ends on the mail date: time-barred");
	ok(!strcmp(v.hits[0].rule_id, "T-SOL-MOST"), "the SOL rule is the first hit");

	a.debt_type = DEBT_UTILITY;
	a.delinquency_date = d("2023-11-25");
	eval(&a, NULL, &v);
	ok(v.sol_years == 3 && v.time_barred == TRI_NO, "utility: open column, 3 years");
	a.delinquency_date = d("2023-11-24");
	eval(&a, NULL, &v);
	ok(v.time_barred == TRI_YES, "utility, 3 years to the day: time-barred");
	a.debt_type = DEBT_OTHER;
	eval(&a, NULL, &v);
	ok(v.sol_years == 3, "debt type in neither column: the shorter period");

	/* February 29 + 6 years = February 28. */
	a.debt_type = DEBT_CREDIT_CARD;
	a.delinquency_date = d("2020-02-29");
	eval(&a, NULL, &v);
	is_str(iso(v.sol_expires_on), "2026-02-28", "Feb 29 + 6 years: Feb 28");

	account_init(&a, "TX", "75201");
	a.delinquency_date = d("2022-11-24");
	eval(&a, NULL, &v);
	ok(v.sol_years == 4 && v.time_barred == TRI_YES &&
	   !strcmp(v.sol_rule_id, "T-SOL-TX"), "Texas: its own rule, 4 years");

	account_init(&a, "WY", "82001");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_DEFERRED, "SOL_UNKNOWN", "Wyoming: no SOL rule, deferred SOL_UNKNOWN");
	ok(strstr(v.message, "state 'WY'") && v.deferred_until == PL_NO_DATE &&
	   v.time_barred == TRI_UNKNOWN, "message names the state; no date");
	ok(v.plan.first_day == d("2026-11-23"), "a deferred account still gets its plan");
}

/* ---- 3. holds v2 ---- */

static void test_holds(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: T-MA-WAIT: defer with defer-days, conditions on the hold. */
	account_init(&a, "MA", "02108");
	a.debt_type = DEBT_MEDICAL;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_DEFERRED, "T_MA_MEDICAL", "MA medical: deferred by the hold");
	is_str(iso(v.deferred_until), "2026-12-08", "until mail date + 14 days");
	is_str(v.message, "medical debt in MA", "message with {state}");
	a.debt_type = DEBT_CREDIT_CARD;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_LETTER, "", "MA credit card: the hold's condition fails");

	/* RULE: T-MA-TIME-BARRED: defer until the data changes. */
	a.delinquency_date = d("2019-01-10");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_DEFERRED, "T_MA_TIME_BARRED", "MA time-barred: deferred");
	ok(v.deferred_until == PL_NO_DATE && !strcmp(v.message, "time-barred since 2025-01-10"),
	   "no date; message with {sol_expires_on}");
	ok(v.needs_review && v.hits[v.nhits - 1].needs_review,
	   "a needs-review hold flags the verdict");

	/* RULE: T-HOLD-CEASE: except-letters. */
	account_init(&a, "IL", "62701");
	a.cease_requested_on = d("2026-11-02");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_SUPPRESSED, "T_CEASE", "cease: the validation notice is held");
	a.letter = "cease-acknowledgment";
	eval(&a, NULL, &v);
	ok(v.outcome == OUTCOME_LETTER && !strcmp(v.letter_code, "cease-acknowledgment"),
	   "cease: the acknowledgment goes (except-letters)");
	ok(v.plan.blocked == CHANNEL_ALL, "... yet the plan blocks every channel");

	/* RULE: T-HOLD-OPT-OUT: mail_opt_out; the validation notice excepted. */
	account_init(&a, "IL", "62701");
	a.opt_out_channels = CHANNEL_LETTER;
	eval(&a, NULL, &v);
	ok(v.outcome == OUTCOME_LETTER && !strcmp(v.letter_code, "validation-notice"),
	   "mail opt-out: the validation notice still goes");
	a.validation_sent_on = d("2026-09-01");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_SUPPRESSED, "T_MAIL_OPT_OUT", "mail opt-out: the reminder does not");
	ok(v.plan.blocked == CHANNEL_LETTER && !strcmp(v.plan.block_reasons, "letter:MEDIUM_OPT_OUT"),
	   "plan: letters blocked MEDIUM_OPT_OUT");

	/* RULE: T-NC-DEBT-BUYER: always + time-barred + debt-buyer. */
	account_init(&a, "NC", "27601");
	a.delinquency_date = d("2023-01-05");   /* 3 years: 2026-01-05 */
	a.debt_buyer = TRI_YES;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_SUPPRESSED, "T_NC_BUYER", "NC, time-barred, debt buyer: suppressed");
	is_str(v.message, "time-barred since 2026-01-05 in NC, owned by a debt buyer",
	       "message placeholders filled");
	a.debt_buyer = TRI_UNKNOWN;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_DEFERRED, "DATA_MISSING:debt_buyer",
	       "NC, time-barred, owner unknown: deferred DATA_MISSING:debt_buyer");
	ok(v.deferred_until == PL_NO_DATE, "... until the data changes");
	a.debt_buyer = TRI_NO;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_LETTER, "", "NC, time-barred, not a debt buyer: letter");
	a.debt_buyer = TRI_UNKNOWN;
	a.delinquency_date = d("2025-10-01");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_LETTER, "", "NC, not time-barred, owner unknown: the rule does not ask");

	/* Holds come before the letter's own checks. */
	account_init(&a, "IL", "62701");
	history_init(&h);
	a.bankruptcy = true;   /* no bankruptcy hold in v2 fixtures: letter */
	eval(&a, &h, &v);
	expect(&v, OUTCOME_LETTER, "", "a condition no hold names: letter");
}

/* ---- 4. licences and {licence_number} ---- */

/* RULE: T-CA-LICENCE, T-CA-LICENCE-NUMBER, T-CA-TB-D1, T-CA-TB-D2 */
static void test_licence(void)
{
	struct account a;
	struct verdict v;
	const struct disclosure *x;

	account_init(&a, "CA", "94103");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_LETTER, "", "CA with a CA licence: letter");
	x = slot(&v, "licence-number", 0);
	ok(x && !strcmp(x->text, "California licence 10058-99") && x->min_size == 12,
	   "{licence_number} filled by decide, 12 pt");
	ok(!slot(&v, "time-barred-notice", 0), "not time-barred: no time-barred text");

	/* Fixture: 6 years; obsolete = delinquency + 7 years + 180 days. */
	a.delinquency_date = d("2019-05-01");   /* barred 2025-05-01; obsolete 2026-10-28 */
	eval(&a, NULL, &v);
	is_str(slot_text(&v, "time-barred-notice"), "Time-barred, not reported.",
	       "time-barred and obsolete: (d)(2) text");
	a.delinquency_date = d("2019-06-01");   /* obsolete 2026-11-28 > mail date */
	eval(&a, NULL, &v);
	is_str(slot_text(&v, "time-barred-notice"), "Time-barred, still reported.",
	       "time-barred, not yet obsolete: (d)(1) text");

	agency.nlicences = 0;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_SUPPRESSED, "UNLICENSED", "CA without a CA licence: UNLICENSED");
	ok(strstr(v.message, "'CA'") && !strcmp(v.citation, "test CA licence") &&
	   v.ndisclosures == 0, "message names the jurisdiction; rule's citation");
	account_init(&a, "IL", "62701");
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_LETTER, "", "Illinois needs no licence (no rule)");
	agency.nlicences = 1;
}

/* ---- 5. letters: series, overshadowing, waiting, language ---- */

static void test_letters(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	/* RULE: T-SETTLEMENT (overshadows="yes") */
	account_init(&a, "IL", "62701");
	history_init(&h);
	a.letter = "settlement-offer";
	h.validation_sent_on = d("2026-11-01");
	h.validation_end_date = d("2026-12-10");
	h.last_letter_code = "validation-notice";
	h.last_letter_date = d("2026-11-01");
	h.letters_issued = 1;
	eval(&a, &h, &v);
	expect(&v, OUTCOME_DEFERRED, "OVERSHADOWING", "settlement offer in the period: deferred");
	is_str(iso(v.deferred_until), "2026-12-11", "until the day after the period ends");
	h.validation_end_date = d("2026-11-23");
	eval(&a, &h, &v);
	ok(v.outcome == OUTCOME_LETTER && !strcmp(v.letter_code, "settlement-offer"),
	   "period over: the offer goes");
	is_str(slot_text(&v, "mini-miranda"), "From a debt collector.",
	       "subsequent letter: the mini-Miranda slot");
	ok(!v.initial_communication, "not the initial communication");

	/* Only validation_sent_on: the period computed from it (strict). */
	history_init(&h);
	a.validation_sent_on = d("2026-11-02");   /* receipt 11-09, end 12-09 */
	eval(&a, &h, &v);
	expect(&v, OUTCOME_DEFERRED, "OVERSHADOWING", "period from validation_sent_on");
	is_str(iso(v.deferred_until), "2026-12-10", "until 2026-12-10");
	a.validation_sent_on = PL_NO_DATE;
	eval(&a, &h, &v);
	ok(v.outcome == OUTCOME_DEFERRED && !strcmp(v.reason_code, "OVERSHADOWING") &&
	   v.deferred_until == PL_NO_DATE, "no validation notice known: deferred, no date");

	/* RULE: T-REMINDER (min-days-after-last-letter="30"), the series. */
	account_init(&a, "IL", "62701");
	history_init(&h);
	h.validation_sent_on = d("2026-10-27");
	h.last_letter_code = "validation-notice";
	h.last_letter_date = d("2026-10-27");
	h.letters_issued = 1;
	eval(&a, &h, &v);
	expect(&v, OUTCOME_DEFERRED, "WAITING_PERIOD", "reminder 28 days after: waiting");
	is_str(iso(v.deferred_until), "2026-11-26", "until 30 days after the last letter");
	h.last_letter_date = h.validation_sent_on = d("2026-10-25");
	eval(&a, &h, &v);
	ok(v.outcome == OUTCOME_LETTER && !strcmp(v.letter_code, "reminder"),
	   "reminder 30 days after: letter");

	a.language = "es";
	eval(&a, &h, &v);
	is_str(v.language, "es", "reminder exists in Spanish: Spanish letter");
	a.language = "en";

	agency.letter_series = "validation-notice reminder final-notice";
	h.last_letter_code = "reminder";
	eval(&a, &h, &v);
	expect(&v, OUTCOME_SUPPRESSED, REASON_NO_LETTER,
	       "next in the series has no letter-choice rule: NO_LETTER_TYPE");
	ok(strstr(v.message, "'final-notice'") != NULL, "message names the letter");
	h.last_letter_code = "payment-plan";
	eval(&a, &h, &v);
	expect(&v, OUTCOME_SUPPRESSED, REASON_NO_LETTER, "last letter not in the series");
	agency.letter_series = "validation-notice reminder";

	/* communication: initial only with no trace of any contact. */
	account_init(&a, "IL", "62701");
	history_init(&h);
	eval(&a, &h, &v);
	ok(v.initial_communication && !slot(&v, "mini-miranda", 0),
	   "empty history: initial communication");
	{
		struct contact_event e = { 0 };

		e.date = d("2026-11-20");
		e.channel = CHANNEL_CALL;
		e.kind = CONTACT_CONVERSATION;
		h.events = &e;
		h.nevents = 1;
		eval(&a, &h, &v);
		ok(!v.initial_communication, "a call on record: not initial");
	}
}

/* ---- 6. data the rules need ---- */

/* RULE: T-NY-DATA */
static void test_requires(void)
{
	struct account a;
	struct verdict v;

	account_init(&a, "NY", "12207");
	a.original_creditor = "";
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_DEFERRED, "DATA_MISSING:original_creditor",
	       "NY charge-off without the original creditor: DATA_MISSING");
	ok(v.deferred_until == PL_NO_DATE && !strcmp(v.citation, "test NY data"),
	   "no date; the rule's citation");
	a.original_creditor = "Original Bank";
	a.charge_off_date = PL_NO_DATE;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_DEFERRED, "DATA_MISSING:charge_off_date",
	       "... without the charge-off date: DATA_MISSING:charge_off_date");
	a.itemization_date_type = ITEMIZATION_LAST_STATEMENT;
	eval(&a, NULL, &v);
	expect(&v, OUTCOME_LETTER, "", "last-statement itemization: the rule does not apply");
}

/* ---- 7. contact limits that count letters ---- */

static struct contact_event event(const char *date, enum channel ch,
				  enum contact_kind kind)
{
	struct contact_event e = { 0 };

	e.file = "";
	e.date = d(date);
	e.channel = ch;
	e.kind = kind;
	return e;
}

/* RULE: T-WA-FREQ (3 contacts in 7 days, letters count) */
static void test_letter_limit(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;
	struct contact_event ev[3];

	account_init(&a, "WA", "98101");
	history_init(&h);
	ev[0] = event("2026-11-20", CHANNEL_CALL, CONTACT_ATTEMPT);
	ev[1] = event("2026-11-22", CHANNEL_LETTER, CONTACT_DELIVERED);
	ev[2] = event("2026-11-23", CHANNEL_CALL, CONTACT_CONVERSATION);
	h.events = ev;
	h.nevents = 3;
	/* Mail 11-24: 11-18..11-24 holds 3 + this letter = 4 > 3. The window
	 * ending 11-27 (11-21..11-27) holds 2: the letter fits on 11-27. */
	eval(&a, &h, &v);
	expect(&v, OUTCOME_DEFERRED, "FREQ_LIMIT:WA", "WA, 3 contacts this week: FREQ_LIMIT:WA");
	is_str(iso(v.deferred_until), "2026-11-27", "until the first day it fits");
	ok(!strcmp(v.hits[v.nhits - 1].rule_id, "T-WA-FREQ") && !strcmp(v.citation, "test WA"),
	   "the limit is the last hit and the citation");
	h.nevents = 2;
	eval(&a, &h, &v);
	expect(&v, OUTCOME_LETTER, "", "2 contacts + this letter = 3: letter");
	account_init(&a, "IL", "62701");
	h.nevents = 3;
	eval(&a, &h, &v);
	expect(&v, OUTCOME_LETTER, "", "Illinois: no letter limit");
}

/* ---- 9. slots ---- */

/* RULE: T-WI-REVERSE, T-POINTER, T-NYC-TIME-BARRED */
static void test_slots(void)
{
	struct account a;
	struct verdict v;
	const struct disclosure *x;

	account_init(&a, "WI", "53703");
	eval(&a, NULL, &v);
	x = slot(&v, "reverse-notice", 0);
	ok(x && x->min_size == 8 && !x->emphasis, "WI reverse notice, 8 pt");
	is_str(slot_text(&v, "reverse-pointer"), "See reverse side.",
	       "with-slot: the front pointer follows the reverse notice");
	ok(!strcmp(v.disclosures[v.ndisclosures - 1].rule_id, "T-POINTER"),
	   "with-slot disclosures come in the second pass");
	account_init(&a, "IL", "62701");
	eval(&a, NULL, &v);
	ok(!slot(&v, "reverse-pointer", 0), "nothing on the reverse: no pointer");

	account_init(&a, "NY", "10001");
	a.delinquency_date = d("2019-01-10");
	eval(&a, NULL, &v);
	x = slot(&v, "time-barred-notice", 0);
	ok(x && x->emphasis && x->min_size == 12 && !strcmp(x->text, "NYC time-barred."),
	   "NYC time-barred text: emphasis, 12 pt");
}

/* ---- 10. the contact plan ---- */

static bool calls_are(const struct verdict *v, const int want[PL_PLAN_DAYS])
{
	bool same = true;

	for (int i = 0; i < PL_PLAN_DAYS; i++)
		same &= v->plan.calls_allowed[i] == want[i];
	if (!same) {
		printf("#   calls:");
		for (int i = 0; i < PL_PLAN_DAYS; i++)
			printf(" %d", v->plan.calls_allowed[i]);
		printf("\n");
	}
	return same;
}

/* RULE: T-CALLS-7, T-CALLS-QUIET, T-NYC-CALLS, T-MA-CALLS */
static void test_plan_calls(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;
	struct contact_event ev[8];
	static const int seven[7] = { 7, 7, 7, 7, 7, 7, 7 };
	/* Attempts: 3 on 11-17, 2 on 11-20, 1 on 11-23 (run date).
	 * 11-23: 11-17..11-23 = 6 -> 1; 11-24..11-26: 3 -> 4;
	 * 11-27..11-29: 1 -> 6. */
	static const int counted[7] = { 1, 4, 4, 4, 6, 6, 6 };
	/* A conversation on 11-19 too: no call on 11-19..11-25 (days 1-3; it
	 * also makes 11-23's 7-in-7 count 7); from 11-26 on the window no
	 * longer holds it: 4, 6, 6, 6 as before. */
	static const int quiet[7] = { 0, 0, 0, 4, 6, 6, 6 };
	static const int nyc[7] = { 0, 1, 1, 1, 1, 1, 1 };

	account_init(&a, "IL", "62701");
	history_init(&h);
	eval(&a, &h, &v);
	ok(calls_are(&v, seven), "no calls on record: 7 a day");
	is_str(v.plan.limit_rules, "T-CALLS-7 T-CALLS-QUIET T-HOURS", "limit rules used");
	ok(v.plan.first_day == d("2026-11-23"), "day 1 is the run date");

	ev[0] = ev[1] = ev[2] = event("2026-11-17", CHANNEL_CALL, CONTACT_ATTEMPT);
	ev[3] = ev[4] = event("2026-11-20", CHANNEL_CALL, CONTACT_ATTEMPT);
	ev[5] = event("2026-11-23", CHANNEL_CALL, CONTACT_ATTEMPT);
	ev[6] = event("2026-11-22", CHANNEL_LETTER, CONTACT_DELIVERED);
	h.events = ev;
	h.nevents = 7;
	eval(&a, &h, &v);
	ok(calls_are(&v, counted), "7-in-7 rolling, letters not counted");
	ev[7] = event("2026-11-19", CHANNEL_CALL, CONTACT_CONVERSATION);
	h.nevents = 8;
	eval(&a, &h, &v);
	ok(calls_are(&v, quiet), "a conversation: no call that day and the 6 after");

	/* NYC: 2 in 7 (11-23: 11-17..23 = 7 -> 0; later 1 in the window). */
	account_init(&a, "NY", "10001");
	h.nevents = 7;
	ev[0] = ev[1] = ev[2] = event("2026-11-17", CHANNEL_EMAIL, CONTACT_ATTEMPT);
	ev[3] = ev[4] = event("2026-11-17", CHANNEL_CALL, CONTACT_ATTEMPT);
	eval(&a, &h, &v);
	ok(calls_are(&v, nyc), "NYC: the city's 2 in 7 is the tighter limit");
	is_str(v.plan.limit_rules, "T-CALLS-7 T-CALLS-QUIET T-HOURS T-NYC-CALLS",
	       "NYC: limit rules, federal then city");

	/* Blocks. */
	account_init(&a, "IL", "62701");
	history_init(&h);
	a.cease_requested_on = d("2026-11-02");
	eval(&a, &h, &v);
	ok(v.plan.blocked == CHANNEL_ALL &&
	   !strcmp(v.plan.block_reasons, "call:T_CEASE letter:T_CEASE email:T_CEASE sms:T_CEASE") &&
	   v.plan.calls_allowed[0] == 0 && v.plan.calls_allowed[6] == 0 && !*v.plan.window,
	   "cease: every channel blocked, no calls, no window");
	a.cease_requested_on = PL_NO_DATE;
	a.opt_out_channels = CHANNEL_CALL | CHANNEL_SMS;
	eval(&a, &h, &v);
	ok(v.plan.blocked == (CHANNEL_CALL | CHANNEL_SMS) &&
	   !strcmp(v.plan.block_reasons, "call:MEDIUM_OPT_OUT sms:MEDIUM_OPT_OUT") &&
	   v.plan.calls_allowed[3] == 0, "opt-outs: call and sms blocked MEDIUM_OPT_OUT");

	/* Federal rules as shipped. RULE: US-REGF-CALLS-7-IN-7,
	 * US-REGF-CALLS-AFTER-CONVERSATION, US-REGF-CALLING-HOURS,
	 * US-REGF-HOLD-CEASE */
	account_init(&a, "IL", "62701");
	eval_on(federal, "2026-11-23", &a, NULL, &v);
	ok(calls_are(&v, seven) && !strcmp(v.plan.window, "08:00-21:00") &&
	   !strcmp(v.plan.time_zone, "America/Chicago"),
	   "federal: 7 calls a day, 08:00-21:00 America/Chicago");
	is_str(v.plan.limit_rules,
	       "US-REGF-CALLS-7-IN-7 US-REGF-CALLS-AFTER-CONVERSATION US-REGF-CALLING-HOURS",
	       "federal limit rules");
	a.bankruptcy = true;
	eval_on(federal, "2026-11-23", &a, NULL, &v);
	is_str(v.plan.block_reasons,
	       "call:BANKRUPTCY_STAY letter:BANKRUPTCY_STAY email:BANKRUPTCY_STAY sms:BANKRUPTCY_STAY",
	       "federal bankruptcy hold blocks every channel");
	a.bankruptcy = false;
	a.opt_out_channels = CHANNEL_LETTER;
	a.validation_sent_on = d("2026-09-01");
	eval_on(federal, "2026-11-23", &a, NULL, &v);
	expect(&v, OUTCOME_SUPPRESSED, "MAIL_OPT_OUT",
	       "RULE: US-REGF-HOLD-MAIL-OPT-OUT: no reminder to a consumer who refused mail");
}

/* The calling window across a state's time zones. */
static void test_plan_window(void)
{
	static const struct {
		const char *state, *zip, *run, *zone, *window, *what;
	} cases[] = {
		{ "TX", "75201", "2026-11-23", "America/Chicago", "09:00-21:00",
		  "TX Central + Mountain, November" },
		{ "TX", "75201", "2026-03-05", "America/Chicago", "09:00-21:00",
		  "TX over the March DST change (both zones change)" },
		{ "TX", "75201", "2026-10-29", "America/Chicago", "09:00-21:00",
		  "TX over the November DST change" },
		{ "FL", "33101", "2026-11-23", "America/New_York", "09:00-21:00",
		  "FL Eastern + Central" },
		{ "AZ", "85001", "2026-11-23", "America/Phoenix", "08:00-21:00",
		  "AZ in winter: Phoenix and Denver both at -07:00" },
		{ "AZ", "85001", "2026-07-01", "America/Phoenix", "08:00-20:00",
		  "AZ in summer: Denver an hour ahead" },
		{ "AZ", "85001", "2026-03-05", "America/Phoenix", "08:00-20:00",
		  "AZ over the March DST change: the narrower days win" },
		{ "AZ", "85001", "2026-02-25", "America/Phoenix", "08:00-21:00",
		  "AZ the week before it" },
		{ "IL", "62701", "2026-11-23", "America/Chicago", "08:00-21:00",
		  "IL one zone" },
		{ "WA", "98101", "2026-11-23", "America/Los_Angeles", "08:00-21:00",
		  "WA 07:30-21:00 and federal 08:00-21:00: the narrowest" },
		{ "GU", "96910", "2026-11-23", "Pacific/Guam", "08:00-21:00", "Guam" },
	};
	struct account a;
	struct verdict v;
	char name[160];

	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		account_init(&a, cases[i].state, cases[i].zip);
		eval_on(v2, cases[i].run, &a, NULL, &v);
		snprintf(name, sizeof(name), "%s: %s %s", cases[i].what, cases[i].window,
			 cases[i].zone);
		ok(!strcmp(v.plan.window, cases[i].window) &&
		   !strcmp(v.plan.time_zone, cases[i].zone), name);
		if (strcmp(v.plan.window, cases[i].window))
			printf("#   got '%s' in '%s'\n", v.plan.window, v.plan.time_zone);
	}

	/* Military mail: no zone, no calls (and no SOL rule in the fixture). */
	account_init(&a, "AE", "09001");
	eval(&a, NULL, &v);
	ok(v.outcome == OUTCOME_DEFERRED && (v.plan.blocked & CHANNEL_CALL) &&
	   !strcmp(v.plan.block_reasons, "call:NO_TIME_ZONE") && !*v.plan.window &&
	   !*v.plan.time_zone && v.plan.calls_allowed[0] == 0,
	   "AE: calls blocked NO_TIME_ZONE, no window");
}

/* ---- 11. lint ---- */

static void test_lint(void)
{
	struct ruleset *lint = NULL;
	struct pl_diag diag = { 0 };
	unsigned warnings, errors;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	ok(ruleset_load(&lint, FIXTURES "/lint", &diag) == PL_OK, "load fixtures/rules/lint");
	if (!lint)
		return;
	out = open_memstream(&text, &len);
	agency.nlicences = 0;
	ruleset_lint(lint, &agency, out, &warnings, &errors);
	agency.nlicences = 1;
	fclose(out);
	printf("# %s", text);
	/* Warnings: T-SOL-NC and T-LINT-B need review; WY AA AE AP lack SOL. */
	is_int(warnings, 6, "six warnings");
	/* Errors: no CA licence; T-LINT-A and T-LINT-B share slot x. */
	is_int(errors, 2, "two errors");
	ok(strstr(text, "warning: rule 'T-LINT-B' needs review (status needs-review): test: slot x again, from 2025 (at ") != NULL,
	   "needs-review warning names the rule");
	ok(strstr(text, "error: the agency profile has no licence for 'CA'") &&
	   strstr(text, "rule 'T-LINT-LICENCE')"), "licence error");
	ok(strstr(text, "warning: no statute-of-limitations rule for state 'WY'") &&
	   strstr(text, "jurisdictions.xml:"), "SOL warning names the state and the place");
	ok(strstr(text, "error: rules 'T-LINT-A' and 'T-LINT-B' both fill slot 'x' of letter 'validation-notice' in language 'en'") != NULL,
	   "slot clash");
	ok(!strstr(text, "'T-LINT-C' and 'T-LINT-D'") && !strstr(text, "'T-LINT-E' and 'T-LINT-F'"),
	   "debt types apart, dates apart: no clash");
	free(text);

	text = NULL;
	out = open_memstream(&text, &len);
	ruleset_lint(lint, NULL, out, &warnings, &errors);
	fclose(out);
	is_int(errors, 1, "agency NULL: licences not checked");
	free(text);
	ruleset_free(lint);
}

int main(void)
{
	arena_init(&arena);
	agency_init();
	test_load();
	test_jurisdiction();
	test_sol();
	test_holds();
	test_licence();
	test_letters();
	test_requires();
	test_letter_limit();
	test_slots();
	test_plan_calls();
	test_plan_window();
	test_lint();
	ruleset_free(v2);
	ruleset_free(federal);
	arena_release(&arena);
	return tap_done();
}
