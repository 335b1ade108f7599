"""``rufbereit nlu parse|eval|train`` and the backend factory.

The commands run in-process through a parser built like ``agent/cli.py``'s
(``add_nlu_commands`` on its subparsers, ``func(settings, args)``), and through
the standalone ``main()`` of ``python -m agent.understanding.cli``. Models come from the cache
the embedded-NLU tests fill (pytest's cache folder, keyed by data and code).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.config import Settings, load_settings
from agent.understanding.backends import (
    BackendUnavailable,
    default_data_dir,
    make_backend,
    nlu_options,
)
from agent.understanding.cli import add_nlu_commands, main
from agent.understanding.embedded import EmbeddedNlu

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "models" / "nlu"
NOW = "2026-11-23T10:00"  # a Monday, Berlin time


@pytest.fixture(scope="session")
def shared_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.getbasetemp() / "nlu-cache"
    return Path(cache.mkdir("rufbereit-nlu-models"))


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(env={})  # the bundled example profile: German, Europe/Berlin


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    monkeypatch.setenv("RUFBEREIT_NLU_CACHE", str(shared_cache))
    monkeypatch.delenv("RUFBEREIT_NLU_DATA", raising=False)
    monkeypatch.delenv("RUFBEREIT_NLU_BACKEND", raising=False)


def rufbereit(
    settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="rufbereit")
    add_nlu_commands(parser.add_subparsers(metavar="COMMAND"))
    args = parser.parse_args(list(argv))
    status: int = args.func(settings, args)
    out, err = capsys.readouterr()
    return status, out, err


# --- parse -----------------------------------------------------------------------------


def test_parse_json_is_rasas_parse_format(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = rufbereit(
        settings, capsys, "nlu", "parse", "--json", "--now", NOW, "passt es morgen um halb neun"
    )
    assert status == 0
    data: dict[str, Any] = json.loads(out)
    assert set(data) == {"text", "intent", "intent_ranking", "entities"}
    assert data["text"] == "passt es morgen um halb neun"
    assert set(data["intent"]) == {"name", "confidence"}
    assert data["intent"]["name"] == "book_appointment"
    assert 0 < data["intent"]["confidence"] <= 1
    assert data["intent_ranking"][0] == data["intent"]
    assert all(set(r) == {"name", "confidence"} for r in data["intent_ranking"])
    (entity,) = data["entities"]
    assert {"entity", "value", "start", "end"} <= set(entity)
    assert (entity["entity"], entity["value"]) == ("time", "2026-11-24T08:30:00+01:00")
    assert data["text"][entity["start"] : entity["end"]] == "morgen um halb neun"


def test_parse_for_people(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = rufbereit(
        settings,
        capsys,
        "nlu",
        "parse",
        "--now",
        NOW,
        "meine",
        "nummer",
        "ist",
        "null eins sieben eins zwei drei vier fünf sechs sieben",
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("intent    inform (")
    assert lines[1].startswith("then      ")
    assert "entity    phone_number: 'null eins sieben" in out and "= 0171234567" in out


def test_parse_lines_from_stdin(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("termin bitte\n\nauf wiederhören\n"))
    status, out, _ = rufbereit(settings, capsys, "nlu", "parse", "--json", "-")
    assert status == 0
    parses = [json.loads(line) for line in out.splitlines()]
    assert [p["intent"]["name"] for p in parses] == ["book_appointment", "goodbye"]


def test_now_and_language(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    # an offset is honoured; the value is in the business time zone
    _, out, _ = rufbereit(
        settings, capsys, "nlu", "parse", "--json", "--now", "2026-11-23T23:30:00+00:00", "morgen"
    )
    assert json.loads(out)["entities"][0]["value"] == "2026-11-25T00:00:00+01:00"
    _, out, _ = rufbereit(
        settings, capsys, "nlu", "parse", "--json", "--lang", "en", "--now", NOW, "tomorrow please"
    )
    assert json.loads(out)["entities"][0]["value"].startswith("2026-11-24T")
    with pytest.raises(SystemExit) as exit_:
        rufbereit(settings, capsys, "nlu", "parse", "--now", "next tuesday", "termin")
    assert exit_.value.code == 2
    assert "is not an ISO 8601 time" in capsys.readouterr().err


def test_parse_without_a_subcommand_prints_help(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = rufbereit(settings, capsys, "nlu")
    assert status == 2 and "parse" in err and "eval" in err and "train" in err


# --- eval ------------------------------------------------------------------------------


def test_eval_json(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = rufbereit(
        settings, capsys, "nlu", "eval", "--json", str(DATA / "de" / "test.yml")
    )
    assert status == 0
    data = json.loads(out)
    assert isinstance(data["accuracy"], float) and isinstance(data["n"], int)
    assert data["accuracy"] >= 0.95 and data["n"] >= 150
    assert data["language"] == "de"
    assert set(data["per_intent"]["book_appointment"]) == {"precision", "recall", "f1", "support"}
    assert sum(m["support"] for m in data["per_intent"].values()) == data["n"]


def test_eval_takes_the_language_from_the_folder(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = rufbereit(settings, capsys, "nlu", "eval", str(DATA / "en" / "test.yml"))
    assert status == 0
    assert out.startswith(f"{DATA / 'en' / 'test.yml'} (en, embedded):\naccuracy ")
    assert "precision" in out and "recall" in out


def test_eval_min_accuracy(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    small = tmp_path / "de" / "checks.yml"
    small.parent.mkdir()
    small.write_text(
        "nlu:\n- intent: goodbye\n  examples: |\n    - termin bitte\n", encoding="utf-8"
    )
    status, out, err = rufbereit(
        settings, capsys, "nlu", "eval", str(small), "--min-accuracy", "0.5"
    )
    assert status == 1
    assert "accuracy 0.0% (0/1)" in out and "below --min-accuracy 50.0%" in err


def test_eval_of_malformed_data_names_the_line(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu:\n- intent: a\n  examples: |\n    - [x](time\n", encoding="utf-8")
    status, _, err = rufbereit(settings, capsys, "nlu", "eval", str(bad))
    assert status == 2
    assert err.startswith(f"rufbereit nlu: {bad}:4: broken entity annotation")


# --- train -----------------------------------------------------------------------------

SMALL = """\
nlu:
- intent: greet
  examples: |
    - hallo
    - guten tag
    - servus
