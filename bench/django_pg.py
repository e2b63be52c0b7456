"""django_pg.py - the benchmark workloads in Django's ORM on PostgreSQL
(Debian's Django 3.2 and psycopg2, run with /usr/bin/python3): the models,
data and workloads of bench/django_bench.py, the database-state checksums of
bench/pg_common.c.  Usage: django_pg.py URL
(postgres:///dbname?host=SOCKETDIR&port=N&user=U, an empty database)
"""
import os
import sys
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
RUNS_ENV = os.environ.get("BENCH_RUNS", "")
RUNS = int(RUNS_ENV) if RUNS_ENV.isdigit() and 1 <= int(RUNS_ENV) <= 1000 else 3
GENRES = ("FIC", "NON", "SCI", "HIS")
BIRTH0 = date(1900, 1, 1)
PUB0 = date(1800, 1, 1)
IMPL = "django"


def database_settings(url):
    """Django's DATABASES entry for a postgres:// URL (query parameters
    win over the URL's own parts, as in libpq and dorm)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"django_pg.py: not a postgres:// URL: {url}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": query.get("dbname", unquote(parts.path.lstrip("/"))),
        "USER": query.get("user", unquote(parts.username or "")),
        "PASSWORD": query.get("password", unquote(parts.password or "")),
        "HOST": query.get("host", unquote(parts.hostname or "")),
        "PORT": query.get("port", str(parts.port or "")),
    }


if len(sys.argv) != 2:
    sys.exit("usage: django_pg.py URL")

settings.configure(
    DEBUG=False,
    USE_TZ=True,
    SECRET_KEY="bench",
    INSTALLED_APPS=[],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    DATABASES={"default": database_settings(sys.argv[1])},
)
django.setup()

from django.db import connection, models, transaction  # noqa: E402


# The models of ../shared/acceptance/library/models.py.
class Author(models.Model):
    name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    biography = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
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


# The SQL of bench/pg_common.c, so that the hashes compare.
def db_checksum():
    return hash_sql(
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


def schema_checksum():
    return hash_sql(
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


def report(workload, n, seconds, checksum):
    print(f"bench impl={IMPL} workload={workload} n={n} seconds={seconds:.6f} "
          f"checksum={checksum:016x}", flush=True)


def drop_tables():
    with connection.cursor() as cur:
        cur.execute('DROP TABLE IF EXISTS "library_book", "library_author" CASCADE')


# A new connection and fresh tables, as the C programs start each run.
def fresh_db():
    connection.close()
    drop_tables()
    with connection.schema_editor() as editor:
        editor.create_model(Author)
        editor.create_model(Book)


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


def run_fresh(name, fn, settle=False):
    times = []
    for _ in range(RUNS):
        fresh_db()
        times.append(fn())
    report(name, AUTHORS + BOOKS, min(times), db_checksum())
    if settle:
        with connection.cursor() as cur:
            cur.execute('VACUUM ANALYZE "library_author", "library_book"')


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


def run_read(name, n, fn, checksum):
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
    run_fresh("bulk_create", w_bulk_create, settle=True)
    print(f"check impl={IMPL} what=schema checksum={schema_checksum():016x}", flush=True)
    run_read("fetch_all", BOOKS, w_fetch_all, hash_books)
    run_read("values_list_flat", BOOKS, w_values_list_flat,
             lambda titles: fnv(FNV_OFFSET, "".join(t + "\n" for t in titles).encode()))
    run_read("get_pk", GETS, w_get_pk, hash_books)
    run_read("filter_order_slice", FILTERS, w_filter_order_slice, hash_books)
    run_read("update_const", UPDATES, w_update_const, update_checksum)
    drop_tables()
    connection.close()


if __name__ == "__main__":
    main()
