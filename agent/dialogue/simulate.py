"""`rufbereit simulate`: the call's dialogue engine in the terminal.

Type what the caller says and see what the assistant says and does; or replay a script
(``--file`` or stdin) and get the transcript and the resulting records, as JSON with
``--json``. Script lines: plain text is speech; ``DTMF 1`` a key; ``...`` or
``<silence>`` a silence; ``#`` starts a comment. While an emergency caller waits for
the on-call technician, ``/ack Thomas Huber`` has the technician take it (press 1) and
``/noack`` has nobody take it in time. Nothing is written to the database: the calendar
and records live in memory for the one simulated call.

    rufbereit simulate --now 2026-11-23T22:00 --file gas.txt --json
    python -m agent.dialogue.simulate --backend embedded
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from agent.actions.calendar import InMemoryCalendar
from agent.actions.records import InMemoryRecordStore
from agent.config import ConfigError, Settings, load_settings
from agent.domain import command_json
from agent.jsonable import to_json
from agent.understanding.nlu import NluBackend

from .engine import DialogueEngine
from .turn import Turn

#: ("text", words) | ("dtmf", digit) | ("silence", "") | ("ack", who) | ("noack", "")
Event = tuple[str, str]


class SimulateError(Exception):
    """The simulation cannot start (bad --now, unknown backend, unreadable file)."""


def add_simulate_command(subparsers: Any) -> None:
    """Add ``simulate`` to the ``rufbereit`` command line (``func(settings, args)``)."""
    p = subparsers.add_parser(
        "simulate", help="talk to the dialogue engine in the terminal, or replay a script"
    )
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=["de", "en"], help="language (default: the profile's)")
    p.add_argument("--now", help="the call's moment, ISO 8601 (default: now, business time)")
    p.add_argument("--file", type=Path, help="caller lines (default: stdin)")
    p.add_argument("--json", action="store_true", help="print transcript and records as JSON")
    p.add_argument(
        "--backend",
        default="embedded",
        help="NLU backend: embedded, rasa, rules, or module:factory (default: embedded)",
    )
    p.add_argument("--caller", help="the caller's number as the phone system would show it")


def parse_line(line: str) -> Event | None:
    """One script line as an event; None for blank lines and comments."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text in ("...", "<silence>"):
        return ("silence", "")
    parts = text.split()
    if parts[0].upper() == "DTMF" and len(parts) == 2 and len(parts[1]) == 1:
        return ("dtmf", parts[1])
    if parts[0] in ("/ack", "/noack"):
        return (parts[0][1:], " ".join(parts[1:]))
    return ("text", text)


def parse_now(value: str | None, settings: Settings) -> datetime:
    tz = settings.business.tz
    if value is None:
        return datetime.now(tz)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise SimulateError(f"--now {value!r} is not ISO 8601, e.g. 2026-11-23T09:00") from None
    return now.replace(tzinfo=tz) if now.tzinfo is None else now


async def load_backend(name: str, settings: Settings) -> NluBackend:
    """``embedded``/``rasa``/``rules`` from agent.understanding.backends, or
    ``package.module:factory`` (a class or function called without arguments)."""
    try:
        if name == "rules":
            from .rules_nlu import RulesNlu

            made: Any = RulesNlu()
        elif ":" in name:
            module, attr = name.split(":", 1)
            made = getattr(importlib.import_module(module), attr)()
        else:
            from agent.understanding.backends import make_backend

            made = make_backend(name, settings)
        if inspect.isawaitable(made):
            made = await made
    except (ImportError, AttributeError, ValueError, TypeError, RuntimeError) as exc:
        raise SimulateError(f"NLU backend {name!r} is not available: {exc}") from exc
    backend: NluBackend = made
    return backend


def _lines(args: argparse.Namespace) -> tuple[Iterator[str], bool]:
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SimulateError(f"cannot read {args.file}: {exc.strerror}") from None
        return iter(text.splitlines()), False
    if sys.stdin.isatty():
        return _prompted(), True
    return iter(sys.stdin), False


def _prompted() -> Iterator[str]:
    while True:
        try:
            yield input("caller> ")
        except EOFError:
            return


