/* file.c - files dorm writes (migrations, fixtures) appear whole or not at
 * all: they are written to a temporary file beside the target, synced, and
 * renamed over it only when everything was written.  What is not a regular
 * file (/dev/null, a FIFO) is written in place: renaming over it would
 * replace it. */
#define _XOPEN_SOURCE 700 /* fdopen, fsync, fchmod, realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"

static char *copy(const char *s) {
    char *r = dorm_mem__strdup(s);
    if (!r) errno = ENOMEM;
    return r;
}

/* The temporary file is made with open(O_EXCL), not mkstemp, so that a new
 * file gets the permissions the umask gives it (mkstemp: 0600). */
static FILE *temporary(const char *target, char **tmp) {
    static _Thread_local unsigned serial;
    size_t n = strlen(target) + 48;
    char *name = dorm_mem__alloc(n);
    if (!name) {
        errno = ENOMEM;
        return NULL;
    }
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(name, n, "%s.tmp%ld-%u", target, (long)getpid(), ++serial);
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
        dorm_mem__free(name);
        errno = saved;
        return NULL;
    }
    *tmp = name;
    return f;
}

int dorm_file__create(dorm_file *wf, const char *path) {
    memset(wf, 0, sizeof *wf);
    struct stat st;
    char real[PATH_MAX];
    bool exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        wf->f = fopen(path, "w");
        return wf->f ? 0 : -1;
    }
    /* Through a symbolic link: the file it names is replaced, not the link. */
    wf->target = copy(exists && realpath(path, real) ? real : path);
    if (!wf->target) return -1;
    wf->f = temporary(wf->target, &wf->tmp);
    if (!wf->f) {
        int saved = errno;
        dorm_mem__free(wf->target);
        wf->target = NULL;
        errno = saved;
        return -1;
    }
    if (exists) fchmod(fileno(wf->f), st.st_mode & 07777);
    return 0;
}

int dorm_file__finish(dorm_file *wf, bool ok) {
    int saved = 0;
    if (ok && (fflush(wf->f) != 0 || ferror(wf->f) || (wf->tmp && fsync(fileno(wf->f)) != 0))) {
        saved = errno ? errno : EIO;
        ok = false;
    }
    if (fclose(wf->f) != 0 && ok) {
        saved = errno;
        ok = false;
    }
    if (wf->tmp && ok && rename(wf->tmp, wf->target) != 0) {
        saved = errno;
        ok = false;
    }
    if (wf->tmp && !ok) unlink(wf->tmp);
    dorm_mem__free(wf->tmp);
    dorm_mem__free(wf->target);
    memset(wf, 0, sizeof *wf);
    errno = saved;
    return ok ? 0 : -1;
}

int dorm_file__write(const char *path, const char *text) {
    dorm_file wf;
    if (dorm_file__create(&wf, path) != 0) return -1;
    return dorm_file__finish(&wf, fputs(text, wf.f) >= 0);
}
