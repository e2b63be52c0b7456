/* pg_common.c - the untimed half of the PostgreSQL benchmarks: connecting,
 * resetting the tables, and the database-state checksums computed by the
 * server (the same SQL as bench/django_bench.py's --postgres mode). */
#include "pg_common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

/* DROP TABLE IF EXISTS would print a NOTICE on every first run. */
static void quiet(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

PGconn *bench_pg_connect(const char *who, const char *url) {
    PGconn *c = PQconnectdb(url);
    if (!c) {
        fprintf(stderr, "%s: out of memory\n", who);
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "%s: %s", who, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

int bench_pg_exec(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc) fprintf(stderr, "%s\n  in: %.200s\n", PQerrorMessage(c), sql);
    PQclear(r);
    return rc;
}

int bench_pg_rows(PGconn *c, const char *name, int *prepared, const char *sql, int nq, int np,
                  void (*params)(int k, char (*v)[24]), double *secs, uint64_t *sum) {
    char v[4][24];
    const char *pv[4] = {v[0], v[1], v[2], v[3]};
    PGresult **results = calloc((size_t)nq, sizeof *results);
    int rc = 0;
    if (!results) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    double t0 = bench_now();
    if (!*prepared) {
        PGresult *r = PQprepare(c, name, sql, 0, NULL);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        PQclear(r);
        *prepared = rc == 0;
    }
    for (int k = 1; k <= nq && rc == 0; k++) {
        if (params) params(k, v);
        results[k - 1] = PQexecPrepared(c, name, np, pv, NULL, NULL, 0);
        if (PQresultStatus(results[k - 1]) != PGRES_TUPLES_OK) rc = -1;
    }
    *secs = bench_now() - t0;
    if (rc) fprintf(stderr, "%s\n  in: %.200s\n", PQerrorMessage(c), sql);
    /* The values as the server's text, hashed after the clock stopped. */
    bench_hash h;
    bench_hash_init(&h);
    for (int k = 0; k < nq; k++) {
        PGresult *r = results[k];
        for (int row = 0, n = rc ? 0 : PQntuples(r), ncol = rc ? 0 : PQnfields(r); row < n; row++)
            for (int col = 0; col < ncol; col++)
                bench_hash_cell(&h, PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col), col + 1 == ncol);
        PQclear(r);
    }
    free(results);
    *sum = h.h;
    return rc;
}

int bench_pg_drop_tables(PGconn *c) {
    return bench_pg_exec(c,
                         "DROP TABLE IF EXISTS \"library_book_tags\", \"library_tag\", \"library_book\", "
                         "\"library_author\" CASCADE");
}

int bench_pg_m2m_fill(PGconn *c) {
    for (size_t i = 0; bench_m2m_fill[i]; i++)
        if (bench_pg_exec(c, bench_m2m_fill[i]) < 0) return -1;
    return bench_pg_exec(c, "VACUUM ANALYZE \"library_tag\", \"library_book_tags\"");
}

int bench_pg_settle(PGconn *c) { return bench_pg_exec(c, "VACUUM ANALYZE \"library_author\", \"library_book\""); }

/* Adds the one text column of every row of `sql` to h, each followed by
 * "\n"; 0 or -1. */
static int hash_query(PGconn *c, const char *sql, bench_hash *h) {
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "checksum: %s", PQerrorMessage(c));
        PQclear(r);
        return -1;
    }
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        bench_hash_bytes(h, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
        bench_hash_bytes(h, "\n", 1);
    }
    PQclear(r);
    return 0;
}

int bench_pg_db_checksum(PGconn *c, uint64_t *out) {
    bench_hash h;
    bench_hash_init(&h);
    if (hash_query(c,
                   "SELECT id::text||'|'||name||'|'||coalesce(birth_date::text,'')||'|'||biography"
                   "||'|'||pg_typeof(id)::text||','||pg_typeof(name)::text||','||"
                   "pg_typeof(birth_date)::text||','||pg_typeof(biography)::text "
                   "FROM library_author ORDER BY id",
                   &h) < 0 ||
        hash_query(c,
                   "SELECT id::text||'|'||title||'|'||author_id::text||'|'||publication_date::text"
                   "||'|'||isbn||'|'||genre||'|'||pages::text||'|'||pg_typeof(id)::text||','||"
                   "pg_typeof(title)::text||','||pg_typeof(author_id)::text||','||"
                   "pg_typeof(publication_date)::text||','||pg_typeof(isbn)::text||','||"
                   "pg_typeof(genre)::text||','||pg_typeof(pages)::text "
                   "FROM library_book ORDER BY id",
                   &h) < 0)
        return -1;
    *out = h.h;
    return 0;
}

int bench_pg_schema_checksum(PGconn *c, uint64_t *out) {
    bench_hash h;
    bench_hash_init(&h);
    if (hash_query(c,
                   "SELECT 'column|'||table_name||'|'||column_name||'|'||data_type||'|'||"
                   "coalesce(character_maximum_length::text,'')||'|'||is_nullable||'|'||"
                   "coalesce(column_default,'') FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND "
                   "table_name IN ('library_author', 'library_book') "
                   "ORDER BY table_name, ordinal_position",
                   &h) < 0 ||
        hash_query(c,
                   "SELECT 'constraint|'||conrelid::regclass::text||'|'||conname||'|'||"
                   "pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid IN ('library_author'::regclass, 'library_book'::regclass) "
                   "ORDER BY 1",
                   &h) < 0 ||
        hash_query(c,
                   "SELECT 'index|'||tablename||'|'||indexname||'|'||indexdef FROM pg_indexes "
                   "WHERE schemaname = current_schema() AND "
                   "tablename IN ('library_author', 'library_book') ORDER BY 1",
                   &h) < 0)
        return -1;
    *out = h.h;
    return 0;
}

int bench_pg_update_checksum(PGconn *c, int64_t matched, uint64_t *out) {
    PGresult *r = PQexec(c, "SELECT count(*), sum(pages) FROM library_book");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fprintf(stderr, "checksum: %s", PQerrorMessage(c));
        PQclear(r);
        return -1;
    }
    char line[96];
    bench_hash h;
    bench_hash_init(&h);
    snprintf(line, sizeof line, "%" PRId64 "|%s|%s\n", matched, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    bench_hash_str(&h, line);
    PQclear(r);
    *out = h.h;
    return 0;
}
