"""`callqa retention`: the events of finished interactions older than the retention age are deleted (optionally
archived first, as callqa event JSON lines that `callqa replay` reads back), in bounded chunks, each its own
short transaction, so ingest keeps running beside it.

Scores, alerts and their evidence stay: an interaction's row keeps its final score. What goes is the raw event
history of interactions that ended (or were resolved) before the cutoff; live interactions keep every event,
since each new event is scored against them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import orjson
from sqlalchemy.orm import Session, sessionmaker

from service.db import session_scope
from service.interactions import repository as repo


@dataclass(slots=True)
class Purged:
    events: int = 0
    chunks: int = 0


def purge_events(
    sessions: sessionmaker[Session],
    cutoff: datetime,
    chunk: int,
    archive: IO[bytes] | None = None,
    progress: Callable[[Purged], None] | None = None,
) -> Purged:
    """Until nothing is left: one chunk of at most `chunk` events per transaction (archived, then deleted)."""
    done = Purged()
    while True:
        with session_scope(sessions) as session:
            records = repo.expired_events(session, cutoff, chunk)
            if not records:
                return done
            if archive is not None:  # written before the delete commits: an event is never lost, at worst twice
                archive.writelines(orjson.dumps(repo.to_event(r).as_dict()) + b"\n" for r in records)
                archive.flush()
            repo.delete_events(session, [r.id for r in records])
        done.events += len(records)
        done.chunks += 1
        if progress is not None:
            progress(done)


def open_archive(path: Path) -> IO[bytes]:
    return path.open("ab")
