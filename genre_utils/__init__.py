"""Shared code of the CNN vs LSTM music genre classification study, in the order the data flows.

========================  ===========================================================================
:mod:`.data`              datasets (declared and discovered), audio, downloads, splits
:mod:`.features`          feature kinds, standardization, the cached feature store and its engines
:mod:`.models`            the contenders (registry), how they learn and predict
:mod:`.experiment`        inputs, runs, evaluation, whether a run learnt
:mod:`.analysis`          statistics, significance, comparison, summary, figures, learning curve, readings
:mod:`.study`             the study's settings, the notebooks' helpers, parameters, the report
========================  ===========================================================================

A sub-package imports only from those above it in this table and from the base modules
(:mod:`.paths`, :mod:`.quiet`, :mod:`.formatting`, :mod:`.registry`); the command lines (:mod:`.prepare`, :mod:`.run`,
:mod:`.predict`, :mod:`.report`) sit on top. ``tests/test_package_shape.py`` holds the package to it.
"""

__version__ = "0.1.0"
