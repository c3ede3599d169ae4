/*
 * typeset.h: fill a letter template and draw it into the batch's PDF.
 *
 * One typesetter serves a whole run: it loads the fonts named in
 * fonts/fonts.list through a private fontconfig configuration (so letters
 * never depend on the machine's fonts, and each font file's SHA-256 is
 * checked), loads every template of the templates directory once, and
 * keeps one pango context for all letters. A run's letters are typeset
 * in slices (typeset_slice_begin()): each slice's letters go into PDFs of
 * its own, one per print group (docs/print-bundle.md): window-N for N
 * sheets up to the profile's max-sheets, flat beyond, all with pinned
 * metadata dates: the same input, in the same order, gives the same
 * bytes. Input text is text:
 * every field is escaped before it meets pango markup.
 *
 * A preview typesetter (opts.png_path) draws into one PNG instead, the
 * pages one under the other.
 *
 * Order of calls:
 *   typeset_open(&ts, &opts, &diag)
 *   typeset_slice_begin(ts, slice, letters_before)      a run (opts.pdf_dir)
 *   typeset_letter(ts, acct, verdict, arena, &ref, &diag)   per letter
 *   typeset_slice_end(ts, &diag)                        a run
 *   typeset_finish(ts, &diag)     finishes the PDF, checks cairo's status
 *   typeset_free(ts)              always, also after errors
 *
 * Ownership: functions borrow their arguments; opts and everything it
 * points to must outlive the typesetter. Strings in a letter_ref are
 * borrowed from the typesetter or the arena.
 */
#ifndef PL_TYPESET_H
#define PL_TYPESET_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/diag.h"
#include "../core/profile.h"

struct typesetter;

/*
 * typeset_letter()'s status when templates/ has no template for the
 * verdict's letter and language: not fatal for the run. The account is
 * deferred (reason TEMPLATE_MISSING:<letter>) and the batch goes on.
 */
#define TYPESET_NO_TEMPLATE PL_DETAIL(PL_TEMPLATE, 1)

/*
 * typeset_letter()'s status when the consumer's name and address do not
 * fit the recipient window with its 1/8 in clearance (a line wider than
 * the window, or more lines and barcode than its height): not fatal for
 * the run. Nothing was drawn; typeset_overflow_field() names the field
 * ("name", "address_line1", ...) and the run rejects the record
 * (ADDRESS_TOO_LONG). Every other text too long for its box wraps.
 */
#define TYPESET_DOES_NOT_FIT PL_DETAIL(PL_RENDER, 1)

struct typeset_opts {
	const char *templates_dir;   /* templates/ */
	const char *fonts_dir;       /* fonts/ (fonts.list, fonts.conf) */
	const char *font_files_dir;  /* where the font files were copied */
	const char *pdf_dir;         /* a run: the group PDFs go here (print/) */
	const char *pdf_path;        /* a preview: this one PDF instead */
	const struct agency *agency;
	int run_date;                /* the PDF's pinned creation date */
	const char *dump_dir;        /* non-NULL: write a layout dump per letter */
	/*
	 * IMb serial of the first letter; each letter typeset takes the next
	 * (ledger_imb_serial_base(), so serials never repeat across batches).
	 */
	unsigned long imb_serial_base;
	/*
	 * Preview (fairnotice preview). schema_path: templates/template.rng
	 * (NULL: <templates_dir>/template.rng). template_file: non-NULL, load
	 * this one file instead of templates_dir. png_path: non-NULL, write
	 * the pages one under the other at 100 dpi to this PNG instead of a
	 * PDF (pdf_path is then unused). dump_file: non-NULL, the layout dump
	 * of every letter goes to this file (instead of dump_dir).
	 * lenient_slots: a required slot no rule filled prints "[slot]"
	 * instead of stopping (a letter decide would not send).
	 */
	const char *schema_path;
	const char *template_file;
	const char *png_path;
	const char *dump_file;
	bool lenient_slots;
};

PL_WARN_UNUSED int typeset_open(struct typesetter **out,
				const struct typeset_opts *opts,
				struct pl_diag *diag);

