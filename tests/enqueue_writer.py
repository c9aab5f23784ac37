"""Test helper process: enqueues cases one by one and prints each case id once the queue acknowledged it."""

import sys

from handoff.case_queue import CaseQueue, Report
from handoff.db import make_engine, session_factory


def main(url: str, count: int) -> None:
    queue = CaseQueue(session_factory(make_engine(url)))
    for number in range(count):
        case_id, _ = queue.enqueue(Report("rocmn", "", "pesten", {"summary": f"crash-{number}"}))
        print(f"{case_id} {number}", flush=True)  # the reporter would be told "sent" now


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
