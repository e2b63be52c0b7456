/* file.h - writing a file whole or not at all (a temporary file beside it,
 * renamed over it when complete), for migrations and fixtures. */
#ifndef DORM_CORE_FILE_H
#define DORM_CORE_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* A file being written: write to `f`; the rest is dorm_file__finish's. */
typedef struct dorm_file {
    FILE *f;
    char *tmp; /* the temporary file; NULL: written in place        */
    char *target; /* the file it replaces (a symbolic link's target)   */
} dorm_file;

/* Starts writing `path`: a new temporary file in the folder of the file
 * path names (following a symbolic link), or, when path is something other
 * than a regular file (/dev/null, a FIFO), path itself.  0, or -1 with errno
 * set (ENOMEM when a name could not be allocated). */
int dorm_file__create(dorm_file *wf, const char *path);
/* Ends what dorm_file__create began: when `ok` and every write succeeded,
 * the temporary file is synced and renamed over the target (keeping an
 * existing file's permissions); otherwise it is removed and the target is
 * left as it was.  Closes the file and frees the names.  0, or -1 when `ok`
 * was false (errno 0) or a write, the sync or the rename failed (errno set). */
int dorm_file__finish(dorm_file *wf, bool ok);
/* Writes `text` as the whole content of `path`, the same way.  0, or -1
 * with errno set. */
int dorm_file__write(const char *path, const char *text);

#endif
