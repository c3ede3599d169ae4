/*
 * u-zip.c: the bundle's zip writer (bundle/zip.h) and its seal
 * (control_write(): print/control.xml, print/SHA256SUMS, print/bundle.zip).
 *
 * Zips of known files are read back with Debian's unzip (`unzip -t`, and
 * `unzip -p` compared byte for byte), written twice to show the bytes
 * depend only on the entries, and checked field by field where the
 * format leaves room for drift (time, date, local header values). An
 * empty file and a 1 MiB file go through; a sparse file of 4 GiB is
 * refused before a byte is read. control_write() runs on a hand-made
 * staging directory: totals counted from a manifest with quoted commas
 * and line breaks, a flat piece over max-sheets, `sha256sum -c`, the
 * zip's listing, and a manifest that disagrees with the run refused.
 *
 * Everything happens under one mkdtemp() directory, removed at the end.
 */
#define _XOPEN_SOURCE 700   /* nftw() */
#include "pl.h"
#include "bundle/bundle-int.h"
#include "bundle/zip.h"
#include "core/atomfile.h"
#include "core/fsutil.h"
#include "core/profile.h"
#include "core/xalloc.h"
#include "tap.h"
#include "testutil.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char root[] = "/tmp/u-zip-XXXXXX";

static char *in_root(const char *name)
{
	return xasprintf("%s/%s", root, name);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		PL_BUG("cannot write test file '%s'", path);
}

