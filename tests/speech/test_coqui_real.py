"""CoquiTts against the real coqui-tts library (marker ``coqui``; ``make coqui-check``).

No Coqui model can be downloaded on the build machines, so the test builds a tiny VITS
model with random weights from Coqui's own config classes: the audio is noise, but
rufbereit's load path (model file or directory), the synthesis thread, the speaking
rate, resampling to 16 kHz slin16, the shared model and the log hygiene all run against
the real library. Needs the Coqui venv (lab/coqui.sh); fails with the reason without it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from pathlib import Path
from typing import Any

import pytest

from agent.speech.audio import duration_s, rms
from agent.speech.coqui_tts import CoquiTts
from agent.speech.tts import TtsError

pytestmark = pytest.mark.coqui

GERMAN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÄÖÜäöüß"
TEXT = "Guten Tag, hier ist die Firma Müller."


def _require_coqui() -> None:
    if importlib.util.find_spec("TTS") is None:
        pytest.fail("coqui-tts is not installed here: run `make coqui-check` (its own venv)")


def build_tiny_vits(out_dir: Path, sample_rate: int = 22050) -> Path:
    """A randomly initialised VITS (graphemes, no phonemizer): model.pth + config.json."""
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    torch.manual_seed(1234)
    out_dir.mkdir(parents=True, exist_ok=True)
    audio = BaseAudioConfig(
        sample_rate=sample_rate, fft_size=1024, win_length=1024, hop_length=256,
        num_mels=80, mel_fmin=0, mel_fmax=None, do_trim_silence=False,
    )  # fmt: skip
    args = VitsArgs(
        hidden_channels=32, hidden_channels_ffn_text_encoder=64, num_heads_text_encoder=2,
        num_layers_text_encoder=2, num_layers_posterior_encoder=2, num_layers_flow=2,
        resblock_kernel_sizes_decoder=[3], resblock_dilation_sizes_decoder=[[1, 3, 5]],
        upsample_rates_decoder=[8, 8, 2, 2], upsample_initial_channel_decoder=32,
        upsample_kernel_sizes_decoder=[16, 16, 4, 4], init_discriminator=False,
        out_channels=audio.fft_size // 2 + 1,
    )  # fmt: skip
    config = VitsConfig(
        run_name="tiny-random-vits", audio=audio, model_args=args, use_phonemes=False,
        phonemizer=None, text_cleaner="multilingual_cleaners", add_blank=True,
        characters=CharactersConfig(
            characters_class="TTS.tts.utils.text.characters.Graphemes", pad="_", eos="",
            bos="", blank="~", characters=GERMAN_LETTERS, punctuations="!'(),-.:;? ",
            phonemes=None,
        ),
        test_sentences=[],
    )  # fmt: skip
    model = Vits(config)
    model.eval()
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, out_dir / "model.pth")
    config.save_json(str(out_dir / "config.json"))
    return out_dir / "model.pth"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_coqui()
    return build_tiny_vits(tmp_path_factory.mktemp("coqui") / "tiny-vits")


async def test_speaks_16khz_slin16_and_shares_the_model(tiny_model: Path) -> None:
    tts = CoquiTts(models={"de": str(tiny_model)})
    pcm = await tts.synthesize(TEXT, "de-DE")
    assert len(pcm) % 2 == 0 and duration_s(pcm) > 0.5 and rms(pcm) > 100
    other = CoquiTts(models={"de": str(tiny_model)})
    again = await asyncio.gather(*(other.synthesize(TEXT, "de") for _ in range(3)))
    assert all(duration_s(p) > 0.5 for p in again)
    with pytest.raises(TtsError, match="coqui_models"):
        await tts.synthesize("Hello.", "en")


async def test_the_speaking_rate_changes_the_length(tiny_model: Path) -> None:
    normal = await CoquiTts(models={"de": str(tiny_model)}).synthesize(TEXT, "de")
    slow = await CoquiTts(models={"de": str(tiny_model)}, rate=0.5).synthesize(TEXT, "de")
    assert duration_s(slow) > 1.3 * duration_s(normal)


async def test_a_model_directory_loads(tiny_model: Path) -> None:
    pcm = await CoquiTts(models={"de": str(tiny_model.parent)}).synthesize(TEXT, "de")
    assert duration_s(pcm) > 0.5


async def test_a_broken_model_is_a_tts_error(tmp_path: Path) -> None:
    _require_coqui()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.pth").write_bytes(b"not a checkpoint")
    (bad / "config.json").write_text("{}")
    with pytest.raises(TtsError):
        await CoquiTts(models={"de": str(bad / "model.pth")}).synthesize(TEXT, "de")


async def test_the_callers_words_stay_out_of_the_log(
    tiny_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await CoquiTts(models={"de": str(tiny_model)}).synthesize("Frau Çelik, Hauptstraße 5", "de")
    leaked: list[Any] = [r for r in caplog.records if "Hauptstraße" in r.getMessage()]
    assert leaked == []
