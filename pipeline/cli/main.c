/*
 * main.c: the fairnotice command. Parses arguments, calls the library,
 * maps the result to an exit code. The only place die() exists.
 */
#include "pl.h"
#include "run.h"
#include "core/date.h"
#include "core/diag.h"
#include "cli/explain.h"
#include "verify/verify.h"

#include <time.h>
#include <unistd.h>

/*
 * Exit codes a scheduler can rely on (README.md "Exit codes").
 * Suppression is a normal outcome, so it does not change the code.
 */
enum exit_code {
	EXIT_COMPLETE = 0,     /* batch complete, nothing rejected */
	EXIT_REJECTS = 1,      /* batch complete, some records rejected */
	EXIT_USAGE = 2,        /* bad command line or configuration */
	EXIT_FATAL = 3,        /* the run stopped; nothing was written */
};

static const char usage_text[] =
	"usage: fairnotice run   --batch DIR --out DIR --state DIR [--date YYYY-MM-DD]\n"
	"                        [--rules DIR] [--templates DIR] [--layout-dumps]\n"
	"                        [--rebuild] [--jobs N]\n"
	"       fairnotice check --batch DIR [--date YYYY-MM-DD] [--rules DIR]\n"
	"       fairnotice explain --batch DIR [--state DIR] [--date YYYY-MM-DD] ACCOUNT_ID\n"
	"       fairnotice explain --state DIR --piece PIECE_ID\n"
	"       fairnotice rules lint [--rules DIR] [--batch DIR]\n"
	"       fairnotice preview TEMPLATE_FILE --account FILE.csv [--agency agency.xml]\n"
	"                        [--date YYYY-MM-DD] (--png OUT.png | --pdf OUT.pdf)\n"
	"                        [--dump OUT.layout] [--rules DIR]\n"
	"       fairnotice verify OUT/BATCH_ID\n"
	"       fairnotice version\n"
	"\n"
	"run    reads the batch, decides every account, typesets the letters and\n"
	"       writes OUT/<batch-id>/{print,audit}; records issued letters in the\n"
	"       contact ledger under --state; a batch already issued is not run\n"
	"       again, but with --rebuild its bundle is written again, identical,\n"
	"       and the ledger is left as it is; --jobs N typesets in N processes\n"
	"       (default: one per processor), the bundle identical whatever N\n"
	"check  validates and decides the batch, reports every record that would\n"
	"       not get a letter, and writes nothing\n"
	"explain  prints why one account got what it got: the decision, the rules\n"
	"       that fired with their citations, the dates, the contact plan;\n"
	"       with --piece, what the contact ledger kept of a piece issued\n"
	"       before (dates, letter, place in the bundle, rules, digests),\n"
	"       even when the batch folder is gone; exit 1 when it has no such piece\n"
	"rules lint  checks the rule set (and the agency's licences, with --batch)\n"
	"preview  renders the first account of FILE.csv with one template file (its\n"
	"       own letter and language), as a PNG (pages one under the other, 100\n"
	"       dpi) or a PDF; warns when a run would not send that letter\n";

static PL_NORETURN PL_PRINTF(2, 3) void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("fairnotice: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (code == EXIT_USAGE)
		fputs("try 'fairnotice help'\n", stderr);
	exit(code);
}

static int today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

struct cli {
	struct run_opts opts;
	const char *date;
	const char *jobs;
};

/*
 * Parse "--name value" pairs into cli; unknown options are usage errors.
 * A word that is not an option goes to *positional (at most one) when
 * positional is non-NULL.
 */
