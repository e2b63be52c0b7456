/* shell.h - dbshell's client command line and flush, for the manage
 * commands and their tests. */
#ifndef DORM_MANAGE_SHELL_H
#define DORM_MANAGE_SHELL_H

#include "dorm.h"

/* The client program and arguments for a database URL (sqlite3 FILE; psql
 * -U user -h host -p port db), NULL-terminated in argv (at most max entries),
 * strings kept in buf; *password is for PGPASSWORD (never argv).  0 or a
 * negative error (a scheme without a client). */
int dorm_dbshell_argv(const char *url, const char **argv, size_t max, const char **password, char *buf, size_t buflen);
/* Replaces the process with the client; returns 1 only when it cannot. */
int dorm_dbshell(const char *url);
/* Empties every table of the context's registry in one transaction (keys
 * start again from 1); dorm_migrations is kept.  0 or a negative error. */
int dorm_flush(dorm_ctx *cx);

#endif
