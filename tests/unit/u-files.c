/*
 * u-files.c: atomfile (lock, checksum, rename, rollback), fsutil and the
 * agency profile loader.
 */
#include "pl.h"
#include "core/atomfile.h"
#include "core/fsutil.h"
#include "core/profile.h"
#include "core/xalloc.h"
#include "tap.h"

#include <unistd.h>

static char dir[] = "/tmp/u-files.XXXXXX";

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_text(const char *name, const char *text)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "w");

	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_atomfile(void)
{
	struct atomfile af;
	struct pl_diag diag = { 0 };
	char sha[PL_SHA256_HEX], *path = path_in("out.txt"), *lock = path_in("out.txt.lock");

	ok(atomfile_open(&af, path, &diag) == PL_OK, "atomfile: open");
	ok(fs_exists(lock) && !fs_exists(path), "atomfile: only the lock file exists while writing");
	ok(atomfile_printf(&af, "%s", "abc") == PL_OK, "atomfile: write");
	ok(atomfile_commit(&af, sha, &diag) == PL_OK, "atomfile: commit");
	ok(fs_exists(path) && !fs_exists(lock), "atomfile: renamed into place");
	is_str(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "atomfile: digest computed while writing");

	ok(atomfile_open(&af, path, &diag) == PL_OK, "atomfile: reopen");
	ok(atomfile_printf(&af, "replacement") == PL_OK, "atomfile: write replacement");
	atomfile_rollback(&af);
	ok(!fs_exists(lock), "atomfile: rollback removes the lock file");
	ok(sha256_file(path, sha) == PL_OK, "atomfile: old file still readable");
	is_str(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "atomfile: rollback leaves the old content");
	free(path);
	free(lock);
}

static void test_fsutil(void)
{
	char *deep = path_in("a/b/c"), *top = path_in("a"), **list;
	size_t n;
	struct pl_diag diag = { 0 };

	ok(fs_mkdir_p(deep, &diag) == PL_OK && fs_is_dir(deep), "fsutil: mkdir -p");
	write_text("a/b/z.csv", "z");
	write_text("a/b/y.csv", "y");
	write_text("a/b/x.txt", "x");
	free(deep);
	deep = path_in("a/b");
	ok(fs_list(deep, ".csv", &list, &n, &diag) == PL_OK, "fsutil: list");
	ok(n == 2 && strstr(list[0], "/y.csv") && strstr(list[1], "/z.csv"),
	   "fsutil: only *.csv, sorted");
	fs_list_free(list, n);
	ok(fs_remove_tree(top, &diag) == PL_OK && !fs_exists(top), "fsutil: rm -rf");
	ok(fs_remove_tree(top, &diag) == PL_OK, "fsutil: rm -rf of nothing is fine");
	free(deep);
	free(top);
}

static void test_profile(void)
{
	struct agency a;
	struct pl_diag diag = { 0 };
	char *p;

	ok(profile_load(&a, "fixtures/demo/agency.xml", &diag) == PL_OK, "profile: demo loads");
	is_str(a.id, "rockville-recovery", "profile: id");
	is_str(a.remittance.line1, "PO Box 5678", "profile: remittance address");
	is_str(profile_licence(&a, "NY"), "2045678-DCA", "profile: licence lookup");
	ok(profile_licence(&a, "TX") == NULL, "profile: no licence for TX");
	is_int(a.mail_drop_business_days, 1, "profile: mail drop days");
	profile_release(&a);

	write_text("noname.xml", "<agency id=\"x\"><phone>1</phone></agency>");
	p = path_in("noname.xml");
	ok(profile_load(&a, p, &diag) == PL_PARSE, "profile: missing legal-name is an error");
	ok(strstr(diag.message, "legal-name") != NULL, "profile: error names the field");
	free(p);

	write_text("dtd.xml", "<!DOCTYPE agency [<!ENTITY a \"aaaa\">]><agency id=\"x\"/>");
	p = path_in("dtd.xml");
	ok(profile_load(&a, p, &diag) != PL_OK && strstr(diag.message, "DOCTYPE"),
	   "profile: a DOCTYPE is refused");
	free(p);

	write_text("badid.xml", "<agency id=\"Bad Id\"><legal-name>X</legal-name></agency>");
	p = path_in("badid.xml");
	ok(profile_load(&a, p, &diag) == PL_PARSE, "profile: bad id refused");
	free(p);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_atomfile();
	test_fsutil();
	test_profile();
	if (fs_remove_tree(dir, NULL) != PL_OK)
		return 1;
	return tap_done();
}
