"""Date-less stamps (a time of day alone): the day comes from the case window, a file
crossing midnight rolls over, and files with full date-time stamps are detected as before."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from filekit import epoch, read, scope

from connectors.files.layout import RegexLayout, detect
from connectors.files.timestamps import nearest_year


def test_time_going_back_rolls_over_to_the_next_day(tmp_path: Path) -> None:
    lines = [
        "23:59:58.100 [main] INFO  c.e.App - before midnight",
        "23:59:59.900 [main] WARN  c.e.App - last second",
        "23:59:59.500 [pool-1] INFO  c.e.App - a thread a little behind: same day",
        "00:00:00.250 [main] ERROR c.e.App - after midnight",
        "00:00:01.000 [main] INFO  c.e.App - still the next day",
    ]
    window = scope("2026-03-04T20:00:00Z", "2026-03-05T04:00:00Z")
    records, _ = read(tmp_path, "app.log", "\n".join(lines) + "\n", timezone="UTC", window=window)
    assert [r.ts for r in records] == pytest.approx(
        [
            epoch("2026-03-04T23:59:58.100+00:00"),
            epoch("2026-03-04T23:59:59.900+00:00"),
            epoch("2026-03-04T23:59:59.500+00:00"),
            epoch("2026-03-05T00:00:00.250+00:00"),
            epoch("2026-03-05T00:00:01+00:00"),
        ],
        abs=1e-6,
    )


def test_rollover_across_several_midnights_in_the_source_zone() -> None:
    lo, hi = epoch("2026-03-01T00:00:00+00:00"), epoch("2026-03-10T00:00:00+00:00")
    lines = ["[22:00:00 INF] a", "[03:00:00 INF] b", "[21:00:00 INF] c", "[01:00:00 ERR] d"]
    berlin = ZoneInfo("Europe/Berlin")
    layout = detect(lines, berlin, nearest_year(lo, hi))
    assert isinstance(layout, RegexLayout) and layout.name == "clock"
    stamps = [layout.stamp(line) for line in lines]
    # the first time takes the latest day inside the window; each step back rolls a day
    assert stamps == [
        epoch("2026-03-09T22:00:00+01:00"),
        epoch("2026-03-10T03:00:00+01:00"),
        epoch("2026-03-10T21:00:00+01:00"),
        epoch("2026-03-11T01:00:00+01:00"),
    ]


def test_day_nearest_a_window_the_time_misses() -> None:
    lo, hi = epoch("2026-03-04T08:00:00+00:00"), epoch("2026-03-04T10:00:00+00:00")
    layout = detect(["23:00:00.000 [main] INFO x - late"], UTC, nearest_year(lo, hi))
    assert layout.stamp("23:00:00.000 [main] INFO x - late") == epoch("2026-03-03T23:00:00+00:00")


@pytest.mark.parametrize(
    ("lines", "name", "offset"),
    [
        (
            [
                "2026-03-04 10:18:46,123 [main] ERROR c.e.App - failed at 10:18:45.900",
                "2026-03-04 10:18:47,001 [main] INFO  c.e.App - [10:18:47 INF] echoed",
            ],
            "iso",
            0,
        ),
        (
            [
                "[10:18:46.123] [main] ERROR 2026-03-04T10:18:46.123Z c.e.App - one",
                "[10:18:47.123] [main] INFO  2026-03-04T10:18:47.123Z c.e.App - two",
            ],
            "iso",
            None,
        ),
        (
            ["2026-03-04T10:18:46.123Z INFO only one dated line", "10:18:47 no date", "10:18:48"],
            "iso",
            0,
        ),
        (
            [
                "[2026-03-04 10:18:46] local.ERROR: boom",
                "[2026-03-04 10:18:47] local.INFO: ok",
            ],
            "iso",
            1,
        ),
        (
            ["Mar  4 10:18:46 host sshd[1]: Accepted", "Mar  4 10:18:47 host cron[2]: run"],
            "syslog",
            0,
        ),
    ],
)
def test_dated_stamps_still_win(lines: list[str], name: str, offset: int | None) -> None:
    layout = detect(lines, UTC, nearest_year(0.0 + 1.7e9, 1.8e9))
    assert isinstance(layout, RegexLayout)
    assert layout.name == name
    if offset is not None:
        assert layout.place.offset == offset


def test_time_only_needs_most_lines_at_the_line_start() -> None:
    lines = ["started at 10:18:46", "[10:18:47] one", "plain", "plain again", "more text"]
    assert detect(lines, UTC, nearest_year(1.7e9, 1.8e9)).name == "plain"
