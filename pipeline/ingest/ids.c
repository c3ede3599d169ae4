/*
 * ids.c: every account_id of a batch, to refuse duplicates.
 *
 * DESIGN.md makes account_id unique within the batch, across all its
 * files, and memory must not grow with what each account holds. So the
 * set keeps no strings: a slot is a 64-bit hash of the id and where it
 * was first seen (file index, line), 16 bytes. The table is open
 * addressing with linear probing, kept at most three quarters full, and
 * doubles when it would pass that.
 *
 * The price of keeping no strings: two different ids with the same 64-bit
 * hash would be reported as a duplicate. For a million accounts the odds
 * are about 1 in 37 million per batch, and the reject names both places,
 * so an operator can see it at once. NEEDSWORK: if that ever matters,
 * confirm a hit by re-reading the first record.
 */
#include "../pl.h"
#include "../core/xalloc.h"
#include "ingest-int.h"

#define IDS_INITIAL_SLOTS 1024

_Static_assert(sizeof(struct ingest_id_slot) == 16, "an id costs 16 bytes");

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
	 * every input bit over the slot index bits. It is a bijection, so it
	 * adds no collisions.
	 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;   /* 0 marks an empty slot */
}

void ingest_ids_init(struct ingest_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
}

void ingest_ids_release(struct ingest_ids *ids)
{
	free(ids->slots);
	free(ids->files);
	memset(ids, 0, sizeof(*ids));
}

int ingest_ids_add_file(struct ingest_ids *ids, const char *path)
{
	if (ids->nfiles >= PL_MAX_ACCOUNT_FILES)
		return -1;
	ids->files = xrealloc(ids->files, (ids->nfiles + 1) * sizeof(*ids->files));
	ids->files[ids->nfiles] = path;
	return (int)ids->nfiles++;
}

static struct ingest_id_slot *probe(struct ingest_id_slot *slots, size_t nslots,
				    uint64_t hash)
{
	size_t mask = nslots - 1;
	size_t i = (size_t)hash & mask;

	while (slots[i].hash && slots[i].hash != hash)
		i = (i + 1) & mask;
	return &slots[i];
}

static void grow(struct ingest_ids *ids)
{
	size_t nslots = ids->nslots ? ids->nslots * 2 : IDS_INITIAL_SLOTS;
	struct ingest_id_slot *slots = xcalloc(nslots, sizeof(*slots));

	for (size_t i = 0; i < ids->nslots; i++)
		if (ids->slots[i].hash)
			*probe(slots, nslots, ids->slots[i].hash) = ids->slots[i];
	free(ids->slots);
	ids->slots = slots;
	ids->nslots = nslots;
}

int ingest_ids_insert(struct ingest_ids *ids, const char *id, unsigned file,
		      unsigned line, const char **first_file,
		      unsigned *first_line)
{
	uint64_t hash = ingest_id_hash(id);
	struct ingest_id_slot *slot;

	if (ids->nslots) {
		slot = probe(ids->slots, ids->nslots, hash);
		if (slot->hash) {
			*first_file = slot->file < ids->nfiles ? ids->files[slot->file] : "";
			*first_line = slot->line;
			return PL_DONE;
		}
	}
	if (ids->used >= (size_t)PL_MAX_BATCH_ACCOUNTS)
		return PL_LIMIT;
	if ((ids->used + 1) * 4 > ids->nslots * 3)
		grow(ids);
	slot = probe(ids->slots, ids->nslots, hash);
	slot->hash = hash;
	slot->file = file;
	slot->line = line;
	ids->used++;
	return PL_OK;
}
