"""The ``logiq`` command: investigate a case offline, evaluate, serve Slack, run workers.

Exit codes: 0 success, 1 failure inside a step, 2 bad input (manifest, arguments,
scope, configuration) — always one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot.durations import parse_duration, parse_instant
from bot.errors import LogIQError
from bot.manifest import Manifest, Window, load_manifest
from connectors import Context

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
logger = logging.getLogger("logiq")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logiq", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="show queries and steps")
    commands = parser.add_subparsers(dest="command", required=True)

    investigate = commands.add_parser("investigate", help="investigate a case manifest offline")
    investigate.add_argument("manifest", type=Path)
    investigate.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    investigate.add_argument("--since", help="window = the last DURATION (e.g. 2h) up to now")
    investigate.add_argument("--from", dest="start", help="window start (ISO 8601)")
    investigate.add_argument("--to", dest="end", help="window end (ISO 8601)")
    investigate.add_argument("--out", type=Path, help="write the report to FILE")
    investigate.add_argument("--chart", type=Path, help="also write the timeline PNG to FILE")
    investigate.add_argument(
        "--llm",
        choices=["off", "auto"],
        default="auto",
        help="use the configured LLM when there is one (default: auto)",
    )
    investigate.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show queries and steps",
    )

    evaluate = commands.add_parser("eval", help="score the engine on the scenario corpus")
    evaluate.add_argument("rest", nargs=argparse.REMAINDER)

    serve = commands.add_parser("serve", help="run the Slack app (HTTP, or Socket Mode)")
    serve.add_argument("--socket-mode", action="store_true")
    worker = commands.add_parser("worker", help="run a job worker on the Redis queue")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["eval"]:  # own parser: argparse's REMAINDER rejects leading --options
        from bot.evals.runner import main as eval_main

        return eval_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return _dispatch(args)
    except LogIQError as exc:
        print(f"logiq: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one line for the user, the traceback with -v
        logger.debug("unexpected error", exc_info=True)
        if args.verbose:
            raise
        print(
            f"logiq: internal error: {type(exc).__name__}: {exc} (run with -v for details)",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "investigate":
        return run_investigate(args)
    if args.command == "eval":
        from bot.evals.runner import main as eval_main

        return eval_main(args.rest)
    from bot.settings import Settings

    settings = Settings()
    if args.command == "serve":
        from bot.serve import serve

        return serve(settings, socket_mode=args.socket_mode)
    from bot.worker import run_worker

    return run_worker(settings, burst=args.burst)


def window_override(
    manifest: Manifest, since: str | None, start: str | None, end: str | None
) -> Manifest:
    """Apply ``--since`` / ``--from`` / ``--to`` to the manifest's window."""
    if since and (start or end):
        raise LogIQError("use either --since or --from/--to, not both")
    if not (since or start or end):
        return manifest
    window = manifest.window
    try:
        if since:
            now = datetime.now(UTC)
            new_start, new_end = now - parse_duration(since), now
        else:
            new_start = parse_instant(start) if start else window.start
            new_end = parse_instant(end) if end else window.end
        return manifest.with_window(Window(start=new_start, end=new_end, baseline=window.baseline))
    except ValueError as exc:
        raise LogIQError(f"bad window: {str(exc).splitlines()[-1]}") from exc


def run_investigate(args: argparse.Namespace) -> int:
    from bot.investigate import investigate
    from bot.scope import check_scope
    from bot.settings import Settings

    manifest = window_override(load_manifest(args.manifest), args.since, args.start, args.end)
    settings = Settings()
    # On a laptop the CLI reads what its user points it at; a configured allow-list holds.
    check_scope(
        manifest, roots=settings.allowed_roots or None, hosts=settings.allowed_hosts or None
    )
    err = Console(stderr=True)
    context = Context(env=dict(os.environ), max_records=settings.max_records_per_source)
    with _progress(err) as progress:
        investigation = investigate(manifest, context=context, progress=progress)
    steps: list = []
    if args.llm == "auto":
        from bot.llm import refine
        from bot.lookup import CaseLookup

        lookup = CaseLookup(manifest, context)
        investigation = refine(investigation, settings, audit=steps, lookup=lookup)
    if args.verbose:
        _print_audit(investigation, err)
        for step in steps:
            err.print(f"[dim]llm {escape(step.line())}[/dim]", highlight=False, soft_wrap=True)
    output = _render(investigation.report, args.format, capture=args.out is not None)
    if args.out:
        args.out.write_text(output or "", encoding="utf-8")
        err.print(f"report written to {args.out}")
    elif isinstance(output, str):
        sys.stdout.write(output)
    if args.chart:
        from bot.chart import render_timeline

        render_timeline(investigation.report, investigation.analysis, args.chart)
        err.print(f"timeline written to {args.chart}")
    failed = [s for s in investigation.report.sources if s.error]
    for source in failed:
        print(f"logiq: source {source.name!r} could not be read: {source.error}", file=sys.stderr)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _render(report, fmt: str, capture: bool = False) -> str | None:
    if fmt == "json":
        return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        from bot.render.markdown import render_markdown

        return render_markdown(report)
    from bot.render.text import render_text

    if sys.stdout.isatty() and not capture:
        render_text(report, Console())
        return None
    buffer = io.StringIO()
    render_text(report, Console(file=buffer, width=140, color_system=None))
    return buffer.getvalue()


class _progress:
    """A rich progress line on a terminal; silent otherwise (pipes, CI)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.status = None

    def __enter__(self):
        if not self.console.is_terminal:
            return None
        self.status = self.console.status("reading sources…")
        self.status.__enter__()
        return self.update

    def update(self, source: str, count: int) -> None:
        if self.status is not None:
            self.status.update(f"reading {source}: {count:,} records")

    def __exit__(self, *exc) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)


def _print_audit(investigation, console: Console) -> None:
    for stats in investigation.stats:
        for query in stats.queries:
            line = (
                f"{query.source}: {query.query} [{query.window}] → {query.count} "
                f"in {query.duration_ms:.0f} ms ({query.status})"
            )
            console.print(f"[dim]{escape(line)}[/dim]", highlight=False, soft_wrap=True)
        for note in stats.notes:
            console.print(
                f"[dim]{escape(f'{stats.name}: {note}')}[/dim]", highlight=False, soft_wrap=True
            )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
