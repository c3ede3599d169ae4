/*
 * template.c: read a letter template (templates/<name>.xml) and check it.
 *
 * The template language is documented at the top of
 * templates/validation-notice.en.xml, for the compliance officers who edit
 * it. Here it becomes a struct template: positioned regions, the body flow
 * and the tear-off, each paragraph already cut into pieces (literal markup,
 * {field}, <slot>) so a letter only has to fill the holes in. Everything a
 * template can get wrong is found here, when the run starts, not at the
 * ten-thousandth letter: unknown elements, attributes and placeholders,
 * lengths that do not parse, a region without a size.
 *
 * Literal template text is escaped for pango markup at load; only <b> and
 * <i> become markup. Field values are escaped when they are filled in
 * (layout.c), so no input can inject markup.
 *
 * Two checks, in this order: the code's own, whose messages say what is
 * wrong in the words of templates/README.md, then templates/template.rng
 * (RELAX NG), which holds the structure a tool can check too and catches
 * whatever the code would let through.
 */
#include "../pl.h"
#include "typeset-int.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"

#include <glib.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>

/* Most pieces (text runs, fields, slots, tags) one paragraph may have. */
#define MAX_PIECES 256
/* Most blocks in the flow or tear-off, cells in a row, lines in a cell. */
#define MAX_ITEMS 256

static const char *const known_fields[] = {
	"collector", "envelope_name", "creditor", "itemization_creditor",
	"account_number", "debt_type_label", "validation_end_date",
	"itemization_date", "mail_date", "dispute_url", "portal_url", "website",
	"phone", "hours", "reference", "consumer_name", "address_line1",
	"address_line2", "city_state_zip", "agency_address_line1",
	"agency_address_line2", "agency_city_state_zip", "amount_at_itemization",
	"interest_since", "fees_since", "payments_and_credits",
	"current_balance", "cease_requested_on", "dispute_received_on",
	"piece_id",
	/* template format v3 (templates/README.md) */
	"portal_code", "portal_link", "remit_address_line1",
	"remit_address_line2", "remit_city_state_zip", "settlement_amount",
	"settlement_expires_on", "plan_installment", "plan_count",
	"plan_first_due", "plan_total", "verification_sent_on", "time_barred",
};

static const char *const page_fields[] = { "page", "pages" };

bool template_known_field(const char *name)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(known_fields); i++)
		if (!strcmp(name, known_fields[i]))
			return true;
	return false;
}

size_t template_field_count(void)
{
	return PL_ARRAY_SIZE(known_fields);
}

bool template_page_field(const char *name)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(page_fields); i++)
		if (!strcmp(name, page_fields[i]))
			return true;
	return false;
}

const char *template_label(const struct template *t, const char *key)
{
	for (size_t i = 0; i < t->nlabels; i++)
		if (!strcmp(t->labels[i].key, key))
			return t->labels[i].text;
	return NULL;
}

/* Where a list of blocks is: what it may hold. */
enum block_place { IN_FLOW, IN_TEAROFF, IN_COUPON, IN_REVERSE, IN_KEEP };

/* Loader state for one file. */
struct loader {
	const char *path;
	struct arena *arena;
	struct template *t;
	struct pl_diag *diag;
	bool in_region;    /* {page} and {pages} allowed */
	struct tpl_region *region;   /* the region being loaded, for <imb/>, <qr/> */
	xmlNode *region_node;        /* its element */
	bool region_lines_done;      /* <imb/> or <qr/> seen: no more <line> */
	unsigned nscanlines;         /* in the coupon */
};

static unsigned line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);
	return l > 0 ? (unsigned)l : 0;
}

static bool is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static int fail(struct loader *ld, const xmlNode *n, const char *fmt, ...)
	PL_PRINTF(3, 4);

static int fail(struct loader *ld, const xmlNode *n, const char *fmt, ...)
{
	char msg[sizeof(ld->diag->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_diag_set(ld->diag, PL_TEMPLATE, ld->path, n ? line_of(n) : 0,
			   "%s", msg);
}

/* Attribute value copied into the arena; NULL when absent. */
static const char *attr(struct loader *ld, xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = arena_strdup(ld->arena, (const char *)v);
	xmlFree(v);
	return s;
}

/* Refuse attributes the element does not have: a typo must not pass silently. */
static int check_attrs(struct loader *ld, xmlNode *n, const char *const *allowed)
{
	for (xmlAttr *a = n->properties; a; a = a->next) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp((const char *)a->name, allowed[i]))
				ok = true;
		if (!ok)
			return fail(ld, n, "unknown attribute '%s' on <%s>",
				    (const char *)a->name, (const char *)n->name);
	}
	return PL_OK;
}

/* A length: "0.5in", "36pt", "12.7mm" or a bare number of points. */
static int parse_length(struct loader *ld, xmlNode *n, const char *name,
			double dflt, bool required, double *out)
{
	const char *v = attr(ld, n, name);
	char *end;
	double x;

	*out = dflt;
	if (!v) {
		if (required)
			return fail(ld, n, "<%s> needs attribute '%s'",
				    (const char *)n->name, name);
		return PL_OK;
	}
	x = g_ascii_strtod(v, &end);
	if (end == v || x < 0 || x > 2000)
		return fail(ld, n, "cannot read length '%s' of '%s'", v, name);
	if (!strcmp(end, "in"))
		x *= 72.0;
	else if (!strcmp(end, "mm"))
		x *= 72.0 / 25.4;
	else if (strcmp(end, "pt") && *end)
		return fail(ld, n, "unknown unit in length '%s' of '%s' (use in, mm or pt)",
			    v, name);
	*out = x;
	return PL_OK;
}

