import io
import struct

from feedback_factory import T0, analysis, evidence, hypothesis, report, vm_hypothesis
from matplotlib import image

from bot import chart
from bot.engine.model import Analysis


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_png_with_rates_is_slack_preview_size_and_written_to_path(tmp_path):
    result, rates = analysis(offset=3.0)
    out = tmp_path / "timeline.png"
    png = chart.render_timeline(report([vm_hypothesis()]), result, out, rates=rates)
    assert _size(png) == (1200, 700)
    assert out.read_bytes() == png
    pixels = image.imread(io.BytesIO(png))
    assert pixels.shape[:2] == (700, 1200)
    assert pixels[..., :3].std() > 0.05  # something was drawn, not a blank canvas


def test_fallback_without_rates_writes_to_a_buffer():
    result, _ = analysis()
    buffer = io.BytesIO()
    png = chart.render_timeline(report([vm_hypothesis()]), result, buffer)
    assert buffer.getvalue() == png and _size(png) == (1200, 700)


def test_empty_analysis_still_renders():
    empty = Analysis([], [], [], {}, [], [], [])
    assert _size(chart.render_timeline(report([]), empty)) == (1200, 700)


def test_offsets_move_a_source_onto_the_reference_clock():
    result, rates = analysis(offset=120.0)
    top = hypothesis("H1", 0.8, [evidence("hypervisor", 9, "ack", T0 + 600)])
    lanes = chart._lanes(report([top]), result, rates, top, {"hypervisor": 120.0}, T0, T0 + 3600)
    hyper = next(lane for lane in lanes if lane.source == "hypervisor")
    assert hyper.marks == [T0 + 480]  # evidence is on the source clock: shifted
    assert hyper.buckets == rates["hypervisor"]  # the engine's rates are aligned already
    fallback = chart._lanes(report([top]), result, {}, top, {"hypervisor": 120.0}, T0, T0 + 3600)
    raw = min(r.ts for s in result.signals for r in s.records if r.source == "hypervisor")
    first = next(lane for lane in fallback if lane.source == "hypervisor").buckets[0][0]
    assert first <= raw - 120.0 < first + 60.0  # bucketed records are shifted


def test_only_offsets_the_engine_applied_are_used():
    result, _ = analysis(offset=30.0)
    assert chart.applied_offsets(result) == {}  # 30 s is reported, not applied
    result, _ = analysis(offset=3600.0)
    assert chart.applied_offsets(result) == {"hypervisor": 3600.0}


def test_onset_is_the_earliest_signal_onset_of_the_top_hypothesis():
    result, _ = analysis()
    top = vm_hypothesis()
    assert chart._onset(top, result, {}) == T0 + 1020
    rejected = top.model_copy(update={"status": "rejected"})
    second = hypothesis("H2", 0.4, [evidence("broker", 3, "x", T0 + 77)])
    assert chart._top(report([rejected, second])).id == "H2"
    assert chart._onset(second, Analysis([], [], [], {}, [], [], []), {}) == T0 + 77


def test_latency_points_and_limit_from_records_when_detail_is_missing():
    result, _ = analysis()
    latency = chart._latency(result, {})
    assert latency is not None and latency.limit == 30.0
    assert max(v for _, v in latency.points) > 30.0
    signal = next(s for s in result.signals if s.kind == "latency_limit")
    signal.detail.update(points=[(T0, 1.0), (T0 + 60, 40.0)], limit=25)
    latency = chart._latency(result, {})
    assert latency.points == [(T0, 1.0), (T0 + 60, 40.0)] and latency.limit == 25
