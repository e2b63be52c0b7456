/* storage.c - Django's Storage over any dorm_storage: valid file names,
 * get_available_name's "_<7 random characters>" rule, save with its retry,
 * and FileSystemStorage, which keeps every file under its location. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/exec.h"

static int suspicious(dorm_ctx *cx, const char *fmt, const char *name) {
    return dorm_ctx_fail(cx, DORM_ESUSPICIOUS, fmt, name);
}

/* Whether a "/"-separated path has a ".." part. */
static bool climbs(const char *path, size_t n) {
    for (size_t i = 0; i + 1 < n; i++)
        if (path[i] == '.' && path[i + 1] == '.' && (i == 0 || path[i - 1] == '/') &&
            (i + 2 == n || path[i + 2] == '/'))
            return true;
    return false;
}

int dorm_file__name_check(dorm_ctx *cx, const char *name) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return suspicious(cx, "Could not derive file name from '%s'", name);
    if (name[0] == '/' || climbs(name, strlen(name)))
        return suspicious(cx, "Detected path traversal attempt in '%s'", name);
    return DORM_OK;
}

/* posixpath.normpath of a relative path: no "." parts, no empty ones. */
static char *normpath(dorm_ctx *cx, const char *path) {
    size_t n = strlen(path);
    char *out = dorm_alloc(cx, n + 2), *o = out;
    if (!out) return NULL;
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len && !(len == 1 && p[0] == '.')) {
            if (o > out) *o++ = '/';
            memcpy(o, p, len);
            o += len;
        }
        p += len + (end != NULL);
    }
    if (o == out) *o++ = '.';
    *o = '\0';
    return out;
}

const char *dorm_storage_generate_filename(dorm_ctx *cx, const char *filename) {
    size_t n = strlen(filename);
    char *name = dorm_strdup(cx, filename);
    if (!name) return NULL;
    for (char *p = name; *p; p++)
        if (*p == '\\') *p = '/';
    char *slash = strrchr(name, '/');
    const char *file = slash ? slash + 1 : name;
    size_t dirlen = slash ? (size_t)(slash - name) : 0;
    if (climbs(name, dirlen)) {
        name[dirlen] = '\0';
        suspicious(cx, "Detected path traversal attempt in '%s'", name);
        return NULL;
    }
    /* Django's get_valid_filename: stripped, spaces to "_", then only \w, "-"
     * and "." (bytes above ASCII kept: Python's \w takes letters of every
     * script). */
    while (*file == ' ' || *file == '\t' || *file == '\n' || *file == '\r') file++;
    char *valid = dorm_alloc(cx, n + 1), *v = valid;
    if (!valid) return NULL;
    size_t flen = strlen(file);
    while (flen &&
           (file[flen - 1] == ' ' || file[flen - 1] == '\t' || file[flen - 1] == '\n' || file[flen - 1] == '\r'))
        flen--;
    for (size_t i = 0; i < flen; i++) {
        unsigned char c = (unsigned char)file[i];
        if (c == ' ')
            *v++ = '_';
        else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
                 c == '.' || c >= 0x80)
            *v++ = (char)c;
    }
    *v = '\0';
    if (!*valid || strcmp(valid, ".") == 0 || strcmp(valid, "..") == 0) {
        suspicious(cx, "Could not derive file name from '%s'", file);
        return NULL;
    }
    const char *joined = dirlen ? dorm_sprintf(cx, "%.*s/%s", (int)dirlen, name, valid) : valid;
    return joined ? normpath(cx, joined) : NULL;
}

/* Django's get_random_string(7): letters and digits. */
static void random_suffix(char out[8]) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    dorm_uuid u = dorm_uuid4();
    for (int i = 0; i < 7; i++) out[i] = alphabet[u.bytes[i] % 62];
    out[7] = '\0';
}