- intent: goodbye
  examples: |
    - tschüss
    - auf wiederhören
    - bis bald
"""


def test_train_shows_progress_and_uses_the_cache(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for lang in ("de", "en"):
        (tmp_path / "data" / lang).mkdir(parents=True)
        (tmp_path / "data" / lang / "nlu.yml").write_text(SMALL, encoding="utf-8")
    common = ["--data", str(tmp_path / "data"), "--cache-dir", str(tmp_path / "cache")]

    status, out, err = rufbereit(settings, capsys, "nlu", "train", *common)
    assert status == 0
    assert out.startswith("de: trained in ") and "6 examples, 2 intents" in out
    stages = [line.split("] ", 1)[1] for line in err.splitlines() if line.startswith("[")]
    assert stages[0].startswith("de: reading ")
    assert any("fitting the classifier" in s for s in stages)
    assert stages[-1] == "de: done"

    status, out, _ = rufbereit(settings, capsys, "nlu", "train", *common, "--all")
    assert status == 0
    assert out.splitlines()[0].startswith("de: up to date (cached)")
    assert out.splitlines()[1].startswith("en: trained in ")

    status, out, _ = rufbereit(settings, capsys, "nlu", "train", *common, "--force")
    assert out.startswith("de: trained in ")


def test_train_reports_conflicts_and_broken_data(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "nlu.yml"
    data.write_text(SMALL + "    - Hallo!\n", encoding="utf-8")
    common = ["--data", str(data), "--cache-dir", str(tmp_path / "cache")]
    status, _, err = rufbereit(settings, capsys, "nlu", "train", *common)
    assert status == 0
    assert "warning: 'hallo' is labelled goodbye and greet" in err

    data.write_text(SMALL + "    Hallo!\n", encoding="utf-8")
    status, _, err = rufbereit(settings, capsys, "nlu", "train", *common)
    assert status == 2
    assert f"{data}:12: intent 'goodbye': example 'Hallo!' must start with '- '" in err


def test_train_is_for_the_embedded_backend(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = rufbereit(settings, capsys, "nlu", "train", "--backend", "rasa")
    assert status == 2 and "rasa train nlu" in err


# --- backends --------------------------------------------------------------------------


def test_the_rasa_backend_plugs_in(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUFBEREIT_RASA_URL", "http://127.0.0.1:9")  # nothing listens there
    status, out, err = rufbereit(settings, capsys, "nlu", "parse", "--backend", "rasa", "hallo")
    assert status == 1 and out == ""
    assert err.startswith("rufbereit nlu: ")


def test_factory(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = make_backend("embedded", settings)
    assert isinstance(backend, EmbeddedNlu) and backend.languages == ("de", "en")
    with pytest.raises(BackendUnavailable, match="unknown NLU backend 'spacy'"):
        make_backend("spacy", settings)
    monkeypatch.setitem(sys.modules, "agent.understanding.rasa_backend", None)
    with pytest.raises(BackendUnavailable, match=r"rasa_backend\.py is missing"):
        make_backend("rasa", settings)


def test_options_from_the_environment(settings: Settings) -> None:
    opts = nlu_options(
        settings,
        {
            "RUFBEREIT_NLU_BACKEND": "rasa",
            "RUFBEREIT_NLU_DATA": "/srv/nlu",
            "RUFBEREIT_NLU_CACHE": "/var/cache/nlu",
            "RUFBEREIT_RASA_URL": "http://10.0.0.5:5005",
            "RUFBEREIT_RASA_TOKEN": "s3cret",
        },
    )
    assert (opts.backend, opts.data_dir, opts.cache_dir) == (
        "rasa",
        Path("/srv/nlu"),
        Path("/var/cache/nlu"),
    )
    assert (opts.rasa_url, opts.rasa_token, opts.rasa_timeout_s) == (
        "http://10.0.0.5:5005",
        "s3cret",
        2.0,
    )
    defaults = nlu_options(settings, {})
    assert (defaults.backend, defaults.data_dir, defaults.cache_dir) == ("embedded", DATA, None)
    assert default_data_dir({}) == DATA


# --- the standalone entry point --------------------------------------------------------


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """main() sets up logging like the real CLI; put the test runner's back afterwards."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    names = ["", "httpx", "httpcore", "websockets", "psycopg.pool"]
    names += [
        n for n, v in logging.root.manager.loggerDict.items() if isinstance(v, logging.Logger)
    ]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, keep_logging: None
) -> None:
    monkeypatch.setenv("RUFBEREIT_LOG_LEVEL", "ERROR")
    monkeypatch.delenv("RUFBEREIT_PROFILE", raising=False)
    argv = ["nlu", "parse", "--json", "--now", NOW, "ich brauche einen termin morgen um halb neun"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["intent"]["name"] == "book_appointment"
    assert data["entities"][0]["value"] == "2026-11-24T08:30:00+01:00"
    assert main([]) == 2
    assert main(["--profile", "/nonexistent.yaml", "nlu", "parse", "x"]) == 2
    assert "cannot read the business profile" in capsys.readouterr().err
