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
 * reusing ingest.c's header mapping and framing rejects.
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

/* ---- ingest.c: one CSV file with a header row (accounts or contacts) ---- */

struct ingest_state {
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
 * Allocate a state, open path and map its header row against fields[n]
 * (n <= INGEST_NFIELDS): an unknown, empty or duplicate column name and a
 * missing required column are fatal. Returns PL_OK with *out set, or a
 * fatal status with diag and *out NULL.
 */
PL_WARN_UNUSED int ingest_state_open(struct ingest_state **out,
				     const char *path, const char *what,
				     const struct field_spec *fields, size_t n,
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
