"""Promotion check for a retrained urgency model: the challenger replaces the current model only if, with
the rules, it catches no fewer live emergencies and raises no more false alarms on the labelled set(s)
than the current one (beyond a small tolerance).

People's corrections retrain the model (hotline.learning); a handful of wrong ones ("鹦鹉飞走了" marked an
emergency fifty times) could teach it to raise everyday complaints or to let real emergencies pass. The
labelled set is the curated truth that such a model must still agree with. Both models are judged the same
way the app uses them: ``assess(text, hint, model=m)``.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routing.urgency import assess
from routing.urgency_inference import CompiledUrgencyModel
from routing.urgency_model import UrgencyExample, UrgencyModel, _score

# How many more missed live texts, or more false alarms, than the current model a challenger may have on
# the labelled set and still be promoted: retraining's noise, not a correction that undoes the labelled
# truth. Session 18 measured that noise at three or four texts on 2,959 labelled texts and set a rate of
# 0.003; as the set grew (12,799 texts in session 20) the same rate forgave sixteen live texts or
# twenty-two false alarms, and 120 wrong corrections that raised fifteen more false alarms were promoted.
# A count keeps the allowance at the noise however large the set grows; on a small set it is at most
# MAX_TOLERANCE_RATE of it (0.003: no text on fewer than 334).
DEFAULT_TOLERANCE = 4
MAX_TOLERANCE_RATE = 0.003


@dataclass(frozen=True)
class UrgencyVerdict:
    promote: bool
    reason: str  # a short Chinese explanation, recorded with the run
    champion: dict | None  # {"live_recall", "false_alarm_rate"} of the current model, None without one
    challenger: dict


def _figures(examples: Sequence[UrgencyExample], model) -> dict:
    # Judged in the arrays form the app serves with: the same probabilities, about 8 times faster than
    # scikit-learn's one-row predictions (1.3 against 11 ms a text), which over the 22,159 labelled texts of
    # session 22 kept the retraining job judging two models for 8 minutes.
    if isinstance(model, UrgencyModel):
        model = CompiledUrgencyModel.from_model(model)
    score = _score(examples, [assess(e.text, e.hint, model=model) for e in examples])
    return {"live_recall": score["live_recall"], "false_alarm_rate": score["false_alarm_rate"]}


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def judge_challenger(
    champion, challenger, examples: Sequence[UrgencyExample], tolerance: int = DEFAULT_TOLERANCE
) -> UrgencyVerdict:
    """Whether ``challenger`` may replace ``champion`` (None: no current model, always promoted).

    ``tolerance``: how many more missed live texts, or more false alarms, the challenger may have (at most
    MAX_TOLERANCE_RATE of the live, or of the other, texts)."""
    if not examples:
        raise ValueError("比较紧急程度模型需要标注样本")
    new = _figures(examples, challenger)
    if champion is None:
        return UrgencyVerdict(True, "当前没有紧急程度模型", None, new)
    old = _figures(examples, champion)
    figures = (
        f"召回率 {_percent(new['live_recall'])}（当前 {_percent(old['live_recall'])}），"
        f"误报率 {_percent(new['false_alarm_rate'])}（当前 {_percent(old['false_alarm_rate'])}）"
    )
    n_live = sum(1 for e in examples if e.live)
    n_not = len(examples) - n_live
    worse = []
    if round((old["live_recall"] - new["live_recall"]) * n_live) > min(tolerance, int(MAX_TOLERANCE_RATE * n_live)):
        worse.append("漏判的紧急情况更多")
    if round((new["false_alarm_rate"] - old["false_alarm_rate"]) * n_not) > min(
        tolerance, int(MAX_TOLERANCE_RATE * n_not)
    ):
        worse.append("误报更多")
    if worse:
        return UrgencyVerdict(False, f"新模型{'、'.join(worse)}：{figures}", old, new)
    return UrgencyVerdict(True, f"新模型不差于当前模型：{figures}", old, new)
