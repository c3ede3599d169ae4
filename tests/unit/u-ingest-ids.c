/*
 * u-ingest-ids.c: the batch's account_id set (ids.c) on its own.
 *
 * What the set promises: every repeat is found, across any number of
 * growth steps, with the file and line where the id was first seen; two
 * ids are never taken for one unless all 64 bits of their hashes agree,
 * even when they share the bits that choose the partition and the home
 * slot; and its memory stays under 18 bytes an id and grows in small
 * steps (one partition at a time, never the whole set at once).
 *
 * Hashes that collide in chosen bits cannot be had from real ids at will,
 * so those cases go through ingest_ids_insert_hash(), the part of
 * ingest_ids_insert() after hashing. The one PL_LIMIT path is not tested:
 * the limit is PL_MAX_BATCH_ACCOUNTS itself (50 million ids, some 800 MiB
 * to reach), and the set has no smaller limit to set for a test.
 *
 * Under valgrind the million-id cases run with 100,000 ids.
 */
#include "pl.h"
#include "ingest/ingest.h"
#include "ingest/ingest-int.h"
#include "tap.h"

#include <time.h>

#define NFILES 3

static const char *const files[NFILES] = {
	"batch/accounts-1.csv", "batch/accounts-2.xml", "batch/accounts-3.txt",
};

/* The same bound as u-ingest-stream.c's, for the same reasons. */
#define IDS_BYTES_PER_ID 18
#define IDS_BYTES_FIXED  (512 * 1024)

static bool under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload");
}

/* splitmix64: a fixed sequence of well-spread 64-bit numbers. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void add_files(struct ingest_ids *ids)
{
	for (int f = 0; f < NFILES; f++)
		if (ingest_ids_add_file(ids, files[f]) != f)
			PL_BUG("file %d got another index", f);
}

/* Where id number i (from 0) is first seen in the tests below. */
static unsigned file_of(unsigned long i)
{
	return (unsigned)(i % NFILES);
}

static unsigned line_of(unsigned long i)
{
	return (unsigned)(i / NFILES + 2);   /* line 1 is a header */
}

/* ---- real ids, through every growth step ---- */

/*
 * "A0000001".."A<n>": insert all, and every 97th insert also repeats an
 * earlier id, so repeats are looked up at every size the set passes
 * through. Then every id is repeated once more at the end.
 */
static void test_sequential(unsigned long n)
{
	struct ingest_ids ids;
	const char *ff;
	unsigned fl;
	char id[32];
	unsigned long bad = 0, missed = 0, wrong = 0;
	size_t peak = 0, last_peak = 0, step, max_step = 0, now;
	struct timespec t0, t1;
	uint64_t r = 1;
	char name[160];

	ingest_ids_init(&ids);
	add_files(&ids);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "A%07lu", i + 1);
		bad += ingest_ids_insert(&ids, id, file_of(i), line_of(i), &ff, &fl) != PL_OK;
		now = ingest_ids_bytes(&ids, &peak);
		step = peak - last_peak;
		if (step > max_step)
			max_step = step;
		last_peak = peak;
		if (now > peak)
			bad++;
		if (i % 97 == 0) {
			unsigned long j = (unsigned long)(next_random(&r) % (i + 1));

			snprintf(id, sizeof(id), "A%07lu", j + 1);
			if (ingest_ids_insert(&ids, id, 0, 1, &ff, &fl) != PL_DONE)
				missed++;
			else if (ff != files[file_of(j)] || fl != line_of(j))
				wrong++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %lu ids: %.3f s with the checks, set %zu KiB (%.2f bytes an id), "
	       "peak %zu KiB, largest step of the peak %zu KiB\n", n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       ingest_ids_bytes(&ids, NULL) / 1024, (double)peak / (double)n,
	       peak / 1024, max_step / 1024);

	snprintf(name, sizeof(name), "sequential: %lu distinct ids, no false duplicate", n);
	is_int(bad, 0, name);
	is_int(ids.used, n, "sequential: every id held once");
	is_int(missed, 0, "sequential: repeats found while the set grows");
	is_int(wrong, 0, "sequential: ... each with its first file and line");

	missed = wrong = 0;
	for (unsigned long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "A%07lu", i + 1);
		if (ingest_ids_insert(&ids, id, 2, 7, &ff, &fl) != PL_DONE)
			missed++;
		else if (ff != files[file_of(i)] || fl != line_of(i))
			wrong++;
	}
	is_int(missed, 0, "sequential: every id repeated at the end is found");
	is_int(wrong, 0, "sequential: ... each with its first file and line");
	is_int(ids.used, n, "sequential: a repeat is not stored");

	snprintf(name, sizeof(name), "sequential: peak %zu bytes, under %d bytes an id",
		 peak, IDS_BYTES_PER_ID);
	ok(peak <= (size_t)IDS_BYTES_PER_ID * n + IDS_BYTES_FIXED, name);
	/*
	 * One partition is 1/512 of the set: some 45 KiB at a million ids,
	 * counted twice while it grows. A set that grew all at once would
	 * step by megabytes here.
	 */
	ok(max_step <= 64 * 1024, "sequential: the peak grows in steps of one partition");

	ingest_ids_release(&ids);
	ok(ids.used == 0 && !ids.parts && !ids.files && ingest_ids_bytes(&ids, NULL) == 0,
	   "sequential: release empties the set");
}

