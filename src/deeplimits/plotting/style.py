"""One house style for every figure (seaborn "ticks" with a colour-blind-safe palette)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

#: fixed colours for the recurring curves of every document
SIMULATION = "0.35"
THEORY = "#d62728"          # the document's theory (e.g. the log-Gaussian law, red in the notes)
BASELINE = "#1f77b4"        # the infinite-width / Gaussian baseline (blue in the notes)
EXACT = "black"             # exact finite-size law
PALETTE = sns.color_palette("colorblind")


@contextlib.contextmanager
def house_style():
    """Apply the house style inside the block (fonts, grid, despined axes)."""
    with sns.axes_style("ticks"), sns.plotting_context("paper", font_scale=1.15), plt.rc_context(
        {"figure.dpi": 110, "savefig.dpi": 150, "axes.grid": True, "grid.alpha": 0.3,
         "legend.frameon": False, "pdf.fonttype": 42, "svg.hashsalt": "deeplimits",
         "axes.titlesize": "medium"}
    ):
        yield


def figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.4, **kwargs):
    """A figure with a grid of axes, each ``width`` x ``height`` inches."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                             layout="constrained", **kwargs)
    return fig, axes


def save(fig, path: str | Path) -> None:
    """Save atomically (PNG or PDF by suffix, no timestamp metadata, so reruns are byte-stable)."""
    from deeplimits.io import atomic_write

    path = Path(path)
    metadata = {"CreationDate": None} if path.suffix == ".pdf" else {"Software": None}
    atomic_write(path, lambda stream: fig.savefig(stream, format=path.suffix[1:], metadata=metadata))
