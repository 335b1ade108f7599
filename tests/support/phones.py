"""sipp phones for the integration tests.

- ``place_call``: the lab's caller (PJSIP endpoint ``caller``) dials an extension with sipp
  and offers audio in one codec on a local UDP port where an ``RtpEndpoint`` records every
  RTP packet Asterisk sends (and can talk back).
- ``run_uas`` / ``SippPhone``: a sipp UAS playing the office or an on-call phone; it
  answers (and plays a tone), is busy, or rings forever, and counts the calls it got.

Codecs (``codec=`` on both, see ``CODECS``): "pcmu" (u-law, the default), "pcma" (A-law,
Germany's usual codec) and "g722" (wideband). The phone offers only that codec, so Asterisk
takes it or refuses the call. PCM in and out of the phones is 16-bit little-endian at the
codec's ``sample_rate``: 8 kHz for u-law and A-law, **16 kHz for G.722** (its RTP clock
stays 8000, RFC 3551, and a 20 ms packet is 160 bytes like the others).

Scenarios live in tests/sipp/. Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import shutil
import socket
import struct
import tempfile
import time
import warnings
from array import array
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, cast

import numpy as np

with warnings.catch_warnings():  # stdlib up to 3.12; the audioop-lts package on 3.13+
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

SIPP_DIR = Path(__file__).resolve().parents[1] / "sipp"
ASTERISK_SIP = "127.0.0.1:5060"
HOST = "127.0.0.1"
#: SIP ports of the lab phones (pjsip.conf contacts), see docs/ARCHITECTURE.md
PHONE_PORTS: dict[str, int] = {"office": 5072, "oncall1": 5070, "oncall2": 5071}
#: short names for the UAS scenarios
UAS_SCENARIOS: dict[str, str] = {
    "answer": "uas_answer.xml",
    "busy": "uas_busy.xml",
    "ring": "uas_ring.xml",
}
SAMPLE_RATE = 8000  # u-law and A-law; G.722 carries 16 kHz (Codec.sample_rate)
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
PT_PCMU = 0
PT_PCMA = 8
PT_G722 = 9
PT_DTMF = 101  # telephone-event, as the scenarios' SDP declares it
G722_HINT = "pip install g722==1.2.8 (the G.722 codec the lab phones use for wideband calls)"


@dataclass(frozen=True, slots=True)
class Codec:
    """An audio codec a lab phone can speak. ``sample_rate`` is the rate of the PCM that
    goes in and comes out (16-bit LE); the RTP clock is 8000 for all three (RFC 3551: G.722
    too, though it samples at 16 kHz), so a 20 ms packet advances the timestamp by 160."""

    name: str  # "pcmu" | "pcma" | "g722"
    payload_type: int
    rtpmap: str  # SDP a=rtpmap encoding name / clock rate
    sample_rate: int
    asterisk: str  # Asterisk's format name (CHANNEL(audionativeformat))

    @property
    def frame_bytes(self) -> int:
        """Bytes of 16-bit PCM in one 20 ms packet."""
        return self.sample_rate // 50 * 2

    def sdp(self, scenario: str) -> str:
        """A sipp scenario's u-law SDP (and u-law audio file) rewritten for this codec."""
        if self.name == "pcmu":
            return scenario
        if "RTP/AVP 0 101" not in scenario or "a=rtpmap:0 PCMU/8000" not in scenario:
            raise ValueError("the scenario has no u-law SDP (RTP/AVP 0 101) to rewrite")
        pt = self.payload_type
        return (
            scenario.replace("RTP/AVP 0 101", f"RTP/AVP {pt} 101")
            .replace("a=rtpmap:0 PCMU/8000", f"a=rtpmap:{pt} {self.rtpmap}")
            .replace('rtp_stream="audio.ulaw,-1,0"', f'rtp_stream="audio.{self.asterisk},-1,{pt}"')
        )

    def encoder(self) -> Callable[[bytes], bytes]:
        """PCM at ``sample_rate`` -> payload bytes; keeps the codec's state between calls
        (G.722 is adaptive: one encoder per stream, fed in order)."""
        if self.name == "pcmu":
            return lambda pcm: audioop.lin2ulaw(pcm, 2)
        if self.name == "pcma":
            return lambda pcm: audioop.lin2alaw(pcm, 2)
        g722 = _g722()
        return lambda pcm: bytes(g722.encode(np.frombuffer(pcm, dtype="<i2")))

    def decoder(self) -> Callable[[bytes], bytes]:
        """Payload bytes -> PCM at ``sample_rate`` (stateful for G.722, like the encoder)."""
        if self.name == "pcmu":
            return lambda payload: audioop.ulaw2lin(payload, 2)
        if self.name == "pcma":
            return lambda payload: audioop.alaw2lin(payload, 2)
        g722 = _g722()
        return lambda payload: g722.decode(payload).tobytes()


