/* json.h - jansson as dorm uses it (migration files, fixtures): its memory
 * from dorm's allocator, and loading that reports an allocation failure as
 * such instead of reaching jansson's lexer with half its text. */
#ifndef DORM_CORE_JSON_H
#define DORM_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Points jansson's allocation at dorm_mem_* (idempotent).  Call it before
 * building or loading JSON values, so that their allocations are counted by
 * dorm_mem__failures and fail the way dorm's own do. */
void dorm_json__init(void);

/* json_loadb (`len` bytes of `text`), guarded: once an allocation fails
 * during the parse, every later one of the same parse fails too, so jansson
 * gives up before decoding a token whose text lost bytes (its lexer ignores
 * a failed append: a string could then be decoded past its end).  NULL with
 * *code DORM_ENOMEM, or DORM_EVALUE with the syntax error in *err. */
json_t *dorm_json__loadb(const char *text, size_t len, size_t flags, json_error_t *err, int *code);
/* The same for a whole file, read into memory dorm allocates.  NULL with
 * *code DORM_ENOMEM, DORM_EVALUE (syntax, in *err) or DORM_EOPERATIONAL (the
 * file cannot be read; errno is kept). */
json_t *dorm_json__load_file(const char *path, size_t flags, json_error_t *err, int *code);

#endif
