/*
 * xml.c: account files in XML, canonical or through an XSLT mapping.
 *
 * Canonical XML (schemas/accounts.rng) holds one <account> per record,
 * each with one element per canonical field, named as the CSV columns:
 *
 *   <accounts xmlns="urn:fairnotice:accounts:1">
 *     <account><account_id>A-1</account_id><creditor_name>...</account>
 *   </accounts>
 *
 * The file is read with libxml2's streaming reader (xmlTextReader), one
 * node at a time, so memory stays flat however large the file. Each
 * record is checked as it streams past (known element names in the
 * namespace, no field twice, no markup inside a field, caps on field and
 * record size) and then validated against the schema on its own; a record
 * that fails is a reject with its line and the file goes on. The raw text
 * of each field then goes to fields.c like a CSV value.
 *
 * A document that stops being well-formed (or not valid in its encoding)
 * cannot be read past the error: the records before it stand, and the
 * rest of the file becomes one reject, BAD_XML (BAD_ENCODING when the
 * bytes are at fault), with the line where it happened, so the counts
 * still reconcile. A DOCTYPE is refused the same way, before any entity
 * could be expanded or fetched: no account file needs one, and it is how
 * external-entity (XXE) and entity-expansion ("billion laughs") attacks
 * arrive. The parser runs with XML_PARSE_NONET, without NOENT, DTDLOAD or
 * HUGE.
 *
 * Agency XML: the spec names a stylesheet (mapping) and the record
 * element (record="Placement", or a path "creditor/debtor" that must end
 * the element's ancestry). The reader streams the agency file; each
 * record element is expanded alone, copied into a small document under
 * shallow copies of its ancestors (names, attributes and namespaces, so a
 * mapping can read a creditor's attributes from a debtor record), and
 * transformed. The result must be canonical XML; its <account>s go
 * through the same checks as a canonical file's, each with the line of
 * the source record. A source record the mapping turns into no account is
 * a reject (MAPPING), so nothing disappears in a stylesheet.
 *
 * A mapping is a program, so it runs under libxslt security preferences:
 * no writing files, no creating directories, no network, and reading
 * files (document()) only inside the mapping's own directory; document()
 * parses with the network off and no entity substitution. xsl:import and
 * xsl:include are refused (a mapping is one self-contained file). A
 * mapping that tries any of this, fails to compile, fails at run time or
 * produces something that is not canonical XML stops the run (PL_PARSE
 * naming the stylesheet and the file): a broken mapping must not silently
 * drop a whole agency file. xsl:message terminate="yes" is the mapping's
 * way to refuse one record: that record becomes a MAPPING reject with the
 * message.
 */
#include "../pl.h"
#include "../core/buf.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"
#include "ingest-int.h"
#include "../core/xsltguard.h"

#include <limits.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/security.h>
#include <libxslt/xsltutils.h>
#include <libexslt/exslt.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif

#define ACCOUNTS_NS "urn:fairnotice:accounts:1"
#define ACCOUNTS_SCHEMA PL_DATADIR "/schemas/accounts.rng"
#define XSL_NS "http://www.w3.org/1999/XSL/Transform"

#define READER_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
			XML_PARSE_BIG_LINES)

/* The first error the parser or the transform reported. */
struct first_error {
	bool seen;
	int code;              /* libxml2 xmlParserErrors */
	unsigned line;
	char message[256];
};

/* What the mapping's security checks and error handler share. */
struct map_guard {
	struct xslt_guard sec; /* read_dir: the mapping's directory (document()) */
	char error[400];       /* the messages of the transform, lines joined */
};

struct xml_source {
	const char *path;               /* borrowed */
	const struct input_spec *spec;  /* borrowed */
	xmlTextReader *reader;          /* owned */
	xmlRelaxNG *schema;             /* owned */
	struct first_error err;
	bool pending;          /* the reader already stands on the next node */
	bool broken;           /* the reader failed: report the broken tail next */
	bool done;             /* nothing more to read */
	bool root_seen;
	/* mapping */
	xsltStylesheet *style;          /* owned */
	xsltSecurityPrefs *sec;         /* owned */
	struct map_guard guard;
	char *map_dir;                  /* owned */
	char **record_path;             /* owned: record split on '/' */
	size_t nrecord_path;
	unsigned source_records;
	xmlDoc *result;                 /* owned: the last record, mapped */
	xmlNode *next;                  /* next <account> of result to hand out */
	unsigned result_line;
	const char *record_name;        /* last path element: for messages */
	struct buf text;                /* one field's text while streaming */
};

/* ---- errors ---- */

