"""A Kafka broker's full-GC pauses outlast its ZooKeeper session timeout.

The broker's GC log (JVM unified logging) shows a few ~10 s ``Pause Full`` lines, each
written when the pause *ends*; ZooKeeper expires the broker's session (6000 ms) while the
JVM is frozen; the broker then finds its session gone, re-registers and shrinks ISRs;
producers see ``NOT_LEADER_OR_FOLLOWER`` and expired batches. No log names the pause as
the reason for the expiry.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import LOG4J, Case, hexid, stamp, utc

NAME = "gc-pause-session-expiry"
TYPE = "gc-pause"
KAFKA = stamp("[%Y-%m-%d %H:%M:%S,{ms}]")
JVM = stamp("[%Y-%m-%dT%H:%M:%S.{ms}+0000]")


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-GCPAUSE",
        title="Order events delayed, producers time out",
        symptom="Producers report NOT_LEADER_OR_FOLLOWER and expired batches; order events are delayed.",
        start=utc("2026-03-02T10:00"),
        end=utc("2026-03-02T11:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
    )
    rng = case.rng
    kafka = case.log("kafka-2", "logs/server.log", KAFKA)
    gc = case.log("kafka-2-gc", "logs/kafkaServer-gc.log", JVM)
    zk = case.log("zookeeper", "logs/zookeeper.log", LOG4J)
    producer = case.log("order-service", "logs/order-service.log", LOG4J)
    pauses = [case.at(m + rng.uniform(-1, 1)) for m in (14, 21, 27, 33)]

    n = 1000
    for ts in case.steady(case.t0, case.t_end, 8.0, 0.3):
        n += 1
        if any(p <= ts < p + 12 for p in pauses):
            continue
        gc.add(
            ts,
            f"{{ts}}[info][gc] GC({n}) Pause Young (Normal) (G1 Evacuation Pause) "
            f"{rng.randint(2000, 4000)}M->{rng.randint(500, 900)}M(8192M) {rng.uniform(8, 40):.3f}ms",
        )
    for p in pauses:  # the line is written when the pause ends
        n += 1
        pause = rng.uniform(8500, 11000)
        gc.add(
            p + pause / 1000,
            f"{{ts}}[info][gc] GC({n}) Pause Full (G1 Compaction Pause) 8170M->8020M(8192M) {pause:.3f}ms",
            "proof",
        )

    session = "0x2000012ab3c0001"
    zk.add(
        case.t0 - 60,
        f"{{ts}} [myid:1] - INFO  [CommitProcWorkThread-1:ZooKeeperServer@1128] - Established "
        f"session {session} with negotiated timeout 6000 for client /10.0.5.12:43122",
        "relevant",
    )
    for ts in case.steady(case.t0, case.t_end, 120, 0.1):
        zk.add(
            ts,
            f"{{ts}} [myid:1] - INFO  [SyncThread:1:FileTxnLog@284] - Creating new log file: log.{hexid(rng, 9)}",
        )
    for ts in case.ticks(case.t0, case.t_end, 30):
        zk.add(
            ts,
            "{ts} [myid:1] - INFO  [NIOServerCxnFactory.AcceptThread:0.0.0.0/0.0.0.0:2181:"
            "NIOServerCnxnFactory$AcceptThread@296] - Accepted socket connection from "
            f"/10.0.5.{rng.randint(20, 90)}:{rng.randint(30000, 60000)}",
        )
    for i, p in enumerate(pauses):
        zk.add(
            p + 6.2,
            f"{{ts}} [myid:1] - INFO  [SessionTracker:ZooKeeperServer@610] - Expiring session "
            f"{session}, timeout of 6000ms exceeded",
            "proof",
        )
        zk.add(
            p + 6.21,
            "{ts} [myid:1] - INFO  [RequestThrottler:QuorumZooKeeperServer@159] - Submitting "
            f"global closeSession request for session {session}",
        )
        session = f"0x2000012ab3c{i + 2:04x}"
        zk.add(
            p + 11,
            f"{{ts}} [myid:1] - INFO  [CommitProcWorkThread-1:ZooKeeperServer@1128] - Established "
            f"session {session} with negotiated timeout 6000 for client /10.0.5.12:{rng.randint(40000, 50000)}",
        )
        kafka.add(
            p + 10.5,
            "{ts} INFO [ZooKeeperClient Kafka server] Session expired. (kafka.zookeeper.ZooKeeperClient)",
            "relevant",
        )
        kafka.add(
            p + 10.6,
            "{ts} INFO [ZooKeeperClient Kafka server] Initializing a new session to "
            "zk1:2181,zk2:2181,zk3:2181. (kafka.zookeeper.ZooKeeperClient)",
        )
        kafka.add(
            p + 11.2,
            "{ts} INFO Creating /brokers/ids/2 (is it secure? false) (kafka.zk.KafkaZkClient)",
        )
        for part in range(0, 12, 3):
            kafka.add(
                p + 11.5,
                f"{{ts}} INFO [Partition orders-{part} broker=2] Shrinking ISR from 2,1,3 to 2. "
                f"Leader: (highWatermark: {rng.randint(10**6, 10**7)}, endOffset: "
                f"{rng.randint(10**6, 10**7)}). Out of sync replicas: (brokerId: 1, endOffset: "
                f"{rng.randint(10**6, 10**7)}) (brokerId: 3, endOffset: {rng.randint(10**6, 10**7)}). "
                "(kafka.cluster.Partition)",
            )
    for ts in case.steady(case.t0, case.t_end, 300, 0.01):
        kafka.add(
            ts,
            "{ts} INFO [GroupMetadataManager brokerId=2] Removed 0 expired offsets in 1 "
            "milliseconds. (kafka.coordinator.group.GroupMetadataManager)",
        )
    for ts in case.ticks(case.t0, case.t_end, 15):
        kafka.add(
            ts,
            f"{{ts}} INFO [ProducerStateManager partition=orders-{rng.randint(0, 11)}] Wrote "
            f"producer snapshot at offset {rng.randint(10**6, 10**7)} with 0 producer ids in 1 ms. "
            "(kafka.log.ProducerStateManager)",
        )

    for ts in case.ticks(case.t0, case.t_end, 1.0):
        order = rng.randint(100000, 999999)
        hit = next((p for p in pauses if p + 7 <= ts < p + 30), None)
        if hit is not None and rng.random() < 0.7:
            part = rng.randrange(0, 12, 3)
            producer.add(
                ts,
                "{ts} WARN  [kafka-producer-network-thread | producer-1] o.a.k.c.p.i.Sender - "
                f"[Producer clientId=producer-1] Got error produce response with correlation id "
                f"{rng.randint(10**5, 10**6)} on topic-partition orders-{part}, retrying "
                "(2147483646 attempts left). Error: NOT_LEADER_OR_FOLLOWER",
                "relevant",
            )
            if rng.random() < 0.3:
                producer.add(
                    ts + 0.1,
                    "{ts} ERROR [kafka-producer-network-thread | producer-1] "
                    f"c.e.orders.events.OrderPublisher - failed to publish order {order}\n"
                    "org.apache.kafka.common.errors.TimeoutException: Expiring 14 record(s) for "
                    f"orders-{part}:120000 ms has passed since batch creation",
                )
        else:
            producer.add(
                ts,
                f"{{ts}} INFO  [http-nio-8080-exec-{rng.randint(1, 40)}] "
                f"c.e.orders.events.OrderPublisher - published order {order} to orders in "
                f"{rng.randint(2, 30)} ms",
            )
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "Kafka broker 2 has full-GC pauses of about 10 s, longer than its 6000 ms ZooKeeper "
            "session timeout; its session expires, ISRs shrink and producers lose their leader."
        ),
        proof_sources=["kafka-2-gc", "zookeeper"],
    )
