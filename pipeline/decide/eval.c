/*
 * eval.c: apply a compiled rule set to one account (see decide.h and
 * rules/README.md, "The decision, in order").
 *
 *   1. jurisdiction: the mailing state (unknown: rejected UNKNOWN_STATE)
 *      and the city by ZIP; only rules of those jurisdictions apply;
 *   2. statute of limitations: time-barred on the mail date, or deferred
 *      SOL_UNKNOWN when no rule covers the state;
 *   3. holds, federal then state then city: the first match decides;
 *   4. licences: suppressed UNLICENSED without one where required;
 *   5. the letter: the agency's series (or the account's code), already
 *      sent, overshadowing, waiting period, its language;
 *   6. data the rules need: deferred DATA_MISSING:<field>;
 *   7. contact limits that count letters: deferred FREQ_LIMIT:<where>;
 *   8. dates: mail date, assumed receipt, validation end;
 *   9. the disclosures of the letter's slots, in evaluation order, then
 *      those that need another slot filled (with-slot), all in the
 *      letter's language: English when one of them has no text in the
 *      consumer's (one language per letter).
 * Every rule is judged on the mail date. Every non-rejected account then
 * gets its contact plan (plan.c). C knows only the vocabulary of
 * conditions and placeholders; every text, reason code and citation of a
 * rule comes from the rules data. Nothing here allocates outside the arena.
 */
#include "../pl.h"
#include "decide.h"
#include "decide-int.h"
#include "../core/date.h"

/* ---- the verdict ---- */

static void add_hit(struct verdict *out, const struct rule *r)
{
	struct rule_hit *h;

	/* ruleset.c's check_counts() bounds the hits of any letter. */
	if (out->nhits == PL_MAX_RULE_HITS)
		PL_BUG("more than %d rule hits", PL_MAX_RULE_HITS);
	h = &out->hits[out->nhits++];
	h->rule_id = r->id;
	h->citation = r->citation;
	h->title = r->title;
	h->source_file = r->source_file;
	h->source_line = r->source_line;
	h->needs_review = r->needs_review;
	out->needs_review |= r->needs_review;
}

static void set_outcome(struct verdict *out, enum outcome outcome,
			const char *reason, const char *citation,
			const char *message, int until)
{
	out->outcome = outcome;
	out->reason_code = reason;
	out->citation = citation;
	out->message = message;
	out->deferred_until = outcome == OUTCOME_DEFERRED ? until : PL_NO_DATE;
	/* A letter that does not go carries no disclosure. */
	out->ndisclosures = 0;
}

static void suppress(struct verdict *out, const char *reason,
		     const char *citation, const char *message)
{
	set_outcome(out, OUTCOME_SUPPRESSED, reason, citation, message, PL_NO_DATE);
}

static void defer(struct verdict *out, const char *reason, const char *citation,
		  const char *message, int until)
{
	set_outcome(out, OUTCOME_DEFERRED, reason, citation, message, until);
}

static const char *iso_or_empty(struct arena *arena, int date)
{
	char iso[PL_DATE_ISO_LEN];

	return date == PL_NO_DATE ? "" : arena_strdup(arena, date_format_iso(date, iso));
}

/* DEFERRED DATA_MISSING:<field> because rule r needs it. */
static void defer_missing(const struct eval_ctx *ec, struct verdict *out,
			  const struct rule *r, const char *prefix,
			  const char *field)
{
	defer(out, arena_printf(ec->arena, "%s:%s", prefix, field), r->citation,
	      arena_printf(ec->arena, "rule '%s' needs '%s', which the account does not give",
			   r->id, field),
	      PL_NO_DATE);
}

/* ---- messages ---- */

/* Value of a message placeholder (ruleset.c's message_placeholders). */
static const char *message_value(const struct eval_ctx *ec, const char *name,
				 size_t len)
{
	const struct account *a = ec->account;

#define IS(s) (len == sizeof(s) - 1 && !memcmp(name, s, len))
	if (IS("cease_requested_on"))
		return iso_or_empty(ec->arena, a->cease_requested_on);
	if (IS("dispute_received_on"))
		return iso_or_empty(ec->arena, a->dispute_received_on);
	if (IS("verification_sent_on"))
		return iso_or_empty(ec->arena, a->verification_sent_on);
	if (IS("validation_sent_on"))
		return iso_or_empty(ec->arena, ec->validation_sent_on);
	if (IS("validation_piece_id"))
		return ec->history && ec->history->validation_piece_id ?
		       ec->history->validation_piece_id : "";
	if (IS("sol_expires_on"))
		return iso_or_empty(ec->arena, ec->sol_expires_on);
	if (IS("state"))
		return a->state ? a->state : "";
#undef IS
	PL_BUG("placeholder '%.*s' passed the loader", (int)len, name);
}

