/*
 * manifest.c: the formats of the bundle's files.
 *
 * Four CSV files (print/manifest.csv for the print vendor,
 * audit/suppressed.csv and audit/rejects.csv for the agency,
 * contact-plan.csv for the agency's dialer and other channels) and the
 * audit manifest, audit/manifest.xml, for auditors. Column names and
 * element names are a contract with other people's scripts
 * (shared/DESIGN.md, "Outputs"): new columns go at the end, new XML goes
 * in new attributes or elements.
 *
 * Text from the input is data. CSV fields are quoted by RFC 4180 rules;
 * XML text goes through libxml2's writer, which escapes it, after bytes
 * that XML 1.0 cannot carry at all (invalid UTF-8, control characters)
 * are replaced by U+FFFD so the manifest always parses. The CSV files
 * keep the input's bytes exactly.
 *
 * The hash chain of audit/manifest.xml (docs/audit-chain.md says the same,
 * for `fairnotice verify` and for anyone else who recomputes it):
 *
 *   Every <account> carries prev="<hex>" (the hash of the account before it,
 *   64 zeros for the first) and hash="<hex>", lowercase SHA-256 hex of
 *
 *       prev-hex "\n" canonical(account)
 *
 *   canonical(element), over the parsed document (namespace declarations
 *   are not attributes; entities and character references resolved):
 *
 *     "E" name { "\x1f" attr-name "=" esc(value) } "\n"
 *         attributes sorted by name (bytewise); on the <account> itself the
 *         attributes prev and hash are left out;
 *     "T" esc(text) "\n"
 *         only for an element with no element children whose text (all its
 *         text and CDATA children, concatenated) is not empty; the text of
 *         an element with element children is formatting (white space) and
 *         is not hashed (verify reports any other text there);
 *     canonical(child) for each element child, in document order;
 *     "/" "\n".
 *
 *   esc() writes a backslash as "\\" and a line feed as "\n"; every other
 *   byte (UTF-8) as is. 0x1F cannot occur in XML 1.0 text, so it separates.
 *   The chain's head (the last hash; 64 zeros when there is no account) is
 *   written as <chain head="..."/> last in <audit-manifest> and repeated in
 *   print/control.xml. The writer computes the canonical form from the same
 *   calls that write the record (a hashing pass, then a writing pass), so
 *   record and hash cannot drift apart; u-audit.c recomputes it from a
 *   written file with libxml2's reader, as verify does.
 */
#include "../pl.h"
#include "bundle-int.h"
#include "../core/date.h"
#include "../core/digest.h"
#include "../core/limits.h"

#include <glib.h>
#include <libxml/xmlwriter.h>

/* ====================================================================
 * CSV
 * ==================================================================== */

const char *const manifest_csv_header[] = {
	"piece_id", "account_id", "pdf", "first_page", "page_count",
	"sheet_count", "envelope", "mail_class", "template", "language",
	"name", "address_line1", "address_line2", "city", "state",
	"postal_code", "imb",
	/* more columns may follow the ones above (DESIGN.md) */
	"template_version", "mail_date", "validation_end_date", "content_sha256",
	"sides",   /* simplex, or duplex when a rule put text on the reverse */
	/* docs/print-bundle.md: the print group and the piece's bytes in pdf */
	"group", "pages_sha256", "pdf_offset", "pdf_length",
};
const size_t manifest_csv_columns = PL_ARRAY_SIZE(manifest_csv_header);

const char *const suppressed_csv_header[] = {
	"account_id", "outcome", "reason_code", "citation", "message",
	"deferred_until", "file", "line",
};
const size_t suppressed_csv_columns = PL_ARRAY_SIZE(suppressed_csv_header);

const char *const rejects_csv_header[] = {
	"file", "line", "account_id", "reason_code", "field", "message",
};
const size_t rejects_csv_columns = PL_ARRAY_SIZE(rejects_csv_header);

const char *const contact_plan_csv_header[] = {
	"account_id", "consumer_id", "state", "time_zone", "call_window",
	"calls_day1", "calls_day2", "calls_day3", "calls_day4", "calls_day5",
	"calls_day6", "calls_day7", "blocked_channels", "block_reasons",
	"first_day", "limit_rules",
};
const size_t contact_plan_csv_columns = PL_ARRAY_SIZE(contact_plan_csv_header);

_Static_assert(PL_PLAN_DAYS == 7, "contact-plan.csv has calls_day1..calls_day7");

