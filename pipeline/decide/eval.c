/*
 * eval.c: apply a compiled rule set to one account (see decide.h).
 *
 * The order of a decision, each step citing the rule that made it:
 *   1. the mail date (run date + the agency's mail-drop business days);
 *      every rule is then taken as in force or not on that date;
 *   2. holds, in file order: the first that matches suppresses;
 *   3. the letter choice: which letter the account asks for ("auto" or
 *      a code), and whether the validation notice already went out;
 *   4. the validation-period rule: assumed receipt and end dates;
 *   5. the disclosures of that letter, in file order.
 * C knows only the vocabulary of conditions (hold_matches) and of message
 * placeholders (message_value); every text, reason code and citation comes
 * from the rules data. Nothing here allocates outside the arena.
 */
#include "../pl.h"
#include "decide.h"
#include "decide-int.h"
#include "../core/date.h"

/* ---- the verdict ---- */

static void add_hit(struct verdict *out, const struct rule *r)
{
	struct rule_hit *h;

	/* ruleset.c's check_set() bounds the hits of any letter. */
	if (out->nhits == PL_MAX_RULE_HITS)
		PL_BUG("more than %d rule hits", PL_MAX_RULE_HITS);
	h = &out->hits[out->nhits++];
	h->rule_id = r->id;
	h->citation = r->citation;
	h->source_file = r->source_file;
	h->source_line = r->source_line;
}

static void suppress(struct verdict *out, const char *reason,
		     const char *citation, const char *message)
{
	out->outcome = OUTCOME_SUPPRESSED;
	out->reason_code = reason;
	out->citation = citation;
	out->message = message;
}

/* ---- messages ---- */

struct message_env {
	const struct account *account;
	const struct account_history *history;
	int validation_sent_on;
	struct arena *arena;
};

static const char *iso_or_empty(struct arena *arena, int date)
{
	char iso[PL_DATE_ISO_LEN];

	return date == PL_NO_DATE ? "" : arena_strdup(arena, date_format_iso(date, iso));
}

/* Value of a message placeholder (ruleset.c's message_placeholders). */
static const char *message_value(const struct message_env *env,
				 const char *name, size_t len)
{
	const struct account *a = env->account;

#define IS(s) (len == sizeof(s) - 1 && !memcmp(name, s, len))
	if (IS("cease_requested_on"))
		return iso_or_empty(env->arena, a->cease_requested_on);
	if (IS("dispute_received_on"))
		return iso_or_empty(env->arena, a->dispute_received_on);
	if (IS("verification_sent_on"))
		return iso_or_empty(env->arena, a->verification_sent_on);
	if (IS("validation_sent_on"))
		return iso_or_empty(env->arena, env->validation_sent_on);
	if (IS("validation_piece_id"))
		return env->history && env->history->validation_piece_id ?
		       env->history->validation_piece_id : "";
#undef IS
	PL_BUG("placeholder '%.*s' passed the loader", (int)len, name);
}

/* text with its {placeholders} filled in, in the arena. */
static const char *expand(const struct message_env *env, const char *text)
{
	size_t cap = strlen(text) + 1;
	const char *s;

	/* First pass: size. Placeholders were checked when loading. */
	for (s = text; (s = strchr(s, '{')) != NULL; s++) {
		const char *end = strchr(s, '}');

		cap += strlen(message_value(env, s + 1, (size_t)(end - s - 1)));
	}
	{
		char *out = arena_alloc(env->arena, cap), *o = out;

		for (s = text; *s;) {
			const char *end;
			const char *v;

			if (*s != '{') {
				*o++ = *s++;
				continue;
			}
			end = strchr(s, '}');
			v = message_value(env, s + 1, (size_t)(end - s - 1));
			memcpy(o, v, strlen(v));
			o += strlen(v);
			s = end + 1;
		}
		*o = '\0';
		return out;
	}
}

/* ---- holds ---- */

/* RULE: US-REGF-HOLD-CEASE, US-REGF-HOLD-DISPUTE, US-REGF-HOLD-BANKRUPTCY,
 * US-REGF-HOLD-REPRESENTED, US-REGF-HOLD-DECEDENT, US-FCRA-HOLD-IDENTITY-THEFT:
 * what each condition word of the rules data means for an account. */
