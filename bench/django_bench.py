"""django_bench.py - the benchmark workloads in Django's ORM (Debian's Django
3.2, run with /usr/bin/python3), on the same schema, data and checksums as the
C programs: on SQLite with bench/common.c's settings and checksums, on
PostgreSQL (python3-psycopg2) with bench/pg_common.c's, or on MariaDB
(python3-mysqldb) with bench/my_common.c's.
Usage: django_bench.py [DIR]             SQLite, its database file in DIR
       django_bench.py --postgres URL    an empty PostgreSQL database
                                         (postgres:///db?host=SOCKETDIR&port=N&user=U)
       django_bench.py --mysql URL       an empty MariaDB database
                                         (mysql://user@host/db?unix_socket=PATH)
"""
import os
import sys
import tempfile
from datetime import date, timedelta
from time import perf_counter
from urllib.parse import parse_qs, unquote, urlsplit

import django
from django.conf import settings

AUTHORS = 2000
BOOKS = 20000
GETS = 20000
FILTERS = 2000
SLICE = 10
UPDATES = 20
TAGS = 20
M2M_QUERIES = 200
M2M_LIMIT = 20
EXPR_QUERIES = 20  # annotate_having, values_group, union_filters: k = 1..
HAVING_MIN = 6
PER_PAGE = 20
PAGE = 1000
PAGE_QUERIES = 100
RUNS_ENV = os.environ.get("BENCH_RUNS", "")
RUNS = int(RUNS_ENV) if RUNS_ENV.isdigit() and 1 <= int(RUNS_ENV) <= 1000 else 3
# Paced by bench/interleave.py as the C programs are (bench_step in common.c).
STEP = os.environ.get("BENCH_STEP", "") not in ("", "0")
ROUNDS_ENV = os.environ.get("BENCH_ROUNDS", "")
ROUNDS = int(ROUNDS_ENV) if STEP and ROUNDS_ENV.isdigit() and 1 <= int(ROUNDS_ENV) <= 100 else 1
GENRES = ("FIC", "NON", "SCI", "HIS")
BIRTH0 = date(1900, 1, 1)
PUB0 = date(1800, 1, 1)
IMPL = "django"


def postgres_settings(url):
    """Django's DATABASES entry for a postgres:// URL (query parameters
    win over the URL's own parts, as in libpq and dorm)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"django_bench.py: not a postgres:// URL: {url}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": query.get("dbname", unquote(parts.path.lstrip("/"))),
        "USER": query.get("user", unquote(parts.username or "")),
        "PASSWORD": query.get("password", unquote(parts.password or "")),
        "HOST": query.get("host", unquote(parts.hostname or "")),
        "PORT": query.get("port", str(parts.port or "")),
    }


def mysql_settings(url):
    """Django's DATABASES entry for the mysql:// URL of bench/run_server.sh my, with
    utf8mb4 as dorm connects."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "HOST": query.get("unix_socket", parts.hostname or ""),
        "OPTIONS": {"charset": "utf8mb4"},
    }


POSTGRES = len(sys.argv) > 1 and sys.argv[1] == "--postgres"
MYSQL = len(sys.argv) > 1 and sys.argv[1] == "--mysql"
SERVER = POSTGRES or MYSQL
if SERVER and len(sys.argv) != 3:
    sys.exit(f"usage: django_bench.py {sys.argv[1]} URL")
made_dir = not SERVER and len(sys.argv) < 2
if POSTGRES:
    DATABASE = postgres_settings(sys.argv[2])
elif MYSQL:
    DATABASE = mysql_settings(sys.argv[2])
else:
    DIR = tempfile.mkdtemp(prefix="dorm-bench-") if made_dir else sys.argv[1]
    os.makedirs(DIR, exist_ok=True)
    DB_PATH = os.path.join(DIR, "django.db")
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": DB_PATH}

settings.configure(
    DEBUG=False,
    USE_TZ=True,
    SECRET_KEY="bench",
    INSTALLED_APPS=[],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    DATABASES={"default": DATABASE},
)
django.setup()

from django.db import connection, models, transaction  # noqa: E402
from django.db.models import Count, F, OuterRef, Subquery, Sum, Window  # noqa: E402
from django.db.models.functions import Rank  # noqa: E402


