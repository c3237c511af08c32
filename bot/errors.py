"""One exception tree for LogIQ.

    LogIQError
     ├── ConfigError        bad settings or deployment configuration
     ├── ManifestError      a case manifest that fails validation (names field and fix)
     ├── ScopeError         a manifest or request that reaches outside allowed roots/hosts
     ├── ConnectorError     a source that cannot be read (carries the source name)
     ├── CitationError      a cited line that is not verbatim at its locator (always a bug)
     └── LLMError           the model endpoint failed or answered outside the schema

Library errors are translated at the boundary and re-raised ``from exc``.
"""

from __future__ import annotations


class LogIQError(Exception):
    """Base class: every error LogIQ raises on purpose derives from it."""


class ConfigError(LogIQError):
    pass


class ManifestError(LogIQError):
    """A manifest problem; ``str(err)`` is the one line shown to the user."""


class ScopeError(LogIQError):
    pass


class ConnectorError(LogIQError):
    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source!r}: {message}")
        self.source = source
        self.reason = message


class CitationError(LogIQError):
    pass


class LLMError(LogIQError):
    pass
