/* recorder.c - the dorm_migrations table (Django's django_migrations): which
 * migrations are applied, created on first use, written inside the
 * migration's own transaction so that record and schema change together. */
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "migrate/migration.h"
#include "core/alloc.h"

static const char *placeholder(const dorm_ctx *cx, int i) {
    static const char *const q[] = {"?", "?", "?"}, *const dollar[] = {"$1", "$2", "$3"};
    return cx->db->dialect->param_style == DORM_PARAM_DOLLAR ? dollar[i] : q[i];
}

/* `sql` with its identifiers' double quotes turned into the dialect's quote
 * character (the statements here quote names and hold no string literal). */
static const char *quoted(dorm_ctx *cx, const char *sql) {
    char q = cx->db->dialect->quote;
    if (q == '"') return sql;
    char *r = dorm_strdup(cx, sql);
    for (char *p = r; p && *p; p++)
        if (*p == '"') *p = q;
    return r;
}

/* Runs one statement; calls row() for each result row. */
static int run(dorm_ctx *cx, const char *sql, const dorm_value *params, size_t n,
               void (*row)(dorm_db *db, dorm_stmt *st, void *payload), void *payload) {
    dorm_errbuf e = {0, ""};
    if (!(sql = quoted(cx, sql))) return DORM_ENOMEM;
    return dorm_db__query(cx->db, sql, params, n, row, payload, &e) < 0 ? dorm_fail__errbuf(cx, &e) : DORM_OK;
}

int dorm_recorder__ensure(dorm_ctx *cx) {
    /* A tenant's search_path goes on to public, whose table the probe would
     * find: the tenant's is created in its schema when missing instead. */
    if (!cx->db->schema && run(cx, "SELECT 1 FROM \"dorm_migrations\" WHERE 1 = 0", NULL, 0, NULL, NULL) == DORM_OK)
        return DORM_OK;
    dorm_error_clear(cx);
    static const dorm_column_def cols[] = {
        {.name = "id", .kind = DORM_KIND_AUTO, .primary_key = true},
        {.name = "app", .kind = DORM_KIND_CHAR, .max_length = 255},
        {.name = "name", .kind = DORM_KIND_CHAR, .max_length = 255},
        {.name = "applied", .kind = DORM_KIND_DATETIME},
    };
    dorm_table_def t = {.name = "dorm_migrations", .ncolumns = 4, .columns = cols};
    dorm_buf b = DORM_BUF_INIT, check = DORM_BUF_INIT;
    dorm_schema__table_sql(&b, &check, cx->db->dialect, &t);
    dorm_errbuf e = {0, ""};
    /* "IF NOT EXISTS": another process may be creating it right now. */
    const char *sql =
        b.failed ? NULL : dorm_sprintf(cx, "CREATE TABLE IF NOT EXISTS %s", b.data + strlen("CREATE TABLE "));
    int rc = sql ? dorm_db__exec(cx->db, sql, &e) : DORM_ENOMEM;
    dorm_buf_free(&b);
    dorm_buf_free(&check);
    if (rc < 0 && run(cx, "SELECT 1 FROM \"dorm_migrations\" WHERE 1 = 0", NULL, 0, NULL, NULL) == DORM_OK) rc = 0;
    if (rc < 0 && e.code) return dorm_fail__errbuf(cx, &e);
    return dorm__record(cx, rc);
}

typedef struct applied_job {
    const dorm_graph *g;
    bool *applied;
} applied_job;

static void mark(dorm_db *db, dorm_stmt *st, void *payload) {
    applied_job *j = payload;
    size_t na, nn;
    const char *app = db->drv->column_text(st, 0, &na), *name = db->drv->column_text(st, 1, &nn);
    for (int i = 0; app && name && i < j->g->n; i++)
        if (strlen(j->g->nodes[i]->app) == na && strncmp(j->g->nodes[i]->app, app, na) == 0 &&
            strlen(j->g->nodes[i]->name) == nn && strncmp(j->g->nodes[i]->name, name, nn) == 0)
            j->applied[i] = true;
}

