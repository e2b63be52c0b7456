/* url.c - tests of database URL parsing: the SQLite path forms, PostgreSQL
 * URLs with users, ports, sockets and options, percent-decoding, and error
 * messages that name the problem without showing the password. */
#include <criterion/criterion.h>
#include <string.h>

#include "backend/db.h"

static dorm_url parse_ok(const char *s) {
    dorm_url u;
    dorm_errbuf e = {0, ""};
    int rc = dorm_url__parse(s, &u, &e);
    cr_assert_eq(rc, 0, "%s: %s", s, e.msg);
    return u;
}

static dorm_errbuf parse_err(const char *s) {
    dorm_url u;
    dorm_errbuf e = {0, ""};
    int rc = dorm_url__parse(s, &u, &e);
    cr_assert_eq(rc, DORM_ECONFIG, "%s parsed", s);
    cr_assert_eq(e.code, DORM_ECONFIG);
    cr_assert_null(u.scheme);
    return e;
}

Test(url, sqlite_relative) {
    dorm_url u = parse_ok("sqlite:///relative/file.db");
    cr_assert_str_eq(u.scheme, "sqlite");
    cr_assert_str_eq(u.path, "relative/file.db");
    cr_assert_null(u.host);
    cr_assert_null(u.user);
    cr_assert_null(u.password);
    cr_assert_eq(u.port, 0);
    cr_assert_eq(u.nparams, 0);
    dorm_url__free(&u);
}

Test(url, sqlite_absolute) {
    dorm_url u = parse_ok("sqlite:////abs/file.db");
    cr_assert_str_eq(u.path, "/abs/file.db");
    dorm_url__free(&u);
}

Test(url, sqlite_memory_forms) {
    dorm_url u = parse_ok("sqlite://:memory:");
    cr_assert_str_eq(u.path, ":memory:");
    cr_assert_null(u.host);
    cr_assert_eq(u.port, 0);
    dorm_url__free(&u);
    u = parse_ok("sqlite:///:memory:");
    cr_assert_str_eq(u.path, ":memory:");
    dorm_url__free(&u);
}

Test(url, scheme_lowercased) {
    dorm_url u = parse_ok("SQLite:///a.db");
    cr_assert_str_eq(u.scheme, "sqlite");
    dorm_url__free(&u);
}

Test(url, postgres_full) {
    dorm_url u = parse_ok("postgres://u:p@host:5432/db?sslmode=disable");
    cr_assert_str_eq(u.scheme, "postgres");
    cr_assert_str_eq(u.user, "u");
    cr_assert_str_eq(u.password, "p");
    cr_assert_str_eq(u.host, "host");
    cr_assert_eq(u.port, 5432);
    cr_assert_str_eq(u.path, "db");
    cr_assert_eq(u.nparams, 1);
    cr_assert_str_eq(u.keys[0], "sslmode");
    cr_assert_str_eq(u.values[0], "disable");
    dorm_url__free(&u);
}

Test(url, postgresql_no_port_no_password) {
    dorm_url u = parse_ok("postgresql://alice@db.example.com/shop");
    cr_assert_str_eq(u.scheme, "postgresql");
    cr_assert_str_eq(u.user, "alice");
    cr_assert_null(u.password);
    cr_assert_str_eq(u.host, "db.example.com");
    cr_assert_eq(u.port, 0);
    cr_assert_str_eq(u.path, "shop");
    dorm_url__free(&u);
}

Test(url, socket_dir_percent_encoded) {
    dorm_url u = parse_ok("postgres://%2Ftmp/db");
    cr_assert_str_eq(u.host, "/tmp");
    cr_assert_str_eq(u.path, "db");
    dorm_url__free(&u);
    u = parse_ok("postgres://u@%2Fvar%2Frun%2Fpostgresql:5433/db");
    cr_assert_str_eq(u.host, "/var/run/postgresql");
    cr_assert_eq(u.port, 5433);
    dorm_url__free(&u);
}

Test(url, password_with_specials) {
    dorm_url u = parse_ok("postgres://u:p%40ss%3Aw%2Frd@h/db");
    cr_assert_str_eq(u.password, "p@ss:w/rd");
    dorm_url__free(&u);
    u = parse_ok("postgres://u:a@b@h/db");
    cr_assert_str_eq(u.user, "u");
    cr_assert_str_eq(u.password, "a@b");
    cr_assert_str_eq(u.host, "h");
    dorm_url__free(&u);
}

Test(url, ipv6_host) {
    dorm_url u = parse_ok("postgres://[::1]:6543/db");
    cr_assert_str_eq(u.host, "::1");
    cr_assert_eq(u.port, 6543);
    dorm_url__free(&u);
}

Test(url, query_params_decoded) {
    dorm_url u = parse_ok("mysql://h/db?a=1&&b=x+y%26z&flag&c=");
    cr_assert_eq(u.nparams, 4);
    cr_assert_str_eq(u.keys[0], "a");
    cr_assert_str_eq(u.values[0], "1");
    cr_assert_str_eq(u.keys[1], "b");
    cr_assert_str_eq(u.values[1], "x y&z");
    cr_assert_str_eq(u.keys[2], "flag");
    cr_assert_str_eq(u.values[2], "");
    cr_assert_str_eq(u.keys[3], "c");
    cr_assert_str_eq(u.values[3], "");
    dorm_url__free(&u);
}

Test(url, path_percent_decoded) {
    dorm_url u = parse_ok("sqlite:///my%20file.db");
    cr_assert_str_eq(u.path, "my file.db");
    dorm_url__free(&u);
}

Test(url, bad_port_hides_password) {
    dorm_errbuf e = parse_err("postgres://u:secret@h:x/db");
    cr_assert_str_eq(e.msg, "Invalid database URL 'postgres://u:***@h:x/db': port 'x' is not a number");
    e = parse_err("postgres://u:secret@h:70000/db");
    cr_assert_str_eq(e.msg, "Invalid database URL 'postgres://u:***@h:70000/db': port '70000' is out of range");
}

Test(url, slash_in_password_never_shown) {
    dorm_errbuf e = parse_err("postgres://u:sec/ret@h/db");
    cr_assert_null(strstr(e.msg, "sec"), "%s", e.msg);
    cr_assert_null(strstr(e.msg, "ret"), "%s", e.msg);
}

Test(url, missing_scheme) {
    dorm_errbuf e = parse_err("just-a-file.db");
    cr_assert_str_eq(e.msg, "Invalid database URL 'just-a-file.db': expected scheme://...");
    parse_err("://x");
    parse_err("1sql://x");
    parse_err("");
    parse_err(NULL);
}

Test(url, bad_escapes) {
    dorm_errbuf e = parse_err("postgres://u:se%zzcret@h/db");
    cr_assert_str_eq(e.msg, "Invalid database URL 'postgres://u:***@h/db': bad percent-escape in the password");
    parse_err("sqlite:///a%2");
    parse_err("sqlite:///a%00b");
    parse_err("sqlite:///a?x=%G1");
    parse_err("postgres://[::1/db");
    parse_err("postgres://h:/db");
    parse_err("sqlite:///a?=v");
}

Test(url, free_accepts_null_and_twice) {
    dorm_url__free(NULL);
    dorm_url u = parse_ok("sqlite:///a.db");
    dorm_url__free(&u);
    dorm_url__free(&u);
}
