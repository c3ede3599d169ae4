/*
 * ingest.h: read account records from one batch file into struct account.
 *
 * Four formats (docs/input-formats.md), chosen per file by the agency
 * profile's <input> specs (ingest_batch_files()):
 *   - canonical CSV (RFC 4180, CRLF or LF, a header row naming the fields
 *     of ../shared/DESIGN.md in any order);
 *   - canonical XML (schemas/accounts.rng: <accounts><account><account_id>
 *     ... with the same field names), read with libxml2's streaming reader;
 *   - an agency's own XML, cut into records (the spec's record element)
 *     and mapped to canonical XML by the spec's XSLT stylesheet;
 *   - fixed-width lines described by a layout file.
 * Text is UTF-8 (a BOM is allowed), Windows-1252 or ISO-8859-1 as the spec
 * says, converted to UTF-8 on the way in. Every format is read one record
 * at a time: memory does not grow with the file. The raw text of each
 * canonical field then goes through the same validation, so the same
 * account in any format gives the same struct account. Every
 * record is validated (required fields, ISO dates, money as integer
 * cents, the balance equation, USPS state codes, enumerations, duplicate
 * account_id across all files of the batch). A malformed record is not an
 * error of the run: it comes back as an account with rejected = true and a
 * struct reject naming the field and the reason code, and the batch goes
 * on. Only a file that cannot be read at all (missing, no header row,
 * unknown or missing required columns, a broken layout or mapping, a
 * mapping that tries to write a file or use the network) is a status.
 *
 * Order of calls:
 *   ingest_batch_files(dir, &agency, &files, &n, &diag)   once per batch
 *   ingest_ids_init(&ids)                 once per batch
 *   ingest_open(&in, path, spec, &ids, run_date, &diag)   per file
 *   while ((rc = ingest_next(&in, &arena, &acct)) == PL_OK) ...
 *   ingest_release(&in)                   per file (also after errors)
 *   ingest_ids_release(&ids)
 *
 * Ownership: functions borrow their arguments. Strings of a returned
 * account are owned by the arena passed to ingest_next(). The ids set and
 * the ingest keep their own memory until released.
 */
#ifndef PL_INGEST_H
#define PL_INGEST_H

#include "../pl.h"
#include "../model.h"
#include "../core/arena.h"
#include "../core/diag.h"
#include "../core/profile.h"

/* ---- reason codes of rejected records (documented in README.md) ---- */
#define REJECT_MISSING_FIELD     "MISSING_FIELD"
#define REJECT_BAD_DATE          "BAD_DATE"
#define REJECT_BAD_AMOUNT        "BAD_AMOUNT"
#define REJECT_BAD_ENUM          "BAD_VALUE"
#define REJECT_BAD_STATE         "UNKNOWN_STATE"
#define REJECT_BAD_POSTAL_CODE   "BAD_POSTAL_CODE"
#define REJECT_BALANCE_MISMATCH  "BALANCE_MISMATCH"
#define REJECT_DUPLICATE_ID      "DUPLICATE_ACCOUNT_ID"
#define REJECT_BAD_CSV           "BAD_CSV"
#define REJECT_FIELD_COUNT       "FIELD_COUNT"
#define REJECT_TOO_LONG          "FIELD_TOO_LONG"
#define REJECT_BAD_UTF8          "BAD_ENCODING"
#define REJECT_BAD_DATE_ORDER    "DATE_IN_FUTURE"
#define REJECT_BAD_XML           "BAD_XML"
#define REJECT_SCHEMA            "SCHEMA"
#define REJECT_BAD_RECORD_LENGTH "BAD_RECORD_LENGTH"
#define REJECT_MAPPING           "MAPPING"

/* ---- the files of a batch ---- */

/* One input file: what it is and how to read it. */
struct batch_file {
	char *path;                    /* owned: "batch_dir/name" */
	const struct input_spec *spec; /* borrowed from the agency or static */
	bool contacts;                 /* a contacts file (spec->contacts) */
};

/*
 * The input files of batch_dir in name order, each with the spec it
 * matched (the agency's <input>, or the defaults: contacts*.csv contacts,
 * other *.csv canonical CSV, *.xml but agency.xml canonical XML; all
 * UTF-8). A file that matches no spec is a fatal PL_PARSE naming it,
 * unless it is agency.xml, a dotfile, or a mapping or layout file the
 * profile names. The specs are borrowed: agency must outlive *out. On
 * success *out (free with ingest_batch_files_free) holds *n files.
 */
