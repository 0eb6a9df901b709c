"""API keys, stored hashed: the key itself is shown once, when it is created."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)  # the public part, to find the row
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the whole key
    scopes: Mapped[str] = mapped_column(String(200))  # comma-separated
    agent_id: Mapped[str | None] = mapped_column(String(128))  # an `agent` key sees this agent's interactions only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
