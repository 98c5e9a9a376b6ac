"""Timing of Gazetteer.resolve() — not a test (pytest does not collect it); run once by hand:

    python tests/routing/timing_resolve.py

Builds a synthetic city of 16 districts × ~19 streets (≈300 streets, each with 2 aliases and
4 landmarks, like the demo city) plus the demo city itself, and times typical addresses.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from routing.gazetteer import Gazetteer  # noqa: E402

# Common place-name characters, so that synthetic names overlap like real ones do.
CHARS = "东西南北中安平和兴华新龙凤天通庄园门桥里村河山湖海泉林石云金玉长乐宁福德胜光明永丰广惠春景阳京"


def synthetic_city(seed: int = 1, districts: int = 16, streets_per_district: int = 19) -> list[dict]:
    rnd = random.Random(seed)
    used: set[str] = set()

    def fresh(length: int) -> str:
        while True:
            name = "".join(rnd.choice(CHARS) for _ in range(length))
            if name not in used:
                used.add(name)
                return name

    city = []
    for d in range(districts):
        dname = fresh(2)
        streets = []
        for s in range(streets_per_district):
            core = fresh(rnd.choice((2, 2, 3)))
            streets.append(
                {
                    "name": core + "街道",
                    "aliases": [core, core + "地区"],
                    "unit": f"S{d}-{s}",
                    "landmarks": [fresh(4), fresh(3) + "小区", fresh(2) + "路", fresh(3) + "公园"],
                    "center": [39.7 + rnd.random() * 0.6, 116.1 + rnd.random() * 0.6],
                }
            )
        city.append({"name": dname + "区", "aliases": [dname], "unit": f"D{d}", "streets": streets})
    return city


def bench(gazetteer: Gazetteer, addresses: list[str], rounds: int = 2000) -> float:
    """Median microseconds per resolve() over the address mix."""
    per_call = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds // len(addresses) + 1):
            for address in addresses:
                gazetteer.resolve(address)
        elapsed = time.perf_counter() - start
        per_call.append(elapsed / ((rounds // len(addresses) + 1) * len(addresses)) * 1e6)
    return statistics.median(per_call)


def main() -> None:
    city = synthetic_city()
    gazetteer = Gazetteer.from_districts(city)
    street = city[3]["streets"][5]
    exact = [
        f"北京市{city[3]['name']}{street['name']}幸福小区3号楼2单元501",
        f"{street['landmarks'][0]}东门对面",
        f"{city[7]['aliases'][0]}{city[7]['streets'][2]['aliases'][0]}某某路12号院",
    ]
    typo_name = street["name"]
    typo = [f"{typo_name[0]}错{typo_name[2:]}12号", "完全不认识的地方123号楼"]
    print(f"synthetic city: {gazetteer.street_count} streets")
    print(f"  exact mentions : {bench(gazetteer, exact):6.1f} µs / address")
    print(f"  typo / unknown : {bench(gazetteer, typo):6.1f} µs / address")

    demo = Path(__file__).resolve().parents[2] / "hotline" / "demo_city" / "jurisdictions.yaml"
    if demo.exists():
        import yaml

        demo_gazetteer = Gazetteer.from_districts(yaml.safe_load(demo.read_text("utf-8"))["districts"])
        addresses = [
            "北京市朝阳区望京街道望京西园222号楼",
            "朝阳望京SOHO T1",
            "回龙官镇龙泽苑",
            "海淀区某某路1号",
        ]
        print(f"demo city: {demo_gazetteer.street_count} streets")
        print(f"  mixed          : {bench(demo_gazetteer, addresses):6.1f} µs / address")


if __name__ == "__main__":
    main()