static void parse_options(int argc, char **argv, struct cli *cli,
			  const char **positional)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char **slot = NULL;

		if (positional && strncmp(arg, "--", 2)) {
			if (*positional)
				die(EXIT_USAGE, "unexpected argument '%s'", arg);
			*positional = arg;
			continue;
		}
		if (!strcmp(arg, "--layout-dumps")) {
			cli->opts.layout_dumps = true;
			continue;
		}
		if (!strcmp(arg, "--rebuild")) {
			cli->opts.rebuild = true;
			continue;
		}
		if (!strcmp(arg, "--batch"))
			slot = &cli->opts.batch_dir;
		else if (!strcmp(arg, "--out"))
			slot = &cli->opts.out_dir;
		else if (!strcmp(arg, "--state"))
			slot = &cli->opts.state_dir;
		else if (!strcmp(arg, "--date"))
			slot = &cli->date;
		else if (!strcmp(arg, "--rules"))
			slot = &cli->opts.rules_dir;
		else if (!strcmp(arg, "--templates"))
			slot = &cli->opts.templates_dir;
		else if (!strcmp(arg, "--fonts"))
			slot = &cli->opts.font_files_dir;
		else if (!strcmp(arg, "--jobs"))
			slot = &cli->jobs;
		else
			die(EXIT_USAGE, "unknown option '%s'", arg);
		if (i + 1 >= argc)
			die(EXIT_USAGE, "option '%s' needs a value", arg);
		*slot = argv[++i];
	}
	if (cli->jobs) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(cli->jobs, &end, 10);
		if (errno || *end || !*cli->jobs || cli->jobs[0] == '-' || n < 1 || n > 64)
			die(EXIT_USAGE, "--jobs '%s' is not a number from 1 to 64", cli->jobs);
		cli->opts.jobs = (unsigned)n;
	}
	if (cli->date) {
		if (date_parse_iso(cli->date, &cli->opts.run_date) != 0)
			die(EXIT_USAGE, "--date '%s' is not a date (YYYY-MM-DD)", cli->date);
	} else {
		cli->opts.run_date = today();
	}
}

static int exit_for(int rc, const struct run_result *result, const struct pl_diag *diag)
{
	char msg[1024];

	/* The summary line must reach a redirected stdout even if a checker
	 * (LeakSanitizer) ends the process before stdio's own flush. */
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fairnotice: cannot write to standard output\n");
		return EXIT_FATAL;
	}
	if (rc != PL_OK) {
		fprintf(stderr, "fairnotice: %s: %s\n", pl_strerror(rc),
			pl_diag_format(diag, msg, sizeof(msg)));
		return PL_CLASS(rc) == PL_USAGE ? EXIT_USAGE : EXIT_FATAL;
	}
	return result->counts.rejected ? EXIT_REJECTS : EXIT_COMPLETE;
}

static int cmd_run(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct run_result result;
	struct pl_diag diag = { 0 };
	int rc;

	parse_options(argc, argv, &cli, NULL);
	if (!cli.opts.batch_dir || !cli.opts.out_dir || !cli.opts.state_dir)
		die(EXIT_USAGE, "run needs --batch, --out and --state");
	cli.opts.log = stderr;
	rc = run_batch(&cli.opts, &result, &diag);
	if (rc == PL_OK) {
		const struct run_counts *c = &result.counts;
		if (result.already_done)
			printf("batch %s: already issued, nothing to do\n", result.batch_id);
		else
			printf("batch %s: read %lu = %lu letters + %lu suppressed + "
			       "%lu deferred + %lu rejected; bundle %sin %s\n",
			       result.batch_id, c->read, c->letters, c->suppressed,
			       c->deferred, c->rejected,
			       result.rebuilt ? "rebuilt (ledger unchanged) " : "",
			       result.bundle_dir);
	}
	return exit_for(rc, &result, &diag);
}

static int cmd_check(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct run_result result;
	struct pl_diag diag = { 0 };
	int rc;

	parse_options(argc, argv, &cli, NULL);
	if (!cli.opts.batch_dir)
		die(EXIT_USAGE, "check needs --batch");
	if (cli.opts.out_dir || cli.opts.state_dir || cli.opts.rebuild || cli.jobs)
		die(EXIT_USAGE, "check writes nothing: --out, --state, --rebuild and --jobs do not apply");
	cli.opts.log = stdout;
	rc = run_check(&cli.opts, &result, &diag);
	if (rc == PL_OK) {
		const struct run_counts *c = &result.counts;
		printf("batch %s: read %lu = %lu letters + %lu suppressed + "
		       "%lu deferred + %lu rejected (nothing written)\n",
		       result.batch_id, c->read, c->letters, c->suppressed,
		       c->deferred, c->rejected);
	}
	return exit_for(rc, &result, &diag);
}

