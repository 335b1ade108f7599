"""An agent process for the restart test: starts one escalation, then runs until killed.

python -m tests.escalation.agent_proc DATABASE_URL ADDRESS
Prints ``ESCALATION <id>`` once the escalation is stored.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from agent.domain import Emergency, StartEscalation
from agent.storage import Database
from agent.telephony.ari_client import AriClient
from tests.escalation.harness import TEST_APP, build_service
from tests.support.lab import ARI_PASSWORD, ARI_URL, ARI_USER


async def main(url: str, address: str) -> None:
    ari = AriClient(ARI_URL, ARI_USER, ARI_PASSWORD, TEST_APP)
    await ari.start()
    async with Database(url) as db:
        service = await build_service(ari, db, url)
        request = StartEscalation(
        Emergency(
            kind="Rohrbruch",
            caller_name="Erika Muster",
            caller_number="+4989123456",
            address=address,
            description="Wasser im Keller",
            created_at=datetime.now(UTC),
        )
    )  # fmt: skip
        ticket = await service.start(request)
        print(f"ESCALATION {ticket.escalation_id}", flush=True)
        await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
