"""Deployment files say what the app needs: scopes, events, both processes."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_app_manifest_declares_the_command_events_and_scopes():
    manifest = yaml.safe_load((ROOT / "deploy" / "slack-app-manifest.yml").read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/logiq" and command["url"].endswith("/slack/events")
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.channels",
        "message.groups",
        "reaction_added",
        "reaction_removed",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "chat:write.public",
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "reactions:read",
        "reactions:write",
        "files:write",
    }


def test_procfile_compose_and_kubernetes_run_web_and_worker():
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines())
    assert procfile == {"web": "logiq serve", "worker": "logiq worker"}
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    assert {"web", "worker", "redis"} <= compose["services"].keys()
    kinds = {}
    for path in (ROOT / "deploy" / "k8s").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "kind" in doc:
                kinds.setdefault(doc["kind"], []).append(doc["metadata"]["name"])
    assert {"logiq-web", "logiq-worker"} <= set(kinds["Deployment"])
    assert "logiq-slack" in kinds["Secret"]
