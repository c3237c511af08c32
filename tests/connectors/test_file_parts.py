"""A file read in parts gives exactly the records of one full read, line numbers included."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from connectors.files.parts import FilePart, splittable
from tests.connectors.filekit import connector, scope


def _log(lines: int, *, newline: str = "\n", trace_every: int = 7) -> str:
    out = ["starting up (no stamp yet)", "  config loaded"]
    for i in range(lines):
        second = i % 3600
        stamp = f"2026-02-10T14:{30 + second // 120:02d}:{(second // 2) % 60:02d}.{i % 1000:03d}Z"
        out.append(f"{stamp} ERROR request {i} failed" if i % 11 == 0 else f"{stamp} INFO ok {i}")
        if i % trace_every == 0:
            out += ["java.lang.IllegalStateException: boom", f"\tat a.B.c(B.java:{i})", ""]
    return newline.join(out) + newline


def _records(path: Path, part: FilePart | None = None) -> list[tuple[int, float | None, str]]:
    reader = connector(path.parent, [path.name])
    return [(r.line, r.ts, r.text) for r in reader.read(scope(), part)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("count", [2, 3, 8])
def test_parts_together_are_the_whole_file(tmp_path: Path, newline: str, count: int) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(_log(1500, newline=newline).encode())
    whole = _records(path)
    parts = [r for i in range(count) for r in _records(path, FilePart(i, count))]
    assert len(whole) > 1500
    assert parts == whole


def test_more_parts_than_records_still_reads_each_once(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text(_log(3, trace_every=1), encoding="utf-8")
    whole = _records(path)
    assert [r for i in range(16) for r in _records(path, FilePart(i, 16))] == whole


def test_a_bare_carriage_return_after_the_head_keeps_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    text = _log(2000)
    cut = len(text) // 3
    cut = text.index("\n", cut)
    path.write_bytes((text[:cut] + "\r" + text[cut + 1 :]).encode())  # one old-Mac break
    assert [r for i in range(3) for r in _records(path, FilePart(i, 3))] == _records(path)


def test_only_plain_files_in_an_ascii_compatible_encoding_are_split(tmp_path: Path) -> None:
    plain = tmp_path / "app.log"
    plain.write_text(_log(10), encoding="utf-8")
    packed = tmp_path / "app.log.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    wide = tmp_path / "wide.log"
    wide.write_text(_log(10), encoding="utf-16")
    assert splittable(plain, "utf-8")
    assert not splittable(packed, "utf-8")
    assert not splittable(wide, "utf-16")
    assert not splittable(plain, "no-such-codec")
    assert connector(tmp_path, ["app.log"]).splittable() == plain
    assert connector(tmp_path, ["*.log"]).splittable() is None  # two files


def test_a_part_of_a_source_with_several_files_is_refused(tmp_path: Path) -> None:
    for name in ("a.log", "b.log"):
        (tmp_path / name).write_text(_log(5), encoding="utf-8")
    with pytest.raises(ValueError, match="cannot be split"):
        list(connector(tmp_path, ["*.log"]).read(scope(), FilePart(0, 2)))


def test_a_log_that_grows_between_the_parts_is_cut_the_same_way(tmp_path: Path) -> None:
    """The planner's size snapshot fixes the cuts: a part read after more lines were
    appended still starts where the earlier part stopped, and the last part reads them."""
    path = tmp_path / "app.log"
    text = _log(3000)
    head, tail = text[: len(text) * 2 // 3], text[len(text) * 2 // 3 :]
    cut = head.rindex("\n") + 1
    head, tail = text[:cut], text[cut:]
    path.write_text(head, encoding="utf-8")
    size = path.stat().st_size
    first = _records(path, FilePart(0, 2, size))
    path.write_text(head + tail, encoding="utf-8")  # appended while part 0 was read
    second = _records(path, FilePart(1, 2, size))
    assert first + second == _records(path)


@pytest.mark.parametrize("count", [1, 3])
def test_the_readers_line_index_cites_what_a_full_scan_cites(tmp_path: Path, count: int) -> None:
    """The connector that cites in the parent process takes over the readers' line
    indexes instead of reading the file again; every line cites as after a full scan."""
    path = tmp_path / "app.log"
    path.write_bytes(_log(40_000).encode())
    readers = [connector(tmp_path, ["app.log"]) for _ in range(count)]
    for i, reader in enumerate(readers):
        list(reader.read(scope(), FilePart(i, count) if count > 1 else None))
    citing, scanning = connector(tmp_path, ["app.log"]), connector(tmp_path, ["app.log"])
    citing.take_over([reader.handoff() for reader in readers])
    assert citing._files["app.log"].complete  # nothing left to scan
    total = path.read_bytes().count(b"\n")
    for number in [*range(1, 40), *range(40, total + 1, 97), total]:
        assert citing.cite(f"app.log:{number}") == scanning.cite(f"app.log:{number}"), number


def test_a_part_that_stopped_early_leaves_the_file_to_be_scanned(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(_log(3000).encode())
    first, second = connector(tmp_path, ["app.log"]), connector(tmp_path, ["app.log"])
    list(first.read(scope(), FilePart(0, 2)))
    stopped = second.read(scope(), FilePart(1, 2))
    next(stopped)  # the part was not read to its end
    citing = connector(tmp_path, ["app.log"])
    citing.take_over([first.handoff(), second.handoff()])
    assert not citing._list_files()[0].complete
    assert citing.cite("app.log:2999") == connector(tmp_path, ["app.log"]).cite("app.log:2999")


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64])
def test_line_breaks_are_counted_across_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    from connectors.files import parts

    monkeypatch.setattr(parts, "_BLOCK", block)
    path = tmp_path / "mixed.log"
    data = b"a\r\nbb\rc\n\r\n\r\rd\r\n\ne\r"
    path.write_bytes(data)
    for end in range(len(data) + 1):
        head = data[:end].decode()
        assert parts._breaks(path, end) == len(head.splitlines()) - (
            1 if head and not head.endswith(("\n", "\r")) else 0
        ), (block, end)
