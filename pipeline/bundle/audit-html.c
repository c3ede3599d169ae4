/*
 * audit-html.c: the auditor's HTML view of the audit manifest.
 *
 * audit_html_write() reads the committed audit/manifest.xml of a staging
 * directory, applies the stylesheet shipped in the repository
 * (templates/audit-view.xsl) with libxslt and writes audit/manifest.html
 * through an atomfile. The page is self-contained: the stylesheet draws
 * the charts as inline SVG and filters with a small inline script, so the
 * file opens from a CD or an e-mail years later with no network.
 *
 * A stylesheet is a program. EXSLT is registered (exsl:document exists),
 * and every transform context carries libxslt security preferences that
 * forbid writing any file, creating any directory, and reading or writing
 * over the network; reading a file is allowed for the manifest itself
 * only. A stylesheet that tries anything else stops the transform, no
 * file is written and the error says what was refused.
 *
 * Memory: flat in the number of accounts. The manifest is never one tree;
 * it is streamed twice:
 *   1. With libxml2's SAX2 callbacks, which build no tree (the summary
 *      needs four attributes of each record): every <account> is counted
 *      in C (outcomes, review flags, per state
 *      the outcomes, per reason code the records, the distinct rule ids;
 *      sets capped by AUDIT_HTML_MAX_*). The counts, the root's attributes,
 *      <totals> and <chain> make a small summary document, transformed
 *      with part='page': the whole page with an empty <tbody></tbody>.
 *      What comes before it (cards, charts, filters, table header) is
 *      written out; what comes after it (the script) is kept for the end.
 *   2. With xmlTextReader: the <account> records are copied, AUDIT_HTML_CHUNK at a time, into
 *      a chunk document with the manifest's root element; each chunk is
 *      transformed with part='rows' and its rows are appended.
 * What is held at once is one chunk (its copy, its result tree and its
 * serialized rows), the summary and the stylesheet. The bytes are those
 * a single transform of the whole manifest gives (4001, 4007).
 */
#include "../pl.h"
#include "bundle-int.h"
#include "../core/sidejob.h"
#include "../core/xsltguard.h"
#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/xalloc.h"

#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/hash.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/security.h>
#include <libxslt/xsltutils.h>
#include <libexslt/exslt.h>

#define AUDIT_XML_REL "audit/manifest.xml"
#define AUDIT_HTML_REL "audit/manifest.html"
#define AUDIT_NS "urn:fairnotice:audit:1"

/*
 * Caps (core/limits.h): states, the 59 USPS codes ingest accepts and
 * "none"; reason codes and rule ids, at most one per rule of the loaded
 * set (reason codes also come from ingest's rejections, a handful). A
 * manifest past a cap is not one fairnotice wrote; the view fails with
 * PL_LIMIT naming it.
 */
#define AUDIT_HTML_MAX_STATES     PL_MAX_AUDIT_STATES
#define AUDIT_HTML_MAX_REASONS    PL_MAX_RULES
#define AUDIT_HTML_MAX_RULE_IDS   PL_MAX_RULES
/*
 * <account> records per transform of pass 2. Small chunks were measured
 * both smaller and faster (the step for 10,000 accounts: 32 a chunk,
 * 1.7 s and 10 MB peak; 256 a chunk, 3.3 s and 26 MB).
 */
#define AUDIT_HTML_CHUNK          32
/* The serialized page (without rows), or one chunk's rows. */
#define AUDIT_HTML_MAX_PART_BYTES PL_MAX_AUDIT_PART_BYTES

/* The empty table body of part 'page', where the rows go. */
static const char rows_slot[] = "<tbody></tbody>";

/* ---- security preferences and errors ---- */

/* What the security checks and the error handler share. */
struct html_guard {
	struct xslt_guard sec;    /* read_file: the manifest, the one file it may read */
	char error[400];          /* first libxml2/libxslt message, one line */
};

static void guard_error(void *ctx, const char *fmt, ...)
{
	struct html_guard *g = ctx;
	size_t len = strlen(g->error);
	char *nl;
	va_list ap;

	/* Messages come in pieces; keep the first line of the first one. */
	if (strchr(g->error, '\n') || len + 1 >= sizeof(g->error))
		return;
	va_start(ap, fmt);
	vsnprintf(g->error + len, sizeof(g->error) - len, fmt, ap);
	va_end(ap);
	if ((nl = strchr(g->error, '\n')) && nl[1])
		nl[1] = '\0';
}

/* ---- streaming the manifest ---- */

/*
 * The manifest through xmlTextReader, one element child of the root at a
 * time. Network off, no DTD loaded, no entity substituted, and a DOCTYPE
 * is refused outright, as core/xmlsafe.h does for whole documents.
 */
struct manifest_reader {
	const char *path;          /* borrowed */
	xmlTextReaderPtr reader;   /* owned */
	bool expanded;             /* the last node handed out was expanded */
	char error[256];           /* the reader's first error, one line */
	unsigned long error_line;
};

