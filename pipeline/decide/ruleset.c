/*
 * ruleset.c: load, check and compile a rules directory (see decide.h).
 *
 * Loading is all or nothing. The directory's *.xml files are read in
 * name order with core/xmlsafe (no DTD, no network), each is compiled
 * (<rules> files into struct rule entries of decide-int.h, the one
 * <calendar> file by calendar.c) and validated against the directory's
 * rules.rng with libxml2's RELAX NG validator. After the last file the set as a
 * whole is checked (a calendar, a validation-period rule and a letter
 * choice exist; ids are unique; no letter can collect more disclosures
 * than a verdict holds). The first problem ends the load with PL_RULE and
 * a diagnostic naming the file, the line and the rule id.
 *
 * What the schema leaves to C: that dates exist and ranges are ordered,
 * that hold conditions, debt types, agency fields and {placeholders} are
 * in the program's vocabulary (tables below), and cross-file checks.
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

static const struct {
	const char *name;
	enum hold_condition when;
} hold_conditions[] = {
	{ "cease_requested", HOLD_CEASE_REQUESTED },
	{ "dispute_pending", HOLD_DISPUTE_PENDING },
	{ "bankruptcy", HOLD_BANKRUPTCY },
	{ "attorney_represented", HOLD_ATTORNEY_REPRESENTED },
	{ "deceased", HOLD_DECEASED },
	{ "identity_theft_claim", HOLD_IDENTITY_THEFT_CLAIM },
};

static const struct {
	const char *name;
	enum debt_type type;
} debt_types[] = {
	{ "credit_card", DEBT_CREDIT_CARD }, { "medical", DEBT_MEDICAL },
	{ "auto", DEBT_AUTO }, { "student", DEBT_STUDENT },
	{ "utility", DEBT_UTILITY }, { "telecom", DEBT_TELECOM },
	{ "rent", DEBT_RENT }, { "personal_loan", DEBT_PERSONAL_LOAN },
	{ "other", DEBT_OTHER },
};

static const struct {
	const char *name;
	enum agency_field field;
} agency_fields[] = {
	{ "dispute_url", AGENCY_FIELD_DISPUTE_URL },
	{ "portal_url", AGENCY_FIELD_PORTAL_URL },
	{ "website", AGENCY_FIELD_WEBSITE },
};

/* Placeholders a disclosure text may use; typeset fills them in. */
static const char *const text_placeholders[] = {
	"collector", "creditor", "itemization_creditor", "account_number",
	"debt_type_label", "validation_end_date", "itemization_date",
	"mail_date", "dispute_url", "portal_url", "website", "phone", "hours",
	"reference", "consumer_name", "cease_requested_on",
	"dispute_received_on",
};