/* Random ids ("R" and 16 hex digits): n distinct, none taken for another. */
static void test_random(unsigned long n)
{
	struct ingest_ids ids;
	const char *ff;
	unsigned fl;
	char id[32];
	unsigned long bad = 0, missed = 0;
	uint64_t r = 20261123;
	char name[160];

	ingest_ids_init(&ids);
	add_files(&ids);
	for (unsigned long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "R%016llx", (unsigned long long)next_random(&r));
		bad += ingest_ids_insert(&ids, id, file_of(i), line_of(i), &ff, &fl) != PL_OK;
	}
	snprintf(name, sizeof(name), "random: %lu distinct ids, no false duplicate", n);
	is_int(bad, 0, name);
	r = 20261123;
	for (unsigned long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "R%016llx", (unsigned long long)next_random(&r));
		if (ingest_ids_insert(&ids, id, 0, 1, &ff, &fl) != PL_DONE ||
		    ff != files[file_of(i)] || fl != line_of(i))
			missed++;
	}
	is_int(missed, 0, "random: every repeat found, with its first file and line");
	ingest_ids_release(&ids);
}

/* ---- hashes that collide in the bits the set looks at first ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Of the sequential ids, the two whose hashes share the longest leading
 * run of bits: real ids in one partition, most likely with one home slot.
 */
static void test_real_near_collision(unsigned long n)
{
	uint64_t *h = malloc(n * sizeof(*h));
	uint64_t best_a = 0, best_b = 0;
	int best = -1;
	char id[32], ida[32] = "", idb[32] = "";
	struct ingest_ids ids;
	const char *ff;
	unsigned fl;
	char name[200];

	if (!h)
		PL_BUG("out of memory");
	for (unsigned long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "A%07lu", i + 1);
		h[i] = ingest_id_hash(id);
	}
	qsort(h, n, sizeof(*h), cmp_u64);
	for (unsigned long i = 1; i < n; i++) {
		int common = h[i] == h[i - 1] ? 64 : __builtin_clzll(h[i] ^ h[i - 1]);

		if (common > best) {
			best = common;
			best_a = h[i - 1];
			best_b = h[i];
		}
	}
	free(h);
	for (unsigned long i = 0; i < n && (!*ida || !*idb); i++) {
		snprintf(id, sizeof(id), "A%07lu", i + 1);
		if (ingest_id_hash(id) == best_a)
			snprintf(ida, sizeof(ida), "%s", id);
		else if (ingest_id_hash(id) == best_b)
			snprintf(idb, sizeof(idb), "%s", id);
	}
	printf("# '%s' and '%s' share the top %d bits of their hashes\n", ida, idb, best);
	ok(best >= INGEST_ID_PART_BITS && best < 64,
	   "near collision: two real ids in one partition, hashes not equal");

	ingest_ids_init(&ids);
	add_files(&ids);
	snprintf(name, sizeof(name), "near collision: '%s' and '%s' are both kept", ida, idb);
	ok(ingest_ids_insert(&ids, ida, 0, 10, &ff, &fl) == PL_OK &&
	   ingest_ids_insert(&ids, idb, 1, 20, &ff, &fl) == PL_OK, name);
	ok(ingest_ids_insert(&ids, idb, 2, 30, &ff, &fl) == PL_DONE &&
	   ff == files[1] && fl == 20 &&
	   ingest_ids_insert(&ids, ida, 2, 40, &ff, &fl) == PL_DONE &&
	   ff == files[0] && fl == 10,
	   "near collision: each found as itself");
	ingest_ids_release(&ids);
}

