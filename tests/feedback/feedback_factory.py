"""Hand-built reports and analyses for the feedback tests (no engine, no shared data)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.model import Analysis, Citation, Draft, Offset, Signal
from bot.engine.records import Record, iso
from bot.report import Evidence, Hypothesis, Report, SourceOut, WindowOut

T0 = datetime(2026, 2, 10, 14, 30, tzinfo=UTC).timestamp()  # window start
T1 = T0 + 3600


def evidence(source: str, line: int, text: str, ts: float | None = None) -> Evidence:
    return Evidence(
        source=source, locator=f"logs/{source}.log:{line}", line=line, timestamp=iso(ts), text=text
    )


def hypothesis(
    hid: str,
    confidence: float,
    lines: list[Evidence],
    *,
    title: str | None = None,
    kind: str = "disagreement",
    steps: list[str] | None = None,
) -> Hypothesis:
    return Hypothesis(
        id=hid,
        rank=int(hid[1:]),
        title=title or f"Hypothesis {hid} about vm-{hid[1:]}",
        summary=f"Summary of {hid}.",
        confidence=confidence,
        evidence=lines,
        sources_correlated=sorted({e.source for e in lines}),
        next_steps=steps if steps is not None else [f"check {hid}"],
        kind=kind,
    )


def vm_hypothesis(hid: str = "H1", confidence: float = 0.8) -> Hypothesis:
    return hypothesis(
        hid,
        confidence,
        [
            evidence(
                "broker",
                1042,
                "2026-02-10T14:47:03Z ERROR create vm-21 timed out after 30s session=9f3a2c1d",
                T0 + 1023,
            ),
            evidence(
                "hypervisor",
                88,
                "2026-02-10T14:47:05Z INFO vm-21 created, ack sent after 31.2s",
                T0 + 1025,
            ),
        ],
        title="Hypervisor acknowledgements arrive after the broker's 30 s timeout",
        steps=["Raise the broker timeout above p99 ack latency", "Make VM creation idempotent"],
    )


def report(hypotheses: list[Hypothesis], **extra) -> Report:
    return Report(
        case=extra.pop("case", "INC-4821"),
        title="VM creation fails after the 20th machine",
        symptom="Customers report VM creation failing after ~20 machines.",
        window=WindowOut(start=iso(T0), end=iso(T1)),
        sources=[
            SourceOut(name="broker", kind="file", records=1200),
            SourceOut(name="hypervisor", kind="file", records=800),
            SourceOut(name="tickets", kind="jira", records=3),
        ],
        hypotheses=hypotheses,
        **extra,
    )


def record(source: str, line: int, ts: float, level: str, message: str) -> Record:
    text = f"{iso(ts)} {level} {message}"
    return Record(
        source=source,
        path=f"logs/{source}.log",
        line=line,
        ts=ts,
        level=level,
        message=message,
        text=text,
    )


def analysis(*, offset: float = 0.0) -> tuple[Analysis, dict[str, list[tuple[float, int, int]]]]:
    """Broker errors ramp up after T0+1000 s; hypervisor acks get slower; a latency signal."""
    broker = [
        record(
            "broker",
            i + 1,
            T0 + i * 20,
            "ERROR" if i > 50 and i % 3 == 0 else "INFO",
            f"create vm-{i} took {0.5 + i * 0.2:.1f}s timeout=30s",
        )
        for i in range(170)
    ]
    hyper = [
        record(
            "hypervisor",
            i + 1,
            T0 + i * 25 + offset,
            "INFO",
            f"vm-{i} created, ack sent after {0.4 + i * 0.22:.1f}s",
        )
        for i in range(140)
    ]
    latency = Signal(
        kind="latency_limit",
        title="ack latency crosses the 30 s broker timeout",
        score=0.9,
        sources=("hypervisor",),
        records=hyper[100:140],
        onset=T0 + 2500,
    )
    burst = Signal(
        kind="burst",
        title="broker errors",
        score=0.7,
        sources=("broker",),
        records=[r for r in broker if r.level == "ERROR"],
        onset=T0 + 1020,
    )
    draft = Draft(
        title="Hypervisor acknowledgements arrive after the broker's 30 s timeout",
        summary="s",
        confidence=0.8,
        kind="disagreement",
        citations=[Citation(broker[120]), Citation(hyper[120])],
        sources_correlated=["broker", "hypervisor"],
        next_steps=[],
        signals=[burst, latency],
    )
    result = Analysis(
        drafts=[draft],
        signals=[burst, latency],
        templates=[],
        timelines={},
        offsets=[Offset("hypervisor", "broker", offset, 40, applied=abs(offset) >= 120)]
        if offset
        else [],
        passages=[],
        series=[],
        counts={"broker": 170, "hypervisor": 140},
    )
    rates = {name: _rates(recs, 60.0) for name, recs in (("broker", broker), ("hypervisor", hyper))}
    return result, rates


def _rates(records: list[Record], width: float) -> list[tuple[float, int, int]]:
    out: dict[float, list[int]] = {}
    for r in records:
        slot = T0 + (r.ts - T0) // width * width
        counts = out.setdefault(slot, [0, 0])
        counts[0] += 1
        counts[1] += r.level == "ERROR"
    return [(t, e, x) for t, (e, x) in sorted(out.items())]
