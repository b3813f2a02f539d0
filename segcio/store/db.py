"""Engine creation for SQLite (WAL) and PostgreSQL, and schema upgrades through Alembic."""

from __future__ import annotations

import ast
import functools
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, pool
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The database holds every credential: only the user running segcio may read it.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _null(value: None) -> None:
    return value


# The sqlite3 module binds None (SQL NULL) only after trying the adaptation protocol for it, which raises and
# swallows an AttributeError each time: about 3,000 instructions per NULL parameter, and a workspace batch binds
# over a thousand of them (3% of its instructions). An adapter registered for None answers at once, with the
# same NULL. It holds for every sqlite3 connection of the process; none adapts None otherwise.
sqlite3.register_adapter(type(None), _null)

_IMMEDIATE = "segcio_begin_immediate"
# The name the event log's file is attached under on the main file's connections.
EVENTLOG_SCHEMA = "eventlog"


def eventlog_path(path: str) -> str:
    """The event log's own file beside a SQLite database: `segcio.db` -> `segcio-events.db`."""
    main = Path(path)
    return str(main.with_name(f"{main.stem}-events{main.suffix}"))


def _normalise_url(url: str) -> str:
    # Users write postgresql://; we drive PostgreSQL with psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """One database (SQLite file or PostgreSQL URL) and its engine."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = _normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.is_postgres = self.url.startswith("postgresql")
        # The SQLite database's file; None for PostgreSQL and for an in-memory database.
        path = self.url.split("///", 1)[1] if self.is_sqlite and "///" in self.url else ""
        self.sqlite_path: str | None = path if path not in ("", ":memory:") else None
        # SQLite with a file: the event log (events, rejections, ingest's counters) has a file of its own, so the
        # ingest writer and the routing transactions never wait for each other's write lock. Every connection of
        # the main engine attaches it read-only (queries name `events` as before; a read-only attachment takes no
        # lock a log writer waits for); the log's writers use `log_engine`, on the log file alone.
        self.eventlog_path: str | None = None
        if self.is_sqlite:
            if self.sqlite_path is not None:
                Path(self.sqlite_path).parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
                # Created before SQLite does (it would use 0644): its -wal and -shm files get the database's mode.
                create_private_file(Path(self.sqlite_path))
                self.eventlog_path = eventlog_path(self.sqlite_path)
                prepare_log_file(self.eventlog_path)
            self.engine: Engine = _sqlite_engine(self.url, pool_size, attach_log=self.eventlog_path)
            self.log_engine = (
                self.engine
                if self.eventlog_path is None
                else _sqlite_engine(f"sqlite:///{self.eventlog_path}", 4, attach_log=None)
            )
        else:
            self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)
            self.log_engine = self.engine

    @property
    def log_is_separate(self) -> bool:
        """Whether the event log is in a database of its own (SQLite with a file) rather than in this one."""
        return self.log_engine is not self.engine

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside a write transaction, committed on success.

        On SQLite it starts with BEGIN IMMEDIATE (the write lock is taken up front, so two writers never
        deadlock upgrading read locks); `connect()` transactions stay deferred, and WAL readers never wait.
        """
        with _write_transaction(self.engine) as conn:
            yield conn

    @contextmanager
    def begin_log(self) -> Iterator[Connection]:
        """A write transaction on the event log's database (the log file alone on SQLite with a file; there, the
        main database's tables are out of its sight)."""
        with _write_transaction(self.log_engine) as conn:
            yield conn

    def writer_connection(self) -> Connection:
        """A connection to the event log's database kept by its one long-lived appender (the caller closes it); on
        SQLite its transactions begin IMMEDIATE, as `begin()` does."""
        conn = self.log_engine.connect()
        conn.info[_IMMEDIATE] = True
        return conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def upgrade(self) -> None:
        """Bring the schema to the newest migration. Alembic (a fifth of a command's start-up) is loaded only when
        the database is not at it already."""
        if self._at_head():
            return
        from alembic import command

        command.upgrade(alembic_config(self.url), "head")
        # Pooled connections opened before the upgrade may have cached the schema it changed.
        self.engine.dispose()
        self.log_engine.dispose()

    def _at_head(self) -> bool:
        head = head_revision()
        if head is None:
            return False
        try:
            with self.engine.connect() as conn:
                versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
        except DBAPIError:  # a new database: no version table yet
            return False
        return list(versions) == [head]

    def dispose(self) -> None:
        self.engine.dispose()
        self.log_engine.dispose()


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.info[_IMMEDIATE] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop(_IMMEDIATE, None)


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists."""
    os.close(os.open(path, os.O_CREAT | os.O_RDONLY, PRIVATE_FILE_MODE))


def open_private(path: Path) -> IO[bytes]:
    """`path` opened for writing (truncated), created with mode 0600."""
    return os.fdopen(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_FILE_MODE), "wb")


def prepare_log_file(path: str) -> None:
    """Create the event log's file (mode 0600) in WAL mode unless it exists: attached read-only, it must already
    be a WAL database, whose readers take no lock a writer waits for."""
    create_private_file(Path(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _sqlite_engine(url: str, pool_size: int, *, attach_log: str | None) -> Engine:
    engine = create_engine(
        url,
        poolclass=pool.QueuePool,
        pool_size=pool_size,
        max_overflow=20,
        # The most recently returned connection first: each keeps its own page cache (16 MB), and handing
        # the pooled connections out in turn filled every one of them (see docs/benchmarks.md, ingest).
        pool_use_lifo=True,
        # URI filenames: the log is attached as `file:...?mode=ro`.
        connect_args={"check_same_thread": False, "timeout": 60, "uri": True},
    )
    event.listen(engine, "connect", functools.partial(_sqlite_pragmas, attach_log=attach_log))
    # pysqlite's own transaction handling defers BEGIN; take control so that BEGIN IMMEDIATE works.
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def attach_log_sql(path: str, *, read_only: bool) -> str:
    """The ATTACH statement of the event log's file; read-only needs a connection opened with URI filenames."""
    name = "file:" + quote(str(Path(path).absolute())) + "?mode=ro" if read_only else path
    return f"ATTACH DATABASE '{name.replace(chr(39), chr(39) * 2)}' AS {EVENTLOG_SCHEMA}"