/* text with its {placeholders} filled in, in the arena. */
static const char *expand(const struct eval_ctx *ec, const char *text)
{
	size_t cap = strlen(text) + 1;
	const char *s;
	char *out, *o;

	/* First pass: size. Placeholders were checked when loading. */
	for (s = text; (s = strchr(s, '{')) != NULL; s++) {
		const char *end = strchr(s, '}');

		cap += strlen(message_value(ec, s + 1, (size_t)(end - s - 1)));
	}
	out = o = arena_alloc(ec->arena, cap);
	for (s = text; *s;) {
		const char *end, *v;

		if (*s != '{') {
			*o++ = *s++;
			continue;
		}
		end = strchr(s, '}');
		v = message_value(ec, s + 1, (size_t)(end - s - 1));
		memcpy(o, v, strlen(v));
		o += strlen(v);
		s = end + 1;
	}
	*o = '\0';
	return out;
}

/* The first message whose requires= placeholder has a value. */
static const char *choose_message(const struct eval_ctx *ec,
				  const struct rule_message *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!msgs[i].requires ||
		    *message_value(ec, msgs[i].requires, strlen(msgs[i].requires)))
			return expand(ec, msgs[i].text);
	return "";
}

/* ---- account fields <requires-data> may name ---- */

enum field_kind { FIELD_STRING, FIELD_DATE, FIELD_AMOUNT, FIELD_COUNT, FIELD_TRI };

#define FIELD(name, kind) { #name, kind, offsetof(struct account, name) }
static const struct {
	const char *name;
	enum field_kind kind;
	size_t offset;
} account_fields[] = {
	FIELD(consumer_id, FIELD_STRING),
	FIELD(creditor_name, FIELD_STRING),
	FIELD(original_creditor, FIELD_STRING),
	FIELD(creditor_account_ref, FIELD_STRING),
	FIELD(middle_name, FIELD_STRING),
	FIELD(name_suffix, FIELD_STRING),
	FIELD(address_line2, FIELD_STRING),
	FIELD(portal_code, FIELD_STRING),
	FIELD(itemization_date, FIELD_DATE),
	FIELD(delinquency_date, FIELD_DATE),
	FIELD(last_payment_date, FIELD_DATE),
	FIELD(charge_off_date, FIELD_DATE),
	FIELD(validation_sent_on, FIELD_DATE),
	FIELD(settlement_expires_on, FIELD_DATE),
	FIELD(plan_first_due, FIELD_DATE),
	/* Money and counts whose absence is 0 (model.h). */
	FIELD(settlement_amount, FIELD_AMOUNT),
	FIELD(plan_installment, FIELD_AMOUNT),
	FIELD(plan_count, FIELD_COUNT),
	FIELD(debt_buyer, FIELD_TRI),
};
#undef FIELD

bool account_field_known(const char *name)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(account_fields); i++)
		if (!strcmp(account_fields[i].name, name))
			return true;
	return false;
}

bool account_field_missing(const struct account *a, const char *name)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(account_fields); i++) {
		const char *p = (const char *)a + account_fields[i].offset;

		if (strcmp(account_fields[i].name, name))
			continue;
		switch (account_fields[i].kind) {
		case FIELD_STRING: {
			const char *s = *(const char *const *)(const void *)p;

			return !s || !*s;
		}
		case FIELD_DATE:
			return *(const int *)(const void *)p == PL_NO_DATE;
		case FIELD_AMOUNT:
			return *(const int64_t *)(const void *)p == 0;
		case FIELD_COUNT:
			return *(const int *)(const void *)p == 0;
		case FIELD_TRI:
			return *(const enum tristate *)(const void *)p == TRI_UNKNOWN;
		}
	}
	PL_BUG("account field '%s' passed the loader", name);
}

/* ---- scope and conditions ---- */

bool word_in(const char *const *words, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(words[i], word))
			return true;
	return false;
}

