/* like.c - the bound value of a LIKE lookup for backends whose escape
 * character is the backslash (PostgreSQL by default, MySQL with an explicit
 * ESCAPE): wildcards and the escape character escaped, so that the value
 * matches literally (Django's prep_for_like_query), then wrapped in the
 * lookup's wildcards. */
#include "backend/like.h"

void dorm_like__pattern(dorm_buf *out, dorm_lookup lk, const char *s, size_t n) {
    bool any_before =
        lk == DORM_LK_CONTAINS || lk == DORM_LK_ICONTAINS || lk == DORM_LK_ENDSWITH || lk == DORM_LK_IENDSWITH;
    bool any_after =
        lk == DORM_LK_CONTAINS || lk == DORM_LK_ICONTAINS || lk == DORM_LK_STARTSWITH || lk == DORM_LK_ISTARTSWITH;
    if (any_before) dorm_buf_putc(out, '%');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '%' || s[i] == '_') dorm_buf_putc(out, '\\');
        dorm_buf_putc(out, s[i]);
    }
    if (any_after) dorm_buf_putc(out, '%');
}
