/*
 * csv.h: a streaming RFC 4180 record reader (core/csv.c).
 *
 * Used by ingest for account and contacts files and by verify for the
 * print manifest. The file is read in fixed chunks and one record at a
 * time, so memory is one chunk plus one record (at most
 * PL_MAX_RECORD_BYTES) whatever the file size. Framing problems are values
 * on the record, never statuses: the reader always finds the end of the
 * record, so the next csv_next() starts clean.
 *
 * Ownership: functions borrow their arguments. A struct csv_record is
 * borrowed from its reader and valid until the next csv_next().
 */
#ifndef PL_CSV_H
#define PL_CSV_H

#include "../pl.h"
#include "diag.h"
#include "limits.h"

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
	/*
	 * Set after csv_init() for a file in a single-byte encoding: no BOM
	 * is looked for and fields are not checked as UTF-8 (the caller
	 * decodes them, ingest/encoding.c). Default false: UTF-8.
	 */
	bool bytes_only;
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

#endif
