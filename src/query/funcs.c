/* funcs.c - the function table: Django's built-in functions and aggregates
 * (django.db.models.functions and aggregates) as rows of name, arity, output
 * rule and base SQL template, found by name after a program's own rows, and
 * the spelling each gets on a backend (the dialect's override, a vendor
 * template, code, or the base template). */
#include <string.h>

#include "model/messages.h"
#include "query/query.h"

#define DORM_FUNC_AGGREGATE_DISTINCT (DORM_FUNC_AGGREGATE | DORM_FUNC_DISTINCT)

/* Sorted by name (strcmp order) for the binary search in find_builtin. */
static const dorm_builtin_func builtins[] = {
    {.def = {"ACos", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "ACOS(%*)", NULL}},
    {.def = {"ASin", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "ASIN(%*)", NULL}},
    {.def = {"ATan", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "ATAN(%*)", NULL}},
    {.def = {"ATan2", 2, 2, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "ATAN2(%*)", NULL}},
    {.def = {"Abs", 1, 1, 0, DORM_KIND_NONE, "ABS(%*)", NULL}},
    {.def = {"Avg", 1, 1, DORM_FUNC_AGGREGATE_DISTINCT | DORM_FUNC_NUMERIC, DORM_KIND_NONE, "AVG(%D%*)", NULL}},
    {.def = {"Ceil", 1, 1, 0, DORM_KIND_NONE, "CEILING(%*)", NULL}},
    {.def = {"Chr", 1, 1, 0, DORM_KIND_CHAR, "CHR(%*)", NULL}},
    {.def = {"Coalesce", 2, -1, 0, DORM_KIND_NONE, "COALESCE(%*)", NULL}},
    {.def = {"Collate", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .collation = true},
    {.def = {"Concat", 2, -1, 0, DORM_KIND_NONE, NULL, NULL}},
    {.def = {"Cos", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "COS(%*)", NULL}},
    {.def = {"Cot", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "COT(%*)", NULL}},
    {.def = {"Count", 1, 1, DORM_FUNC_AGGREGATE_DISTINCT, DORM_KIND_INT, "COUNT(%D%*)", NULL}},
    {.def = {"CumeDist", 0, 0, DORM_FUNC_WINDOW, DORM_KIND_FLOAT, "CUME_DIST()", NULL}},
    {.def = {"Degrees", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "DEGREES(%*)", NULL}},
    {.def = {"DenseRank", 0, 0, DORM_FUNC_WINDOW, DORM_KIND_INT, "DENSE_RANK()", NULL}},
    {.def = {"Exp", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "EXP(%*)", NULL}},
    {.def = {"ExtractDay", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_DAY + 1},
    {.def = {"ExtractHour", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_HOUR + 1},
    {.def = {"ExtractIsoWeekDay", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_ISO_WEEK_DAY + 1},
    {.def = {"ExtractIsoYear", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_ISO_YEAR + 1},
    {.def = {"ExtractMinute", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_MINUTE + 1},
    {.def = {"ExtractMonth", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_MONTH + 1},
    {.def = {"ExtractQuarter", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_QUARTER + 1},
    {.def = {"ExtractSecond", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_SECOND + 1},
    {.def = {"ExtractWeek", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_WEEK + 1},
    {.def = {"ExtractWeekDay", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_WEEK_DAY + 1},
    {.def = {"ExtractYear", 1, 1, 0, DORM_KIND_INT, NULL, NULL}, .extract = DORM_EX_YEAR + 1},
    {.def = {"FirstValue", 1, 1, DORM_FUNC_WINDOW, DORM_KIND_NONE, "FIRST_VALUE(%*)", NULL}},
    {.def = {"Floor", 1, 1, 0, DORM_KIND_NONE, "FLOOR(%*)", NULL}},
    {.def = {"Greatest", 2, -1, 0, DORM_KIND_NONE, "GREATEST(%*)", NULL}},
    {.def = {"JSONObject", 0, -1, 0, DORM_KIND_JSON, "JSON_OBJECT(%*)", NULL}, .pairs = true},
    {.def = {"LPad", 2, 3, 0, DORM_KIND_CHAR, "LPAD(%*)", NULL}, .fill = DORM_VTEXT(" ")},
    {.def = {"LTrim", 1, 1, 0, DORM_KIND_NONE, "LTRIM(%*)", NULL}},
    {.def = {"Lag", 1, 3, DORM_FUNC_WINDOW, DORM_KIND_NONE, "LAG(%*)", NULL},
     .fill = DORM_VINT(1),
     .first_output = true},
    {.def = {"LastValue", 1, 1, DORM_FUNC_WINDOW, DORM_KIND_NONE, "LAST_VALUE(%*)", NULL}},
    {.def = {"Lead", 1, 3, DORM_FUNC_WINDOW, DORM_KIND_NONE, "LEAD(%*)", NULL},
     .fill = DORM_VINT(1),
     .first_output = true},
    {.def = {"Least", 2, -1, 0, DORM_KIND_NONE, "LEAST(%*)", NULL}},
    {.def = {"Left", 2, 2, 0, DORM_KIND_CHAR, "LEFT(%*)", NULL}},
    {.def = {"Length", 1, 1, 0, DORM_KIND_INT, "LENGTH(%*)", NULL}},
    {.def = {"Ln", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "LN(%*)", NULL}},
    {.def = {"Log", 2, 2, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "LOG(%*)", NULL}},
    {.def = {"Lower", 1, 1, 0, DORM_KIND_NONE, "LOWER(%*)", NULL}},
    {.def = {"MD5", 1, 1, 0, DORM_KIND_CHAR, "MD5(%*)", NULL}},
    {.def = {"Max", 1, 1, DORM_FUNC_AGGREGATE, DORM_KIND_NONE, "MAX(%*)", NULL}},
    {.def = {"Min", 1, 1, DORM_FUNC_AGGREGATE, DORM_KIND_NONE, "MIN(%*)", NULL}},
    {.def = {"Mod", 2, 2, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "MOD(%*)", NULL}},
    {.def = {"Now", 0, 0, 0, DORM_KIND_DATETIME, "CURRENT_TIMESTAMP", NULL}},
    {.def = {"NthValue", 1, 2, DORM_FUNC_WINDOW, DORM_KIND_NONE, "NTH_VALUE(%*)", NULL},
     .fill = DORM_VINT(1),
     .first_output = true},
    {.def = {"Ntile", 1, 1, DORM_FUNC_WINDOW, DORM_KIND_INT, "NTILE(%*)", NULL}},
    {.def = {"NullIf", 2, 2, 0, DORM_KIND_NONE, "NULLIF(%*)", NULL}},
    {.def = {"Ord", 1, 1, 0, DORM_KIND_INT, "ASCII(%*)", NULL}},
    {.def = {"PercentRank", 0, 0, DORM_FUNC_WINDOW, DORM_KIND_FLOAT, "PERCENT_RANK()", NULL}},
    {.def = {"Pi", 0, 0, 0, DORM_KIND_FLOAT, "PI()", NULL}},
    {.def = {"Power", 2, 2, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "POWER(%*)", NULL}},
    {.def = {"RPad", 2, 3, 0, DORM_KIND_CHAR, "RPAD(%*)", NULL}, .fill = DORM_VTEXT(" ")},
    {.def = {"RTrim", 1, 1, 0, DORM_KIND_NONE, "RTRIM(%*)", NULL}},
    {.def = {"Radians", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "RADIANS(%*)", NULL}},
    {.def = {"Random", 0, 0, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "RANDOM()", NULL}},
    {.def = {"Rank", 0, 0, DORM_FUNC_WINDOW, DORM_KIND_INT, "RANK()", NULL}},
    {.def = {"Repeat", 2, 2, 0, DORM_KIND_CHAR, "REPEAT(%*)", NULL}},
    {.def = {"Replace", 2, 3, 0, DORM_KIND_NONE, "REPLACE(%*)", NULL}, .fill = DORM_VTEXT("")},
    {.def = {"Reverse", 1, 1, 0, DORM_KIND_NONE, "REVERSE(%*)", NULL}},
    {.def = {"Right", 2, 2, 0, DORM_KIND_CHAR, "RIGHT(%*)", NULL}},
    {.def = {"Round", 1, 1, 0, DORM_KIND_NONE, "ROUND(%*)", NULL}},
    {.def = {"RowNumber", 0, 0, DORM_FUNC_WINDOW, DORM_KIND_INT, "ROW_NUMBER()", NULL}},
    {.def = {"SHA1", 1, 1, 0, DORM_KIND_CHAR, "SHA1(%*)", NULL}},
    {.def = {"SHA224", 1, 1, 0, DORM_KIND_CHAR, "SHA224(%*)", NULL}},
    {.def = {"SHA256", 1, 1, 0, DORM_KIND_CHAR, "SHA256(%*)", NULL}},
    {.def = {"SHA384", 1, 1, 0, DORM_KIND_CHAR, "SHA384(%*)", NULL}},
    {.def = {"SHA512", 1, 1, 0, DORM_KIND_CHAR, "SHA512(%*)", NULL}},
    {.def = {"Sign", 1, 1, 0, DORM_KIND_NONE, "SIGN(%*)", NULL}},
    {.def = {"Sin", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "SIN(%*)", NULL}},
    {.def = {"Sqrt", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "SQRT(%*)", NULL}},
    {.def = {"StdDev", 1, 1, DORM_FUNC_AGGREGATE | DORM_FUNC_NUMERIC, DORM_KIND_NONE, "STDDEV_POP(%*)", NULL},
     .sample_sql = "STDDEV_SAMP(%*)"},
    {.def = {"StrIndex", 2, 2, 0, DORM_KIND_INT, "INSTR(%*)", NULL}},
    {.def = {"Substr", 2, 3, 0, DORM_KIND_CHAR, "SUBSTRING(%*)", NULL}},
    {.def = {"Sum", 1, 1, DORM_FUNC_AGGREGATE_DISTINCT, DORM_KIND_NONE, "SUM(%D%*)", NULL}},
    {.def = {"Tan", 1, 1, DORM_FUNC_NUMERIC, DORM_KIND_NONE, "TAN(%*)", NULL}},
    {.def = {"Trim", 1, 1, 0, DORM_KIND_NONE, "TRIM(%*)", NULL}},
    {.def = {"TruncDate", 1, 1, 0, DORM_KIND_DATE, NULL, NULL}, .extract = DORM_EX_DATE + 1},
    {.def = {"TruncDay", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "day"},
    {.def = {"TruncHour", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "hour"},
    {.def = {"TruncMinute", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "minute"},
    {.def = {"TruncMonth", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "month"},
    {.def = {"TruncQuarter", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "quarter"},
    {.def = {"TruncSecond", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "second"},
    {.def = {"TruncTime", 1, 1, 0, DORM_KIND_TIME, NULL, NULL}, .extract = DORM_EX_TIME + 1},
    {.def = {"TruncWeek", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "week"},
    {.def = {"TruncYear", 1, 1, 0, DORM_KIND_NONE, NULL, NULL}, .trunc = "year"},
    {.def = {"Upper", 1, 1, 0, DORM_KIND_NONE, "UPPER(%*)", NULL}},
    {.def = {"Variance", 1, 1, DORM_FUNC_AGGREGATE | DORM_FUNC_NUMERIC, DORM_KIND_NONE, "VAR_POP(%*)", NULL},
     .sample_sql = "VAR_SAMP(%*)"},
};

#define NBUILTINS (sizeof builtins / sizeof builtins[0])

/* Concat(a, b, c) is ConcatPair(a, ConcatPair(b, c)), as Django builds it;
 * backends spell the pair (SQLite: COALESCE(a, '') || COALESCE(b, '')). */
static const dorm_builtin_func concat_pair = {.def = {"ConcatPair", 2, 2, 0, DORM_KIND_NONE, "CONCAT(%*)", NULL}};

const dorm_func_def *dorm_concat_pair = &concat_pair.def;

static bool eqn(const char *name, const char *s, size_t n) { return strncmp(name, s, n) == 0 && name[n] == '\0'; }

static int cmpn(const char *name, const char *s, size_t n) {
    int c = strncmp(name, s, n);
    return c ? c : (name[n] != '\0');
}

static const dorm_func_def *find_builtin(const char *s, size_t n) {
    size_t lo = 0, hi = NBUILTINS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmpn(builtins[mid].def.name, s, n);
        if (c == 0) return &builtins[mid].def;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const dorm_func_def *dorm_func__find(const dorm_registry *reg, const char *s, size_t n) {
    for (size_t i = 0; reg && reg->sql_functions && reg->sql_functions[i]; i++)
        if (reg->sql_functions[i]->name && eqn(reg->sql_functions[i]->name, s, n)) return reg->sql_functions[i];
    return find_builtin(s, n);
}

const dorm_builtin_func *dorm_func__builtin(const dorm_func_def *def) {
    const dorm_builtin_func *b = (const dorm_builtin_func *)def;
    if (b == &concat_pair || (b >= builtins && b < builtins + NBUILTINS)) return b;
    return NULL;
}

void dorm_func__spelling(const dorm_func_def *def, const dorm_dialect *d, const char *vendor, const char **sql,
                         void (**write)(dorm_sqlw *w)) {
    const dorm_builtin_func *b = dorm_func__builtin(def);
    *sql = def->sql;
    *write = b ? b->write : NULL;
    if (b) {
        /* A dialect spells only built-ins: a program's row of the same name is its own function. */
        for (const dorm_func_sql *f = d->functions; f && f->name; f++)
            if (strcmp(f->name, def->name) == 0) {
                *sql = f->sql;
                *write = f->write;
                return;
            }
    }
    for (const dorm_vendor_sql *v = def->vendor_sql; v && v->vendor; v++)
        if (vendor && strcmp(v->vendor, vendor) == 0) {
            *sql = v->sql;
            *write = NULL;
            return;
        }
}

int dorm_func__close(const dorm_registry *reg, const char *s, size_t n, const char **out) {
    size_t nuser = 0;
    while (reg && reg->sql_functions && reg->sql_functions[nuser]) nuser++;
    const char *names[NBUILTINS + 64];
    size_t k = 0;
    for (size_t i = 0; i < nuser && k < 64; i++)
        if (reg->sql_functions[i]->name) names[k++] = reg->sql_functions[i]->name;
    for (size_t i = 0; i < NBUILTINS; i++) names[k++] = builtins[i].def.name;
    return dorm_close__matches(s, n, names, k, out);
}

int dorm_func__pairs(dorm_qs *qs, const dorm_func_def *def, const dorm_expr *const **list, int *n) {
    const dorm_expr **out = dorm_alloc(qs->cx, sizeof *out * (size_t)(2 * *n + 1));
    dorm_expr *keys = dorm_alloc(qs->cx, sizeof *keys * (size_t)(*n + 1));
    if (!out || !keys) return DORM_ENOMEM;
    for (int i = 0; i < *n; i++) {
        const dorm_expr *p = (*list)[i];
        if (!p || p->kind != DORM_E_PAIR || !p->name || !p->a)
            return dorm_qs__fail(qs, DORM_EVALUE, "%s() takes its fields as DKV(key, value) pairs.", def->name)->err;
        /* Django's Value(key): a bound string. */
        keys[i] = (dorm_expr){.kind = DORM_E_VALUE, .value = dorm_v_text(p->name)};
        out[2 * i] = &keys[i];
        out[2 * i + 1] = p->a;
    }
    out[2 * *n] = NULL;
    *list = out;
    *n *= 2;
    return DORM_OK;
}

int dorm_func__collation(dorm_qs *qs, const char *name, const char **out) {
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= DORM_COLLATION_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    if (ok) return (*out = dorm_sprintf(qs->cx, "%s", name)) ? DORM_OK : DORM_ENOMEM;
    dorm_buf shown = DORM_BUF_INIT;
    dorm_value v = dorm_v_textn(name, n);
    if (name)
        dorm_value__repr(&shown, &v);
    else
        dorm_buf_puts(&shown, "None");
    int rc = dorm_qs__fail(qs, DORM_EVALUE, "Invalid collation name: %s.", shown.failed ? "?" : shown.data)->err;
    dorm_buf_free(&shown);
    return rc;
}
