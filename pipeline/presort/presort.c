/*
 * presort.c: spool accounts, sort them by ZIP code, read them back
 * (see presort.h).
 *
 * An entry is [u32 length][key][account fields], the key memcmp-ordered:
 * 9 bytes of ZIP key, then file index and record number big-endian, so
 * two entries never compare equal and the order is total. The account is
 * written field by field from a table (strings as u32 length + bytes,
 * numbers as their bytes): a field added to struct account without a row
 * here stops the build (the size assertion below).
 *
 * In memory: one byte buffer of entries and an array of their offsets,
 * sorted with qsort. Spilled: the same entries, sorted, one run file per
 * full buffer; read back through stdio buffers and merged by picking the
 * smallest head among the runs (a few dozen runs for a million accounts).
 */
#include "../pl.h"
#include "presort.h"
#include "../core/xalloc.h"

#include <stddef.h>
#include <unistd.h>

#define KEY_BYTES (PRESORT_ZIP_KEY + 8)
/* An entry's length word is checked on reading: a torn run is an error. */
#define MAX_ENTRY_BYTES (16u << 20)

enum fkind { F_STR, F_INT, F_I64, F_BOOL, F_UINT };

struct fdesc {
	enum fkind kind;
	size_t offset;
};

#define S(m) { F_STR, offsetof(struct account, m) }
#define I(m) { F_INT, offsetof(struct account, m) }
#define L(m) { F_I64, offsetof(struct account, m) }
#define B(m) { F_BOOL, offsetof(struct account, m) }
#define U(m) { F_UINT, offsetof(struct account, m) }

/* Every field of struct account but file and the reject. */
static const struct fdesc fields[] = {
	U(line), U(record),
	S(account_id), S(consumer_id), S(creditor_name), S(original_creditor),
	S(creditor_account_ref), I(debt_type),
	S(first_name), S(middle_name), S(last_name), S(name_suffix),
	S(address_line1), S(address_line2), S(city), S(state), S(postal_code),
	S(language), I(itemization_date_type), I(itemization_date),
	L(amount_at_itemization), L(interest_since), L(fees_since),
	L(payments_since), L(credits_since), L(current_balance),
	I(delinquency_date), I(last_payment_date), I(charge_off_date),
	S(letter), I(validation_sent_on), I(dispute_received_on),
	I(verification_sent_on), I(cease_requested_on),
	B(attorney_represented), B(bankruptcy), B(deceased), B(identity_theft_claim),
	L(settlement_amount), I(settlement_expires_on), L(plan_installment),
	I(plan_count), I(plan_first_due), S(portal_code),
	I(debt_buyer), U(opt_out_channels),
};

#undef S
#undef I
#undef L
#undef B
#undef U

_Static_assert(sizeof(enum debt_type) == sizeof(int) &&
	       sizeof(enum itemization_type) == sizeof(int) &&
	       sizeof(enum tristate) == sizeof(int),
	       "presort.c writes these enums as int");
/* A new member of struct account needs its row in fields[] above. */
_Static_assert(sizeof(struct account) == 328,
	       "struct account changed: update presort.c's field table");

/* A growable byte array (entries are bounded by the record caps of ingest). */
struct bytes {
	unsigned char *data;       /* owned */
	size_t len, alloc;
};

static void bytes_reserve(struct bytes *b, size_t more)
{
	if (b->len + more <= b->alloc)
		return;
	while (b->len + more > b->alloc)
		b->alloc = b->alloc ? 2 * b->alloc : 65536;
	b->data = xrealloc(b->data, b->alloc);
}