static int parse_size(struct loader *ld, xmlNode *n, double dflt, double *out)
{
	int rc = parse_length(ld, n, "size", dflt, false, out);

	if (rc == PL_OK && (*out < 4 || *out > 72))
		rc = fail(ld, n, "font size %g is not between 4 and 72 points", *out);
	return rc;
}

static int parse_bool(struct loader *ld, xmlNode *n, const char *name, bool *out)
{
	const char *v = attr(ld, n, name);

	*out = false;
	if (!v || !strcmp(v, "no"))
		return PL_OK;
	if (!strcmp(v, "yes")) {
		*out = true;
		return PL_OK;
	}
	return fail(ld, n, "attribute '%s' is '%s', expected yes or no", name, v);
}

static int parse_align(struct loader *ld, xmlNode *n, enum tpl_align *out)
{
	const char *v = attr(ld, n, "align");

	*out = ALIGN_LEFT;
	if (!v || !strcmp(v, "left"))
		return PL_OK;
	if (!strcmp(v, "right"))
		*out = ALIGN_RIGHT;
	else if (!strcmp(v, "center"))
		*out = ALIGN_CENTER;
	else
		return fail(ld, n, "align '%s' is not left, center or right", v);
	return PL_OK;
}

/* ---- region furniture: <imb/>, <qr/> ---- */

/*
 * <imb/> and <qr/> in a region, after its lines. Returns true when n is
 * one of them (*rc says whether it is well placed).
 */
static bool region_furniture(struct loader *ld, xmlNode *n, int *rc)
{
	static const char *const no_attrs[] = { NULL };
	static const char *const qr_attrs[] = { "size", NULL };
	struct tpl_region *r = ld->region;

	if (!r || !(is_element(n, "imb") || is_element(n, "qr")))
		return false;
	ld->region_lines_done = true;
	if (n->children) {
		*rc = fail(ld, n, "<%s/> must be empty", (const char *)n->name);
	} else if (is_element(n, "imb")) {
		/* RULE: USPS-B-3200: the barcode goes with the address block. */
		*rc = check_attrs(ld, n, no_attrs);
		if (*rc == PL_OK && r->window_kind != WINDOW_RECIPIENT)
			*rc = fail(ld, n, "<imb/> belongs in the region with window=\"recipient\", not in '%s'",
				   r->name);
		else if (*rc == PL_OK && r->imb)
			*rc = fail(ld, n, "more than one <imb/> in region '%s'", r->name);
		r->imb = true;
	} else {
		*rc = check_attrs(ld, n, qr_attrs);
		/* RULE: US-REGF-1006.22(f)(2): nothing but the address in a window. */
		if (*rc == PL_OK && r->window)
			*rc = fail(ld, n, "<qr/> cannot go in window region '%s'", r->name);
		else if (*rc == PL_OK && r->qr_size > 0)
			*rc = fail(ld, n, "more than one <qr/> in region '%s'", r->name);
		if (*rc == PL_OK)
			*rc = parse_length(ld, n, "size", 0.9 * 72, false, &r->qr_size);
		if (*rc == PL_OK && (r->qr_size < 36 || r->qr_size > r->body.width))
			*rc = fail(ld, n, "qr size %g pt is not between 0.5 in and the region's width",
				   r->qr_size);
	}
	return true;
}

/* ---- mixed content: text, {fields}, <b>, <i>, <slot> ---- */

struct pieces {
	struct tpl_piece items[MAX_PIECES];
	size_t n;
};

static int add_piece(struct loader *ld, xmlNode *n, struct pieces *p,
		     enum tpl_piece_kind kind, const char *str, bool required)
{
	if (p->n == MAX_PIECES)
		return fail(ld, n, "more than %d pieces of text in one paragraph",
			    MAX_PIECES);
	p->items[p->n].kind = kind;
	p->items[p->n].str = str;
	p->items[p->n].required = required;
	p->n++;
	return PL_OK;
}

static int add_literal(struct loader *ld, xmlNode *n, struct pieces *p,
		       const char *s, size_t len)
{
	gchar *esc;
	int rc;

	if (!len)
		return PL_OK;
	esc = g_markup_escape_text(s, (gssize)len);
	rc = add_piece(ld, n, p, PIECE_MARKUP, arena_strdup(ld->arena, esc), false);
	g_free(esc);
	return rc;
}

/* Cut a text node into literal runs and {field} pieces. */
static int add_text(struct loader *ld, xmlNode *n, struct pieces *p,
		    const char *s)
{
	const char *run = s;
	int rc = PL_OK;

	while (rc == PL_OK && *s) {
		size_t len;

		if (*s != '{') {
			s++;
			continue;
		}
		len = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (!len || s[1 + len] != '}') {
			/* A brace that opens no placeholder is text. */
			s++;
			continue;
		}
		rc = add_literal(ld, n, p, run, (size_t)(s - run));
		if (rc == PL_OK) {
			char *name = arena_strndup(ld->arena, s + 1, len);
			if (template_page_field(name) && !ld->in_region)
				rc = fail(ld, n, "placeholder '{%s}' may only appear in a region",
					  name);
			else if (!template_known_field(name) && !template_page_field(name))
				rc = fail(ld, n, "unknown placeholder '{%s}'", name);
			else
				rc = add_piece(ld, n, p, PIECE_FIELD, name, false);
		}
		s += len + 2;
		run = s;
	}
	if (rc == PL_OK)
		rc = add_literal(ld, n, p, run, strlen(run));
	return rc;
}