#if LIBXML_VERSION >= 21200
static void reader_error(void *ctx, const xmlError *e)
#else
static void reader_error(void *ctx, xmlErrorPtr e)
#endif
{
	struct first_error *err = ctx;

	if (err->seen || !e || e->level < XML_ERR_ERROR)
		return;
	err->seen = true;
	err->code = e->code;
	err->line = e->line > 0 ? (unsigned)e->line : 0;
	snprintf(err->message, sizeof(err->message), "%s",
		 e->message ? e->message : "malformed XML");
	err->message[strcspn(err->message, "\n")] = '\0';
	/* libxml2 messages start with a capital; house style does not. */
	if (err->message[0] >= 'A' && err->message[0] <= 'Z')
		err->message[0] = (char)(err->message[0] - 'A' + 'a');
}

static bool is_encoding_error(int code)
{
	return code == XML_ERR_INVALID_CHAR || code == XML_ERR_INVALID_ENCODING ||
	       code == XML_ERR_UNKNOWN_ENCODING ||
	       code == XML_ERR_UNSUPPORTED_ENCODING || code == XML_I18N_CONV_FAILED;
}

/*
 * The line a node starts on. libxml2 keeps 16 bits of it in the node:
 * past line 65,535 (XML_PARSE_BIG_LINES) only a text node carries the
 * whole number, and it is the line the text ends on, so xmlGetLineNo()
 * answers for an element with its first child's line: one line late when
 * that child is the line break and indent after the start tag. An
 * element up there takes its first child's line less the line breaks of
 * that child's text (a first child that is an element: that element's).
 */
static unsigned node_line(xmlNode *n)
{
	long l;

	if (!n)
		return 0;
	if (n->type == XML_ELEMENT_NODE && n->line == USHRT_MAX && n->children) {
		xmlNode *c = n->children;

		if (c->type == XML_ELEMENT_NODE)
			return node_line(c);
		if (c->type == XML_TEXT_NODE && c->line == USHRT_MAX) {
			l = xmlGetLineNo(c);
			for (const xmlChar *p = c->content; p && *p && l > 0; p++)
				if (*p == '\n')
					l--;
			return l > 0 ? (unsigned)l : 0;
		}
	}
	l = xmlGetLineNo(n);
	return l > 0 ? (unsigned)l : 0;
}

static unsigned reader_line(struct xml_source *x)
{
	unsigned l = node_line(xmlTextReaderCurrentNode(x->reader));

	return l ? l : (unsigned)xmlTextReaderGetParserLineNumber(x->reader);
}

/*
 * The reader cannot go on: the rest of the file is one reject. from_line:
 * where the unfinished record began, 0 when between records.
 */
static void broken_tail(struct xml_source *x, struct arena *arena,
			struct raw_account *out, unsigned from_line)
{
	unsigned at = x->err.line ? x->err.line
		      : (unsigned)xmlTextReaderGetParserLineNumber(x->reader);
	bool encoding = x->err.seen && is_encoding_error(x->err.code);

	out->line = from_line ? from_line : at;
	raw_reject(out, arena, encoding ? REJECT_BAD_UTF8 : REJECT_BAD_XML, "",
		   "%s at line %u: %s; the rest of the file (from line %u) cannot be read",
		   encoding ? "the XML is not valid in its encoding"
			    : "the XML is not well-formed",
		   at, x->err.seen ? x->err.message : "malformed XML", out->line);
	x->done = true;
	x->broken = false;
	x->pending = false;
}

/* ---- collecting one record's fields ---- */

struct collect {
	struct arena *arena;
	struct raw_account *out;
	bool seen[INGEST_NFIELDS];
	bool problem;
	size_t bytes, nodes;
};

static PL_PRINTF(4, 5) void collect_problem(struct collect *c, const char *code,
					    const char *field, const char *fmt, ...)
{
	va_list ap;

	if (c->problem)
		return;   /* the first problem decides */
	c->problem = true;
	va_start(ap, fmt);
	ingest_vreject(&c->out->reject, c->arena, code, field, fmt, ap);
	va_end(ap);
}

static bool in_ns(const xmlChar *uri)
{
	return uri && !strcmp((const char *)uri, ACCOUNTS_NS);
}

/* Count a node and bytes against the caps of one record. */
static void collect_count(struct collect *c, size_t bytes)
{
	c->bytes += bytes;
	if (++c->nodes > PL_MAX_XML_RECORD_NODES)
		collect_problem(c, REJECT_TOO_LONG, "",
				"record has more than %d XML nodes",
				PL_MAX_XML_RECORD_NODES);
	else if (c->bytes > PL_MAX_RECORD_BYTES)
		collect_problem(c, REJECT_TOO_LONG, "",
				"record is longer than %d bytes", PL_MAX_RECORD_BYTES);
}

