"""agent.resources in a source checkout: the top-level data files (the wheel: tests/packaging)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.resources import CHECKOUT_ROOT, data_path
from agent.understanding.backends import default_data_dir

REPO = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_the_top_level_files() -> None:
    assert CHECKOUT_ROOT == REPO
    assert data_path("models/nlu") == REPO / "models" / "nlu"
    assert data_path("models/manifest.yaml").is_file()
    assert (data_path("models/nlu") / "de" / "nlu.yml").is_file()
    assert default_data_dir({}) == REPO / "models" / "nlu"
    assert default_data_dir({"RUFBEREIT_NLU_DATA": "/srv/nlu"}) == Path("/srv/nlu")


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../secrets.yaml", "models/../../x"])
def test_only_paths_inside_the_data_are_asked_for(name: str) -> None:
    with pytest.raises(ValueError, match="not a relative path"):
        data_path(name)
