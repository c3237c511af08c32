"""Template mining: grouping, stable ids, determinism, bounded memory, accuracy."""

from __future__ import annotations

import random

import pytest

from bot.engine.templates import OVERFLOW_ID, TemplateMiner, grouping_accuracy


def feed(miner: TemplateMiner, messages: list[str]) -> list[int]:
    return [miner.add(m) for m in messages]


def test_same_shape_gets_same_id() -> None:
    miner = TemplateMiner()
    a = miner.add("Connection from 10.0.0.1 closed after 31 ms")
    b = miner.add("Connection from 10.0.0.7 closed after 1200 ms")
    assert a == b
    assert miner.template(a) == "Connection from <*> closed after <*> ms"
    assert miner.count(a) == 2


def test_different_shapes_get_different_ids() -> None:
    miner = TemplateMiner()
    ids = {
        miner.add("Connection from 10.0.0.1 closed"),
        miner.add("Connection from 10.0.0.1 opened"),
        miner.add("disk /dev/sda1 is full"),
        miner.add("vm-3 created in 2.5s"),
    }
    assert len(ids) == 4
    assert len(miner) == 4


def test_differing_word_variable_is_learned_from_many_values() -> None:
    miner = TemplateMiner(variants=4)
    users = ["alice", "bob", "carol", "dave", "erin"]
    ids = [miner.add(f"session opened for user {u} by uid 0") for u in users]
    resolved = {miner.resolve(i) for i in ids}
    assert len(resolved) == 1
    assert miner.template(ids[0]) == "session opened for user <*> by uid <*>"
    assert miner.count(ids[0]) == len(users)


def test_few_differing_words_stay_separate_events() -> None:
    miner = TemplateMiner(variants=4)
    started = miner.add("cupsd startup succeeded")
    stopped = miner.add("cupsd shutdown succeeded")
    assert miner.resolve(started) != miner.resolve(stopped)


def test_variable_length_values_join_one_template() -> None:
    miner = TemplateMiner()
    a = miner.add("example.org:443 close, 10 bytes sent, 20 bytes received, lifetime 00:01")
    b = miner.add(
        "example.org:443 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, "
        "lifetime <1 sec"
    )
    assert miner.resolve(a) == miner.resolve(b)


def test_ids_stay_valid_after_merging() -> None:
    miner = TemplateMiner(variants=3)
    first = miner.add("job alpha finished ok today")
    later = [miner.add(f"job {name} finished ok today") for name in ["beta", "gamma", "delta"]]
    assert first in miner
    assert miner.resolve(first) == miner.resolve(later[-1])
    assert miner.template(first) == "job <*> finished ok today"
    assert miner.add("job omega finished ok today") == miner.resolve(first)


def test_unknown_id_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        TemplateMiner().template(12345)


def corpus(seed: int, size: int = 3000) -> list[str]:
    rng = random.Random(seed)
    shapes = [
        lambda: (
            f"GET /api/items/{rng.randint(1, 999)} returned {rng.choice([200, 404])} in {rng.randint(1, 900)}ms"
        ),
        lambda: (
            f"user {rng.choice(['ann', 'ben', 'cy', 'dee', 'eve', 'fay'])} logged in from 10.0.{rng.randint(0, 255)}.{rng.randint(0, 255)}"
        ),
        lambda: f"vm-{rng.randint(1, 60)} created on node{rng.randint(1, 9)}.dc.example.com",
        lambda: f"vm-{rng.randint(1, 60)} deleted after {rng.randint(1, 99)}.{rng.randint(0, 9)}s",
        lambda: f"timeout waiting for ack session={rng.getrandbits(32):08x} after 30s",
        lambda: "cache warmed",
        lambda: "cache flushed",
    ]
    return [rng.choice(shapes)() for _ in range(size)]


def test_deterministic_across_runs() -> None:
    messages = corpus(seed=7)
    a, b = TemplateMiner(), TemplateMiner()
    ids_a, ids_b = feed(a, messages), feed(b, messages)
    assert ids_a == ids_b
    assert [a.template(i) for i in a.ids()] == [b.template(i) for i in b.ids()]


def test_grouping_accuracy_on_hand_written_shapes() -> None:
    messages = corpus(seed=11)
    truth = [_shape_of(m) for m in messages]
    miner = TemplateMiner()
    predicted = [miner.resolve(i) for i in feed(miner, messages)]
    assert grouping_accuracy(predicted, truth) >= 0.99
    assert len(miner) == len(set(truth))


def _shape_of(message: str) -> str:
    words = message.split()
    if words[0] == "cache":
        return message
    return words[0] if words[0] != "vm" and not words[0].startswith("vm-") else f"vm {words[1]}"


def test_grouping_accuracy_definition() -> None:
    assert grouping_accuracy([1, 1, 2, 2], ["a", "a", "b", "b"]) == 1.0
    assert grouping_accuracy([1, 1, 1, 2], ["a", "a", "b", "b"]) == 0.0
    assert grouping_accuracy([1, 1, 2, 3], ["a", "a", "b", "b"]) == 0.5
    with pytest.raises(ValueError):
        grouping_accuracy([1], [])


def test_memory_is_bounded_for_unique_lines() -> None:
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choices(letters, k=6)) for _ in range(5000)]
    lines = [" ".join(rng.choices(vocab, k=rng.randint(3, 8))) for _ in range(200_000)]
    cap, cache = 500, 2000
    miner = TemplateMiner(max_templates=cap, max_cache=cache)
    for n, line in enumerate(lines):
        miner.add(line)
        if n % 1000 == 0:
            assert len(miner) <= cap
    assert len(miner) <= cap
    assert miner.cache_size <= 4 * cache  # two memos, two generations each
    assert miner.overflow_count > 0
    assert miner.template(OVERFLOW_ID) == "<*>"
    assert sum(miner.count(i) for i in miner.ids()) + miner.overflow_count == 200_000


def test_a_pickled_miner_still_finds_its_templates_for_another_part_of_the_file() -> None:
    """More templates share one leaf than a lookup scans: after a round trip through
    pickle (a worker's engine) a template adopted from another part must still find its
    cluster, or the merged source shows it as new."""
    import pickle
    import random

    rng = random.Random(3)

    def word() -> str:
        return "".join(rng.choice("abcdefghij") for _ in range(9))

    phrases = [f"{word()} {word()} {word()} {word()}" for _ in range(300)]
    miner = TemplateMiner()
    for phrase in phrases:
        for n in range(3):
            miner.add(f"[worker-1] {phrase} x{n}")
    count = len(miner)
    assert count == len(phrases)
    restored = pickle.loads(pickle.dumps(miner))
    last = restored.add(f"[worker-1] {phrases[-1]} x1")
    adopted = restored.adopt(f"<*> {phrases[-1]} x7", 5)
    assert len(restored) == count
    assert adopted == restored.resolve(last)
    assert restored.count(adopted) == 3 + 1 + 5
