"""Build step: put the top-level data files into the built ``agent`` package.

The NLU training data (``models/nlu``) and the speech model manifest
(``models/manifest.yaml``) stay at the repository's top level, outside ``agent/``.
``pyproject.toml`` names :class:`BuildPy` as setuptools' ``build_py`` command
(``[tool.setuptools.cmdclass]``): after the usual build it copies them to
``agent/_data/models/...``, so a wheel (``pip install .``, the Docker image) carries
them. At run time :mod:`agent.resources` finds them there, or at the top level of a
source checkout (editable installs too: nothing is copied for those).
"""

from __future__ import annotations

from pathlib import Path

from setuptools.command.build_py import build_py as _build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
#: What is shipped, relative to the top level (and to ``agent/_data`` in the wheel).
DATA = ("models/manifest.yaml", "models/nlu/*.yml", "models/nlu/*/*.yml")
#: Files that must be among them, or the build fails (a source tree without its data).
REQUIRED = ("models/manifest.yaml", "models/nlu/de/nlu.yml", "models/nlu/en/nlu.yml")
PACKAGED = ("agent", "_data")  # agent.resources.PACKAGED_DIR


def data_files() -> list[str]:
    """The shipped files, relative to the top level (POSIX paths)."""
    found = sorted({p.relative_to(ROOT).as_posix() for pat in DATA for p in ROOT.glob(pat)})
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise SetupError(f"rufbereit build: data files missing under {ROOT}: {missing}")
    return found


class BuildPy(_build_py):
    """setuptools' ``build_py``, then the top-level data files into ``agent/_data``."""

    def _data_targets(self) -> list[tuple[Path, Path]]:
        if getattr(self, "editable_mode", False):
            return []  # an editable install reads the checkout's files
        target = Path(self.build_lib, *PACKAGED)
        return [(ROOT / name, target / name) for name in data_files()]

    def run(self) -> None:
        super().run()
        for src, dst in self._data_targets():
            self.mkpath(str(dst.parent))
            self.copy_file(str(src), str(dst), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs: list[str] = super().get_outputs(include_bytecode)
        return outputs + [str(dst) for _, dst in self._data_targets()]
