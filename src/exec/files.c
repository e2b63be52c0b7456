/* files.c - FileField and ImageField on objects (Django's FieldFile): the
 * name upload_to gives a new file, saving it through the field's storage,
 * an image's width and height into its dimension fields, and url, size,
 * path, open and delete of the stored file. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "exec/exec.h"

/* The file field whose member is `member` of obj, or NULL (an error on cx). */
static const dorm_fmeta *file_field(void *obj, const void *member) {
    dorm_object *h = obj;
    const dorm_meta *m = h && h->meta ? h->meta : NULL;
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    if (fm && (fm->f->kind == DORM_KIND_FILE || fm->f->kind == DORM_KIND_IMAGE)) return fm;
    if (h && h->cx)
        dorm_ctx_fail(h->cx, DORM_EVALUE, "dorm_file_*() needs a FileField or ImageField member of a dorm object.");
    return NULL;
}

static const dorm_storage *storage_of(dorm_ctx *cx, const dorm_fmeta *fm) {
    if (!fm->f->storage || !fm->f->storage->ops)
        dorm_ctx_fail(cx, DORM_ECONFIG, "The field '%s.%s' has no storage (.storage).", fm->owner->label, fm->f->name);
    return fm->f->storage && fm->f->storage->ops ? fm->f->storage : NULL;
}

/* FileField.generate_filename: upload_to's function, or its directory with
 * strftime's patterns filled in with the local time (Django's
 * datetime.now()), then the storage's valid name. */