SQLITE_SOFT_HEAP_LIMIT_MB = 64


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, attach_log: str | None) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before the client hears "accepted".
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA foreign_keys=ON")
    # 16 MB page cache per connection: the pool holds several connections and each keeps its own cache.
    cur.execute("PRAGMA cache_size=-16384")
    # The whole process's SQLite memory: past it, every connection gives back cached pages (least recently used
    # first). Without it, each of the up to 30 pooled connections could keep its full 16 MB cache.
    cur.execute(f"PRAGMA soft_heap_limit={SQLITE_SOFT_HEAP_LIMIT_MB * 2**20}")
    if attach_log is not None:
        cur.execute(attach_log_sql(attach_log, read_only=True))
        # Each attached database has a page cache of its own (2 MB unless set): the router reads the log's
        # index and bodies through it.
        cur.execute(f"PRAGMA {EVENTLOG_SCHEMA}.cache_size=-16384")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(_IMMEDIATE) else "BEGIN")


_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


@functools.cache
def head_revision() -> str | None:
    """The one migration no other revises, read from the migration files' `revision`/`down_revision` lines (None
    if they do not show exactly one: Alembic then decides)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        revised.update([down] if isinstance(down, str) else down or ())
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def open_database(url: str, *, upgrade: bool = True) -> Database:
    db = Database(url)
    if upgrade:
        db.upgrade()
    return db


# SQLite primary result codes of a passing condition: busy, locked, out of memory, interrupted, I/O error, disk full,
# cannot open, locking protocol.
_SQLITE_TRANSIENT = {5, 6, 7, 9, 10, 13, 14, 15}
# PostgreSQL SQLSTATE classes of a passing condition: connection exception, transaction rollback (deadlock,
# serialisation), insufficient resources, operator intervention, system error.
_POSTGRES_TRANSIENT = ("08", "40", "53", "57", "58")


def transient_failure(exc: BaseException) -> bool:
    """Whether a failure is the database's passing condition (retry the whole work later) rather than something
    the data in hand can never get past."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    original = exc.orig
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_TRANSIENT
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _POSTGRES_TRANSIENT
    return isinstance(exc, OperationalError | InterfaceError)  # no code to tell by: assume it passes
