"""``rufbereit nlu parse|eval|train``: the command line for admins tuning their NLU data.

:func:`add_nlu_commands` adds the commands to the ``rufbereit`` parser; each
command is called as ``func(settings, args)`` and returns the exit status.
For testing it also runs on its own::

    python -m agent.understanding.cli nlu parse --json "passt es morgen um halb neun"
    python -m agent.understanding.cli nlu eval models/nlu/de/test.yml
    python -m agent.understanding.cli nlu train --lang all

Exit status: 0 fine, 1 the backend failed (or ``--min-accuracy`` not reached),
2 usage, configuration or training data error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.config import ConfigError, Settings, load_settings
from agent.understanding.backends import BACKENDS, BackendUnavailable, make_backend, nlu_options
from agent.understanding.nlu import NluBackend, NluError, Parse
from agent.understanding.training_data import TrainingDataError, load_training_data

__all__ = ["add_nlu_commands", "main"]

Command = Callable[[Settings, argparse.Namespace], int]
LANGUAGES = ("de", "en")


def add_nlu_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``nlu parse|eval|train`` to the ``rufbereit`` command line."""
    nlu = subparsers.add_parser(
        "nlu",
        help="intent recognition: parse a sentence, evaluate test data, train the model",
        description="Intent recognition (NLU) for admins tuning their training data.",
    )
    nlu.set_defaults(func=_usage(nlu))
    sub = nlu.add_subparsers(metavar="NLU_COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang", choices=LANGUAGES, help="language (default: the business profile's)"
    )
    common.add_argument(
        "--backend",
        choices=BACKENDS,
        help="NLU backend (default: the configured one, else embedded)",
    )
    common.add_argument(
        "--data",
        type=Path,
        metavar="PATH",
        help="training data: a folder with <lang>/nlu.yml, or one nlu.yml "
        "(default: $RUFBEREIT_NLU_DATA or models/nlu)",
    )
    common.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="trained model cache (default: $RUFBEREIT_NLU_CACHE or ~/.cache/rufbereit/nlu)",
    )

    parse = sub.add_parser(
        "parse",
        parents=[common],
        help="recognise intent and entities of TEXT ('-': one text per line from stdin)",
        description="Print what the assistant understands from TEXT, in Rasa's parse format.",
    )
    parse.add_argument("text", nargs="+", metavar="TEXT")
    parse.add_argument(
        "--now",
        type=_iso_datetime,
        metavar="ISO8601",
        help="the moment of the call for relative times (default: now, business time zone)",
    )
    parse.add_argument("--json", action="store_true", help="Rasa's /model/parse JSON")
    parse.set_defaults(func=_command(_parse))

    ev = sub.add_parser(
        "eval",
        parents=[common],
        help="evaluate labelled Rasa-format examples (e.g. the held-out test.yml)",
        description="Accuracy, per-intent precision/recall/F1 and confusions on FILE. "
        "--lang defaults to FILE's folder name if that is a language (models/nlu/en/test.yml).",
    )
    ev.add_argument("files", nargs="+", type=Path, metavar="FILE.yml")
    ev.add_argument("--json", action="store_true")
    ev.add_argument(
        "--errors", type=int, default=20, metavar="N", help="misrecognised examples shown"
    )
    ev.add_argument(
        "--min-accuracy",
        type=float,
        metavar="X",
        help="exit with status 1 if the accuracy is below X (0-1)",
    )
    ev.add_argument("--now", type=_iso_datetime, metavar="ISO8601", help=argparse.SUPPRESS)
    ev.set_defaults(func=_command(_eval))

    train = sub.add_parser(
        "train",
        parents=[common],
        help="train the embedded model (only if the data changed, unless --force)",
        description="Train the embedded intent model from the training data and cache it.",
    )
    train.add_argument("--all", action="store_true", help="every language with training data")
    train.add_argument("--force", action="store_true", help="train even if the cache is fresh")
    train.set_defaults(func=_command(_train))


# --- commands --------------------------------------------------------------------------


def _parse(settings: Settings, args: argparse.Namespace) -> int:
    lang = args.lang or settings.language
    now = _now(settings, args.now)
    texts: list[str] = (
        [line.rstrip("\n") for line in sys.stdin if line.strip()]
        if args.text == ["-"]
        else [" ".join(args.text)]
    )

    async def run(backend: NluBackend) -> list[Parse]:
        return [await backend.parse(t, language=lang, now=now) for t in texts]

    parses = _run(settings, args, lang, run)
    for p in parses:
        if args.json:
            indent = None if len(parses) > 1 else 2
            print(json.dumps(p.to_rasa(), ensure_ascii=False, indent=indent))
        else:
            print(_describe(p))
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from agent.understanding.evaluate import evaluate_backend, format_evaluation

    lang = args.lang or _language_of(args.files) or settings.language
    data = load_training_data(*args.files)
    if not data.examples:
        raise _Failure(f"no labelled examples in {', '.join(map(str, args.files))}")
    now = _now(settings, args.now)

    async def run(backend: NluBackend) -> Any:
        return await evaluate_backend(backend, data.examples, language=lang, now=now)

    result = _run(settings, args, lang, run)
    if args.json:
        print(json.dumps({"language": lang, **result.to_json()}, ensure_ascii=False, indent=2))
    else:
        print(f"{', '.join(map(str, args.files))} ({lang}, {_backend_name(settings, args)}):")
        print(format_evaluation(result, max_errors=args.errors))
    if args.min_accuracy is not None and result.accuracy < args.min_accuracy:
        print(
            f"accuracy {result.accuracy:.1%} is below --min-accuracy {args.min_accuracy:.1%}",
            file=sys.stderr,
        )
        return 1
    return 0


