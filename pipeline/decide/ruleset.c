/*
 * ruleset.c: load, check and compile a rules directory (see decide.h and
 * rules/README.md, the format).
 *
 * Loading is all or nothing. The directory's *.xml files are read in
 * name order with core/xmlsafe (no DTD, no network), each is compiled
 * (<rules> files into struct rule entries of decide-int.h, the one
 * <calendar> file by calendar.c, the one <jurisdictions> file into the
 * state and city tables) and validated against the directory's rules.rng
 * with libxml2's RELAX NG validator. After the last file the set as a
 * whole is checked (a calendar, a jurisdiction list, a validation-period
 * rule and a letter choice exist; every file's jurisdiction and every
 * states= code is in the list; no account can collect more disclosures
 * or hits than a verdict holds) and put in evaluation order: federal,
 * then state, then city, each in file-name and document order. The first
 * problem ends the load with PL_RULE and a diagnostic naming the file, the
 * line and the rule id.
 *
 * What the schema leaves to C: that dates exist and ranges are ordered,
 * that hold conditions, debt types, fields and {placeholders} are in the
 * program's vocabulary (tables below), that time zones exist in the
 * system's tz database, and cross-file checks.
 */
#include "../pl.h"
#include "decide.h"
#include "decide-int.h"
#include "../core/date.h"
#include "../core/digest.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"

#include <dirent.h>
#include <sys/stat.h>

#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#define SCHEMA_NAME "rules.rng"

/* ---- the vocabulary C understands ---- */

struct name_value {
	const char *name;
	int value;
};

static const struct name_value hold_conditions[] = {
	{ "cease_requested", HOLD_CEASE_REQUESTED },
	{ "dispute_pending", HOLD_DISPUTE_PENDING },
	{ "bankruptcy", HOLD_BANKRUPTCY },
	{ "attorney_represented", HOLD_ATTORNEY_REPRESENTED },
	{ "deceased", HOLD_DECEASED },
	{ "identity_theft_claim", HOLD_IDENTITY_THEFT_CLAIM },
	{ "mail_opt_out", HOLD_MAIL_OPT_OUT },
	{ "time_barred", HOLD_TIME_BARRED },
	{ "always", HOLD_ALWAYS },
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

static const struct name_value agency_fields[] = {
	{ "dispute_url", AGENCY_FIELD_DISPUTE_URL },
	{ "portal_url", AGENCY_FIELD_PORTAL_URL },
	{ "website", AGENCY_FIELD_WEBSITE },
};

/* Values are enum channel bits already. */
static const struct name_value channels[] = {
	{ "call", CHANNEL_CALL }, { "letter", CHANNEL_LETTER },
	{ "email", CHANNEL_EMAIL }, { "sms", CHANNEL_SMS },
};

static const struct name_value contact_kinds[] = {
	{ "attempt", CONTACT_ATTEMPT }, { "conversation", CONTACT_CONVERSATION },
	{ "delivered", CONTACT_DELIVERED },
};

/* Value of name in table, or -1. */
static int lookup(const struct name_value *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i].name, name))
			return table[i].value;
	return -1;
}

/*
 * Placeholders a disclosure text may use. typeset fills them in, except
 * {licence_number}, which eval.c replaces (only decide knows which
 * jurisdiction's licence a rule means).
 */
static const char *const text_placeholders[] = {
	"collector", "creditor", "itemization_creditor", "account_number",
	"debt_type_label", "validation_end_date", "itemization_date",
	"mail_date", "dispute_url", "portal_url", "website", "phone", "hours",
	"reference", "consumer_name", "cease_requested_on",
	"dispute_received_on", "licence_number",
};

/* Placeholders a <message> may use; eval.c fills them in. */
static const char *const message_placeholders[] = {
	"cease_requested_on", "dispute_received_on", "verification_sent_on",
	"validation_sent_on", "validation_piece_id", "sol_expires_on", "state",
};

static bool in_list_n(const char *const *list, size_t n, const char *name,
		      size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], name, len))
			return true;
	return false;
}

/* ---- the string pool ---- */

/* Keep s (xmalloc'ed) until ruleset_free; returns s. */
static const char *pool_take(struct ruleset *rs, char *s)
{
	if (rs->npool == rs->pool_alloc) {
		rs->pool_alloc = rs->pool_alloc ? 2 * rs->pool_alloc : 64;
		rs->pool = xrealloc(rs->pool, rs->pool_alloc * sizeof(*rs->pool));
	}
	rs->pool[rs->npool++] = s;
	return s;
}

static const char *pool_dup(struct ruleset *rs, const char *s)
{
	return pool_take(rs, xstrdup(s));
}

/* ---- reading the tree ---- */

struct loader {
	struct ruleset *rs;
	struct pl_diag *diag;
	xmlRelaxNG *schema;        /* owned during the load */
	const char *file;          /* pooled path of the file being read */
	const char *name;          /* pooled name of that file in the rules
				      directory: what the audit trail shows,
				      so it never names a machine path */
	const char *jurisdiction;  /* pooled, of the file being read */
	int level;                 /* of that jurisdiction: 0, 1, 2 */
	char scope_state[3];       /* its state, "" for US */
	unsigned line;             /* for errors without a node: 0 or a rule's line */
};

static unsigned node_line(xmlNode *node)
{
	long line = xmlGetLineNo(node);

	return line > 0 ? (unsigned)line : 0;
}

/* A rules error at node, naming the rule (rule_id may be NULL). */
PL_PRINTF(4, 5) static int rule_error(struct loader *ld, xmlNode *node,
				      const char *rule_id, const char *fmt, ...)
{
	char msg[sizeof(ld->diag->message)];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc = pl_diag_set(ld->diag, PL_RULE, ld->file,
			 node ? node_line(node) : ld->line, "%s", msg);
	if (ld->diag)
		snprintf(ld->diag->rule_id, sizeof(ld->diag->rule_id), "%s",
			 rule_id ? rule_id : "");
	return rc;
}

/* Attribute value, xmlFree'd by the caller; NULL when absent. */
static char *prop(xmlNode *node, const char *name)
{
	return (char *)xmlGetProp(node, (const xmlChar *)name);
}

static const char *pooled_prop(struct loader *ld, xmlNode *node,
			       const char *name)
{
	char *v = prop(node, name);
	const char *out = v ? pool_dup(ld->rs, v) : NULL;

	xmlFree(v);
	return out;
}

/*
 * Text content with every run of whitespace made one space and the ends
 * trimmed, so a compliance officer may wrap long texts. Pooled.
 */
static const char *normalized_text(struct loader *ld, xmlNode *node)
{
	char *raw = (char *)xmlNodeGetContent(node);
	char *out = xmalloc(strlen(raw ? raw : "") + 1);
	size_t n = 0;
	bool space = false;

	for (const char *s = raw ? raw : ""; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = *s;
	}
	out[n] = '\0';
	xmlFree(raw);
	return pool_take(ld->rs, out);
}

/*
 * Check every {name} of text against vocabulary. Returns 0; -1 with bad
 * set to the unknown "{name}"; -2 with bad set to the text from a stray
 * or unclosed brace.
 */