/* Placeholders a <message> may use; eval.c fills them in. */
static const char *const message_placeholders[] = {
	"cease_requested_on", "dispute_received_on", "verification_sent_on",
	"validation_sent_on", "validation_piece_id",
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
	const char *jurisdiction;  /* pooled, of the file being read */
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

/* ---- one action element per rule ---- */

static int split_words(struct loader *ld, const char *value, const char **out,
		       size_t max);

static int compile_letter_choice(struct loader *ld, xmlNode *node,
				 struct rule *r)
{
	char *v = prop(node, "auto");
	int n;
	xmlNode *sent = xmlsafe_child(node, "already-sent");
	int rc = PL_OK;

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
	if (!sent)
		return PL_OK;
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
	static const struct {
		const char *attr;
		int max;
	} nums[] = { { "receipt-business-days", 30 }, { "period-calendar-days", 365 } };
	int values[2];
	char *v;
	int rc = PL_OK;

	r->kind = RULE_VALIDATION_PERIOD;
	for (size_t i = 0; i < PL_ARRAY_SIZE(nums) && rc == PL_OK; i++) {
		char *end;
		long n;

		v = prop(node, nums[i].attr);
		n = v ? strtol(v, &end, 10) : 0;
		if (!v || *end || n < 1 || n > nums[i].max)
			rc = rule_error(ld, node, r->id, "bad %s '%s' in rule '%s'",
					nums[i].attr, v ? v : "", r->id);
		values[i] = (int)n;
		xmlFree(v);
	}
	if (rc != PL_OK)
		return rc;
	r->period.receipt_business_days = values[0];
	r->period.period_calendar_days = values[1];

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
	size_t i;
	int rc = PL_OK;

	r->kind = RULE_HOLD;
	for (i = 0; i < PL_ARRAY_SIZE(hold_conditions); i++)
		if (when && !strcmp(when, hold_conditions[i].name))
			break;
	if (i == PL_ARRAY_SIZE(hold_conditions))
		rc = rule_error(ld, node, r->id, "unknown hold condition '%s' in rule '%s'",
				when ? when : "", r->id);
	else
		r->hold.when = hold_conditions[i].when;
	xmlFree(when);
	if (rc != PL_OK)
		return rc;

	/* The vocabulary may grow (defer); today a hold only suppresses. */
	action = prop(node, "action");
	if (!action || strcmp(action, "suppress"))
		rc = rule_error(ld, node, r->id,
				"unknown hold action '%s' in rule '%s' (only suppress)",
				action ? action : "", r->id);
	xmlFree(action);
	if (rc != PL_OK)
		return rc;

	r->hold.reason = pooled_prop(ld, node, "reason");
	message = xmlsafe_child(node, "message");
	if (!r->hold.reason || !message)
		return rule_error(ld, node, r->id, "hold without reason or message in rule '%s'",
				  r->id);
	return compile_message(ld, message, r->id, &r->hold.message);
}

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

static int compile_disclosure_lists(struct loader *ld, xmlNode *node,
				    struct rule *r)
{
	const char *types[PL_ARRAY_SIZE(debt_types)];
	char *v;
	int n, rc = PL_OK;

	v = prop(node, "letters");
	n = split_words(ld, v ? v : "", r->disclosure.letters, RULE_MAX_LETTERS);
	xmlFree(v);
	if (n <= 0)
		return rule_error(ld, node, r->id, "bad letters list in rule '%s'", r->id);
	r->disclosure.nletters = (size_t)n;

	v = prop(node, "languages");
	n = split_words(ld, v ? v : "", r->disclosure.languages, RULE_MAX_LANGUAGES);
	xmlFree(v);
	if (n < 0)
		return rule_error(ld, node, r->id, "too many languages in rule '%s'", r->id);
	r->disclosure.nlanguages = (size_t)n;

	v = prop(node, "debt-types");
	n = split_words(ld, v ? v : "", types, PL_ARRAY_SIZE(types));
	xmlFree(v);
	if (n < 0)
		return rule_error(ld, node, r->id, "too many debt types in rule '%s'", r->id);
	for (int i = 0; i < n && rc == PL_OK; i++) {
		size_t j;

		for (j = 0; j < PL_ARRAY_SIZE(debt_types); j++)
			if (!strcmp(types[i], debt_types[j].name))
				break;
		if (j == PL_ARRAY_SIZE(debt_types))
			rc = rule_error(ld, node, r->id, "unknown debt type '%s' in rule '%s'",
					types[i], r->id);
		else
			r->disclosure.debt_types |= 1u << debt_types[j].type;
	}
	if (rc != PL_OK)
		return rc;

	v = prop(node, "requires");
	if (v) {
		size_t j;

		for (j = 0; j < PL_ARRAY_SIZE(agency_fields); j++)
			if (!strcmp(v, agency_fields[j].name))
				break;
		if (j == PL_ARRAY_SIZE(agency_fields))
			rc = rule_error(ld, node, r->id,
					"unknown agency field '%s' in requires of rule '%s'",
					v, r->id);
		else
			r->disclosure.requires = agency_fields[j].field;
	}
	xmlFree(v);
	return rc;
}

static int compile_disclosure(struct loader *ld, xmlNode *node, struct rule *r)
{
	bool have_en = false;
	int rc;

	r->kind = RULE_DISCLOSURE;
	r->disclosure.slot = pooled_prop(ld, node, "slot");
	if (!r->disclosure.slot)
		return rule_error(ld, node, r->id, "disclosure without slot in rule '%s'",
				  r->id);
	rc = compile_disclosure_lists(ld, node, r);

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
			dt->lang = pool_dup(ld->rs, lang);
			dt->text = normalized_text(ld, t);
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
	r.source_file = ld->file;
	r.source_line = node_line(node);
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
		else if (!strcmp(name, "letter-choice"))
			rc = compile_letter_choice(ld, action = n, &r);
		else if (!strcmp(name, "validation-period"))
			rc = compile_period(ld, action = n, &r);
		else if (!strcmp(name, "hold"))
			rc = compile_hold(ld, action = n, &r);
		else if (!strcmp(name, "disclosure"))
			rc = compile_disclosure(ld, action = n, &r);
		else
			rc = rule_error(ld, n, r.id, "unexpected element <%s> in rule '%s'",
					name, r.id);
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

static int compile_rules_file(struct loader *ld, xmlNode *root)
{
	int rc = PL_OK;

	ld->jurisdiction = pooled_prop(ld, root, "jurisdiction");
	if (!ld->jurisdiction)
		return rule_error(ld, root, NULL, "rules without jurisdiction");
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

/* The first error libxml2 reports, kept for the diagnostic. */
struct schema_error {
	bool seen;
	unsigned line;
	xmlNode *node;       /* borrowed from the document, or NULL */
	char message[256];
};

#if LIBXML_VERSION >= 21200
static void schema_error_cb(void *ctx, const xmlError *err)
#else
static void schema_error_cb(void *ctx, xmlErrorPtr err)
#endif
{
	struct schema_error *se = ctx;

	if (se->seen || !err)
		return;
	se->seen = true;
	se->line = err->line > 0 ? (unsigned)err->line : 0;
	se->node = err->node;
	snprintf(se->message, sizeof(se->message), "%s",
		 err->message ? err->message : "schema error");
	se->message[strcspn(se->message, "\n")] = '\0';
	/* libxml2 messages start with a capital; house style does not. */
	if (se->message[0] >= 'A' && se->message[0] <= 'Z')
		se->message[0] = (char)(se->message[0] - 'A' + 'a');
}

static int load_schema(struct loader *ld, const char *dir)
{
	char *path = xasprintf("%s/%s", dir, SCHEMA_NAME);
	xmlDoc *doc = NULL;
	xmlRelaxNGParserCtxt *pctxt = NULL;
	struct schema_error se = { 0 };
	int rc;

	/* A missing or broken schema is a broken rules directory. */
	rc = as_rule_error(ld->diag, xmlsafe_read(path, PL_MAX_RULES_FILE_BYTES,
						 &doc, ld->diag), true);
	if (rc == PL_OK) {
		/* The parser context works on its own copy of doc. */
		pctxt = xmlRelaxNGNewDocParserCtxt(doc);
		if (!pctxt)
			PL_BUG("libxml2 could not create a RELAX NG parser");
		xmlRelaxNGSetParserStructuredErrors(pctxt, schema_error_cb, &se);
		ld->schema = xmlRelaxNGParse(pctxt);
		if (!ld->schema)
			rc = pl_diag_set(ld->diag, PL_RULE, path, se.line,
					 "broken rules schema: %s",
					 se.seen ? se.message : "cannot compile");
	}
	if (pctxt)
		xmlRelaxNGFreeParserCtxt(pctxt);
	xmlFreeDoc(doc);
	free(path);
	return rc;
}

static int validate(struct loader *ld, xmlDoc *doc)
{
	xmlRelaxNGValidCtxt *vctxt = xmlRelaxNGNewValidCtxt(ld->schema);
	struct schema_error se = { 0 };
	int rc = PL_OK;

	if (!vctxt)
		PL_BUG("libxml2 could not create a RELAX NG validator");
	xmlRelaxNGSetValidStructuredErrors(vctxt, schema_error_cb, &se);
	if (xmlRelaxNGValidateDoc(vctxt, doc) != 0) {
		/* Name the rule around the error, if there is one. */
		xmlNode *n = se.node;
		char *id = NULL;

		while (n && n->type == XML_ELEMENT_NODE &&
		       strcmp((const char *)n->name, "rule"))
			n = n->parent;
		if (n && n->type == XML_ELEMENT_NODE)
			id = prop(n, "id");
		if (id)
			rc = rule_error(ld, NULL, id,
					"rules do not match the schema: %s in rule '%s'",
					se.seen ? se.message : "invalid document", id);
		else
			rc = rule_error(ld, NULL, NULL,
					"rules do not match the schema: %s",
					se.seen ? se.message : "invalid document");
		if (ld->diag)
			ld->diag->line = se.line;
		xmlFree(id);
	}
	xmlRelaxNGFreeValidCtxt(vctxt);
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
static int hash_file(struct digest *dg, const char *name, const char *path,
		     struct pl_diag *diag)
{
	FILE *f = fopen(path, "rb");
	char chunk[16384];
	size_t n;
	int rc = PL_OK;

	if (!f)
		return pl_diag_set(diag, PL_RULE, path, 0, "cannot open '%s': %s",
				   path, strerror(errno));
	digest_update(dg, name, strlen(name) + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		digest_update(dg, chunk, n);
	if (ferror(f))
		rc = pl_diag_set(diag, PL_RULE, path, 0, "cannot read '%s'", path);
	fclose(f);
	return rc;
}

/*
 * One file: hash, parse, compile, validate. Compiling comes before the
 * schema because its messages are the precise ones ("bad date '30/11/2021'
 * in effective-from of rule 'X'" where libxml2 says "element rule failed
 * to validate attributes"); the compiler does not trust the shape of the
 * tree, and the schema then catches whatever else is off (an unknown
 * attribute, an element out of place). NEEDSWORK: the bytes are read
 * twice (digest, then xmlsafe_read); a file rewritten in between would be
 * hashed and compiled from different contents. An xmlsafe entry point
 * that parses a buffer would close that gap.
 */
static int load_file(struct loader *ld, const char *dir, const char *name,
		     struct digest *dg)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc;

	ld->file = pool_take(ld->rs, xasprintf("%s/%s", dir, name));
	rc = hash_file(dg, name, ld->file, ld->diag);
	if (rc == PL_OK)
		rc = as_rule_error(ld->diag,
				   xmlsafe_read(ld->file, PL_MAX_RULES_FILE_BYTES,
						&doc, ld->diag), false);
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
		} else {
			rc = rule_error(ld, root, NULL,
					"root element <%s> is neither <rules> nor <calendar>",
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

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Bound what one letter can collect, so a verdict never overflows: all
 * disclosure rules naming one letter code, plus its letter-choice and
 * validation-period hits, must fit PL_MAX_DISCLOSURES and
 * PL_MAX_RULE_HITS. Counted by sorting every (rule, letter) pair.
 */
static int check_disclosure_counts(struct loader *ld)
{
	struct ruleset *rs = ld->rs;
	const char **letters = NULL;
	size_t n = 0, alloc = 0, run;
	int rc = PL_OK;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->kind != RULE_DISCLOSURE)
			continue;
		for (size_t l = 0; l < r->disclosure.nletters; l++) {
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 64;
				letters = xrealloc(letters, alloc * sizeof(*letters));
			}
			letters[n++] = r->disclosure.letters[l];
		}
	}
	if (n)
		qsort(letters, n, sizeof(*letters), cmp_strings);
	for (size_t i = 0; i < n && rc == PL_OK; i += run) {
		for (run = 1; i + run < n && !strcmp(letters[i], letters[i + run]); run++)
			;
		if (run > PL_MAX_DISCLOSURES || run + 2 > PL_MAX_RULE_HITS)
			rc = rule_error(ld, NULL, NULL,
					"letter '%s' has %zu disclosure rules, more than %d",
					letters[i], run, PL_MAX_RULE_HITS - 2);
	}
	free(letters);
	return rc;
}

/* Checks of the whole set, once every file is in. */
static int check_set(struct loader *ld, const char *dir)
{
	struct ruleset *rs = ld->rs;
	bool have_period = false, have_choice = false;

	ld->file = dir;
	if (!rs->calendar)
		return rule_error(ld, NULL, NULL, "no <calendar> file in the rules directory");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		ld->file = r->source_file;
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
				    rules_overlap(r, o))
					return rule_error(ld, NULL, r->id,
							  "rules '%s' and '%s' both choose the letter for 'auto'",
							  o->id, r->id);
			}
		}
	}
	ld->file = dir;
	ld->line = 0;
	if (!have_period)
		return rule_error(ld, NULL, NULL,
				  "no validation-period rule in the rules directory");
	if (!have_choice)
		return rule_error(ld, NULL, NULL,
				  "no letter-choice rule in the rules directory");
	return check_disclosure_counts(ld);
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
