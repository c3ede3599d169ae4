/*
 * xsltguard.c: the security preferences of xsltguard.h.
 *
 * libxslt calls a check with the transform context; the context's
 * _private field carries the guard (xslt_guard_attach()). A check that
 * returns 0 makes libxslt refuse the operation and stop the transform.
 */
#include "../pl.h"
#include "xsltguard.h"

#include <libxslt/xsltInternals.h>

static struct xslt_guard *guard_of(xsltTransformContextPtr ctxt)
{
	return ctxt ? ctxt->_private : NULL;
}

static int refuse(struct xslt_guard *g, const char *what, const char *value)
{
	if (g && !g->refused) {
		g->refused = what;
		snprintf(g->target, sizeof(g->target), "%s", value ? value : "");
	}
	return 0;
}

static int forbid_write_file(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			     const char *value)
{
	(void)sec;
	return refuse(guard_of(ctxt), "write the file", value);
}

static int forbid_create_dir(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			     const char *value)
{
	(void)sec;
	return refuse(guard_of(ctxt), "create the directory", value);
}

static int forbid_network(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			  const char *value)
{
	(void)sec;
	return refuse(guard_of(ctxt), "use the network for", value);
}

/* The one named file, or a file directly inside the named directory. */
static int check_read_file(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
			   const char *value)
{
	struct xslt_guard *g = guard_of(ctxt);
	const char *path = value;

	(void)sec;
	if (!g || !path)
		return refuse(g, "read the file", value);
	if (!strncmp(path, "file://", 7))
		path += 7;
	if (g->read_file && !strcmp(path, g->read_file))
		return 1;
	if (g->read_dir) {
		size_t n = strlen(g->read_dir);

		if (!strncmp(path, g->read_dir, n) && path[n] == '/' &&
		    !strstr(path, "/../") && !strchr(path + n + 1, '/'))
			return 1;
	}
	return refuse(g, "read the file", value);
}

xsltSecurityPrefs *xslt_guard_prefs(void)
{
	xsltSecurityPrefs *sec = xsltNewSecurityPrefs();

	if (!sec)
		return NULL;
	if (xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, forbid_write_file) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY, forbid_create_dir) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, forbid_network) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, forbid_network) ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_FILE, check_read_file)) {
		xsltFreeSecurityPrefs(sec);
		return NULL;
	}
	return sec;
}

int xslt_guard_attach(xsltSecurityPrefs *prefs, xsltTransformContext *ctxt,
		      struct xslt_guard *guard)
{
	if (!prefs || !ctxt || xsltSetCtxtSecurityPrefs(prefs, ctxt) != 0)
		return -1;
	guard->refused = NULL;
	guard->target[0] = '\0';
	ctxt->_private = guard;
	return 0;
}
