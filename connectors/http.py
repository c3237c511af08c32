"""Shared HTTP plumbing for the network connectors (Jira, Loki, Elasticsearch, Prometheus).

One :class:`HttpApi` per source read. It owns the policy every request follows:

- credentials come only from environment variables *named* in the manifest and looked
  up in ``Context.env`` (a missing variable is a ConnectorError naming the variable);
- every request has the source's timeout;
- 429, 5xx, timeouts and connection failures are retried a bounded number of times with
  exponential backoff, honouring ``Retry-After`` (seconds or an HTTP date), capped;
- failures become ``ConnectorError(source, ...)`` with the status, a short reason and a
  redacted excerpt of the body — never a credential or an Authorization header;
- every request is audited with ``SourceStats.timed`` (query, window, count).

Only read verbs exist here: GET, and POST/DELETE for the search-context calls some
APIs model that way (Elasticsearch ``_search``/``_pit``/scroll).
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlparse

import httpx

from bot.errors import ConnectorError
from bot.manifest import Auth, Manifest
from bot.redact import redact
from connectors.base import Context, SourceStats

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# GET reads; POST and DELETE only for APIs that model *searching* that way (ES _search,
# _pit, scroll). PUT and PATCH do not exist here.
READ_VERBS = frozenset({"GET", "POST", "DELETE"})
EXCERPT_CHARS = 300
USER_AGENT = "logiq-connector/0.1 (read-only)"

Counter = Callable[[Any], int]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: ``attempts`` tries in all, waits ``backoff * 2**n`` capped at ``max_wait``."""

    attempts: int = 4
    backoff: float = 0.5
    max_wait: float = 10.0

    def wait(self, retry: int, retry_after: float | None) -> float:
        base = retry_after if retry_after is not None else self.backoff * (2**retry)
        return max(0.0, min(base, self.max_wait))


DEFAULT_RETRY = RetryPolicy()


# --------------------------------------------------------------------------- credentials


def _lookup(source: str, env: Mapping[str, str], variable: str, field: str) -> str:
    value = env.get(variable)
    if not value:
        raise ConnectorError(
            source,
            f"environment variable {variable} (auth.{field}) is not set; "
            "export it where LogIQ runs",
        )
    return value


def auth_headers(
    source: str, auth: Auth | None, env: Mapping[str, str], token_scheme: str = "Bearer"
) -> dict[str, str]:
    """The Authorization header for ``auth``, resolved from ``env``; {} when there is no auth.

    A user name (``email_env`` or ``username_env``) means HTTP basic with the token or
    password; a token alone is sent as ``<token_scheme> <token>`` (Bearer; ApiKey for ES).
    """
    if auth is None:
        return {}
    user_field = "email_env" if auth.email_env else "username_env" if auth.username_env else None
    if user_field:
        user = _lookup(source, env, getattr(auth, user_field), user_field)
        secret_field = "token_env" if auth.token_env else "password_env"
        secret_var = getattr(auth, secret_field)
        if not secret_var:
            raise ConnectorError(
                source, f"auth.{user_field} is set but neither auth.token_env nor auth.password_env"
            )
        secret = _lookup(source, env, secret_var, secret_field)
        pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}
    if auth.token_env:
        return {
            "Authorization": f"{token_scheme} {_lookup(source, env, auth.token_env, 'token_env')}"
        }
    if auth.password_env:
        raise ConnectorError(source, "auth.password_env needs auth.username_env")
    return {}


def credential_values(headers: Mapping[str, str]) -> list[str]:
    """The secret parts of an Authorization header (the token; for Basic also the
    decoded password and the encoded pair), longest first, for scrubbing messages."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    found = {token.strip()} if token.strip() else set()
    if scheme.lower() == "basic" and token:
        try:
            _user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
        except ValueError:
            password = ""
        found.add(password)
    return sorted((v for v in found if len(v) >= 4), key=len, reverse=True)


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` without any of ``secrets`` (a server may echo the credential it refused)."""
    for secret in secrets:
        text = text.replace(secret, "[REDACTED:credential]")
    return text


def make_client(
    base_url: str, *, timeout: float, context: Context, headers: Mapping[str, str] | None = None
) -> httpx.Client:
    """An httpx client for one source: base URL, timeout, headers, the context's transport.

    ``trust_env`` is off: proxies and netrc from the process environment never apply
    implicitly (nothing in LogIQ reads ``os.environ`` behind the settings' back).
    """
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        transport=context.transport,
        follow_redirects=False,
        trust_env=False,
    )


# --------------------------------------------------------------------------- retry-after


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def cap_for(source_max: int | None, context: Context) -> int:
    """Records one source may keep: the manifest's ``max_records`` or the deployment cap."""
    return source_max or context.max_records


# --------------------------------------------------------------------------- the API


