/*
 * model.h: the plain data that travels between the stages.
 *
 * One struct account per input record (ingest fills it), one struct verdict
 * per account (decide fills it), one struct letter_ref per typeset letter.
 * Types only, no behaviour. The one ownership rule: every pointer in these
 * structs is borrowed, from the per-account arena (cleared before the next
 * account) or from a long-lived stage context (the rule set, the run), as
 * each field says.
 *
 * Money is integer cents (int64_t), never floating point. Dates are day
 * numbers (core/date.h) with PL_NO_DATE for "absent".
 */
#ifndef PL_MODEL_H
#define PL_MODEL_H

#include "pl.h"
#include "core/limits.h"

/* ---- enumerations shared by every stage ---- */

enum debt_type {
	DEBT_UNKNOWN = 0,
	DEBT_CREDIT_CARD, DEBT_MEDICAL, DEBT_AUTO, DEBT_STUDENT, DEBT_UTILITY,
	DEBT_TELECOM, DEBT_RENT, DEBT_PERSONAL_LOAN, DEBT_OTHER,
};

enum itemization_type {
	ITEMIZATION_UNKNOWN = 0,
	ITEMIZATION_LAST_STATEMENT, ITEMIZATION_CHARGE_OFF,
	ITEMIZATION_LAST_PAYMENT, ITEMIZATION_TRANSACTION, ITEMIZATION_JUDGMENT,
};

/* Channels of contact, as a bit set where several are meant. */
enum channel {
	CHANNEL_CALL = 1 << 0,
	CHANNEL_LETTER = 1 << 1,
	CHANNEL_EMAIL = 1 << 2,
	CHANNEL_SMS = 1 << 3,
};
#define CHANNEL_ALL (CHANNEL_CALL | CHANNEL_LETTER | CHANNEL_EMAIL | CHANNEL_SMS)

enum contact_kind {
	CONTACT_ATTEMPT = 1,        /* a call placed, a message sent */
	CONTACT_CONVERSATION,       /* the person was reached */
	CONTACT_DELIVERED,          /* a letter, email or text delivered */
};

/* Yes, no, or not known: a rule that needs the answer defers on unknown. */
enum tristate { TRI_UNKNOWN = 0, TRI_NO, TRI_YES };

enum outcome {
	OUTCOME_LETTER = 0,
	OUTCOME_SUPPRESSED,
	OUTCOME_DEFERRED,
	OUTCOME_REJECTED,
};

/* ---- ingest -> decide ---- */

/*
 * Why a record was rejected. Set by ingest (malformed record) or by decide
 * (e.g. a state code that is well-formed but unknown). Strings borrowed
 * from the arena or static.
 */
struct reject {
	const char *code;     /* e.g. "MISSING_FIELD", "BAD_DATE" */
	const char *field;    /* canonical field name, or "" */
	const char *message;  /* house style, without the location */
};

struct account {
	/* Where the record came from. */
	const char *file;     /* borrowed from the run: path as given */
	unsigned line;        /* first physical line of the record (1-based) */
	unsigned record;      /* record number within the file (1-based) */
	bool rejected;        /* true: see reject; other fields may be partial */
	struct reject reject;

	/*
	 * Canonical fields (../shared/DESIGN.md). Strings are arena-owned and
	 * never NULL: an absent optional field is "". Optional money defaults
	 * to 0, optional dates to PL_NO_DATE, flags to false.
	 */
	const char *account_id;
	const char *consumer_id;          /* defaults to account_id */
	const char *creditor_name;
	const char *original_creditor;
	const char *creditor_account_ref;
	enum debt_type debt_type;
	const char *first_name, *middle_name, *last_name, *name_suffix;
	const char *address_line1, *address_line2, *city, *state, *postal_code;
	const char *language;             /* "en" (default) or "es" */
	enum itemization_type itemization_date_type;
	int itemization_date;
	int64_t amount_at_itemization;
	int64_t interest_since, fees_since, payments_since, credits_since;
	int64_t current_balance;
	int delinquency_date;
	int last_payment_date, charge_off_date;
	const char *letter;               /* "auto" (default) or a letter code */
	int validation_sent_on;
	int dispute_received_on, verification_sent_on;
	int cease_requested_on;
	bool attorney_represented, bankruptcy, deceased, identity_theft_claim;
	int64_t settlement_amount;        /* 0 when absent */
	int settlement_expires_on;
	int64_t plan_installment;         /* 0 when absent */
	int plan_count;                   /* 0 when absent */
	int plan_first_due;
	const char *portal_code;
	/* Extensions of the canonical fields (README.md "Account files"). */
	enum tristate debt_buyer;         /* owned by a debt buyer; "" = unknown */
	unsigned opt_out_channels;        /* enum channel bits the consumer refused */
};

/*
 * One contact event from the agency's other systems (contacts*.csv) or
 * from the ledger. Strings arena-owned.
 */
struct contact_event {
	const char *file;         /* borrowed: batch-relative name, "" from ledger */
	unsigned line;
	bool rejected;
	struct reject reject;
	const char *consumer_id, *account_id;
	int date;                 /* the calendar date of "at" in its own offset */
	char at[32];              /* the timestamp as given, ISO 8601 with offset */
	enum channel channel;     /* exactly one bit */
	enum contact_kind kind;
};

/*
 * What the contact ledger knows of an account before this batch, looked up
 * by run.c (bundle's ledger) and handed to decide as plain data.
 */