static void bytes_add(struct bytes *b, const void *data, size_t len)
{
	bytes_reserve(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

struct run_file {
	FILE *fp;                  /* owned */
	struct bytes head;         /* owned: the entry at the head of the run */
	bool done;
};

/* An entry in memory: its key (copied, for a cache-friendly sort) and where it is. */
struct slot {
	unsigned char key[KEY_BYTES];
	size_t off;
};

struct presort {
	char *tmp_dir;             /* owned copy */
	size_t mem_cap;
	struct bytes mem;          /* owned: entries */
	struct slot *offs;         /* owned: key and offset of each entry in mem */
	size_t noffs, alloc_offs;
	unsigned long count;
	unsigned nruns;
	struct run_file *runs;     /* owned, nruns of them, after sort */
	size_t next_mem;           /* in-memory merge: next offset index */
	bool sorted;
};

/* ---- keys and entries ---- */

void presort_zip_key(const char *postal_code, char key[PRESORT_ZIP_KEY])
{
	char digits[10];
	size_t n = 0;
	const char *p = postal_code ? postal_code : "";

	for (; *p && n < sizeof(digits); p++) {
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
		else if (!(*p == '-' && n == 5))
			break;
	}
	if (*p || (n != 5 && n != 9)) {
		memcpy(key, "99999    ", PRESORT_ZIP_KEY);
		return;
	}
	memcpy(key, digits, 5);
	if (n == 9)
		memcpy(key + 5, digits + 5, 4);
	else
		memset(key + 5, ' ', 4);
}

static void put_u32be(struct bytes *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	bytes_add(b, x, 4);
}

/* Where the field table's bytes go: presort's own buffer or a caller's buf. */
typedef void (*sink_fn)(void *sink, const void *data, size_t len);

static void bytes_sink(void *sink, const void *data, size_t len)
{
	bytes_add(sink, data, len);
}

static void put_str(sink_fn put, void *sink, const char *s)
{
	uint32_t len = s ? (uint32_t)strlen(s) : 0;

	put(sink, &len, sizeof(len));
	if (len)
		put(sink, s, len);
}

/* Every field of fields[], in order. */
static void pack_fields(sink_fn put, void *sink, const struct account *a)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(fields); i++) {
		const char *m = (const char *)a + fields[i].offset;
		switch (fields[i].kind) {
		case F_STR:  put_str(put, sink, *(const char *const *)m); break;
		case F_INT:  put(sink, m, sizeof(int)); break;
		case F_I64:  put(sink, m, sizeof(int64_t)); break;
		case F_BOOL: put(sink, m, sizeof(bool)); break;
		case F_UINT: put(sink, m, sizeof(unsigned)); break;
		}
	}
}

/*
 * What pack_fields() wrote, from p (at most end) into *a, strings into
 * the arena. NULL when the bytes end before the fields do.
 */
static const unsigned char *unpack_fields(const unsigned char *p,
					  const unsigned char *end,
					  struct arena *arena, struct account *a)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(fields); i++) {
		char *m = (char *)a + fields[i].offset;
		size_t size = 0;
		uint32_t slen;

		switch (fields[i].kind) {
		case F_STR:
			if ((size_t)(end - p) < sizeof(slen))
				return NULL;
			memcpy(&slen, p, sizeof(slen));
			p += sizeof(slen);
			if ((size_t)(end - p) < slen)
				return NULL;
			*(const char **)m = arena_strndup(arena, (const char *)p, slen);
			p += slen;
			continue;
		case F_INT:  size = sizeof(int); break;
		case F_I64:  size = sizeof(int64_t); break;
		case F_BOOL: size = sizeof(bool); break;
		case F_UINT: size = sizeof(unsigned); break;
		}
		if ((size_t)(end - p) < size)
			return NULL;
		memcpy(m, p, size);
		p += size;
	}
	return p;
}

/* Append one entry for account to b. */
static void encode(struct bytes *b, const struct account *a, unsigned file_index)
{
	size_t start = b->len;
	uint32_t len = 0;
	char zip[PRESORT_ZIP_KEY];

	bytes_add(b, &len, sizeof(len));   /* patched below */
	presort_zip_key(a->postal_code, zip);
	bytes_add(b, zip, sizeof(zip));
	put_u32be(b, file_index);
	put_u32be(b, a->record);
	pack_fields(bytes_sink, b, a);
	len = (uint32_t)(b->len - start);
	memcpy(b->data + start, &len, sizeof(len));
}

