"""A calibration panel: which reviewers score which interactions, blind to each other."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONDoc, UTCDateTime


class Calibration(Base):
    __tablename__ = "calibrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    interaction_ids: Mapped[list[str]] = mapped_column(JSONDoc)
    reviewers: Mapped[list[str]] = mapped_column(JSONDoc)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
