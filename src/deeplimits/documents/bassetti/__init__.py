"""Bassetti, Ladelli, Rotondo: proportional limit of deep linear networks (spec: shared/spec/bassetti.md).

Declaration (experiments, figures): ``declaration.py``; runners ``sample.py``, fits ``fit.py``, plots ``figures.py``,
the arrays' keys ``keys.py``, config schema ``schema.yaml``."""
