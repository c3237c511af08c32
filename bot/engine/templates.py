"""Streaming, bounded template mining (Drain-like, deterministic, pure Python).

``TemplateMiner.add(message)`` returns an integer template id. The hot path is one
masking pass (:func:`bot.engine.masking.mask`) and one dict lookup: masked texts
already seen map straight to their cluster. Only a new text pays for clustering:

1. tokenise the masked text on whitespace (tokens of only ``<*>`` and punctuation
   are ``<*>``); a second memo keyed by the tokens with digit-holding ones blanked
   (``t761``, ``hv20``) catches most remaining repeats;
2. among templates of the same length and first word, take the one sharing the most
   tokens, provided no position holds two different plain words (``opened`` vs
   ``closed`` are different events; differing digit-holding tokens are tolerated)
   and the shared share reaches ``similarity``; differing positions become ``<*>``;
3. else join a template with the same constants in order (variable-length values
   such as ``bytes sent`` / ``bytes (1.2 KB) sent``), else start a new template;
4. a word position becomes ``<*>`` once ``variants`` templates differ only there
   (user names, hosts without digits), and a template that gains a wildcard absorbs
   the templates it now covers. Merged ids resolve to the survivor.

Memory is bounded: at most ``max_templates`` live templates (when full, the least
used tenth is evicted into the overflow bucket, id ``OVERFLOW_ID``) and at most
``4 * max_cache`` cached entries (two memos -- masked text, and tokens with digit-holding
ones blanked -- of two generations each; the older generation is dropped whole).
Evicted ids are forgotten and answer as the overflow bucket.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from bot.engine.masking import WILDCARD, mask
from bot.engine.speedups import native

logger = logging.getLogger(__name__)

OVERFLOW_ID = 0
DEFAULT_SIMILARITY = 0.5
_EVICT_SHARE = 0.1
_MAX_SCAN = 256
_USAGE = attrgetter("count", "id")  # eviction order: least used, then oldest
_MAX_SLOTS = 32  # word positions considered for cardinality merges


@dataclass(slots=True, eq=False)
class _Cluster:
    id: int
    tokens: list[str]
    count: int = 0
    merged: _Cluster | None = None  # set when merged into another or evicted
    keys: list[str] = field(default_factory=list)  # index entries it owns
    leaf: tuple[int, str] = (0, "")  # (token count, first word or <*>): where it is searched


class TemplateMiner:
    """Groups log messages into templates; ids are stable for the miner's life.

    An id that was merged into another template, or evicted to the overflow bucket,
    keeps answering through :meth:`resolve`, :meth:`template` and :meth:`count`.
    """

    def __init__(
        self,
        max_templates: int = 5000,
        *,
        similarity: float = DEFAULT_SIMILARITY,
        max_cache: int = 100_000,
        variants: int = 4,
    ) -> None:
        if max_templates < 1:
            raise ValueError("max_templates must be at least 1")
        self.max_templates = max_templates
        self.similarity = similarity
        self.max_cache = max_cache
        self.variants = variants
        self._overflow = _Cluster(OVERFLOW_ID, [WILDCARD])
        self._clusters: dict[int, _Cluster] = {}  # every id ever issued
        self._live: dict[int, _Cluster] = {}
        self._leaves: dict[tuple[int, str], list[_Cluster]] = {}
        self._siblings: dict[str, list[_Cluster]] = {}
        self._masked = _Memo(max_cache)  # masked text -> cluster (the hot path)
        self._shapes = _Memo(max_cache)  # tokens, digit-holding ones blanked -> cluster
        self._next_id = OVERFLOW_ID + 1

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the cache of masked texts (large; it refills on use). The shapes
        stay: a template adopted from another part of the file finds its cluster through
        them when the leaf it would be scanned in holds more than ``_MAX_SCAN``."""
        state = dict(self.__dict__)
        state["_masked"] = _Memo(self.max_cache)
        return state

    # ------------------------------------------------------------------ public

    def add(self, message: str, words: list[str] | None = None) -> int:
        """Count ``message`` and return its template id (``words``: see :func:`mask`)."""
        masked = mask(message, words)
        cluster = self._masked.young.get(masked)
        if cluster is None or cluster.merged is not None:
            cluster = self._lookup_slow(masked)
        cluster.count += 1
        return cluster.id

    def adopt(self, template: str, count: int) -> int:
        """Take in a template another miner found (in another part of the same source)
        with its count; returns the id it answers to here."""
        cluster = self._current(self._get(self.add(template)))
        cluster.count += count - 1
        return cluster.id

    def resolve(self, tid: int) -> int:
        """The id ``tid`` answers to now (itself unless merged or evicted)."""
        return self._current(self._get(tid)).id

    def template(self, tid: int) -> str:
        return " ".join(self._current(self._get(tid)).tokens)

    def count(self, tid: int) -> int:
        return self._current(self._get(tid)).count

    def ids(self) -> list[int]:
        """Ids of the live templates, oldest first."""
        return list(self._live)

    @property
    def overflow_count(self) -> int:
        """Messages counted in evicted templates."""
        return self._overflow.count

    @property
    def cache_size(self) -> int:
        return len(self._masked) + len(self._shapes)

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, tid: object) -> bool:
        return isinstance(tid, int) and OVERFLOW_ID <= tid < self._next_id

    # ------------------------------------------------------------------ lookup

    def _get(self, tid: int) -> _Cluster:
        if tid == OVERFLOW_ID:
            return self._overflow
        cluster = self._clusters.get(tid)
        if cluster is not None:
            return cluster
        if OVERFLOW_ID < tid < self._next_id:
            return self._overflow  # evicted and forgotten
        raise KeyError(f"unknown template id {tid}")

    @staticmethod
    def _current(cluster: _Cluster) -> _Cluster:
        while cluster.merged is not None:
            cluster = cluster.merged
        return cluster

    def _lookup_slow(self, masked: str) -> _Cluster:
        cluster = self._live_or_none(self._masked.get(masked))
        if cluster is None:
            tokens, shape = tokens_and_shape(masked)
            cluster = self._live_or_none(self._shapes.get(shape))
            if cluster is None:
                cluster = self._cluster_for(tokens)
            self._shapes.put(shape, cluster)
        self._masked.put(masked, cluster)
        return cluster

    def _live_or_none(self, cluster: _Cluster | None) -> _Cluster | None:
        if cluster is None:
            return None
        cluster = self._current(cluster)
        return None if cluster is self._overflow else cluster

    # ------------------------------------------------------------------ clustering

    def _cluster_for(self, tokens: list[str]) -> _Cluster:
        best = best_match(self._candidates(tokens), tokens, self.similarity)
        if best is not None:
            if _generalize(best, tokens):
                self._place(best)
                self._reindex(best)
                self._absorb_covered(best)
            return best
        same_skeleton = self._siblings.get(skeleton(tokens))
        if same_skeleton:
            return same_skeleton[0]
        cluster, slots = self._create(tokens)
        return self._merge_by_cardinality(cluster, slots)

    def _candidates(self, tokens: list[str]) -> list[_Cluster]:
        """Templates that may match: same length, same first word or ``<*>`` there.

        Each leaf is scanned up to ``_MAX_SCAN`` templates so that input where every
        line is new costs bounded time per line.
        """
        key = _leaf_key(tokens)
        found = self._leaves.get(key, [])[:_MAX_SCAN]
        if key[1] != WILDCARD:
            found += self._leaves.get((key[0], WILDCARD), [])[:_MAX_SCAN]
        return found

    def _place(self, cluster: _Cluster) -> None:
        key = _leaf_key(cluster.tokens)
        if key != cluster.leaf:
            self._leaves[cluster.leaf].remove(cluster)
            self._leaves.setdefault(key, []).append(cluster)
            cluster.leaf = key

    def _create(self, tokens: list[str]) -> tuple[_Cluster, list[tuple[int, str]]]:
        if len(self._live) >= self.max_templates:
            self._evict()
        cluster = _Cluster(self._next_id, tokens, leaf=_leaf_key(tokens))
        self._next_id += 1
        self._clusters[cluster.id] = cluster
        self._live[cluster.id] = cluster
        self._leaves.setdefault(cluster.leaf, []).append(cluster)
        return cluster, self._reindex(cluster)

    def _merge_by_cardinality(self, cluster: _Cluster, slots: list[tuple[int, str]]) -> _Cluster:
        """Generalise a word position once ``variants`` templates differ only there.

        Two or three words at one position are usually different events ("opened" /
        "closed"); many are a variable without digits (user names, hosts).
        """
        for position, key in slots:
            siblings = self._siblings.get(key, ())
            if len(siblings) < self.variants:
                continue
            keeper, *others = siblings
            for other in others:
                keeper.count += other.count
                self._retire(other, into=keeper)
            keeper.tokens[position] = WILDCARD
            self._place(keeper)
            self._reindex(keeper)
            return keeper
        return cluster

    def _absorb_covered(self, cluster: _Cluster) -> None:
        """Merge the templates of the same length that ``cluster``'s template now covers."""
        size, first = cluster.leaf
        if first != WILDCARD:
            pool = self._leaves.get(cluster.leaf, [])
        else:
            pool = [c for (n, _), leaf in self._leaves.items() if n == size for c in leaf]
        covered = [c for c in pool if c is not cluster and _covers(cluster.tokens, c.tokens)]
        for other in covered:
            cluster.count += other.count
            self._retire(other, into=cluster)

    def _evict(self) -> None:
        """Move the least-used tenth of the templates into the overflow bucket."""
        ranked = sorted(self._live.values(), key=_USAGE)
        victims = ranked[: max(1, int(len(ranked) * _EVICT_SHARE))]
        logger.debug("template cap %d reached; evicting %d", self.max_templates, len(victims))
        for victim in victims:
            self._overflow.count += victim.count
            self._retire(victim, into=self._overflow)
            del self._clusters[victim.id]  # its id now answers as the overflow bucket

    def _retire(self, cluster: _Cluster, *, into: _Cluster) -> None:
        cluster.merged = into
        leaf = self._leaves[cluster.leaf]
        leaf.remove(cluster)
        if not leaf:
            del self._leaves[cluster.leaf]
        del self._live[cluster.id]
        self._unindex(cluster)

    # ------------------------------------------------------------------ index
    # ``_siblings`` maps a skeleton (constants in order) or a slot key (the tokens
    # with one word position blanked) to the live clusters that have it now.

    def _reindex(self, cluster: _Cluster) -> list[tuple[int, str]]:
        """Index ``cluster`` under its current tokens; returns its slot keys."""
        self._unindex(cluster)
        slots = _slot_keys(cluster.tokens, self.similarity)
        keys = [skeleton(cluster.tokens), *(key for _, key in slots)]
        for key in keys:
            self._siblings.setdefault(key, []).append(cluster)
        cluster.keys = keys
        return slots

    def _unindex(self, cluster: _Cluster) -> None:
        for key in cluster.keys:
            owners = self._siblings[key]
            owners.remove(cluster)
            if not owners:
                del self._siblings[key]
        cluster.keys = []


