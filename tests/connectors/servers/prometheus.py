"""A real Prometheus server over historical data written from code (OpenMetrics).

``promtool tsdb create-blocks-from openmetrics`` turns the text into TSDB blocks; then
``prometheus`` serves them on a free loopback port with no scrape targets. Used by the
connector tests and by ``scripts/demo_services.py``.
"""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

Samples = Iterable[tuple[float, float]]


def binaries() -> tuple[str, str] | None:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    return (prometheus, promtool) if prometheus and promtool else None


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def openmetrics(families: Mapping[str, Mapping[str, Samples]], kind: str = "gauge") -> str:
    """``{metric: {'{a="b"}': [(ts, value), ...]}}`` -> OpenMetrics text ending in ``# EOF``."""
    lines = []
    for metric, series in families.items():
        lines.append(f"# TYPE {metric} {kind}")
        for labels, samples in series.items():
            lines += [f"{metric}{labels} {_value(v)} {ts:.3f}" for ts, v in samples]
    return "\n".join(lines) + "\n# EOF\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrometheusServer:
    """Start with :meth:`start` (blocks until ready), stop with :meth:`stop`."""

    def __init__(self, data: str, workdir: Path, port: int | None = None) -> None:
        found = binaries()
        if not found:
            raise FileNotFoundError("prometheus/promtool not installed (Debian package prometheus)")
        self.prometheus, self.promtool = found
        self.data, self.workdir = data, Path(workdir)
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> PrometheusServer:
        tsdb = self.workdir / "tsdb"
        tsdb.mkdir(parents=True, exist_ok=True)
        source = self.workdir / "data.om"
        source.write_text(self.data, encoding="utf-8")
        subprocess.run(
            [self.promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)],
            check=True,
            capture_output=True,
        )
        config = self.workdir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n")
        log = (self.workdir / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                self.prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={tsdb}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=100y",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                log = (self.workdir / "prometheus.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"prometheus exited: {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"prometheus not ready on {self.url} after {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