static int check_placeholders(const char *text, const char *const *vocab,
			      size_t nvocab, char *bad, size_t badsize)
{
	for (const char *s = text; (s = strpbrk(s, "{}")) != NULL;) {
		const char *end = *s == '{' ? strpbrk(s + 1, "{}") : NULL;

		if (!end || *end != '}') {
			snprintf(bad, badsize, "%.24s", s);
			return -2;
		}
		snprintf(bad, badsize, "%.*s", (int)(end - s + 1), s);
		if (!in_list_n(vocab, nvocab, s + 1, (size_t)(end - s - 1)))
			return -1;
		s = end + 1;
	}
	return 0;
}

static int check_text(struct loader *ld, xmlNode *node, const char *rule_id,
		      const char *text, bool message)
{
	char bad[48];
	int failed;

	if (message)
		failed = check_placeholders(text, message_placeholders,
					    PL_ARRAY_SIZE(message_placeholders),
					    bad, sizeof(bad));
	else
		failed = check_placeholders(text, text_placeholders,
					    PL_ARRAY_SIZE(text_placeholders),
					    bad, sizeof(bad));
	if (failed == -2)
		return rule_error(ld, node, rule_id,
				  "unbalanced brace at '%s' in rule '%s'", bad,
				  rule_id);
	if (failed)
		return rule_error(ld, node, rule_id,
				  "unknown placeholder '%s' in rule '%s'", bad,
				  rule_id);
	return PL_OK;
}

static int compile_message(struct loader *ld, xmlNode *node,
			   const char *rule_id, struct rule_message *out)
{
	char *req = prop(node, "requires");
	int rc = PL_OK;

	if (req && !in_list_n(message_placeholders,
			      PL_ARRAY_SIZE(message_placeholders), req, strlen(req)))
		rc = rule_error(ld, node, rule_id,
				"unknown placeholder '%s' in requires of rule '%s'",
				req, rule_id);
	if (rc == PL_OK) {
		out->requires = req ? pool_dup(ld->rs, req) : NULL;
		out->text = normalized_text(ld, node);
		if (!*out->text)
			rc = rule_error(ld, node, rule_id, "empty message in rule '%s'",
					rule_id);
		else
			rc = check_text(ld, node, rule_id, out->text, true);
	}
	xmlFree(req);
	return rc;
}

/* ---- attributes ---- */

/*
 * Split a space-separated attribute into pooled words. Returns the count,
 * or -1 when there are more than max.
 */
static int split_words(struct loader *ld, const char *value, const char **out,
		       size_t max)
{
	size_t n = 0;
	const char *s = value;

	while (*s) {
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		len = strcspn(s, " \t\n\r");
		if (!len)
			break;
		if (n == max)
			return -1;
		out[n++] = pool_take(ld->rs, xstrndup(s, len));
		s += len;
	}
	return (int)n;
}

/*
 * The word list of attribute name into out (at most max; absent: 0
 * words). Fails when there are too many, or none in an attribute that is
 * present.
 */
static int word_list(struct loader *ld, xmlNode *node, const struct rule *r,
		     const char *name, const char **out, size_t max, size_t *n_out)
{
	char *v = prop(node, name);
	int n = v ? split_words(ld, v, out, max) : 0;
	int rc = PL_OK;

	if (n < 0)
		rc = rule_error(ld, node, r->id, "more than %zu words in %s of rule '%s'",
				max, name, r->id);
	else if (v && n == 0)
		rc = rule_error(ld, node, r->id, "empty %s in rule '%s'", name, r->id);
	*n_out = n > 0 ? (size_t)n : 0;
	xmlFree(v);
	return rc;
}

/*
 * A whole number in [min, max] from attribute name; *out = dflt when the
 * attribute is absent (and not required).
 */
static int int_attr(struct loader *ld, xmlNode *node, const struct rule *r,
		    const char *name, int min, int max, bool required, int dflt,
		    int *out)
{
	char *v = prop(node, name);
	char *end = NULL;
	long n = 0;
	int rc = PL_OK;

	*out = dflt;
	if (v) {
		errno = 0;
		n = strtol(v, &end, 10);
	}
	if (!v && required)
		rc = rule_error(ld, node, r->id, "missing %s in rule '%s'", name, r->id);
	else if (v && (!*v || *end || errno || n < min || n > max))
		rc = rule_error(ld, node, r->id, "bad %s '%s' in rule '%s' (%d to %d)",
				name, v, r->id, min, max);
	else if (v)
		*out = (int)n;
	xmlFree(v);
	return rc;
}

/* yes/no attribute into a tristate (TRI_UNKNOWN when absent). */
static int yes_no(struct loader *ld, xmlNode *node, const struct rule *r,
		  const char *name, enum tristate *out)
{
	char *v = prop(node, name);
	int rc = PL_OK;

	*out = TRI_UNKNOWN;
	if (v && !strcmp(v, "yes"))
		*out = TRI_YES;
	else if (v && !strcmp(v, "no"))
		*out = TRI_NO;
	else if (v)
		rc = rule_error(ld, node, r->id, "bad %s '%s' in rule '%s' (yes or no)",
				name, v, r->id);
	xmlFree(v);
	return rc;
}

/*
 * A list of names from table into a bit set: (1 << value), or the values
 * themselves when they are bits already (channels).
 */
static int name_bits(struct loader *ld, xmlNode *node, const struct rule *r,
		     const char *attr, const char *what,
		     const struct name_value *table, size_t count,
		     bool values_are_bits, unsigned *bits_out)
{
	const char *words[16];
	size_t n;
	int rc = word_list(ld, node, r, attr, words, PL_ARRAY_SIZE(words), &n);

	*bits_out = 0;
	for (size_t i = 0; i < n && rc == PL_OK; i++) {
		int v = lookup(table, count, words[i]);

		if (v < 0)
			rc = rule_error(ld, node, r->id, "unknown %s '%s' in rule '%s'",
					what, words[i], r->id);
		else
			*bits_out |= values_are_bits ? (unsigned)v : 1u << v;
	}
	return rc;
}

#define NAME_BITS(ld, node, r, attr, what, table, bits_out) \
	name_bits((ld), (node), (r), (attr), (what), (table), PL_ARRAY_SIZE(table), \
		  false, (bits_out))

static int agency_field_attr(struct loader *ld, xmlNode *node,
			     const struct rule *r, enum agency_field *out)
{
	char *v = prop(node, "requires");
	int f = v ? lookup(agency_fields, PL_ARRAY_SIZE(agency_fields), v) : 0;
	int rc = PL_OK;

	*out = AGENCY_FIELD_NONE;
	if (f < 0)
		rc = rule_error(ld, node, r->id,
				"unknown agency field '%s' in requires of rule '%s'",
				v, r->id);
	else
		*out = (enum agency_field)f;
	xmlFree(v);
	return rc;
}

/*
 * The conditions of rules/README.md on an action element. languages= is
 * a condition everywhere except on <letter-choice>, where it lists the
 * languages the letter is issued in (compile_letter_choice reads it).
 */
