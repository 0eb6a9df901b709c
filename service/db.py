"""Engine, sessions and the declarative base. The edge that opens a session commits it; services only flush."""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Select,
    Table,
    TextClause,
    TextualSelect,
    Update,
    and_,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.types import TypeDecorator

from service import metrics
from service.zones import local_date

# Stable constraint names, so Alembic revisions name the same thing on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Values per `IN (...)` list: one bound parameter each, well under SQLite's and PostgreSQL's limits per statement.
IN_CHUNK = 500
T = TypeVar("T")
B = TypeVar("B", bound="Base")


def in_chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size`, one `IN (...)` query each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def one_of(
    session: Session, column: ColumnElement[Any] | InstrumentedAttribute[Any], values: Sequence[Any]
) -> Iterator[ColumnElement[bool]]:
    """`column IN values`, one condition per statement to run. On PostgreSQL one `= ANY(:array)` for them all:
    the same short statement text for any number of values, so psycopg converts it once and the server prepares
    it, where `IN (...)` is a new text of hundreds of placeholders at every batch size. Elsewhere IN per chunk."""
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(f"{column.key}_values", list(values), type_=postgresql.ARRAY(column.type)))
        return
    for chunk in in_chunks(values):
        yield column.in_(chunk)


# The largest value an Integer column holds on PostgreSQL: alert, transition and API key ids are bounded by it
# wherever they are given (a larger one would overflow SQLite's driver, not merely find nothing).
MAX_INTEGER_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC in the database (SQLite has no time zones of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def make_engine(url: str) -> Engine:
    engine = _create_engine(url)
    instrument_engine(engine)  # database write time, whichever process writes
    return engine


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# Scores, evidence and payloads are written and read on every event: orjson does it several times faster.
_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers work while the ingest path writes; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # a UTC time's local date in an IANA zone (KPI buckets): SQLite has no time zones of its own
            dbapi_conn.create_function("callqa_local_date", 2, local_date, deterministic=True)

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **_JSON)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    instrument_sessions(factory)
    return factory


# Database write time. Statements are timed on the engine (every writer: API, consumers, jobs, CLI); commits on
# the session factory, only for transactions that wrote, so read-only requests do not dilute the histogram.
_STARTED = "callqa_statement_started"
_WROTE = "callqa_wrote"
_COMMIT_STARTED = "callqa_commit_started"


def _write_operation(statement: str) -> str | None:
    head = statement.lstrip()[:6].lower()
    return head if head in ("insert", "update", "delete") else None


def instrument_engine(engine: Engine) -> None:
    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        conn.info[_STARTED] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        started = conn.info.pop(_STARTED, None)
        operation = _write_operation(statement)
        if operation and started is not None:
            metrics.DB_WRITE_SECONDS.labels(operation=operation).observe(time.perf_counter() - started)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)


def instrument_sessions(factory: sessionmaker[Session]) -> None:
    def wrote_by_statement(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[_WROTE] = True

    def wrote_by_flush(session: Session, _context: Any) -> None:
        session.info[_WROTE] = True

    def before_commit(session: Session) -> None:
        session.info[_COMMIT_STARTED] = time.perf_counter()

    def after_commit(session: Session) -> None:
        started = session.info.pop(_COMMIT_STARTED, None)
        if session.info.pop(_WROTE, False) and started is not None:
            metrics.DB_WRITE_SECONDS.labels(operation="commit").observe(time.perf_counter() - started)

    def after_rollback(session: Session) -> None:
        session.info.pop(_WROTE, None)
        session.info.pop(_COMMIT_STARTED, None)

    event.listen(factory, "do_orm_execute", wrote_by_statement)
    event.listen(factory, "after_flush", wrote_by_flush)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_ignoring_conflicts(session: Session, model: type[Base], rows: list[dict[str, Any]], key: str) -> set[Any]:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns the `key` values actually inserted.

    Concurrent writers (several consumers, several API workers) race on unique keys; the database decides.
    """
    if not rows:
        return set()
    table = cast(Table, model.__table__)
    if recordset := _as_recordset(session, table, rows, key):
        return set(session.execute(*recordset).scalars())
    # Core executemany + RETURNING: one statement compiled once for any number of rows (SQLAlchemy batches them
    # into multi-row VALUES); the ORM's bulk layer would only add per-row work.
    return set(session.execute(_upsert(table, _dialect(session), key), rows).scalars())


def insert_new(session: Session, model: type[B], rows: list[dict[str, Any]], key: str) -> list[B]:
    """insert_ignoring_conflicts, answering the rows inserted as ORM objects, from the same statement (INSERT ...
    ON CONFLICT DO NOTHING RETURNING every column) instead of reading them back."""
    if not rows:
        return []
    table = cast(Table, model.__table__)
    everything = tuple(c.name for c in table.columns)
    if recordset := _as_recordset(session, table, rows, key, None, everything):
        sql, document = recordset
        return list(session.scalars(select(model).from_statement(sql), document))
    stmt = _insert(_dialect(session), model).on_conflict_do_nothing(index_elements=[key]).returning(model)
    return list(session.scalars(stmt, rows))


def insert_or_lock(
    session: Session, model: type[Base], rows: list[dict[str, Any]], key: str, touch: str, returning: tuple[str, ...]
) -> list[Any]:
    """Each row inserted, or where its `key` is taken, the stored row locked; the `returning` columns of every row,
    new or stored, from one statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) instead of an insert and a
    SELECT ... FOR UPDATE. The update sets `touch` to its own value: no change, but on PostgreSQL it locks each
    stored row as FOR UPDATE would, in the order of `rows` (writers that give them in key order never deadlock).
    SQLite has one writer."""
    if not rows:
        return []
    table = cast(Table, model.__table__)
    if recordset := _as_recordset(session, table, rows, key, touch, returning):
        return list(session.execute(*recordset))
    return list(session.execute(_upsert(table, _dialect(session), key, touch, returning), rows))


def insert_rows(
    session: Session, table: Table, rows: list[dict[str, Any]], returning: tuple[str, ...] = ()
) -> list[Any]:
    """INSERT every row, answering the `returning` columns of each in no particular order: one statement for all (on
    PostgreSQL one JSON record set, as insert_ignoring_conflicts; elsewhere an executemany, in multi-row VALUES
    with RETURNING, which SQLAlchemy would run row by row on SQLite if asked for answers in the order of `rows`)."""
    if not rows:
        return []
    if recordset := _as_recordset(session, table, rows, None, None, returning):
        answer = session.execute(*recordset)
        return list(answer) if returning else []
    if not returning:
        session.execute(insert(table), rows)
        return []
    return list(session.execute(_returning(table, returning), rows))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@lru_cache(maxsize=64)
def _returning(table: Table, returning: tuple[str, ...]) -> ReturningInsert[Any]:
    return insert(table).returning(*(table.c[n] for n in returning))


@lru_cache(maxsize=64)
def _upsert(
    table: Table, dialect: str, key: str, touch: str | None = None, returning: tuple[str, ...] = ()
) -> ReturningInsert[Any]:
    """INSERT ... ON CONFLICT (`key`) DO NOTHING RETURNING `key`, or with `touch` DO UPDATE (see insert_or_lock)
    RETURNING `returning`: built once (building a statement costs more than running a cached one)."""
    if touch is None:
        return _insert(dialect, table).on_conflict_do_nothing(index_elements=[table.c[key]]).returning(table.c[key])
    stmt = _insert(dialect, table).on_conflict_do_update(index_elements=[table.c[key]], set_={touch: table.c[touch]})
    return stmt.returning(*(table.c[n] for n in returning))


def _insert(dialect: str, target: Table | type[Base]) -> postgresql.Insert:
    """The dialect's INSERT, which has ON CONFLICT (SQLite's has the same methods)."""
    if dialect == "postgresql":
        return postgresql.insert(target)
    if dialect == "sqlite":
        return sqlite.insert(target)  # type: ignore[return-value]
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover - only the two supported ones reach here


# PostgreSQL: many rows as one JSON document, `INSERT .. SELECT FROM jsonb_to_recordset(..)`. The multi-row
# VALUES of executemany is a new statement text for every batch size, thousands of placeholders long, which
# psycopg re-parses in Python on every execution (its statement cache keeps short texts only); this text is the
# same for every batch of a table, its one parameter is written by orjson and read by the server. (SQLite gains
# nothing from it: a json_each record set measured as fast as executemany on insert, slower on update.)
def _as_recordset(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    key: str | None,
    touch: str | None = None,
    returning: tuple[str, ...] = (),
) -> tuple[TextualSelect | TextClause, dict[str, str]] | None:
    """The statement (see _recordset_insert) and its parameters for these rows; None where executemany is the way:
    one row, SQLite, or rows _recordset cannot write."""
    if len(rows) < 2 or _dialect(session) != "postgresql":
        return None
    if not (found := _recordset_insert(table, tuple(rows[0]), key, touch, returning)):
        return None
    sql, defaults = found
    document = _recordset(table, rows, defaults)
    return None if document is None else (sql, {"rows": document})


@lru_cache(maxsize=64)
def _recordset_insert(
    table: Table, names: tuple[str, ...], key: str | None, touch: str | None = None, returning: tuple[str, ...] = ()
) -> tuple[TextualSelect | TextClause, tuple[tuple[str, Any], ...]] | None:
    """The statement for rows with these keys, and the scalar defaults of the columns they leave out (which
    executemany would fill in and raw SQL would not); None when one left out has a computed default.
    Rows whose `key` is taken are skipped, or with `touch` locked (see insert_or_lock), in key order; the
    statement returns the `key` of those inserted, or with `returning` those columns of every row. Without a `key`
    every row is inserted (returning `returning`)."""
    if not all(name in table.c for name in names):
        return None
    omitted = [c for c in table.columns if c.name not in names and c.default is not None]
    if not all(c.default.is_scalar for c in omitted):  # type: ignore[union-attr]
        return None
    defaults = tuple((c.name, c.default.arg) for c in omitted)  # type: ignore[union-attr]
    names = names + tuple(name for name, _ in defaults)
    columns = ", ".join(f'"{n}"' for n in names)
    source = f"FROM {_records(table, names)}"
    if key is None:
        conflict = ""
    elif touch is None:
        conflict = f' ON CONFLICT ("{key}") DO NOTHING'
    else:  # rows taken in key order, whatever the document's: the order their locks are taken in
        source += f' ORDER BY "{key}"'
        conflict = f' ON CONFLICT ("{key}") DO UPDATE SET "{touch}" = "{table.name}"."{touch}"'
    returned = returning or ((key,) if key else ())
    listed = " RETURNING " + ", ".join(f'"{n}"' for n in returned) if returned else ""
    sql = text(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} {source}{conflict}{listed}')
    if not returned:
        return sql, defaults
    return sql.columns(*(table.c[n] for n in returned)), defaults  # typed: times come back in UTC, as from the ORM


def _records(table: Table, names: tuple[str, ...]) -> str:
    """The rows of the :rows document as a table `t` of these columns."""
    pg = _POSTGRESQL
    record = ", ".join(f'"{n}" {table.c[n].type.dialect_impl(pg).compile(dialect=pg)}' for n in names)
    return f"jsonb_to_recordset(CAST(:rows AS JSONB)) AS t({record})"


def _recordset(table: Table, rows: list[dict[str, Any]], defaults: tuple[tuple[str, Any], ...]) -> str | None:
    """The rows as the statement's JSON document (times as RFC 3339, in UTC); None when a JSON column holds
    None, which the JSON type stores as 'null' and a record set would read as NULL."""
    json_columns = _json_columns(table, tuple(rows[0]))
    if any(r[n] is None for n in json_columns for r in rows):
        return None
    if defaults:
        rows = [{**r, **dict(defaults)} for r in rows]
    return orjson.dumps(rows, option=orjson.OPT_UTC_Z).decode()


@lru_cache(maxsize=128)
def _json_columns(table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `names` that are JSON columns (found once: building a dialect costs more than a row)."""
    return tuple(n for n in names if isinstance(table.c[n].type.dialect_impl(_POSTGRESQL), JSON))


_POSTGRESQL = postgresql.dialect()


def update_by_key(session: Session, model: type[Base], rows: list[dict[str, Any]], key: str) -> None:
    """Each row's values written to the row whose `key` column it names: one statement for all of them (on
    PostgreSQL from one JSON record set, as insert_ignoring_conflicts does; elsewhere an executemany)."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    names = tuple(rows[0])
    postgres = len(rows) > 1 and _dialect(session) == "postgresql"
    if postgres and (document := _recordset(table, rows, ())) is not None:
        session.execute(_recordset_update(table, names, key), {"rows": document})
        return
    session.execute(_keyed_update(table, names, key), [{f"b_{n}": v for n, v in r.items()} for r in rows])


@lru_cache(maxsize=64)
def _keyed_update(table: Table, names: tuple[str, ...], key: str) -> Update:
    values: dict[str, Any] = {n: bindparam(f"b_{n}") for n in names if n != key}
    return update(table).where(table.c[key] == bindparam(f"b_{key}")).values(values)


@lru_cache(maxsize=64)
def _recordset_update(table: Table, names: tuple[str, ...], key: str) -> TextClause:
    assignments = ", ".join(f'"{n}" = t."{n}"' for n in names if n != key)
    return text(
        f'UPDATE "{table.name}" SET {assignments} FROM {_records(table, names)} '
        f'WHERE "{table.name}"."{key}" = t."{key}"'
    )


@dataclass(frozen=True, slots=True)
class Window:
    """Which rows of a list to read: `limit` rows after the sort key `after` (keyset), else after `offset` rows;
    `count` also counts the matches, up to `count_cap` + 1 when given (more than the cap: stop counting)."""

    limit: int
    offset: int = 0
    after: tuple[Any, ...] | None = None
    count: bool = False
    count_cap: int | None = None


def read_window(
    session: Session, stmt: Select[Any], order: Sequence[tuple[Any, bool]], window: Window
) -> tuple[list[Any], bool, int | None]:
    """(rows, whether more follow, total if asked) of `stmt` sorted by `order` ((column, descending) pairs, the
    last one unique). The keyset condition is written so an index on the first column bounds the scan."""
    total = None
    if window.count:
        counted = stmt if window.count_cap is None else stmt.limit(window.count_cap + 1)
        total = session.scalar(select(func.count()).select_from(counted.subquery()))
    if window.after is not None:
        stmt = stmt.where(_after(order, window.after))
    stmt = stmt.order_by(*(col.desc() if desc else col.asc() for col, desc in order))
    rows = list(session.scalars(stmt.limit(window.limit + 1).offset(0 if window.after else window.offset)))
    return rows[: window.limit], len(rows) > window.limit, total


def _after(order: Sequence[tuple[Any, bool]], key: tuple[Any, ...]) -> ColumnElement[bool]:
    (col, desc), value = order[0], key[0]
    beyond = col < value if desc else col > value
    if len(order) == 1:
        return beyond
    # (a, b) after (x, y): a beyond x, or a == x and (b, ...) after (y, ...); `a <= x` first bounds an index scan.
    return and_(col <= value if desc else col >= value, or_(beyond, _after(order[1:], key[1:])))
