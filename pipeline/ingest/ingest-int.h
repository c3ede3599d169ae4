/*
 * ingest-int.h: private declarations shared by the files of the ingest
 * stage (csv.c, fields.c, ingest.c, ids.c) and by its unit tests.
 *
 * Three layers, each usable on its own:
 *   core/csv.c  RFC 4180 framing: bytes -> one record of raw fields
 *   fields.c  canonical field table; raw values -> struct account
 *   ids.c       account_id hash set shared by all files of a batch
 * ingest.c ties them together behind ingest.h for account files, and
 * contacts.c does the same for contact event files (contacts*.csv),
 * reusing ingest.c's header mapping and framing rejects. The other
 * formats are record sources that hand ingest.c the raw text of each
 * canonical field (struct raw_account):
 *   xml.c       canonical XML and agency XML through an XSLT mapping
 *   fixed.c     fixed-width lines and their layout file
 *   encoding.c  Windows-1252 / ISO-8859-1 / UTF-8 -> UTF-8
 *   batch.c     which file of a batch is what (ingest_batch_files())
 *
 * Ownership: functions borrow their arguments. A struct csv_record is
 * borrowed from its reader and valid until the next csv_next().
 */
#ifndef PL_INGEST_INT_H
#define PL_INGEST_INT_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/diag.h"
#include "../core/csv.h"
#include "ingest.h"

/* ---- fields.c: the canonical fields and their conversion ---- */

enum field_kind {
	FK_TEXT,
	FK_DATE_PAST,   /* ISO date, not after the run date */
	FK_DATE,        /* ISO date, any */
	FK_MONEY,       /* non-negative cents */
	FK_DEBT_TYPE,
	FK_ITEMIZATION,
	FK_LANGUAGE,
	FK_STATE,
	FK_POSTAL,
	FK_LETTER,
	FK_FLAG,        /* Y/N (y/n), empty = N */
	FK_COUNT,       /* positive whole number */
	FK_TRISTATE,    /* Y/N (y/n), empty = TRI_UNKNOWN */
	FK_CHANNELS,    /* words of call letter email sms -> enum channel bits */
};

struct field_spec {
	const char *name;      /* CSV header name / XML element name */
	bool required;         /* the column must exist (accounts: and be non-empty) */
	enum field_kind kind;
	size_t offset;         /* of the member in struct account */
};

/*
 * In ../shared/DESIGN.md order, which is also the order of validation;
 * the extensions of README.md "Account files" (debt_buyer,
 * opt_out_channels) follow portal_code. fields.c asserts at compile time
 * that the table has INGEST_NFIELDS rows.
 */
#define INGEST_NFIELDS 44
extern const struct field_spec ingest_fields[];

/* Index of the canonical field called name (exact match), or -1. */
int ingest_field_index(const char *name);

/* Clear *out and give every field its "absent" value. */
void fields_defaults(struct account *out);

/*
 * Validate and convert one record. values[i] is the raw text of
 * ingest_fields[i] ("" when the column is absent); it is trimmed here.
 * On the first failing field *out is marked rejected and the rest is left
 * at defaults. Does not look at duplicates. Strings go to arena.
 */
void fields_convert(struct account *out, const char *const *values,
		    int run_date, struct arena *arena);

/* Mark *out rejected with a printf-made message (arena-owned). */
PL_PRINTF(5, 6) void fields_reject(struct account *out, struct arena *arena,
				   const char *code, const char *field,
				   const char *fmt, ...);
/* Fill *r (account or contact event) with a printf-made message. */
PL_PRINTF(5, 6) void ingest_reject(struct reject *r, struct arena *arena,
				   const char *code, const char *field,
				   const char *fmt, ...);
PL_PRINTF(5, 0) void ingest_vreject(struct reject *r, struct arena *arena,
				    const char *code, const char *field,
				    const char *fmt, va_list ap);

/*
 * value for a message: at most a few dozen bytes, cut on a UTF-8
 * boundary with "..." appended. Arena-owned (or value itself).
 */
const char *fields_shown(struct arena *arena, const char *value);

/* Trim ASCII white space at both ends: *start and *len are updated. */
void fields_trim(const char **start, size_t *len);

/* ---- encoding.c ---- */

