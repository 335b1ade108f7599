"""Measure the end of turn on German turns with pauses: cut-offs and delay.

``python -m bench.smart_turn [--json bench/smart_turn.json]``

The turns are German sentences of the kind callers say to a trade business, spoken
by espeak-ng at 16 kHz with three voices (de, de+m3, de+f2) and two speeds. Complete
turns are one sentence; paused turns are split into halves, each synthesised on its
own, with 0.4 to 1.2 s of silence between: a half that stops after "am", one that ends
in "äh"/"ähm", and ones whose first half could be a sentence by its words ("Bei uns
im Keller"). Some halves end in a comma (espeak gives them a rising, unfinished
voice), some do not (a falling, final-sounding voice: the hard case).

Each turn goes through the real :class:`~agent.speech.turns.TurnListener` frame by
frame (20 ms). Its timing is by audio frames, so the audio is fed faster than real
time, except while the model is being asked: then one frame per 20 ms of wall time,
as a call delivers them. The recogniser is an oracle that streams the words already
spoken (like Vosk, without punctuation), or none at all (a recogniser whose words are
not known at the decision). Configurations:

- ``silence``: no words, no model: a fixed ``end_of_turn_ms``;
- ``words``: the word rules (before smart-turn);
- ``model``: smart-turn without words;
- ``words+model``: both (the default);
- ``silence-max``: a fixed ``end_of_turn_max_ms`` (nothing cut that pauses less);
- variants of ``words+model``: a higher threshold, a longer longest silence, and the
  audio over an 8 kHz A-law line (the model hears it resampled to 16 kHz).

A cut-off is a turn that ended before the caller's last word. The delay is the
silence before a turn's end was decided (``UserTurn.silence_ms``) for the last turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent.speech.audio import SAMPLE_RATE, dbfs, resample, silence
from agent.speech.espeak import EspeakTts
from agent.speech.settings import SttSettings
from agent.speech.smart_turn import SmartTurn, model_path
from agent.speech.stt import RecognitionStream, Transcript
from agent.speech.turns import TurnListener, UserTurn

FRAME = 640  # 20 ms at 16 kHz, 16 bit

COMPLETE = [
    "Ich hätte gern einen Termin am Dienstag um zehn Uhr.",
    "Bei uns im Keller ist ein Rohr geplatzt.",
    "Die Heizung ist seit gestern kaputt.",
    "Mein Name ist Anna Schmidt.",
    "Ja, gerne.",
    "Nein, danke, das war alles.",
    "Können Sie morgen Vormittag vorbeikommen?",
    "Meine Nummer ist null eins sieben eins zwei drei vier fünf sechs.",
    "Ich wohne in der Bahnhofstraße zwölf in Olching.",
    "Das Wasser läuft überall raus, bitte kommen Sie schnell.",
    "Ja, das passt mir gut.",
    "Ich möchte eine Heizungswartung buchen.",
    "Am Donnerstag um halb drei wäre gut.",
    "Können Sie mich bitte mit einem Mitarbeiter verbinden?",
    "Es tropft aus dem Wasserhahn in der Küche.",
    "Danke, auf Wiederhören.",
]
PAUSED = [
    ("Ich hätte gern einen Termin am", "Dienstag um zehn Uhr."),
    ("Ich hätte gern einen Termin am, äh,", "Dienstag um zehn."),
    ("Meine Nummer ist null eins sieben eins", "zwei drei vier fünf sechs."),
    ("Mein Name ist", "Anna Schmidt."),
    ("Mein Name ist, ähm,", "Anna Schmidt."),
    ("Ich wohne in der", "Bahnhofstraße zwölf."),
    ("Die Heizung ist kaputt und", "das Wasser läuft aus."),
    ("Am besten wäre, äh,", "Donnerstag Nachmittag."),
    ("Ich brauche einen Termin", "für eine Heizungswartung."),
    ("Bei uns im Keller,", "ist ein Rohr geplatzt."),
    ("Können Sie, ähm,", "morgen vorbeikommen?"),
    ("Die Adresse ist Bahnhofstraße,", "zwölf in Olching."),
    ("Ich möchte, äh,", "eine Wartung buchen."),
    ("Es geht um die", "Heizung im Keller."),
    ("Ja, also,", "das passt mir am Montag."),
    ("Meine Postleitzahl ist acht zwei,", "eins vier null."),
]
VOICES = [("de", 160), ("de+m3", 140), ("de+f2", 175)]
PAUSES_MS = [400, 600, 800, 1000, 1200]


@dataclass
class Case:
    id: str
    kind: str  # complete | paused
    parts: list[str]
    voice: str
    rate_wpm: int
    pause_ms: int = 0  # between the parts (paused turns)
    pcm: bytes = b""
    spans: list[tuple[int, int]] = field(default_factory=list)  # byte offsets of each part

    @property
    def speech_end_s(self) -> float:
        return self.spans[-1][1] / (2 * SAMPLE_RATE)


def _trim(pcm: bytes) -> bytes:
    loud = [i for i in range(0, len(pcm) - FRAME + 1, FRAME) if dbfs(pcm[i : i + FRAME]) > -45]
    return pcm[loud[0] : loud[-1] + FRAME] if loud else b""


async def build_cases() -> list[Case]:
    cases: list[Case] = []
    for n, text in enumerate(COMPLETE):
        for voice, rate in VOICES:
            cases.append(Case(f"c{n:02d}-{voice}", "complete", [text], voice, rate))
    for n, parts in enumerate(PAUSED):
        for v, (voice, rate) in enumerate(VOICES):
            pause = PAUSES_MS[(n + v) % len(PAUSES_MS)]
            cases.append(Case(f"p{n:02d}-{voice}", "paused", list(parts), voice, rate, pause))
    engines = {(v, r): EspeakTts(voices={"de": v}, rate_wpm=r) for v, r in VOICES}
    for case in cases:
        tts = engines[(case.voice, case.rate_wpm)]
        pcm = bytearray(silence(600))
        for i, text in enumerate(case.parts):
            if i:
                pcm += silence(case.pause_ms)
            start = len(pcm)
            pcm += _trim(await tts.synthesize(text, "de"))
            case.spans.append((start, len(pcm)))
        pcm += silence(2000)
        case.pcm = bytes(pcm)
    return cases


class _Oracle:
    """A streaming recogniser that knows what was said: the words of the audio fed so
    far (a part's words appear in proportion to its audio), lower case, without
    punctuation, as Vosk gives them. ``blind``: no words at all."""

    name = "oracle"
    model_name = "oracle"
    streaming = True

    def __init__(self, case: Case, blind: bool) -> None:
        self.case = case
        self.blind = blind
        self.fed = 0  # bytes of the case's audio fed to the listener so far

    def stream(self, sample_rate: int = SAMPLE_RATE) -> RecognitionStream:
        return _OracleStream(self)

    def words(self) -> str:
        if self.blind:
            return ""
        out: list[str] = []
        for text, (start, end) in zip(self.case.parts, self.case.spans, strict=True):
            words = [w.strip(".,?!").lower() for w in text.split()]
            heard = min(1.0, max(0.0, (self.fed - start) / (end - start)))
            out += words[: int(len(words) * heard + 1e-9)]
        return " ".join(w for w in out if w)


class _OracleStream:
    def __init__(self, owner: _Oracle) -> None:
        self.owner = owner

    def accept(self, pcm: bytes) -> None:
        pass

    def partial(self) -> str:
        return self.owner.words()

    async def preview(self) -> Transcript:
        return self._transcript()

    async def finish(self) -> Transcript:
        return self._transcript()

    def _transcript(self) -> Transcript:
        return Transcript(self.owner.words(), 1.0, 0.0, "oracle", "oracle")

    async def cancel(self) -> None:
        pass


class TimedModel:
    """The real model, timing each inference (in its thread) and each answer (as the
    listener waits for it: queueing included)."""

    def __init__(self, model: SmartTurn) -> None:
        self.model = model
        self.inference_ms: list[float] = []
        self.answer_ms: list[float] = []
        self.answers: list[float] = []

    def _timed(self, pcm: bytes, sample_rate: int) -> float:
        t0 = time.perf_counter()
        p = self.model.probability(pcm, sample_rate)
        self.inference_ms.append((time.perf_counter() - t0) * 1000)
        return p

    async def complete(self, pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
        from agent.speech.smart_turn import executor

        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        p = await loop.run_in_executor(executor(), self._timed, pcm, sample_rate)
        self.answer_ms.append((time.perf_counter() - t0) * 1000)
        self.answers.append(p)
        return p


@dataclass
class Outcome:
    case: str
    kind: str
    pause_ms: int
    cut: bool  # a turn ended before the caller's last word
    turns: int
    delay_ms: int | None  # silence before the last turn ended
    complete_p: list[float | None]


def _alaw_8k(pcm: bytes) -> bytes:
    """16 kHz audio as an 8 kHz A-law line delivers it (band-limited, companded)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop  # stdlib up to 3.12; the bench only

    narrow = resample(pcm, SAMPLE_RATE, 8000)
    return audioop.alaw2lin(audioop.lin2alaw(narrow, 2), 2)


async def run_case(
    case: Case,
    settings: SttSettings,
    *,
    blind: bool,
    model: TimedModel | None,
    rate: int = SAMPLE_RATE,
) -> Outcome:
    oracle = _Oracle(case, blind)
    listener = TurnListener(oracle, settings, sample_rate=rate, partials=False, turn_model=model)
    pcm = case.pcm if rate == SAMPLE_RATE else _alaw_8k(case.pcm)
    frame = rate * 2 * 20 // 1000
    turns: list[UserTurn] = []
    try:
        for i in range(0, len(pcm) - frame + 1, frame):
            oracle.fed = (i + frame) * SAMPLE_RATE // rate
            listener.feed(pcm[i : i + frame])
            if listener.asking:
                await asyncio.sleep(FRAME_S)  # frames come in real time while it thinks
            else:
                await asyncio.sleep(0)
            while not listener.turns.empty():
                turns.append(listener.turns.get_nowait())
        while listener.busy:
            turns.append(await asyncio.wait_for(listener.turns.get(), 5))
    finally:
        await listener.close()
    end = case.speech_end_s - 0.1
    cut = any(t.ended_at < end for t in turns)
    last = turns[-1] if turns else None
    return Outcome(
        case.id,
        case.kind,
        case.pause_ms,
        cut,
        len(turns),
        last.silence_ms if last and not last.cut and last.ended_at >= end else None,
        [None if t.complete_p is None else round(t.complete_p, 3) for t in turns],
    )


FRAME_S = 0.02


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summarise(outcomes: list[Outcome], max_ms: int) -> dict[str, Any]:
    paused = [o for o in outcomes if o.kind == "paused"]
    complete = [o for o in outcomes if o.kind == "complete"]
    delays = [float(o.delay_ms) for o in outcomes if o.delay_ms is not None]
    complete_delays = [float(o.delay_ms) for o in complete if o.delay_ms is not None]
    by_pause = {
        str(p): f"{sum(o.cut for o in paused if o.pause_ms == p)}/"
        f"{sum(1 for o in paused if o.pause_ms == p)}"
        for p in sorted({o.pause_ms for o in paused})
    }
    return {
        "cutoffs_paused": sum(o.cut for o in paused),
        "paused_turns": len(paused),
        "cutoffs_paused_shorter_than_max": sum(o.cut for o in paused if o.pause_ms < max_ms),
        "paused_turns_shorter_than_max": sum(1 for o in paused if o.pause_ms < max_ms),
        "cutoffs_by_pause_ms": by_pause,
        "cutoffs_complete": sum(o.cut for o in complete),
        "complete_turns": len(complete),
        "delay_ms_complete": {
            "p50": _pct(complete_delays, 0.5),
            "p95": _pct(complete_delays, 0.95),
            "max": max(complete_delays, default=None),
            "mean": round(statistics.fmean(complete_delays), 1) if complete_delays else None,
        },
        "delay_ms_all_last_turns": {"p50": _pct(delays, 0.5), "p95": _pct(delays, 0.95)},
        "cut_cases": [o.case for o in outcomes if o.cut],
    }


CONFIGS: dict[str, tuple[bool, bool, dict[str, Any], int]] = {
    # name: (words known, model asked, settings, sample rate)
    "silence": (False, False, {"smart_turn": False}, SAMPLE_RATE),
    "words": (True, False, {"smart_turn": False}, SAMPLE_RATE),
    "model": (False, True, {}, SAMPLE_RATE),
    "words+model": (True, True, {}, SAMPLE_RATE),
    "words+model threshold 0.7": (True, True, {"smart_turn_threshold": 0.7}, SAMPLE_RATE),
    "words+model max 1500": (True, True, {"end_of_turn_max_ms": 1500}, SAMPLE_RATE),
    "words 8k alaw": (True, False, {"smart_turn": False}, 8000),
    "words+model 8k alaw": (True, True, {}, 8000),
    "silence-max": (False, False, {"smart_turn": False, "end_of_turn_ms": 1000}, SAMPLE_RATE),
}


async def run(configs: Sequence[str], model_file: Path | None) -> dict[str, Any]:
    cases = await build_cases()
    base = SttSettings()
    path = model_file or model_path(base)
    model = TimedModel(SmartTurn(path)) if path is not None else None
    if model is not None:
        model.model.warm_up()
    results: dict[str, Any] = {}
    for name in configs:
        words, asked, changes, rate = CONFIGS[name]
        if asked and model is None:
            results[name] = {"skipped": "no smart-turn model installed"}
            continue
        settings = base.model_copy(update=changes)
        outcomes = [
            await run_case(c, settings, blind=not words, model=model if asked else None, rate=rate)
            for c in cases
        ]
        summary = summarise(outcomes, settings.end_of_turn_max_ms)
        summary["settings"] = {
            "end_of_turn_ms": settings.end_of_turn_ms,
            "end_of_turn_max_ms": settings.end_of_turn_max_ms,
            "smart_turn": asked,
            "smart_turn_threshold": settings.smart_turn_threshold,
            "smart_turn_step_ms": settings.smart_turn_step_ms,
            "words": words,
            "sample_rate": rate,
        }
        summary["outcomes"] = [asdict(o) for o in outcomes]
        results[name] = summary
    standalone = await _inference_times(model, cases) if model is not None else {}
    return {
        "what": "end of turn on German espeak-ng turns with mid-sentence pauses (16 kHz)",
        "cases": {
            "complete": sum(c.kind == "complete" for c in cases),
            "paused": sum(c.kind == "paused" for c in cases),
            "voices": [f"{v} {r} wpm" for v, r in VOICES],
            "pauses_ms": PAUSES_MS,
        },
        "model": str(path) if path else None,
        "inference_ms": standalone,
        "inference_ms_in_listener": {
            "n": len(model.inference_ms) if model else 0,
            "p50": _pct(model.inference_ms, 0.5) if model else None,
            "p95": _pct(model.inference_ms, 0.95) if model else None,
            "answer_p50": _pct(model.answer_ms, 0.5) if model else None,
            "answer_p95": _pct(model.answer_ms, 0.95) if model else None,
        },
        "configs": results,
    }


async def _inference_times(model: TimedModel, cases: list[Case]) -> dict[str, Any]:
    """The model alone, one thread, on each case's whole audio (8 s windows)."""
    times = []
    for case in cases:
        t0 = time.perf_counter()
        model.model.probability(case.pcm)
        times.append((time.perf_counter() - t0) * 1000)
    return {"n": len(times), "p50": _pct(times, 0.5), "p95": _pct(times, 0.95)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.smart_turn")
    parser.add_argument("--json", type=Path, default=Path("bench/smart_turn.json"))
    parser.add_argument("--model", type=Path, help="default: the installed smart-turn model")
    parser.add_argument("--config", action="append", choices=sorted(CONFIGS))
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.config or list(CONFIGS), args.model))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"inference ms: {result['inference_ms']} in the listener: ", end="")
    print(result["inference_ms_in_listener"])
    for name, r in result["configs"].items():
        if "skipped" in r:
            print(f"{name:<22} skipped: {r['skipped']}")
            continue
        d = r["delay_ms_complete"]
        print(
            f"{name:<22} cut-offs paused {r['cutoffs_paused']}/{r['paused_turns']} "
            f"(pause < max: {r['cutoffs_paused_shorter_than_max']}/"
            f"{r['paused_turns_shorter_than_max']}, by pause {r['cutoffs_by_pause_ms']}), "
            f"complete {r['cutoffs_complete']}/{r['complete_turns']}; "
            f"delay p50 {d['p50']} p95 {d['p95']} max {d['max']} ms"
        )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
