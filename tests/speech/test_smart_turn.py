"""smart-turn: the features, the decision rule in the turn listener (with a fake model),
finding and installing the model. The real model: test_smart_turn_real.py."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import json
import logging
import shutil
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from agent.speech import smart_turn, smart_turn_install
from agent.speech.audio import dbfs, resample, silence
from agent.speech.espeak import EspeakTts
from agent.speech.models import MARKER
from agent.speech.settings import SttSettings
from agent.speech.turns import TurnListener, UserTurn
from tests.speech.test_turns import FakeRecognizer

FRAME = 640
FAST = SttSettings(end_of_turn_ms=300, end_of_turn_max_ms=1000, smart_turn_step_ms=200)


class FakeModel:
    """Answers P(complete) from a list (the last one repeats), after ``delay_s``; or
    raises ``error``; records what it was asked."""

    def __init__(
        self, *answers: float, delay_s: float = 0.0, error: Exception | None = None
    ) -> None:
        self.answers = list(answers) or [0.9]
        self.delay_s = delay_s
        self.error = error
        self.asked: list[tuple[int, int]] = []  # (bytes of audio, sample rate)

    async def complete(self, pcm: bytes, sample_rate: int = 16000) -> float:
        self.asked.append((len(pcm), sample_rate))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        return self.answers[min(len(self.asked), len(self.answers)) - 1]


class HeldModel:
    """Each question waits until the test answers it."""

    def __init__(self) -> None:
        self.pending: list[asyncio.Future[float]] = []

    async def complete(self, pcm: bytes, sample_rate: int = 16000) -> float:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        return await future


@pytest.fixture(scope="module")
def speech() -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: apt-get install espeak-ng")
    pcm = asyncio.run(EspeakTts().synthesize("Mein Name ist Anna Schmidt", "de"))
    loud = [i for i in range(0, len(pcm) - 639, 640) if dbfs(pcm[i : i + 640]) > -45]
    return pcm[loud[0] : loud[-1] + 640]


async def _turns(listener: TurnListener, pcm: bytes, frame: int = FRAME) -> list[UserTurn]:
    turns: list[UserTurn] = []
    async for event in listener.events(_frames(pcm, frame)):
        if isinstance(event, UserTurn):
            turns.append(event)
    return turns


async def _frames(pcm: bytes, frame: int = FRAME) -> AsyncIterator[bytes]:
    for i in range(0, len(pcm), frame):
        yield pcm[i : i + frame]
        await asyncio.sleep(0)  # like a call: the loop runs between frames


def _listener(
    model: smart_turn.TurnModel | None,
    settings: SttSettings = FAST,
    *,
    words: str = "mein name ist anna schmidt",
    sample_rate: int = 16000,
) -> TurnListener:
    recognizer = FakeRecognizer(words=words)
    return TurnListener(recognizer, settings, sample_rate=sample_rate, turn_model=model)


# -- features -------------------------------------------------------------------------------


def test_features_are_whispers_log_mel_of_the_last_8_s() -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal(3 * 16000) * 0.1).astype(np.float32)
    got = smart_turn.features(audio)
    assert got.shape == (80, 800) and got.dtype == np.float32
    # the same as faster-whisper's extractor on the padded, normalised window
    from faster_whisper.feature_extractor import FeatureExtractor

    window = smart_turn.last_window(audio)
    assert len(window) == 8 * 16000 and not window[: 5 * 16000].any()  # zeros before
    normalised = (window - window.mean()) / np.sqrt(window.var() + 1e-7)
    reference = FeatureExtractor(chunk_length=8)(normalised, padding=0)
    assert reference.shape == (80, 800)
    assert np.abs(reference - got).max() < 1e-3
    # a long turn: only its last 8 s count
    long = np.concatenate([np.ones(5 * 16000, np.float32), audio, audio, audio])
    assert np.array_equal(smart_turn.last_window(long), long[-8 * 16000 :])


# -- the decision rule ----------------------------------------------------------------------


async def test_a_complete_sentence_ends_after_the_short_silence(speech: bytes) -> None:
    """Asked after 200 ms of silence, so its answer is there when the 300 ms are."""
    model = FakeModel(0.9)
    [turn] = await _turns(_listener(model), silence(500) + speech + silence(1500))
    assert turn.silence_ms == pytest.approx(300, abs=20)
    assert turn.complete_p == 0.9 and len(model.asked) == 1
    # what it heard: the pre-roll, the speech and the silence so far, at 16 kHz
    heard, rate = model.asked[0]
    assert rate == 16000
    assert heard / 32000 == pytest.approx(0.4 + len(speech) / 32000 + 0.2, abs=0.08)
    # asked when the short silence is over, the answer's time adds to it
    later = FAST.model_copy(update={"smart_turn_ask_ms": 300})
    [turn] = await _turns(_listener(FakeModel(0.9), later), speech + silence(1500))
    assert turn.silence_ms == pytest.approx(320, abs=20)


async def test_an_incomplete_verdict_waits_for_more_silence(speech: bytes) -> None:
    """A pause mid-sentence: the words sound finished, the voice does not. No cut; the
    turn ends at the longest silence if the model never changes its mind."""
    audio = silence(500) + speech + silence(700) + speech + silence(1500)
    words_only = FAST.model_copy(update={"smart_turn": False})
    assert len(await _turns(_listener(None, words_only), audio)) == 2
    model = FakeModel(0.2)
    [turn] = await _turns(_listener(model), audio)
    assert turn.silence_ms == 1000 and turn.complete_p == 0.2
    assert turn.ended_at - turn.started_at > 2 * len(speech) / 32000
    # asked at 200, 400, 600 ms in the pause; at 200, 400, 600, 800 ms at the end
    assert len(model.asked) == 7


async def test_asked_again_the_model_can_end_the_turn(speech: bytes) -> None:
    model = FakeModel(0.3, 0.8)
    [turn] = await _turns(_listener(model), silence(500) + speech + silence(1500))
    assert turn.silence_ms == pytest.approx(420, abs=30) and turn.complete_p == 0.8
    assert len(model.asked) == 2


async def test_the_threshold_is_a_setting(speech: bytes) -> None:
    strict = FAST.model_copy(update={"smart_turn_threshold": 0.85})
    [turn] = await _turns(_listener(FakeModel(0.8), strict), speech + silence(1500))
    assert turn.silence_ms == 1000


async def test_unfinished_words_wait_without_asking_the_model(speech: bytes) -> None:
    model = FakeModel(0.99)
    listener = _listener(model, words="ich hätte gern einen termin am")
    [turn] = await _turns(listener, speech + silence(600) + speech + silence(1500))
    assert model.asked == [] and turn.silence_ms == 1000 and turn.complete_p is None


async def test_with_whisper_both_the_early_transcript_and_the_model_decide(
    speech: bytes,
) -> None:
    whisper_like = FakeRecognizer(streaming=False, words="Mein Name ist Anna Schmidt.")
    model = FakeModel(0.9)
    listener = TurnListener(whisper_like, FAST, turn_model=model)
    [turn] = await _turns(listener, speech + silence(1500))
    assert turn.early and turn.silence_ms == pytest.approx(300, abs=20)
    assert len(model.asked) == 1
    cut_short = FakeRecognizer(streaming=False, words="Ich hätte gern einen Termin am")
    listener = TurnListener(cut_short, FAST, turn_model=FakeModel(0.99))
    [turn] = await _turns(listener, speech + silence(1500))
    assert turn.silence_ms == 1000  # the words know better than a confident voice


async def test_without_a_model_the_words_decide(speech: bytes) -> None:
    off = FAST.model_copy(update={"smart_turn": False})
    model = FakeModel(0.1)
    [turn] = await _turns(_listener(model, off), speech + silence(1500))
    assert turn.silence_ms == pytest.approx(300, abs=20) and model.asked == []


async def test_a_failing_model_never_loses_the_turn(
    speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    model = FakeModel(error=RuntimeError("onnxruntime exploded"))
    listener = _listener(model)
    with caplog.at_level(logging.WARNING, logger="agent.speech.turns"):
        turns = await _turns(listener, speech + silence(1500) + speech + silence(1500))
    assert len(turns) == 2 and all(t.text for t in turns)
    assert all(t.silence_ms == pytest.approx(320, abs=40) for t in turns)  # the words decided
    warnings = [r for r in caplog.records if "smart-turn failed" in r.getMessage()]
    assert len(warnings) == 1  # once a call


async def test_a_model_that_does_not_answer_ends_at_the_longest_silence(speech: bytes) -> None:
    model = HeldModel()
    [turn] = await _turns(_listener(model), speech + silence(1500))
    assert turn.silence_ms == 1000 and turn.complete_p is None
    assert len(model.pending) == 1
    await asyncio.sleep(0)
    assert model.pending[0].cancelled()  # the question was dropped with the turn


async def test_feed_never_waits_for_the_model_and_a_late_answer_is_dropped(
    speech: bytes,
) -> None:
    """The caller goes on speaking while the model thinks: its answer about the old
    silence must not end the turn in the next one."""
    model = HeldModel()
    listener = _listener(model)

    async def feed(pcm: bytes) -> None:
        for i in range(0, len(pcm), FRAME):
            listener.feed(pcm[i : i + FRAME])  # returns at once, whatever the model does
            await asyncio.sleep(0)

    await feed(silence(300) + speech + silence(340))
    assert listener.asking and len(model.pending) == 1
    await feed(speech)  # speech again: the question about the first pause is dropped
    assert model.pending[0].cancelled()
    await feed(silence(340))
    assert listener.in_turn and len(model.pending) == 2  # asked afresh
    model.pending[1].set_result(0.1)
    await feed(silence(300))
    assert listener.in_turn
    await feed(silence(600))
    turn = await asyncio.wait_for(listener.turns.get(), 2)
    assert turn.silence_ms == 1000 and turn.complete_p == 0.1
    await listener.close()


async def test_the_model_hears_at_most_8_s_at_the_line_rate(speech: bytes) -> None:
    model = FakeModel(0.9)
    long = (speech + silence(100)) * 12  # about 20 s: one turn (the pauses are short)
    narrow = resample(long + silence(1500), 16000, 8000)
    listener = _listener(model, FAST.model_copy(update={"max_turn_s": 60}), sample_rate=8000)
    [turn] = await _turns(listener, narrow, frame=320)
    assert turn.complete_p == 0.9
    assert model.asked == [(8 * 8000 * 2, 8000)]


def test_settings_are_checked() -> None:
    for bad in ({"smart_turn_threshold": 0}, {"smart_turn_threshold": 1.0},
                {"smart_turn_step_ms": 10}):  # fmt: skip
        with pytest.raises(ValidationError):
            SttSettings(**bad)  # type: ignore[arg-type]
    s = SttSettings()
    assert s.smart_turn and s.smart_turn_threshold == 0.5 and s.smart_turn_model is None


# -- finding, loading and installing the model ----------------------------------------------


async def test_no_model_installed_means_no_smart_turn(tmp_path: Path) -> None:
    settings = SttSettings(models_dir=tmp_path)
    assert smart_turn.model_path(settings) is None
    assert smart_turn.shared(settings) is None
    assert await smart_turn.open_shared(settings) is None
    assert smart_turn.shared(settings.model_copy(update={"smart_turn": False})) is None


async def test_a_broken_model_file_leaves_the_words_in_charge(
    tmp_path: Path, speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an onnx model")
    settings = FAST.model_copy(update={"smart_turn_model": broken})
    with caplog.at_level(logging.WARNING, logger="agent.speech.smart_turn"):
        assert smart_turn.shared(settings) is None  # loading started in the background
        assert await smart_turn.open_shared(settings) is None
    assert any("not usable" in r.getMessage() for r in caplog.records)
    listener = TurnListener(FakeRecognizer(words="ja bitte"), settings)
    [turn] = await _turns(listener, speech + silence(1500))
    assert turn.silence_ms == pytest.approx(300, abs=20) and turn.complete_p is None


@pytest.fixture()
def fake_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, bytes]]:
    """A local web server with a stand-in model file, pinned as the real one would be."""
    root = tmp_path / "www"
    root.mkdir()
    content = b"stand-in for the smart-turn model" * 100
    (root / smart_turn.FILE).write_bytes(content)
    monkeypatch.setattr(smart_turn, "SHA256", hashlib.sha256(content).hexdigest())
    monkeypatch.setattr(smart_turn, "SIZE_BYTES", len(content))
    handler = partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setattr(smart_turn, "URL", f"{base}/{smart_turn.FILE}")
    try:
        yield base, content
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_pull_downloads_checks_and_installs_once(
    tmp_path: Path, fake_release: tuple[str, bytes]
) -> None:
    models = tmp_path / "models"
    path = smart_turn_install.pull(models, progress=None)
    assert path == models / "smart-turn-v3.2" / smart_turn.FILE
    assert path.read_bytes() == fake_release[1]
    marker = json.loads((path.parent / MARKER).read_text())
    assert marker["kind"] == "turn" and marker["verified"] and marker["source"] == smart_turn.URL
    assert sorted(p.name for p in models.iterdir()) == ["smart-turn-v3.2"]  # no leftovers
    assert smart_turn_install.is_installed(models)
    assert smart_turn.model_path(SttSettings(models_dir=models)) == path
    (tmp_path / "www" / smart_turn.FILE).unlink()
    assert smart_turn_install.pull(models, progress=None) == path  # installed: nothing fetched


def test_pull_refuses_a_file_that_is_not_the_pinned_one(
    tmp_path: Path, fake_release: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smart_turn, "SHA256", "0" * 64)
    models = tmp_path / "models"
    with pytest.raises(smart_turn.SmartTurnError, match="sha256 mismatch"):
        smart_turn_install.pull(models, progress=None)
    assert list(models.iterdir()) == []


def test_the_lab_takes_it_from_the_wheel_and_caches_it(
    tmp_path: Path, fake_release: tuple[str, bytes]
) -> None:
    """`pip download` is replaced by a script that writes a wheel with the file inside."""
    import zipfile

    wheel = tmp_path / "pipecat_ai-1.14.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(smart_turn.WHEEL_MEMBER, fake_release[1])
        z.writestr("pipecat/__init__.py", "")
    fake_python = tmp_path / "python"
    fake_python.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        "dest = sys.argv[sys.argv.index('--dest') + 1]\n"
        f"shutil.copy({str(wheel)!r}, dest)\n"
    )
    fake_python.chmod(0o755)
    models, cache = tmp_path / "models", tmp_path / "cache"
    path = smart_turn_install.from_wheel(models, cache, python=str(fake_python))
    assert path.read_bytes() == fake_release[1]
    assert [p.name for p in cache.iterdir()] == [smart_turn.FILE]  # the wheel is not kept
    marker = json.loads((path.parent / MARKER).read_text())
    assert marker["source"].startswith("pypi:pipecat-ai==1.14.0")
    # again, and into another models directory: from the cache, no pip
    fake_python.write_text("#!/bin/sh\nexit 1\n")
    assert smart_turn_install.from_wheel(models, cache, python=str(fake_python)) == path
    other = smart_turn_install.from_wheel(tmp_path / "other", cache, python=str(fake_python))
    assert other.read_bytes() == fake_release[1]


def test_a_failing_pip_is_reported(tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'no network' >&2\nexit 1\n")
    fake_python.chmod(0o755)
    with pytest.raises(smart_turn.SmartTurnError, match="no network"):
        smart_turn_install.from_wheel(tmp_path / "m", tmp_path / "c", python=str(fake_python))
    assert not (tmp_path / "m").exists()


async def test_a_model_whose_work_is_cancelled_counts_as_failed(speech: bytes) -> None:
    """E.g. its thread pool shut down under it: feed() must not raise."""

    class Cancelled(FakeModel):
        async def complete(self, pcm: bytes, sample_rate: int = 16000) -> float:
            raise asyncio.CancelledError

    [turn] = await _turns(_listener(Cancelled()), speech + silence(1500))
    assert turn.silence_ms == pytest.approx(300, abs=20)
