/*
 * ledger.c: the contact ledger, a SQLite database in the state directory.
 *
 * The ledger remembers every letter fairnotice issued (table pieces),
 * every contact event imported from a batch's contacts files (table
 * contacts), every batch it completed (table batches) and each agency's
 * next IMb serial number (table counters), so decide can tell a first
 * validation notice from a repeat, count contacts against the contact
 * limits, a re-run of a batch issues nothing twice, and no two pieces of
 * an agency carry the same Intelligent Mail barcode. It is also the
 * record kept for retention (docs/print-bundle.md "Retention"): each
 * piece keeps where it is in the bundle, its digests and its decision
 * trace, so `fairnotice explain --piece` answers from the ledger alone
 * years after the batch folder is gone (ledger_piece_get()). The database runs
 * in WAL mode with synchronous=FULL: a reader
 * (another run's ledger_history(), an auditor's sqlite3 shell) sees the
 * last committed batch while a batch is being written, and a committed
 * batch survives a power cut. A batch is one transaction, opened with
 * BEGIN IMMEDIATE by bundle_begin() and committed by bundle_commit(), so
 * the ledger holds a batch wholly or not at all.
 *
 * Dates are stored as ISO 8601 text, so the file reads plainly in any
 * SQLite tool (and text order is date order). Every statement is prepared
 * once in ledger_open() and reset after each use.
 *
 * The schema carries its version in PRAGMA user_version. A ledger of an
 * older version is migrated in place when it is opened, in one write
 * transaction: new tables and new columns only, never a row dropped or
 * rewritten, so the program that wrote it can still read what it knew.
 */
#include "../pl.h"
#include "bundle-int.h"
#include "../core/buf.h"
#include "../core/date.h"
#include "../core/digest.h"
#include "../core/xalloc.h"

#include <glib.h>


/*
 * Schema version 1. pieces.batch_id names batches.batch_id, but there is
 * no FOREIGN KEY clause: the pieces of a batch are inserted before its
 * batches row, in the same transaction, and SQLite leaves foreign keys
 * off by default anyway. A new ledger is made by running this, then
 * every migration: so a new ledger and a migrated one are the same.
 */
static const char schema_v1_sql[] =
	"CREATE TABLE IF NOT EXISTS batches (\n"
	"  batch_id TEXT PRIMARY KEY NOT NULL,\n"
	"  agency_id TEXT NOT NULL,\n"
	"  run_date TEXT NOT NULL,\n"
	"  mail_date TEXT NOT NULL,\n"
	"  rules_digest TEXT NOT NULL,\n"
	"  letters INTEGER NOT NULL,\n"
	"  suppressed INTEGER NOT NULL,\n"
	"  deferred INTEGER NOT NULL,\n"
	"  rejected INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS pieces (\n"
	"  piece_id TEXT PRIMARY KEY NOT NULL,\n"
	"  batch_id TEXT NOT NULL,\n"
	"  agency_id TEXT NOT NULL,\n"
	"  account_id TEXT NOT NULL,\n"
	"  consumer_id TEXT NOT NULL,\n"
	"  letter_code TEXT NOT NULL,\n"
	"  template_id TEXT NOT NULL,\n"
	"  template_version TEXT NOT NULL,\n"
	"  language TEXT NOT NULL,\n"
	"  mail_date TEXT NOT NULL,\n"
	"  validation_end_date TEXT,\n"
	"  content_sha256 TEXT NOT NULL,\n"
	"  pdf TEXT NOT NULL,\n"
	"  first_page INTEGER NOT NULL,\n"
	"  page_count INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS pieces_by_account\n"
	"  ON pieces (agency_id, account_id);\n"
	"PRAGMA user_version = 1;\n";

/*
 * Version 2: the contact events of contacts files, and how many of them
 * each batch imported and rejected (0 for batches of version 1, which
 * had no contacts files). contacts.date is the calendar date written in
 * the event's timestamp (its own offset), contacts.at the timestamp as
 * given; channel and kind are the words of DESIGN.md.
 */
static const char migrate_v2_sql[] =
	"ALTER TABLE batches ADD COLUMN contacts_imported INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE batches ADD COLUMN contacts_rejected INTEGER NOT NULL DEFAULT 0;\n"
	"CREATE TABLE contacts (\n"
	"  batch_id TEXT NOT NULL,\n"
	"  agency_id TEXT NOT NULL,\n"
	"  consumer_id TEXT NOT NULL,\n"
	"  account_id TEXT NOT NULL,\n"
	"  date TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  channel TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  file TEXT NOT NULL,\n"
	"  line INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX contacts_by_account\n"
	"  ON contacts (agency_id, account_id, date);\n"
	"PRAGMA user_version = 2;\n";

/*
 * Version 3: each agency's next IMb serial number (USPS asks that a
 * mailer's IMbs stay unique for 45 days; the serial counts up across
 * batches and is taken modulo the tracking code's serial field), and the
 * IMb digits of each piece (tracking then routing code, '' for pieces of
 * earlier versions and of agencies without an IMb), so a scan event from
 * USPS can be traced to its piece. A ledger without a counters row for
 * an agency starts at 0.
 */
static const char migrate_v3_sql[] =
	"CREATE TABLE counters (\n"
	"  agency_id TEXT PRIMARY KEY NOT NULL,\n"
	"  next_imb_serial INTEGER NOT NULL\n"
	");\n"
	"ALTER TABLE pieces ADD COLUMN imb TEXT NOT NULL DEFAULT '';\n"
	"PRAGMA user_version = 3;\n";

