"""Which failure is the cause, and which identifiers tie sources: a cause in another
source ranks above the failures it explains, a blip does not date the incident, a host
name on every line is a label (not a shared request), a rise in durations is dated from
the first high one, and what a message names as a value is not what happened."""

from __future__ import annotations

import pytest

from bot.engine.classify import classify
from bot.engine.masking import mask
from bot.engine.measures import duration_of
from bot.engine.model import Signal
from bot.engine.records import Record
from bot.engine.state import IdIndex
from bot.engine.stories import incident_onset
from tests.engine.helpers import T0, WINDOW, Log, analyse
from tests.engine.test_pipeline import steady


def test_a_cause_in_another_source_ranks_above_the_failures_it_explains() -> None:
    """A disk times out twice; a minute later the service on top of it fails hundreds of
    times, and so does the proxy in front. The disk is the cause, though the service is
    louder (and named by the case's symptom)."""
    kernel, api, edge = Log("kernel"), Log("api"), Log("edge")
    steady(kernel, 120, "eth0: link is up, {i} packets")
    steady(api, 5, "GET /orders/{i} served in 12ms")
    steady(edge, 5, "GET /orders/{i} 200")
    for k in range(2):
        kernel.add(900 + 10 * k, "ERROR", f"nvme nvme1: I/O {400 + k} QID 6 timeout, aborting")
    for i in range(300):
        api.add(
            960 + i * 4, "ERROR", f"query {i} failed: dial tcp 10.0.0.9:5432: connection refused"
        )
        edge.add(961 + i * 4, "ERROR", f"GET /orders/{i} upstream returned 502 Bad Gateway")
    # the case's symptom names the service's errors: they look likelier on their own
    result = analyse(kernel, api, edge, symptom="orders query failed: connection refused")
    assert result.drafts[0].sources_correlated[0] == "kernel", [d.title for d in result.drafts]
    louder = next(d for d in result.drafts if d.sources_correlated[0] == "api")
    assert "consequence of" in louder.summary
    assert result.drafts[0].confidence > louder.confidence


def test_an_earlier_warning_of_the_same_source_is_not_lifted_above_its_errors() -> None:
    api = Log("api")
    steady(api, 5, "GET /orders/{i} served in 12ms")
    for k in range(2):
        api.add(880 + 5 * k, "WARN", f"housekeeper: thread starvation or clock leap detected ({k})")
    for i in range(300):
        api.add(960 + i * 4, "ERROR", f"token {i} rejected: no matching key(s) found")
    result = analyse(api)
    assert "rejected" in result.drafts[0].title, [d.title for d in result.drafts]


def _signal(kind: str, at: float, **detail: object) -> Signal:
    return Signal(kind, kind, 0.8, ("s",), [], T0 + at, dict(detail))


def test_a_blip_that_was_over_at_once_does_not_date_the_incident() -> None:
    """A replica restarted at 10:01 (one line, back a minute later); the errors that went
    on began at 10:12."""
    blip = _signal("new_template", 60, window=1, last=T0 + 70.0)
    errors = _signal("new_template", 720, window=400, last=T0 + 3000.0)
    assert incident_onset([blip, errors]) == T0 + 720
    assert incident_onset([blip]) == T0 + 60  # nothing else: the blip is all there is
    lasting = _signal("new_template", 60, window=2, last=T0 + 900.0)
    assert incident_onset([lasting, errors]) == T0 + 60


def test_an_identifier_on_a_large_share_of_a_source_is_its_label() -> None:
    """``app-03`` is on every line its host writes: it ties no request across sources."""
    index = IdIndex()
    for n in range(200):
        for source in ("web", "journal"):
            record = Record(source, f"{source}.log", n + 1, T0 + n, None, "m", "m")
            index.note("app-03", record, 1 if source == "journal" else -1, None)
    for source in ("web", "journal"):
        record = Record(source, f"{source}.log", 999, T0 + 5, None, "m", "m")
        index.note("req=42", record, 0, None)
    assert sorted(index.shared()) == ["app-03", "req=42"]
    assert sorted(index.shared({"web": 1000, "journal": 1000})) == ["req=42"]
    assert sorted(index.shared({"web": 100_000, "journal": 100_000})) == ["app-03", "req=42"]


def test_host_names_on_every_line_make_no_race() -> None:
    """Two sources name their host on every line; one warns about a bad Host header,
    the other logs a finished timer. That is no disagreement about a unit of work."""
    web, journal = Log("web"), Log("journal")
    for host in ("app-02", "app-03"):
        steady(web, 20, host + " order {i} placed")
        steady(journal, 60, host + " systemd[1]: Finished sysstat-collect.service ({i})")
        web.add(100, "ERROR", f"{host} request failed: invalid host header")
    result = analyse(web, journal)
    assert not [s for s in result.signals if s.kind == "disagreement"]


