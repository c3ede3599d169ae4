/*
 * u-decide.c: loading rule sets and deciding accounts.
 *
 * Most checks run against fixtures/rules/federal: the real federal.xml,
 * calendar and jurisdiction list of rules/ with a test statute-of-
 * limitations table, so they test the federal law as shipped without
 * depending on the state files and rules/sol.xml (whose results would
 * change these expectations). The real rules/ directory is loaded too.
 * The effective-date edges and the broken rule sets use the small sets in
 * fixtures/rules/; the format v2 features are in u-decide-v2.c. Each
 * check names the rule it covers in a RULE: comment, as the code does.
 */
#include "pl.h"
#include "model.h"
#include "core/arena.h"
#include "core/date.h"
#include "core/diag.h"
#include "core/digest.h"
#include "core/profile.h"
#include "decide/decide.h"
#include "tap.h"
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define RULES_DIR PL_DATADIR "/rules"
#define FIXTURES PL_DATADIR "/fixtures/rules"
#define FEDERAL_DIR FIXTURES "/federal"

static struct ruleset *rules;
static struct agency agency;
static struct arena arena;

/* A clean credit-card account: every optional field absent. */
static void account_init(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->file = "test.csv";
	a->line = 2;
	a->record = 1;
	a->account_id = a->consumer_id = "A-1";
	a->creditor_name = "Current Creditor";
	a->original_creditor = a->creditor_account_ref = "";
	a->debt_type = DEBT_CREDIT_CARD;
	a->first_name = a->last_name = "Test";
	a->middle_name = a->name_suffix = a->address_line2 = "";
	a->address_line1 = "1 Main St";
	a->city = "Springfield";
	a->state = "IL";
	a->postal_code = "62701";
	a->language = "en";
	a->itemization_date_type = ITEMIZATION_CHARGE_OFF;
	a->itemization_date = d("2026-01-15");
	a->delinquency_date = d("2025-10-01");
	a->last_payment_date = a->charge_off_date = PL_NO_DATE;
	a->letter = "auto";
	a->validation_sent_on = PL_NO_DATE;
	a->dispute_received_on = a->verification_sent_on = PL_NO_DATE;
	a->cease_requested_on = PL_NO_DATE;
	a->settlement_expires_on = a->plan_first_due = PL_NO_DATE;
	a->portal_code = "";
}

static void history_init(struct account_history *h)
{
	memset(h, 0, sizeof(*h));
	h->validation_sent_on = PL_NO_DATE;
	h->validation_piece_id = "";
	h->validation_end_date = PL_NO_DATE;
	h->letters_issued = 0;
	h->last_letter_code = "";
	h->last_letter_date = PL_NO_DATE;
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
}

/* Decide a with the default run date 2026-11-23 (Mon): mail Tue 11-24. */
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
	eval_on(rules, "2026-11-23", a, h, v);
}

static bool has_slot(const struct verdict *v, const char *slot)
{
	for (size_t i = 0; i < v->ndisclosures; i++)
		if (!strcmp(v->disclosures[i].slot, slot))
			return true;
	return false;
}

static const char *slot_text(const struct verdict *v, const char *slot)
{
	for (size_t i = 0; i < v->ndisclosures; i++)
		if (!strcmp(v->disclosures[i].slot, slot))
			return v->disclosures[i].text;
	return "(none)";
}

static const char *slot_rule(const struct verdict *v, const char *slot)
{
	for (size_t i = 0; i < v->ndisclosures; i++)
		if (!strcmp(v->disclosures[i].slot, slot))
			return v->disclosures[i].rule_id;
	return "(none)";
}

/* ---- loading ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The digest: each *.xml file's name, a NUL, its bytes, in name order. */
static void dir_digest(const char *dir, char want[PL_SHA256_HEX])
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char *names[256];
	size_t n = 0;
	struct digest dg;

	if (!dh)
		PL_BUG("cannot open %s", dir);
	while ((de = readdir(dh)) != NULL && n < PL_ARRAY_SIZE(names)) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' && len > 4 && !strcmp(de->d_name + len - 4, ".xml"))
			names[n++] = strdup(de->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof(*names), cmp_str);
	digest_init(&dg);
	for (size_t i = 0; i < n; i++) {
		char path[512], chunk[4096];
		FILE *f;
		size_t got;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		if (!f)
			PL_BUG("cannot open %s", path);
		digest_update(&dg, names[i], strlen(names[i]) + 1);
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			digest_update(&dg, chunk, got);
		fclose(f);
		free(names[i]);
	}
	digest_finish(&dg, want);
}

static void test_load(void)
{
	struct pl_diag diag;
	struct ruleset *real = NULL, *again = NULL, *minimal = NULL;
	char msg[1024], want[PL_SHA256_HEX];

	/* The shipped directory, whatever the state files hold today. */
	pl_diag_clear(&diag);
	ok(ruleset_load(&real, RULES_DIR, &diag) == PL_OK, "load rules/");
	if (!real)
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
	else
		ok(ruleset_count(real) >= 33, "rules/ has at least the 33 federal rules");
	dir_digest(RULES_DIR, want);
	ok(real && !strcmp(ruleset_digest(real), want),
	   "rules/: digest over names and bytes in order");
	ruleset_free(real);

	ok(ruleset_load(&rules, FEDERAL_DIR, &diag) == PL_OK,
	   "load fixtures/rules/federal (rules/federal.xml and a test SOL table)");
	if (!rules) {
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
		exit(tap_done());
	}
	is_int(ruleset_count(rules), 38, "34 federal rules and 4 test SOL rules");
	dir_digest(FEDERAL_DIR, want);
	is_str(ruleset_digest(rules), want, "digest over names and bytes in order");

	ok(ruleset_load(&again, FEDERAL_DIR, &diag) == PL_OK &&
	   !strcmp(ruleset_digest(again), ruleset_digest(rules)),
	   "digest is stable across loads");
	ok(ruleset_load(&minimal, FIXTURES "/minimal", &diag) == PL_OK &&
	   strcmp(ruleset_digest(minimal), ruleset_digest(rules)),
	   "another rule set has another digest");
	ruleset_free(again);
	ruleset_free(minimal);
}

