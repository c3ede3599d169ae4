/*
 * profile.c: load the agency profile, agency.xml (see profile.h).
 *
 * The format is documented in README.md ("The agency profile"), the
 * <print> settings in templates/README.md ("Print settings"), the <input>
 * specs in docs/input-formats.md. Required
 * fields missing or malformed make the whole batch unusable: the run stops
 * before writing anything, naming the file and the element.
 */
#include "../pl.h"
#include "profile.h"
#include "limits.h"
#include "xalloc.h"
#include "xmlsafe.h"

#include <strings.h>
#include <unistd.h>

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

/* ---- <print> ---- */

#define POINTS_PER_INCH 72.0
/* US Letter, in points: a window must lie on the page. */
#define PAGE_WIDTH_PT 612.0
#define PAGE_HEIGHT_PT 792.0
/* 1/8 in clearance on each side leaves room for a line. */
#define WINDOW_MIN_PT 27.0

void profile_print_defaults(struct print_settings *print)
{
	memset(print, 0, sizeof(*print));
	print->return_window = (struct print_window){
		0.5 * POINTS_PER_INCH, 0.5 * POINTS_PER_INCH,
		3.5 * POINTS_PER_INCH, 0.875 * POINTS_PER_INCH };
	print->recipient_window = (struct print_window){
		0.75 * POINTS_PER_INCH, 1.875 * POINTS_PER_INCH,
		4.0 * POINTS_PER_INCH, 1.25 * POINTS_PER_INCH };
	print->max_sheets = 6;
	print->pieces_per_file = PL_DEFAULT_PIECES_PER_FILE;
}

static unsigned line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);
	return l > 0 ? (unsigned)l : 0;
}

/* An attribute of a window in inches ("0.5", or "0.5in"); *out in points. */
static int window_length(xmlNode *n, const char *name, const char *path,
			 double *out, struct pl_diag *diag)
{
	char *v = xmlsafe_attr_dup(n, name), *end;
	double x = strtod(v, &end);
	int rc = PL_OK;

	if (end == v || (*end && strcmp(end, "in")) || x < 0 || x > 11)
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
				 "cannot read %s '%s' of window <%s> (inches, e.g. \"0.5\")",
				 name, v, (const char *)n->name);
	else
		*out = x * POINTS_PER_INCH;
	free(v);
	return rc;
}

static int window_load(xmlNode *n, const char *path, struct print_window *w,
		       struct pl_diag *diag)
{
	int rc = window_length(n, "x", path, &w->x, diag);

	if (rc == PL_OK) rc = window_length(n, "y", path, &w->y, diag);
	if (rc == PL_OK) rc = window_length(n, "width", path, &w->width, diag);
	if (rc == PL_OK) rc = window_length(n, "height", path, &w->height, diag);
	if (rc == PL_OK && (w->width < WINDOW_MIN_PT || w->height < WINDOW_MIN_PT ||
			    w->x + w->width > PAGE_WIDTH_PT ||
			    w->y + w->height > PAGE_HEIGHT_PT))
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
				 "window <%s> does not fit on a US Letter page",
				 (const char *)n->name);
	return rc;
}

static bool all_digits(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789") == len;
}

/* USPS-B-3200 (PRINT.md): the fixed parts of the tracking code. */
static int imb_load(xmlNode *n, const char *path, struct print_settings *print,
		    struct pl_diag *diag)
{
	char *id = xmlsafe_attr_dup(n, "barcode-id");
	char *stid = xmlsafe_attr_dup(n, "service-type");
	char *mid = xmlsafe_attr_dup(n, "mailer-id");
	int rc = PL_OK;

	if (!all_digits(id, 2) || id[1] > '4')
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
				 "imb barcode-id '%s' is not two digits, the second 0-4", id);
	else if (!all_digits(stid, 3))
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
				 "imb service-type '%s' is not three digits", stid);
	else if (!((all_digits(mid, 6) && mid[0] != '9') ||
		   (all_digits(mid, 9) && mid[0] == '9')))
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
				 "imb mailer-id '%s' is not 6 digits (000000-899999) or 9 digits (900000000-999999999)",
				 mid);
	if (rc == PL_OK) {
		print->have_imb = true;
		snprintf(print->barcode_id, sizeof(print->barcode_id), "%s", id);
		snprintf(print->service_type, sizeof(print->service_type), "%s", stid);
		snprintf(print->mailer_id, sizeof(print->mailer_id), "%s", mid);
	}
	free(id);
	free(stid);
	free(mid);
	return rc;
}

static bool windows_overlap(const struct print_window *a, const struct print_window *b)
{
	return a->x < b->x + b->width && b->x < a->x + a->width &&
	       a->y < b->y + b->height && b->y < a->y + a->height;
}

