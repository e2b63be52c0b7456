/* my_common.h - what the MySQL/MariaDB benchmarks (raw_my.c, dorm_my.c)
 * share besides common.h: a libmariadb connection for the untimed work,
 * dropping the tables, filling the many-to-many ones, and the checksums of
 * the database state, computed by the server (bench/django_bench.py
 * --mysql sends the same SQL). */
#ifndef BENCH_MY_COMMON_H
#define BENCH_MY_COMMON_H

#include <stdint.h>

#include <mysql.h>

/* Opens a connection to `url` (mysql://user@host/db?unix_socket=PATH, the
 * parts the server of bench/run_server.sh my uses) with utf8mb4, CLIENT_FOUND_ROWS
 * and READ COMMITTED, as dorm and Django connect.  NULL on failure
 * (message on stderr, prefixed by `who`). */
MYSQL *bench_my_connect(const char *who, const char *url);
/* Runs `sql` (one statement, no parameters), dropping any result.  0, or -1
 * with the server's message on stderr. */
int bench_my_exec(MYSQL *c, const char *sql);
/* Drops the library tables (author, book, tag, book_tags) that exist.  0 or
 * -1 as above. */
int bench_my_drop_tables(MYSQL *c);
/* Fills library_tag and library_book_tags as bench_m2m_fill does (in
 * MySQL's words), then ANALYZE TABLE of both.  0 or -1 as above. */
int bench_my_m2m_fill(MYSQL *c);
/* ANALYZE TABLE of author and book after loading, so that every
 * implementation reads tables with the same statistics.  0 or -1 as above. */
int bench_my_settle(MYSQL *c);

/* Hash of both tables' content, rows rendered by the server in id order.
 * 0 or -1 as above. */
int bench_my_db_checksum(MYSQL *c, uint64_t *out);
/* Hash of the two tables' columns (type, nullability, default, extra), their
 * constraints and their indexes, as information_schema shows them.  0 or -1
 * as above. */
int bench_my_schema_checksum(MYSQL *c, uint64_t *out);
/* Hash of the line "<matched>|<count(*)>|<sum(pages)>\n" of library_book, as
 * bench_update_checksum.  0 or -1 as above. */
int bench_my_update_checksum(MYSQL *c, int64_t matched, uint64_t *out);

#endif
