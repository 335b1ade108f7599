"""A webhook outbox worker as its own process (the restart test kills it mid-way).

python -m tests.actions.outbox_worker_main DATABASE_URL WEBHOOK_URL SECRET
"""

from __future__ import annotations

import asyncio
import sys

from agent.actions.outbox import OutboxWorker
from agent.actions.settings import WebhookSettings
from agent.storage import Database


async def main(db_url: str, url: str, secret: str) -> None:
    settings = WebhookSettings.model_validate(
        {"url": url, "secret": secret, "backoff_initial_s": 0.2, "poll_s": 0.1}
    )
    async with Database(db_url) as db:
        worker = OutboxWorker(db, settings, name="subprocess")
        print("ready", flush=True)
        await worker.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