# ---------------------------------------------------------------------- helpers


class _Memo:
    """A bounded two-generation map: when the young one fills, the old one is dropped."""

    __slots__ = ("limit", "old", "young")

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.young: dict[str, _Cluster] = {}
        self.old: dict[str, _Cluster] = {}

    def get(self, key: str) -> _Cluster | None:
        found = self.young.get(key)
        return found if found is not None else self.old.get(key)

    def put(self, key: str, value: _Cluster) -> None:
        if len(self.young) >= self.limit:
            self.old, self.young = self.young, {}
        self.young[key] = value

    def __len__(self) -> int:
        return len(self.young) + len(self.old)


def tokens_and_shape(masked: str) -> tuple[list[str], str]:
    """:func:`tokenize`, and the tokens with digit-holding ones blanked (the key of the
    second memo); in C where the loops are built (``_speedups.tokens_and_shape``)."""
    if native is not None:
        return native.tokens_and_shape(masked, _SEP)
    return _tokens_and_shape(masked)


def _tokens_and_shape(masked: str) -> tuple[list[str], str]:
    tokens = tokenize(masked)
    return tokens, _SEP.join(["#" if _has_digit(t) else t for t in tokens])


def tokenize(masked: str) -> list[str]:
    """Whitespace tokens; tokens of only wildcards/punctuation, or empty brackets, are ``<*>``."""
    return [WILDCARD if _is_blank(t) else t for t in masked.split()]


