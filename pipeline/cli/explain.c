/*
 * explain.c: the plain-words trace of one account (see explain.h).
 *
 * Everything printed comes from the verdict decide produced and the rules
 * it names; this file only words it. The wording is for people, not for
 * scripts: the audit manifest is the machine-readable record.
 */
#include "../pl.h"
#include "explain.h"
#include "../core/date.h"
#include "../core/money.h"

static const char *outcome_words(enum outcome o)
{
	switch (o) {
	case OUTCOME_LETTER:     return "a letter goes";
	case OUTCOME_SUPPRESSED: return "suppressed: no letter may go";
	case OUTCOME_DEFERRED:   return "deferred: a letter may go later";
	case OUTCOME_REJECTED:   return "rejected: the record itself is wrong";
	}
	return "?";
}

static const char *iso(int date, char buf[PL_DATE_ISO_LEN])
{
	date_format_iso(date, buf);
	return *buf ? buf : "-";
}

static void print_plan(FILE *out, const struct contact_plan *p)
{
	static const char *const names[] = { "call", "letter", "email", "sms" };
	char d[PL_DATE_ISO_LEN];

	fprintf(out, "contact plan from %s: calls allowed per day:", iso(p->first_day, d));
	for (int i = 0; i < PL_PLAN_DAYS; i++)
		fprintf(out, " %d", p->calls_allowed[i]);
	fputc('\n', out);
	if (*p->window)
		fprintf(out, "  calling hours %s (%s)\n", p->window,
			p->time_zone ? p->time_zone : "");
	else
		fputs("  no calling hours (no calls)\n", out);
	if (p->blocked) {
		fputs("  blocked channels:", out);
		for (int i = 0; i < 4; i++)
			if (p->blocked & (1u << i))
				fprintf(out, " %s", names[i]);
		fprintf(out, " (%s)\n", p->block_reasons ? p->block_reasons : "");
	}
	if (p->limit_rules && *p->limit_rules)
		fprintf(out, "  limits applied: %s\n", p->limit_rules);
}

void explain_print(const struct run_explained *what, void *ctx)
{
	FILE *out = ctx;
	const struct account *a = what->account;
	const struct verdict *v = what->verdict;
	char d1[PL_DATE_ISO_LEN], d2[PL_DATE_ISO_LEN], d3[PL_DATE_ISO_LEN];
	char money[40];

	fprintf(out, "account %s (%s, line %u)\n", a->account_id, a->file, a->line);
	if (a->rejected || !v) {
		fprintf(out, "decision: %s\n", outcome_words(OUTCOME_REJECTED));
		fprintf(out, "  %s: %s (field %s)\n", a->reject.code, a->reject.message,
			*a->reject.field ? a->reject.field : "-");
		return;
	}
	fprintf(out, "consumer: %s %s, %s %s %s; language %s\n", a->first_name,
		a->last_name, a->city, a->state, a->postal_code, a->language);
	fprintf(out, "debt: owed to %s%s%s, balance $%s, delinquent since %s\n",
		a->creditor_name, *a->original_creditor ? ", originally " : "",
		a->original_creditor,
		money_format(a->current_balance, money, sizeof(money)),
		iso(a->delinquency_date, d1));
	fprintf(out, "jurisdiction: %s\n", *v->jurisdiction ? v->jurisdiction : "-");
	fprintf(out, "decision: %s\n", outcome_words(v->outcome));
	if (v->outcome != OUTCOME_LETTER) {
		fprintf(out, "  reason %s: %s\n", v->reason_code, v->message);
		if (*v->citation)
			fprintf(out, "  citation: %s\n", v->citation);
		if (v->outcome == OUTCOME_DEFERRED)
			fprintf(out, "  until: %s\n", v->deferred_until == PL_NO_DATE ?
				"the missing data or template arrives" : iso(v->deferred_until, d1));
	}
	fprintf(out, "dates: run %s, mail %s", iso(what->run_date, d1), iso(v->mail_date, d2));
	if (v->outcome == OUTCOME_LETTER)
		fprintf(out, ", assumed receipt %s, validation period ends %s (%s method, calendar %s)",
			iso(v->assumed_receipt_date, d3), iso(v->validation_end_date, d1),
			v->holiday_method, v->calendar_version);
	fputc('\n', out);
	if (v->time_barred == TRI_UNKNOWN)
		fputs("time-barred: unknown (no statute-of-limitations rule applies)\n", out);
	else
		fprintf(out, "time-barred: %s (%d years from %s, runs out %s; rule %s)\n",
			v->time_barred == TRI_YES ? "yes" : "no", v->sol_years,
			iso(a->delinquency_date, d1), iso(v->sol_expires_on, d2),
			v->sol_rule_id);
	if (v->outcome == OUTCOME_LETTER)
		fprintf(out, "letter: %s in %s, %s communication\n", v->letter_code,
			v->language, v->initial_communication ? "initial" : "subsequent");
	if (v->outcome == OUTCOME_LETTER && v->language_note && *v->language_note)
		fprintf(out, "  language: %s\n", v->language_note);
	fprintf(out, "rules that fired, in order (%zu):\n", v->nhits);
	for (size_t i = 0; i < v->nhits; i++) {
		const struct rule_hit *h = &v->hits[i];
		fprintf(out, "  %zu. %s%s: %s\n     %s (%s:%u)\n", i + 1, h->rule_id,
			h->needs_review ? " [needs review]" : "",
			h->title ? h->title : "", h->citation, h->source_file,
			h->source_line);
	}
	if (v->ndisclosures) {
		fputs("texts placed in the letter:\n", out);
		for (size_t i = 0; i < v->ndisclosures; i++)
			fprintf(out, "  slot %s: rule %s (%s)\n", v->disclosures[i].slot,
				v->disclosures[i].rule_id, v->disclosures[i].citation);
	}
	print_plan(out, &v->plan);
	if (v->needs_review)
		fputs("review: a rule counsel has not yet confirmed shaped this decision\n", out);
	fprintf(out, "rules set: %zu rules, digest %s; history %s\n", what->rules_count,
		what->rules_digest, what->used_ledger ? "from the contact ledger" :
		"not consulted (no --state)");
}
