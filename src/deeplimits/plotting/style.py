"""One house style for every figure (seaborn "ticks" with a colour-blind-safe palette)."""

from __future__ import annotations

import contextlib
from io import BytesIO
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: fixed colours for the recurring curves of every document
SIMULATION = "0.35"
THEORY = "#d62728"          # the document's theory (e.g. the log-Gaussian law, red in the notes)
BASELINE = "#1f77b4"        # the infinite-width / Gaussian baseline (blue in the notes)
EXACT = "black"             # exact finite-size law
#: seaborn's "colorblind" palette
PALETTE = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494", "#ece133",
           "#56b4e9"]
#: what seaborn's ``axes_style("ticks")`` and ``plotting_context("paper", font_scale=1.15)`` change from
#: Matplotlib's defaults, frozen here so that a figure job does not import seaborn (and SciPy through it: ~1 s a
#: job); ``tests/test_plotting.py`` checks it against seaborn. Seaborn's default colormap (``image.cmap``) is left
#: out: no figure draws with the default colormap.
SEABORN_TICKS_PAPER = {
    "axes.axisbelow": True, "axes.edgecolor": ".15", "axes.labelcolor": ".15", "axes.labelsize": 11.040000000000001,
    "axes.linewidth": 1.0, "axes.titlesize": 11.040000000000001,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 11.040000000000001, "grid.color": ".8", "legend.fontsize": 10.12,
    "legend.title_fontsize": 11.040000000000001, "lines.linewidth": 1.2000000000000002,
    "lines.markersize": 4.800000000000001, "lines.solid_capstyle": "round", "patch.edgecolor": "w",
    "patch.force_edgecolor": True, "patch.linewidth": 0.8, "text.color": ".15",
    **{f"{axis}.{key}": value for axis in ("xtick", "ytick") for key, value in (
        ("color", ".15"), ("labelsize", 10.12), ("major.size", 4.800000000000001), ("major.width", 1.0),
        ("minor.size", 3.2), ("minor.width", 0.8))},
}


@contextlib.contextmanager
def house_style():
    """Apply the house style inside the block (fonts, grid, despined axes)."""
    with plt.rc_context(SEABORN_TICKS_PAPER), plt.rc_context(
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


#: OpenType layout tables (glyph substitution, positioning and their definitions), left out of the font subsets a
#: PDF embeds: a PDF places every glyph itself, so no viewer reads them, yet subsetting them (DejaVu Sans' kerning
#: lookups) was a third of the time of saving a PDF. The pages render pixel-identical without them (51 figures
#: compared at 100 dpi, README "What Snakemake's own process costs").
PDF_DROPPED_FONT_TABLES = ("GSUB", "GPOS", "GDEF")


@contextlib.contextmanager
def _lean_font_subsets():
    """Inside the block, fontTools' subsetter (which Matplotlib's PDF backend calls to embed TrueType subsets) also
    drops :data:`PDF_DROPPED_FONT_TABLES`; its defaults are restored afterwards."""
    from fontTools import subset

    default = subset.Options._drop_tables_default
    subset.Options._drop_tables_default = [*default, *PDF_DROPPED_FONT_TABLES]
    try:
        yield
    finally:
        subset.Options._drop_tables_default = default


def save(fig, *paths: str | Path) -> None:
    """Save the figure to every path, atomically: Matplotlib draws it once, as PDF (fonts embedded as TrueType subsets
    without layout tables, no timestamp, so reruns are byte-stable), and a PNG is that PDF rendered by PDFium at
    ``savefig.dpi`` [choice, issue 14]. Drawing the PNG with Agg as well cost as much as the PDF (the constrained
    layout and the text solved a second time) and gave a PNG whose layout differs from the PDF's by up to 4 pt; the
    rendering takes a tenth of that, and both files show one layout."""
    from deeplimits.io import atomic_write

    paths = [Path(p) for p in paths]
    unknown = [str(p) for p in paths if p.suffix not in (".pdf", ".png")]
    if unknown:
        raise ValueError(f"figures are saved as .pdf or .png, not {', '.join(unknown)}")
    stream = BytesIO()
    with _lean_font_subsets():
        fig.savefig(stream, format="pdf", metadata={"CreationDate": None})
    pdf = stream.getvalue()
    dpi = matplotlib.rcParams["savefig.dpi"]
    image = rasterise(pdf, dpi) if any(p.suffix == ".png" for p in paths) else None
    for path in paths:
        if path.suffix == ".pdf":
            atomic_write(path, lambda out: out.write(pdf))
        else:
            atomic_write(path, lambda out: image.save(out, format="png", dpi=(dpi, dpi)))


def rasterise(pdf: bytes, dpi: float):
    """The first page of a PDF as a PIL image at ``dpi``, rendered by PDFium (anti-aliased, white background), of
    Matplotlib's size for the same figure: round(inches × dpi) pixels a side."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = (round(points / 72 * dpi) for points in page.get_size())
        image = page.render(scale=dpi / 72).to_pil().crop((0, 0, width, height))
        page.close()
    finally:
        document.close()
    return image
