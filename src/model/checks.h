/* checks.h - Django's system checks for the models of a registry. */
#ifndef DORM_MODEL_CHECKS_H
#define DORM_MODEL_CHECKS_H

#include "model/meta.h"

/* Runs every check, appending messages to reg->messages and setting reg->err
 * to DORM_ECONFIG when one is an error.  DORM_OK or DORM_ENOMEM. */
int dorm_checks__run(dorm_registry *reg);

#endif
