# server.sh - sourced by the example tests: the helpers that give a run on
# PostgreSQL or MariaDB databases of its own on the test server ($url), so
# no example leaves tables (or a dorm_migrations) where other tests look.

# url_param URL NAME: the value of query parameter NAME, or "".
url_param() {
    printf '%s\n' "$1" | sed -n "s/.*[?&]$2=\([^&]*\).*/\1/p"
}

# with_database URL NAME: URL naming database NAME instead of its own.
with_database() {
    printf '%s\n' "$1" | sed "s#^\([a-z]*://[^/]*/\)[^?]*#\1$2#"
}

# server_sql STATEMENT: runs it with the server's own client.
server_sql() {
    stmt=$1
    case $url in
    postgres*)
        psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
        "$psql" -q -v ON_ERROR_STOP=1 "$url" -c "$stmt" >/dev/null
        ;;
    *)
        # mysql://user[:password]@host[:port]/db?unix_socket=...
        auth=$(printf '%s\n' "$url" | sed -n 's#^[a-z]*://\([^@/]*\)@.*#\1#p')
        host=$(printf '%s\n' "$url" | sed 's#^[a-z]*://\([^@/]*@\)\{0,1\}\([^/?]*\).*#\2#')
        socket=$(url_param "$url" unix_socket)
        set -- --no-defaults
        [ -z "$auth" ] || set -- "$@" -u "${auth%%:*}"
        case $auth in *:*) set -- "$@" "-p${auth#*:}" ;; esac
        if [ -n "$socket" ]; then
            set -- "$@" -S "$socket"
        elif [ -n "$host" ]; then
            set -- "$@" -h "${host%%:*}"
            case $host in *:*) set -- "$@" -P "${host#*:}" ;; esac
        fi
        "$(command -v mariadb || command -v mysql)" "$@" -e "$stmt"
        ;;
    esac
}

# private_url NAME: creates database NAME on the server of $url (when $url
# names a server) and prints the URL naming it; prints $url for SQLite.
private_url() {
    case $url in
    postgres* | mysql* | mariadb*)
        server_sql "CREATE DATABASE $1"
        with_database "$url" "$1"
        ;;
    *) printf '%s\n' "$url" ;;
    esac
}

# drop_private NAME: drops database NAME again (servers only; never fails).
drop_private() {
    case $url in
    postgres* | mysql* | mariadb*) server_sql "DROP DATABASE IF EXISTS $1" || true ;;
    esac
}
