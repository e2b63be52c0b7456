/* core/duration.h - durations as databases give them back (the reverse of
 * what the drivers bind): microseconds, or PostgreSQL's interval output. */
#ifndef DORM_CORE_DURATION_H
#define DORM_CORE_DURATION_H

#include "dorm/value.h"

/* A duration a database gave: microseconds (SQLite's and MariaDB's bigint,
 * exact; a fraction, an average, is rounded) or PostgreSQL's interval
 * output ("4 days 02:30:00", "-01:15:30.25", "1 mon 2 days": a month is 30
 * days, a year 365, as psycopg2 counts them); 0 or DORM_EVALUE. */
int dorm_duration__read(const char *s, size_t len, dorm_duration *out);
/* A duration as psycopg2 writes a timedelta for an interval: whole days,
 * then seconds ("-1 days 82800.000000 seconds"); its length. */
size_t dorm_duration__interval(dorm_duration d, char *buf);

#endif
