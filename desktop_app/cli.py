"""The command line (CONTRACT §4).

Nothing here imports Qt at module level: ``--version``, ``--help`` and ``token ...``
answer fast and work without a display. The GUI, the single-instance socket and the
network are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Sequence

from desktop_app import DISPLAY_NAME, __version__
from desktop_app.campaigns import command as campaign_command
from desktop_app.core.texts import UserError
from desktop_app.relay import commands as relay_commands

URI_SCHEMES = ("tel:", "callto:")
# The keyring's token kinds (desktop_app.core.secret_store), here without importing keyring.
TOKEN_KINDS = ("api", "crm", "relay", "metrics")

# Commands a running instance of the same profile may take over (it owns the PBX session
# and shows the result to the operator). Everything else always runs in this process.
FORWARDABLE = ("show", "call", "sms")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gravitel-desk",
        description=f"{DISPLAY_NAME}: caller cards, click-to-call and SMS for the Gravitel cloud PBX.",
        epilog="Without a command the tray app starts; tel:NUMBER or callto:NUMBER places a call.",
    )
    parser.add_argument("--version", action="version", version=f"{DISPLAY_NAME} {__version__}")
    parser.add_argument("--profile", metavar="DIR", help="profile folder (default: the per-user app folder)")
    parser.add_argument("--demo", action="store_true", help="start on a throw-away profile with the built-in PBX simulator")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    call = commands.add_parser("call", help="call NUMBER from your extension")
    call.add_argument("number")
    call.add_argument("--clid", metavar="NUMBER", help="outgoing caller ID to show")

    sms = commands.add_parser("sms", help="send an SMS")
    sms.add_argument("number")
    sms.add_argument("text")

    token = commands.add_parser("token", help="manage the tokens in the OS keyring (api, crm, relay, metrics)")
    token_commands = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    token_set = token_commands.add_parser("set", help="store a token read from standard input")
    token_set.add_argument("kind", choices=TOKEN_KINDS)
    token_clear = token_commands.add_parser("clear", help="remove a stored token")
    token_clear.add_argument("kind", choices=TOKEN_KINDS)
    token_commands.add_parser("status", help="show where each token comes from")

    contacts = commands.add_parser("contacts", help="import or export the contact directory")
    contacts_commands = contacts.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)
    contacts_import = contacts_commands.add_parser("import", help="import a .csv or .vcf file")
    contacts_import.add_argument("file")
    contacts_export = contacts_commands.add_parser("export", help="export to a .csv file")
    contacts_export.add_argument("file")
    contacts_export.add_argument("--encoding", choices=("utf-8", "cp1251"), default="utf-8",
                                 help="utf-8 (with BOM, the default) or cp1251 (Windows-1251, for older Excel)")

    relay_commands.add_parser(commands)
    campaign_command.add_parser(commands)

    commands.add_parser("simulator", help="run the built-in PBX simulator (see --help of it)", add_help=False)
    return parser


def _command_index(argv: list[str]) -> int | None:
    """Where the command stands: the first argument that is neither an option nor its value."""
    index = 0
    while index < len(argv):
        if argv[index] == "--profile":
            index += 2
        elif argv[index].startswith("-"):
            index += 1
        else:
            return index
    return None


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; a ``tel:``/``callto:`` URI in the command's place means ``call URI``
    (how desktops and browsers start a link handler)."""
    argv = list(argv)
    parser = build_parser()
    index = _command_index(argv)
    if index is not None and argv[index].lower().startswith(URI_SCHEMES):
        argv[index:index + 1] = ["call", argv[index]]
    elif index is not None and argv[index] == "simulator":
        args = parser.parse_args(argv[: index + 1])
        args.simulator_args = argv[index + 1 :]
        return args
    return parser.parse_args(argv)


