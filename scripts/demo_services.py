"""Run the checkout-latency case against live local services, then stop them.

    python scripts/demo_services.py            # start, investigate, stop
    python scripts/demo_services.py --serve    # start and keep serving until Ctrl-C
    python scripts/demo_services.py -- --format json   # extra arguments for logiq

Starts the fake Loki (127.0.0.1:13100) and fake Jira (127.0.0.1:18080) from
``tests/connectors/servers`` over ``examples/checkout-latency/services/*.json``, and a
real Prometheus (127.0.0.1:19090, Debian package ``prometheus``) over
``services/metrics.om``; then runs ``logiq investigate examples/checkout-latency/case.yaml``.
The ports are the ones the case manifest names.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASE = REPO / "examples" / "checkout-latency"
PORTS = {"loki": 13100, "jira": 18080, "prometheus": 19090}
sys.path.insert(0, str(REPO / "tests" / "connectors"))  # the fake servers live with the tests

from servers.base import FakeServer  # noqa: E402
from servers.jira import JiraFake  # noqa: E402
from servers.loki import LokiFake  # noqa: E402
from servers.prometheus import PrometheusServer, binaries  # noqa: E402


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is not "in use"
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _loki() -> LokiFake:
    raw = json.loads((CASE / "services" / "loki-streams.json").read_text(encoding="utf-8"))
    streams = [(s["stream"], [(int(ts), line) for ts, line in s["values"]]) for s in raw]
    return LokiFake(streams)


def _jira() -> JiraFake:
    issues = json.loads((CASE / "services" / "jira-issues.json").read_text(encoding="utf-8"))
    return JiraFake(issues, anonymous=True, page_size=50, embedded_comments=20)


def start(stack: ExitStack, ports: dict[str, int] = PORTS) -> dict[str, str]:
    """Start the three services on ``ports`` (0 = any free port); their URLs by kind."""
    busy = [f"{name} ({port})" for name, port in ports.items() if port and not _port_free(port)]
    if busy:
        raise SystemExit(f"demo-services: ports in use: {', '.join(busy)}; stop what holds them")
    loki = stack.enter_context(FakeServer(_loki(), port=ports["loki"]))
    jira = stack.enter_context(FakeServer(_jira(), port=ports["jira"]))
    urls = {"loki": loki.url, "jira": jira.url}
    print(f"demo-services: fake Loki on {loki.url}, fake Jira on {jira.url}", file=sys.stderr)
    if binaries() is None:
        print(
            "demo-services: prometheus not installed (apt-get install prometheus); "
            "the metrics source will report that it cannot connect",
            file=sys.stderr,
        )
        return urls
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="logiq-prom-")))
    data = (CASE / "services" / "metrics.om").read_text(encoding="utf-8")
    prom = stack.enter_context(PrometheusServer(data, workdir, port=ports["prometheus"] or None))
    urls["prometheus"] = prom.url
    print(f"demo-services: Prometheus on {prom.url} (data in {workdir})", file=sys.stderr)
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl-C")
    parser.add_argument("logiq_args", nargs="*", help="extra arguments for logiq investigate")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        start(stack)
        if args.serve:
            print("demo-services: serving; Ctrl-C stops", file=sys.stderr)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        logiq = Path(sys.executable).parent / "logiq"
        command = [
            str(logiq),
            "investigate",
            str(CASE / "case.yaml"),
            "--llm",
            "off",
            *args.logiq_args,
        ]
        return subprocess.run(command, cwd=REPO, check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
