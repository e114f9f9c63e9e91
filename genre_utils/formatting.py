"""The study's one set of formatting helpers: numbers and words as tables and sentences show them."""

from __future__ import annotations

import difflib
import math

MISSING = "–"  # what readers see where a number does not exist


def finite(value) -> bool:
    """Whether ``value`` is a finite number (NumPy scalars included); False for None, NaN, text."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def did_you_mean(value, allowed) -> str:
    """`` (did you mean X?)`` when ``value`` is close to one of ``allowed``, else ``""``."""
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def plural(count: int, noun: str) -> str:
    """``plural(1, "run")`` -> ``"1 run"``, ``plural(3, "run")`` -> ``"3 runs"``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def points(share, digits: int = 1) -> str:
    """A share as percentage points without the sign: ``0.563`` -> ``"56.3"``; :data:`MISSING` if not finite."""
    return f"{100 * float(share):.{digits}f}" if finite(share) else MISSING


def percent(share, digits: int = 1) -> str:
    """A share as a percentage: ``0.563`` -> ``"56.3 %"``; :data:`MISSING` if not finite."""
    return f"{points(share, digits)} %" if finite(share) else MISSING


def small_percent(share: float) -> str:
    """A share that may be tiny, to two significant digits: ``0.0004`` -> ``"0.04 %"``, ``0.12`` -> ``"12 %"``."""
    if share == 0:
        return "0 %"
    if share < 1e-6:
        return "< 0.0001 %"
    if share >= 0.1:
        return f"{share * 100:.0f} %"
    return f"{share * 100:.2g} %"
