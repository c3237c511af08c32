"""Secret redaction for every text that leaves the process (Slack, LLM, reports).

``redact(text)`` replaces tokens, keys, passwords, private keys, JWTs and credentials
in connection strings with ``[REDACTED:<kind>]``. Verbatim citation checks compare
the raw text *before* redaction; the locator is never redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("private-key", re.compile(
        r"-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----.*?(?:-----END (?:[A-Z ]+ )?PRIVATE KEY-----|$)",
        re.DOTALL)),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("aws-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-[A-Za-z0-9-]{10,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}")),
    ("google-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("bearer", re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/=-]{8,}")),
    ("basic-auth", re.compile(r"(?i)(?<=\bbasic )[A-Za-z0-9+/=]{8,}")),
    ("url-credentials", re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)")),
    ("secret", re.compile(
        r"(?i)(?<![A-Za-z0-9])((?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|"
        r"client[_-]?secret|auth[_-]?token|token)[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}]{3,})")),
]


class Redactor:
    """Built-in rules plus deployment patterns (``LOGIQ_REDACT_PATTERNS``)."""

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        self._extra = [("custom", re.compile(p)) for p in extra_patterns]

    def redact(self, text: str) -> str:
        for kind, pattern in [*_RULES, *self._extra]:
            if kind == "secret":
                text = pattern.sub(lambda m: f"{m.group(1)}[REDACTED:secret]", text)
            else:
                text = pattern.sub(f"[REDACTED:{kind}]", text)
        return text


_DEFAULT = Redactor()


def redact(text: str) -> str:
    return _DEFAULT.redact(text)
