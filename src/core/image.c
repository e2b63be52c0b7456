/* image.c - an image's width and height for ImageField (Django asks Pillow:
 * get_image_dimensions), read from its header with libpng and libjpeg.
 * Optional: a build without them (DORM_IMAGES=OFF) answers
 * DORM_ENOTSUPPORTED. */
#include <setjmp.h>
#include <string.h>

#include "dorm/error.h"
#include "dorm/files.h"

#ifdef DORM_HAVE_IMAGES
#include <stdio.h> /* jpeglib.h needs FILE and size_t declared first */

#include <jpeglib.h>
#include <png.h>

#include "core/alloc.h"

bool dorm_images_supported(void) { return true; }

/* libpng reads from memory. */
typedef struct png_source {
    const unsigned char *p;
    size_t left;
} png_source;

static void png_read(png_structp png, png_bytep out, png_size_t n) {
    png_source *src = png_get_io_ptr(png);
    if (n > src->left) png_error(png, "truncated");
    memcpy(out, src->p, n);
    src->p += n;
    src->left -= n;
}

/* Errors end in longjmp (libpng's way); warnings are nobody's business. */
static void png_fail(png_structp png, png_const_charp msg) {
    (void)msg;
    png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* libpng's memory through dorm's allocator. */
static png_voidp png_alloc(png_structp png, png_alloc_size_t n) {
    (void)png;
    return dorm_mem__alloc(n);
}

static void png_release(png_structp png, png_voidp p) {
    (void)png;
    dorm_mem__free(p);
}

static int png_size(const void *data, size_t len, int *width, int *height) {
    png_structp png =
        png_create_read_struct_2(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet, NULL, png_alloc, png_release);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        return DORM_ENOMEM;
    }
    png_source src = {(const unsigned char *)data, len};
    volatile int rc = DORM_EVALUE;
    if (setjmp(png_jmpbuf(png)) == 0) {
        png_set_read_fn(png, &src, png_read);
        png_read_info(png, info);
        *width = (int)png_get_image_width(png, info);
        *height = (int)png_get_image_height(png, info);
        rc = DORM_OK;
    }
    png_destroy_read_struct(&png, &info, NULL);
    return rc;
}

typedef struct jpeg_failure {
    struct jpeg_error_mgr mgr;
    jmp_buf back;
} jpeg_failure;

static void jpeg_fail(j_common_ptr cinfo) { longjmp(((jpeg_failure *)cinfo->err)->back, 1); }

static void jpeg_quiet(j_common_ptr cinfo, int level) { (void)cinfo, (void)level; }

static int jpeg_size(const void *data, size_t len, int *width, int *height) {
    struct jpeg_decompress_struct cinfo;
    jpeg_failure err;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail;
    err.mgr.emit_message = jpeg_quiet;
    volatile int rc = DORM_EVALUE;
    if (setjmp(err.back) == 0) {
        jpeg_create_decompress(&cinfo);
        jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)len);
        if (jpeg_read_header(&cinfo, TRUE) == JPEG_HEADER_OK) {
            *width = (int)cinfo.image_width;
            *height = (int)cinfo.image_height;
            rc = DORM_OK;
        }
    }
    jpeg_destroy_decompress(&cinfo);
    return rc;
}

int dorm_image_size(const void *data, size_t len, int *width, int *height) {
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char *p = data;
    if (!data) return DORM_EVALUE;
    /* The format by its signature, as Pillow finds it. */
    if (len >= 8 && memcmp(p, png_magic, 8) == 0) return png_size(data, len, width, height);
    if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return jpeg_size(data, len, width, height);
    return DORM_EVALUE;
}

#else

bool dorm_images_supported(void) { return false; }

int dorm_image_size(const void *data, size_t len, int *width, int *height) {
    (void)data, (void)len, (void)width, (void)height;
    return DORM_ENOTSUPPORTED;
}

#endif
