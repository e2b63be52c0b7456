/* questioner.c - what makemigrations asks (Django's
 * InteractiveMigrationQuestioner): yes/no questions, the numbered fixes for
 * a NOT NULL field that existing rows need a value for, and the one-off
 * default typed as a literal ('text', "text", 12, 1.5, True, False, None,
 * timezone.now) and parsed into a value, never kept as typed. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"

/* A line of input without its line end and surrounding blanks; false at
 * the end of the input. */
static bool read_line(dorm_questioner *q, char *line, size_t size) {
    fflush(q->out);
    if (!fgets(line, (int)size, q->in)) return false;
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1])) line[--n] = '\0';
    size_t k = 0;
    while (isspace((unsigned char)line[k])) k++;
    memmove(line, line + k, n - k + 1);
    return true;
}

bool dorm_ask__yes(dorm_questioner *q, const char *question, bool dflt) {
    if (!q->interactive) return dflt;
    fprintf(q->out, "%s ", question);
    char line[64];
    while (read_line(q, line, sizeof line)) {
        if (!line[0]) return dflt;
        if (tolower((unsigned char)line[0]) == 'y' || tolower((unsigned char)line[0]) == 'n')
            return tolower((unsigned char)line[0]) == 'y';
        fputs("Please answer yes or no: ", q->out);
    }
    return dflt;
}

/* Django's _choice_input: the question, the numbered choices, then a number
 * until a valid one comes; 0 at the end of the input. */
static int choose(dorm_questioner *q, const char *question, const char *const *choices) {
    fprintf(q->out, "%s\n", question);
    int n = 0;
    for (; choices[n]; n++) fprintf(q->out, " %d) %s\n", n + 1, choices[n]);
    fputs("Select an option: ", q->out);
    char line[64];
    while (read_line(q, line, sizeof line)) {
        char *end;
        long v = strtol(line, &end, 10);
        if (end != line && !*end && v >= 1 && v <= n) return (int)v;
        fputs("Please select a valid option: ", q->out);
    }
    return 0;
}

static bool date_kind(dorm_kind k) { return k == DORM_KIND_DATE || k == DORM_KIND_DATETIME || k == DORM_KIND_TIME; }

/* Whether a field of kind k stores the text (dates, times and decimals
 * parsed as dorm parses them; numbers and booleans take no text). */
static bool text_fits(dorm_kind k, const char *text) {
    size_t n = strlen(text);
    int64_t lo, hi;
    switch (k) {
    case DORM_KIND_DATE: return dorm_date_parse(text, n, &(dorm_date){0}) == 0;
    case DORM_KIND_TIME: return dorm_time_parse(text, n, &(dorm_time){0}) == 0;
    case DORM_KIND_DATETIME: return dorm_datetime_parse(text, n, &(dorm_datetime){0}) == 0;
    case DORM_KIND_DECIMAL: return dorm_decimal_parse(text, n, &(dorm_decimal){0}) == 0;
    case DORM_KIND_DURATION: return dorm_duration_parse(text, n, &(dorm_duration){0}) == 0;
    case DORM_KIND_BOOL:
    case DORM_KIND_FLOAT: return false;
    default: return !dorm_kind__int_range(k, &lo, &hi);
    }
}

/* A quoted literal (Python's escapes \\ \' \" \n \r \t \0) into out; the
 * error, or NULL. */
static const char *unquote(const char *s, char *out) {
    char quote = *s++;
    char *o = out;
    for (; *s && *s != quote; s++) {
        if (*s != '\\' || !s[1]) {
            *o++ = *s;
            continue;
        }
        const char *from = "\\'\"nrt0", *to = "\\'\"\n\r\t";
        const char *e = strchr(from, *++s);
        if (e && *e == '0') return "a NUL character cannot be stored";
        if (e)
            *o++ = to[e - from];
        else
            *o++ = '\\', *o++ = *s;
    }
    *o = '\0';
    if (*s != quote) return "unterminated string literal";
    return s[1] ? "invalid syntax" : NULL;
}

/* Parses a typed default for field f into *out; NULL, or why not (printed
 * after "Invalid input: "). */