/*
 * explain --state DIR --piece PIECE_ID: from the ledger alone, so no
 * other option applies. Exit 0: printed; 1: no such piece; 2: usage (or
 * no ledger in DIR); 3: the ledger cannot be read.
 */
static int cmd_explain_piece(int argc, char **argv)
{
	const char *state_dir = NULL, *piece_id = NULL;
	struct pl_diag diag = { 0 };
	char msg[1024];
	int rc;

	for (int i = 0; i < argc; i++) {
		const char **slot = NULL;

		if (!strcmp(argv[i], "--state"))
			slot = &state_dir;
		else if (!strcmp(argv[i], "--piece"))
			slot = &piece_id;
		else
			die(EXIT_USAGE, "explain --piece takes only --state, not '%s'", argv[i]);
		if (i + 1 >= argc)
			die(EXIT_USAGE, "option '%s' needs a value", argv[i]);
		*slot = argv[++i];
	}
	if (!state_dir || !piece_id)
		die(EXIT_USAGE, "explain --piece needs --state and a piece id");
	rc = explain_piece(state_dir, piece_id, stdout, &diag);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fairnotice: cannot write to standard output\n");
		return EXIT_FATAL;
	}
	if (rc == PL_DONE) {
		fprintf(stderr, "fairnotice: %s\n", diag.message);
		return EXIT_REJECTS;
	}
	if (rc != PL_OK) {
		fprintf(stderr, "fairnotice: %s: %s\n", pl_strerror(rc),
			pl_diag_format(&diag, msg, sizeof(msg)));
		return PL_CLASS(rc) == PL_USAGE ? EXIT_USAGE : EXIT_FATAL;
	}
	return EXIT_COMPLETE;
}

static int cmd_explain(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct pl_diag diag = { 0 };
	const char *account_id = NULL;
	char msg[1024];
	int rc;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--piece"))
			return cmd_explain_piece(argc, argv);
	parse_options(argc, argv, &cli, &account_id);
	if (!cli.opts.batch_dir || !account_id)
		die(EXIT_USAGE, "explain needs --batch and an account id");
	rc = run_explain(&cli.opts, account_id, explain_print, stdout, &diag);
	fflush(stdout);
	if (rc == PL_DONE) {
		fprintf(stderr, "fairnotice: no record with account_id '%s' in batch '%s'\n",
			account_id, cli.opts.batch_dir);
		return EXIT_USAGE;
	}
	if (rc != PL_OK) {
		fprintf(stderr, "fairnotice: %s: %s\n", pl_strerror(rc),
			pl_diag_format(&diag, msg, sizeof(msg)));
		return EXIT_FATAL;
	}
	return EXIT_COMPLETE;
}

/* Exit 0: clean; 1: warnings only; 3: errors (or the set does not load). */
static int cmd_rules(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct pl_diag diag = { 0 };
	unsigned warnings, errors;
	char msg[1024];
	int rc;

	if (argc < 1 || strcmp(argv[0], "lint"))
		die(EXIT_USAGE, "usage: fairnotice rules lint [--rules DIR] [--batch DIR]");
	parse_options(argc - 1, argv + 1, &cli, NULL);
	rc = run_lint(&cli.opts, stdout, &warnings, &errors, &diag);
	if (rc != PL_OK) {
		fprintf(stderr, "fairnotice: %s: %s\n", pl_strerror(rc),
			pl_diag_format(&diag, msg, sizeof(msg)));
		return EXIT_FATAL;
	}
	printf("rules lint: %u error%s, %u warning%s\n", errors, errors == 1 ? "" : "s",
	       warnings, warnings == 1 ? "" : "s");
	fflush(stdout);
	return errors ? EXIT_FATAL : warnings ? EXIT_REJECTS : EXIT_COMPLETE;
}

