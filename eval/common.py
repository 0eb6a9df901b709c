"""What the evaluation scripts share: where the reference data is, and a scratch callqa (a migrated SQLite file
in a temporary folder) to run real data through the same pipeline as live ingest."""

import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.config import Settings
from service.events.model import Event
from service.history.replay import ReplayStats, replay
from service.history.runtime import Runtime, quiet_runtime
from service.interactions import repository
from service.interactions.models import Interaction
from service.migrate import upgrade
from service.sources.registry import FORMATS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"reference data not found: {path} (../shared/data is not part of a clone)")
    return path


@dataclass(frozen=True, slots=True)
class Scratch:
    runtime: Runtime
    settings: Settings

    def replay(self, fmt: str, records: Sequence[Any]) -> ReplayStats:
        return replay(self.runtime, self.settings, FORMATS[fmt], records, progress=False)

    def stored(self, interaction_id: str) -> tuple[Interaction, list[Event]]:
        with self.runtime.sessions() as session:
            row = session.get(Interaction, interaction_id)
            if row is None:
                raise LookupError(f"{interaction_id} was not stored")
            return row, repository.events_of_many(session, [interaction_id])[interaction_id]


@contextmanager
def scratch_callqa(standards_file: Path | None = None) -> Iterator[Scratch]:
    with tempfile.TemporaryDirectory(prefix="callqa-eval-") as folder:
        url = f"sqlite:///{Path(folder) / 'callqa.db'}"
        upgrade(url)
        settings = Settings(database_url=url)
        if standards_file:
            settings = settings.model_copy(update={"standards_file": standards_file})
        with quiet_runtime(settings) as runtime:
            yield Scratch(runtime, settings)
