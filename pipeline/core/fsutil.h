/*
 * fsutil.h: small filesystem helpers the run needs.
 *
 * All return PL_OK or a PL_IO status with diag filled (diag may be NULL).
 */
#ifndef PL_FSUTIL_H
#define PL_FSUTIL_H

#include "../pl.h"
#include "diag.h"

/* mkdir -p */
PL_WARN_UNUSED int fs_mkdir_p(const char *path, struct pl_diag *diag);
/* rm -rf; a missing path is fine. */
PL_WARN_UNUSED int fs_remove_tree(const char *path, struct pl_diag *diag);
bool fs_is_dir(const char *path);
bool fs_exists(const char *path);

/*
 * The regular files of dir whose names end in suffix (e.g. ".csv"),
 * sorted bytewise, as "dir/name" strings. *out is an xmalloc'ed array of
 * xmalloc'ed strings (free with fs_list_free).
 */
PL_WARN_UNUSED int fs_list(const char *dir, const char *suffix, char ***out,
			   size_t *count, struct pl_diag *diag);
void fs_list_free(char **list, size_t count);

#endif
