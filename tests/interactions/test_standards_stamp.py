"""The standards stamp every ingest reads (service.standards.repository.stamp) on a real database: it moves when
a version or an activation is added on this connection or on another one (another process), and a book that
reads it sees the new version in force. On SQLite it is kept per connection while `PRAGMA data_version` says no
other connection committed: a stale stamp would keep scoring by the old version."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from service.standards import repository as repo
from service.standards import service as standards
from service.standards.book import StandardBook
from service.standards.loader import parse_standard
from tests.standards_support import STRICT, V1, V2

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_a_version_activated_on_another_connection_moves_the_stamp(db: sessionmaker[Session]) -> None:
    loaded = parse_standard(STRICT)
    with db() as reader, db() as writer:  # two connections held at once
        book = StandardBook(parse_standard(STRICT.replace(V2, V1)).standard)
        standards.refresh(reader, book)
        before = repo.stamp(reader)
        assert repo.stamp(reader) == before  # nothing changed: the same stamp (kept, on SQLite)
        standards.register(writer, loaded, NOW)
        repo.add_activation(writer, V2, NOW, "test", NOW)
        writer.commit()
        assert repo.stamp(reader) != before
        standards.refresh(reader, book)
        assert book.in_force_at(NOW).version == V2


def test_a_version_activated_on_this_connection_moves_the_stamp(db: sessionmaker[Session]) -> None:
    with db() as session:
        before = repo.stamp(session)
        standards.register(session, parse_standard(STRICT), NOW)
        registered = repo.stamp(session)
        assert registered != before
        repo.add_activation(session, V2, NOW, "test", NOW)
        assert repo.stamp(session) != registered
