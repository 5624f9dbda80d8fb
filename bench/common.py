"""What the benchmark scripts share: where the corpora are, percentiles, and memory readings."""
from __future__ import annotations

import resource
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
REUTERS = CORPORA / "reuters21578"
DEFAULT_INDEX = ROOT / "bench" / "out" / "reuters-index"


def reuters_files() -> list[Path]:
    files = sorted(REUTERS.glob("reut2-*.sgm"))
    if not files:
        raise SystemExit(f"Reuters-21578 not found in {REUTERS}: the benchmarks need ../shared/corpora")
    return files


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (linear interpolation, as numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=1000, method="inclusive")[round(fraction * 1000) - 1]


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished children), in MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024
