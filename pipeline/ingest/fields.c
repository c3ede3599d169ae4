/*
 * fields.c: the canonical account fields, validated one by one.
 *
 * One table lists the fields of ../shared/DESIGN.md in its order, with
 * whether each is required, what kind of value it holds and where it goes
 * in struct account. fields_convert() walks the table in that order and
 * the first field that fails decides the reject, so a record with several
 * problems always gets the same, predictable reason. The checks that
 * involve more than one field (the balance equation) come after the walk;
 * duplicates are the caller's business (ingest.c), since only a record
 * that is otherwise good counts as "seen".
 *
 * Nothing here knows about CSV: any reader that can produce the raw text
 * of each canonical field can use it.
 */
#include "../pl.h"
#include "../core/date.h"
#include "../core/money.h"
#include "ingest-int.h"

#include <glib.h>

/* ---- the table ---- */

#define F(name, req, kind) { #name, req, kind, offsetof(struct account, name) }

const struct field_spec ingest_fields[] = {
	F(account_id,            true,  FK_TEXT),
	F(consumer_id,           false, FK_TEXT),
	F(creditor_name,         true,  FK_TEXT),
	F(original_creditor,     false, FK_TEXT),
	F(creditor_account_ref,  true,  FK_TEXT),
	F(debt_type,             true,  FK_DEBT_TYPE),
	F(first_name,            false, FK_TEXT),
	F(middle_name,           false, FK_TEXT),
	F(last_name,             true,  FK_TEXT),
	F(name_suffix,           false, FK_TEXT),
	F(address_line1,         true,  FK_TEXT),
	F(address_line2,         false, FK_TEXT),
	F(city,                  true,  FK_TEXT),
	F(state,                 true,  FK_STATE),
	F(postal_code,           true,  FK_POSTAL),
	F(language,              false, FK_LANGUAGE),
	F(itemization_date_type, true,  FK_ITEMIZATION),
	F(itemization_date,      true,  FK_DATE_PAST),
	F(amount_at_itemization, true,  FK_MONEY),
	F(interest_since,        false, FK_MONEY),
	F(fees_since,            false, FK_MONEY),
	F(payments_since,        false, FK_MONEY),
	F(credits_since,         false, FK_MONEY),
	F(current_balance,       true,  FK_MONEY),
	F(delinquency_date,      true,  FK_DATE_PAST),
	F(last_payment_date,     false, FK_DATE_PAST),
	F(charge_off_date,       false, FK_DATE_PAST),
	F(letter,                false, FK_LETTER),
	F(validation_sent_on,    false, FK_DATE_PAST),
	F(dispute_received_on,   false, FK_DATE_PAST),
	F(verification_sent_on,  false, FK_DATE_PAST),
	F(cease_requested_on,    false, FK_DATE_PAST),
	F(attorney_represented,  false, FK_FLAG),
	F(bankruptcy,            false, FK_FLAG),
	F(deceased,              false, FK_FLAG),
	F(identity_theft_claim,  false, FK_FLAG),
	F(settlement_amount,     false, FK_MONEY),
	F(settlement_expires_on, false, FK_DATE),
	F(plan_installment,      false, FK_MONEY),
	F(plan_count,            false, FK_COUNT),
	F(plan_first_due,        false, FK_DATE),
	F(portal_code,           false, FK_TEXT),
	/* extensions (README.md "Account files") */
	F(debt_buyer,            false, FK_TRISTATE),
	F(opt_out_channels,      false, FK_CHANNELS),
};

#undef F

_Static_assert(PL_ARRAY_SIZE(ingest_fields) == INGEST_NFIELDS,
	       "a field added to the table must be counted in ingest-int.h");

struct name_value {
	const char *name;
	int value;
};

static const struct name_value debt_types[] = {
	{ "credit_card", DEBT_CREDIT_CARD }, { "medical", DEBT_MEDICAL },
	{ "auto", DEBT_AUTO }, { "student", DEBT_STUDENT },
	{ "utility", DEBT_UTILITY }, { "telecom", DEBT_TELECOM },
	{ "rent", DEBT_RENT }, { "personal_loan", DEBT_PERSONAL_LOAN },
	{ "other", DEBT_OTHER },
};

static const struct name_value itemization_types[] = {
	{ "last_statement", ITEMIZATION_LAST_STATEMENT },
	{ "charge_off", ITEMIZATION_CHARGE_OFF },
	{ "last_payment", ITEMIZATION_LAST_PAYMENT },
	{ "transaction", ITEMIZATION_TRANSACTION },
	{ "judgment", ITEMIZATION_JUDGMENT },
};

static const struct name_value languages[] = {
	{ "en", 0 }, { "es", 1 },
};

