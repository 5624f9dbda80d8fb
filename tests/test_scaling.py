"""Readers and extraction steps take time in proportion to their input, on ordinary and hostile
shapes: twice the bytes may take about twice the time, not four times (issue 11, item 7).

The cases are `bench/scaling.py`'s, at their smallest sizes (about 0.1 s each), timed five times
(the best counts); a ratio of 3 is allowed for a noisy machine, and a quadratic step gives 4. The benchmark prints the same
figures for larger inputs.
"""
from __future__ import annotations

import pytest

from bench.scaling import CASES, timings

LINEAR_RATIO = 3.0


@pytest.mark.parametrize("name", CASES)
def test_time_grows_linearly_with_the_input(name):
    make, step, n = CASES[name]
    small, large = timings(make, step, n, runs=5)
    assert large / small < LINEAR_RATIO, f"{name}: {small:.3f} s on n, {large:.3f} s on 2n"