/* A field element begins: its index, or -1 after noting the problem. */
static int collect_field_start(struct collect *c, const char *name,
			       const xmlChar *uri, bool has_attributes)
{
	int idx;

	if (!in_ns(uri)) {
		collect_problem(c, REJECT_SCHEMA, "",
				"element <%.100s> is not in the namespace " ACCOUNTS_NS,
				name);
		return -1;
	}
	idx = ingest_field_index(name);
	if (idx < 0) {
		collect_problem(c, REJECT_SCHEMA, "",
				"unknown element <%.100s> in <account>", name);
		return -1;
	}
	if (c->seen[idx]) {
		collect_problem(c, REJECT_SCHEMA, ingest_fields[idx].name,
				"element <%s> appears twice in <account>", name);
		return -1;
	}
	if (has_attributes)
		collect_problem(c, REJECT_SCHEMA, ingest_fields[idx].name,
				"element <%s> has attributes (fields hold text only)",
				name);
	c->seen[idx] = true;
	return idx;
}

static void collect_field_text(struct collect *c, int idx, const char *text,
			       size_t len)
{
	if (len > PL_MAX_FIELD_BYTES) {
		collect_problem(c, REJECT_TOO_LONG, ingest_fields[idx].name,
				"field '%s' is longer than %d bytes",
				ingest_fields[idx].name, PL_MAX_FIELD_BYTES);
		return;
	}
	c->out->values[idx] = arena_strndup(c->arena, text, len);
	if (idx == 0) {
		const char *s = c->out->values[0];
		size_t n = len;

		fields_trim(&s, &n);
		c->out->account_id = arena_strndup(c->arena, s, n);
	}
}

/* Only white space? */
static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Does the node carry attributes other than namespace declarations? */
static bool reader_has_attributes(xmlTextReader *r)
{
	bool any = false;

	if (xmlTextReaderHasAttributes(r) != 1)
		return false;
	while (xmlTextReaderMoveToNextAttribute(r) == 1)
		if (xmlTextReaderIsNamespaceDecl(r) != 1)
			any = true;
	xmlTextReaderMoveToElement(r);
	return any;
}

static bool node_has_attributes(xmlNode *n)
{
	return n->properties != NULL;
}

/*
 * Validate a record that passed the streaming checks against the schema:
 * a small document <account> with the fields present. Only a record with
 * every required field goes there; a missing one is MISSING_FIELD from
 * fields.c, as in CSV.
 */
static void collect_validate(struct collect *c, xmlRelaxNG *schema)
{
	xmlDoc *doc;
	xmlNode *root;
	xmlNs *ns;
	struct xmlsafe_error err;

	if (c->problem)
		return;
	for (size_t i = 0; i < INGEST_NFIELDS; i++)
		if (ingest_fields[i].required && !c->seen[i])
			return;
	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "account");
	ns = xmlNewNs(root, BAD_CAST ACCOUNTS_NS, NULL);
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	for (size_t i = 0; i < INGEST_NFIELDS; i++) {
		xmlNode *f;

		if (!c->seen[i])
			continue;
		f = xmlNewChild(root, ns, BAD_CAST ingest_fields[i].name, NULL);
		if (c->out->values[i] && *c->out->values[i])
			xmlAddChild(f, xmlNewText(BAD_CAST c->out->values[i]));
	}
	if (!xmlsafe_schema_check(schema, doc, &err))
		collect_problem(c, REJECT_SCHEMA, "",
				"the record does not match schemas/accounts.rng: %s",
				err.message);
	xmlFreeDoc(doc);
}

static void collect_finish(struct collect *c, xmlRelaxNG *schema)
{
	collect_validate(c, schema);
	if (c->problem)
		c->out->rejected = true;
}

/* ---- canonical XML, streaming ---- */

/*
 * The reader stands on an <account> start tag at depth d0: read through
 * its end tag. Returns false when the document broke inside it (then
 * *out is the broken tail).
 */
static bool stream_account(struct xml_source *x, struct arena *arena,
			   struct raw_account *out)
{
	struct collect c = { .arena = arena, .out = out };
	xmlTextReader *r = x->reader;
	int d0 = xmlTextReaderDepth(r);
	int field = -1;
	bool in_field = false;

