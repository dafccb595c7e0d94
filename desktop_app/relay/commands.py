"""``gravitel-desk relay serve | add-desk | desks | remove-desk`` (README "Many operators").

The desk commands work on the relay profile's database whether or not the relay runs; a
running relay picks changes up within a second (a removed desk's stream is closed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime

from desktop_app.core.profile import Profile


def add_parser(commands: argparse._SubParsersAction) -> None:
    relay = commands.add_parser("relay", help="the office relay: one PBX address for every desk (docs/relay.md)")
    actions = relay.add_subparsers(dest="relay_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="run the relay (headless; logs on stdout; stops on SIGTERM)")
    serve.add_argument("--host", help="listen on this address instead of listener.host")
    serve.add_argument("--port", type=int, help="listen on this port instead of listener.port")
    add = actions.add_parser("add-desk", help="let a desk connect; prints its token on the last line")
    add.add_argument("extension", metavar="EXT", help="the operator's extension: the desk gets its calls")
    add.add_argument("--all", action="store_true", help="every call and campaign report (supervisors)")
    add.add_argument("--name", default="", help="who sits there (shown by 'relay desks' and in logs)")
    actions.add_parser("desks", help="list the desks: extension, name, connected, last seen, last id")
    remove = actions.add_parser("remove-desk", help="revoke a desk's token at once (closes its stream)")
    remove.add_argument("desk", metavar="DESK", help="the desk's number from 'relay desks', or an extension (all its desks)")


def run(profile: Profile, args: argparse.Namespace) -> int:
    if args.relay_command == "serve":
        return _serve(profile, args)
    from desktop_app.relay.desks import DeskError, DeskRegistry

    profile.ensure()
    with DeskRegistry(profile.db_path) as registry:
        if args.relay_command == "add-desk":
            try:
                desk, token = registry.add(args.extension, all_calls=args.all, name=args.name)
            except DeskError as exc:
                print(f"gravitel-desk: {exc}", file=sys.stderr)
                return 2
            print(f"added {desk.label}. On that desk run: gravitel-desk token set relay")
            print("and paste this token (it is shown only now):")
            print(token)
            return 0
        if args.relay_command == "desks":
            _print_desks(registry)
            return 0
        removed = registry.remove(args.desk)
        if not removed:
            print(f"gravitel-desk: no desk {args.desk!r}: see 'gravitel-desk relay desks'", file=sys.stderr)
            return 1
        for desk in removed:
            print(f"removed {desk.label}: its token no longer works")
        return 0


def _print_desks(registry) -> None:
    desks = registry.desks()
    if not desks:
        print("no desks yet: add one with 'gravitel-desk relay add-desk EXT'")
        return
    now = time.time()
    rows = [("desk", "extension", "name", "connected", "last seen", "last id")]
    for desk in desks:
        seen = datetime.fromtimestamp(desk.last_seen).strftime("%Y-%m-%d %H:%M:%S") if desk.last_seen else "never"
        extension = desk.extension + (" (all)" if desk.all_calls else "")
        rows.append((str(desk.id), extension, desk.name or "-", "yes" if desk.connected(now) else "no", seen,
                     str(desk.last_id)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _serve(profile: Profile, args: argparse.Namespace) -> int:
    from desktop_app.core import secret_store, settings
    from desktop_app.core.texts import UserError
    from desktop_app.relay.server import Relay, RelayOptions, serve, setup_logging

    setup_logging()
    profile.ensure()
    config = settings.load(profile.config_path)
    crm_token = secret_store.get_token(profile, "crm")
    try:
        metrics_token = secret_store.get_token(profile, "metrics")
    except secret_store.SecretStoreError:  # optional: /metrics is then open to metrics_from only
        metrics_token = None
    relay = Relay(profile, config, crm_token=crm_token, metrics_token=metrics_token,
                  options=RelayOptions(host=args.host, port=args.port))
    try:
        asyncio.run(serve(relay))
    except UserError as exc:  # no crm token, port in use, TLS files: one line, exit 1
        print(f"gravitel-desk: {exc}", file=sys.stderr)
        return 1
    return 0