static int compile_cond(struct loader *ld, xmlNode *node, struct rule *r,
			bool languages_too)
{
	struct rule_cond *c = &r->cond;
	char *v;
	int rc;

	rc = word_list(ld, node, r, "letters", c->letters, RULE_MAX_LETTERS,
		       &c->nletters);
	if (rc == PL_OK && languages_too)
		rc = word_list(ld, node, r, "languages", c->languages,
			       RULE_MAX_LANGUAGES, &c->nlanguages);
	if (rc == PL_OK)
		rc = word_list(ld, node, r, "states", c->states, RULE_MAX_STATES,
			       &c->nstates);
	if (rc == PL_OK)
		rc = word_list(ld, node, r, "outside", c->outside, RULE_MAX_STATES,
			       &c->noutside);
	if (rc == PL_OK)
		rc = NAME_BITS(ld, node, r, "debt-types", "debt type", debt_types, &c->debt_types);
	if (rc == PL_OK)
		rc = NAME_BITS(ld, node, r, "itemization-types", "itemization type",
			       itemization_types,
			       &c->itemization_types);
	if (rc == PL_OK)
		rc = yes_no(ld, node, r, "time-barred", &c->time_barred);
	if (rc == PL_OK)
		rc = yes_no(ld, node, r, "obsolete", &c->obsolete);
	if (rc == PL_OK)
		rc = yes_no(ld, node, r, "debt-buyer", &c->debt_buyer);
	if (rc == PL_OK)
		rc = agency_field_attr(ld, node, r, &c->requires);
	if (rc != PL_OK)
		return rc;

	v = prop(node, "communication");
	if (v && !strcmp(v, "initial"))
		c->communication = COMMUNICATION_INITIAL;
	else if (v && !strcmp(v, "subsequent"))
		c->communication = COMMUNICATION_SUBSEQUENT;
	else if (v)
		rc = rule_error(ld, node, r->id,
				"bad communication '%s' in rule '%s' (initial or subsequent)",
				v, r->id);
	xmlFree(v);
	if (rc == PL_OK)
		c->with_slot = pooled_prop(ld, node, "with-slot");
	return rc;
}

/* ---- one action element per rule ---- */

static int compile_letter_choice(struct loader *ld, xmlNode *node,
				 struct rule *r)
{
	char *v = prop(node, "auto");
	int n, rc;
	xmlNode *sent = xmlsafe_child(node, "already-sent");
	enum tristate overshadows = TRI_UNKNOWN;

	r->kind = RULE_LETTER_CHOICE;
	r->choice.letter = pooled_prop(ld, node, "letter");
	r->choice.is_auto = v && !strcmp(v, "true");
	xmlFree(v);
	if (!r->choice.letter)
		return rule_error(ld, node, r->id, "letter-choice without letter in rule '%s'",
				  r->id);
	v = prop(node, "languages");
	n = split_words(ld, v ? v : "en", r->choice.languages, RULE_MAX_LANGUAGES);
	xmlFree(v);
	if (n <= 0)
		return rule_error(ld, node, r->id, "bad languages in rule '%s'", r->id);
	r->choice.nlanguages = (size_t)n;
	/* RULE: 12 CFR 1006.34(e) (REGULATIONS.md 1.4): a letter in another
	 * language goes back to English when a text lacks that language, and
	 * a consumer whose language is not listed gets the first: English. */
	if (strcmp(r->choice.languages[0], "en"))
		return rule_error(ld, node, r->id,
				  "languages of rule '%s' start with '%s', not 'en' (English is the fallback)",
				  r->id, r->choice.languages[0]);
	rc = compile_cond(ld, node, r, false);
	if (rc == PL_OK)
		rc = yes_no(ld, node, r, "overshadows", &overshadows);
	r->choice.overshadows = overshadows == TRI_YES;
	if (rc == PL_OK)
		rc = int_attr(ld, node, r, "min-days-after-last-letter", 1, 3650,
			      false, 0, &r->choice.min_days_after_last);
	if (rc != PL_OK || !sent)
		return rc;
	r->choice.already_sent_reason = pooled_prop(ld, sent, "reason");
	for (xmlNode *m = sent->children; m && rc == PL_OK; m = m->next) {
		if (m->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)m->name, "message"))
			return rule_error(ld, m, r->id, "unexpected element <%s> in rule '%s'",
					  (const char *)m->name, r->id);
		if (r->choice.nmessages == RULE_MAX_MESSAGES)
			return rule_error(ld, m, r->id, "more than %d messages in rule '%s'",
					  RULE_MAX_MESSAGES, r->id);
		rc = compile_message(ld, m, r->id,
				     &r->choice.messages[r->choice.nmessages++]);
	}
	if (rc == PL_OK && (!r->choice.already_sent_reason || !r->choice.nmessages))
		rc = rule_error(ld, sent, r->id,
				"already-sent without reason or message in rule '%s'",
				r->id);
	return rc;
}

static int compile_period(struct loader *ld, xmlNode *node, struct rule *r)
{
	char *v;
	int rc;

	r->kind = RULE_VALIDATION_PERIOD;
	rc = int_attr(ld, node, r, "receipt-business-days", 1, 30, true, 0,
		      &r->period.receipt_business_days);
	if (rc == PL_OK)
		rc = int_attr(ld, node, r, "period-calendar-days", 1, 365, true, 0,
			      &r->period.period_calendar_days);
	if (rc == PL_OK)
		rc = compile_cond(ld, node, r, true);
	if (rc != PL_OK)
		return rc;

	v = prop(node, "holiday-method");
	if (!v || calendar_method_parse(v, &r->period.method))
		rc = rule_error(ld, node, r->id, "bad holiday-method '%s' in rule '%s'",
				v ? v : "", r->id);
	xmlFree(v);
	if (rc != PL_OK)
		return rc;

	/* The calendar may come in a later file: checked in check_set(). */
	r->period.calendar = pooled_prop(ld, node, "calendar");
	if (!r->period.calendar)
		rc = rule_error(ld, node, r->id, "validation-period without calendar in rule '%s'",
				r->id);
	return rc;
}

static int compile_hold(struct loader *ld, xmlNode *node, struct rule *r)
{
	char *when = prop(node, "when"), *action;
	xmlNode *message;
	int i, rc = PL_OK;

	r->kind = RULE_HOLD;
	i = when ? lookup(hold_conditions, PL_ARRAY_SIZE(hold_conditions), when) : -1;
	if (i < 0)
		rc = rule_error(ld, node, r->id, "unknown hold condition '%s' in rule '%s'",
				when ? when : "", r->id);
	else
		r->hold.when = (enum hold_condition)i;
	xmlFree(when);
	if (rc != PL_OK)
		return rc;

	action = prop(node, "action");
	if (action && !strcmp(action, "suppress"))
		r->hold.action = HOLD_SUPPRESS;
	else if (action && !strcmp(action, "defer"))
		r->hold.action = HOLD_DEFER;
	else
		rc = rule_error(ld, node, r->id,
				"unknown hold action '%s' in rule '%s' (suppress or defer)",
				action ? action : "", r->id);
	xmlFree(action);
	if (rc == PL_OK)
		rc = int_attr(ld, node, r, "defer-days", 1, 3650, false, -1,
			      &r->hold.defer_days);
	if (rc == PL_OK && r->hold.defer_days > 0 && r->hold.action != HOLD_DEFER)
		rc = rule_error(ld, node, r->id,
				"defer-days on a hold that does not defer in rule '%s'",
				r->id);
	if (rc == PL_OK)
		rc = word_list(ld, node, r, "except-letters", r->hold.except,
			       RULE_MAX_LETTERS, &r->hold.nexcept);
	if (rc == PL_OK)
		rc = compile_cond(ld, node, r, true);
	if (rc != PL_OK)
		return rc;

	r->hold.reason = pooled_prop(ld, node, "reason");
	message = xmlsafe_child(node, "message");
	if (!r->hold.reason || !message)
		return rule_error(ld, node, r->id, "hold without reason or message in rule '%s'",
				  r->id);
	return compile_message(ld, message, r->id, &r->hold.message);
}