static void manifest_error(void *arg, const char *msg,
			   xmlParserSeverities severity,
			   xmlTextReaderLocatorPtr loc)
{
	struct manifest_reader *m = arg;

	if (m->error[0] || (severity != XML_PARSER_SEVERITY_ERROR &&
			    severity != XML_PARSER_SEVERITY_VALIDITY_ERROR))
		return;
	snprintf(m->error, sizeof(m->error), "%s", msg ? msg : "malformed XML");
	m->error[strcspn(m->error, "\n")] = '\0';
	m->error_line = loc ? (unsigned long)xmlTextReaderLocatorLineNumber(loc) : 0;
}

static int manifest_fail(struct manifest_reader *m, struct pl_diag *diag)
{
	return pl_diag_set(diag, PL_PARSE_XML, m->path, (unsigned)m->error_line,
			   "cannot read the audit manifest '%s': %s", m->path,
			   m->error[0] ? m->error : "malformed XML");
}

static bool is_audit(xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && node->ns &&
	       !strcmp((const char *)node->ns->href, AUDIT_NS) &&
	       !strcmp((const char *)node->name, name);
}

/*
 * Open path and read up to its root element, which must be
 * <a:audit-manifest>.
 */
static int manifest_open(struct manifest_reader *m, const char *path,
			 struct pl_diag *diag)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->path = path;
	if (access(path, R_OK) != 0)
		return pl_diag_set(diag, PL_IO_OPEN, path, 0,
				   "cannot read the audit manifest '%s': %s",
				   path, strerror(errno));
	m->reader = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	if (!m->reader)
		return pl_diag_set(diag, PL_IO_OPEN, path, 0,
				   "cannot read the audit manifest '%s'", path);
	xmlTextReaderSetErrorHandler(m->reader, manifest_error, m);
	while ((ret = xmlTextReaderRead(m->reader)) == 1) {
		int type = xmlTextReaderNodeType(m->reader);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			return pl_diag_set(diag, PL_PARSE_XML, path,
					   (unsigned)xmlTextReaderGetParserLineNumber(m->reader),
					   "refusing XML with a DOCTYPE in '%s'", path);
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!is_audit(xmlTextReaderCurrentNode(m->reader), "audit-manifest"))
			return pl_diag_set(diag, PL_PARSE_XML, path,
					   (unsigned)xmlTextReaderGetParserLineNumber(m->reader),
					   "not an audit manifest: '%s' has no <audit-manifest> root",
					   path);
		return PL_OK;
	}
	return manifest_fail(m, diag);
}

/*
 * The next top-level element into *node_out (borrowed from the reader,
 * valid until the next call): whole (a subtree) when expand, else only
 * the element itself (its name and namespace), which costs no tree: the
 * next call skips its subtree. PL_DONE after the root's end, or an error
 * status with diag filled.
 */
static int manifest_next(struct manifest_reader *m, bool expand, xmlNode **node_out,
			 struct pl_diag *diag)
{
	int ret = m->expanded ? xmlTextReaderNext(m->reader)
			      : xmlTextReaderRead(m->reader);

	m->expanded = false;
	for (; ret == 1; ret = xmlTextReaderRead(m->reader)) {
		if (xmlTextReaderNodeType(m->reader) != XML_READER_TYPE_ELEMENT ||
		    xmlTextReaderDepth(m->reader) != 1)
			continue;
		*node_out = expand ? xmlTextReaderExpand(m->reader)
				   : xmlTextReaderCurrentNode(m->reader);
		if (!*node_out)
			return manifest_fail(m, diag);
		m->expanded = true;
		return PL_OK;
	}
	if (ret < 0 || m->error[0])
		return manifest_fail(m, diag);
	return PL_DONE;
}

static void manifest_close(struct manifest_reader *m)
{
	if (m->reader)
		xmlFreeTextReader(m->reader);
	m->reader = NULL;
}

/* ---- pass 1: the summary ---- */

enum outcome_slot { OUT_LETTER, OUT_SUPPRESSED, OUT_DEFERRED, OUT_REJECTED, OUT_COUNT };
static const char *const outcome_names[OUT_COUNT] = {
	"letter", "suppressed", "deferred", "rejected",
};

/* One state, reason code or rule id of the summary. */
struct tally {
	char *key;                /* owned */
	long count;               /* states: accounts; reasons: <reason>s */
	long by_outcome[OUT_COUNT];  /* states only */
	char *outcome;            /* reasons: the first account's outcome; owned */
};

/* A capped set of tallies in first-seen (document) order. */
struct tally_set {
	const char *what;         /* "states", ... for the limit message */
	size_t max;
	size_t nr, alloc;
	struct tally *items;      /* owned */
	xmlHashTablePtr index;    /* owned: key -> position + 1 */
};

static void tally_set_init(struct tally_set *set, const char *what, size_t max)
{
	memset(set, 0, sizeof(*set));
	set->what = what;
	set->max = max;
	set->index = xmlHashCreate(64);
	if (!set->index)
		PL_BUG("libxml2 could not create a hash table");
}