def _train(settings: Settings, args: argparse.Namespace) -> int:
    from agent.understanding.embedded import EmbeddedNlu, normalize_text

    if _backend_name(settings, args) != "embedded":
        raise _Failure(
            "only the embedded model is trained here; train a Rasa model with "
            "'rasa train nlu' in the Rasa environment (see lab/rasa.sh)"
        )
    backend = _make(settings, args, args.lang or settings.language)
    assert isinstance(backend, EmbeddedNlu)
    langs = backend.languages if args.all else (args.lang or settings.language,)
    if not langs:
        raise _Failure(f"no training data in {args.data or nlu_options(settings).data_dir}")
    status = 0
    for lang in langs:
        progress = _Progress(lang)
        try:
            report = backend.train(lang, force=args.force, progress=progress)
            data = load_training_data(*backend.sources(lang))
        except (TrainingDataError, ValueError, NluError) as exc:
            progress(f"failed: {exc}")
            status = 2
            continue
        progress("done")
        for c in data.conflicts(normalize_text):
            print(
                f"warning: {c.text!r} is labelled {' and '.join(c.intents)} "
                f"({', '.join(c.sources)})",
                file=sys.stderr,
            )
        what = "up to date (cached)" if report.cached else f"trained in {report.seconds:.1f} s"
        print(
            f"{lang}: {what}: {report.examples} examples, {len(report.intents)} intents"
            f"{'' if report.calibrated else ', confidences NOT calibrated'}; "
            f"model {report.path or '(not cached)'}"
        )
    return status


# --- helpers ---------------------------------------------------------------------------


class _Failure(Exception):
    """Print ``rufbereit nlu: MESSAGE`` and exit with ``status``."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def _command(func: Command) -> Command:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return func(settings, args)
        except _Failure as exc:
            print(f"rufbereit nlu: {exc}", file=sys.stderr)
            return exc.status
        except (BackendUnavailable, TrainingDataError) as exc:
            print(f"rufbereit nlu: {exc}", file=sys.stderr)
            return 2
        except NluError as exc:
            print(f"rufbereit nlu: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # `... | head`: the reader has gone, stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1

    return run


class _Progress:
    """``[  1.23s] de: fitting ...`` lines on stderr."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.2f}s] {self.language}: {message}", file=sys.stderr, flush=True)


def _usage(parser: argparse.ArgumentParser) -> Command:
    def show(_settings: Settings, _args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show


def _iso_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time like 2026-11-23T10:00 or 2026-11-23T10:00+01:00"
        ) from None


def _now(settings: Settings, given: datetime | None) -> datetime:
    tz = settings.business.tz
    if given is None:
        return datetime.now(tz)
    return given.replace(tzinfo=tz) if given.tzinfo is None else given


def _language_of(files: Sequence[Path]) -> str | None:
    names = {f.resolve().parent.name for f in files}
    return names.pop() if len(names) == 1 and names <= set(LANGUAGES) else None


def _backend_name(settings: Settings, args: argparse.Namespace) -> str:
    return str(args.backend or nlu_options(settings).backend)


def _make(settings: Settings, args: argparse.Namespace, lang: str) -> NluBackend:
    data: Path | dict[str, Path] | None = args.data
    if args.data is not None and args.data.is_file():
        data = {lang: args.data}
    return make_backend(
        _backend_name(settings, args), settings, data_dir=data, cache_dir=args.cache_dir
    )


def _run(
    settings: Settings,
    args: argparse.Namespace,
    lang: str,
    job: Callable[[NluBackend], Any],
) -> Any:
    """Build the backend, train it first if needed (with progress), run ``job``, close it."""
    from agent.understanding.embedded import EmbeddedNlu

    backend = _make(settings, args, lang)
    if isinstance(backend, EmbeddedNlu):
        try:
            if not backend.is_cached(lang):
                progress = _Progress(lang)
                progress("no trained model for this data yet: training")
                backend.train(lang, progress=progress)
                progress("done")
        except ValueError as exc:  # no data for the language, or malformed data
            raise _Failure(str(exc)) from None

    async def go() -> Any:
        try:
            return await job(backend)
        finally:
            close = getattr(backend, "aclose", None)
            if close is not None:
                await close()

    return asyncio.run(go())


def _describe(p: Parse) -> str:
    lines = [f"intent    {p.intent.name} ({p.intent.confidence:.2f})"]
    others = [f"{s.name} {s.confidence:.2f}" for s in p.intent_ranking[1:4]]
    if others:
        lines.append(f"then      {', '.join(others)}")
    for e in p.entities:
        lines.append(f"entity    {e.entity}: {e.text!r} = {e.value}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m agent.understanding.cli nlu ...`` (the same commands as ``rufbereit nlu``)."""
    from agent.logs import setup_logging

    parser = argparse.ArgumentParser(prog="python -m agent.understanding.cli")
    parser.add_argument("--profile", type=Path, help="business profile YAML")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add_nlu_commands(parser.add_subparsers(metavar="COMMAND"))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        settings = load_settings(args.profile)
    except ConfigError as exc:
        print(f"rufbereit: {exc}", file=sys.stderr)
        return 2
    setup_logging(args.log_level or settings.log.level, settings.log.format)
    status: int = args.func(settings, args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
