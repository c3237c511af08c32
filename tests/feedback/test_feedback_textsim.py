from bot.textsim import BM25, similarity, tokenize


def test_tokenize_splits_identifiers_and_drops_stop_words():
    assert tokenize("The broker timed out on vm-21") == [
        "broker",
        "timed",
        "out",
        "vm-21",
        "vm",
        "21",
    ]


def test_bm25_ranks_the_document_sharing_rare_terms_first():
    docs = [
        "disk full on the database host",
        "hypervisor acknowledgement arrives after the broker timeout",
        "broker restarted cleanly",
    ]
    top = similarity("broker timeout acknowledgement", docs, k=3)
    assert [i for i, _ in top][:2] == [1, 2]
    assert top[0][1] > top[1][1] > 0


def test_bm25_unrelated_query_scores_zero_and_is_left_out():
    index = BM25(["alpha beta", "gamma delta"])
    assert index.scores("omega") == [0.0, 0.0]
    assert index.top("omega") == []


def test_bm25_prefers_shorter_document_for_equal_term_frequency():
    index = BM25(["timeout " + "filler " * 30, "timeout here"])
    first, second = index.scores("timeout")
    assert second > first


def test_bm25_accepts_token_lists():
    index = BM25([["a1", "b2"], ["c3"]])
    assert index.top(["c3"]) == [(1, index.scores(["c3"])[1])]