static const struct {
	unsigned bit;
	const char *word;
} channel_words[] = {
	{ CHANNEL_CALL, "call" }, { CHANNEL_LETTER, "letter" },
	{ CHANNEL_EMAIL, "email" }, { CHANNEL_SMS, "sms" },
};

char *bundle_channel_words(unsigned bits, char out[BUNDLE_CHANNEL_WORDS])
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < PL_ARRAY_SIZE(channel_words); i++) {
		if (!(bits & channel_words[i].bit))
			continue;
		len += (size_t)snprintf(out + len, BUNDLE_CHANNEL_WORDS - len, "%s%s",
					len ? " " : "", channel_words[i].word);
	}
	return out;
}

/*
 * RFC 4180 needs quotes around a field with a comma, a quote, CR or LF.
 * We also quote a field that starts like a spreadsheet formula (= + - @,
 * and tab or CR, which some spreadsheets strip before looking): quoting
 * changes no byte of the value, so scripts read the same data, and it
 * marks the field as text for tools that honour quotes. It is not a
 * defence against every spreadsheet (see the report of this stage).
 */
bool csv_needs_quotes(const char *s)
{
	if (s[0] && strchr("=+-@\t\r", s[0]))
		return true;
	return strpbrk(s, ",\"\r\n") != NULL;
}

static int csv_write_field(struct atomfile *af, const char *s)
{
	const char *p, *q;
	int rc;

	if (!s)
		s = "";
	if (!csv_needs_quotes(s))
		return atomfile_write(af, s, strlen(s));
	rc = atomfile_write(af, "\"", 1);
	/* Double every quote: write up to and including it, then one more. */
	for (p = s; rc == PL_OK && (q = strchr(p, '"')); p = q + 1) {
		rc = atomfile_write(af, p, (size_t)(q - p) + 1);
		if (rc == PL_OK)
			rc = atomfile_write(af, "\"", 1);
	}
	if (rc == PL_OK)
		rc = atomfile_write(af, p, strlen(p));
	if (rc == PL_OK)
		rc = atomfile_write(af, "\"", 1);
	return rc;
}

int csv_write_row(struct atomfile *af, const char *const *fields, size_t n)
{
	int rc = PL_OK;

	for (size_t i = 0; rc == PL_OK && i < n; i++) {
		if (i)
			rc = atomfile_write(af, ",", 1);
		if (rc == PL_OK)
			rc = csv_write_field(af, fields[i]);
	}
	if (rc == PL_OK)
		rc = atomfile_write(af, CSV_EOL, strlen(CSV_EOL));
	return rc;
}

int csv_write_header(struct atomfile *af, const char *const *header, size_t n)
{
	return csv_write_row(af, header, n);
}

static const char *outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_LETTER:     return "letter";
	case OUTCOME_SUPPRESSED: return "suppressed";
	case OUTCOME_DEFERRED:   return "deferred";
	case OUTCOME_REJECTED:   return "rejected";
	}
	PL_BUG("unknown outcome %d", (int)o);
}

int manifest_csv_letter(struct atomfile *af, const struct bundle_opts *opts,
			const struct bundle_entry *e)
{
	const struct account *a = e->account;
	const struct letter_ref *l = e->letter;
	char first[16], pages[16], sheets[16], offset[24], length[24];
	char mail[PL_DATE_ISO_LEN], vend[PL_DATE_ISO_LEN];
	const char *row[] = {
		bundle_str(l->piece_id), e->account_id, bundle_str(l->pdf), first,
		pages, sheets, bundle_str(l->envelope), bundle_str(opts->agency->mail_class),
		bundle_str(l->template_id), e->language, e->name,
		bundle_str(a->address_line1), bundle_str(a->address_line2),
		bundle_str(a->city), bundle_str(a->state),
		bundle_str(a->postal_code),
		l->imb,   /* tracking code then routing code, digits only */
		bundle_str(l->template_version), date_format_iso(e->mail_date, mail),
		date_format_iso(e->validation_end_date, vend), l->content_sha256,
		l->sheet_count == l->page_count ? "simplex" : "duplex",
		bundle_str(l->group), l->pages_sha256, offset, length,
	};

	if (PL_ARRAY_SIZE(row) != manifest_csv_columns)
		PL_BUG("print manifest row and header disagree");
	snprintf(offset, sizeof(offset), "%lu", l->pdf_offset);
	snprintf(length, sizeof(length), "%lu", l->pdf_length);
	snprintf(first, sizeof(first), "%u", l->first_page);
	snprintf(pages, sizeof(pages), "%u", l->page_count);
	snprintf(sheets, sizeof(sheets), "%u", l->sheet_count);
	return csv_write_row(af, row, PL_ARRAY_SIZE(row));
}

