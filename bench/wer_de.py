"""German word error rate of the recogniser (`python -m bench.wer_de`, part of `make bench`).

The 120 sentences of `bench/data/de_sentences.txt` (what callers of a plumbing and heating
business say, in the five scenarios) are spoken by espeak-ng German (the only German voice
that can be had here) and recognised by the agent's own recogniser (faster-whisper,
multilingual base, language forced to German) the way a call delivers them:

- `16k`: the voice as it is (a wideband line at its best);
- `g722`: through the G.722 codec (a wideband phone, what the lab's G.722 phones send);
- `8k_alaw`: band-limited to 8 kHz and A-law coded, then brought back to 16 kHz as
  Asterisk hands it to the agent (Germany's usual phone line).

For each, beam size 1 (the default) and 5. Words are compared after the same
normalisation on both sides (lower case, no punctuation, numbers as digits: Whisper writes
"10 Uhr", the text says "zehn Uhr"). Writes bench/wer_de.json: WER per line type and beam,
sentences exactly right, the real-time factor, and the ten worst sentences. The voice is a
robot's: these numbers say how the recogniser copes with espeak-ng, not with people.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from agent.speech.audio import resample
from agent.speech.espeak import EspeakTts
from agent.speech.settings import SttSettings
from agent.speech.stt import SpeechRecognizer, open_recognizer
from agent.understanding.entities.numbers import normalize_numbers

try:  # Python 3.13 moved audioop out of the standard library (audioop-lts)
    import audioop
except ImportError:  # pragma: no cover
    import audioop_lts as audioop  # type: ignore[no-redef]

BENCH = Path(__file__).parent
SENTENCES = BENCH / "data" / "de_sentences.txt"
LINES = ("16k", "g722", "8k_alaw")
BEAMS = (1, 5)


def sentences(path: Path = SENTENCES) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def words(text: str) -> list[str]:
    """Lower case, no punctuation, numbers as digits (a run of digits is one word, however
    it was grouped: "0171 2345678"), hyphens as spaces."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", text)  # "15.000" -> "15000"
    text = re.sub(r"(\d)[.:](\d)", r"\1 \2", text)  # "14:30" -> "14 30"
    text = re.sub(r"[^\w\s]", " ", text)
    out: list[str] = []
    for w in normalize_numbers(" ".join(text.split())).split():
        if w.isdigit() and out and out[-1].isdigit():
            out[-1] += w  # digits said in groups: one number, however grouped
        else:
            out.append(w)
    return out


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    """(word edits, reference words)."""
    return Levenshtein.distance(ref, hyp), len(ref)


def line(pcm16k: bytes, kind: str) -> bytes:
    """The voice as the agent receives it over that kind of line (16 kHz slin16)."""
    if kind == "16k":
        return pcm16k
    if kind == "g722":
        import numpy as np
        from G722 import G722  # the `g722` package

        x = np.frombuffer(pcm16k, dtype="<i2")
        coded = G722(16000, 64000).encode(x)
        return bytes(G722(16000, 64000).decode(coded).tobytes())
    narrow = resample(pcm16k, 16000, 8000)
    alaw = audioop.lin2alaw(narrow, 2)
    return resample(audioop.alaw2lin(alaw, 2), 8000, 16000)


async def recognise(rec: SpeechRecognizer, pcm16k: bytes) -> tuple[str, float]:
    stream = rec.stream(16000)
    t0 = time.perf_counter()
    stream.accept(pcm16k)
    result = await stream.finish()
    return result.text, time.perf_counter() - t0


async def run() -> dict[str, Any]:
    texts = sentences()
    tts = EspeakTts()
    voices = [await tts.synthesize(t, "de") for t in texts]
    out: dict[str, Any] = {
        "what": "word error rate of faster-whisper base (de) on espeak-ng German",
        "sentences": len(texts),
        "voice": tts.voice_for("de"),
        "results": {},
    }
    for beam in BEAMS:
        rec = await open_recognizer(
            SttSettings(backend="whisper", language="de", whisper_beam_size=beam)
        )
        for kind in LINES:
            edits = total = exact = 0
            audio_s = proc_s = 0.0
            worst: list[tuple[float, str, str]] = []
            for text, pcm in zip(texts, voices, strict=True):
                heard, took = await recognise(rec, line(pcm, kind))
                ref, hyp = words(text), words(heard)
                e, n = wer(ref, hyp)
                edits, total, exact = edits + e, total + n, exact + (e == 0)
                audio_s += len(pcm) / 32000
                proc_s += took
                worst.append((e / max(n, 1), text, heard))
            worst.sort(key=lambda w: -w[0])
            key = f"{kind}_beam{beam}"
            out["results"][key] = {
                "wer": round(edits / total, 3),
                "exact_sentences": exact,
                "rtf": round(proc_s / audio_s, 3),
                "worst": [{"said": t, "heard": h} for _, t, h in worst[:10]],
            }
            print(f"wer_de: {key}: WER {edits / total:.1%}, exact {exact}/{len(texts)}, "
                  f"RTF {proc_s / audio_s:.3f}", file=sys.stderr)  # fmt: skip
    out["median_sentence_s"] = round(statistics.median(len(v) / 32000 for v in voices), 2)
    return out


def main() -> int:
    result = asyncio.run(run())
    path = BENCH / "wer_de.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wer_de: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
