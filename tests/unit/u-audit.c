/*
 * u-audit.c: the hash chain of audit/manifest.xml and its HTML view.
 *
 * The chain is recomputed here from the written file with libxml2's
 * reader, by the rule of docs/audit-chain.md and nothing of the writer
 * (as `fairnotice verify` does): it must hold on a file as written, also
 * for text that needs escaping, and break at exactly the record where one
 * byte changed. The HTML view is written, deterministic, self-contained;
 * a stylesheet that tries to write a file, or to read one other than the
 * manifest, is refused and leaves no file behind.
 */
#include "pl.h"
#include "model.h"
#include "bundle/bundle-int.h"
#include "core/digest.h"
#include "core/profile.h"
#include "core/xalloc.h"
#include "tap.h"
#include "testutil.h"

#include <ftw.h>
#include <sys/stat.h>
#include <libxml/xmlreader.h>

static char root[] = "/tmp/u-audit-XXXXXX";
static struct agency agency = { .id = "acme-collect", .mail_class = "first-class" };

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- files ---- */

static char *slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		data = xrealloc(data, len + n + 1);
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!data)
		data = xstrdup("");
	data[len] = '\0';
	if (len_out)
		*len_out = len;
	return data;
}

static void spill(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		PL_BUG("cannot write '%s'", path);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static char *staging(const char *name)
{
	char *dir = xasprintf("%s/%s", root, name);
	char *audit = xasprintf("%s/audit", dir);

	mkdir(dir, 0777);
	mkdir(audit, 0777);
	free(audit);
	return dir;
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	return remove(path);
}

static int locks;

static int count_lock(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	size_t n = strlen(path);

	if (n > 5 && !strcmp(path + n - 5, ".lock"))
		locks++;
	return 0;
}

/* ---- the chain, recomputed by docs/audit-chain.md ---- */

static void esc(struct digest *d, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			digest_update(d, "\\\\", 2);
		else if (*s == '\n')
			digest_update(d, "\\n", 2);
		else
			digest_update(d, s, 1);
	}
}

static int cmp_attr(const void *a, const void *b)
{
	return strcmp((const char *)(*(xmlAttr *const *)a)->name,
		      (const char *)(*(xmlAttr *const *)b)->name);
}

