"""The newest version seen of each record a source re-delivers whole (Amazon Connect contact records)."""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime


class SourceVersion(Base):
    __tablename__ = "source_versions"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(256), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)  # larger is newer
    label: Mapped[str] = mapped_column(String(64))  # the version as the source wrote it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