static int print_load(xmlNode *node, const char *path, struct print_settings *print,
		      struct pl_diag *diag)
{
	xmlNode *windows = xmlsafe_child(node, "windows"), *n;
	char *v;
	int rc = PL_OK;

	profile_print_defaults(print);
	if (windows && (n = xmlsafe_child(windows, "return")))
		rc = window_load(n, path, &print->return_window, diag);
	if (rc == PL_OK && windows && (n = xmlsafe_child(windows, "recipient")))
		rc = window_load(n, path, &print->recipient_window, diag);
	if (rc == PL_OK && windows_overlap(&print->return_window, &print->recipient_window))
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(windows ? windows : node),
				 "the return and recipient windows overlap");
	if (rc == PL_OK && (n = xmlsafe_child(node, "imb")))
		rc = imb_load(n, path, print, diag);
	if (rc == PL_OK) {
		v = xmlsafe_child_dup(node, "duplex");
		if (!strcmp(v, "yes"))
			print->duplex = true;
		else if (*v && strcmp(v, "no"))
			rc = pl_diag_set(diag, PL_PARSE, path, line_of(node),
					 "duplex '%s' is not yes or no", v);
		free(v);
	}
	if (rc == PL_OK) {
		v = xmlsafe_child_dup(node, "max-sheets");
		if (*v) {
			char *end;
			long sheets = strtol(v, &end, 10);
			if (*end || sheets < 1 || sheets > 100)
				rc = pl_diag_set(diag, PL_PARSE, path, line_of(node),
						 "max-sheets '%s' is not a number from 1 to 100", v);
			else
				print->max_sheets = (int)sheets;
		}
		free(v);
	}
	if (rc == PL_OK) {
		v = xmlsafe_child_dup(node, "pieces-per-file");
		if (*v) {
			char *end;
			long pieces = strtol(v, &end, 10);
			if (*end || pieces < 0 || pieces > 1000000)
				rc = pl_diag_set(diag, PL_PARSE, path, line_of(node),
						 "pieces-per-file '%s' is not a number from 0 (one file a group) to 1000000", v);
			else
				print->pieces_per_file = (unsigned long)pieces;
		}
		free(v);
	}
	return rc;
}

/* ---- <input> ---- */

/* The names an agency may write for each encoding, and the one we keep. */
static const struct { const char *name, *canonical; } encodings[] = {
	{ "utf-8", "utf-8" }, { "utf8", "utf-8" },
	{ "windows-1252", "windows-1252" }, { "cp1252", "windows-1252" },
	{ "iso-8859-1", "iso-8859-1" }, { "latin1", "iso-8859-1" },
	{ "iso8859-1", "iso-8859-1" },
};

/* dir/rel, or rel itself when absolute; xmalloc'ed. */
static char *resolve(const char *dir, const char *rel)
{
	if (rel[0] == '/')
		return xstrdup(rel);
	return xasprintf("%s/%s", dir, rel);
}

/* A path attribute (mapping, layout): resolved, and the file must exist. */
static int input_path(xmlNode *n, const char *attr, const char *dir,
		      const char *path, char **out, struct pl_diag *diag)
{
	char *v = xmlsafe_attr_dup(n, attr);
	int rc = PL_OK;

	*out = *v ? resolve(dir, v) : xstrdup("");
	if (**out && access(*out, R_OK) != 0)
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
				 "cannot read the %s '%s' named in <input>: %s", attr,
				 v, strerror(errno));
	free(v);
	return rc;
}

static int input_spec_check(const struct input_spec *spec, const char *what,
			    const char *path, struct pl_diag *diag);

static int input_spec_load(xmlNode *n, const char *dir, const char *path,
			   struct input_spec *spec, struct pl_diag *diag)
{
	char *format = xmlsafe_attr_dup(n, "format");
	char *encoding = xmlsafe_attr_dup(n, "encoding");
	const char *what = (const char *)n->name;
	int rc = PL_OK;

	spec->line = line_of(n);
	spec->contacts = !strcmp(what, "contacts");
	spec->match = xmlsafe_attr_dup(n, "match");
	spec->record = xmlsafe_attr_dup(n, "record");
	spec->encoding = xstrdup("utf-8");
	rc = input_path(n, "mapping", dir, path, &spec->mapping, diag);
	if (rc == PL_OK)
		rc = input_path(n, "layout", dir, path, &spec->layout, diag);
	else
		spec->layout = xstrdup("");

