"""What the plotting tests of every document share.

``Experiments(paper, samples, shrink)`` runs the config's parameters of ``<paper>/<exp>`` at the smoke preset
(sample counts capped at ``samples``, heavy experiments shrunk by ``shrink[exp]``), fits them, and round-trips the
stats JSON as the fit job writes it (non-finite numbers become null); each experiment once per test module.
``draw`` draws a plot function in the house style (saving, parsing every mathtext, rendering on request);
``visible_axes``, ``labelled_panels``, ``legend_texts`` and ``figure_texts`` read a figure back (and check its
labels); ``null_errors`` blanks the standard
errors of a stats JSON as the fit job does for too few samples.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import yaml
from conftest import SCHEMA
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from matplotlib.text import Text

from deeplimits import io, pipeline
from deeplimits.jobs.fit import fitted
from deeplimits.plotting import style
from deeplimits.rng import Chunks, Seeds

CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"


def smoke_params(paper: str, exp: str, samples: int | None = None, shrink: dict[str, Any] | None = None,
                 **overrides: Any) -> dict[str, Any]:
    """The config's parameters of ``<paper>/<exp>`` at the smoke preset, capped, shrunk and overridden."""
    config = yaml.safe_load(CONFIG.read_text())
    config["preset"] = "smoke"
    if samples is not None:
        config["presets"]["smoke"]["caps"]["samples"] = samples
    return {**pipeline.experiment_params(config, SCHEMA, paper, exp), **copy.deepcopy((shrink or {}).get(exp, {})),
            **overrides}


class Experiments:
    """Lazily sampled and fitted experiments, each at most once: ``(arrays, round-tripped stats JSON, params)``."""

    def __init__(self, paper: str, samples: int | None = None, shrink: dict[str, Any] | None = None) -> None:
        self.paper, self.samples, self.shrink = paper, samples, shrink
        self.registry = importlib.import_module(f"deeplimits.documents.{paper}.declaration")
        self.sampling = importlib.import_module(f"deeplimits.documents.{paper}.sample")
        self.cache: dict[str, tuple[dict, dict, dict]] = {}

    def __call__(self, exp: str) -> tuple[dict, dict, dict]:
        if exp not in self.cache:
            params = smoke_params(self.paper, exp, self.samples, self.shrink)
            arrays = getattr(self.sampling, f"run_{exp}")(params, Seeds(1, self.paper, exp),
                                                           Chunks(1024, 256))
            content = json.loads(io.to_json(fitted(self.paper, exp, params, arrays, {})))
            self.cache[exp] = (arrays, content, params)
        return self.cache[exp]

    def figure_inputs(self, fid: str) -> tuple[dict, dict]:
        """``data`` and ``params`` as the figure job passes them to plot_<fid>."""
        loaded = {exp: self(exp) for exp in self.registry.FIGURES[fid].experiments}
        return {e: (a, f) for e, (a, f, _) in loaded.items()}, {e: p for e, (_, _, p) in loaded.items()}


def draw(plot: Callable[[dict, dict], Figure], data: dict, params: dict, out: Path | None = None,
         parse: bool = False, render: bool = False) -> Figure:
    """``plot(data, params)`` in the house style, closed afterwards. ``out``: save it there as PNG and PDF (named
    after the plot function, files checked non-trivial); ``parse``: parse every text as matplotlib does when it
    draws (catches broken mathtext); ``render``: draw it to a small PNG in memory."""
    with style.house_style():
        fig = plot(data, params)
        name = plot.__name__.removeprefix("plot_")
        if out:
            style.save(fig, *(out / f"{name}.{suffix}" for suffix in ("png", "pdf")))
            assert all((out / f"{name}.{suffix}").stat().st_size > 1000 for suffix in ("png", "pdf"))
        if parse:
            parser = MathTextParser("path")
            for text in fig.findobj(Text):
                string, math_mode = text._preprocess_math(text.get_text())
                if math_mode:
                    parser.parse(string, 72, text.get_fontproperties())
        if render:
            fig.savefig(BytesIO(), format="png", dpi=20)
    plt.close(fig)
    return fig


def visible_axes(fig: Figure) -> list:
    """The panels a reader sees (hidden spare panels and colour bars without axes left out)."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison]


def labelled_panels(fig: Figure, name: str) -> list:
    """The visible panels of figure ``name``, checked: at least one, each with x and y labels and a title."""
    axes = visible_axes(fig)
    assert axes, f"{name}: no visible panel"
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: unlabelled axes {ax.get_title()!r}"
        assert ax.get_title(), f"{name}: panel without title"
    return axes


def legend_texts(fig: Figure) -> list[str]:
    """Titles and entries of every legend of the figure (per panel and figure-wide)."""
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    return [t.get_text() for legend in legends if legend for t in [legend.get_title(), *legend.get_texts()]]


def figure_texts(fig: Figure) -> list[str]:
    """The suptitle, every legend text, and the title and axis labels of every panel."""
    return [fig.get_suptitle(), *legend_texts(fig),
            *(t for ax in fig.axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()))]


def null_errors(stats: Any, scalars: Iterable[str] = ("stderr", "p_value"), lists: Iterable[str] = ()) -> Any:
    """The stats JSON with the standard errors null, as the fit job writes them for too few samples: every value
    under a key in ``scalars``, and every entry of the lists under a key in ``lists``."""
    scalars, lists = frozenset(scalars), frozenset(lists)
    if isinstance(stats, dict):
        return {k: None if k in scalars else [None] * len(v) if k in lists and isinstance(v, list)
                else null_errors(v, scalars, lists) for k, v in stats.items()}
    if isinstance(stats, list):
        return [null_errors(v, scalars, lists) for v in stats]
    return stats
