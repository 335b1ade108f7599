"""The embedded NLU backend: held-out accuracy, honest confidences, entities, cache, reload.

The full German and English models are trained at most once per test session
into pytest's cache folder (kept between runs; the cache key covers data and
code, so a change retrains); the other NLU test modules load them from there.
The cache and reload tests use small models trained from a few lines of YAML.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time as clock
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.sparse import hstack

from agent.understanding.embedded import (
    NO_INTENT,
    EmbeddedNlu,
    cache_key,
    default_cache_dir,
    model_text,
    normalize_text,
)
from agent.understanding.entities import extract_entities
from agent.understanding.evaluate import evaluate_backend, format_evaluation
from agent.understanding.nlu import NluBackend, NluError
from agent.understanding.training_data import Example, load_training_data

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "models" / "nlu"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)


@pytest.fixture(scope="session")
def shared_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest's cache folder, kept between runs: the cache key (data + code) decides freshness."""
    cache = getattr(request.config, "cache", None)
    if cache is None:  # -p no:cacheprovider
        return tmp_path_factory.getbasetemp() / "nlu-cache"
    return Path(cache.mkdir("rufbereit-nlu-models"))


@pytest.fixture(scope="module")
def nlu(shared_cache: Path) -> EmbeddedNlu:
    backend = EmbeddedNlu(DATA, cache_dir=shared_cache, watch_interval_s=None)
    for lang in ("de", "en"):
        backend.train(lang)
    return backend


def held_out(lang: str) -> tuple[Example, ...]:
    path = DATA / lang / "test.yml"
    assert path.is_file(), f"held-out data {path} is missing (the data engineer's part)"
    return load_training_data(path).examples


# --- accuracy on the held-out split ----------------------------------------------------


async def test_german_held_out_accuracy_is_at_least_95_percent(nlu: EmbeddedNlu) -> None:
    ev = await evaluate_backend(nlu, held_out("de"), language="de", now=MONDAY)
    assert ev.n >= 150
    assert ev.accuracy >= 0.95, format_evaluation(ev)


async def test_english_held_out_accuracy_is_at_least_85_percent(nlu: EmbeddedNlu) -> None:
    """A lower bar for English, on purpose.

    English is the second language (callers who do not speak German), its
    training data is about a quarter of the German (~20 examples per intent
    instead of ~75) and its held-out set has ~70 examples, so one example is
    1.4 points and the 95 % interval of a measured 94 % is about 87-98 %.
    0.85 catches a broken pipeline or broken data without failing on noise.
    """
    ev = await evaluate_backend(nlu, held_out("en"), language="en", now=MONDAY)
    assert ev.n >= 50
    assert ev.accuracy >= 0.85, format_evaluation(ev)


async def test_confidences_are_honest(nlu: EmbeddedNlu) -> None:
    ev = await evaluate_backend(nlu, held_out("de"), language="de", now=MONDAY)
    assert ev.mean_confidence_correct is not None
    if ev.mean_confidence_wrong is not None:
        assert ev.mean_confidence_correct > ev.mean_confidence_wrong + 0.1
    # calibrated on out-of-fold scores: neither "always 1.0" nor flat
    assert 0.5 < ev.mean_confidence_correct < 0.99


def test_fast_features_equal_scikit_learns(nlu: EmbeddedNlu) -> None:
    model = nlu.model("de")
    assert model is not None
    texts = [model_text(e.text, extract_entities(e.text, "de", MONDAY)) for e in held_out("de")]
    reference = hstack([v.transform(texts) for v in model.vectorizers]).tocsr()
    for i, text in enumerate(texts):
        idx, val = model.features(text)
        row = reference[i]
        mine = dict(zip(idx.tolist(), val.tolist(), strict=True))
        theirs = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        assert mine.keys() == theirs.keys(), text
        assert np.allclose([mine[k] for k in theirs], list(theirs.values())), text


# --- one parse -------------------------------------------------------------------------


async def test_a_parse_has_rasas_shape_and_resolved_entities(nlu: EmbeddedNlu) -> None:
    backend: NluBackend = nlu  # the interface is all the dialogue sees
    p = await backend.parse("passt es bei ihnen morgen um halb neun", language="de", now=MONDAY)
    assert p.backend == "embedded"
    assert p.intent.name == "book_appointment"
    assert p.intent == p.intent_ranking[0]
    confidences = [s.confidence for s in p.intent_ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences) and len(confidences) == 10
    time_entity = p.entity("time")
    assert time_entity is not None
    assert (time_entity.text, time_entity.value) == (
        "morgen um halb neun",
        "2026-11-24T08:30:00+01:00",
    )
    rasa = p.to_rasa()
    assert set(rasa) == {"text", "intent", "intent_ranking", "entities"}
    assert rasa["entities"][0]["start"] == 19 and rasa["entities"][0]["end"] == 38


def test_probabilities_cover_every_intent_and_sum_to_one(nlu: EmbeddedNlu) -> None:
    model = nlu.model("de")
    assert model is not None
    p = model.probabilities(model_text("ich möchte einen termin absagen", []))
    assert p.shape == (len(model.classes),)
    assert p.sum() == pytest.approx(1.0)


