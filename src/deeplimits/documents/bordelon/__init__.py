"""Bordelon, Pehlevan: deep linear network training dynamics (spec: shared/spec/bordelon.md).

Declaration (experiments, figures): ``declaration.py``; runners ``sample.py``, fits ``fit.py``, plots ``figures.py``,
config schema ``schema.yaml``."""
