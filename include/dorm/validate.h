/* dorm/validate.h - validation as Django's full_clean does it: validators
 * on fields (DORM_MIN_VALUE, DORM_REGEX, a C function, ...), the model's
 * clean() for cross-field rules, validate_unique, and the errors collected
 * per field and under "__all__" with Django's messages and codes.  save()
 * never validates: call full_clean first.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_VALIDATE_H
#define DORM_VALIDATE_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dorm_ctx;

/* The key of errors that belong to no field (Django's NON_FIELD_ERRORS):
 * those of clean() and of unique_together. */
#define DORM_NON_FIELD_ERRORS "__all__"

/* One error: the field it belongs to (DORM_NON_FIELD_ERRORS for none),
 * Django's message and its code ("blank", "max_length", "unique", ...;
 * NULL where Django's is None, as for a message clean() gives without
 * one). */
typedef struct dorm_verror {
    const char *field;      /* the field's name, or DORM_NON_FIELD_ERRORS */
    const char *message;    /* Django's message                          */
    const char *code;       /* Django's code, or NULL                    */
} dorm_verror;

/* The errors of a validation (Django's ValidationError.error_dict, flat):
 * grouped by field, fields in the order they first failed, each field's
 * messages in the order they were found.  Lives in the context's arena;
 * `cx` and `cap` are dorm's. */
typedef struct dorm_verrors {
    size_t n;               /* how many errors                           */
    dorm_verror *items;     /* the errors                                */
    struct dorm_ctx *cx;    /* dorm's: the arena they live in            */
    size_t cap;             /* dorm's: room in items                     */
} dorm_verrors;

/* Adds an error (a clean() hook's, or a validator's): `field` NULL is
 * DORM_NON_FIELD_ERRORS, `code` may be NULL, the message is printf-formatted.
 * 0 or DORM_ENOMEM. */
DORM_API int dorm_verror_add(dorm_verrors *errors, const char *field, const char *code, const char *fmt, ...);
/* The messages of one field ("__all__" for the non-field ones), as Django's
 * message_dict[field], joined by `sep` in the arena; NULL when it has none. */
DORM_API const char *dorm_verrors_of(const dorm_verrors *errors, const char *field, const char *sep);

/* ---- validators (django.core.validators) ---- */

/* The validators dorm has (Django's django.core.validators), and a C
 * function for the rest. */
typedef enum dorm_validator_kind {
    DORM_VALIDATOR_NONE = 0,
    DORM_VALIDATOR_MIN_VALUE,     /* MinValueValidator(limit)              */
    DORM_VALIDATOR_MAX_VALUE,     /* MaxValueValidator(limit)              */
    DORM_VALIDATOR_MIN_LENGTH,    /* MinLengthValidator(n)                 */
    DORM_VALIDATOR_MAX_LENGTH,    /* MaxLengthValidator(n)                 */
    DORM_VALIDATOR_REGEX,         /* RegexValidator(regex, ...)            */
    DORM_VALIDATOR_EMAIL,         /* EmailValidator()                      */
    DORM_VALIDATOR_URL,           /* URLValidator()                        */
    DORM_VALIDATOR_SLUG,          /* validate_slug                         */
    DORM_VALIDATOR_DECIMAL,       /* DecimalValidator(max_digits, places)  */
    DORM_VALIDATOR_NO_NULL_CHARS, /* ProhibitNullCharactersValidator()     */
    DORM_VALIDATOR_FUNCTION       /* a C function with a payload           */
} dorm_validator_kind;

/* RegexValidator's flags. */
#define DORM_REGEX_IGNORECASE 1

/* A validator of a field's `.validators` list.  `message` and `code`
 * replace Django's defaults; in a message "%(value)s", "%(limit_value)s",
 * "%(show_value)s", "%(max)s" are replaced as Django's params. */
typedef struct dorm_validator {
    dorm_validator_kind kind;         /* which validator                           */
    dorm_value limit;                 /* MIN/MAX_VALUE: the limit (same kind as the
                                       * field's values); MIN/MAX_LENGTH: an INT */
    const char *regex;                /* REGEX: POSIX extended, see docs/validation.md */
    int flags;                        /* REGEX: DORM_REGEX_IGNORECASE              */
    bool inverse_match;               /* REGEX: fail when it matches               */
    int max_digits;                   /* DECIMAL                                   */
    int decimal_places;               /* DECIMAL                                   */
    /* FUNCTION: true when the value is valid.  The value is never SQL NULL
     * or empty (Django runs no validator on those). */
    bool (*fn)(const dorm_value *value, const void *payload);
    const void *payload;
    const char *message;
    const char *code;
} dorm_validator;

/* .validators = DORM_VALIDATORS(DORM_MIN_VALUE(12), DORM_MAX_VALUE(120)).
 * Each macro takes Django's arguments, then any field as a designated
 * initialiser (.message = "...", .code = "..."). */