# The models of ../shared/acceptance/library/models.py.
class Author(models.Model):
    name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    biography = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        app_label = "library"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        app_label = "library"


class Book(models.Model):
    GENRE_CHOICES = [("FIC", "Fiction"), ("NON", "Non-Fiction"), ("SCI", "Science"),
                     ("HIS", "History")]
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publication_date = models.DateField()
    isbn = models.CharField(max_length=13, unique=True)
    genre = models.CharField(max_length=3, choices=GENRE_CHOICES, default="FIC")
    pages = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField(Tag, related_name="books")

    class Meta:
        ordering = ["-publication_date"]
        app_label = "library"
        indexes = [models.Index(fields=["title"]), models.Index(fields=["isbn"])]


def author_kwargs(i):
    return dict(name=f"Author {i}", birth_date=BIRTH0 + timedelta(days=i),
                biography=f"Bio {i}")


def book_kwargs(j):
    return dict(title=f"Book {j}", author_id=(j % AUTHORS) + 1,
                publication_date=PUB0 + timedelta(days=j * 7919 % 80000),
                isbn="978%010d" % j, genre=GENRES[j % 4], pages=100 + (j * 37 % 900))


def threshold(k):
    return 100 + (k * 13 % 800)


FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
MASK = (1 << 64) - 1


def fnv(h, data):
    for c in data:
        h = ((h ^ c) * FNV_PRIME) & MASK
    return h


def hash_books(books):
    text = "".join(f"{b.id}|{b.title}|{b.author_id}|{b.publication_date.isoformat()}|"
                   f"{b.isbn}|{b.genre}|{b.pages}\n" for b in books)
    return fnv(FNV_OFFSET, text.encode())


def hash_sql(*queries):
    h = FNV_OFFSET
    with connection.cursor() as cur:
        for sql in queries:
            cur.execute(sql)
            for (line,) in cur.fetchall():
                h = fnv(h, (line + "\n").encode())
    return h


# The SQL of bench/common.c (SQLite) and bench/pg_common.c (PostgreSQL), so
# that the hashes compare.
SQLITE_DB_CHECKSUM = (
    "SELECT id||'|'||name||'|'||ifnull(birth_date,'')||'|'||biography||'|'||"
    "typeof(id)||typeof(name)||typeof(birth_date)||typeof(biography) "
    "FROM library_author ORDER BY id",
    "SELECT id||'|'||title||'|'||author_id||'|'||publication_date||'|'||isbn||'|'||"
    "genre||'|'||pages||'|'||typeof(id)||typeof(title)||typeof(author_id)||"
    "typeof(publication_date)||typeof(isbn)||typeof(genre)||typeof(pages) "
    "FROM library_book ORDER BY id")
SQLITE_SCHEMA_CHECKSUM = (
    "SELECT type||'|'||name||'|'||tbl_name||'|'||sql FROM sqlite_master "
    "WHERE tbl_name IN ('library_author', 'library_book') AND sql IS NOT NULL "
    "ORDER BY type, name",)
PG_DB_CHECKSUM = (
    "SELECT id::text||'|'||name||'|'||coalesce(birth_date::text,'')||'|'||biography"
    "||'|'||pg_typeof(id)::text||','||pg_typeof(name)::text||','||"
    "pg_typeof(birth_date)::text||','||pg_typeof(biography)::text "
    "FROM library_author ORDER BY id",
    "SELECT id::text||'|'||title||'|'||author_id::text||'|'||publication_date::text"
    "||'|'||isbn||'|'||genre||'|'||pages::text||'|'||pg_typeof(id)::text||','||"
    "pg_typeof(title)::text||','||pg_typeof(author_id)::text||','||"
    "pg_typeof(publication_date)::text||','||pg_typeof(isbn)::text||','||"
    "pg_typeof(genre)::text||','||pg_typeof(pages)::text "
    "FROM library_book ORDER BY id")