def _is_blank(token: str) -> bool:
    if WILDCARD in token:
        return not token.replace(WILDCARD, "").strip(_PUNCT)
    return not token.strip(_BRACKETS)


_PUNCT = "()[]{}<>,;:.'\"=/-_|"
_BRACKETS = "()[]{}"


def _leaf_key(tokens: list[str]) -> tuple[int, str]:
    first = tokens[0] if tokens else WILDCARD
    return (len(tokens), WILDCARD if _has_digit(first) else first)


_has_digit = re.compile(r"[0-9]").search


def skeleton(tokens: list[str]) -> str:
    """The constant tokens in order (length-free key for variable-length templates)."""
    return "S" + _SEP.join(t for t in tokens if t != WILDCARD)


def _slot_keys(tokens: list[str], threshold: float) -> list[tuple[int, str]]:
    """One key per word position (the tokens with that one blanked), if context is enough."""
    constants = sum(1 for t in tokens if t != WILDCARD)
    if constants < 2 or (constants - 1) / len(tokens) < threshold:
        return []
    joined = _SEP.join(tokens)
    slots, start = [], 0
    for i, token in enumerate(tokens[:_MAX_SLOTS]):
        end = start + len(token)
        if token != WILDCARD:
            slots.append((i, f"{i}{_SEP}{joined[:start]}{WILDCARD}{joined[end:]}"))
        start = end + 1
    return slots


