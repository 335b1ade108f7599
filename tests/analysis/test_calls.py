"""Calls rebuilt from CDR legs, in the shapes Asterisk (12 and later) writes them, and each
counted once, for whoever answered it first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.analysis.calls import Call, rebuild_calls
from agent.analysis.cdr import CdrRecord

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
_next = iter(range(1, 10_000))


def rec(
    uniqueid: str,
    *,
    src: str = "01711234567",
    dst: str = "0891234567",
    channel: str = "PJSIP/trunk-0001",
    dstchannel: str = "",
    app: str = "Dial",
    data: str = "PJSIP/101,20",
    at: float = 0,
    ring: int = 5,
    talk: int = 0,
    disposition: str | None = None,
    linkedid: str = "",
) -> CdrRecord:
    start = T0 + timedelta(seconds=at)
    answer = start + timedelta(seconds=ring) if talk else None
    end = start + timedelta(seconds=ring + talk)
    return CdrRecord(
        src=src,
        dst=dst,
        dcontext="from-trunk",
        channel=channel,
        dstchannel=dstchannel,
        lastapp=app,
        lastdata=data,
        start=start,
        answer=answer,
        end=end,
        duration=ring + talk,
        billsec=talk,
        disposition=disposition or ("ANSWERED" if talk else "NO ANSWER"),
        uniqueid=uniqueid,
        linkedid=linkedid,
        sequence=next(_next),
    )


def only(records: list[CdrRecord]) -> Call:
    calls = [c for c in rebuild_calls(records) if c.direction == "inbound"]
    assert len(calls) == 1, calls
    return calls[0]


def test_a_ring_group_is_one_call_answered_by_the_phone_that_took_it() -> None:
    group = "PJSIP/101&PJSIP/102&PJSIP/103,20"
    call = only(
        [
            rec("1.1", dstchannel="PJSIP/101-01", data=group, ring=8),
            rec("1.1", dstchannel="PJSIP/102-02", data=group, ring=8, talk=60),
            rec("1.1", dstchannel="PJSIP/103-03", data=group, ring=8),
        ]
    )
    assert call.outcome == "person"
    assert call.answered_at == T0 + timedelta(seconds=8)
    assert len(call.records) == 3


def test_voicemail_after_the_ring_group_is_missed_not_answered() -> None:
    call = only(
        [
            rec("1.2", dstchannel="PJSIP/101-01", data="PJSIP/101&PJSIP/102,20", ring=20),
            rec("1.2", dstchannel="PJSIP/102-02", data="PJSIP/101&PJSIP/102,20", ring=20),
            rec("1.2", app="VoiceMail", data="101@default,u", at=20, ring=0, talk=25),
        ]
    )
    assert call.outcome == "missed"
    assert call.missed_reason == "voicemail"


def test_why_a_call_was_missed() -> None:
    busy = only([rec("1.3", dstchannel="PJSIP/101-01", ring=0, disposition="BUSY")])
    rang_out = only([rec("1.4", dstchannel="PJSIP/101-01", ring=20)])
    gave_up = only([rec("1.5", dstchannel="PJSIP/101-01", ring=4)])
    endless = only([rec("1.6", dstchannel="PJSIP/101-01", data="PJSIP/101", ring=40)])
    assert busy.missed_reason == "busy"
    assert rang_out.missed_reason == "no_answer"  # the 20 s of Dial's timeout ran out
    assert gave_up.missed_reason == "abandoned"  # the caller hung up after 4 of 20 s
    assert endless.missed_reason == "abandoned"  # no timeout: only the caller ends it
    cut = "&".join(f"PJSIP/{n}" for n in range(101, 111))[:80]
    unknown = only([rec("1.8", dstchannel="PJSIP/101-01", data=cut, ring=20)])
    assert unknown.missed_reason == "no_answer"  # cut by an 80-character column: unknown


def test_an_announcement_that_answers_is_not_a_person() -> None:
    call = only([rec("1.7", app="Playback", data="closed", ring=0, talk=12)])
    assert call.outcome == "missed"


def test_the_assistant_answers_and_hands_over_the_call_counts_for_the_assistant() -> None:
    call = only(
        [
            rec(
                "2.1",
                dstchannel="WebSocket/rufbereit-0001",
                app="Stasis",
                data="rufbereit,inbound,0891234567",
                ring=1,
                talk=40,
            ),
            rec(
                "2.1",
                dstchannel="PJSIP/office-0002",
                data="PJSIP/office,25",
                at=41,
                ring=6,
                talk=90,
            ),
        ]
    )
    assert call.outcome == "assistant"
    assert call.handed_over


def test_a_person_who_transfers_the_call_keeps_it() -> None:
    call = only(
        [
            rec("2.2", dstchannel="PJSIP/101-01", ring=5, talk=30),
            rec("2.2", dstchannel="PJSIP/104-05", data="PJSIP/104,20", at=35, ring=4, talk=120),
        ]
    )
    assert call.outcome == "person"
    assert not call.handed_over


def test_local_channel_halves_belong_to_the_call_and_tell_who_answered() -> None:
    # FreePBX ring groups: the caller dials Local channels; each ;2 half dials a phone.
    call = only(
        [
            rec(
                "3.1",
                dstchannel="Local/101@from-internal-00a1;1",
                data="Local/101@from-internal,20",
                ring=7,
                talk=50,
            ),
            rec(
                "3.2",
                channel="Local/101@from-internal-00a1;2",
                dstchannel="PJSIP/101-07",
                at=0.1,
                ring=7,
                talk=50,
            ),
            rec(
                "3.1",
                dstchannel="Local/102@from-internal-00a2;1",
                data="Local/102@from-internal,20",
                ring=7,
            ),
            rec(
                "3.3",
                channel="Local/102@from-internal-00a2;2",
                dstchannel="PJSIP/102-08",
                at=0.1,
                ring=7,
            ),
        ]
    )
    assert call.outcome == "person"
    assert len(call.records) == 4


def test_a_local_channel_answered_by_voicemail_is_missed() -> None:
    call = only(
        [
            rec(
                "3.4",
                dstchannel="Local/vmu101@from-internal-00b1;1",
                data="Local/vmu101@from-internal,",
                ring=0,
                talk=20,
            ),
            rec(
                "3.5",
                channel="Local/vmu101@from-internal-00b1;2",
                app="VoiceMail",
                data="101@default,u",
                ring=0,
                talk=20,
            ),
        ]
    )
    assert call.outcome == "missed"
    assert call.missed_reason == "voicemail"


def test_linkedid_ties_legs_with_their_own_uniqueid() -> None:
    call = only(
        [
            rec("4.1", linkedid="4.1", dstchannel="PJSIP/101-01", ring=20),
            rec(
                "4.9",
                linkedid="4.1",
                channel="PJSIP/101-01",
                src="101",
                dst="104",
                dstchannel="PJSIP/104-02",
                at=25,
                ring=3,
                talk=10,
            ),
        ]
    )
    assert call.outcome == "missed"  # the later leg is an internal call of the same linkedid
    assert len(call.records) == 2


def test_internal_outbound_and_the_assistants_own_calls_are_told_apart() -> None:
    calls = rebuild_calls(
        [
            rec(
                "5.1",
                src="101",
                dst="102",
                channel="PJSIP/101-01",
                dstchannel="PJSIP/102-02",
                talk=30,
            ),
            rec(
                "5.2",
                src="101",
                dst="004930123456",
                channel="PJSIP/101-03",
                dstchannel="PJSIP/trunk-04",
                talk=30,
            ),
            rec(
                "5.3",
                src="",
                dst="s",
                channel="PJSIP/oncall1-05",
                app="Stasis",
                data="rufbereit,escalation,abc,1",
                talk=20,
            ),
        ]
    )
    assert [c.direction for c in calls] == ["internal", "outbound", "system"]


def test_the_same_number_again_within_the_hour_is_a_repeat_but_a_withheld_one_never() -> None:
    calls = rebuild_calls(
        [
            rec("6.1", dstchannel="PJSIP/101-01", ring=20),
            rec("6.2", dstchannel="PJSIP/101-02", at=1800, ring=5, talk=60),
            rec("6.3", dstchannel="PJSIP/101-03", at=1800 + 3700, ring=5, talk=60),
            rec("6.4", src="anonymous", dstchannel="PJSIP/101-04", ring=20),
            rec("6.5", src="", dstchannel="PJSIP/101-05", at=60, ring=20),
        ]
    )
    by_id = {c.key: c for c in calls}
    assert by_id["6.2"].repeated
    assert not by_id["6.3"].repeated  # more than an hour after the last one
    assert not by_id["6.4"].repeated and not by_id["6.5"].repeated
    assert by_id["6.4"].caller == ""
