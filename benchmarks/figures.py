"""Where a figure job's time goes: drawing every configured figure of a finished results/ tree in one process.

    python benchmarks/figures.py                     # after `snakemake --cores 2 --config preset=smoke`
    python benchmarks/figures.py --preset default    # after the default run
    python benchmarks/figures.py --profile           # and the cProfile entries of layout, fonts and mathtext

Per figure, the seconds of its ``plot_<figure>`` call, of ``style.save`` to PDF and of rendering that PDF to the PNG
(what the figure job does after its imports), and, side by side, of Matplotlib drawing the PNG itself with Agg (what
the figure job did before the PNG was rendered from the PDF), the slowest first, and their totals. Run it from the
checkout whose ``results/`` it reads; the drawings go to a temporary folder. Figures are drawn one after another in
this process, so Matplotlib's caches (fonts, mathtext) carry over between them, unlike in the figure jobs: the
totals are a lower bound of the jobs'.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt

from deeplimits import config, io, pipeline, registry
from deeplimits.jobs import dispatched
from deeplimits.jobs.figure import DISPATCH
from deeplimits.plotting import style

#: the cProfile entries --profile prints: the constrained layout, font subsetting, mathtext, text layout
PROFILED = ("do_constrained_layout|subset.__init__.*:.*\\(subset\\)|mathtext.py.*\\(parse\\)|_get_layout"
            "|print_png|print_pdf|rasterise")


def draw_all(preset: str, out: Path, profile: cProfile.Profile | None) -> list[tuple[str, float, ...]]:
    """(figure, plot s, PDF s, PNG s, Agg PNG s) for every figure of config.yaml, drawn from results/."""
    cfg = {**config.read_yaml("config.yaml"), "preset": preset}
    schema = config.load_schema("workflow/schemas/config.schema.yaml")
    rows = []
    for paper in (p for p in cfg if p in registry.PAPERS):
        figures = registry.load(paper).FIGURES
        for figure_id in cfg[paper]["figures"]:
            experiments = figures[figure_id].experiments
            params = {e: pipeline.experiment_params(cfg, schema, paper, e) for e in experiments}
            data = {e: (io.read_npz(f"results/samples/{paper}/{e}.npz")[0],
                        io.read_json(f"results/stats/{paper}/{e}.json")) for e in experiments}
            plot = dispatched(DISPATCH, paper, f"plot_{figure_id}")
            with style.house_style():
                if profile:
                    profile.enable()
                start = time.perf_counter()
                fig = plot(data, params)
                drawn = time.perf_counter()
                style.save(fig, out / f"{paper}_{figure_id}.pdf")
                pdf = time.perf_counter()
                style.rasterise((out / f"{paper}_{figure_id}.pdf").read_bytes(),
                                plt.rcParams["savefig.dpi"]).save(out / "r.png")
                png = time.perf_counter()
                fig.savefig(out / "agg.png", format="png")
                agg = time.perf_counter()
                if profile:
                    profile.disable()
                plt.close(fig)
            rows.append((f"{paper}/{figure_id}", drawn - start, pdf - drawn, png - pdf, agg - png))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="smoke", help="the preset results/ was made with (default: smoke)")
    parser.add_argument("--profile", action="store_true", help="print the cProfile entries of layout, fonts, mathtext")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory() as out:
        rows = draw_all(args.preset, Path(out), profile)
    print(f"{'figure':28s} {'plot s':>7s} {'PDF s':>7s} {'PNG s':>7s} {'Agg PNG s':>10s}")
    for name, plot, pdf, png, agg in sorted(rows, key=lambda r: -sum(r[1:4]))[:12]:
        print(f"{name:28s} {plot:7.2f} {pdf:7.2f} {png:7.2f} {agg:10.2f}")
    totals = [sum(r[i] for r in rows) for i in (1, 2, 3, 4)]
    print(f"{f'all {len(rows)} figures':28s} {totals[0]:7.1f} {totals[1]:7.1f} {totals[2]:7.1f} {totals[3]:10.1f}")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(PROFILED)


if __name__ == "__main__":
    main()
