/*
 * contacts.c: contact events from the agency's other systems.
 *
 * A contacts file (contacts*.csv in the batch directory) lists calls,
 * emails, texts and letters the agency made outside fairnotice, one per
 * row: consumer_id,account_id,at,channel,kind (DESIGN.md "Contact events
 * CSV"). Decide counts them against the contact limits, so a row that
 * cannot be read exactly is rejected, never guessed at.
 *
 * The file goes through the same reader as account files (ingest.c), in
 * the encoding its <contacts> spec names (UTF-8 by default): the
 * same header rules (every column required, any order, an unknown or
 * duplicate column is fatal), the same framing rejects, then the fields
 * here, in the column order of DESIGN.md; the first that fails decides
 * the reject:
 *
 *   consumer_id  may be empty: then the account_id
 *   account_id   required
 *   at           required; YYYY-MM-DDTHH:MM[:SS[.fff]] then Z, +HH:MM or
 *                -HH:MM (BAD_TIMESTAMP); its date is the calendar day
 *                written, in the event's own offset, and may not be after
 *                the run date (DATE_IN_FUTURE)
 *   channel      call letter email sms (BAD_VALUE)
 *   kind         attempt conversation delivered (BAD_VALUE)
 *
 * channel and kind are matched without regard to case, like the words of
 * the accounts' opt_out_channels: "CALL" from a dialer export is plainly
 * a call.
 */
#include "../pl.h"
#include "../core/date.h"
#include "ingest-int.h"

#include <glib.h>

/* ---- the columns ---- */

enum contact_field {
	CF_CONSUMER_ID = 0, CF_ACCOUNT_ID, CF_AT, CF_CHANNEL, CF_KIND,
};

/*
 * Only name and required are read (by the header mapping): the values
 * are converted below, field by field. Every column must be present.
 */
#define C(name) { #name, true, FK_TEXT, offsetof(struct contact_event, name) }
const struct field_spec contact_fields[] = {
	C(consumer_id), C(account_id), C(at), C(channel), C(kind),
};
#undef C

_Static_assert(PL_ARRAY_SIZE(contact_fields) == CONTACT_NFIELDS,
	       "contact_fields and CONTACT_NFIELDS disagree");

struct word {
	const char *name;
	int value;
};

static const struct word channel_words[] = {
	{ "call", CHANNEL_CALL }, { "letter", CHANNEL_LETTER },
	{ "email", CHANNEL_EMAIL }, { "sms", CHANNEL_SMS },
};

static const struct word kind_words[] = {
	{ "attempt", CONTACT_ATTEMPT }, { "conversation", CONTACT_CONVERSATION },
	{ "delivered", CONTACT_DELIVERED },
};

static const struct word *find_word(const struct word *table, size_t n,
				    const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_strcasecmp(table[i].name, v))
			return &table[i];
	return NULL;
}

/* ---- timestamps ---- */

