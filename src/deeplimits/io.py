"""Atomic writes of results and their provenance.

Every write goes to a temporary file in the destination folder and is renamed onto the target
(``os.replace`` is atomic on POSIX): an interrupted job never leaves a readable partial result.
Each ``.npz`` carries its provenance as a JSON string under the key ``__provenance__``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import deeplimits

PROVENANCE_KEY = "__provenance__"
#: provenance fields that legitimately differ between two runs of the same config
VOLATILE_PROVENANCE = ("wall_time_s", "peak_rss_mb", "host", "created", "git_commit")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite_or_none(obj: Any) -> Any:
    """Non-finite floats (no reliable value, e.g. an SE from too few samples) become JSON null."""
    if isinstance(obj, float | np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite_or_none(v) for v in obj]
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return _finite_or_none(obj.tolist())
    return obj


def to_json(obj: Any) -> str:
    """Strict JSON text: NumPy scalars and arrays converted, NaN and infinities written as null."""
    return json.dumps(_finite_or_none(obj), default=_json_default, indent=1, allow_nan=False)


#: infix of the temporary file a write goes to before its rename, ``.<name>.partial-<random>``
PARTIAL = ".partial-"


def partial_files(path: str | os.PathLike) -> list[Path]:
    """Temporary files of unfinished writes of ``path`` (left behind only by a killed process)."""
    path = Path(path)
    return sorted(path.parent.glob(f".{path.name}{PARTIAL}*"))


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(stream)`` on a temporary file next to ``path``, flush it to disk, then rename it onto ``path``.

    The temporary file is hidden and does not end in the target's suffix (``.x.npz.partial-1a2b``), so that a
    process killed mid-write (``kill -9``, a node failure) leaves no file that looks or loads like a result; the
    next write of the same path removes such leftovers first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in partial_files(path):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{PARTIAL}", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write text atomically."""
    atomic_write(path, lambda stream: stream.write(text.encode()))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as JSON atomically."""
    write_text(path, to_json(obj) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text())


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], provenance: Mapping[str, Any]) -> None:
    """Write arrays and their provenance (a JSON string) atomically to an uncompressed ``.npz``."""
    if PROVENANCE_KEY in arrays:
        raise ValueError(f"array name {PROVENANCE_KEY!r} is reserved")
    payload = {k: np.asarray(v) for k, v in arrays.items()}
    payload[PROVENANCE_KEY] = np.array(to_json(provenance))
    atomic_write(path, lambda stream: np.savez(stream, **payload))


def read_npz(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays and provenance of an ``.npz`` written by :func:`write_npz`."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != PROVENANCE_KEY}
        provenance = json.loads(str(data[PROVENANCE_KEY]))
    return arrays, provenance


def git_commit() -> str | None:
    """The checkout's HEAD commit (with ``-dirty`` when modified), or None outside a git checkout."""
    root = Path(deeplimits.__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty else "")


def provenance(**fields: Any) -> dict[str, Any]:
    """Provenance record: the given fields plus package, NumPy and Python versions, git commit and host."""
    return {
        **fields,
        "package_version": deeplimits.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "git_commit": git_commit(),
        "host": platform.node(),
    }