static bool hold_matches(enum hold_condition when, const struct account *a)
{
	switch (when) {
	case HOLD_CEASE_REQUESTED:
		return a->cease_requested_on != PL_NO_DATE;
	case HOLD_DISPUTE_PENDING:
		/* Verification sent the same day or later answers it. */
		return a->dispute_received_on != PL_NO_DATE &&
		       (a->verification_sent_on == PL_NO_DATE ||
			a->verification_sent_on < a->dispute_received_on);
	case HOLD_BANKRUPTCY:
		return a->bankruptcy;
	case HOLD_ATTORNEY_REPRESENTED:
		return a->attorney_represented;
	case HOLD_DECEASED:
		/* No estate-representative field exists: always held. */
		return a->deceased;
	case HOLD_IDENTITY_THEFT_CLAIM:
		return a->identity_theft_claim;
	}
	PL_BUG("hold condition %d", (int)when);
}

/* ---- letters and disclosures ---- */

static const struct rule *find_letter_choice(const struct ruleset *rules,
					     const char *letter, int date)
{
	bool want_auto = !*letter || !strcmp(letter, "auto");

	for (size_t i = 0; i < rules->nrules; i++) {
		const struct rule *r = &rules->rules[i];

		if (r->kind != RULE_LETTER_CHOICE || !rule_in_force(r, date))
			continue;
		if (want_auto ? r->choice.is_auto : !strcmp(r->choice.letter, letter))
			return r;
	}
	return NULL;
}

static const struct rule *find_period(const struct ruleset *rules, int date)
{
	for (size_t i = 0; i < rules->nrules; i++)
		if (rules->rules[i].kind == RULE_VALIDATION_PERIOD &&
		    rule_in_force(&rules->rules[i], date))
			return &rules->rules[i];
	return NULL;
}

static const char *agency_field(const struct agency *agency,
				enum agency_field field)
{
	const char *v = NULL;

	switch (field) {
	case AGENCY_FIELD_NONE:
		return "always";
	case AGENCY_FIELD_DISPUTE_URL:
		v = agency->dispute_url;
		break;
	case AGENCY_FIELD_PORTAL_URL:
		v = agency->portal_url;
		break;
	case AGENCY_FIELD_WEBSITE:
		v = agency->website;
		break;
	}
	return v ? v : "";
}

static bool word_in(const char *const *words, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(words[i], word))
			return true;
	return false;
}

static bool disclosure_applies(const struct rule *r, const char *letter,
			       const struct account *a, const char *language,
			       const struct agency *agency)
{
	return word_in(r->disclosure.letters, r->disclosure.nletters, letter) &&
	       (!r->disclosure.debt_types ||
		(r->disclosure.debt_types & (1u << a->debt_type))) &&
	       (!r->disclosure.nlanguages ||
		word_in(r->disclosure.languages, r->disclosure.nlanguages, language)) &&
	       *agency_field(agency, r->disclosure.requires);
}

/* The text for language, else the English one (the loader requires it). */
static const char *disclosure_text(const struct rule *r, const char *language)
{
	const char *en = NULL;

	for (size_t i = 0; i < r->disclosure.ntexts; i++) {
		if (!strcmp(r->disclosure.texts[i].lang, language))
			return r->disclosure.texts[i].text;
		if (!strcmp(r->disclosure.texts[i].lang, "en"))
			en = r->disclosure.texts[i].text;
	}
	if (!en)
		PL_BUG("disclosure '%s' without English text", r->id);
	return en;
}

static void add_disclosures(const struct ruleset *rules, const char *letter,
			    const struct account *a, const struct agency *agency,
			    int date, struct verdict *out)
{
	for (size_t i = 0; i < rules->nrules; i++) {
		const struct rule *r = &rules->rules[i];
		struct disclosure *d;

		if (r->kind != RULE_DISCLOSURE || !rule_in_force(r, date) ||
		    !disclosure_applies(r, letter, a, out->language, agency))
			continue;
		if (out->ndisclosures == PL_MAX_DISCLOSURES)
			PL_BUG("more than %d disclosures", PL_MAX_DISCLOSURES);
		d = &out->disclosures[out->ndisclosures++];
		d->slot = r->disclosure.slot;
		d->rule_id = r->id;
		d->citation = r->citation;
		d->text = disclosure_text(r, out->language);
		add_hit(out, r);
	}
}

/* ---- the entry points ---- */

int decide_mail_date(const struct ruleset *rules, const struct agency *agency,
		     int run_date)
{
	/* The post office is closed on observed days too: always skip them. */
	return calendar_add_business_days(rules->calendar, run_date,
					  agency->mail_drop_business_days,
					  CALENDAR_CONSERVATIVE);
}

static const struct rule *first_hold(const struct ruleset *rules,
				     const struct account *a, int date)
{
	for (size_t i = 0; i < rules->nrules; i++) {
		const struct rule *r = &rules->rules[i];

		if (r->kind == RULE_HOLD && rule_in_force(r, date) &&
		    hold_matches(r->hold.when, a))
			return r;
	}
	return NULL;
}

