/* test_composite_pk.c - Django 5.2's CompositePrimaryKey: the table's
 * PRIMARY KEY (a, b), objects keyed by the tuple of their fields (create,
 * save, get/filter/exclude and in_bulk by it, its lookups, ordering,
 * deletes and cascades into it), fixtures, migrations and the checks. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

typedef struct Product {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Product;

typedef struct Order {
    DORM_OBJECT;
    const char *reference;
} Order;

typedef struct OrderLineItem {
    DORM_OBJECT;
    DORM_FK(Product) product;
    DORM_FK_TO(Order, const char *) order;
    int32_t quantity;
} OrderLineItem;

DORM_MODEL_DECLARE(Product);
DORM_MODEL_DECLARE(Order);
DORM_MODEL_DECLARE(OrderLineItem);

static const dorm_field Product_fields[] = {DORM_AUTO(Product, id), DORM_CHAR(Product, name, .max_length = 100),
                                            DORM_END};
const dorm_model Product_model = DORM_MODEL(Product, "shop", Product_fields);
static const dorm_field Order_fields[] = {DORM_CHAR(Order, reference, .max_length = 20, .primary_key = true), DORM_END};
const dorm_model Order_model = DORM_MODEL(Order, "shop", Order_fields);
static const dorm_field OrderLineItem_fields[] = {
    DORM_COMPOSITE_PK("product_id", "order_id"),
    DORM_FOREIGN_KEY(OrderLineItem, product, Product, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(OrderLineItem, order, Order, .on_delete = DORM_CASCADE),
    DORM_INT(OrderLineItem, quantity),
    DORM_END,
};
const dorm_model OrderLineItem_model = DORM_MODEL(OrderLineItem, "shop", OrderLineItem_fields);

static dorm_app shop_app = {.label = "shop", .models = DORM_MODELS(&Product_model, &Order_model, &OrderLineItem_model)};

static void open_shop(void) { test_db_open_apps((const dorm_app *const[]){&shop_app, NULL}); }

TestSuite(composite_pk, .init = open_shop, .fini = test_db_close);

/* Products 1 and 2, orders A755H and B142C, and three line items. */
static void fill(void) {
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "apple"));
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "pear"));
    cr_assert_not_null(dorm_create(T.cx, Order, .reference = "A755H"));
    cr_assert_not_null(dorm_create(T.cx, Order, .reference = "B142C"));
    cr_assert_not_null(dorm_create(T.cx, OrderLineItem, .product = {1, NULL}, .order = {"A755H", NULL}, .quantity = 1),
                       "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, OrderLineItem, .product = {2, NULL}, .order = {"A755H", NULL}, .quantity = 2));
    cr_assert_not_null(dorm_create(T.cx, OrderLineItem, .product = {1, NULL}, .order = {"B142C", NULL}, .quantity = 3));
}

static bool postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

Test(composite_pk, ddl_is_a_table_constraint) {
    const char *ddl = dorm_create_table_sql(T.cx, &OrderLineItem_model);
    cr_assert_not_null(ddl, "%s", dorm_errmsg(T.cx));
    if (test_db_on_mysql())
        cr_expect(strstr(ddl,
                         "CREATE TABLE `shop_orderlineitem` (`product_id` integer NOT NULL, `order_id` varchar(20) "
                         "NOT NULL, `quantity` integer NOT NULL, PRIMARY KEY (`product_id`, `order_id`));\nALTER "
                         "TABLE `shop_orderlineitem` ADD CONSTRAINT "
                         "`shop_orderlineitem_product_id_87681cc5_fk_shop_product_id` FOREIGN KEY (`product_id`) "
                         "REFERENCES `shop_product` (`id`);"),
                  "%s", ddl);
    else if (!postgres())
        cr_expect(strstr(ddl,
                         "CREATE TABLE \"shop_orderlineitem\" (\"product_id\" integer NOT NULL REFERENCES "
                         "\"shop_product\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"order_id\" varchar(20) NOT NULL "
                         "REFERENCES \"shop_order\" (\"reference\") DEFERRABLE INITIALLY DEFERRED, \"quantity\" "
                         "integer NOT NULL, PRIMARY KEY (\"product_id\", \"order_id\"));"),
                  "%s", ddl);
    else
        cr_expect(strstr(ddl, "\"quantity\" integer NOT NULL, PRIMARY KEY (\"product_id\", \"order_id\"));"), "%s",
                  ddl);
    dorm_model_info info;
    cr_assert_eq(dorm_model_describe(T.cx, &OrderLineItem_model, &info), 0);
    cr_expect_str_eq(info.pk, "pk");
    cr_expect_str_eq(info.field_names, "product, order, quantity");
}

