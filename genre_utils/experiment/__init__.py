"""Experiments: one run per contender, split, seed (and fold), trained, evaluated and written to its folder.

:mod:`.inputs` (segments cut after the split by track), :mod:`.evaluation`, :mod:`.learning_check`, :mod:`.runner`
(run specifications, sweeps, run folders, :func:`~.runner.train_plan`), :mod:`.plans` (learning curve, readings) and
:mod:`.degradation_scores` (finished runs scored on degraded copies of their test tracks).

May import: :mod:`genre_utils.models`, :mod:`genre_utils.features`, :mod:`genre_utils.data` and the base modules.
"""
