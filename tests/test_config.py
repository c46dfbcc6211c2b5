"""Bad configuration stops before any job with an error naming the key and what is allowed."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from deeplimits.config import ConfigError, load_schema, read_yaml, validate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schema():
    return load_schema(ROOT / "workflow/schemas/config.schema.yaml")


@pytest.fixture()
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_shipped_config_is_valid(config, schema):
    validate(config, schema)


def _error(config, schema) -> str:
    with pytest.raises(ConfigError) as exc:
        validate(config, schema)
    return str(exc.value)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("nica", "experiments", "fig1", "n"), "abc", ["nica.experiments.fig1.n", "'abc'", "integer"]),
        (("nica", "experiments", "resnet", "n"), -5, ["nica.experiments.resnet.n", ">= 1"]),
        (("nica", "experiments", "resnet", "method"), "magic", ["nica.experiments.resnet.method", "vector, full"]),
        (("nica", "experiments", "grad", "alpha2"), 1.5, ["nica.experiments.grad.alpha2", "< 1"]),
        (("nica", "experiments", "universality", "laws"), ["gaussian", "cauchy"],
         ["nica.experiments.universality.laws.1", "rademacher"]),
        (("nica", "experiments", "layerterms", "samples"), "1e5", ["nica.experiments.layerterms.samples", "'1e5'"]),
        (("bordelon", "experiments", "fig6_width", "replicates_for"), {"nu=0.3": 64},
         ["bordelon.experiments.fig6_width.replicates_for", "nu=0.3", "nu=0.25, nu=0.5"]),
        (("bordelon", "experiments", "fig6_width", "replicates_for"), {"nu=0.25": 1},
         ["bordelon.experiments.fig6_width.replicates_for.nu=0.25", ">= 2"]),
        (("chunk_size",), 1000, ["chunk_size", "multiple of 256"]),
        (("preset",), "huge", ["preset", "default, smoke"]),
    ],
)
def test_bad_values_name_the_key_and_the_allowed_values(config, schema, path, value, expected):
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    message = _error(config, schema)
    for fragment in expected:
        assert fragment in message


def test_unknown_figure_id(config, schema):
    config["nica"]["figures"] = [*config["nica"]["figures"], "fig99"]
    message = _error(config, schema)
    assert "nica.figures.8" in message and "'fig99'" in message and "fig1" in message


def test_missing_key(config, schema):
    del config["nica"]["experiments"]["grad"]["d"]
    assert "config key nica.experiments.grad.d is missing" in _error(config, schema)


def test_unknown_key_lists_allowed_keys(config, schema):
    config["nica"]["experiments"]["fig1"]["width"] = 3
    message = _error(config, schema)
    assert "nica.experiments.fig1" in message and "'width'" in message and "depths" in message


def test_cross_field_checks(config, schema):
    bad = copy.deepcopy(config)
    bad["nica"]["experiments"]["resnet"]["depths"] = [30, 10]
    bad["nica"]["experiments"]["validation"]["widths"]["positions"] = [0, 11]
    message = _error(bad, schema)
    assert "nica.experiments.resnet.depths must be increasing" in message
    assert "nica.experiments.validation.widths.positions" in message and "0..d" in message


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in [
    ROOT / "config.yaml", *ROOT.glob("workflow/schemas/*.yaml"), *ROOT.glob("src/deeplimits/**/*.yaml"),
    *ROOT.glob("profiles/*/config.yaml")]))
def test_read_yaml_reads_what_safe_load_reads(path):
    """read_yaml (libyaml's parser where PyYAML has it) builds the same values as yaml.safe_load, for every YAML file
    of the project: floats, integers, flow mappings and comments alike."""
    assert read_yaml(ROOT / path) == yaml.safe_load((ROOT / path).read_text())