/* ---- a validation notice ---- */

/* RULE: US-REGF-LETTER-VALIDATION, US-REGF-VALIDATION-PERIOD */
static void test_letter(void)
{
	static const char *const slots[] = {
		"debt-collector-statement", "debt-description",
		"dispute-call-or-write", "dispute-in-writing", "dispute-electronic",
		"original-creditor", "original-creditor-electronic", "cfpb-website",
		"payment-options", "spanish-offer",
	};
	static const char *const ids[] = {
		"US-REGF-VN-C1", "US-REGF-VN-C2-CREDIT-CARD", "US-REGF-VN-C3-III",
		"US-REGF-VN-C3-I", "US-REGF-VN-DISPUTE-ELECTRONIC", "US-REGF-VN-C3-II",
		"US-REGF-VN-OC-ELECTRONIC", "US-REGF-VN-C3-IV", "US-REGF-VN-D3-PAYMENT",
		"US-REGF-VN-D3-SPANISH",
	};
	struct account a;
	struct verdict v;
	char name[128];
	size_t n;

	account_init(&a);
	eval(&a, NULL, &v);
	is_int(v.outcome, OUTCOME_LETTER, "clean account: a letter");
	is_str(v.letter_code, "validation-notice", "letter is the validation notice");
	is_str(v.language, "en", "language of the account");
	is_str(v.reason_code, "", "no reason code");
	is_str(iso(v.mail_date), "2026-11-24", "mail date: run date + 1 business day");
	/* Thanksgiving Thu 11-26 is skipped. */
	is_str(iso(v.assumed_receipt_date), "2026-12-02", "assumed receipt");
	is_str(iso(v.validation_end_date), "2027-01-01", "validation end date");
	is_str(v.holiday_method, "conservative", "holiday method recorded");
	is_str(v.calendar_version, "US-6103A@2021.06", "calendar version recorded");
	/* v2: the account's jurisdiction, no longer the deciding rule's. */
	is_str(v.jurisdiction, "US-IL", "jurisdiction of the account");
	ok(v.initial_communication, "no history: initial communication");
	ok(v.time_barred == TRI_NO && v.sol_years == 6 &&
	   !strcmp(v.sol_rule_id, "T-SOL-MOST"), "not time-barred, 6 years");

	/* RULE: US-REGF-VN-C1 ... US-REGF-VN-D3-SPANISH: slot order. */
	n = v.ndisclosures < PL_ARRAY_SIZE(slots) ? v.ndisclosures : PL_ARRAY_SIZE(slots);
	is_int(v.ndisclosures, PL_ARRAY_SIZE(slots), "ten disclosures");
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "disclosure %zu is %s (%s)", i + 1,
			 slots[i], ids[i]);
		ok(!strcmp(v.disclosures[i].slot, slots[i]) &&
		   !strcmp(v.disclosures[i].rule_id, ids[i]), name);
	}
	is_str(slot_text(&v, "debt-collector-statement"),
	       "{collector} is a debt collector. We are trying to collect a debt that you owe to {creditor}. We will use any information you give us to help collect the debt.",
	       "(c)(1) text is Model Form B-1's");
	is_str(slot_text(&v, "debt-description"),
	       "You had a credit card from {itemization_creditor} with account number {account_number}.",
	       "credit card description is B-1's sentence");
	is_str(slot_text(&v, "dispute-in-writing"),
	       "If you write to us by {validation_end_date}, we must stop collection on any amount you dispute until we send you information that shows you owe the debt. You may use the form below or write to us without the form. You may also include supporting documents.",
	       "(c)(3)(i) text is B-1's");
	is_str(slot_text(&v, "spanish-offer"),
	       "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
	       "Spanish offer text");
	is_str(v.disclosures[0].citation, "12 CFR 1006.34(c)(1); 12 CFR 1006.18(e)(1)",
	       "disclosure carries its citation");

	/* Hits (v2): SOL, letter choice, validation period, each disclosure. */
	is_int(v.nhits, 3 + PL_ARRAY_SIZE(slots), "hits: SOL, choice, period, disclosures");
	is_str(v.hits[0].rule_id, "T-SOL-MOST", "hit 1 is the statute of limitations");
	is_str(v.hits[1].rule_id, "US-REGF-LETTER-VALIDATION", "hit 2 is the letter choice");
	is_str(v.hits[2].rule_id, "US-REGF-VALIDATION-PERIOD", "hit 3 is the period");
	is_str(v.hits[3].rule_id, "US-REGF-VN-C1", "hit 4 is the first disclosure");
	ok(!strcmp(v.hits[2].source_file, "federal.xml") && v.hits[2].source_line > 1,
	   "hits keep source file (its name in the rules directory) and line");
	is_str(v.hits[2].citation, "12 CFR 1006.34(b)(5)", "hit citation");
	is_str(v.hits[2].title,
	       "Validation period ends 30 days after receipt, assumed 5 business days after mailing",
	       "hit title");
	ok(!v.hits[2].needs_review && v.hits[7].needs_review && v.needs_review,
	   "hit review flags (US-REGF-VN-DISPUTE-ELECTRONIC needs review)");
}

