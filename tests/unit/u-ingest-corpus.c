/*
 * u-ingest-corpus.c: every malformed or hostile input of tests/ingest-corpus/
 * gets its expected reason code, the good records around it still come
 * through, and the counts reconcile.
 *
 * tests/ingest-corpus/MANIFEST lists each file with how to read it (its
 * input spec), how many records must be accepted and rejected, and the set
 * of reject codes expected ("FATAL": the file must stop the run, with a
 * status and a message naming the file). For each case:
 *   - the status: PL_OK to the end of the file, or a fatal one for FATAL;
 *   - the set of reject codes, exactly;
 *   - accepted and rejected counts, and read = accepted + rejected;
 *   - every reject carries a line, a code and a message a person can
 *     read, and the record number counts up from 1;
 *   - nothing a hostile mapping tried to write exists afterwards.
 * make-corpus.py writes the corpus; the files are committed.
 */
#include "pl.h"
#include "core/arena.h"
#include "core/diag.h"
#include "core/xalloc.h"
#include "ingest/ingest.h"
#include "tap.h"
#include "testutil.h"

#include <unistd.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define CORPUS PL_DATADIR "/tests/ingest-corpus/"

struct result {
	int status;
	unsigned long good, rejected, read;
	char codes[256];        /* sorted, comma-separated, unique */
	bool located;           /* every reject has a line, code and message */
	bool numbered;          /* record numbers 1, 2, 3 ... */
	char first_problem[300];
	char fatal_message[600];
};

/* Add code to the sorted set in codes. */
static void add_code(char *codes, size_t size, const char *code)
{
	char *list[32], copy[256], *save = NULL, *tok;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", codes);
	for (tok = strtok_r(copy, ",", &save); tok && n < 31; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, code))
			list[n++] = tok;
	list[n++] = (char *)code;
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(list[k - 1], list[k]) > 0; k--) {
			char *t = list[k];
			list[k] = list[k - 1];
			list[k - 1] = t;
		}
	{
		char out[256] = "";
		size_t len = 0;

		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
						i ? "," : "", list[i]);
		snprintf(codes, size, "%s", out);
	}
}

static void run_case(const char *file, const struct input_spec *spec,
		     int run_date, struct result *res)
{
	char *path = xasprintf(CORPUS "%s", file);
	struct ingest_ids ids;
	struct ingest in;
	struct arena arena;
	struct pl_diag diag;
	int rc;

	memset(res, 0, sizeof(*res));
	res->located = res->numbered = true;
	ingest_ids_init(&ids);
	arena_init(&arena);
	pl_diag_clear(&diag);
	rc = ingest_open(&in, path, spec, &ids, run_date, &diag);
	while (rc == PL_OK) {
		struct account a;

		arena_clear(&arena);
		rc = ingest_next(&in, &arena, &a, &diag);
		if (rc != PL_OK)
			break;
		res->read++;
		if (a.record != res->read)
			res->numbered = false;
		if (!a.rejected) {
			res->good++;
			continue;
		}
		res->rejected++;
		add_code(res->codes, sizeof(res->codes), a.reject.code);
		if (!a.line || !*a.reject.code || strlen(a.reject.message) < 10 ||
		    strcmp(a.file, path)) {
			res->located = false;
			snprintf(res->first_problem, sizeof(res->first_problem),
				 "line %u code '%s' message '%s'", a.line, a.reject.code,
				 a.reject.message);
		}
	}
	if (rc == PL_DONE)
		rc = PL_OK;
	else
		pl_diag_format(&diag, res->fatal_message, sizeof(res->fatal_message));
	ingest_release(&in);
	res->status = rc;
	arena_release(&arena);
	ingest_ids_release(&ids);
	free(path);
}

