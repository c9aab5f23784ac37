"""`contactpunt adviser ...`: add, list, grant, rotate-key, disable, and clear errors instead of tracebacks."""

import io
import sys

import pytest

from bot.cli import main

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def adviser_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONTACTPUNT_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.sqlite'}")

    def run(*args, stdin=""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["adviser", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_the_adviser_lifecycle_from_the_command_line(adviser_cli, tmp_path):
    code, out, _ = adviser_cli("add", "anna", "--name", "Anna (COG)", "--location", "rocmn", "--passphrase-stdin",
                               stdin=PASSPHRASE + "\n")
    assert code == 0 and "otpauth://totp/" in out and "secret:" in out

    from handoff.case_queue import CaseQueue, Report
    from handoff.db import make_engine, session_factory

    queue = CaseQueue(session_factory(make_engine(f"sqlite:///{tmp_path / 'queue.sqlite'}")))
    queue.enqueue(Report("rocmn", "", "pesten", {"summary": "x"}))

    code, out, _ = adviser_cli("add", "bram", "--name", "Bram (VP)", "--location", "rocmn", "--passphrase-stdin",
                               stdin=PASSPHRASE + "\n")
    assert code == 0 and "1 open case(s)" in out and "adviser grant bram" in out
    code, out, _ = adviser_cli("grant", "bram", "--location", "rocmn", "--by", "anna", "--passphrase-stdin",
                               stdin=PASSPHRASE + "\n")
    assert code == 0 and "1 open case(s) re-sealed" in out
    code, out, _ = adviser_cli("rotate-key", "bram", "--passphrase-stdin", stdin=PASSPHRASE + "\n\n")
    assert code == 0 and "1 case key(s) re-sealed" in out
    code, out, _ = adviser_cli("reports", "bram", "--allow")
    assert code == 0 and "may now see" in out
    code, out, _ = adviser_cli("disable", "anna")
    assert code == 0
    code, out, _ = adviser_cli("list")
    assert "anna" in out and "disabled" in out and "bram" in out and "readable: 1" in out and "reports" in out


def test_mistakes_get_one_clear_line_not_a_traceback(adviser_cli):
    adviser_cli("add", "anna", "--name", "Anna", "--location", "rocmn", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    cases = [
        (("add", "anna", "--name", "Anna", "--location", "rocmn", "--passphrase-stdin"), PASSPHRASE, "already exists"),
        (("add", "carla", "--name", "Carla", "--location", "rocmn", "--passphrase-stdin"), "kort", "at least 12"),
        (("grant", "nobody", "--location", "rocmn", "--by", "anna", "--passphrase-stdin"), PASSPHRASE, "does not exist"),
        (("grant", "anna", "--location", "wur", "--by", "anna", "--passphrase-stdin"), "wrong passphrase!", "wrong"),
        (("disable", "nobody"), "", "does not exist"),
    ]
    for args, stdin, reason in cases:
        code, out, err = adviser_cli(*args, stdin=stdin + "\n")
        assert code == 2 and reason in err and "Traceback" not in err, (args, err)