/* Decode the entry at e (len bytes, trusted: we wrote it) into *a. */
static void decode(const unsigned char *e, size_t len, struct arena *arena,
		   struct account *a, unsigned *file_index)
{
	const unsigned char *p = e + sizeof(uint32_t) + PRESORT_ZIP_KEY;

	memset(a, 0, sizeof(*a));
	*file_index = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
		      (unsigned)p[2] << 8 | p[3];
	p += 8;
	if (unpack_fields(p, e + len, arena, a) != e + len)
		PL_BUG("presort entry of %zu bytes does not decode", len);
}

/* ---- an account as bytes, for other spools ---- */

static void buf_sink(void *sink, const void *data, size_t len)
{
	if (buf_add(sink, data, len) != PL_OK)
		PL_BUG("an account of more than the spool's cap");
}

void presort_pack_account(struct buf *out, const struct account *a)
{
	pack_fields(buf_sink, out, a);
}

const unsigned char *presort_unpack_account(const unsigned char *p,
					    const unsigned char *end,
					    struct arena *arena, struct account *a)
{
	memset(a, 0, sizeof(*a));
	return unpack_fields(p, end, arena, a);
}

static int compare_slots(const void *a, const void *b)
{
	return memcmp(((const struct slot *)a)->key, ((const struct slot *)b)->key,
		      KEY_BYTES);
}

/* ---- runs ---- */

static char *run_path(const struct presort *ps, unsigned n)
{
	return xasprintf("%s/.presort-%04u", ps->tmp_dir, n);
}

static void sort_mem(struct presort *ps)
{
	qsort(ps->offs, ps->noffs, sizeof(*ps->offs), compare_slots);
}

/* Sort the buffer and write it out as the next run file. */
static int spill(struct presort *ps, struct pl_diag *diag)
{
	char *path = run_path(ps, ps->nruns);
	FILE *fp = fopen(path, "wb");
	int rc = PL_OK;

	if (!fp) {
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot create '%s': %s",
				 path, strerror(errno));
		goto out;
	}
	sort_mem(ps);
	for (size_t i = 0; i < ps->noffs; i++) {
		const unsigned char *e = ps->mem.data + ps->offs[i].off;
		uint32_t len;

		memcpy(&len, e, sizeof(len));
		if (fwrite(e, 1, len, fp) != len)
			break;
	}
	if (ferror(fp) | fclose(fp))
		rc = pl_diag_set(diag, PL_IO_WRITE, path, 0, "cannot write '%s': %s",
				 path, strerror(errno));
	ps->nruns++;
	ps->noffs = 0;
	ps->mem.len = 0;
out:
	free(path);
	return rc;
}

/* Read the next entry of a run into its head buffer; done at the end. */
static int run_advance(struct presort *ps, struct run_file *r, unsigned n,
		       struct pl_diag *diag)
{
	uint32_t len;
	size_t got = fread(&len, 1, sizeof(len), r->fp);

	r->head.len = 0;
	if (got == 0 && feof(r->fp)) {
		r->done = true;
		return PL_OK;
	}
	if (got != sizeof(len) || len < sizeof(len) + KEY_BYTES || len > MAX_ENTRY_BYTES)
		goto torn;
	bytes_add(&r->head, &len, sizeof(len));
	bytes_reserve(&r->head, len);
	if (fread(r->head.data + sizeof(len), 1, len - sizeof(len), r->fp) != len - sizeof(len))
		goto torn;
	r->head.len = len;
	return PL_OK;
torn:
	return pl_diag_set(diag, PL_IO, ps->tmp_dir, 0,
			   "cannot read presort run %u in '%s': %s", n, ps->tmp_dir,
			   ferror(r->fp) ? strerror(errno) : "it is cut short");
}

/* ---- the interface ---- */

int presort_open(struct presort **out, const char *tmp_dir, size_t mem_cap,
		 struct pl_diag *diag)
{
	struct presort *ps = xcalloc(1, sizeof(*ps));

	(void)diag;
	ps->tmp_dir = xstrdup(tmp_dir);
	ps->mem_cap = mem_cap ? mem_cap : PRESORT_MEM_CAP;
	*out = ps;
	return PL_OK;
}

