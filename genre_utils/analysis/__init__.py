"""Analysis: what the finished runs say (tables, tests, verdicts, figures); reads runs, trains nothing.

May import: :mod:`genre_utils.experiment` and everything below it.
"""