static void tally_set_release(struct tally_set *set)
{
	for (size_t i = 0; i < set->nr; i++) {
		free(set->items[i].key);
		free(set->items[i].outcome);
	}
	free(set->items);
	if (set->index)
		xmlHashFree(set->index, NULL);
	memset(set, 0, sizeof(*set));
}

/*
 * The tally of key, added if new (*added set); PL_LIMIT past the cap,
 * naming the record at where (the manifest's element).
 */
static int tally_get(struct tally_set *set, const char *key, const char *path,
		     unsigned line, struct tally **out, bool *added,
		     struct pl_diag *diag)
{
	void *pos = xmlHashLookup(set->index, BAD_CAST key);

	*added = false;
	if (pos) {
		*out = &set->items[(uintptr_t)pos - 1];
		return PL_OK;
	}
	if (set->nr == set->max)
		return pl_diag_set(diag, PL_LIMIT, path, line,
				   "cannot draw the audit view: more than %zu distinct "
				   "%s in the audit manifest (the next is '%s')",
				   set->max, set->what, key);
	if (set->nr == set->alloc) {
		set->alloc = set->alloc ? 2 * set->alloc : 16;
		set->items = xrealloc(set->items, set->alloc * sizeof(*set->items));
	}
	*out = &set->items[set->nr];
	memset(*out, 0, sizeof(**out));
	(*out)->key = xstrdup(key);
	set->nr++;
	if (xmlHashAddEntry(set->index, BAD_CAST key, (void *)(uintptr_t)set->nr))
		PL_BUG("libxml2 could not add to a hash table");
	*added = true;
	return PL_OK;
}

struct summary {
	const char *path;         /* borrowed: the manifest */
	long accounts;
	long review;
	long by_outcome[OUT_COUNT];
	struct tally_set states, reasons, rules;
	xmlDocPtr doc;            /* owned: the summary document */
};

static int outcome_index(const char *outcome)
{
	for (int i = 0; i < OUT_COUNT; i++)
		if (!strcmp(outcome, outcome_names[i]))
			return i;
	return -1;
}

/*
 * Pass 1 reads the manifest with libxml2's SAX2 callbacks and builds no
 * tree (expanding every record only to read four attributes was a fifth
 * of the view's time): the same parser options as the reader of pass 2
 * (network off, no DTD loaded, no entity substituted, a DOCTYPE refused).
 */
struct summary_sax {
	struct summary *s;
	xmlParserCtxtPtr ctxt;     /* owned by summary_read() */
	xmlNode *root;             /* the summary document's root */
	xmlNs *ns;
	int depth;                 /* of the element being read; 1: the root */
	bool in_account;           /* inside a top-level <account> */
	char *outcome;             /* owned: that account's outcome */
	xmlNode *copy;             /* inside <totals> or <chain>: its copy */
	int rc;                    /* the first error (diag filled) */
	struct pl_diag *diag;
	char error[256];           /* the parser's first error, one line */
	unsigned long error_line;
};

static unsigned sax_line(const struct summary_sax *x)
{
	return (unsigned)xmlSAX2GetLineNumber(x->ctxt);
}

static void sax_stop(struct summary_sax *x, int rc)
{
	if (x->rc == PL_OK)
		x->rc = rc;
	xmlStopParser(x->ctxt);
}

/*
 * SAX2 gives attributes as (localname, prefix, URI, value, end) tuples.
 * The value of the unprefixed attribute name, NUL-terminated and owned
 * by the caller; NULL when it is absent.
 */
static char *sax_attr(const xmlChar **attrs, int n, const char *name)
{
	for (int i = 0; i < n; i++, attrs += 5)
		if (!attrs[2] && !strcmp((const char *)attrs[0], name))
			return xstrndup((const char *)attrs[3],
					(size_t)(attrs[4] - attrs[3]));
	return NULL;
}

static void sax_props(xmlNode *node, const xmlChar **attrs, int n)
{
	for (int i = 0; i < n; i++, attrs += 5) {
		xmlChar *v = xmlStrndup(attrs[3], (int)(attrs[4] - attrs[3]));

		xmlNewProp(node, attrs[0], v);
		xmlFree(v);
	}
}

/*
 * Count one <account> from its start tag: what the stylesheet's head used
 * to compute with keys over the whole tree (string(@state), a:reason/@code,
 * a:rule/@id; the <reason>s and <rule>s come in sax_start at depth 3).
 */
static void sax_account(struct summary_sax *x, const xmlChar **attrs, int n)
{
	struct summary *s = x->s;
	char *state = sax_attr(attrs, n, "state");
	char *review = sax_attr(attrs, n, "review");
	struct tally *t;
	bool added;
	int oi, rc;

	free(x->outcome);
	x->outcome = sax_attr(attrs, n, "outcome");
	oi = x->outcome ? outcome_index(x->outcome) : -1;
	s->accounts++;
	if (review && !strcmp(review, "yes"))
		s->review++;
	if (oi >= 0)
		s->by_outcome[oi]++;
	rc = tally_get(&s->states, state ? state : "", s->path, sax_line(x), &t,
		       &added, x->diag);
	if (rc == PL_OK) {
		t->count++;
		if (oi >= 0)
			t->by_outcome[oi]++;
	} else {
		sax_stop(x, rc);
	}
	free(review);
	free(state);
}

