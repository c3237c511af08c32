"""The file connector: grouping, bad input, window, limits, audit and citations."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from filekit import assert_citable, connector, epoch, read, scope, write

from bot.errors import ConnectorError
from connectors.base import Connector
from connectors.files import FileConnector
from connectors.files.connector import MAX_CONTINUATION
from connectors.files.layout import MESSAGE_CAP
from connectors.files.lines import LINE_CAP

JAVA = """\
2026-02-10 14:47:01,000 INFO  [main] broker: creating vm-21
2026-02-10 14:47:03,123 ERROR [main] broker: call to hypervisor failed
java.net.SocketTimeoutException: Read timed out
\tat java.net.SocketInputStream.socketRead0(Native Method)
\tat com.example.Broker.create(Broker.java:42)

Caused by: java.io.IOException: closed
\t... 12 more
2026-02-10 14:47:04,000 WARN  [main] broker: retrying vm-21
"""

PYTHON = """\
2026-02-10 14:47:03,123 ERROR worker: job failed
Traceback (most recent call last):
  File "/app/worker.py", line 10, in run
    ack = client.create(vm)
TimeoutError: ack after 31.2 s

2026-02-10 14:47:05,000 INFO worker: next job
"""


def test_connector_satisfies_the_protocol(tmp_path: Path) -> None:
    write(tmp_path, "a.log", "2026-02-10 14:47:03 INFO a\n")
    conn = connector(tmp_path, ["logs/*.log"])
    assert isinstance(conn, Connector)
    assert conn.kind == "file" and conn.name == "app"


def test_java_stack_trace_is_one_record(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "broker.log", JAVA)
    assert [r.line for r in records] == [1, 2, 9]
    error = records[1]
    assert error.level == "ERROR"
    assert error.message == "[main] broker: call to hypervisor failed"
    assert error.text.splitlines() == JAVA.splitlines()[1:8]
    assert error.locator == "logs/broker.log:2"
    assert error.ts == epoch("2026-02-10T14:47:03.123+00:00")
    assert conn.stats.records == 3 and conn.stats.odd_lines == 0


def test_python_traceback_is_one_record_without_trailing_blank_line(tmp_path: Path) -> None:
    records, _ = read(tmp_path, "worker.log", PYTHON)
    assert len(records) == 2
    assert records[0].text.endswith("TimeoutError: ack after 31.2 s")
    assert records[0].text.count("\n") == 4
    assert records[1].line == 7


def test_lines_before_the_first_timestamp_are_records_of_their_own(tmp_path: Path) -> None:
    text = "# broker log v2\nstarted by systemd\n\n" + JAVA
    records, _ = read(tmp_path, "broker.log", text)
    assert [(r.line, r.ts) for r in records[:2]] == [(1, None), (2, None)]
    assert records[2].line == 4 and records[2].ts is not None


def test_file_without_timestamps_yields_one_record_per_line(tmp_path: Path) -> None:
    text = "alpha one\n  indented two\nthree\n"
    records, _ = read(tmp_path, "plain.txt", text)
    assert [(r.line, r.text, r.ts, r.message) for r in records] == [
        (1, "alpha one", None, "alpha one"),
        (2, "  indented two", None, "indented two"),
        (3, "three", None, "three"),
    ]


def test_crlf_line_endings(tmp_path: Path) -> None:
    records, _ = read(tmp_path, "crlf.log", JAVA.replace("\n", "\r\n"))
    assert [r.line for r in records] == [1, 2, 9]
    assert all("\r" not in r.text for r in records)
    assert records[1].text.splitlines() == JAVA.splitlines()[1:8]


def test_bare_cr_is_a_line_break(tmp_path: Path) -> None:
    text = "2026-02-10 14:47:03 INFO a\r2026-02-10 14:47:04 INFO b\rtrace line\r"
    records, _ = read(tmp_path, "cr.log", text)
    assert [(r.line, r.text) for r in records] == [
        (1, "2026-02-10 14:47:03 INFO a"),
        (2, "2026-02-10 14:47:04 INFO b\ntrace line"),
    ]


def test_invalid_utf8_is_replaced_and_counted(tmp_path: Path) -> None:
    data = b"2026-02-10 14:47:03 INFO caf\xe9 \xff\xfe\n2026-02-10 14:47:04 INFO fine\n"
    records, conn = read(tmp_path, "latin.log", data)
    assert records[0].text == "2026-02-10 14:47:03 INFO caf\ufffd \ufffd\ufffd"
    assert records[1].text == "2026-02-10 14:47:04 INFO fine"
    assert conn.stats.odd_lines == 1


def test_nul_bytes_are_replaced_and_counted(tmp_path: Path) -> None:
    data = b"2026-02-10 14:47:03 INFO a\x00b\n\x00\x00\x00\n2026-02-10 14:47:04 INFO c\n"
    records, conn = read(tmp_path, "nul.log", data)
    assert records[0].text == "2026-02-10 14:47:03 INFO a\ufffdb\n\ufffd\ufffd\ufffd"
    assert "\x00" not in records[0].message
    assert conn.stats.odd_lines == 2


def test_a_5mb_single_line_is_cut_not_fatal(tmp_path: Path) -> None:
    huge = "2026-02-10 14:47:03 INFO " + "x" * (5 << 20)
    records, conn = read(tmp_path, "huge.log", huge + "\n2026-02-10 14:47:04 INFO after\n")
    assert len(records) == 2
    assert records[0].text == huge[:LINE_CAP]
    assert len(records[0].message) <= MESSAGE_CAP
    assert records[1].line == 2 and records[1].text.endswith("after")
    assert conn.stats.odd_lines == 1


def test_runaway_line_without_break_keeps_memory_bounded(tmp_path: Path) -> None:
    data = (
        b"2026-02-10 14:47:03 INFO start\n" + b"y" * (9 << 20) + b"\n2026-02-10 14:47:05 INFO end\n"
    )
    records, conn = read(tmp_path, "runaway.log", data)
    # the cut line is too long to join its record: it continues it as a record of its own
    assert [r.line for r in records] == [1, 2, 3]
    assert records[1].text == "y" * LINE_CAP and records[1].ts == records[0].ts
    assert records[2].text == "2026-02-10 14:47:05 INFO end"
    assert conn.stats.odd_lines == 1


def test_empty_file(tmp_path: Path) -> None:
    records, conn = read(tmp_path, "empty.log", b"")
    assert records == [] and conn.stats.error is None
    assert [q.query for q in conn.stats.queries] == ["read logs/empty.log"]


def test_gz_is_read_transparently_and_cited(tmp_path: Path) -> None:
    plain, _ = read(tmp_path, "broker.log", JAVA)
    packed, _ = read(tmp_path, "broker.log.gz", JAVA)
    assert [(r.line, r.text, r.ts) for r in packed] == [(r.line, r.text, r.ts) for r in plain]
    assert packed[1].locator == "logs/broker.log.gz:2"


def test_a_corrupt_gz_among_good_files_is_noted(tmp_path: Path) -> None:
    write(tmp_path, "a.log", JAVA)
    (tmp_path / "logs" / "b.log.gz").write_bytes(b"this is not gzip data\n")
    conn = connector(tmp_path, ["logs/*"])
    records = list(conn.read(scope()))
    assert len(records) == 3
    assert conn.stats.notes == ["cannot read logs/b.log.gz: not a gzip file"]
    assert conn.stats.error is None


def test_truncated_gz_keeps_what_was_read(tmp_path: Path) -> None:
    lines = "".join(
        f"2026-02-10 14:47:{i % 60:02d} INFO line {i} {os.urandom(8).hex()}\n" for i in range(4000)
    )
    (tmp_path / "logs").mkdir()
    packed = gzip.compress(lines.encode())
    (tmp_path / "logs" / "cut.log.gz").write_bytes(packed[: len(packed) // 2])
    conn = connector(tmp_path, ["logs/cut.log.gz"])
    records = list(conn.read(scope()))
    assert 0 < len(records) < 4000
    assert [r.line for r in records] == list(range(1, len(records) + 1))
    assert len(conn.stats.notes) == 1
    assert conn.stats.notes[0].startswith("cannot read logs/cut.log.gz past line ")
    assert conn.stats.notes[0].endswith(": truncated gzip file")
    assert conn.stats.error is None


def _unreadable(tmp_path: Path, name: str) -> None:
    """A file that opens but cannot be read even by root: a link to /proc/self/mem."""
    (tmp_path / "logs").mkdir(exist_ok=True)
    os.symlink("/proc/self/mem", tmp_path / "logs" / name)


def test_unreadable_only_file_raises_connector_error(tmp_path: Path) -> None:
    _unreadable(tmp_path, "x.log")
    conn = connector(tmp_path, ["logs/x.log"])
    with pytest.raises(ConnectorError) as err:
        list(conn.read(scope()))
    assert err.value.source == "app"
    assert err.value.reason == "cannot read logs/x.log: input/output error"


def test_unreadable_file_among_others_is_noted_and_others_read(tmp_path: Path) -> None:
    write(tmp_path, "a.log", JAVA)
    _unreadable(tmp_path, "b.log")
    conn = connector(tmp_path, ["logs/*.log"])
    records = list(conn.read(scope()))
    assert {r.path for r in records} == {"logs/a.log"}
    assert conn.stats.notes == ["cannot read logs/b.log: input/output error"]
    assert conn.stats.error is None
    assert [q.status for q in conn.stats.queries] == ["ok", "error"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path, "x.log", JAVA)
    path.chmod(0)
    conn = connector(tmp_path, ["logs/x.log"])
    with pytest.raises(ConnectorError, match=r"cannot read logs/x\.log: permission denied"):
        list(conn.read(scope()))


def test_no_matching_file_raises(tmp_path: Path) -> None:
    conn = connector(tmp_path, ["logs/none-*.log"])
    with pytest.raises(ConnectorError, match="no file matches logs/none-"):
        list(conn.read(scope()))


def test_window_skips_records_and_their_continuations(tmp_path: Path) -> None:
    text = (
        "header without time\n"
        "2026-02-10 13:00:00 ERROR early\n\tat early.trace\n"
        "2026-02-10 14:10:00 INFO baseline\n"
        "2026-02-10 14:47:03 ERROR inside\n\tat inside.trace\n"
        "2026-02-10 16:00:00 ERROR late\n\tat late.trace\n"
    )
    window = scope(baseline="2026-02-10T14:00:00Z")
    records, conn = read(tmp_path, "w.log", text, window=window)
    assert [r.text for r in records] == [
        "header without time",
        "2026-02-10 14:10:00 INFO baseline",
        "2026-02-10 14:47:03 ERROR inside\n\tat inside.trace",
    ]
    assert conn.stats.out_of_window == 2
    assert conn.stats.records == 3


def test_max_records_stops_and_notes(tmp_path: Path) -> None:
    write(tmp_path, "a.log", "".join(f"2026-02-10 14:47:{i:02d} INFO n{i}\n" for i in range(30)))
    write(tmp_path, "b.log", "2026-02-10 14:48:00 INFO other\n")
    conn = connector(tmp_path, ["logs/*.log"], max_records=10)
    records = list(conn.read(scope()))
    assert [r.message for r in records] == [f"n{i}" for i in range(10)]
    assert conn.stats.records == 10
    assert conn.stats.notes == [
        "stopped at 10 records (max_records) in logs/a.log; 1 more file(s) not read"
    ]


def test_continuation_cap_splits_a_runaway_record(tmp_path: Path) -> None:
    trace = "".join(f"\tat frame{i}\n" for i in range(450))
    text = "2026-02-10 14:47:03 ERROR boom\n" + trace + "2026-02-10 14:47:04 INFO next\n"
    records, _ = read(tmp_path, "cap.log", text)
    sizes = [r.text.count("\n") + 1 for r in records]
    assert sizes == [MAX_CONTINUATION + 1, MAX_CONTINUATION + 1, 450 - 2 * MAX_CONTINUATION - 1, 1]
    assert all(r.ts == records[0].ts for r in records[:3])
    assert records[1].level is None and records[1].line == MAX_CONTINUATION + 2
    assert sum(sizes) == text.count("\n")


def test_character_cap_splits_a_record(tmp_path: Path) -> None:
    trace = "".join(f"\tat {'z' * 1000} {i}\n" for i in range(100))
    records, _ = read(tmp_path, "wide.log", "2026-02-10 14:47:03 ERROR wide\n" + trace)
    assert len(records) == 2
    assert all(len(r.text) < 65_536 for r in records)


def test_files_are_read_in_sorted_order_once_each(tmp_path: Path) -> None:
    write(tmp_path, "b.log", "2026-02-10 14:47:01 INFO b\n")
    write(tmp_path, "a.log", "2026-02-10 14:47:02 INFO a\n")
    conn = connector(tmp_path, ["logs/b.log", "logs/*.log"])
    records = list(conn.read(scope()))
    assert [r.path for r in records] == ["logs/a.log", "logs/b.log"]
    assert [q.query for q in conn.stats.queries] == ["read logs/a.log", "read logs/b.log"]
    assert [q.count for q in conn.stats.queries] == [1, 1]


def test_cite_edge_cases(tmp_path: Path) -> None:
    _, conn = read(tmp_path, "broker.log", JAVA)
    assert conn.cite("logs/broker.log:99") is None
    assert conn.cite("logs/broker.log:0") is None
    assert conn.cite("logs/broker.log") is None
    assert conn.cite("logs/other.log:1") is None
    assert conn.cite("../../etc/passwd:1") is None
    # a continuation line cited on its own gives that line and the rest of its record
    assert conn.cite("logs/broker.log:3") == "\n".join(JAVA.splitlines()[2:8])


def test_cite_without_read_and_across_chunks(tmp_path: Path) -> None:
    body = []
    for i in range(20_000):
        body.append(
            f"2026-02-10 14:{i // 600 % 60:02d}:{i % 60:02d},{i % 1000:03d} INFO vm-{i} ok\r\n"
        )
        if i % 7 == 0:
            body.append(f"\tat frame {i}\r\n\tat other {'w' * (i % 300)}\r\n")
    write(tmp_path, "big.log", "".join(body))
    reader = connector(tmp_path, ["logs/big.log"])
    records = list(reader.read(scope("2026-02-10T14:00:00Z", "2026-02-10T15:00:00Z")))
    assert len(records) == 20_000
    fresh = connector(tmp_path, ["logs/big.log"])  # never read: builds its own index
    sample = records[::97] + records[-3:]
    for record in sample:
        assert fresh.cite(record.locator) == record.text
    assert_citable(reader, sample)


def test_registry_builds_the_file_connector(tmp_path: Path) -> None:
    from connectors.registry import connector_class

    assert connector_class("file") is FileConnector