def test_a_rise_in_durations_is_dated_from_the_first_high_one() -> None:
    worker = Log("worker")
    at, n = -1800.0, 0
    while at < WINDOW:
        slow = at >= 1500
        took = 2000 + (n % 7) * 300 if slow else 40 + (n % 5)
        worker.add(at, "INFO", f"email {n} accepted by MTA in {took} ms")
        at, n = at + 10.0, n + 1
    result = analyse(worker)
    rose = [s for s in result.signals if s.kind == "latency" and "rose to" in s.title]
    assert rose and rose[0].onset == pytest.approx(T0 + 1500, abs=1.0)


@pytest.mark.parametrize(
    "template",
    [
        "mx1 systemd[<*>]: Started Session <*> of User deploy.",
        "Accepted publickey for deploy from <*> port <*> ssh2",
        "pam_unix(sshd:session): session opened for user release by (uid=<*>)",
    ],
)
def test_a_user_named_like_a_change_is_a_value(template: str) -> None:
    assert not classify(template).change


def test_the_kind_of_an_audit_event_is_what_happened() -> None:
    """``operationType=UPDATE`` is kept by masking and read as words: an admin changed a
    component. Other values stay variables."""
    line = (
        "[org.keycloak.events] (executor-thread-3) operationType=UPDATE, "
        "realmId=c2b39253, resourceType=COMPONENT, resourcePath=components/2ce8"
    )
    template = mask(line)
    assert "operationType=UPDATE," in template and "realmId=<*>" in template
    assert classify(template).change
    assert classify(mask("type=CONFIG_CHANGE msg=audit(1364481363.243:24287): op=add_rule")).change
    assert not classify(mask("operationType=<*> took 5 ms")).change
    # an operation that alters what it names is a change; an HTTP method is no operation
    assert classify(mask("operationType=CREATE, realmId=c2b39253, resourceType=COMPONENT")).change
    assert classify(mask("action=delete rule=ssh-22")).change
    assert not classify(mask("method=PUT path=/v1/orders/7 status=200")).change
    assert not classify(mask("type=USER_LOGIN msg=audit(1364481363.243:24287)")).change


def test_a_count_of_things_in_a_period_is_no_duration() -> None:
    assert duration_of("10000 changes in 60 seconds. Saving...") is None
    assert duration_of("1200 requests in 5 minutes") is None
    assert duration_of("backup done in 60 seconds") == 60.0
    assert duration_of("image image-845 started in 596 ms") == pytest.approx(0.596)


def test_a_point_in_time_written_in_ms_is_no_duration() -> None:
    assert duration_of("Leader: 1 lastCaughtUpTimeMs: 1772703034123 isr: 2") is None
    assert duration_of("request latencyMs: 812") == pytest.approx(0.812)


@pytest.mark.parametrize(
    ("template", "change"),
    [
        # a process announcing its own start
        ("orders-api starting version=<*> commit=<*> node=<*>", True),
        ("orders-api starting", True),
        ("starting request <*> for tenant <*>", False),
        ("worker starting job <*>", False),
        # credentials replaced
        ("Certificate must be re-issued reason=<*>", True),
        ("certificate renewed for <*>", True),
        ("signing key <*> rotated", True),
        ("log file rotated", False),
    ],
)
def test_a_process_start_and_replaced_credentials_are_changes(template: str, change: bool) -> None:
    assert classify(template).change is change


def test_a_guess_at_exhaustion_is_no_exhaustion() -> None:
    hedged = classify("Worker (pid:<*>) was sent SIGKILL! Perhaps out of memory?")
    assert hedged.failure and not hedged.exhaustion
    assert classify("Out of memory: Killed process <*> (java)").exhaustion
    assert classify("connection pool exhausted, maybe retry later").exhaustion


def test_warnings_before_the_errors_do_not_date_them() -> None:
    scanner = _signal("new_template", 240, window=300, last=T0 + 3000.0, severity=2)
    errors = _signal("new_template", 700, window=40, last=T0 + 2000.0, severity=3)
    assert incident_onset([scanner, errors]) == T0 + 700
    assert incident_onset([scanner]) == T0 + 240  # only warnings: they are all there is


