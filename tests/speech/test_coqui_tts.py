"""CoquiTts: only the missing-package path runs here. Coqui needs torch + torchaudio
(about 5 GB) and a model downloaded at the customer's; neither is installed here."""

from __future__ import annotations

import sys

import pytest

from agent.speech.coqui_tts import CoquiTts
from agent.speech.tts import TtsError
from agent.speech.tts_factory import make_tts


async def test_missing_package_is_a_tts_error_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes the import fail, whether or not Coqui is installed.
    monkeypatch.setitem(sys.modules, "TTS", None)
    monkeypatch.setitem(sys.modules, "TTS.api", None)
    tts = CoquiTts(models={"de": "tts_models/de/thorsten/vits"})
    with pytest.raises(TtsError, match=r"pip install 'rufbereit\[coqui\]'"):
        await tts.synthesize("Guten Tag.", "de")
    with pytest.raises(TtsError, match="not installed"):
        await make_tts({"engine": "coqui", "coqui_models": {"de": "x"}}).synthesize("Hallo", "de")


async def test_unconfigured_language_names_the_setting() -> None:
    tts = CoquiTts(models={"de": "tts_models/de/thorsten/vits"})
    with pytest.raises(TtsError, match="coqui_models"):
        await tts.synthesize("Hello.", "en")
    assert tts.describe("de-DE") == "coqui model tts_models/de/thorsten/vits"
