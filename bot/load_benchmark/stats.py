"""Latency percentiles and per-scenario figures (turns, errors, throughput) from the load generator's turn records."""

import math
from typing import Dict, List, Optional, Sequence


def percentile(values: Sequence[float], share: float) -> Optional[float]:
    """The `share` (0-100) percentile by linear interpolation between closest ranks (numpy's default);
    None for no values."""
    if not values:
        return None
    if not 0 <= share <= 100:
        raise ValueError(f"percentile share must be within 0-100, not {share}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise_turns(turns: List[Dict], seconds: float) -> Dict:
    """Per scenario: turns sent, answered, errors by kind, latency p50/p95/p99 (ms) over answered turns, and
    throughput (answered turns per second of the scenario's wall time)."""
    latencies = [turn["latency"] * 1000 for turn in turns if turn.get("latency") is not None]
    errors: Dict[str, int] = {}
    for turn in turns:
        if turn.get("error"):
            errors[turn["error"]] = errors.get(turn["error"], 0) + 1
    return {
        "turns": len(turns),
        "answered": len(latencies),
        "errors": sum(errors.values()),
        "errors_by_kind": errors,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies) if latencies else None,
        "seconds": seconds,
        "turns_per_s": len(latencies) / seconds if seconds > 0 else None,
        "replies_per_turn": (sum(turn.get("replies", 0) for turn in turns) / len(turns)) if turns else None,
    }


def per_turn(cpu_seconds: Optional[float], answered: int) -> Optional[float]:
    """CPU milliseconds per answered turn."""
    if cpu_seconds is None or not answered:
        return None
    return cpu_seconds * 1000 / answered
