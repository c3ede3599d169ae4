/*
 * decide-int.h: the compiled rule set, shared by ruleset.c (which builds
 * it from the rules directory), eval.c (which applies it to accounts),
 * plan.c (the contact plan) and lint.c (the compliance officer's check).
 *
 * Compiling turns every attribute into the form evaluation needs (dates
 * as day numbers, debt types as a bit set, hold conditions as an enum,
 * time zones as GTimeZone objects) so decide_eval() never parses text.
 * Each rule keeps its source file and line for the verdict's hit list and
 * for error messages, and the jurisdiction of its file, which scopes it.
 *
 * After loading, rules are in evaluation order: federal ("US") first, then
 * state ("US-XX"), then city ("US-XX-CITY"); within a level in file-name
 * and document order (rules/README.md).
 *
 * Ownership: struct ruleset owns everything reachable from it: strings
 * come from its string pool (pool_take/pool_dup in ruleset.c, freed in
 * ruleset_free), the rules, jurisdiction arrays and the calendar from
 * xmalloc, the time zones are GLib references released in ruleset_free.
 */
#ifndef PL_DECIDE_INT_H
#define PL_DECIDE_INT_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/date.h"
#include "../core/digest.h"
#include "../core/profile.h"
#include "calendar.h"

#include <glib.h>

/* The conditions a <hold when="..."> may name: C's whole vocabulary. */
enum hold_condition {
	HOLD_CEASE_REQUESTED,
	HOLD_DISPUTE_PENDING,
	HOLD_BANKRUPTCY,
	HOLD_ATTORNEY_REPRESENTED,
	HOLD_DECEASED,
	HOLD_IDENTITY_THEFT_CLAIM,
	HOLD_MAIL_OPT_OUT,
	HOLD_TIME_BARRED,
	HOLD_ALWAYS,
};

enum hold_action {
	HOLD_SUPPRESS,
	HOLD_DEFER,
};

/* Agency profile fields a requires="..." condition may name. */
enum agency_field {
	AGENCY_FIELD_NONE = 0,
	AGENCY_FIELD_DISPUTE_URL,
	AGENCY_FIELD_PORTAL_URL,
	AGENCY_FIELD_WEBSITE,
};

enum communication {
	COMMUNICATION_ANY = 0,
	COMMUNICATION_INITIAL,
	COMMUNICATION_SUBSEQUENT,
};

enum rule_kind {
	RULE_LETTER_CHOICE,
	RULE_VALIDATION_PERIOD,
	RULE_HOLD,
	RULE_DISCLOSURE,
	RULE_LICENCE,
	RULE_REQUIRES_DATA,
	RULE_SOL,
	RULE_SOL_CLASSES,
	RULE_CONTACT_LIMIT,
	RULE_CALLING_HOURS,
	RULE_REVIEW,          /* no effect but the audit trail and the review flag */
};

/* A message with an optional condition: shown only when requires is set. */
struct rule_message {
	const char *requires;   /* placeholder name that must be non-empty, or NULL */
	const char *text;       /* whitespace-normalised, placeholders kept */
};

#define RULE_MAX_MESSAGES 8
#define RULE_MAX_TEXTS 8
#define RULE_MAX_LETTERS 16
#define RULE_MAX_LANGUAGES 8
#define RULE_MAX_STATES 64
#define RULE_MAX_FIELDS 16

struct disclosure_text {
	const char *lang;
	const char *text;       /* whitespace-normalised, placeholders kept */
	bool needs_review;      /* status="needs-review" on this <text> only */
};

/*
 * The conditions any action element may carry (rules/README.md,
 * "Conditions"). An empty list, a zero bit set, TRI_UNKNOWN and
 * COMMUNICATION_ANY mean "no condition".
 */
struct rule_cond {
	const char *letters[RULE_MAX_LETTERS];
	size_t nletters;
	unsigned debt_types;          /* bit (1 << enum debt_type) */
	const char *languages[RULE_MAX_LANGUAGES];
	size_t nlanguages;
	const char *states[RULE_MAX_STATES];
	size_t nstates;
	enum tristate time_barred, obsolete, debt_buyer;
	enum communication communication;
	unsigned itemization_types;   /* bit (1 << enum itemization_type) */
	enum agency_field requires;
	const char *with_slot;        /* NULL: no condition */
	/* outside="US-NY-NYC": not for accounts in these jurisdictions */
	const char *outside[RULE_MAX_STATES];
	size_t noutside;
};

struct rule {
	/* Common to every rule; strings from the rule set's pool. */
	const char *id;
	const char *citation;
	const char *title;
	const char *jurisdiction;  /* of the file it came from */
	int level;                 /* 0 federal, 1 state, 2 city */
	char scope_state[3];       /* "XX" for levels 1 and 2, "" for federal */
	const char *source_file;   /* path as loaded */
	unsigned source_line;
	size_t order;              /* load order, for the stable level sort */
	int effective_from;
	int effective_to;          /* PL_NO_DATE: open-ended */
	bool needs_review;
	enum rule_kind kind;
	struct rule_cond cond;

	/* RULE_LETTER_CHOICE */
	struct {
		const char *letter;
		bool is_auto;
		/* Languages the letter is issued in; the first is the fallback. */
		const char *languages[RULE_MAX_LANGUAGES];
		size_t nlanguages;
		bool overshadows;
		int min_days_after_last;           /* 0: no waiting period */
		const char *already_sent_reason;   /* NULL: no already-sent check */
		struct rule_message messages[RULE_MAX_MESSAGES];
		size_t nmessages;
	} choice;

