/* router.c - routers.py's ArchiveRouter: ArchivedLoan lives in "archive",
 * every other lifecycle model in "default"; Snapshot may live in both. */
#include <string.h>

#include "models.h"

static const char *archive_only(const dorm_model *model, const dorm_hints *hints, void *payload) {
    (void)hints, (void)payload;
    return model == &ArchivedLoan_model ? "archive" : NULL;
}

static int same_database(const void *obj1, const void *obj2, const dorm_hints *hints, void *payload) {
    (void)hints, (void)payload;
    if (dorm_obj_db(obj1) && dorm_obj_db(obj2)) return strcmp(dorm_obj_db(obj1), dorm_obj_db(obj2)) == 0;
    return -1;
}

static int migrate_here(const char *db, const char *app_label, const char *model_name, const dorm_hints *hints,
                        void *payload) {
    (void)hints, (void)payload;
    if (strcmp(app_label, "lifecycle") != 0 || !model_name) return -1;
    if (strcmp(model_name, "snapshot") == 0) return -1;
    if (strcmp(model_name, "archivedloan") == 0) return strcmp(db, "archive") == 0;
    return strcmp(db, "default") == 0;
}

const dorm_router archive_router = {archive_only, archive_only, same_database, migrate_here, NULL};