int manifest_csv_suppressed(struct atomfile *af, const struct bundle_entry *e)
{
	char until[PL_DATE_ISO_LEN], line[16];
	const char *row[] = {
		e->account_id, outcome_name(e->outcome), e->reason_code,
		e->citation, e->message, date_format_iso(e->deferred_until, until),
		e->file, line,
	};

	if (PL_ARRAY_SIZE(row) != suppressed_csv_columns)
		PL_BUG("suppressed row and header disagree");
	snprintf(line, sizeof(line), "%u", e->account->line);
	return csv_write_row(af, row, PL_ARRAY_SIZE(row));
}

int manifest_csv_reject(struct atomfile *af, const struct bundle_entry *e)
{
	char line[16];
	const char *row[] = {
		e->file, line, e->account_id, e->reason_code, e->field, e->message,
	};

	if (PL_ARRAY_SIZE(row) != rejects_csv_columns)
		PL_BUG("rejects row and header disagree");
	snprintf(line, sizeof(line), "%u", e->account->line);
	return csv_write_row(af, row, PL_ARRAY_SIZE(row));
}

int manifest_csv_contact_reject(struct atomfile *af,
				const struct contact_event *ev)
{
	char line[16];
	const char *row[] = {
		bundle_str(ev->file), line, bundle_str(ev->account_id),
		bundle_str(ev->reject.code), bundle_str(ev->reject.field),
		bundle_str(ev->reject.message),
	};

	if (PL_ARRAY_SIZE(row) != rejects_csv_columns)
		PL_BUG("rejects row and header disagree");
	snprintf(line, sizeof(line), "%u", ev->line);
	return csv_write_row(af, row, PL_ARRAY_SIZE(row));
}

int manifest_csv_plan(struct atomfile *af, const struct bundle_entry *e)
{
	const struct account *a = e->account;
	const struct contact_plan *p = &e->verdict->plan;
	char calls[PL_PLAN_DAYS][16], blocked[BUNDLE_CHANNEL_WORDS];
	char first[PL_DATE_ISO_LEN];
	const char *row[] = {
		e->account_id,
		a->consumer_id && a->consumer_id[0] ? a->consumer_id : e->account_id,
		bundle_str(a->state), bundle_str(p->time_zone), p->window,
		calls[0], calls[1], calls[2], calls[3], calls[4], calls[5], calls[6],
		bundle_channel_words(p->blocked, blocked),
		bundle_str(p->block_reasons), date_format_iso(p->first_day, first),
		bundle_str(p->limit_rules),
	};

	if (PL_ARRAY_SIZE(row) != contact_plan_csv_columns)
		PL_BUG("contact plan row and header disagree");
	for (int i = 0; i < PL_PLAN_DAYS; i++)
		snprintf(calls[i], sizeof(calls[i]), "%d", p->calls_allowed[i]);
	return csv_write_row(af, row, PL_ARRAY_SIZE(row));
}

/* ====================================================================
 * The audit manifest
 * ==================================================================== */

#define AUDIT_NS "urn:fairnotice:audit:1"
/* Sanitised text: any one field or message, each bad byte grown to 3. */
#define AUDIT_CLEAN_MAX (3 * (size_t)PL_MAX_RECORD_BYTES)
/* The attributes of one element, copied for sorting: names and values. */
#define AUDIT_ATTRS_MAX (AUDIT_MAX_ATTRS * (AUDIT_CLEAN_MAX + 64))
#define AUDIT_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"
/* The chain state lives in struct audit_xml (bundle-int.h). */
static struct audit_chain *chain_of(struct audit_xml *x)
{
	return &x->chain;
}

/* esc() of docs/audit-chain.md into the digest. */
static void canon_esc(struct digest *d, const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p != '\\' && *p != '\n')
			continue;
		digest_update(d, s, (size_t)(p - s));
		digest_update(d, *p == '\n' ? "\\n" : "\\\\", 2);
		s = p + 1;
	}
	digest_update(d, s, (size_t)(p - s));
}

