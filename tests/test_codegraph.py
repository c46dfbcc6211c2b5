"""Code inputs derived from the import graph (deeplimits.codegraph, deeplimits.pipeline.code_inputs) and the
split of each experiment's parameters into sample and fit-only keys (schema annotation ``x-stage: fit``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import SCHEMA

from deeplimits import codegraph, pipeline, registry
from deeplimits import config as dl_config

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_closure_follows_every_import_form(tmp_path):
    """``import a.b``, ``from a import b`` (b a module), ``from a.b import name``, relative and lazy imports, parent
    packages; names that are not modules, third-party modules and unreached modules are left out."""
    src = _write(tmp_path, {
        "deeplimits/__init__.py": "",
        "deeplimits/root.py": "import numpy\nfrom deeplimits import util, CONSTANT\nfrom .sub.leaf import f\n"
                              "def lazy():\n    import deeplimits.late\n",
        "deeplimits/util.py": "from deeplimits.sub import helper\n",
        "deeplimits/late.py": "",
        "deeplimits/sub/__init__.py": "",
        "deeplimits/sub/leaf.py": "from . import sibling\n",
        "deeplimits/sub/sibling.py": "",
        "deeplimits/sub/helper.py": "from ..util import x\n",
        "deeplimits/unused.py": "",
        "deeplimits/plotting/__init__.py": "",
    })
    assert codegraph.closure(src, ["deeplimits.root"]) == [
        "deeplimits", "deeplimits.late", "deeplimits.root", "deeplimits.sub", "deeplimits.sub.helper",
        "deeplimits.sub.leaf", "deeplimits.sub.sibling", "deeplimits.util"]
    assert codegraph.closure(src, ["deeplimits.sub.sibling"]) == ["deeplimits", "deeplimits.sub",
                                                                  "deeplimits.sub.sibling"]
    with pytest.raises(ModuleNotFoundError, match="deeplimits.nothing"):
        codegraph.closure(src, ["deeplimits.nothing"])


def test_dispatch_constant_is_read_without_importing(tmp_path):
    src = _write(tmp_path, {"deeplimits/__init__.py": "",
                            "deeplimits/job.py": 'raise SystemExit\nDISPATCH = "x.{paper}"\n'})
    assert codegraph.string_constant(src, "deeplimits.job", "DISPATCH") == "x.{paper}"
    assert codegraph.string_constant(src, "deeplimits.job", "OTHER") is None


def _modules(files: list[str]) -> set[str]:
    return {str(Path(f).relative_to("src").with_suffix("")).replace("/", ".").removesuffix(".__init__")
            for f in files}


@pytest.mark.parametrize("paper", registry.PAPERS)
def test_code_inputs_of_each_rule(paper, monkeypatch):
    """Relative paths; the sample job never depends on plotting, fit or audit code, nor on the document's declaration
    (captions, figures); the fit job on its fit module and the quantities, never plotting, the claim table or the
    audit rules; the figure job on its figures module; the audit job on the claim table and the rules; every job on
    its job module."""
    monkeypatch.chdir(ROOT)
    sample = pipeline.code_inputs("src", "sample", paper)
    fit = pipeline.code_inputs("src", "fit", paper)
    figure = pipeline.code_inputs("src", "figure", paper)
    for files in (sample, fit, figure):
        assert all(not Path(f).is_absolute() and (ROOT / f).is_file() for f in files)
    sample_modules, fit_modules, figure_modules = _modules(sample), _modules(fit), _modules(figure)
    doc = f"deeplimits.documents.{paper}"
    assert {"deeplimits.jobs.sample", doc, f"{doc}.sample", "deeplimits.rng", "deeplimits.io"} <= sample_modules
    never = ("deeplimits.plotting", "deeplimits.audit", "deeplimits.stats", "deeplimits.registry", f"{doc}.fit",
             f"{doc}.figures", f"{doc}.declaration")
    assert not {m for m in sample_modules if m.startswith(never)}
    assert {"deeplimits.jobs.fit", f"{doc}.fit", "deeplimits.quantities"} <= fit_modules
    assert not {m for m in fit_modules if m.startswith(("deeplimits.plotting", f"{doc}.figures", f"{doc}.claims",
                                                        "deeplimits.audit"))}
    assert {"deeplimits.jobs.figure", f"{doc}.figures", "deeplimits.plotting.style"} <= figure_modules
    audit_modules = _modules(pipeline.code_inputs("src", "audit", paper))
    assert {"deeplimits.jobs.audit", "deeplimits.audit", f"{doc}.claims"} <= audit_modules
    assert not {m for m in audit_modules if m.startswith((f"{doc}.fit", f"{doc}.sample", "deeplimits.plotting"))}


def test_code_inputs_include_what_hand_kept_lists_missed(monkeypatch):
    """The two omissions of the former hand-written lists: hayou's sampling imports models/infdepth/closed_forms.py
    (the OU activation, erfi^-1), and models/networks/brute.py imports models/networks/resnet.py (nica fig1 uses the
    brute force)."""
    monkeypatch.chdir(ROOT)
    assert "src/deeplimits/models/infdepth/closed_forms.py" in pipeline.code_inputs("src", "sample", "hayou")
    assert "src/deeplimits/models/networks/resnet.py" in pipeline.code_inputs("src", "sample", "nica")


def test_fit_only_keys_are_declared_in_the_schema():
    assert dl_config.fit_only_keys(SCHEMA, "bordelon", "fig2") == {"claim_horizon", "claim_nus", "theory_grid_points",
                                                                   "times"}
    assert dl_config.fit_only_keys(SCHEMA, "bordelon", "table1") >= {"dmft_steps", "fixed_point_steps",
                                                                     "residual_dmft_depths", "classes_steps"}
    assert dl_config.fit_only_keys(SCHEMA, "hayou", "ou") == {"window"}
    assert dl_config.fit_only_keys(SCHEMA, "bassetti", "posterior") == {"T"}
    assert dl_config.fit_only_keys(SCHEMA, "nica", "fig1") == set()


def _stages(node):
    if isinstance(node, dict):
        if dl_config.STAGE in node:
            yield node[dl_config.STAGE]
        for value in node.values():
            yield from _stages(value)
    elif isinstance(node, list):
        for value in node:
            yield from _stages(value)


def test_every_stage_annotation_is_fit():
    """``x-stage`` has one value, ``fit``; a typo would silently make a key a sample key."""
    stages = list(_stages(SCHEMA))
    assert stages and set(stages) == {"fit"}


@pytest.mark.parametrize("paper", registry.PAPERS)
def test_sample_params_are_the_experiment_params_less_the_fit_only_keys(paper):
    config = {**CONFIG, "preset": "default"}
    for experiment in registry.load(paper).EXPERIMENTS:
        full = pipeline.experiment_params(config, SCHEMA, paper, experiment)
        sample = pipeline.sample_params(config, SCHEMA, paper, experiment)
        fit_only = dl_config.fit_only_keys(SCHEMA, paper, experiment)
        assert sample == {k: v for k, v in full.items() if k not in fit_only}
        assert list(sample) == sorted(sample)