const char *dorm_storage_available_name(const dorm_storage *s, dorm_ctx *cx, const char *name, int max_length) {
    char *n = dorm_strdup(cx, name);
    if (!n) return NULL;
    for (char *p = n; *p; p++)
        if (*p == '\\') *p = '/';
    char *slash = strrchr(n, '/');
    size_t dirlen = slash ? (size_t)(slash - n) : 0;
    if (climbs(n, dirlen)) {
        suspicious(cx, "Detected path traversal attempt in '%s'", dorm_sprintf(cx, "%.*s", (int)dirlen, n));
        return NULL;
    }
    const char *file = slash ? slash + 1 : n;
    if (dorm_file__name_check(cx, file)) return NULL;
    /* os.path.splitext: the extension from the last dot not leading the name. */
    const char *dot = strrchr(file, '.');
    while (dot && dot > file && dot[-1] == '.') dot--;
    if (dot == file) dot = NULL;
    char *root = dorm_sprintf(cx, "%.*s", (int)(dot ? (size_t)(dot - file) : strlen(file)), file);
    const char *ext = dot ? dot : "";
    const char *dir = dorm_sprintf(cx, "%.*s%s", (int)dirlen, n, dirlen ? "/" : "");
    if (!root || !dir) return NULL;
    const char *candidate = n;
    for (;;) {
        int taken = s->ops->exists(s, cx, candidate);
        if (taken < 0) return NULL;
        if (!taken && (max_length <= 0 || (int)strlen(candidate) <= max_length)) return candidate;
        char suffix[8];
        random_suffix(suffix);
        candidate = dorm_sprintf(cx, "%s%s_%s%s", dir, root, suffix, ext);
        if (!candidate) return NULL;
        int over = max_length > 0 ? (int)strlen(candidate) - max_length : 0;
        if (over <= 0) continue;
        /* The root shortened so that the name fits (Django's truncation). */
        size_t keep = strlen(root) > (size_t)over ? strlen(root) - (size_t)over : 0;
        root[keep] = '\0';
        if (!keep) {
            suspicious(cx,
                       "Storage can not find an available filename for \"%s\". Please make sure that the corresponding "
                       "file field allows sufficient \"max_length\".",
                       candidate);
            return NULL;
        }
        candidate = dorm_sprintf(cx, "%s%s_%s%s", dir, root, suffix, ext);
        if (!candidate) return NULL;
    }
}

const char *dorm_storage_save(const dorm_storage *s, dorm_ctx *cx, const char *name, const void *data, size_t len,
                              int max_length) {
    if (dorm_file__name_check(cx, name)) return NULL;
    /* A name taken between the choice and the write is chosen again (Django's
     * FileSystemStorage._save loop), a few times. */
    for (int attempt = 0; attempt < 16; attempt++) {
        const char *chosen = dorm_storage_available_name(s, cx, name, max_length);
        if (!chosen || dorm_file__name_check(cx, chosen)) return NULL;
        int rc = s->ops->save(s, cx, chosen, data, len);
        if (rc == DORM_OK) return chosen;
        if (rc != DORM_EEXISTS) return NULL;
        dorm_error_clear(cx);
    }
    dorm_ctx_fail(cx, DORM_EEXISTS, "Storage could not save '%s': every name it chose was taken.", name);
    return NULL;
}

/* ---- FileSystemStorage ------------------------------------------------------ */

/* Django's safe_join(location, name): the absolute, normalized path of
 * name under the storage's location, or NULL (DORM_ESUSPICIOUS) for one
 * outside it.  Lexical, as os.path.abspath: links are not followed. */
static const char *fs_path(const dorm_storage *s, dorm_ctx *cx, const char *name) {
    if (!s->location) {
        dorm_ctx_fail(cx, DORM_ECONFIG, "The file storage has no location.");
        return NULL;
    }
    char cwd[4096] = "";
    if (s->location[0] != '/' && !getcwd(cwd, sizeof cwd)) {
        dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot read the working directory: %s", strerror(errno));
        return NULL;
    }
    const char *base_in = s->location[0] == '/' ? s->location : dorm_sprintf(cx, "%s/%s", cwd, s->location);
    const char *full_in = name[0] == '/' ? name : dorm_sprintf(cx, "%s/%s", base_in, name);
    if (!base_in || !full_in) return NULL;
    const char *paths[2] = {base_in, full_in};
    char *norm[2];
    for (int k = 0; k < 2; k++) {
        /* Parts resolved in place: "." dropped, ".." removes the one before. */
        size_t n = strlen(paths[k]);
        char *out = dorm_alloc(cx, n + 2);
        if (!out) return NULL;
        size_t o = 0;
        for (const char *p = paths[k]; *p;) {
            while (*p == '/') p++;
            const char *end = strchr(p, '/');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len == 2 && p[0] == '.' && p[1] == '.') {
                while (o > 0 && out[o - 1] != '/') o--;
                if (o > 0) o--;
            } else if (len && !(len == 1 && p[0] == '.')) {
                out[o++] = '/';
                memcpy(out + o, p, len);
                o += len;
            }
            p += len;
        }
        if (o == 0) out[o++] = '/';
        out[o] = '\0';
        norm[k] = out;
    }
    size_t blen = strlen(norm[0]);
    bool inside = strcmp(norm[1], norm[0]) == 0 || strcmp(norm[0], "/") == 0 ||
        (strncmp(norm[1], norm[0], blen) == 0 && norm[1][blen] == '/');
    if (!inside) {
        dorm_ctx_fail(cx, DORM_ESUSPICIOUS, "The joined path (%s) is located outside of the base path component (%s)",
                      norm[1], norm[0]);
        return NULL;
    }
    return norm[1];
}

