"""Analysis: what the finished runs say.

- :mod:`.statistics`, :mod:`.significance`: spread across seeds, intervals, McNemar and paired tests;
- :mod:`.comparison`, :mod:`.summary`: the comparison table and its verdict;
- :mod:`.plots`: every figure; :mod:`.learning_curve`: the thesis's "more data" question;
  :mod:`.readings`: the thesis's open choices, read several ways;
  :mod:`.robustness`: the degradation study's tables and answer.

May import: :mod:`genre_utils.experiment` and everything below it.
"""