static int remember_slot(struct loader *ld, const char *name)
{
	struct template *t = ld->t;
	const char **grown;

	for (size_t i = 0; i < t->nslots; i++)
		if (!strcmp(t->slots[i], name))
			return PL_OK;
	grown = arena_alloc(ld->arena, (t->nslots + 1) * sizeof(*grown));
	if (t->nslots)
		memcpy(grown, t->slots, t->nslots * sizeof(*grown));
	grown[t->nslots++] = name;
	t->slots = grown;
	return PL_OK;
}

static int add_mixed(struct loader *ld, xmlNode *parent, struct pieces *p)
{
	static const char *const no_attrs[] = { NULL };
	static const char *const slot_attrs[] = { "name", "required", NULL };
	int rc = PL_OK;

	for (xmlNode *n = parent->children; n && rc == PL_OK; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			rc = add_text(ld, parent, p, (const char *)n->content);
		} else if (n->type == XML_COMMENT_NODE) {
			continue;
		} else if (parent == ld->region_node &&
			   region_furniture(ld, n, &rc)) {
			continue;
		} else if (is_element(n, "b") || is_element(n, "i")) {
			const char *tag = (const char *)n->name;
			rc = check_attrs(ld, n, no_attrs);
			if (rc == PL_OK)
				rc = add_piece(ld, n, p, PIECE_MARKUP,
					       arena_printf(ld->arena, "<%s>", tag), false);
			if (rc == PL_OK)
				rc = add_mixed(ld, n, p);
			if (rc == PL_OK)
				rc = add_piece(ld, n, p, PIECE_MARKUP,
					       arena_printf(ld->arena, "</%s>", tag), false);
		} else if (is_element(n, "slot")) {
			const char *name = attr(ld, n, "name");
			bool required = false;
			rc = check_attrs(ld, n, slot_attrs);
			if (rc == PL_OK && (!name || !*name))
				rc = fail(ld, n, "<slot> needs a name");
			if (rc == PL_OK)
				rc = parse_bool(ld, n, "required", &required);
			if (rc == PL_OK && n->children)
				rc = fail(ld, n, "<slot name=\"%s\"> must be empty", name);
			if (rc == PL_OK)
				rc = add_piece(ld, n, p, PIECE_SLOT, name, required);
			if (rc == PL_OK)
				rc = remember_slot(ld, name);
		} else if (n->type == XML_ELEMENT_NODE) {
			rc = fail(ld, n, "element <%s> is not allowed inside <%s>",
				  (const char *)n->name, (const char *)parent->name);
		}
	}
	return rc;
}

static int load_text(struct loader *ld, xmlNode *node, struct tpl_text *out)
{
	struct pieces *p = xcalloc(1, sizeof(*p));
	int rc = add_mixed(ld, node, p);

	if (rc == PL_OK) {
		out->npieces = p->n;
		out->pieces = arena_alloc(ld->arena, (p->n + 1) * sizeof(*out->pieces));
		memcpy(out->pieces, p->items, p->n * sizeof(*out->pieces));
	}
	free(p);
	return rc;
}

/* Content of a paragraph, cell or region: mixed content or <line> children. */
static int load_cell_body(struct loader *ld, xmlNode *node, struct tpl_cell *cell)
{
	static const char *const no_attrs[] = { NULL };
	size_t nlines = 0;
	int rc = PL_OK;

	for (xmlNode *n = node->children; n; n = n->next)
		if (is_element(n, "line"))
			nlines++;
	if (!nlines) {
		cell->line_list = false;
		cell->nlines = 1;
		cell->lines = arena_alloc(ld->arena, sizeof(*cell->lines));
		return load_text(ld, node, &cell->lines[0]);
	}
	if (nlines > MAX_ITEMS)
		return fail(ld, node, "more than %d lines", MAX_ITEMS);
	cell->line_list = true;
	cell->lines = arena_alloc(ld->arena, nlines * sizeof(*cell->lines));
	for (xmlNode *n = node->children; n && rc == PL_OK; n = n->next) {
		if (is_element(n, "line")) {
			rc = check_attrs(ld, n, no_attrs);
			if (rc == PL_OK && node == ld->region_node && ld->region_lines_done)
				rc = fail(ld, n, "<line> after <imb/> or <qr/>: they go after the lines");
			if (rc == PL_OK)
				rc = load_text(ld, n, &cell->lines[cell->nlines++]);
		} else if (node == ld->region_node && region_furniture(ld, n, &rc)) {
			continue;
		} else if (n->type == XML_ELEMENT_NODE) {
			rc = fail(ld, n, "<%s> holds <line> elements only, not <%s>",
				  (const char *)node->name, (const char *)n->name);
		} else if (n->type == XML_TEXT_NODE &&
			   strspn((const char *)n->content, " \t\r\n") !=
			   strlen((const char *)n->content)) {
			rc = fail(ld, node, "text outside <line> in <%s>",
				  (const char *)node->name);
		}
	}
	return rc;
}

/* ---- blocks: <h>, <p>, <check>, <row>, <gap>, <keep>, ... ---- */

static int load_blocks(struct loader *ld, xmlNode *parent, enum block_place place,
		       struct tpl_block **out, size_t *nout);

