/*
 * u-verify.c: verify_bundle() on small hand-made bundles.
 *
 * The hash chain is checked against a canonical form written out by hand
 * here from docs/audit-chain.md (attributes sorted, prev and hash left
 * out, the namespace declaration not an attribute, an entity resolved, a
 * backslash and a line feed escaped, the leaf's text hashed, the
 * formatting white space between elements not), so the test does not
 * lean on either implementation of the rule. Then: a changed attribute is
 * named by its account, a broken link by the next one, a directory that
 * is not a bundle is refused, and a missing one too.
 *
 * Everything happens under one mkdtemp() directory, removed at the end.
 */
#define _XOPEN_SOURCE 700   /* nftw() */
#include "pl.h"
#include "verify/verify.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "tap.h"

#include <ftw.h>
#include <sys/stat.h>

static char root[] = "/tmp/u-verify-XXXXXX";

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		PL_BUG("cannot write '%s'", path);
}

/* verify dir; the report's lines in *text (caller frees). */
static int run_verify(const char *dir, struct verify_report *r, char **text)
{
	struct pl_diag diag = { 0 };
	size_t len;
	FILE *out = open_memstream(text, &len);
	int rc;

	rc = verify_bundle(dir, out, r, &diag);
	fclose(out);
	return rc;
}

/* The manifest with one account; line is its attribute, prev and hash its links. */
static char *manifest(const char *line, const char *prev, const char *hash)
{
	return xasprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<audit-manifest xmlns=\"urn:fairnotice:audit:1\" batch=\"b\">\n"
		"  <account id=\"A&amp;1\" outcome=\"rejected\" line=\"%s\" prev=\"%s\" hash=\"%s\">\n"
		"    <reason field=\"f\" code=\"X\">bad \\ value\nline2</reason>\n"
		"  </account>\n"
		"  <totals read=\"1\" letters=\"0\" suppressed=\"0\" deferred=\"0\" rejected=\"1\""
		" pages=\"0\" sheets=\"0\"/>\n"
		"  <chain head=\"%s\"/>\n"
		"</audit-manifest>\n", line, prev, hash, hash);
}

int main(void)
{
	static const char canonical[] =
		ZEROS "\n"
		"Eaccount\x1fid=A&1\x1fline=2\x1foutcome=rejected\n"
		"Ereason\x1f" "code=X\x1f" "field=f\n"
		"Tbad \\\\ value\\nline2\n"
		"/\n"
		"/\n";
	char hash[PL_SHA256_HEX];
	struct verify_report r;
	char *dir, *path, *path2, *text = NULL, *xml;
	int rc;

	if (!mkdtemp(root))
		PL_BUG("mkdtemp");
	sha256_hex(canonical, sizeof(canonical) - 1, hash);
	dir = xasprintf("%s/bundle", root);
	path = xasprintf("%s/audit", dir);
	if (mkdir(dir, 0755) || mkdir(path, 0755))
		PL_BUG("mkdir");
	free(path);
	path = xasprintf("%s/audit/manifest.xml", dir);

	/* The chain as docs/audit-chain.md computes it. */
	xml = manifest("2", ZEROS, hash);
	write_file(path, xml);
	free(xml);
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "a bundle of one file has problems");
	is_int(r.records_checked, 1, "one audit record checked");
	ok(!strstr(text, "hash") && !strstr(text, "prev") && !strstr(text, "<totals>"),
	   "the hand-made chain and totals are accepted");
	ok(strstr(text, "problem: the checksum list is missing (at print/SHA256SUMS)") != NULL,
	   "the missing checksum list is named");
	ok(strstr(text, "problem: the zip is missing (at print/bundle.zip)") != NULL,
	   "the missing zip is named");
	free(text);

	/* An empty checksum list: the file it does not list is named. */
	path2 = xasprintf("%s/print", dir);
	if (mkdir(path2, 0755))
		PL_BUG("mkdir");
	free(path2);
	path2 = xasprintf("%s/print/SHA256SUMS", dir);
	write_file(path2, "");
	free(path2);
	rc = run_verify(dir, &r, &text);
	ok(strstr(text, "file is not listed in print/SHA256SUMS (at audit/manifest.xml)") != NULL,
	   "an unlisted file is named");
	free(text);

	/* One attribute changed: the record's account named, once. */
	xml = manifest("3", ZEROS, hash);
	write_file(path, xml);
	free(xml);
	rc = run_verify(dir, &r, &text);
	is_int(rc, PL_MANIFEST, "changed attribute: problems");
	ok(strstr(text, "problem: account 'A&1': hash '") != NULL &&
	   strstr(text, "(at audit/manifest.xml:3)\n") != NULL,
	   "changed attribute: the account and its line named");
	free(text);

	/* A broken link: prev is not the zeros of the first record. */
	xml = manifest("2", hash, hash);
	write_file(path, xml);
	free(xml);
	rc = run_verify(dir, &r, &text);
	ok(strstr(text, "account 'A&1': prev '") != NULL, "broken link: named");
	free(text);

	/* Not a bundle; not there at all. */
	free(path);
	path = xasprintf("%s/empty", root);
	if (mkdir(path, 0755))
		PL_BUG("mkdir");
	rc = run_verify(path, &r, &text);
	is_int(rc, PL_USAGE, "a directory without print/ and audit/ is not a bundle");
	free(text);
	free(path);
	path = xasprintf("%s/none", root);
	rc = run_verify(path, &r, &text);
	is_int(PL_CLASS(rc), PL_IO, "a missing directory cannot be read");
	free(text);

	free(path);
	free(dir);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
