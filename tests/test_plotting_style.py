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
