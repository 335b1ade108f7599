"""One rule for where rufbereit keeps what it builds: the NLU model, the unpacked speech
models and the knowledge index."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.knowledge.index import default_cache_dir as knowledge_cache
from agent.resources import cache_dir
from agent.speech.packaged_whisper import default_cache_dir as model_cache
from agent.understanding.model_cache import default_cache_dir as nlu_cache


def test_each_cache_has_its_override_then_xdg_then_home() -> None:
    env = {"XDG_CACHE_HOME": "/x"}
    assert nlu_cache(env) == Path("/x/rufbereit/nlu")
    assert model_cache(env) == Path("/x/rufbereit/models")
    assert knowledge_cache(env) == Path("/x/rufbereit/knowledge")
    assert knowledge_cache({**env, "RUFBEREIT_KNOWLEDGE_CACHE": "/k"}) == Path("/k")
    assert nlu_cache({"RUFBEREIT_NLU_CACHE": "/n"}) == Path("/n")
    assert cache_dir("nlu", "UNSET", {}) == Path.home() / ".cache" / "rufbereit" / "nlu"


def test_a_service_user_without_a_home_gets_the_temp_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_home() -> Path:
        raise RuntimeError("no home directory")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_dir("knowledge", "UNSET", {}).parts[-2:] == ("rufbereit", "knowledge")
    assert "tmp" in str(cache_dir("knowledge", "UNSET", {}))