/* Two ASCII digits at s as a number, or -1. Never reads past a NUL. */
static int two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int contacts_parse_at(const char *s, int *date_out)
{
	char ymd[PL_DATE_ISO_LEN];
	const char *p;
	int date, hh, mm, ss, oh, om;
	size_t n;

	/* The shortest form is "YYYY-MM-DDTHH:MMZ". */
	if (strlen(s) < 17 || s[10] != 'T')
		return -1;
	memcpy(ymd, s, 10);
	ymd[10] = '\0';
	if (date_parse_iso(ymd, &date) != 0)
		return -1;

	p = s + 11;
	hh = two_digits(p);
	if (hh < 0 || hh > 23 || p[2] != ':')
		return -1;
	mm = two_digits(p + 3);
	if (mm < 0 || mm > 59)
		return -1;
	p += 5;
	if (*p == ':') {
		/* No leap second: 23:59:60 is not a time our sources write. */
		ss = two_digits(p + 1);
		if (ss < 0 || ss > 59)
			return -1;
		p += 3;
		if (*p == '.') {
			/* Milliseconds at most: struct contact_event keeps the text. */
			n = strspn(p + 1, "0123456789");
			if (n < 1 || n > 3)
				return -1;
			p += 1 + n;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* Real offsets run from -12:00 to +14:00; allow 14:00 both ways. */
		oh = two_digits(p + 1);
		if (oh < 0 || p[3] != ':')
			return -1;
		om = two_digits(p + 4);
		if (om < 0 || om > 59 || oh * 60 + om > 14 * 60)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*date_out = date;
	return 0;
}

/* ---- open / release ---- */

int contacts_open(struct contacts *c, const char *path,
		  const struct input_spec *spec, int run_date, struct pl_diag *diag)
{
	c->state = NULL;
	if (spec && spec->format != INPUT_CSV)
		PL_BUG("contacts file '%s' with a spec that is not csv", path);
	return ingest_state_open(&c->state, path, "contacts file", contact_fields,
				 CONTACT_NFIELDS, encoding_of(spec ? spec->encoding : NULL),
				 run_date, diag);
}

void contacts_release(struct contacts *c)
{
	ingest_state_free(c->state);
	c->state = NULL;
}

/* ---- one event ---- */

static void event_defaults(struct contact_event *out)
{
	memset(out, 0, sizeof(*out));
	out->file = "";
	out->reject.code = "";
	out->reject.field = "";
	out->reject.message = "";
	out->consumer_id = "";
	out->account_id = "";
	out->date = PL_NO_DATE;
}

static void reject(struct contact_event *out, struct arena *arena,
		   const char *code, const char *field, const char *fmt, ...)
	PL_PRINTF(5, 6);

static void reject(struct contact_event *out, struct arena *arena,
		   const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ingest_vreject(&out->reject, arena, code, field, fmt, ap);
	va_end(ap);
	out->rejected = true;
}

/* The trimmed value of a field of a well-framed record. Arena-owned. */
static const char *value(const struct ingest_state *st,
			 const struct csv_record *rec, enum contact_field f,
			 struct arena *arena)
{
	return ingest_raw_field(st, rec, (int)f, arena);
}

/* "call, letter, email, sms" for a message. */
static const char *word_list(struct arena *arena, const struct word *table,
			     size_t n)
{
	const char *s = "";

	for (size_t i = 0; i < n; i++)
		s = arena_printf(arena, "%s%s%s", s, i ? ", " : "", table[i].name);
	return s;
}

static void convert(const struct ingest_state *st, const struct csv_record *rec,
		    struct contact_event *out, struct arena *arena)
{
	const char *at = value(st, rec, CF_AT, arena);
	const char *channel = value(st, rec, CF_CHANNEL, arena);
	const char *kind = value(st, rec, CF_KIND, arena);
	const struct word *w;
	int date;

	if (!out->account_id[0]) {
		reject(out, arena, REJECT_MISSING_FIELD, "account_id",
		       "required field 'account_id' is empty");
		return;
	}

	if (!at[0]) {
		reject(out, arena, REJECT_MISSING_FIELD, "at",
		       "required field 'at' is empty");
		return;
	}
	if (contacts_parse_at(at, &date) != 0) {
		reject(out, arena, REJECT_BAD_TIMESTAMP, "at",
		       "at '%s' is not a timestamp with an offset "
		       "(YYYY-MM-DDTHH:MM[:SS[.fff]] and Z, +HH:MM or -HH:MM)",
		       fields_shown(arena, at));
		return;
	}
	if (st->run_date != PL_NO_DATE && date > st->run_date) {
		char day[PL_DATE_ISO_LEN], run[PL_DATE_ISO_LEN];

		reject(out, arena, REJECT_BAD_DATE_ORDER, "at",
		       "at '%s' falls on %s, after the run date %s", at,
		       date_format_iso(date, day), date_format_iso(st->run_date, run));
		return;
	}
	out->date = date;
	/* contacts_parse_at() took at most 29 bytes. */
	snprintf(out->at, sizeof(out->at), "%s", at);

	if (!channel[0]) {
		reject(out, arena, REJECT_MISSING_FIELD, "channel",
		       "required field 'channel' is empty");
		return;
	}
	w = find_word(channel_words, PL_ARRAY_SIZE(channel_words), channel);
	if (!w) {
		reject(out, arena, REJECT_BAD_ENUM, "channel",
		       "channel '%s' is not one of %s", fields_shown(arena, channel),
		       word_list(arena, channel_words, PL_ARRAY_SIZE(channel_words)));
		return;
	}
	out->channel = (enum channel)w->value;

	if (!kind[0]) {
		reject(out, arena, REJECT_MISSING_FIELD, "kind",
		       "required field 'kind' is empty");
		return;
	}
	w = find_word(kind_words, PL_ARRAY_SIZE(kind_words), kind);
	if (!w) {
		reject(out, arena, REJECT_BAD_ENUM, "kind",
		       "kind '%s' is not one of %s", fields_shown(arena, kind),
		       word_list(arena, kind_words, PL_ARRAY_SIZE(kind_words)));
		return;
	}
	out->kind = (enum contact_kind)w->value;
}

int contacts_next(struct contacts *c, struct arena *arena,
		  struct contact_event *out, struct pl_diag *diag)
{
	struct ingest_state *st = c->state;
	const struct csv_record *rec = NULL;
	int rc;

	event_defaults(out);
	if (!st)
		PL_BUG("contacts_next() on a contacts file that is not open");
	rc = ingest_state_next(st, &rec, diag);
	if (rc != PL_OK)
		return rc;   /* PL_DONE or the read error */

	out->file = st->base;
	out->line = rec->line;
	/* Named even when the record is broken, so the reject says whose it is. */
	out->account_id = value(st, rec, CF_ACCOUNT_ID, arena);
	out->consumer_id = value(st, rec, CF_CONSUMER_ID, arena);
	if (!out->consumer_id[0])
		out->consumer_id = out->account_id;

	if (ingest_reject_framing(st, rec, &out->reject, arena))
		out->rejected = true;
	else
		convert(st, rec, out, arena);
	return PL_OK;
}
