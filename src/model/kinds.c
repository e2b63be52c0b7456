/* kinds.c - facts about field kinds that several layers ask: Django's class
 * name, whether the member is a C string, whether it is an auto key. */
#include "model/meta.h"

static const char *const kind_names[DORM_KIND__COUNT] = {
    [DORM_KIND_NONE] = "Field",
    [DORM_KIND_AUTO] = "AutoField",
    [DORM_KIND_BIGAUTO] = "BigAutoField",
    [DORM_KIND_CHAR] = "CharField",
    [DORM_KIND_TEXT] = "TextField",
    [DORM_KIND_SLUG] = "SlugField",
    [DORM_KIND_EMAIL] = "EmailField",
    [DORM_KIND_URL] = "URLField",
    [DORM_KIND_INT] = "IntegerField",
    [DORM_KIND_BIGINT] = "BigIntegerField",
    [DORM_KIND_SMALLINT] = "SmallIntegerField",
    [DORM_KIND_POSINT] = "PositiveIntegerField",
    [DORM_KIND_POSSMALLINT] = "PositiveSmallIntegerField",
    [DORM_KIND_FLOAT] = "FloatField",
    [DORM_KIND_DECIMAL] = "DecimalField",
    [DORM_KIND_BOOL] = "BooleanField",
    [DORM_KIND_DATE] = "DateField",
    [DORM_KIND_DATETIME] = "DateTimeField",
    [DORM_KIND_TIME] = "TimeField",
    [DORM_KIND_UUID] = "UUIDField",
    [DORM_KIND_JSON] = "JSONField",
    [DORM_KIND_BINARY] = "BinaryField",
    [DORM_KIND_FK] = "ForeignKey",
    [DORM_KIND_M2M] = "ManyToManyField",
    [DORM_KIND_DURATION] = "DurationField",
    [DORM_KIND_COMPOSITE] = "CompositePrimaryKey",
    [DORM_KIND_FILE] = "FileField",
    [DORM_KIND_IMAGE] = "ImageField",
};

const char *dorm_kind__name(dorm_kind k) {
    return (k > DORM_KIND_NONE && k < DORM_KIND__COUNT && kind_names[k]) ? kind_names[k] : "Field";
}

bool dorm_kind__is_auto(dorm_kind k) { return k == DORM_KIND_AUTO || k == DORM_KIND_BIGAUTO; }