bool rule_in_scope(const struct rule *r, const struct eval_ctx *ec)
{
	switch (r->level) {
	case 0:
		return true;
	case 1:
		return !strcmp(r->scope_state, ec->state->code);
	default:
		return ec->city && !strcmp(r->jurisdiction, ec->city->id);
	}
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

static bool verdict_has_slot(const struct verdict *v, const char *slot)
{
	for (size_t i = 0; v && i < v->ndisclosures; i++)
		if (!strcmp(v->disclosures[i].slot, slot))
			return true;
	return false;
}

enum cond_result cond_check(const struct rule_cond *c, const struct eval_ctx *ec,
			    const char **missing)
{
	const struct account *a = ec->account;

	if (c->nletters && !word_in(c->letters, c->nletters, ec->letter))
		return COND_FALSE;
	if (c->debt_types && !(c->debt_types & (1u << a->debt_type)))
		return COND_FALSE;
	if (c->nlanguages && !word_in(c->languages, c->nlanguages, ec->language))
		return COND_FALSE;
	if (c->nstates && !word_in(c->states, c->nstates, ec->state->code))
		return COND_FALSE;
	if (c->noutside &&
	    (word_in(c->outside, c->noutside, ec->state->jurisdiction) ||
	     (ec->city && word_in(c->outside, c->noutside, ec->city->id))))
		return COND_FALSE;
	/* Unknown (no SOL determination yet) never satisfies yes or no. */
	if (c->time_barred && c->time_barred != ec->time_barred)
		return COND_FALSE;
	if (c->obsolete && c->obsolete != ec->obsolete)
		return COND_FALSE;
	if ((c->communication == COMMUNICATION_INITIAL && !ec->initial) ||
	    (c->communication == COMMUNICATION_SUBSEQUENT && ec->initial))
		return COND_FALSE;
	if (c->itemization_types &&
	    !(c->itemization_types & (1u << a->itemization_date_type)))
		return COND_FALSE;
	if (c->requires && !*agency_field(ec->agency, c->requires))
		return COND_FALSE;
	if (c->with_slot && !verdict_has_slot(ec->verdict, c->with_slot))
		return COND_FALSE;
	/* Last: everything else holds, so the answer depends on this. */
	if (c->debt_buyer) {
		if (a->debt_buyer == TRI_UNKNOWN) {
			*missing = "debt_buyer";
			return COND_MISSING;
		}
		if (a->debt_buyer != c->debt_buyer)
			return COND_FALSE;
	}
	return COND_TRUE;
}

/* RULE: US-REGF-HOLD-CEASE, US-REGF-HOLD-DISPUTE, US-REGF-HOLD-BANKRUPTCY,
 * US-REGF-HOLD-REPRESENTED, US-REGF-HOLD-DECEDENT, US-FCRA-HOLD-IDENTITY-THEFT,
 * US-REGF-HOLD-MAIL-OPT-OUT: what each condition word of the rules data
 * means for an account. */
bool hold_matches(const struct rule *r, const struct eval_ctx *ec)
{
	const struct account *a = ec->account;

	switch (r->hold.when) {
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
	case HOLD_MAIL_OPT_OUT:
		return (a->opt_out_channels & CHANNEL_LETTER) != 0;
	case HOLD_TIME_BARRED:
		return ec->time_barred == TRI_YES;
	case HOLD_ALWAYS:
		return true;
	}
	PL_BUG("hold condition %d", (int)r->hold.when);
}

/* In force on date, of the account's jurisdictions, of kind. */
static bool rule_applies(const struct rule *r, const struct eval_ctx *ec,
			 enum rule_kind kind, int date)
{
	return r->kind == kind && rule_in_force(r, date) && rule_in_scope(r, ec);
}

/* ---- 1. jurisdiction ---- */

static const struct jur_state *state_of(const struct ruleset *rs,
					const char *code)
{
	for (size_t i = 0; code && i < rs->nstates; i++)
		if (!strcmp(rs->states[i].code, code))
			return &rs->states[i];
	return NULL;
}

/* The city of the list whose ZIPs hold postal_code (5 digits, +4 ignored). */
static const struct jur_city *city_of(const struct ruleset *rs,
				      const char *state, const char *postal_code)
{
	if (!postal_code || strlen(postal_code) < 5 ||
	    strspn(postal_code, "0123456789") < 5)
		return NULL;
	for (size_t i = 0; i < rs->ncities; i++) {
		const struct jur_city *c = &rs->cities[i];

		if (strcmp(c->state, state))
			continue;
		for (size_t z = 0; z < c->nzips; z++)
			if (!strncmp(c->zips[z], postal_code, 5))
				return c;
		for (size_t p = 0; p < c->nprefixes; p++)
			if (!strncmp(c->prefixes[p], postal_code, 3))
				return c;
	}
	return NULL;
}

/* ---- 2. statute of limitations ---- */

/*
 * date plus years on the calendar. February 29 becomes February 28 in a
 * year without one: the earlier day, so a debt is never taken as within
 * its period a day longer than the law gives.
 */
static int add_years(int date, int years)
{
	int y, m, d;

	date_to_ymd(date, &y, &m, &d);
	if (m == 2 && d == 29 && date_days_in_month(y + years, 2) == 28)
		d = 28;
	return date_from_ymd(y + years, m, d);
}

/*
 * RULE: the statute-of-limitations rules of rules/sol.xml. The column
 * (written or open account) comes from the first <sol-classes> rule in
 * force; a debt type in neither column, or no <sol-classes> rule, gets
 * the shorter period (a debt is then taken as time-barred sooner, which
 * only ever adds a disclosure or withholds a letter). Returns false when
 * no rule covers the state.
 */
static bool judge_sol(struct eval_ctx *ec, int date, struct verdict *out)
{
	const struct ruleset *rs = ec->rules;
	const struct rule *classes = NULL, *sol = NULL;
	const char *missing = NULL;
	unsigned bit = 1u << ec->account->debt_type;
	int years;

	for (size_t i = 0; i < rs->nrules && !classes; i++)
		if (rule_applies(&rs->rules[i], ec, RULE_SOL_CLASSES, date) &&
		    cond_check(&rs->rules[i].cond, ec, &missing) == COND_TRUE)
			classes = &rs->rules[i];
	for (size_t i = 0; i < rs->nrules && !sol; i++)
		if (rule_applies(&rs->rules[i], ec, RULE_SOL, date) &&
		    cond_check(&rs->rules[i].cond, ec, &missing) == COND_TRUE)
			sol = &rs->rules[i];
	if (!sol)
		return false;

	if (classes && (classes->sol_classes.written & bit))
		years = sol->sol.written_years;
	else if (classes && (classes->sol_classes.open & bit))
		years = sol->sol.open_years;
	else
		years = sol->sol.written_years < sol->sol.open_years ?
			sol->sol.written_years : sol->sol.open_years;
	out->sol_years = years;
	out->sol_expires_on = add_years(ec->account->delinquency_date, years);
	out->sol_rule_id = sol->id;
	out->time_barred = date >= out->sol_expires_on ? TRI_YES : TRI_NO;
	ec->time_barred = out->time_barred;
	ec->sol_expires_on = out->sol_expires_on;
	add_hit(out, sol);
	return true;
}

/* ---- 5. which letter ---- */

/*
 * The word after last in the space-separated series, in the arena; NULL
 * when last is the final word; *found says whether last was there.
 */
static const char *series_next(struct arena *arena, const char *series,
			       const char *last, bool *found)
{
	size_t lastlen = strlen(last);
	const char *s = series;

	*found = false;
	while (*s) {
		size_t len;

		s += strspn(s, " \t\n");
		len = strcspn(s, " \t\n");
		if (!len)
			break;
		if (*found)
			return arena_strndup(arena, s, len);
		*found = len == lastlen && !memcmp(s, last, len);
		s += len;
	}
	return NULL;
}

/*
 * The letter code for the account: its own, or for "auto" the agency's
 * series (rules/README.md, letter-choice). NULL with *why set when the
 * series has nothing left to send.
 */
static const char *choose_code(const struct eval_ctx *ec, const char **why)
{
	const struct account *a = ec->account;
	const struct account_history *h = ec->history;
	const char *series = ec->agency->letter_series && *ec->agency->letter_series ?
			     ec->agency->letter_series : "validation-notice reminder";
	const char *last, *next;
	bool found;

	if (a->letter && *a->letter && strcmp(a->letter, "auto"))
		return a->letter;
	/* RULE: US-REGF-LETTER-VALIDATION: the validation notice comes first. */
	if (ec->validation_sent_on == PL_NO_DATE)
		return "validation-notice";
	last = h && h->last_letter_code && *h->last_letter_code ?
	       h->last_letter_code : "validation-notice";
	next = series_next(ec->arena, series, last, &found);
	if (next)
		return next;
	if (found) {
		*why = arena_printf(ec->arena, "the letter series '%s' ends after '%s'",
				    series, last);
		return NULL;
	}
	if (!strcmp(last, "validation-notice")) {
		/* A series without the validation notice starts after it. */
		const char *first = series + strspn(series, " \t\n");
		size_t len = strcspn(first, " \t\n");

		if (len)
			return arena_strndup(ec->arena, first, len);
	}
	*why = arena_printf(ec->arena, "the last letter '%s' is not in the letter series '%s'",
			    last, series);
	return NULL;
}

/* The first letter-choice rule for code that applies to the account. */
static const struct rule *find_choice(const struct eval_ctx *ec, const char *code,
				      int date, const char **missing)
{
	const struct ruleset *rs = ec->rules;

	*missing = NULL;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		const char *field = NULL;
		enum cond_result res;

		if (!rule_applies(r, ec, RULE_LETTER_CHOICE, date) ||
		    strcmp(r->choice.letter, code))
			continue;
		res = cond_check(&r->cond, ec, &field);
		if (res == COND_TRUE)
			return r;
		if (res == COND_MISSING && !*missing)
			*missing = field;
	}
	return NULL;
}

