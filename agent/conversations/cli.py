"""``rufbereit conversations``: replay scripted calls and print the share that end right.

    rufbereit conversations tests/conversations --json bench/conversations.json
    rufbereit conversations tests/conversations --only gas --show

Exit status 0 when every call passed, 1 when some failed, 2 when the corpus or the NLU
backend cannot be loaded. An owner can keep a folder of calls for their own profile and
run it after every edit (``--profile``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from agent.config import Settings

from .report import Report, run_corpus
from .script import CorpusError, load_corpus


def add_conversations_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "conversations", help="replay scripted calls and check what each left behind"
    )
    p.add_argument("paths", nargs="*", type=Path, default=[Path("tests/conversations")])
    p.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    p.add_argument("--backend", default="embedded", help="NLU backend (default: embedded)")
    p.add_argument("--only", help="only calls whose id contains this")
    p.add_argument("--show", action="store_true", help="print every failed call's transcript")
    p.set_defaults(func=run)


def print_failures(report: Report, transcripts: bool) -> None:
    for r in report.results:
        if r.passed:
            continue
        print(f"FAIL {r.language}/{r.scenario}/{r.call.id}: {'; '.join(r.problems)}")
        if transcripts:
            for who, text in r.outcome.lines:
                print(f"    {who:>9}: {text}")


async def run_async(settings: Settings, args: argparse.Namespace) -> int:
    from agent.dialogue.simulate import SimulateError, load_backend

    try:
        corpus = load_corpus(args.paths)
        nlu = await load_backend(args.backend, settings)
    except (CorpusError, SimulateError) as exc:
        print(f"rufbereit conversations: {exc}", file=sys.stderr)
        return 2
    report = await run_corpus(corpus, settings.business, nlu, args.only)
    print_failures(report, args.show)
    print(report.table())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0 if report.overall().passed == report.overall().calls else 1


def run(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(run_async(settings, args))
