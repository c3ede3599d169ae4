/*
 * ids.c: every account_id of a batch, to refuse duplicates.
 *
 * DESIGN.md makes account_id unique within the batch, across all its
 * files, and memory must not grow with what each account holds. So the
 * set keeps no strings: only a 64-bit hash of each id and where it was
 * first seen (file index, line).
 *
 * The memory budget shapes the rest: a run of 1,000,000 accounts must
 * peak at 64 MiB of RSS, and everything but this set takes about 30 MiB.
 * The first design, one table of 16-byte slots (hash, file, line) at most
 * 3/4 full that doubled, cost 32 MiB at a million ids and peaked at
 * 48 MiB while it doubled, because the old and the new table were both
 * live. Three changes bring that down:
 *
 *   - 12 bytes a slot, as two arrays: a 64-bit key and a 32-bit line.
 *   - 512 partitions, chosen by the top 9 bits of the hash, each its own
 *     table that grows on its own. Those 9 bits need not be stored, as
 *     the partition implies them, which is what makes the key fit: the
 *     other 55 bits of the hash, a used bit and the 8-bit file index
 *     (PL_MAX_ACCOUNT_FILES is 256). The line keeps all 32 bits, so a
 *     duplicate always names its true first line. Growing one partition
 *     copies 1/512 of the set, so a small step is cheap: a partition at
 *     most 7/8 full gets a quarter more slots, where a single table
 *     would want to double.
 *   - Each table is made of blocks of 64 slots (768 bytes), reached
 *     through a small array of block pointers. All blocks are one size,
 *     so those freed by one partition's growth are what the next growth
 *     takes, and the heap does not fragment. Tables of varying sizes
 *     did: their freed holes were too small for the next, larger
 *     tables, and the heap ran about 17% above what the set held.
 *
 * Memory: a partition's load lies between 0.7 (7/8 over 1.25) and 7/8,
 * and a slot costs 12.125 bytes with its share of the block pointer, so
 * an id costs 13.9 to 17.3 bytes, plus at most one block of rounding per
 * partition. Measured from 100,000 to 2,000,000 ids: 16.5 bytes at worst
 * and 15.5 on average; at 1,000,000 ids, 15.5 MiB. The partitions fill
 * alike, so they pass a given step at about the same time and the total
 * swings within that range, but each moment adds only one partition
 * held twice while it is rebuilt (some 30 KiB at a million ids). The
 * directory of partitions adds 8 KiB, and malloc about 2% (16 bytes a
 * block). ingest_ids_bytes() reports the set's own count, which
 * u-ingest-stream and u-ingest-ids check. At PL_MAX_BATCH_ACCOUNTS (50
 * million) that is about 750 MiB, against 1.5 GiB before.
 *
 * Lookups: linear probing from a home slot drawn from the next 32 bits of
 * the hash, by multiply and shift, so a table of any size works. A miss,
 * and so every insert, reads on average 6 keys just after a partition
 * grew and 32 when it is 7/8 full, all in one or a few cache lines; the
 * cost is the cache misses to reach them. Each growth moves the keys of
 * one partition, about four moves an id in all, in a table small enough
 * to stay in cache. A million inserts of random hashes take 0.15 to
 * 0.2 s, against 0.1 s for the 16-byte table: the hop through the block
 * pointers is most of the difference, the price of the unfragmented heap.
 *
 * Exactness: two ids are taken for one only if all 64 bits of their
 * hashes are equal, as the partition gives 9 bits and the key the other
 * 55. The price of keeping no strings: two different ids with the same
 * 64-bit hash would be reported as a duplicate. For a million accounts
 * the odds are about 1 in 37 million per batch, and the reject names both
 * places, so an operator can see it at once. NEEDSWORK: if that ever
 * matters, confirm a hit by re-reading the first record.
 */
#include "../pl.h"
#include "../core/xalloc.h"
#include "ingest-int.h"

