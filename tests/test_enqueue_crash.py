"""Crash safety: a writer killed with SIGKILL during 1,000 enqueues loses no acknowledged case."""

import os
import signal
import subprocess
import sys

import pytest

from handoff.advisers import Advisers
from handoff.case_queue import CaseQueue
from tests.conftest import ROOT

PASSPHRASE = "correct horse battery staple"
TOTAL, KILL_AFTER = 1000, 250


@pytest.mark.slow
def test_killed_writer_loses_no_acknowledged_case(queue_db, queue_url):
    _, sessions = queue_db
    Advisers(sessions).add("anna", "Anna (COG)", PASSPHRASE, ["rocmn"])
    writer = subprocess.Popen([sys.executable, "-m", "tests.enqueue_writer", queue_url, str(TOTAL)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(line.split()[0])
        if len(acknowledged) == KILL_AFTER:
            os.kill(writer.pid, signal.SIGKILL)  # mid-stream: the next enqueue is already under way
            break
    writer.wait()
    acknowledged += [line.split()[0] for line in writer.stdout]  # anything printed before the kill landed
    assert writer.returncode == -signal.SIGKILL
    assert KILL_AFTER <= len(acknowledged) < TOTAL

    anna = Advisers(sessions).unlock("anna", PASSPHRASE)
    queue = CaseQueue(sessions)
    stored = {case.id for case in queue.queue_for(anna)}
    assert set(acknowledged) <= stored
    assert len(stored) - len(acknowledged) <= 1  # at most the one committed as the kill came
    for case_id in acknowledged[-5:]:  # the last ones before the kill are whole and open
        assert queue.open_case(anna, case_id, audit=False).report["summary"].startswith("crash-")