/* The letter codes typeset has templates for ("auto" lets decide choose). */
static const struct name_value letters[] = {
	{ "auto", 0 }, { "validation-notice", 1 }, { "reminder", 2 },
	{ "settlement-offer", 3 }, { "payment-plan", 4 },
	{ "dispute-verification", 5 }, { "cease-acknowledgment", 6 },
	{ "paid-in-full", 7 }, { "time-barred-notice", 8 },
};

/* The words of a channel set, in enum channel order. */
static const struct name_value channels[] = {
	{ "call", CHANNEL_CALL }, { "letter", CHANNEL_LETTER },
	{ "email", CHANNEL_EMAIL }, { "sms", CHANNEL_SMS },
};

int ingest_field_index(const char *name)
{
	for (size_t i = 0; i < INGEST_NFIELDS; i++)
		if (!strcmp(ingest_fields[i].name, name))
			return (int)i;
	return -1;
}

/* ---- small helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

void fields_trim(const char **start, size_t *len)
{
	const char *s = *start;
	size_t n = *len;

	while (n && is_blank(s[0])) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	*start = s;
	*len = n;
}

#define SHOWN_MAX 40

const char *fields_shown(struct arena *arena, const char *value)
{
	size_t n = strlen(value);

	if (n <= SHOWN_MAX)
		return value;
	n = SHOWN_MAX;
	/* Do not cut a UTF-8 sequence: back up to the start of a character. */
	while (n && ((unsigned char)value[n] & 0xC0) == 0x80)
		n--;
	return arena_printf(arena, "%.*s...", (int)n, value);
}

void ingest_vreject(struct reject *r, struct arena *arena, const char *code,
		    const char *field, const char *fmt, va_list ap)
{
	r->code = code;
	r->field = field ? field : "";
	r->message = arena_vprintf(arena, fmt, ap);
}

void ingest_reject(struct reject *r, struct arena *arena, const char *code,
		   const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ingest_vreject(r, arena, code, field, fmt, ap);
	va_end(ap);
}

void fields_reject(struct account *out, struct arena *arena, const char *code,
		   const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ingest_vreject(&out->reject, arena, code, field, fmt, ap);
	va_end(ap);
	out->rejected = true;
}

static const struct name_value *lookup(const struct name_value *table, size_t n,
				       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

/* "a, b, c" for a message. Arena-owned. */
static const char *names_of(struct arena *arena, const struct name_value *table,
			    size_t n)
{
	size_t len = 0;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(table[i].name) + 2;
	p = s = arena_alloc(arena, len + 1);
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(table[i].name);

		if (i) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, table[i].name, k);
		p += k;
	}
	*p = '\0';
	return s;
}

/*
 * "call; SMS" -> CHANNEL_CALL | CHANNEL_SMS: words separated by spaces
 * or semicolons, case-insensitive, repeats allowed. Returns false with
 * the first unknown word in bad[] (cut to fit).
 */
static bool parse_channels(const char *v, unsigned *out, char *bad, size_t size)
{
	unsigned bits = 0;

	while (*v) {
		size_t n = strcspn(v, " \t;");
		bool found = false;

		for (size_t i = 0; n && i < PL_ARRAY_SIZE(channels); i++) {
			if (strlen(channels[i].name) == n &&
			    !g_ascii_strncasecmp(v, channels[i].name, n)) {
				bits |= (unsigned)channels[i].value;
				found = true;
			}
		}
		if (n && !found) {
			snprintf(bad, size, "%.*s", (int)n, v);
			return false;
		}
		v += n;
		v += strspn(v, " \t;");
	}
	*out = bits;
	return true;
}

/* Why s is not a valid non-negative amount (money_parse() refused it). */
static const char *money_problem(const char *s, char *buf, size_t size)
{
	static const char digits[] = "0123456789";
	const char *p = s + (*s == '-');
	size_t int_digits, frac_digits = 0;
	bool dot = false;
	char max[40];

	int_digits = strspn(p, digits);
	p += int_digits;
	if (*p == '.') {
		dot = true;
		p++;
		frac_digits = strspn(p, digits);
		p += frac_digits;
	}
	if (*p || !int_digits || (dot && !frac_digits))
		return "is not an amount (digits and at most two decimals, no '$' or ',')";
	if (*s == '-')
		return "is negative";
	if (frac_digits > 2)
		return "has more than two decimals";
	snprintf(buf, size, "is more than %s",
		 money_format(PL_MAX_MONEY_CENTS, max, sizeof(max)));
	return buf;
}

static bool postal_code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n != 5 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 5) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

/* ---- conversion ---- */