/* if="field" / unless="field": a field of the letter, not {page}. */
static int parse_condition(struct loader *ld, xmlNode *n, const char *name,
			   const char **out)
{
	*out = attr(ld, n, name);
	if (*out && !template_known_field(*out))
		return fail(ld, n, "%s=\"%s\" names no field (see templates/README.md)",
			    name, *out);
	return PL_OK;
}

static int load_row(struct loader *ld, xmlNode *n, struct tpl_block *b)
{
	static const char *const cell_attrs[] = { "width", "align", NULL };
	size_t ncells = 0;
	int rc = PL_OK;

	b->kind = BLOCK_ROW;
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			ncells++;
	if (ncells == 0 || ncells > 8)
		return fail(ld, n, "<row> needs 1 to 8 <cell> elements");
	b->cells = arena_alloc(ld->arena, ncells * sizeof(*b->cells));
	for (xmlNode *c = n->children; c && rc == PL_OK; c = c->next) {
		struct tpl_cell *cell;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is_element(c, "cell"))
			return fail(ld, c, "<row> holds <cell> elements only, not <%s>",
				    (const char *)c->name);
		cell = &b->cells[b->ncells++];
		rc = check_attrs(ld, c, cell_attrs);
		if (rc == PL_OK)
			rc = parse_length(ld, c, "width", 0, false, &cell->width);
		if (rc == PL_OK)
			rc = parse_align(ld, c, &cell->align);
		if (rc == PL_OK)
			rc = load_cell_body(ld, c, cell);
	}
	return rc;
}

/* A paragraph: <h>, <p>, <check>, or a coupon's <line>. */
static int load_para(struct loader *ld, xmlNode *n, struct tpl_block *b)
{
	bool bullet = false;
	int rc;

	b->kind = BLOCK_PARA;
	b->heading = is_element(n, "h");
	b->marker = is_element(n, "check") ? MARKER_BOX : MARKER_NONE;
	rc = parse_bool(ld, n, "bullet", &bullet);
	if (rc == PL_OK && bullet)
		b->marker = MARKER_BULLET;
	b->ncells = 1;
	b->cells = arena_alloc(ld->arena, sizeof(*b->cells));
	if (rc == PL_OK)
		rc = parse_align(ld, n, &b->cells[0].align);
	if (rc == PL_OK && is_element(n, "line")) {
		/* A coupon's line is one line of text, like a region's. */
		b->cells[0].nlines = 1;
		b->cells[0].lines = arena_alloc(ld->arena, sizeof(*b->cells[0].lines));
		rc = load_text(ld, n, &b->cells[0].lines[0]);
	} else if (rc == PL_OK) {
		rc = load_cell_body(ld, n, &b->cells[0]);
	}
	return rc;
}

/* <plan-schedule number-label date-label amount-label [total-label]/> */
static int load_plan(struct loader *ld, xmlNode *n, struct tpl_block *b)
{
	b->kind = BLOCK_PLAN;
	if (n->children)
		return fail(ld, n, "<plan-schedule/> must be empty");
	b->plan_number = attr(ld, n, "number-label");
	b->plan_date = attr(ld, n, "date-label");
	b->plan_amount = attr(ld, n, "amount-label");
	b->plan_total = attr(ld, n, "total-label");
	if (!b->plan_number || !b->plan_date || !b->plan_amount)
		return fail(ld, n, "<plan-schedule> needs number-label, date-label and amount-label");
	if (!b->plan_total)
		b->plan_total = "";
	return PL_OK;
}

static int load_block(struct loader *ld, xmlNode *n, enum block_place place,
		      struct tpl_block *b)
{
	static const char *const para_attrs[] = {
		"indent", "space-before", "size", "align", "bullet", "when", "if",
		"unless", "page", NULL };
	static const char *const row_attrs[] = {
		"indent", "space-before", "size", "when", "if", "unless", "page", NULL };
	static const char *const gap_attrs[] = { "height", "when", "if", "unless", NULL };
	static const char *const cond_attrs[] = { "when", "if", "unless", NULL };
	static const char *const plan_attrs[] = {
		"number-label", "date-label", "amount-label", "total-label", "indent",
		"space-before", "size", "when", "if", "unless", NULL };
	static const char *const scan_attrs[] = { "size", "align", NULL };
	static const char *const line_attrs[] = {
		"indent", "space-before", "size", "align", "when", "if", "unless", NULL };
	const struct template *t = ld->t;
	const char *name = (const char *)n->name;
	double dflt_space;
	int rc = PL_OK;