	out->line = reader_line(x);
	if (reader_has_attributes(r))
		collect_problem(&c, REJECT_SCHEMA, "",
				"<account> has attributes (fields are elements)");
	if (xmlTextReaderIsEmptyElement(r) == 1) {
		collect_finish(&c, x->schema);
		return true;
	}
	for (;;) {
		int ret = xmlTextReaderRead(r);
		int type, depth;

		if (ret != 1) {
			/* 0 cannot happen inside an open element; treat it as broken. */
			broken_tail(x, arena, out, out->line);
			return false;
		}
		type = xmlTextReaderNodeType(r);
		depth = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_END_ELEMENT && depth == d0)
			break;
		switch (type) {
		case XML_READER_TYPE_ELEMENT: {
			const char *name = (const char *)xmlTextReaderConstLocalName(r);

			collect_count(&c, 0);
			if (depth == d0 + 1) {
				field = collect_field_start(&c, name,
							    xmlTextReaderConstNamespaceUri(r),
							    reader_has_attributes(r));
				buf_clear(&x->text);
				in_field = xmlTextReaderIsEmptyElement(r) != 1;
				if (!in_field && field >= 0)
					collect_field_text(&c, field, "", 0);
			} else {
				collect_problem(&c, REJECT_SCHEMA,
						field >= 0 ? ingest_fields[field].name : "",
						"element <%.100s> inside field <%s> (fields hold text only)",
						name, field >= 0 ? ingest_fields[field].name : "?");
			}
			break;
		}
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			size_t len = v ? strlen(v) : 0;

			collect_count(&c, len);
			if (depth == d0 + 1) {
				if (v && !blank(v))
					collect_problem(&c, REJECT_SCHEMA, "",
							"text directly inside <account> (outside any field)");
			} else if (in_field && field >= 0 && depth == d0 + 2 &&
				   buf_add(&x->text, v, len) != PL_OK) {
				collect_problem(&c, REJECT_TOO_LONG, ingest_fields[field].name,
						"field '%s' is longer than %d bytes",
						ingest_fields[field].name, PL_MAX_FIELD_BYTES);
				field = -1;
			}
			break;
		}
		case XML_READER_TYPE_END_ELEMENT:
			if (depth == d0 + 1) {
				if (in_field && field >= 0)
					collect_field_text(&c, field, buf_str(&x->text),
							   x->text.len);
				in_field = false;
				field = -1;
			}
			break;
		default:
			break;   /* comments, processing instructions */
		}
	}
	collect_finish(&c, x->schema);
	return true;
}

/* Move past the current element's subtree; a failure shows on the next read. */
static void skip_subtree(struct xml_source *x)
{
	int ret = xmlTextReaderNext(x->reader);

	if (ret > 0)
		x->pending = true;
	else if (ret == 0)
		x->done = true;
	else
		x->broken = true;
}

/* The next record of a canonical file. */
static int canonical_next(struct xml_source *x, struct arena *arena,
			  struct raw_account *out)
{
	xmlTextReader *r = x->reader;

	for (;;) {
		int ret, type, depth;

		if (x->broken) {
			broken_tail(x, arena, out, 0);
			return PL_OK;
		}
		if (x->pending) {
			x->pending = false;
			ret = 1;
		} else {
			ret = xmlTextReaderRead(r);
		}
		if (ret == 0) {
			x->done = true;
			return PL_DONE;
		}
		if (ret < 0) {
			broken_tail(x, arena, out, 0);
			return PL_OK;
		}
		type = xmlTextReaderNodeType(r);
		depth = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			out->line = reader_line(x);
			raw_reject(out, arena, REJECT_BAD_XML, "",
				   "refusing XML with a DOCTYPE (an account file needs none; "
				   "entities are not read); the rest of the file is not read");
			x->done = true;
			return PL_OK;
		}
		if (type == XML_READER_TYPE_ELEMENT && depth == 0) {
			const char *name = (const char *)xmlTextReaderConstLocalName(r);

			x->root_seen = true;
			if (strcmp(name, "accounts") ||
			    !in_ns(xmlTextReaderConstNamespaceUri(r))) {
				out->line = reader_line(x);
				raw_reject(out, arena, REJECT_SCHEMA, "",
					   "root element is <%.100s>, expected <accounts xmlns=\""
					   ACCOUNTS_NS "\">; the file is not read", name);
				x->done = true;
				return PL_OK;
			}
			continue;
		}
		if (depth != 1)
			continue;
		if (type == XML_READER_TYPE_ELEMENT) {
			const char *name = (const char *)xmlTextReaderConstLocalName(r);

			if (!strcmp(name, "account") &&
			    in_ns(xmlTextReaderConstNamespaceUri(r))) {
				stream_account(x, arena, out);
				return PL_OK;
			}
			out->line = reader_line(x);
			raw_reject(out, arena, REJECT_SCHEMA, "",
				   "unexpected element <%.100s> in <accounts> (only <account>)",
				   name);
			skip_subtree(x);
			return PL_OK;
		}
		if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) &&
		    !blank((const char *)xmlTextReaderConstValue(r))) {
			out->line = reader_line(x);
			raw_reject(out, arena, REJECT_SCHEMA, "",
				   "text in <accounts> outside any <account>");
			return PL_OK;
		}
	}
}

