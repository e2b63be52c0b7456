/* drivers.c - the list of database backends compiled into libdorm; a URL's
 * scheme picks one of them (dorm_db_open).  New backends add a line here. */
#include "backend/db.h"
#include "backend/mysql/mysql.h"
#include "backend/postgres/postgres.h"
#include "backend/sqlite/sqlite.h"

const dorm_driver *const dorm_drivers[] = {
    &dorm_sqlite_driver,
    &dorm_pg_driver,
    &dorm_my_driver,
    NULL,
};