	b->line = line_of(n);
	if (is_element(n, "gap")) {
		b->kind = BLOCK_GAP;
		rc = check_attrs(ld, n, gap_attrs);
		if (rc == PL_OK)
			rc = parse_length(ld, n, "height", 0, true, &b->space_before);
	} else if (is_element(n, "keep")) {
		b->kind = BLOCK_KEEP;
		if (place != IN_FLOW && place != IN_REVERSE)
			return fail(ld, n, "<keep> goes in <flow> or <reverse>; the tear-off and the coupon are kept whole anyway");
		rc = check_attrs(ld, n, cond_attrs);
		if (rc == PL_OK)
			rc = load_blocks(ld, n, IN_KEEP, &b->children, &b->nchildren);
		if (rc == PL_OK && !b->nchildren)
			rc = fail(ld, n, "<keep> holds no block");
	} else if (is_element(n, "page-break")) {
		b->kind = BLOCK_PAGE_BREAK;
		if (place != IN_FLOW)
			return fail(ld, n, "<page-break/> goes in <flow> only");
		rc = check_attrs(ld, n, cond_attrs);
		if (rc == PL_OK && n->children)
			rc = fail(ld, n, "<page-break/> must be empty");
	} else if (is_element(n, "plan-schedule")) {
		if (place != IN_FLOW && place != IN_KEEP)
			return fail(ld, n, "<plan-schedule/> goes in <flow>");
		rc = check_attrs(ld, n, plan_attrs);
		if (rc == PL_OK)
			rc = load_plan(ld, n, b);
	} else if (is_element(n, "scanline")) {
		b->kind = BLOCK_SCANLINE;
		if (place != IN_COUPON)
			return fail(ld, n, "<scanline/> goes in <coupon> only");
		ld->nscanlines++;
		rc = check_attrs(ld, n, scan_attrs);
		if (rc == PL_OK && n->children)
			rc = fail(ld, n, "<scanline/> must be empty");
		b->ncells = 1;
		b->cells = arena_alloc(ld->arena, sizeof(*b->cells));
		b->cells[0].align = ALIGN_RIGHT;
		if (rc == PL_OK && attr(ld, n, "align"))
			rc = parse_align(ld, n, &b->cells[0].align);
	} else if (is_element(n, "row")) {
		rc = check_attrs(ld, n, row_attrs);
		if (rc == PL_OK)
			rc = load_row(ld, n, b);
	} else if (is_element(n, "line") && place == IN_COUPON) {
		rc = check_attrs(ld, n, line_attrs);
		if (rc == PL_OK)
			rc = load_para(ld, n, b);
	} else if (is_element(n, "p") || is_element(n, "h") || is_element(n, "check")) {
		rc = check_attrs(ld, n, para_attrs);
		if (rc == PL_OK)
			rc = load_para(ld, n, b);
	} else {
		return fail(ld, n, "unknown block <%s> (expected h, p, check, row, gap, keep, page-break or plan-schedule%s)",
			    name, place == IN_COUPON ? ", line or scanline" : "");
	}
	if (rc != PL_OK)
		return rc;
	b->when = attr(ld, n, "when");
	rc = parse_condition(ld, n, "if", &b->if_field);
	if (rc == PL_OK)
		rc = parse_condition(ld, n, "unless", &b->unless_field);
	if (rc == PL_OK) {
		const char *page = attr(ld, n, "page");

		if (page && strcmp(page, "first") && strcmp(page, "any"))
			rc = fail(ld, n, "page '%s' is not first or any", page);
		b->first_page = page && !strcmp(page, "first");
	}
	if (b->kind == BLOCK_GAP || b->kind == BLOCK_KEEP || b->kind == BLOCK_PAGE_BREAK)
		return rc;
	if (rc == PL_OK)
		rc = parse_length(ld, n, "indent", 0, false, &b->indent);
	dflt_space = b->heading ? 10 : b->kind == BLOCK_ROW ? 2 :
		     is_element(n, "line") ? 0 : b->kind == BLOCK_SCANLINE ? 8 : 6;
	if (rc == PL_OK)
		rc = parse_length(ld, n, "space-before", dflt_space, false,
				  &b->space_before);
	if (rc == PL_OK)
		rc = parse_size(ld, n, b->heading ? t->heading_size :
				b->kind == BLOCK_SCANLINE ? 12 : t->body_size, &b->size);
	return rc;
}

static int load_blocks(struct loader *ld, xmlNode *parent, enum block_place place,
		       struct tpl_block **out, size_t *nout)
{
	size_t n = 0;
	int rc = PL_OK;

