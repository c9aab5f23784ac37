"""`contactpunt compare-pipelines` goes on past a candidate that is over its time budget or fails, and says so."""

import argparse
import subprocess

from bot import cli


def test_a_slow_or_broken_candidate_is_reported_not_fatal(tmp_path, monkeypatch):
    pipelines = tmp_path / "pipelines"
    pipelines.mkdir()
    for name in ("a_slow", "b_broken"):
        (pipelines / f"{name}.yml").write_text("pipeline: []\n", encoding="utf-8")
    monkeypatch.setattr(cli, "PIPELINES", pipelines)
    monkeypatch.setattr(cli, "DOCS", tmp_path / "docs")
    monkeypatch.setattr(cli, "_training_size", lambda: "12")

    def fake_run(command, check, timeout):
        config = command[command.index("--config") + 1]
        if config.endswith("a_slow.yml"):
            raise subprocess.TimeoutExpired(command, timeout)
        raise subprocess.CalledProcessError(1, command)

    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    args = argparse.Namespace(out=str(tmp_path / "out"), dev="unused.jsonl", budget=600)
    assert cli.cmd_compare_pipelines(args) == 0
    table = (tmp_path / "docs" / "nlu-pipelines.md").read_text(encoding="utf-8")
    assert "| a_slow | – | – | > 600 (stopped) | – |" in table
    assert "| b_broken | – | – | training failed | – |" in table