def forwarded_argv(args: argparse.Namespace) -> list[str]:
    """The command as a running instance receives it (no profile, no secrets)."""
    if args.command == "call":
        return ["call", args.number] + (["--clid", args.clid] if args.clid else [])
    if args.command == "sms":
        return ["sms", args.number, args.text]
    return ["show"]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except UserError as exc:
        print(f"gravitel-desk: {exc}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:  # an unusable profile folder or database
        print(f"gravitel-desk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "simulator":
        from desktop_app.simulator.server import main as simulator_main

        return simulator_main(args.simulator_args)

    from desktop_app.core.profile import Profile

    if args.demo:
        from desktop_app.demo import demo_profile

        profile = demo_profile()
    else:
        profile = Profile.resolve(args.profile)

    if args.command in ("call", "sms", "contacts", "campaign"):
        # Details go to the profile's log; the terminal gets one line.
        from desktop_app.core import log_setup

        log_setup.setup(profile.ensure().logs_dir)
    if args.command == "token":
        return _token(profile, args)
    if args.command == "relay":
        return relay_commands.run(profile, args)
    if args.command == "contacts":
        return _contacts(profile, args)
    if args.command == "campaign":
        return campaign_command.run(profile, args)
    if args.command in ("call", "sms"):
        from desktop_app.gui.shell.ipc import send_to_running_instance

        reply = send_to_running_instance(profile, forwarded_argv(args))
        if reply is not None:
            return _print_reply(reply)
        return asyncio.run(_direct(profile, args))

    from desktop_app.gui.shell.ipc import send_to_running_instance

    reply = send_to_running_instance(profile, ["show"])
    if reply is not None:
        return 0
    from desktop_app.gui.shell.app import run_gui

    try:
        return run_gui(profile, demo=args.demo)
    finally:
        if args.demo:  # a throw-away profile is thrown away
            import shutil

            shutil.rmtree(profile.root, ignore_errors=True)


def _print_reply(reply: dict) -> int:
    message = str(reply.get("message", ""))
    if reply.get("ok"):
        if message:
            print(message)
        return 0
    print(f"gravitel-desk: {message or 'failed'}", file=sys.stderr)
    return 1


def _token(profile, args: argparse.Namespace) -> int:
    from desktop_app.core import secret_store

    if args.token_command == "status":
        for item in secret_store.status(profile):
            detail = f" ({item.detail})" if item.detail else ""
            print(f"{item.kind}: {item.source}{detail}")
        return 0
    if args.token_command == "clear":
        removed = secret_store.clear_token(profile, args.kind)
        print(f"{args.kind}: {'cleared' if removed else 'was not set'}")
        return 0
    if sys.stdin.isatty():
        print(f"Paste the {args.kind} token and press Enter:", file=sys.stderr)
    secret_store.set_token(profile, args.kind, sys.stdin.readline())
    print(f"{args.kind}: stored in the keyring")
    return 0


def _contacts(profile, args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_app.contacts.directory import ContactDirectory
    from desktop_app.contacts.import_export import export_csv, import_file

    profile.ensure()
    directory = ContactDirectory(profile.db_path)
    try:
        if args.contacts_command == "export":
            count = export_csv(directory, Path(args.file), args.encoding)
            print(f"exported {count} contacts to {args.file}")
            return 0
        report = import_file(directory, Path(args.file))
    finally:
        directory.close()
    lines = report.lines()
    print(lines[0])
    for line in lines[1:]:
        print(f"{args.file}: {line}", file=sys.stderr)
    return 0


def pbx_access(profile):
    """The profile's settings and api token for a command that talks to the PBX itself;
    UserError when there is no token."""
    from desktop_app.core import secret_store, settings
    from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text

    config = settings.load(profile.config_path)
    token = secret_store.get_token(profile, "api")
    if not token:
        raise UserError(
            Text("cli", QT_TRANSLATE_NOOP("cli", "No API token: set it with 'gravitel-desk token set api'."))
        )
    return config, token


async def _direct(profile, args: argparse.Namespace) -> int:
    """``call``/``sms`` with no running instance: talk to the PBX from this process."""
    from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text
    from desktop_app.pbx.client import PbxClient, make_http_client

    config, token = pbx_access(profile)
    async with make_http_client() as http:
        client = PbxClient.from_settings(http, config, token)
        if args.command == "call":
            if not config.pbx.extension:
                raise UserError(
                    Text("cli", QT_TRANSLATE_NOOP("cli", "Your extension is not set: pbx.extension in {file}."),
                         {"file": str(profile.config_path)})
                )
            await client.makecall(args.number, config.pbx.extension, clid=args.clid)
            print(f"calling {args.number}: your phone {config.pbx.extension} rings first")
        else:
            await client.sms(args.number, args.text)
            print(f"SMS sent to {args.number}")
    return 0