/* A <reason code> or <rule id> of the account (without one: not charted). */
static void sax_hit(struct summary_sax *x, bool is_reason, const xmlChar **attrs, int n)
{
	char *key = sax_attr(attrs, n, is_reason ? "code" : "id");
	struct tally *t;
	bool added;
	int rc;

	if (key) {
		rc = tally_get(is_reason ? &x->s->reasons : &x->s->rules, key,
			       x->s->path, sax_line(x), &t, &added, x->diag);
		if (rc == PL_OK && is_reason) {
			t->count++;
			if (added)
				t->outcome = xstrdup(x->outcome ? x->outcome : "");
		}
		if (rc != PL_OK)
			sax_stop(x, rc);
	}
	free(key);
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar *prefix,
		      const xmlChar *uri, int nb_ns, const xmlChar **ns,
		      int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
	struct summary_sax *x = ctx;
	bool audit = uri && !strcmp((const char *)uri, AUDIT_NS);
	const char *n = (const char *)name;

	x->depth++;
	if (x->rc != PL_OK)
		return;
	if (x->depth == 1) {
		if (!audit || strcmp(n, "audit-manifest"))
			sax_stop(x, pl_diag_set(x->diag, PL_PARSE_XML, x->s->path,
						sax_line(x),
						"not an audit manifest: '%s' has no <audit-manifest> root",
						x->s->path));
		else
			sax_props(x->root, attrs, nb_attrs);
	} else if (x->copy) {
		x->copy = xmlNewChild(x->copy, audit ? x->ns : NULL, name, NULL);
		sax_props(x->copy, attrs, nb_attrs);
	} else if (x->depth == 2 && audit && !strcmp(n, "account")) {
		x->in_account = true;
		sax_account(x, attrs, nb_attrs);
	} else if (x->depth == 2 && audit && (!strcmp(n, "totals") || !strcmp(n, "chain"))) {
		x->copy = xmlNewChild(x->root, x->ns, name, NULL);
		sax_props(x->copy, attrs, nb_attrs);
	} else if (x->depth == 3 && x->in_account && audit &&
		   (!strcmp(n, "reason") || !strcmp(n, "rule"))) {
		sax_hit(x, !strcmp(n, "reason"), attrs, nb_attrs);
	}
}

static void sax_end(void *ctx, const xmlChar *name, const xmlChar *prefix,
		    const xmlChar *uri)
{
	struct summary_sax *x = ctx;

	if (x->copy)
		x->copy = x->depth == 2 ? NULL : x->copy->parent;
	if (x->depth == 2)
		x->in_account = false;
	x->depth--;
}

static void sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct summary_sax *x = ctx;

	if (x->copy && x->rc == PL_OK)
		xmlNodeAddContentLen(x->copy, ch, len);
}

static void sax_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
			const xmlChar *system_id)
{
	struct summary_sax *x = ctx;

	sax_stop(x, pl_diag_set(x->diag, PL_PARSE_XML, x->s->path, sax_line(x),
				"refusing XML with a DOCTYPE in '%s'", x->s->path));
}

static void sax_error(void *ctx, xmlErrorPtr err)
{
	struct summary_sax *x = ctx;

	if (x->error[0] || !err || err->level < XML_ERR_ERROR)
		return;
	snprintf(x->error, sizeof(x->error), "%s",
		 err->message ? err->message : "malformed XML");
	x->error[strcspn(x->error, "\n")] = '\0';
	x->error_line = (unsigned long)(err->line > 0 ? err->line : 0);
}

static void set_long(xmlNode *node, const char *name, long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", n);
	xmlNewProp(node, BAD_CAST name, BAD_CAST num);
}

static void set_outcomes(xmlNode *node, const long by_outcome[OUT_COUNT])
{
	for (int i = 0; i < OUT_COUNT; i++)
		set_long(node, outcome_names[i], by_outcome[i]);
}

/* <a:summary> from the counts (the format is in templates/audit-view.xsl). */
static void summary_element(struct summary *s, xmlNode *root, xmlNs *ns)
{
	xmlNode *sum = xmlNewChild(root, ns, BAD_CAST "summary", NULL);

	set_long(sum, "accounts", s->accounts);
	set_long(sum, "review", s->review);
	set_outcomes(sum, s->by_outcome);
	for (size_t i = 0; i < s->states.nr; i++) {
		const struct tally *t = &s->states.items[i];
		xmlNode *n = xmlNewChild(sum, ns, BAD_CAST "state", NULL);

		xmlNewProp(n, BAD_CAST "state", BAD_CAST t->key);
		set_long(n, "all", t->count);
		set_outcomes(n, t->by_outcome);
	}
	for (size_t i = 0; i < s->reasons.nr; i++) {
		const struct tally *t = &s->reasons.items[i];
		xmlNode *n = xmlNewChild(sum, ns, BAD_CAST "reason", NULL);

		xmlNewProp(n, BAD_CAST "code", BAD_CAST t->key);
		set_long(n, "count", t->count);
		xmlNewProp(n, BAD_CAST "outcome", BAD_CAST t->outcome);
	}
	for (size_t i = 0; i < s->rules.nr; i++) {
		xmlNode *n = xmlNewChild(sum, ns, BAD_CAST "rule", NULL);

		xmlNewProp(n, BAD_CAST "id", BAD_CAST s->rules.items[i].key);
	}
}