struct account_history {
	int validation_sent_on;          /* PL_NO_DATE: none issued by us */
	const char *validation_piece_id; /* "" when none; arena-owned */
	int validation_end_date;         /* of that notice; PL_NO_DATE if none */
	unsigned letters_issued;         /* letters of any kind, ever */
	const char *last_letter_code;    /* "" when none; arena-owned */
	int last_letter_date;            /* mail date of the last letter */
	/*
	 * Contacts with this account on days [run_date - 30, run_date]: letters
	 * the ledger issued (channel LETTER, kind DELIVERED, on their mail
	 * date) and events imported from contacts files, oldest first.
	 * Arena-owned; nevents may be 0.
	 */
	const struct contact_event *events;
	size_t nevents;
};

/* ---- decide -> bundle: the plan for the agency's other channels ---- */

#define PL_PLAN_DAYS 7

struct contact_plan {
	int first_day;                   /* day 1 of the plan: the run date */
	int calls_allowed[PL_PLAN_DAYS]; /* calls still allowed on each day */
	const char *time_zone;           /* zone the window is written in */
	char window[12];                 /* "08:00-21:00", "" when no calls */
	unsigned blocked;                /* enum channel bits */
	const char *block_reasons;       /* "call:CEASE_1006.6(c) letter:...", arena */
	const char *limit_rules;         /* ids of the limits that bound the plan */
};

/* ---- decide -> typeset, bundle ---- */

/* One rule that fired, in firing order. Strings borrowed from the rule set. */
struct rule_hit {
	const char *rule_id;
	const char *citation;
	const char *title;         /* one line for people (explain, HTML view) */
	const char *source_file;   /* rules file the rule came from */
	unsigned source_line;
	bool needs_review;         /* status="needs-review" */
};

/*
 * One disclosure text chosen for the letter. The text is the rule's text
 * for the letter's language, with {placeholders} still in it; typeset
 * expands them. Strings borrowed from the rule set.
 */
struct disclosure {
	const char *slot;          /* named slot of the template */
	const char *rule_id;
	const char *citation;
	const char *text;
	int min_size;              /* points; 0: the template's size */
	bool emphasis;             /* bold and set off (e.g. NYC 6 RCNY 2-191) */
};

struct verdict {
	enum outcome outcome;
	const char *reason_code;   /* "" for a letter; e.g. "CEASE_1006.6(c)" */
	const char *citation;      /* of the deciding rule, or "" */
	const char *message;       /* house style, for suppressed.csv */
	int deferred_until;        /* PL_NO_DATE unless deferred */

	/* For a letter. Strings borrowed from the rule set or arena. */
	const char *letter_code;   /* "validation-notice", ... */
	const char *language;      /* "en" or "es" */
	/* Why the letter is not in the consumer's language, "" when it is
	 * (e.g. a disclosure without a Spanish text: the whole letter goes
	 * in English). Arena. */
	const char *language_note;
	int mail_date;             /* date the notice is assumed mailed */
	int assumed_receipt_date;  /* 1006.34(b)(5): mail + 5 business days */
	int validation_end_date;   /* receipt + 30 calendar days */
	const char *holiday_method;    /* "conservative" or "strict" */
	const char *calendar_version;  /* id of the holiday calendar data */
	const char *jurisdiction;      /* "US", "US-NY", ... */

	/* Time-barred determination (REGULATIONS.md 5.4, 6.17). */
	enum tristate time_barred;     /* TRI_UNKNOWN: no SOL rule applies */
	int sol_years;                 /* period applied, 0 when unknown */
	int sol_expires_on;            /* delinquency + period; PL_NO_DATE */
	const char *sol_rule_id;       /* "" when none */
	bool initial_communication;    /* the letter is our first contact */
	bool needs_review;             /* a needs-review rule fired */

	struct rule_hit hits[PL_MAX_RULE_HITS];
	size_t nhits;
	struct disclosure disclosures[PL_MAX_DISCLOSURES];
	size_t ndisclosures;

	/* Every non-rejected account gets a plan, whatever its outcome. */
	struct contact_plan plan;
};

/* ---- typeset -> bundle ---- */

struct letter_ref {
	const char *piece_id;      /* borrowed from the arena */
	const char *template_id;   /* borrowed from the typesetter */
	const char *template_version;
	/*
	 * Where the piece is in the print bundle (docs/print-bundle.md): its
	 * group ("window-2", "flat") and envelope, the group's PDF file name
	 * within print/ ("window-2-001.pdf"), the 1-based first page in that
	 * file, and the byte range of that file written while its pages were
	 * drawn, with the SHA-256 of those bytes. Strings borrowed from the
	 * typesetter (valid until typeset_free()).
	 */
	const char *group;
	const char *envelope;
	const char *pdf;
	unsigned first_page;
	unsigned long pdf_offset, pdf_length;
	char pages_sha256[65];
	unsigned page_count;
	unsigned sheet_count;      /* physical sheets (simplex: = pages) */
	char content_sha256[65];   /* digest of the letter's laid-out text */
	const char *language;      /* language of the template actually used */
	/* The IMb payload, tracking code (20 digits) then routing code (0, 5,
	 * 9 or 11 digits), "" when the agency profile sets no IMb. */
	char imb[32];
	unsigned long imb_serial;  /* serial number within the tracking code */
};

/* ---- the run ---- */

/* Record counts; read = letters + suppressed + deferred + rejected. */
struct run_counts {
	unsigned long read, letters, suppressed, deferred, rejected;
	unsigned long pages, sheets;
	/* Contact events (contacts*.csv): read = imported + rejected. */
	unsigned long contacts_read, contacts_rejected;
};

#endif