def test_a_routine_line_of_a_change_joins_the_change_and_the_line_naming_it_leads() -> None:
    """A config run rewrites a file, reloads the proxy and prints its routine summary
    (also in the baseline); one change, told by the line naming the file."""
    proxy, app = Log("proxy"), Log("app")
    steady(proxy, 1800, "puppet-agent[{i}]: Applied catalog in 5.{i} seconds")
    steady(app, 5, "charge {i} accepted")
    proxy.add(
        720,
        "INFO",
        "puppet-agent[811]: (/Stage[main]/Proxy/File[/etc/squid/allowed_domains.txt]/content)"
        " content changed '{sha256}4d9c' to '{sha256}77ab'",
    )
    proxy.add(726, "INFO", "systemd[1]: Reloaded squid.service - Squid Web Proxy Server.")
    proxy.add(727, "INFO", "puppet-agent[811]: Applied catalog in 6.84 seconds")
    for i in range(200):
        app.add(730 + 5 * i, "ERROR", f"charge {i} failed: proxy returned 403 Forbidden")
    result = analyse(proxy, app)
    changes = [d for d in result.drafts if d.kind == "change"]
    assert len(changes) == 1, [d.title for d in result.drafts]
    assert "content changed" in changes[0].title


def test_a_change_seconds_before_the_errors_ranks_above_one_minutes_before() -> None:
    timer, deployer, app = Log("timer"), Log("deployer"), Log("app")
    steady(app, 5, "charge {i} accepted")
    timer.add(0, "INFO", "metrics agent restarted")
    deployer.add(715, "INFO", "deploy of edge release 2.4.1 finished")
    for i in range(200):
        app.add(720 + 5 * i, "ERROR", f"charge {i} failed: proxy returned 403 Forbidden")
    result = analyse(timer, deployer, app)
    changes = [d for d in result.drafts if d.kind == "change"]
    assert [d.sources_correlated[0] for d in changes][:2] == ["deployer", "timer"]
    assert changes[0].confidence > changes[1].confidence


def test_a_difference_of_decades_is_no_clock_offset() -> None:
    """Stamps misread from text inside the lines (a build's ``started at`` date) give
    absurd differences; no clock is shifted by them, a real zone error still is."""
    from bot.engine.alignment import _estimate

    assert _estimate("audit", "controller", [-1.77e9, -1.77e9 + 3, -1.77e9 + 9]) is None
    zone = _estimate("broker", "hypervisor", [-28_800.2, -28_799.7, -28_800.9])
    assert zone is not None and zone.applied and zone.seconds == -28_800


def test_a_source_whose_stamps_carry_their_zone_is_not_shifted_by_hours() -> None:
    from bot.engine import Engine
    from tests.engine.helpers import config

    def run(trusted: frozenset[str]) -> dict[str, float]:
        engine = Engine(config())
        controller, consoles = Log("controller", offset=4231.0), Log("consoles")
        for n in range(6):
            controller.add(60.0 * n, "INFO", f"build job-{n + 1} completed")
            consoles.add(60.0 * n, "INFO", f"build job-{n + 1} started")
        for record in [*controller.records, *consoles.records]:
            engine.add(record)
        return {o.source: o.seconds for o in engine.finish(trusted_clocks=trusted).offsets}

    assert run(frozenset({"consoles"})) == {"controller": 4231.0}
    assert run(frozenset({"consoles", "controller"})) == {}


def test_an_operation_new_only_by_its_outcome_word_is_not_new_and_slow() -> None:
    """Builds take about a minute; in the window some end UNSTABLE, a template the
    baseline never had. They are no slower than the builds before them."""
    audit = Log("audit")
    at, n = -1800.0, 0
    while at < WINDOW:
        outcome = "UNSTABLE" if at > 600 and n % 3 == 0 else "SUCCESS"
        audit.add(at, "INFO", f"build {n} completed in {55000 + (n * 7919) % 30000}ms: {outcome}")
        at, n = at + 70.0, n + 1
    result = analyse(audit)
    assert not [s for s in result.signals if s.kind == "latency" and "new slow" in s.title]


def test_a_change_the_baseline_logged_again_and_again_is_routine() -> None:
    ci, consoles = Log("ci"), Log("consoles")
    steady(consoles, 10, "step {i} ok")
    for at in (-1700.0, -700.0, 300.0):
        ci.add(at, "INFO", "update center: obtained the updated data file")
    for i in range(60):
        consoles.add(700 + 10 * i, "ERROR", f"step {i} failed: No space left on device")
    result = analyse(ci, consoles)
    assert result.drafts[0].kind == "exhaustion", [d.title for d in result.drafts]
    assert not [d for d in result.drafts if d.kind == "change"]