Test(composite_pk, objects_by_their_tuple) {
    fill();
    OrderLineItem *item = dorm_get(dorm_all(T.cx, OrderLineItem), DQ("pk", DLIST(1, "A755H")));
    cr_assert_not_null(item, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(item->quantity, 1);
    dorm_value pk = dorm_pk_of(item);
    cr_assert_eq(pk.type, DORM_T_LIST);
    cr_assert_eq(pk.len, 2);
    cr_expect_eq(pk.u.list[0].u.i, 1);
    cr_expect_str_eq(pk.u.list[1].u.s, "A755H");
    cr_expect_str_eq(test_sql_std(dorm_qs_str(
                         dorm_filter(dorm_clear_ordering(dorm_all(T.cx, OrderLineItem)), DQ("pk", DLIST(1, "A755H"))))),
                     "SELECT \"shop_orderlineitem\".\"product_id\", \"shop_orderlineitem\".\"order_id\", "
                     "\"shop_orderlineitem\".\"quantity\" FROM \"shop_orderlineitem\" WHERE "
                     "(\"shop_orderlineitem\".\"product_id\" = 1 AND \"shop_orderlineitem\".\"order_id\" = A755H)");
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, OrderLineItem),
                                        DQ("pk__in", DLIST(DLIST(1, "A755H"), DLIST(1, "B142C"), DLIST(2, "B142C"))))),
                 2);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk__in", dorm_v_list(NULL, 0)))), 0);
    cr_expect_eq(dorm_count(dorm_exclude(dorm_all(T.cx, OrderLineItem), DQ("pk", DLIST(2, "A755H")))), 2);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk__gt", DLIST(1, "A755H")))), 2);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk__lte", DLIST(1, "B142C")))), 2);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk__isnull", false))), 3);
    size_t n;
    void **objs = dorm_list(dorm_order_by(dorm_all(T.cx, OrderLineItem), "-pk"), &n);
    cr_assert_not_null(objs);
    cr_assert_eq(n, 3);
    cr_expect_eq(((OrderLineItem *)objs[0])->quantity, 2);
    cr_expect_eq(((OrderLineItem *)objs[2])->quantity, 1);
    /* Django's errors for values of the wrong shape. */
    dorm_qs *bad = dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk", 1));
    cr_expect_str_eq(dorm_qs_errmsg(bad), "'exact' lookup of 'pk' must be a tuple or a list");
    bad = dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk", DLIST(1)));
    cr_expect_str_eq(dorm_qs_errmsg(bad), "'exact' lookup of 'pk' must have 2 elements");
    bad = dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk__in", DLIST(DLIST(1))));
    cr_expect_str_eq(dorm_qs_errmsg(bad), "'in' lookup of 'pk' must have 2 elements each");
    /* in_bulk by tuples. */
    dorm_value keys[] = {DLIST(1, "A755H"), DLIST(2, "A755H"), DLIST(2, "B142C")};
    dorm_map *map = dorm_in_bulk_keys(dorm_all(T.cx, OrderLineItem), keys, 3);
    cr_assert_not_null(map, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_map_len(map), 2);
    OrderLineItem *found = dorm_map_find(map, &keys[1]);
    cr_assert_not_null(found);
    cr_expect_eq(found->quantity, 2);
    cr_expect_null(dorm_map_find(map, &keys[2]));
}

Test(composite_pk, save_update_and_integrity) {
    fill();
    OrderLineItem *item = dorm_get(dorm_all(T.cx, OrderLineItem), DQ("pk", DLIST(2, "A755H")));
    cr_assert_not_null(item);
    item->quantity = 9;
    test_log_start();
    cr_assert_eq(dorm_save(item), 0, "%s", dorm_errmsg(T.cx));
    const char *log = test_sql_std(test_log_stop());
    cr_expect(strstr(log, "UPDATE \"shop_orderlineitem\" SET \"quantity\" = ") &&
                  strstr(log, " WHERE \"product_id\" = ") && strstr(log, " AND \"order_id\" = "),
              "%s", log);
    cr_expect_eq(test_scalar("SELECT quantity FROM shop_orderlineitem WHERE product_id = 2"), 9);
    /* The same key twice. */
    cr_assert_null(dorm_create(T.cx, OrderLineItem, .product = {2, NULL}, .order = {"A755H", NULL}, .quantity = 5));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    /* A new object with a known key: full_clean says so (validate_unique). */
    OrderLineItem *dup = dorm_new(T.cx, OrderLineItem);
    dup->product.id = 2;
    dup->order.id = "A755H";
    dup->quantity = 1;
    cr_expect_eq(dorm_full_clean(dup), DORM_EVALIDATION);
    cr_expect(strstr(dorm_errmsg(T.cx), "Order line item with this Product and Order already exists."), "%s",
              dorm_errmsg(T.cx));
    /* save() of a new key inserts (the UPDATE matches nothing). */
    OrderLineItem *fresh = dorm_new(T.cx, OrderLineItem);
    fresh->product.id = 2;
    fresh->order.id = "B142C";
    fresh->quantity = 4;
    cr_assert_eq(dorm_save(fresh), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, OrderLineItem)), 4);
    cr_assert_eq(dorm_refresh(fresh), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(fresh->quantity, 4);
    cr_expect_eq(
        dorm_update(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("pk", DLIST(2, "B142C"))), DSET("quantity", 7)), 1);
    cr_expect_eq(
        dorm_update(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("product__name", "pear")), DSET("quantity", 8)), 2,
        "%s", dorm_errmsg(T.cx));
}

