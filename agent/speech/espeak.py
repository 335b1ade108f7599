"""espeak-ng text-to-speech (Debian package ``espeak-ng``): robotic, tiny, fast.

Runs ``espeak-ng --stdout --stdin`` as a subprocess (no shell; the text goes in
on stdin, so it can never be taken for an option; ``[[phoneme]]`` brackets are
removed, SSML is off), reads the WAV it prints, and resamples 22050 Hz to
16 kHz with soxr.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import shutil
import time
import wave
from collections.abc import Mapping

from agent.speech.audio import SAMPLE_RATE, resample
from agent.speech.tts import TtsError, log_synthesis, nothing_to_say, primary_language

log = logging.getLogger(__name__)

INSTALL_HINT = "install it with: apt-get install espeak-ng"
# espeak-ng reads text between [[ and ]] as phoneme codes: never let text switch modes.
_PHONEME_BRACKETS = re.compile(r"\[\[|\]\]")
DEFAULT_VOICES: Mapping[str, str] = {"de": "de", "en": "en-us"}


class EspeakTts:
    name = "espeak"

    def __init__(
        self,
        *,
        voices: Mapping[str, str] | None = None,
        rate_wpm: int = 160,
        pitch: int = 50,
        amplitude: int = 100,
        executable: str = "espeak-ng",
        timeout_s: float = 10.0,
        max_chars: int = 5000,
        max_concurrent: int = 2,
    ) -> None:
        if not 80 <= rate_wpm <= 450:
            raise ValueError("rate_wpm must be 80..450")
        if not 0 <= pitch <= 99:
            raise ValueError("pitch must be 0..99")
        if not 0 <= amplitude <= 200:
            raise ValueError("amplitude must be 0..200")
        self.voices = dict(DEFAULT_VOICES if voices is None else voices)
        self.rate_wpm = rate_wpm
        self.pitch = pitch
        self.amplitude = amplitude
        self.executable = executable
        self.timeout_s = timeout_s
        self.max_chars = max_chars
        self._slots = asyncio.Semaphore(max_concurrent)

    def available(self) -> bool:
        return shutil.which(self.executable) is not None

    def _voice(self, language: str) -> str:
        voice = self.voices.get(language) or self.voices.get(primary_language(language))
        if voice is None:
            raise TtsError(f"no espeak-ng voice configured for language {language!r}")
        return voice

    def voice_for(self, language: str) -> str:
        """The voice and settings used for ``language`` (part of the cache key)."""
        return f"{self._voice(language)}+s{self.rate_wpm}+p{self.pitch}+a{self.amplitude}"

    def _argv(self, voice: str) -> list[str]:
        return [
            self.executable,
            "--stdout",
            "--stdin",
            "-b",
            "1",  # input is UTF-8
            "-v",
            voice,
            "-s",
            str(self.rate_wpm),
            "-p",
            str(self.pitch),
            "-a",
            str(self.amplitude),
        ]

    async def synthesize(self, text: str, language: str) -> bytes:
        voice = self._voice(language)
        if nothing_to_say(text, self.max_chars):
            return b""
        t0 = time.monotonic()
        plain = _PHONEME_BRACKETS.sub(" ", text)
        async with self._slots:
            wav = await self._run(self._argv(voice), plain.encode("utf-8"))
        pcm = _wav_to_slin16(wav)
        log_synthesis(log, "espeak-ng", language, t0, pcm, text)
        return pcm

    async def _run(self, argv: list[str], stdin: bytes) -> bytes:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise TtsError(f"{self.executable} not found; {INSTALL_HINT}") from None
        except PermissionError as exc:
            raise TtsError(f"cannot run {self.executable}: {exc}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin), self.timeout_s)
        except TimeoutError:
            raise TtsError(f"{self.executable} took longer than {self.timeout_s} s") from None
        finally:
            if proc.returncode is None:  # timed out or cancelled: do not leave it running
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(proc.wait(), 2.0)
        if proc.returncode != 0:
            detail = err.decode("utf-8", "replace").strip()[-300:]
            raise TtsError(f"{self.executable} exited with {proc.returncode}: {detail}")
        if not out:
            raise TtsError(f"{self.executable} printed no audio")
        return out


def _wav_to_slin16(wav: bytes) -> bytes:
    """PCM of the WAV espeak-ng prints (its header sizes are placeholders when it
    streams to stdout, so everything up to EOF is data), as 16 kHz mono."""
    try:
        with wave.open(io.BytesIO(wav)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            pcm = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise TtsError(f"espeak-ng printed no valid WAV: {exc}") from None
    if channels != 1 or width != 2:
        raise TtsError(
            f"espeak-ng WAV is {channels} channel(s), {8 * width} bit; expected mono 16 bit"
        )
    return resample(pcm, rate, SAMPLE_RATE)
