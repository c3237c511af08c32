"""The optional C loops (bot/engine/_speedups.c) give exactly what the Python ones give."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine import identifiers, masking, measures
from bot.engine.identifiers import IdentifierExtractor
from bot.engine.speedups import native

pytestmark = pytest.mark.skipif(native is None, reason="C speedups not built (no compiler)")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Shapes around every rule the C code re-implements: units after a digit and a space
# (prefixes, \b after B/KiB/k, bytes), clock times, month names with lowercase tails,
# plain numbers and hex ids, non-ASCII digits and spaces, keys, paths, IPs.
TOKENS = [
    "5",
    "12",
    "07",
    "123456",
    "٣",
    "x9",
    "deadbeef12",
    "deadbeef1234",
    "abcdef",
    "ABCDEF12",
    "0x1f",
    "c0ffee0000000000000000000001",
    "f" * 70 + "1",
    "sec",
    "secs",
    "second",
    "secure",
    "ms",
    "msec",
    "millis",
    "millisecond",
    "min",
    "minute",
    "mint",
    "hour",
    "hours",
    "day",
    "days",
    "dayz",
    "KB",
    "KiB",
    "KiBx",
    "MB",
    "M",
    "k",
    "kB",
    "Gi",
    "GiB",
    "TB",
    "PB",
    "B",
    "Bx",
    "B_",
    "byte",
    "bytes",
    "bytesx",
    "bytex",
    "10:20",
    "1:2",
    "123:45",
    "1:23:45",
    "Jan",
    "Janu",
    "January",
    "Febr",
    "Dec",
    "Decx",
    "jan",
    "MAY",
    "May",
    "Sept",
    "vm-21",
    "req=abc123def4567",
    "session_id=77",
    "id=7",
    "user=bob",
    "/var/log/app.log",
    "/a/b1",
    "10.0.0.7",
    "10.0.0.7:8080",
    "1.2.3.4.5",
    "24.626",
    "2026-02-10",
    "14:47:35,281",
    '"GET',
    'HTTP/1.1"',
    "/api/v1/images/2640",
    "//a/b",
    "/a",
    "/a/",
    "/a/b/",
    "/a/b?x=1",
    "/é/ß~",
    "1.2.3",
    "1..2",
    ".5",
    "5.",
    "0.1.2.3",
    "ab12cd",
    "image-845",
    "ab_12",
    "ab--12",
    "ab---12",
    "a-1",
    "abcdefghijklmnopq-1",
    "vm-" + "1" * 21,
    "Vm-12",
    "vm-12x",
    "ab12c",
    "[worker-4]",
    "com.example.Vm",
    "é",
    "naïve",
    "µs",
    "3µs",
    "",
]
SEPARATORS = [" ", " ", " ", "  ", "\t", "\xa0", "\u2003", "", "\n"]


def _messages(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(TOKENS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 14)))
        for _ in range(count)
    ]


def _real_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(EXAMPLES.glob("*/logs/*")):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines()[:400])
    return lines


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return _messages(30_000, seed=11) + _real_lines()


def test_span_check_matches_the_regular_expressions(corpus):
    assert native is not None
    wrong = [m for m in corpus if native.has_span(m) != masking._has_span(m)]
    assert wrong == []


def test_word_masking_matches_python(corpus):
    assert native is not None
    wrong = []
    for message in corpus:
        words = message.split(" ")
        python = masking._mask_words(words)
        if native.mask_words(words, masking._PART_CACHE, masking._mask_part) != python:
            wrong.append(message)
    assert wrong == []


def test_identifier_scan_matches_python(corpus):
    assert native is not None
    c_side, py_side = IdentifierExtractor([r"vm-\d+"]), IdentifierExtractor([r"vm-\d+"])
    wrong = []
    for message in corpus:
        words = message.split(" ")
        found_c: list[str] = []
        found_py: list[str] = []
        native.id_words(words, c_side._words, c_side._word, found_c)
        py_side._scan_words(words, found_py)
        if found_c != found_py:
            wrong.append(message)
    assert wrong == []


def test_no_identifier_check_matches_python(corpus):
    assert native is not None
    words = {word for message in corpus for word in message.split(" ")}
    wrong = [w for w in words if native.no_identifier(w) != identifiers.no_identifier(w)]
    assert wrong == []


# Words around every rule of measures._duration_of: units (and their prefixes), clock
# times, key_ms= values, the words before a duration, a limit or a delay, in any case,
# with the separators that sit between them (including a final newline, before which
# Python's $ also matches).
DURATION_PARTS = [
    *["took", "elapsed", "duration", "latency", "response time", "Request_Time", "time"],
    *["in", "IN", "xin", "after", "spent", "wait", "waited", "timeout", "time out"],
    *["Time-Out", "timed out after", "deadline", "limit", "expected duration"],
    *["expected_latency", "threshold", "backoff", "back-off", "retry", "retrying in"],
    *["retry after", "delay", "sleeping", "cooldown", "cool down", "next attempt in"],
    *["retention", "interval", "period", "ttl", "every", "max-age", "max.age", "maxage"],
    *["5", "12", "0", "3.5", "1.2.3", "007", "9" * 70, "1:23:45", "12:30:00", "123:45:67"],
    *["1:23:456", "1:23:45.5", "1:23:45.", "5:6:7", "ms", "s", "sec", "secs", "seconds"],
    *["second", "min", "mins", "minutes", "m", "ns", "us", "µs", "Ms", "MS", "mi", "secsx"],
    *["=", ":", ": ", "==", "-", "...", "(", ",", "_", "x", "vm-21", "req_ms", "t_s"],
    *["fooMillis", "bar_millis", "baz_seconds", "timeout_ms", "connect_timeout_ms"],
    *["latencyMs", "_ms", "a_", "9x_ms", "\t", "  ", "\x1f", "é", "٣", "\n"],
    *["changes", "Rows", "keys", "10000 changes", "x-12 keys", "1.5 rows", "12 s"],
]


def test_duration_scan_matches_python(corpus):
    assert native is not None
    rng = random.Random(5)
    glue = [" ", "", "=", ":", " ", "_", ".", "\t"]
    generated = [
        "".join(rng.choice(DURATION_PARTS) + rng.choice(glue) for _ in range(rng.randint(1, 9)))
        for _ in range(60_000)
    ]
    checked = wrong = 0
    for message in [*generated, *corpus]:
        found = native.duration_of(message)
        if found is NotImplemented:  # not ASCII: the Python version answers
            assert not message.isascii()
            continue
        checked += 1
        wrong += found != measures._duration_of(message)
    assert wrong == 0
    assert checked > 50_000
    assert measures.duration_of("took 31.2s é") == 31.2  # handed back, answered in Python


def test_bad_arguments_raise_instead_of_crashing():
    assert native is not None
    with pytest.raises(TypeError):
        native.has_span(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native.mask_words(("a",), {}, str)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native.mask_words([1], {}, str)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        native.id_words(["req=a1"], {}, lambda word: ["not a tuple"], [])
    with pytest.raises(TypeError):
        native.duration_of(b"took 5 ms")  # type: ignore[arg-type]
    with pytest.raises(ZeroDivisionError):  # an error in the Python fallback propagates
        native.mask_words(["new-word-x"], {}, lambda word: 1 / 0)


def test_the_reports_are_the_same_without_the_c_loops(tmp_path):
    """The example and every eval scenario, investigated with and without the C loops."""
    from bot.evals.runner import available, prepare

    cases = [prepare(name, tmp_path / name) for name in available()]
    script = (
        "import json, sys\n"
        "from bot.investigate import investigate\n"
        "from bot.manifest import load_manifest\n"
        "out = [investigate(load_manifest(p)).report.model_dump(mode='json') for p in sys.argv[1:]]\n"
        "print(json.dumps(out))\n"
    )
    reports = {}
    for mode, extra in [("c", {}), ("python", {"LOGIQ_PURE_PYTHON": "1"})]:
        env = {**os.environ, **extra}
        command = [sys.executable, "-c", script, *map(str, cases)]
        done = subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
        reports[mode] = [_without_timings(json.dumps(r)) for r in json.loads(done.stdout)]
    assert len(reports["c"]) == len(cases) >= 14
    assert all('"hypotheses": [{' in r for r in reports["c"])
    assert reports["c"] == reports["python"]


def _without_timings(report: str) -> str:
    data = json.loads(report)
    data.pop("generated_at", None)
    for source in data.get("sources", []):
        source.pop("seconds", None)
    return json.dumps(data, sort_keys=True)


def test_template_matching_matches_python():
    """``best_match`` picks the same template as ``_best_match`` (most equal tokens, then
    most wildcards, no differing plain word), ties and thresholds included."""
    from bot.engine.templates import _best_match, _Cluster

    assert native is not None
    vocabulary = ["<*>", "<*>", "open", "opened", "closed", "t1", "t22", "hv3", "x", "a9b", "é5"]
    rng = random.Random(4)
    for _ in range(3_000):
        size = rng.randint(1, 6)
        tokens = [rng.choice(vocabulary) for _ in range(size)]
        bucket = [
            _Cluster(n + 1, [rng.choice(vocabulary) for _ in range(size)])
            for n in range(rng.randint(0, 12))
        ]
        bucket += [_Cluster(99, list(tokens))] if rng.random() < 0.2 else []
        threshold = rng.choice([0.0, 0.5, 0.8, 1.0])
        assert native.best_match(bucket, tokens, threshold) is _best_match(
            bucket, tokens, threshold
        )
    with pytest.raises(ValueError):
        native.best_match([_Cluster(1, ["a", "b"])], ["a"], 0.5)


def test_record_counting_matches_python():
    """``count_record`` leaves sources and templates as ``Engine._count`` does: undated and
    out-of-order records, errors, window edges, change templates, bucket boundaries."""
    from bot.engine.classify import classify
    from bot.engine.pipeline import Engine, EngineConfig
    from bot.engine.records import Record
    from bot.engine.state import SourceState, TemplateState

    assert native is not None
    engine = Engine(EngineConfig(start=600.0, end=1200.0, baseline_start=0.0))
    limits = engine._hooks[1]
    rng = random.Random(11)
    stamps = [None, 0.0, 59.999999, 60.0, 600.0, 1200.0, 1200.5, -30.0, 1e9]
    for _ in range(300):
        meaning = classify(rng.choice(["deployed version <*>", "request <*> done"]))
        pairs = [(SourceState("s"), TemplateState(key=1, tid=1, meaning=meaning)) for _ in range(2)]
        for n in range(rng.randint(1, 25)):
            ts = rng.choice(stamps) if rng.random() < 0.3 else rng.uniform(-100, 2000)
            record = Record("s", "f.log", n + 1, ts, None, "m", f"line {n}")
            severity = rng.randint(0, 4)
            engine._count(*pairs[0], record, severity)
            native.count_record(*pairs[1], record, severity, limits)
        (python_source, python_state), (c_source, c_state) = pairs
        assert _fields(c_source) == _fields(python_source)
        assert _fields(c_state) == _fields(python_state)
    with pytest.raises(AttributeError):
        native.count_record(SourceState("s"), None, None, 1, limits)
    with pytest.raises(TypeError):
        native.count_record(SourceState("s"), None, None, 1, (0.0, 1.0))


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__ if name != "miner"}  # type: ignore[attr-defined]


def test_identifier_sightings_match_python(monkeypatch):
    """``note_sightings`` leaves an IdIndex as the Python ``note`` loop does: tracked ids,
    first and second sightings, generations turning and the cap, in one record's order."""
    from bot.engine import state
    from bot.engine.records import Record

    assert native is not None
    rng = random.Random(5)
    stream = []
    for n in range(4_000):
        idents = list(dict.fromkeys(f"id-{rng.randint(0, 60)}" for _ in range(rng.randint(0, 4))))
        ts = None if rng.random() < 0.05 else float(rng.randint(0, 500))
        record = Record(rng.choice("ab"), "f.log", n + 1, ts, None, "m", f"line {n}")
        duration = rng.choice([None, 0.5, 2.0])
        stream.append((idents, record, rng.choice([-1, 0, 1]), duration, rng.randint(1, 6)))
    indexes = {}
    for mode in ("c", "python"):
        if mode == "python":
            monkeypatch.setattr(state, "native", None)
        index = indexes[mode] = state.IdIndex(cap=24)
        for sighting in stream:
            index.note_all(*sighting)
    c, python = indexes["c"], indexes["python"]
    assert python.dropped > 0 and python.tracks and python.once_old
    assert (c.tracks, c.once, c.once_old, c.dropped) == (
        python.tracks,
        python.once,
        python.once_old,
        python.dropped,
    )


