/*
 * decide.h: apply the rules of rules/ to one account.
 *
 * The rule set is law as data: XML files in a rules directory (format in
 * README.md, "Rules"), each rule with an id, a citation, effective dates
 * and what it does (a disclosure text for a letter slot, a hold that
 * suppresses or defers, the validation period). The holiday calendar of
 * 5 U.S.C. 6103(a) is data there too (calendar.h computes from it).
 * decide_eval() turns an account and what the contact ledger knows of it
 * into a verdict: a letter (which one, which disclosures, which dates), a
 * suppression or a deferral (reason code and citation), or a rejection
 * when the record is unusable for the rules (e.g. the state is unknown).
 * Every rule that fired is listed in firing order with its source place.
 *
 * Order of calls:
 *   ruleset_load(&rules, dir, &diag)      once; fails closed on any error
 *   decide_eval(rules, &ctx, acct, hist, arena, &verdict)   per account
 *   ruleset_free(rules)
 *
 * Ownership: functions borrow their arguments. Strings in a verdict are
 * borrowed from the rule set (which must outlive it) or the arena.
 */
#ifndef PL_DECIDE_H
#define PL_DECIDE_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/diag.h"
#include "../core/profile.h"

struct ruleset;

/* What is fixed for the whole run. */
struct decide_ctx {
	const struct agency *agency;   /* borrowed; agency->letter_series too */
	int run_date;                  /* --date */
};

/*
 * Load every *.xml of dir (sorted by name), check it, compile it. Any
 * problem (malformed XML, unknown element, duplicate rule id, a required
 * rule missing, a disclosure without text) is fatal: no letter goes on a
 * broken rule set. *out is owned by the caller (ruleset_free).
 */
PL_WARN_UNUSED int ruleset_load(struct ruleset **out, const char *dir,
				struct pl_diag *diag);
void ruleset_free(struct ruleset *rules);

/* SHA-256 over the loaded files' names and bytes, in load order. Borrowed. */
const char *ruleset_digest(const struct ruleset *rules);
/* Number of rules loaded. */
size_t ruleset_count(const struct ruleset *rules);

/*
 * The mail date for a run date: run_date plus the agency's
 * mail_drop_business_days business days (weekends and 6103(a) holidays,
 * observed days included, skipped).
 */
int decide_mail_date(const struct ruleset *rules, const struct agency *agency,
		     int run_date);

/*
 * Decide one account. account must not be rejected by ingest. Fills *out
 * completely. Returns PL_OK (whatever the outcome) or PL_BUG-level
 * statuses only; a problem with the account is an outcome, not a status.
 */
PL_WARN_UNUSED int decide_eval(const struct ruleset *rules,
			       const struct decide_ctx *ctx,
			       const struct account *account,
			       const struct account_history *history,
			       struct arena *arena, struct verdict *out);

/*
 * Check the loaded set as a compliance officer would before a run: every
 * needs-review rule (warning), every licence rule whose jurisdiction has no
 * licence number in agency (error; agency may be NULL to skip), states of
 * the jurisdiction list with no statute-of-limitations rule (warning),
 * two rules filling the same slot for the same jurisdiction, letter and
 * language on overlapping dates (error). One line per finding on out:
 * "warning: ... (at rules/x.xml:12, rule 'ID')". Counts go to *warnings and
 * *errors.
 */
void ruleset_lint(const struct ruleset *rules, const struct agency *agency,
		  FILE *out, unsigned *warnings, unsigned *errors);

/*
 * Reason codes decide itself produces. Hold reasons (CEASE_1006.6(c),
 * BANKRUPTCY_STAY, ...) are not here: they are data, in the rules files.
 */
#define REASON_ALREADY_SENT    "VALIDATION_ALREADY_SENT"
#define REASON_NO_LETTER       "NO_LETTER_TYPE"
/* No validation-period rule is in force on the mail date (fail closed). */
#define REASON_NO_RULE         "NO_RULE_IN_FORCE"
/* Format v2 (rules/README.md, "The decision, in order"). */
#define REASON_UNKNOWN_STATE   "UNKNOWN_STATE"    /* rejected */
#define REASON_SOL_UNKNOWN     "SOL_UNKNOWN"      /* deferred, no date */
#define REASON_UNLICENSED      "UNLICENSED"       /* suppressed */
#define REASON_OVERSHADOWING   "OVERSHADOWING"    /* deferred to end + 1 */
#define REASON_WAITING         "WAITING_PERIOD"   /* deferred */
/* Prefixes: "DATA_MISSING:<field>", "FREQ_LIMIT:<WA|NY-NYC|US>". */
#define REASON_DATA_MISSING    "DATA_MISSING"
#define REASON_FREQ_LIMIT      "FREQ_LIMIT"

/*
 * The contact plan (verdict->plan, every account that is not rejected):
 * calls_allowed[d] is -1 when no call limit applies that day, else the
 * calls still allowed (0 on a blocked or quiet day). Block reasons are
 * the matching hold's reason code, or these, per channel in the order
 * call letter email sms: "call:CEASE_1006.6(c) letter:CEASE_1006.6(c) ...".
 */
#define PLAN_MEDIUM_OPT_OUT    "MEDIUM_OPT_OUT"     /* account opt_out_channels */
#define PLAN_NO_TIME_ZONE      "NO_TIME_ZONE"       /* AA AE AP: calls blocked */
#define PLAN_NO_CALLING_WINDOW "NO_CALLING_WINDOW"  /* hours do not meet across zones */

#endif
