"""Files two writers share: each writer's lines start records of their own."""

from __future__ import annotations

from pathlib import Path

from tests.connectors.filekit import connector, epoch, scope

CATALINA = [
    "2026-02-10 14:40:00.143 [http-nio-8080-exec-62] INFO  c.s.SearchFacade - query hits=609",
    "10-Feb-2026 14:40:01.611 WARNING [Catalina-utility-1] org.apache.catalina.valves."
    "StuckThreadDetectionValve.notifyStuckThreadDetected Thread [exec-186] may be stuck",
    "2026-02-10 14:40:02.001 [http-nio-8080-exec-7] ERROR c.s.CartController - cart failed",
    "java.lang.IllegalStateException: boom",
    "\tat c.s.CartController.update(CartController.java:42)",
    "10-Feb-2026 14:40:03.500 SEVERE [http-nio-8080-exec-9] org.apache.coyote.AbstractProtocol"
    " Rejected task: java.util.concurrent.RejectedExecutionException",
    "2 more lines of a message that starts with a digit",
]

INGRESS = [
    '10.0.0.1 - - [10/Feb/2026:14:40:00 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8" 0.01',
    "W0210 14:40:01.460935       7 backend_ssl.go:47] Error obtaining X.509 certificate",
    '10.0.0.2 - - [10/Feb/2026:14:40:02 +0000] "GET /b HTTP/1.1" 503 0 "-" "curl/8" 0.00',
    'I0210 14:40:03.486590       7 status.go:304] "updating Ingress status" namespace="shop"',
]


def _read(tmp_path: Path, lines: list[str]):
    path = tmp_path / "mixed.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = connector(tmp_path, ["mixed.log"], timezone="UTC")
    return reader, list(reader.read(scope()))


def test_tomcat_lines_among_application_lines_are_records(tmp_path: Path) -> None:
    reader, records = _read(tmp_path, CATALINA)
    assert [r.line for r in records] == [1, 2, 3, 6]
    assert [r.level for r in records] == ["INFO", "WARN", "ERROR", "ERROR"]
    assert records[1].ts == epoch("2026-02-10T14:40:01.611+00:00")
    assert "StuckThreadDetectionValve" in records[1].message
    assert records[2].text.endswith("CartController.java:42)")  # its trace stays with it
    assert records[3].text.endswith("digit")  # a digit-led continuation line is no stamp
    for record in records:
        assert reader.cite(f"{record.path}:{record.line}") == record.text


def test_klog_lines_among_access_lines_are_records(tmp_path: Path) -> None:
    reader, records = _read(tmp_path, INGRESS)
    assert [r.line for r in records] == [1, 2, 3, 4]
    assert records[1].level == "WARN"
    assert records[1].ts == epoch("2026-02-10T14:40:01.460935+00:00")
    assert records[3].level == "INFO"
    for record in records:
        assert reader.cite(f"{record.path}:{record.line}") == record.text
