/*
 * explain.c: the plain-words trace of one account (see explain.h).
 *
 * Everything printed comes from the verdict decide produced and the rules
 * it names, or, for a piece issued long ago, from what the contact ledger
 * kept of it; this file only words it. The wording is for people, not for
 * scripts: the audit manifest is the machine-readable record.
 */
#include "../pl.h"
#include "explain.h"
#include "../bundle/bundle.h"
#include "../core/arena.h"
#include "../core/date.h"
#include "../core/money.h"
#include "../core/xalloc.h"

#include <sys/stat.h>

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

/* ---- a piece, from the ledger alone ---- */

/* What a ledger older than schema version 4 did not keep reads so. */
static const char *kept(const char *s)
{
	return s && *s ? s : "(not kept)";
}

/* The length of the line at s, without its '\n'. */
static int line_len(const char *s)
{
	const char *nl = strchr(s, '\n');

	return (int)(nl ? (size_t)(nl - s) : strlen(s));
}

/*
 * The decision trace as the ledger kept it (bundle.h): rule lines in
 * firing order, then disclosure lines. A line of neither kind (a newer
 * program's) is printed as it is, never dropped.
 */
static void print_trace(FILE *out, const char *trace)
{
	size_t nrules = 0, ntexts = 0, n = 0;
	const char *s;

	for (s = trace; *s; s += line_len(s) + (s[line_len(s)] == '\n')) {
		if (!strncmp(s, "rule ", 5))
			nrules++;
		else if (!strncmp(s, "disclosure ", 11))
			ntexts++;
	}
	if (!*trace) {
		fputs("decision trace: (not kept)\n", out);
		return;
	}
	fprintf(out, "rules that fired, in order (%zu): id [citation] source title\n",
		nrules);
	for (s = trace; *s; s += line_len(s) + (s[line_len(s)] == '\n'))
		if (!strncmp(s, "rule ", 5))
			fprintf(out, "  %zu. %.*s\n", ++n, line_len(s) - 5, s + 5);
	fprintf(out, "texts placed in the letter (%zu): slot, rule, SHA-256 of the text\n",
		ntexts);
	for (s = trace; *s; s += line_len(s) + (s[line_len(s)] == '\n'))
		if (!strncmp(s, "disclosure ", 11))
			fprintf(out, "  %.*s\n", line_len(s) - 11, s + 11);
		else if (strncmp(s, "rule ", 5))
			fprintf(out, "  %.*s\n", line_len(s), s);
}

static void print_piece(FILE *out, const struct ledger_piece_record *p)
{
	char d1[PL_DATE_ISO_LEN], d2[PL_DATE_ISO_LEN], d3[PL_DATE_ISO_LEN];

	fprintf(out, "piece %s of batch %s (agency %s)\n", p->piece_id,
		p->batch_id, p->agency_id);
	fprintf(out, "dates: run %s, mail %s, validation period ends %s\n",
		iso(p->run_date, d1), iso(p->mail_date, d2),
		iso(p->validation_end_date, d3));
	fprintf(out, "account %s, consumer %s\n", p->account_id, p->consumer_id);
	fprintf(out, "letter: %s, template %s version %s, language %s\n",
		p->letter_code, p->template_id, p->template_version, p->language);
	fprintf(out, "in the bundle: print/%s, pages %u-%u (%u page%s), ", p->pdf,
		p->first_page, p->first_page + p->page_count - (p->page_count > 0),
		p->page_count, p->page_count == 1 ? "" : "s");
	if (p->sheet_count)
		fprintf(out, "%u sheet%s", p->sheet_count, p->sheet_count == 1 ? "" : "s");
	else
		fputs("sheets (not kept)", out);
	fprintf(out, ", group %s\n", kept(p->print_group));
	if (p->pdf_length)
		fprintf(out, "  bytes %lu-%lu of print/%s (%lu bytes), their SHA-256 %s\n",
			p->pdf_offset, p->pdf_offset + p->pdf_length - 1, p->pdf,
			p->pdf_length, kept(p->pages_sha256));
	else
		fprintf(out, "  byte range (not kept), SHA-256 of its pages %s\n",
			kept(p->pages_sha256));
	fprintf(out, "  IMb %s\n", *p->imb ? p->imb : "none");
	fprintf(out, "  SHA-256 of the laid-out text %s\n", kept(p->content_sha256));
	print_trace(out, p->trace);
	fprintf(out, "audit record hash: %s\n", kept(p->audit_hash));
	fprintf(out, "rules set digest: %s\n", kept(p->rules_digest));
	fprintf(out, "bundle zip SHA-256 (print/bundle.zip): %s\n", kept(p->bundle_sha256));
	fprintf(out, "to check the bundle, if you still have it: fairnotice verify OUT/%s\n",
		p->batch_id);
}

int explain_piece(const char *state_dir, const char *piece_id, FILE *out,
		  struct pl_diag *diag)
{
	char *path = xasprintf("%s/%s", state_dir, LEDGER_FILE);
	struct ledger *ledger = NULL;
	struct ledger_piece_record rec;
	struct arena arena;
	struct stat st;
	int rc = PL_OK;

	arena_init(&arena);
	/* ledger_open() creates a missing ledger: ask first. */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		rc = pl_diag_set(diag, PL_USAGE, NULL, 0,
				 "no contact ledger at '%s' (--state names the "
				 "directory the runs kept it in)", path);
	if (rc == PL_OK)
		rc = ledger_open(&ledger, state_dir, diag);
	if (rc == PL_OK)
		rc = ledger_piece_get(ledger, piece_id, &arena, &rec, diag);
	if (rc == PL_DONE)
		pl_diag_set(diag, PL_DONE, NULL, 0, "no piece '%s' in the ledger at '%s'",
			    piece_id, path);
	if (rc == PL_OK)
		print_piece(out, &rec);
	ledger_close(ledger);
	arena_release(&arena);
	free(path);
	return rc;
}
