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


def serving_memory_mb(leader: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Summed (RSS, PSS) in MB of the process `leader` and its children that run the same program (a
    server's forked workers), and of its other children (helpers such as the inbox writer)."""
    command = _command_of(leader)
    children = [int(pid) for pid in Path(f"/proc/{leader}/task/{leader}/children").read_text().split()]
    forks = [pid for pid in children if _command_of(pid) == command]
    return _memory_mb([leader, *forks]), _memory_mb([pid for pid in children if pid not in forks])


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    rss = pss = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "Rss":
                rss += float(value.split()[0]) / 1024
            elif name == "Pss":
                pss += float(value.split()[0]) / 1024
    return rss, pss


def _command_of(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