CODECS: dict[str, Codec] = {
    "pcmu": Codec("pcmu", PT_PCMU, "PCMU/8000", 8000, "ulaw"),
    "pcma": Codec("pcma", PT_PCMA, "PCMA/8000", 8000, "alaw"),
    "g722": Codec("g722", PT_G722, "G722/8000", 16000, "g722"),
}
CODEC_BY_PT: dict[int, Codec] = {c.payload_type: c for c in CODECS.values()}


def as_codec(name: str | Codec) -> Codec:
    """The codec called ``name`` ("pcmu", "pcma", "g722")."""
    if isinstance(name, Codec):
        return name
    try:
        return CODECS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown codec {name!r} (have: {', '.join(CODECS)})") from None


def _g722() -> G722Codec:
    """A fresh G.722 encoder/decoder at 64 kbit/s, 16 kHz (the ``g722`` package)."""
    try:
        import G722  # only the wideband calls need it
    except ImportError:
        raise RuntimeError(f"G.722 needs the g722 package: {G722_HINT}") from None
    return cast(G722Codec, G722.G722(16000, 64000))


class G722Codec(Protocol):
    def encode(self, samples: np.ndarray[Any, Any]) -> bytes: ...
    def decode(self, payload: bytes) -> array[int]: ...


def dbfs(rms: float) -> float:
    """RMS of 16-bit samples as dBFS (full-scale sine = -3 dBFS); silence is -inf."""
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


def tone(
    freq: float = 440.0, seconds: float = 1.0, level_dbfs: float = -20.0, rate: int = SAMPLE_RATE
) -> bytes:
    """A sine tone as 16-bit little-endian PCM at ``rate`` (8 kHz unless told);
    ``level_dbfs`` is its RMS level."""
    amp = min(32767.0, 32768 * 10 ** (level_dbfs / 20) * math.sqrt(2))
    n = int(seconds * rate)
    samples = (int(amp * math.sin(2 * math.pi * freq * i / rate)) for i in range(n))
    return struct.pack(f"<{n}h", *samples)


