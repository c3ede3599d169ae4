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
 */
#include "../pl.h"
#include "typeset-int.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"

#include <glib.h>
#include <libxml/tree.h>

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
};

static const char *const page_fields[] = { "page", "pages" };

bool template_known_field(const char *name)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(known_fields); i++)
		if (!strcmp(name, known_fields[i]))
			return true;
	return false;
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

/* Loader state for one file. */
struct loader {
	const char *path;
	struct arena *arena;
	struct template *t;
	struct pl_diag *diag;
	bool in_region;    /* {page} and {pages} allowed */
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
			if (rc == PL_OK)
				rc = load_text(ld, n, &cell->lines[cell->nlines++]);
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

/* ---- blocks: <h>, <p>, <check>, <row>, <gap> ---- */

static int load_block(struct loader *ld, xmlNode *n, struct tpl_block *b)
{
	static const char *const para_attrs[] = {
		"indent", "space-before", "size", "align", "bullet", "when", "page",
		NULL };
	static const char *const row_attrs[] = {
		"indent", "space-before", "size", "when", "page", NULL };
	static const char *const cell_attrs[] = { "width", "align", NULL };
	static const char *const gap_attrs[] = { "height", NULL };
	const struct template *t = ld->t;
	int rc = PL_OK;

	b->line = line_of(n);
	if (is_element(n, "gap")) {
		b->kind = BLOCK_GAP;
		rc = check_attrs(ld, n, gap_attrs);
		if (rc == PL_OK)
			rc = parse_length(ld, n, "height", 0, true, &b->space_before);
		return rc;
	}
	if (is_element(n, "row")) {
		size_t ncells = 0;

		b->kind = BLOCK_ROW;
		rc = check_attrs(ld, n, row_attrs);
		for (xmlNode *c = n->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				ncells++;
		if (rc == PL_OK && (ncells == 0 || ncells > 8))
			rc = fail(ld, n, "<row> needs 1 to 8 <cell> elements");
		if (rc == PL_OK)
			b->cells = arena_alloc(ld->arena, ncells * sizeof(*b->cells));
		for (xmlNode *c = n->children; c && rc == PL_OK; c = c->next) {
			struct tpl_cell *cell;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (!is_element(c, "cell")) {
				rc = fail(ld, c, "<row> holds <cell> elements only, not <%s>",
					  (const char *)c->name);
				break;
			}
			cell = &b->cells[b->ncells++];
			rc = check_attrs(ld, c, cell_attrs);
			if (rc == PL_OK)
				rc = parse_length(ld, c, "width", 0, false, &cell->width);
			if (rc == PL_OK)
				rc = parse_align(ld, c, &cell->align);
			if (rc == PL_OK)
				rc = load_cell_body(ld, c, cell);
		}
	} else if (is_element(n, "p") || is_element(n, "h") || is_element(n, "check")) {
		bool bullet = false;

		b->kind = BLOCK_PARA;
		b->heading = is_element(n, "h");
		b->marker = is_element(n, "check") ? MARKER_BOX : MARKER_NONE;
		rc = check_attrs(ld, n, para_attrs);
		if (rc == PL_OK)
			rc = parse_bool(ld, n, "bullet", &bullet);
		if (rc == PL_OK && bullet)
			b->marker = MARKER_BULLET;
		b->ncells = 1;
		b->cells = arena_alloc(ld->arena, sizeof(*b->cells));
		if (rc == PL_OK)
			rc = parse_align(ld, n, &b->cells[0].align);
		if (rc == PL_OK)
			rc = load_cell_body(ld, n, &b->cells[0]);
	} else {
		return fail(ld, n, "unknown block <%s> (expected h, p, check, row or gap)",
			    (const char *)n->name);
	}
	b->when = attr(ld, n, "when");
	if (rc == PL_OK) {
		const char *page = attr(ld, n, "page");

		if (page && strcmp(page, "first") && strcmp(page, "any"))
			rc = fail(ld, n, "page '%s' is not first or any", page);
		b->first_page = page && !strcmp(page, "first");
	}
	if (rc == PL_OK)
		rc = parse_length(ld, n, "indent", 0, false, &b->indent);
	if (rc == PL_OK)
		rc = parse_length(ld, n, "space-before",
				  b->heading ? 10 : b->kind == BLOCK_ROW ? 2 : 6,
				  false, &b->space_before);
	if (rc == PL_OK)
		rc = parse_size(ld, n, b->heading ? t->heading_size : t->body_size,
				&b->size);
	return rc;
}

static int load_blocks(struct loader *ld, xmlNode *parent,
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
			rc = load_block(ld, c, &(*out)[(*nout)++]);
		else if (c->type == XML_TEXT_NODE &&
			 strspn((const char *)c->content, " \t\r\n") !=
			 strlen((const char *)c->content))
			rc = fail(ld, parent, "text outside a block in <%s>",
				  (const char *)parent->name);
	}
	return rc;
}

/* ---- the top level ---- */

static int load_region(struct loader *ld, xmlNode *n, struct tpl_region *r)
{
	static const char *const region_attrs[] = {
		"name", "x", "y", "width", "height", "padding", "size", "bold",
		"window", "pages", "align", NULL };
	const char *pages;
	int rc = check_attrs(ld, n, region_attrs);

	r->line = line_of(n);
	r->name = attr(ld, n, "name");
	if (rc == PL_OK && (!r->name || !*r->name))
		rc = fail(ld, n, "<region> needs a name");
	if (rc == PL_OK) rc = parse_length(ld, n, "x", 0, true, &r->x);
	if (rc == PL_OK) rc = parse_length(ld, n, "y", 0, true, &r->y);
	if (rc == PL_OK) rc = parse_length(ld, n, "width", 0, true, &r->width);
	if (rc == PL_OK) rc = parse_length(ld, n, "height", 0, false, &r->height);
	if (rc == PL_OK) rc = parse_length(ld, n, "padding", 0, false, &r->padding);
	if (rc == PL_OK) rc = parse_size(ld, n, ld->t->body_size, &r->size);
	if (rc == PL_OK) rc = parse_bool(ld, n, "bold", &r->bold);
	if (rc == PL_OK) rc = parse_align(ld, n, &r->align);
	if (rc == PL_OK) rc = parse_bool(ld, n, "window", &r->window);
	pages = attr(ld, n, "pages");
	if (rc == PL_OK && pages && strcmp(pages, "first") && strcmp(pages, "all"))
		rc = fail(ld, n, "pages '%s' is not first or all", pages);
	r->every_page = pages && !strcmp(pages, "all");
	if (rc == PL_OK && r->window && r->height <= 0)
		rc = fail(ld, n, "window region '%s' needs a height", r->name);
	if (rc == PL_OK && r->window && r->every_page)
		rc = fail(ld, n, "window region '%s' can only be on the first page",
			  r->name);
	if (rc == PL_OK && (r->width <= 2 * r->padding ||
			    r->x + r->width > TS_PAGE_WIDTH ||
			    r->y + r->height > TS_PAGE_HEIGHT))
		rc = fail(ld, n, "region '%s' does not fit on the page", r->name);
	if (rc == PL_OK) {
		ld->in_region = true;
		r->body.width = r->width - 2 * r->padding;
		rc = load_cell_body(ld, n, &r->body);
		ld->in_region = false;
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
		rc = load_blocks(ld, n, &t->flow, &t->nflow);
	return rc;
}

/* when="slot" must name a slot the template has. */
static int check_when(struct loader *ld, xmlNode *root,
		      const struct tpl_block *blocks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;

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
				rc = load_blocks(ld, c, &t->tearoff, &t->ntearoff);
			have_tearoff = true;
		} else if (is_element(c, "reverse")) {
			static const char *const no_attrs[] = { NULL };

			if (have_reverse)
				rc = fail(ld, c, "more than one <reverse>");
			if (rc == PL_OK)
				rc = check_attrs(ld, c, no_attrs);
			if (rc == PL_OK)
				rc = load_blocks(ld, c, &t->reverse, &t->nreverse);
			have_reverse = true;
		} else if (c->type == XML_ELEMENT_NODE) {
			rc = fail(ld, c, "unknown element <%s> in <template>",
				  (const char *)c->name);
		}
	}
	if (rc == PL_OK && !have_flow)
		rc = fail(ld, root, "template '%s' has no <flow>", t->id);
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

int template_load(const char *path, struct arena *arena, struct template **out,
		  struct pl_diag *diag)
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
	xmlFreeDoc(doc);
	if (rc == PL_OK)
		*out = ld.t;
	return rc;
}