static const struct rule *find_period(const struct eval_ctx *ec, int date)
{
	const struct ruleset *rs = ec->rules;
	const char *missing;

	for (size_t i = 0; i < rs->nrules; i++)
		if (rule_applies(&rs->rules[i], ec, RULE_VALIDATION_PERIOD, date) &&
		    cond_check(&rs->rules[i].cond, ec, &missing) == COND_TRUE)
			return &rs->rules[i];
	return NULL;
}

/*
 * End of the validation period of the notice already sent: the ledger's,
 * or computed from validation_sent_on as its mail date. PL_NO_DATE when
 * no notice is known.
 */
static int known_validation_end(const struct eval_ctx *ec)
{
	const struct rule *period;
	int receipt, end;

	if (ec->history && ec->history->validation_end_date != PL_NO_DATE)
		return ec->history->validation_end_date;
	if (ec->validation_sent_on == PL_NO_DATE)
		return PL_NO_DATE;
	period = find_period(ec, ec->validation_sent_on);
	if (!period)
		return PL_NO_DATE;
	calendar_validation_dates(ec->rules->calendar, ec->validation_sent_on,
				  period->period.receipt_business_days,
				  period->period.period_calendar_days,
				  period->period.method, &receipt, &end);
	return end;
}

/*
 * RULE: US-REGF-LETTER-* (overshadows, min-days-after-last-letter): may
 * the chosen letter go on date? Returns false with the verdict deferred.
 */