/* The whole file (tests only: small files); *len_out its length. */
static unsigned char *read_all(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, alloc = 0, n;

	*len_out = 0;
	if (!f)
		return NULL;
	do {
		if (len == alloc) {
			alloc = alloc ? 2 * alloc : 65536;
			data = xrealloc(data, alloc);
		}
		n = fread(data + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*len_out = len;
	return data;
}

static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char *da = read_all(a, &la), *db = read_all(b, &lb);
	bool same = da && db && la == lb && !memcmp(da, db, la);

	free(da);
	free(db);
	return same;
}

/* Run a shell command quietly; true when it exits 0. */
static bool sh(const char *fmt, ...) PL_PRINTF(1, 2);
static bool sh(const char *fmt, ...)
{
	char cmd[2 * PL_MAX_PATH];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	return system(cmd) == 0;
}

static unsigned get16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the test files ---- */

struct test_file {
	const char *name;   /* entry name = path under root/src */
	size_t size;
	int kind;           /* 0 text, 1 noise, 2 repeated */
};

static const struct test_file test_files[] = {
	{ "a/empty", 0, 0 },
	{ "a/hello.txt", 0, 0 },
	{ "b/noise.bin", 1 << 20, 1 },       /* 1 MiB, incompressible */
	{ "b/repeat.txt", 300000, 2 },       /* several deflate chunks */
	{ "c.txt", 0, 0 },
};

static const char hello[] = "hello, print vendor\r\nline two\n";

static void make_test_files(void)
{
	char *src = in_root("src"), *dir;
	struct pl_diag diag = { 0 };

	dir = xasprintf("%s/a", src);
	if (fs_mkdir_p(dir, &diag) != PL_OK)
		PL_BUG("mkdir");
	free(dir);
	dir = xasprintf("%s/b", src);
	if (fs_mkdir_p(dir, &diag) != PL_OK)
		PL_BUG("mkdir");
	free(dir);
	for (size_t i = 0; i < PL_ARRAY_SIZE(test_files); i++) {
		const struct test_file *t = &test_files[i];
		char *path = xasprintf("%s/%s", src, t->name);
		size_t size = t->size;
		unsigned char *data;
		uint32_t x = 2463534242u;

		if (t->kind == 0 && strcmp(t->name, "a/empty"))
			size = strlen(hello);
		data = xmalloc(size + 1);
		for (size_t j = 0; j < size; j++) {
			switch (t->kind) {
			case 0:
				data[j] = (unsigned char)hello[j];
				break;
			case 1:   /* xorshift32: the same noise every run */
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				data[j] = (unsigned char)x;
				break;
			default:
				data[j] = (unsigned char)("fairnotice "[j % 11]);
			}
		}
		write_bytes(path, data, size);
		free(data);
		free(path);
	}
	free(src);
}

/* Zip every test file into root/name; the digest into sha. */
static int make_zip(const char *name, char sha[PL_SHA256_HEX])
{
	char *path = in_root(name);
	struct pl_diag diag = { 0 };
	struct atomfile af;
	struct zip z;
	int rc = atomfile_open(&af, path, &diag);

	zip_begin(&z, &af);
	for (size_t i = 0; rc == PL_OK && i < PL_ARRAY_SIZE(test_files); i++) {
		char *src = xasprintf("%s/src/%s", root, test_files[i].name);
		rc = zip_add_file(&z, test_files[i].name, src, &diag);
		free(src);
	}
	if (rc == PL_OK)
		rc = zip_finish(&z, &diag);
	if (rc == PL_OK)
		rc = atomfile_commit(&af, sha, &diag);
	if (rc != PL_OK)
		printf("# %s\n", diag.message);
	zip_release(&z);
	atomfile_rollback(&af);
	free(path);
	return rc;
}

static void test_zip_read_back(void)
{
	char sha1[PL_SHA256_HEX], sha2[PL_SHA256_HEX], disk[PL_SHA256_HEX];
	char *one = in_root("one.zip"), *two = in_root("sub-two.zip");

	make_test_files();
	ok(make_zip("one.zip", sha1) == PL_OK, "zip: written");
	ok(sha256_file(one, disk) == PL_OK && !strcmp(disk, sha1),
	   "zip: committed digest is the digest of the bytes on disk");
	ok(sh("unzip -tq '%s' >/dev/null", one), "zip: unzip -t passes");
	ok(sh("python3 -c 'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' '%s' 2>/dev/null "
	      "|| ! command -v python3 >/dev/null", one),
	   "zip: a second reader (python zipfile) agrees");
	ok(sh("test \"$(unzip -Z1 '%s' | tr '\\n' ' ')\" = "
	      "'a/empty a/hello.txt b/noise.bin b/repeat.txt c.txt '", one),
	   "zip: entries listed in the order added");
	for (size_t i = 0; i < PL_ARRAY_SIZE(test_files); i++) {
		const char *name = test_files[i].name;
		char *out = xasprintf("%s/out-%zu", root, i);
		char *src = xasprintf("%s/src/%s", root, name);
		char label[128];

		snprintf(label, sizeof(label), "zip: unzip -p '%s' is byte-exact", name);
		ok(sh("unzip -p '%s' '%s' >'%s'", one, name, out) && same_file(out, src),
		   label);
		free(out);
		free(src);
	}

	ok(make_zip("sub-two.zip", sha2) == PL_OK, "zip: written again");
	is_str(sha2, sha1, "zip: same entries, same digest");
	ok(same_file(one, two), "zip: same entries, byte-identical archive");
	free(one);
	free(two);
}

/* The fields a careless writer gets from the clock or the host. */
static void test_zip_fields(void)
{
	char *one = in_root("one.zip");
	size_t len;
	unsigned char *z = read_all(one, &len);
	const unsigned char *end, *cd;
	unsigned entries, name_len;

	ok(z && len > 22 + 30, "zip: archive read");
	if (!z || len < 22 + 30)
		goto out;
	ok(get32(z) == 0x04034b50u, "zip: starts with a local header");
	is_int(get16(z + 4), 20, "zip: version needed 2.0");
	is_int(get16(z + 6), 0, "zip: no flags (no data descriptor)");
	is_int(get16(z + 8), 8, "zip: deflate");
	is_int(get16(z + 10), 0, "zip: time 00:00");
	is_int(get16(z + 12), 0x21, "zip: date 1980-01-01");
	is_int(get32(z + 14), crc32(0L, Z_NULL, 0), "zip: empty file's CRC in the local header");
	is_int(get32(z + 18), 2, "zip: empty file deflates to 2 bytes");
	is_int(get32(z + 22), 0, "zip: empty file's size");
	name_len = get16(z + 26);
	is_int(name_len, strlen("a/empty"), "zip: name length");
	is_int(get16(z + 28), 0, "zip: no extra field");
	ok(!memcmp(z + 30, "a/empty", name_len), "zip: name");

	end = z + len - 22;
	ok(get32(end) == 0x06054b50u, "zip: ends with the end record, no comment");
	entries = get16(end + 10);
	is_int(entries, PL_ARRAY_SIZE(test_files), "zip: end record counts the entries");
	cd = z + get32(end + 16);
	is_int(get32(end + 16) + get32(end + 12), len - 22,
	       "zip: central directory runs up to the end record");
	ok(get32(cd) == 0x02014b50u, "zip: central directory header");
	is_int(get16(cd + 4), 0x0314, "zip: made by Unix, 2.0");
	is_int(get16(cd + 12), 0, "zip: central time 00:00");
	is_int(get16(cd + 14), 0x21, "zip: central date 1980-01-01");
	is_int(get32(cd + 38), 0100644u << 16, "zip: mode 0644");
	ok(!memcmp(cd + 16, z + 14, 12), "zip: central CRC and sizes equal the local ones");
out:
	free(z);
	free(one);
}

/*
 * ZIP64 where a value needs it (zip.h). FAIRNOTICE_ZIP64_FROM lowers the
 * line from 4 GiB to 1,000 bytes, so the same records appear for the test
 * files: sizes in the local and central extra fields for the entries of
 * 1,000 bytes or more (or that zlib could make that big), offsets past
 * 1,000 in the central extra field, the ZIP64 end record and locator for
 * a directory that starts past it. Two other readers must take the
 * archive whole.
 */
static void test_zip64(void)
{
	char sha[PL_SHA256_HEX];
	char *path = in_root("z64.zip");
	unsigned char *z = NULL;
	size_t len = 0;
	int rc;

	setenv("FAIRNOTICE_ZIP64_FROM", "1000", 1);
	rc = make_zip("z64.zip", sha);
	unsetenv("FAIRNOTICE_ZIP64_FROM");
	ok(rc == PL_OK, "zip64: written");
	ok(sh("unzip -tq '%s' >/dev/null", path), "zip64: unzip -t passes");
	ok(sh("python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
	      "sys.exit(z.testzip() is not None or len(z.infolist()) != 5)' '%s' 2>/dev/null "
	      "|| ! command -v python3 >/dev/null", path),
	   "zip64: python zipfile reads every entry");
	{
		bool same = true;

		for (size_t i = 0; i < PL_ARRAY_SIZE(test_files); i++) {
			char *out = xasprintf("%s/z64-out-%zu", root, i);
			char *src = xasprintf("%s/src/%s", root, test_files[i].name);

			same &= sh("unzip -p '%s' '%s' >'%s' && cmp -s '%s' '%s'", path,
				   test_files[i].name, out, out, src);
			free(out);
			free(src);
		}
		ok(same, "zip64: every entry comes back byte for byte");
	}
	z = read_all(path, &len);
	ok(z && len > 42 + 56 && get32(z + len - 22) == 0x06054b50u &&
	   get32(z + len - 42) == 0x07064b50u && get32(z + len - 98) == 0x06064b50u,
	   "zip64: the end record follows the ZIP64 end record and its locator");
	ok(z && get32(z + len - 6) == 0xffffffffu,
	   "zip64: the end record's directory offset says 'see ZIP64'");
	free(z);
	free(path);
}

/* ---- control_write() ---- */

static const char manifest_csv[] =
	"piece_id,account_id,pdf,first_page,page_count,sheet_count,envelope,name\r\n"
	"p1,a1,window-1-001.pdf,1,2,1,#10-double-window,\"Doe, Jane\"\r\n"
	"p2,a2,window-2-001.pdf,1,3,2,#10-double-window,\"O\"\"Brien\r\nSean\"\r\n"
	"p3,a3,flat-001.pdf,1,14,7,flat,plain\r\n";

/* The three pieces above as typeset gave them to bundle_add(). */
static const struct letter_ref pieces[] = {
	{ .piece_id = "p1", .pdf = "window-1-001.pdf", .group = "window-1",
	  .envelope = "#10-double-window", .page_count = 2, .sheet_count = 1 },
	{ .piece_id = "p2", .pdf = "window-2-001.pdf", .group = "window-2",
	  .envelope = "#10-double-window", .page_count = 3, .sheet_count = 2 },
	{ .piece_id = "p3", .pdf = "flat-001.pdf", .group = "flat",
	  .envelope = "flat", .page_count = 14, .sheet_count = 7 },
};

static struct agency agency;

static void staging(const char *dir)
{
	char *p;
	struct pl_diag diag = { 0 };

	p = xasprintf("%s/print", dir);
	if (fs_mkdir_p(p, &diag) != PL_OK)
		PL_BUG("mkdir");
	free(p);
	p = xasprintf("%s/audit/layout", dir);
	if (fs_mkdir_p(p, &diag) != PL_OK)
		PL_BUG("mkdir");
	free(p);
	p = xasprintf("%s/print/manifest.csv", dir);
	write_bytes(p, manifest_csv, strlen(manifest_csv));
	free(p);
	for (size_t i = 0; i < PL_ARRAY_SIZE(pieces); i++) {
		p = xasprintf("%s/print/%s", dir, pieces[i].pdf);
		write_bytes(p, "%PDF-1.5 not really\n", 20);
		free(p);
	}
	p = xasprintf("%s/audit/manifest.xml", dir);
	write_bytes(p, "<audit-manifest/>\n", 18);
	free(p);
	p = xasprintf("%s/contact-plan.csv", dir);
	write_bytes(p, "account_id\r\n", 12);
	free(p);
}

static int seal(const char *dir, unsigned long pages, struct pl_diag *diag)
{
	struct bundle_opts opts = {
		.staging_dir = dir, .batch_id = "test-20261123-0001",
		.agency = &agency, .run_date = d("2026-11-23"),
		.mail_date = d("2026-11-24"), .rules_digest = "feed",
	};
	struct print_files files = { 0 };
	struct run_counts t = {
		.read = 5, .letters = 3, .suppressed = 1, .rejected = 1,
		.pages = pages, .sheets = 10, .contacts_read = 2, .contacts_rejected = 1,
	};
	char head[PL_SHA256_HEX], zip_sha[PL_SHA256_HEX];
	int rc;

	memset(head, 'a', 64);
	head[64] = '\0';
	/* In piece order, the flat one first: control.xml sorts the groups. */
	print_files_add(&files, &pieces[2]);
	print_files_add(&files, &pieces[0]);
	print_files_add(&files, &pieces[1]);
	rc = control_write(dir, &opts, &t, &files, head, zip_sha, diag);
	print_files_release(&files);
	if (rc == PL_OK && !sh("cd '%s/print' && test \"$(sha256sum bundle.zip)\" = \"$(cat bundle.zip.sha256)\" "
			       "&& grep -q '^%s  bundle.zip$' bundle.zip.sha256", dir, zip_sha))
		PL_BUG("bundle.zip.sha256 is not the zip's digest");
	return rc;
}

static void test_control(void)
{
	char *dir = in_root("bundle"), *bad = in_root("bad"), *p;
	struct pl_diag diag = { 0 };
	size_t len;
	unsigned char *xml;
	int rc;

	agency.id = "test";
	profile_print_defaults(&agency.print);
	staging(dir);
	rc = seal(dir, 19, &diag);
	if (rc != PL_OK)
		printf("# %s\n", diag.message);
	ok(rc == PL_OK, "control: written");

	p = xasprintf("%s/print/control.xml", dir);
	xml = read_all(p, &len);
	free(p);
	xml = xrealloc(xml, len + 1);
	xml[len] = '\0';
	ok(strstr((char *)xml, "<group name=\"window-1\" envelope=\"#10-double-window\" "
		  "sheets=\"1\" pieces=\"1\" pages=\"2\" sheet-total=\"1\">\n"
		  "    <file name=\"window-1-001.pdf\" pieces=\"1\" pages=\"2\" "
		  "sheet-total=\"1\" first-piece=\"p1\" last-piece=\"p1\"/>"),
	   "control: the one-sheet group and its file");
	ok(strstr((char *)xml, "<group name=\"flat\" envelope=\"flat\" min-sheets=\"7\" "
		  "pieces=\"1\" pages=\"14\" sheet-total=\"7\">"),
	   "control: the piece over max-sheets in the flat group");
	ok(strstr((char *)xml, "window-1") < strstr((char *)xml, "window-2") &&
	   strstr((char *)xml, "window-2") < strstr((char *)xml, "\"flat\""),
	   "control: groups by sheet count, flat last");
	ok(strstr((char *)xml, "<totals pieces=\"3\" pages=\"19\" sheets=\"10\"/>"),
	   "control: grand totals");
	ok(strstr((char *)xml, "<accounts read=\"5\" letters=\"3\" suppressed=\"1\" "
		  "deferred=\"0\" rejected=\"1\"/>"), "control: outcome counts");
	ok(strstr((char *)xml, "batch=\"test-20261123-0001\"") &&
	   strstr((char *)xml, "mail-date=\"2026-11-24\""), "control: batch and dates");
	ok(strstr((char *)xml, "<audit-chain head=\"aaaa"), "control: audit chain head");
	free(xml);

	ok(sh("cd '%s' && sha256sum --quiet -c print/SHA256SUMS", dir),
	   "control: sha256sum -c print/SHA256SUMS passes");
	ok(sh("cd '%s' && test \"$(cut -c67- print/SHA256SUMS | tr '\\n' ' ')\" = "
	      "'audit/manifest.xml contact-plan.csv print/control.xml print/flat-001.pdf "
	      "print/manifest.csv print/window-1-001.pdf print/window-2-001.pdf '", dir),
	   "control: sums sorted by path, without themselves, the zip and its digest");
	ok(sh("unzip -tq '%s/print/bundle.zip' >/dev/null", dir), "control: unzip -t passes");
	ok(sh("test \"$(unzip -Z1 '%s/print/bundle.zip' | tr '\\n' ' ')\" = "
	      "'audit/manifest.xml contact-plan.csv print/SHA256SUMS print/control.xml "
	      "print/flat-001.pdf print/manifest.csv print/window-1-001.pdf "
	      "print/window-2-001.pdf '", dir),
	   "control: the zip holds every file but itself, sorted");
	ok(sh("cd '%s' && unzip -p print/bundle.zip print/SHA256SUMS | cmp - print/SHA256SUMS", dir),
	   "control: the zipped SHA256SUMS is the file");

	/* A manifest that disagrees with the run: nothing is sealed. */
	staging(bad);
	memset(&diag, 0, sizeof(diag));
	rc = seal(bad, 20, &diag);
	is_int(rc, PL_MANIFEST, "control: totals that disagree with the manifest are refused");
	ok(strstr(diag.message, "do not reconcile"), "control: the refusal says why");
	p = xasprintf("%s/print/control.xml", bad);
	ok(!fs_exists(p), "control: no control file after a refusal");
	free(p);

	/* A lock file left in the bundle: someone is still writing. */
	p = xasprintf("%s/audit/x.lock", bad);
	write_bytes(p, "", 0);
	free(p);
	memset(&diag, 0, sizeof(diag));
	rc = seal(bad, 19, &diag);
	is_int(rc, PL_MANIFEST, "control: a lock file in the bundle is refused");
	ok(strstr(diag.message, "'audit/x.lock' is still being written"),
	   "control: the refusal names the lock file");
	free(dir);
	free(bad);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	if (!mkdtemp(root))
		PL_BUG("mkdtemp");
	test_zip_read_back();
	test_zip_fields();
	test_zip64();
	test_control();
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
