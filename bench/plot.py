"""Growth: the p95 of each page against the size of the data, from runs of
bench/run.py at several scales (each saved with --label).

    .venv/bin/pip install -r bench/requirements.txt        # matplotlib
    .venv/bin/python bench/plot.py                         # every bench/results/pages-*.json
    .venv/bin/python bench/plot.py bench/results/pages-0.01.json bench/results/pages-1.0.json

Saves bench/results/growth.png (users on a log axis, p95 on a log axis, the
50 and 100 ms targets drawn) and prints a Markdown table: each page's p95
at each size, and p95 at the largest size over p95 at the smallest (the
target: within 2×), with the workers' memory and the database's size.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "AR PL UMing CN", "SimHei")
GROWTH_TARGET = 2.0


def main() -> int:
    args = _parse_args()
    files = args.files or sorted(RESULTS.glob("pages-*.json"))
    runs = sorted((_load(Path(f)) for f in files), key=lambda run: run["database"]["users"])
    if len(runs) < 2:
        sys.exit("Give two or more results files of different sizes (bench/run.py --label).")
    pages = _pages(runs)
    _plot(runs, pages, Path(args.out))
    print("\n".join(_table(runs, pages)))
    print(f"\nSaved {args.out}")
    return 0


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="results JSON (default: results/pages-*.json)")
    parser.add_argument("--out", default=str(RESULTS / "growth.png"))
    return parser.parse_args()


def _load(path: Path) -> dict:
    run = json.loads(path.read_text(encoding="utf-8"))
    if "database" not in run:
        sys.exit(f"{path} has no database size: rerun bench/run.py, which records it")
    run["label"] = run.get("label") or path.stem.removeprefix("pages-")
    run["p95"] = {_stable(r["name"]): r["p95_ms"] for r in run["results"]}
    return run


def _stable(name: str) -> str:
    """Deep pages are named by their number, which depends on the data
    (page 1,000, or the last one if fewer): one name across sizes."""
    return re.sub(r", page (?!1$)[\d,]+$", ", deep page (1,000 or last)", name)


def _pages(runs: list[dict]) -> list[str]:
    """Every page in any run, in the order the benchmark measures them."""
    names: list[str] = []
    for run in runs:
        names += [n for n in run["p95"] if n not in names]
    return names


def _plot(runs: list[dict], pages: list[str], out: Path) -> None:
    clean = _label_cleaner()
    figure, axes = plt.subplots(figsize=(11, 6.5))
    colours, markers = plt.get_cmap("tab20").colors, "osD^v<>ph*"  # 20 lines apart
    for i, page in enumerate(pages):
        points = [(run["database"]["users"], run["p95"][page]) for run in runs
                  if page in run["p95"]]
        hello = page.startswith("hello")
        axes.plot(*zip(*points, strict=True), label=clean(page),
                  marker=markers[i % len(markers)], linestyle="--" if hello else "-",
                  color="black" if hello else colours[i % len(colours)])
    for target in (50, 100):
        axes.axhline(target, color="black", linewidth=0.6, linestyle=":")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks([run["database"]["users"] for run in runs],
                    [f"{run['database']['users']:,}\n({run['label']})" for run in runs])
    axes.minorticks_off()
    axes.set_xlabel("users (scale)")
    axes.set_ylabel("p95 latency, ms")
    axes.set_title("p95 per page against data size (targets 50 and 100 ms dotted)")
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=120)


def _label_cleaner():
    """Page names hold Chinese search words: drawn with a CJK font when
    there is one, else left out (the name still says how many characters)."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    cjk = next((name for name in CJK_FONTS if name in installed), None)
    if cjk:
        plt.rcParams["font.sans-serif"] = [cjk, *plt.rcParams["font.sans-serif"]]
        return lambda name: name
    return lambda name: re.sub(r"[\u3000-\u9fff\uff00-\uffef]+ ?", "", name)


def _table(runs: list[dict], pages: list[str]) -> list[str]:
    first, last = runs[0], runs[-1]
    heads = [f"{run['database']['users']:,} users ({run['label']})" for run in runs]
    lines = [f"p95 in ms at each size; growth = p95 at {last['label']} / p95 at "
             f"{first['label']} (target ≤ {GROWTH_TARGET:g}×).", "",
             "| page | " + " | ".join(heads) + " | growth |",
             "| --- | " + " | ".join("---:" for _ in runs) + " | --- |"]
    for page in pages:
        cells = [f"{run['p95'][page]:.1f}" if page in run["p95"] else "" for run in runs]
        lines.append(f"| {page} | " + " | ".join(cells) + f" | {_growth(page, first, last)} |")
    rss = [f"{run['max_rss_mb']:.0f} (peak {run['max_hwm_mb']:.0f})"
           if run.get("max_rss_mb") else "" for run in runs]
    size = [f"{run['database']['bytes'] / 2**20:,.0f}" if run["database"].get("bytes") else ""
            for run in runs]
    lines += ["| worker RSS, MB (max) | " + " | ".join(rss) + " | ≤ 200 MB at 1.0 |",
              "| database, MB | " + " | ".join(size) + " | |"]
    return lines


def _growth(page: str, first: dict, last: dict) -> str:
    if page not in first["p95"] or page not in last["p95"] or not first["p95"][page]:
        return "—"
    ratio = last["p95"][page] / first["p95"][page]
    return f"{ratio:.2f}× " + ("✓" if ratio <= GROWTH_TARGET else "✗")


if __name__ == "__main__":
    sys.exit(main())
