/* core/decimal.h - decimals as databases give them back: text parsed exactly
 * or rounded to fit, and SQLite's REALs read the way Django's SQLite
 * converter reads them. */
#ifndef DORM_CORE_DECIMAL_H
#define DORM_CORE_DECIMAL_H

#include "dorm/value.h"

/* A decimal a database computed, which may be wider than dorm_decimal (an
 * average on PostgreSQL): read as dorm_decimal_parse reads it, but digits past
 * 38 significant digits or 38 places are rounded away half-even.  0,
 * DORM_EVALUE (not a number) or DORM_EDATA (more than 38 digits before the
 * point). */
int dorm_decimal__read(const char *s, size_t len, dorm_decimal *out);
/* Django's SQLite converter of an expression,
 * Context(prec=15).create_decimal_from_float(f): the exact value of f when it
 * has at most 15 significant digits (0.5, 20.0), else f rounded half-even to
 * 15 of them (18.3333333333333).  0, DORM_EVALUE (NaN) or DORM_EDATA
 * (infinite, or 10^38 and beyond). */
int dorm_decimal__from_real(double f, dorm_decimal *out);

#endif
