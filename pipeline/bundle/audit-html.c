/*
 * audit-html.c: the auditor's HTML view of the audit manifest.
 *
 * audit_html_write() reads the committed audit/manifest.xml of a staging
 * directory, applies the stylesheet shipped in the repository
 * (templates/audit-view.xsl) with libxslt and writes audit/manifest.html
 * through an atomfile. The page is self-contained: the stylesheet draws
 * the charts as inline SVG and filters with a small inline script, so the
 * file opens from a CD or an e-mail years later with no network.
 *
 * A stylesheet is a program. EXSLT is registered (exsl:document exists),
 * and the transform context carries libxslt security preferences that
 * forbid writing any file, creating any directory, and reading or writing
 * over the network; reading a file is allowed for the manifest itself
 * only. A stylesheet that tries anything else stops the transform, no
 * file is written and the error says what was refused.
 *
 * Memory: libxslt holds the manifest and the result as trees, so this one
 * step grows with the batch (about a kilobyte of tree per account); the
 * output itself streams through the atomfile.
 */
#include "../pl.h"
#include "bundle-int.h"
#include "../core/xalloc.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/security.h>
#include <libxslt/xsltutils.h>
#include <libexslt/exslt.h>

#define AUDIT_XML_REL "audit/manifest.xml"
#define AUDIT_HTML_REL "audit/manifest.html"

/* What the security checks and the error handler share. */
struct html_guard {
	const char *input;        /* the one file the stylesheet may read */
	const char *refused;      /* what was refused ("write the file"), or NULL */
	char refused_target[256];
	char error[400];          /* first libxml2/libxslt message, one line */
};

static void guard_error(void *ctx, const char *fmt, ...)
{
	struct html_guard *g = ctx;
	size_t len = strlen(g->error);
	char *nl;
	va_list ap;

	/* Messages come in pieces; keep the first line of the first one. */
	if (strchr(g->error, '\n') || len + 1 >= sizeof(g->error))
		return;
	va_start(ap, fmt);
	vsnprintf(g->error + len, sizeof(g->error) - len, fmt, ap);
	va_end(ap);
	if ((nl = strchr(g->error, '\n')) && nl[1])
		nl[1] = '\0';
}

static int guard_refuse(struct html_guard *g, const char *what, const char *value)
{
	if (g && !g->refused) {
		g->refused = what;
		snprintf(g->refused_target, sizeof(g->refused_target), "%s",
			 value ? value : "");
	}
	return 0;
}

static int forbid_write_file(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			     const char *value)
{
	return guard_refuse(ctxt ? ctxt->_private : NULL, "write the file", value);
}

static int forbid_create_dir(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			     const char *value)
{
	return guard_refuse(ctxt ? ctxt->_private : NULL, "create the directory", value);
}

static int forbid_network(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			  const char *value)
{
	return guard_refuse(ctxt ? ctxt->_private : NULL, "use the network for", value);
}

static int check_read_file(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			   const char *value)
{
	struct html_guard *g = ctxt ? ctxt->_private : NULL;

	if (g && value && !strcmp(value, g->input))
		return 1;
	return guard_refuse(g, "read the file", value);
}

/* libxml2 output callbacks into the atomfile. */
static int html_out_write(void *ctx, const char *data, int len)
{
	if (len < 0 || atomfile_write(ctx, data, (size_t)len) != PL_OK)
		return -1;
	return len;
}

static int html_out_close(void *ctx)
{
	return 0;
}

int audit_html_write(const char *staging_dir, const char *xsl_path,
		     struct pl_diag *diag)
{
	static bool exslt_registered;
	char *in_path = xasprintf("%s/%s", staging_dir, AUDIT_XML_REL);
	char *out_path = xasprintf("%s/%s", staging_dir, AUDIT_HTML_REL);
	struct html_guard guard = { .input = in_path };
	xsltStylesheetPtr style = NULL;
	xmlDocPtr doc = NULL, result = NULL;
	xsltTransformContextPtr ctxt = NULL;
	xsltSecurityPrefsPtr sec = NULL;
	xmlOutputBufferPtr out;
	struct atomfile af = { 0 };
	bool af_open = false;
	int rc = PL_OK;

	if (!exslt_registered) {
		exsltRegisterAll();
		exslt_registered = true;
	}
	xmlSetGenericErrorFunc(&guard, guard_error);
	xsltSetGenericErrorFunc(&guard, guard_error);

	doc = xmlReadFile(in_path, NULL, XML_PARSE_NONET);
	if (!doc) {
		rc = pl_diag_set(diag, PL_IO_OPEN, in_path, 0,
				 "cannot read the audit manifest '%s': %s",
				 in_path, guard.error[0] ? guard.error : "parse error");
		goto out;
	}
	style = xsltParseStylesheetFile(BAD_CAST xsl_path);
	if (!style) {
		rc = pl_diag_set(diag, PL_TEMPLATE, xsl_path, 0,
				 "cannot load the stylesheet '%s': %s", xsl_path,
				 guard.error[0] ? guard.error : "not a stylesheet");
		goto out;
	}
	ctxt = xsltNewTransformContext(style, doc);
	sec = xsltNewSecurityPrefs();
	if (!ctxt || !sec ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, forbid_write_file) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY, forbid_create_dir) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, forbid_network) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, forbid_network) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_FILE, check_read_file) ||
	    xsltSetCtxtSecurityPrefs(sec, ctxt)) {
		rc = pl_diag_set(diag, PL_TEMPLATE, xsl_path, 0,
				 "cannot set up the transform of '%s'", xsl_path);
		goto out;
	}
	ctxt->_private = &guard;
	xsltSetTransformErrorFunc(ctxt, &guard, guard_error);

	result = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, ctxt);
	if (guard.refused) {
		/* Refused even if libxslt carried on: the page is not trusted. */
		rc = pl_diag_set(diag, PL_DETAIL(PL_TEMPLATE, 0x51), xsl_path, 0,
				 "cannot apply the stylesheet '%s': it tried to %s '%s', "
				 "which the audit view may not do", xsl_path,
				 guard.refused, guard.refused_target);
		goto out;
	}
	if (!result || ctxt->state != XSLT_STATE_OK) {
		rc = pl_diag_set(diag, PL_TEMPLATE, xsl_path, 0,
				 "cannot apply the stylesheet '%s': %s", xsl_path,
				 guard.error[0] ? guard.error : "transform failed");
		goto out;
	}

	rc = atomfile_open(&af, out_path, diag);
	if (rc != PL_OK)
		goto out;
	af_open = true;
	out = xmlOutputBufferCreateIO(html_out_write, html_out_close, &af, NULL);
	if (!out || xsltSaveResultTo(out, result, style) < 0) {
		if (out)
			xmlOutputBufferClose(out);
		rc = pl_diag_set(diag, PL_IO_WRITE, out_path, 0,
				 "cannot write the audit view '%s'", out_path);
		goto out;
	}
	if (xmlOutputBufferClose(out) < 0 || af.failed) {
		rc = pl_diag_set(diag, PL_IO_WRITE, out_path, 0,
				 "cannot write the audit view '%s'", out_path);
		goto out;
	}
	rc = atomfile_commit(&af, NULL, diag);

out:
	if (af_open)
		atomfile_rollback(&af);
	xsltSetGenericErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
	if (ctxt)
		xsltFreeTransformContext(ctxt);
	if (sec)
		xsltFreeSecurityPrefs(sec);
	xmlFreeDoc(result);
	if (style)
		xsltFreeStylesheet(style);
	xmlFreeDoc(doc);
	free(in_path);
	free(out_path);
	return rc;
}
