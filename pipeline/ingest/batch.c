/*
 * batch.c: which files of a batch directory are what.
 *
 * Every regular file of the batch is matched against the input specs of
 * the agency profile (<input>, core/profile.h), or against the defaults
 * when the profile has none:
 *
 *   contacts  contacts*.csv   canonical contacts CSV, UTF-8
 *   accounts  *.csv           canonical CSV, UTF-8
 *   accounts  *.xml           canonical XML (agency.xml excepted)
 *
 * Contacts specs are tried first, then account specs, each in profile
 * order; the first whose pattern matches the base name decides. So
 * "contacts*.csv" wins over "*.csv" whatever order the profile lists
 * them in.
 *
 * Nothing is lost silently: a file that matches no spec stops the run
 * (PL_PARSE naming it) unless it is the profile itself (agency.xml), a
 * dotfile, or a mapping or layout file the profile names. Directories
 * (e.g. mappings/) are not batch files.
 */
#include "../pl.h"
#include "../core/fsutil.h"
#include "../core/xalloc.h"
#include "ingest-int.h"

#include <fnmatch.h>

static const struct input_spec default_specs[] = {
	{ .match = "contacts*.csv", .contacts = true, .format = INPUT_CSV,
	  .encoding = "utf-8", .mapping = "", .record = "", .layout = "" },
	{ .match = "*.csv", .contacts = false, .format = INPUT_CSV,
	  .encoding = "utf-8", .mapping = "", .record = "", .layout = "" },
	{ .match = "*.xml", .contacts = false, .format = INPUT_XML,
	  .encoding = "utf-8", .mapping = "", .record = "", .layout = "" },
};

const struct input_spec *ingest_default_spec(void)
{
	return &default_specs[1];
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Is path (directly in the batch) a mapping or layout file of a spec? */
static bool named_by_profile(const struct agency *agency, const char *path)
{
	for (size_t i = 0; i < agency->ninputs; i++) {
		const struct input_spec *s = &agency->inputs[i];

		if ((*s->mapping && !strcmp(s->mapping, path)) ||
		    (*s->layout && !strcmp(s->layout, path)))
			return true;
	}
	return false;
}

static const struct input_spec *match_spec(const struct input_spec *specs,
					   size_t n, const char *base)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (specs[i].contacts == (pass == 0) &&
			    fnmatch(specs[i].match, base, 0) == 0)
				return &specs[i];
	return NULL;
}

int ingest_batch_files(const char *batch_dir, const struct agency *agency,
		       struct batch_file **out, size_t *n, struct pl_diag *diag)
{
	const struct input_spec *specs = agency->ninputs ? agency->inputs : default_specs;
	size_t nspecs = agency->ninputs ? agency->ninputs : PL_ARRAY_SIZE(default_specs);
	struct batch_file *files = NULL;
	size_t count = 0;
	char **all = NULL;
	size_t nall = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* fs_list() skips dotfiles and anything but regular files; name order. */
	rc = fs_list(batch_dir, "", &all, &nall, diag);
	if (rc != PL_OK)
		goto out;
	files = xcalloc(nall ? nall : 1, sizeof(*files));
	for (size_t i = 0; i < nall && rc == PL_OK; i++) {
		const char *base = base_name(all[i]);
		const struct input_spec *spec;

		if (!strcmp(base, "agency.xml") || named_by_profile(agency, all[i]))
			continue;
		spec = match_spec(specs, nspecs, base);
		if (!spec) {
			rc = pl_diag_set(diag, PL_PARSE, all[i], 0,
					 "file '%s' in batch '%s' matches no %s; "
					 "rename or remove it, or add an <input> spec for it "
					 "(nothing is ignored silently)",
					 base, batch_dir,
					 agency->ninputs ? "<input> spec of the agency profile"
							 : "input kind (*.csv, contacts*.csv, *.xml)");
			break;
		}
		files[count].path = all[i];
		all[i] = NULL;
		files[count].spec = spec;
		files[count].contacts = spec->contacts;
		count++;
	}
	if (rc == PL_OK && count > PL_MAX_ACCOUNT_FILES)
		rc = pl_diag_set(diag, PL_LIMIT, batch_dir, 0,
				 "more than %d input files in batch '%s'",
				 PL_MAX_ACCOUNT_FILES, batch_dir);
out:
	fs_list_free(all, nall);
	if (rc == PL_OK) {
		*out = files;
		*n = count;
	} else {
		ingest_batch_files_free(files, count);
	}
	return rc;
}

void ingest_batch_files_free(struct batch_file *files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		free(files[i].path);
	free(files);
}
