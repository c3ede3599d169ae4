/*
 * u-ingest-hardening.c: entity expansion and external entities, measured.
 *
 * First what libxml2 itself does (2.9.14 on Debian 12, no XML_PARSE_HUGE):
 * it refuses the classic "billion laughs" with or without entity
 * substitution (its entity-loop and amplification checks), but a
 * "quadratic blowup" (one 50 KB entity referenced 5,000 times) parses
 * fine without XML_PARSE_NOENT, and the tree then expands to 250 MB the
 * moment anything asks for the text (xmlNodeGetContent, an XPath string).
 * Only with NOENT does libxml2's amplification check refuse it. That is
 * why the ingest refuses a DOCTYPE outright instead of trusting either.
 *
 * Then the ingest on the same documents: refused as BAD_XML, quickly,
 * with peak memory (getrusage) not growing by more than a few MiB, and an
 * external entity never read.
 */
#include "pl.h"
#include "core/arena.h"
#include "core/diag.h"
#include "ingest/ingest.h"
#include "tap.h"
#include "testutil.h"

#include <libxml/parser.h>
#include <sys/resource.h>
#include <time.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define CORPUS PL_DATADIR "/tests/ingest-corpus/xml/"

static long peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void silence(void *ctx PL_UNUSED, const char *msg PL_UNUSED, ...)
{
}

/* Parse with libxml2 directly; -1 refused, else the text length of the root. */
static long libxml2_text_length(const char *path, int options)
{
	xmlDoc *doc = xmlReadFile(path, NULL, options | XML_PARSE_NOERROR |
				  XML_PARSE_NOWARNING);
	xmlChar *text;
	long n;

	if (!doc)
		return -1;
	text = xmlNodeGetContent(xmlDocGetRootElement(doc));
	n = text ? (long)strlen((const char *)text) : 0;
	xmlFree(text);
	xmlFreeDoc(doc);
	return n;
}

/* Under valgrind or a sanitizer a 250 MB expansion takes minutes: skip it. */
static bool instrumented(void)
{
	const char *preload = getenv("LD_PRELOAD");

#ifdef __SANITIZE_ADDRESS__
	return true;
#endif
	return preload && strstr(preload, "vgpreload");
}

static void test_libxml2(void)
{
	xmlSetGenericErrorFunc(NULL, silence);
	is_int(libxml2_text_length(CORPUS "billion-laughs.xml", XML_PARSE_NONET), -1,
	       "libxml2 refuses billion laughs without NOENT");
	is_int(libxml2_text_length(CORPUS "billion-laughs.xml",
				   XML_PARSE_NONET | XML_PARSE_NOENT), -1,
	       "libxml2 refuses billion laughs with NOENT");
	is_int(libxml2_text_length(CORPUS "quadratic-blowup.xml",
				   XML_PARSE_NONET | XML_PARSE_NOENT), -1,
	       "libxml2 refuses the quadratic blowup with NOENT");
	if (instrumented())
		ok(1, "without NOENT the quadratic blowup expands on reading # skip under valgrind or a sanitizer");
	else
		ok(libxml2_text_length(CORPUS "quadratic-blowup.xml", XML_PARSE_NONET) > 200000000L,
		   "without NOENT the quadratic blowup parses and expands past 200 MB on reading");
	xmlSetGenericErrorFunc(NULL, NULL);
}

static void test_ingest(const char *file, const char *want_code)
{
	struct input_spec spec = { .match = (char *)"*", .format = INPUT_XML,
				   .encoding = (char *)"utf-8", .mapping = (char *)"",
				   .record = (char *)"", .layout = (char *)"" };
	char path[512], name[300];
	struct ingest_ids ids;
	struct ingest in;
	struct arena arena;
	struct account a;
	struct pl_diag diag;
	long before = peak_kib();
	clock_t t0 = clock();
	int rc;
	unsigned n = 0, rejected = 0;
	const char *code = "";

	snprintf(path, sizeof(path), CORPUS "%s", file);
	ingest_ids_init(&ids);
	arena_init(&arena);
	rc = ingest_open(&in, path, &spec, &ids, d("2026-11-23"), &diag);
	while (rc == PL_OK) {
		arena_clear(&arena);
		rc = ingest_next(&in, &arena, &a, &diag);
		if (rc != PL_OK)
			break;
		n++;
		if (a.rejected) {
			rejected++;
			if (!*code)
				code = a.reject.code;
		}
	}
	snprintf(name, sizeof(name), "%s: read to the end", file);
	is_int(rc, PL_DONE, name);
	snprintf(name, sizeof(name), "%s: one reject %s, nothing accepted", file, want_code);
	ok(n == 1 && rejected == 1 && !strcmp(code, want_code), name);
	snprintf(name, sizeof(name), "%s: refused within a second%s", file,
		 instrumented() ? " # skip under valgrind or a sanitizer" : "");
	ok(instrumented() || (double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, name);
	snprintf(name, sizeof(name), "%s: peak memory grew by less than 8 MiB%s", file,
		 instrumented() ? " # skip under valgrind or a sanitizer" : "");
	ok(instrumented() || peak_kib() - before < 8 * 1024, name);
	ingest_release(&in);
	arena_release(&arena);
	ingest_ids_release(&ids);
}

int main(void)
{
	/* Ingest first, before libxml2's own tests raise the peak. */
	test_ingest("billion-laughs.xml", "BAD_XML");
	test_ingest("quadratic-blowup.xml", "BAD_XML");
	test_ingest("xxe-file.xml", "BAD_XML");
	test_ingest("xxe-parameter-entity.xml", "BAD_XML");
	test_libxml2();
	return tap_done();
}