enum text_encoding { ENC_UTF8 = 0, ENC_WINDOWS_1252, ENC_ISO_8859_1 };

/* The spec's canonical name ("utf-8", ...) -> encoding; NULL/"" is UTF-8. */
enum text_encoding encoding_of(const char *name);
/* "UTF-8", "Windows-1252", "ISO-8859-1": for messages. */
const char *encoding_name(enum text_encoding e);

/* A decoded byte takes at most this many UTF-8 bytes. */
#define ENCODING_MAX_GROWTH 3

/*
 * Decode n bytes of in to UTF-8 at out (room for n * ENCODING_MAX_GROWTH
 * + 1 bytes; NUL-terminated, length in *out_len). Returns false with the
 * offset of the first invalid byte in *bad_at (NUL, an undefined
 * Windows-1252 byte, malformed UTF-8).
 */
bool encoding_decode(enum text_encoding e, const char *in, size_t n, char *out,
		     size_t *out_len, size_t *bad_at);

/* ---- batch.c ---- */

/* The default spec of an account file: canonical CSV, UTF-8. Static. */
const struct input_spec *ingest_default_spec(void);

/* ---- record sources of the formats other than CSV ---- */

/*
 * One record as a source hands it to ingest.c: the raw text of each
 * canonical field, or a reject found while framing it (then values are
 * not looked at). Strings are arena-owned or static.
 */
struct raw_account {
	unsigned line;                       /* where the record starts */
	const char *values[INGEST_NFIELDS];  /* NULL or "": absent */
	const char *account_id;              /* raw, for a reject; "" unknown */
	bool rejected;
	struct reject reject;
};

/* Mark *raw rejected with a printf-made message (arena-owned). */
PL_PRINTF(5, 6) void raw_reject(struct raw_account *raw, struct arena *arena,
				const char *code, const char *field,
				const char *fmt, ...);

/*
 * xml.c: canonical XML (spec->mapping "") or agency XML through the
 * mapping. Open: PL_OK or fatal with diag. Next: PL_OK with *out filled,
 * PL_DONE, or fatal (I/O; a mapping that fails or tries to write, read
 * outside the batch or use the network).
 */
struct xml_source;
PL_WARN_UNUSED int xml_source_open(struct xml_source **out, const char *path,
				   const struct input_spec *spec,
				   struct pl_diag *diag);
PL_WARN_UNUSED int xml_source_next(struct xml_source *x, struct arena *arena,
				   struct raw_account *out, struct pl_diag *diag);
void xml_source_free(struct xml_source *x);

/* fixed.c: fixed-width lines described by spec->layout; same contract. */
struct fixed_source;
PL_WARN_UNUSED int fixed_source_open(struct fixed_source **out, const char *path,
				     const struct input_spec *spec,
				     struct pl_diag *diag);
PL_WARN_UNUSED int fixed_source_next(struct fixed_source *f, struct arena *arena,
				     struct raw_account *out, struct pl_diag *diag);
void fixed_source_free(struct fixed_source *f);

/* ---- ids.c: account_ids of the batch ---- */

/*
 * The set is 2^INGEST_ID_PART_BITS partitions, chosen by the top bits of
 * the hash; each is an open-addressing table of its own, made of blocks
 * of INGEST_ID_BLOCK_SLOTS slots (ids.c says why and what it costs).
 */
#define INGEST_ID_PART_BITS 9
#define INGEST_ID_BLOCK_SLOTS 64

struct ingest_id_block {
	uint64_t keys[INGEST_ID_BLOCK_SLOTS];  /* the hash's low 55 bits, a
						  used bit, the file index;
						  0: empty slot */
	uint32_t lines[INGEST_ID_BLOCK_SLOTS];
};

struct ingest_id_part {
	struct ingest_id_block **blocks;  /* owned array of owned blocks;
					     slot i is in blocks[i / 64] */
	uint32_t nblocks, used;
};

/* Register a file; returns its index or -1 past PL_MAX_ACCOUNT_FILES. */
int ingest_ids_add_file(struct ingest_ids *ids, const char *path);

/*
 * Remember id as seen at (file, line). Returns PL_OK when it is new,
 * PL_DONE when it was seen before (*first_file / *first_line say where,
 * the line exactly as given; nothing is recorded), PL_LIMIT past
 * PL_MAX_BATCH_ACCOUNTS. file is an index from ingest_ids_add_file();
 * PL_MAX_ACCOUNT_FILES or more is a PL_BUG (it would not fit the set).
 */