static void canon(struct digest *d, xmlNode *e, bool top)
{
	xmlAttr *attrs[64];
	size_t n = 0;
	bool elements = false;
	xmlNode *c;

	for (xmlAttr *a = e->properties; a; a = a->next) {
		if (top && (!strcmp((const char *)a->name, "prev") ||
			    !strcmp((const char *)a->name, "hash")))
			continue;
		if (n == PL_ARRAY_SIZE(attrs))
			PL_BUG("too many attributes");
		attrs[n++] = a;
	}
	qsort(attrs, n, sizeof(attrs[0]), cmp_attr);
	digest_update(d, "E", 1);
	digest_update(d, e->name, strlen((const char *)e->name));
	for (size_t i = 0; i < n; i++) {
		xmlChar *v = xmlNodeGetContent((xmlNode *)attrs[i]);

		digest_update(d, "\x1f", 1);
		digest_update(d, attrs[i]->name, strlen((const char *)attrs[i]->name));
		digest_update(d, "=", 1);
		esc(d, v ? (const char *)v : "");
		xmlFree(v);
	}
	digest_update(d, "\n", 1);
	for (c = e->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			elements = true;
	if (!elements) {
		xmlChar *text = xmlNodeGetContent(e);

		if (text && text[0]) {
			digest_update(d, "T", 1);
			esc(d, (const char *)text);
			digest_update(d, "\n", 1);
		}
		xmlFree(text);
	}
	for (c = e->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			canon(d, c, false);
	digest_update(d, "/\n", 2);
}

static char *prop(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = xstrdup(v ? (const char *)v : "");

	xmlFree(v);
	return s;
}

/*
 * 0 when every record's prev and hash hold and <chain head> is the last
 * hash; else the 1-based number of the first record that breaks (records
 * + 1 for a wrong head); -1 when the file cannot be read. *records and
 * head (may be NULL) receive what was read.
 */
static long chain_check(const char *path, long *records, char head[PL_SHA256_HEX])
{
	xmlTextReader *r = xmlReaderForFile(path, NULL, XML_PARSE_NONET);
	char prev[PL_SHA256_HEX] = ZERO_HASH;
	long n = 0, bad = 0;
	bool saw_head = false;
	int ret;

	if (!r)
		return -1;
	ret = xmlTextReaderRead(r);
	while (ret == 1) {
		const char *name = (const char *)xmlTextReaderConstLocalName(r);

		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
		    xmlTextReaderDepth(r) == 1 && !strcmp(name, "account")) {
			xmlNode *node = xmlTextReaderExpand(r);
			struct digest d;
			char got[PL_SHA256_HEX], *p, *h;

			if (!node)
				break;
			n++;
			p = prop(node, "prev");
			h = prop(node, "hash");
			digest_init(&d);
			digest_update(&d, prev, 64);
			digest_update(&d, "\n", 1);
			canon(&d, node, true);
			digest_finish(&d, got);
			if (!bad && (strcmp(p, prev) || strcmp(h, got)))
				bad = n;
			snprintf(prev, sizeof(prev), "%s", h);
			free(p);
			free(h);
			ret = xmlTextReaderNext(r);
			continue;
		}
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
		    xmlTextReaderDepth(r) == 1 && !strcmp(name, "chain")) {
			xmlChar *v = xmlTextReaderGetAttribute(r, BAD_CAST "head");

			saw_head = true;
			if (!bad && (!v || strcmp((const char *)v, prev)))
				bad = n + 1;
			if (head)
				snprintf(head, PL_SHA256_HEX, "%s", v ? (const char *)v : "");
			xmlFree(v);
		}
		ret = xmlTextReaderRead(r);
	}
	xmlFreeTextReader(r);
	if (records)
		*records = n;
	if (ret != 0)
		return -1;
	if (!saw_head && !bad)
		bad = n + 1;
	return bad;
}

/* ---- a small batch ---- */

#define NACCOUNTS 6

struct batch {
	struct account acct[NACCOUNTS];
	struct verdict verdict[NACCOUNTS];
	struct letter_ref letter[NACCOUNTS];
	struct bundle_entry e[NACCOUNTS];
};

static const struct rule_hit hit_a = {
	.rule_id = "US-REGF-LETTER-VALIDATION", .citation = "12 CFR 1006.34(a)(1)",
	.title = "Validation notice", .source_file = "rules/federal.xml", .source_line = 82,
};
static const struct rule_hit hit_b = {
	.rule_id = "NY-DISCLOSURE", .citation = "23 NYCRR 1.2(b)",
	.source_file = "rules/ny.xml", .source_line = 7, .needs_review = true,
};

