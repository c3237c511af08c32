"""Zone-less files that miss the window by whole hours are read in the zone that fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from filekit import epoch, read

from connectors.files.zones import guess_zone


def local_log(start_utc: datetime, hours_behind: float, count: int = 120) -> str:
    """Lines every 45 s stamped in a zone ``hours_behind`` UTC, without the zone."""
    lines = []
    for i in range(count):
        at = start_utc + timedelta(seconds=45 * i) - timedelta(hours=hours_behind)
        lines.append(f"{at:%Y-%m-%d %H:%M:%S},000 INFO worker: job-{i} done")
    return "\n".join(lines) + "\n"


WINDOW_START = datetime(2026, 2, 10, 14, 30, tzinfo=UTC)


def test_local_time_eight_hours_off_is_read_in_the_fitting_zone(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "worker.log", local_log(WINDOW_START, 8))
    assert len(records) == 81  # 14:30 .. 15:30 UTC, every 45 s (the rest is past the end)
    assert records[0].ts == epoch("2026-02-10T14:30:00+00:00")
    assert records[0].text.startswith("2026-02-10 06:30:00,000")  # verbatim, as written
    assert conn.stats.notes == [
        "logs/worker.log: its stamps carry no zone and lie 8 h before the case window as "
        "read; read as UTC-08:00 (set `timezone:` on the source to say so)"
    ]


def test_a_half_hour_zone_ahead_of_utc(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "worker.log", local_log(WINDOW_START, -5.5))
    assert records and records[0].ts == epoch("2026-02-10T14:30:00+00:00")
    assert "lie 5.5 h after the case window" in conn.stats.notes[0]
    assert "UTC+05:30" in conn.stats.notes[0]


def test_files_that_meet_the_window_or_name_their_zone_are_left_alone(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "near.log", local_log(WINDOW_START, 0.5))
    assert records and conn.stats.notes == []  # overlaps as read: the engine aligns the rest
    records, conn = read(tmp_path, "named.log", local_log(WINDOW_START, 8), timezone="UTC")
    assert records == [] and conn.stats.notes == []  # the source's zone is the user's word


def test_a_file_from_another_day_is_not_pulled_into_the_window(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "old.log", local_log(WINDOW_START - timedelta(days=2), 0))
    assert records == [] and conn.stats.notes == []


def test_a_gzip_file_is_streamed_for_its_last_stamp(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "worker.log.gz", local_log(WINDOW_START, 8))
    assert len(records) == 81 and "read as UTC-08:00" in conn.stats.notes[0]


def test_a_file_too_short_to_place_is_left_alone() -> None:
    from connectors.files.layout import detect
    from connectors.files.timestamps import nearest_year

    lo, hi = epoch("2026-02-10T14:30:00+00:00"), epoch("2026-02-10T15:30:00+00:00")
    lines = ["2026-02-10 03:00:00,000 INFO a", "2026-02-10 03:00:30,000 INFO b"]
    layout = detect(lines, UTC, nearest_year(lo, hi))
    path = Path("/nonexistent/short.log")  # unreadable tail: judged by the head only
    assert guess_zone(layout, lines, path, "utf-8", UTC, (lo, hi)) is None  # 30 s of an hour
