"""bot.lookup.CaseLookup: repeated look-ups see the same data; a cap is said, not hidden."""

from __future__ import annotations

from bot.llm.pack import EvidencePack
from bot.llm.tools import ToolBox
from bot.lookup import CaseLookup
from bot.manifest import load_manifest
from bot.redact import Redactor
from connectors import Context

CASE = """\
case: LOOKUP-1
window: {start: 2026-02-10T14:30:00Z, end: 2026-02-10T15:30:00Z}
sources:
  - {name: app, kind: file, paths: [app.log]}
"""


def _manifest(tmp_path, lines: int):
    (tmp_path / "app.log").write_text(
        "".join(f"2026-02-10T14:{31 + n:02d}:00Z INFO job vm-{n} done\n" for n in range(lines))
    )
    (tmp_path / "case.yaml").write_text(CASE)
    return load_manifest(tmp_path / "case.yaml")


def test_every_lookup_reads_the_source_afresh(tmp_path):
    lookup = CaseLookup(_manifest(tmp_path, 10), Context(max_records=12))  # > 10, < 20
    first = lookup.search("vm-9 ")
    again = lookup.search("vm-9 ", source="app")  # the second read used to start "full"
    assert [r.line for r in first.records] == [r.line for r in again.records] == [10]
    assert lookup.timeline("vm-3").total == 1
    assert first.capped == [] and len(lookup.queries) == 3  # one read per look-up


def test_a_capped_read_is_reported_to_the_model(tmp_path):
    manifest = _manifest(tmp_path, 10)
    lookup = CaseLookup(manifest, Context(max_records=4))
    result = lookup.search("vm-8 ")
    assert result.records == [] and result.capped == ["app"]
    toolbox = ToolBox(lookup, manifest, EvidencePack(redactor=Redactor()))
    from bot.llm.client import ToolCall

    call = ToolCall("c1", "search", '{"source": "app", "text": "vm-8 ", "regex": false}')
    out = toolbox.run(call)
    assert out.status == "no_data" and "record cap in app" in out.content
