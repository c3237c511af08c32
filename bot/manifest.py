"""Case manifests: the YAML contract that scopes one investigation (see DESIGN.md).

``load_manifest(path)`` returns a validated :class:`Manifest` or raises
:class:`~bot.errors.ManifestError` whose message names the field, the bad value and
the fix, e.g. ``sources[1].paths: no file matches 'logs/brokr-*.log' (relative to
examples/vm-timeout)``. Unknown keys are errors: a typo must never be ignored.
"""

from __future__ import annotations

import difflib
import glob
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.durations import parse_duration, parse_instant
from bot.errors import ManifestError

SOURCE_KINDS = ("file", "loki", "elasticsearch", "prometheus", "jira", "notes", "docs")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like UTC or Europe/Berlin"
        ) from exc
    return value


class Window(_Strict):
    start: datetime
    end: datetime
    baseline: timedelta | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> datetime:
        return parse_instant(value if isinstance(value, datetime) else str(value))

    @field_validator("baseline", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}; "
                "swap them or widen the window"
            )
        return self

    @property
    def baseline_start(self) -> datetime:
        return self.start - (self.baseline or timedelta(0))


class Auth(_Strict):
    """Names of environment variables holding credentials, never the secrets themselves."""

    email_env: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    token_env: str | None = None


class _Source(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    max_records: int | None = Field(default=None, gt=0)


class FileSource(_Source):
    kind: Literal["file"]
    paths: list[str] = Field(min_length=1)
    timezone: str | None = None
    encoding: str = "utf-8"

    _tz = field_validator("timezone")(lambda cls, v: v if v is None else _zone(v))


class DocumentSource(_Source):
    kind: Literal["notes", "docs"]
    paths: list[str] = Field(min_length=1)


class JiraSource(_Source):
    kind: Literal["jira"]
    url: str
    jql: str | None = None
    keys: list[str] = Field(default_factory=list)
    flavor: Literal["auto", "cloud", "server"] = "auto"
    auth: Auth | None = None
    timeout: float = Field(default=10.0, gt=0)


class LokiSource(_Source):
    kind: Literal["loki"]
    url: str
    query: str
    auth: Auth | None = None
    tenant: str | None = None
    limit: int = Field(default=5000, gt=0)
    timeout: float = Field(default=10.0, gt=0)


class ElasticFields(_Strict):
    timestamp: str = "@timestamp"
    message: str = "message"
    level: str | None = "level"


class ElasticsearchSource(_Source):
    kind: Literal["elasticsearch"]
    url: str
    index: str
    query: str = "*"
    fields: ElasticFields = ElasticFields()
    flavor: Literal["auto", "elasticsearch", "opensearch"] = "auto"
    auth: Auth | None = None
    page_size: int = Field(default=1000, gt=0, le=10000)
    timeout: float = Field(default=10.0, gt=0)


class PromQuery(_Strict):
    expr: str
    name: str | None = None
    threshold: float | None = None


class PrometheusSource(_Source):
    kind: Literal["prometheus"]
    url: str
    queries: list[PromQuery] = Field(min_length=1)
    step: timedelta = timedelta(seconds=30)
    auth: Auth | None = None
    timeout: float = Field(default=10.0, gt=0)

    @field_validator("queries", mode="before")
    @classmethod
    def _plain_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"expr": q} if isinstance(q, str) else q for q in value]
        return value

    @field_validator("step", mode="before")
    @classmethod
    def _step(cls, value: Any) -> timedelta:
        return parse_duration(value)


Source = Annotated[
    FileSource | DocumentSource | JiraSource | LokiSource | ElasticsearchSource | PrometheusSource,
    Field(discriminator="kind"),
]


class Correlate(_Strict):
    ids: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("ids")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        import re

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from exc
        return patterns