static const char *parse_default(dorm_ctx *cx, const char *s, const dorm_fstate *f, dorm_fstate *out) {
    dorm_kind k = f->f.kind;
    const char *kind = dorm_kind__name(k);
    out->f.default_value = (dorm_value){DORM_T_NONE, 0, {0}};
    out->default_now = false;
    if (s[0] == '\'' || s[0] == '"') {
        char *text = dorm_alloc(cx, strlen(s) + 1);
        const char *err = text ? unquote(s, text) : "out of memory";
        if (err) return err;
        if (!text_fits(k, text)) {
            return dorm_sprintf(cx, "%s does not hold the text %s", kind, s);
        }
        out->f.default_value = dorm_v_text(text);
        return NULL;
    }
    if (strcmp(s, "now") == 0 || strcmp(s, "timezone.now") == 0 || strcmp(s, "timezone.now()") == 0) {
        if (!date_kind(k)) {
            return dorm_sprintf(cx, "timezone.now is a date and time, and %s is a %s", f->f.name, kind);
        }
        out->default_now = true;
        return NULL;
    }
    bool t = strcmp(s, "True") == 0 || strcmp(s, "true") == 0, fl = strcmp(s, "False") == 0 || strcmp(s, "false") == 0;
    if (t || fl) {
        if (k != DORM_KIND_BOOL) {
            return dorm_sprintf(cx, "%s is a boolean, and %s is a %s", s, f->f.name, kind);
        }
        out->f.default_value = dorm_v_bool(t);
        return NULL;
    }
    if (strcmp(s, "None") == 0 || strcmp(s, "NULL") == 0) return "None cannot fill a column that is NOT NULL";
    if (isdigit((unsigned char)s[0]) || ((s[0] == '-' || s[0] == '+' || s[0] == '.') && s[1])) {
        char *end;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        int64_t lo, hi;
        bool is_int = !*end && !errno;
        if (!is_int) {
            errno = 0;
            double x = strtod(s, &end);
            if (*end || errno || !isfinite(x)) return "invalid syntax";
            if (k == DORM_KIND_DURATION) return dorm_sprintf(cx, "%s is a number, and %s is a %s", s, f->f.name, kind);
            if (dorm_kind__int_range(k, &lo, &hi) || k == DORM_KIND_BOOL || (date_kind(k))) {
                return dorm_sprintf(cx, "%s is not an integer, and %s is a %s", s, f->f.name, kind);
            }
            out->f.default_value = dorm_v_float(x);
            return NULL;
        }
        if (dorm_kind__int_range(k, &lo, &hi) && (n < lo || n > hi)) {
            return dorm_sprintf(cx, "%s is out of range for %s (%lld to %lld)", s, kind, (long long)lo, (long long)hi);
        }
        if (k == DORM_KIND_BOOL || date_kind(k) || k == DORM_KIND_DURATION) {
            return dorm_sprintf(cx, "%s is a number, and %s is a %s", s, f->f.name, kind);
        }
        out->f.default_value = dorm_v_int(n);
        return NULL;
    }
    size_t len = 0;
    while (isalnum((unsigned char)s[len]) || s[len] == '_') len++;
    if (len && !s[len]) {
        return dorm_sprintf(cx, "name '%s' is not defined (text needs quotes: '%s')", s, s);
    }
    return "invalid syntax";
}

/* Django's _ask_default: a value for f, or the default offered when the
 * answer is empty; 0, or DORM_EVALUE when the user quits. */
static int ask_default(dorm_questioner *q, const dorm_fstate *f, const char *model, const char *offered,
                       dorm_fstate *out) {
    fputs("Please enter the default value now, as a literal: 'text' (or \"text\"), a number, True, False or "
          "timezone.now\n",
          q->out);
    if (offered)
        fprintf(q->out, "You can accept the default '%s' by pressing 'Enter' or you can provide another value.\n",
                offered);
    fputs("Type 'exit' to exit this prompt\n", q->out);
    char line[1024];
    for (;;) {
        if (offered)
            fprintf(q->out, "[default: %s] >>> ", offered);
        else
            fputs(">>> ", q->out);
        if (!read_line(q, line, sizeof line) || strcmp(line, "exit") == 0) break;
        if (!line[0] && offered) snprintf(line, sizeof line, "%s", offered);
        if (!line[0]) {
            fputs("Please enter some code, or 'exit' (with no quotes) to exit.\n", q->out);
            continue;
        }
        const char *why = parse_default(q->cx, line, f, out);
        if (!why) return DORM_OK;
        fprintf(q->out, "Invalid input: %s\n", why);
    }
    return dorm_ctx_fail(q->cx, DORM_EVALUE, "makemigrations: no one-off default given for %s.%s.", model, f->f.name);
}

int dorm_ask__not_null_addition(dorm_questioner *q, const char *model, dorm_fstate *f) {
    bool now = f->f.auto_now_add && date_kind(f->f.kind);
    char question[512];
    if (now)
        snprintf(question, sizeof question,
                 "You are trying to add the field '%s' with 'auto_now_add=True' to %s without a default; the database "
                 "needs something to populate existing rows.\n",
                 f->f.name, model);
    else
        snprintf(question, sizeof question,
                 "You are trying to add a non-nullable field '%s' to %s without a default; we can't do that (the "
                 "database needs something to populate existing rows).",
                 f->f.name, model);
    if (!q->interactive) {
        size_t n = strlen(question);
        if (n && question[n - 1] == '\n') question[n - 1] = '\0';
        return dorm_ctx_fail(q->cx, DORM_EVALUE, "%s", question);
    }
    if (!now) strcat(question, "\nPlease select a fix:");
    const char *const fixes[] = {now ? "Provide a one-off default now (will be set on all existing rows)"
                                     : "Provide a one-off default now (will be set on all existing rows with a null "
                                       "value for this column)",
                                 "Quit, and let me add a default in the model's field table", NULL};
    if (choose(q, question, fixes) != 1)
        return dorm_ctx_fail(q->cx, DORM_EVALUE, "makemigrations: no one-off default given for %s.%s.", model,
                             f->f.name);
    return ask_default(q, f, model, now ? "timezone.now" : NULL, f);
}

int dorm_ask__not_null_alteration(dorm_questioner *q, const char *model, dorm_fstate *f) {
    if (!q->interactive) return 1;
    char question[512];
    snprintf(question, sizeof question,
             "You are trying to change the nullable field '%s' on %s to non-nullable without a default; we can't do "
             "that (the database needs something to populate existing rows).\nPlease select a fix:",
             f->f.name, model);
    const char *const fixes[] = {
        "Provide a one-off default now (will be set on all existing rows with a null value for this column)",
        "Ignore for now, and let me handle existing rows with NULL myself (e.g. because you added a RunC or RunSQL "
        "operation to handle NULL values in a previous data migration)",
        "Quit, and let me add a default in the model's field table", NULL};
    int choice = choose(q, question, fixes);
    if (choice == 2) return 1;
    if (choice != 1)
        return dorm_ctx_fail(q->cx, DORM_EVALUE, "makemigrations: no one-off default given for %s.%s.", model,
                             f->f.name);
    return ask_default(q, f, model, NULL, f);
}
