/*
 * decide-int.h: the compiled rule set, shared by ruleset.c (which builds
 * it from the rules directory) and eval.c (which applies it to accounts).
 *
 * Compiling turns every attribute into the form evaluation needs (dates
 * as day numbers, debt types as a bit set, hold conditions as an enum) so
 * decide_eval() never parses text. Each rule keeps its source file and
 * line for the verdict's hit list and for error messages.
 *
 * Ownership: struct ruleset owns everything reachable from it: strings
 * come from its string pool (ruleset_strdup, freed in ruleset_free), the
 * rules array and the calendar from xmalloc.
 */
#ifndef PL_DECIDE_INT_H
#define PL_DECIDE_INT_H

#include "../pl.h"
#include "../model.h"
#include "../core/date.h"
#include "../core/digest.h"
#include "calendar.h"

/* The conditions a <hold when="..."> may name: C's whole vocabulary. */
enum hold_condition {
	HOLD_CEASE_REQUESTED,
	HOLD_DISPUTE_PENDING,
	HOLD_BANKRUPTCY,
	HOLD_ATTORNEY_REPRESENTED,
	HOLD_DECEASED,
	HOLD_IDENTITY_THEFT_CLAIM,
};

/* Agency profile fields a <disclosure requires="..."> may name. */
enum agency_field {
	AGENCY_FIELD_NONE = 0,
	AGENCY_FIELD_DISPUTE_URL,
	AGENCY_FIELD_PORTAL_URL,
	AGENCY_FIELD_WEBSITE,
};

enum rule_kind {
	RULE_LETTER_CHOICE,
	RULE_VALIDATION_PERIOD,
	RULE_HOLD,
	RULE_DISCLOSURE,
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

struct disclosure_text {
	const char *lang;
	const char *text;       /* whitespace-normalised, placeholders kept */
};

struct rule {
	/* Common to every rule; strings from the rule set's pool. */
	const char *id;
	const char *citation;
	const char *title;
	const char *jurisdiction;  /* of the file it came from */
	const char *source_file;   /* path as loaded */
	unsigned source_line;
	int effective_from;
	int effective_to;          /* PL_NO_DATE: open-ended */
	bool needs_review;
	enum rule_kind kind;

	/* RULE_LETTER_CHOICE */
	struct {
		const char *letter;
		bool is_auto;
		/* Languages the letter is issued in; the first is the fallback. */
		const char *languages[RULE_MAX_LANGUAGES];
		size_t nlanguages;
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
		const char *reason;
		struct rule_message message;
	} hold;

	/* RULE_DISCLOSURE */
	struct {
		const char *slot;
		const char *letters[RULE_MAX_LETTERS];
		size_t nletters;
		unsigned debt_types;       /* bit (1 << enum debt_type); 0: any */
		const char *languages[RULE_MAX_LANGUAGES];
		size_t nlanguages;         /* 0: any */
		enum agency_field requires;
		struct disclosure_text texts[RULE_MAX_TEXTS];
		size_t ntexts;
	} disclosure;
};

struct ruleset {
	struct rule *rules;        /* owned array, file order then document order */
	size_t nrules, alloc;
	struct calendar *calendar; /* owned */
	char digest[PL_SHA256_HEX];
	char **pool;               /* owned strings; see ruleset_strdup() */
	size_t npool, pool_alloc;
};

/* Effective on date: from <= date and (no end or date < to). */
static inline bool rule_in_force(const struct rule *r, int date)
{
	return r->effective_from <= date &&
	       (r->effective_to == PL_NO_DATE || date < r->effective_to);
}

#endif