void fields_defaults(struct account *out)
{
	memset(out, 0, sizeof(*out));
	out->reject.code = "";
	out->reject.field = "";
	out->reject.message = "";
	for (size_t i = 0; i < INGEST_NFIELDS; i++) {
		const struct field_spec *f = &ingest_fields[i];
		void *member = (char *)out + f->offset;

		switch (f->kind) {
		case FK_TEXT:
		case FK_STATE:
		case FK_POSTAL:
			*(const char **)member = "";
			break;
		case FK_LANGUAGE:
			*(const char **)member = "en";
			break;
		case FK_LETTER:
			*(const char **)member = "auto";
			break;
		case FK_DATE_PAST:
		case FK_DATE:
			*(int *)member = PL_NO_DATE;
			break;
		case FK_MONEY:
		case FK_DEBT_TYPE:
		case FK_ITEMIZATION:
		case FK_FLAG:
		case FK_COUNT:
		case FK_TRISTATE:   /* TRI_UNKNOWN */
		case FK_CHANNELS:   /* none refused */
			break;   /* zero from memset */
		}
	}
}

/*
 * Convert one present, trimmed, non-empty value. Returns false after
 * marking *out rejected.
 */
static bool convert_one(struct account *out, const struct field_spec *f,
			const char *v, int run_date, struct arena *arena)
{
	void *member = (char *)out + f->offset;
	const struct name_value *nv;
	char why[80];
	int date;
	int64_t cents;

	switch (f->kind) {
	case FK_TEXT:
		*(const char **)member = v;
		return true;

	case FK_DATE_PAST:
	case FK_DATE:
		if (date_parse_iso(v, &date) != 0) {
			fields_reject(out, arena, REJECT_BAD_DATE, f->name,
				      "%s '%s' is not a date (YYYY-MM-DD)", f->name,
				      fields_shown(arena, v));
			return false;
		}
		if (f->kind == FK_DATE_PAST && run_date != PL_NO_DATE &&
		    date > run_date) {
			char run[PL_DATE_ISO_LEN];

			fields_reject(out, arena, REJECT_BAD_DATE_ORDER, f->name,
				      "%s '%s' is after the run date %s", f->name, v,
				      date_format_iso(run_date, run));
			return false;
		}
		*(int *)member = date;
		return true;

	case FK_MONEY:
		if (money_parse(v, false, &cents) != 0) {
			fields_reject(out, arena, REJECT_BAD_AMOUNT, f->name,
				      "%s '%s' %s", f->name, fields_shown(arena, v),
				      money_problem(v, why, sizeof(why)));
			return false;
		}
		*(int64_t *)member = cents;
		return true;

	case FK_DEBT_TYPE:
	case FK_ITEMIZATION:
	case FK_LANGUAGE:
	case FK_LETTER: {
		const struct name_value *table;
		size_t n;

		switch (f->kind) {
		case FK_DEBT_TYPE:
			table = debt_types; n = PL_ARRAY_SIZE(debt_types); break;
		case FK_ITEMIZATION:
			table = itemization_types; n = PL_ARRAY_SIZE(itemization_types); break;
		case FK_LANGUAGE:
			table = languages; n = PL_ARRAY_SIZE(languages); break;
		default:
			table = letters; n = PL_ARRAY_SIZE(letters); break;
		}
		nv = lookup(table, n, v);
		if (!nv) {
			fields_reject(out, arena, REJECT_BAD_ENUM, f->name,
				      "%s '%s' is not one of %s", f->name,
				      fields_shown(arena, v), names_of(arena, table, n));
			return false;
		}
		if (f->kind == FK_DEBT_TYPE)
			*(enum debt_type *)member = (enum debt_type)nv->value;
		else if (f->kind == FK_ITEMIZATION)
			*(enum itemization_type *)member = (enum itemization_type)nv->value;
		else
			*(const char **)member = nv->name;   /* static, never the arena */
		return true;
	}

	case FK_FLAG:
		if (!strcmp(v, "Y") || !strcmp(v, "y")) {
			*(bool *)member = true;
		} else if (strcmp(v, "N") && strcmp(v, "n")) {
			fields_reject(out, arena, REJECT_BAD_ENUM, f->name,
				      "%s '%s' is not Y or N", f->name,
				      fields_shown(arena, v));
			return false;
		}
		return true;

	case FK_TRISTATE:
		if (!strcmp(v, "Y") || !strcmp(v, "y")) {
			*(enum tristate *)member = TRI_YES;
		} else if (!strcmp(v, "N") || !strcmp(v, "n")) {
			*(enum tristate *)member = TRI_NO;
		} else {
			fields_reject(out, arena, REJECT_BAD_ENUM, f->name,
				      "%s '%s' is not Y or N (or empty: not known)",
				      f->name, fields_shown(arena, v));
			return false;
		}
		return true;

	case FK_CHANNELS: {
		char bad[PL_MAX_FIELD_BYTES + 1];
		unsigned bits = 0;

		if (!parse_channels(v, &bits, bad, sizeof(bad))) {
			fields_reject(out, arena, REJECT_BAD_ENUM, f->name,
				      "%s word '%s' is not one of %s", f->name,
				      fields_shown(arena, bad),
				      names_of(arena, channels, PL_ARRAY_SIZE(channels)));
			return false;
		}
		*(unsigned *)member = bits;
		return true;
	}

	case FK_STATE:
		if (!usps_state_known(v)) {
			char upper[3] = { 0 };

			if (strlen(v) == 2) {
				upper[0] = (char)(v[0] >= 'a' && v[0] <= 'z' ? v[0] - 32 : v[0]);
				upper[1] = (char)(v[1] >= 'a' && v[1] <= 'z' ? v[1] - 32 : v[1]);
			}
			if (upper[0] && usps_state_known(upper))
				fields_reject(out, arena, REJECT_BAD_STATE, f->name,
					      "state '%s' is not a USPS state code (write it in capitals: '%s')",
					      v, upper);
			else
				fields_reject(out, arena, REJECT_BAD_STATE, f->name,
					      "state '%s' is not a USPS state code",
					      fields_shown(arena, v));
			return false;
		}
		*(const char **)member = v;
		return true;

	case FK_POSTAL:
		if (!postal_code_ok(v)) {
			fields_reject(out, arena, REJECT_BAD_POSTAL_CODE, f->name,
				      "postal_code '%s' is not a ZIP code (12345) or ZIP+4 (12345-6789)",
				      fields_shown(arena, v));
			return false;
		}
		*(const char **)member = v;
		return true;

	case FK_COUNT: {
		size_t n = strlen(v);
		int count = 0;

		/* Four digits are plenty: a plan of 9999 instalments is 800 years monthly. */
		if (n > 4 || strspn(v, "0123456789") != n) {
			count = 0;
		} else {
			for (size_t i = 0; i < n; i++)
				count = count * 10 + (v[i] - '0');
		}
		if (count <= 0) {
			fields_reject(out, arena, REJECT_BAD_ENUM, f->name,
				      "%s '%s' is not a whole number from 1 to 9999",
				      f->name, fields_shown(arena, v));
			return false;
		}
		*(int *)member = count;
		return true;
	}
	}
	PL_BUG("field kind %d", (int)f->kind);
}

