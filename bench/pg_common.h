/* pg_common.h - what the PostgreSQL benchmarks (raw_pg.c, dorm_pg.c) share
 * besides common.h: a libpq connection for the untimed work, dropping the
 * tables, and the checksums of the database state, computed by PostgreSQL
 * (bench/django_bench.py --postgres sends the same SQL). */
#ifndef BENCH_PG_COMMON_H
#define BENCH_PG_COMMON_H

#include <stdint.h>

#include <libpq-fe.h>

/* Opens a connection to `url` (a libpq connection URI) with NOTICEs
 * silenced.  NULL on failure (message on stderr, prefixed by `who`). */
PGconn *bench_pg_connect(const char *who, const char *url);
/* Runs `sql` (one or more statements, no parameters).  0, or -1 with the
 * server's message on stderr. */
int bench_pg_exec(PGconn *c, const char *sql);
/* Drops the library tables (author, book, tag, book_tags) that exist: the
 * state create and bulk_create start from.  0 or -1 as above. */
int bench_pg_drop_tables(PGconn *c);
/* Fills library_tag and library_book_tags (bench_m2m_fill), then VACUUM
 * ANALYZE of both, once their tables exist.  0 or -1 as above. */
int bench_pg_m2m_fill(PGconn *c);
/* VACUUM ANALYZE of both tables after loading, so that every implementation
 * reads tables with the same visibility map and planner statistics.  0 or -1
 * as above. */
int bench_pg_settle(PGconn *c);

/* The expression workloads of raw C: prepared statement `name` (prepared
 * on first use, *prepared set) run for k = 1..nq with the text parameters
 * params(k) gives (np of them, each at most 23 characters; at most 4); the
 * results are kept and, once the clock stopped, every row hashed as its
 * values' text (bench_hash_cell).  0 and the time and checksum, or -1 with
 * the server's message on stderr. */
int bench_pg_rows(PGconn *c, const char *name, int *prepared, const char *sql, int nq, int np,
                  void (*params)(int k, char (*v)[24]), double *secs, uint64_t *sum);

/* Hash of both tables' content, rows rendered by PostgreSQL in id order with
 * each value's type (pg_typeof), so it compares what each implementation
 * stored.  0 or -1 as above. */
int bench_pg_db_checksum(PGconn *c, uint64_t *out);
/* Hash of the two tables' columns (type, length, nullability, default), their
 * constraints (pg_get_constraintdef) and indexes (pg_indexes.indexdef).  0 or
 * -1 as above. */
int bench_pg_schema_checksum(PGconn *c, uint64_t *out);
/* Hash of the line "<matched>|<count(*)>|<sum(pages)>\n" of library_book, as
 * bench_update_checksum.  0 or -1 as above. */
int bench_pg_update_checksum(PGconn *c, int64_t matched, uint64_t *out);

#endif