/* preview TEMPLATE_FILE --account FILE [--agency FILE] [--date D] (--png|--pdf) OUT */
static int cmd_preview(int argc, char **argv)
{
	struct preview_opts po = { .log = stderr };
	struct pl_diag diag = { 0 };
	const char *date = NULL;
	char msg[1024];
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char **slot = NULL;

		if (strncmp(arg, "--", 2)) {
			if (po.template_file)
				die(EXIT_USAGE, "unexpected argument '%s'", arg);
			po.template_file = arg;
			continue;
		}
		if (!strcmp(arg, "--account"))
			slot = &po.account_file;
		else if (!strcmp(arg, "--agency"))
			slot = &po.agency_file;
		else if (!strcmp(arg, "--date"))
			slot = &date;
		else if (!strcmp(arg, "--png"))
			slot = &po.png_path;
		else if (!strcmp(arg, "--pdf"))
			slot = &po.pdf_path;
		else if (!strcmp(arg, "--dump"))
			slot = &po.dump_path;
		else if (!strcmp(arg, "--rules"))
			slot = &po.rules_dir;
		else if (!strcmp(arg, "--fonts"))
			slot = &po.font_files_dir;
		else
			die(EXIT_USAGE, "unknown option '%s'", arg);
		if (i + 1 >= argc)
			die(EXIT_USAGE, "option '%s' needs a value", arg);
		*slot = argv[++i];
	}
	if (!po.template_file || !po.account_file)
		die(EXIT_USAGE, "preview needs a template file and --account");
	if (!po.png_path == !po.pdf_path)
		die(EXIT_USAGE, "preview needs one of --png and --pdf");
	if (date) {
		if (date_parse_iso(date, &po.run_date) != 0)
			die(EXIT_USAGE, "--date '%s' is not a date (YYYY-MM-DD)", date);
	} else {
		po.run_date = today();
	}
	rc = run_preview(&po, &diag);
	if (rc != PL_OK) {
		fprintf(stderr, "fairnotice: %s: %s\n", pl_strerror(rc),
			pl_diag_format(&diag, msg, sizeof(msg)));
		return PL_CLASS(rc) == PL_USAGE ? EXIT_USAGE : EXIT_FATAL;
	}
	return EXIT_COMPLETE;
}

/* Exit 0: intact; 1: problems found (each printed); 3: not a bundle. */
static int cmd_verify(int argc, char **argv)
{
	struct verify_report report = { 0 };
	struct pl_diag diag = { 0 };
	char msg[1024];
	int rc;

	if (argc != 1 || !strncmp(argv[0], "--", 2))
		die(EXIT_USAGE, "usage: fairnotice verify OUT/BATCH_ID");
	rc = verify_bundle(argv[0], stdout, &report, &diag);
	if (rc != PL_OK && rc != PL_MANIFEST) {
		fflush(stdout);
		fprintf(stderr, "fairnotice: %s: %s\n", pl_strerror(rc),
			pl_diag_format(&diag, msg, sizeof(msg)));
		return EXIT_FATAL;
	}
	printf("verify: %lu files, %lu audit records, %lu problem%s: %s\n",
	       report.files_checked, report.records_checked, report.problems,
	       report.problems == 1 ? "" : "s",
	       report.problems ? "NOT INTACT" : "intact");
	fflush(stdout);
	return report.problems ? EXIT_REJECTS : EXIT_COMPLETE;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		die(EXIT_USAGE, "no command given");
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(cmd, "explain"))
		return cmd_explain(argc - 2, argv + 2);
	if (!strcmp(cmd, "rules"))
		return cmd_rules(argc - 2, argv + 2);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc - 2, argv + 2);
	if (!strcmp(cmd, "preview"))
		return cmd_preview(argc - 2, argv + 2);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		puts("fairnotice 0.1.0");
		return EXIT_COMPLETE;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_text, stdout);
		return EXIT_COMPLETE;
	}
	die(EXIT_USAGE, "unknown command '%s'", cmd);
}
