/* messages.h - values in Django's messages (see messages.c). */
#ifndef DORM_MODEL_MESSAGES_H
#define DORM_MODEL_MESSAGES_H

#include "model/meta.h"

/* Python's str() and repr() of a value, as Django's %(value)s and
 * %(value)r show it ('text', "it's", Decimal('1.50'), 0.5, True). */
void dorm_value__str(dorm_buf *b, const dorm_value *v);
void dorm_value__repr(dorm_buf *b, const dorm_value *v);

/* The params of a message: the value, a limit (%(limit_value)s, %(max)s)
 * and a count (%(show_value)d); unset ones NULL / 0. */
typedef struct dorm_msg_params {
    const dorm_value *value;
    const dorm_value *limit;
    int64_t show;
} dorm_msg_params;
/* Django's `message % params` (%(name)s, %(name)d, %(name)r; %% is %) in
 * the arena; NULL on ENOMEM. */
const char *dorm_message__format(dorm_ctx *cx, const char *msg, const dorm_msg_params *p);

#endif