int presort_add(struct presort *ps, const struct account *account,
		unsigned file_index, struct pl_diag *diag)
{
	size_t at = ps->mem.len;
	int rc = PL_OK;

	if (ps->sorted)
		PL_BUG("presort_add after presort_sort");
	encode(&ps->mem, account, file_index);
	if (ps->noffs == ps->alloc_offs) {
		ps->alloc_offs = ps->alloc_offs ? 2 * ps->alloc_offs : 1024;
		ps->offs = xrealloc(ps->offs, ps->alloc_offs * sizeof(*ps->offs));
	}
	memcpy(ps->offs[ps->noffs].key, ps->mem.data + at + sizeof(uint32_t), KEY_BYTES);
	ps->offs[ps->noffs++].off = at;
	ps->count++;
	if (ps->mem.len + ps->noffs * sizeof(struct slot) >= ps->mem_cap)
		rc = spill(ps, diag);
	return rc;
}

int presort_sort(struct presort *ps, struct pl_diag *diag)
{
	int rc = PL_OK;

	if (ps->sorted)
		PL_BUG("presort_sort called twice");
	ps->sorted = true;
	if (ps->nruns == 0) {
		sort_mem(ps);      /* all in memory: read straight from the buffer */
		return PL_OK;
	}
	if (ps->noffs)
		rc = spill(ps, diag);
	ps->runs = xcalloc(ps->nruns, sizeof(*ps->runs));
	for (unsigned i = 0; i < ps->nruns && rc == PL_OK; i++) {
		char *path = run_path(ps, i);
		struct run_file *r = &ps->runs[i];

		r->fp = fopen(path, "rb");
		if (!r->fp)
			rc = pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot open '%s': %s",
					 path, strerror(errno));
		else
			unlink(path);   /* open: readable until closed, gone after */
		if (rc == PL_OK)
			rc = run_advance(ps, r, i, diag);
		free(path);
	}
	return rc;
}

int presort_next(struct presort *ps, struct arena *arena, struct account *account,
		 unsigned *file_index, struct pl_diag *diag)
{
	struct run_file *best = NULL;
	unsigned best_i = 0;

	if (!ps->sorted)
		PL_BUG("presort_next before presort_sort");
	if (ps->nruns == 0) {
		const unsigned char *e;
		uint32_t len;

		if (ps->next_mem == ps->noffs)
			return PL_DONE;
		e = ps->mem.data + ps->offs[ps->next_mem++].off;
		memcpy(&len, e, sizeof(len));
		decode(e, len, arena, account, file_index);
		return PL_OK;
	}
	for (unsigned i = 0; i < ps->nruns; i++) {
		struct run_file *r = &ps->runs[i];
		if (r->done)
			continue;
		if (!best || memcmp(r->head.data + sizeof(uint32_t),
				    best->head.data + sizeof(uint32_t), KEY_BYTES) < 0) {
			best = r;
			best_i = i;
		}
	}
	if (!best)
		return PL_DONE;
	decode(best->head.data, best->head.len, arena, account,
	       file_index);
	return run_advance(ps, best, best_i, diag);
}

unsigned long presort_count(const struct presort *ps)
{
	return ps->count;
}

unsigned presort_runs(const struct presort *ps)
{
	return ps->nruns;
}

void presort_free(struct presort *ps)
{
	if (!ps)
		return;
	for (unsigned i = 0; ps->runs && i < ps->nruns; i++) {
		if (ps->runs[i].fp)
			fclose(ps->runs[i].fp);
		free(ps->runs[i].head.data);
	}
	if (!ps->runs) {
		/* Spilled but never sorted (an error on the way): remove the runs. */
		for (unsigned i = 0; i < ps->nruns; i++) {
			char *path = run_path(ps, i);
			unlink(path);
			free(path);
		}
	}
	free(ps->runs);
	free(ps->offs);
	free(ps->mem.data);
	free(ps->tmp_dir);
	free(ps);
}