/*
 * Version 4: retention (docs/print-bundle.md "Retention"). Each piece
 * keeps where it is in the bundle (print group, sheets, the byte range of
 * its pdf written for its pages and the SHA-256 of those bytes), the hash
 * of its audit record, the rules digest it was decided under and its
 * decision trace (see bundle.h, struct ledger_piece_record); each batch
 * keeps the SHA-256 of print/bundle.zip. Pieces and batches of earlier
 * versions have '' in the text columns and 0 in the numbers (pdf_length
 * 0: no byte range known).
 *
 * Traces are kept once each, in traces, named by their SHA-256: most
 * accounts of one state and debt type fire the same rules, so a night of
 * a million letters adds a few hundred traces, not a million (a trace is
 * some 3 KB; a piece row keeps its 64-character name).
 */
static const char migrate_v4_sql[] =
	"ALTER TABLE pieces ADD COLUMN print_group TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE pieces ADD COLUMN sheet_count INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE pieces ADD COLUMN pages_sha256 TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE pieces ADD COLUMN pdf_offset INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE pieces ADD COLUMN pdf_length INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE pieces ADD COLUMN audit_hash TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE pieces ADD COLUMN rules_digest TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE pieces ADD COLUMN trace_sha256 TEXT NOT NULL DEFAULT '';\n"
	"CREATE TABLE traces (\n"
	"  sha256 TEXT PRIMARY KEY NOT NULL,\n"
	"  trace TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"ALTER TABLE batches ADD COLUMN bundle_sha256 TEXT NOT NULL DEFAULT '';\n"
	"PRAGMA user_version = 4;\n";

/* migrations[v] takes a ledger from version v to v + 1. */
static const char *const migrations[LEDGER_SCHEMA_VERSION] = {
	schema_v1_sql,
	migrate_v2_sql,
	migrate_v3_sql,
	migrate_v4_sql,
};

static const char batch_done_sql[] =
	"SELECT run_date FROM batches WHERE batch_id = ?1";
static const char history_first_sql[] =
	"SELECT mail_date, piece_id, validation_end_date FROM pieces"
	" WHERE agency_id = ?1 AND account_id = ?2 AND letter_code = ?3"
	" ORDER BY mail_date, piece_id LIMIT 1";
/* The latest letter: the last mail date, and of one day the last issued. */
static const char history_last_sql[] =
	"SELECT letter_code, mail_date FROM pieces"
	" WHERE agency_id = ?1 AND account_id = ?2"
	" ORDER BY mail_date DESC, rowid DESC LIMIT 1";
static const char history_count_sql[] =
	"SELECT count(*) FROM pieces WHERE agency_id = ?1 AND account_id = ?2";
/*
 * Every contact of days [?3, ?4]: our letters as delivered on their mail
 * date, then the imported events; oldest first by date, then timestamp
 * text (a letter has none, so it leads its day), then insertion order.
 */
static const char history_events_sql[] =
	"SELECT date, at, channel, kind, consumer_id FROM ("
	" SELECT mail_date AS date, '' AS at, 'letter' AS channel,"
	"  'delivered' AS kind, consumer_id, 0 AS src, rowid AS seq"
	"  FROM pieces WHERE agency_id = ?1 AND account_id = ?2"
	"  AND mail_date BETWEEN ?3 AND ?4"
	" UNION ALL"
	" SELECT date, at, channel, kind, consumer_id, 1, rowid"
	"  FROM contacts WHERE agency_id = ?1 AND account_id = ?2"
	"  AND date BETWEEN ?3 AND ?4)"
	" ORDER BY date, at, src, seq";
static const char insert_piece_sql[] =
	"INSERT INTO pieces (piece_id, batch_id, agency_id, account_id,"
	" consumer_id, letter_code, template_id, template_version, language,"
	" mail_date, validation_end_date, content_sha256, pdf, first_page,"
	" page_count, imb, print_group, sheet_count, pages_sha256, pdf_offset,"
	" pdf_length, audit_hash, rules_digest, trace_sha256) VALUES (?1, ?2, ?3, ?4,"
	" ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
	" ?20, ?21, ?22, ?23, ?24)";
/* A trace already kept (the same decision of another piece) stays as it is. */
static const char insert_trace_sql[] =
	"INSERT OR IGNORE INTO traces (sha256, trace) VALUES (?1, ?2)";
static const char insert_contact_sql[] =
	"INSERT INTO contacts (batch_id, agency_id, consumer_id, account_id,"
	" date, at, channel, kind, file, line)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char insert_batch_sql[] =
	"INSERT INTO batches (batch_id, agency_id, run_date, mail_date,"
	" rules_digest, letters, suppressed, deferred, rejected,"
	" contacts_imported, contacts_rejected, bundle_sha256)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char imb_serial_get_sql[] =
	"SELECT next_imb_serial FROM counters WHERE agency_id = ?1";
/* The counter only moves up: a batch never hands out a serial twice. */
static const char imb_serial_set_sql[] =
	"INSERT INTO counters (agency_id, next_imb_serial) VALUES (?1, ?2)"
	" ON CONFLICT (agency_id) DO UPDATE SET next_imb_serial ="
	" max(next_imb_serial, excluded.next_imb_serial)";