async def test_english_parse_with_an_english_time(nlu: EmbeddedNlu) -> None:
    p = await nlu.parse("can i come in tomorrow at half past eight", language="en", now=MONDAY)
    assert p.intent.name == "book_appointment"
    e = p.entity("time")
    assert e is not None and e.value == "2026-11-24T08:30:00+01:00"


@pytest.mark.parametrize("text", ["", "   ", " ?! ", "..."])
async def test_nothing_to_classify(nlu: EmbeddedNlu, text: str) -> None:
    p = await nlu.parse(text, language="de", now=MONDAY)
    assert (p.intent.name, p.intent.confidence, p.intent_ranking) == (NO_INTENT, 0.0, ())


async def test_languages(nlu: EmbeddedNlu) -> None:
    assert nlu.languages == ("de", "en")
    p = await nlu.parse("termin bitte", language="de-DE", now=MONDAY)
    assert p.intent.name == "book_appointment"
    with pytest.raises(NluError, match="no NLU training data for language 'fr'"):
        await nlu.parse("un rendez-vous", language="fr", now=MONDAY)
    with pytest.raises(ValueError, match="'fr'"):
        nlu.train("fr")


async def test_parse_latency(nlu: EmbeddedNlu) -> None:
    texts = [e.text for e in held_out("de")]
    for t in texts[:20]:
        await nlu.parse(t, language="de", now=MONDAY)
    times = []
    for t in texts:
        start = clock.perf_counter()
        await nlu.parse(t, language="de", now=MONDAY)
        times.append((clock.perf_counter() - start) * 1000)
    # ~1 ms on an idle machine; generous bounds for a busy test runner
    assert statistics.median(times) < 10, statistics.median(times)


# --- text ------------------------------------------------------------------------------


def test_normalisation_is_what_vosk_prints() -> None:
    assert normalize_text("Grüß Gott, Herr Müller! Straße 27.11.?") == (
        "grüß gott herr müller straße 27 11"
    )
    assert normalize_text("Gru\u0308ß_Gott\tÄÖÜ") == "grüß gott äöü"  # NFD in, NFC out
    assert normalize_text("0171-2345678 / e-mail") == "0171 2345678 e mail"


def test_entities_become_placeholders() -> None:
    text = "Ich heiße Anna Schmidt, morgen um 8 Uhr?"
    assert model_text(text, extract_entities(text, "de", MONDAY)) == "ich heiße xxperson xxtime"


# --- small models: cache, retraining, reload -------------------------------------------

SMALL = """\
nlu:
- intent: greet
  examples: |
    - hallo
    - guten tag
    - grüß gott
    - servus
- intent: goodbye
  examples: |
    - tschüss
    - auf wiederhören
    - pfiat di
    - bis bald
- intent: book_appointment
  examples: |
    - ich hätte gern einen termin
    - termin bitte
    - wann haben sie einen termin frei
    - kann jemand [morgen](time) kommen
"""
PIZZA = """\
- intent: order_pizza
  examples: |
    - eine pizza bitte
    - ich möchte pizza bestellen
    - pizza margherita
"""


def small(tmp_path: Path, text: str = SMALL) -> Path:
    path = tmp_path / "data" / "nlu.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make(path: Path, cache: Path, **kw: object) -> EmbeddedNlu:
    return EmbeddedNlu({"de": path}, cache_dir=cache, **kw)  # type: ignore[arg-type]


def test_cache_miss_then_hit(tmp_path: Path) -> None:
    data, cache = small(tmp_path), tmp_path / "cache"
    first = make(data, cache).train("de")
    assert not first.cached and first.path is not None and first.path.is_file()
    assert first.path.parent == cache and (first.path.stat().st_mode & 0o777) == 0o600
    assert first.intents == ("book_appointment", "goodbye", "greet")
    second_nlu = make(data, cache)
    assert second_nlu.is_cached("de")
    second = second_nlu.train("de")
    assert second.cached and second.path == first.path
    assert second.data_hash == first.data_hash