static int canon_attr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The pending "E" line: name and sorted attributes. */
static void canon_flush(struct audit_chain *c)
{
	const char *base = buf_str(&c->attrs);
	const char *names[AUDIT_MAX_ATTRS];

	if (!c->elem)
		return;
	/* Names are unique within an element, so the sort is a total order. */
	for (size_t i = 0; i < c->nattrs; i++)
		names[i] = base + c->off[i];
	qsort(names, c->nattrs, sizeof(names[0]), canon_attr_cmp);
	digest_update(c->canon, "E", 1);
	digest_update(c->canon, c->elem, strlen(c->elem));
	for (size_t i = 0; i < c->nattrs; i++) {
		const char *name = names[i];
		const char *value = name + strlen(name) + 1;

		digest_update(c->canon, "\x1f", 1);
		digest_update(c->canon, name, strlen(name));
		digest_update(c->canon, "=", 1);
		canon_esc(c->canon, value);
	}
	digest_update(c->canon, "\n", 1);
	c->elem = NULL;
	c->nattrs = 0;
	buf_clear(&c->attrs);
}

/* libxml2 output callbacks: every byte goes through atomfile_write(). */
static int xml_out_write(void *ctx, const char *data, int len)
{
	struct atomfile *af = ctx;

	if (len < 0 || atomfile_write(af, data, (size_t)len) != PL_OK)
		return -1;
	return len;
}

static int xml_out_close(void *ctx)
{
	return 0;   /* the atomfile is committed or rolled back by us */
}

/* Can XML 1.0 carry the character c (its production [2] Char)? */
static bool xml_char_ok(gunichar c)
{
	return c == 0x9 || c == 0xA || c == 0xD ||
	       (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	       (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * s as XML can carry it: s itself when it is clean (the common case, no
 * copy), else a copy in x->clean with each bad sequence replaced by
 * U+FFFD. Borrowed until the next call. NULL on a sticky failure.
 */
static const char *xml_clean(struct audit_xml *x, const char *s)
{
	const char *p, *end;
	bool clean = true;

	if (!s)
		return "";
	end = s + strlen(s);
	for (p = s; p < end; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2 || !xml_char_ok(c)) {
			clean = false;
			break;
		}
	}
	if (clean)
		return s;

	buf_clear(&x->clean);
	for (p = s; p < end && x->status == PL_OK; ) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		int rc;

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			rc = buf_addstr(&x->clean, "\xEF\xBF\xBD");
			p++;
		} else {
			const char *next = g_utf8_next_char(p);
			if (xml_char_ok(c))
				rc = buf_add(&x->clean, p, (size_t)(next - p));
			else
				rc = buf_addstr(&x->clean, "\xEF\xBF\xBD");
			p = next;
		}
		if (rc != PL_OK)
			x->status = rc;
	}
	return x->status == PL_OK ? buf_str(&x->clean) : NULL;
}

/* The writer calls, with sticky failure (x->status). */
static void xml_check(struct audit_xml *x, int ret)
{
	if (ret < 0 && x->status == PL_OK)
		x->status = PL_IO_WRITE;
}

/*
 * The chain's hashing pass, when one is on: the calls below feed the
 * canonical form into the digest instead of writing. NULL otherwise.
 */
static struct audit_chain *hashing(struct audit_xml *x)
{
	struct audit_chain *c = chain_of(x);

	return c->canon ? c : NULL;
}

/* name is a string literal (the hashing pass keeps the pointer). */
static void xml_start(struct audit_xml *x, const char *name)
{
	struct audit_chain *c;

	if (x->status != PL_OK)
		return;
	if ((c = hashing(x))) {
		canon_flush(c);
		c->elem = name;
		return;
	}
	xml_check(x, xmlTextWriterStartElement(x->writer, BAD_CAST name));
}

static void xml_end(struct audit_xml *x)
{
	struct audit_chain *c;

	if (x->status != PL_OK)
		return;
	if ((c = hashing(x))) {
		canon_flush(c);
		digest_update(c->canon, "/\n", 2);
		return;
	}
	xml_check(x, xmlTextWriterEndElement(x->writer));
}

static void xml_attr(struct audit_xml *x, const char *name, const char *value)
{
	struct audit_chain *c;
	const char *v;
	int rc;

	if (x->status != PL_OK || !(v = xml_clean(x, value)))
		return;
	if ((c = hashing(x))) {
		if (c->nattrs == AUDIT_MAX_ATTRS)
			PL_BUG("more than %d attributes on <%s>", AUDIT_MAX_ATTRS,
			       c->elem);
		c->off[c->nattrs++] = c->attrs.len;
		rc = buf_add(&c->attrs, name, strlen(name) + 1);
		if (rc == PL_OK)
			rc = buf_add(&c->attrs, v, strlen(v) + 1);
		if (rc != PL_OK)
			x->status = rc;
		return;
	}
	xml_check(x, xmlTextWriterWriteAttribute(x->writer, BAD_CAST name,
						 BAD_CAST v));
}

