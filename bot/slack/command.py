"""``/logiq`` command text -> a typed request, and the manifest overrides it asks for.

/logiq investigate <manifest> [--since 2h | --from T --to T] [symptom words]
/logiq list | help | memory | forget <memory id> | report
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.durations import parse_duration, parse_instant
from bot.errors import LogIQError
from bot.manifest import Manifest, Window

USAGE = (
    "*Usage*\n"
    "• `/logiq investigate <manifest> [--since 2h | --from T --to T] [symptom words]` — "
    "investigate a case; replies go into the thread it starts\n"
    "• `/logiq list` — the manifests I know\n"
    "• `/logiq memory` — confirmed incidents I remember in this workspace; "
    "`/logiq forget <id>` drops one (its confirmer or an admin)\n"
    "• `/logiq report` — the write-up of this channel's latest investigation, in its thread "
    "(or say `report` in the thread)\n"
    "• `/logiq help` — this message\n"
    "Times are ISO 8601 (`2026-02-10T14:30` is read in the case's time zone). "
    "In the thread: ask `what happened to vm-21?`, `14:45-14:50`, or any words; "
    "react ✅ / ❌ on a hypothesis to confirm or reject it."
)


class CommandError(LogIQError):
    """A /logiq request that cannot run; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Command:
    action: str  # investigate | list | help | memory | forget | report
    manifest: str = ""
    since: str | None = None
    start: str | None = None
    end: str | None = None
    symptom: str = ""


def parse_command(text: str) -> Command:
    words = text.split()
    if not words or words[0] in {"help", "-h", "--help"}:
        return Command("help")
    if words[0] in {"list", "memory", "report"}:
        return Command(words[0])
    if words[0] == "forget":
        if len(words) != 2:
            raise CommandError("which memory? `/logiq forget <id>` (ids: `/logiq memory`)")
        return Command("forget", words[1])  # the memory id rides in `manifest`
    if words[0] != "investigate":
        raise CommandError(f"unknown subcommand {words[0]!r}.\n{USAGE}")
    if len(words) < 2 or words[1].startswith("--"):
        raise CommandError("which case? `/logiq investigate <manifest>` (see `/logiq list`)")
    options, symptom = _options(words[2:])
    if "since" in options and ({"from", "to"} & options.keys()):
        raise CommandError("use either `--since 2h` or `--from T --to T`, not both")
    if ({"from", "to"} & options.keys()) and not {"from", "to"} <= options.keys():
        raise CommandError("`--from` needs `--to` (and the other way round)")
    return Command(
        "investigate",
        words[1],
        options.get("since"),
        options.get("from"),
        options.get("to"),
        " ".join(symptom),
    )


def _options(words: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    rest: list[str] = []
    iterator = iter(words)
    for word in iterator:
        name, eq, value = word.partition("=")
        if name in {"--since", "--from", "--to"}:
            value = value if eq else next(iterator, "")
            if not value:
                raise CommandError(
                    f"`{name}` needs a value, e.g. `{name} "
                    + ("2h`" if name == "--since" else "2026-02-10T14:30:00Z`")
                )
            options[name[2:]] = value
        elif word.startswith("--"):
            raise CommandError(f"unknown option `{word}`; use --since, --from or --to")
        else:
            rest.append(word)
    return options, rest


def apply_overrides(manifest: Manifest, command: Command, now: float | None = None) -> Manifest:
    """The manifest with the command's window and symptom; CommandError on a bad window."""
    window = manifest.window
    zone = ZoneInfo(manifest.timezone)
    try:
        if command.since:
            span = parse_duration(command.since)
            if span.total_seconds() <= 0:
                raise ValueError("`--since` must be positive, e.g. `--since 2h`")
            end = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
            window = Window(start=end - span, end=end, baseline=window.baseline)
        elif command.start and command.end:
            window = Window(
                start=parse_instant(command.start, zone),
                end=parse_instant(command.end, zone),
                baseline=window.baseline,
            )
    except ValidationError as exc:
        raise CommandError(f"bad window: {_first(exc)}") from exc
    except ValueError as exc:
        raise CommandError(f"bad window: {exc}") from exc
    update: dict[str, object] = {"window": window}
    if command.symptom:
        update["symptom"] = command.symptom
    return manifest.model_copy(update=update)


def _first(exc: ValidationError) -> str:
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