Test(composite_pk, deletes_and_cascades) {
    fill();
    OrderLineItem *item = dorm_get(dorm_all(T.cx, OrderLineItem), DQ("pk", DLIST(1, "B142C")));
    cr_assert_not_null(item);
    dorm_deleted d;
    cr_assert_eq(dorm_delete(item, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "shop.OrderLineItem: 1");
    dorm_value gone = dorm_pk_of(item);
    cr_expect(gone.type == DORM_T_LIST && gone.u.list[0].type == DORM_T_NULL && gone.u.list[1].type == DORM_T_NULL);
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Product), DQ("name", "apple")), &d), 0, "%s",
                 dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "shop.OrderLineItem: 1, shop.Product: 1");
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, OrderLineItem), DQ("quantity__gte", 1)), &d), 0);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "shop.OrderLineItem: 1");
    cr_expect_eq(dorm_count(dorm_all(T.cx, OrderLineItem)), 0);
}

Test(composite_pk, fixtures_hold_the_tuple) {
    fill();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(dorm_dumpdata(T.cx, DORM_LIST("shop.orderlineitem"), 0, out), 0, "%s", dorm_errmsg(T.cx));
    fclose(out);
    cr_expect(strstr(buf,
                     "{\"model\": \"shop.orderlineitem\", \"pk\": [1, \"A755H\"], \"fields\": {\"product\": 1, "
                     "\"order\": \"A755H\", \"quantity\": 1}}"),
              "%s", buf);
    const char *dir = test_tmpdir_make("dorm-cpk");
    test_write_file("items.json", buf);
    free(buf);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, OrderLineItem), NULL), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/items.json", dir);
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, OrderLineItem)), 3);
    /* Django's own form: the key as a JSON list, the parts only there. */
    test_write_file("one.json",
                    "[{\"model\": \"shop.orderlineitem\", \"pk\": [2, \"B142C\"], \"fields\": {\"quantity\": 6}}]");
    snprintf(path, sizeof path, "%s/one.json", dir);
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT quantity FROM shop_orderlineitem WHERE product_id = 2 AND order_id = 'B142C'"), 6);
    test_tmpdir_remove();
}

/* Relations to a model with a composite key: Django 5.2 refuses them. */
typedef struct Shipment {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(OrderLineItem) item;
} Shipment;
DORM_MODEL_DECLARE(Shipment);
static const dorm_field Shipment_fields[] = {
    DORM_AUTO(Shipment, id),
    DORM_FOREIGN_KEY(Shipment, item, OrderLineItem, .on_delete = DORM_CASCADE),
    DORM_END,
};
const dorm_model Shipment_model = DORM_MODEL(Shipment, "bad", Shipment_fields);

typedef struct Pair {
    DORM_OBJECT;
    int32_t a;
    int32_t b;
} Pair;
DORM_MODEL_DECLARE(Pair);
static const dorm_field Pair_fields[] = {
    DORM_COMPOSITE_PK("a", "nope", "b"),
    DORM_INT(Pair, a),
    DORM_INT(Pair, b, .null = true),
    DORM_END,
};
const dorm_model Pair_model = DORM_MODEL(Pair, "bad", Pair_fields);

Test(composite_pk, checks) {
    const dorm_app bad = {.label = "bad", .models = DORM_MODELS(&Shipment_model, &Pair_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&shop_app, &bad, NULL});
    cr_assert_not_null(reg);
    const char *msg = dorm_registry_messages(reg);
    cr_expect(strstr(msg,
                     "bad.Shipment.item: (fields.E347) Field defines a relation involving model 'OrderLineItem' "
                     "which has a CompositePrimaryKey and such relations are not supported."),
              "%s", msg);
    cr_expect(strstr(msg,
                     "bad.Pair: (models.E042) 'nope' cannot be included in the composite primary key: 'nope' is "
                     "not a valid field."),
              "%s", msg);
    cr_expect(strstr(msg,
                     "bad.Pair: (models.E042) 'b' cannot be included in the composite primary key: 'b' field may "
                     "not set 'null=True'."),
              "%s", msg);
    dorm_registry_free(reg);
}

Test(composite_pk, migrations) {
    shop_app.migrations_dir = test_tmpdir_make("dorm-cpkm");
    const dorm_app *const apps[] = {&shop_app, NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.out = out, .verbosity = 1});
    fclose(out);
    free(buf);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    char *text = test_read_file(test_tmpdir_path("0001_initial.json"));
    cr_assert_not_null(text);
    test_squeeze(text);
    cr_expect(strstr(text,
                     "[\"pk\",{\"type\":\"CompositePrimaryKey\",\"primary_key\":true,\"fields\":[\"product_id\","
                     "\"order_id\"]}]"),
              "%s", text);
    const char *sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "shop", "0001", false));
    cr_expect(strstr(sql, ", PRIMARY KEY (\"product_id\", \"order_id\"));"), "%s", sql);
    out = open_memstream(&buf, &len);
    rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.out = out, .check = true, .verbosity = 1});
    fclose(out);
    cr_expect_eq(rc, 0, "%s", buf);
    free(buf);
    shop_app.migrations_dir = NULL;
    test_tmpdir_remove();
}