/*
 * Pass 1: stream the manifest at path into s->doc, the summary document
 * (owned by s; summary_release() frees it).
 */
static int summary_read(struct summary *s, const char *path, struct pl_diag *diag)
{
	static const int options = XML_PARSE_NONET | XML_PARSE_BIG_LINES;
	xmlSAXHandler sax;
	struct summary_sax x = { .s = s, .rc = PL_OK, .diag = diag };
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = PL_OK;

	memset(s, 0, sizeof(*s));
	s->path = path;
	tally_set_init(&s->states, "states", AUDIT_HTML_MAX_STATES);
	tally_set_init(&s->reasons, "reason codes", AUDIT_HTML_MAX_REASONS);
	tally_set_init(&s->rules, "rule ids", AUDIT_HTML_MAX_RULE_IDS);
	s->doc = xmlNewDoc(BAD_CAST "1.0");
	x.root = xmlNewDocNode(s->doc, NULL, BAD_CAST "audit-manifest", NULL);
	xmlDocSetRootElement(s->doc, x.root);
	x.ns = xmlNewNs(x.root, BAD_CAST AUDIT_NS, NULL);
	xmlSetNs(x.root, x.ns);

	f = fopen(path, "rb");
	if (!f)
		return pl_diag_set(diag, PL_IO_OPEN, path, 0,
				   "cannot read the audit manifest '%s': %s",
				   path, strerror(errno));
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	sax.internalSubset = sax_doctype;
	sax.serror = sax_error;
	n = fread(chunk, 1, 4, f);
	x.ctxt = xmlCreatePushParserCtxt(&sax, &x, chunk, (int)n, path);
	if (!x.ctxt) {
		fclose(f);
		return pl_diag_set(diag, PL_IO_OPEN, path, 0,
				   "cannot read the audit manifest '%s'", path);
	}
	xmlCtxtUseOptions(x.ctxt, options);
	while (x.rc == PL_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		xmlParseChunk(x.ctxt, chunk, (int)n, 0);
	if (ferror(f))
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0,
				 "cannot read the audit manifest '%s': %s",
				 path, strerror(errno));
	if (rc == PL_OK && x.rc == PL_OK)
		xmlParseChunk(x.ctxt, NULL, 0, 1);
	if (rc == PL_OK)
		rc = x.rc;
	if (rc == PL_OK && (!x.ctxt->wellFormed || x.error[0]))
		rc = pl_diag_set(diag, PL_PARSE_XML, path, (unsigned)x.error_line,
				 "cannot read the audit manifest '%s': %s", path,
				 x.error[0] ? x.error : "malformed XML");
	if (rc == PL_OK)
		summary_element(s, x.root, x.ns);
	xmlFreeParserCtxt(x.ctxt);
	free(x.outcome);
	fclose(f);
	return rc;
}

static void summary_release(struct summary *s)
{
	tally_set_release(&s->rules);
	tally_set_release(&s->reasons);
	tally_set_release(&s->states);
	xmlFreeDoc(s->doc);
	s->doc = NULL;
}

/* ---- transforms ---- */

struct html_view {
	const char *xsl_path;           /* borrowed */
	const char *out_path;           /* borrowed */
	xsltStylesheetPtr style;        /* owned */
	xsltSecurityPrefsPtr sec;       /* owned */
	struct html_guard guard;
	struct buf part;                /* one part's serialized bytes */
	bool part_full;                 /* the part met its cap */
};

/*
 * libxml2 output callbacks into v->part, a bounded buffer: one part of
 * the page. Its bytes go on to the atomfile (atomfile_write) once the part
 * is complete and cut.
 */
static int part_out_write(void *ctx, const char *data, int len)
{
	struct html_view *v = ctx;

	if (len < 0 || buf_add(&v->part, data, (size_t)len) != PL_OK) {
		v->part_full = len >= 0;
		return -1;
	}
	return len;
}

static int part_out_close(void *ctx)
{
	return 0;
}

/*
 * Transform doc with the parameters params (name, XPath value, ...,
 * NULL) under the security preferences, and serialize the result as the
 * stylesheet's <xsl:output> says into v->part (emptied first).
 */