static int compile_disclosure(struct loader *ld, xmlNode *node, struct rule *r)
{
	bool have_en = false;
	enum tristate emphasis = TRI_UNKNOWN;
	int rc;

	r->kind = RULE_DISCLOSURE;
	r->disclosure.slot = pooled_prop(ld, node, "slot");
	if (!r->disclosure.slot)
		return rule_error(ld, node, r->id, "disclosure without slot in rule '%s'",
				  r->id);
	rc = compile_cond(ld, node, r, true);
	if (rc == PL_OK)
		rc = int_attr(ld, node, r, "size", 1, 72, false, 0,
			      &r->disclosure.min_size);
	if (rc == PL_OK)
		rc = yes_no(ld, node, r, "emphasis", &emphasis);
	r->disclosure.emphasis = emphasis == TRI_YES;
	if (rc == PL_OK && r->cond.with_slot &&
	    !strcmp(r->cond.with_slot, r->disclosure.slot))
		rc = rule_error(ld, node, r->id,
				"disclosure fills the slot its with-slot names in rule '%s'",
				r->id);

	for (xmlNode *t = node->children; t && rc == PL_OK; t = t->next) {
		struct disclosure_text *dt;
		char *lang;

		if (t->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)t->name, "text"))
			return rule_error(ld, t, r->id, "unexpected element <%s> in rule '%s'",
					  (const char *)t->name, r->id);
		if (r->disclosure.ntexts == RULE_MAX_TEXTS)
			return rule_error(ld, t, r->id, "more than %d texts in rule '%s'",
					  RULE_MAX_TEXTS, r->id);
		lang = prop(t, "lang");
		for (size_t i = 0; lang && i < r->disclosure.ntexts; i++)
			if (!strcmp(r->disclosure.texts[i].lang, lang))
				rc = rule_error(ld, t, r->id,
						"second text in language '%s' in rule '%s'",
						lang, r->id);
		if (rc == PL_OK && !lang)
			rc = rule_error(ld, t, r->id, "text without lang in rule '%s'", r->id);
		if (rc == PL_OK) {
			dt = &r->disclosure.texts[r->disclosure.ntexts++];
			char *status = prop(t, "status");

			dt->lang = pool_dup(ld->rs, lang);
			dt->text = normalized_text(ld, t);
			/* A translation counsel has not confirmed flags the letters
			 * in that language only; the rule's status flags them all. */
			dt->needs_review = status && !strcmp(status, "needs-review");
			xmlFree(status);
			have_en |= !strcmp(lang, "en");
			if (!*dt->text)
				rc = rule_error(ld, t, r->id, "empty text in rule '%s'", r->id);
			else
				rc = check_text(ld, t, r->id, dt->text, false);
		}
		xmlFree(lang);
	}
	if (rc == PL_OK && !have_en)
		rc = rule_error(ld, node, r->id,
				"disclosure without an English text in rule '%s'", r->id);
	return rc;
}

static int compile_licence(struct loader *ld, xmlNode *node, struct rule *r)
{
	r->kind = RULE_LICENCE;
	r->licence = pooled_prop(ld, node, "jurisdiction");
	if (!r->licence || !*r->licence)
		return rule_error(ld, node, r->id, "licence without jurisdiction in rule '%s'",
				  r->id);
	return compile_cond(ld, node, r, true);
}

static int compile_requires_data(struct loader *ld, xmlNode *node,
				 struct rule *r)
{
	int rc;

	r->kind = RULE_REQUIRES_DATA;
	rc = word_list(ld, node, r, "fields", r->requires.fields, RULE_MAX_FIELDS,
		       &r->requires.nfields);
	if (rc == PL_OK && !r->requires.nfields)
		rc = rule_error(ld, node, r->id, "requires-data without fields in rule '%s'",
				r->id);
	for (size_t i = 0; i < r->requires.nfields && rc == PL_OK; i++)
		if (!account_field_known(r->requires.fields[i]))
			rc = rule_error(ld, node, r->id,
					"unknown account field '%s' in rule '%s'",
					r->requires.fields[i], r->id);
	if (rc == PL_OK) {
		r->requires.prefix = pooled_prop(ld, node, "reason-prefix");
		if (!r->requires.prefix)
			r->requires.prefix = REASON_DATA_MISSING;
		rc = compile_cond(ld, node, r, true);
	}
	return rc;
}

static int compile_sol(struct loader *ld, xmlNode *node, struct rule *r)
{
	int rc;

	r->kind = RULE_SOL;
	rc = int_attr(ld, node, r, "written-years", 1, 99, true, 0,
		      &r->sol.written_years);
	if (rc == PL_OK)
		rc = int_attr(ld, node, r, "open-years", 1, 99, true, 0,
			      &r->sol.open_years);
	if (rc == PL_OK)
		rc = compile_cond(ld, node, r, true);
	return rc;
}

static int compile_sol_classes(struct loader *ld, xmlNode *node, struct rule *r)
{
	int rc;

	r->kind = RULE_SOL_CLASSES;
	rc = NAME_BITS(ld, node, r, "written", "debt type", debt_types, &r->sol_classes.written);
	if (rc == PL_OK)
		rc = NAME_BITS(ld, node, r, "open", "debt type", debt_types, &r->sol_classes.open);
	if (rc == PL_OK && (r->sol_classes.written & r->sol_classes.open))
		rc = rule_error(ld, node, r->id,
				"a debt type in both columns of rule '%s'", r->id);
	if (rc == PL_OK)
		rc = compile_cond(ld, node, r, true);
	return rc;
}

static int compile_contact_limit(struct loader *ld, xmlNode *node,
				 struct rule *r)
{
	unsigned after = 0;
	int rc;

