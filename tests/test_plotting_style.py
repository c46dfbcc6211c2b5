"""The house style (deeplimits.plotting.style) is seaborn's "ticks" style, "paper" context and "colorblind" palette,
frozen so that figure jobs do not import seaborn: the frozen values must equal what seaborn sets."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.colors as mcolors
import seaborn as sns

from deeplimits.plotting import style


def test_frozen_rc_equals_seaborn_ticks_paper():
    base = dict(mpl.rcParams)
    with sns.axes_style("ticks"), sns.plotting_context("paper", font_scale=1.15):
        changed = {k: v for k, v in mpl.rcParams.items() if v != base[k]}
    changed.pop("image.cmap")  # seaborn's "rocket" colormap: no figure draws with the default colormap
    assert changed.keys() == style.SEABORN_TICKS_PAPER.keys()
    with mpl.rc_context(style.SEABORN_TICKS_PAPER):
        assert {k: mpl.rcParams[k] for k in changed} == changed


def test_palette_is_seaborn_colorblind():
    assert [mcolors.to_rgb(c) for c in style.PALETTE] == [tuple(c) for c in sns.color_palette("colorblind")]


def test_figure_jobs_do_not_import_seaborn():
    import subprocess
    import sys

    code = "import sys, deeplimits.plotting.style; print('seaborn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"


def _embedded_fonts(pdf: bytes):
    """The TrueType fonts (FontFile2 streams) a Matplotlib PDF embeds, parsed by fontTools."""
    import io as _io
    import re
    import zlib

    from fontTools.ttLib import TTFont

    fonts = []
    for number in re.findall(rb"/FontFile2 (\d+) 0 R", pdf):
        body = re.search(rb"\n" + number + rb" 0 obj\s*<<(.*?)>>\s*stream\r?\n", pdf, re.S)
        start = body.end()
        length = int(re.search(rb"/Length (\d+)", body.group(1)).group(1))
        fonts.append(TTFont(_io.BytesIO(zlib.decompress(pdf[start:start + length]))))
    return fonts


def test_pdf_fonts_are_embedded_without_layout_tables(tmp_path):
    """PDFs embed TrueType subsets that keep the glyphs but not the OpenType layout tables (style.save): no viewer
    reads those, and subsetting them was a third of a PDF's cost. fontTools' own defaults are restored after."""
    from fontTools import subset

    default = list(subset.Options._drop_tables_default)
    with style.house_style():
        fig, axes = style.figure()
        axes[0, 0].plot([1, 10, 100], [1, 2, 3], label="simulation")
        axes[0, 0].set(xscale="log", xlabel=r"width $\gamma_0$ (AVWA kerning pairs)", ylabel="loss")
        axes[0, 0].legend()
        style.save(fig, tmp_path / "f.pdf")
    assert subset.Options._drop_tables_default == default
    fonts = _embedded_fonts((tmp_path / "f.pdf").read_bytes())
    assert fonts, "no TrueType font embedded"
    for font in fonts:
        assert "glyf" in font and len(font.getGlyphOrder()) > 4  # beyond .notdef, .null, CR, space
        assert not set(style.PDF_DROPPED_FONT_TABLES) & set(font.keys()), sorted(font.keys())