/* ---- agency XML through the mapping ---- */

/*
 * The global libxml2 and libxslt error handlers, taken over while a
 * mapping compiles or runs and given back after, so the rest of the
 * program keeps whatever it had set (xmlsafe.c silences libxml2).
 */
struct saved_handlers {
	xmlGenericErrorFunc xml, xslt;
	void *xml_ctx, *xslt_ctx;
};

static void handlers_take(struct saved_handlers *s, struct map_guard *g);
static void handlers_give_back(const struct saved_handlers *s)
{
	xmlSetGenericErrorFunc(s->xml_ctx, s->xml);
	xsltSetGenericErrorFunc(s->xslt_ctx, s->xslt);
}

static void guard_error(void *ctx, const char *fmt, ...)
{
	struct map_guard *g = ctx;
	size_t len = strlen(g->error);
	va_list ap;

	/* Messages come in pieces, a line each: keep them all, up to the cap. */
	if (len + 1 >= sizeof(g->error))
		return;
	va_start(ap, fmt);
	vsnprintf(g->error + len, sizeof(g->error) - len, fmt, ap);
	va_end(ap);
}

/*
 * The collected messages as one line: "a; b; c", without libxslt's bare
 * "error" lines; first_only keeps the first line (xsl:message's text).
 */
static const char *guard_text(struct map_guard *g, bool first_only)
{
	char out[sizeof(g->error)] = "";
	size_t len = 0;
	char *save = NULL;

	for (char *line = strtok_r(g->error, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "error") || !strcmp(line, "warning") || !*line)
			continue;
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
					len ? "; " : "", line);
		if (first_only || len >= sizeof(out) - 1)
			break;
	}
	snprintf(g->error, sizeof(g->error), "%s", out);
	return g->error;
}

static void handlers_take(struct saved_handlers *s, struct map_guard *g)
{
	s->xml = xmlGenericError;
	s->xml_ctx = xmlGenericErrorContext;
	s->xslt = xsltGenericError;
	s->xslt_ctx = xsltGenericErrorContext;
	xmlSetGenericErrorFunc(g, guard_error);
	xsltSetGenericErrorFunc(g, guard_error);
}

/* Refuse xsl:import and xsl:include: they would load unchecked files. */
static int mapping_self_contained(xmlDoc *doc, const char *mapping,
				  struct pl_diag *diag)
{
	xmlNode *root = xmlDocGetRootElement(doc);

	for (xmlNode *n = root ? root->children : NULL; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
		    !strcmp((const char *)n->ns->href, XSL_NS) &&
		    (!strcmp((const char *)n->name, "import") ||
		     !strcmp((const char *)n->name, "include")))
			return pl_diag_set(diag, PL_PARSE, mapping, node_line(n),
					   "mapping '%s' uses xsl:%s; a mapping must be one self-contained file",
					   mapping, (const char *)n->name);
	}
	return PL_OK;
}

static int mapping_load(struct xml_source *x, struct pl_diag *diag)
{
	static bool exslt_registered;
	const char *mapping = x->spec->mapping;
	const char *slash = strrchr(mapping, '/');
	xmlDoc *doc = NULL;
	int rc;

	if (!exslt_registered) {
		exsltRegisterAll();
		exslt_registered = true;
	}
	x->map_dir = slash ? xstrndup(mapping, (size_t)(slash - mapping)) : xstrdup(".");
	x->guard.sec.read_dir = x->map_dir;
	rc = xmlsafe_read(mapping, PL_MAX_MAPPING_BYTES, &doc, diag);
	if (rc == PL_OK)
		rc = mapping_self_contained(doc, mapping, diag);
	if (rc == PL_OK) {
		struct saved_handlers saved;

		x->guard.error[0] = '\0';
		handlers_take(&saved, &x->guard);
		x->style = xsltParseStylesheetDoc(doc);
		handlers_give_back(&saved);
		if (x->style)
			doc = NULL;   /* the stylesheet owns it now */
		else
			rc = pl_diag_set(diag, PL_PARSE, mapping, 0,
					 "cannot compile the mapping '%s': %s", mapping,
					 *guard_text(&x->guard, false) ? x->guard.error
								       : "not an XSLT stylesheet");
	}
	xmlFreeDoc(doc);
	if (rc == PL_OK) {
		x->sec = xslt_guard_prefs();
		if (!x->sec)
			PL_BUG("cannot set up libxslt security preferences");
	}
	if (rc == PL_OK) {
		/* "creditor/debtor" -> { "creditor", "debtor" } */
		const char *p = x->spec->record;

		x->record_path = xcalloc(strlen(p) + 1, sizeof(*x->record_path));
		while (*p) {
			size_t n = strcspn(p, "/");

			if (n)
				x->record_path[x->nrecord_path++] = xstrndup(p, n);
			p += n;
			p += *p == '/';
		}
		if (!x->nrecord_path)
			rc = pl_diag_set(diag, PL_PARSE, x->path, 0,
					 "record '%s' names no element", x->spec->record);
		else
			x->record_name = x->record_path[x->nrecord_path - 1];
	}
	return rc;
}

