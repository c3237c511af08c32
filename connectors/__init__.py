"""Read-only data access: files, documents, log stores, Jira and metrics."""

from connectors.base import Connector, Context, QueryAudit, Scope, SourceStats
from connectors.registry import build_connector, connector_class, kinds

__all__ = [
    "Connector",
    "Context",
    "QueryAudit",
    "Scope",
    "SourceStats",
    "build_connector",
    "connector_class",
    "kinds",
]