PG_SCHEMA_CHECKSUM = (
    "SELECT 'column|'||table_name||'|'||column_name||'|'||data_type||'|'||"
    "coalesce(character_maximum_length::text,'')||'|'||is_nullable||'|'||"
    "coalesce(column_default,'') FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND "
    "table_name IN ('library_author', 'library_book') "
    "ORDER BY table_name, ordinal_position",
    "SELECT 'constraint|'||conrelid::regclass::text||'|'||conname||'|'||"
    "pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid IN ('library_author'::regclass, 'library_book'::regclass) "
    "ORDER BY 1",
    "SELECT 'index|'||tablename||'|'||indexname||'|'||indexdef FROM pg_indexes "
    "WHERE schemaname = current_schema() AND "
    "tablename IN ('library_author', 'library_book') ORDER BY 1")


MY_DB_CHECKSUM = (
    "SELECT CONCAT_WS('|', id, name, IFNULL(birth_date, ''), biography) FROM library_author "
    "ORDER BY id",
    "SELECT CONCAT_WS('|', id, title, author_id, publication_date, isbn, genre, pages) "
    "FROM library_book ORDER BY id")
MY_SCHEMA_CHECKSUM = (
    "SELECT CONCAT_WS('|', 'column', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
    "IFNULL(COLUMN_DEFAULT, ''), EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
    "DATABASE() AND TABLE_NAME IN ('library_author', 'library_book') ORDER BY TABLE_NAME, "
    "ORDINAL_POSITION",
    "SELECT CONCAT_WS('|', 'constraint', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE) FROM "
    "information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME IN "
    "('library_author', 'library_book') ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME",
    "SELECT CONCAT_WS('|', 'index', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME) "
    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN "
    "('library_author', 'library_book') ORDER BY BINARY TABLE_NAME, BINARY INDEX_NAME, "
    "SEQ_IN_INDEX")


def db_checksum():
    return hash_sql(*(PG_DB_CHECKSUM if POSTGRES else MY_DB_CHECKSUM if MYSQL else SQLITE_DB_CHECKSUM))


def schema_checksum():
    return hash_sql(*(PG_SCHEMA_CHECKSUM if POSTGRES else MY_SCHEMA_CHECKSUM if MYSQL
                      else SQLITE_SCHEMA_CHECKSUM))


def report(workload, n, seconds, checksum):
    print(f"bench impl={IMPL} workload={workload} n={n} seconds={seconds:.6f} "
          f"checksum={checksum:016x}", flush=True)


def remove_sqlite_file():
    for p in (DB_PATH, DB_PATH + "-journal"):
        if os.path.exists(p):
            os.remove(p)


def drop_tables():
    names = ", ".join(connection.ops.quote_name(t) for t in
                      ("library_book_tags", "library_tag", "library_book", "library_author"))
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {names}" + ("" if MYSQL else " CASCADE"))


# A new connection and fresh tables, as the C programs start each run.  Tag
# comes before Book, whose join table points at it.
def fresh_db():
    connection.close()
    if SERVER:
        drop_tables()
    else:
        remove_sqlite_file()
    with connection.schema_editor() as editor:
        editor.create_model(Author)
        editor.create_model(Tag)
        editor.create_model(Book)


# After loading, PostgreSQL's statistics and visibility map as the C programs
# leave them (bench_pg_settle).
def settle(*tables):
    if SERVER:
        with connection.cursor() as cur:
            cur.execute(("ANALYZE TABLE " if MYSQL else "VACUUM ANALYZE ")
                        + ", ".join(connection.ops.quote_name(t) for t in tables))
            if MYSQL:
                cur.fetchall()


def w_create():
    t0 = perf_counter()
    with transaction.atomic():
        for i in range(1, AUTHORS + 1):
            Author.objects.create(**author_kwargs(i))
        for j in range(1, BOOKS + 1):
            Book.objects.create(**book_kwargs(j))
    return perf_counter() - t0


def w_bulk_create():
    t0 = perf_counter()
    Author.objects.bulk_create([Author(**author_kwargs(i)) for i in range(1, AUTHORS + 1)])
    Book.objects.bulk_create([Book(**book_kwargs(j)) for j in range(1, BOOKS + 1)])
    return perf_counter() - t0


