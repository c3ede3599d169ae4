/*
 * xsltguard.h: libxslt security preferences for every stylesheet the
 * program runs (an agency's input mapping, the auditor's HTML view).
 *
 * A stylesheet is a program written elsewhere. The preferences made here
 * refuse writing any file, creating any directory, and reading or writing
 * over the network; reading a file is allowed only as the guard says (one
 * named file, or the files directly inside one directory). A refusal
 * stops the transform and is kept in the guard, so the caller's message
 * can say what the stylesheet tried.
 *
 * Use:
 *   prefs = xslt_guard_prefs();                  once; xsltFreeSecurityPrefs()
 *   struct xslt_guard g = { .read_file = path }  per transform
 *   xslt_guard_attach(prefs, ctxt, &g)           before xsltApplyStylesheetUser()
 *   g.refused ? ... : ...                        after it
 *
 * Ownership: the guard is the caller's and must outlive the transform.
 */
#ifndef PL_XSLTGUARD_H
#define PL_XSLTGUARD_H

#include "../pl.h"

#include <libxslt/security.h>

struct xslt_guard {
	const char *read_file;   /* the one file the stylesheet may read, or NULL */
	const char *read_dir;    /* or: files directly in this directory, or NULL */
	const char *refused;     /* after a refusal: "write the file", ... */
	char target[256];        /* and what it named */
};

/* New preferences with the checks above; NULL when out of memory. */
xsltSecurityPrefs *xslt_guard_prefs(void);

/* Give ctxt the preferences and the guard (cleared); 0, or -1 on failure. */
int xslt_guard_attach(xsltSecurityPrefs *prefs, xsltTransformContext *ctxt,
		      struct xslt_guard *guard);

#endif