static void make_batch(struct batch *b)
{
	static const char *const states[NACCOUNTS] = { "NY", "CA", "NY", "TX", "", "CA" };
	static const enum outcome outcomes[NACCOUNTS] = {
		OUTCOME_LETTER, OUTCOME_SUPPRESSED, OUTCOME_LETTER, OUTCOME_DEFERRED,
		OUTCOME_REJECTED, OUTCOME_SUPPRESSED,
	};
	static char ids[NACCOUNTS][16], pieces[NACCOUNTS][32];
	unsigned page = 1;

	memset(b, 0, sizeof(*b));
	for (int i = 0; i < NACCOUNTS; i++) {
		struct account *a = &b->acct[i];
		struct verdict *v = &b->verdict[i];
		struct bundle_entry *e = &b->e[i];

		snprintf(ids[i], sizeof(ids[i]), "A-%d", 1001 + i);
		a->account_id = ids[i];
		a->state = states[i];
		a->line = (unsigned)i + 2;
		v->outcome = outcomes[i];
		v->jurisdiction = states[i][0] ? (i % 2 ? "US-CA" : "US-NY") : "US";
		v->hits[v->nhits++] = hit_a;
		if (i == 0) {
			v->hits[v->nhits++] = hit_b;
			v->needs_review = true;
		}
		v->holiday_method = "conservative";
		v->calendar_version = "US-6103A-2026";
		v->assumed_receipt_date = d("2026-12-02");
		v->time_barred = TRI_NO;
		v->sol_years = 6;
		v->sol_expires_on = d("2031-01-18");
		v->sol_rule_id = "NY-SOL";
		v->plan.first_day = d("2026-11-23");
		v->plan.time_zone = "America/New_York";
		memcpy(v->plan.window, "08:00-21:00", 12);

		e->account = a;
		e->verdict = outcomes[i] == OUTCOME_REJECTED ? NULL : v;
		e->outcome = outcomes[i];
		e->account_id = ids[i];
		e->file = "batch/accounts.csv";
		e->reason_code = e->citation = e->field = e->message = "";
		e->name = "Pat Doe";
		e->language = "en";
		e->deferred_until = PL_NO_DATE;
		e->mail_date = e->validation_end_date = PL_NO_DATE;
		if (outcomes[i] == OUTCOME_LETTER) {
			struct letter_ref *l = &b->letter[i];

			snprintf(pieces[i], sizeof(pieces[i]), "B1-%06d", i + 1);
			l->piece_id = pieces[i];
			l->template_id = "validation-notice";
			l->template_version = "1";
			l->first_page = page;
			l->page_count = l->sheet_count = 2;
			l->group = "window-2";
			l->envelope = "#10-double-window";
			l->pdf = "window-2-001.pdf";
			page += 2;
			memset(l->content_sha256, 'a' + i, 64);
			l->language = "en";
			e->letter = l;
			e->mail_date = d("2026-11-24");
			e->validation_end_date = d("2027-01-01");
		} else if (outcomes[i] == OUTCOME_REJECTED) {
			e->reason_code = "MISSING_FIELD";
			e->field = "last_name";
			e->message = "missing field 'last_name'";
		} else {
			e->reason_code = i == 3 ? "DISPUTE_HOLD" : "CEASE_1006.6";
			e->citation = "12 CFR 1006.6(c)";
			if (i == 3)
				e->deferred_until = d("2026-12-15");
			/* Text that must survive writing and reading unchanged. */
			e->message = i == 1 ? "line one\r\nline two\ttab \\ back <b>&amp;\"q\"</b>"
				   : i == 5 ? "bad \x01 byte \xff and \xe2\x82 cut; naïve"
					    : "held until the dispute is answered";
		}
	}
}

static struct bundle_opts opts_for(const char *dir)
{
	struct bundle_opts o = {
		.staging_dir = dir, .batch_id = "B1", .agency = &agency,
		.run_date = d("2026-11-23"), .mail_date = d("2026-11-24"),
		.rules_digest = "0123456789abcdef0123456789abcdef"
				"0123456789abcdef0123456789abcdef",
	};
	return o;
}

static const struct run_counts counts = {
	.read = NACCOUNTS, .letters = 2, .suppressed = 2, .deferred = 1, .rejected = 1,
	.pages = 4, .sheets = 4,
};

/* Write audit/manifest.xml of n accounts into dir. */
static int write_manifest(const char *dir, size_t n, char chain[PL_SHA256_HEX],
			  struct pl_diag *diag)
{
	struct bundle_opts o = opts_for(dir);
	struct audit_xml x;
	struct batch b;
	char *path = xasprintf("%s/audit/manifest.xml", dir);
	char sha[PL_SHA256_HEX];
	int rc;

	make_batch(&b);
	rc = audit_xml_open(&x, path, &o, diag);
	for (size_t i = 0; rc == PL_OK && i < n; i++)
		rc = audit_xml_account(&x, &o, &b.e[i], diag);
	if (rc == PL_OK)
		rc = audit_xml_finish(&x, &counts, 1, sha, chain, diag);
	else
		audit_xml_abort(&x);
	free(path);
	return rc;
}

/* ---- tests ---- */

/* Change the byte after the first `what` inside the n-th <account>. */
static bool tamper(const char *path, int n, const char *what, char to)
{
	size_t len;
	char *data = slurp(path, &len), *p = data;
	bool done = false;

	for (int i = 0; p && i < n; i++)
		if ((p = strstr(p, "<account ")))
			p++;
	if (p && (p = strstr(p, what))) {
		p[strlen(what)] = to;
		spill(path, data, len);
		done = true;
	}
	free(data);
	return done;
}