static int view_transform(struct html_view *v, xmlDocPtr doc, const char **params,
			  struct pl_diag *diag)
{
	xsltTransformContextPtr ctxt = xsltNewTransformContext(v->style, doc);
	xmlDocPtr result = NULL;
	xmlOutputBufferPtr out;
	int rc = PL_OK;

	buf_clear(&v->part);
	v->part_full = false;
	if (xslt_guard_attach(v->sec, ctxt, &v->guard.sec) != 0) {
		rc = pl_diag_set(diag, PL_TEMPLATE, v->xsl_path, 0,
				 "cannot set up the transform of '%s'", v->xsl_path);
		goto out;
	}
	xsltSetTransformErrorFunc(ctxt, &v->guard, guard_error);

	result = xsltApplyStylesheetUser(v->style, doc, params, NULL, NULL, ctxt);
	if (v->guard.sec.refused) {
		/* Refused even if libxslt carried on: the page is not trusted. */
		rc = pl_diag_set(diag, PL_DETAIL(PL_TEMPLATE, 0x51), v->xsl_path, 0,
				 "cannot apply the stylesheet '%s': it tried to %s '%s', "
				 "which the audit view may not do", v->xsl_path,
				 v->guard.sec.refused, v->guard.sec.target);
		goto out;
	}
	if (!result || ctxt->state != XSLT_STATE_OK) {
		rc = pl_diag_set(diag, PL_TEMPLATE, v->xsl_path, 0,
				 "cannot apply the stylesheet '%s': %s", v->xsl_path,
				 v->guard.error[0] ? v->guard.error : "transform failed");
		goto out;
	}
	out = xmlOutputBufferCreateIO(part_out_write, part_out_close, v, NULL);
	if (!out)
		PL_BUG("libxml2 could not create an output buffer");
	if (xsltSaveResultTo(out, result, v->style) < 0) {
		xmlOutputBufferClose(out);
		out = NULL;
	}
	if (!out || xmlOutputBufferClose(out) < 0) {
		if (v->part_full)
			rc = pl_diag_set(diag, PL_LIMIT, v->out_path, 0,
					 "cannot write the audit view '%s': a part of it "
					 "is larger than %zu bytes", v->out_path, v->part.max);
		else
			rc = pl_diag_set(diag, PL_TEMPLATE, v->xsl_path, 0,
					 "cannot serialize the result of '%s'", v->xsl_path);
	}
out:
	if (ctxt)
		xsltFreeTransformContext(ctxt);
	xmlFreeDoc(result);
	return rc;
}

/* Where the view's bytes go: the page's atomfile, or a range's scratch file. */
struct view_sink {
	struct atomfile *af;
	FILE *fp;
	const char *path;          /* of fp */
};

static int view_output(struct html_view *v, struct view_sink *out, const char *data,
		       size_t len, struct pl_diag *diag)
{
	if (out->af && atomfile_write(out->af, data, len) != PL_OK)
		return pl_diag_set(diag, PL_IO_WRITE, v->out_path, 0,
				   "cannot write the audit view '%s'", v->out_path);
	if (out->fp && fwrite(data, 1, len, out->fp) != len)
		return pl_diag_set(diag, PL_IO_WRITE, out->path, 0,
				   "cannot write '%s': %s", out->path, strerror(errno));
	return PL_OK;
}

/*
 * Part 'rows' of one chunk: the result is "<tbody>\n<tr>..</tr>\n...</tbody>"
 * (after the doctype); write what is between the tags. In the one-tree
 * page, rows are separated by one line feed and the first follows
 * "<tbody>" after one, so each chunk's leading line feed is written only
 * for the first chunk.
 */
static int rows_write(struct html_view *v, struct view_sink *out, xmlDocPtr chunk,
		      long before, struct pl_diag *diag)
{
	char before_num[32];
	const char *params[] = { "part", "'rows'", "before", before_num, NULL };
	const char *text, *start, *end;
	int rc;

	snprintf(before_num, sizeof(before_num), "%ld", before);
	rc = view_transform(v, chunk, params, diag);
	if (rc != PL_OK)
		return rc;
	text = buf_str(&v->part);
	start = strstr(text, "<tbody>");
	end = start ? strstr(start, "</tbody>") : NULL;
	if (end)   /* the last one; text is escaped, so no other can follow */
		for (const char *e; (e = strstr(end + 1, "</tbody>")); end = e)
			;
	if (!end)
		return pl_diag_set(diag, PL_TEMPLATE, v->xsl_path, 0,
				   "cannot apply the stylesheet '%s': part 'rows' gave "
				   "no <tbody>", v->xsl_path);
	start += strlen("<tbody>");
	if (before > 0 && *start == '\n')
		start++;
	return view_output(v, out, start, (size_t)(end - start), diag);
}

/*
 * Pass 2: stream the manifest again and write the rows of its accounts
 * first .. end - 1 (0-based; end -1: to the last), AUDIT_HTML_CHUNK at a
 * time from first. expected is pass 1's count: a manifest that changed in
 * between is an error (checked by whoever reads to the last account).
 */
static int rows_stream(struct html_view *v, struct view_sink *out, const char *path,
		       long first, long end, long expected, struct pl_diag *diag)
{
	struct manifest_reader m;
	xmlDocPtr chunk = NULL;
	xmlNode *root = NULL, *node = NULL;
	long seen = 0, done = first, in_chunk = 0;
	int rc;

	rc = manifest_open(&m, path, diag);
	while (rc == PL_OK) {
		/* The accounts before the range are skipped unexpanded. */
		rc = manifest_next(&m, seen >= first, &node, diag);
		if (rc == PL_OK && !is_audit(node, "account"))
			continue;
		if (rc == PL_OK && seen++ < first)
			continue;
		if (rc == PL_OK && end >= 0 && seen > end)
			rc = PL_DONE;
		if (rc == PL_OK) {
			if (!chunk) {
				chunk = xmlNewDoc(BAD_CAST "1.0");
				root = xmlNewDocNode(chunk, NULL, BAD_CAST "audit-manifest", NULL);
				xmlDocSetRootElement(chunk, root);
				xmlSetNs(root, xmlNewNs(root, BAD_CAST AUDIT_NS, NULL));
			}
			xmlAddChild(root, xmlDocCopyNode(node, chunk, 1));
			in_chunk++;
		}
		if (chunk && (in_chunk == AUDIT_HTML_CHUNK || rc == PL_DONE)) {
			int wrc = rows_write(v, out, chunk, done, diag);

			if (wrc != PL_OK)
				rc = wrc;
			done += in_chunk;
			in_chunk = 0;
			xmlFreeDoc(chunk);
			chunk = NULL;
		}
	}
	if (rc == PL_DONE && end < 0 && done != expected)
		rc = pl_diag_set(diag, PL_MANIFEST, path, 0,
				 "the audit manifest '%s' changed while its view was "
				 "written (%ld accounts, then %ld)", path, expected, done);
	else if (rc == PL_DONE)
		rc = PL_OK;
	xmlFreeDoc(chunk);
	manifest_close(&m);
	return rc;
}

/*
 * A range of the rows written by a forked copy of the view (sidejob.h)
 * into a scratch file, which the page then takes whole.
 */
struct rows_range {
	struct html_view *v;
	const char *in_path;
	char *tmp_path;            /* owned */
	long first, end, expected;
	struct sidejob *job;
};

static int rows_range_write(void *ctx, struct pl_diag *diag)
{
	struct rows_range *r = ctx;
	struct view_sink out = { .fp = fopen(r->tmp_path, "wb"), .path = r->tmp_path };
	int rc;

	if (!out.fp)
		return pl_diag_set(diag, PL_IO_OPEN, r->tmp_path, 0, "cannot create '%s': %s",
				   r->tmp_path, strerror(errno));
	rc = rows_stream(r->v, &out, r->in_path, r->first, r->end, r->expected, diag);
	if (fclose(out.fp) != 0 && rc == PL_OK)
		rc = pl_diag_set(diag, PL_IO_WRITE, r->tmp_path, 0, "cannot write '%s': %s",
				 r->tmp_path, strerror(errno));
	return rc;
}

/* Copy a range's scratch file into the page, then remove it. */
static int rows_range_take(struct html_view *v, struct view_sink *out,
			   const struct rows_range *r, struct pl_diag *diag)
{
	FILE *fp = fopen(r->tmp_path, "rb");
	char block[1 << 16];
	size_t n;
	int rc = PL_OK;

	if (!fp)
		return pl_diag_set(diag, PL_IO_OPEN, r->tmp_path, 0, "cannot open '%s': %s",
				   r->tmp_path, strerror(errno));
	while (rc == PL_OK && (n = fread(block, 1, sizeof(block), fp)) > 0)
		rc = view_output(v, out, block, n, diag);
	if (rc == PL_OK && ferror(fp))
		rc = pl_diag_set(diag, PL_IO, r->tmp_path, 0, "cannot read '%s'", r->tmp_path);
	fclose(fp);
	unlink(r->tmp_path);
	return rc;
}

/*
 * All the rows, by up to jobs processes: this one writes the first range
 * into the page while forked copies write the others to scratch files,
 * each range a whole number of chunks; then the page takes them in order.
 * The bytes are those of one process (the rows of a chunk depend on the
 * chunk's records and their position only). One process when jobs is 1,
 * when the manifest is small or when this process may not fork.
 */
#define ROWS_MIN_PER_JOB AUDIT_HTML_CHUNK

