/* report.h - what the sections of the reports example share: the context,
 * stopping on an error, and the value formats of the Django script (iso(),
 * money(), dur(), Python's str of None / True). */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <stdio.h>

#include "circulation.h"

extern dorm_ctx *cx;

/* Ends the program with the context's (or qs's) error when a call failed. */
void check(bool ok);
void check_qs(dorm_qs *qs);
/* The annotation `alias` of obj / the value `name` of a row (never NULL). */
const dorm_value *ann(const void *obj, const char *alias);
const dorm_value *col(const dorm_row *r, const char *name);

/* Formats into rotating static buffers (several per printf are fine):
 * iso: "2023-01-01T00:15:00Z" (UTC) or "None"; money: a decimal quantized
 * to cents, or "None"; dur: "56d 06:54:55"; str: Python's str() of a
 * value (None, True, 12, 4.5, text); local: isoformat() in the current
 * zone ("2023-01-01T00:00:00+01:00"). */
const char *iso(const dorm_value *v);
const char *iso_t(dorm_datetime t);
const char *money(const dorm_value *v);
const char *dur(const dorm_value *v);
const char *str(const dorm_value *v);
const char *local(const dorm_value *v);
/* Python's repr() of a text value ('1'), or None. */
const char *repr(const dorm_value *v);
/* A UTC instant "YYYY-MM-DD HH:MM:SS". */
dorm_datetime at(const char *s);

/* The sections, in the order of the script. */
void report_aggregation(void);
void report_functions(void);
void report_dates(void);
void report_subqueries(void);
void report_json(void);

#endif
