/*
 * lint.c: ruleset_lint(), the check a compliance officer runs on a loaded
 * rule set before a batch (`fairnotice rules lint`; see decide.h).
 *
 * Loading already refused everything that is broken; lint reports what is
 * legal but needs a person: rules counsel has not confirmed, licences the
 * agency lacks, states whose debts cannot be judged for time-bar, and two
 * rules of one jurisdiction fighting over one slot of one letter. Findings
 * come in a fixed order (needs-review, licences, statute of limitations,
 * slots), each group in evaluation order, so two runs diff cleanly.
 */
#include "../pl.h"
#include "decide.h"
#include "decide-int.h"

static bool lists_meet(const char *const *a, size_t na, const char *const *b,
		       size_t nb, const char **common)
{
	if (!na || !nb) {
		*common = na ? a[0] : nb ? b[0] : "any";
		return true;
	}
	for (size_t i = 0; i < na; i++)
		if (word_in(b, nb, a[i])) {
			*common = a[i];
			return true;
		}
	return false;
}

static bool bits_apart(unsigned a, unsigned b)
{
	return a && b && !(a & b);
}

static bool tri_apart(enum tristate a, enum tristate b)
{
	return a && b && a != b;
}

/* Can no account meet the conditions of both a and b at once? */
static bool conditions_apart(const struct rule_cond *a, const struct rule_cond *b)
{
	const char *common;

	return bits_apart(a->debt_types, b->debt_types) ||
	       bits_apart(a->itemization_types, b->itemization_types) ||
	       tri_apart(a->time_barred, b->time_barred) ||
	       tri_apart(a->obsolete, b->obsolete) ||
	       tri_apart(a->debt_buyer, b->debt_buyer) ||
	       (a->communication && b->communication &&
		a->communication != b->communication) ||
	       !lists_meet(a->states, a->nstates, b->states, b->nstates, &common);
}

static bool overlap_in_time(const struct rule *a, const struct rule *b)
{
	int a_end = a->effective_to == PL_NO_DATE ? INT_MAX : a->effective_to;
	int b_end = b->effective_to == PL_NO_DATE ? INT_MAX : b->effective_to;

	return a->effective_from < b_end && b->effective_from < a_end;
}

/* Does a <statute-of-limitations> rule cover state? */
static bool sol_covers(const struct ruleset *rs, const char *state)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->kind != RULE_SOL || (r->level && strcmp(r->scope_state, state)))
			continue;
		if (!r->cond.nstates || word_in(r->cond.states, r->cond.nstates, state))
			return true;
	}
	return false;
}

void ruleset_lint(const struct ruleset *rs, const struct agency *agency,
		  FILE *out, unsigned *warnings, unsigned *errors)
{
	*warnings = *errors = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (!r->needs_review)
			continue;
		fprintf(out, "warning: rule '%s' needs review (status needs-review): %s "
			"(at %s:%u, rule '%s')\n",
			r->id, r->title, r->source_file, r->source_line, r->id);
		(*warnings)++;
	}

	for (size_t i = 0; agency && i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->kind != RULE_LICENCE || profile_licence(agency, r->licence))
			continue;
		fprintf(out, "error: the agency profile has no licence for '%s'; "
			"accounts in %s get no letter (at %s:%u, rule '%s')\n",
			r->licence, r->jurisdiction, r->source_file, r->source_line, r->id);
		(*errors)++;
	}

	for (size_t s = 0; s < rs->nstates; s++) {
		if (sol_covers(rs, rs->states[s].code))
			continue;
		fprintf(out, "warning: no statute-of-limitations rule for state '%s'; "
			"its accounts are deferred SOL_UNKNOWN (at %s:%u)\n",
			rs->states[s].code, rs->jur_file, rs->states[s].line);
		(*warnings)++;
	}

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *a = &rs->rules[i];

		if (a->kind != RULE_DISCLOSURE)
			continue;
		for (size_t j = i + 1; j < rs->nrules; j++) {
			const struct rule *b = &rs->rules[j];
			const char *letter, *lang;

			if (b->kind != RULE_DISCLOSURE ||
			    strcmp(a->jurisdiction, b->jurisdiction) ||
			    strcmp(a->disclosure.slot, b->disclosure.slot) ||
			    !overlap_in_time(a, b) ||
			    !lists_meet(a->cond.letters, a->cond.nletters,
					b->cond.letters, b->cond.nletters, &letter) ||
			    !lists_meet(a->cond.languages, a->cond.nlanguages,
					b->cond.languages, b->cond.nlanguages, &lang) ||
			    conditions_apart(&a->cond, &b->cond))
				continue;
			fprintf(out, "error: rules '%s' and '%s' both fill slot '%s' of "
				"letter '%s' in language '%s' for %s (at %s:%u, rule '%s')\n",
				a->id, b->id, a->disclosure.slot, letter, lang,
				a->jurisdiction, b->source_file, b->source_line, b->id);
			(*errors)++;
		}
	}
}