static bool letter_timing(const struct eval_ctx *ec, const struct rule *r,
			  int date, struct verdict *out)
{
	const struct account_history *h = ec->history;
	char iso[PL_DATE_ISO_LEN];

	if (r->choice.overshadows) {
		int end = known_validation_end(ec);

		if (end == PL_NO_DATE) {
			defer(out, REASON_OVERSHADOWING, r->citation,
			      arena_printf(ec->arena,
					   "letter '%s' could overshadow the dispute rights and no validation notice is known to have been sent",
					   r->choice.letter),
			      PL_NO_DATE);
			return false;
		}
		if (date <= end) {
			defer(out, REASON_OVERSHADOWING, r->citation,
			      arena_printf(ec->arena,
					   "letter '%s' could overshadow the dispute rights until the validation period ends on %s",
					   r->choice.letter, date_format_iso(end, iso)),
			      end + 1);
			return false;
		}
	}
	if (r->choice.min_days_after_last) {
		int last = h && h->last_letter_date != PL_NO_DATE ?
			   h->last_letter_date : ec->validation_sent_on;

		if (last != PL_NO_DATE && date < last + r->choice.min_days_after_last) {
			defer(out, REASON_WAITING, r->citation,
			      arena_printf(ec->arena,
					   "letter '%s' may go %d days after the last letter of %s",
					   r->choice.letter, r->choice.min_days_after_last,
					   date_format_iso(last, iso)),
			      last + r->choice.min_days_after_last);
			return false;
		}
	}
	return true;
}

/* ---- 3, 4, 6, 7: holds, licences, data, letter limits ---- */

/* Returns true when a hold decided the verdict. */
static bool apply_holds(const struct eval_ctx *ec, int date, struct verdict *out)
{
	const struct ruleset *rs = ec->rules;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		const char *missing = NULL;
		enum cond_result res;
		const char *message;

		if (!rule_applies(r, ec, RULE_HOLD, date) ||
		    (*ec->letter && word_in(r->hold.except, r->hold.nexcept, ec->letter)) ||
		    !hold_matches(r, ec))
			continue;
		res = cond_check(&r->cond, ec, &missing);
		if (res == COND_FALSE)
			continue;
		add_hit(out, r);
		if (res == COND_MISSING) {
			defer_missing(ec, out, r, REASON_DATA_MISSING, missing);
			return true;
		}
		message = expand(ec, r->hold.message.text);
		if (r->hold.action == HOLD_SUPPRESS)
			suppress(out, r->hold.reason, r->citation, message);
		else
			defer(out, r->hold.reason, r->citation, message,
			      r->hold.defer_days > 0 ? date + r->hold.defer_days :
			      PL_NO_DATE);
		return true;
	}
	return false;
}

/*
 * Every applying rule of kind whose conditions hold is a hit; a missing
 * datum defers. Returns the rules one by one through *at (start at 0);
 * NULL at the end or when the verdict was deferred (*stopped).
 */
static const struct rule *next_applying(const struct eval_ctx *ec,
					enum rule_kind kind, int date, size_t *at,
					struct verdict *out, bool *stopped)
{
	const struct ruleset *rs = ec->rules;

	*stopped = false;
	for (; *at < rs->nrules; (*at)++) {
		const struct rule *r = &rs->rules[*at];
		const char *missing = NULL;
		enum cond_result res;

		if (!rule_applies(r, ec, kind, date))
			continue;
		res = cond_check(&r->cond, ec, &missing);
		if (res == COND_FALSE)
			continue;
		(*at)++;
		add_hit(out, r);
		if (res == COND_MISSING) {
			defer_missing(ec, out, r, REASON_DATA_MISSING, missing);
			*stopped = true;
			return NULL;
		}
		return r;
	}
	return NULL;
}

/* RULE: licences (rules/README.md <licence>). */
static bool check_licences(const struct eval_ctx *ec, int date,
			   struct verdict *out)
{
	const struct rule *r;
	size_t at = 0;
	bool stopped;

	while ((r = next_applying(ec, RULE_LICENCE, date, &at, out, &stopped))) {
		if (profile_licence(ec->agency, r->licence))
			continue;
		suppress(out, REASON_UNLICENSED, r->citation,
			 arena_printf(ec->arena,
				      "the agency profile has no licence for '%s', which rule '%s' requires",
				      r->licence, r->id));
		return true;
	}
	return stopped;
}

/* RULE: <review/>: every one that applies joins the trail and flags it. */
static void flag_reviews(const struct eval_ctx *ec, int date, struct verdict *out)
{
	size_t at = 0;
	bool stopped;

	while (next_applying(ec, RULE_REVIEW, date, &at, out, &stopped))
		;
}

/* RULE: <requires-data>: never send on a guess (REGULATIONS.md 8 item 14). */
static bool check_data(const struct eval_ctx *ec, int date, struct verdict *out)
{
	const struct rule *r;
	size_t at = 0;
	bool stopped;

	while ((r = next_applying(ec, RULE_REQUIRES_DATA, date, &at, out, &stopped))) {
		for (size_t f = 0; f < r->requires.nfields; f++) {
			if (!account_field_missing(ec->account, r->requires.fields[f]))
				continue;
			defer_missing(ec, out, r, r->requires.prefix, r->requires.fields[f]);
			return true;
		}
	}
	return stopped;
}