static void test_chain(void)
{
	struct pl_diag diag;
	char *dir = staging("chain");
	char *path = xasprintf("%s/audit/manifest.xml", dir);
	char *copy = xasprintf("%s/audit/copy.xml", dir);
	char chain[PL_SHA256_HEX] = "", head[PL_SHA256_HEX] = "";
	char *orig, *again;
	size_t len, len2;
	long records = 0;

	is_int(write_manifest(dir, NACCOUNTS, chain, &diag), PL_OK, "chain: manifest written");
	is_int(chain_check(path, &records, head), 0, "chain: recomputed from the file, it holds");
	is_int(records, NACCOUNTS, "chain: every account is a record");
	is_int(strlen(chain), 64, "chain: chain_out is a SHA-256 hex");
	is_str(head, chain, "chain: <chain head> is chain_out");
	orig = slurp(path, &len);
	ok(strstr(orig, "prev=\"" ZERO_HASH "\"") != NULL, "chain: first record's prev is 64 zeros");
	ok(strstr(orig, "state=\"NY\"") != NULL, "chain: the account's state is recorded");
	ok(strstr(orig, "line one&#13;\nline two&#9;tab \\ back") != NULL ||
	   strstr(orig, "line one&#13;\nline two\ttab \\ back") != NULL,
	   "chain: CR, LF, tab and backslash kept in the text");

	/* The writer is deterministic: the same records, the same bytes. */
	is_int(write_manifest(dir, NACCOUNTS, chain, &diag), PL_OK, "chain: written again");
	again = slurp(path, &len2);
	ok(len == len2 && !memcmp(orig, again, len), "chain: byte-identical rewrite");
	free(again);

	/* One changed byte breaks the chain at that record. */
	spill(copy, orig, len);
	ok(tamper(copy, 3, "line=\"", '9'), "tamper: a byte of record 3 changed");
	is_int(chain_check(copy, NULL, NULL), 3, "tamper: the chain breaks at record 3");
	spill(copy, orig, len);
	ok(tamper(copy, 2, "line one", 'X'), "tamper: a byte of record 2's text changed");
	is_int(chain_check(copy, NULL, NULL), 2, "tamper: the chain breaks at record 2");
	spill(copy, orig, len);
	ok(tamper(copy, 5, "hash=\"", orig[0] == 'f' ? 'e' : 'f'),
	   "tamper: record 5's own hash changed");
	is_int(chain_check(copy, NULL, NULL), 5, "tamper: the chain breaks at record 5");
	spill(copy, orig, len);
	ok(tamper(copy, 6, "rule id=\"", 'X'), "tamper: a rule id of the last record changed");
	is_int(chain_check(copy, NULL, NULL), 6, "tamper: the chain breaks at record 6");
	spill(copy, orig, len);
	ok(tamper(copy, 1, "citation=\"", '9'), "tamper: a citation of record 1 changed");
	is_int(chain_check(copy, NULL, NULL), 1, "tamper: the chain breaks at record 1");
	free(orig);

	/* No accounts: the head is 64 zeros. */
	is_int(write_manifest(dir, 0, chain, &diag), PL_OK, "chain: empty manifest written");
	is_str(chain, ZERO_HASH, "chain: an empty chain's head is 64 zeros");
	is_int(chain_check(path, &records, head), 0, "chain: the empty chain holds");
	is_str(head, ZERO_HASH, "chain: <chain head> of an empty chain");
	free(copy);
	free(path);
	free(dir);
}

static const char *xsl_path(void)
{
	return PL_DATADIR "/templates/audit-view.xsl";
}

/* The number on the summary card of id, or -1. */
static long card(const char *page, const char *id)
{
	char *key = xasprintf("id=\"count-%s\"", id);
	const char *p = strstr(page, key);
	long n = -1;

	free(key);
	if (p && (p = strstr(p, "class=\"n\">")))
		n = strtol(p + strlen("class=\"n\">"), NULL, 10);
	return n;
}