int dorm_recorder__applied(dorm_ctx *cx, const dorm_graph *g, bool *applied) {
    applied_job j = {g, applied};
    memset(applied, 0, sizeof(bool) * (size_t)(g->n ? g->n : 1));
    return run(cx, "SELECT \"app\", \"name\" FROM \"dorm_migrations\"", NULL, 0, mark, &j);
}

int dorm_recorder__record(dorm_ctx *cx, const dorm_migration *m, bool applied) {
    dorm_value p[3] = {dorm_v_text(m->app), dorm_v_text(m->name), dorm_v_datetime(dorm_datetime_now())};
    const char *sql = applied
        ? dorm_sprintf(cx, "INSERT INTO \"dorm_migrations\" (\"app\", \"name\", \"applied\") VALUES (%s, %s, %s)",
                       placeholder(cx, 0), placeholder(cx, 1), placeholder(cx, 2))
        : dorm_sprintf(cx, "DELETE FROM \"dorm_migrations\" WHERE \"app\" = %s AND \"name\" = %s", placeholder(cx, 0),
                       placeholder(cx, 1));
    return sql ? run(cx, sql, p, applied ? 3 : 2, NULL, NULL) : DORM_ENOMEM;
}

int dorm_recorder__lock(dorm_ctx *cx) {
    const char *sql = cx->db->dialect->migration_lock;
    return run(cx, sql ? sql : "UPDATE \"dorm_migrations\" SET \"app\" = \"app\" WHERE 1 = 0", NULL, 0, NULL, NULL);
}

typedef struct recorded_job {
    dorm_ctx *cx;
    dorm_mig_key *keys;
    int n, cap;
    int rc;
} recorded_job;

static void collect(dorm_db *db, dorm_stmt *st, void *payload) {
    recorded_job *j = payload;
    size_t na, nn;
    const char *app = db->drv->column_text(st, 0, &na), *name = db->drv->column_text(st, 1, &nn);
    if (j->rc || !app || !name) return;
    if (j->n == j->cap) {
        int cap = j->cap ? j->cap * 2 : 16;
        dorm_mig_key *grown = dorm_mem__realloc(j->keys, sizeof *grown * (size_t)cap);
        if (!grown) {
            j->rc = dorm_ctx_fail(j->cx, DORM_ENOMEM, "out of memory");
            return;
        }
        j->keys = grown;
        j->cap = cap;
    }
    dorm_mig_key k = {dorm_arena__strndup(&j->cx->arena, app, na), dorm_arena__strndup(&j->cx->arena, name, nn)};
    if (!k.app || !k.name)
        j->rc = dorm_ctx_fail(j->cx, DORM_ENOMEM, "out of memory");
    else
        j->keys[j->n++] = k;
}

static bool is_recorded(const recorded_job *j, const char *app, const char *name) {
    for (int i = 0; i < j->n; i++)
        if (strcmp(j->keys[i].app, app) == 0 && strcmp(j->keys[i].name, name) == 0) return true;
    return false;
}

int dorm_record__replacements(dorm_ctx *cx, const dorm_graph *g) {
    bool squashed = false;
    for (int s = 0; s < g->ndisk; s++) squashed = squashed || g->disk[s]->nreplaces > 0;
    if (!squashed) return DORM_OK;
    recorded_job j = {cx, NULL, 0, 0, DORM_OK};
    int rc = run(cx, "SELECT \"app\", \"name\" FROM \"dorm_migrations\"", NULL, 0, collect, &j);
    if (!rc) rc = j.rc;
    for (int s = 0; !rc && s < g->ndisk; s++) {
        const dorm_migration *sq = g->disk[s];
        bool all = sq->nreplaces > 0 && !is_recorded(&j, sq->app, sq->name);
        for (int r = 0; all && r < sq->nreplaces; r++) all = is_recorded(&j, sq->replaces[r].app, sq->replaces[r].name);
        if (all) rc = dorm_recorder__record(cx, sq, true);
    }
    dorm_mem__free(j.keys);
    return rc;
}