/* RULE: US-REGF-VN-DISPUTE-ELECTRONIC, US-REGF-VN-OC-ELECTRONIC */
static void test_requires(void)
{
	struct account a;
	struct verdict v;

	account_init(&a);
	agency.dispute_url = "";
	eval(&a, NULL, &v);
	is_int(v.ndisclosures, 8, "no dispute_url: eight disclosures");
	ok(!has_slot(&v, "dispute-electronic") &&
	   !has_slot(&v, "original-creditor-electronic"),
	   "no dispute_url: no electronic dispute texts");
	ok(has_slot(&v, "dispute-in-writing") && has_slot(&v, "original-creditor"),
	   "no dispute_url: the written rights stay");
	agency.dispute_url = "https://collector.example/dispute";
	eval(&a, NULL, &v);
	ok(has_slot(&v, "dispute-electronic") &&
	   has_slot(&v, "original-creditor-electronic"),
	   "dispute_url set: electronic dispute texts");
}

/* RULE: US-REGF-VN-C2-CREDIT-CARD, US-REGF-VN-C2-MEDICAL, US-REGF-VN-C2-GENERIC */
static void test_debt_types(void)
{
	static const struct {
		enum debt_type type;
		const char *rule;
	} cases[] = {
		{ DEBT_CREDIT_CARD, "US-REGF-VN-C2-CREDIT-CARD" },
		{ DEBT_MEDICAL, "US-REGF-VN-C2-MEDICAL" },
		{ DEBT_AUTO, "US-REGF-VN-C2-GENERIC" },
		{ DEBT_STUDENT, "US-REGF-VN-C2-GENERIC" },
		{ DEBT_UTILITY, "US-REGF-VN-C2-GENERIC" },
		{ DEBT_TELECOM, "US-REGF-VN-C2-GENERIC" },
		{ DEBT_RENT, "US-REGF-VN-C2-GENERIC" },
		{ DEBT_PERSONAL_LOAN, "US-REGF-VN-C2-GENERIC" },
		{ DEBT_OTHER, "US-REGF-VN-C2-GENERIC" },
	};
	struct account a;
	struct verdict v;
	char name[96];

	account_init(&a);
	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		size_t count = 0;

		a.debt_type = cases[i].type;
		eval(&a, NULL, &v);
		for (size_t j = 0; j < v.ndisclosures; j++)
			count += !strcmp(v.disclosures[j].slot, "debt-description");
		snprintf(name, sizeof(name), "debt type %d: one description by %s",
			 (int)cases[i].type, cases[i].rule);
		ok(count == 1 && !strcmp(slot_rule(&v, "debt-description"),
					 cases[i].rule), name);
	}
	a.debt_type = DEBT_MEDICAL;
	eval(&a, NULL, &v);
	is_str(slot_text(&v, "debt-description"),
	       "You received medical services from {itemization_creditor}, account number {account_number}.",
	       "medical description");
}

/* ---- the letter's language ---- */

/*
 * A rules directory of its own under TMPDIR: the shipped schema, calendar
 * and jurisdiction list, the test SOL table, and either the shipped
 * federal.xml (federal) or a test validation period; then file holding
 * text. OUT: dir. temp_rules_remove() deletes it.
 */
static const char *const temp_links[][2] = {
	{ "rules.rng", RULES_DIR "/rules.rng" },
	{ "calendar-us-6103a.xml", RULES_DIR "/calendar-us-6103a.xml" },
	{ "jurisdictions.xml", RULES_DIR "/jurisdictions.xml" },
	{ "sol.xml", FIXTURES "/minimal/sol.xml" },
	{ "federal.xml", RULES_DIR "/federal.xml" },
};
#define TEMP_PERIOD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<rules xmlns=\"urn:fairnotice:rules:1\" jurisdiction=\"US\" version=\"test-lang\">\n" \
	"  <rule id=\"T-PERIOD\" citation=\"test period\" effective-from=\"2021-11-30\" status=\"verified\">\n" \
	"    <title>test validation period</title>\n" \
	"    <validation-period receipt-business-days=\"5\" period-calendar-days=\"30\"\n" \
	"                       holiday-method=\"strict\" calendar=\"US-6103A\"/>\n" \
	"  </rule>\n"

