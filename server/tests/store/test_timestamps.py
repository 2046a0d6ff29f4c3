"""Timestamps on SQLite: written as SQLAlchemy's own ``DateTime`` writes them (UTC, to the
microsecond, so that text compares in time order) and read back as aware UTC values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select, text

from pragma_os.store.types import UTCDateTime

MOMENTS = [
    datetime(2026, 12, 1, 9, 34, 52, 611371, tzinfo=UTC),
    datetime(2026, 12, 1, 9, 34, 52, tzinfo=UTC),  # no fraction: still written with one
    datetime(2026, 12, 1, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=3))),  # another offset
    datetime(999, 1, 1, tzinfo=UTC),
]


def test_timestamps_are_written_as_sqlalchemy_writes_them_and_read_back_in_utc(tmp_path: Path) -> None:
    metadata = MetaData()
    table = Table(
        "moments",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("ours", UTCDateTime()),
        Column("theirs", DateTime()),
        Column("label", String(10)),
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'moments.db'}")
    metadata.create_all(engine)
    with engine.begin() as connection:
        for index, moment in enumerate(MOMENTS):
            naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
            connection.execute(table.insert(), {"id": index, "ours": moment, "theirs": naive_utc})
        connection.execute(table.insert(), {"id": 99, "ours": None, "label": "none"})
        stored = connection.execute(text("SELECT ours, theirs FROM moments WHERE id < 99 ORDER BY id")).all()
        read = connection.execute(select(table.c.ours).order_by(table.c.id)).scalars().all()
        ordered = (
            connection.execute(select(table.c.id).where(table.c.id < 99).order_by(table.c.ours))
            .scalars()
            .all()
        )

    assert [ours for ours, _ in stored] == [theirs for _, theirs in stored]
    assert stored[1][0] == "2026-12-01 09:34:52.000000"
    assert read == [*MOMENTS, None]
    assert all(value.tzinfo is UTC for value in read[:-1])
    assert ordered == sorted(range(len(MOMENTS)), key=lambda index: MOMENTS[index])