class HttpApi:
    """Requests for one source, with retries, error translation and the query audit."""

    def __init__(
        self,
        source: str,
        client: httpx.Client,
        stats: SourceStats,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.client = client
        self.stats = stats
        self.retry = retry
        self._sleep = sleep
        self._secrets = credential_values(client.headers)

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        audit: str,
        window: str = "",
        count: Counter | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.call(
            "GET", path, params=params, audit=audit, window=window, count=count, headers=headers
        )

    def post(
        self,
        path: str,
        *,
        body: Any,
        params: Mapping[str, Any] | None = None,
        audit: str,
        window: str = "",
        count: Counter | None = None,
    ) -> Any:
        return self.call(
            "POST", path, params=params, body=body, audit=audit, window=window, count=count
        )

    def delete(self, path: str, *, body: Any = None, audit: str) -> Any:
        return self.call("DELETE", path, body=body, audit=audit)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        audit: str,
        window: str = "",
        count: Counter | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """One audited request whose JSON answer is returned; ConnectorError on failure."""
        if method not in READ_VERBS:
            raise ValueError(f"{method} is not a read verb; connectors never write")
        with self.stats.timed(audit, window) as timer:
            data = self._json(self._send(method, path, params, body, headers), method, path)
            timer.count = count(data) if count else 0
        return data

    def close(self) -> None:
        self.client.close()

    # -- steps

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        what = f"{method} {path}"
        for attempt in range(self.retry.attempts):
            last = attempt == self.retry.attempts - 1
            try:
                response = self.client.request(
                    method, path, params=params, json=body, headers=headers
                )
            except httpx.TimeoutException as exc:
                if last:
                    raise ConnectorError(
                        self.source,
                        f"{what} timed out after {self.retry.attempts} attempts "
                        f"(timeout {self._timeout()}s)",
                    ) from exc
                self._pause(attempt, None, f"timeout on {what}")
                continue
            except httpx.TransportError as exc:
                if last:
                    reason = scrub(redact(str(exc)), self._secrets)
                    raise ConnectorError(
                        self.source, f"{what} failed: {type(exc).__name__}: {reason}"
                    ) from exc
                self._pause(attempt, None, f"{type(exc).__name__} on {what}")
                continue
            if response.status_code in RETRY_STATUSES and not last:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                self._pause(attempt, wait, f"HTTP {response.status_code} on {what}")
                continue
            if response.is_success:
                return response
            raise self._status_error(response, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int, retry_after: float | None, why: str) -> None:
        wait = self.retry.wait(attempt, retry_after)
        logger.info("source %s: %s; retrying in %.2fs", self.source, why, wait)
        self._sleep(wait)

    def _timeout(self) -> Any:
        return self.client.timeout.read

    def _status_error(self, response: httpx.Response, what: str) -> ConnectorError:
        reason = response.reason_phrase or "error"
        hint = {
            401: " (check the credentials named in the manifest's auth)",
            403: " (the credential lacks permission)",
            404: " (check the url, index or endpoint)",
        }.get(response.status_code, "")
        return ConnectorError(
            self.source,
            f"HTTP {response.status_code} {reason} from {what}{hint}: "
            f"{excerpt(response.text, secrets=self._secrets)}",
        )

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConnectorError(
                self.source,
                f"{method} {path} answered malformed JSON "
                f"(HTTP {response.status_code}): {excerpt(response.text, secrets=self._secrets)}",
            ) from exc


def excerpt(text: str, limit: int = EXCERPT_CHARS, *, secrets: Sequence[str] = ()) -> str:
    """A short, single-line, redacted piece of a response body for an error message."""
    flat = scrub(" ".join(text.split()), secrets)
    cut = flat[:limit] + ("…" if len(flat) > limit else "")
    return redact(cut) or "(empty body)"


def window_text(start: float, end: float) -> str:
    """The audit form of a query window: ``2026-02-10T14:00:00Z..2026-02-10T15:30:00Z``."""
    from bot.engine.records import iso

    return f"{iso(start)}..{iso(end)}"


# --------------------------------------------------------------------------- base class


class HttpConnector:
    """What the network connectors share: construction, the per-read API, the cap, cite.

    Subclasses set ``kind`` and implement ``read``; ``cite`` answers from the texts
    they record in ``_texts`` (locator -> verbatim text of what was yielded). ``client``
    and ``retry`` are seams for tests and embedders; by default a client is built per
    read from the source's URL, timeout and credentials, and closed afterwards.
    """

    kind: ClassVar[str]

    def __init__(
        self,
        source: Any,
        manifest: Manifest,
        context: Context,
        *,
        client: httpx.Client | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.source = source
        self.manifest = manifest
        self.context = context
        self.name: str = source.name
        self.stats = SourceStats(name=source.name, kind=self.kind)
        self._client = client
        self._retry = retry
        self._texts: dict[str, str] = {}

    def cite(self, locator: str) -> str | None:
        return self._texts.get(locator)

    @property
    def cap(self) -> int:
        return cap_for(self.source.max_records, self.context)

    def headers(self) -> dict[str, str]:
        """Request headers for this source: credentials (resolved now), tenant ids ..."""
        return auth_headers(self.name, self.source.auth, self.context.env)

    @contextmanager
    def open_api(self) -> Iterator[HttpApi]:
        parsed = urlparse(self.source.url)
        if parsed.username or parsed.password:  # never echo the URL: it holds the secret
            raise ConnectorError(
                self.name,
                "url carries credentials (user:password@); remove them and name environment "
                "variables in auth: instead",
            )
        headers = self.headers()  # a missing credential fails here, before any request
        client = self._client or make_client(
            self.source.url, timeout=self.source.timeout, context=self.context, headers=headers
        )
        if self._client is not None:
            client.headers.update(headers)
        secrets = credential_values(headers)
        try:
            yield HttpApi(self.name, client, self.stats, retry=self._retry)
        except ConnectorError as exc:  # connector messages may quote answers echoing it
            clean = scrub(exc.reason, secrets)
            if clean == exc.reason:
                raise
            raise ConnectorError(exc.source, clean) from None
        finally:
            if self._client is None:
                client.close()