PL_WARN_UNUSED int ingest_batch_files(const char *batch_dir,
				      const struct agency *agency,
				      struct batch_file **out, size_t *n,
				      struct pl_diag *diag);
void ingest_batch_files_free(struct batch_file *files, size_t n);

/* ---- duplicate detection across the files of a batch ---- */

/*
 * Remembers every account_id seen: a 64-bit hash plus where it was first
 * seen (file, line), 12 bytes a slot, in 512 partitions that each grow on
 * their own, by a quarter when 7/8 full. An id costs 14 to 17.3 bytes
 * (15.5 MiB for a million accounts, where a 16-byte doubling table took
 * 32 MiB and 48 MiB while it doubled), and growth never holds more than
 * one partition twice (about 30 KiB at that size). ids.c has the
 * reasoning and the figures.
 */
struct ingest_ids {
	struct ingest_id_part *parts;  /* owned array of the partitions;
					  NULL until the first id */
	size_t used;                   /* ids held */
	size_t bytes, peak_bytes;      /* see ingest_ids_bytes() */
	const char **files;            /* owned array of borrowed file names */
	size_t nfiles;
};

void ingest_ids_init(struct ingest_ids *ids);
void ingest_ids_release(struct ingest_ids *ids);

/*
 * The bytes the set holds now (partition tables and their directory; not
 * the list of at most PL_MAX_ACCOUNT_FILES file names, nor malloc's own
 * overhead) and, in *peak if not NULL, the most it ever held, counting a
 * partition's old table while it grows.
 */
size_t ingest_ids_bytes(const struct ingest_ids *ids, size_t *peak);

/* ---- one account file ---- */

struct ingest {
	struct ingest_state *state;    /* owned; private (ingest-int.h) */
};

/*
 * Open path (kept borrowed: it must outlive the ingest, as account.file
 * points at it) as spec says (borrowed too; NULL: canonical CSV, UTF-8).
 * run_date: dates after it are rejected where the field cannot lie in the
 * future. Returns PL_OK or a fatal status with diag.
 */
PL_WARN_UNUSED int ingest_open(struct ingest *in, const char *path,
			       const struct input_spec *spec,
			       struct ingest_ids *ids, int run_date,
			       struct pl_diag *diag);

/*
 * Next record into *out (cleared first). PL_OK: *out holds a record, maybe
 * rejected. PL_DONE: end of file. Other: fatal, see diag. A reject message
 * that names another file (a duplicate account_id) uses its base name, so
 * it does not depend on where the batch directory lies.
 */
PL_WARN_UNUSED int ingest_next(struct ingest *in, struct arena *arena,
			       struct account *out, struct pl_diag *diag);

void ingest_release(struct ingest *in);

/* ---- contact events (contacts*.csv) ---- */

/*
 * The contacts file of DESIGN.md: consumer_id,account_id,at,channel,kind
 * (header row required, any order), at in ISO 8601 with an offset
 * ("2026-11-20T14:05:00-05:00"), channel call|letter|email|sms, kind
 * attempt|conversation|delivered. Same streaming reader and the same
 * reject discipline as account files: a bad row is a contact_event with
 * rejected = true (codes MISSING_FIELD, BAD_TIMESTAMP, BAD_VALUE,
 * DATE_IN_FUTURE, and the framing codes), the file goes on.
 */
#define REJECT_BAD_TIMESTAMP     "BAD_TIMESTAMP"

struct contacts {
	struct ingest_state *state;    /* owned; private */
};

/* spec: NULL or a CSV spec (its encoding is used). */
PL_WARN_UNUSED int contacts_open(struct contacts *c, const char *path,
				 const struct input_spec *spec, int run_date,
				 struct pl_diag *diag);
PL_WARN_UNUSED int contacts_next(struct contacts *c, struct arena *arena,
				 struct contact_event *out, struct pl_diag *diag);
void contacts_release(struct contacts *c);

/* ---- helpers shared with tests and other readers ---- */

/* True for the 50 states, DC and the USPS territory/military codes. */
bool usps_state_known(const char *code);

#endif
