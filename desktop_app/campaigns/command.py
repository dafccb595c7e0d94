"""``gravitel-desk campaign ...``: robot campaigns from the command line, into the same
profile database the desk's campaigns window shows.

    campaign queue FILE --campaign N [--check]   read a CSV call list, list its problems,
                                                 store and send the good rows in batches
    campaign send --campaign N                   send the campaign's unsent calls again
    campaign export FILE --campaign N [--encoding cp1251]

A progress bar goes to standard error while batches are sent (one line per batch when
standard error is not a terminal). Exit status 0 when every call is queued; 1 when some
are not (they are kept: ``campaign send`` retries them) or nothing could be done.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

BAR_WIDTH = 30


def add_parser(commands: argparse._SubParsersAction) -> None:
    campaign = commands.add_parser("campaign", help="robot campaigns: queue calls from a CSV file, export results")
    actions = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    queue = actions.add_parser("queue", help="queue the calls of a CSV file (number, optional id, variables)")
    queue.add_argument("file")
    queue.add_argument("--campaign", type=int, required=True, metavar="N", help="the campaign's id on the PBX")
    queue.add_argument("--check", action="store_true", help="only read the file and list its problems")
    send = actions.add_parser("send", help="send the campaign's unsent calls (after a failure)")
    send.add_argument("--campaign", type=int, required=True, metavar="N")
    export = actions.add_parser("export", help="export the campaign's calls and answers to a .csv file")
    export.add_argument("file")
    export.add_argument("--campaign", type=int, required=True, metavar="N")
    export.add_argument("--encoding", choices=("utf-8", "cp1251"), default="utf-8",
                        help="utf-8 (with BOM, the default) or cp1251 (Windows-1251, for older Excel)")


class ProgressBar:
    """``[#######.......]  400/1000`` redrawn in place on a terminal; lines otherwise."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not total:
            return
        if self._tty:
            filled = BAR_WIDTH * done // total
            self._stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}")
        else:
            self._stream.write(f"queued {done}/{total}\n")
        self._stream.flush()
        self._shown = True

    def end(self) -> None:
        if self._tty and self._shown:
            self._stream.write("\n")
            self._stream.flush()


def run(profile, args: argparse.Namespace) -> int:
    from desktop_app.campaigns.store import CampaignStore

    if args.campaign <= 0:
        raise UserError(Text("cli", QT_TRANSLATE_NOOP("cli", "The campaign id must be a positive whole number.")))
    profile.ensure()
    with CampaignStore(profile.db_path) as store:
        if args.campaign_command == "export":
            from desktop_app.campaigns.results_export import export_results

            count = export_results(store, args.campaign, Path(args.file), args.encoding)
            print(f"exported {count} calls of campaign {args.campaign} to {args.file}")
            return 0
        if args.campaign_command == "queue":
            from desktop_app.campaigns.call_list import read_call_list

            call_list = read_call_list(args.file, args.campaign, known_ids=store.known_ids,
                                       waiting_numbers=store.waiting_numbers(args.campaign))
            lines = call_list.lines()
            print(lines[0])
            for line in lines[1:]:
                print(f"{args.file}: {line}", file=sys.stderr)
            if args.check:
                return 0
            if call_list.calls:
                store.add_calls(args.campaign, [listed.call for listed in call_list.calls])
        return asyncio.run(_send(profile, store, args.campaign))


async def _send(profile, store, campaign: int) -> int:
    from desktop_app.campaigns.sending import CampaignSender
    from desktop_app.cli import pbx_access
    from desktop_app.pbx.client import PbxClient, make_http_client

    config, token = pbx_access(profile)
    bar = ProgressBar()
    async with make_http_client() as http:
        sender = CampaignSender(store, PbxClient.from_settings(http, config, token),
                                batch_size=config.campaigns.batch_size)
        try:
            report = await sender.send(campaign, progress=bar)
        finally:
            bar.end()
    lines = report.lines()
    print(lines[0])
    for line in lines[1:]:
        print(f"gravitel-desk: {line}", file=sys.stderr)
    return 1 if report.left else 0
