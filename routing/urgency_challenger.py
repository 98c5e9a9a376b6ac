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
from routing.urgency_model import UrgencyExample, _score

# How much worse than the current model a challenger may score and still be promoted (a fraction: 0.01 is
# one point of live recall or of false-alarm rate). Chosen on the 2,959 labelled texts of session 18
# (1,261 live, 1,698 not), where one text moved the live recall by 0.08 points and the false-alarm rate
# by 0.06 points: 0.003 forgave a difference of three or four texts, retraining's noise, not a correction
# that undoes the labelled truth. On the 12,799 texts of session 20 (5,361 live, 7,438 not) it forgives
# about sixteen live texts or twenty-two false alarms. (On the first 329 texts it was 0.01, one text's difference.)
DEFAULT_TOLERANCE = 0.003


@dataclass(frozen=True)
class UrgencyVerdict:
    promote: bool
    reason: str  # a short Chinese explanation, recorded with the run
    champion: dict | None  # {"live_recall", "false_alarm_rate"} of the current model, None without one
    challenger: dict


def _figures(examples: Sequence[UrgencyExample], model) -> dict:
    score = _score(examples, [assess(e.text, e.hint, model=model) for e in examples])
    return {"live_recall": score["live_recall"], "false_alarm_rate": score["false_alarm_rate"]}


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def judge_challenger(
    champion, challenger, examples: Sequence[UrgencyExample], tolerance: float = DEFAULT_TOLERANCE
) -> UrgencyVerdict:
    """Whether ``challenger`` may replace ``champion`` (None: no current model, always promoted)."""
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
    worse = []
    if new["live_recall"] < old["live_recall"] - tolerance:
        worse.append("漏判的紧急情况更多")
    if new["false_alarm_rate"] > old["false_alarm_rate"] + tolerance:
        worse.append("误报更多")
    if worse:
        return UrgencyVerdict(False, f"新模型{'、'.join(worse)}：{figures}", old, new)
    return UrgencyVerdict(True, f"新模型不差于当前模型：{figures}", old, new)
