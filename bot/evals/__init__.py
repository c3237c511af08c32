"""The evaluation corpus and its runner (``logiq eval``)."""

from bot.evals.runner import EvalResult, ScenarioScore, main, print_table, run_eval

__all__ = ["EvalResult", "ScenarioScore", "main", "print_table", "run_eval"]
