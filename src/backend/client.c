/* client.c - building the command line of a database's own client for
 * dbshell: arguments copied into the command's buffer, so that they outlive
 * the parsed URL they come from. */
#include <string.h>

#include "dorm/sys/driver.h"

const char *dorm_client_keep(dorm_client_cmd *cmd, const char *s) {
    size_t n = strlen(s) + 1;
    if (n > sizeof cmd->buf - cmd->used) return NULL;
    char *p = cmd->buf + cmd->used;
    memcpy(p, s, n);
    cmd->used += n;
    return p;
}

bool dorm_client_arg(dorm_client_cmd *cmd, const char *s) {
    size_t n = 0;
    while (cmd->argv[n]) n++;
    if (n + 1 >= sizeof cmd->argv / sizeof cmd->argv[0]) return false;
    const char *kept = dorm_client_keep(cmd, s);
    if (!kept) return false;
    cmd->argv[n] = kept;
    cmd->argv[n + 1] = NULL;
    return true;
}
