"""Configuration from the environment, built once and passed down.

Nothing else in LogIQ reads ``os.environ``: the CLI, the web process and the worker
each build one :class:`Settings` and hand it (or the parts they need) to what they build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"
CommaList = Annotated[list[str], NoDecode]


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    # Slack
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_API_DEFAULT, alias="SLACK_API_URL")
    port: int = Field(default=3000, alias="PORT")
    slack_pace: float = Field(default=1.0, alias="LOGIQ_SLACK_PACE")  # s between posts/channel
    web_workers: int = Field(default=2, alias="WEB_CONCURRENCY")  # gunicorn processes
    web_threads: int = Field(default=8, alias="LOGIQ_WEB_THREADS")  # gunicorn threads each

    # State and jobs
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", alias="REDIS_URL")
    key_prefix: str = Field(default="logiq:", alias="LOGIQ_KEY_PREFIX")
    session_ttl: int = Field(default=7 * 24 * 3600, alias="LOGIQ_SESSION_TTL")
    queue_name: str = Field(default="logiq", alias="LOGIQ_QUEUE")

    # Scope
    manifest_dir: Path = Field(default=Path("examples"), alias="LOGIQ_MANIFEST_DIR")
    allowed_roots: CommaList = Field(default_factory=list, alias="LOGIQ_ALLOWED_ROOTS")
    allowed_hosts: CommaList = Field(default_factory=list, alias="LOGIQ_ALLOWED_HOSTS")
    allowed_channels: CommaList = Field(default_factory=list, alias="LOGIQ_ALLOWED_CHANNELS")
    allowed_users: CommaList = Field(default_factory=list, alias="LOGIQ_ALLOWED_USERS")
    max_records_per_source: int = Field(default=2_000_000, alias="LOGIQ_MAX_RECORDS")

    # LLM (optional)
    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    llm_model: str = Field(default="gpt-4o-mini", alias="LOGIQ_LLM_MODEL")
    llm_budget: int = Field(default=12_000, alias="LOGIQ_LLM_BUDGET")
    llm_timeout: float = Field(default=60.0, alias="LOGIQ_LLM_TIMEOUT")
    redact_patterns: CommaList = Field(default_factory=list, alias="LOGIQ_REDACT_PATTERNS")

    # Feedback, memory and approval-gated actions
    memory_ttl_days: int = Field(default=180, alias="LOGIQ_MEMORY_TTL_DAYS")
    approvers: CommaList = Field(default_factory=list, alias="LOGIQ_APPROVERS")
    admins: CommaList = Field(default_factory=list, alias="LOGIQ_ADMINS")
    actions_mode: str = Field(default="off", alias="LOGIQ_ACTIONS")  # off | dry-run | live
    jira_write_url: str | None = Field(default=None, alias="LOGIQ_JIRA_WRITE_URL")
    jira_write_project: str | None = Field(default=None, alias="LOGIQ_JIRA_WRITE_PROJECT")
    jira_write_token_env: str = Field(default="JIRA_WRITE_TOKEN", alias="JIRA_WRITE_TOKEN_ENV")

    _lists = field_validator(
        "allowed_roots",
        "allowed_hosts",
        "allowed_channels",
        "allowed_users",
        "redact_patterns",
        "approvers",
        "admins",
        mode="before",
    )(lambda cls, v: _split(v))

    def missing_for_slack(self, socket_mode: bool = False) -> list[str]:
        """Names of the environment variables the Slack app cannot start without."""
        needed = {"SLACK_BOT_TOKEN": self.slack_bot_token}
        if socket_mode:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        else:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        return [name for name, value in needed.items() if not value]