/* ---- channel and kind words ---- */

static const char *const channel_names[] = { "call", "letter", "email", "sms" };
static const char *const kind_names[] = { "", "attempt", "conversation", "delivered" };

const char *ledger_channel_name(enum channel channel)
{
	for (size_t i = 0; i < PL_ARRAY_SIZE(channel_names); i++)
		if ((unsigned)channel == 1u << i)
			return channel_names[i];
	return NULL;
}

const char *ledger_kind_name(enum contact_kind kind)
{
	if (kind >= CONTACT_ATTEMPT && kind <= CONTACT_DELIVERED)
		return kind_names[kind];
	return NULL;
}

/* The word back to its value; false for a word we never write. */
static bool channel_from_name(const char *s, enum channel *out)
{
	for (size_t i = 0; s && i < PL_ARRAY_SIZE(channel_names); i++) {
		if (!strcmp(s, channel_names[i])) {
			*out = (enum channel)(1u << i);
			return true;
		}
	}
	return false;
}

static bool kind_from_name(const char *s, enum contact_kind *out)
{
	for (size_t i = CONTACT_ATTEMPT; s && i < PL_ARRAY_SIZE(kind_names); i++) {
		if (!strcmp(s, kind_names[i])) {
			*out = (enum contact_kind)i;
			return true;
		}
	}
	return false;
}

/* ---- helpers ---- */

static int ledger_error(struct ledger *ledger, struct pl_diag *diag,
			const char *what)
{
	return pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
			   "cannot %s in the contact ledger: %s", what,
			   sqlite3_errmsg(ledger->db));
}

