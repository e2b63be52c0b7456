/* shell.c - dbshell and flush: the database's own client started with the
 * connection's arguments (the password in the environment, never in argv),
 * and emptying every model table in one transaction (Django's flush). */
#define _POSIX_C_SOURCE 200809L /* setenv, execvp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/db.h"
#include "exec/exec.h"
#include "manage/shell.h"

/* A copy of s in buf (NULL when full): argv outlives the parsed URL. */
static const char *keep(char *buf, size_t buflen, size_t *used, const char *s) {
    size_t n = strlen(s) + 1;
    if (*used + n > buflen) return NULL;
    memcpy(buf + *used, s, n);
    *used += n;
    return buf + *used - n;
}

int dorm_dbshell_argv(const char *url, const char **argv, size_t max, const char **password, char *buf, size_t buflen) {
    dorm_url u;
    dorm_errbuf e = {0, ""};
    if (dorm_url_parse(url, &u, &e) < 0) return e.code ? e.code : DORM_ECONFIG;
    size_t n = 0, used = 0;
    int rc = DORM_OK;
#define KEEP(s) keep(buf, buflen, &used, (s))
    *password = NULL;
    if (strcmp(u.scheme, "sqlite") == 0) {
        argv[n++] = "sqlite3";
        argv[n++] = KEEP(u.path && *u.path ? u.path : ":memory:");
    } else if (strncmp(u.scheme, "postgres", 8) == 0) {
        argv[n++] = "psql";
        if (u.user) {
            argv[n++] = "-U";
            argv[n++] = KEEP(u.user);
        }
        if (u.host) {
            argv[n++] = "-h";
            argv[n++] = KEEP(u.host);
        }
        for (size_t i = 0; i < u.nparams; i++)
            if (strcmp(u.keys[i], "host") == 0 && !u.host) {
                argv[n++] = "-h";
                argv[n++] = KEEP(u.values[i]);
            }
        char port[16];
        for (size_t i = 0; i < u.nparams && !u.port; i++)
            if (strcmp(u.keys[i], "port") == 0) u.port = atoi(u.values[i]);
        if (u.port) {
            snprintf(port, sizeof port, "%d", u.port);
            argv[n++] = "-p";
            argv[n++] = KEEP(port);
        }
        argv[n++] = KEEP(u.path ? u.path : "postgres");
        if (u.password) *password = KEEP(u.password);
    } else {
        rc = DORM_ECONFIG;
    }
#undef KEEP
    for (size_t i = 0; i < n && !rc; i++)
        if (!argv[i] || n >= max) rc = DORM_ENOMEM;
    argv[n] = NULL;
    dorm_url_free(&u);
    return rc;
}

int dorm_dbshell(const char *url) {
    const char *argv[16], *password;
    char buf[1024];
    int rc = dorm_dbshell_argv(url, argv, 16, &password, buf, sizeof buf);
    if (rc) {
        fprintf(stderr, "CommandError: dbshell cannot start a client for this database URL.\n");
        return 1;
    }
    if (password) setenv("PGPASSWORD", password, 1);
    execvp(argv[0], (char *const *)argv);
    fprintf(stderr, "CommandError: You appear not to have the '%s' program installed or on your path.\n", argv[0]);
    return 1;
}

static int flush_all(void *payload) {
    dorm_ctx *cx = payload;
    const dorm_registry *reg = cx->db->reg;
    dorm_errbuf e = {0, ""};
    bool sqlite = !cx->db->dialect->can_alter_columns;
    dorm_buf b = DORM_BUF_INIT;
    if (!sqlite) dorm_buf_puts(&b, "TRUNCATE ");
    for (int i = 0, n = 0; i < reg->nmodels; i++, n++) {
        if (sqlite) {
            dorm_buf_reset(&b);
            dorm_buf_puts(&b, "DELETE FROM ");
            dorm_buf_quote(&b, cx->db->dialect->quote, reg->metas[i]->db_table);
            if (b.failed) return DORM_ENOMEM;
            if (dorm_db_exec(cx->db, b.data, &e) < 0) {
                dorm_buf_free(&b);
                return dorm_fail_errbuf(cx, &e);
            }
            continue;
        }
        if (n) dorm_buf_puts(&b, ", ");
        dorm_buf_quote(&b, cx->db->dialect->quote, reg->metas[i]->db_table);
    }
    int rc = DORM_OK;
    if (!sqlite && reg->nmodels) {
        dorm_buf_puts(&b, " RESTART IDENTITY CASCADE");
        rc = b.failed ? DORM_ENOMEM : dorm_db_exec(cx->db, b.data, &e);
    } else if (sqlite) {
        /* AUTOINCREMENT counters start again (the table exists once one did). */
        rc = dorm_db_exec(cx->db, "DELETE FROM sqlite_sequence", &e);
        if (rc < 0 && strstr(e.msg, "no such table")) rc = 0;
    }
    dorm_buf_free(&b);
    return rc < 0 ? dorm_fail_errbuf(cx, &e) : DORM_OK;
}

int dorm_flush(dorm_ctx *cx) {
    dorm_error_clear(cx);
    /* Foreign keys are checked at commit (SQLite: off while emptying). */
    dorm_errbuf e = {0, ""};
    bool sqlite = !cx->db->dialect->can_alter_columns;
    if (sqlite) dorm_db_exec(cx->db, "PRAGMA foreign_keys = OFF", &e);
    int rc = dorm_in_transaction(cx, flush_all, cx);
    if (sqlite) dorm_db_exec(cx->db, "PRAGMA foreign_keys = ON", &e);
    return rc;
}