#define DORM_VALIDATORS(...) ((const dorm_validator[]){__VA_ARGS__, {DORM_VALIDATOR_NONE}})
#define DORM__REST1(a, ...) __VA_ARGS__
/* Integer limits; DORM_MIN_VALUE_OF(DORM_VDECIMAL(1, 2)) for other values. */
#define DORM__VLIM(k_, lim_, ...) {.limit = lim_, DORM__REST1(__VA_ARGS__, .kind = k_)}
#define DORM_MIN_VALUE(...) DORM__VLIM(DORM_VALIDATOR_MIN_VALUE, DORM_VINT(DORM__VA1(__VA_ARGS__, ~)), __VA_ARGS__)
#define DORM_MAX_VALUE(...) DORM__VLIM(DORM_VALIDATOR_MAX_VALUE, DORM_VINT(DORM__VA1(__VA_ARGS__, ~)), __VA_ARGS__)
#define DORM_MIN_VALUE_OF(...) DORM__VLIM(DORM_VALIDATOR_MIN_VALUE, DORM__VA1(__VA_ARGS__, ~), __VA_ARGS__)
#define DORM_MAX_VALUE_OF(...) DORM__VLIM(DORM_VALIDATOR_MAX_VALUE, DORM__VA1(__VA_ARGS__, ~), __VA_ARGS__)
#define DORM_MIN_LENGTH(...) DORM__VLIM(DORM_VALIDATOR_MIN_LENGTH, DORM_VINT(DORM__VA1(__VA_ARGS__, ~)), __VA_ARGS__)
#define DORM_MAX_LENGTH(...) DORM__VLIM(DORM_VALIDATOR_MAX_LENGTH, DORM_VINT(DORM__VA1(__VA_ARGS__, ~)), __VA_ARGS__)
/* DORM_REGEX("^[A-Z]{2}[0-9]{3}$", .message = "Code must be ...", .inverse_match = true) */
#define DORM_REGEX(...) {.regex = DORM__VA1(__VA_ARGS__, ~), DORM__REST1(__VA_ARGS__, .kind = DORM_VALIDATOR_REGEX)}
#define DORM_DECIMAL_VALIDATOR(...) \
    {.max_digits = DORM__VA1(__VA_ARGS__, ~, ~), .decimal_places = DORM__VA2(__VA_ARGS__, ~, ~), \
     DORM__VREST2(__VA_ARGS__, .kind = DORM_VALIDATOR_DECIMAL)}
/* DORM_VALIDATOR(is_even, NULL, .message = "%(value)s is not an even number.", .code = "odd") */
#define DORM_VALIDATOR(...) \
    {.fn = DORM__VA1(__VA_ARGS__, ~, ~), .payload = DORM__VA2(__VA_ARGS__, ~, ~), \
     DORM__VREST2(__VA_ARGS__, .kind = DORM_VALIDATOR_FUNCTION)}
/* These take options only: DORM_EMAIL_VALIDATOR(), DORM_SLUG_VALIDATOR(.message = "..."). */
#define DORM_EMAIL_VALIDATOR(...) {.kind = DORM_VALIDATOR_EMAIL, __VA_ARGS__}
#define DORM_URL_VALIDATOR(...) {.kind = DORM_VALIDATOR_URL, __VA_ARGS__}
#define DORM_SLUG_VALIDATOR(...) {.kind = DORM_VALIDATOR_SLUG, __VA_ARGS__}
#define DORM_PROHIBIT_NULL_CHARACTERS(...) {.kind = DORM_VALIDATOR_NO_NULL_CHARS, __VA_ARGS__}
#define DORM__VA1(a, ...) a
#define DORM__VA2(a, b, ...) b
#define DORM__VREST2(a, b, ...) __VA_ARGS__

/* ---- assigning from any value ---- */

/* setattr(obj, name, field.to_python(value)): sets field `name` (or its
 * attname, "author_id") from a value of any type (text is parsed as the
 * field parses it: DV("42") for an IntegerField).  0, DORM_EFIELD for an
 * unknown field, or DORM_EVALIDATION with full_clean's words for a value the
 * field cannot take ("age: “abc” value must be an integer."); the member
 * is then unchanged. */
DORM_API int dorm_field_assign_(void *obj, const char *name, dorm_value value);
#define dorm_field_assign(obj, name, x) dorm_field_assign_((obj), (name), DV(x))

/* ---- full_clean ---- */

/* full_clean's options: fields left out (Django's exclude; they are not
 * validated and no unique check names them), and whether to skip
 * validate_unique (Django's validate_unique=False). */
typedef struct dorm_clean_opts {
    const char *const *exclude;   /* field names, NULL-terminated; may be NULL */
    bool skip_unique;             /* no validate_unique                        */
} dorm_clean_opts;

/* Model.full_clean(): clean_fields (each field in order: a blank field with
 * an empty value skipped; choices, null and blank; the related row; then
 * its validators), the model's clean() hook, then validate_unique for the
 * fields that passed, as Django.  0, or DORM_EVALIDATION with every error in
 * `out` (may be NULL) and in dorm_errmsg as "field: message" lines, grouped
 * by field; another negative dorm_error when a query failed. */
DORM_API int dorm_full_clean(void *obj);
DORM_API int dorm_full_clean_ex(void *obj, const dorm_clean_opts *opts, dorm_verrors *out);
/* Model.clean_fields(exclude) and Model.validate_unique(exclude) alone;
 * same contract.  validate_unique checks unique_together, UniqueConstraints
 * and unique fields (the primary key of a new object too) against the rows
 * of the model's default manager, skipping a check with a NULL value and,
 * for an object loaded from the database, its own row. */
DORM_API int dorm_clean_fields(void *obj, const char *const *exclude, dorm_verrors *out);
DORM_API int dorm_validate_unique(void *obj, const char *const *exclude, dorm_verrors *out);

#ifdef __cplusplus
}
#endif

#endif