class Manifest(_Strict):
    case: str = Field(min_length=1)
    title: str = ""
    symptom: str = ""
    window: Window
    timezone: str = "UTC"
    sources: list[Source] = Field(min_length=1)
    correlate: Correlate = Correlate()
    # Set by the loader, not by the YAML: the folder relative paths resolve against.
    base_dir: Path = Field(default=Path("."), exclude=True)

    _tz = field_validator("timezone")(lambda cls, v: _zone(v))

    @model_validator(mode="after")
    def _unique_names(self) -> Manifest:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} is used twice; names must be unique")
            seen.add(source.name)
        return self

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def with_window(self, window: Window) -> Manifest:
        return self.model_copy(update={"window": window})

    def resolve(self, pattern: str) -> list[Path]:
        """Files matching one glob of a source, relative to the manifest folder, sorted."""
        full = pattern if os.path.isabs(pattern) else str(self.base_dir / pattern)
        return [Path(p) for p in sorted(glob.glob(full, recursive=True)) if os.path.isfile(p)]

    def relative(self, path: Path | str) -> str:
        """A path as it appears in locators: relative to the manifest folder when inside it.

        Symbolic links are not followed: a locator names the file the way the glob found it.
        """
        path = Path(os.path.abspath(path))
        base = Path(os.path.abspath(self.base_dir))
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return path.as_posix()


# --------------------------------------------------------------------------- loading


def load_manifest(path: str | Path, *, check_files: bool = True) -> Manifest:
    """Read, parse and validate a manifest file; every problem is a ManifestError."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: manifest not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest ({exc})") from exc
    return parse_manifest(raw, base_dir=path.parent, origin=str(path), check_files=check_files)


def parse_manifest(
    text: str, *, base_dir: Path, origin: str = "<manifest>", check_files: bool = True
) -> Manifest:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(f"{origin}:{where}: invalid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise ManifestError(
            f"{origin}: a manifest is a YAML mapping with keys case, window, sources"
        )
    try:
        manifest = Manifest.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise ManifestError(f"{origin}: {_describe(exc, data)}") from exc
    if check_files:
        _check_paths(manifest)
    return manifest


def _check_paths(manifest: Manifest) -> None:
    for index, source in enumerate(manifest.sources):
        for pattern in getattr(source, "paths", ()):
            if not manifest.resolve(pattern):
                raise ManifestError(
                    f"sources[{index}].paths: no file matches {pattern!r} "
                    f"(relative to {manifest.base_dir.as_posix()}); fix the glob or the folder"
                )


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    """The first validation error as one line: field, bad value, and how to fix it."""
    errors = exc.errors()
    # A typo'd key also makes the real key "missing": report the typo, which is the fix.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [part for part in error["loc"] if not _is_union_tag(part)]
    field = _format_loc(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _lookup(data, loc[:-1])
        allowed = _allowed_keys(loc, parent)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean {hint[0]!r}?" if hint else f"allowed keys: {', '.join(allowed)}"
        return f"{field}: unknown key; {fix}"
    if kind == "missing":
        return f"{field}: required but missing; add it"
    if kind == "union_tag_invalid" or (kind == "literal_error" and loc and loc[-1] == "kind"):
        value = _lookup(data, [*loc, "kind"] if loc and loc[-1] != "kind" else loc)
        return f"{field}: unknown kind {value!r}; use one of {', '.join(SOURCE_KINDS)}"
    if kind == "union_tag_not_found":
        return f"{field}.kind: required; use one of {', '.join(SOURCE_KINDS)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = "" if isinstance(value, dict | list) or value is None else f" (got {value!r})"
    return f"{field}: {message}{shown}"


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in SOURCE_KINDS and part != "kind"


def _format_loc(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "manifest"


def _lookup(data: Any, loc: list[Any]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


_MODELS_BY_KIND: dict[str, type[BaseModel]] = {
    "file": FileSource,
    "notes": DocumentSource,
    "docs": DocumentSource,
    "jira": JiraSource,
    "loki": LokiSource,
    "elasticsearch": ElasticsearchSource,
    "prometheus": PrometheusSource,
}


def _allowed_keys(loc: list[Any], parent: Any) -> list[str]:
    if len(loc) == 1:
        model: type[BaseModel] = Manifest
    elif loc[0] == "sources" and isinstance(parent, dict) and len(loc) == 3:
        model = _MODELS_BY_KIND.get(str(parent.get("kind")), FileSource)
    else:
        model = {"window": Window, "correlate": Correlate}.get(str(loc[0]), Auth)
    return [name for name in model.model_fields if name != "base_dir"]
