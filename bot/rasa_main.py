"""Runs Rasa's command line with the API's JWT secret taken from the environment, so it is never on a command line that `ps` shows."""

import os
import sys

JWT_SECRET_ENV = "CONTACTPUNT_RASA_JWT_SECRET"


def main() -> None:
    secret = os.environ.pop(JWT_SECRET_ENV, None)
    if secret:  # sys.argv is this process's own copy: /proc/<pid>/cmdline keeps the arguments it started with
        # One token with "=": a secret that starts with "-" (token_urlsafe does, 1 in 64) would
        # otherwise be taken for an option, and Rasa would refuse to start.
        sys.argv.append(f"--jwt-secret={secret}")
    from bot import quiet_warnings

    quiet_warnings.install()  # Rasa's libraries' deprecation notices are not for whoever runs the system
    from bot import action_result_schema, graph_runner

    action_result_schema.install()  # the measured per-message costs of Rasa 3.6 (docs/performance.md)
    graph_runner.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
