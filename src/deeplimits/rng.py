"""Seeding: reproducible, chunk-size independent random streams.

Every experiment (and every setting inside it) gets a ``numpy.random.SeedSequence`` derived from
(global seed, paper, experiment, setting) by hashing the names, so results do not depend on
``--cores``, job order or on which other experiments exist.

Within a setting, samples are cut into fixed *stream blocks* of ``STREAM_BLOCK`` samples, each with
its own generator (``SeedSequence.spawn``). A *chunk* (the memory unit) is a whole number of stream
blocks; a :class:`ChunkRng` draws every array block by block and concatenates. Sample ``i`` thus sees
the same random numbers whatever the chunk size: chunking changes memory, never the arrays.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

STREAM_BLOCK = 256


def _name_entropy(name: str) -> int:
    """Stable 64-bit integer of a name (sha256), independent of Python's hash seed."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def setting_seed(global_seed: int, *names: str) -> np.random.SeedSequence:
    """SeedSequence from the global seed and a path of names, e.g. ("nica", "fig1", "d=10")."""
    return np.random.SeedSequence([int(global_seed), *(_name_entropy(n) for n in names)])


@dataclass(frozen=True)
class Seeds:
    """Seed factory of one experiment: ``seeds("d=10")`` is SeedSequence(seed, paper, experiment, "d=10")."""

    seed: int
    paper: str
    experiment: str

    def __call__(self, *setting: str) -> np.random.SeedSequence:
        return setting_seed(self.seed, self.paper, self.experiment, *setting)


@dataclass(frozen=True)
class Chunks:
    """Chunk sizes (memory only, never the arrays): reduced samplers and brute-force networks."""

    reduced: int
    brute: int


def validate_chunk_size(chunk_size: int) -> int:
    """Chunk sizes are positive multiples of ``STREAM_BLOCK``."""
    if not isinstance(chunk_size, int | np.integer) or chunk_size <= 0 or chunk_size % STREAM_BLOCK:
        raise ValueError(f"chunk_size must be a positive multiple of {STREAM_BLOCK}, got {chunk_size!r}")
    return int(chunk_size)


class ChunkRng:
    """Generators of the stream blocks of one chunk; every draw is made block by block.

    ``sizes`` are the block lengths; array-valued parameters (one value per sample of the chunk) are
    sliced per block. Drawing a shape ``tail`` gives an array of shape ``(chunk_len, *tail)``.
    """

    def __init__(self, generators: list[np.random.Generator], sizes: list[int]):
        self.generators = generators
        self.sizes = sizes
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def _per_block(self, method: str, tail: tuple[int, ...], *args, **kwargs) -> np.ndarray:
        if not tail:  # infer the trailing shape from an array-valued per-sample parameter
            tail = next((a.shape[1:] for a in args if isinstance(a, np.ndarray) and a.ndim > 1), ())
        parts = []
        for b, (gen, size) in enumerate(zip(self.generators, self.sizes, strict=True)):
            lo, hi = self.offsets[b], self.offsets[b + 1]
            sliced = [a[lo:hi] if isinstance(a, np.ndarray) and a.ndim and a.shape[0] == len(self) else a
                      for a in args]
            parts.append(getattr(gen, method)(*sliced, size=(size, *tail), **kwargs))
        return np.concatenate(parts, axis=0)

    @staticmethod
    def _expand(arg, tail):
        """Broadcast a per-sample parameter of shape (chunk,) against a draw of shape (chunk, *tail)."""
        if isinstance(arg, np.ndarray) and arg.ndim == 1 and tail:
            return arg.reshape(arg.shape + (1,) * len(tail))
        return arg

    def standard_normal(self, *tail: int) -> np.ndarray:
        return self._per_block("standard_normal", tail)

    def uniform(self, low: float, high: float, *tail: int) -> np.ndarray:
        return self._per_block("uniform", tail, low, high)

    def rademacher(self, *tail: int) -> np.ndarray:
        """Independent ±1 signs (float64), one random bit each: a block's ``size × prod(tail)`` signs are the bits of
        its generator's next ⌈count / 8⌉ random bytes (``Generator.bytes``; bit 1 → +1). Ten times cheaper than a
        64-bit integer per sign, which cost more than a normal variate (the balanced ResNets draw n signs a layer)."""
        width = math.prod(tail)
        parts = [np.unpackbits(np.frombuffer(gen.bytes(-(-size * width // 8)), dtype=np.uint8),
                               count=size * width).reshape(size, *tail)
                 for gen, size in zip(self.generators, self.sizes, strict=True)]
        return np.concatenate(parts, axis=0) * 2.0 - 1.0

    def binomial(self, n, p: float, *tail: int) -> np.ndarray:
        return self._per_block("binomial", tail, self._expand(n, tail), p)

    def gamma(self, shape, *tail: int) -> np.ndarray:
        """Gamma(shape, 1); shape 0 gives exactly 0."""
        return self._per_block("gamma", tail, self._expand(shape, tail))

    def chisquare(self, df, *tail: int) -> np.ndarray:
        """Chi-square with ``df`` degrees of freedom (df > 0)."""
        return self._per_block("chisquare", tail, self._expand(df, tail))

    def standard_normal_rows(self, rows: np.ndarray, *tail: int) -> np.ndarray:
        """Standard normals of shape ``(rows.sum(), *tail)`` for the chunk's rows where the boolean ``rows`` is set
        (in row order), each block drawing only its own rows: a redraw for some samples (rejection sampling) still
        depends only on the sample's stream block, never on the chunk size."""
        rows = np.asarray(rows, dtype=bool)
        counts = np.add.reduceat(rows.astype(np.intp), self.offsets[:-1])
        return np.concatenate([gen.standard_normal(size=(int(c), *tail))
                               for gen, c in zip(self.generators, counts, strict=True)], axis=0)


def chunked_rngs(seed: np.random.SeedSequence, n_samples: int, chunk_size: int) -> Iterator[tuple[slice, ChunkRng]]:
    """Yield ``(sample slice, ChunkRng)`` covering ``n_samples`` in chunks of at most ``chunk_size``.

    Block ``b`` always uses ``seed.spawn``'s b-th child, so the arrays do not depend on ``chunk_size``.
    """
    chunk_size = validate_chunk_size(chunk_size)
    if n_samples <= 0:
        raise ValueError(f"n_samples must be positive, got {n_samples}")
    n_blocks = -(-n_samples // STREAM_BLOCK)
    children = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key).spawn(n_blocks)
    blocks_per_chunk = chunk_size // STREAM_BLOCK
    for first in range(0, n_blocks, blocks_per_chunk):
        idx = range(first, min(first + blocks_per_chunk, n_blocks))
        sizes = [min(STREAM_BLOCK, n_samples - b * STREAM_BLOCK) for b in idx]
        gens = [np.random.default_rng(children[b]) for b in idx]
        start = first * STREAM_BLOCK
        yield slice(start, start + sum(sizes)), ChunkRng(gens, sizes)
