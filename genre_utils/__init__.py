"""Shared code of the CNN vs LSTM music genre classification study, in the order the data flows.

:mod:`.data` (datasets, audio, downloads, splits, degradations), :mod:`.features` (feature kinds, standardization,
the cached feature store), :mod:`.models` (the contenders, training), :mod:`.experiment` (inputs, runs,
evaluation, the learning check), :mod:`.analysis` (statistics, comparison, figures, learning curve, readings,
robustness) and :mod:`.study` (settings, notebook helpers, the report). Each imports only from those before it and
from the base modules (:mod:`.paths`, :mod:`.quiet`, :mod:`.formatting`, :mod:`.registry`); the command lines
(:mod:`.prepare`, :mod:`.run`, :mod:`.predict`, :mod:`.report`) sit on top. docs/design.md draws the layers.
"""

__version__ = "0.1.0"
