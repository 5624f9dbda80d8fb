"""Readers and extraction steps take time in proportion to their input, on ordinary and hostile
shapes: four times the bytes take about four times as long, not sixteen (issue 11, item 7).

The cases are `bench/scaling.py`'s, timed on half and on twice their smallest sizes (best of five,
with the cycle collector off). A linear step gives 4 and a quadratic one 16; 8 is allowed. A
factor of 4 rather than 2 keeps the check clear of this shared machine's noise and of the steps
in its memory (one doubling of the entity rules' input took 3.3 times as long, the next 1.96).
The benchmark prints n against 2n for larger inputs.
"""
from __future__ import annotations

import pytest

from bench.scaling import CASES, timings

LINEAR_GROWTH = 8.0


@pytest.mark.parametrize("name", CASES)
def test_time_grows_linearly_with_the_input(name):
    make, step, n = CASES[name]
    small, large = timings(make, step, n // 2, runs=5, factor=4)
    assert large / small < LINEAR_GROWTH, f"{name}: {small:.3f} s on n / 2, {large:.3f} s on 2n"