#define IDS_PART_BITS   INGEST_ID_PART_BITS
#define IDS_PARTS       ((size_t)1 << IDS_PART_BITS)
#define IDS_BLOCK_SLOTS INGEST_ID_BLOCK_SLOTS

/*
 * A key: bits 63..9 are the hash's low 55 bits (the hash shifted left by
 * IDS_PART_BITS, which drops the partition bits), bit 8 says the slot is
 * used, bits 7..0 are the file index. 0 is an empty slot.
 */
#define IDS_USED        ((uint64_t)1 << 8)
#define IDS_FILE_MASK   ((uint64_t)0xff)
#define IDS_TAG_MASK    (~(uint64_t)0x1ff)

#define IDS_LOAD_NUM    7       /* a partition is at most 7/8 full ... */
#define IDS_LOAD_DEN    8
#define IDS_GROW_DIV    4       /* ... then gets a quarter more blocks */

_Static_assert(PL_MAX_ACCOUNT_FILES <= 256, "a file index fits the key's 8 bits");
_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "a line fits 32 bits");
_Static_assert(IDS_PART_BITS == 9, "the key layout above assumes 9 partition bits");
/*
 * Slot indexes are uint32_t: even if every id fell into one partition, it
 * would have fewer than twice as many slots as ids.
 */
_Static_assert((uint64_t)PL_MAX_BATCH_ACCOUNTS * 2 < UINT32_MAX,
	       "a partition's slot index fits 32 bits");

uint64_t ingest_id_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a offset basis */

	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;          /* FNV-1a 64-bit prime */
	}
	/*
	 * FNV-1a's low bits mix poorly for short keys that differ only at
	 * the end ("A0001", "A0002"); the MurmurHash3 finaliser spreads
	 * every input bit over the partition and slot index bits. It is a
	 * bijection, so it adds no collisions.
	 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;   /* 0 was the empty slot once; kept as is */
}

void ingest_ids_init(struct ingest_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
}

static void free_blocks(struct ingest_id_part *part)
{
	for (uint32_t i = 0; i < part->nblocks; i++)
		free(part->blocks[i]);
	free(part->blocks);
}

void ingest_ids_release(struct ingest_ids *ids)
{
	if (ids->parts)
		for (size_t i = 0; i < IDS_PARTS; i++)
			free_blocks(&ids->parts[i]);
	free(ids->parts);
	free(ids->files);
	memset(ids, 0, sizeof(*ids));
}

size_t ingest_ids_bytes(const struct ingest_ids *ids, size_t *peak)
{
	if (peak)
		*peak = ids->peak_bytes;
	return ids->bytes;
}

int ingest_ids_add_file(struct ingest_ids *ids, const char *path)
{
	if (ids->nfiles >= PL_MAX_ACCOUNT_FILES)
		return -1;
	ids->files = xrealloc(ids->files, (ids->nfiles + 1) * sizeof(*ids->files));
	ids->files[ids->nfiles] = path;
	return (int)ids->nfiles++;
}

/* Count bytes allocated, then freed, for ingest_ids_bytes(). */
static void note_bytes(struct ingest_ids *ids, size_t more, size_t less)
{
	ids->bytes += more;
	if (ids->bytes > ids->peak_bytes)
		ids->peak_bytes = ids->bytes;
	ids->bytes -= less;
}

/* What a partition of nblocks blocks costs: the blocks and their array. */
static size_t part_bytes(uint32_t nblocks)
{
	return (size_t)nblocks * (sizeof(struct ingest_id_block) +
				  sizeof(struct ingest_id_block *));
}

static uint64_t *key_at(const struct ingest_id_part *part, uint32_t i)
{
	return &part->blocks[i / IDS_BLOCK_SLOTS]->keys[i % IDS_BLOCK_SLOTS];
}

static uint32_t *line_at(const struct ingest_id_part *part, uint32_t i)
{
	return &part->blocks[i / IDS_BLOCK_SLOTS]->lines[i % IDS_BLOCK_SLOTS];
}