_SEP = "\x1f"  # cannot occur inside a whitespace-split token


def best_match(bucket: list[_Cluster], tokens: list[str], threshold: float) -> _Cluster | None:
    """:func:`_best_match`, in C where the loops are built (``_speedups.best_match``)."""
    if native is not None:
        return native.best_match(bucket, tokens, threshold)
    return _best_match(bucket, tokens, threshold)


def _best_match(bucket: list[_Cluster], tokens: list[str], threshold: float) -> _Cluster | None:
    """The closest template that differs from ``tokens`` in no plain word.

    A differing position is tolerated when either side is ``<*>`` or both sides hold a
    digit (``t761`` / ``t762``); two different plain words mean two different events.
    """
    best, best_key = None, (-1.0, -1)
    size = len(tokens) or 1
    for cluster in bucket:
        same = wild = 0
        for mine, theirs in zip(cluster.tokens, tokens, strict=True):
            if mine == theirs:
                same += 1
            elif mine == WILDCARD:
                wild += 1
            elif theirs != WILDCARD and not (_has_digit(mine) and _has_digit(theirs)):
                break
        else:
            key = (same / size, wild)
            if key > best_key:
                best, best_key = cluster, key
    if best is None or best_key[0] < threshold:
        return None
    return best


def _generalize(cluster: _Cluster, tokens: list[str]) -> bool:
    """Turn differing positions into wildcards; True when the template changed."""
    changed = False
    for i, (mine, theirs) in enumerate(zip(cluster.tokens, tokens, strict=True)):
        if mine != theirs and mine != WILDCARD:
            cluster.tokens[i] = WILDCARD
            changed = True
    return changed


def _covers(general: list[str], specific: list[str]) -> bool:
    return all(g in (WILDCARD, s) for g, s in zip(general, specific, strict=True))


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Share of messages whose predicted group is exactly their true group (GA)."""
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth differ in length")
    if not truth:
        return 1.0
    pred_groups: dict[Hashable, set[int]] = {}
    true_groups: dict[Hashable, set[int]] = {}
    for i, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        pred_groups.setdefault(p, set()).add(i)
        true_groups.setdefault(t, set()).add(i)
    correct = sum(
        len(members)
        for members in true_groups.values()
        if pred_groups[predicted[next(iter(members))]] == members
    )
    return correct / len(truth)