def test_data_changes_retrain_comments_do_not(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    data = small(tmp_path)
    first = make(data, cache).train("de")
    small(tmp_path, "# edited by the admin\n" + SMALL)
    assert make(data, cache).train("de").cached
    small(tmp_path, SMALL + "    - ich bräuchte einen termin\n")
    changed = make(data, cache).train("de")
    assert not changed.cached and changed.path != first.path
    assert changed.examples == first.examples + 1
    assert first.path is not None and first.path.is_file()  # the last few are kept
    assert make(data, cache).train("de", force=True).cached is False


def test_the_key_covers_data_and_language() -> None:
    assert cache_key("a" * 64, "de") != cache_key("b" * 64, "de")
    assert cache_key("a" * 64, "de") != cache_key("a" * 64, "en")
    assert cache_key("a" * 64, "de") == cache_key("a" * 64, "de")


def test_a_corrupt_cache_file_is_retrained(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, cache = small(tmp_path), tmp_path / "cache"
    report = make(data, cache).train("de")
    assert report.path is not None
    report.path.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="agent.understanding.embedded"):
        again = make(data, cache).train("de")
    assert not again.cached and "unreadable" in caplog.text


async def test_an_unwritable_cache_keeps_the_model_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    nlu = make(small(tmp_path), blocker / "cache")
    with caplog.at_level(logging.WARNING, logger="agent.understanding.embedded"):
        report = nlu.train("de")
    assert report.path is None and "cannot write" in caplog.text
    p = await nlu.parse("hallo", language="de", now=MONDAY)
    assert p.intent.name == "greet"


def test_default_cache_dir() -> None:
    assert default_cache_dir({"RUFBEREIT_NLU_CACHE": "/x/y"}) == Path("/x/y")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/rufbereit/nlu")
    assert default_cache_dir({}) == Path.home() / ".cache" / "rufbereit" / "nlu"


async def test_training_on_first_use_does_not_block_the_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nlu = make(small(tmp_path), tmp_path / "cache")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    with caplog.at_level(logging.INFO, logger="agent.understanding.embedded"):
        parses = await asyncio.gather(
            *(nlu.parse("termin bitte", language="de", now=MONDAY) for _ in range(5))
        )
    task.cancel()
    assert {p.intent.name for p in parses} == {"book_appointment"}
    assert ticks > 0
    assert caplog.text.count("NLU model trained") == 1  # five first parses, one training


async def test_changed_data_is_picked_up_while_serving(tmp_path: Path) -> None:
    data = small(tmp_path)
    nlu = make(data, tmp_path / "cache", watch_interval_s=0.0)
    assert (await nlu.parse("pizza bestellen", language="de", now=MONDAY)).intent.name != (
        "order_pizza"
    )
    small(tmp_path, SMALL + PIZZA)
    await nlu.parse("hallo", language="de", now=MONDAY)  # notices, retrains in the background
    await asyncio.wait_for(nlu.aclose(), 30)
    p = await nlu.parse("ich möchte eine pizza bestellen", language="de", now=MONDAY)
    assert p.intent.name == "order_pizza"


async def test_broken_edits_keep_the_previous_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = small(tmp_path)
    nlu = make(data, tmp_path / "cache", watch_interval_s=0.0)
    await nlu.prepare()
    small(tmp_path, SMALL + "    kein strich\n")
    with caplog.at_level(logging.WARNING, logger="agent.understanding.embedded"):
        await nlu.parse("hallo", language="de", now=MONDAY)
        await asyncio.wait_for(nlu.aclose(), 30)
    assert "keeping the previous model" in caplog.text
    assert (await nlu.parse("servus", language="de", now=MONDAY)).intent.name == "greet"
    small(tmp_path, SMALL + PIZZA)
    await nlu.parse("hallo", language="de", now=MONDAY)
    await asyncio.wait_for(nlu.aclose(), 30)
    assert (await nlu.parse("pizza bitte", language="de", now=MONDAY)).intent.name == (
        "order_pizza"
    )


async def test_broken_data_at_start_is_an_nlu_error_naming_the_line(tmp_path: Path) -> None:
    data = small(tmp_path, SMALL.replace("    - servus", "    servus"))
    with pytest.raises(NluError, match=r"nlu\.yml:7: .*must start with '- '"):
        await make(data, tmp_path / "cache").parse("hallo", language="de", now=MONDAY)


async def test_degenerate_data(tmp_path: Path) -> None:
    one = small(tmp_path, "nlu:\n- intent: greet\n  examples: |\n    - hallo\n    - servus\n")
    with pytest.raises(NluError, match="at least two intents"):
        await make(one, tmp_path / "c1").parse("hallo", language="de", now=MONDAY)

    two = small(tmp_path, SMALL.split("- intent: book_appointment")[0])
    nlu = make(two, tmp_path / "c2")
    assert nlu.train("de").calibrated
    p = await nlu.parse("tschüss", language="de", now=MONDAY)
    assert p.intent.name == "goodbye" and len(p.intent_ranking) == 2
    assert sum(s.confidence for s in p.intent_ranking) == pytest.approx(1.0)

    single = small(tmp_path, SMALL + "- intent: thanks\n  examples: |\n    - danke\n")
    nlu = make(single, tmp_path / "c3")
    assert not nlu.train("de").calibrated  # one example cannot be calibrated: softmax
    p = await nlu.parse("danke", language="de", now=MONDAY)
    assert sum(s.confidence for s in p.intent_ranking) == pytest.approx(1.0)


async def test_business_hours_and_time_zone_reach_the_entities(tmp_path: Path) -> None:
    data = small(tmp_path)
    night_shift = make(
        data, tmp_path / "cache", business_hours=(time(0, 0), time(6, 0)), timezone="Europe/London"
    )
    p = await night_shift.parse("kann jemand morgen um halb drei kommen", language="de", now=MONDAY)
    e = p.entity("time")
    assert e is not None and e.value == "2026-11-24T02:30:00+00:00"
    day = make(data, tmp_path / "cache")
    p = await day.parse("kann jemand morgen um halb drei kommen", language="de", now=MONDAY)
    e = p.entity("time")
    assert e is not None and e.value == "2026-11-24T14:30:00+01:00"
