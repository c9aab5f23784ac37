"""The load benchmark's pure parts: percentiles, /proc parsing, the process tree, figures and the document (no load, no timing)."""

import copy

import pytest

from bot.load_benchmark import process_stats
from bot.load_benchmark.performance_doc import render, targets
from bot.load_benchmark.runner import overall, scenarios
from bot.load_benchmark.scripts import FOLLOW_UP, PLAIN_SCRIPT, REPORTS, our_script
from bot.load_benchmark.stats import per_turn, percentile, summarise_turns


def test_percentiles_interpolate_between_ranks():
    values = [10, 20, 30, 40, 50]
    assert percentile(values, 50) == 30
    assert percentile(values, 95) == pytest.approx(48)
    assert percentile(values, 99) == pytest.approx(49.6)
    assert percentile(values, 0) == 10 and percentile(values, 100) == 50
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2  # unsorted input
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_turn_summary_counts_errors_apart_from_latencies():
    turns = [{"latency": 0.1, "error": None, "replies": 2}, {"latency": 0.3, "error": None, "replies": 1},
             {"latency": None, "error": "no reply in 10 s", "replies": 0},
             {"latency": None, "error": "refused", "replies": 0}]
    figures = summarise_turns(turns, seconds=4.0)
    assert figures["turns"] == 4 and figures["answered"] == 2
    assert figures["errors"] == 2 and figures["errors_by_kind"] == {"no reply in 10 s": 1, "refused": 1}
    assert figures["p50_ms"] == pytest.approx(200)
    assert figures["turns_per_s"] == pytest.approx(0.5)
    assert figures["replies_per_turn"] == pytest.approx(0.75)
    assert per_turn(1.5, 10) == pytest.approx(150) and per_turn(1.0, 0) is None


def test_stat_line_with_spaces_and_parentheses_in_the_name():
    # fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    line = "4242 (python -m (odd) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 40 7 3 20 0 9 0 1000 0 0\n"
    fields = process_stats.parse_stat(line)
    assert fields == {"ppid": 17, "utime": 250, "stime": 40, "cutime": 7, "cstime": 3}


def test_status_figures():
    status = "Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n"
    assert process_stats.parse_status_kib(status, "VmRSS") == 102400
    assert process_stats.parse_status_kib(status, "VmHWM") == 204800
    assert process_stats.parse_status_kib(status, "VmSwap") is None


def _fake_process(proc, pid, ppid, name, utime, stime, children=(), rss_kib=1024, cutime=0):
    directory = proc / str(pid)
    (directory / "task" / str(pid)).mkdir(parents=True)
    (directory / "stat").write_text(f"{pid} ({name}) S {ppid} 1 1 0 -1 0 0 0 0 0 {utime} {stime} {cutime} 0 20 0 1")
    (directory / "status").write_text(f"Name:\t{name}\nVmRSS:\t{rss_kib} kB\n")
    (directory / "cmdline").write_bytes(b"\0".join(part.encode() for part in ["python", "-m", name, "run"]) + b"\0")
    (directory / "task" / str(pid) / "children").write_text(" ".join(str(child) for child in children))


def test_process_tree_cpu_and_memory_from_a_fake_proc(tmp_path, monkeypatch):
    proc = tmp_path
    _fake_process(proc, 1, 0, "bot.cli", 10, 0, children=[2, 3])
    _fake_process(proc, 2, 1, "bot.rasa_main", 300, 100, children=[4], rss_kib=2048, cutime=50)
    _fake_process(proc, 3, 1, "rasa_sdk", 20, 5)
    _fake_process(proc, 4, 2, "worker", 100, 0, rss_kib=1024)
    assert sorted(process_stats.descendants(1, proc)) == [1, 2, 3, 4]
    groups = process_stats.find_services(1, {"rasa": "bot.rasa_main", "actions": "rasa_sdk"}, proc)
    assert sorted(groups["rasa"]) == [2, 4] and groups["actions"] == [3]
    monkeypatch.setattr(process_stats, "CLOCK_TICKS", 100)
    assert process_stats.cpu_seconds(groups["rasa"], proc) == pytest.approx(5.5)  # 300+100+50 + 100 ticks
    assert process_stats.rss_mib(groups["rasa"], proc=proc) == pytest.approx(3.0)
    assert process_stats.cpu_seconds([999], proc) == 0  # a process that has gone counts nothing


def test_scripts_are_fixed_fictional_lines():
    assert len(set(REPORTS)) >= 10
    assert our_script(3) == [REPORTS[3], *FOLLOW_UP] and len(our_script(25)) == 4
    assert FOLLOW_UP == ["ja", "student", "wat gebeurt er met wat ik vertel?"]
    assert len(PLAIN_SCRIPT) == 4


def test_full_plan_has_the_issue_scenarios():
    plan = {scenario.name: scenario for scenario in scenarios(quick=False, saturation_seconds=60)}
    assert [plan[name].reporters for name in ("1 reporter", "10 reporters", "50 reporters", "100 reporters")] == \
        [1, 10, 50, 100]
    assert plan["100 reporters"].think_min == 5 and plan["100 reporters"].think_max == 15
    assert plan["saturation"].saturation and plan["saturation"].think_max == 0
    assert not plan["1 reporter"].saturation and plan["1 reporter"].conversations * 4 >= 30