static void temp_rules(char *dir, size_t size, bool federal, const char *file,
		       const char *text)
{
	const char *tmp = getenv("TMPDIR");
	char path[512];
	FILE *f;

	snprintf(dir, size, "%s/u-decide-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		PL_BUG("cannot create a directory in %s", tmp ? tmp : "/tmp");
	/* federal.xml is the last link. */
	for (size_t i = 0; i < PL_ARRAY_SIZE(temp_links) - !federal; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, temp_links[i][0]);
		if (symlink(temp_links[i][1], path))
			PL_BUG("cannot link %s", path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (!f)
		PL_BUG("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void temp_rules_remove(const char *dir, const char *file)
{
	char path[512];

	for (size_t i = 0; i < PL_ARRAY_SIZE(temp_links); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, temp_links[i][0]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	unlink(path);
	rmdir(dir);
}

/*
 * RULE: 12 CFR 1006.18(e)(4), 1006.34(e): a letter goes in Spanish only
 * when its letter-choice rule lists es and every disclosure chosen for it
 * has a Spanish text; otherwise the whole letter is English. Never both.
 */
static void test_language(void)
{
	struct account a;
	struct verdict v, en;
	struct ruleset *rs = NULL;
	struct pl_diag diag;
	char dir[512], name[256];
	bool differ = true, same_rules = true;

	/* RULE: US-REGF-LETTER-VALIDATION (languages="en es"), US-REGF-VN-* */
	account_init(&a);
	eval(&a, NULL, &en);
	a.language = "es";
	eval(&a, NULL, &v);
	is_str(v.language, "es", "es consumer, every text in Spanish: Spanish letter");
	is_int(v.outcome, OUTCOME_LETTER, "es: a letter");
	is_int(v.ndisclosures, en.ndisclosures - 1,
	       "es: the English letter's disclosures but the offer of a Spanish form");
	ok(!has_slot(&v, "spanish-offer"), "es: no offer of a Spanish form (languages=\"en\")");
	for (size_t i = 0, j = 0; i < v.ndisclosures && j < en.ndisclosures; i++, j++) {
		if (!strcmp(en.disclosures[j].slot, "spanish-offer"))
			j++;
		if (j == en.ndisclosures)
			break;
		same_rules &= !strcmp(v.disclosures[i].rule_id, en.disclosures[j].rule_id);
		differ &= !!strcmp(v.disclosures[i].text, en.disclosures[j].text);
	}
	ok(same_rules, "es: the same rules, in the same order, as the English letter");
	ok(differ, "es: every text differs from the English one (no English sentence)");
	is_str(slot_text(&v, "debt-collector-statement"),
	       "{collector} es un cobrador de deudas. Estamos tratando de collectar una deuda que usted le debe a {creditor}. Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda.",
	       "es: (c)(1) keeps the official file's \"collectar\"");
	ok(strstr(slot_text(&v, "dispute-in-writing"),
		  "Debe utilizar el formulario a continuación") != NULL,
	   "es: (c)(3)(i) keeps the official file's \"Debe utilizar\"");
	is_str(slot_text(&v, "payment-options"), "Contáctenos acerca de sus opciones de pago.",
	       "es: payment options, official Spanish wording");
	ok(!strncmp(slot_text(&v, "cfpb-website"),
		    "Visite www.cfpb.gov/debt-collection para obtener más información sobre sus derechos según la ley federal.",
		    103), "es: CFPB website, official Spanish first sentence");
	is_int(v.nhits, en.nhits - 1, "es: one hit per rule, none twice");
	ok(v.needs_review && v.hits[3].needs_review,
	   "es: the project's translation (US-REGF-VN-C1) flags the letter for review");
	a.debt_type = DEBT_MEDICAL;
	eval(&a, NULL, &v);
	is_str(slot_text(&v, "debt-description"),
	       "Usted recibió servicios médicos de {itemization_creditor}, número de cuenta {account_number}.",
	       "es: medical description in Spanish");
	a.debt_type = DEBT_AUTO;
	eval(&a, NULL, &v);
	is_str(slot_text(&v, "debt-description"),
	       "Su cuenta de {debt_type_label} con {itemization_creditor} tiene el número de cuenta {account_number}.",
	       "es: other debts' description in Spanish");
	a.debt_type = DEBT_CREDIT_CARD;

	/* RULE: US-REGF-MINI-MIRANDA-SUBSEQUENT in Spanish (a letter after the first). */
	a.letter = "reminder";
	a.validation_sent_on = d("2026-09-01");
	eval(&a, NULL, &v);
	is_str(slot_rule(&v, "mini-miranda"), "US-REGF-MINI-MIRANDA-SUBSEQUENT",
	       "reminder: the (e)(2) disclosure");
	is_str(v.language, "es", "reminder, letter-choice lists es: Spanish letter");
	is_str(slot_text(&v, "mini-miranda"),
	       "Esta comunicación proviene de un cobrador de deudas. Este es un intento de cobrar una deuda y cualquier información que se obtenga se usará para ese fin.",
	       "reminder: the (e)(2) text in Spanish");
	a.letter = "auto";
	a.validation_sent_on = PL_NO_DATE;

	/* One disclosure (T-EN) lacks es: the whole letter is English. */
	pl_diag_clear(&diag);
	ok(ruleset_load(&rs, FIXTURES "/spanish", &diag) == PL_OK,
	   "load a rule set issuing the letter in en and es");
	eval_on(rs, "2026-11-23", &a, NULL, &v);
	is_str(v.language, "en", "es consumer, a text without es: English letter");
	is_str(slot_text(&v, "both"), "Contact us about your payment options.",
	       "English letter: the English text of a two-language disclosure (no mixing)");
	ok(!strncmp(slot_text(&v, "english"), "{collector} writes", 18),
	   "English letter: the English-only text");
	is_int(v.nhits, 5, "English letter: SOL, choice, period, two disclosures; the Spanish try left no hit");
	ok(!v.needs_review, "English letter: no review flag left from the Spanish try");
	a.language = "fr";
	eval_on(rs, "2026-11-23", &a, NULL, &v);
	is_str(v.language, "en", "fr: not listed, first language (en)");
	a.language = "es";
	ruleset_free(rs);

	/* The letter-choice rule lacks es: English, though every text has es. */
	temp_rules(dir, sizeof(dir), false, "base.xml", TEMP_PERIOD
		   "  <rule id=\"T-LETTER\" citation=\"test letter\" effective-from=\"2021-11-30\" status=\"verified\">\n"
		   "    <title>test letter in English only</title>\n"
		   "    <letter-choice letter=\"validation-notice\" languages=\"en\" auto=\"true\"/>\n"
		   "  </rule>\n"
		   "  <rule id=\"T-BOTH\" citation=\"test both\" effective-from=\"2021-11-30\" status=\"verified\">\n"
		   "    <title>test text in two languages</title>\n"
		   "    <disclosure slot=\"both\"><text lang=\"en\">Hello.</text><text lang=\"es\">Hola.</text></disclosure>\n"
		   "  </rule>\n</rules>\n");
	pl_diag_clear(&diag);
	ok(ruleset_load(&rs, dir, &diag) == PL_OK, "load a letter issued in English only");
	eval_on(rs, "2026-11-23", &a, NULL, &v);
	is_str(v.language, "en", "es consumer, letter-choice without es: English letter");
	is_str(slot_text(&v, "both"), "Hello.", "letter-choice without es: English text");
	ruleset_free(rs);
	temp_rules_remove(dir, "base.xml");

	/* RULE: 12 CFR 1006.34(e): English is the fallback, listed first. */
	temp_rules(dir, sizeof(dir), false, "base.xml", TEMP_PERIOD
		   "  <rule id=\"T-LETTER-ES\" citation=\"test letter\" effective-from=\"2021-11-30\" status=\"verified\">\n"
		   "    <title>test letter in Spanish first</title>\n"
		   "    <letter-choice letter=\"validation-notice\" languages=\"es en\" auto=\"true\"/>\n"
		   "  </rule>\n</rules>\n");
	pl_diag_clear(&diag);
	rs = (struct ruleset *)&rs;   /* must become NULL */
	ok(ruleset_load(&rs, dir, &diag) == PL_RULE && rs == NULL,
	   "languages=\"es en\": refused as a rules error");
	ok(strstr(diag.message, "languages of rule 'T-LETTER-ES' start with 'es', not 'en'") != NULL &&
	   strstr(diag.file, "base.xml") && diag.line == 10,
	   "languages=\"es en\": message names the rule, file and line");
	temp_rules_remove(dir, "base.xml");

	/*
	 * RULE: US-REGF-VN-REVERSE-POINTER in Spanish: a state text on the
	 * reverse with a Spanish text too (none ships yet) keeps the letter in
	 * Spanish, and the with-slot pass gives the official Spanish pointer.
	 */
	temp_rules(dir, sizeof(dir), true, "state-AZ.xml",
		   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<rules xmlns=\"urn:fairnotice:rules:1\" jurisdiction=\"US-AZ\" version=\"test-lang\">\n"
		   "  <rule id=\"T-AZ-REVERSE\" citation=\"test reverse\" effective-from=\"2021-11-30\" status=\"verified\">\n"
		   "    <title>test state text on the reverse, two languages</title>\n"
		   "    <disclosure slot=\"reverse-notice\" letters=\"validation-notice\">\n"
		   "      <text lang=\"en\">A state notice.</text><text lang=\"es\">Un aviso del estado.</text>\n"
		   "    </disclosure>\n"
		   "  </rule>\n</rules>\n");
	pl_diag_clear(&diag);
	ok(ruleset_load(&rs, dir, &diag) == PL_OK, "load federal.xml and a two-language AZ text");
	a.state = "AZ";
	a.city = "Phoenix";
	a.postal_code = "85004";
	eval_on(rs, "2026-11-23", &a, NULL, &v);
	is_str(v.language, "es", "es consumer in AZ, state text in Spanish too: Spanish letter");
	is_str(slot_text(&v, "reverse-pointer"),
	       "Aviso: Vea al reverso para obtener información importante.",
	       "Spanish letter: the official Spanish pointer to the reverse");
	is_str(slot_text(&v, "reverse-notice"), "Un aviso del estado.",
	       "Spanish letter: the state's Spanish text");
	a.language = "en";
	eval_on(rs, "2026-11-23", &a, NULL, &v);
	is_str(slot_text(&v, "reverse-pointer"),
	       "Notice: See reverse side for important information.",
	       "English letter: the English pointer");
	a.language = "es";
	ruleset_free(rs);
	temp_rules_remove(dir, "state-AZ.xml");

	/*
	 * The shipped rules/: state texts exist only in English, so a Spanish
	 * consumer in CA gets the English letter (with the offer of a Spanish
	 * form); one in AZ or PA, states without texts of their own, a
	 * Spanish one. That is correct and expected.
	 */
	pl_diag_clear(&diag);
	ok(ruleset_load(&rs, RULES_DIR, &diag) == PL_OK, "load rules/");
	agency.licences[0].jurisdiction = (char *)"CA";
	agency.licences[0].number = (char *)"10059-99";
	agency.nlicences = 1;
	a.state = "CA";
	a.city = "Sacramento";
	a.postal_code = "95814";
	eval_on(rs, "2026-11-23", &a, NULL, &v);
	is_int(v.outcome, OUTCOME_LETTER, "rules/, es consumer in CA: a letter");
	is_str(v.language, "en", "rules/, es consumer in CA: English (CA texts are English only)");
	ok(has_slot(&v, "spanish-offer") && has_slot(&v, "reverse-notice"),
	   "rules/, CA: the Rosenthal notice and the offer of a Spanish form");
	is_str(slot_text(&v, "payment-options"), "Contact us about your payment options.",
	       "rules/, CA: no Spanish text in the English letter");
	{
		static const char *const states[][3] = {
			{ "AZ", "Phoenix", "85004" }, { "PA", "Harrisburg", "17101" },
		};

		for (size_t i = 0; i < PL_ARRAY_SIZE(states); i++) {
			a.state = states[i][0];
			a.city = states[i][1];
			a.postal_code = states[i][2];
			eval_on(rs, "2026-11-23", &a, NULL, &v);
			snprintf(name, sizeof(name),
				 "rules/, es consumer in %s (no state texts): Spanish letter",
				 states[i][0]);
			ok(v.outcome == OUTCOME_LETTER && !strcmp(v.language, "es"), name);
		}
	}
	agency_init();
	ruleset_free(rs);
}

/* ---- holds ---- */

static void expect_hold(const struct account *a, const char *reason,
			const char *rule_id, const char *what)
{
	struct verdict v;
	char name[160];

	eval(a, NULL, &v);
	snprintf(name, sizeof(name), "%s: suppressed %s by %s", what, reason, rule_id);
	/* v2: the statute-of-limitations rule is the first hit. */
	ok(v.outcome == OUTCOME_SUPPRESSED && !strcmp(v.reason_code, reason) &&
	   v.nhits == 2 && !strcmp(v.hits[1].rule_id, rule_id) &&
	   v.ndisclosures == 0 && *v.citation && *v.message, name);
	if (strcmp(v.reason_code, reason))
		printf("#   got '%s' (%s)\n", v.reason_code, v.message);
}

static void expect_letter(const struct account *a, const char *what)
{
	struct verdict v;

	eval(a, NULL, &v);
	ok(v.outcome == OUTCOME_LETTER, what);
	if (v.outcome != OUTCOME_LETTER)
		printf("#   got %s: %s\n", v.reason_code, v.message);
}

static void test_holds(void)
{
	struct account a;
	struct verdict v;

	/* RULE: US-REGF-HOLD-CEASE */
	account_init(&a);
	a.cease_requested_on = d("2026-10-02");
	expect_hold(&a, "CEASE_1006.6(c)", "US-REGF-HOLD-CEASE", "cease requested");
	eval(&a, NULL, &v);
	is_str(v.message, "the consumer asked in writing on 2026-10-02 that communication stop",
	       "cease message names the date");
	is_str(v.citation, "12 CFR 1006.6(c); 15 U.S.C. 1692c(c)", "cease citation");
	is_str(v.jurisdiction, "US-IL", "hold verdict: the account's jurisdiction");

	/* RULE: US-REGF-HOLD-DISPUTE */
	account_init(&a);
	a.dispute_received_on = d("2026-10-05");
	expect_hold(&a, "DISPUTE_HOLD", "US-REGF-HOLD-DISPUTE", "dispute, no verification");
	eval(&a, NULL, &v);
	ok(strstr(v.message, "2026-10-05") != NULL, "dispute message names the date");
	a.verification_sent_on = d("2026-10-01");
	expect_hold(&a, "DISPUTE_HOLD", "US-REGF-HOLD-DISPUTE",
		    "dispute after the last verification");
	a.verification_sent_on = d("2026-10-20");
	expect_letter(&a, "dispute answered by a later verification: letter");
	a.verification_sent_on = d("2026-10-05");
	expect_letter(&a, "verification sent the day of the dispute: letter");
	account_init(&a);
	a.verification_sent_on = d("2026-10-05");
	expect_letter(&a, "verification without dispute: letter");

	/* RULE: US-REGF-HOLD-BANKRUPTCY */
	account_init(&a);
	a.bankruptcy = true;
	expect_hold(&a, "BANKRUPTCY_STAY", "US-REGF-HOLD-BANKRUPTCY", "bankruptcy");
	/* RULE: US-REGF-HOLD-REPRESENTED */
	account_init(&a);
	a.attorney_represented = true;
	expect_hold(&a, "REPRESENTED", "US-REGF-HOLD-REPRESENTED", "attorney");
	/* RULE: US-REGF-HOLD-DECEDENT */
	account_init(&a);
	a.deceased = true;
	expect_hold(&a, "DECEDENT_NO_REP", "US-REGF-HOLD-DECEDENT", "deceased");
	/* RULE: US-FCRA-HOLD-IDENTITY-THEFT */
	account_init(&a);
	a.identity_theft_claim = true;
	expect_hold(&a, "IDENTITY_THEFT_CLAIM", "US-FCRA-HOLD-IDENTITY-THEFT",
		    "identity theft claim");

	/* First hold in file order wins. */
	account_init(&a);
	a.bankruptcy = a.deceased = a.identity_theft_claim = true;
	a.cease_requested_on = d("2026-10-02");
	expect_hold(&a, "CEASE_1006.6(c)", "US-REGF-HOLD-CEASE", "all flags: cease first");
	a.cease_requested_on = PL_NO_DATE;
	expect_hold(&a, "BANKRUPTCY_STAY", "US-REGF-HOLD-BANKRUPTCY",
		    "bankruptcy + deceased: bankruptcy first");
	a.bankruptcy = false;
	expect_hold(&a, "DECEDENT_NO_REP", "US-REGF-HOLD-DECEDENT",
		    "deceased + identity theft: deceased first");

	/* A hold beats the already-sent check and the letter code. */
	account_init(&a);
	a.bankruptcy = true;
	a.validation_sent_on = d("2026-09-01");
	a.letter = "reminder";
	expect_hold(&a, "BANKRUPTCY_STAY", "US-REGF-HOLD-BANKRUPTCY",
		    "hold before already-sent and letter code");
}

/* ---- letter choice ---- */

/* RULE: US-REGF-LETTER-VALIDATION, US-LETTER-REMINDER */
static void test_already_sent(void)
{
	struct account a;
	struct account_history h;
	struct verdict v;

	account_init(&a);
	history_init(&h);
	h.validation_sent_on = d("2026-09-14");
	h.validation_piece_id = "FN-test-0001";
	a.letter = "validation-notice";
	eval(&a, &h, &v);
	is_int(v.outcome, OUTCOME_SUPPRESSED, "validation notice asked, sent per ledger: suppressed");
	is_str(v.reason_code, REASON_ALREADY_SENT, "reason VALIDATION_ALREADY_SENT");
	is_str(v.citation, "12 CFR 1006.34(a)(1)", "citation 1006.34(a)(1)");
	is_str(v.message,
	       "validation notice already sent on 2026-09-14 as piece 'FN-test-0001'; it is sent once",
	       "message names date and piece");
	ok(v.nhits == 2 && !strcmp(v.hits[1].rule_id, "US-REGF-LETTER-VALIDATION"),
	   "hit is the letter-choice rule");

	history_init(&h);
	a.validation_sent_on = d("2026-08-03");
	eval(&a, &h, &v);
	is_str(v.reason_code, REASON_ALREADY_SENT, "sent per account file: suppressed");
	is_str(v.message, "validation notice already sent on 2026-08-03; it is sent once",
	       "message without a piece id");
	eval(&a, NULL, &v);
	is_str(v.reason_code, REASON_ALREADY_SENT, "no history at all: account field counts");
	a.validation_sent_on = PL_NO_DATE;
	eval(&a, &h, &v);
	ok(v.outcome == OUTCOME_LETTER && !strcmp(v.letter_code, "validation-notice"),
	   "explicit validation-notice, none sent: letter");

	/* v2 (changed): "auto" after the validation notice is the series' next. */
	a.letter = "auto";
	a.validation_sent_on = d("2026-08-03");
	eval(&a, NULL, &v);
	ok(v.outcome == OUTCOME_LETTER && !strcmp(v.letter_code, "reminder"),
	   "auto, validation notice sent: the reminder");
	ok(!v.initial_communication && !strcmp(slot_text(&v, "mini-miranda"),
	   "This communication is from a debt collector. This is an attempt to collect a debt and any information obtained will be used for that purpose."),
	   "RULE: US-REGF-MINI-MIRANDA-SUBSEQUENT: the reminder carries the (e)(2) text");
	is_int(v.ndisclosures, 1, "the reminder has no validation-notice disclosure");
	history_init(&h);
	h.validation_sent_on = d("2026-10-01");
	h.last_letter_code = "validation-notice";
	h.last_letter_date = d("2026-10-30");
	eval(&a, &h, &v);
	ok(v.outcome == OUTCOME_DEFERRED && !strcmp(v.reason_code, "WAITING_PERIOD") &&
	   v.deferred_until == d("2026-11-29"),
	   "reminder within 30 days of the last letter: deferred WAITING_PERIOD");
	h.last_letter_code = "reminder";
	h.last_letter_date = d("2026-09-01");
	eval(&a, &h, &v);
	ok(v.outcome == OUTCOME_SUPPRESSED && !strcmp(v.reason_code, REASON_NO_LETTER),
	   "after the last letter of the series: NO_LETTER_TYPE");
	is_str(v.message, "the letter series 'validation-notice reminder' ends after 'reminder'",
	       "message names the series");
}

static void test_other_letters(void)
{
	struct account a;
	struct verdict v;

	account_init(&a);
	a.letter = "no-such-letter";
	eval(&a, NULL, &v);
	is_int(v.outcome, OUTCOME_SUPPRESSED, "letter 'no-such-letter': suppressed");
	is_str(v.reason_code, REASON_NO_LETTER, "reason NO_LETTER_TYPE");
	is_str(v.message, "no letter-choice rule for letter 'no-such-letter' in force on mail date 2026-11-24",
	       "message names the letter");
	is_int(v.nhits, 1, "only the SOL rule fired");
	a.letter = "";
	eval(&a, NULL, &v);
	is_int(v.outcome, OUTCOME_LETTER, "empty letter code means auto");

	/* Before Regulation F took effect no rule is in force (v2: the SOL
	 * table comes first, so the account is deferred, still fail closed). */
	a.letter = "auto";
	eval_on(rules, "2021-06-01", &a, NULL, &v);
	ok(v.outcome == OUTCOME_DEFERRED && !strcmp(v.reason_code, "SOL_UNKNOWN"),
	   "mail date before 2021-11-30: no letter (fail closed)");
	is_str(v.message,
	       "no statute-of-limitations rule for state 'IL' in force on mail date 2021-06-02",
	       "message names the state and the mail date");
}

static void test_rejected(void)
{
	struct account a;
	struct verdict v;

	account_init(&a);
	a.rejected = true;
	a.reject.code = "BAD_DATE";
	a.reject.field = "itemization_date";
	a.reject.message = "cannot parse date '2026-02-30'";
	eval(&a, NULL, &v);
	ok(v.outcome == OUTCOME_REJECTED && !strcmp(v.reason_code, "BAD_DATE") &&
	   !strcmp(v.message, a.reject.message) && v.nhits == 0,
	   "a rejected record stays rejected");
}

static void test_mail_date(void)
{
	agency.mail_drop_business_days = 1;
	is_str(iso(decide_mail_date(rules, &agency, d("2026-11-25"))), "2026-11-27",
	       "mail date skips Thanksgiving");
	agency.mail_drop_business_days = 2;
	is_str(iso(decide_mail_date(rules, &agency, d("2026-07-02"))), "2026-07-07",
	       "mail date skips observed July 3 and the weekend");
	agency.mail_drop_business_days = 0;
	is_str(iso(decide_mail_date(rules, &agency, d("2026-11-21"))), "2026-11-23",
	       "0 days from a Saturday: Monday");
	agency.mail_drop_business_days = 1;
}

/* ---- effective dates (fixtures/rules/edges) ---- */

static void test_edges(void)
{
	struct ruleset *edges = NULL;
	struct pl_diag diag;
	struct account a;
	struct verdict v;
	char msg[1024];

	pl_diag_clear(&diag);
	ok(ruleset_load(&edges, FIXTURES "/edges", &diag) == PL_OK,
	   "load fixtures/rules/edges");
	if (!edges) {
		printf("# %s\n", pl_diag_format(&diag, msg, sizeof(msg)));
		return;
	}
	account_init(&a);
	a.bankruptcy = true;

	/* RULE: T-HOLD-DECEMBER (effective 2026-12-01 to 2026-12-31) */
	eval_on(edges, "2026-11-27", &a, NULL, &v);   /* mail Mon 11-30 */
	ok(v.outcome == OUTCOME_LETTER && v.mail_date == d("2026-11-30"),
	   "mail date the day before effective-from: hold does not fire");
	ok(!has_slot(&v, "december"), "... nor its disclosure");
	is_str(v.holiday_method, "strict", "fixture's period uses the strict method");
	is_str(slot_text(&v, "first"), "{collector} writes to you.",
	       "whitespace in texts is normalised");

	eval_on(edges, "2026-11-30", &a, NULL, &v);   /* mail Tue 12-01 */
	ok(v.outcome == OUTCOME_SUPPRESSED && !strcmp(v.reason_code, "TEST_HOLD"),
	   "mail date on effective-from: hold fires");
	is_str(v.jurisdiction, "US-IL", "jurisdiction of the account");
	a.bankruptcy = false;
	eval_on(edges, "2026-11-30", &a, NULL, &v);
	ok(v.outcome == OUTCOME_LETTER && has_slot(&v, "december"),
	   "mail date on effective-from: disclosure applies");
	a.bankruptcy = true;

	eval_on(edges, "2026-12-29", &a, NULL, &v);   /* mail Wed 12-30 */
	ok(v.outcome == OUTCOME_SUPPRESSED, "day before effective-to: hold fires");
	eval_on(edges, "2026-12-30", &a, NULL, &v);   /* mail Thu 12-31 */
	ok(v.outcome == OUTCOME_LETTER && v.mail_date == d("2026-12-31") &&
	   !has_slot(&v, "december"),
	   "mail date on effective-to: neither rule applies");
	ruleset_free(edges);
}

/* ---- broken rule sets ---- */

static void test_broken(void)
{
	static const struct {
		const char *dir;
		const char *file;     /* file named in the message */
		bool line;            /* a line number is expected */
		const char *rule_id;  /* "" when none */
		const char *words;    /* part of the message */
	} cases[] = {
		{ "bad-xml", "bad-xml/broken.xml", true, "", "cannot parse XML" },
		{ "bad-schema", "bad-schema/broken.xml", true, "T-SCHEMA",
		  "do not match the schema" },
		{ "bad-duplicate-id", "bad-duplicate-id/broken.xml", true, "T-TEXT",
		  "duplicate rule id 'T-TEXT', first defined at" },
		{ "bad-hold-condition", "bad-hold-condition/broken.xml", true,
		  "T-HOLD-LAWSUIT", "unknown hold condition 'lawsuit_pending'" },
		{ "bad-placeholder", "bad-placeholder/broken.xml", true, "T-BALANCE",
		  "unknown placeholder '{balance}'" },
		{ "bad-message-placeholder", "bad-message-placeholder/broken.xml", true,
		  "T-HOLD-MSG", "unknown placeholder '{bankruptcy_filed_on}'" },
		{ "bad-brace", "bad-brace/broken.xml", true, "T-BRACE", "unbalanced brace" },
		{ "bad-date", "bad-date/broken.xml", true, "T-DATE",
		  "bad date '2026-02-30' in effective-from" },
		{ "bad-date-order", "bad-date-order/broken.xml", true, "T-ORDER",
		  "effective-to is not after effective-from" },
		{ "bad-debt-type", "bad-debt-type/broken.xml", true, "T-DEBT",
		  "unknown debt type 'payday'" },
		{ "bad-no-english", "bad-no-english/broken.xml", true, "T-ES",
		  "without an English text" },
		{ "bad-no-period", "bad-no-period", false, "",
		  "no validation-period rule" },
		{ "bad-no-calendar", "bad-no-calendar", false, "", "no <calendar> file" },
		{ "bad-calendar-name", "bad-calendar-name/rules.xml", true, "T-PERIOD",
		  "unknown calendar 'US-LUNAR'" },
		{ "bad-calendar-day", "bad-calendar-day/calendar-us-6103a.xml", true, "",
		  "bad day '30'" },
		{ "bad-too-many", "bad-too-many", false, "",
		  "letter 'validation-notice' has 63 disclosure rules and 63 rules that may fire, more than 61" },
		{ "bad-no-schema", "bad-no-schema/rules.rng", false, "", "cannot open" },
		{ "no-such-dir", "no-such-dir", false, "", "cannot open the rules directory" },
	};
	char name[256], msg[1024], dir[256];

	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		struct ruleset *rs = (struct ruleset *)&rs;   /* must become NULL */
		struct pl_diag diag;
		int rc;

		pl_diag_clear(&diag);
		snprintf(dir, sizeof(dir), "%s/%s", FIXTURES, cases[i].dir);
		rc = ruleset_load(&rs, dir, &diag);
		pl_diag_format(&diag, msg, sizeof(msg));
		printf("# %s: %s\n", cases[i].dir, msg);
		snprintf(name, sizeof(name), "%s: refused as a rules error", cases[i].dir);
		ok(rc == PL_RULE && rs == NULL && diag.status == PL_RULE, name);
		snprintf(name, sizeof(name), "%s: message says '%s'", cases[i].dir,
			 cases[i].words);
		ok(strstr(diag.message, cases[i].words) != NULL, name);
		snprintf(name, sizeof(name), "%s: names %s%s", cases[i].dir,
			 cases[i].file, cases[i].line ? ":line" : "");
		ok(strstr(diag.file, cases[i].file) != NULL &&
		   (!cases[i].line || diag.line > 0), name);
		if (*cases[i].rule_id) {
			snprintf(name, sizeof(name), "%s: names rule %s", cases[i].dir,
				 cases[i].rule_id);
			is_str(diag.rule_id, cases[i].rule_id, name);
		}
	}
}

int main(void)
{
	arena_init(&arena);
	agency_init();
	test_load();
	test_letter();
	test_requires();
	test_debt_types();
	test_language();
	test_holds();
	test_already_sent();
	test_other_letters();
	test_rejected();
	test_mail_date();
	test_edges();
	test_broken();
	ruleset_free(rules);
	arena_release(&arena);
	return tap_done();
}
