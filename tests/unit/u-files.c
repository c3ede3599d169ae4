/*
 * u-files.c: atomfile (lock, checksum, rename, rollback), fsutil and the
 * agency profile loader, with its <print> settings (templates/README.md).
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

/* A minimal valid profile with a <print> block. */
static int load_print(struct agency *a, const char *print, struct pl_diag *diag)
{
	char *text = xasprintf("<agency id=\"x\"><legal-name>X LLC</legal-name>"
			       "<mailing-address><line1>1 A St</line1><city>B</city>"
			       "<state>MD</state><postal-code>20849</postal-code></mailing-address>"
			       "<phone>1</phone>%s</agency>", print);
	char *p = path_in("print.xml");
	int rc;

	write_text("print.xml", text);
	rc = profile_load(a, p, diag);
	free(p);
	free(text);
	return rc;
}

static void test_print(void)
{
	static const struct {
		const char *print;
		const char *want;
	} bad[] = {
		{ "<print><imb barcode-id=\"05\" service-type=\"040\" mailer-id=\"123456\"/></print>",
		  "barcode-id '05'" },
		{ "<print><imb barcode-id=\"00\" service-type=\"40\" mailer-id=\"123456\"/></print>",
		  "service-type '40'" },
		{ "<print><imb barcode-id=\"00\" service-type=\"040\" mailer-id=\"912345\"/></print>",
		  "mailer-id '912345'" },
		{ "<print><imb barcode-id=\"00\" service-type=\"040\" mailer-id=\"12345678\"/></print>",
		  "mailer-id '12345678'" },
		{ "<print><windows><recipient x=\"0.75\" y=\"1.875\" width=\"8\" height=\"1.25\"/></windows></print>",
		  "does not fit" },
		{ "<print><windows><recipient x=\"0.75\" y=\"1.875\" width=\"four\" height=\"1.25\"/></windows></print>",
		  "width 'four'" },
		{ "<print><windows><recipient x=\"0.5\" y=\"0.5\" width=\"4\" height=\"1.25\"/></windows></print>",
		  "overlap" },
		{ "<print><duplex>maybe</duplex></print>", "duplex 'maybe'" },
		{ "<print><max-sheets>0</max-sheets></print>", "max-sheets '0'" },
	};
	struct agency a;
	struct pl_diag diag = { 0 };

	ok(profile_load(&a, "fixtures/demo/agency.xml", &diag) == PL_OK, "print: demo loads");
	ok(a.print.have_imb && !strcmp(a.print.barcode_id, "00") &&
	   !strcmp(a.print.service_type, "040") && !strcmp(a.print.mailer_id, "123456"),
	   "print: the demo's IMb ids");
	ok(a.print.recipient_window.x == 54 && a.print.recipient_window.y == 135 &&
	   a.print.recipient_window.width == 288 && a.print.recipient_window.height == 90,
	   "print: recipient window in points");
	ok(!a.print.duplex && a.print.max_sheets == 6, "print: simplex, 6 sheets");
	profile_release(&a);

	ok(load_print(&a, "", &diag) == PL_OK, "print: a profile without <print> loads");
	ok(!a.print.have_imb && !a.print.duplex && a.print.max_sheets == 6 &&
	   a.print.return_window.x == 36 && a.print.return_window.height == 63 &&
	   a.print.recipient_window.y == 135, "print: defaults (no IMb, #10 double window)");
	profile_release(&a);

	ok(load_print(&a, "<print><windows><return x=\"0.625in\" y=\"0.5\" width=\"3.25\" height=\"1\"/>"
		      "</windows><imb barcode-id=\"00\" service-type=\"300\" mailer-id=\"901234567\"/>"
		      "<duplex>yes</duplex><max-sheets>5</max-sheets></print>", &diag) == PL_OK,
	   "print: every setting");
	ok(a.print.return_window.x == 45 && a.print.return_window.width == 234 &&
	   a.print.recipient_window.x == 54, "print: the return window set, the recipient default");
	ok(a.print.duplex && a.print.max_sheets == 5 && !strcmp(a.print.mailer_id, "901234567"),
	   "print: duplex, max-sheets, a 9-digit mailer id");
	profile_release(&a);

	for (size_t i = 0; i < PL_ARRAY_SIZE(bad); i++) {
		char name[128];
		int rc = load_print(&a, bad[i].print, &diag);

		snprintf(name, sizeof(name), "print: refused, %s", bad[i].want);
		if (!ok(rc == PL_PARSE && strstr(diag.message, bad[i].want), name))
			printf("#   got %d: %s\n", rc, diag.message);
		if (rc == PL_OK)
			profile_release(&a);
	}
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_atomfile();
	test_fsutil();
	test_profile();
	test_print();
	if (fs_remove_tree(dir, NULL) != PL_OK)
		return 1;
	return tap_done();
}
