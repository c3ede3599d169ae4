/*
 * fsutil.c: mkdir -p, rm -rf and sorted directory listings (see fsutil.h).
 */
#include "../pl.h"
#include "fsutil.h"
#include "xalloc.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_mkdir_p(const char *path, struct pl_diag *diag)
{
	char *copy = xstrdup(path);
	int rc = PL_OK;

	for (char *p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
				rc = pl_diag_set(diag, PL_IO, path, 0,
						 "cannot create directory '%s': %s",
						 copy, strerror(errno));
				break;
			}
			*p = saved;
			if (!saved)
				break;
		}
	}
	if (rc == PL_OK && !fs_is_dir(path))
		rc = pl_diag_set(diag, PL_IO, path, 0, "'%s' is not a directory", path);
	free(copy);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st PL_UNUSED,
			int type PL_UNUSED, struct FTW *ftw PL_UNUSED)
{
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int fs_remove_tree(const char *path, struct pl_diag *diag)
{
	if (!fs_exists(path))
		return PL_OK;
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return pl_diag_set(diag, PL_IO, path, 0, "cannot remove '%s': %s",
				   path, strerror(errno));
	return PL_OK;
}

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_list(const char *dir, const char *suffix, char ***out, size_t *count,
	    struct pl_diag *diag)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **list = NULL;
	size_t n = 0, alloc = 0, slen = strlen(suffix);

	*out = NULL;
	*count = 0;
	if (!d)
		return pl_diag_set(diag, PL_IO_OPEN, dir, 0,
				   "cannot read directory '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *path;
		struct stat st;

		if (e->d_name[0] == '.' || len < slen ||
		    strcmp(e->d_name + len - slen, suffix))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			list = xrealloc(list, alloc * sizeof(*list));
		}
		list[n++] = path;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), compare_names);
	*out = list;
	*count = n;
	return PL_OK;
}

void fs_list_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}
