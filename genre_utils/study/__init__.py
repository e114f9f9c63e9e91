"""The study on top: settings, the notebooks' helpers, parameter checks and the report.

May import: every sub-package (:mod:`genre_utils.analysis` and below); the command lines sit above it.
"""
