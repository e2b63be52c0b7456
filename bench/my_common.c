/* my_common.c - the untimed half of the MySQL/MariaDB benchmarks:
 * connecting, resetting the tables, and the database-state checksums
 * computed by the server (the same SQL as bench/django_bench.py's --mysql
 * mode). */
#define _POSIX_C_SOURCE 200809L

#include "my_common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* The URL's user, database and socket: mysql://USER@HOST/DB?unix_socket=PATH. */
static int parse(const char *url, char *user, char *db, char *sock, size_t cap) {
    const char *p = strstr(url, "://");
    if (!p) return -1;
    p += 3;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/'), *q = strchr(p, '?');
    if (!at || !slash || at > slash) return -1;
    snprintf(user, cap, "%.*s", (int)(at - p), p);
    snprintf(db, cap, "%.*s", (int)((q ? q : slash + strlen(slash)) - slash - 1), slash + 1);
    const char *s = q ? strstr(q, "unix_socket=") : NULL;
    snprintf(sock, cap, "%s", s ? s + 12 : "");
    char *amp = strchr(sock, '&');
    if (amp) *amp = '\0';
    return 0;
}

MYSQL *bench_my_connect(const char *who, const char *url) {
    char user[256], db[256], sock[256];
    if (parse(url, user, db, sock, sizeof user) < 0) {
        fprintf(stderr, "%s: not a mysql://user@host/db?unix_socket=... URL: %s\n", who, url);
        return NULL;
    }
    MYSQL *c = mysql_init(NULL);
    if (!c) {
        fprintf(stderr, "%s: out of memory\n", who);
        return NULL;
    }
    mysql_optionsv(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(c, NULL, user, NULL, db, 0, sock[0] ? sock : NULL, CLIENT_FOUND_ROWS)) {
        fprintf(stderr, "%s: %s\n", who, mysql_error(c));
        mysql_close(c);
        return NULL;
    }
    /* The isolation level Django and dorm set: the same locking work. */
    if (bench_my_exec(c, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED") < 0) {
        mysql_close(c);
        return NULL;
    }
    return c;
}

int bench_my_exec(MYSQL *c, const char *sql) {
    if (mysql_query(c, sql)) {
        fprintf(stderr, "%s\n  in: %.200s\n", mysql_error(c), sql);
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(c);
    mysql_free_result(r);
    return 0;
}

int bench_my_drop_tables(MYSQL *c) {
    return bench_my_exec(c,
                         "DROP TABLE IF EXISTS `library_book_tags`, `library_tag`, `library_book`, "
                         "`library_author`");
}

int bench_my_m2m_fill(MYSQL *c) {
    static const char *const fill[] = {
        "INSERT INTO library_tag (id, name) WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t "
        "WHERE n < 20) SELECT n, CONCAT('Tag ', n) FROM t",
        "INSERT INTO library_book_tags (book_id, tag_id) SELECT id, id % 20 + 1 FROM library_book",
        "INSERT INTO library_book_tags (book_id, tag_id) SELECT id, id * 7 % 20 + 1 FROM library_book "
        "WHERE id * 7 % 20 <> id % 20",
        "ANALYZE TABLE library_tag, library_book_tags",
        NULL,
    };
    for (size_t i = 0; fill[i]; i++)
        if (bench_my_exec(c, fill[i]) < 0) return -1;
    return 0;
}

int bench_my_settle(MYSQL *c) { return bench_my_exec(c, "ANALYZE TABLE library_author, library_book"); }

/* Adds the one text column of every row of `sql` to h, each followed by
 * "\n"; 0 or -1. */
static int hash_query(MYSQL *c, const char *sql, bench_hash *h) {
    if (mysql_query(c, sql)) {
        fprintf(stderr, "checksum: %s\n", mysql_error(c));
        return -1;
    }
    MYSQL_RES *r = mysql_use_result(c);
    if (!r) {
        fprintf(stderr, "checksum: %s\n", mysql_error(c));
        return -1;
    }
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r))) {
        unsigned long *len = mysql_fetch_lengths(r);
        bench_hash_bytes(h, row[0] ? row[0] : "", row[0] ? len[0] : 0);
        bench_hash_bytes(h, "\n", 1);
    }
    mysql_free_result(r);
    return 0;
}

int bench_my_db_checksum(MYSQL *c, uint64_t *out) {
    bench_hash h;
    bench_hash_init(&h);
    if (hash_query(c,
                   "SELECT CONCAT_WS('|', id, name, IFNULL(birth_date, ''), biography) FROM library_author "
                   "ORDER BY id",
                   &h) < 0 ||
        hash_query(c,
                   "SELECT CONCAT_WS('|', id, title, author_id, publication_date, isbn, genre, pages) "
                   "FROM library_book ORDER BY id",
                   &h) < 0)
        return -1;
    *out = h.h;
    return 0;
}

int bench_my_schema_checksum(MYSQL *c, uint64_t *out) {
    bench_hash h;
    bench_hash_init(&h);
    if (hash_query(c,
                   "SELECT CONCAT_WS('|', 'column', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
                   "IFNULL(COLUMN_DEFAULT, ''), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                   "DATABASE() AND TABLE_NAME IN ('library_author', 'library_book') ORDER BY TABLE_NAME, "
                   "ORDINAL_POSITION",
                   &h) < 0 ||
        hash_query(c,
                   "SELECT CONCAT_WS('|', 'constraint', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE) FROM "
                   "information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME IN "
                   "('library_author', 'library_book') ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME",
                   &h) < 0 ||
        hash_query(c,
                   "SELECT CONCAT_WS('|', 'index', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME) "
                   "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN "
                   "('library_author', 'library_book') ORDER BY BINARY TABLE_NAME, BINARY INDEX_NAME, "
                   "SEQ_IN_INDEX",
                   &h) < 0)
        return -1;
    *out = h.h;
    return 0;
}

int bench_my_update_checksum(MYSQL *c, int64_t matched, uint64_t *out) {
    if (mysql_query(c, "SELECT COUNT(*), SUM(pages) FROM library_book")) {
        fprintf(stderr, "checksum: %s\n", mysql_error(c));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(c);
    MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
    if (!row) {
        fprintf(stderr, "checksum: %s\n", mysql_error(c));
        mysql_free_result(r);
        return -1;
    }
    char line[96];
    bench_hash h;
    bench_hash_init(&h);
    snprintf(line, sizeof line, "%" PRId64 "|%s|%s\n", matched, row[0], row[1]);
    bench_hash_str(&h, line);
    mysql_free_result(r);
    *out = h.h;
    return 0;
}
