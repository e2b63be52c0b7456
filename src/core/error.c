/* error.c - the names of dorm's error codes, which are the class names of the
 * Django exceptions they stand for. */
#include "dorm/error.h"

const char *dorm_error_name(int code) {
    switch (code) {
    case DORM_OK: return "OK";
    case DORM_EDOESNOTEXIST: return "DoesNotExist";
    case DORM_EMULTIPLE: return "MultipleObjectsReturned";
    case DORM_EFIELD: return "FieldError";
    case DORM_EVALIDATION: return "ValidationError";
    case DORM_EINTEGRITY: return "IntegrityError";
    case DORM_EPROTECTED: return "ProtectedError";
    case DORM_ERESTRICTED: return "RestrictedError";
    case DORM_EOPERATIONAL: return "OperationalError";
    case DORM_EPROGRAMMING: return "ProgrammingError";
    case DORM_ETRANSACTION: return "TransactionManagementError";
    case DORM_ENOMEM: return "MemoryError";
    case DORM_EVALUE: return "ValueError";
    case DORM_EDATA: return "DataError";
    case DORM_ECONFIG: return "ImproperlyConfigured";
    case DORM_EPOLICY: return "QueryPolicyError";
    case DORM_ENOTSUPPORTED: return "NotSupportedError";
    case DORM_EEMPTYPAGE: return "EmptyPage";
    case DORM_EPAGENOTANINTEGER: return "PageNotAnInteger";
    case DORM_ESUSPICIOUS: return "SuspiciousFileOperation";
    case DORM_EEXISTS: return "FileExistsError";
    default: return "UnknownError";
    }
}