/* Does node's ancestry end in the record path? */
static bool is_record(struct xml_source *x, xmlNode *node)
{
	for (size_t i = x->nrecord_path; i-- > 0; node = node->parent) {
		if (!node || node->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)node->name, x->record_path[i]))
			return false;
	}
	return true;
}

/*
 * A document holding a copy of record under shallow copies of its
 * ancestors (names, attributes, namespaces; not their other children).
 */
static xmlDoc *record_document(xmlNode *record)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *chain[PL_MAX_XML_DEPTH];
	size_t depth = 0;
	xmlNode *parent = NULL, *copy;

	for (xmlNode *a = record->parent; a && a->type == XML_ELEMENT_NODE &&
	     depth < PL_ARRAY_SIZE(chain); a = a->parent)
		chain[depth++] = a;
	while (depth-- > 0) {
		copy = xmlDocCopyNode(chain[depth], doc, 2);
		if (parent)
			xmlAddChild(parent, copy);
		else
			xmlDocSetRootElement(doc, copy);
		parent = copy;
	}
	copy = xmlDocCopyNode(record, doc, 1);
	if (parent)
		xmlAddChild(parent, copy);
	else
		xmlDocSetRootElement(doc, copy);
	return doc;
}

/* Nodes and text bytes of a subtree, counted up to the caps. */
static bool subtree_within_caps(xmlNode *node)
{
	size_t nodes = 0, bytes = 0;
	xmlNode *n = node;

	while (n) {
		if (++nodes > PL_MAX_XML_RECORD_NODES * 4)
			return false;
		if (n->content)
			bytes += strlen((const char *)n->content);
		if (bytes > (size_t)PL_MAX_RECORD_BYTES * 4)
			return false;
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		while (n != node && !n->next)
			n = n->parent;
		if (n == node)
			break;
		n = n->next;
	}
	return true;
}

/* One <account> of a mapping's result, checked like a streamed one. */
static void tree_account(struct xml_source *x, xmlNode *acct, struct arena *arena,
			 struct raw_account *out)
{
	struct collect c = { .arena = arena, .out = out };

	out->line = x->result_line;
	if (strcmp((const char *)acct->name, "account") ||
	    !in_ns(acct->ns ? acct->ns->href : NULL)) {
		collect_problem(&c, REJECT_SCHEMA, "",
				"the mapping made an element <%.100s>, not a canonical <account>",
				(const char *)acct->name);
		collect_finish(&c, x->schema);
		return;
	}
	if (node_has_attributes(acct))
		collect_problem(&c, REJECT_SCHEMA, "",
				"<account> has attributes (fields are elements)");
	for (xmlNode *f = acct->children; f; f = f->next) {
		int idx;
		xmlChar *text;

		if (f->type == XML_TEXT_NODE || f->type == XML_CDATA_SECTION_NODE) {
			collect_count(&c, strlen((const char *)f->content));
			if (!blank((const char *)f->content))
				collect_problem(&c, REJECT_SCHEMA, "",
						"text directly inside <account> (outside any field)");
			continue;
		}
		if (f->type != XML_ELEMENT_NODE)
			continue;
		collect_count(&c, 0);
		idx = collect_field_start(&c, (const char *)f->name,
					  f->ns ? f->ns->href : NULL,
					  node_has_attributes(f));
		if (idx < 0)
			continue;
		for (xmlNode *k = f->children; k; k = k->next)
			if (k->type == XML_ELEMENT_NODE)
				collect_problem(&c, REJECT_SCHEMA, ingest_fields[idx].name,
						"element <%.100s> inside field <%s> (fields hold text only)",
						(const char *)k->name, ingest_fields[idx].name);
		text = xmlNodeGetContent(f);
		collect_count(&c, text ? strlen((const char *)text) : 0);
		collect_field_text(&c, idx, text ? (const char *)text : "",
				   text ? strlen((const char *)text) : 0);
		xmlFree(text);
	}
	collect_finish(&c, x->schema);
}