/* mkdir -p of the directories above path. */
static int make_dirs(dorm_ctx *cx, const char *path) {
    char *p = dorm_strdup(cx, path);
    if (!p) return DORM_ENOMEM;
    char *last = strrchr(p, '/');
    if (!last || last == p) return DORM_OK;
    *last = '\0';
    for (char *q = p + 1;; q++) {
        bool end = *q == '\0';
        if (*q == '/' || end) {
            *q = '\0';
            struct stat st;
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot create %s: %s", p, strerror(errno));
            if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
                return dorm_ctx_fail(cx, DORM_EEXISTS, "%s exists and is not a directory.", p);
            if (end) break;
            *q = '/';
        }
    }
    return DORM_OK;
}

static int fs_save(const dorm_storage *s, dorm_ctx *cx, const char *name, const void *data, size_t len) {
    const char *path = fs_path(s, cx, name);
    if (!path) return dorm_errcode(cx);
    int rc = make_dirs(cx, path);
    if (rc) return rc;
    /* O_EXCL: a file that appeared since the name was chosen is not overwritten. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) return dorm_ctx_fail(cx, DORM_EEXISTS, "%s exists.", path);
    if (fd < 0) return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot create %s: %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int err = errno;
            close(fd);
            unlink(path);
            return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot write %s: %s", path, strerror(err));
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0) {
        unlink(path);
        return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot write %s: %s", path, strerror(errno));
    }
    return DORM_OK;
}

static FILE *fs_open(const dorm_storage *s, dorm_ctx *cx, const char *name, const char *mode) {
    const char *path = fs_path(s, cx, name);
    FILE *f = path ? fopen(path, mode) : NULL;
    if (path && !f) dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot open %s: %s", path, strerror(errno));
    return f;
}

static int fs_remove(const dorm_storage *s, dorm_ctx *cx, const char *name) {
    const char *path = fs_path(s, cx, name);
    if (!path) return dorm_errcode(cx);
    struct stat st;
    int rc = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT)
        return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot delete %s: %s", path, strerror(errno));
    return DORM_OK;
}

static int fs_exists(const dorm_storage *s, dorm_ctx *cx, const char *name) {
    const char *path = fs_path(s, cx, name);
    if (!path) return dorm_errcode(cx);
    struct stat st;
    return stat(path, &st) == 0;
}

static int64_t fs_size(const dorm_storage *s, dorm_ctx *cx, const char *name) {
    const char *path = fs_path(s, cx, name);
    if (!path) return dorm_errcode(cx);
    struct stat st;
    if (stat(path, &st) != 0) return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot read %s: %s", path, strerror(errno));
    return (int64_t)st.st_size;
}

/* Django's filepath_to_uri then urljoin: the name percent-encoded but for
 * its "/" and RFC 3986's unreserved and sub-delimiter characters. */
static const char *fs_url(const dorm_storage *s, dorm_ctx *cx, const char *name) {
    if (!s->base_url) {
        dorm_ctx_fail(cx, DORM_EVALUE, "This file is not accessible via a URL.");
        return NULL;
    }
    dorm_buf b = DORM_BUF_INIT;
    size_t blen = strlen(s->base_url);
    dorm_buf_puts(&b, s->base_url);
    if (blen && s->base_url[blen - 1] != '/') dorm_buf_putc(&b, '/');
    while (*name == '/') name++;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool plain = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            strchr("/~!*()'-_.", *p);
        if (plain)
            dorm_buf_putc(&b, (char)*p);
        else
            dorm_buf_printf(&b, "%%%02X", *p);
    }
    const char *r = b.failed ? NULL : dorm_strdup(cx, b.data);
    dorm_buf_free(&b);
    if (!r) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    return r;
}

const dorm_storage_ops dorm_filesystem_ops = {fs_save, fs_open, fs_remove, fs_exists, fs_size, fs_url, fs_path};
