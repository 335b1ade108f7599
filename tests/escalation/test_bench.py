"""Closing measurement: from ``EscalationService.start()`` (the end of the emergency
call's classification) to the technician's phone receiving the INVITE; median of 10.

The phone here is a bare UDP socket on oncall1's port that notes when the INVITE
arrives and answers 486 Busy (sipp's log is written too late to time it).
Writes bench/escalation.json.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import cast

import pytest

from agent.actions.escalation import State
from agent.domain import Emergency, StartEscalation
from agent.storage import Database
from agent.telephony.ari_client import AriClient
from tests.escalation.harness import FAST, TEST_APP, build_service
from tests.support.lab import ARI_PASSWORD, ARI_URL, ARI_USER, REPO
from tests.support.phones import PHONE_PORTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ONLY_ONCALL1 = {
    "people": [{"name": "Technik Eins", "phone": "PJSIP/oncall1"}],
    "shifts": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
                "end": "23:59", "person": "Technik Eins"}],
}  # fmt: skip


class BusyPhone(asyncio.DatagramProtocol):
    """Notes each INVITE's arrival (monotonic) and answers it 486 Busy Here."""

    def __init__(self) -> None:
        self.invites: list[float] = []
        self.arrived = asyncio.Event()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        at = time.monotonic()
        text = data.decode(errors="replace")
        if not text.startswith("INVITE "):
            return  # ACK for our 486, retransmissions of other requests
        self.invites.append(at)
        self.arrived.set()
        headers = [
            line + (";tag=bench486" if line.lower().startswith("to:") else "")
            for line in text.split("\r\n")
            if re.match(r"(?i)(via|from|to|call-id|cseq):", line)
        ]
        reply = "\r\n".join(["SIP/2.0 486 Busy Here", *headers, "Content-Length: 0", "", ""])
        assert self.transport is not None
        self.transport.sendto(reply.encode(), addr)


async def test_start_to_ringing_latency(
    lab: None, ari_cleanup: None, migrated_db: Database, pg_database: str
) -> None:
    loop = asyncio.get_running_loop()
    transport, phone = await loop.create_datagram_endpoint(
        BusyPhone, local_addr=("127.0.0.1", PHONE_PORTS["oncall1"])
    )
    ari = AriClient(ARI_URL, ARI_USER, ARI_PASSWORD, TEST_APP)
    await ari.start()
    service = await build_service(ari, migrated_db, pg_database, FAST, ONLY_ONCALL1)
    samples: list[float] = []
    try:
        for _ in range(11):  # the first one warms up (connections, caches)
            phone.arrived.clear()
            request = StartEscalation(
        Emergency(
            kind="Rohrbruch",
            caller_name="Bench",
            caller_number="+4989000",
            address=f"Benchweg {uuid.uuid4().hex[:8]}",
            description="Messung",
            created_at=datetime.now(UTC),
        )
    )  # fmt: skip
            t0 = time.monotonic()
            ticket = await service.start(request)
            await asyncio.wait_for(phone.arrived.wait(), 10)
            samples.append((phone.invites[-1] - t0) * 1000)
            for _ in range(200):
                rec = await service.store.get(ticket.escalation_id)
                if rec is not None and rec.state is State.EXHAUSTED:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the busy escalation did not end")
    finally:
        await service.close()
        await ari.close()
        transport.close()
    runs = [round(s, 1) for s in samples[1:]]
    median = round(statistics.median(runs), 1)
    result = {
        "what": "EscalationService.start() -> INVITE at the on-call phone (ms)",
        "n": len(runs),
        "median_ms": median,
        "p90_ms": round(sorted(runs)[int(0.9 * len(runs)) - 1], 1),
        "all_ms": runs,
        "warm_up_ms": round(samples[0], 1),
    }
    out = REPO / "bench" / "escalation.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))  # reported, never asserted: times are noisy here