static int rows_all(struct html_view *v, struct view_sink *out, const char *in_path,
		    long accounts, unsigned jobs, struct pl_diag *diag)
{
	struct rows_range ranges[PL_MAX_VIEW_JOBS];
	unsigned n = 0;
	long per;
	int rc = PL_OK;

	if (jobs > PL_MAX_VIEW_JOBS)
		jobs = PL_MAX_VIEW_JOBS;
	if (jobs <= 1 || accounts < (long)jobs * ROWS_MIN_PER_JOB || !sidejob_can_fork())
		return rows_stream(v, out, in_path, 0, -1, accounts, diag);
	per = (accounts + jobs - 1) / jobs;
	per = (per + AUDIT_HTML_CHUNK - 1) / AUDIT_HTML_CHUNK * AUDIT_HTML_CHUNK;
	for (long first = per; first < accounts && rc == PL_OK; first += per) {
		struct rows_range *r = &ranges[n++];

		*r = (struct rows_range){
			.v = v, .in_path = in_path, .first = first,
			.end = first + per < accounts ? first + per : -1,
			.expected = accounts,
			.tmp_path = xasprintf("%s.part-%u", v->out_path, n),
		};
		rc = sidejob_start(&r->job, rows_range_write, r, diag);
	}
	if (rc == PL_OK)
		rc = rows_stream(v, out, in_path, 0, per, accounts, diag);
	for (unsigned i = 0; i < n; i++) {
		if (rc == PL_OK)
			rc = sidejob_wait(ranges[i].job, diag);
		else
			sidejob_abandon(ranges[i].job);
		if (rc == PL_OK)
			rc = rows_range_take(v, out, &ranges[i], diag);
		unlink(ranges[i].tmp_path);
		free(ranges[i].tmp_path);
	}
	return rc;
}

/* ---- the page ---- */

int audit_html_write(const char *staging_dir, const char *xsl_path, unsigned jobs,
		     struct pl_diag *diag)
{
	static bool exslt_registered;
	char *in_path = xasprintf("%s/%s", staging_dir, AUDIT_XML_REL);
	char *out_path = xasprintf("%s/%s", staging_dir, AUDIT_HTML_REL);
	struct html_view v = {
		.xsl_path = xsl_path,
		.out_path = out_path,
		.guard = { .sec = { .read_file = in_path } },
		.part = BUF_INIT(AUDIT_HTML_MAX_PART_BYTES),
	};
	const char *page_params[] = { "part", "'page'", NULL };
	struct summary sum = { 0 };
	struct atomfile af = { 0 };
	struct view_sink out = { .af = &af };
	bool af_open = false;
	char *foot = NULL;
	size_t foot_len = 0;
	int rc = PL_OK;

	if (!exslt_registered) {
		exsltRegisterAll();
		exslt_registered = true;
	}
	xmlSetGenericErrorFunc(&v.guard, guard_error);
	xsltSetGenericErrorFunc(&v.guard, guard_error);

	rc = summary_read(&sum, in_path, diag);
	if (rc != PL_OK)
		goto out;
	v.style = xsltParseStylesheetFile(BAD_CAST xsl_path);
	if (!v.style) {
		rc = pl_diag_set(diag, PL_TEMPLATE, xsl_path, 0,
				 "cannot load the stylesheet '%s': %s", xsl_path,
				 v.guard.error[0] ? v.guard.error : "not a stylesheet");
		goto out;
	}
	v.sec = xslt_guard_prefs();
	if (!v.sec) {
		rc = pl_diag_set(diag, PL_TEMPLATE, xsl_path, 0,
				 "cannot set up the transform of '%s'", xsl_path);
		goto out;
	}

	/* The page around the rows, split at its empty table body. */
	rc = view_transform(&v, sum.doc, page_params, diag);
	if (rc == PL_OK) {
		const char *page = buf_str(&v.part);
		const char *slot = strstr(page, rows_slot);

		if (!slot || strstr(slot + 1, rows_slot)) {
			rc = pl_diag_set(diag, PL_TEMPLATE, xsl_path, 0,
					 "cannot apply the stylesheet '%s': part 'page' "
					 "must have one empty %s for the rows",
					 xsl_path, rows_slot);
			goto out;
		}
		slot += strlen("<tbody>");
		foot_len = v.part.len - (size_t)(slot - page);
		foot = xstrndup(slot, foot_len);
		v.part.len = (size_t)(slot - page);
	}
	if (rc == PL_OK)
		rc = atomfile_open(&af, out_path, diag);
	if (rc == PL_OK) {
		af_open = true;
		rc = view_output(&v, &out, buf_str(&v.part), v.part.len, diag);
	}
	if (rc == PL_OK)
		rc = rows_all(&v, &out, in_path, sum.accounts, jobs, diag);
	if (rc == PL_OK)
		rc = view_output(&v, &out, foot, foot_len, diag);
	if (rc == PL_OK && af.failed)
		rc = pl_diag_set(diag, PL_IO_WRITE, out_path, 0,
				 "cannot write the audit view '%s'", out_path);
	if (rc == PL_OK)
		rc = atomfile_commit(&af, NULL, diag);

out:
	if (af_open)
		atomfile_rollback(&af);
	xsltSetGenericErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
	free(foot);
	buf_release(&v.part);
	if (v.sec)
		xsltFreeSecurityPrefs(v.sec);
	if (v.style)
		xsltFreeStylesheet(v.style);
	summary_release(&sum);
	free(in_path);
	free(out_path);
	return rc;
}
