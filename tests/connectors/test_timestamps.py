"""Timestamp detection per file: one case per supported format, exact epoch values.

Each case writes three lines of one format, reads them through the connector and checks
the first record's time (against an independent ISO reference), level and message, and
that every record cites back verbatim.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from filekit import epoch, read, scope

from connectors.files.levels import normalize

T = "2026-02-10T14:47:03"  # the instant most cases encode, in UTC

CASES = [
    # id, lines, timezone, expected ts of line 1 (ISO, with zone), level, message
    (
        "iso-T-Z-fraction",
        ["2026-02-10T14:47:03.123Z INFO broker: vm-21 created", "2026-02-10T14:47:04.5Z WARN x"],
        None,
        T + ".123+00:00",
        "INFO",
        "broker: vm-21 created",
    ),
    (
        "iso-offset-colon",
        ["2026-02-10T15:47:03+01:00 ERROR broker: timeout", "2026-02-10T15:48:03+01:00 INFO y"],
        None,
        T + "+00:00",
        "ERROR",
        "broker: timeout",
    ),
    (
        "iso-space-offset-compact",
        ["2026-02-10 09:47:03.250-0500 DEBUG a b", "2026-02-10 09:47:04.250-0500 DEBUG c"],
        None,
        T + ".250+00:00",
        "DEBUG",
        "a b",
    ),
    (
        "log4j-comma-millis",
        [
            "2026-02-10 14:47:03,123 WARNING [main] pool: exhausted",
            "2026-02-10 14:47:03,124 INFO x",
        ],
        None,
        T + ".123+00:00",
        "WARN",
        "[main] pool: exhausted",
    ),
    (
        "zone-less-los-angeles-dst",
        ["2026-07-10 07:47:03 CRITICAL disk full", "2026-07-10 07:47:04 INFO ok"],
        "America/Los_Angeles",
        "2026-07-10T14:47:03+00:00",  # PDT is UTC-7
        "FATAL",
        "disk full",
    ),
    (
        "zone-less-los-angeles-winter",
        ["2026-02-10 06:47:03 ERR vm-21 failed", "2026-02-10 06:47:04 INFO ok"],
        "America/Los_Angeles",
        T + "+00:00",  # PST is UTC-8
        "ERROR",
        "vm-21 failed",
    ),
    (
        "postgresql-utc",
        [
            "2026-02-10 14:47:03.123 UTC [4711] LOG:  duration: 30001.2 ms",
            "2026-02-10 14:47:04.001 UTC [4711] ERROR:  canceling statement",
        ],
        "Europe/Berlin",  # ignored: the stamp says UTC
        T + ".123+00:00",
        "INFO",
        "duration: 30001.2 ms",
    ),
    (
        "postgresql-other-zone-uses-source-zone",
        [
            "2026-02-10 15:47:03.123 CET [4711] PANIC:  could not write",
            "2026-02-10 15:47:04.123 CET [4711] LOG:  checkpoint",
        ],
        "Europe/Berlin",
        T + ".123+00:00",
        "FATAL",
        "could not write",
    ),
    (
        "syslog",
        ["Feb 10 14:47:03 hv1 libvirtd[812]: vm-21 created", "Feb 10 14:47:05 hv1 kernel: x"],
        None,
        T + "+00:00",
        None,
        "hv1 libvirtd[812]: vm-21 created",
    ),
    (
        "syslog-single-digit-day",
        ["Feb  1 04:07:03 hv1 cron[1]: job", "Feb  1 04:07:04 hv1 cron[1]: done"],
        None,
        "2026-02-01T04:07:03+00:00",
        None,
        "hv1 cron[1]: job",
    ),
    (
        "journalctl-zero-padded-day",
        ["Feb 01 04:07:03 pay01 systemd[1]: Started x.", "Feb 01 04:07:04 pay01 systemd[1]: y"],
        None,
        "2026-02-01T04:07:03+00:00",
        None,
        "pay01 systemd[1]: Started x.",
    ),
    (
        "jvm-unified-logging-tags",
        [
            "[2026-02-10T14:47:03.123+0000][info][gc] GC(12) Pause Young (Normal) 10.101ms",
            "[2026-02-10T14:47:04.456+0000][warning][gc,alloc] GC(13) allocation stall",
        ],
        None,
        T + ".123+00:00",
        "INFO",
        "GC(12) Pause Young (Normal) 10.101ms",
    ),
    (
        "kafka-bracketed-log4j",
        [
            "[2026-02-10 14:47:03,123] WARN [Partition orders-3 broker=2] Shrinking ISR (kafka.cluster.Partition)",
            "[2026-02-10 14:47:04,000] INFO [ZooKeeperClient Kafka server] Session expired.",
        ],
        None,
        T + ".123+00:00",
        "WARN",
        "[Partition orders-3 broker=2] Shrinking ISR",
    ),
    (
        "bracketed-stamp-without-level",
        ["[2026-02-10 14:47:03,123] broker 2 started", "[2026-02-10 14:47:04,000] ready"],
        None,
        T + ".123+00:00",
        None,
        "broker 2 started",  # not "] broker 2 started"
    ),
    (
        "klog-level-letter-leads-the-stamp",
        [
            "E0210 14:47:03.123456   12345 reflector.go:138] failed to watch *v1.Pod",
            "I0210 14:47:04.000001   12345 leaderelection.go:258] acquired lease",
        ],
        None,
        T + ".123456+00:00",
        "ERROR",
        "reflector.go:138] failed to watch *v1.Pod",
    ),
    (
        "elasticsearch-bracketed-level",
        [
            "[2026-02-10T14:47:03,123][WARN ][o.e.m.j.JvmGcMonitorService] [node-1] overhead",
            "[2026-02-10T14:47:04,123][INFO ][o.e.c.r.a.DiskThresholdMonitor] [node-1] ok",
        ],
        None,
        T + ".123+00:00",
        "WARN",
        "[o.e.m.j.JvmGcMonitorService] [node-1] overhead",
    ),
    (
        "mongodb-json-date-and-attr",
        [
            '{"t":{"$date":"2026-02-10T14:47:03.123+00:00"},"s":"E","c":"STORAGE","ctx":"t1",'
            '"msg":"WiredTiger error","attr":{"error":28,"message":"No space left on device"}}',
            '{"t":{"$date":"2026-02-10T14:47:04.000+00:00"},"s":"I","c":"NETWORK","msg":"ok"}',
        ],
        None,
        T + ".123+00:00",
        "ERROR",
        "WiredTiger error c:STORAGE ctx=t1 attr.error=28 attr.message=No space left on device",
    ),
    (
        "docker-json-file",
        [
            '{"log":"panic: runtime error: index out of range\\n","stream":"stderr","time":"2026-02-10T14:47:03.123Z"}',
            '{"log":"listening on :8080\\n","stream":"stdout","time":"2026-02-10T14:47:04.5Z"}',
        ],
        None,
        T + ".123+00:00",
        None,
        "panic: runtime error: index out of range stream=stderr",
    ),
    (
        "logfmt-level-key",
        [
            '2026-02-10T14:47:03.123Z level=error msg="upstream request failed" id=7',
            '2026-02-10T14:47:04.000Z level=info msg="request" id=8',
        ],
        None,
        T + ".123+00:00",
        "ERROR",
        'msg="upstream request failed" id=7',
    ),
    (
        "rfc5424",
        [
            "<34>1 2026-02-10T14:47:03.1Z hv1 libvirtd 812 ID47 - vm-21 created",
            "<165>1 2026-02-10T14:47:04.25Z hv1 libvirtd 812 ID48 - vm-22 created",
        ],
        None,
        T + ".100+00:00",
        None,
        "vm-21 created",
    ),
    (
        "nginx-access",
        [
            '10.0.0.1 - - [10/Feb/2026:15:47:03 +0100] "GET /vms/21 HTTP/1.1" 504 0',
            '10.0.0.155 - bob [10/Feb/2026:15:47:04 +0100] "GET /vms/22 HTTP/1.1" 200 12',
        ],
        None,
        T + "+00:00",
        None,
        '10.0.0.1 "GET /vms/21 HTTP/1.1" 504 0',
    ),
    (
        "apache-error",
        [
            "[Tue Feb 10 14:47:03.123456 2026] [proxy:error] [pid 12] AH00957: timed out",
            "[Tue Feb 10 14:47:04.000001 2026] [core:notice] [pid 12] AH00094: started",
        ],
        None,
        T + ".123456+00:00",
        "ERROR",
        "[pid 12] AH00957: timed out",
    ),
    (
        "redis",
        [
            "12345:M 10 Feb 2026 14:47:03.123 * Ready to accept connections",
            "12345:M 10 Feb 2026 14:47:04.456 # WARNING overcommit_memory is 0",
        ],
        None,
        T + ".123+00:00",
        "INFO",
        "12345:M Ready to accept connections",
    ),
    (
        "php-fpm-day-month-year",
        [
            "[10-Feb-2026 14:47:03] WARNING: [pool www] server reached pm.max_children setting (5)",
            "[10-Feb-2026 14:47:04] NOTICE: [pool www] child 42 started",
        ],
        None,
        T + "+00:00",
        "WARN",
        "[pool www] server reached pm.max_children setting (5)",
    ),
    (
        "tomcat-day-month-year-millis",
        [
            "10-Feb-2026 14:47:03.123 SEVERE [main] org.apache.catalina.startup.Catalina.start x",
            "10-Feb-2026 14:47:04.456 INFO [main] org.apache.catalina.startup.Catalina.start y",
        ],
        None,
        T + ".123+00:00",
        "ERROR",
        "[main] org.apache.catalina.startup.Catalina.start x",
    ),
    (
        "epoch-seconds",
        ["1770734823 vm-21 created", "1770734824 vm-22 created"],
        None,
        T + "+00:00",
        None,
        "vm-21 created",
    ),
    (
        "epoch-millis",
        ["1770734823123 ack vm-21", "1770734823999 ack vm-22"],
        None,
        T + ".123+00:00",
        None,
        "ack vm-21",
    ),
    (
        "json-iso",
        [
            '{"ts":"2026-02-10T14:47:03.5Z","level":"warning","msg":"slow ack","vm":"vm-21","ms":30000}',
            '{"ts":"2026-02-10T14:47:04Z","level":"info","msg":"ok"}',
        ],
        None,
        T + ".500+00:00",
        "WARN",
        "slow ack vm=vm-21 ms=30000",
    ),
    (
        "json-epoch-millis",
        [
            '{"@timestamp":1770734823123,"severity":"ERROR","message":"broker timeout","id":7}',
            '{"@timestamp":1770734824000,"severity":"INFO","message":"ok"}',
        ],
        None,
        T + ".123+00:00",
        "ERROR",
        "broker timeout id=7",
    ),
    (
        "hdfs",
        ["260210 144703 148 INFO dfs.DataNode: block blk_1 served", "260210 144704 35 WARN x"],
        None,
        T + "+00:00",
        "INFO",
        "dfs.DataNode: block blk_1 served",
    ),
    (
        "spark",
        ["26/02/10 14:47:03 INFO spark.Executor: task 1 done", "26/02/10 14:47:04 ERROR x"],
        None,
        T + "+00:00",
        "INFO",
        "spark.Executor: task 1 done",
    ),
    (
        "android-no-year",
        [
            "02-10 14:47:03.811  1702  2395 D WindowManager: freeze",
            "02-10 14:47:03.819  1702  8671 E PowerManager: lock",
        ],
        None,
        T + ".811+00:00",
        "DEBUG",
        "WindowManager: freeze",
    ),
    (
        "healthapp-unpadded-millis",
        [
            "20260210-14:47:3:6|Step_LSC|30002312|onStandStepChanged 3579",
            "20260210-14:47:3:615|x|1|y",
        ],
        None,
        T + ".006+00:00",
        None,
        "Step_LSC|30002312|onStandStepChanged 3579",
    ),
    (
        "proxifier-no-year",
        ["[02.10 14:47:03] chrome.exe - proxy:5070 open", "[02.10 14:47:04] chrome.exe - close"],
        None,
        T + "+00:00",
        None,
        "chrome.exe - proxy:5070 open",
    ),
    (
        "zookeeper",
        [
            "2026-02-10 14:47:03,978 - INFO  [main:QuorumPeer@1] - Notification time out: 3200",
            "2026-02-10 14:47:04,001 - WARN  [main:QuorumPeer@2] - leaving",
        ],
        None,
        T + ".978+00:00",
        "INFO",
        "[main:QuorumPeer@1] - Notification time out: 3200",
    ),
    (
        "windows-cbs",
        [
            "2026-02-10 14:47:03, Info                  CBS    Loaded Servicing Stack",
            "2026-02-10 14:47:04, Error                 CSI    failed",
        ],
        None,
        T + "+00:00",
        "INFO",
        "CBS    Loaded Servicing Stack",
    ),
    (
        "bgl-prefers-epoch-over-local-stamp",
        [
            "- 1770734823 2026.02.10 R02-M1-N0 2026-02-10-06.47.03.675872 R02-M1-N0 RAS KERNEL INFO x",
            "APPREAD 1770734824 2026.02.10 R02-M1-N1 2026-02-10-06.47.04.1 R02-M1-N1 RAS APP FATAL y",
        ],
        None,
        T + "+00:00",
        "INFO",  # the 7th token after the stamp; the node ids before it stay in the message
        "2026.02.10 R02-M1-N0",
    ),
    (
        "bgl-stamp-alone",
        [
            "R02-M1-N0 2026-02-10-14.47.03.675872 RAS KERNEL INFO cache parity corrected",
            "R02-M1-N12 2026-02-10-14.47.04.000001 RAS KERNEL INFO cache parity corrected",
        ],
        None,
        T + ".675872+00:00",
        "INFO",
        "R02-M1-N0 cache parity corrected",
    ),
    (
        "thunderbird",
        [
            "- 1770734823 2026.02.10 dn228 Feb 10 06:47:03 dn228/dn228 crond[2915]: session closed",
            "- 1770734824 2026.02.10 dn228 Feb 10 06:47:04 dn228/dn228 crond[2916]: session opened",
        ],
        None,
        T + "+00:00",
        None,
        "dn228 Feb 10 06:47:03",
    ),
    (
        "jenkins-audit-12h-milliseconds",
        [
            "Feb 10, 2026 2:47:03,482 PM /job/infra/job/cleanup/disable by dkowalski from 10.2.4.17",
            "Feb 10, 2026 2:47:04,070 PM backend-api » main #456 started at 2026-02-10T14:46:27Z",
        ],
        None,
        T + ".482+00:00",
        None,
        "/job/infra/job/cleanup/disable by dkowalski",
    ),
    (
        "openstack-variable-prefix",
        [
            "nova-api.log.1.2026-02-10_13:53:08 2026-02-10 14:47:03.008 25746 INFO nova.api [req-1] GET",
            "nova-compute.log.1.2026-02-10_13:53:08 2026-02-10 14:47:03.272 2931 WARNING nova.virt x",
        ],
        None,
        T + ".008+00:00",
        "INFO",
        "nova-api.log.1.2026-02-10_13:53:08 nova.api [req-1] GET",
    ),
]


@pytest.mark.parametrize(
    ("lines", "timezone", "expected", "level", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_format(
    tmp_path: Path,
    lines: list[str],
    timezone: str | None,
    expected: str,
    level: str | None,
    message: str,
) -> None:
    wide = scope("2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z")
    records, _ = read(tmp_path, "app.log", "\n".join(lines) + "\n", timezone=timezone, window=wide)
    assert len(records) == len(lines)
    first = records[0]
    assert first.ts == pytest.approx(epoch(expected), abs=1e-6)
    assert first.level == level
    assert message in first.message
    assert not first.message.startswith("]")
    assert first.text == lines[0]
    assert all(r.ts is not None and r.ts > first.ts for r in records[1:])


def test_year_less_stamp_takes_the_year_nearest_the_window(tmp_path: Path) -> None:
    window = scope("2026-01-01T00:10:00Z", "2026-01-01T02:00:00Z", baseline="2025-12-31T23:00:00Z")
    text = "Dec 31 23:59:59 host app: last of the year\nJan  1 00:15:00 host app: first\n"
    records, _ = read(tmp_path, "sys.log", text, window=window)
    assert [r.ts for r in records] == [
        epoch("2025-12-31T23:59:59+00:00"),
        epoch("2026-01-01T00:15:00+00:00"),
    ]


def test_dst_gap_and_overlap_in_source_zone(tmp_path: Path) -> None:
    # 2026-11-01 01:30 happens twice in Los Angeles; fold=0 is the first (PDT, UTC-7).
    window = scope("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
    text = "2026-11-01 01:30:00 INFO a\n2026-11-01 03:00:00 INFO b\n"
    records, _ = read(tmp_path, "dst.log", text, timezone="America/Los_Angeles", window=window)
    assert records[0].ts == epoch("2026-11-01T08:30:00+00:00")
    assert records[1].ts == epoch("2026-11-01T11:00:00+00:00")  # PST after the change


def test_manifest_zone_applies_when_the_source_has_none(tmp_path: Path) -> None:
    window = scope("2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z")
    window = type(window)(window.start, window.end, window.baseline_start, "Asia/Tokyo")
    records, _ = read(tmp_path, "t.log", "2026-02-10 23:47:03 INFO a\n", window=window)
    assert records[0].ts == epoch(T + "+00:00")


def test_a_number_in_a_few_lines_is_not_an_epoch_stamp(tmp_path: Path) -> None:
    text = "".join(f"user {i} logged in\n" for i in range(8)) + "order 1770734823 paid\n"
    records, _ = read(tmp_path, "plain.log", text)
    assert all(r.ts is None for r in records)
    assert len(records) == 9


@pytest.mark.parametrize(
    ("token", "level"),
    [
        ("INFO", "INFO"),
        ("[warning]", "WARN"),
        ("Warn", "WARN"),
        ("ERR", "ERROR"),
        ("severe", "ERROR"),
        ("CRITICAL", "FATAL"),
        ("PANIC:", "FATAL"),
        ("emerg", "FATAL"),
        ("<trace>", "DEBUG"),
        ("notice", "INFO"),
        ("[proxy:error]", "ERROR"),
        ("[info][gc]", "INFO"),
        ("[gc][warning]", "WARN"),
        ("level=warn", "WARN"),
        ('lvl="error"', "ERROR"),
        ("severity=CRITICAL", "FATAL"),
        ("msg=error", None),
        ("D", "DEBUG"),
        ("hello", None),
        ("-", None),
    ],
)
def test_level_normalisation(token: str, level: str | None) -> None:
    assert normalize(token) == level


def test_json_stamps_of_the_last_shape_read_as_the_pattern_reads_them() -> None:
    """A JSON time of the last stamp's shape skips the pattern; it must give what a fresh
    parser (no shape remembered) gives, whatever shapes follow one another."""
    import random
    from datetime import UTC

    from connectors.files.jsonlines import TimeParser
    from connectors.files.timestamps import nearest_year

    year_for = nearest_year(epoch("2026-02-01T00:00:00+00:00"), epoch("2026-03-01T00:00:00+00:00"))
    shapes = [
        "2026-02-10T14:47:{s:02d}.{f}Z",
        "2026-02-10T14:47:{s:02d}Z",
        "2026-02-10 14:47:{s:02d},{f}+01:00",
        "2026-02-10T14:47:{s:02d}xyz",
        "2026-02-10T14:47:{s:02d}.{f}",
        "2026-02-10T14:47:{s:02d}.{f}+0200",
        "2026-02-10T14:47:{s:02d}.x{f}",
    ]
    rng = random.Random(3)
    steady = TimeParser(UTC, year_for)
    for _ in range(3_000):
        shape = rng.choice(shapes)
        value = shape.format(
            s=rng.randint(0, 59), f=str(rng.randint(0, 999)).zfill(rng.choice([1, 3]))
        )
        assert steady._value(value) == TimeParser(UTC, year_for)._value(value), value
