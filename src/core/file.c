/* file.c - files dorm writes (migrations, fixtures) appear whole or not at
 * all: they are written to a temporary file beside the target, synced, and
 * renamed over it only when everything was written. */
#define _POSIX_C_SOURCE 200809L /* fdopen, fsync */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"

/* The temporary file is made with open(O_EXCL), not mkstemp, so that the
 * file gets the permissions the umask gives a new file (mkstemp: 0600). */
FILE *dorm_file_create(const char *path, char **tmp) {
    static _Thread_local unsigned serial;
    *tmp = NULL;
    size_t n = strlen(path) + 48;
    char *name = dorm_mem_alloc(n);
    if (!name) {
        errno = ENOMEM;
        return NULL;
    }
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(name, n, "%s.tmp%ld-%u", path, (long)getpid(), ++serial);
        fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int saved = errno;
        if (fd >= 0) {
            close(fd);
            unlink(name);
        }
        dorm_mem_free(name);
        errno = saved;
        return NULL;
    }
    *tmp = name;
    return f;
}

int dorm_file_finish(FILE *f, char *tmp, const char *path, bool ok) {
    int saved = 0;
    if (ok && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)) {
        saved = errno ? errno : EIO;
        ok = false;
    }
    if (fclose(f) != 0 && ok) {
        saved = errno;
        ok = false;
    }
    if (ok && rename(tmp, path) != 0) {
        saved = errno;
        ok = false;
    }
    if (!ok) unlink(tmp);
    dorm_mem_free(tmp);
    errno = saved;
    return ok ? 0 : -1;
}

int dorm_file_write(const char *path, const char *text) {
    char *tmp;
    FILE *f = dorm_file_create(path, &tmp);
    if (!f) return -1;
    return dorm_file_finish(f, tmp, path, fputs(text, f) >= 0);
}
