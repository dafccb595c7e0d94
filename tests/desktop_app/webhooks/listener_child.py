"""Runs a webhook listener until it is killed; the crash-safety test drives it.

Usage: python listener_child.py DB_PATH   (token in $GRAVITEL_DESK_CRM_TOKEN, never argv)
Prints the bound port on one line once it listens.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from desktop_app.webhooks.listener import Listener


async def main() -> None:
    listener = Listener(
        db_path=Path(sys.argv[1]), crm_token=os.environ["GRAVITEL_DESK_CRM_TOKEN"], host="127.0.0.1", port=0
    )
    await listener.start()
    assert listener.server is not None
    print(listener.server.port, flush=True)
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main())
