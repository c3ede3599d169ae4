/*
 * profile.c: load the agency profile, agency.xml (see profile.h).
 *
 * The format is documented in README.md ("The agency profile"). Required
 * fields missing or malformed make the whole batch unusable: the run stops
 * before writing anything, naming the file and the element.
 */
#include "../pl.h"
#include "profile.h"
#include "limits.h"
#include "xalloc.h"
#include "xmlsafe.h"

static void address_load(struct postal_address *a, xmlNode *node)
{
	a->line1 = xmlsafe_child_dup(node, "line1");
	a->line2 = xmlsafe_child_dup(node, "line2");
	a->city = xmlsafe_child_dup(node, "city");
	a->state = xmlsafe_child_dup(node, "state");
	a->postal_code = xmlsafe_child_dup(node, "postal-code");
}

static void address_copy(struct postal_address *to, const struct postal_address *from)
{
	to->line1 = xstrdup(from->line1);
	to->line2 = xstrdup(from->line2);
	to->city = xstrdup(from->city);
	to->state = xstrdup(from->state);
	to->postal_code = xstrdup(from->postal_code);
}

static void address_release(struct postal_address *a)
{
	free(a->line1);
	free(a->line2);
	free(a->city);
	free(a->state);
	free(a->postal_code);
}

static bool valid_id(const char *id)
{
	if (!*id || strlen(id) > 40)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static int require(const char *value, const char *what, const char *path,
		   struct pl_diag *diag)
{
	if (*value)
		return PL_OK;
	return pl_diag_set(diag, PL_PARSE, path, 0,
			   "agency profile lacks required '%s'", what);
}

int profile_load(struct agency *agency, const char *path, struct pl_diag *diag)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *node;
	char *drop;
	int rc;

	memset(agency, 0, sizeof(*agency));
	rc = xmlsafe_read(path, PL_MAX_PROFILE_BYTES, &doc, diag);
	if (rc != PL_OK)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (strcmp((const char *)root->name, "agency")) {
		xmlFreeDoc(doc);
		return pl_diag_set(diag, PL_PARSE, path, (unsigned)root->line,
				   "root element is '%s', expected 'agency'",
				   (const char *)root->name);
	}

	agency->id = xmlsafe_attr_dup(root, "id");
	agency->legal_name = xmlsafe_child_dup(root, "legal-name");
	agency->envelope_name = xmlsafe_child_dup(root, "envelope-name");
	address_load(&agency->mailing, xmlsafe_child(root, "mailing-address"));
	node = xmlsafe_child(root, "remittance-address");
	if (node)
		address_load(&agency->remittance, node);
	else
		address_copy(&agency->remittance, &agency->mailing);
	agency->phone = xmlsafe_child_dup(root, "phone");
	agency->hours = xmlsafe_child_dup(root, "hours");
	agency->website = xmlsafe_child_dup(root, "website");
	agency->portal_url = xmlsafe_child_dup(root, "portal-url");
	agency->dispute_url = xmlsafe_child_dup(root, "dispute-url");
	agency->mail_class = xmlsafe_child_dup(root, "mail-class");
	if (!*agency->mail_class) {
		free(agency->mail_class);
		agency->mail_class = xstrdup("first-class");
	}
	agency->letter_series = xmlsafe_child_dup(root, "letter-series");
	if (!*agency->letter_series) {
		free(agency->letter_series);
		agency->letter_series = xstrdup("validation-notice reminder");
	}
	drop = xmlsafe_child_dup(root, "mail-drop-business-days");
	agency->mail_drop_business_days = 1;
	if (*drop) {
		char *end;
		long v = strtol(drop, &end, 10);
		if (*end || v < 0 || v > 30)
			rc = pl_diag_set(diag, PL_PARSE, path, 0,
					 "mail-drop-business-days '%s' is not a number from 0 to 30",
					 drop);
		else
			agency->mail_drop_business_days = (int)v;
	}
	free(drop);

	node = xmlsafe_child(root, "licences");
	for (xmlNode *n = node ? node->children : NULL; n && rc == PL_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "licence"))
			continue;
		if (agency->nlicences == PL_MAX_LICENCES) {
			rc = pl_diag_set(diag, PL_LIMIT, path, (unsigned)n->line,
					 "more than %d licences", PL_MAX_LICENCES);
			break;
		}
		agency->licences[agency->nlicences].jurisdiction =
			xmlsafe_attr_dup(n, "jurisdiction");
		agency->licences[agency->nlicences].number = xmlsafe_text_dup(n);
		agency->nlicences++;
	}

	if (rc == PL_OK && !valid_id(agency->id))
		rc = pl_diag_set(diag, PL_PARSE, path, (unsigned)root->line,
				 "agency id '%s' must be 1-40 of [a-z0-9-]", agency->id);
	if (rc == PL_OK) rc = require(agency->legal_name, "legal-name", path, diag);
	if (rc == PL_OK) rc = require(agency->mailing.line1, "mailing-address/line1", path, diag);
	if (rc == PL_OK) rc = require(agency->mailing.city, "mailing-address/city", path, diag);
	if (rc == PL_OK) rc = require(agency->mailing.state, "mailing-address/state", path, diag);
	if (rc == PL_OK) rc = require(agency->mailing.postal_code, "mailing-address/postal-code", path, diag);
	if (rc == PL_OK) rc = require(agency->phone, "phone", path, diag);
	if (rc == PL_OK && !*agency->envelope_name) {
		free(agency->envelope_name);
		agency->envelope_name = xstrdup(agency->legal_name);
	}
	xmlFreeDoc(doc);
	if (rc != PL_OK)
		profile_release(agency);
	return rc;
}

void profile_release(struct agency *agency)
{
	free(agency->id);
	free(agency->legal_name);
	free(agency->envelope_name);
	address_release(&agency->mailing);
	address_release(&agency->remittance);
	free(agency->phone);
	free(agency->hours);
	free(agency->website);
	free(agency->portal_url);
	free(agency->dispute_url);
	free(agency->mail_class);
	free(agency->letter_series);
	for (size_t i = 0; i < agency->nlicences; i++) {
		free(agency->licences[i].jurisdiction);
		free(agency->licences[i].number);
	}
	memset(agency, 0, sizeof(*agency));
}

const char *profile_licence(const struct agency *agency, const char *jurisdiction)
{
	for (size_t i = 0; i < agency->nlicences; i++)
		if (!strcmp(agency->licences[i].jurisdiction, jurisdiction))
			return agency->licences[i].number;
	return NULL;
}