/* An attribute that is left out when it has no value. */
static void xml_attr_opt(struct audit_xml *x, const char *name, const char *value)
{
	if (value && value[0])
		xml_attr(x, name, value);
}

static void xml_attr_uint(struct audit_xml *x, const char *name, unsigned long n)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", n);
	xml_attr(x, name, num);
}

static void xml_attr_date(struct audit_xml *x, const char *name, int date)
{
	char iso[PL_DATE_ISO_LEN];

	xml_attr_opt(x, name, date_format_iso(date, iso));
}

/* Text goes only in elements without element children (the chain's rule). */
static void xml_text(struct audit_xml *x, const char *text)
{
	struct audit_chain *c;
	const char *v;

	if (x->status != PL_OK || !(v = xml_clean(x, text)))
		return;
	if ((c = hashing(x))) {
		canon_flush(c);
		if (v[0]) {
			digest_update(c->canon, "T", 1);
			canon_esc(c->canon, v);
			digest_update(c->canon, "\n", 1);
		}
		return;
	}
	xml_check(x, xmlTextWriterWriteString(x->writer, BAD_CAST v));
}

static int xml_status(struct audit_xml *x, struct pl_diag *diag)
{
	if (x->status == PL_OK)
		return PL_OK;
	if (PL_CLASS(x->status) == PL_LIMIT)
		return pl_diag_set(diag, x->status, x->af.path, 0,
				   "cannot write a text longer than %zu bytes to "
				   "the %s", AUDIT_CLEAN_MAX,
				   x->what ? x->what : "audit manifest");
	return pl_diag_set(diag, x->status, x->af.path, 0, "cannot write the %s%s",
			   x->what ? x->what : "audit manifest",
			   x->af.failed ? "" : ": libxml2 writer error");
}

/* Open path and start the document with root element root (its attributes follow). */
static int xml_doc_open(struct audit_xml *x, const char *path, const char *root,
			const char *what, struct pl_diag *diag)
{
	xmlOutputBuffer *out;
	int rc;

	memset(x, 0, sizeof(*x));
	x->what = what;
	buf_init(&x->clean, AUDIT_CLEAN_MAX);
	buf_init(&chain_of(x)->attrs, AUDIT_ATTRS_MAX);
	memcpy(chain_of(x)->prev, AUDIT_ZERO_HASH, PL_SHA256_HEX);
	rc = atomfile_open(&x->af, path, diag);
	if (rc != PL_OK)
		return rc;
	/* The writer owns out from here on; xmlFreeTextWriter() closes it. */
	out = xmlOutputBufferCreateIO(xml_out_write, xml_out_close, &x->af, NULL);
	if (out)
		x->writer = xmlNewTextWriter(out);
	if (!x->writer) {
		if (out)
			xmlOutputBufferClose(out);
		atomfile_rollback(&x->af);
		return pl_diag_set(diag, PL_IO_WRITE, path, 0,
				   "cannot start the %s writer", what);
	}
	xml_check(x, xmlTextWriterSetIndent(x->writer, 1));
	xml_check(x, xmlTextWriterSetIndentString(x->writer, BAD_CAST "  "));
	if (x->status == PL_OK)
		xml_check(x, xmlTextWriterStartDocument(x->writer, "1.0", "UTF-8", NULL));
	xml_start(x, root);
	return PL_OK;
}

/* End the document, flush it and commit the file (sha_out may be NULL). */
static int xml_doc_finish(struct audit_xml *x, char sha_out[PL_SHA256_HEX],
			  struct pl_diag *diag)
{
	int rc;

	if (x->status == PL_OK)
		xml_check(x, xmlTextWriterEndDocument(x->writer));
	/* Freeing the writer flushes its last bytes through the callback. */
	xmlFreeTextWriter(x->writer);
	x->writer = NULL;
	if (x->af.failed)
		xml_check(x, -1);
	rc = xml_status(x, diag);
	if (rc == PL_OK)
		rc = atomfile_commit(&x->af, sha_out, diag);
	audit_xml_abort(x);
	return rc;
}