	r->kind = RULE_CONTACT_LIMIT;
	rc = name_bits(ld, node, r, "channels", "channel", channels,
		       PL_ARRAY_SIZE(channels), true, &r->limit.channels);
	if (rc == PL_OK && !r->limit.channels)
		rc = rule_error(ld, node, r->id, "contact-limit without channels in rule '%s'",
				r->id);
	if (rc == PL_OK)
		rc = NAME_BITS(ld, node, r, "after", "contact kind", contact_kinds, &after);
	if (rc == PL_OK && after) {
		for (size_t i = 0; i < PL_ARRAY_SIZE(contact_kinds); i++)
			if (after == 1u << contact_kinds[i].value)
				r->limit.after = (enum contact_kind)contact_kinds[i].value;
		if (!r->limit.after)
			rc = rule_error(ld, node, r->id, "more than one kind in after of rule '%s'",
					r->id);
		if (rc == PL_OK)
			rc = int_attr(ld, node, r, "quiet-days", 1, 365, true, 0,
				      &r->limit.quiet_days);
	} else if (rc == PL_OK) {
		rc = NAME_BITS(ld, node, r, "counts", "contact kind", contact_kinds, &r->limit.counts);
		if (rc == PL_OK && !r->limit.counts)
			rc = rule_error(ld, node, r->id,
					"contact-limit without counts or after in rule '%s'",
					r->id);
		if (rc == PL_OK)
			rc = int_attr(ld, node, r, "max", 0, 1000, true, 0, &r->limit.max);
		if (rc == PL_OK)
			rc = int_attr(ld, node, r, "window-days", 1, 365, true, 0,
				      &r->limit.window_days);
	}
	if (rc == PL_OK)
		rc = compile_cond(ld, node, r, true);
	return rc;
}

/* "HH:MM" into minutes after midnight (24:00 allowed as an end). */
static int parse_hhmm(const char *s, int *out)
{
	int h, m;

	if (!s || strlen(s) != 5 || s[2] != ':' ||
	    strspn(s, "0123456789:") != 5)
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*out = h * 60 + m;
	return 0;
}

static int compile_calling_hours(struct loader *ld, xmlNode *node,
				 struct rule *r)
{
	char *start = prop(node, "start"), *end = prop(node, "end");
	int rc = PL_OK;

	r->kind = RULE_CALLING_HOURS;
	if (parse_hhmm(start, &r->hours.start) || parse_hhmm(end, &r->hours.end) ||
	    r->hours.start >= r->hours.end)
		rc = rule_error(ld, node, r->id,
				"bad calling hours '%s'-'%s' in rule '%s' (HH:MM, start before end)",
				start ? start : "", end ? end : "", r->id);
	xmlFree(start);
	xmlFree(end);
	if (rc == PL_OK)
		rc = compile_cond(ld, node, r, true);
	return rc;
}

/*
 * <review/>: a rule whose text or trigger counsel has not confirmed and
 * that has nothing to print yet. It fires (audit trail, review flag) and
 * does nothing else.
 */
static int compile_review(struct loader *ld, xmlNode *node, struct rule *r)
{
	r->kind = RULE_REVIEW;
	return compile_cond(ld, node, r, true);
}

static const struct {
	const char *name;
	int (*compile)(struct loader *, xmlNode *, struct rule *);
} actions[] = {
	{ "review", compile_review },
	{ "letter-choice", compile_letter_choice },
	{ "validation-period", compile_period },
	{ "hold", compile_hold },
	{ "disclosure", compile_disclosure },
	{ "licence", compile_licence },
	{ "requires-data", compile_requires_data },
	{ "statute-of-limitations", compile_sol },
	{ "sol-classes", compile_sol_classes },
	{ "contact-limit", compile_contact_limit },
	{ "calling-hours", compile_calling_hours },
};

/* ---- a rule, a file ---- */

static int parse_rule_date(struct loader *ld, xmlNode *node, const char *id,
			   const char *attr, int *out)
{
	char *v = prop(node, attr);
	int rc = PL_OK;

	*out = PL_NO_DATE;
	if (v && date_parse_iso(v, out))
		rc = rule_error(ld, node, id, "bad date '%s' in %s of rule '%s'", v,
				attr, id);
	xmlFree(v);
	return rc;
}

static int compile_action(struct loader *ld, xmlNode *n, struct rule *r)
{
	const char *name = (const char *)n->name;

	for (size_t i = 0; i < PL_ARRAY_SIZE(actions); i++)
		if (!strcmp(name, actions[i].name))
			return actions[i].compile(ld, n, r);
	return rule_error(ld, n, r->id, "unexpected element <%s> in rule '%s'",
			  name, r->id);
}

static int compile_rule(struct loader *ld, xmlNode *node)
{
	struct ruleset *rs = ld->rs;
	struct rule r = { 0 };
	xmlNode *action = NULL;
	char *status;
	int rc = PL_OK;

	r.id = pooled_prop(ld, node, "id");
	r.citation = pooled_prop(ld, node, "citation");
	r.jurisdiction = ld->jurisdiction;
	r.level = ld->level;
	memcpy(r.scope_state, ld->scope_state, sizeof(r.scope_state));
	r.source_file = ld->name;
	r.source_line = node_line(node);
	r.order = rs->nrules;
	if (!r.id || !r.citation)
		return rule_error(ld, node, r.id, "rule without id or citation");
	/* Ids are quoted in manifests and greps: keep them plain. */
	if (!(r.id[0] >= 'A' && r.id[0] <= 'Z') ||
	    strspn(r.id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != strlen(r.id))
		return rule_error(ld, node, r.id,
				  "bad rule id '%s' (capital letters, digits, '-' and '.')",
				  r.id);

	for (size_t i = 0; i < rs->nrules; i++)
		if (!strcmp(rs->rules[i].id, r.id))
			return rule_error(ld, node, r.id,
					  "duplicate rule id '%s', first defined at %s:%u",
					  r.id, rs->rules[i].source_file,
					  rs->rules[i].source_line);
	if (rs->nrules == PL_MAX_RULES)
		return rule_error(ld, node, r.id, "more than %d rules", PL_MAX_RULES);

	rc = parse_rule_date(ld, node, r.id, "effective-from", &r.effective_from);
	if (rc == PL_OK && r.effective_from == PL_NO_DATE)
		rc = rule_error(ld, node, r.id, "rule '%s' without effective-from", r.id);
	if (rc == PL_OK)
		rc = parse_rule_date(ld, node, r.id, "effective-to", &r.effective_to);
	if (rc == PL_OK && r.effective_to != PL_NO_DATE &&
	    r.effective_to <= r.effective_from)
		rc = rule_error(ld, node, r.id,
				"effective-to is not after effective-from in rule '%s'",
				r.id);
	if (rc != PL_OK)
		return rc;

	status = prop(node, "status");
	r.needs_review = status && !strcmp(status, "needs-review");
	if (!status || (!r.needs_review && strcmp(status, "verified")))
		rc = rule_error(ld, node, r.id,
				"bad status '%s' in rule '%s' (verified or needs-review)",
				status ? status : "", r.id);
	xmlFree(status);
	if (rc != PL_OK)
		return rc;

	for (xmlNode *n = node->children; n && rc == PL_OK; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE || !strcmp(name, "note"))
			continue;
		if (!strcmp(name, "title"))
			r.title = normalized_text(ld, n);
		else if (action)
			rc = rule_error(ld, n, r.id, "second action <%s> in rule '%s'",
					name, r.id);
		else
			rc = compile_action(ld, action = n, &r);
	}
	if (rc == PL_OK && !r.title)
		rc = rule_error(ld, node, r.id, "rule '%s' without <title>", r.id);
	if (rc == PL_OK && !action)
		rc = rule_error(ld, node, r.id, "rule '%s' does nothing", r.id);
	if (rc != PL_OK)
		return rc;

	if (rs->nrules == rs->alloc) {
		rs->alloc = rs->alloc ? 2 * rs->alloc : 32;
		rs->rules = xrealloc(rs->rules, rs->alloc * sizeof(*rs->rules));
	}
	rs->rules[rs->nrules++] = r;
	return PL_OK;
}

