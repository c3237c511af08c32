"""Tokens sent to the model per investigation: evidence pack vs chunking every log line.

    .venv/bin/python bench/llm_tokens.py [--lines 1000000] [--budget 12000] [--no-tools]

Uses the benchmark case of ``bench/gen_large_case.py`` (generated once and cached in
``bench/out/case-N/``, the same case ``bench/throughput.py`` measures), runs the real
``investigate(load_manifest(case.yaml))``, then the real ``bot.llm.refine`` against a
local scripted Chat Completions server (``tests/llm/fake_openai.py``): the model asks for
a timeline of the most-cited id (refused as too large, with a narrowing message), then
a narrower search, then answers with a hypothesis citing ids from the request. Every request body the server received is counted with the same
``count_messages`` the investigator enforces its budget with; nothing is estimated.

The naive peer sends every log line of the case to the model in budget-sized chunks
(each chunk also carries the system prompt), counted with the same tokenizer.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "llm"))  # the scripted Chat Completions server

from throughput import ensure_case  # noqa: E402

from bot.investigate import Investigation, investigate  # noqa: E402
from bot.llm import refine  # noqa: E402
from bot.llm.investigator import AuditStep  # noqa: E402
from bot.llm.prompts import REASONER_SYSTEM, reasoner_messages  # noqa: E402
from bot.llm.refine import prepare_pack  # noqa: E402
from bot.llm.tokens import count_messages, count_tokens, encoding_name  # noqa: E402
from bot.lookup import CaseLookup  # noqa: E402
from bot.manifest import Manifest, load_manifest  # noqa: E402
from bot.settings import Settings  # noqa: E402
from connectors import Context  # noqa: E402

BATCH_LINES = 20_000
_EVIDENCE = re.compile(r"^\s*\[(E\d+)\] (\S+) (\S+)", re.MULTILINE)


def naive_tokens(manifest: Manifest) -> tuple[int, int]:
    """(lines, tokens) of every line of every file source, counted in batches."""
    lines = tokens = 0
    for source in manifest.sources:
        for pattern in getattr(source, "paths", ()):
            for path in manifest.resolve(pattern):
                batch: list[str] = []
                with path.open(encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        batch.append(line.rstrip("\n"))
                        if len(batch) == BATCH_LINES:
                            tokens += count_tokens("\n".join(batch))
                            lines += len(batch)
                            batch.clear()
                tokens += count_tokens("\n".join(batch))
                lines += len(batch)
    return lines, tokens


def _script(investigation: Investigation) -> list[Any]:
    """Tool turns (a timeline of the id most cited by the engine, then a narrower search),
    then an answer citing the first evidence ids of the request."""
    cited = [e.text for h in investigation.report.hypotheses for e in h.evidence]
    found = re.findall(r"vm-\d+", " ".join(cited)) or ["vm-1"]
    identifier = max(set(found), key=found.count)
    # the narrower question: a VM of a cited timeout line, in the timeout lines' source
    timeouts = [
        e for h in investigation.report.hypotheses for e in h.evidence if "timed out" in e.text
    ]
    narrow_id = next(
        (m.group(0) for e in timeouts if (m := re.search(r"vm-\d+", e.text))), identifier
    )
    narrow_source = timeouts[0].source if timeouts else investigation.manifest.sources[0].name

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        text = "\n".join(str(m.get("content") or "") for m in body["messages"])
        cited = [m.group(1) for m in _EVIDENCE.finditer(text)][:4]
        hypothesis = {
            "title": "Hypervisor acknowledgements arrive after the broker timeout",
            "summary": "Creations time out in the broker while the hypervisor acks late.",
            "confidence": 0.7,
            "evidence": [{"id": i, "quote": None, "role": "supports"} for i in cited],
            "next_steps": ["Compare the broker timeout with the hypervisor ack latency."],
        }
        return {"content": json.dumps({"hypotheses": [hypothesis]})}

    def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        function = {"name": name, "arguments": json.dumps(arguments)}
        return {"tool_calls": [{"id": f"call_{name}", "type": "function", "function": function}]}

    # A broad timeline is usually refused as too large; the narrower search then fits.
    narrow = {
        "source": narrow_source,
        "text": f"{narrow_id} ",
        "regex": False,
        "start": None,
        "end": None,
    }
    return [call("timeline", {"identifier": identifier}), call("search", narrow), answer]


def with_model(
    investigation: Investigation, manifest: Manifest, context: Context, budget: int, tools: bool
) -> dict[str, Any]:
    """The real refine() against a scripted local endpoint; what it received, counted."""
    from fake_openai import FakeOpenAI

    script = _script(investigation) if tools else _script(investigation)[-1:]
    with FakeOpenAI(script) as fake:
        settings = Settings(
            openai_api_key="sk-bench-local-0000000000000000",
            openai_base_url=fake.url,
            llm_model="bench-model",
            llm_budget=budget,
            llm_timeout=60.0,
        )
        steps: list[AuditStep] = []
        lookup = CaseLookup(manifest, context) if tools else None
        t0 = time.perf_counter()
        refined = refine(investigation, settings, audit=steps, lookup=lookup)
        seconds = time.perf_counter() - t0
    per_request = [count_messages(body["messages"]) for body in fake.requests]
    return {
        "requests": per_request,
        "total": sum(per_request),
        "reasoner": refined.report.reasoner,
        "hypotheses": len(refined.report.hypotheses),
        "steps": steps,
        "seconds": seconds,
        "errors": fake.errors,
    }


def run(lines: int, budget: int, tools: bool) -> dict[str, Any]:
    path = ensure_case(lines)
    manifest = load_manifest(path)
    t0 = time.perf_counter()
    context = Context(max_records=lines * 2)  # the tools read with the same cap
    investigation = investigate(manifest, context=context)
    engine_s = time.perf_counter() - t0
    settings = Settings(llm_budget=budget)
    pack = prepare_pack(investigation, settings, tools=False)
    one_shot = count_messages(
        reasoner_messages(
            pack,
            case=manifest.case,
            symptom=" ".join(filter(None, [manifest.title, manifest.symptom])),
        )
    )
    model = with_model(investigation, manifest, context, budget, tools)
    t1 = time.perf_counter()
    naive_lines, naive_log_tokens = naive_tokens(manifest)
    count_s = time.perf_counter() - t1
    system = count_tokens(REASONER_SYSTEM) + 50
    chunks = math.ceil(naive_log_tokens / (budget - system))
    return {
        "case": path,
        "lines": naive_lines,
        "records": sum(s.records for s in investigation.stats),
        "engine_s": engine_s,
        "engine_hypotheses": len(investigation.report.hypotheses),
        "one_shot": one_shot,
        "pack": count_tokens(pack.text),
        "items": len(pack.entries),
        "omitted": sum(pack.omitted.values()),
        "model": model,
        "naive": naive_log_tokens + chunks * system,
        "chunks": chunks,
        "count_s": count_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--budget", type=int, default=12_000)
    parser.add_argument("--no-tools", action="store_true", help="one-shot reasoner only")
    args = parser.parse_args(argv)
    r = run(args.lines, args.budget, tools=not args.no_tools)
    model = r["model"]
    print(f"case: {r['case']}")
    print(f"encoding: {encoding_name()}   budget (LOGIQ_LLM_BUDGET): {args.budget:,} tokens")
    print(
        f"log lines: {r['lines']:,}   records read: {r['records']:,}   "
        f"investigate(): {r['engine_s']:.1f}s   engine hypotheses: {r['engine_hypotheses']}"
    )
    print(
        f"evidence pack (one-shot sizing): {r['pack']:,} tokens, {r['items']} evidence items, "
        f"{r['omitted']} omitted; one-shot request {r['one_shot']:,} tokens"
    )
    print(
        f"LogIQ investigation as sent to the model ({len(model['requests'])} requests, "
        f"{'with' if not args.no_tools else 'without'} tools): "
        f"{' + '.join(f'{t:,}' for t in model['requests'])} = {model['total']:,} tokens; "
        f"largest request {max(model['requests'], default=0):,}; "
        f"reasoner {model['reasoner']}, {model['hypotheses']} hypotheses"
    )
    for step in model["steps"]:
        detail = f": {step.detail[:150]}" if step.kind == "tool" else ""
        print(
            f"  step {step.step}: {step.kind} {step.name} -> {step.status} "
            f"({step.tokens} tokens){detail}"
        )
    if model["errors"]:
        print(f"  endpoint rejected requests: {model['errors']}")
    print(
        f"naive chunking of all log lines: {r['naive']:,} tokens in {r['chunks']:,} requests "
        f"(counted in {r['count_s']:.1f}s)"
    )
    ratio = model["total"] / r["naive"]
    within = max(model["requests"], default=0) <= args.budget
    print(
        f"ratio LogIQ/naive: {ratio:.6f} (1/{1 / ratio:,.0f}); goal < 1/100: "
        f"{'met' if ratio < 0.01 else 'NOT met'}; every request within budget: "
        f"{'yes' if within else 'NO'}"
    )
    return 0 if within and ratio < 0.01 else 1


if __name__ == "__main__":
    raise SystemExit(main())