def _scenario(name, reporters, p50, p95, errors, turns_per_s, rasa_s, actions_s, answered=100, seconds=0.0):
    return {"scenario": {"name": name, "reporters": reporters, "conversations": 1, "seconds": seconds,
                         "think_min": 5 if not seconds else 0, "think_max": 15 if not seconds else 0, "ramp": 5},
            "turns": answered + errors, "answered": answered, "errors": errors,
            "errors_by_kind": {"no reply in 10 s": errors} if errors else {},
            "p50_ms": p50, "p95_ms": p95, "p99_ms": p95 * 1.2, "max_ms": p95 * 2, "seconds": 60.0,
            "turns_per_s": turns_per_s, "replies_per_turn": 2.0, "conversations": 25,
            "cpu_s": {"rasa": rasa_s, "actions": actions_s},
            "cpu_ms_per_turn": {"rasa": rasa_s * 1000 / answered, "actions": actions_s * 1000 / answered},
            "peak_rss_mib": {"rasa": 1100.0, "actions": 50.0}, "processes": {"rasa": 1, "actions": 1}}


def _system(label, scenario_list):
    found = {figures["scenario"]["name"]: figures for figures in scenario_list}
    return {"label": label, "scenarios": found, "overall": overall(found)}


RESULTS = {
    "date": "2026-12-01 04:00 UTC", "commit": "abc123", "quick": False, "minutes": 17.0,
    "machine": {"cpus": 2, "cpu_model": "Test CPU", "ram_gib": 8.0, "python": "3.10.13", "kernel": "6"},
    "systems": {
        "ours": _system("Contactpunt", [_scenario("100 reporters", 100, 40, 250, 0, 8.0, 8.0, 1.0),
                                        _scenario("saturation", 20, 150, 400, 0, 12.0, 6.0, 0.5, seconds=60)]),
        "ours-2": {"label": "Contactpunt, 2 Rasa processes", "skipped": "not supported"},
        "plain": _system("plain Rasa", [_scenario("100 reporters", 100, 30, 90, 0, 8.0, 4.0, 0.1),
                                        _scenario("saturation", 20, 70, 300, 0, 15.0, 4.0, 0.1, seconds=60)]),
    },
}


def test_overall_cpu_per_turn_weights_by_turns():
    ours = RESULTS["systems"]["ours"]["overall"]
    assert ours["answered"] == 200
    assert ours["cpu_ms_per_turn"]["rasa"] == pytest.approx(70)  # (8 + 6) s over 200 turns


def test_document_has_tables_ratio_and_targets():
    text = render(RESULTS)
    assert "2 CPUs (Test CPU), 8.0 GiB RAM" in text and "`abc123`" in text
    assert "| Rasa | 70.0 | 40.0 | 1.75 × |" in text
    assert "Skipped: not supported." in text
    assert "![" in text and "performance.png" in text
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets(RESULTS)[2:]}
    assert rows["Rasa CPU per turn ≤ half of the 193 ms measured before the work (≤ 96.5 ms)"].endswith("**yes** |")
    assert rows["Rasa CPU per turn ≤ 1.5 × plain Rasa"].endswith("**no** |")
    assert rows["100 reporters, 5–15 s think time: p95 first reply ≤ 300 ms"].endswith("**yes** |")
    assert rows["100 reporters, 5–15 s think time: 0 errors"].endswith("**yes** |")
    assert "skipped: not supported" in rows["saturation, 2 Rasa processes: turns/s (reported; more than with 1)"]


def test_targets_fail_when_figures_miss_them():
    worse = copy.deepcopy(RESULTS)
    hundred = worse["systems"]["ours"]["scenarios"]["100 reporters"]
    hundred.update(p95_ms=900.0, errors=3)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets(worse)[2:]}
    assert rows["100 reporters, 5–15 s think time: p95 first reply ≤ 300 ms"].endswith("**no** |")
    assert rows["100 reporters, 5–15 s think time: 0 errors"].endswith("**no** |")
    del worse["systems"]["plain"]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets(worse)[2:]}
    assert rows["Rasa CPU per turn ≤ 1.5 × plain Rasa"].endswith("not measured |")


def test_plot_is_written(tmp_path):
    from bot.load_benchmark.performance_doc import plot

    plot(RESULTS, tmp_path / "performance.png")
    assert (tmp_path / "performance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_numbering_counts_gaps_and_repeats_as_a_page_would_see_them():
    from bot.load_benchmark.load_client import numbering

    assert numbering([1, 2, 3, 4]) == {"numbered": 4, "lost": 0, "duplicated": 0}
    assert numbering([1, 2, 4, 4, 6]) == {"numbered": 5, "lost": 2, "duplicated": 1}  # 3 and 5 never came
    assert numbering([]) == {"numbered": 0, "lost": 0, "duplicated": 0}


def test_two_process_messages_lost_or_duplicated_decide_their_target():
    two = copy.deepcopy(RESULTS)
    saturation = copy.deepcopy(two["systems"]["ours"]["scenarios"]["saturation"])
    saturation["messages"] = {"numbered": 900, "lost": 0, "duplicated": 0}
    two["systems"]["ours-2"] = _system("Contactpunt, 2 Rasa processes", [saturation])
    name = "2 Rasa processes: 0 messages lost or duplicated (numbers each page saw)"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets(two)[2:]}
    assert rows[name] == f"| {name} | 0 / 0 of 900 | **yes** |"
    saturation["messages"]["duplicated"] = 2
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets(two)[2:]}
    assert rows[name].endswith("**no** |")
    assert "| 0 / 2 of 900 |" in render(two)
