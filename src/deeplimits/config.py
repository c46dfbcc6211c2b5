"""Configuration checks: schema validation with errors that name the key and what is allowed.

Runs when the Snakefile is parsed, so bad input stops the run before any job starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from deeplimits import registry


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _allowed(error: jsonschema.ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    bits = []
    if "type" in schema:
        bits.append(f"type {schema['type']}")
    for word, sym in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                      ("exclusiveMaximum", "<"), ("multipleOf", "a multiple of")):
        if word in schema:
            bits.append(f"{sym} {schema[word]}")
    if "properties" in schema:
        bits.append("keys " + ", ".join(schema["properties"]))
    return ", ".join(bits) or error.validator


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"config key {_key([*error.absolute_path, missing])} is missing"
    if error.validator == "unevaluatedProperties":
        return f"config key {key}: {error.message}"
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        return f"config key {key}: {error.message}; allowed keys: {allowed}"
    return f"config key {key}: {error.instance!r} is not allowed; expected {_allowed(error)}"


#: schema annotation of an experiment key read by the fit only (``x-stage: fit``); every other key is a sample key
STAGE = "x-stage"
#: schema annotation of a size key's role (``x-role: samples``, ``replicates``, ``width``, ``dimension``, ``depth``,
#: ``steps``, ``record``, ``grid_points``): a preset's ``caps`` cap every key of a role (the smoke preset's tiny
#: sizes), and the job resources' cost model (:mod:`deeplimits.resources`) counts each key by its role. A key's own
#: ``x-role`` wins over one it inherits through ``$ref`` or ``allOf``.
ROLE = "x-role"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """``node`` and the subschemas it inherits through ``$ref`` (local ``#/...`` references) and ``allOf``."""
    found = [node]
    if "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        found += _resolve(schema, target)
    for sub in node.get("allOf", []):
        found += _resolve(schema, sub)
    return found


def _role(schema: dict[str, Any], node: dict[str, Any]) -> str | None:
    """The ``x-role`` of a schema node: its own, else the first one it inherits (:func:`_resolve` order)."""
    return next((part[ROLE] for part in _resolve(schema, node) if ROLE in part), None)


def _fit_only(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    return {key for part in _resolve(schema, node) for key, prop in part.get("properties", {}).items()
            if any(p.get(STAGE) == "fit" for p in _resolve(schema, prop))}


def experiment_schema(schema: dict[str, Any], paper: str, experiment: str) -> dict[str, Any]:
    """The schema of an experiment's merged parameters: its own block's, then its document's ``common`` block's."""
    section = schema["properties"][paper]["properties"]
    return {"allOf": [section["experiments"]["properties"][experiment], section.get("common", {})]}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def cap_by_role(value: Any, node: dict[str, Any] | None, schema: dict[str, Any], caps: dict[str, int]) -> Any:
    """Copy of ``value`` (described by the schema ``node``) with every integer, or list of integers, whose schema
    carries ``x-role: R`` capped at ``caps[R]``, recursively through objects (their ``properties`` and
    ``additionalProperties``) and arrays."""
    parts = _resolve(schema, node) if node else []
    limit = caps.get(_role(schema, node)) if node else None
    if limit is not None and _is_int(value):
        return min(value, limit)
    if limit is not None and isinstance(value, list) and value and all(_is_int(x) for x in value):
        return [min(x, limit) for x in value]
    if isinstance(value, dict):
        props = {}
        for part in reversed(parts):
            props.update(part.get("properties", {}))
        extra = next((part["additionalProperties"] for part in parts
                      if isinstance(part.get("additionalProperties"), dict)), None)
        return {k: cap_by_role(v, props.get(k, extra), schema, caps) for k, v in value.items()}
    if isinstance(value, list):
        items = next((part["items"] for part in parts if isinstance(part.get("items"), dict)), None)
        return [cap_by_role(v, items, schema, caps) for v in value]
    return value


def fit_only_keys(schema: dict[str, Any], paper: str, experiment: str) -> frozenset[str]:
    """The keys of an experiment's parameters (its own block and its document's ``common`` block) that the schema
    marks ``x-stage: fit``: read by the fit (and figures), never by the sampler."""
    return frozenset(_fit_only(schema, experiment_schema(schema, paper, experiment)))


def _property_roles(schema: dict[str, Any], node: dict[str, Any], found: dict[str, set[str | None]]) -> None:
    """Add to ``found`` the role (or None) of every property reachable from ``node``: through ``$ref``, ``allOf``,
    nested objects and array items."""
    for part in _resolve(schema, node):
        for key, prop in part.get("properties", {}).items():
            found.setdefault(key, set()).add(_role(schema, prop))
            _property_roles(schema, prop, found)
        if isinstance(part.get("items"), dict):
            _property_roles(schema, part["items"], found)


def key_roles(schema: dict[str, Any], paper: str, experiment: str) -> dict[str, str]:
    """Every key of an experiment's parameters (its own block and its document's ``common`` block, through
    ``$ref``, ``allOf``, nested objects and array items) whose schema declares an ``x-role``, mapped to that role.

    The cost model of :mod:`deeplimits.resources` reads a parameter's role by its key alone, so a key must mean one
    thing within an experiment: raise ValueError naming it if it has two roles there (or a role in one place and
    none in another)."""
    found: dict[str, set[str | None]] = {}
    _property_roles(schema, experiment_schema(schema, paper, experiment), found)
    for key, roles in found.items():
        if len(roles) > 1:
            named = ", ".join(sorted(role or "no role" for role in roles))
            raise ValueError(f"{paper}/{experiment}: config key {key} has several roles ({named}); "
                             "a key must have one x-role within an experiment")
    return {key: role for key, (role,) in found.items() if role is not None}


#: libyaml's parser where PyYAML was built with it, else the pure-Python one; both build the same values (SafeLoader's
#: constructors). The schema is read at every Snakemake start, twice in every SLURM job: 0.2 s in pure Python.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> Any:
    """A YAML file's content, as ``yaml.safe_load`` reads it."""
    return yaml.load(Path(path).read_text(), Loader=_YAML_LOADER)


def load_schema(path: str | Path) -> dict[str, Any]:
    """The schema of config.yaml: the shared part at ``path`` (globals, presets, common ``$defs``) and, for every
    document, its section's schema (``documents/<key>/schema.yaml``): its ``$defs`` join the shared ones and its
    figure ids are those its registry declares."""
    schema = read_yaml(path)
    for paper in registry.PAPERS:
        section = read_yaml(registry.schema_path(paper))
        for name, definition in section.pop("$defs", {}).items():
            if name in schema["$defs"]:
                raise ValueError(f"{registry.schema_path(paper)}: $defs/{name} is already defined")
            schema["$defs"][name] = definition
        section["properties"]["figures"]["items"] = {"enum": list(registry.load(paper).FIGURES)}
        schema["properties"][paper] = section
        schema["required"].append(paper)
    return schema


def validate(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise :class:`ConfigError` listing every schema violation and cross-field inconsistency."""
    validator = jsonschema.Draft202012Validator(schema)
    messages = [_describe(e) for e in sorted(validator.iter_errors(config), key=lambda e: list(e.path))]
    if not messages:
        for paper in registry.PAPERS:
            if paper in config:
                messages += registry.load(paper).check_config(config[paper])
    if messages:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(messages))
