"""Connect a call's audio to the agent: create an ARI externalMedia channel and open its media.

Two transports, both slin16 at 16 kHz with DTMF:

* ``websocket``: chan_websocket (Asterisk 20.15+ / 22.5+). Asterisk creates the
  channel and waits; we connect to ``/media/<connection id>`` on Asterisk's HTTP
  server. Asterisk paces our audio itself.
* ``audiosocket``: for older PBXs. Asterisk connects to our TCP server and
  announces the call's UUID; we pace our audio in 20 ms frames.

The notes say acting on a freshly created channel before its StasisStart gives
409/422, so each connector waits for that StasisStart before returning.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from agent.config import Settings
from agent.telephony.ari_client import AriClient
from agent.telephony.ari_events import StasisStart
from agent.telephony.media import AudioSocketServer, MediaSession, WebSocketMediaSession

log = logging.getLogger(__name__)

MEDIA_CHANNEL_PREFIX = "rufbereit-media-"
CONNECTION_ID_VAR = "MEDIA_WEBSOCKET_CONNECTION_ID"


class MediaSetupError(Exception):
    """The call's media could not be connected."""


@dataclass(frozen=True, slots=True)
class MediaLeg:
    channel_id: str  # the externalMedia channel to bridge with the caller
    session: MediaSession


class MediaConnector(Protocol):
    transport: str

    async def connect(self, call_id: uuid.UUID) -> MediaLeg: ...


def media_channel_id(call_id: uuid.UUID) -> str:
    return f"{MEDIA_CHANNEL_PREFIX}{call_id}"


class WebSocketConnector:
    transport = "websocket"

    def __init__(self, ari: AriClient, settings: Settings) -> None:
        self._ari = ari
        self._app = settings.ari.app
        self._media_base = settings.ari.media_ws_base
        self._timeout = settings.media.setup_timeout_s

    async def connect(self, call_id: uuid.UUID) -> MediaLeg:
        channel_id = media_channel_id(call_id)
        waiter = self._ari.expect(StasisStart, channel_id=channel_id)
        session: WebSocketMediaSession | None = None
        try:
            channel = await self._ari.external_media(
                app=self._app,
                channel_id=channel_id,
                external_host="INCOMING",
                transport="websocket",
                encapsulation="none",
                connection_type="server",
                format="slin16",
                direction="both",
            )
            connection_id = channel.channelvars.get(CONNECTION_ID_VAR)
            if not connection_id:
                raise MediaSetupError(f"Asterisk gave no {CONNECTION_ID_VAR} for {channel_id}")
            # The channel enters Stasis only once our websocket is connected.
            session = await WebSocketMediaSession.connect(
                f"{self._media_base}/{connection_id}",
                connection_id,
                start_timeout=self._timeout,
                open_timeout=self._timeout,
                tls=self._ari.tls,
            )
            await waiter.wait(self._timeout)
        except BaseException:
            waiter.cancel()
            if session is not None:
                await session.close()
            raise
        return MediaLeg(channel_id=channel_id, session=session)


class AudioSocketConnector:
    transport = "audiosocket"

    def __init__(self, ari: AriClient, settings: Settings, server: AudioSocketServer) -> None:
        self._ari = ari
        self._app = settings.ari.app
        self._target = settings.media.audiosocket_target
        self._timeout = settings.media.setup_timeout_s
        self._server = server

    async def connect(self, call_id: uuid.UUID) -> MediaLeg:
        channel_id = media_channel_id(call_id)
        waiter = self._ari.expect(StasisStart, channel_id=channel_id)
        accepted = asyncio.ensure_future(self._server.accept(call_id, timeout=self._timeout))
        try:
            await self._ari.external_media(
                app=self._app,
                channel_id=channel_id,
                external_host=self._target,
                transport="tcp",
                encapsulation="audiosocket",
                format="slin16",
                direction="both",
                data=str(call_id),
            )
            await waiter.wait(self._timeout)
            session = await accepted
        except BaseException:
            waiter.cancel()
            accepted.cancel()
            raise
        return MediaLeg(channel_id=channel_id, session=session)