	for (xmlNode *c = parent->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			n++;
	if (n > MAX_ITEMS)
		return fail(ld, parent, "more than %d blocks in <%s>", MAX_ITEMS,
			    (const char *)parent->name);
	*out = arena_alloc(ld->arena, (n + 1) * sizeof(**out));
	*nout = 0;
	for (xmlNode *c = parent->children; c && rc == PL_OK; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			rc = load_block(ld, c, place, &(*out)[(*nout)++]);
		else if (c->type == XML_TEXT_NODE &&
			 strspn((const char *)c->content, " \t\r\n") !=
			 strlen((const char *)c->content))
			rc = fail(ld, parent, "text outside a block in <%s>",
				  (const char *)parent->name);
	}
	return rc;
}

/* ---- the top level ---- */

static int load_window_kind(struct loader *ld, xmlNode *n, struct tpl_region *r)
{
	const char *v = attr(ld, n, "window");

	r->window_kind = WINDOW_NONE;
	if (!v || !strcmp(v, "no"))
		return PL_OK;
	if (!strcmp(v, "yes"))
		r->window_kind = WINDOW_FIXED;
	else if (!strcmp(v, "return"))
		r->window_kind = WINDOW_RETURN;
	else if (!strcmp(v, "recipient"))
		r->window_kind = WINDOW_RECIPIENT;
	else
		return fail(ld, n, "window '%s' is not return, recipient, yes or no", v);
	r->window = true;
	return PL_OK;
}

/*
 * A region. window="return" and "recipient" take their rectangle from the
 * agency profile (layout.c), so the template gives none; their padding is
 * the clearance to the window edge, at least 1/8 in.
 * RULE: USPS-PUB25-3-9: 1/8 in clear between the address and the window edges.
 */
static int load_region(struct loader *ld, xmlNode *n, struct tpl_region *r)
{
	static const char *const region_attrs[] = {
		"name", "x", "y", "width", "height", "padding", "size", "bold",
		"window", "pages", "align", NULL };
	const char *pages;
	bool profile_window;
	int rc = check_attrs(ld, n, region_attrs);

	r->line = line_of(n);
	r->name = attr(ld, n, "name");
	if (rc == PL_OK && (!r->name || !*r->name))
		rc = fail(ld, n, "<region> needs a name");
	if (rc == PL_OK) rc = load_window_kind(ld, n, r);
	profile_window = r->window_kind == WINDOW_RETURN ||
			 r->window_kind == WINDOW_RECIPIENT;
	if (rc == PL_OK && profile_window) {
		static const char *const rect[] = { "x", "y", "width", "height" };

		for (size_t i = 0; rc == PL_OK && i < PL_ARRAY_SIZE(rect); i++)
			if (attr(ld, n, rect[i]))
				rc = fail(ld, n, "window region '%s' takes its %s from the agency profile's <print><windows>, not from the template",
					  r->name, rect[i]);
	}
	if (rc == PL_OK && !profile_window) {
		rc = parse_length(ld, n, "x", 0, true, &r->x);
		if (rc == PL_OK) rc = parse_length(ld, n, "y", 0, true, &r->y);
		if (rc == PL_OK) rc = parse_length(ld, n, "width", 0, true, &r->width);
		if (rc == PL_OK) rc = parse_length(ld, n, "height", 0, false, &r->height);
	}
	if (rc == PL_OK)
		rc = parse_length(ld, n, "padding", profile_window ? 9 : 0, false,
				  &r->padding);
	if (rc == PL_OK && profile_window && r->padding < 9 - 0.001)
		rc = fail(ld, n, "window region '%s' needs padding of at least 0.125in (the clearance to the window's edge)",
			  r->name);
	if (rc == PL_OK) rc = parse_size(ld, n, ld->t->body_size, &r->size);
	if (rc == PL_OK) rc = parse_bool(ld, n, "bold", &r->bold);
	if (rc == PL_OK) rc = parse_align(ld, n, &r->align);
	pages = attr(ld, n, "pages");
	if (rc == PL_OK && pages && strcmp(pages, "first") && strcmp(pages, "all"))
		rc = fail(ld, n, "pages '%s' is not first or all", pages);
	r->every_page = pages && !strcmp(pages, "all");
	if (rc == PL_OK && r->window_kind == WINDOW_FIXED && r->height <= 0)
		rc = fail(ld, n, "window region '%s' needs a height", r->name);
	if (rc == PL_OK && r->window && r->every_page)
		rc = fail(ld, n, "window region '%s' can only be on the first page",
			  r->name);
	if (rc == PL_OK && r->window && r->align != ALIGN_LEFT)
		rc = fail(ld, n, "window region '%s' is left aligned (an address block)",
			  r->name);
	if (rc == PL_OK && !profile_window &&
	    (r->width <= 2 * r->padding || r->x + r->width > TS_PAGE_WIDTH ||
	     r->y + r->height > TS_PAGE_HEIGHT))
		rc = fail(ld, n, "region '%s' does not fit on the page", r->name);
	for (size_t i = 0; rc == PL_OK && i < ld->t->nregions; i++)
		if (ld->t->regions[i].window_kind == r->window_kind && profile_window)
			rc = fail(ld, n, "a second region with window=\"%s\"",
				  r->window_kind == WINDOW_RETURN ? "return" : "recipient");
	if (rc == PL_OK) {
		ld->in_region = true;
		ld->region = r;
		ld->region_node = n;
		ld->region_lines_done = false;
		/* Profile windows: the width is known per agency (layout.c). */
		r->body.width = profile_window ? 0 : r->width - 2 * r->padding;
		rc = load_cell_body(ld, n, &r->body);
		ld->in_region = false;
		ld->region = NULL;
		ld->region_node = NULL;
	}
	return rc;
}

static int load_labels(struct loader *ld, xmlNode *node)
{
	static const char *const label_attrs[] = { "key", NULL };
	struct template *t = ld->t;
	size_t n = 0;
	int rc = PL_OK;

	for (xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			n++;
	t->labels = arena_alloc(ld->arena, (n + 1) * sizeof(*t->labels));
	for (xmlNode *c = node->children; c && rc == PL_OK; c = c->next) {
		const char *key;
		char *text;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is_element(c, "label"))
			return fail(ld, c, "<labels> holds <label> elements only");
		rc = check_attrs(ld, c, label_attrs);
		key = attr(ld, c, "key");
		if (rc == PL_OK && (!key || !*key))
			rc = fail(ld, c, "<label> needs a key");
		if (rc == PL_OK && template_label(t, key))
			rc = fail(ld, c, "duplicate label '%s'", key);
		if (rc == PL_OK) {
			text = xmlsafe_text_dup(c);
			t->labels[t->nlabels].key = key;
			t->labels[t->nlabels].text = arena_strdup(ld->arena, text);
			t->nlabels++;
			free(text);
		}
	}
	return rc;
}

static int load_flow(struct loader *ld, xmlNode *n)
{
	static const char *const flow_attrs[] = {
		"x", "width", "top", "top-next", "bottom", NULL };
	struct template *t = ld->t;
	int rc = check_attrs(ld, n, flow_attrs);

	if (rc == PL_OK) rc = parse_length(ld, n, "x", 54, false, &t->flow_x);
	if (rc == PL_OK) rc = parse_length(ld, n, "width", 504, false, &t->flow_width);
	if (rc == PL_OK) rc = parse_length(ld, n, "top", 54, false, &t->flow_top);
	if (rc == PL_OK) rc = parse_length(ld, n, "top-next", 54, false, &t->flow_top_next);
	if (rc == PL_OK) rc = parse_length(ld, n, "bottom", 738, false, &t->flow_bottom);
	if (rc == PL_OK && (t->flow_x + t->flow_width > TS_PAGE_WIDTH ||
			    t->flow_bottom > TS_PAGE_HEIGHT ||
			    t->flow_top + 72 > t->flow_bottom ||
			    t->flow_top_next + 72 > t->flow_bottom))
		rc = fail(ld, n, "the flow does not fit on the page");
	if (rc == PL_OK)
		rc = load_blocks(ld, n, IN_FLOW, &t->flow, &t->nflow);
	return rc;
}

/* when="slot" must name a slot the template has. */
static int check_when(struct loader *ld, xmlNode *root,
		      const struct tpl_block *blocks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		if (blocks[i].kind == BLOCK_KEEP) {
			int rc = check_when(ld, root, blocks[i].children,
					    blocks[i].nchildren);
			if (rc != PL_OK)
				return rc;
		}
		if (!blocks[i].when)
			continue;
		for (size_t s = 0; s < ld->t->nslots; s++)
			if (!strcmp(ld->t->slots[s], blocks[i].when))
				found = true;
		if (!found)
			return pl_diag_set(ld->diag, PL_TEMPLATE, ld->path, blocks[i].line,
					   "when=\"%s\" names no slot of the template",
					   blocks[i].when);
	}
	return PL_OK;
}

