/* faultdrv.h - database-error injection through the driver seam: a driver
 * that forwards every call to the connection's real driver and fails the
 * Nth prepare, bind, step or exec (SQLite's I/O-error VFS, one level up),
 * to check that every operation leaves the database as it was. */
#ifndef DORM_TEST_FAULTDRV_H
#define DORM_TEST_FAULTDRV_H

#include <stdbool.h>

#include "backend/db.h"

/* Puts the injecting driver in front of db's own (once per connection;
 * test_fault_remove puts the real one back). */
void test_fault_install(dorm_db *db);
void test_fault_remove(dorm_db *db);
/* Counts calls from now on and fails call number `n` (1-based, prepare,
 * bind, step and exec counted together) with DORM_EOPERATIONAL before it
 * reaches the database; 0 only counts.  A ROLLBACK is counted but never
 * failed: it is what undoes the failure (a lost connection, which is what
 * a failing ROLLBACK means, has tests of its own). */
void test_fault_arm(long n);
/* Calls counted since test_fault_arm, and whether the failure happened. */
long test_fault_calls(void);
bool test_fault_fired(void);
/* Whether the failed call was a step reading on through the rows of a
 * statement that had run outside a transaction: a write there had taken
 * effect (committed) before the failure, as when a server's answer is lost
 * after it committed. */
bool test_fault_late(void);

#endif
