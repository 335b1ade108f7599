"""``rufbereit knowledge``: ask the business's documents, and see what is indexed.

    rufbereit knowledge ask "Was kostet die Wartung einer Gastherme?"
    rufbereit knowledge ask "Was kostet ..." --docs ~/handbuch --json
    rufbereit knowledge list

``ask`` prints the spoken answer, or that the assistant would not answer. Without
``--docs`` it answers as a call does: the profile's own answers first (opening hours,
services, area, facts), then the documents of ``business.knowledge``. With ``--docs`` it
answers from that folder alone, so any folder can be checked on its own. Exit status 0
when answered, 1 when not, 2 when the documents cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from agent.config import Settings

from .answer import DEFAULT_MIN_CONFIDENCE, KnowledgeAnswer, Source, ask
from .index import current_index


def add_knowledge_commands(subparsers: Any) -> None:
    p = subparsers.add_parser("knowledge", help="answers from the business's documents")
    sub = p.add_subparsers(metavar="ACTION", required=True)
    a = sub.add_parser("ask", help="the answer a caller would hear, or that there is none")
    a.add_argument("question")
    a.add_argument("--docs", type=Path, help="answer from this folder alone (no profile)")
    a.add_argument("--lang", choices=["de", "en"], help="the question's language")
    a.add_argument("--json", action="store_true", help='{"answer": ..., "sources": [...]}')
    a.set_defaults(func=run_ask)
    lst = sub.add_parser("list", help="the indexed files and passages")
    lst.add_argument("--docs", type=Path, help="this folder instead of business.knowledge.dir")
    lst.add_argument("--passages", action="store_true", help="print every passage")
    lst.set_defaults(func=run_list)


def _folder(settings: Settings, docs: Path | None) -> tuple[Path | None, str]:
    if docs is not None:
        return docs, "--docs"
    k = settings.business.knowledge
    return (k.dir, "business.knowledge.dir") if k is not None else (None, "")


def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    language = args.lang or settings.business.language
    if args.docs is not None:
        if not args.docs.is_dir():
            print(f"rufbereit knowledge: {args.docs} is not a folder", file=sys.stderr)
            return 2
        found = ask(current_index(args.docs, language), args.question,
                    min_confidence=DEFAULT_MIN_CONFIDENCE)  # fmt: skip
    else:
        found = asyncio.run(_ask_as_a_call(settings, args.question, language))
    if args.json:
        print(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
    elif found.text is not None:
        print(found.text)
        for s in found.sources[:1]:
            print(f"  (from {s.file}: {s.heading})", file=sys.stderr)
    else:
        print(f"(no answer: {found.reason}; the caller is offered a call back)")
    return 0 if found.text is not None else 1


async def _ask_as_a_call(settings: Settings, question: str, language: str) -> KnowledgeAnswer:
    """What a caller hears for ``question``: the profile's answerers, then the documents."""
    from datetime import datetime

    from agent.dialogue.answers import answer
    from agent.dialogue.context import FlowContext
    from agent.dialogue.rules_nlu import RulesNlu
    from agent.dialogue.understand import understand

    profile = settings.business
    ctx = FlowContext(
        profile=profile, language=language,  # type: ignore[arg-type]
        clock=lambda: datetime.now(profile.tz), calendar=None,  # type: ignore[arg-type]
        records=None,  # type: ignore[arg-type]
    )  # fmt: skip
    u = await understand(RulesNlu(), ctx, question, 0.5)
    found = answer(ctx, u, asked=True)
    if found is None or found.unsure:
        said = " ".join(found.says) if found is not None else None
        return KnowledgeAnswer(said, 0.0, reason="not_sure" if said else "not_found")
    k = profile.knowledge
    sources: tuple[Source, ...] = ()
    if found.topic == "knowledge" and k is not None:
        index = current_index(k.dir, k.language or profile.language, k.synonyms)
        sources = ask(index, u.standard or question, min_confidence=k.min_confidence).sources
    else:
        sources = (Source("profile", found.topic, 1.0),)
    return KnowledgeAnswer(" ".join(found.says), 1.0, sources)


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    folder, where = _folder(settings, args.docs)
    if folder is None:
        print("no knowledge folder: set business.knowledge.dir or use --docs", file=sys.stderr)
        return 2
    k = settings.business.knowledge
    language = (k.language if k and args.docs is None else None) or settings.business.language
    index = current_index(folder, language, k.synonyms if k and args.docs is None else None)
    print(f"{folder} ({where}): {len(index.files)} files, {len(index.passages)} passages")
    for name in index.files:
        count = sum(1 for p in index.passages if p.file == name)
        print(f"  {name}: {count} passages")
        if args.passages:
            for p in index.passages:
                if p.file == name:
                    print(f"    [{' > '.join(p.headings)}] {p.text}")
    for s in index.skipped:
        print(f"  not indexed: {s.reason}")
    return 0 if not index.skipped else 1