/*
 * Month names and the date pattern come as a set (TS_LABEL_MONTH); only
 * English may do without them.
 */
static int check_date_labels(struct loader *ld, xmlNode *root)
{
	const struct template *t = ld->t;
	const char *pattern = template_label(t, TS_LABEL_DATE_PATTERN);
	unsigned have = pattern ? 1 : 0;

	for (int m = 1; m <= 12; m++) {
		char key[16];

		snprintf(key, sizeof(key), TS_LABEL_MONTH "%d", m);
		have += template_label(t, key) != NULL;
	}
	if (have == 0 && !strcmp(t->language, "en"))
		return PL_OK;
	if (have != 13)
		return fail(ld, root, "dates need all of the labels month.1 .. month.12 and date.pattern (language '%s' has %u of 13)",
			    t->language, have);
	if (!strstr(pattern, "{day}") || !strstr(pattern, "{month}") ||
	    !strstr(pattern, "{year}"))
		return fail(ld, root, "label date.pattern '%s' needs {day}, {month} and {year}",
			    pattern);
	return PL_OK;
}

static int load_root(struct loader *ld, xmlNode *root)
{
	static const char *const root_attrs[] = {
		"id", "version", "language", "letter", "font", "size",
		"heading-size", NULL };
	static const char *const tearoff_attrs[] = { "gap", NULL };
	struct template *t = ld->t;
	const char *font;
	size_t nregions = 0;
	bool have_flow = false, have_tearoff = false, have_reverse = false;
	bool have_coupon = false;
	int rc = PL_OK;

	if (!is_element(root, "template") || !root->ns ||
	    strcmp((const char *)root->ns->href, TS_TEMPLATE_NS))
		return fail(ld, root, "root element must be <template xmlns=\"%s\">",
			    TS_TEMPLATE_NS);
	rc = check_attrs(ld, root, root_attrs);
	t->id = attr(ld, root, "id");
	t->version = attr(ld, root, "version");
	t->language = attr(ld, root, "language");
	t->letter = attr(ld, root, "letter");
	font = attr(ld, root, "font");
	t->family = font ? font : "Liberation Sans";
	if (rc == PL_OK && (!t->id || !t->version || !t->language || !t->letter ||
			    !*t->id || !*t->version || !*t->language || !*t->letter))
		rc = fail(ld, root, "<template> needs id, version, language and letter");
	if (rc == PL_OK) rc = parse_size(ld, root, 10, &t->body_size);
	if (rc == PL_OK) {
		const char *hs = attr(ld, root, "heading-size");
		double v = 10.5;
		if (hs) {
			char *end;
			v = g_ascii_strtod(hs, &end);
			if (end == hs || *end || v < 4 || v > 72)
				rc = fail(ld, root, "cannot read heading-size '%s'", hs);
		}
		t->heading_size = v;
	}

	for (xmlNode *c = root->children; c; c = c->next)
		if (is_element(c, "region"))
			nregions++;
	t->regions = arena_alloc(ld->arena, (nregions + 1) * sizeof(*t->regions));
	for (xmlNode *c = root->children; c && rc == PL_OK; c = c->next) {
		if (c->type == XML_COMMENT_NODE)
			continue;
		if (c->type == XML_TEXT_NODE) {
			if (strspn((const char *)c->content, " \t\r\n") !=
			    strlen((const char *)c->content))
				rc = fail(ld, root, "text outside any element of <template>");
		} else if (is_element(c, "labels")) {
			rc = load_labels(ld, c);
		} else if (is_element(c, "region")) {
			struct tpl_region *r = &t->regions[t->nregions];
			rc = load_region(ld, c, r);
			for (size_t i = 0; rc == PL_OK && i < t->nregions; i++)
				if (!strcmp(t->regions[i].name, r->name))
					rc = fail(ld, c, "duplicate region '%s'", r->name);
			t->nregions++;
		} else if (is_element(c, "flow")) {
			if (have_flow)
				rc = fail(ld, c, "more than one <flow>");
			else
				rc = load_flow(ld, c);
			have_flow = true;
		} else if (is_element(c, "tearoff")) {
			if (have_tearoff)
				rc = fail(ld, c, "more than one <tearoff>");
			if (rc == PL_OK)
				rc = check_attrs(ld, c, tearoff_attrs);
			if (rc == PL_OK)
				rc = parse_length(ld, c, "gap", 24, false, &t->tearoff_gap);
			if (rc == PL_OK)
				rc = load_blocks(ld, c, IN_TEAROFF, &t->tearoff, &t->ntearoff);
			have_tearoff = true;
		} else if (is_element(c, "coupon")) {
			if (have_coupon)
				rc = fail(ld, c, "more than one <coupon>");
			if (rc == PL_OK)
				rc = check_attrs(ld, c, tearoff_attrs);
			if (rc == PL_OK)
				rc = parse_length(ld, c, "gap", 24, false, &t->coupon_gap);
			if (rc == PL_OK)
				rc = load_blocks(ld, c, IN_COUPON, &t->coupon, &t->ncoupon);
			if (rc == PL_OK && ld->nscanlines != 1)
				rc = fail(ld, c, "a <coupon> needs exactly one <scanline/>");
			have_coupon = true;
		} else if (is_element(c, "reverse")) {
			static const char *const no_attrs[] = { NULL };

			if (have_reverse)
				rc = fail(ld, c, "more than one <reverse>");
			if (rc == PL_OK)
				rc = check_attrs(ld, c, no_attrs);
			if (rc == PL_OK)
				rc = load_blocks(ld, c, IN_REVERSE, &t->reverse, &t->nreverse);
			have_reverse = true;
		} else if (c->type == XML_ELEMENT_NODE) {
			rc = fail(ld, c, "unknown element <%s> in <template>",
				  (const char *)c->name);
		}
	}
	if (rc == PL_OK && !have_flow)
		rc = fail(ld, root, "template '%s' has no <flow>", t->id);
	if (rc == PL_OK && have_tearoff && have_coupon)
		rc = fail(ld, root, "a letter has a <tearoff> or a <coupon>, not both");
	if (rc == PL_OK)
		rc = check_date_labels(ld, root);
	if (rc == PL_OK)
		rc = check_when(ld, root, t->coupon, t->ncoupon);
	if (rc == PL_OK)
		rc = check_when(ld, root, t->flow, t->nflow);
	if (rc == PL_OK)
		rc = check_when(ld, root, t->tearoff, t->ntearoff);
	if (rc == PL_OK)
		rc = check_when(ld, root, t->reverse, t->nreverse);
	for (size_t i = 0; rc == PL_OK && i < t->nreverse; i++)
		if (t->reverse[i].first_page)
			rc = pl_diag_set(ld->diag, PL_TEMPLATE, ld->path, t->reverse[i].line,
					 "page=\"first\" cannot be used inside <reverse>");
	for (size_t i = 0; rc == PL_OK && i < t->ntearoff; i++)
		if (t->tearoff[i].first_page)
			rc = pl_diag_set(ld->diag, PL_TEMPLATE, ld->path, t->tearoff[i].line,
					 "page=\"first\" cannot be used inside <tearoff>");
	/* A duplex letter is padded to an even page count with this page. */
	if (rc == PL_OK && have_reverse && !template_label(t, TS_LABEL_BLANK_PAGE))
		rc = fail(ld, root, "a template with <reverse> needs <label key=\"%s\">",
			  TS_LABEL_BLANK_PAGE);
	return rc;
}