def test_an_entity_that_serves_many_builds_makes_no_race() -> None:
    """Build agents show up in the audit (a build failed on agent-3) and in the consoles
    (running on agent-3) all day: they serve many builds; no unit of work disagrees."""
    audit, consoles = Log("audit"), Log("consoles")
    for n in range(60):
        agent = f"agent-{n % 3}"
        outcome = "failed" if n >= 40 and n % 2 else "succeeded"
        consoles.add(-1700 + 80 * n, "INFO", f"build {n} running on {agent}")
        audit.add(-1650 + 80 * n, "INFO", f"build {n} on {agent} {outcome}")
    result = analyse(audit, consoles)
    assert not [s for s in result.signals if s.kind == "disagreement"]


def _access(log: Log, at: float, path: str, status: int) -> None:
    log.add(at, None, f'10.0.0.9 "GET {path} HTTP/1.1" {status} 512 "-" "probe/1.0"')


def test_requests_answered_2xx_in_the_baseline_now_refused_with_4xx_fail() -> None:
    """The health check that always got 200 gets 404 after a deploy: a failure, though a
    404 alone is routine. A scanner's occasional 404s elsewhere are not."""
    access = Log("access")
    at = -1800.0
    while at < WINDOW:
        _access(access, at, "/healthz", 404 if at >= 780 else 200)
        _access(access, at + 1, "/index.html", 200)
        at += 5.0
    for k in range(4):
        _access(access, 900 + 60 * k, "/.env", 404)
    result = analyse(access)
    flips = [
        s for s in result.signals if s.kind == "new_template" and s.detail.get("severity") == 2
    ]
    assert [s.onset for s in flips] == [pytest.approx(T0 + 780, abs=1.0)]
    assert "/healthz" in flips[0].records[0].text


def test_a_change_told_by_its_last_instance_is_dated_and_cited_by_it() -> None:
    """One audit template records two flag flips, ten minutes apart; the errors follow
    the second. Title, summary and evidence all tell the second, the first precedes it."""
    flags, api = Log("flags"), Log("api")
    steady(api, 5, "export {i} done")
    flags.add(300, "INFO", "flag ff-1201 updated: rollout 0 -> 50")
    flags.add(300.5, "INFO", "tenants notified of ff-1201")
    flags.add(900, "INFO", "flag ff-877 updated: rollout 5 -> 100")
    for i in range(60):
        api.add(960 + 10 * i, "ERROR", f"export {i} failed: out of memory, killed")
    result = analyse(flags, api)
    change = next(d for d in result.drafts if d.kind == "change")
    assert "10:15:00" in change.title and "5 -> 100" in change.title, change.title
    assert "10:15:00" in change.summary
    cited = [c.item.text for c in change.citations if isinstance(c.item, Record)]
    assert any("ff-877" in text for text in cited)


def test_a_jump_in_volume_is_titled_by_the_message_that_makes_it() -> None:
    lb, client = Log("lb"), Log("client")
    steady(lb, 10, "health check {i} passed")
    steady(client, 10, "call {i} ok")
    at = 840.0
    while at < 2400:
        lb.add(
            at,
            "INFO",
            "(VI_1) Received advert with lower priority 100, ours 150, forcing new election",
        )
        at += 1.0
    for i in range(40):
        client.add(900 + 30 * i, "ERROR", f"call {i} failed: connection reset by peer")
    result = analyse(lb, client)
    load = next(d for d in result.drafts if d.kind == "load")
    assert "Received advert with lower priority" in load.title, load.title
    assert any("Received advert" in c.item.text for c in load.citations)


def test_an_alb_access_line_has_its_status_before_the_request() -> None:
    from bot.engine.classify import http_status

    line = (
        "http 2026-03-05T09:12:01.123456Z app/my-alb/50dc6c495c0c9188 203.0.113.5:46532 "
        '10.0.1.20:8080 0.000 -1 -1 502 - 34 366 "GET https://shop.example.com:443/api/cart '
        'HTTP/1.1" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2'
    )
    assert http_status(line) == 502
    assert http_status('10.0.0.9 "GET /x HTTP/1.1" 404 512 "-" "curl/8.5.0"') == 404


def test_a_process_reaching_its_descriptor_limit_is_exhaustion_not_a_restart() -> None:
    meaning = classify(
        mask(
            "Proxy fe_main reached process FD limit (maxsock=40035). Please check 'ulimit-n' and restart."
        )
    )
    assert meaning.exhaustion and not meaning.change