static int exec_sql(struct ledger *ledger, const char *sql,
		    const char *what, struct pl_diag *diag)
{
	if (sqlite3_exec(ledger->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return ledger_error(ledger, diag, what);
	return PL_OK;
}

static int prepare(struct ledger *ledger, const char *sql,
		   sqlite3_stmt **out, struct pl_diag *diag)
{
	if (sqlite3_prepare_v3(ledger->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       out, NULL) != SQLITE_OK)
		return ledger_error(ledger, diag, "prepare a statement");
	return PL_OK;
}

static void bind_text(sqlite3_stmt *st, int col, const char *s)
{
	sqlite3_bind_text(st, col, s ? s : "", -1, SQLITE_STATIC);
}

/* Bind an ISO date, or NULL for PL_NO_DATE. */
static void bind_date(sqlite3_stmt *st, int col, int date)
{
	char iso[PL_DATE_ISO_LEN];

	if (date == PL_NO_DATE)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, date_format_iso(date, iso), -1,
				  SQLITE_TRANSIENT);
}

static int column_date(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	int d;

	if (!s || date_parse_iso(s, &d) != 0)
		return PL_NO_DATE;
	return d;
}

/* Run a statement that returns no row, then reset it. */
static int step_done(struct ledger *ledger, sqlite3_stmt *st, const char *what,
		     struct pl_diag *diag)
{
	int rc = PL_OK;

	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ledger_error(ledger, diag, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int read_version(struct ledger *ledger, int *version,
			struct pl_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(ledger, "PRAGMA user_version", &st, diag);

	if (rc == PL_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*version = sqlite3_column_int(st, 0);
		else
			rc = ledger_error(ledger, diag, "read the schema version");
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Create the schema when the file is new (user_version 0), or migrate an
 * older one. Only then is a write lock taken, so opening a current ledger
 * that another run is writing to does not wait for that run. The version
 * is read again under the lock: another program may have migrated the
 * ledger meanwhile.
 */
static int ensure_schema(struct ledger *ledger, struct pl_diag *diag)
{
	int version = -1;
	int rc = read_version(ledger, &version, diag);

	if (rc == PL_OK && version == LEDGER_SCHEMA_VERSION)
		return PL_OK;
	if (rc == PL_OK && version < LEDGER_SCHEMA_VERSION)
		rc = exec_sql(ledger, "BEGIN IMMEDIATE", "begin creating the schema",
			      diag);
	if (rc == PL_OK && version < LEDGER_SCHEMA_VERSION)
		rc = read_version(ledger, &version, diag);
	if (rc == PL_OK && version > LEDGER_SCHEMA_VERSION)
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "contact ledger schema version %d is newer than "
				 "this program's (%d)", version,
				 LEDGER_SCHEMA_VERSION);
	if (rc == PL_OK && version < 0)
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "contact ledger schema version %d is not one "
				 "this program knows", version);
	for (int v = version; rc == PL_OK && v < LEDGER_SCHEMA_VERSION; v++)
		rc = exec_sql(ledger, migrations[v], v ? "migrate the schema"
						       : "create the schema", diag);
	if (rc == PL_OK)
		rc = exec_sql(ledger, "COMMIT", "commit the schema", diag);
	if (rc != PL_OK && !sqlite3_get_autocommit(ledger->db))
		sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ---- open and close ---- */

int ledger_open(struct ledger **out, const char *state_dir, struct pl_diag *diag)
{
	struct ledger *ledger = xcalloc(1, sizeof(*ledger));
	int rc = PL_OK;

	*out = NULL;
	ledger->path = xasprintf("%s/%s", state_dir, LEDGER_FILE);
	if (sqlite3_open_v2(ledger->path, &ledger->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "cannot open the contact ledger: %s",
				 ledger->db ? sqlite3_errmsg(ledger->db)
					    : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(ledger->db, 1);
	if (sqlite3_busy_timeout(ledger->db, 10000) != SQLITE_OK)
		rc = ledger_error(ledger, diag, "set the busy timeout");
	/*
	 * WAL lets readers see the last committed batch while one is being
	 * written. Asking again on a ledger already in WAL mode takes no lock.
	 */
	if (rc == PL_OK)
		rc = exec_sql(ledger, "PRAGMA journal_mode = WAL",
			      "switch to WAL mode", diag);
	if (rc == PL_OK)
		rc = exec_sql(ledger, "PRAGMA synchronous = FULL",
			      "set synchronous mode", diag);
	if (rc == PL_OK)
		rc = ensure_schema(ledger, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, batch_done_sql, &ledger->batch_done, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, history_first_sql, &ledger->history_first, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, history_last_sql, &ledger->history_last, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, history_count_sql, &ledger->history_count, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, history_events_sql, &ledger->history_events, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, insert_piece_sql, &ledger->insert_piece, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, insert_trace_sql, &ledger->insert_trace, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, insert_contact_sql, &ledger->insert_contact, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, insert_batch_sql, &ledger->insert_batch, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, imb_serial_get_sql, &ledger->imb_serial_get, diag);
	if (rc == PL_OK)
		rc = prepare(ledger, imb_serial_set_sql, &ledger->imb_serial_set, diag);
out:
	if (rc != PL_OK) {
		ledger_close(ledger);
		return rc;
	}
	*out = ledger;
	return PL_OK;
}

void ledger_close(struct ledger *ledger)
{
	if (!ledger)
		return;
	ledger_txn_rollback(ledger);
	sqlite3_finalize(ledger->imb_serial_set);
	sqlite3_finalize(ledger->imb_serial_get);
	sqlite3_finalize(ledger->insert_batch);
	sqlite3_finalize(ledger->insert_contact);
	sqlite3_finalize(ledger->insert_piece);
	sqlite3_finalize(ledger->insert_trace);
	sqlite3_finalize(ledger->history_events);
	sqlite3_finalize(ledger->history_count);
	sqlite3_finalize(ledger->history_last);
	sqlite3_finalize(ledger->history_first);
	sqlite3_finalize(ledger->batch_done);
	sqlite3_close(ledger->db);   /* NULL is a harmless no-op */
	free(ledger->path);
	free(ledger);
}

/* ---- questions ---- */

bool ledger_batch_done(struct ledger *ledger, const char *batch_id, int *when_out)
{
	sqlite3_stmt *st = ledger->batch_done;
	bool done = false;

	bind_text(st, 1, batch_id);
	/*
	 * A read error answers "not done": the batch then runs, and its
	 * piece ids, already in the ledger, make bundle_add() fail loudly
	 * rather than issue anything twice.
	 */
	if (sqlite3_step(st) == SQLITE_ROW) {
		done = true;
		if (when_out)
			*when_out = column_date(st, 0);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return done;
}

static int history_error(struct ledger *ledger, const char *what,
			 const char *account_id, struct pl_diag *diag)
{
	return pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
			   "cannot read the %s of account '%s' in the contact "
			   "ledger: %s", what, account_id, sqlite3_errmsg(ledger->db));
}

static void finish(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* The earliest validation notice: its mail date, piece and period end. */
static int history_validation(struct ledger *ledger, const char *agency_id,
			      const char *account_id, struct arena *arena,
			      struct account_history *out, struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->history_first;
	int rc = PL_OK, step;

	bind_text(st, 1, agency_id);
	bind_text(st, 2, account_id);
	bind_text(st, 3, LEDGER_VALIDATION_LETTER);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *piece = (const char *)sqlite3_column_text(st, 1);

		out->validation_sent_on = column_date(st, 0);
		out->validation_piece_id = arena_strdup(arena, piece ? piece : "");
		out->validation_end_date = column_date(st, 2);
	} else if (step != SQLITE_DONE) {
		rc = history_error(ledger, "validation notice", account_id, diag);
	}
	finish(st);
	return rc;
}

/* The latest letter, and how many there were. */
static int history_letters(struct ledger *ledger, const char *agency_id,
			   const char *account_id, struct arena *arena,
			   struct account_history *out, struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->history_last;
	int rc = PL_OK, step;

	bind_text(st, 1, agency_id);
	bind_text(st, 2, account_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(st, 0);

		out->last_letter_code = arena_strdup(arena, code ? code : "");
		out->last_letter_date = column_date(st, 1);
	} else if (step != SQLITE_DONE) {
		rc = history_error(ledger, "last letter", account_id, diag);
	}
	finish(st);
	if (rc != PL_OK)
		return rc;

	st = ledger->history_count;
	bind_text(st, 1, agency_id);
	bind_text(st, 2, account_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		out->letters_issued = (unsigned)sqlite3_column_int64(st, 0);
	else
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "cannot count the letters of account '%s' in the "
				 "contact ledger: %s", account_id,
				 sqlite3_errmsg(ledger->db));
	finish(st);
	return rc;
}

/*
 * One row of history_events_sql into *ev. A row this program would never
 * have written (an unknown channel, a date that does not parse) is an
 * error: a contact the limits cannot count must not be ignored.
 */
static int event_from_row(struct ledger *ledger, sqlite3_stmt *st,
			  const char *account_id, struct arena *arena,
			  struct contact_event *ev, struct pl_diag *diag)
{
	const char *at = (const char *)sqlite3_column_text(st, 1);
	const char *channel = (const char *)sqlite3_column_text(st, 2);
	const char *kind = (const char *)sqlite3_column_text(st, 3);
	const char *consumer = (const char *)sqlite3_column_text(st, 4);

	memset(ev, 0, sizeof(*ev));
	ev->file = "";
	ev->reject.code = ev->reject.field = ev->reject.message = "";
	ev->account_id = account_id;
	ev->consumer_id = arena_strdup(arena, consumer ? consumer : "");
	ev->date = column_date(st, 0);
	snprintf(ev->at, sizeof(ev->at), "%s", at ? at : "");
	if (ev->date == PL_NO_DATE || !channel_from_name(channel, &ev->channel) ||
	    !kind_from_name(kind, &ev->kind))
		return pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				   "contact of account '%s' on '%s' has channel "
				   "'%s' and kind '%s' in the contact ledger, "
				   "which this program does not know",
				   account_id, at && *at ? at : "?",
				   channel ? channel : "", kind ? kind : "");
	return PL_OK;
}

/* Contacts of days [run_date - LEDGER_HISTORY_DAYS, run_date], oldest first. */
static int history_events(struct ledger *ledger, const char *agency_id,
			  const char *account_id, int run_date,
			  struct arena *arena, struct account_history *out,
			  struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->history_events;
	struct contact_event *events = NULL;
	size_t n = 0, cap = 0;
	int rc = PL_OK, step = SQLITE_DONE;

	bind_text(st, 1, agency_id);
	bind_text(st, 2, account_id);
	bind_date(st, 3, run_date - LEDGER_HISTORY_DAYS);
	bind_date(st, 4, run_date);
	while (rc == PL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			/* Doubling in the arena: at most twice the space in all. */
			size_t grow = cap ? 2 * cap : 8;
			struct contact_event *bigger;

			if (n >= LEDGER_MAX_EVENTS) {
				rc = pl_diag_set(diag, PL_LIMIT, ledger->path, 0,
						 "account '%s' has more than %d contacts "
						 "in %d days in the contact ledger",
						 account_id, LEDGER_MAX_EVENTS,
						 LEDGER_HISTORY_DAYS + 1);
				break;
			}
			if (grow > LEDGER_MAX_EVENTS)
				grow = LEDGER_MAX_EVENTS;
			bigger = arena_alloc(arena, grow * sizeof(*bigger));
			if (n)
				memcpy(bigger, events, n * sizeof(*bigger));
			events = bigger;
			cap = grow;
		}
		rc = event_from_row(ledger, st, account_id, arena, &events[n], diag);
		n++;
	}
	if (rc == PL_OK && step != SQLITE_DONE)
		rc = history_error(ledger, "contacts", account_id, diag);
	finish(st);
	if (rc == PL_OK) {
		out->events = events;
		out->nevents = n;
	}
	return rc;
}

int ledger_history(struct ledger *ledger, const char *agency_id,
		   const char *account_id, int run_date, struct arena *arena,
		   struct account_history *out, struct pl_diag *diag)
{
	const char *id = arena_strdup(arena, account_id ? account_id : "");
	int rc;

	if (run_date == PL_NO_DATE)
		PL_BUG("history of account '%s' asked without a run date", id);
	memset(out, 0, sizeof(*out));
	out->validation_sent_on = PL_NO_DATE;
	out->validation_piece_id = "";
	out->validation_end_date = PL_NO_DATE;
	out->last_letter_code = "";
	out->last_letter_date = PL_NO_DATE;

	rc = history_validation(ledger, agency_id, id, arena, out, diag);
	if (rc == PL_OK)
		rc = history_letters(ledger, agency_id, id, arena, out, diag);
	if (rc == PL_OK)
		rc = history_events(ledger, agency_id, id, run_date, arena, out, diag);
	return rc;
}

/*
 * Inside a batch transaction this is the value under the write lock:
 * bundle_begin() asks again there, to notice a batch committed since the
 * caller first asked.
 */
int ledger_imb_serial_base(struct ledger *ledger, const char *agency_id,
			   unsigned long *base_out, struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->imb_serial_get;
	int rc = PL_OK, step;

	*base_out = 0;
	bind_text(st, 1, agency_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		sqlite3_int64 v = sqlite3_column_int64(st, 0);

		if (v < 0 || sqlite3_column_type(st, 0) != SQLITE_INTEGER)
			rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
					 "next IMb serial of agency '%s' is '%s' in the "
					 "contact ledger, not a count", bundle_str(agency_id),
					 bundle_str((const char *)sqlite3_column_text(st, 0)));
		else
			*base_out = (unsigned long)v;
	} else if (step != SQLITE_DONE) {
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "cannot read the next IMb serial of agency '%s' in "
				 "the contact ledger: %s", bundle_str(agency_id),
				 sqlite3_errmsg(ledger->db));
	}
	finish(st);
	return rc;
}

/*
 * Batches in commit order are batches in rowid order: rows are only ever
 * inserted (never deleted outside a rolled-back rebuild), so each new row
 * takes the next rowid.
 */
static const char batch_serial_base_sql[] =
	"SELECT coalesce((SELECT next_imb_serial FROM counters c"
	"  WHERE c.agency_id = b.agency_id), 0)"
	" - (SELECT coalesce(sum(l.letters), 0) FROM batches l"
	"  WHERE l.agency_id = b.agency_id AND l.rowid >= b.rowid)"
	" FROM batches b WHERE b.batch_id = ?1";
#define LATER_BATCHES \
	"(SELECT batch_id FROM batches WHERE rowid >=" \
	" (SELECT rowid FROM batches WHERE batch_id = ?1))"
static const char *const rewind_sql[] = {
	"UPDATE counters SET next_imb_serial = next_imb_serial -"
	" (SELECT coalesce(sum(letters), 0) FROM batches"
	"  WHERE batches.agency_id = counters.agency_id"
	"  AND batch_id IN " LATER_BATCHES ")",
	"DELETE FROM pieces WHERE batch_id IN " LATER_BATCHES,
	"DELETE FROM contacts WHERE batch_id IN " LATER_BATCHES,
	"DELETE FROM batches WHERE batch_id IN " LATER_BATCHES,
};

/* One statement prepared for one use, ?1 bound to batch_id. */
static int prepare_once(struct ledger *ledger, const char *sql,
			const char *batch_id, sqlite3_stmt **out,
			struct pl_diag *diag)
{
	if (sqlite3_prepare_v2(ledger->db, sql, -1, out, NULL) != SQLITE_OK) {
		sqlite3_finalize(*out);
		*out = NULL;
		return ledger_error(ledger, diag, "prepare a statement");
	}
	bind_text(*out, 1, batch_id);
	return PL_OK;
}

int ledger_batch_serial_base(struct ledger *ledger, const char *batch_id,
			     unsigned long *base_out, struct pl_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare_once(ledger, batch_serial_base_sql, batch_id, &st, diag);

	*base_out = 0;
	if (rc == PL_OK) {
		if (sqlite3_step(st) != SQLITE_ROW)
			rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
					 "cannot read the IMb serial base of batch '%s' "
					 "in the contact ledger: %s", bundle_str(batch_id),
					 sqlite3_errmsg(ledger->db));
		else if (sqlite3_column_int64(st, 0) < 0)
			rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
					 "IMb serial base of batch '%s' comes out "
					 "negative in the contact ledger",
					 bundle_str(batch_id));
		else
			*base_out = (unsigned long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- retention: one piece, years later ---- */

/*
 * The piece and its batch. A LEFT JOIN: a piece of the open batch
 * transaction (seen only through this connection) has no batches row yet,
 * and answers with an empty run date and bundle digest. A piece of a
 * ledger older than version 4 did not keep its rules digest, but its
 * batch did (since version 1): the batch's answers for it.
 */
static const char piece_get_sql[] =
	"SELECT p.piece_id, p.batch_id, p.agency_id, p.account_id,"
	" p.consumer_id, p.letter_code, p.template_id, p.template_version,"
	" p.language, b.run_date, p.mail_date, p.validation_end_date, p.pdf,"
	" p.print_group, p.first_page, p.page_count, p.sheet_count,"
	" p.pdf_offset, p.pdf_length, p.content_sha256, p.pages_sha256, p.imb,"
	" p.audit_hash,"
	" CASE WHEN p.rules_digest = '' THEN coalesce(b.rules_digest, '')"
	"  ELSE p.rules_digest END,"
	" coalesce(b.bundle_sha256, ''), coalesce(t.trace, '')"
	" FROM pieces p LEFT JOIN batches b ON b.batch_id = p.batch_id"
	" LEFT JOIN traces t ON t.sha256 = p.trace_sha256"
	" WHERE p.piece_id = ?1";

/* Column col as an arena string, "" for NULL. */
static const char *column_str(sqlite3_stmt *st, int col, struct arena *arena)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return arena_strdup(arena, s ? s : "");
}

/* Column col as a count; false when it is not one (negative, text). */
static bool column_count(sqlite3_stmt *st, int col, unsigned long max,
			 unsigned long *out)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);
	int type = sqlite3_column_type(st, col);

	*out = 0;
	if (type == SQLITE_NULL)
		return true;
	if (type != SQLITE_INTEGER || v < 0 || (uint64_t)v > max)
		return false;
	*out = (unsigned long)v;
	return true;
}