/*
 * Typeset the letter verdict->letter_code in verdict->language for
 * account. There is no fallback to another language (the verdict's
 * disclosures are in verdict->language): a missing template returns
 * TYPESET_NO_TEMPLATE, having drawn nothing.
 * piece_id (borrowed) is printed on every page. Fills *ref: its group,
 * envelope, PDF file and first page there, the byte range of the file its
 * pages took and the SHA-256 of those bytes (a preview PDF: first page
 * in the file, group, envelope and pdf ""); a letter
 * whose template <reverse> is filled (state notices on the back of page
 * 1) is duplex, with an even page_count (the last back may be a page that
 * says it is intentionally blank) and sheet_count = page_count / 2; any
 * other letter is simplex, sheet_count = page_count; with the profile's
 * <duplex>yes</duplex> every letter is duplex. ref->imb_serial is
 * opts.imb_serial_base plus the letters typeset before (a letter that
 * failed takes no serial); ref->imb its IMb payload ("" without <imb> in
 * the profile). An address too big for the recipient window is
 * TYPESET_DOES_NOT_FIT (the record is rejected, the run goes on). Every
 * other template error, and a text that cannot fit (a reverse side longer
 * than a page), is fatal for the run (diag says which template, which
 * account).
 */
PL_WARN_UNUSED int typeset_letter(struct typesetter *ts,
				  const struct account *account,
				  const struct verdict *verdict,
				  const char *piece_id,
				  struct arena *arena,
				  struct letter_ref *ref,
				  struct pl_diag *diag);

/*
 * What typeset_letter() would say of the letter before drawing anything,
 * checked alone and cheaply: TYPESET_NO_TEMPLATE, TYPESET_DOES_NOT_FIT
 * (the recipient window, typeset_overflow_field() names the field) or
 * PL_OK. letters_before: the letters of the run before this one (its IMb
 * serial is opts.imb_serial_base + letters_before). Draws nothing, changes
 * no PDF; the run checks every letter so before giving it a piece id.
 */
PL_WARN_UNUSED int typeset_check(struct typesetter *ts, const struct account *account,
				 const struct verdict *verdict, const char *piece_id,
				 unsigned long letters_before, struct arena *arena,
				 struct pl_diag *diag);

/*
 * A slice of a run (slices/slices.h): the letters typeset until
 * typeset_slice_end() go into PDFs of their own, one per group, named
 * ".slice-NNNNNN-<group>.pdf" in opts.pdf_dir and titled by their group
 * and first piece (a slice holds at most pieces-per-file letters); a run's
 * typeset_letter() outside a slice is a bug. The first letter's IMb serial is
 * opts.imb_serial_base + letters_before. typeset_slice_end() finishes and
 * commits them. What a slice's PDFs hold depends on its letters alone,
 * not on what the typesetter drew before.
 */
void typeset_slice_begin(struct typesetter *ts, unsigned slice,
			 unsigned long letters_before);
PL_WARN_UNUSED int typeset_slice_end(struct typesetter *ts, struct pl_diag *diag);

/*
 * After TYPESET_DOES_NOT_FIT: the account field that did not fit ("name",
 * "address_line1", "address_line2", "city"). Borrowed, static.
 */
const char *typeset_overflow_field(const struct typesetter *ts);

/*
 * The template typeset_letter() would use, as "letter" and "language"
 * (borrowed from the typesetter); false when there is none. With
 * template_file, the one loaded.
 */
bool typeset_template_of(const struct typesetter *ts, size_t i,
			 const char **letter, const char **language);

/*
 * How many texts were shaped and how many times a text shaped before was
 * reused (the shaping cache; for the run's log).
 */
void typeset_shaping_counts(const struct typesetter *ts, unsigned long *shaped,
			    unsigned long *reused);

/*
 * Finish every open PDF (or the preview) and commit the files. PL_RENDER
 * if cairo reports any error. A run with no letter writes no PDF.
 */
PL_WARN_UNUSED int typeset_finish(struct typesetter *ts, struct pl_diag *diag);

void typeset_free(struct typesetter *ts);

#endif