/*
 * Insert hashes[0..n) and then repeat each: all must be new the first
 * time, found with their own line the second. Returns the failures.
 */
static unsigned long insert_twice(const uint64_t *hashes, unsigned long n)
{
	struct ingest_ids ids;
	const char *ff;
	unsigned fl;
	unsigned long bad = 0;

	ingest_ids_init(&ids);
	add_files(&ids);
	for (unsigned long i = 0; i < n; i++)
		bad += ingest_ids_insert_hash(&ids, hashes[i], file_of(i), line_of(i),
					      &ff, &fl) != PL_OK;
	for (unsigned long i = 0; i < n; i++)
		bad += ingest_ids_insert_hash(&ids, hashes[i], 0, 1, &ff, &fl) != PL_DONE ||
		       ff != files[file_of(i)] || fl != line_of(i);
	bad += ids.used != n;
	ingest_ids_release(&ids);
	return bad;
}

static void test_chosen_hashes(void)
{
	enum { N = 4000 };
	static uint64_t h[N];
	const uint64_t base = 0x9d2c5680b3a1e000ULL;   /* low 13 bits clear */

	/*
	 * Partition and home slot come from the top 41 bits; these differ
	 * only in the low 12: one partition, one home slot (a third of the
	 * way along), one cluster that grows past the end of the table and
	 * wraps round to its start.
	 */
	for (unsigned long i = 0; i < N; i++)
		h[i] = base | (i + 1);
	is_int(insert_twice(h, N), 0, "chosen hashes: 4000 with one partition and one home slot");

	/* The same 55 stored bits in each of the 512 partitions. */
	for (unsigned long p = 0; p < 512; p++)
		h[p] = (uint64_t)p << (64 - INGEST_ID_PART_BITS) | (base >> INGEST_ID_PART_BITS);
	is_int(insert_twice(h, 512), 0, "chosen hashes: differ only in the partition bits");

	/*
	 * Stored bits all zero (and hash 0 itself, which ingest_id_hash()
	 * never returns): an empty slot is not told by the hash.
	 */
	for (unsigned long p = 0; p < 512; p++)
		h[p] = (uint64_t)p << (64 - INGEST_ID_PART_BITS);
	is_int(insert_twice(h, 512), 0, "chosen hashes: the stored 55 bits all zero");

	/* Each single bit flipped, from the lowest to the top partition bit. */
	h[0] = base;
	for (int b = 0; b < 64; b++)
		h[b + 1] = base ^ ((uint64_t)1 << b);
	is_int(insert_twice(h, 65), 0, "chosen hashes: one bit apart, for each of the 64 bits");
}

/* ---- files ---- */

static void test_files(void)
{
	struct ingest_ids ids;
	static char names[PL_MAX_ACCOUNT_FILES][32];
	const char *ff = NULL;
	unsigned fl = 0;
	int bad = 0;

	ingest_ids_init(&ids);
	for (int f = 0; f < PL_MAX_ACCOUNT_FILES; f++) {
		snprintf(names[f], sizeof(names[f]), "accounts-%03d.csv", f);
		bad += ingest_ids_add_file(&ids, names[f]) != f;
	}
	is_int(bad, 0, "files: PL_MAX_ACCOUNT_FILES files, numbered in order");
	is_int(ingest_ids_add_file(&ids, "one-too-many.csv"), -1, "files: one more is refused");
	ok(ingest_ids_insert(&ids, "LAST", PL_MAX_ACCOUNT_FILES - 1, 4294967295u, &ff, &fl) == PL_OK &&
	   ingest_ids_insert(&ids, "LAST", 0, 2, &ff, &fl) == PL_DONE &&
	   ff == names[PL_MAX_ACCOUNT_FILES - 1] && fl == 4294967295u,
	   "files: the last file's index and the largest line come back whole");
	ingest_ids_release(&ids);

	ingest_ids_init(&ids);
	ingest_ids_release(&ids);
	ok(ingest_ids_bytes(&ids, NULL) == 0, "files: a set never used releases cleanly");
}

int main(void)
{
	unsigned long n = under_valgrind() ? 100000 : 1000000;

	test_sequential(n);
	test_random(n);
	test_real_near_collision(n);
	test_chosen_hashes();
	test_files();
	return tap_done();
}
