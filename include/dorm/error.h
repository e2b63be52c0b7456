/* dorm/error.h - error codes of every dorm call, mirroring Django's exceptions.
 * A failing call returns NULL or a negative dorm_error and leaves the code and a
 * message naming the problem on its context (dorm_errcode / dorm_errmsg).
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_ERROR_H
#define DORM_ERROR_H

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Negative codes; DORM_OK is 0.  The names follow Django's exception classes. */
typedef enum dorm_error {
    DORM_OK = 0,
    DORM_EDOESNOTEXIST = -1,  /* Model.DoesNotExist: get() matched no row          */
    DORM_EMULTIPLE = -2,      /* MultipleObjectsReturned: get() matched several    */
    DORM_EFIELD = -3,         /* FieldError: unknown field, lookup or bad path     */
    DORM_EVALIDATION = -4,    /* ValidationError: full_clean() / choices / lengths */
    DORM_EINTEGRITY = -5,     /* IntegrityError: unique, not-null, FK, check       */
    DORM_EPROTECTED = -6,     /* ProtectedError: on_delete=PROTECT blocked a delete */
    DORM_ERESTRICTED = -7,    /* RestrictedError: on_delete=RESTRICT              */
    DORM_EOPERATIONAL = -8,   /* OperationalError: connection, locking, server    */
    DORM_EPROGRAMMING = -9,   /* ProgrammingError: bad SQL, missing table         */
    DORM_ETRANSACTION = -10,  /* TransactionManagementError                       */
    DORM_ENOMEM = -11,        /* allocation failed                                */
    DORM_EVALUE = -12,        /* ValueError/TypeError: bad argument (e.g. negative index) */
    DORM_EDATA = -13,         /* DataError: value out of range for its column     */
    DORM_ECONFIG = -14,       /* ImproperlyConfigured: bad URL, registry, model   */
    DORM_EPOLICY = -15,       /* a query policy refused: N+1 (strict), budget     */
    DORM_ENOTSUPPORTED = -16, /* NotSupportedError: not on this backend, or not yet */
    DORM_EEMPTYPAGE = -17,    /* EmptyPage: a page number out of range            */
    DORM_EPAGENOTANINTEGER = -18, /* PageNotAnInteger: a page number that is no whole number */
    DORM_ESUSPICIOUS = -19,   /* SuspiciousFileOperation: a file name leaving its storage */
    DORM_EEXISTS = -20        /* FileExistsError: a storage's file name already taken */
} dorm_error;

/* The Django class name of a code ("DoesNotExist", "IntegrityError", ...).
 * Returns a static string; never NULL. */
DORM_API const char *dorm_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif
