/*
 * typeset-int.h: what the files of the typeset stage share, and nothing
 * more (typeset.h is the contract).
 *
 *   fonts.c     private fontconfig over the pinned font files, the pango
 *               context every letter is measured with
 *   template.c  templates/<name>.xml -> struct template (checked at load,
 *               by the code and by templates/template.rng)
 *   layout.c    one letter: fill in the fields and slots, measure with
 *               pango, paginate, place, write the dump, draw with cairo
 *   typeset.c   the run: open, the PDF surface, one call per letter, finish
 *
 * Ownership: a struct template and everything in it lives in the
 * typesetter's template arena until typeset_free(). Everything one letter
 * needs comes from the caller's per-account arena, except the PangoLayout
 * objects, which are reused from the typesetter's pool (struct layout_pool).
 */
#ifndef PL_TYPESET_INT_H
#define PL_TYPESET_INT_H

#include "typeset.h"
#include "../core/atomfile.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <libxml/relaxng.h>
#include <pango/pangocairo.h>

/* US Letter in PDF points (1/72 in): the only page size we print. */
#define TS_PAGE_WIDTH  612.0
#define TS_PAGE_HEIGHT 792.0

/* Label of the page that pads a duplex letter to an even page count. */
#define TS_LABEL_BLANK_PAGE "blank-page"
/*
 * Dates in the letter's language: labels "month.1" .. "month.12" and the
 * pattern "date.pattern" with {day}, {month} and {year} ("{month} {day},
 * {year}"; "{day} de {month} de {year}"). A template without them is
 * English (core/date.c's long form); any other language needs them.
 */
#define TS_LABEL_MONTH "month."
#define TS_LABEL_DATE_PATTERN "date.pattern"

/* The scanline's font (templates/README.md, <coupon>). */
#define TS_SCANLINE_FAMILY "Liberation Mono"

/* The template language version this code reads (the xmlns suffix). */
#define TS_TEMPLATE_NS "urn:fairnotice:template:1"

/* ---- fonts.c ---- */

struct ts_fonts {
	FcConfig *config;          /* owned: sees only the pinned files */
	PangoFontMap *fontmap;     /* owned */
	PangoContext *context;     /* owned: the one context of the run */
};

/*
 * Check every file of <fonts_dir>/fonts.list in font_files_dir against its
 * pinned SHA-256 (PL_RENDER naming the file on a mismatch or a missing
 * file), then build the private fontconfig configuration and the pango
 * context: 72 dpi (1 pango point = 1 PDF point), hint metrics off, no
 * hinting, unrounded glyph positions. On failure *f is left empty.
 */
PL_WARN_UNUSED int ts_fonts_load(struct ts_fonts *f, const char *fonts_dir,
				 const char *font_files_dir, struct pl_diag *diag);
void ts_fonts_release(struct ts_fonts *f);

/* ---- template.c ---- */

enum tpl_piece_kind {
	PIECE_MARKUP,   /* literal pango markup: escaped text or a <b>/<i> tag */
	PIECE_FIELD,    /* {name}: a field value, escaped when expanded */
	PIECE_SLOT,     /* <slot name=.../>: the verdict's disclosure texts */
};

struct tpl_piece {
	enum tpl_piece_kind kind;
	const char *str;     /* markup, field name or slot name */
	bool required;       /* slots: a letter without it is refused */
};

/* Mixed content of one paragraph or one line, in document order. */
struct tpl_text {
	struct tpl_piece *pieces;
	size_t npieces;
};

enum tpl_align { ALIGN_LEFT = 0, ALIGN_CENTER, ALIGN_RIGHT };

/*
 * A run of text with one width: either mixed content (one tpl_text) or a
 * list of <line> children, each on its own line, empty ones dropped (an
 * absent address_line2 leaves no gap).
 */
struct tpl_cell {
	double width;             /* pt; 0: what the other cells leave */
	enum tpl_align align;
	bool line_list;           /* true: lines are <line> children */
	struct tpl_text *lines;
	size_t nlines;
};

enum tpl_block_kind {
	BLOCK_PARA = 0,     /* <h>, <p>, <check>; <line> in a coupon */
	BLOCK_ROW,          /* <row> of <cell>s */
	BLOCK_GAP,          /* <gap height> */
	BLOCK_KEEP,         /* <keep>: children stay on one page */
	BLOCK_PAGE_BREAK,   /* <page-break/>: the next block on a new front page */
	BLOCK_PLAN,         /* <plan-schedule/>: one row per installment */
	BLOCK_SCANLINE,     /* <scanline/> of a coupon */
};
enum tpl_marker { MARKER_NONE = 0, MARKER_BULLET, MARKER_BOX };