/* The next element sibling from n on (n included), or NULL. */
static xmlNode *element_from(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/*
 * Transform one record. PL_OK with x->result set (or *out a MAPPING
 * reject), or fatal.
 */
static int transform_record(struct xml_source *x, xmlNode *record,
			    struct arena *arena, struct raw_account *out,
			    struct pl_diag *diag)
{
	const char *mapping = x->spec->mapping;
	xmlDoc *doc = record_document(record);
	xsltTransformContext *ctxt = xsltNewTransformContext(x->style, doc);
	xmlDoc *result = NULL;
	xmlNode *root;
	struct saved_handlers saved;
	int rc = PL_OK;

	if (xslt_guard_attach(x->sec, ctxt, &x->guard.sec) != 0)
		PL_BUG("cannot set up an XSLT transform context");
	/* document() parses with the network off and no entity substitution. */
	ctxt->parserOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	x->guard.error[0] = '\0';
	handlers_take(&saved, &x->guard);
	xsltSetTransformErrorFunc(ctxt, &x->guard, guard_error);
	result = xsltApplyStylesheetUser(x->style, doc, NULL, NULL, NULL, ctxt);
	handlers_give_back(&saved);
	guard_text(&x->guard, ctxt->state == XSLT_STATE_STOPPED);

	if (x->guard.sec.refused) {
		rc = pl_diag_set(diag, PL_PARSE, x->path, x->result_line,
				 "mapping '%s' tried to %s '%s' while mapping the <%s> at line %u "
				 "of '%s'; a mapping may not write files, create directories, "
				 "use the network or read outside its directory",
				 mapping, x->guard.sec.refused, x->guard.sec.target, x->record_name,
				 x->result_line, x->path);
	} else if (ctxt->state == XSLT_STATE_STOPPED) {
		raw_reject(out, arena, REJECT_MAPPING, "",
			   "the mapping refused the <%s> record: %s", x->record_name,
			   x->guard.error[0] ? x->guard.error : "xsl:message terminate");
		out->line = x->result_line;
	} else if (!result || ctxt->state != XSLT_STATE_OK) {
		rc = pl_diag_set(diag, PL_PARSE, x->path, x->result_line,
				 "mapping '%s' failed on the <%s> at line %u of '%s': %s",
				 mapping, x->record_name, x->result_line, x->path,
				 x->guard.error[0] ? x->guard.error : "transform failed");
	} else if (!(root = xmlDocGetRootElement(result)) ||
		   !in_ns(root->ns ? root->ns->href : NULL) ||
		   (strcmp((const char *)root->name, "accounts") &&
		    strcmp((const char *)root->name, "account"))) {
		rc = pl_diag_set(diag, PL_PARSE, x->path, x->result_line,
				 "mapping '%s' did not produce canonical XML for the <%s> at line %u "
				 "of '%s' (the result must be <accounts xmlns=\"" ACCOUNTS_NS "\">)",
				 mapping, x->record_name, x->result_line, x->path);
	} else {
		x->result = result;
		result = NULL;
		x->next = strcmp((const char *)root->name, "account")
			  ? element_from(root->children) : root;
		if (!x->next) {
			raw_reject(out, arena, REJECT_MAPPING, "",
				   "the mapping made no account of the <%s> record",
				   x->record_name);
			out->line = x->result_line;
		}
	}
	xmlFreeDoc(result);
	xsltFreeTransformContext(ctxt);
	xmlFreeDoc(doc);
	return rc;
}

static int mapped_next(struct xml_source *x, struct arena *arena,
		       struct raw_account *out, struct pl_diag *diag)
{
	xmlTextReader *r = x->reader;

	if (x->next) {
		xmlNode *acct = x->next;

		x->next = element_from(acct->next);
		if (acct == xmlDocGetRootElement(x->result))
			x->next = NULL;
		tree_account(x, acct, arena, out);
		return PL_OK;
	}
	xmlFreeDoc(x->result);
	x->result = NULL;
	if (x->done)
		return PL_DONE;
	for (;;) {
		xmlNode *node;
		int ret, rc;

		if (x->broken) {
			broken_tail(x, arena, out, 0);
			return PL_OK;
		}
		if (x->pending) {
			x->pending = false;
			ret = 1;
		} else {
			ret = xmlTextReaderRead(r);
		}
		if (ret == 0) {
			x->done = true;
			if (x->source_records)
				return PL_DONE;
			/* A record path that matches nothing would lose the file. */
			out->line = 1;
			raw_reject(out, arena, REJECT_SCHEMA, "",
				   "no <%s> record in the file (the spec says record=\"%s\")",
				   x->record_name, x->spec->record);
			return PL_OK;
		}
		if (ret < 0) {
			broken_tail(x, arena, out, 0);
			return PL_OK;
		}
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE) {
			out->line = reader_line(x);
			raw_reject(out, arena, REJECT_BAD_XML, "",
				   "refusing XML with a DOCTYPE (an account file needs none; "
				   "entities are not read); the rest of the file is not read");
			x->done = true;
			return PL_OK;
		}
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		node = xmlTextReaderCurrentNode(r);
		if (!node || !is_record(x, node))
			continue;

		x->source_records++;
		x->result_line = node_line(node);
		node = xmlTextReaderExpand(r);
		if (!node) {
			broken_tail(x, arena, out, x->result_line);
			return PL_OK;
		}
		if (!subtree_within_caps(node)) {
			out->line = x->result_line;
			raw_reject(out, arena, REJECT_TOO_LONG, "",
				   "the <%s> record is larger than %d nodes or %d bytes",
				   x->record_name, PL_MAX_XML_RECORD_NODES * 4,
				   PL_MAX_RECORD_BYTES * 4);
		} else {
			rc = transform_record(x, node, arena, out, diag);
			if (rc != PL_OK)
				return rc;
		}
		/* Past the record's subtree; the reader may now free it. */
		skip_subtree(x);
		if (out->rejected)
			return PL_OK;
		return mapped_next(x, arena, out, diag);   /* the first account */
	}
}

