"""Hayou: the infinite-depth limit of finite-width neural networks (spec: shared/spec/hayou.md).

Declaration (experiments, figures): ``declaration.py``; runners ``sample.py``, fits ``fit.py``, plots ``figures.py``,
config schema ``schema.yaml``."""
