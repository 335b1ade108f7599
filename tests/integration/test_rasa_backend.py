"""RasaNlu against the real Rasa 3.6 server of the lab (lab/rasa.sh), German model.

The session fixture builds the venv if needed, trains from models/nlu (skipped when the
data is unchanged) and starts the server; it FAILS with the reason when any step fails.
The held-out set (models/nlu/de/test.yml) measures intent accuracy (with
agent.understanding.evaluate, as for the embedded backend); parse latency of both backends,
measured side by side, goes to bench/nlu_rasa.json (never asserted: the CPU is shared).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import signal
import statistics
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from agent.understanding.embedded import EmbeddedNlu
from agent.understanding.entities import extract_entities
from agent.understanding.evaluate import evaluate_backend, format_evaluation
from agent.understanding.nlu import NluError
from agent.understanding.rasa_backend import RasaNlu
from agent.understanding.training_data import load_training_data

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(3600)]

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "lab" / "rasa.sh"
TEST_SET = REPO / "models" / "nlu" / "de" / "test.yml"
BENCH = REPO / "bench" / "nlu_rasa.json"
LAB_DIR = Path(os.environ.get("RUFBEREIT_LAB_DIR", "/var/tmp/rufbereit-lab"))
URL = "http://127.0.0.1:5005"
BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN)
MIN_ACCURACY = 0.85
MIN_PARSES = 200  # for the latency percentiles


@dataclass
class RasaServer:
    url: str
    token: str
    stages: dict[str, float] = field(default_factory=dict)  # seconds, from lab/rasa.sh
    skipped: dict[str, bool] = field(default_factory=dict)  # stage already done before


def run_script(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["bash", str(SCRIPT), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"lab/rasa.sh {' '.join(args)} did not finish within {timeout:.0f} s")


def stage(server: RasaServer, name: str, *args: str, timeout: float) -> str:
    proc = run_script(*args, timeout=timeout)
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        pytest.fail(f"lab/rasa.sh {' '.join(args)} failed (exit {proc.returncode}):\n{out[-4000:]}")
    seconds = re.search(r"(?:done|ready|trained) in ([\d.]+) s|\(([\d.]+) s\)", out)
    if seconds:
        server.stages[name] = float(seconds.group(1) or seconds.group(2))
    server.skipped[name] = bool(re.search(r"already|exists, skipped", out))
    return out


def server_answers(token: str) -> bool:
    try:
        r = httpx.get(f"{URL}/status", params={"token": token}, timeout=3, trust_env=False)
    except httpx.HTTPError:
        return False
    return r.status_code == 200


@pytest.fixture(scope="session")
def rasa_de() -> RasaServer:
    """The lab Rasa server with the German model: built, trained and up (or a failure)."""
    if not SCRIPT.is_file():
        pytest.fail(f"{SCRIPT} is missing")
    server = RasaServer(url=URL, token="")
    stage(server, "build", "build", timeout=1800)
    stage(server, "train", "train", "de", timeout=1800)
    stage(server, "startup", "up", "de", timeout=600)
    server.token = run_script("token", timeout=30).stdout.strip()
    if not server.token or not server_answers(server.token):
        pytest.fail(f"lab/rasa.sh up de succeeded but {URL}/status does not answer")
    return server


@pytest.fixture
def rasa(rasa_de: RasaServer) -> RasaServer:
    """The server, brought up again if a test (or someone) took it down."""
    if not server_answers(rasa_de.token):
        stage(rasa_de, "restart", "up", "de", timeout=600)
    return rasa_de


@pytest.fixture
async def nlu(rasa: RasaServer) -> AsyncIterator[RasaNlu]:
    backend = RasaNlu(rasa.url, rasa.token, timeout_s=5.0)
    yield backend
    await backend.aclose()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100 (as agent.understanding.evaluate)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def latency(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 2),
        "p99": round(percentile(values, 99), 2),
        "mean": round(statistics.fmean(values), 2),
        "max": round(max(values), 2),
        "n": len(values),
    }


def rss_mb() -> int | None:
    out = run_script("status", "de", timeout=30).stdout
    m = re.search(r"RSS (\d+) MB", out)
    return int(m.group(1)) if m else None


async def test_held_out_accuracy_and_latency(
    nlu: RasaNlu, rasa: RasaServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    examples = load_training_data(TEST_SET).examples
    assert len(examples) >= 100, f"only {len(examples)} held-out examples in {TEST_SET}"
    rounds = -(-MIN_PARSES // len(examples))  # the set is parsed this often for the latency
    # The embedded backend on the same data, same machine, same moment: for comparison.
    embedded = EmbeddedNlu(
        REPO / "models" / "nlu", cache_dir=tmp_path_factory.mktemp("nlu"), watch_interval_s=None
    )
    started = time.perf_counter()
    await embedded.prepare("de")
    embedded_train_s = time.perf_counter() - started
    for _ in range(5):  # warm-up
        await nlu.parse("ich hätte gern einen termin", language="de", now=WEDNESDAY)

    ev = await evaluate_backend(nlu, examples, language="de", now=WEDNESDAY)
    ev_embedded = await evaluate_backend(embedded, examples, language="de", now=WEDNESDAY)

    ms: dict[str, list[float]] = {"rasa": [], "rasa_http_only": [], "embedded": [], "rules": []}
    first: dict[str, str] = {}
    async with httpx.AsyncClient(trust_env=False, timeout=5) as raw:
        for _ in range(rounds):
            for example in examples:
                text = example.text
                t0 = time.perf_counter()
                parse = await nlu.parse(text, language="de", now=WEDNESDAY)
                t1 = time.perf_counter()
                r = await raw.post(
                    f"{rasa.url}/model/parse", params={"token": rasa.token}, json={"text": text}
                )
                t2 = time.perf_counter()
                await embedded.parse(text, language="de", now=WEDNESDAY)
                t3 = time.perf_counter()
                extract_entities(text, "de", WEDNESDAY)
                t4 = time.perf_counter()
                assert r.status_code == 200
                for key, a, b in (
                    ("rasa", t0, t1),
                    ("rasa_http_only", t1, t2),
                    ("embedded", t2, t3),
                    ("rules", t3, t4),
                ):
                    ms[key].append((b - a) * 1000)
                # the same model answers the same text the same way
                assert first.setdefault(text, parse.intent.name) == parse.intent.name, text
    await embedded.aclose()

    # rasa: RasaNlu.parse = HTTP round trip + entity rules + merge
    lat = {key: latency(values) for key, values in ms.items()}
    report = {
        "backend": "rasa",
        "rasa": "3.6.21",
        "pipeline": "models/nlu/config.yml (LogisticRegressionClassifier + CRFEntityExtractor)",
        "test_set": str(TEST_SET.relative_to(REPO)),
        "n_test_examples": len(examples),
        "intent_accuracy": round(ev.accuracy, 4),
        "latency_ms": lat,
        "stages_s": rasa.stages,
        "stages_skipped": rasa.skipped,
        "server_rss_mb": rss_mb(),
        "evaluation": ev.to_json(),
        "embedded_for_comparison": {
            "intent_accuracy": round(ev_embedded.accuracy, 4),
            "train_or_load_s": round(embedded_train_s, 2),
            "macro_f1": round(ev_embedded.macro_f1, 4),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "measured_at": datetime.now(BERLIN).isoformat(timespec="seconds"),
    }
    BENCH.parent.mkdir(exist_ok=True)
    BENCH.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nheld-out intent accuracy: rasa {ev.accuracy:.3f} ({ev.correct}/{ev.n}), "
        f"embedded {ev_embedded.accuracy:.3f}; parse p50/p99 ms: "
        + ", ".join(f"{k} {v['p50']}/{v['p99']}" for k, v in lat.items())
        + f"; bench: {BENCH}"
    )
    assert ev.accuracy >= MIN_ACCURACY, "\n" + format_evaluation(ev)


async def test_time_is_resolved_and_intent_from_rasa(nlu: RasaNlu) -> None:
    text = "können sie am freitag um halb drei vorbeikommen"
    parse = await nlu.parse(text, language="de", now=WEDNESDAY)
    assert parse.backend == "rasa"
    assert parse.intent.name == "book_appointment", parse.intent_ranking
    assert 0 < parse.intent.confidence <= 1
    assert parse.intent_ranking[0] == parse.intent
    time_entity = parse.entity("time")
    assert time_entity is not None, parse.entities
    assert time_entity.value == "2026-11-20T14:30:00+01:00"  # the business is open at 14:30
    assert time_entity.text == "freitag um halb drei"
    assert [e.entity for e in parse.entities].count("time") == 1  # Rasa's raw span dropped


async def test_phone_number_digits(nlu: RasaNlu) -> None:
    text = "rufen sie mich bitte zurück unter null acht neun zweiundvierzig dreiundzwanzig siebzehn"
    parse = await nlu.parse(text, language="de", now=WEDNESDAY)
    assert parse.intent.name == "callback_request", parse.intent_ranking
    phone = parse.entity("phone_number")
    assert phone is not None, parse.entities
    assert phone.value == "089422317"
    assert text[phone.start : phone.end] == phone.text


async def test_order_gets_crf_product_and_rule_quantity(nlu: RasaNlu) -> None:
    text = "ich hätte gern zwanzig säcke zement"
    parse = await nlu.parse(text, language="de", now=WEDNESDAY)
    assert parse.intent.name == "place_order", parse.intent_ranking
    kinds = {e.entity: e for e in parse.entities}
    assert kinds["quantity"].value == "20 sack"
    assert kinds["quantity"].extractor == "rufbereit.quantity"
    assert kinds["product"].text == "zement"
    assert kinds["product"].extractor == "CRFEntityExtractor"


async def test_wrong_token_is_an_nlu_error(rasa: RasaServer) -> None:
    async with RasaNlu(rasa.url, "not-the-token") as wrong:
        with pytest.raises(NluError, match="token"):
            await wrong.parse("ja", language="de", now=WEDNESDAY)
    async with RasaNlu(rasa.url) as none:
        with pytest.raises(NluError, match="token"):
            await none.parse("ja", language="de", now=WEDNESDAY)


async def test_hung_server_is_an_nlu_error_at_the_timeout(rasa: RasaServer) -> None:
    pid = int((LAB_DIR / "rasa" / "server-de.pid").read_text())
    async with RasaNlu(rasa.url, rasa.token, timeout_s=1.0) as backend:
        await backend.parse("ja", language="de", now=WEDNESDAY)
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(NluError, match="within 1 s"):
                await backend.parse("ja", language="de", now=WEDNESDAY)
            assert time.monotonic() - started < 1.0 + 0.5
        finally:
            os.kill(pid, signal.SIGCONT)
        # the same backend works again once the server answers
        assert (await backend.parse("ja gerne", language="de", now=WEDNESDAY)).intent.name


async def test_stopped_server_is_an_nlu_error_quickly(rasa: RasaServer) -> None:
    """Last in this file: it stops the server, then brings it up again (a warm start)."""
    async with RasaNlu(rasa.url, rasa.token, timeout_s=2.0) as backend:
        await backend.parse("ja", language="de", now=WEDNESDAY)
        stage(rasa, "down", "down", "de", timeout=120)
        try:
            started = time.monotonic()
            with pytest.raises(NluError, match="not reachable"):
                await backend.parse("ja", language="de", now=WEDNESDAY)
            assert time.monotonic() - started < 2.0 + 0.5
        finally:
            out = stage(rasa, "restart", "up", "de", timeout=600)
        assert "ready in" in out
        parse = await backend.parse("ja das passt", language="de", now=WEDNESDAY)
        assert parse.intent.name == "affirm", parse.intent_ranking
