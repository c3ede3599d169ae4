/*
 * xmlsafe.h: the one way fairnotice parses a whole XML document.
 *
 * Reads at most max_bytes, then parses with libxml2 with the network off,
 * no DTD loading, no entity substitution, and refuses any document that
 * carries a DOCTYPE at all (no configuration file of ours needs one, and
 * it is how external-entity and entity-expansion attacks arrive).
 *
 * Ownership: the returned xmlDoc is owned by the caller (xmlFreeDoc).
 */
#ifndef PL_XMLSAFE_H
#define PL_XMLSAFE_H

#include "../pl.h"
#include "diag.h"
#include "digest.h"

#include <libxml/tree.h>

PL_WARN_UNUSED int xmlsafe_read(const char *path, long max_bytes,
				xmlDoc **doc_out, struct pl_diag *diag);

/*
 * xmlsafe_read() that also feeds every byte it reads into dg, so a digest
 * and a parse always describe the same bytes (the rules digest).
 */
PL_WARN_UNUSED int xmlsafe_read_digest(const char *path, long max_bytes,
				       xmlDoc **doc_out, struct digest *dg,
				       struct pl_diag *diag);

/* ---- RELAX NG schemas (rules/rules.rng, templates/template.rng) ---- */

#include <libxml/relaxng.h>

/* The first error libxml2 reported, in house style (lowercase, one line). */
struct xmlsafe_error {
	bool seen;
	unsigned line;        /* 0 when unknown */
	xmlNode *node;        /* borrowed from the validated document, or NULL */
	char message[256];
};

/*
 * Read (xmlsafe_read, at most max_bytes) and compile the schema at path.
 * On success *out is owned by the caller (xmlRelaxNGFree). A file that
 * cannot be read returns xmlsafe_read's status (always with a detail, e.g.
 * PL_PARSE_XML) with diag filled; one that does not compile returns plain
 * PL_PARSE with err filled and diag untouched, so the caller words the
 * message for its own kind of file.
 */
PL_WARN_UNUSED int xmlsafe_schema_load(const char *path, long max_bytes,
				       xmlRelaxNG **out, struct xmlsafe_error *err,
				       struct pl_diag *diag);

/* Validate doc; true when it matches, else false with err filled. */
bool xmlsafe_schema_check(xmlRelaxNG *schema, xmlDoc *doc,
			  struct xmlsafe_error *err);

/* First child element of parent named name, or NULL. Borrowed. */
xmlNode *xmlsafe_child(xmlNode *parent, const char *name);
/* Trimmed text of the child named name, xstrdup'ed; "" when absent. */
char *xmlsafe_child_dup(xmlNode *parent, const char *name);
/* Trimmed text of node, xstrdup'ed. */
char *xmlsafe_text_dup(xmlNode *node);
/* Attribute value, xstrdup'ed; "" when absent. */
char *xmlsafe_attr_dup(xmlNode *node, const char *name);

#endif