/*
 * The slot holding tag, or the empty slot where it would go. The home
 * slot is the key's top 32 bits (hash bits 54..23) scaled to the table,
 * so a table of any size works and growth need not double.
 */
static uint32_t probe(const struct ingest_id_part *part, uint64_t tag)
{
	uint32_t nslots = part->nblocks * IDS_BLOCK_SLOTS;
	uint32_t i = (uint32_t)(((tag >> 32) * nslots) >> 32);

	for (;;) {
		uint64_t key = *key_at(part, i);

		if (!key || (key & IDS_TAG_MASK) == tag)
			return i;
		if (++i == nslots)
			i = 0;
	}
}

/*
 * Rebuild part with a quarter more blocks (at least one more). The new
 * blocks are taken before the old ones are freed, so this partition is
 * briefly held twice; the freed blocks are all one size, so the next
 * partition to grow reuses them and the heap does not fragment.
 */
static void grow(struct ingest_ids *ids, struct ingest_id_part *part)
{
	struct ingest_id_part old = *part;
	uint32_t step = old.nblocks / IDS_GROW_DIV;
	uint32_t nblocks = old.nblocks + (step ? step : 1);

	part->blocks = xmalloc(nblocks * sizeof(*part->blocks));
	for (uint32_t b = 0; b < nblocks; b++)
		part->blocks[b] = xcalloc(1, sizeof(*part->blocks[b]));
	part->nblocks = nblocks;
	note_bytes(ids, part_bytes(nblocks), part_bytes(old.nblocks));
	for (uint32_t b = 0; b < old.nblocks; b++)
		for (uint32_t s = 0; s < IDS_BLOCK_SLOTS; s++) {
			uint64_t key = old.blocks[b]->keys[s];
			uint32_t j;

			if (!key)
				continue;
			j = probe(part, key & IDS_TAG_MASK);
			*key_at(part, j) = key;
			*line_at(part, j) = old.blocks[b]->lines[s];
		}
	free_blocks(&old);
}

int ingest_ids_insert_hash(struct ingest_ids *ids, uint64_t hash,
			   unsigned file, unsigned line,
			   const char **first_file, unsigned *first_line)
{
	struct ingest_id_part *part;
	uint64_t tag = hash << IDS_PART_BITS;
	uint32_t i;

	if (file > IDS_FILE_MASK)
		PL_BUG("file index %u does not fit a key", file);
	if (!ids->parts) {
		ids->parts = xcalloc(IDS_PARTS, sizeof(*ids->parts));
		note_bytes(ids, IDS_PARTS * sizeof(*ids->parts), 0);
	}
	part = &ids->parts[hash >> (64 - IDS_PART_BITS)];
	i = 0;
	if (part->nblocks) {
		i = probe(part, tag);
		if (*key_at(part, i)) {
			unsigned f = (unsigned)(*key_at(part, i) & IDS_FILE_MASK);

			*first_file = f < ids->nfiles ? ids->files[f] : "";
			*first_line = *line_at(part, i);
			return PL_DONE;
		}
	}
	if (ids->used >= (size_t)PL_MAX_BATCH_ACCOUNTS)
		return PL_LIMIT;
	/* A partition with no blocks yet always grows here. */
	if (((uint64_t)part->used + 1) * IDS_LOAD_DEN >
	    (uint64_t)part->nblocks * IDS_BLOCK_SLOTS * IDS_LOAD_NUM) {
		grow(ids, part);
		i = probe(part, tag);
	}
	*key_at(part, i) = tag | IDS_USED | file;
	*line_at(part, i) = line;
	part->used++;
	ids->used++;
	return PL_OK;
}

int ingest_ids_insert(struct ingest_ids *ids, const char *id, unsigned file,
		      unsigned line, const char **first_file,
		      unsigned *first_line)
{
	return ingest_ids_insert_hash(ids, ingest_id_hash(id), file, line,
				      first_file, first_line);
}