/* ---- open / next / free ---- */

static const char *reader_encoding(const struct input_spec *spec)
{
	switch (encoding_of(spec->encoding)) {
	case ENC_WINDOWS_1252: return "windows-1252";
	case ENC_ISO_8859_1:   return "ISO-8859-1";
	case ENC_UTF8:         break;
	}
	return "UTF-8";
}

int xml_source_open(struct xml_source **out, const char *path,
		    const struct input_spec *spec, struct pl_diag *diag)
{
	struct xml_source *x = xcalloc(1, sizeof(*x));
	struct xmlsafe_error serr;
	FILE *probe;
	int rc;

	*out = NULL;
	x->path = path;
	x->spec = spec;
	buf_init(&x->text, PL_MAX_FIELD_BYTES);
	/* Open it ourselves first: a missing file is an I/O error, not bad XML. */
	probe = fopen(path, "rb");
	if (!probe) {
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0,
				 "cannot open account file '%s': %s", path, strerror(errno));
		goto out;
	}
	fclose(probe);
	rc = xmlsafe_schema_load(ACCOUNTS_SCHEMA, PL_MAX_RULES_FILE_BYTES, &x->schema,
				 &serr, diag);
	if (rc == PL_PARSE)
		rc = pl_diag_set(diag, PL_PARSE, ACCOUNTS_SCHEMA, serr.line,
				 "cannot compile the account schema: %s", serr.message);
	if (rc == PL_OK && *spec->mapping) {
		rc = mapping_load(x, diag);
		if (rc != PL_OK && diag) {
			/* Name the account file too: which batch file it stops. */
			char msg[sizeof(diag->message)], file[sizeof(diag->file)];

			snprintf(msg, sizeof(msg), "%s", diag->message);
			snprintf(file, sizeof(file), "%s", diag->file);
			rc = pl_diag_set(diag, rc, file, diag->line,
					 "%s (the mapping of account file '%s')", msg, path);
		}
	}
	if (rc != PL_OK)
		goto out;
	x->reader = xmlReaderForFile(path, reader_encoding(spec), READER_OPTIONS);
	if (!x->reader) {
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0,
				 "cannot open account file '%s'", path);
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(x->reader, reader_error, &x->err);
	/* Belt and braces: the options already say so. */
	xmlTextReaderSetParserProp(x->reader, XML_PARSER_SUBST_ENTITIES, 0);
	xmlTextReaderSetParserProp(x->reader, XML_PARSER_LOADDTD, 0);
	xmlTextReaderSetParserProp(x->reader, XML_PARSER_DEFAULTATTRS, 0);
	xmlTextReaderSetParserProp(x->reader, XML_PARSER_VALIDATE, 0);
	*out = x;
	x = NULL;
out:
	xml_source_free(x);
	return rc;
}

int xml_source_next(struct xml_source *x, struct arena *arena,
		    struct raw_account *out, struct pl_diag *diag)
{
	if (*x->spec->mapping)
		return mapped_next(x, arena, out, diag);
	if (x->done)
		return PL_DONE;
	return canonical_next(x, arena, out);
}

void xml_source_free(struct xml_source *x)
{
	if (!x)
		return;
	if (x->reader)
		xmlFreeTextReader(x->reader);
	if (x->schema)
		xmlRelaxNGFree(x->schema);
	xmlFreeDoc(x->result);
	if (x->style)
		xsltFreeStylesheet(x->style);
	if (x->sec)
		xsltFreeSecurityPrefs(x->sec);
	for (size_t i = 0; i < x->nrecord_path; i++)
		free(x->record_path[i]);
	free(x->record_path);
	free(x->map_dir);
	buf_release(&x->text);
	free(x);
}
