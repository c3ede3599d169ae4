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

#include <libxml/tree.h>

PL_WARN_UNUSED int xmlsafe_read(const char *path, long max_bytes,
				xmlDoc **doc_out, struct pl_diag *diag);

/* First child element of parent named name, or NULL. Borrowed. */
xmlNode *xmlsafe_child(xmlNode *parent, const char *name);
/* Trimmed text of the child named name, xstrdup'ed; "" when absent. */
char *xmlsafe_child_dup(xmlNode *parent, const char *name);
/* Trimmed text of node, xstrdup'ed. */
char *xmlsafe_text_dup(xmlNode *node);
/* Attribute value, xstrdup'ed; "" when absent. */
char *xmlsafe_attr_dup(xmlNode *node, const char *name);

#endif
