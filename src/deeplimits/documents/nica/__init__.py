"""Nica, lecture notes: log-Gaussian behaviour of deep ReLU networks (spec: shared/spec/nica.md).

Declaration (experiments, figures): ``declaration.py``; runners ``sample.py``, fits ``fit.py``, plots ``figures.py``,
array keys ``keys.py``, config schema ``schema.yaml``."""
