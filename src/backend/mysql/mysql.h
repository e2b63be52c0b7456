/* mysql.h - the MySQL/MariaDB backend's objects, for the list of drivers:
 * the driver and its dialect.  What the backend's files share is in
 * conn.h. */
#ifndef DORM_BACKEND_MYSQL_H
#define DORM_BACKEND_MYSQL_H

#include "dorm/sys/driver.h"

/* The MySQL/MariaDB backend (vendor "mysql", schemes "mysql" and "mariadb"). */
extern const dorm_driver dorm_my_driver;
/* How SQL is spelled for MariaDB (Django's mysql DatabaseOperations). */
extern const dorm_dialect dorm_my_dialect;

#endif