static const char *generate_filename(dorm_ctx *cx, const dorm_fmeta *fm, const void *obj, const char *filename) {
    const char *name;
    if (fm->f->upload_to_fn) {
        name = fm->f->upload_to_fn(obj, filename, cx);
        if (!name && !dorm_errcode(cx))
            dorm_ctx_fail(cx, DORM_EVALUE, "The upload_to of '%s' gave no name.", fm->f->name);
    } else {
        char dir[1024] = "";
        const char *pattern = fm->f->upload_to ? fm->f->upload_to : "";
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        if (*pattern && strftime(dir, sizeof dir, pattern, &tm) == 0) {
            dorm_ctx_fail(cx, DORM_EVALUE, "The upload_to of '%s' is too long.", fm->f->name);
            return NULL;
        }
        /* posixpath.join: a name given absolute stands alone. */
        size_t n = strlen(dir);
        name = !n || filename[0] == '/' ? filename
                                        : dorm_sprintf(cx, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", filename);
    }
    if (!name) return NULL;
    /* validate_file_name(allow_relative_path=True) then the storage's rule. */
    return dorm_file__name_check(cx, name) ? NULL : dorm_storage_generate_filename(cx, name);
}

/* ImageField.update_dimension_fields from the content just saved: its
 * width and height, or NULL for content that is no image dorm can read. */
static int set_dimensions(void *obj, const dorm_fmeta *fm, const void *data, size_t len) {
    dorm_object *h = obj;
    const dorm_field *f = fm->f;
    if (f->kind != DORM_KIND_IMAGE || (!f->width_field && !f->height_field)) return DORM_OK;
    int w = 0, hgt = 0;
    int rc = dorm_image_size(data, len, &w, &hgt);
    if (rc == DORM_ENOTSUPPORTED)
        return dorm_ctx_fail(h->cx, rc, "libdorm was built without image support (libpng, libjpeg).");
    const char *names[2] = {f->width_field, f->height_field};
    int sizes[2] = {w, hgt};
    for (int i = 0; i < 2; i++) {
        if (!names[i]) continue;
        const dorm_fmeta *d = dorm_meta__field(h->meta, names[i]);
        if (!d) return dorm_ctx_fail(h->cx, DORM_EFIELD, "%s has no field named '%s'", h->model->name, names[i]);
        dorm_value v = rc == DORM_OK ? dorm_v_int(sizes[i]) : dorm_v_null();
        if (dorm_field__set(obj, d, &v))
            return dorm_ctx_fail(h->cx, DORM_EVALUE, "The dimension field '%s' must be an integer field.", names[i]);
    }
    return DORM_OK;
}

int dorm_file_save_(void *obj, void *member, const char *filename, const void *data, size_t len, bool save) {
    const dorm_fmeta *fm = file_field(obj, member);
    if (!fm) return DORM_EVALUE;
    dorm_ctx *cx = ((dorm_object *)obj)->cx;
    dorm_error_clear(cx);
    const dorm_storage *s = storage_of(cx, fm);
    const char *name = s && filename ? generate_filename(cx, fm, obj, filename) : NULL;
    if (!filename) return dorm_ctx_fail(cx, DORM_EVALUE, "dorm_file_save() needs a file name.");
    int max = fm->f->max_length ? fm->f->max_length : dorm_kind_max_length(fm->f->kind);
    const char *saved = name ? dorm_storage_save(s, cx, name, data, len, max) : NULL;
    if (!saved) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    dorm_value v = dorm_v_text(saved);
    dorm_field__set(obj, fm, &v);
    int rc = set_dimensions(obj, fm, data, len);
    return rc ? rc : save ? dorm_save(obj) : DORM_OK;
}

/* The name in the member, or NULL with Django's _require_file error. */
static const char *required(void *obj, const dorm_fmeta *fm) {
    const char *name = *(const char *const *)dorm_member(obj, fm);
    if (name && *name) return name;
    dorm_ctx_fail(((dorm_object *)obj)->cx, DORM_EVALUE, "The '%s' attribute has no file associated with it.",
                  fm->f->name);
    return NULL;
}

int dorm_file_delete_(void *obj, void *member, bool save) {
    const dorm_fmeta *fm = file_field(obj, member);
    if (!fm) return DORM_EVALUE;
    dorm_ctx *cx = ((dorm_object *)obj)->cx;
    dorm_error_clear(cx);
    const char *name = *(const char *const *)member;
    if (!name || !*name) return DORM_OK; /* no file: nothing to do (Django) */
    const dorm_storage *s = storage_of(cx, fm);
    int rc = s ? s->ops->remove(s, cx, name) : dorm_errcode(cx);
    if (rc) return rc;
    dorm_value empty = dorm_v_text("");
    dorm_field__set(obj, fm, &empty);
    return save ? dorm_save(obj) : DORM_OK;
}

const char *dorm_file_url_(void *obj, void *member) {
    const dorm_fmeta *fm = file_field(obj, member);
    const char *name = fm ? required(obj, fm) : NULL;
    dorm_ctx *cx = ((dorm_object *)obj)->cx;
    const dorm_storage *s = name ? storage_of(cx, fm) : NULL;
    return s ? s->ops->url(s, cx, name) : NULL;
}

int64_t dorm_file_size_(void *obj, void *member) {
    const dorm_fmeta *fm = file_field(obj, member);
    const char *name = fm ? required(obj, fm) : NULL;
    dorm_ctx *cx = ((dorm_object *)obj)->cx;
    const dorm_storage *s = name ? storage_of(cx, fm) : NULL;
    return s ? s->ops->size(s, cx, name) : -1;
}

const char *dorm_file_path_(void *obj, void *member) {
    const dorm_fmeta *fm = file_field(obj, member);
    const char *name = fm ? required(obj, fm) : NULL;
    dorm_ctx *cx = ((dorm_object *)obj)->cx;
    const dorm_storage *s = name ? storage_of(cx, fm) : NULL;
    if (s && !s->ops->path) dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "This backend doesn't support absolute paths.");
    return s && s->ops->path ? s->ops->path(s, cx, name) : NULL;
}

FILE *dorm_file_open_(void *obj, void *member, const char *mode) {
    const dorm_fmeta *fm = file_field(obj, member);
    const char *name = fm ? required(obj, fm) : NULL;
    dorm_ctx *cx = ((dorm_object *)obj)->cx;
    const dorm_storage *s = name ? storage_of(cx, fm) : NULL;
    return s ? s->ops->open(s, cx, name, mode ? mode : "rb") : NULL;
}