/* Events of the history in [from, to] that limit r counts. */
static int count_events(const struct account_history *h, const struct rule *r,
			unsigned kinds, int from, int to)
{
	int n = 0;

	for (size_t i = 0; h && i < h->nevents; i++) {
		const struct contact_event *e = &h->events[i];

		if ((e->channel & r->limit.channels) && (kinds & (1u << e->kind)) &&
		    e->date >= from && e->date <= to)
			n++;
	}
	return n;
}

/* "WA" for US-WA, "NY-NYC" for US-NY-NYC, "US" for US. */
static const char *short_jurisdiction(const struct rule *r)
{
	return r->level ? r->jurisdiction + 3 : r->jurisdiction;
}

/*
 * RULE: <contact-limit> rules whose channels include letter: this letter
 * and the counted contacts of the window ending on the mail date must fit
 * max; else deferred to the first day they do.
 */
static bool check_letter_limits(const struct eval_ctx *ec, int date,
				struct verdict *out)
{
	const struct ruleset *rs = ec->rules;
	char iso[PL_DATE_ISO_LEN];

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		const char *missing = NULL;
		enum cond_result res;
		int w = r->limit.window_days, fits = PL_NO_DATE;

		if (!rule_applies(r, ec, RULE_CONTACT_LIMIT, date) ||
		    !(r->limit.channels & CHANNEL_LETTER) || !w)
			continue;
		res = cond_check(&r->cond, ec, &missing);
		if (res == COND_FALSE)
			continue;
		add_hit(out, r);
		if (res == COND_MISSING) {
			defer_missing(ec, out, r, REASON_DATA_MISSING, missing);
			return true;
		}
		/* Known contacts end by the mail date: a day w days on fits. */
		for (int day = date; day <= date + w; day++)
			if (count_events(ec->history, r, r->limit.counts,
					 day - w + 1, day) + 1 <= r->limit.max) {
				fits = day;
				break;
			}
		if (fits == date)
			continue;
		defer(out, arena_printf(ec->arena, REASON_FREQ_LIMIT ":%s", short_jurisdiction(r)),
		      r->citation,
		      fits == PL_NO_DATE ?
		      arena_printf(ec->arena, "rule '%s' allows no letter", r->id) :
		      arena_printf(ec->arena,
				   "at most %d contacts in %d days (rule '%s'): the letter fits on %s",
				   r->limit.max, w, r->id, date_format_iso(fits, iso)),
		      fits);
		return true;
	}
	return false;
}

/* ---- 9. disclosures ---- */

/* The rule's text in language, NULL when it has none in it. */
static const struct disclosure_text *disclosure_text(const struct rule *r,
						     const char *language)
{
	for (size_t i = 0; i < r->disclosure.ntexts; i++)
		if (!strcmp(r->disclosure.texts[i].lang, language))
			return &r->disclosure.texts[i];
	return NULL;
}

/*
 * The agency.xml licence key a rule's {licence_number} means: that of a
 * <licence> rule of the same jurisdiction, else "XX" for a state file and
 * "US-NAME" for a city file (agency.xml's "US-NYC").
 */
static const char *licence_key(const struct eval_ctx *ec, const struct rule *d)
{
	const struct ruleset *rs = ec->rules;

	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i].kind == RULE_LICENCE &&
		    !strcmp(rs->rules[i].jurisdiction, d->jurisdiction))
			return rs->rules[i].licence;
	if (d->level == 1)
		return d->scope_state;
	if (d->level == 2)
		return arena_printf(ec->arena, "US-%s", d->jurisdiction + 6);
	return d->jurisdiction;
}

/* text with {licence_number} replaced by number, in the arena. */
static const char *put_licence(struct arena *arena, const char *text,
			       const char *number)
{
	static const char key[] = "{licence_number}";
	const char *s, *hit;
	size_t n = 0;
	char *out, *o;

	for (s = text; (hit = strstr(s, key)) != NULL; s = hit + sizeof(key) - 1)
		n++;
	out = o = arena_alloc(arena, strlen(text) + n * strlen(number) + 1);
	for (s = text; (hit = strstr(s, key)) != NULL; s = hit + sizeof(key) - 1) {
		memcpy(o, s, (size_t)(hit - s));
		o += hit - s;
		memcpy(o, number, strlen(number));
		o += strlen(number);
	}
	memcpy(o, s, strlen(s) + 1);
	return out;
}

/*
 * Pass 1: disclosures without with-slot; pass 2: those whose with-slot a
 * pass-1 disclosure fills. A rule without a text in the letter's language
 * puts its English text in and is returned in *lacking (the first such);
 * choose_disclosures() then does it all again in English. Returns false
 * when the verdict was deferred.
 */
