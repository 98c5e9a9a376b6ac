"""Benchmark: what urgency judgement costs on real written letters, which are almost never live.

    python bench/urgency_letters.py [--city hotline/demo_city]

Every distinct title + body of ../shared/data/*.csv (or $HOTLINE_SHARED_DATA: the public message
board's letters, 7,474 texts) is judged by `routing.urgency.assess` twice: by the rules alone (the
baseline) and by the rules with the urgency model trained as the app trains it (the package's labelled
sets and the city's ordinary complaints). Each letter raised to `emergency` goes to an agent for a look:
the script prints how many each raises and refers, the letters only the model raises, and the average
cost of a judgement. Exits 0 with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.data import read_texts, shared_data_dir  # noqa: E402


def letters(data_dir: Path) -> list[str]:
    """Every distinct "title。body" of the data's CSV files (a message appears in several of them)."""
    texts = set()
    for path in sorted(data_dir.glob("*.csv")):
        titles, bodies = read_texts(path)
        texts.update(f"{title}。{body}".strip("。") for title, body in zip(titles, bodies, strict=True))
    texts.discard("")
    return sorted(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", type=Path, default=Path("hotline/demo_city"))
    args = parser.parse_args()
    data_dir = shared_data_dir()
    texts = letters(data_dir) if data_dir.is_dir() else []
    if not texts:
        print(f"shared data not found at {data_dir}; nothing measured")
        return 0

    from hotline.learning.service import city_ordinary_examples
    from routing.urgency import assess
    from routing.urgency_inference import CompiledUrgencyModel
    from routing.urgency_model import train_urgency_model

    model = CompiledUrgencyModel.from_model(train_urgency_model(ordinary=city_ordinary_examples(args.city)))
    results = {}
    for name, judge_with in (("rules alone (baseline)", None), ("rules + model (as shipped)", model)):
        started = time.perf_counter()
        results[name] = [assess(text, None, model=judge_with) for text in texts]
        seconds = time.perf_counter() - started
        raised = sum(r.urgency == "emergency" for r in results[name])
        referred = sum(r.referral is not None for r in results[name])
        print(f"{name:<28} raised {raised:>4} of {len(texts)} letters ({raised / len(texts):.2%}), "
              f"referred {referred:>4}, {seconds / len(texts) * 1e3:.3f} ms per letter")
    rules, both = results.values()
    only_model = [(r.live_probability, text) for text, a, r in zip(texts, rules, both, strict=True)
                  if r.urgency == "emergency" and a.urgency != "emergency"]
    print(f"raised by the model only: {len(only_model)}")
    for probability, text in sorted(only_model, reverse=True)[:10]:
        print(f"  {probability:.2f}  {text[:60]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