	if (rc == PL_OK && (!*spec->match || strchr(spec->match, '/')))
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<%s> needs match=\"pattern\" on a file name (no '/'), e.g. \"*.csv\"",
				 what);
	if (rc == PL_OK) {
		if (!*format || !strcmp(format, "csv"))
			spec->format = INPUT_CSV;
		else if (!strcmp(format, "xml"))
			spec->format = INPUT_XML;
		else if (!strcmp(format, "fixed"))
			spec->format = INPUT_FIXED;
		else
			rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
					 "<%s match=\"%s\"> format '%s' is not csv, xml or fixed",
					 what, spec->match, format);
	}
	if (rc == PL_OK && *encoding) {
		size_t i;

		for (i = 0; i < PL_ARRAY_SIZE(encodings); i++)
			if (!strcasecmp(encoding, encodings[i].name))
				break;
		if (i == PL_ARRAY_SIZE(encodings)) {
			rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
					 "<%s match=\"%s\"> encoding '%s' is not utf-8, windows-1252 or iso-8859-1",
					 what, spec->match, encoding);
		} else {
			free(spec->encoding);
			spec->encoding = xstrdup(encodings[i].canonical);
		}
	}
	if (rc == PL_OK)
		rc = input_spec_check(spec, what, path, diag);
	free(format);
	free(encoding);
	return rc;
}

/* The attributes that only make sense together. */
static int input_spec_check(const struct input_spec *spec, const char *what,
			    const char *path, struct pl_diag *diag)
{
	int rc = PL_OK;

	if (spec->contacts && spec->format != INPUT_CSV)
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<contacts match=\"%s\"> must be format csv", spec->match);
	else if (spec->format == INPUT_FIXED && !*spec->layout)
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<%s match=\"%s\" format=\"fixed\"> needs layout=\"file\"",
				 what, spec->match);
	else if (spec->format != INPUT_FIXED && *spec->layout)
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<%s match=\"%s\"> has a layout but is not format fixed",
				 what, spec->match);
	else if (spec->format != INPUT_XML && *spec->mapping)
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<%s match=\"%s\"> has a mapping but is not format xml",
				 what, spec->match);
	else if (*spec->mapping && !*spec->record)
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<%s match=\"%s\"> has a mapping but no record=\"element\" to cut the file into records",
				 what, spec->match);
	else if (!*spec->mapping && *spec->record)
		rc = pl_diag_set(diag, PL_PARSE, path, spec->line,
				 "<%s match=\"%s\"> has a record but no mapping",
				 what, spec->match);
	return rc;
}

static void input_spec_release(struct input_spec *spec)
{
	free(spec->match);
	free(spec->encoding);
	free(spec->mapping);
	free(spec->record);
	free(spec->layout);
}

static int input_load(xmlNode *node, const char *path, struct agency *agency,
		      struct pl_diag *diag)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	int rc = PL_OK;

	if (!*dir) {
		free(dir);
		dir = xstrdup("/");
	}
	for (xmlNode *n = node->children; n && rc == PL_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "accounts") &&
		    strcmp((const char *)n->name, "contacts")) {
			rc = pl_diag_set(diag, PL_PARSE, path, line_of(n),
					 "unknown element <%s> in <input> (accounts or contacts)",
					 (const char *)n->name);
			break;
		}
		if (agency->ninputs == PL_MAX_INPUT_SPECS) {
			rc = pl_diag_set(diag, PL_LIMIT, path, line_of(n),
					 "more than %d specs in <input>", PL_MAX_INPUT_SPECS);
			break;
		}
		if (!agency->inputs)
			agency->inputs = xcalloc(PL_MAX_INPUT_SPECS, sizeof(*agency->inputs));
		rc = input_spec_load(n, dir, path, &agency->inputs[agency->ninputs++], diag);
	}
	if (rc == PL_OK && !agency->ninputs)
		rc = pl_diag_set(diag, PL_PARSE, path, line_of(node),
				 "<input> lists no <accounts> or <contacts>");
	free(dir);
	return rc;
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
	node = xmlsafe_child(root, "print");
	if (rc == PL_OK && node)
		rc = print_load(node, path, &agency->print, diag);
	else
		profile_print_defaults(&agency->print);

	node = xmlsafe_child(root, "input");
	if (rc == PL_OK && node)
		rc = input_load(node, path, agency, diag);

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
	for (size_t i = 0; i < agency->ninputs; i++)
		input_spec_release(&agency->inputs[i]);
	free(agency->inputs);
	memset(agency, 0, sizeof(*agency));
}

const char *profile_licence(const struct agency *agency, const char *jurisdiction)
{
	for (size_t i = 0; i < agency->nlicences; i++)
		if (!strcmp(agency->licences[i].jurisdiction, jurisdiction))
			return agency->licences[i].number;
	return NULL;
}
