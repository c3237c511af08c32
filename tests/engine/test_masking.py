"""Masking: each kind of variable part becomes ``<*>``; constant words stay."""

from __future__ import annotations

import pytest

from bot.engine.masking import PATTERNS, WILDCARD, find, mask, mask_text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("retry 3 of 10", "retry <*> of <*>"),
        ("ratio -0.25 now", "ratio <*> now"),
        ("block blk_-6952295868487656571 done", "block blk_<*> done"),
        ("flags 0x1f and digest 9f4ef63a", "flags <*> and digest <*>"),
        ("req 123e4567-e89b-12d3-a456-426614174000 ok", "req <*> ok"),
        ("from 10.0.0.1 and 10.0.0.2:5432", "from <*> and <*>"),
        ("peer fe80::1ff:fe23:4567:890a and ::1 and [2001:db8::1]:443", "peer <*> and <*> and <*>"),
        ("open /var/lib/nova/instances/x.img now", "open <*> now"),
        (r"load C:\Windows\winsxs\cbscore.dll", "load <*>"),
        ("fetch https://jira.example.com/rest/api/2/issue?x=1 done", "fetch <*> done"),
        ("state \"ACTIVE\" for 'vm7'", "state <*> for <*>"),
        ("user=alice role=admin,", "user=<*> role=<*>,"),
        ("timeout after 31.2s and 200ms", "timeout after <*> and <*>"),
        ("lifetime <1 sec, waited 5 seconds", "lifetime <*>, waited <*>"),
        ("sent 1.16 KB of 20MB", "sent <*> of <*>"),
        ("at 2026-02-10T14:47:03.123Z ok", "at <*> ok"),
        ("at 2026-02-10 14:47:03,123 ok", "at <*> ok"),
        ("since Fri Jul  1 07:57:30 2005 now", "since <*> now"),
        ("clock 17:41:44 drift", "clock <*> drift"),
        ("mail bob.smith@example.com bounced", "mail <*> bounced"),
        ("host node7.example.com down", "host <*> down"),
        ("created vm-21 on rack-east-4", "created <*> on <*>"),
    ],
)
def test_masks_each_variable_kind(message: str, expected: str) -> None:
    assert mask(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "Connection closed by peer",
        "HTTP request handled",
        "read/write error on socket",
        "org.apache.hadoop.hdfs.DataNode started",
        "Could not resolve proxy",
    ],
)
def test_constant_text_is_untouched(message: str) -> None:
    assert mask(message) == message


def test_words_glued_to_digits_keep_their_word_part() -> None:
    assert mask("HTTP/1.1 t761 u0") == "HTTP/<*> t761 u0"


def test_same_shape_masks_identically() -> None:
    a = mask("vm-3 took 1.5s from 10.1.1.1 user=bob")
    b = mask("vm-44 took 30s from 192.168.7.9 user=carol")
    assert a == b
    assert WILDCARD in a


def test_patterns_are_exposed_for_reuse() -> None:
    assert {"ipv4", "uuid", "url", "email", "duration", "key_value"} <= set(PATTERNS)
    assert find("ipv4", "a 10.0.0.1 b 10.0.0.2:80") == ["10.0.0.1", "10.0.0.2:80"]
    assert find("uuid", "x 123e4567-e89b-12d3-a456-426614174000") == [
        "123e4567-e89b-12d3-a456-426614174000"
    ]
    assert PATTERNS["name_number"].fullmatch("vm-21")


def test_words_taken_as_plain_values_are_what_the_patterns_make_of_them() -> None:
    """``_PLAIN_VALUE`` skips the patterns: every word it accepts must mask to one ``<*>``."""
    import random

    from bot.engine.masking import _PLAIN_VALUE

    rng = random.Random(7)
    segment = "abcxyzAB09_.$@+~-é"

    def number() -> str:
        return str(rng.randint(0, 10 ** rng.randint(1, 6)))

    words = []
    for _ in range(3000):
        words.append(".".join(number() for _ in range(rng.randint(1, 4))))
        words.append(f"{rng.getrandbits(48):012x}")
        parts = ["".join(rng.choice(segment) for _ in range(rng.randint(1, 8))) for _ in range(3)]
        words.append("/" + "/".join(parts[: rng.randint(2, 3)]) + rng.choice(["", "/"]))
        names = ["".join(rng.choice("abcfxyzABFXYZ") for _ in range(rng.randint(1, 6)))]
        names += [rng.choice("-_") + names[0][::-1] for _ in range(rng.randint(0, 2))]
        words.append("".join(names) + "-" + number())
    for word in words:
        assert _PLAIN_VALUE(word), word
        assert mask_text(word) == "<*>", word
    for word in ["1.2.3.4.5", "/etc", "//a/b", "/a/b?x=1", "abcdef", "1..2", "v1.2", "vm_21",
                 "vm-21x", "vm--21", "-21", "é-21", "vm-21.5"]:  # fmt: skip
        assert not _PLAIN_VALUE(word), word