static bool add_disclosures(struct eval_ctx *ec, int date, struct verdict *out,
			    const struct rule **lacking)
{
	const struct ruleset *rs = ec->rules;

	*lacking = NULL;
	ec->verdict = out;
	for (int pass = 1; pass <= 2; pass++) {
		for (size_t i = 0; i < rs->nrules; i++) {
			const struct rule *r = &rs->rules[i];
			const char *missing = NULL, *text;
			const struct disclosure_text *dt;
			struct disclosure *d;
			enum cond_result res;

			if (!rule_applies(r, ec, RULE_DISCLOSURE, date) ||
			    (pass == 1) != !r->cond.with_slot)
				continue;
			res = cond_check(&r->cond, ec, &missing);
			if (res == COND_FALSE)
				continue;
			add_hit(out, r);
			if (res == COND_MISSING) {
				defer_missing(ec, out, r, REASON_DATA_MISSING, missing);
				return false;
			}
			dt = disclosure_text(r, out->language);
			if (!dt) {
				if (!*lacking)
					*lacking = r;
				dt = disclosure_text(r, "en");
			}
			if (!dt)
				PL_BUG("disclosure '%s' without English text", r->id);
			text = dt->text;
			if (dt->needs_review) {
				/* The hit add_hit() just made is this rule's. */
				out->hits[out->nhits - 1].needs_review = true;
				out->needs_review = true;
			}
			if (strstr(text, "{licence_number}")) {
				const char *number = profile_licence(ec->agency,
								     licence_key(ec, r));

				if (!number) {
					defer_missing(ec, out, r, REASON_DATA_MISSING,
						      "licence_number");
					return false;
				}
				text = put_licence(ec->arena, text, number);
			}
			if (out->ndisclosures == PL_MAX_DISCLOSURES)
				PL_BUG("more than %d disclosures", PL_MAX_DISCLOSURES);
			d = &out->disclosures[out->ndisclosures++];
			d->slot = r->disclosure.slot;
			d->rule_id = r->id;
			d->citation = r->citation;
			d->text = text;
			d->min_size = r->disclosure.min_size;
			d->emphasis = r->disclosure.emphasis;
		}
	}
	return true;
}

/*
 * RULE: 12 CFR 1006.18(e)(4), 1006.34(e) (REGULATIONS.md 3, 1.4): one
 * language per letter. A letter goes in the consumer's language only when
 * every disclosure chosen for it has a text in that language; when one
 * lacks it (state texts exist only in English), the whole letter goes in
 * English, which Regulation F always allows: its disclosures are chosen
 * again for an English letter, so the English-only ones (the offer of a
 * Spanish form) come in and the first pass leaves no hit behind; *note
 * then says why (it is left alone otherwise). Returns false when the
 * verdict was deferred.
 */
static bool choose_disclosures(struct eval_ctx *ec, int date,
			       struct verdict *out, const char **note)
{
	const struct rule *lacking;
	size_t nhits = out->nhits;

	if (!add_disclosures(ec, date, out, &lacking))
		return false;
	if (!lacking)
		return true;
	*note = arena_printf(ec->arena,
			     "in English, not '%s': rule '%s' (slot '%s') has no '%s' text, and a letter never mixes two languages",
			     out->language, lacking->id, lacking->disclosure.slot,
			     out->language);
	out->nhits = nhits;
	out->needs_review = false;
	for (size_t i = 0; i < nhits; i++)
		out->needs_review |= out->hits[i].needs_review;
	out->ndisclosures = 0;
	out->language = ec->language = "en";
	return add_disclosures(ec, date, out, &lacking);
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

/* Steps 2 to 9 for an account of a known state. */
static void decide_letter(struct eval_ctx *ec, int date, struct verdict *out)
{
	const struct rule *choice = NULL, *period;
	const char *code, *why = NULL, *missing = NULL, *note;
	char iso[PL_DATE_ISO_LEN];

	/* 2. RULE: sol.xml */
	if (!judge_sol(ec, date, out)) {
		defer(out, REASON_SOL_UNKNOWN, "",
		      arena_printf(ec->arena,
				   "no statute-of-limitations rule for state '%s' in force on mail date %s",
				   ec->state->code, date_format_iso(date, iso)),
		      PL_NO_DATE);
		return;
	}

	/* The letter is chosen first: holds and conditions ask which it is. */
	code = choose_code(ec, &why);
	if (code) {
		ec->letter = code;
		choice = find_choice(ec, code, date, &missing);
	}
	note = "";
	if (choice && !word_in(choice->choice.languages, choice->choice.nlanguages,
			       out->language)) {
		note = arena_printf(ec->arena,
				    "in %s, not '%s': rule '%s' does not issue letter '%s' in '%s'",
				    choice->choice.languages[0], out->language,
				    choice->id, code, out->language);
		out->language = choice->choice.languages[0];
	}
	ec->language = out->language;

	/* 3. */
	if (apply_holds(ec, date, out))
		return;

	if (!choice) {
		if (missing) {
			defer(out, arena_printf(ec->arena, REASON_DATA_MISSING ":%s", missing), "",
			      arena_printf(ec->arena,
					   "the letter-choice rule of letter '%s' needs '%s', which the account does not give",
					   code, missing),
			      PL_NO_DATE);
		} else if (!code) {
			suppress(out, REASON_NO_LETTER, "", why);
		} else {
			suppress(out, REASON_NO_LETTER, "",
				 arena_printf(ec->arena,
					      "no letter-choice rule for letter '%s' in force on mail date %s",
					      code, date_format_iso(date, iso)));
		}
		return;
	}

	/* 4. */
	if (check_licences(ec, date, out))
		return;

	/* 5. RULE: US-REGF-LETTER-VALIDATION and the other letter choices */
	add_hit(out, choice);
	out->letter_code = choice->choice.letter;
	if (choice->choice.already_sent_reason &&
	    ec->validation_sent_on != PL_NO_DATE) {
		suppress(out, choice->choice.already_sent_reason, choice->citation,
			 choose_message(ec, choice->choice.messages,
					choice->choice.nmessages));
		return;
	}
	if (!letter_timing(ec, choice, date, out))
		return;

	/* 6, 7. */
	flag_reviews(ec, date, out);
	if (check_data(ec, date, out) || check_letter_limits(ec, date, out))
		return;

	/* 8. Dates. RULE: US-REGF-VALIDATION-PERIOD */
	period = find_period(ec, date);
	if (!period) {
		suppress(out, REASON_NO_RULE, "",
			 arena_printf(ec->arena, "no validation-period rule in force on mail date %s",
				      date_format_iso(date, iso)));
		return;
	}
	add_hit(out, period);
	calendar_validation_dates(ec->rules->calendar, date,
				  period->period.receipt_business_days,
				  period->period.period_calendar_days,
				  period->period.method,
				  &out->assumed_receipt_date,
				  &out->validation_end_date);
	out->holiday_method = calendar_method_name(period->period.method);

	/* 9. */
	out->outcome = OUTCOME_LETTER;
	if (choose_disclosures(ec, date, out, &note))
		out->language_note = note;
}

int decide_eval(const struct ruleset *rules, const struct decide_ctx *ctx,
		const struct account *account,
		const struct account_history *history, struct arena *arena,
		struct verdict *out)
{
	struct eval_ctx ec = { 0 };
	const struct account_history *h = history;
	int date;