static bool is_upper2(const char *s, size_t len)
{
	return len == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/*
 * The level of a file's jurisdiction from its shape: "US" federal,
 * "US-XX" state, "US-XX-NAME" city. Whether XX and the city are known is
 * checked once jurisdictions.xml is in (check_set).
 */
static int jurisdiction_level(struct loader *ld, xmlNode *root)
{
	const char *j = ld->jurisdiction;
	const char *rest;

	ld->scope_state[0] = '\0';
	if (!strcmp(j, "US")) {
		ld->level = 0;
		return PL_OK;
	}
	if (strncmp(j, "US-", 3) || !is_upper2(j + 3, strcspn(j + 3, "-")))
		return rule_error(ld, root, NULL,
				  "bad jurisdiction '%s' (US, US-XX or US-XX-CITY)", j);
	memcpy(ld->scope_state, j + 3, 2);
	ld->scope_state[2] = '\0';
	rest = j + 5;
	if (!*rest) {
		ld->level = 1;
		return PL_OK;
	}
	if (*rest != '-' || !rest[1] || strchr(rest + 1, '-'))
		return rule_error(ld, root, NULL,
				  "bad jurisdiction '%s' (US, US-XX or US-XX-CITY)", j);
	ld->level = 2;
	return PL_OK;
}

static int compile_rules_file(struct loader *ld, xmlNode *root)
{
	int rc;

	ld->jurisdiction = pooled_prop(ld, root, "jurisdiction");
	if (!ld->jurisdiction)
		return rule_error(ld, root, NULL, "rules without jurisdiction");
	rc = jurisdiction_level(ld, root);
	for (xmlNode *n = root->children; n && rc == PL_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "rule"))
			rc = rule_error(ld, n, NULL, "unexpected element <%s> in rules",
					(const char *)n->name);
		else
			rc = compile_rule(ld, n);
	}
	return rc;
}

/* ---- jurisdictions.xml ---- */

/* Split attribute name of node into pooled words (at most max). */
static int jur_words(struct loader *ld, xmlNode *node, const char *name,
		     const char **out, size_t max, size_t *n_out)
{
	char *v = prop(node, name);
	int n = v ? split_words(ld, v, out, max) : 0;
	int rc = PL_OK;

	if (n < 0)
		rc = rule_error(ld, node, NULL, "more than %zu entries in %s", max, name);
	*n_out = n > 0 ? (size_t)n : 0;
	xmlFree(v);
	return rc;
}

static const struct jur_state *find_state(const struct ruleset *rs,
					  const char *code)
{
	for (size_t i = 0; i < rs->nstates; i++)
		if (!strcmp(rs->states[i].code, code))
			return &rs->states[i];
	return NULL;
}

static int compile_state(struct loader *ld, xmlNode *n)
{
	struct ruleset *rs = ld->rs;
	struct jur_state *st;
	char *code = prop(n, "code");
	int rc = PL_OK;

	if (!code || !is_upper2(code, strlen(code)))
		rc = rule_error(ld, n, NULL, "bad state code '%s'", code ? code : "");
	else if (find_state(rs, code))
		rc = rule_error(ld, n, NULL, "state '%s' listed twice", code);
	if (rc != PL_OK) {
		xmlFree(code);
		return rc;
	}
	rs->states = xrealloc(rs->states, (rs->nstates + 1) * sizeof(*rs->states));
	st = &rs->states[rs->nstates++];
	memset(st, 0, sizeof(*st));
	memcpy(st->code, code, 3);
	xmlFree(code);
	st->jurisdiction = pool_take(rs, xasprintf("US-%s", st->code));
	st->name = pooled_prop(ld, n, "name");
	if (!st->name)
		st->name = st->code;
	st->line = node_line(n);
	rc = jur_words(ld, n, "time-zones", st->zones, JUR_MAX_ZONES, &st->nzones);
	for (size_t i = 0; i < st->nzones && rc == PL_OK; i++) {
		/* The system's tz database must know the zone (Debian: tzdata). */
		st->tz[i] = g_time_zone_new_identifier(st->zones[i]);
		if (!st->tz[i])
			rc = rule_error(ld, n, NULL,
					"unknown time zone '%s' for state '%s'",
					st->zones[i], st->code);
	}
	return rc;
}

static int compile_city(struct loader *ld, xmlNode *n)
{
	struct ruleset *rs = ld->rs;
	struct jur_city *c;
	char *state = prop(n, "state");
	const char *id = pooled_prop(ld, n, "id");
	int rc = PL_OK;

	if (!state || !is_upper2(state, strlen(state)))
		rc = rule_error(ld, n, NULL, "bad state '%s' of a city", state ? state : "");
	else if (!id || strncmp(id, "US-", 3) || strncmp(id + 3, state, 2) ||
		 id[5] != '-' || !id[6] || strchr(id + 6, '-'))
		rc = rule_error(ld, n, NULL, "bad city id '%s' (US-%s-NAME)",
				id ? id : "", state);
	for (size_t i = 0; rc == PL_OK && i < rs->ncities; i++)
		if (!strcmp(rs->cities[i].id, id))
			rc = rule_error(ld, n, NULL, "city '%s' listed twice", id);
	if (rc != PL_OK) {
		xmlFree(state);
		return rc;
	}
	rs->cities = xrealloc(rs->cities, (rs->ncities + 1) * sizeof(*rs->cities));
	c = &rs->cities[rs->ncities++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	memcpy(c->state, state, 3);
	xmlFree(state);
	c->name = pooled_prop(ld, n, "name");
	if (!c->name)
		c->name = c->id;
	c->line = node_line(n);
	rc = jur_words(ld, n, "zip-prefixes", c->prefixes, JUR_MAX_PREFIXES,
		       &c->nprefixes);
	if (rc == PL_OK)
		rc = jur_words(ld, n, "zips", c->zips, JUR_MAX_ZIPS, &c->nzips);
	for (size_t i = 0; i < c->nprefixes && rc == PL_OK; i++)
		if (strlen(c->prefixes[i]) != 3 ||
		    strspn(c->prefixes[i], "0123456789") != 3)
			rc = rule_error(ld, n, NULL, "bad ZIP prefix '%s' of city '%s'",
					c->prefixes[i], c->id);
	for (size_t i = 0; i < c->nzips && rc == PL_OK; i++)
		if (strlen(c->zips[i]) != 5 || strspn(c->zips[i], "0123456789") != 5)
			rc = rule_error(ld, n, NULL, "bad ZIP '%s' of city '%s'",
					c->zips[i], c->id);
	if (rc == PL_OK && !c->nprefixes && !c->nzips)
		rc = rule_error(ld, n, NULL, "city '%s' without ZIPs", c->id);
	return rc;
}

static int compile_jurisdictions(struct loader *ld, xmlNode *root)
{
	int rc = PL_OK;

	if (ld->rs->jur_file)
		return rule_error(ld, root, NULL,
				  "second jurisdictions file; only one is supported");
	ld->rs->jur_file = ld->file;
	for (xmlNode *n = root->children; n && rc == PL_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, "state"))
			rc = compile_state(ld, n);
		else if (!strcmp((const char *)n->name, "city"))
			rc = compile_city(ld, n);
		else
			rc = rule_error(ld, n, NULL, "unexpected element <%s> in jurisdictions",
					(const char *)n->name);
	}
	for (size_t i = 0; i < ld->rs->ncities && rc == PL_OK; i++)
		if (!find_state(ld->rs, ld->rs->cities[i].state))
			rc = rule_error(ld, NULL, NULL, "city '%s' in unknown state '%s'",
					ld->rs->cities[i].id, ld->rs->cities[i].state);
	return rc;
}