/* ---- the schema ---- */

int template_schema_load(const char *path, xmlRelaxNG **out, struct pl_diag *diag)
{
	struct xmlsafe_error err;
	int rc = xmlsafe_schema_load(path, PL_MAX_TEMPLATE_BYTES, out, &err, diag);

	if (rc == PL_PARSE && !*out)
		return pl_diag_set(diag, PL_TEMPLATE, path, err.line,
				   "broken template schema: %s", err.message);
	if (rc != PL_OK && diag)
		/* A missing or broken schema is a broken templates folder. */
		diag->status = PL_TEMPLATE;
	return rc == PL_OK ? PL_OK : PL_TEMPLATE;
}

static int validate(const char *path, xmlRelaxNG *schema, xmlDoc *doc,
		    struct pl_diag *diag)
{
	struct xmlsafe_error err;

	if (xmlsafe_schema_check(schema, doc, &err))
		return PL_OK;
	return pl_diag_set(diag, PL_TEMPLATE, path, err.line,
			   "template does not match templates/template.rng: %s",
			   err.message);
}

int template_load(const char *path, struct arena *arena, xmlRelaxNG *schema,
		  struct template **out, struct pl_diag *diag)
{
	struct loader ld = { .path = path, .arena = arena, .diag = diag };
	xmlDoc *doc = NULL;
	int rc;

	*out = NULL;
	rc = xmlsafe_read(path, PL_MAX_TEMPLATE_BYTES, &doc, diag);
	if (rc != PL_OK) {
		/* A template that is not XML is a broken template. */
		if (PL_CLASS(rc) == PL_PARSE) {
			rc = PL_TEMPLATE;
			if (diag)
				diag->status = rc;
		}
		return rc;
	}

	ld.t = arena_alloc(arena, sizeof(*ld.t));
	ld.t->path = arena_strdup(arena, path);
	rc = load_root(&ld, xmlDocGetRootElement(doc));
	if (rc == PL_OK && schema)
		rc = validate(path, schema, doc, diag);
	xmlFreeDoc(doc);
	if (rc == PL_OK)
		*out = ld.t;
	return rc;
}
