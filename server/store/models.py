"""The tables of the store. Only server.store knows SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for a log.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class RoomUpdate(Base):
    """One CRDT update as a client sent it, in arrival order (append-only until compaction)."""

    __tablename__ = "room_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    room: Mapped[str] = mapped_column(String(64), index=True)
    doc: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoomSnapshot(Base):
    """A document's whole state up to and including update `upto_id` of the log."""

    __tablename__ = "room_snapshots"

    room: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    upto_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