/*
 * xmlsafe_read() reports malformed XML as PL_PARSE; in a rules directory
 * that is a broken rule set (PL_RULE), and so is a missing file when
 * missing_too (the schema). Other statuses pass unchanged.
 */
static int as_rule_error(struct pl_diag *diag, int rc, bool missing_too)
{
	if (PL_CLASS(rc) == PL_PARSE || (missing_too && PL_CLASS(rc) == PL_IO)) {
		rc = PL_RULE;
		if (diag)
			diag->status = rc;
	}
	return rc;
}

/* ---- schema validation ---- */

static int load_schema(struct loader *ld, const char *dir)
{
	char *path = xasprintf("%s/%s", dir, SCHEMA_NAME);
	struct xmlsafe_error err;
	int rc = xmlsafe_schema_load(path, PL_MAX_RULES_FILE_BYTES, &ld->schema,
				     &err, ld->diag);

	/* A missing or broken schema is a broken rules directory. */
	if (rc == PL_PARSE && !ld->schema)
		rc = pl_diag_set(ld->diag, PL_RULE, path, err.line,
				 "broken rules schema: %s", err.message);
	else
		rc = as_rule_error(ld->diag, rc, true);
	free(path);
	return rc;
}

static int validate(struct loader *ld, xmlDoc *doc)
{
	struct xmlsafe_error err;
	xmlNode *n;
	char *id = NULL;
	int rc;

	if (xmlsafe_schema_check(ld->schema, doc, &err))
		return PL_OK;
	/* Name the rule around the error, if there is one. */
	for (n = err.node; n && n->type == XML_ELEMENT_NODE &&
	     strcmp((const char *)n->name, "rule"); n = n->parent)
		;
	if (n && n->type == XML_ELEMENT_NODE)
		id = prop(n, "id");
	if (id)
		rc = rule_error(ld, NULL, id,
				"rules do not match the schema: %s in rule '%s'",
				err.message, id);
	else
		rc = rule_error(ld, NULL, NULL, "rules do not match the schema: %s",
				err.message);
	if (ld->diag)
		ld->diag->line = err.line;
	xmlFree(id);
	return rc;
}

/* ---- the directory ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the regular *.xml files of dir (not hidden ones). */
static int list_rule_files(const char *dir, char ***names_out, size_t *n_out,
			   struct pl_diag *diag)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = PL_OK;

	*names_out = NULL;
	*n_out = 0;
	if (!d)
		return pl_diag_set(diag, PL_RULE, dir, 0,
				   "cannot open the rules directory: %s",
				   strerror(errno));
	while (rc == PL_OK && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat st;
		char *path;

		if (de->d_name[0] == '.' || len < 5 ||
		    strcmp(de->d_name + len - 4, ".xml"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (n == PL_MAX_RULES) {
				rc = pl_diag_set(diag, PL_LIMIT, dir, 0,
						 "more than %d files in the rules directory",
						 PL_MAX_RULES);
			} else {
				if (n == alloc) {
					alloc = alloc ? 2 * alloc : 16;
					names = xrealloc(names, alloc * sizeof(*names));
				}
				names[n++] = xstrdup(de->d_name);
			}
		}
		free(path);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*n_out = n;
	return rc;
}

/* Add name and the file's bytes to the rule set's digest. */
/*
 * One file: hash, parse, compile, validate. Compiling comes before the
 * schema because its messages are the precise ones ("bad date '30/11/2021'
 * in effective-from of rule 'X'" where libxml2 says "element rule failed
 * to validate attributes"); the compiler does not trust the shape of the
 * tree, and the schema then catches whatever else is off (an unknown
 * attribute, an element out of place). The digest is fed the very bytes
 * that are parsed (xmlsafe_read_digest), read once.
 */
static int load_file(struct loader *ld, const char *dir, const char *name,
		     struct digest *dg)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc;

	ld->file = pool_take(ld->rs, xasprintf("%s/%s", dir, name));
	ld->name = pool_take(ld->rs, xstrdup(name));
	ld->line = 0;
	digest_update(dg, name, strlen(name) + 1);
	/* A file listed a moment ago that cannot be opened is a rules error. */
	rc = as_rule_error(ld->diag,
			   xmlsafe_read_digest(ld->file, PL_MAX_RULES_FILE_BYTES,
					       &doc, dg, ld->diag), true);
	if (rc == PL_OK) {
		root = xmlDocGetRootElement(doc);
		if (!strcmp((const char *)root->name, "calendar")) {
			if (ld->rs->calendar)
				rc = rule_error(ld, root, NULL,
						"second calendar; only one is supported");
			else
				rc = calendar_compile(&ld->rs->calendar, doc,
						      ld->file, ld->diag);
		} else if (!strcmp((const char *)root->name, "rules")) {
			rc = compile_rules_file(ld, root);
		} else if (!strcmp((const char *)root->name, "jurisdictions")) {
			rc = compile_jurisdictions(ld, root);
		} else {
			rc = rule_error(ld, root, NULL,
					"root element <%s> is neither <rules>, <calendar> nor <jurisdictions>",
					(const char *)root->name);
		}
	}
	if (rc == PL_OK)
		rc = validate(ld, doc);
	xmlFreeDoc(doc);
	return rc;
}

static int end_or_max(int date)
{
	return date == PL_NO_DATE ? INT_MAX : date;
}

/* Are a and b in force on some common day? */
static bool rules_overlap(const struct rule *a, const struct rule *b)
{
	return a->effective_from < end_or_max(b->effective_to) &&
	       b->effective_from < end_or_max(a->effective_to);
}

/* ---- checks of the whole set ---- */

/* Can r fire for a letter code of one account in state/city? */
static bool may_fire(const struct rule *r, const char *state,
		     const struct jur_city *city, const char *letter)
{
	if (r->level == 1 && strcmp(r->scope_state, state))
		return false;
	if (r->level == 2 && (!city || strcmp(r->jurisdiction, city->id)))
		return false;
	if (r->cond.nletters && !word_in(r->cond.letters, r->cond.nletters, letter))
		return false;
	if (r->cond.nstates && !word_in(r->cond.states, r->cond.nstates, state))
		return false;
	switch (r->kind) {
	case RULE_DISCLOSURE:
	case RULE_LICENCE:
	case RULE_REQUIRES_DATA:
		return true;
	case RULE_CONTACT_LIMIT:
		return (r->limit.channels & CHANNEL_LETTER) && r->limit.window_days;
	default:
		return false;
	}
}