def rounds(workload):
    """Once per round of a workload: after "ready <workload>" and the
    driver's go line when paced."""
    for _ in range(ROUNDS):
        if STEP:
            print(f"ready {workload}", flush=True)
            sys.stdin.readline()
        yield


def run_fresh(name, fn):
    for _ in rounds(name):
        times = []
        for _ in range(RUNS):
            fresh_db()
            times.append(fn())
        report(name, AUTHORS + BOOKS, min(times), db_checksum())
        settle("library_author", "library_book")


def w_fetch_all():
    t0 = perf_counter()
    books = list(Book.objects.all())
    return perf_counter() - t0, books


def w_values_list_flat():
    t0 = perf_counter()
    titles = list(Book.objects.values_list("title", flat=True))
    return perf_counter() - t0, titles


def w_get_pk():
    t0 = perf_counter()
    books = [Book.objects.get(pk=i) for i in range(1, GETS + 1)]
    return perf_counter() - t0, books


def w_filter_order_slice():
    t0 = perf_counter()
    books = []
    for k in range(1, FILTERS + 1):
        books.extend(list(Book.objects.filter(pages__gt=threshold(k))
                          .order_by("-publication_date")[:SLICE]))
    return perf_counter() - t0, books


def w_update_const():
    t0 = perf_counter()
    matched = 0
    for r in range(UPDATES):
        matched += Book.objects.filter(genre="FIC").update(pages=500 + r % 2)
    return perf_counter() - t0, matched


def w_select_related():
    t0 = perf_counter()
    books = list(Book.objects.select_related("author").order_by("id"))
    return perf_counter() - t0, books


def hash_select_related(books):
    text = "".join(f"{b.id}|{b.title}|{b.author_id}|{b.publication_date.isoformat()}|"
                   f"{b.isbn}|{b.genre}|{b.pages}\n{b.author.name}\n" for b in books)
    return fnv(FNV_OFFSET, text.encode())


def w_prefetch_related():
    t0 = perf_counter()
    authors = list(Author.objects.prefetch_related("books").order_by("id"))
    return perf_counter() - t0, authors


def hash_prefetch(authors):
    parts = []
    for a in authors:
        parts.append(a.name + "\n")
        parts.extend(f"{b.id}|{b.title}|{b.author_id}|{b.publication_date.isoformat()}|"
                     f"{b.isbn}|{b.genre}|{b.pages}\n" for b in a.books.all())
    return fnv(FNV_OFFSET, "".join(parts).encode())


def w_page_offset():
    from django.core.paginator import Paginator
    t0 = perf_counter()
    books = []
    for _ in range(PAGE_QUERIES):
        books.extend(Paginator(Book.objects.order_by("title"), PER_PAGE).page(PAGE))
    return perf_counter() - t0, books


def m2m_tags(k):
    return f"Tag {k % TAGS + 1}", f"Tag {k * 3 % TAGS + 1}"


# bench/common.c's bench_m2m_fill, untimed.
M2M_FILL = (
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 20) "
    "INSERT INTO library_tag (id, name) SELECT n, 'Tag ' || n FROM t",
    "INSERT INTO library_book_tags (book_id, tag_id) SELECT id, id % 20 + 1 FROM library_book",
    "INSERT INTO library_book_tags (book_id, tag_id) SELECT id, id * 7 % 20 + 1 FROM library_book "
    "WHERE id * 7 % 20 <> id % 20",
)


# The same in MySQL's words (bench/my_common.c's bench_my_m2m_fill).
MY_M2M_FILL = (
    "INSERT INTO library_tag (id, name) WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
    "FROM t WHERE n < 20) SELECT n, CONCAT('Tag ', n) FROM t",
) + M2M_FILL[1:]


def m2m_setup():
    with connection.cursor() as cur:
        for sql in MY_M2M_FILL if MYSQL else M2M_FILL:
            cur.execute(sql)
    settle("library_tag", "library_book_tags")


def w_m2m_filter_distinct():
    t0 = perf_counter()
    books = []
    for k in range(1, M2M_QUERIES + 1):
        books.extend(Book.objects.filter(tags__name__in=m2m_tags(k)).distinct().order_by("id")[:M2M_LIMIT])
    return perf_counter() - t0, books


def expr_threshold(k):
    return 100 + k * 30


