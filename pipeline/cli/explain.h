/*
 * explain.h: `fairnotice explain` prints one account's decision in plain
 * words, for a compliance officer or an examiner: what the record said,
 * what was decided and why, which rules fired (with citations and where
 * they are written), the dates, the texts placed, the contact plan.
 */
#ifndef PL_CLI_EXPLAIN_H
#define PL_CLI_EXPLAIN_H

#include "../pl.h"
#include "../run.h"

/* A run_explain_fn: ctx is the FILE * to print on. */
void explain_print(const struct run_explained *what, void *ctx);

#endif