static void test_html(void)
{
	struct pl_diag diag;
	char *dir = staging("html");
	char *html = xasprintf("%s/audit/manifest.html", dir);
	char chain[PL_SHA256_HEX];
	char *page, *again;
	size_t len, len2;
	int rc;

	pl_diag_clear(&diag);
	is_int(write_manifest(dir, NACCOUNTS, chain, &diag), PL_OK, "html: manifest written");
	rc = audit_html_write(dir, xsl_path(), 1, &diag);
	is_int(rc, PL_OK, "html: audit view written");
	if (rc != PL_OK)
		printf("# %s\n", diag.message);
	page = slurp(html, &len);
	ok(page != NULL, "html: audit/manifest.html exists");
	if (!page)
		page = xstrdup("");
	ok(strstr(page, "<!DOCTYPE html") != NULL, "html: an HTML page");
	is_int(card(page, "read"), NACCOUNTS, "html: read count");
	is_int(card(page, "letters"), 2, "html: letters count");
	is_int(card(page, "suppressed"), 2, "html: suppressed count");
	is_int(card(page, "deferred"), 1, "html: deferred count");
	is_int(card(page, "rejected"), 1, "html: rejected count");
	is_int(card(page, "review"), 1, "html: review flag count");
	ok(strstr(page, "<svg") && strstr(page, "id=\"chart-state\"") &&
	   strstr(page, "id=\"chart-reason\""), "html: two inline SVG charts");
	ok(strstr(page, "<option value=\"NY-DISCLOSURE\">") != NULL, "html: rule filter");
	ok(strstr(page, "<option value=\"TX\">") != NULL, "html: state filter");
	ok(strstr(page, "data-outcome=\"deferred\"") != NULL, "html: rows carry the outcome");
	ok(strstr(page, "<details>") != NULL, "html: traces in <details>");
	ok(strstr(page, "&lt;b&gt;&amp;amp;") != NULL, "html: input text escaped");
	ok(!strstr(page, "src=") && !strstr(page, "href=") && !strstr(page, "url(") &&
	   !strstr(page, "@import"),
	   "html: no external resource");
	ok(strstr(page, chain) != NULL, "html: shows the chain head");
	rc = audit_html_write(dir, xsl_path(), 1, &diag);
	again = slurp(html, &len2);
	ok(rc == PL_OK && again && len == len2 && !memcmp(page, again, len),
	   "html: deterministic bytes");
	free(again);
	free(page);

	/* A missing manifest is an error naming it. */
	{
		char *empty = staging("html-none");

		rc = audit_html_write(empty, xsl_path(), 1, &diag);
		is_int(PL_CLASS(rc), PL_IO, "html: no manifest is an i/o error");
		ok(strstr(diag.message, "audit/manifest.xml") != NULL, "html: error names the manifest");
		free(empty);
	}
	free(html);
	free(dir);
}

/* A stylesheet that reaches outside is refused; nothing is written. */
static void evil(const char *name, const char *body, const char *refused,
		 const char *target)
{
	struct pl_diag diag;
	char *dir = staging(name);
	char *xsl = xasprintf("%s/evil.xsl", dir);
	char *html = xasprintf("%s/audit/manifest.html", dir);
	char *text = xasprintf(
		"<?xml version=\"1.0\"?>\n"
		"<xsl:stylesheet version=\"1.0\" "
		"xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" "
		"xmlns:exsl=\"http://exslt.org/common\" "
		"extension-element-prefixes=\"exsl\">\n"
		"<xsl:template match=\"/\"><html><body>%s</body></html></xsl:template>\n"
		"</xsl:stylesheet>\n", body);
	char chain[PL_SHA256_HEX], msg[128];
	int rc;

	spill(xsl, text, strlen(text));
	is_int(write_manifest(dir, 2, chain, &diag), PL_OK, "evil: manifest written");
	pl_diag_clear(&diag);
	rc = audit_html_write(dir, xsl, 1, &diag);
	snprintf(msg, sizeof(msg), "evil %s: refused with PL_TEMPLATE (0x51)", name);
	is_int(rc, PL_DETAIL(PL_TEMPLATE, 0x51), msg);
	snprintf(msg, sizeof(msg), "evil %s: the error says what was refused", name);
	ok(strstr(diag.message, refused) != NULL, msg);
	if (!strstr(diag.message, refused))
		printf("# message: %s\n", diag.message);
	snprintf(msg, sizeof(msg), "evil %s: no manifest.html", name);
	ok(!exists(html), msg);
	if (target) {
		snprintf(msg, sizeof(msg), "evil %s: the file it wanted is not there", name);
		ok(!exists(target), msg);
	}
	free(text);
	free(html);
	free(xsl);
	free(dir);
}

