"""Putting a caller through to the office with the context: a warm transfer.

The caller stays in their bridge with the assistant (who tells them now and then that
someone is being reached) while the office phone rings. Whoever answers hears a short
spoken summary (who is calling, what they want, why they are put through) and presses
1 to take the call: the office joins the caller's bridge and the assistant leaves. If
nobody answers in time, the line is busy, or someone presses 2, the caller is told and
a call-back request with the whole context is stored for the office. When the office
cannot be rung at all, the caller goes through the dialplan as before (the blind
transfer stays as the fallback).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from agent.actions.records import RecordStore
from agent.dialogue.datetime_speech import say_due
from agent.dialogue.office import next_working_day
from agent.dialogue.prompts import say
from agent.domain import Message
from agent.profile import BusinessProfile, Language
from agent.speech.tts import TextToSpeech
from agent.telephony.announced_call import AnnouncedCall, Announcement, Ring
from agent.telephony.ari_client import AriClient, AriError
from agent.telephony.call import CallInfo, ConversationResult
from agent.telephony.call_controller import Transferred
from agent.telephony.media import MediaSession
from agent.telephony.media_connector import MediaConnector

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "rufbereit-handover-"
APP_ARG = "handover"
#: While the office rings, the caller hears this often that someone is being reached.
HOLD_EVERY_S = 9.0
#: The first time: soon enough that the caller does not wonder whether the line is dead.
FIRST_HOLD_S = 4.0


class WarmTransfer:
    def __init__(
        self,
        ari: AriClient,
        connector: MediaConnector,
        tts: TextToSpeech,
        records: RecordStore,
        profile: BusinessProfile,
        *,
        answer_timeout_s: float = 15.0,
    ) -> None:
        self._ari = ari
        self._tts = tts
        self._records = records
        self._profile = profile
        self._answer_timeout = answer_timeout_s
        self._calls = AnnouncedCall(ari, connector, channel_prefix=CHANNEL_PREFIX)

    @property
    def active_channels(self) -> frozenset[str]:
        return self._calls.active_channels

    def release(self, channel_id: str) -> None:
        self._calls.release(channel_id)

    async def put_through(
        self,
        info: CallInfo,
        media: MediaSession,
        bridge_id: str,
        media_channel: str,
        result: ConversationResult,
    ) -> Transferred | None:
        """None when the office could not be rung at all (use the dialplan instead)."""
        handover = self._profile.handover
        hold = asyncio.create_task(self._hold(media, info.language), name="transfer-hold")
        try:
            answer = await self._calls.call(
                str(info.call_id),
                handover.office,
                self._announcement(info, result),
                Ring(handover.ring_timeout_s, self._answer_timeout),
                app_args=[APP_ARG, str(info.call_id)],
                keep=True,
            )
        except asyncio.CancelledError:  # the caller hung up while we rang: keep the request
            await asyncio.shield(self._store_callback(info, result, "caller_hung_up"))
            raise
        finally:
            hold.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hold
        extra = {"call_id": str(info.call_id), "reached": answer.reached}
        if answer.reached == "failed" and not answer.answered:
            log.warning("warm transfer could not ring the office", extra=extra)
            return None
        if answer.reached == "accepted" and answer.channel_id is not None:
            with contextlib.suppress(AriError):
                await media.flush()
                await self._ari.add_channel(bridge_id, answer.channel_id)
                await self._ari.remove_channel(bridge_id, media_channel)
                log.info("warm transfer: the office took the call", extra=extra)
                return Transferred(answer.channel_id)
            self.release(answer.channel_id)  # bridging failed: it cannot be kept
            with contextlib.suppress(AriError):
                await self._ari.hangup(answer.channel_id)
        log.info("warm transfer: nobody took the call", extra=extra)
        await self._store_callback(info, result, answer.reached)
        await self._tell_caller(media, info)
        return Transferred(None)

    async def _announcement(self, info: CallInfo, result: ConversationResult) -> Announcement:
        lang = self._profile.language
        caller = info.caller_number or say("transfer_unknown", lang)
        message = say("transfer_office", lang, business=self._profile.name, caller=caller,
                      summary=result.summary or "")  # fmt: skip
        texts = [message, say("transfer_prompt", lang), say("transfer_repeat", lang) + " " +
                 message, say("transfer_prompt", lang)]  # fmt: skip
        parts = [await self._tts.synthesize(t, lang) for t in texts]
        accepted = await self._tts.synthesize(say("transfer_accepted", lang), lang)
        declined = await self._tts.synthesize(say("transfer_declined", lang), lang)
        return Announcement(parts, accepted, declined)

    async def _hold(self, media: MediaSession, language: Language) -> None:
        """Tell the waiting caller now and then that someone is being reached."""
        pcm = await self._tts.synthesize(say("transfer_hold", language), language)
        await asyncio.sleep(FIRST_HOLD_S)
        while True:
            await media.play(pcm)
            await asyncio.sleep(HOLD_EVERY_S)

    async def _tell_caller(self, media: MediaSession, info: CallInfo) -> None:
        lang = info.language
        now = datetime.now(self._profile.tz)
        due = say_due(next_working_day(self._profile, now), now, lang)
        key = "transfer_nobody" if info.caller_number else "transfer_nobody_anonymous"
        with contextlib.suppress(Exception):  # the caller may have hung up meanwhile
            await media.flush()
            await media.play(await self._tts.synthesize(say(key, lang, due=due), lang))

    async def _store_callback(self, info: CallInfo, result: ConversationResult, why: str) -> None:
        """Nobody took it: the office gets a call-back request with everything known."""
        said = " / ".join(result.transcript[-8:])
        label = say("label_conversation", self._profile.language)
        text = " ".join(p for p in (result.summary or "", f"{label}: {said}" if said else "") if p)
        now = datetime.now(self._profile.tz)
        record = Message(
            "callback",
            result.caller_name or "",
            info.caller_number,
            text,
            f"handover_{result.reason or 'asked'}_not_taken",
            next_working_day(self._profile, now),
            created_at=now,
            call_id=str(info.call_id),
        )
        try:
            await self._records.add(record)
        except Exception:  # a database outage must not cost the caller the goodbye
            log.exception("call back after the warm transfer not stored",
                          extra={"call_id": str(info.call_id), "reached": why})  # fmt: skip