def _free_port(kind: int = socket.SOCK_DGRAM, host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def _free_media_base() -> int:
    """An even port with the next one free too (RTP + RTCP), for sipp's -mp."""
    for _ in range(200):
        port = random.randrange(20000, 29998, 2)
        if _port_is_free(port) and _port_is_free(port + 1):
            return port
    raise RuntimeError("no free UDP port pair in 20000-29999 for sipp media")


def _sipp() -> str:
    path = shutil.which("sipp")
    if path is None:
        raise RuntimeError("sipp is not installed (apt-get install sip-tester)")
    return path


def _read(path: Path, limit: int = 6000) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return text[-limit:]


def _sipp_errors(path: Path) -> str:
    """sipp's error log (see ``_without_noise``)."""
    try:
        return _without_noise(path.read_text(errors="replace"))
    except FileNotFoundError:
        return ""


_NOISE = ("jumping to label", "The following events occurred", "Resolving remote host")


def _without_noise(text: str) -> str:
    """sipp's messages without the expected ones (the scenarios' timed jumps)."""
    # entries start with a timestamp; sipp does not always end them with a newline
    entries = re.split(r"(?=\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d+\t)", text)
    keep = [
        e.strip()
        for e in entries
        if e.strip() and not any(n in e for n in _NOISE) and "There were more errors" not in e
    ]
    return "\n".join(keep)[-6000:]


# ---------------------------------------------------------------------------- RTP


@dataclass(frozen=True, slots=True)
class RtpPacket:
    at: float  # time.monotonic() on arrival
    payload_type: int
    seq: int
    timestamp: int
    pcm: bytes  # decoded 16-bit LE PCM at ``rate`` (empty for non-audio payloads, e.g. DTMF)
    rate: int = SAMPLE_RATE  # 8000 for u-law and A-law, 16000 for G.722


class RtpEndpoint(asyncio.DatagramProtocol):
    """A UDP socket on 127.0.0.1 that records incoming RTP and can send audio back in its
    ``codec`` (u-law unless told; PCM at ``sample_rate``: 8 kHz, or 16 kHz for G.722).
    Incoming packets are decoded by their payload type (u-law, A-law, G.722).

    Asterisk sends to the port in our SDP; with rtp_symmetric it expects our audio from
    the same port, so ``send_pcm`` uses this socket and the address Asterisk sends from.
    """

    def __init__(self, codec_name: str | Codec = "pcmu") -> None:
        self.codec = as_codec(codec_name)
        self._encode = self.codec.encoder()
        self._decoders: dict[int, Callable[[bytes], bytes]] = {}
        self.packets: list[RtpPacket] = []
        self.peer: tuple[str, int] | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._peer_seen = asyncio.Event()
        self._seq = random.randrange(1 << 16)
        self._ts = random.randrange(1 << 32)
        self._ssrc = random.randrange(1 << 32)
        self._marker = True

    @classmethod
    async def open(cls, port: int = 0, codec_name: str | Codec = "pcmu") -> RtpEndpoint:
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_datagram_endpoint(
            lambda: cls(codec_name), local_addr=(HOST, port)
        )
        return proto

    @property
    def sample_rate(self) -> int:
        """The rate of the PCM ``send_pcm`` takes (and the codec's received audio has)."""
        return self.codec.sample_rate

    @property
    def port(self) -> int:
        assert self._transport is not None, "not open"
        return int(self._transport.get_extra_info("sockname")[1])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12 or data[0] >> 6 != 2:
            return  # not RTP (e.g. RTCP lands on port + 1, not here)
        at = time.monotonic()
        pt = data[1] & 0x7F
        seq, ts = struct.unpack_from("!HI", data, 2)
        offset = 12 + 4 * (data[0] & 0x0F)
        if data[0] & 0x10 and len(data) >= offset + 4:  # header extension
            offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
        payload = data[offset:]
        if data[0] & 0x20 and payload:  # padding
            payload = payload[: -payload[-1]]
        known = CODEC_BY_PT.get(pt)
        if known is None:
            pcm, rate = b"", SAMPLE_RATE  # not audio (DTMF, comfort noise)
        else:
            if pt not in self._decoders:
                self._decoders[pt] = known.decoder()
            pcm, rate = self._decoders[pt](payload), known.sample_rate
        self.packets.append(RtpPacket(at, pt, seq, ts, pcm, rate))
        self.learn_peer(addr)

    def learn_peer(self, addr: tuple[str, int]) -> None:
        """Where to send: the first of Asterisk's SDP address or its first RTP packet."""
        if self.peer is None:
            self.peer = addr
            self._peer_seen.set()

    async def wait_for_peer(self, within: float = 10.0) -> tuple[str, int]:
        """Wait until the call is answered (or Asterisk sent RTP); returns its address."""
        await asyncio.wait_for(self._peer_seen.wait(), within)
        assert self.peer is not None
        return self.peer

    async def send_pcm(self, pcm: bytes, *, to: tuple[str, int] | None = None) -> None:
        """Send 16-bit PCM at ``sample_rate`` (8 kHz; 16 kHz for G.722) as RTP in the
        endpoint's codec, in 20 ms packets, paced in real time as a phone sends them: each
        packet once its 20 ms have been spoken, so the audio starts when this is called and
        ends when it returns (timings measured around it are the caller's own)."""
        dest = to or self.peer
        if dest is None:
            raise RuntimeError("no peer yet: wait_for_peer() first or pass to=")
        assert self._transport is not None, "not open"
        frame_bytes = self.codec.frame_bytes
        if len(pcm) % frame_bytes:
            pcm += b"\x00" * (frame_bytes - len(pcm) % frame_bytes)
        start = time.monotonic()
        for i in range(0, len(pcm), frame_bytes):
            n = i // frame_bytes + 1
            delay = start + n * 0.020 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            payload = self._encode(pcm[i : i + frame_bytes])
            header = struct.pack(
                "!BBHII",
                0x80,
                (0x80 if self._marker else 0) | self.codec.payload_type,
                self._seq,
                self._ts,
                self._ssrc,
            )
            self._marker = False
            self._transport.sendto(header + payload, dest)
            self._seq = (self._seq + 1) & 0xFFFF
            self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF  # 8 kHz RTP clock, G.722 too

    async def send_dtmf(
        self, digit: str, duration_ms: int = 160, *, to: tuple[str, int] | None = None
    ) -> None:
        """Press a key: RFC 4733 telephone-event packets (payload type 101, as the
        scenarios' SDP declares), one every 20 ms, then the end packet three times. Audio
        sent meanwhile (``send_pcm`` in another task) goes on in the same stream."""
        dest = to or self.peer
        if dest is None:
            raise RuntimeError("no peer yet: wait_for_peer() first or pass to=")
        assert self._transport is not None, "not open"
        event = "0123456789*#".index(digit)
        start_ts, steps = self._ts, max(1, duration_ms // 20)
        for n in range(1, steps + 4):
            end = n >= steps
            duration = min(n, steps) * FRAME_SAMPLES
            payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            header = struct.pack(
                "!BBHII", 0x80, (0x80 if n == 1 else 0) | PT_DTMF, self._seq, start_ts, self._ssrc
            )
            self._transport.sendto(header + payload, dest)
            self._seq = (self._seq + 1) & 0xFFFF
            if not end:
                await asyncio.sleep(0.020)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


# ---------------------------------------------------------------------------- caller


@dataclass(slots=True)
class CallResult:
    extension: str
    returncode: int | None  # sipp's exit code: 0 = the call succeeded
    started_at: float  # time.monotonic() just before sipp started
    ended_at: float
    packets: list[RtpPacket]
    error_text: str = ""  # sipp's stderr and error log, when it failed
    timed_out: bool = False
    remote_hangup: bool | None = None  # True: Asterisk hung up first; None: not answered
    gave_up: bool = False  # not answered within answer_timeout: the caller cancelled
    expected_remote_hangup: bool = False  # place_call(wait_for_hangup=True)
    rtp: RtpEndpoint | None = field(default=None, repr=False)
    codec: Codec = field(default_factory=lambda: CODECS["pcmu"])  # what the caller offered

    @property
    def sample_rate(self) -> int:
        """The rate of the received audio (``pcm()``, ``audio_packets``): 8000 for u-law and
        A-law, 16000 for G.722."""
        return self.codec.sample_rate

    @property
    def ok(self) -> bool:
        """The call was answered and ended as expected (sipp saw no error)."""
        return (
            self.returncode == 0
            and not self.timed_out
            and not self.gave_up
            and (self.remote_hangup is True or not self.expected_remote_hangup)
        )

    @property
    def audio_packets(self) -> list[RtpPacket]:
        return [p for p in self.packets if p.pcm]

    def pcm(self) -> bytes:
        """Everything received, decoded, in arrival order (16-bit LE at ``sample_rate``)."""
        return b"".join(p.pcm for p in self.audio_packets)

    def first_audio_at(self, threshold_dbfs: float = -45.0) -> float | None:
        """Arrival time (monotonic) of the first packet louder than the threshold."""
        for p in self.audio_packets:
            if dbfs(audioop.rms(p.pcm, 2)) > threshold_dbfs:
                return p.at
        return None

    def rms_dbfs(self, since: float | None = None) -> float:
        """Level of all audio received (optionally only packets arriving after ``since``)."""
        pcm = b"".join(p.pcm for p in self.audio_packets if since is None or p.at >= since)
        return dbfs(audioop.rms(pcm, 2)) if pcm else -math.inf


async def place_call(
    extension: str,
    *,
    hold_s: float,
    caller_number: str = "+4989123456",
    timeout: float,  # noqa: ASYNC109 - sipp is killed after it; part of the API
    wait_for_hangup: bool = False,
    during: Callable[[RtpEndpoint], Coroutine[object, object, None]] | None = None,
    answer_timeout: float | None = None,
    codec: str | Codec = "pcmu",
    phone: str = "caller",
) -> CallResult:
    """Call ``extension`` from the lab's caller phone and record the audio it hears.

    ``phone``: the PJSIP endpoint that calls (its From user): "caller" (context
    from-phones), or an office phone of the lab PBX, "201".."206" (context pbx-internal).

    The phone offers only ``codec`` ("pcmu", "pcma" or "g722"); ``during`` gets an
    ``RtpEndpoint`` that sends in it (PCM at its ``sample_rate``).

    The caller holds the call ``hold_s`` seconds after the answer, then hangs up; if
    Asterisk hangs up first, that is fine too (see ``CallResult.remote_hangup``). With
    ``wait_for_hangup=True`` Asterisk must end the call within ``hold_s`` seconds of
    answering, else the caller hangs up and the call fails. If nobody answers within
    ``answer_timeout`` seconds (default: what ``timeout`` leaves after the hold), the
    caller gives up (CANCEL) and the call fails (``CallResult.gave_up``). ``during`` runs
    while the call is up (e.g. to talk: ``await rtp.wait_for_peer(5); await
    rtp.send_pcm(...)``) and is cancelled when sipp exits. sipp is killed after
    ``timeout`` seconds whatever happens.
    """
    if answer_timeout is None:
        answer_timeout = max(1.0, timeout - hold_s - 5)
    offer = as_codec(codec)
    rtp = await RtpEndpoint.open(codec_name=offer)
    workdir = Path(tempfile.mkdtemp(prefix="rufbereit-call-"))
    scenario = workdir / "uac_call.xml"  # the hold goes into the scenario (see its comment)
    hold_ms = max(1, round(hold_s * 1000))  # sipp takes a timeout of 0 as none
    text = (SIPP_DIR / "uac_call.xml").read_text().replace("HOLD_MS", str(hold_ms))
    if phone != "caller":
        text = text.replace("sip:caller@", f"sip:{phone}@").replace('"Anrufer" ', "")
    scenario.write_text(offer.sdp(text))
    log_file, err_file = workdir / "call.log", workdir / "errors.log"
    args = [
        ASTERISK_SIP, "-s", extension, "-m", "1",
        "-i", HOST, "-p", str(_free_port()), "-cp", str(_free_port(host="0.0.0.0")),
        "-mi", HOST,
        "-set", "rtp_port", str(rtp.port), "-set", "caller_number", caller_number,
        "-recv_timeout", str(max(1, round(answer_timeout * 1000))),
        "-trace_err", "-error_file", str(err_file),
        "-trace_logs", "-log_file", str(log_file),
        "-nostdin",
        "-sf", str(scenario),  # last: sipp parses the scenario when it reads -sf
    ]  # fmt: skip
    helper: asyncio.Task[None] | None = None
    timed_out = False
    started_at = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        _sipp(), *args, cwd=workdir, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    watcher = asyncio.create_task(_learn_media_address(log_file, rtp))
    try:
        if during is not None:
            helper = asyncio.create_task(during(rtp))
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            timed_out = True
            stderr = b""
        ended_at = time.monotonic()
    finally:
        await _stop(proc)
        for task in (watcher, helper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        rtp.close()
    log = _read(log_file)
    remote_hangup = True if "hangup=remote" in log else False if "hangup=caller" in log else None
    problems = []
    if timed_out:
        problems.append(f"sipp did not finish within {timeout} s (killed)")
    elif proc.returncode != 0:
        problems.append(f"sipp exit code {proc.returncode}")
    if "gave-up" in log:
        problems.append(f"not answered within {answer_timeout} s: the caller gave up")
    if wait_for_hangup and remote_hangup is False:
        problems.append(f"Asterisk did not hang up within {hold_s} s of answering")
    error_text = ""
    if problems:
        error_text = "\n".join(
            t
            for t in (
                *problems,
                _without_noise(stderr.decode(errors="replace")),
                _sipp_errors(err_file),
            )
            if t.strip()
        )
    shutil.rmtree(workdir, ignore_errors=True)
    return CallResult(
        extension=extension,
        returncode=proc.returncode,
        started_at=started_at,
        ended_at=ended_at,
        packets=rtp.packets,
        error_text=error_text,
        timed_out=timed_out,
        remote_hangup=remote_hangup,
        gave_up="gave-up" in log,
        expected_remote_hangup=wait_for_hangup,
        rtp=rtp,
        codec=offer,
    )


async def _learn_media_address(log_file: Path, rtp: RtpEndpoint) -> None:
    """Tell ``rtp`` where Asterisk wants our audio, from the SDP of its 200 OK."""
    while rtp.peer is None:
        for line in _read(log_file).splitlines():
            m = re.search(r"media=c=IN IP4 ([0-9.]+) m=audio ([0-9]+)", line)
            if m:
                rtp.learn_peer((m.group(1), int(m.group(2))))
                return
        await asyncio.sleep(0.02)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """Make sure sipp is gone (it exits by itself when its call is over)."""
    for stop, grace in ((proc.terminate, 3.0), (proc.kill, None)):
        if proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            stop()
        if grace is None:
            await proc.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), grace)


# ---------------------------------------------------------------------------- phones


class SippPhone:
    """A sipp UAS on 127.0.0.1:``port`` playing a lab phone; use as ``async with``.

    ``scenario``: "answer" (180, 200 OK, plays ``audio`` in a loop, waits for BYE),
    "busy" (486) or "ring" (180, never answers), or a file name in tests/sipp/.
    ``audio``: what the phone says, 16-bit PCM at the codec's sample rate (8 kHz; 16 kHz
    for G.722; default: 440 Hz at -20 dBFS), played in a loop by sipp.
    ``hangup_after_s``: with "answer", the phone hangs up itself this long after answering.
    ``codec``: what the phone answers with ("pcmu", "pcma", "g722"): the scenario's u-law
    SDP and audio are rewritten for it. Asterisk offers all three to the lab phones.
    Counters (``calls``, ``answered``, ``ended``, ``cancelled``) come from sipp's log and
    stay readable after the phone is stopped.
    """

    def __init__(
        self,
        phone: str | int = "office",
        scenario: str = "answer",
        *,
        audio: bytes | None = None,
        hangup_after_s: float | None = None,
        codec: str | Codec = "pcmu",
    ) -> None:
        self.codec = as_codec(codec)
        if isinstance(phone, int):
            self.name, self.port = str(phone), phone
        else:
            self.name, self.port = phone, PHONE_PORTS[phone]
        self.scenario = SIPP_DIR / UAS_SCENARIOS.get(scenario, scenario)
        if not self.scenario.is_file():
            raise FileNotFoundError(self.scenario)
        rate = self.codec.sample_rate
        self.audio = tone(440.0, 1.0, -20.0, rate) if audio is None else audio
        self.hangup_after_s = hangup_after_s
        self.workdir: Path | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._log: str = ""
        self._errors: str = ""

    async def __aenter__(self) -> SippPhone:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        if not _port_is_free(self.port):
            raise RuntimeError(f"phone {self.name}: UDP 127.0.0.1:{self.port} is already in use")
        self.workdir = Path(tempfile.mkdtemp(prefix=f"rufbereit-{self.name}-"))
        scenario, text = self.scenario, self.scenario.read_text()
        if self.codec.name != "pcmu" and "RTP/AVP" in text:  # a copy that answers in it
            scenario = self.workdir / self.scenario.name  # (busy/ring: no SDP, no change)
            scenario.write_text(self.codec.sdp(text))
        frame = self.codec.frame_bytes  # sipp plays whole 20 ms packets
        audio = self.audio + bytes(-len(self.audio) % frame)
        (self.workdir / f"audio.{self.codec.asterisk}").write_bytes(self.codec.encoder()(audio))
        args = [
            "-i", HOST, "-p", str(self.port), "-cp", str(_free_port(host="0.0.0.0")),
            "-mi", HOST, "-mp", str(_free_media_base()),
            "-trace_err", "-error_file", str(self.workdir / "errors.log"),
            "-trace_logs", "-log_file", str(self.workdir / "calls.log"),
            "-nostdin",
        ]  # fmt: skip
        if self.hangup_after_s is not None:
            args += ["-recv_timeout", str(max(1, round(self.hangup_after_s * 1000)))]
        self._proc = await asyncio.create_subprocess_exec(
            _sipp(), *args, "-sf", str(scenario), cwd=self.workdir,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 5
        while _port_is_free(self.port):  # until sipp has bound its SIP port
            if self._proc.returncode is not None or time.monotonic() > deadline:
                await _stop(self._proc)
                assert self._proc.stderr is not None
                err = (await self._proc.stderr.read()).decode(errors="replace")
                raise RuntimeError(f"phone {self.name}: sipp did not start: {err.strip()}")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._proc is not None:
            await _stop(self._proc)
        if self.workdir is not None:
            self._log = _read(self.workdir / "calls.log", 100_000)
            self._errors = _sipp_errors(self.workdir / "errors.log")
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _lines(self) -> list[str]:
        text = _read(self.workdir / "calls.log", 100_000) if self.workdir else self._log
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def calls(self) -> int:
        """INVITEs received (new calls)."""
        return self._lines().count("invite")

    @property
    def answered(self) -> int:
        return self._lines().count("answered")

    @property
    def ended(self) -> int:
        """Answered calls that are over (either side hung up)."""
        return sum(1 for line in self._lines() if line.startswith("hangup="))

    @property
    def cancelled(self) -> int:
        return self._lines().count("cancelled")

    @property
    def errors(self) -> str:
        """sipp's error log: unexpected messages, failed calls."""
        return _sipp_errors(self.workdir / "errors.log") if self.workdir else self._errors

    async def wait_for(self, what: str = "calls", n: int = 1, within: float = 10.0) -> None:
        """Wait until ``calls``/``answered``/``ended``/``cancelled`` reaches ``n``."""
        deadline = time.monotonic() + within
        while getattr(self, what) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"phone {self.name}: {what}={getattr(self, what)} < {n}")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def run_uas(
    phone: str | int = "office",
    scenario: str = "answer",
    *,
    audio: bytes | None = None,
    hangup_after_s: float | None = None,
    codec: str | Codec = "pcmu",
) -> AsyncIterator[SippPhone]:
    """``async with run_uas("office") as office: ...; assert office.calls == 1``"""
    async with SippPhone(
        phone, scenario, audio=audio, hangup_after_s=hangup_after_s, codec=codec
    ) as p:
        yield p


__all__ = [
    "CODECS",
    "PHONE_PORTS",
    "CallResult",
    "Codec",
    "RtpEndpoint",
    "RtpPacket",
    "SippPhone",
    "as_codec",
    "dbfs",
    "place_call",
    "run_uas",
    "tone",
]