static void test_evil(void)
{
	char *target = xasprintf("%s/evil/pwned.txt", root);
	char *deep = xasprintf("%s/evil-dir/new/pwned.txt", root);
	char *body;

	body = xasprintf("<exsl:document href=\"%s\" method=\"text\">x</exsl:document>", target);
	evil("evil", body, "write the file", target);
	free(body);
	body = xasprintf("<xsl:document href=\"%s\" method=\"text\">x</xsl:document>", deep);
	evil("evil-dir", body, "write the file", deep);
	free(body);
	evil("evil-read", "<xsl:value-of select=\"document('/etc/hostname')\"/>",
	     "read the file", NULL);
	evil("evil-net", "<xsl:copy-of select=\"document('http://127.0.0.1:9/x.xml')\"/>",
	     "use the network", NULL);
	free(deep);
	free(target);
}

/*
 * A manifest the view cannot read (DOCTYPE, another root, cut short) is a
 * PL_PARSE_XML error naming the manifest (and the line), and no view is
 * written; the summary pass that reads it first builds no tree.
 */
static void bad_manifest(const char *name, const char *xml, const char *says,
			 unsigned line)
{
	char *dir = staging(name);
	char *manifest = xasprintf("%s/audit/manifest.xml", dir);
	char *html = xasprintf("%s/audit/manifest.html", dir);
	struct pl_diag diag = { 0 };
	char *msg = xasprintf("bad manifest (%s): PL_PARSE_XML", name);
	int rc;

	spill(manifest, xml, strlen(xml));
	rc = audit_html_write(dir, xsl_path(), 1, &diag);
	is_int(rc, PL_PARSE_XML, msg);
	free(msg);
	msg = xasprintf("bad manifest (%s): says '%s'", name, says);
	ok(strstr(diag.message, says) != NULL && strstr(diag.message, "audit/manifest.xml"), msg);
	if (!strstr(diag.message, says))
		printf("# got: %s\n", diag.message);
	free(msg);
	if (line) {
		msg = xasprintf("bad manifest (%s): line %u", name, line);
		is_int((long)diag.line, (long)line, msg);
		free(msg);
	}
	msg = xasprintf("bad manifest (%s): no view written", name);
	ok(!exists(html), msg);
	free(msg);
	free(html);
	free(manifest);
	free(dir);
}

static void test_bad_manifest(void)
{
	bad_manifest("doctype",
		     "<?xml version=\"1.0\"?>\n"
		     "<!DOCTYPE audit-manifest [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
		     "<audit-manifest xmlns=\"urn:fairnotice:audit:1\">&x;</audit-manifest>\n",
		     "refusing XML with a DOCTYPE", 2);
	bad_manifest("root",
		     "<?xml version=\"1.0\"?>\n\n<accounts xmlns=\"urn:fairnotice:audit:1\"/>\n",
		     "not an audit manifest", 3);
	bad_manifest("cut",
		     "<?xml version=\"1.0\"?>\n<audit-manifest xmlns=\"urn:fairnotice:audit:1\">\n"
		     "  <account id=\"A-1\" outcome=\"letter\" state=\"NY\">\n"
		     "    <rule id=\"R\"/>\n",
		     "cannot read the audit manifest", 0);
	bad_manifest("empty", "", "cannot read the audit manifest", 0);
}

int main(void)
{
	if (!mkdtemp(root))
		PL_BUG("mkdtemp");
	test_chain();
	test_html();
	test_evil();
	test_bad_manifest();
	locks = 0;
	nftw(root, count_lock, 16, FTW_PHYS);
	is_int(locks, 0, "no lock file left behind");
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	xmlCleanupParser();
	return tap_done();
}