int ledger_piece_get(struct ledger *ledger, const char *piece_id,
		     struct arena *arena, struct ledger_piece_record *out,
		     struct pl_diag *diag)
{
	/* One question per explain: prepared for this call only. */
	sqlite3_stmt *st = NULL;
	int rc = prepare_once(ledger, piece_get_sql, piece_id, &st, diag);
	int step = SQLITE_DONE;

	memset(out, 0, sizeof(*out));
	out->run_date = out->mail_date = out->validation_end_date = PL_NO_DATE;
	if (rc == PL_OK)
		step = sqlite3_step(st);
	if (rc == PL_OK && step == SQLITE_DONE)
		rc = PL_DONE;
	else if (rc == PL_OK && step != SQLITE_ROW)
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "cannot read piece '%s' in the contact ledger: %s",
				 bundle_str(piece_id), sqlite3_errmsg(ledger->db));
	if (rc == PL_OK) {
		unsigned long first = 0, pages = 0, sheets = 0;

		out->piece_id = column_str(st, 0, arena);
		out->batch_id = column_str(st, 1, arena);
		out->agency_id = column_str(st, 2, arena);
		out->account_id = column_str(st, 3, arena);
		out->consumer_id = column_str(st, 4, arena);
		out->letter_code = column_str(st, 5, arena);
		out->template_id = column_str(st, 6, arena);
		out->template_version = column_str(st, 7, arena);
		out->language = column_str(st, 8, arena);
		out->run_date = column_date(st, 9);
		out->mail_date = column_date(st, 10);
		out->validation_end_date = column_date(st, 11);
		out->pdf = column_str(st, 12, arena);
		out->print_group = column_str(st, 13, arena);
		out->content_sha256 = column_str(st, 19, arena);
		out->pages_sha256 = column_str(st, 20, arena);
		out->imb = column_str(st, 21, arena);
		out->audit_hash = column_str(st, 22, arena);
		out->rules_digest = column_str(st, 23, arena);
		out->bundle_sha256 = column_str(st, 24, arena);
		out->trace = column_str(st, 25, arena);
		if (!column_count(st, 14, UINT_MAX, &first) ||
		    !column_count(st, 15, UINT_MAX, &pages) ||
		    !column_count(st, 16, UINT_MAX, &sheets) ||
		    !column_count(st, 17, ULONG_MAX, &out->pdf_offset) ||
		    !column_count(st, 18, ULONG_MAX, &out->pdf_length))
			rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
					 "piece '%s' has a page or byte count in the "
					 "contact ledger that is not a count",
					 out->piece_id);
		out->first_page = (unsigned)first;
		out->page_count = (unsigned)pages;
		out->sheet_count = (unsigned)sheets;
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- the batch transaction (for bundle.c) ---- */

