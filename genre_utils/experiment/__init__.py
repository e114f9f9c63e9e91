"""Experiments: one run per contender, split, seed (and fold), trained, evaluated and written to its folder.

- :mod:`.inputs`: the items a run trains and tests on (segments cut after the split by track);
- :mod:`.evaluation`: per-track metrics and their files; :mod:`.learning_check`: did the run learn;
- :mod:`.runner`: run specifications, sweeps, run folders, the runs table and :func:`~.runner.train_plan`;
- :mod:`.plans`: the runs of the learning curve and of the thesis readings;
- :mod:`.degradation_scores`: finished runs scored on degraded copies of their test tracks.

May import: :mod:`genre_utils.models`, :mod:`genre_utils.features`, :mod:`genre_utils.data` and the base modules.
"""
