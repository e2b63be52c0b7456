/* shell.c - dbshell and flush: the database's own client started with the
 * connection's arguments (the password in the environment, never in argv),
 * and emptying every model table in one transaction (Django's flush). */
#define _POSIX_C_SOURCE 200809L /* setenv, execvp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/db.h"
#include "backend/schema.h"
#include "exec/exec.h"
#include "manage/shell.h"

int dorm_dbshell__cmd(const char *url, dorm_client_cmd *cmd) {
    dorm_url u;
    dorm_errbuf e = {0, ""};
    memset(cmd, 0, sizeof *cmd);
    if (dorm_url__parse(url, &u, &e) < 0) return e.code ? e.code : DORM_ECONFIG;
    const dorm_driver *drv = dorm_driver__find(u.scheme);
    int rc = drv && drv->client ? drv->client(&u, cmd) : DORM_ECONFIG;
    dorm_url__free(&u);
    return rc;
}

int dorm__dbshell(const char *url) {
    dorm_client_cmd cmd;
    if (dorm_dbshell__cmd(url, &cmd)) {
        fprintf(stderr, "CommandError: dbshell cannot start a client for this database URL.\n");
        return 1;
    }
    if (cmd.password_env) setenv(cmd.password_env, cmd.password, 1);
    execvp(cmd.argv[0], (char *const *)cmd.argv);
    fprintf(stderr, "CommandError: You appear not to have the '%s' program installed or on your path.\n", cmd.argv[0]);
    return 1;
}

/* Django's flush: the dialect's statements for every model table (keys
 * start again), in one transaction; dorm_migrations is not a model's. */
static int flush_all(void *payload) {
    dorm_ctx *cx = payload;
    const dorm_registry *reg = cx->db->reg;
    const char **tables = dorm_alloc(cx, sizeof(char *) * (size_t)(reg->nmodels + 1));
    const char **sequences = dorm_alloc(cx, sizeof(char *) * (size_t)(reg->nmodels + 1));
    if (!tables || !sequences) return DORM_ENOMEM;
    size_t nseq = 0;
    for (int i = 0; i < reg->nmodels; i++) {
        const dorm_meta *m = reg->metas[i];
        tables[i] = m->db_table;
        dorm_kind k = m->pk ? m->pk->f->kind : DORM_KIND_NONE;
        if (k == DORM_KIND_AUTO || k == DORM_KIND_BIGAUTO) sequences[nseq++] = m->db_table;
    }
    dorm_buf list = DORM_BUF_INIT;
    cx->db->dialect->sql_flush(&list, tables, (size_t)reg->nmodels, sequences, nseq);
    int rc = dorm_schema__run_deferred(&list, dorm_exec__ddl, cx);
    dorm_buf_free(&list);
    return rc > 0 ? dorm_errcode(cx) : rc;
}

int dorm__flush(dorm_ctx *cx) {
    dorm_error_clear(cx);
    return dorm_in__transaction(cx, flush_all, cx);
}
