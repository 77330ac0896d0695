"""Peak memory of the annual assessment's workbooks at 10,000 enterprises (scoring sheet and linkage sheet).

    python bench/assessment_export.py --enterprises 10000                      # this checkout
    python bench/assessment_export.py --enterprises 10000 --code /path/to/main # the same, another checkout

Each measurement runs in its own process: the scored results of N synthetic enterprises (9 rows each:
six core indicators and three others, seeded values around their targets) are built first and the
process's peak RSS read (VmHWM); then the scoring sheet (`campaign scores export`) and the linkage
sheet are written to disk, and the peak read again. The difference is what writing the workbooks
costs in memory on top of the results themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORE = ["利润总额", "净利润", "资产负债率", "净资产收益率", "全员劳动生产率", "营业现金比率"]
CATEGORIES = ["商业一类", "商业二类", "公益类"]


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(n: int) -> dict:
    from campaign.assessment.rules import Item, finalize, score_enterprise
    from campaign.assessment.workbooks import build_linkage_sheet, build_scoring_sheet
    from campaign.config.model import load_config

    scoring = load_config().scoring
    rng = random.Random(14)
    results = []
    for k in range(1, n + 1):
        items = []
        for row, name in enumerate(CORE, start=1):
            lower = name == "资产负债率"
            target = 60.0 if lower else rng.uniform(100, 5000)
            actual = target * rng.uniform(0.85, 1.1)
            items.append(
                Item(row, "企业效益", name, target, actual, indicator=name, direction="lower" if lower else "higher")
            )
        for row, dim in enumerate(["科技创新", "数字化变革", "人才队伍建设"], start=7):
            items.append(Item(row, dim, f"=任务{row}（以等号开头，须作为文本写出）", 100.0, rng.uniform(70, 110)))
        results.append(score_enterprise(f"SIM{k:05d}", f"模拟企业{k:05d}有限公司", CATEGORIES[k % 3], items, scoring))
    results = finalize(results, scoring)
    before = _hwm_mb()
    out = Path(tempfile.mkdtemp(prefix="export-bench-"))
    started = time.perf_counter()
    build_scoring_sheet(2023, results).save(out / "scoring.xlsx")
    scoring_s = time.perf_counter() - started
    after_scoring = _hwm_mb()
    started = time.perf_counter()
    build_linkage_sheet(2023, results, "区国资委").save(out / "linkage.xlsx")
    linkage_s = time.perf_counter() - started
    after = _hwm_mb()
    return {
        "enterprises": n,
        "rows": sum(len(r.items) for r in results),
        "peak_before_mb": round(before, 1),
        "scoring_extra_mb": round(after_scoring - before, 1),
        "peak_after_mb": round(after, 1),
        "export_extra_mb": round(after - before, 1),
        "scoring_s": round(scoring_s, 1),
        "linkage_s": round(linkage_s, 1),
        "scoring_file_mb": round((out / "scoring.xlsx").stat().st_size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--code", help="another checkout to measure (e.g. the baseline)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.enterprises)))
        return
    env = dict(os.environ)
    if args.code:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.code, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--enterprises", str(args.enterprises)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    code = args.code or str(Path(__file__).resolve().parents[1])
    print(f"{code}: load average {os.getloadavg()}")
    print(
        f"  {result['enterprises']} enterprises, {result['rows']} scored rows: peak RSS {result['peak_before_mb']} MB "
        f"with the results in memory, {result['peak_after_mb']} MB after both workbooks "
        f"(+{result['export_extra_mb']} MB; scoring sheet alone +{result['scoring_extra_mb']} MB)"
    )
    print(f"  scoring sheet {result['scoring_s']} s ({result['scoring_file_mb']} MB), ", end="")
    print(f"linkage sheet {result['linkage_s']} s")


if __name__ == "__main__":
    main()