/* The first message whose requires= placeholder has a value. */
static const char *choose_message(const struct message_env *env,
				  const struct rule_message *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!msgs[i].requires ||
		    *message_value(env, msgs[i].requires, strlen(msgs[i].requires)))
			return expand(env, msgs[i].text);
	return "";
}

int decide_eval(const struct ruleset *rules, const struct decide_ctx *ctx,
		const struct account *account,
		const struct account_history *history, struct arena *arena,
		struct verdict *out)
{
	struct message_env env = { account, history, PL_NO_DATE, arena };
	const struct rule *r, *period;
	char iso[PL_DATE_ISO_LEN];
	int date;

	memset(out, 0, sizeof(*out));
	out->reason_code = "";
	out->citation = "";
	out->message = "";
	out->deferred_until = PL_NO_DATE;
	out->letter_code = "";
	out->language = account->language && *account->language ?
			account->language : "en";
	out->mail_date = PL_NO_DATE;
	out->assumed_receipt_date = PL_NO_DATE;
	out->validation_end_date = PL_NO_DATE;
	out->holiday_method = "";
	out->calendar_version = calendar_version(rules->calendar);
	out->jurisdiction = "";

	if (account->rejected) {
		/* Ingest's verdict stands; decide adds nothing to it. */
		out->outcome = OUTCOME_REJECTED;
		out->reason_code = account->reject.code ? account->reject.code : "";
		out->message = account->reject.message ? account->reject.message : "";
		return PL_OK;
	}
	if (ctx->run_date == PL_NO_DATE)
		PL_BUG("decide_eval without a run date");

	/* 1. Every rule is judged on the date the letter would be mailed. */
	date = decide_mail_date(rules, ctx->agency, ctx->run_date);
	out->mail_date = date;

	/* 2. Holds: the first match decides. */
	r = first_hold(rules, account, date);
	if (r) {
		suppress(out, r->hold.reason, r->citation,
			 expand(&env, r->hold.message.text));
		out->jurisdiction = r->jurisdiction;
		add_hit(out, r);
		return PL_OK;
	}

	/* 3. Which letter. RULE: US-REGF-LETTER-VALIDATION */
	r = find_letter_choice(rules, account->letter ? account->letter : "", date);
	if (!r) {
		const char *letter = account->letter ? account->letter : "";

		if (*letter && strcmp(letter, "auto"))
			suppress(out, REASON_NO_LETTER, "",
				 arena_printf(arena, "no template for letter '%s' in this release",
					      letter));
		else
			suppress(out, REASON_NO_LETTER, "",
				 arena_printf(arena, "no letter rule in force on mail date %s",
					      date_format_iso(date, iso)));
		return PL_OK;
	}
	out->jurisdiction = r->jurisdiction;
	add_hit(out, r);
	/*
	 * The letter goes in the consumer's language only where the rule says
	 * that letter exists in it; otherwise in the rule's first language
	 * (English), which Reg F permits. Every disclosure below follows this
	 * one language, so a letter never mixes two.
	 */
	if (!word_in(r->choice.languages, r->choice.nlanguages, out->language))
		out->language = r->choice.languages[0];
	if (r->choice.already_sent_reason) {
		/* Our ledger first: it knows the piece id. */
		if (history && history->validation_sent_on != PL_NO_DATE)
			env.validation_sent_on = history->validation_sent_on;
		else
			env.validation_sent_on = account->validation_sent_on;
		if (env.validation_sent_on != PL_NO_DATE) {
			suppress(out, r->choice.already_sent_reason, r->citation,
				 choose_message(&env, r->choice.messages,
						r->choice.nmessages));
			return PL_OK;
		}
	}

	/* 4. Dates. RULE: US-REGF-VALIDATION-PERIOD */
	period = find_period(rules, date);
	if (!period) {
		suppress(out, REASON_NO_RULE, "",
			 arena_printf(arena, "no validation-period rule in force on mail date %s",
				      date_format_iso(date, iso)));
		return PL_OK;
	}
	add_hit(out, period);
	calendar_validation_dates(rules->calendar, date,
				  period->period.receipt_business_days,
				  period->period.period_calendar_days,
				  period->period.method,
				  &out->assumed_receipt_date,
				  &out->validation_end_date);
	out->holiday_method = calendar_method_name(period->period.method);

	/* 5. The letter and its disclosures. */
	out->outcome = OUTCOME_LETTER;
	out->letter_code = r->choice.letter;
	add_disclosures(rules, r->choice.letter, account, ctx->agency, date, out);
	return PL_OK;
}