PL_WARN_UNUSED int ingest_ids_insert(struct ingest_ids *ids, const char *id,
				     unsigned file, unsigned line,
				     const char **first_file,
				     unsigned *first_line);

/*
 * ingest_ids_insert() for an id whose hash is already known: what it
 * does after hashing, exposed so that tests can choose hashes that
 * collide in the bits that pick the partition and the slot.
 */
PL_WARN_UNUSED int ingest_ids_insert_hash(struct ingest_ids *ids, uint64_t hash,
					  unsigned file, unsigned line,
					  const char **first_file,
					  unsigned *first_line);

/* The 64-bit hash used for ids (FNV-1a, then a 64-bit finaliser). */
uint64_t ingest_id_hash(const char *id);

/* ---- ingest.c: one CSV file with a header row (accounts or contacts) ---- */

struct ingest_state {
	enum input_format format;
	struct xml_source *xml;      /* owned; format xml */
	struct fixed_source *fixed;  /* owned; format fixed */
	/* Format csv in a single-byte encoding: records decoded into conv. */
	enum text_encoding encoding;
	char *conv;            /* owned, CSV_CONV_BYTES; NULL for UTF-8 */
	struct csv_record conv_rec;
	const char *path;      /* borrowed from the caller */
	const char *base;      /* base name of path (points into it) */
	const char *what;      /* "account file", "contacts file": for messages */
	FILE *fp;              /* owned */
	struct csv_reader csv;
	struct ingest_ids *ids; /* borrowed; NULL for a contacts file */
	unsigned file_index;
	int run_date;
	/* The file's field table: ingest_fields or contact_fields. Static. */
	const struct field_spec *fields;
	size_t nfields;
	size_t ncolumns;
	int column_field[PL_MAX_FIELDS_PER_RECORD]; /* column -> fields index */
	int field_column[INGEST_NFIELDS]; /* fields index -> column, or -1 */
	unsigned records;
};

/*
 * Allocate a state, open path (a CSV file in encoding) and map its header
 * row against fields[n] (n <= INGEST_NFIELDS): an unknown, empty or
 * duplicate column name and a missing required column are fatal. Returns
 * PL_OK with *out set, or a fatal status with diag and *out NULL.
 */
PL_WARN_UNUSED int ingest_state_open(struct ingest_state **out,
				     const char *path, const char *what,
				     const struct field_spec *fields, size_t n,
				     enum text_encoding encoding,
				     int run_date, struct pl_diag *diag);
void ingest_state_free(struct ingest_state *st);

/*
 * Read the next record: PL_OK with *rec set, PL_DONE, or PL_IO with diag.
 * Counts the record in st->records.
 */
PL_WARN_UNUSED int ingest_state_next(struct ingest_state *st,
				     const struct csv_record **rec,
				     struct pl_diag *diag);

/*
 * The trimmed raw text of field index idx of a record whatever else is
 * wrong with it, so a reject can still name the record: "" when the
 * column is absent, cut off or not UTF-8. Arena-owned.
 */
const char *ingest_raw_field(const struct ingest_state *st,
			     const struct csv_record *rec, int idx,
			     struct arena *arena);

/*
 * Framing: a csv_problem of the record, or a field count that differs
 * from the header's, becomes a reject in *r (codes BAD_CSV,
 * FIELD_TOO_LONG, FIELD_COUNT, BAD_ENCODING). Returns true when it did.
 */
bool ingest_reject_framing(const struct ingest_state *st,
			   const struct csv_record *rec, struct reject *r,
			   struct arena *arena);

/* ---- contacts.c ---- */

#define CONTACT_NFIELDS 5
extern const struct field_spec contact_fields[];

/*
 * Parse an ISO 8601 timestamp with an offset:
 * YYYY-MM-DDTHH:MM[:SS[.f{1,3}]](Z|+HH:MM|-HH:MM), a real date (years
 * 1900-2199) and time, offset at most 14:00 either way. *date_out gets
 * the calendar date as written (not converted to UTC). Returns 0 or -1.
 */
PL_WARN_UNUSED int contacts_parse_at(const char *s, int *date_out);

#endif