int ledger_txn_rewind(struct ledger *ledger, const char *batch_id,
		      struct pl_diag *diag)
{
	int rc = PL_OK;

	if (!ledger->in_txn)
		PL_BUG("rewind to batch '%s' outside a transaction", batch_id);
	for (size_t i = 0; rc == PL_OK && i < PL_ARRAY_SIZE(rewind_sql); i++) {
		sqlite3_stmt *st = NULL;

		rc = prepare_once(ledger, rewind_sql[i], batch_id, &st, diag);
		if (rc == PL_OK && sqlite3_step(st) != SQLITE_DONE)
			rc = ledger_error(ledger, diag, "take back the batches to rebuild");
		sqlite3_finalize(st);
	}
	return rc;
}

int ledger_txn_begin(struct ledger *ledger, struct pl_diag *diag)
{
	int rc;

	if (ledger->in_txn)
		PL_BUG("a second batch transaction on the contact ledger");
	rc = exec_sql(ledger, "BEGIN IMMEDIATE", "begin the batch transaction", diag);
	if (rc == PL_OK)
		ledger->in_txn = true;
	return rc;
}

/*
 * One line of a trace, printf-made; CR, LF and TAB inside it become
 * spaces, so a line of the trace is always one hit or one disclosure.
 */
static PL_PRINTF(2, 3) int trace_line(struct buf *trace, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int rc;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	rc = buf_addstr(trace, line);
	if (rc == PL_OK)
		rc = buf_addch(trace, '\n');
	g_free(line);
	return rc;
}

