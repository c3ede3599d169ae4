/*
 * verify.h: the auditor's check of a bundle, OUT/<batch-id>.
 *
 * verify_bundle() reads only what the bundle holds and recomputes it,
 * against the contract of docs/print-bundle.md: the SHA-256 of every file
 * listed in print/SHA256SUMS (and that every file of the bundle but the
 * list, the zip and the zip's digest is listed), print/bundle.zip.sha256,
 * the hash chain of audit/manifest.xml record by record against the final
 * hash in the control file, every print/manifest.csv row against the
 * audit record of its piece, its group (sheets, envelope, max-sheets) and
 * its PDF, the print PDFs (names and parts, pieces-per-file, pages, byte
 * ranges and the SHA-256 of each piece's range, presort order),
 * print/manifest.xml against the CSV, the control file's groups, files
 * and totals against the manifests, and the zip's entries against the
 * files. Each difference is reported on out as one line, "problem:
 * <what> (at <file>[:<record or line>])", so a changed byte anywhere
 * names its place; a changed byte inside a PDF names its piece too.
 *
 * Ownership: functions borrow their arguments.
 */
#ifndef PL_VERIFY_H
#define PL_VERIFY_H

#include "../pl.h"
#include "../core/diag.h"

struct verify_report {
	unsigned long files_checked;
	unsigned long records_checked;   /* audit records in the chain */
	unsigned long problems;
};

/*
 * PL_OK: the bundle is intact. PL_MANIFEST: report->problems > 0, each
 * printed on out. Another status: dir cannot be read as a bundle at all
 * (diag says why).
 */
PL_WARN_UNUSED int verify_bundle(const char *dir, FILE *out,
				 struct verify_report *report,
				 struct pl_diag *diag);

#endif
