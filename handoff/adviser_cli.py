"""`contactpunt adviser add|list|disable|grant|rotate-key`: manage advisers and their keys from the server."""

import argparse
import base64
import getpass
import sys
from typing import Callable

from handoff.adviser_keys import MIN_PASSPHRASE_CHARS, totp_uri
from handoff.advisers import AdviserExists, Advisers, LoginFailed, UnknownAdviser
from handoff.db import make_engine, migrate, session_factory


def _advisers() -> Advisers:
    engine = make_engine()
    migrate(engine)
    return Advisers(session_factory(engine))


def _secret(prompt: str, from_stdin: bool, confirm: bool = False) -> str:
    """A passphrase from the terminal (hidden), or one line of stdin with --passphrase-stdin."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat: ") != value:
        raise ValueError("the two passphrases differ")
    return value


def cmd_add(args: argparse.Namespace) -> int:
    passphrase = _secret(f"Passphrase for {args.login} (at least {MIN_PASSPHRASE_CHARS} characters): ",
                         args.passphrase_stdin, confirm=True)
    seed = _advisers().add(args.login, args.name, passphrase, args.location)
    print(f"Adviser {args.login} added for {', '.join(args.location)}.")
    print("Add this to an authenticator app now; it is not shown again:")
    print(f"  secret: {base64.b32encode(seed).decode('ascii')}")
    print(f"  URI:    {totp_uri(seed, args.login)}")
    unreadable = _advisers().unreadable_open_cases(args.login)
    if unreadable:
        print(f"{unreadable} open case(s) at these locations were sealed before {args.login} existed: an adviser "
              f"who can read them runs `contactpunt adviser grant {args.login} --location LOCATION --by THEIR_LOGIN`.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = _advisers().list()
    if not rows:
        print("No advisers yet. Add one with `contactpunt adviser add LOGIN --name NAME --location LOCATION`.")
    for row in rows:
        state = "active" if row.active else "disabled"
        report = "reports" if row.may_report else ""
        print(f"{row.login:<20} {state:<9} {','.join(row.locations):<16} open cases readable: "
              f"{row.readable_open_cases:<4} {report:<8} {row.display_name}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    _advisers().disable(args.login)
    print(f"{args.login} can no longer log in; every case key sealed to them is deleted.")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    _advisers().set_report_permission(args.login, args.allow)
    print(f"{args.login} {'may now see' if args.allow else 'no longer sees'} the periodic overview.")
    return 0


def cmd_grant(args: argparse.Namespace) -> int:
    advisers = _advisers()
    granting = advisers.unlock(args.by, _secret(f"Passphrase of {args.by}: ", args.passphrase_stdin))
    count = advisers.grant(args.login, args.location, by=granting)
    print(f"{args.login} now works for {args.location}; {count} open case(s) re-sealed to them by {args.by}.")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    current = _secret(f"Current passphrase of {args.login}: ", args.passphrase_stdin)
    new = _secret("New passphrase (empty: keep the current one): ", args.passphrase_stdin, confirm=False)
    count = _advisers().rotate_key(args.login, current, new or None)
    print(f"New key pair for {args.login}; {count} case key(s) re-sealed to it. The old key opens nothing now.")
    return 0


def _run(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def guarded(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except LoginFailed:
            print("contactpunt adviser: wrong passphrase, or the adviser is disabled.", file=sys.stderr)
        except (AdviserExists, UnknownAdviser) as error:
            kind = "already exists" if isinstance(error, AdviserExists) else "does not exist"
            print(f"contactpunt adviser: {error} {kind}.", file=sys.stderr)
        except ValueError as error:
            print(f"contactpunt adviser: {error}.", file=sys.stderr)
        return 2
    return guarded


def add_adviser_commands(sub: argparse._SubParsersAction) -> None:
    adviser = sub.add_parser("adviser", help="manage advisers (COG / vertrouwenspersonen) and their keys")
    commands = adviser.add_subparsers(dest="adviser_command", required=True, metavar="ACTION")
    stdin_help = "read passphrases from stdin, one per line (for scripts), instead of asking"

    add = commands.add_parser("add", help="add an adviser; prints the TOTP secret once")
    add.add_argument("login", help="login name (letters, digits, '.', '-', '_')")
    add.add_argument("--name", required=True, help="name shown in the console, e.g. 'Anna (COG)'")
    add.add_argument("--location", action="append", required=True, help="institution profile id (repeatable)")
    add.add_argument("--passphrase-stdin", action="store_true", help=stdin_help)
    add.set_defaults(func=_run(cmd_add))

    listing = commands.add_parser("list", help="list advisers, their locations and readable open cases")
    listing.set_defaults(func=_run(cmd_list))

    disable = commands.add_parser("disable", help="refuse an adviser's login and delete their case keys")
    disable.add_argument("login")
    disable.set_defaults(func=_run(cmd_disable))

    grant = commands.add_parser("grant", help="add a location to an adviser; another adviser re-seals open cases")
    grant.add_argument("login", help="the adviser who gets the location")
    grant.add_argument("--location", required=True, help="institution profile id")
    grant.add_argument("--by", required=True, help="an adviser who can read the open cases there")
    grant.add_argument("--passphrase-stdin", action="store_true", help=stdin_help)
    grant.set_defaults(func=_run(cmd_grant))

    reports = commands.add_parser("reports", help="allow or revoke an adviser's access to the periodic overview")
    reports.add_argument("login")
    switch = reports.add_mutually_exclusive_group(required=True)
    switch.add_argument("--allow", action="store_true", help="may see the overview in the console")
    switch.add_argument("--revoke", dest="allow", action="store_false", help="may no longer see it")
    reports.set_defaults(func=_run(cmd_reports))

    rotate = commands.add_parser("rotate-key", help="new key pair (and optionally passphrase); re-seals every case")
    rotate.add_argument("login")
    rotate.add_argument("--passphrase-stdin", action="store_true", help=stdin_help)
    rotate.set_defaults(func=_run(cmd_rotate))