int audit_xml_open(struct audit_xml *x, const char *path,
		   const struct bundle_opts *opts, struct pl_diag *diag)
{
	char run[PL_DATE_ISO_LEN], mail[PL_DATE_ISO_LEN];
	int rc = xml_doc_open(x, path, "audit-manifest", "audit manifest", diag);

	if (rc != PL_OK)
		return rc;
	xml_attr(x, "xmlns", AUDIT_NS);
	xml_attr(x, "batch", opts->batch_id);
	xml_attr(x, "agency", opts->agency->id);
	xml_attr(x, "run-date", date_format_iso(opts->run_date, run));
	xml_attr(x, "mail-date", date_format_iso(opts->mail_date, mail));
	xml_attr(x, "rules-digest", opts->rules_digest);
	return xml_status(x, diag);
}

static void xml_rule_hits(struct audit_xml *x, const struct verdict *v)
{
	for (size_t i = 0; i < v->nhits; i++) {
		const struct rule_hit *h = &v->hits[i];
		char source[PL_MAX_PATH + 16];

		snprintf(source, sizeof(source), "%s:%u",
			 bundle_str(h->source_file), h->source_line);
		xml_start(x, "rule");
		xml_attr(x, "id", h->rule_id);
		xml_attr_opt(x, "citation", h->citation);
		xml_attr_opt(x, "title", h->title);
		xml_attr(x, "source", source);
		if (h->needs_review)
			xml_attr(x, "review", "yes");
		xml_end(x);
	}
}

static void xml_letter(struct audit_xml *x, const struct bundle_opts *opts,
		       const struct bundle_entry *e)
{
	const struct verdict *v = e->verdict;
	const struct letter_ref *l = e->letter;

	xml_start(x, "dates");
	xml_attr_date(x, "mail", e->mail_date);
	xml_attr_date(x, "assumed-receipt", v->assumed_receipt_date);
	xml_attr_date(x, "validation-end", e->validation_end_date);
	xml_attr_opt(x, "holiday-method", v->holiday_method);
	xml_attr_opt(x, "calendar", v->calendar_version);
	xml_end(x);

	xml_rule_hits(x, v);

	for (size_t i = 0; i < v->ndisclosures; i++) {
		const struct disclosure *d = &v->disclosures[i];
		const char *text = bundle_str(d->text);
		char sha[PL_SHA256_HEX];

		sha256_hex(text, strlen(text), sha);
		xml_start(x, "disclosure");
		xml_attr(x, "slot", d->slot);
		xml_attr(x, "rule", d->rule_id);
		xml_attr_opt(x, "citation", d->citation);
		xml_attr(x, "text-sha256", sha);
		xml_end(x);
	}

	xml_start(x, "letter");
	xml_attr(x, "piece", l->piece_id);
	xml_attr(x, "pdf", l->pdf);
	xml_attr(x, "group", l->group);
	xml_attr(x, "template", l->template_id);
	xml_attr_opt(x, "template-version", l->template_version);
	xml_attr(x, "language", e->language);
	xml_attr(x, "communication",
		 v->initial_communication ? "initial" : "subsequent");
	xml_attr_uint(x, "first-page", l->first_page);
	xml_attr_uint(x, "pages", l->page_count);
	xml_attr_uint(x, "sheets", l->sheet_count);
	xml_attr(x, "content-sha256", l->content_sha256);
	xml_attr(x, "pages-sha256", l->pages_sha256);
	xml_attr_uint(x, "pdf-offset", l->pdf_offset);
	xml_attr_uint(x, "pdf-length", l->pdf_length);
	if (l->imb[0]) {
		xml_attr(x, "imb", l->imb);
		xml_attr_uint(x, "imb-serial", l->imb_serial);
	}
	xml_end(x);
}

/* REGULATIONS.md 5.4, 6.17: what the statute of limitations said. */
static void xml_time_barred(struct audit_xml *x, const struct verdict *v)
{
	static const char *const status[] = {
		[TRI_UNKNOWN] = "unknown", [TRI_NO] = "no", [TRI_YES] = "yes",
	};

	if ((unsigned)v->time_barred >= PL_ARRAY_SIZE(status))
		PL_BUG("time_barred %d", (int)v->time_barred);
	xml_start(x, "time-barred");
	xml_attr(x, "status", status[v->time_barred]);
	if (v->sol_years > 0)
		xml_attr_uint(x, "sol-years", (unsigned long)v->sol_years);
	xml_attr_date(x, "expires-on", v->sol_expires_on);
	xml_attr_opt(x, "rule", v->sol_rule_id);
	xml_end(x);
}

