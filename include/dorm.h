/* dorm.h - the one public header of libdorm, Django's ORM in C.
 * It gathers the concept headers; see docs/ for the guide and each header for
 * the contract of every call.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_H
#define DORM_H

#include "dorm/version.h"
#include "dorm/error.h"
#include "dorm/alloc.h"
#include "dorm/value.h"
#include "dorm/validate.h"
#include "dorm/model.h"
#include "dorm/expr.h"
#include "dorm/search.h"
#include "dorm/db.h"
#include "dorm/timezone.h"
#include "dorm/progress.h"
#include "dorm/query.h"
#include "dorm/crud.h"
#include "dorm/files.h"
#include "dorm/transaction.h"
#include "dorm/pool.h"
#include "dorm/databases.h"
#include "dorm/tenant.h"
#include "dorm/signals.h"
#include "dorm/raw.h"
#include "dorm/debug.h"
#include "dorm/paginate.h"
#include "dorm/schema.h"
#include "dorm/migrate.h"
#include "dorm/manage.h"

#endif
