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


def test_png_is_the_pdf_rendered_at_savefig_dpi(tmp_path):
    """style.save draws the figure once, as PDF, and renders that PDF to the PNG (issue 14): the PNG has Matplotlib's
    size for the figure (round(inches x dpi)), its colours (a red block stays red: no channel swap), the pixels of the
    saved PDF rendered again, the same bytes on a rerun, and shows what Agg draws for the same figure up to
    anti-aliasing and glyph hinting: averaged over 6 x 6-pixel blocks, the images differ by 1.2 of 255 levels
    (measured), by 2.6 when the PNG is shifted one pixel and 4.9 when shifted three, so the bound 2.5 catches a PNG
    shifted, scaled or cropped by two pixels or more."""
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest
    from PIL import Image

    with style.house_style():
        fig = plt.figure(figsize=(4.0, 3.0))  # no layout engine: Agg's drawing has the PDF's layout
        ax = fig.add_axes((0.15, 0.15, 0.8, 0.8))
        ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** 2, label=r"simulation $\nu = 1$")
        ax.axvspan(0.6, 0.9, color=(1.0, 0.0, 0.0))
        ax.set(xlabel=r"$t$ (steps)", ylabel="loss")
        ax.legend(loc="upper left")
        style.save(fig, tmp_path / "f.png", tmp_path / "f.pdf")
        style.save(fig, tmp_path / "again.png")
        fig.savefig(tmp_path / "agg.png")
        with pytest.raises(ValueError, match="not .*f.svg"):
            style.save(fig, tmp_path / "f.svg")
    plt.close(fig)
    png = Image.open(tmp_path / "f.png")
    assert png.size == (600, 450)  # 4 x 3 inches at savefig.dpi = 150
    pixels = np.asarray(png.convert("RGB"), dtype=float)
    rendered = np.asarray(style.rasterise((tmp_path / "f.pdf").read_bytes(), 150).convert("RGB"), dtype=float)
    assert np.array_equal(pixels, rendered)
    assert (tmp_path / "again.png").read_bytes() == (tmp_path / "f.png").read_bytes()
    red = pixels[225, round(600 * (0.15 + 0.8 * 0.75))]
    assert red[0] > 200 and red[1] < 60 and red[2] < 60, red
    agg = np.asarray(Image.open(tmp_path / "agg.png").convert("RGB"), dtype=float)
    assert agg.shape == pixels.shape

    def blocks(image):
        return image.reshape(450 // 6, 6, 600 // 6, 6, 3).mean(axis=(1, 3))
    assert np.abs(blocks(agg) - blocks(pixels)).mean() < 2.5, np.abs(blocks(agg) - blocks(pixels)).mean()
