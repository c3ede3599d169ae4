/*
 * ingest-int.h: private declarations shared by the files of the ingest
 * stage (csv.c, fields.c, ingest.c, ids.c) and by its unit tests.
 *
 * Three layers, each usable on its own:
 *   csv.c     RFC 4180 framing: bytes -> one record of raw fields
 *   fields.c  canonical field table; raw values -> struct account
 *   ids.c     account_id hash set shared by all files of a batch
 * ingest.c ties them together behind ingest.h.
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
#include "ingest.h"

/* ---- csv.c: the streaming record reader ---- */

#define CSV_CHUNK_BYTES 65536   /* fread() size; the file is never read whole */

/*
 * What went wrong with one record's framing. The reader always finds the
 * end of the record anyway, so the next csv_next() starts clean.
 */
enum csv_problem {
	CSV_FINE = 0,
	CSV_BARE_QUOTE,        /* '"' inside an unquoted field */
	CSV_JUNK_AFTER_QUOTE,  /* 'x' right after a closing quote */
	CSV_UNTERMINATED,      /* quoted field still open at end of file */
	CSV_FIELD_TOO_LONG,    /* a field over PL_MAX_FIELD_BYTES */
	CSV_RECORD_TOO_LONG,   /* the record over PL_MAX_RECORD_BYTES */
	CSV_TOO_MANY_FIELDS,   /* over PL_MAX_FIELDS_PER_RECORD */
	CSV_BAD_UTF8,          /* a field is not valid UTF-8 (or holds NUL) */
};

struct csv_record {
	unsigned line;         /* physical line where the record starts */
	size_t nfields;        /* fields counted, even those not stored */
	size_t nstored;        /* fields available in field[] / len[] */
	const char *field[PL_MAX_FIELDS_PER_RECORD]; /* NUL-terminated, borrowed */
	size_t len[PL_MAX_FIELDS_PER_RECORD];
	enum csv_problem problem;     /* the first one found */
	size_t problem_field;  /* 0-based field the problem is in */
};

struct csv_reader {
	FILE *fp;              /* borrowed */
	char *chunk;           /* owned, chunk_size bytes */
	size_t chunk_size, pos, len;
	unsigned char head[3]; /* first bytes, read to look for a BOM */
	size_t head_len, head_pos;
	bool head_read, eof, io_error;
	int io_errno;
	unsigned line;         /* physical line of the next byte (1-based) */
	bool last_cr;          /* previous byte was CR: a following LF is not a new line */
	char *data;            /* owned: field bytes, each field NUL-terminated */
	struct csv_record rec;
};

/* chunk_size 0 means CSV_CHUNK_BYTES (tests use tiny chunks). */
void csv_init(struct csv_reader *r, FILE *fp, size_t chunk_size);
void csv_release(struct csv_reader *r);
/*
 * Read the next record (blank lines are skipped). PL_OK: *out points at
 * it (borrowed, check ->problem). PL_DONE: end of input. PL_IO: read
 * error, errno value in r->io_errno.
 */
PL_WARN_UNUSED int csv_next(struct csv_reader *r, const struct csv_record **out);
/* Short English description of a problem ("stray quote", ...). */
const char *csv_problem_name(enum csv_problem p);

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
};

struct field_spec {
	const char *name;      /* CSV header name / XML element name */
	bool required;
	enum field_kind kind;
	size_t offset;         /* of the member in struct account */
};

/*
 * In ../shared/DESIGN.md order, which is also the order of validation.
 * fields.c asserts at compile time that the table has INGEST_NFIELDS rows.
 */
#define INGEST_NFIELDS 42
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

/*
 * value for a message: at most a few dozen bytes, cut on a UTF-8
 * boundary with "..." appended. Arena-owned (or value itself).
 */
const char *fields_shown(struct arena *arena, const char *value);

/* Trim ASCII white space at both ends: *start and *len are updated. */
void fields_trim(const char **start, size_t *len);

/* ---- ids.c: account_ids of the batch ---- */

struct ingest_id_slot {
	uint64_t hash;         /* 0: empty slot */
	uint32_t file;         /* index into ingest_ids.files */
	uint32_t line;
};

/* Register a file; returns its index or -1 past PL_MAX_ACCOUNT_FILES. */
int ingest_ids_add_file(struct ingest_ids *ids, const char *path);

/*
 * Remember id as seen at (file, line). Returns PL_OK when it is new,
 * PL_DONE when it was seen before (*first_file / *first_line say where;
 * nothing is recorded), PL_LIMIT past PL_MAX_BATCH_ACCOUNTS.
 */
PL_WARN_UNUSED int ingest_ids_insert(struct ingest_ids *ids, const char *id,
				     unsigned file, unsigned line,
				     const char **first_file,
				     unsigned *first_line);

/* The 64-bit hash used for ids (FNV-1a, then a 64-bit finaliser). */
uint64_t ingest_id_hash(const char *id);

/* ---- ingest.c ---- */

struct ingest_state {
	const char *path;      /* borrowed from the caller */
	FILE *fp;              /* owned */
	struct csv_reader csv;
	struct ingest_ids *ids; /* borrowed */
	unsigned file_index;
	int run_date;
	size_t ncolumns;
	int column_field[PL_MAX_FIELDS_PER_RECORD]; /* column -> ingest_fields index */
	int field_column[INGEST_NFIELDS]; /* ingest_fields index -> column, or -1 */
	unsigned records;
};

#endif
