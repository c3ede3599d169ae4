/*
 * slices.h: a run's letters in slices, the unit of parallel typesetting.
 *
 * The main process of a run decides the accounts in presort order (it
 * alone owns the ledger) and cuts the letters into slices of K letters,
 * K the profile's pieces-per-file (every letter in one slice when that is
 * 0). K does not depend on how many workers there are, and neither does
 * anything a slice produces, so the bundle is the same bytes for any
 * --jobs (docs/print-bundle.md "Groups and files").
 *
 * A slice is a file in the staging directory holding every account of its
 * stretch of the sorted batch: its letters and the suppressed, deferred
 * and rejected accounts between them, each with what the ledger said of
 * it (the history decide read) and its mark: a letter and its number in
 * the batch (which gives its piece id and IMb serial), or why it is not
 * one. decide is a function of the rules, the run date, the account and
 * its history alone, so a worker decides a slice's letters again exactly
 * as the main process did, typesets them into the slice's own PDFs and
 * writes one result per letter (where its pages went, their digest, its
 * sheets); the main process then reads the slice a second time, with the
 * results, to record every account in the bundle in order.
 *
 * Files, in the directory given (the run's staging directory):
 *   .slice-NNNNNN        the entries
 *   .slice-NNNNNN.done   the results of its letters, in letter order
 * Each record is framed by its length and the file ends with an end
 * record, so a file cut short is an error, never a shorter slice. They
 * are not synced: a killed run starts again from nothing (run.h).
 *
 * Order of calls:
 *   slice_writer_open(&w, dir, n, &diag); slice_put(w, &entry, &diag)...;
 *   slice_writer_close(w, &diag)
 *   slice_reader_open(&r, dir, n, &diag); slice_next(r, arena, &entry, &diag)
 *   until PL_DONE; slice_reader_free(r)
 *   results: the same with slice_results_open/put/close and
 *   slice_results_read_open/next
 *   slice_remove(dir, n) once the slice is recorded
 *
 * Ownership: writers copy what they are given; readers fill entries and
 * results with strings from the caller's arena.
 */
#ifndef PL_SLICES_H
#define PL_SLICES_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/diag.h"

/* What the main process made of an account. */
enum slice_mark {
	SLICE_NOT_LETTER = 0,   /* suppressed, deferred or rejected by decide */
	SLICE_LETTER,           /* a letter: letter_no says which */
	SLICE_NO_TEMPLATE,      /* a letter with no template: deferred */
	SLICE_DOES_NOT_FIT,     /* a letter whose address does not fit: rejected */
};

struct slice_entry {
	unsigned file_index;             /* the run's account file */
	enum slice_mark mark;
	unsigned long letter_no;         /* SLICE_LETTER: 1-based in the batch */
	struct account account;          /* file is NULL when read back */
	struct account_history history;  /* what decide was given */
};

/* A slice's file name in dir ("<dir>/.slice-000003"); caller frees. */
char *slice_path(const char *dir, unsigned slice);

/* ---- entries ---- */

struct slice_writer;

PL_WARN_UNUSED int slice_writer_open(struct slice_writer **out, const char *dir,
				     unsigned slice, struct pl_diag *diag);
PL_WARN_UNUSED int slice_put(struct slice_writer *w, const struct slice_entry *e,
			     struct pl_diag *diag);
/* Write the end record and close; frees w whatever the status. */
PL_WARN_UNUSED int slice_writer_close(struct slice_writer *w, struct pl_diag *diag);
/* After an error: close and remove the file. NULL is fine. */
void slice_writer_discard(struct slice_writer *w);

struct slice_reader;

PL_WARN_UNUSED int slice_reader_open(struct slice_reader **out, const char *dir,
				     unsigned slice, struct pl_diag *diag);
/* PL_OK with the next entry, PL_DONE after the last, or an I/O error. */
PL_WARN_UNUSED int slice_next(struct slice_reader *r, struct arena *arena,
			      struct slice_entry *e, struct pl_diag *diag);
void slice_reader_free(struct slice_reader *r);

/* ---- results: one letter_ref per letter of the slice ---- */

struct slice_results;

PL_WARN_UNUSED int slice_results_open(struct slice_results **out, const char *dir,
				      unsigned slice, struct pl_diag *diag);
/* ref->piece_id is not written: the reader's caller knows it. */
PL_WARN_UNUSED int slice_results_put(struct slice_results *w,
				     const struct letter_ref *ref,
				     struct pl_diag *diag);
PL_WARN_UNUSED int slice_results_close(struct slice_results *w, struct pl_diag *diag);
void slice_results_discard(struct slice_results *w);

PL_WARN_UNUSED int slice_results_read_open(struct slice_results **out,
					   const char *dir, unsigned slice,
					   struct pl_diag *diag);
/* PL_OK with the next result (piece_id NULL), PL_DONE after the last. */
PL_WARN_UNUSED int slice_results_next(struct slice_results *r, struct arena *arena,
				      struct letter_ref *ref, struct pl_diag *diag);
void slice_results_free(struct slice_results *r);

/* Remove both files of a slice (missing files are fine). */
void slice_remove(const char *dir, unsigned slice);

#endif