/* One block of the flow or of the tear-off. */
struct tpl_block {
	enum tpl_block_kind kind;
	enum tpl_marker marker;
	bool heading;             /* bold, heading size, kept with the next block */
	double indent;            /* pt from the left edge of the flow */
	double space_before;      /* pt */
	double size;              /* font size, pt */
	const char *when;         /* NULL, or a slot: print only if it is filled */
	const char *if_field;     /* NULL, or a field: print only if it is set */
	const char *unless_field; /* NULL, or a field: print only if it is not */
	bool first_page;          /* page="first": page 1's foot (layout.c) */
	struct tpl_cell *cells;   /* BLOCK_PARA: exactly one */
	size_t ncells;
	struct tpl_block *children;   /* BLOCK_KEEP */
	size_t nchildren;
	/* BLOCK_PLAN: column headings and the total row's label ("" = none) */
	const char *plan_number, *plan_date, *plan_amount, *plan_total;
	unsigned line;            /* in the template file, for messages */
};

/*
 * What kind of envelope window a region is. RETURN and RECIPIENT take
 * their rectangle from the agency profile's <print><windows>; FIXED is the
 * older window="yes", the rectangle written in the template.
 */
enum tpl_window { WINDOW_NONE = 0, WINDOW_FIXED, WINDOW_RETURN, WINDOW_RECIPIENT };

/* An absolutely placed box of lines (sender, recipient, footer, ...). */
struct tpl_region {
	const char *name;
	double x, y, width, height;   /* pt; height 0: unbounded */
	double padding;               /* clearance inside a window, pt */
	double size;
	bool bold;
	enum tpl_align align;
	bool window;                  /* an envelope window: nothing else there */
	enum tpl_window window_kind;  /* which (WINDOW_NONE when !window) */
	bool every_page;              /* false: first page only */
	struct tpl_cell body;
	bool imb;                     /* <imb/> after the lines (recipient) */
	double qr_size;               /* <qr size/> after the lines; 0: none */
	unsigned line;
};

struct tpl_label {
	const char *key;
	const char *text;             /* plain text, not markup */
};

struct template {
	const char *path;             /* for messages */
	const char *id, *version, *language, *letter;
	const char *family;           /* font family of every text */
	double body_size, heading_size;
	struct tpl_label *labels;
	size_t nlabels;
	struct tpl_region *regions;
	size_t nregions;
	/* the body flow */
	double flow_x, flow_width, flow_top, flow_top_next, flow_bottom;
	struct tpl_block *flow;
	size_t nflow;
	/* the tear-off (consumer response form) */
	struct tpl_block *tearoff;
	size_t ntearoff;
	double tearoff_gap;           /* room for the cut line above it */
	/* the remittance coupon: blocks, then the scanline (a tear-off or a coupon) */
	struct tpl_block *coupon;
	size_t ncoupon;
	double coupon_gap;
	/*
	 * The back of page 1 (<reverse>): when one of its slots is filled the
	 * letter is printed duplex (layout.c, "duplex").
	 */
	struct tpl_block *reverse;
	size_t nreverse;
	/* slot names the template has, for checking a verdict */
	const char **slots;
	size_t nslots;
};

/*
 * Load and check one template file into *out (allocated from arena).
 * Unknown elements, attributes or {placeholders}, bad lengths and
 * unbalanced markup are PL_TEMPLATE errors naming file and line. schema
 * (borrowed; NULL: none) is templates/template.rng compiled by
 * template_schema_load(): the file must also match it.
 */
PL_WARN_UNUSED int template_load(const char *path, struct arena *arena,
				 xmlRelaxNG *schema, struct template **out,
				 struct pl_diag *diag);

/* Compile the RELAX NG schema of templates; *out owned (xmlRelaxNGFree). */
PL_WARN_UNUSED int template_schema_load(const char *path, xmlRelaxNG **out,
					struct pl_diag *diag);

/* Label text for key, or NULL. Borrowed. */
const char *template_label(const struct template *t, const char *key);

