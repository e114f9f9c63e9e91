"""Analysis: what the finished runs say.

- :mod:`.statistics`, :mod:`.significance`: spread across seeds, intervals, McNemar and paired tests;
- :mod:`.comparison`, :mod:`.comparison_views`, :mod:`.summary`: the comparison table and its written summary;
- :mod:`.plots`: the figures; :mod:`.learning_curve`: the thesis's "more data" question;
  :mod:`.readings`, :mod:`.readings_figure`: the thesis's open choices, read several ways;
  :mod:`.robustness`: the degradation study's table, tests, figure and answer.

May import: :mod:`genre_utils.experiment` and everything below it.
"""