	/* RULE_VALIDATION_PERIOD */
	struct {
		int receipt_business_days;
		int period_calendar_days;
		enum calendar_method method;
		const char *calendar;      /* calendar id; checked at load */
	} period;

	/* RULE_HOLD */
	struct {
		enum hold_condition when;
		enum hold_action action;
		int defer_days;            /* -1: until the data changes */
		const char *except[RULE_MAX_LETTERS];
		size_t nexcept;
		const char *reason;
		struct rule_message message;
	} hold;

	/* RULE_DISCLOSURE */
	struct {
		const char *slot;
		int min_size;              /* points; 0: the template's */
		bool emphasis;
		struct disclosure_text texts[RULE_MAX_TEXTS];
		size_t ntexts;
	} disclosure;

	/* RULE_LICENCE: the key of <licence jurisdiction=".."> in agency.xml */
	const char *licence;

	/* RULE_REQUIRES_DATA: indexes into ruleset.c's account field table */
	struct {
		const char *fields[RULE_MAX_FIELDS];   /* canonical names */
		size_t nfields;
		const char *prefix;                    /* "DATA_MISSING" */
	} requires;

	/* RULE_SOL */
	struct {
		int written_years, open_years;
	} sol;

	/* RULE_SOL_CLASSES: debt types per column */
	struct {
		unsigned written, open;    /* bit (1 << enum debt_type) */
	} sol_classes;

	/* RULE_CONTACT_LIMIT: either max/window or after/quiet */
	struct {
		unsigned channels;         /* enum channel bits */
		unsigned counts;           /* bit (1 << enum contact_kind) */
		int max, window_days;      /* 0: not a rolling limit */
		enum contact_kind after;   /* 0: not a quiet period */
		int quiet_days;
	} limit;

	/* RULE_CALLING_HOURS: minutes after local midnight */
	struct {
		int start, end;
	} hours;
};

/* ---- jurisdictions.xml ---- */

#define JUR_MAX_ZONES 8
#define JUR_MAX_PREFIXES 64
#define JUR_MAX_ZIPS 256

struct jur_state {
	char code[3];
	const char *jurisdiction;   /* "US-XX", pooled */
	const char *name;
	const char *zones[JUR_MAX_ZONES];   /* IANA ids; zones[0] is the plan's */
	GTimeZone *tz[JUR_MAX_ZONES];       /* owned references */
	size_t nzones;              /* 0: no time zone (AA AE AP) */
	unsigned line;
};

struct jur_city {
	const char *id;             /* "US-NY-NYC" */
	char state[3];
	const char *name;
	const char *prefixes[JUR_MAX_PREFIXES];   /* 3-digit ZIP prefixes */
	size_t nprefixes;
	const char *zips[JUR_MAX_ZIPS];           /* exact 5-digit ZIPs */
	size_t nzips;
	unsigned line;
};

struct ruleset {
	struct rule *rules;        /* owned array, evaluation order */
	size_t nrules, alloc;
	struct calendar *calendar; /* owned */
	struct jur_state *states;  /* owned array, file order */
	size_t nstates;
	struct jur_city *cities;   /* owned array, file order */
	size_t ncities;
	const char *jur_file;      /* pooled path of jurisdictions.xml, or NULL */
	char digest[PL_SHA256_HEX];
	char **pool;               /* owned strings; see pool_take() */
	size_t npool, pool_alloc;
};

/* Effective on date: from <= date and (no end or date < to). */
static inline bool rule_in_force(const struct rule *r, int date)
{
	return r->effective_from <= date &&
	       (r->effective_to == PL_NO_DATE || date < r->effective_to);
}

/* ---- evaluation, shared by eval.c and plan.c ---- */

/* What one account's evaluation knows so far. */
struct eval_ctx {
	const struct ruleset *rules;
	const struct agency *agency;
	const struct account *account;
	const struct account_history *history;   /* may be NULL */
	struct arena *arena;
	const struct jur_state *state;
	const struct jur_city *city;             /* NULL: no city */
	const char *letter;        /* the letter being decided, "" when none */
	const char *language;      /* its language */
	bool initial;              /* initial communication */
	enum tristate time_barred, obsolete;
	int sol_expires_on;
	int validation_sent_on;    /* ledger first, then the account */
	const struct verdict *verdict;   /* for with-slot, may be NULL */
};

enum cond_result {
	COND_FALSE = 0,
	COND_TRUE,
	COND_MISSING,              /* holds only if data we lack says so */
};

/* Is r's file jurisdiction one this account is in? */
bool rule_in_scope(const struct rule *r, const struct eval_ctx *ec);
/*
 * Do the conditions of c hold for the account? COND_MISSING (with
 * *missing set to the canonical field name) when every other condition
 * holds and one needs data the account does not give.
 */
enum cond_result cond_check(const struct rule_cond *c, const struct eval_ctx *ec,
			    const char **missing);
/* Does the hold's CONDITION word hold for the account? */
bool hold_matches(const struct rule *r, const struct eval_ctx *ec);
bool word_in(const char *const *words, size_t n, const char *word);
/* Canonical account fields a <requires-data> may name (eval.c's table). */
bool account_field_known(const char *name);
/* Is the canonical field name empty (absent) in a? */
bool account_field_missing(const struct account *a, const char *name);

/* plan.c: fill out->plan for a non-rejected account (see decide.h). */
void plan_build(const struct eval_ctx *ec, int run_date, struct verdict *out);

#endif
