/* dorm/files.h - FileField and ImageField as Django stores them: a name
 * under a storage's root in a varchar(100) column, Django's Storage as a
 * table of functions with a filesystem implementation, FieldFile's calls
 * on an object's member, and an image's width and height.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_FILES_H
#define DORM_FILES_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dorm_ctx;
struct dorm_storage;

/* What a storage does with names it was given (Django's Storage private
 * methods).  Every name is relative to the storage and already checked by
 * dorm (no ".." part, not absolute).  Errors are recorded on cx
 * (dorm_ctx_fail).  Fields are only ever appended. */
typedef struct dorm_storage_ops {
    /* _save: writes len bytes as a new file `name`; DORM_EEXISTS (and nothing
     * written) when a file of that name appeared since get_available_name
     * chose it, so that dorm chooses again; else 0 or a negative error. */
    int (*save)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name, const void *data, size_t len);
    /* open(name, mode): a stdio stream the caller fcloses, or NULL. */
    FILE *(*open)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name, const char *mode);
    /* delete(name): 0 also when there is no such file (Django ignores it). */
    int (*remove)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name);
    /* exists(name): 1, 0, or a negative error. */
    int (*exists)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name);
    /* size(name) in bytes, or a negative error. */
    int64_t (*size)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name);
    /* url(name), in cx's arena, or NULL (an error on cx). */
    const char *(*url)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name);
    /* path(name): a local file name, in cx's arena; NULL for a storage
     * without one (Django's NotImplementedError). */
    const char *(*path)(const struct dorm_storage *s, struct dorm_ctx *cx, const char *name);
} dorm_storage_ops;

/* A storage: its functions and what they work on.  Declared statically
 * (the field table points at it): DORM_FILE_STORAGE("/srv/media", "/media/"). */
typedef struct dorm_storage {
    const dorm_storage_ops *ops; /* its functions (dorm_filesystem_ops)       */
    const char *location;        /* the filesystem storage's root (MEDIA_ROOT) */
    const char *base_url;        /* what url() starts with (MEDIA_URL); NULL: none */
    void *self;                  /* another storage's own state                */
} dorm_storage;

/* Django's FileSystemStorage: files under `location`, which the storage
 * never leaves (a name that would is Django's SuspiciousFileOperation,
 * DORM_ESUSPICIOUS); directories made as needed. */
extern DORM_API const dorm_storage_ops dorm_filesystem_ops;
#define DORM_FILE_STORAGE(location, base_url) {&dorm_filesystem_ops, (location), (base_url), NULL}

/* Storage.save(name, content, max_length): get_available_name (a taken
 * name gets "_" and 7 random letters and digits before its extension, its
 * root shortened to fit max_length; 0: no limit), then the storage's save,
 * again on a race.  The name saved (cx's arena), or NULL. */
DORM_API const char *dorm_storage_save(const dorm_storage *s, struct dorm_ctx *cx, const char *name, const void *data, size_t len,
                              int max_length);
/* Storage.get_available_name: the name itself when free, else Django's
 * alternative (cx's arena), or NULL. */
DORM_API const char *dorm_storage_available_name(const dorm_storage *s, struct dorm_ctx *cx, const char *name, int max_length);
/* Storage.generate_filename: the file name made valid (Django's
 * get_valid_filename: spaces to "_", only letters, digits, "-", "_" and "."),
 * its directory kept and normalized, or NULL (DORM_ESUSPICIOUS). */
DORM_API const char *dorm_storage_generate_filename(struct dorm_ctx *cx, const char *filename);

/* upload_to as a function (Django's callable): the name for a file called
 * `filename` of object obj, in cx's arena (NULL: an error on cx). */
typedef const char *(*dorm_upload_to_fn)(const void *obj, const char *filename, struct dorm_ctx *cx);

/* FieldFile.save(name, content, save): the name upload_to gives, made
 * valid, saved under a free name in the field's storage, into the member;
 * an ImageField's width and height fields set from the content; with
 * `save`, dorm_save(obj).  0 or a negative dorm_error. */
DORM_API int dorm_file_save_(void *obj, void *member, const char *filename, const void *data, size_t len, bool save);
#define dorm_file_save(obj, member, filename, data, len, save) \
    dorm_file_save_((obj), &(obj)->member, (filename), (data), (len), (save))
/* FieldFile.delete(save): the file removed from the storage, the member
 * "" (no file); with `save`, dorm_save(obj).  Deleting a row never removes
 * its files (nor does Django): this does. */
DORM_API int dorm_file_delete_(void *obj, void *member, bool save);
#define dorm_file_delete(obj, member, save) dorm_file_delete_((obj), &(obj)->member, (save))
/* FieldFile.url / .size / .path / .open(mode): NULL or -1 with Django's
 * "The 'x' attribute has no file associated with it." when the member is
 * empty. */
DORM_API const char *dorm_file_url_(void *obj, void *member);
DORM_API int64_t dorm_file_size_(void *obj, void *member);
DORM_API const char *dorm_file_path_(void *obj, void *member);
DORM_API FILE *dorm_file_open_(void *obj, void *member, const char *mode);
#define dorm_file_url(obj, member) dorm_file_url_((obj), &(obj)->member)
#define dorm_file_size(obj, member) dorm_file_size_((obj), &(obj)->member)
#define dorm_file_path(obj, member) dorm_file_path_((obj), &(obj)->member)
#define dorm_file_open(obj, member, mode) dorm_file_open_((obj), &(obj)->member, (mode))

/* An image's width and height from its bytes (PNG and JPEG, read with
 * libpng and libjpeg): 0, DORM_EVALUE for content that is not such an image
 * (Django's get_image_dimensions answers None), or DORM_ENOTSUPPORTED in a
 * libdorm built without them (dorm_images_supported()). */
DORM_API int dorm_image_size(const void *data, size_t len, int *width, int *height);
DORM_API bool dorm_images_supported(void);

#ifdef __cplusplus
}
#endif

#endif
