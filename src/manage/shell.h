/* shell.h - dbshell's client command line and flush, for the manage
 * commands and their tests. */
#ifndef DORM_MANAGE_SHELL_H
#define DORM_MANAGE_SHELL_H

#include "dorm.h"
#include "dorm/sys/driver.h"

/* The client program and arguments for a database URL, as its driver
 * writes them (sqlite3 FILE; psql -U user -h host -p port db, the password
 * in PGPASSWORD, never argv).  0 or a negative error (no driver or client
 * for the scheme). */
int dorm_dbshell__cmd(const char *url, dorm_client_cmd *cmd);
/* Replaces the process with the client; returns 1 only when it cannot. */
int dorm__dbshell(const char *url);
/* Empties every table of the context's registry in one transaction (keys
 * start again from 1); dorm_migrations is kept.  0 or a negative error. */
int dorm__flush(dorm_ctx *cx);

#endif
