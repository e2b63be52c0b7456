/* usage.c - the usage line and the help page of a manage command, laid out
 * as Python's argparse lays out django-admin's ("usage: ...", "positional
 * arguments:", "options:", help texts from column 25, 79 columns wide), so
 * that `manage help migrate` reads like `django-admin help migrate`. */
#include <string.h>

#include "manage/command.h"

#define WIDTH 78 /* argparse: $COLUMNS (80) - 2 */
#define HELP_COLUMN 24

/* The options every command takes, after its own in the usage. */
static const manage_option common_options[] = {
    {"--database", NULL, "URL",
     "The database to work on, as a URL (sqlite:///file.db, postgres://...). "
     "Defaults to $DATABASE_URL."},
    {"-v", "--verbosity", "{0,1,2,3}",
     "Verbosity level; 0=minimal output, 1=normal output, 2=verbose output, "
     "3=very verbose output"},
    {NULL, NULL, NULL, NULL},
};

/* The option of a command that runs the system checks first, last (as
 * BaseCommand adds it). */
static const manage_option skip_checks = {"--skip-checks", NULL, NULL, "Skip system checks."};

/* Writes text wrapped at WIDTH, continuing lines at column `indent`, each
 * word after a space (or the whole text as one word: a usage token); *col is
 * the current column, `indent` at the start of a continued line. */
static void wrap(FILE *out, const char *text, size_t indent, size_t *col, bool keep_together) {
    const char *p = text;
    while (*p) {
        size_t n = keep_together ? strlen(p) : strcspn(p, " ");
        if (*col != indent && *col + 1 + n > WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            *col = indent;
        } else if (*col != indent) {
            fputc(' ', out);
            (*col)++;
        }
        fwrite(p, 1, n, out);
        *col += n;
        p += n;
        while (*p == ' ') p++;
    }
}

/* "[--name METAVAR]" or "[-v {0,1,2,3}]" for the usage: the first spelling. */
static void usage_option(FILE *out, const manage_option *o, size_t indent, size_t *col) {
    char token[96];
    if (o->metavar)
        snprintf(token, sizeof token, "[%s %s]", o->name, o->metavar);
    else
        snprintf(token, sizeof token, "[%s]", o->name);
    wrap(out, token, indent, col, true);
}

void dorm_manage__usage(const manage_command *c, FILE *out) {
    char head[64];
    snprintf(head, sizeof head, "usage: manage %s", c->name);
    size_t indent = strlen(head) + 1, col = strlen(head);
    fputs(head, out);
    wrap(out, "[-h]", indent, &col, true);
    for (const manage_option *o = c->options; o && o->name; o++) usage_option(out, o, indent, &col);
    for (const manage_option *o = common_options; o->name; o++) usage_option(out, o, indent, &col);
    if (c->checks != MANAGE_CHECKS_NONE) usage_option(out, &skip_checks, indent, &col);
    for (const manage_positional *p = c->positionals; p && p->name; p++) {
        char token[96];
        if (p->repeats)
            snprintf(token, sizeof token, p->optional ? "[%s ...]" : "%s [%s ...]", p->name, p->name);
        else
            snprintf(token, sizeof token, p->optional ? "[%s]" : "%s", p->name);
        wrap(out, token, indent, &col, true);
    }
    fputc('\n', out);
}

/* One entry of the help: its invocation ("-n NAME, --name NAME") at column
 * 2, its help at column 24 (on the next line when the invocation is wider). */
static void help_entry(FILE *out, const char *invocation, const char *help) {
    size_t n = strlen(invocation);
    fprintf(out, "  %s", invocation);
    size_t col = 2 + n;
    if (!help || !*help) {
        fputc('\n', out);
        return;
    }
    if (col + 2 > HELP_COLUMN) {
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    } else {
        fprintf(out, "%*s", (int)(HELP_COLUMN - col), "");
    }
    col = HELP_COLUMN;
    /* The first word is written at the help column without a space. */
    const char *p = help;
    size_t first = strcspn(p, " ");
    fwrite(p, 1, first, out);
    col += first;
    p += first;
    while (*p == ' ') p++;
    if (*p) wrap(out, p, HELP_COLUMN, &col, false);
    fputc('\n', out);
}

static void help_option(FILE *out, const manage_option *o) {
    char invocation[128];
    const char *first = o->name, *second = o->alias;
    if (o->metavar && second)
        snprintf(invocation, sizeof invocation, "%s %s, %s %s", first, o->metavar, second, o->metavar);
    else if (o->metavar)
        snprintf(invocation, sizeof invocation, "%s %s", first, o->metavar);
    else if (second)
        snprintf(invocation, sizeof invocation, "%s, %s", first, second);
    else
        snprintf(invocation, sizeof invocation, "%s", first);
    help_entry(out, invocation, o->help);
}

void dorm_manage__help(const manage_command *c, FILE *out) {
    dorm_manage__usage(c, out);
    size_t col = 0;
    fputc('\n', out);
    wrap(out, c->help, 0, &col, false);
    fputc('\n', out);
    if (c->positionals && c->positionals->name) {
        fputs("\npositional arguments:\n", out);
        for (const manage_positional *p = c->positionals; p->name; p++) help_entry(out, p->name, p->help);
    }
    fputs("\noptions:\n", out);
    help_entry(out, "-h, --help", "show this help message and exit");
    for (const manage_option *o = c->options; o && o->name; o++) help_option(out, o);
    for (const manage_option *o = common_options; o->name; o++) help_option(out, o);
    if (c->checks != MANAGE_CHECKS_NONE) help_option(out, &skip_checks);
}
