"""Terminal rendering of a report (rich): each hypothesis with its cited lines."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.report import Evidence, Hypothesis, Report

MAX_LINE = 220


def render_text(report: Report, console: Console) -> None:
    console.print(_header(report))
    for notice in report.notices:
        console.print(f"[yellow]![/yellow] {escape(notice)}")
    if not report.hypotheses:
        console.print("[bold]No hypothesis.[/bold]")
    for hypothesis in report.hypotheses:
        console.print(_hypothesis(hypothesis))


def _header(report: Report) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_row(
        "[bold]window[/bold]",
        f"{report.window.start} → {report.window.end}"
        + (
            f" (baseline from {report.window.baseline_start})"
            if report.window.baseline_start
            else ""
        ),
    )
    sources = ", ".join(
        f"{s.name} ({s.kind}, {s.records:,}{' FAILED: ' + escape(s.error) if s.error else ''})"
        for s in report.sources
    )
    table.add_row("[bold]sources[/bold]", sources)
    for offset in report.clock_offsets:
        table.add_row(
            "[bold]clock[/bold]",
            f"{offset.source} is {offset.offset_seconds:+.1f} s vs "
            f"{offset.reference} ({offset.pairs} shared ids)",
        )
    table.add_row("[bold]reasoner[/bold]", report.reasoner)
    title = f"[bold]{escape(report.case)}[/bold] {escape(report.title)}"
    return Panel(table, title=title, title_align="left")


def _hypothesis(h: Hypothesis) -> Panel:
    parts: list = [Text(h.summary), Text("")]
    for evidence in h.evidence:
        parts.append(_evidence(evidence))
    if h.next_steps:
        parts.append(Text("\nNext steps", style="bold"))
        parts.extend(Text(f"  • {step}") for step in h.next_steps)
    parts.append(Text(f"\nsources correlated: {', '.join(h.sources_correlated)}", style="dim"))
    title = f"[bold]{h.id}[/bold] {escape(h.title)}  [cyan]confidence {h.confidence:.2f}[/cyan]  [{h.status}]"
    return Panel(Group(*parts), title=title, title_align="left")


def _evidence(evidence: Evidence) -> Text:
    marker = "+" if evidence.role == "supports" else "-"
    text = Text(f"{marker} {evidence.locator}\n", style="green" if marker == "+" else "red")
    for line in evidence.text.splitlines()[:6]:
        clipped = line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"
        text.append(f"    {clipped}\n", style="default")
    extra = len(evidence.text.splitlines()) - 6
    if extra > 0:
        text.append(f"    … {extra} more lines\n", style="dim")
    return text