/*
 * current_balance = amount_at_itemization + interest + fees - payments -
 * credits: the itemization of Regulation F (12 CFR 1006.34(c)(2)) must
 * add up, or the validation notice would state a wrong debt.
 */
static void check_balance(struct account *out, struct arena *arena)
{
	int64_t sum = out->amount_at_itemization + out->interest_since +
		      out->fees_since - out->payments_since - out->credits_since;
	char bal[40], total[40], amt[40], in[40], fee[40], pay[40], cred[40];

	if (sum == out->current_balance)
		return;
	fields_reject(out, arena, REJECT_BALANCE_MISMATCH, "current_balance",
		      "current_balance %s does not equal %s = amount_at_itemization %s"
		      " + interest_since %s + fees_since %s - payments_since %s"
		      " - credits_since %s",
		      money_format(out->current_balance, bal, sizeof(bal)),
		      money_format(sum, total, sizeof(total)),
		      money_format(out->amount_at_itemization, amt, sizeof(amt)),
		      money_format(out->interest_since, in, sizeof(in)),
		      money_format(out->fees_since, fee, sizeof(fee)),
		      money_format(out->payments_since, pay, sizeof(pay)),
		      money_format(out->credits_since, cred, sizeof(cred)));
}

void fields_convert(struct account *out, const char *const *values,
		    int run_date, struct arena *arena)
{
	for (size_t i = 0; i < INGEST_NFIELDS; i++) {
		const struct field_spec *f = &ingest_fields[i];
		const char *start = values[i] ? values[i] : "";
		size_t len = strlen(start);
		const char *v;

		fields_trim(&start, &len);
		if (!len) {
			if (f->required) {
				fields_reject(out, arena, REJECT_MISSING_FIELD, f->name,
					      "required field '%s' is empty", f->name);
				return;
			}
			continue;   /* the default from fields_defaults() stands */
		}
		v = arena_strndup(arena, start, len);
		if (!convert_one(out, f, v, run_date, arena))
			return;
	}
	if (!out->consumer_id[0])
		out->consumer_id = out->account_id;
	check_balance(out, arena);
}
