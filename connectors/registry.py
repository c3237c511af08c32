"""Connectors by manifest ``kind``."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from bot.errors import ConfigError
from bot.manifest import Manifest, Source
from connectors.base import Connector, Context

Factory = Callable[[Source, Manifest, Context], Connector]

# kind -> "module:ClassName"; imported lazily so a deployment without a kind's extras
# still starts, and so this table is the one place to see every kind.
_KINDS: dict[str, str] = {
    "file": "connectors.files:FileConnector",
    "notes": "connectors.documents:DocumentConnector",
    "docs": "connectors.documents:DocumentConnector",
    "jira": "connectors.jira:JiraConnector",
    "loki": "connectors.loki:LokiConnector",
    "elasticsearch": "connectors.elasticsearch:ElasticsearchConnector",
    "prometheus": "connectors.prometheus:PrometheusConnector",
}


def connector_class(kind: str) -> Factory:
    try:
        module_name, _, attr = _KINDS[kind].partition(":")
    except KeyError as exc:
        raise ConfigError(f"no connector for kind {kind!r}; known: {', '.join(_KINDS)}") from exc
    return getattr(import_module(module_name), attr)


def build_connector(source: Source, manifest: Manifest, context: Context) -> Connector:
    return connector_class(source.kind)(source, manifest, context)


def kinds() -> list[str]:
    return list(_KINDS)