def test_the_record_loop_matches_python(tmp_path, monkeypatch):
    """``add_records`` leaves an engine as ``add_record`` does, record by record, over the
    example and every eval scenario: sources, templates, samples and identifiers."""
    from bot.engine import pipeline
    from bot.evals.runner import available, prepare
    from bot.investigate import build_connectors, engine_config, read_all, scope_of
    from bot.manifest import load_manifest
    from connectors import Context

    cases = [prepare(name, tmp_path / name) for name in available()]
    for case in cases:
        manifest = load_manifest(case)
        items = list(read_all(build_connectors(manifest, Context()), scope_of(manifest)))
        engines = {}
        for mode in ("c", "python"):
            if mode == "python":
                monkeypatch.setattr(pipeline, "native", None)
            engine = engines[mode] = pipeline.Engine(engine_config(manifest))
            engine.add_all(items)
        monkeypatch.undo()
        assert _engine_state(engines["c"]) == _engine_state(engines["python"]), case


def _engine_state(engine) -> dict[str, object]:
    sources = {
        name: (
            _fields(source),
            {key: _fields(state) for key, state in source.templates.items()},
            [source.miner.template(tid) for tid in source.miner.ids()],
        )
        for name, source in engine.sources.items()
    }
    ids = (engine.ids.tracks, engine.ids.once, engine.ids.once_old, engine.ids.dropped)
    return {"sources": sources, "ids": ids, "passages": engine.passages}


def test_tokens_and_shape_match_python():
    """``tokens_and_shape`` splits and blanks as its Python version does:
    wildcards among punctuation, brackets alone, digits, other whitespace, non-ASCII."""
    from bot.engine import templates

    assert native is not None
    pieces = ["<*>", "<*", "*>", "<", ">", "*", "(", ")", "[]", "{", ",", ";", ":", ".", "'",
              '"', "=", "/", "-", "_", "|", "a", "b7", "٣", "é", " ", " ", "\t", "\u2003",
              "x<*>", "<*>:<*>", "\x00", "#"]  # fmt: skip
    rng = random.Random(8)
    blanked = 0
    for _ in range(20_000):
        masked = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = templates._tokens_and_shape(masked)
        assert native.tokens_and_shape(masked, templates._SEP) == expected, masked
        blanked += "<*>" in expected[0]
    assert blanked > 1_000