/*
 * The decision trace of a verdict (bundle.h, struct ledger_piece_record):
 * a line per rule hit in firing order, then per disclosure, its text's
 * digest computed as the audit manifest's text-sha256 is.
 */
static int trace_build(struct buf *trace, const struct verdict *v)
{
	int rc = PL_OK;

	for (size_t i = 0; v && rc == PL_OK && i < v->nhits; i++) {
		const struct rule_hit *h = &v->hits[i];

		rc = trace_line(trace, "rule %s [%s] %s:%u %s", bundle_str(h->rule_id),
				bundle_str(h->citation), bundle_str(h->source_file),
				h->source_line, bundle_str(h->title));
	}
	for (size_t i = 0; v && rc == PL_OK && i < v->ndisclosures; i++) {
		const struct disclosure *d = &v->disclosures[i];
		const char *text = bundle_str(d->text);
		char sha[PL_SHA256_HEX];

		sha256_hex(text, strlen(text), sha);
		rc = trace_line(trace, "disclosure %s %s %s", bundle_str(d->slot),
				bundle_str(d->rule_id), sha);
	}
	return rc;
}

int ledger_txn_add_piece(struct ledger *ledger, const struct ledger_piece *p,
			 struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->insert_piece;
	struct buf trace = BUF_INIT(PL_MAX_TRACE_BYTES);
	char trace_sha[PL_SHA256_HEX] = "";
	int rc = PL_OK;

	if (!ledger->in_txn)
		PL_BUG("piece '%s' added outside a batch transaction", p->piece_id);
	if ((uint64_t)p->pdf_offset > (uint64_t)INT64_MAX ||
	    (uint64_t)p->pdf_length > (uint64_t)INT64_MAX)
		PL_BUG("byte range of piece '%s' overflows SQLite", p->piece_id);
	bind_text(st, 1, p->piece_id);
	bind_text(st, 2, p->batch_id);
	bind_text(st, 3, p->agency_id);
	bind_text(st, 4, p->account_id);
	bind_text(st, 5, p->consumer_id);
	bind_text(st, 6, p->letter_code);
	bind_text(st, 7, p->template_id);
	bind_text(st, 8, p->template_version);
	bind_text(st, 9, p->language);
	bind_date(st, 10, p->mail_date);
	bind_date(st, 11, p->validation_end_date);
	bind_text(st, 12, p->content_sha256);
	bind_text(st, 13, p->pdf);
	sqlite3_bind_int64(st, 14, p->first_page);
	sqlite3_bind_int64(st, 15, p->page_count);
	bind_text(st, 16, p->imb);
	bind_text(st, 17, p->print_group);
	sqlite3_bind_int64(st, 18, p->sheet_count);
	bind_text(st, 19, p->pages_sha256);
	sqlite3_bind_int64(st, 20, (sqlite3_int64)p->pdf_offset);
	sqlite3_bind_int64(st, 21, (sqlite3_int64)p->pdf_length);
	bind_text(st, 22, p->audit_hash);
	bind_text(st, 23, p->rules_digest);
	rc = trace_build(&trace, p->verdict);
	if (rc != PL_OK)
		rc = pl_diag_set(diag, rc, ledger->path, 0,
				 "decision trace of piece '%s' of account '%s' is "
				 "longer than %zu bytes", p->piece_id, p->account_id,
				 (size_t)PL_MAX_TRACE_BYTES);
	if (rc == PL_OK) {
		/* The trace is kept once, under its digest (migrate_v4_sql). */
		sqlite3_stmt *tst = ledger->insert_trace;

		sha256_hex(buf_str(&trace), trace.len, trace_sha);
		bind_text(tst, 1, trace_sha);
		bind_text(tst, 2, buf_str(&trace));
		if (sqlite3_step(tst) != SQLITE_DONE)
			rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
					 "cannot record the decision trace of piece '%s' "
					 "in the contact ledger: %s", p->piece_id,
					 sqlite3_errmsg(ledger->db));
		finish(tst);
	}
	/* STATIC: the digest outlives the step; bindings are cleared below. */
	bind_text(st, 24, trace_sha);
	if (rc == PL_OK && sqlite3_step(st) != SQLITE_DONE)
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "cannot record piece '%s' of account '%s' in the "
				 "contact ledger: %s", p->piece_id, p->account_id,
				 sqlite3_errmsg(ledger->db));
	finish(st);
	buf_release(&trace);
	return rc;
}

