"""Every standard version that has judged scores, kept so a score can always be explained by its standard."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime


class StandardVersion(Base):
    __tablename__ = "standard_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    first_loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StandardActivation(Base):
    """From `effective_at` on, interactions that start then are judged by `version` (until a later activation).
    An interaction keeps the version it was first judged by: an activation never rewrites a score."""

    __tablename__ = "standard_activations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), ForeignKey("standard_versions.version"), index=True)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_by: Mapped[str] = mapped_column(String(128))  # the API key's name, `cli`, or `startup`
