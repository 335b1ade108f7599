"""`pip install .` ships the NLU training data and the speech model manifest.

The wheel is built from exactly the files docker/Dockerfile copies into the image
(so the image's ``pip install .`` is covered too) and installed with ``--no-deps``
into a clean venv, without system site-packages, so the checkout cannot be seen.
Only the distributions the checked modules import are added, pinned to the versions
of this environment. The installed package is then asked, from a directory outside
the checkout, where its data is.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.understanding.training_data import load_training_data

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "Dockerfile"
#: What the installed package must carry, relative to the top level of the checkout.
DATA = [
    "models/manifest.yaml",
    "models/nlu/config.yml",
    "models/nlu/domain.yml",
    "models/nlu/de/nlu.yml",
    "models/nlu/de/test.yml",
    "models/nlu/en/nlu.yml",
    "models/nlu/en/test.yml",
]
#: The modules the checks import (their third-party imports are installed, nothing else).
CHECKED_MODULES = ["agent.understanding.backends", "agent.speech.models"]
TIMEOUT_S = 100

# Which distributions importing the modules brings in, with this environment's versions.
_NEEDED = """
import importlib, importlib.metadata as md, json, sys
before = set(sys.modules)
for name in sys.argv[1:]:
    importlib.import_module(name)
top = {m.split(".")[0] for m in set(sys.modules) - before}
found = md.packages_distributions()
dists = sorted({d for t in top for d in found.get(t, ())} - {"rufbereit"})
print(json.dumps([f"{d}=={md.version(d)}" for d in dists]))
"""

# Run by the venv's python in a directory outside the checkout.
_PROBE = """
import json, sys
from importlib import resources
import agent
from agent.resources import data_path
from agent.understanding.backends import default_data_dir
import agent.speech.models as speech_models

data = resources.files("agent").joinpath("_data")
names = json.loads(sys.argv[1])
nlu = default_data_dir({})
print(json.dumps({
    "agent": agent.__file__,
    "packaged": {n: str(data.joinpath(n)) for n in names if data.joinpath(n).is_file()},
    "data_path": {n: str(data_path(n)) for n in ("models/nlu", "models/manifest.yaml")},
    "nlu_dir": str(nlu),
    "nlu_languages": sorted(p.parent.name for p in nlu.glob("*/nlu.yml")),
    "manifest_path": str(speech_models.MANIFEST_PATH),
}))
"""


def copy_docker_context(dest: Path) -> None:
    """Copy what the Dockerfile's ``COPY`` lines copy into its WORKDIR, to ``dest``
    (Docker's rules: a directory's contents go to the target; several sources, or a
    target ending in ``/``, mean a folder)."""
    lines = [ln.split() for ln in DOCKERFILE.read_text().splitlines() if ln.startswith("COPY ")]
    assert lines, f"no COPY in {DOCKERFILE}"
    for _, *sources, target in lines:
        assert not any(s.startswith("--") for s in sources), "COPY flags are not understood here"
        into = dest / target
        for name in sources:
            src = REPO / name
            assert src.exists(), f"{DOCKERFILE.name} copies {name}, which does not exist"
            if src.is_dir():
                shutil.copytree(src, into, dirs_exist_ok=True, ignore=_ignore)
            elif target.endswith("/") or len(sources) > 1:
                into.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, into / src.name)
            else:
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, into)


def _ignore(_dir: str, names: list[str]) -> list[str]:
    return [n for n in names if n in ("__pycache__", "build") or n.endswith(".egg-info")]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(argv: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{shlex.join(argv)} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}"
        f"\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the wheel, install it into a clean venv, run the probe there: its answers."""
    base = tmp_path_factory.mktemp("wheel")
    context, dist, venv, elsewhere = (base / n for n in ("context", "dist", "venv", "cwd"))
    elsewhere.mkdir()
    copy_docker_context(context)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(context)],
         cwd=base)  # fmt: skip
    [wheel] = dist.glob("rufbereit-*.whl")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=base)
    python = str(venv / "bin" / "python")
    needed = json.loads(_run([sys.executable, "-c", _NEEDED, *CHECKED_MODULES], cwd=REPO))
    _run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel), *needed], cwd=elsewhere)
    facts: dict[str, Any] = json.loads(
        _run([python, "-c", _PROBE, json.dumps(DATA)], cwd=elsewhere)
    )
    facts["venv"] = str(venv)
    return facts


def test_the_wheel_carries_the_training_data_and_the_manifest(installed: dict[str, Any]) -> None:
    package = Path(installed["agent"]).parent
    assert package.is_relative_to(installed["venv"]), "the probe imported the checkout"
    assert sorted(installed["packaged"]) == sorted(DATA), "files missing from the installed package"
    for name, path in installed["packaged"].items():
        assert Path(path).is_relative_to(package)
        assert Path(path).read_bytes() == (REPO / name).read_bytes(), f"{name} differs"
    assert installed["data_path"] == {
        "models/nlu": str(package / "_data" / "models" / "nlu"),
        "models/manifest.yaml": str(package / "_data" / "models" / "manifest.yaml"),
    }


def test_the_installed_nlu_finds_its_german_training_data(installed: dict[str, Any]) -> None:
    nlu = Path(installed["nlu_dir"])
    assert nlu == Path(installed["agent"]).parent / "_data" / "models" / "nlu"
    assert installed["nlu_languages"] == ["de", "en"]
    german = load_training_data(nlu / "de" / "nlu.yml")
    assert german.intents == load_training_data(REPO / "models/nlu/de/nlu.yml").intents
    assert len(german.intents) > 10


def test_the_installed_model_manifest_is_the_packaged_one(installed: dict[str, Any]) -> None:
    """``rufbereit models pull`` reads agent.speech.models.MANIFEST_PATH."""
    assert installed["manifest_path"] == installed["data_path"]["models/manifest.yaml"], (
        "MANIFEST_PATH must come from agent.resources.data_path('models/manifest.yaml')"
    )
    assert Path(installed["manifest_path"]).is_file()
