/* names.c - the index name Django gives a Meta index without one
 * (Index.set_name_with_model): "<table[:11]>_<first column[:7]>_<hash6>_idx",
 * the hash an md5 of the table, the columns ("-" for descending) and "idx". */
#include <stdio.h>
#include <string.h>

#include "core/md5.h"
#include "model/meta.h"

void dorm_index__default_name(const char *table, const char *const *cols, const bool *desc, size_t n, char *out) {
    dorm_md5 c;
    char hex[33];
    dorm_md5__init(&c);
    dorm_md5__update(&c, table, strlen(table));
    for (size_t i = 0; i < n; i++) {
        if (desc && desc[i]) dorm_md5__update(&c, "-", 1);
        dorm_md5__update(&c, cols[i], strlen(cols[i]));
    }
    dorm_md5__update(&c, "idx", 3);
    dorm_md5__hex(&c, hex);
    snprintf(out, DORM_INDEX_NAME_MAX, "%.11s_%.7s_%.6s_idx", table, n ? cols[0] : "", hex);
    /* Not starting with "_" or a digit (Oracle's rule, kept by Django). */
    if (out[0] == '_' || (out[0] >= '0' && out[0] <= '9')) out[0] = 'D';
}