	memset(out, 0, sizeof(*out));
	out->reason_code = "";
	out->citation = "";
	out->message = "";
	out->deferred_until = PL_NO_DATE;
	out->letter_code = "";
	out->language = account->language && *account->language ?
			account->language : "en";
	out->language_note = "";
	out->mail_date = PL_NO_DATE;
	out->assumed_receipt_date = PL_NO_DATE;
	out->validation_end_date = PL_NO_DATE;
	out->holiday_method = "";
	out->calendar_version = calendar_version(rules->calendar);
	out->jurisdiction = "";
	out->time_barred = TRI_UNKNOWN;
	out->sol_expires_on = PL_NO_DATE;
	out->sol_rule_id = "";
	out->plan.first_day = PL_NO_DATE;
	out->plan.time_zone = "";
	out->plan.block_reasons = "";
	out->plan.limit_rules = "";

	if (account->rejected) {
		/* Ingest's verdict stands; decide adds nothing to it. */
		out->outcome = OUTCOME_REJECTED;
		out->reason_code = account->reject.code ? account->reject.code : "";
		out->message = account->reject.message ? account->reject.message : "";
		return PL_OK;
	}
	if (ctx->run_date == PL_NO_DATE)
		PL_BUG("decide_eval without a run date");

	/* 1. Jurisdiction. */
	ec.rules = rules;
	ec.agency = ctx->agency;
	ec.account = account;
	ec.history = history;
	ec.arena = arena;
	ec.state = state_of(rules, account->state);
	if (!ec.state) {
		out->outcome = OUTCOME_REJECTED;
		out->reason_code = REASON_UNKNOWN_STATE;
		out->message = arena_printf(arena,
					    "state '%s' is not in the jurisdiction list (%s)",
					    account->state ? account->state : "",
					    rules->jur_file);
		return PL_OK;
	}
	ec.city = city_of(rules, ec.state->code, account->postal_code);
	out->jurisdiction = ec.city ? ec.city->id : ec.state->jurisdiction;

	/* What the conditions ask, known before any rule runs. */
	date = decide_mail_date(rules, ctx->agency, ctx->run_date);
	out->mail_date = date;
	ec.letter = "";
	ec.language = out->language;
	ec.time_barred = TRI_UNKNOWN;
	ec.sol_expires_on = PL_NO_DATE;
	ec.validation_sent_on = h && h->validation_sent_on != PL_NO_DATE ?
				h->validation_sent_on : account->validation_sent_on;
	/* Obsolete for credit reporting: 15 U.S.C. 1681c(a)(4), (c)(1). */
	ec.obsolete = add_years(account->delinquency_date, 7) + 180 <= date ?
		      TRI_YES : TRI_NO;
	ec.initial = ec.validation_sent_on == PL_NO_DATE &&
		     (!h || (h->letters_issued == 0 && h->nevents == 0 &&
			     !(h->last_letter_code && *h->last_letter_code)));
	out->initial_communication = ec.initial;

	decide_letter(&ec, date, out);

	/* 10. Every account that is not rejected gets its plan. */
	ec.verdict = out;
	plan_build(&ec, ctx->run_date, out);
	return PL_OK;
}
