/*
 * u-ingest-stream.c: ingest memory does not grow with the number of records.
 *
 * Writes N generated canonical records as CSV and as canonical XML to a
 * scratch directory, then ingests each file in a child process and reads
 * the child's peak resident set size (wait4). Two sizes are compared. The
 * one thing that does grow is the batch's account_id set (ids.c: 12 bytes
 * a slot in 512 partitions, each at most 7/8 full and growing by a
 * quarter on its own, so 14 to 17.3 bytes an id, 15.5 MiB per million,
 * and growth holds only one partition twice). Its peak, as the set itself
 * counts it (ingest_ids_bytes()), must stay under IDS_BYTES_PER_ID an id;
 * it is reported apart and taken out, and what is left, the readers, must
 * stay flat (less than 2 MiB more for ten times the records).
 *
 *   u-ingest-stream            CI: 20,000 vs 200,000 records, TAP checks
 *   u-ingest-stream N [M]      by hand (tests/tools/ingest-stream.sh):
 *                              N vs M records (M defaults to N / 10),
 *                              figures printed, no checks
 */
#include "pl.h"
#include "core/arena.h"
#include "core/diag.h"
#include "core/fsutil.h"
#include "core/xalloc.h"
#include "ingest/ingest.h"
#include "ingest/ingest-int.h"
#include "tap.h"
#include "testutil.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The bound on the set's peak: ids.c's worst case is 12.125 bytes (a
 * slot and its share of a block pointer) / (7/8) * 1.25 = 17.3 bytes an
 * id, plus a partly filled block in each of the 512 partitions and the
 * directory, which the fixed allowance covers. The 16-byte, doubling
 * table this replaced peaked at 24 to 48 bytes an id.
 */
#define IDS_BYTES_PER_ID 18
#define IDS_BYTES_FIXED  (512 * 1024)

static const char header[] =
	"account_id,creditor_name,creditor_account_ref,debt_type,last_name,"
	"address_line1,city,state,postal_code,itemization_date_type,"
	"itemization_date,amount_at_itemization,fees_since,current_balance,"
	"delinquency_date\n";

static void generate(const char *dir, unsigned long n)
{
	char *csv = xasprintf("%s/accounts.csv", dir);
	char *xml = xasprintf("%s/accounts.xml", dir);
	FILE *c = fopen(csv, "w"), *x = fopen(xml, "w");

	if (!c || !x)
		PL_BUG("cannot write the generated files in '%s'", dir);
	fputs(header, c);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<accounts xmlns=\"urn:fairnotice:accounts:1\">\n", x);
	for (unsigned long i = 1; i <= n; i++) {
		unsigned long cents = 5000 + i % 900000, fee = i % 2000;

		fprintf(c, "GEN-%08lu,Sample Creditor %lu,%04lu-%06lu,credit_card,"
			"Garc\xc3\xad" "a,%lu Main St,Springfield,NY,%05lu,last_statement,"
			"2026-03-1%lu,%lu.%02lu,%lu.%02lu,%lu.%02lu,2025-06-15\n",
			i, i % 97, i % 10000, i % 1000000, i % 9000 + 1, 10000 + i % 89999,
			i % 9, cents / 100, cents % 100, fee / 100, fee % 100,
			(cents + fee) / 100, (cents + fee) % 100);
		fprintf(x, "<account><account_id>GEN-%08lu</account_id>"
			"<creditor_name>Sample Creditor %lu</creditor_name>"
			"<creditor_account_ref>%04lu-%06lu</creditor_account_ref>"
			"<debt_type>credit_card</debt_type><last_name>Garc\xc3\xad" "a</last_name>"
			"<address_line1>%lu Main St</address_line1><city>Springfield</city>"
			"<state>NY</state><postal_code>%05lu</postal_code>"
			"<itemization_date_type>last_statement</itemization_date_type>"
			"<itemization_date>2026-03-1%lu</itemization_date>"
			"<amount_at_itemization>%lu.%02lu</amount_at_itemization>"
			"<fees_since>%lu.%02lu</fees_since>"
			"<current_balance>%lu.%02lu</current_balance>"
			"<delinquency_date>2025-06-15</delinquency_date></account>\n",
			i, i % 97, i % 10000, i % 1000000, i % 9000 + 1, 10000 + i % 89999,
			i % 9, cents / 100, cents % 100, fee / 100, fee % 100,
			(cents + fee) / 100, (cents + fee) % 100);
	}
	fputs("</accounts>\n", x);
	if (fclose(c) || fclose(x))
		PL_BUG("cannot write the generated files in '%s'", dir);
	free(csv);
	free(xml);
}

struct figures {
	long peak_kib;          /* of the child that ingested */
	long ids_kib;           /* of that, the account_id set at its peak */
	size_t ids_peak;        /* the same in bytes */
	unsigned long good, rejected;
	double seconds;
};

/* Ingest path in a child; the child writes its counts to a pipe. */
static void measure(const char *path, const struct input_spec *spec,
		    struct figures *out)
{
	int fd[2];
	pid_t pid;
	struct rusage ru;
	struct timeval t0, t1;
	int status;