/* The contact plan, as contact-plan.csv has it. */
static void xml_plan(struct audit_xml *x, const struct contact_plan *p)
{
	char calls[PL_PLAN_DAYS * 12], blocked[BUNDLE_CHANNEL_WORDS];
	size_t len = 0;

	for (int i = 0; i < PL_PLAN_DAYS; i++)
		len += (size_t)snprintf(calls + len, sizeof(calls) - len, "%s%d",
					i ? " " : "", p->calls_allowed[i]);
	xml_start(x, "plan");
	xml_attr_date(x, "first-day", p->first_day);
	xml_attr_opt(x, "window", p->window);
	xml_attr_opt(x, "time-zone", p->time_zone);
	xml_attr(x, "calls", calls);
	xml_attr_opt(x, "blocked", bundle_channel_words(p->blocked, blocked));
	xml_attr_opt(x, "reasons", p->block_reasons);
	xml_attr_opt(x, "limit-rules", p->limit_rules);
	xml_end(x);
}

/*
 * One <account>, in either pass: prev and hash are NULL in the hashing
 * pass (they are not part of the canonical form) and given in the writing
 * pass.
 */
static void xml_account(struct audit_xml *x, const struct bundle_opts *opts,
			const struct bundle_entry *e, const char *prev,
			const char *hash)
{
	const struct verdict *v = e->verdict;
	bool decided = v && e->outcome != OUTCOME_REJECTED;

	xml_start(x, "account");
	xml_attr(x, "id", e->account_id);
	xml_attr(x, "file", e->file);
	xml_attr_uint(x, "line", e->account->line);
	xml_attr(x, "outcome", outcome_name(e->outcome));
	if (v)
		xml_attr_opt(x, "jurisdiction", v->jurisdiction);
	/* The postal state as the input gave it (the HTML view groups by it). */
	xml_attr_opt(x, "state", e->account->state);
	if (v && v->needs_review)
		xml_attr(x, "review", "yes");
	if (prev) {
		xml_attr(x, "prev", prev);
		xml_attr(x, "hash", hash);
	}

	if (e->outcome != OUTCOME_LETTER) {
		xml_start(x, "reason");
		xml_attr(x, "code", e->reason_code);
		xml_attr_opt(x, "citation", e->citation);
		xml_attr_opt(x, "field", e->field);
		xml_attr_date(x, "until", e->deferred_until);
		xml_text(x, e->message);
		xml_end(x);
	}
	if (decided)
		xml_time_barred(x, v);
	if (e->outcome == OUTCOME_LETTER)
		xml_letter(x, opts, e);
	else if (v)
		xml_rule_hits(x, v);
	if (decided)
		xml_plan(x, &v->plan);
	xml_end(x);
}

int audit_xml_account(struct audit_xml *x, const struct bundle_opts *opts,
		      const struct bundle_entry *e, struct pl_diag *diag)
{
	struct audit_chain *c = chain_of(x);
	struct digest canon;
	char hash[PL_SHA256_HEX];

	/* The hashing pass: the same calls, into the digest. */
	digest_init(&canon);
	digest_update(&canon, c->prev, PL_SHA256_HEX - 1);
	digest_update(&canon, "\n", 1);
	c->canon = &canon;
	xml_account(x, opts, e, NULL, NULL);
	c->canon = NULL;
	c->elem = NULL;
	c->nattrs = 0;
	buf_clear(&c->attrs);
	digest_finish(&canon, hash);
	/* The writing pass, with the link to the previous record. */
	xml_account(x, opts, e, c->prev, hash);
	if (x->status == PL_OK)
		memcpy(c->prev, hash, PL_SHA256_HEX);
	return xml_status(x, diag);
}

int audit_xml_finish(struct audit_xml *x, const struct run_counts *t,
		     unsigned long review_letters, char sha_out[PL_SHA256_HEX],
		     char chain_out[PL_SHA256_HEX], struct pl_diag *diag)
{
	struct audit_chain *c = chain_of(x);

	xml_start(x, "totals");
	xml_attr_uint(x, "read", t->read);
	xml_attr_uint(x, "letters", t->letters);
	xml_attr_uint(x, "suppressed", t->suppressed);
	xml_attr_uint(x, "deferred", t->deferred);
	xml_attr_uint(x, "rejected", t->rejected);
	xml_attr_uint(x, "pages", t->pages);
	xml_attr_uint(x, "sheets", t->sheets);
	xml_attr_uint(x, "letters-for-review", review_letters);
	xml_start(x, "contacts");
	xml_attr_uint(x, "read", t->contacts_read);
	xml_attr_uint(x, "rejected", t->contacts_rejected);
	xml_end(x);
	xml_end(x);
	xml_start(x, "chain");
	xml_attr(x, "head", c->prev);
	xml_end(x);
	if (chain_out)
		memcpy(chain_out, c->prev, PL_SHA256_HEX);
	return xml_doc_finish(x, sha_out, diag);
}