class Transcript:
    def __init__(self, out: TextIO, live: bool) -> None:
        self.out, self.live = out, live
        self.lines: list[dict[str, str]] = []
        self.actions: list[dict[str, Any]] = []
        self.end: str | None = None
        self.summary: str | None = None
        self.held = False

    def caller(self, text: str) -> None:
        self.lines.append({"who": "caller", "text": text})
        if self.live:
            print(f"caller:    {text}", file=self.out)

    def escalation(self, acknowledged: bool, person: str) -> None:
        text = f"taken by {person or 'a technician'}" if acknowledged else "nobody took it"
        self.lines.append({"who": "escalation", "text": text})
        if self.live:
            print(f"  [escalation: {text}]", file=self.out)

    def turn(self, turn: Turn) -> None:
        for reply in turn.replies:
            self.lines.append({"who": "assistant", "text": reply})
            if self.live:
                print(f"assistant: {reply}", file=self.out)
        for action in turn.actions:
            data = command_json(action)
            self.actions.append(data)
            if self.live:
                print(f"  -> {json.dumps(data, ensure_ascii=False)}", file=self.out)
        self.end = turn.end or self.end
        self.summary = turn.handover_summary or self.summary
        if turn.end and self.live:
            print(f"  [{turn.end}]", file=self.out)
        elif turn.hold_for_technician and not self.held and self.live:
            print("  [waiting for the technician: /ack NAME or /noack]", file=self.out)
        self.held = self.held or turn.hold_for_technician


async def simulate(
    engine: DialogueEngine,
    lines: Iterator[str],
    transcript: Transcript,
) -> None:
    transcript.turn(await engine.start())
    for line in lines:
        event = parse_line(line)
        if event is None:
            continue
        if engine.ended:
            print("simulate: the call has ended; the remaining lines are ignored", file=sys.stderr)
            break
        kind, value = event
        if kind == "text":
            transcript.caller(value)
            turn = await engine.on_text(value)
        elif kind == "dtmf":
            transcript.caller(f"DTMF {value}")
            turn = await engine.on_dtmf(value)
        elif kind in ("ack", "noack"):
            if not engine.holding:
                print(f"simulate: /{kind} ignored: nobody is waiting for a technician",
                      file=sys.stderr)  # fmt: skip
                continue
            transcript.escalation(kind == "ack", value)
            turn = await engine.on_escalation_end(kind == "ack", value or None)
        else:
            transcript.caller("<silence>")
            turn = await engine.on_silence()
        transcript.turn(turn)


async def records_json(calendar: InMemoryCalendar, records: InMemoryRecordStore) -> dict[str, Any]:
    messages = await records.messages()
    return {
        "appointments": [to_json(a) for a in await calendar.appointments()],
        "leads": [to_json(r) for r in await records.leads()],
        "orders": [to_json(r) for r in await records.orders()],
        "messages": [to_json(r) for r in messages],
        "privacy_requests": [to_json(r) for r in await records.privacy_requests()],
        "escalations": [to_json(r) for r in await records.escalations()],
    }


async def run_async(settings: Settings, args: argparse.Namespace) -> int:
    try:
        now = parse_now(args.now, settings)
        nlu = await load_backend(args.backend, settings)
        lines, interactive = _lines(args)
    except SimulateError as exc:
        print(f"rufbereit simulate: {exc}", file=sys.stderr)
        return 2
    profile = settings.business
    calendar = InMemoryCalendar(profile, lambda: now)
    records = InMemoryRecordStore()
    engine = DialogueEngine(
        profile, nlu, calendar=calendar, records=records, clock=lambda: now,
        language=args.lang, caller_number=args.caller,
    )  # fmt: skip
    transcript = Transcript(sys.stdout, live=not args.json)
    await simulate(engine, lines, transcript)
    if args.json:
        result = {
            "transcript": transcript.lines,
            "actions": transcript.actions,
            "records": await records_json(calendar, records),
            "end": transcript.end,
            "handover_summary": transcript.summary,
            "held_for_technician": transcript.held,
        }
        print(json.dumps(result, indent=2, ensure_ascii=False))
    elif not interactive:
        left = "still waiting for the technician" if engine.holding else "caller script finished"
        print(f"[end: {transcript.end or left}]")
    return 0


def run(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(run_async(settings, args))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m agent.dialogue.simulate", description=__doc__)
    p.add_argument("--profile", type=Path, help="business profile YAML")
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        settings = load_settings(args.profile)
    except ConfigError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    return run(settings, args)


if __name__ == "__main__":
    raise SystemExit(main())