/* The manifest's spec column -> *spec (strings point into text or CORPUS copies). */
static bool parse_spec(char *text, struct input_spec *spec, char **owned)
{
	char *parts[4] = { 0 }, *save = NULL;
	size_t n = 0;

	memset(spec, 0, sizeof(*spec));
	spec->match = (char *)"*";
	spec->encoding = (char *)"utf-8";
	spec->mapping = spec->record = spec->layout = (char *)"";
	for (char *t = strtok_r(text, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
		parts[n++] = t;
	if (!n)
		return false;
	if (!strcmp(parts[0], "csv")) {
		spec->format = INPUT_CSV;
	} else if (!strcmp(parts[0], "csv-1252")) {
		spec->format = INPUT_CSV;
		spec->encoding = (char *)"windows-1252";
	} else if (!strcmp(parts[0], "xml")) {
		spec->format = INPUT_XML;
	} else if (!strcmp(parts[0], "map") && n == 3) {
		spec->format = INPUT_XML;
		*owned = xasprintf(CORPUS "%s", parts[1]);
		spec->mapping = *owned;
		spec->record = parts[2];
	} else if (!strcmp(parts[0], "fixed") && n >= 2) {
		spec->format = INPUT_FIXED;
		*owned = xasprintf(CORPUS "%s", parts[1]);
		spec->layout = *owned;
		if (n == 3)
			spec->encoding = parts[2];
	} else {
		return false;
	}
	return true;
}

int main(void)
{
	FILE *m = fopen(CORPUS "MANIFEST", "r");
	char line[1024];
	int run_date = d("2026-11-23");
	unsigned cases = 0;

	if (!m)
		PL_BUG("cannot open " CORPUS "MANIFEST");
	unlink("/tmp/fairnotice-corpus-pwned.txt");
	while (fgets(line, sizeof(line), m)) {
		char *f[5] = { 0 }, *save = NULL, *owned = NULL, name[400];
		size_t n = 0;
		struct input_spec spec;
		struct result res;
		unsigned long want_good, want_rejected;
		bool fatal;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		for (char *t = strtok_r(line, "\t", &save); t && n < 5; t = strtok_r(NULL, "\t", &save))
			f[n++] = t;
		if (n != 5 || !parse_spec(f[1], &spec, &owned)) {
			ok(0, "manifest line reads");
			continue;
		}
		cases++;
		want_good = strtoul(f[2], NULL, 10);
		want_rejected = strtoul(f[3], NULL, 10);
		fatal = !strcmp(f[4], "FATAL");
		run_case(f[0], &spec, run_date, &res);

		snprintf(name, sizeof(name), "%s: %s", f[0],
			 fatal ? "stops the run" : "reads to the end");
		if (fatal) {
			ok(res.status != PL_OK && PL_CLASS(res.status) != PL_IO, name);
			snprintf(name, sizeof(name), "%s: the message names the file", f[0]);
			if (!ok(strstr(res.fatal_message, strrchr(f[0], '/') + 1) ||
				(spec.layout[0] && strstr(res.fatal_message, strrchr(spec.layout, '/') + 1)),
				name))
				printf("#   %s\n", res.fatal_message);
		} else {
			if (!ok(res.status == PL_OK, name))
				printf("#   status %d: %s\n", res.status, res.fatal_message);
			snprintf(name, sizeof(name), "%s: codes %s", f[0], f[4]);
			is_str(res.codes[0] ? res.codes : "-", f[4], name);
		}
		snprintf(name, sizeof(name), "%s: %lu accepted", f[0], want_good);
		is_int(res.good, want_good, name);
		snprintf(name, sizeof(name), "%s: %lu rejected", f[0], want_rejected);
		is_int(res.rejected, want_rejected, name);
		snprintf(name, sizeof(name), "%s: read = accepted + rejected", f[0]);
		is_int(res.read, res.good + res.rejected, name);
		snprintf(name, sizeof(name), "%s: every reject has line, code, message", f[0]);
		if (!ok(res.located, name))
			printf("#   %s\n", res.first_problem);
		snprintf(name, sizeof(name), "%s: record numbers count from 1", f[0]);
		ok(res.numbered, name);
		free(owned);
	}
	fclose(m);
	ok(cases >= 60, "at least 60 cases in the corpus");
	ok(access("/tmp/fairnotice-corpus-pwned.txt", F_OK) != 0,
	   "no mapping wrote its file");
	return tap_done();
}
