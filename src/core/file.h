/* file.h - writing a file whole or not at all (a temporary file beside it,
 * renamed over it when complete), for migrations and fixtures. */
#ifndef DORM_CORE_FILE_H
#define DORM_CORE_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* Opens a new temporary file in path's folder; *tmp gets its name (free it
 * through dorm_file_finish).  NULL with errno set on failure (ENOMEM when
 * the name could not be allocated). */
FILE *dorm_file_create(const char *path, char **tmp);
/* Ends what dorm_file_create began: when `ok` and every write succeeded,
 * the file is synced and renamed to `path` (replacing it); otherwise it is
 * removed and `path` is left as it was.  Closes f and frees tmp.  0, or -1
 * with errno set (0 when `ok` was false). */
int dorm_file_finish(FILE *f, char *tmp, const char *path, bool ok);
/* Writes `text` as the whole content of `path`, the same way.  0, or -1
 * with errno set. */
int dorm_file_write(const char *path, const char *text);

#endif