/*
 * Bound what one letter can collect, so a verdict never overflows: for
 * every state and city of the jurisdiction list and every letter code,
 * the disclosure rules that may fire must fit PL_MAX_DISCLOSURES, and
 * with the licence, data and letter-limit checks and the three fixed hits
 * (statute of limitations, letter choice, validation period) they must
 * fit PL_MAX_RULE_HITS. Rules are counted whatever their dates: a bound,
 * not an exact count.
 */
#define FIXED_HITS 3

static int check_counts(struct loader *ld)
{
	struct ruleset *rs = ld->rs;

	for (size_t s = 0; s < rs->nstates; s++) {
		const char *state = rs->states[s].code;

		for (size_t c = 0; c <= rs->ncities; c++) {
			const struct jur_city *city = c < rs->ncities ? &rs->cities[c] : NULL;

			if (city && strcmp(city->state, state))
				continue;
			for (size_t l = 0; l < rs->nrules; l++) {
				const struct rule *lc = &rs->rules[l];
				size_t ndisc = 0, nhits = FIXED_HITS;

				if (lc->kind != RULE_LETTER_CHOICE)
					continue;
				for (size_t i = 0; i < rs->nrules; i++) {
					const struct rule *r = &rs->rules[i];

					if (!may_fire(r, state, city, lc->choice.letter))
						continue;
					ndisc += r->kind == RULE_DISCLOSURE;
					nhits++;
				}
				if (ndisc > PL_MAX_DISCLOSURES ||
				    nhits > PL_MAX_RULE_HITS)
					return rule_error(ld, NULL, NULL,
							  "letter '%s' has %zu disclosure rules and %zu rules that may fire, more than %d (accounts in %s)",
							  lc->choice.letter, ndisc,
							  nhits - FIXED_HITS,
							  PL_MAX_RULE_HITS - FIXED_HITS,
							  city ? city->id : rs->states[s].jurisdiction);
			}
		}
	}
	return PL_OK;
}

/* Is j a jurisdiction of the list ("US", a state, a city)? */
static bool jurisdiction_known(const struct ruleset *rs, const struct rule *r)
{
	if (r->level == 0)
		return true;
	if (!find_state(rs, r->scope_state))
		return false;
	if (r->level == 1)
		return true;
	for (size_t i = 0; i < rs->ncities; i++)
		if (!strcmp(rs->cities[i].id, r->jurisdiction))
			return true;
	return false;
}

/* Checks of the whole set, once every file is in. */
static int check_set(struct loader *ld, const char *dir)
{
	struct ruleset *rs = ld->rs;
	bool have_period = false, have_choice = false;

	ld->file = dir;
	ld->line = 0;
	if (!rs->calendar)
		return rule_error(ld, NULL, NULL, "no <calendar> file in the rules directory");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		/* Errors name the file as the operator can open it. */
		ld->file = pool_take(rs, xasprintf("%s/%s", dir, r->source_file));
		ld->line = r->source_line;
		if (r->kind == RULE_VALIDATION_PERIOD) {
			have_period = true;
			if (strcmp(r->period.calendar, calendar_id(rs->calendar)))
				return rule_error(ld, NULL, r->id,
						  "unknown calendar '%s' in rule '%s'",
						  r->period.calendar, r->id);
		}
		if (r->kind == RULE_LETTER_CHOICE) {
			have_choice = true;
			for (size_t j = 0; r->choice.is_auto && j < i; j++) {
				const struct rule *o = &rs->rules[j];

				if (o->kind == RULE_LETTER_CHOICE && o->choice.is_auto &&
				    o->level == r->level && rules_overlap(r, o))
					return rule_error(ld, NULL, r->id,
							  "rules '%s' and '%s' both choose the letter for 'auto'",
							  o->id, r->id);
			}
		}
		if (rs->jur_file && !jurisdiction_known(rs, r))
			return rule_error(ld, NULL, r->id,
					  "jurisdiction '%s' of rule '%s' is not in %s",
					  r->jurisdiction, r->id, rs->jur_file);
		for (size_t s = 0; rs->jur_file && s < r->cond.nstates; s++)
			if (!find_state(rs, r->cond.states[s]))
				return rule_error(ld, NULL, r->id,
						  "state '%s' in rule '%s' is not in %s",
						  r->cond.states[s], r->id, rs->jur_file);
	}
	ld->file = dir;
	ld->line = 0;
	if (!have_period)
		return rule_error(ld, NULL, NULL,
				  "no validation-period rule in the rules directory");
	if (!have_choice)
		return rule_error(ld, NULL, NULL,
				  "no letter-choice rule in the rules directory");
	if (!rs->jur_file)
		return rule_error(ld, NULL, NULL,
				  "no <jurisdictions> file in the rules directory");
	return check_counts(ld);
}

/* Evaluation order: level, then load order (file name, document). */
static int cmp_eval_order(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int ruleset_load(struct ruleset **out, const char *dir, struct pl_diag *diag)
{
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	struct loader ld = { .rs = rs, .diag = diag };
	struct digest dg;
	char **names = NULL;
	size_t nnames = 0;
	int rc;

	*out = NULL;
	digest_init(&dg);
	rc = list_rule_files(dir, &names, &nnames, diag);
	if (rc == PL_OK && !nnames)
		rc = pl_diag_set(diag, PL_RULE, dir, 0,
				 "no rules files (*.xml) in the rules directory");
	if (rc == PL_OK)
		rc = load_schema(&ld, dir);
	for (size_t i = 0; i < nnames && rc == PL_OK; i++)
		rc = load_file(&ld, dir, names[i], &dg);
	if (rc == PL_OK)
		rc = check_set(&ld, dir);
	if (rc == PL_OK && rs->nrules)
		qsort(rs->rules, rs->nrules, sizeof(*rs->rules), cmp_eval_order);
	digest_finish(&dg, rs->digest);

	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	if (ld.schema)
		xmlRelaxNGFree(ld.schema);
	if (rc == PL_OK)
		*out = rs;
	else
		ruleset_free(rs);
	return rc;
}

void ruleset_free(struct ruleset *rules)
{
	if (!rules)
		return;
	calendar_free(rules->calendar);
	for (size_t i = 0; i < rules->nstates; i++)
		for (size_t z = 0; z < rules->states[i].nzones; z++)
			if (rules->states[i].tz[z])
				g_time_zone_unref(rules->states[i].tz[z]);
	free(rules->states);
	free(rules->cities);
	for (size_t i = 0; i < rules->npool; i++)
		free(rules->pool[i]);
	free(rules->pool);
	free(rules->rules);
	free(rules);
}

const char *ruleset_digest(const struct ruleset *rules)
{
	return rules->digest;
}

size_t ruleset_count(const struct ruleset *rules)
{
	return rules->nrules;
}
