"""The study on top: what the notebooks and the report share.

- :mod:`.settings`: the study's settings, one validated object;
- :mod:`.notebook`: the notebooks' helpers (open the data, train runs, show a run);
- :mod:`.degradation_study`: the degradation study's plan (notebook 08);
- :mod:`.parameters`: the notebooks' parameters and their checks; :mod:`.report`: every notebook run, HTML out.

May import: every sub-package (:mod:`genre_utils.analysis` and below). The command lines
(:mod:`genre_utils.prepare`, :mod:`genre_utils.run`, :mod:`genre_utils.predict`, :mod:`genre_utils.report`)
sit above it.
"""
