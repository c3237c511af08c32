"""Engine quality over the whole corpus (the exam; expected to fail until the engine is good)."""

from __future__ import annotations

import pytest

from bot.evals.runner import run_eval


@pytest.mark.eval
def test_engine_finds_the_root_cause_of_every_scenario() -> None:
    result = run_eval()
    summary = {s.name: (s.rank, s.error) for s in result.scores}
    assert result.errors == 0, summary
    assert result.validity == 1.0, [s.invalid for s in result.scores if s.invalid]
    assert result.top3 == 1.0, summary
    assert result.top1 >= 0.8, summary
    assert max(s.seconds for s in result.scores) < 2.0, {s.name: s.seconds for s in result.scores}