	memset(out, 0, sizeof(*out));
	if (pipe(fd) != 0)
		PL_BUG("pipe");
	gettimeofday(&t0, NULL);
	pid = fork();
	if (pid == 0) {
		struct ingest_ids ids;
		struct ingest in;
		struct arena arena;
		struct account a;
		struct pl_diag diag;
		unsigned long counts[3] = { 0, 0, 0 };
		size_t peak;
		int rc;

		close(fd[0]);
		ingest_ids_init(&ids);
		arena_init(&arena);
		rc = ingest_open(&in, path, spec, &ids, d("2026-11-23"), &diag);
		while (rc == PL_OK) {
			arena_clear(&arena);
			rc = ingest_next(&in, &arena, &a, &diag);
			if (rc == PL_OK)
				counts[a.rejected]++;
		}
		if (rc != PL_DONE)
			fprintf(stderr, "# %s: %s\n", path, diag.message);
		/* Its peak, counting a partition's old table as it grew. */
		(void)ingest_ids_bytes(&ids, &peak);
		counts[2] = (unsigned long)peak;
		if (write(fd[1], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	{
		unsigned long counts[3] = { 0, 0, 0 };

		if (read(fd[0], counts, sizeof(counts)) == (ssize_t)sizeof(counts)) {
			out->good = counts[0];
			out->rejected = counts[1];
			out->ids_peak = counts[2];
			out->ids_kib = (long)(counts[2] / 1024);
		}
	}
	close(fd[0]);
	if (wait4(pid, &status, 0, &ru) != pid)
		PL_BUG("wait4");
	gettimeofday(&t1, NULL);
	out->peak_kib = ru.ru_maxrss;
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_usec - t0.tv_usec) / 1e6;
}

static const struct input_spec csv_spec = {
	.match = (char *)"*", .format = INPUT_CSV, .encoding = (char *)"utf-8",
	.mapping = (char *)"", .record = (char *)"", .layout = (char *)"",
};
static const struct input_spec xml_spec = {
	.match = (char *)"*", .format = INPUT_XML, .encoding = (char *)"utf-8",
	.mapping = (char *)"", .record = (char *)"", .layout = (char *)"",
};

/* Measure both formats at n records; fig[0] CSV, fig[1] XML. */
static void run_size(const char *tmp, unsigned long n, struct figures fig[2])
{
	char *dir = xasprintf("%s/%lu", tmp, n);
	char *csv = xasprintf("%s/accounts.csv", dir);
	char *xml = xasprintf("%s/accounts.xml", dir);

	if (fs_mkdir_p(dir, NULL) != PL_OK)
		PL_BUG("mkdir '%s'", dir);
	generate(dir, n);
	measure(csv, &csv_spec, &fig[0]);
	measure(xml, &xml_spec, &fig[1]);
	for (int i = 0; i < 2; i++)
		printf("# %s %9lu records: %lu accepted, %lu rejected, peak RSS %6ld KiB "
		       "(account_id set %5ld KiB, %.1f bytes an id; the rest %6ld KiB), %.2f s\n",
		       i ? "XML" : "CSV", n, fig[i].good, fig[i].rejected, fig[i].peak_kib,
		       fig[i].ids_kib, n ? (double)fig[i].ids_peak / (double)n : 0.0,
		       fig[i].peak_kib - fig[i].ids_kib, fig[i].seconds);
	if (fs_remove_tree(dir, NULL) != PL_OK)
		printf("# cannot remove %s\n", dir);
	free(csv);
	free(xml);
	free(dir);
}

/*
 * Under valgrind or a sanitizer, resident memory measures the tool, not
 * the program: run small, check the counts, skip the memory checks.
 */
static bool instrumented(void)
{
	const char *preload = getenv("LD_PRELOAD");

#ifdef __SANITIZE_ADDRESS__
	return true;
#endif
	return preload && strstr(preload, "vgpreload");
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/u-ingest-stream.XXXXXX";
	char *tmp = mkdtemp(tmpl);
	unsigned long big = 200000, small = 20000;
	struct figures s[2], b[2];
	bool by_hand = argc > 1;

	if (!tmp)
		PL_BUG("mkdtemp");
	if (by_hand) {
		big = strtoul(argv[1], NULL, 10);
		small = argc > 2 ? strtoul(argv[2], NULL, 10) : big / 10;
	} else if (instrumented()) {
		big = 2000;
		small = 200;
	}
	run_size(tmp, small, s);
	run_size(tmp, big, b);
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "XML" : "CSV";
		long growth = b[i].peak_kib - s[i].peak_kib;
		long ids_growth = b[i].ids_kib - s[i].ids_kib;
		char name[200];

		printf("# %s: %lu -> %lu records: peak RSS +%ld KiB, of which the account_id set +%ld KiB; readers +%ld KiB\n",
		       f, small, big, growth, ids_growth, growth - ids_growth);
		if (by_hand)
			continue;
		snprintf(name, sizeof(name), "%s: every record read and accepted", f);
		ok(s[i].good == small && b[i].good == big && !s[i].rejected && !b[i].rejected, name);
		snprintf(name, sizeof(name), "%s: the account_id set peaks under %d bytes an id",
			 f, IDS_BYTES_PER_ID);
		ok(s[i].ids_peak <= (size_t)IDS_BYTES_PER_ID * small + IDS_BYTES_FIXED &&
		   b[i].ids_peak <= (size_t)IDS_BYTES_PER_ID * big + IDS_BYTES_FIXED, name);
		snprintf(name, sizeof(name), "%s: peak RSS grows less than 2 MiB beyond the account_id set%s",
			 f, instrumented() ? " # skip under valgrind or a sanitizer" : "");
		ok(instrumented() || growth - ids_growth < 2048, name);
	}
	rmdir(tmp);
	if (by_hand)
		return 0;
	return tap_done();
}
