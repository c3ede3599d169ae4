/*
 * xmlsafe.c: hardened whole-document XML reading (see xmlsafe.h).
 */
#include "../pl.h"
#include "xmlsafe.h"
#include "digest.h"
#include "buf.h"
#include "xalloc.h"

#include <libxml/parser.h>

static void silence(void *ctx PL_UNUSED, const char *msg PL_UNUSED, ...)
{
}

int xmlsafe_read(const char *path, long max_bytes, xmlDoc **doc_out,
		 struct pl_diag *diag)
{
	return xmlsafe_read_digest(path, max_bytes, doc_out, NULL, diag);
}

int xmlsafe_read_digest(const char *path, long max_bytes, xmlDoc **doc_out,
			struct digest *dg, struct pl_diag *diag)
{
	FILE *f;
	struct buf content = BUF_INIT((size_t)max_bytes);
	char chunk[16384];
	size_t n;
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	int rc = PL_OK;

	*doc_out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot open '%s': %s",
				   path, strerror(errno));
	while (rc == PL_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&content, chunk, n) != PL_OK)
			rc = pl_diag_set(diag, PL_LIMIT, path, 0,
					 "file '%s' is larger than %ld bytes",
					 path, max_bytes);
		else if (dg)
			digest_update(dg, chunk, n);
	}
	if (rc == PL_OK && ferror(f))
		rc = pl_diag_set(diag, PL_IO, path, 0, "cannot read '%s'", path);
	fclose(f);

	if (rc == PL_OK) {
		xmlSetGenericErrorFunc(NULL, silence);
		ctxt = xmlNewParserCtxt();
		if (!ctxt)
			PL_BUG("libxml2 could not create a parser");
		doc = xmlCtxtReadMemory(ctxt, buf_str(&content), (int)content.len,
					path, NULL,
					XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
		if (!doc) {
			const xmlError *err = xmlCtxtGetLastError(ctxt);
			char msg[256] = "malformed XML";
			unsigned line = 0;
			if (err && err->message) {
				snprintf(msg, sizeof(msg), "%s", err->message);
				msg[strcspn(msg, "\n")] = '\0';
				line = (unsigned)err->line;
			}
			rc = pl_diag_set(diag, PL_PARSE_XML, path, line,
					 "cannot parse XML: %s", msg);
		} else if (doc->intSubset || doc->extSubset) {
			rc = pl_diag_set(diag, PL_PARSE_XML, path, 1,
					 "refusing XML with a DOCTYPE in '%s'", path);
		} else if (!xmlDocGetRootElement(doc)) {
			rc = pl_diag_set(diag, PL_PARSE_XML, path, 0,
					 "no root element in '%s'", path);
		}
	}
	if (rc != PL_OK && doc) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	buf_release(&content);
	*doc_out = doc;
	return rc;
}

xmlNode *xmlsafe_child(xmlNode *parent, const char *name)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}

char *xmlsafe_text_dup(xmlNode *node)
{
	xmlChar *raw;
	const char *s, *e;
	char *out;

	if (!node)
		return xstrdup("");
	raw = xmlNodeGetContent(node);
	if (!raw)
		return xstrdup("");
	s = (const char *)raw;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		e--;
	out = xstrndup(s, (size_t)(e - s));
	xmlFree(raw);
	return out;
}

char *xmlsafe_child_dup(xmlNode *parent, const char *name)
{
	return xmlsafe_text_dup(xmlsafe_child(parent, name));
}

char *xmlsafe_attr_dup(xmlNode *node, const char *name)
{
	xmlChar *v = node ? xmlGetProp(node, (const xmlChar *)name) : NULL;
	char *out = xstrdup(v ? (const char *)v : "");

	xmlFree(v);
	return out;
}

/* ---- RELAX NG ---- */

#if LIBXML_VERSION >= 21200
static void schema_error_cb(void *ctx, const xmlError *e)
#else
static void schema_error_cb(void *ctx, xmlErrorPtr e)
#endif
{
	struct xmlsafe_error *err = ctx;

	if (err->seen || !e)
		return;
	err->seen = true;
	err->line = e->line > 0 ? (unsigned)e->line : 0;
	err->node = e->node;
	snprintf(err->message, sizeof(err->message), "%s",
		 e->message ? e->message : "schema error");
	err->message[strcspn(err->message, "\n")] = '\0';
	/* libxml2 messages start with a capital; house style does not. */
	if (err->message[0] >= 'A' && err->message[0] <= 'Z')
		err->message[0] = (char)(err->message[0] - 'A' + 'a');
}

int xmlsafe_schema_load(const char *path, long max_bytes, xmlRelaxNG **out,
			struct xmlsafe_error *err, struct pl_diag *diag)
{
	xmlDoc *doc = NULL;
	xmlRelaxNGParserCtxt *pctxt = NULL;
	int rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	rc = xmlsafe_read(path, max_bytes, &doc, diag);
	if (rc != PL_OK)
		return rc;
	/* The parser context works on its own copy of doc. */
	pctxt = xmlRelaxNGNewDocParserCtxt(doc);
	if (!pctxt)
		PL_BUG("libxml2 could not create a RELAX NG parser");
	xmlRelaxNGSetParserStructuredErrors(pctxt, schema_error_cb, err);
	*out = xmlRelaxNGParse(pctxt);
	if (!*out) {
		rc = PL_PARSE;
		if (!err->seen)
			snprintf(err->message, sizeof(err->message), "cannot compile");
	}
	xmlRelaxNGFreeParserCtxt(pctxt);
	xmlFreeDoc(doc);
	return rc;
}

bool xmlsafe_schema_check(xmlRelaxNG *schema, xmlDoc *doc,
			  struct xmlsafe_error *err)
{
	xmlRelaxNGValidCtxt *vctxt = xmlRelaxNGNewValidCtxt(schema);
	bool valid;

	memset(err, 0, sizeof(*err));
	if (!vctxt)
		PL_BUG("libxml2 could not create a RELAX NG validator");
	xmlRelaxNGSetValidStructuredErrors(vctxt, schema_error_cb, err);
	valid = xmlRelaxNGValidateDoc(vctxt, doc) == 0;
	if (!valid && !err->seen)
		snprintf(err->message, sizeof(err->message), "invalid document");
	xmlRelaxNGFreeValidCtxt(vctxt);
	return valid;
}