# The expression workloads: every row hashed as its values' text, "|" between
# them (bench_hash_cell).
def hash_rows(rows):
    return fnv(FNV_OFFSET, "".join("|".join("None" if v is None else str(v) for v in row) + "\n"
                                   for row in rows).encode())


def w_annotate_having():
    t0 = perf_counter()
    rows = []
    for k in range(1, EXPR_QUERIES + 1):
        rows.extend(r.values() for r in Book.objects.filter(pages__gt=expr_threshold(k)).values("author")
                    .annotate(n=Count("id")).filter(n__gte=HAVING_MIN).order_by("author_id"))
    return perf_counter() - t0, rows


def w_values_group():
    t0 = perf_counter()
    rows = []
    for k in range(1, EXPR_QUERIES + 1):
        rows.extend(r.values() for r in Book.objects.filter(pages__gt=expr_threshold(k)).values("genre")
                    .annotate(n=Count("id"), pages=Sum("pages")).order_by("genre"))
    return perf_counter() - t0, rows


def w_subquery_latest():
    t0 = perf_counter()
    latest = (Book.objects.filter(author=OuterRef("pk")).order_by("-publication_date", "-id")
              .values("title")[:1])
    rows = list(Author.objects.annotate(latest=Subquery(latest)).order_by("id").values_list("id", "latest"))
    return perf_counter() - t0, rows


def w_window_rank():
    t0 = perf_counter()
    rows = list(Book.objects.annotate(r=Window(Rank(), partition_by=F("author"), order_by=F("pages").desc()))
                .order_by("id").values_list("id", "r"))
    return perf_counter() - t0, rows


def w_union_filters():
    t0 = perf_counter()
    rows = []
    for k in range(1, EXPR_QUERIES + 1):
        few = Book.objects.filter(pages__lt=105 + k).order_by().values_list("id", flat=True)
        by = Book.objects.filter(author=k).order_by().values_list("id", flat=True)
        rows.extend((i,) for i in few.union(by).order_by("id"))
    return perf_counter() - t0, rows


def run_read(name, n, fn, checksum):
    for _ in rounds(name):
        best, result = None, None
        for _ in range(RUNS):
            secs, result = fn()
            best = secs if best is None else min(best, secs)
        report(name, n, best, checksum(result))


def update_checksum(matched):
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), sum(pages) FROM library_book")
        count, pages = cur.fetchone()
    return fnv(FNV_OFFSET, f"{matched}|{count}|{pages}\n".encode())


def main():
    run_fresh("create", w_create)
    run_fresh("bulk_create", w_bulk_create)
    print(f"check impl={IMPL} what=schema checksum={schema_checksum():016x}", flush=True)
    run_read("fetch_all", BOOKS, w_fetch_all, hash_books)
    run_read("values_list_flat", BOOKS, w_values_list_flat,
             lambda titles: fnv(FNV_OFFSET, "".join(t + "\n" for t in titles).encode()))
    run_read("get_pk", GETS, w_get_pk, hash_books)
    run_read("filter_order_slice", FILTERS, w_filter_order_slice, hash_books)
    run_read("update_const", UPDATES, w_update_const, update_checksum)
    run_read("select_related", BOOKS, w_select_related, hash_select_related)
    run_read("prefetch_related", AUTHORS, w_prefetch_related, hash_prefetch)
    run_read("page_offset", PAGE_QUERIES, w_page_offset, hash_books)
    m2m_setup()
    run_read("m2m_filter_distinct", M2M_QUERIES, w_m2m_filter_distinct, hash_books)
    run_read("annotate_having", EXPR_QUERIES, w_annotate_having, hash_rows)
    run_read("values_group", EXPR_QUERIES, w_values_group, hash_rows)
    run_read("subquery_latest", AUTHORS, w_subquery_latest, hash_rows)
    run_read("window_rank", BOOKS, w_window_rank, hash_rows)
    run_read("union_filters", EXPR_QUERIES, w_union_filters, hash_rows)
    if SERVER:
        drop_tables()
    connection.close()
    if not SERVER:
        remove_sqlite_file()
    if made_dir:
        os.rmdir(DIR)


if __name__ == "__main__":
    main()