/* ====================================================================
 * print/manifest.xml (docs/print-bundle.md): the same writer, no chain
 * ==================================================================== */

int print_xml_open(struct audit_xml *x, const char *path,
		   const struct bundle_opts *opts, struct pl_diag *diag)
{
	char mail[PL_DATE_ISO_LEN];
	int rc = xml_doc_open(x, path, "print-manifest", "print manifest", diag);

	if (rc != PL_OK)
		return rc;
	xml_attr(x, "xmlns", PRINT_NS);
	xml_attr(x, "batch", opts->batch_id);
	xml_attr(x, "agency", opts->agency->id);
	xml_attr(x, "mail-date", date_format_iso(opts->mail_date, mail));
	xml_attr(x, "mail-class", bundle_str(opts->agency->mail_class));
	return xml_status(x, diag);
}

static void xml_leaf(struct audit_xml *x, const char *name, const char *text)
{
	xml_start(x, name);
	xml_text(x, bundle_str(text));
	xml_end(x);
}

int print_xml_piece(struct audit_xml *x, const struct bundle_entry *e,
		    struct pl_diag *diag)
{
	const struct letter_ref *l = e->letter;
	const struct account *a = e->account;

	xml_start(x, "piece");
	xml_attr(x, "id", l->piece_id);
	xml_attr(x, "account", e->account_id);
	xml_attr(x, "pdf", l->pdf);
	xml_attr(x, "group", l->group);
	xml_attr(x, "envelope", l->envelope);
	xml_attr_uint(x, "first-page", l->first_page);
	xml_attr_uint(x, "pages", l->page_count);
	xml_attr_uint(x, "sheets", l->sheet_count);
	xml_attr(x, "sides", l->sheet_count == l->page_count ? "simplex" : "duplex");
	xml_attr(x, "template", l->template_id);
	xml_attr(x, "template-version", bundle_str(l->template_version));
	xml_attr(x, "language", e->language);
	xml_attr(x, "imb", l->imb);
	xml_attr(x, "pages-sha256", l->pages_sha256);
	xml_attr_uint(x, "pdf-offset", l->pdf_offset);
	xml_attr_uint(x, "pdf-length", l->pdf_length);
	xml_start(x, "address");
	xml_leaf(x, "name", e->name);
	xml_leaf(x, "line1", a->address_line1);
	xml_leaf(x, "line2", a->address_line2);
	xml_leaf(x, "city", a->city);
	xml_leaf(x, "state", a->state);
	xml_leaf(x, "postal-code", a->postal_code);
	xml_end(x);
	xml_end(x);
	return xml_status(x, diag);
}

int print_xml_finish(struct audit_xml *x, const struct run_counts *t,
		     struct pl_diag *diag)
{
	xml_start(x, "totals");
	xml_attr_uint(x, "pieces", t->letters);
	xml_attr_uint(x, "pages", t->pages);
	xml_attr_uint(x, "sheets", t->sheets);
	xml_end(x);
	return xml_doc_finish(x, NULL, diag);
}

void audit_xml_abort(struct audit_xml *x)
{
	struct audit_chain *c = chain_of(x);

	buf_release(&c->attrs);
	memset(c, 0, sizeof(*c));
	if (x->writer) {
		xmlFreeTextWriter(x->writer);
		x->writer = NULL;
	}
	atomfile_rollback(&x->af);
	buf_release(&x->clean);
}

/* ====================================================================
 * The same writer for other documents (bundle-int.h, "xmldoc")
 * ==================================================================== */

int xmldoc_open(struct audit_xml *x, const char *path, const char *root,
		const char *what, struct pl_diag *diag)
{
	return xml_doc_open(x, path, root, what, diag);
}

void xmldoc_start(struct audit_xml *x, const char *name)
{
	xml_start(x, name);
}

void xmldoc_attr(struct audit_xml *x, const char *name, const char *value)
{
	xml_attr(x, name, value);
}

void xmldoc_attr_ulong(struct audit_xml *x, const char *name, unsigned long n)
{
	xml_attr_uint(x, name, n);
}

void xmldoc_end(struct audit_xml *x)
{
	xml_end(x);
}

int xmldoc_finish(struct audit_xml *x, struct pl_diag *diag)
{
	return xml_doc_finish(x, NULL, diag);
}