/* Is name one of the placeholders templates and disclosures may use? */
bool template_known_field(const char *name);
/* How many names template_known_field() knows (layout.c fills them all). */
size_t template_field_count(void);
/* Placeholders only regions may use (they depend on the page). */
bool template_page_field(const char *name);

/* ---- layout.c ---- */

/*
 * Texts shaped once per run: a text laid out before (same markup, font,
 * size, weight, alignment and width) reuses that layout instead of being
 * shaped again (layout.c, "the shaping cache"). Most of a letter is the
 * same for every consumer of a night (the disclosures, the collector's
 * name, the validation end date), so most paragraphs are shaped once.
 * At most SHAPE_CACHE_MAX texts; when full, it is emptied at the start of
 * the next letter (never during one: the letter's layouts stay valid).
 */
#define SHAPE_CACHE_MAX 1024
struct shape_cache;

/*
 * The glyphs of one page, gathered per font so that each font's glyphs
 * are drawn by one cairo_show_glyphs call (layout.c, "drawing text"):
 * cairo's PDF surface records, analyses and writes every call on its own,
 * and a letter has a few hundred lines of one or two runs each.
 */
struct glyph_run {
	cairo_scaled_font_t *font;   /* borrowed from pango's font */
	cairo_glyph_t *glyphs;       /* owned */
	size_t n, alloc;
};
struct glyph_batch {
	struct glyph_run *runs;      /* owned; in order of first use on the page */
	size_t nruns, alloc;
};

/* PangoLayout objects reused from letter to letter. */
struct layout_pool {
	PangoLayout **items;   /* owned (g_object_unref) */
	size_t nitems, alloc;
	size_t used;           /* handed out for the current letter */
	struct shape_cache *shapes;   /* owned; NULL until the first text */
	unsigned long shape_hits, shape_misses;   /* for the run's log */
	struct glyph_batch glyphs;    /* reused from page to page */
};

void layout_pool_release(struct layout_pool *pool);

/* Everything layout.c needs from the run. All borrowed. */
struct letter_job {
	const struct template *tpl;
	const struct agency *agency;
	const struct account *account;
	const struct verdict *verdict;
	const char *piece_id;
	PangoContext *context;
	struct layout_pool *pool;
	cairo_t *cr;               /* where to draw, unless pick_target is set */
	/*
	 * Called once the letter is laid out (ref's page_count and
	 * sheet_count set) and before anything is drawn: sets *cr to the
	 * context to draw into (typeset.c: the PDF of the letter's group).
	 * A status other than PL_OK ends the letter, nothing drawn.
	 */
	int (*pick_target)(void *ctx, const struct letter_ref *ref, cairo_t **cr,
			   struct pl_diag *diag);
	void *pick_ctx;
	const char *dump_path;     /* NULL: no dump */
	struct arena *arena;
	unsigned long imb_serial;  /* this letter's serial (typeset.c counts) */
	/*
	 * Preview (PNG): pages are drawn one under the other, page n at
	 * y = (first_page + n - 2) * TS_PAGE_HEIGHT, with no cairo_show_page.
	 */
	bool stacked;
	unsigned first_page;
	/* Preview of a letter decide would not send: a required slot no rule
	 * filled prints "[slot-name]" instead of stopping. */
	bool lenient_slots;
	const char **overflow_field;  /* OUT: the field of a DOES_NOT_FIT */
};

/*
 * Lay out and draw one letter: fields and slots, measurement, pagination,
 * window checks, then (only when all of that succeeded) the dump, the
 * target (job->pick_target) and the pages themselves, cairo_show_page
 * after each. Sets page_count,
 * sheet_count, content_sha256, imb and imb_serial of *ref. Nothing is
 * drawn when an error is found before drawing starts. A recipient block
 * too big for its window is TYPESET_DOES_NOT_FIT with
 * *job->overflow_field set.
 */
PL_WARN_UNUSED int layout_letter(const struct letter_job *job,
				 struct letter_ref *ref, struct pl_diag *diag);

/*
 * The recipient check of layout_letter() alone: fill the fields and the
 * IMb and place the window regions of page 1, drawing nothing. The same
 * TYPESET_DOES_NOT_FIT (and overflow field) as layout_letter() would give
 * for the same job; PL_OK when the windows' text fits.
 */
PL_WARN_UNUSED int layout_check_windows(const struct letter_job *job,
					struct pl_diag *diag);

#endif