int ledger_txn_add_contact(struct ledger *ledger, const char *batch_id,
			   const char *agency_id, const struct contact_event *ev,
			   struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->insert_contact;
	const char *channel = ledger_channel_name(ev->channel);
	const char *kind = ledger_kind_name(ev->kind);
	int rc = PL_OK;

	if (!ledger->in_txn)
		PL_BUG("contact of '%s' added outside a batch transaction",
		       ev->account_id);
	if (ev->rejected || !channel || !kind || ev->date == PL_NO_DATE)
		PL_BUG("contact of '%s' at %s:%u is not a good event",
		       ev->account_id, ev->file, ev->line);
	bind_text(st, 1, batch_id);
	bind_text(st, 2, agency_id);
	bind_text(st, 3, ev->consumer_id && ev->consumer_id[0] ? ev->consumer_id
							       : ev->account_id);
	bind_text(st, 4, ev->account_id);
	bind_date(st, 5, ev->date);
	bind_text(st, 6, ev->at);
	bind_text(st, 7, channel);
	bind_text(st, 8, kind);
	bind_text(st, 9, ev->file);
	sqlite3_bind_int64(st, 10, ev->line);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = pl_diag_set(diag, PL_MANIFEST_LEDGER, ledger->path, 0,
				 "cannot record the contact of account '%s' (at "
				 "%s:%u) in the contact ledger: %s", ev->account_id,
				 ev->file, ev->line, sqlite3_errmsg(ledger->db));
	finish(st);
	return rc;
}

int ledger_txn_commit(struct ledger *ledger, const struct ledger_batch *b,
		      struct pl_diag *diag)
{
	sqlite3_stmt *st = ledger->insert_batch;
	int rc;

	if (!ledger->in_txn)
		PL_BUG("commit of batch '%s' outside a transaction", b->batch_id);
	bind_text(st, 1, b->batch_id);
	bind_text(st, 2, b->agency_id);
	bind_date(st, 3, b->run_date);
	bind_date(st, 4, b->mail_date);
	bind_text(st, 5, b->rules_digest);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)b->letters);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)b->suppressed);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)b->deferred);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)b->rejected);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)b->contacts_imported);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)b->contacts_rejected);
	bind_text(st, 12, b->bundle_sha256);
	rc = step_done(ledger, st, "record the batch", diag);
	if (rc == PL_OK) {
		if ((uint64_t)b->imb_serial_next > (uint64_t)INT64_MAX)
			PL_BUG("IMb serial %lu of batch '%s' overflows SQLite",
			       b->imb_serial_next, b->batch_id);
		st = ledger->imb_serial_set;
		bind_text(st, 1, b->agency_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)b->imb_serial_next);
		rc = step_done(ledger, st, "record the next IMb serial", diag);
	}
	if (rc == PL_OK)
		rc = exec_sql(ledger, "COMMIT", "commit the batch", diag);
	if (rc == PL_OK)
		ledger->in_txn = false;
	else
		ledger_txn_rollback(ledger);
	return rc;
}

void ledger_txn_rollback(struct ledger *ledger)
{
	if (!ledger->in_txn)
		return;
	/* A failed COMMIT may already have ended the transaction. */
	if (!sqlite3_get_autocommit(ledger->db))
		sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
	ledger->in_txn = false;
}
