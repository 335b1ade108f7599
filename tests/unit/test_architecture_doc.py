"""docs/ARCHITECTURE.md's file tree names files that exist, and all the modules of the
folders whose modules it lists (so it cannot silently fall behind the code again)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ARCHITECTURE.md"
NAME = re.compile(r"^( *)([A-Za-z0-9_.]+/|[A-Za-z0-9_]+\.py)(?:\s|$)")


def tree() -> list[Path]:
    """The paths the tree names (relative to the top level), in order."""
    text = DOC.read_text(encoding="utf-8")
    block = next(b for b in text.split("```")[1::2] if "\nagent/\n" in b)
    lines = block[block.index("\nagent/\n") + 1 :].splitlines()
    paths: list[Path] = []
    stack: list[str] = []
    for line in lines:
        m = NAME.match(line)
        if m is None:
            continue  # a description's second line
        depth, name = len(m.group(1)) // 2, m.group(2)
        stack = stack[:depth]
        paths.append(Path(*stack, name))
        if name.endswith("/"):
            stack.append(name.rstrip("/"))
    return paths


def test_the_tree_is_read() -> None:
    names = {p.as_posix() for p in tree()}
    assert {"agent", "agent/telephony", "agent/telephony/media", "agent/config.py"} <= names
    for name in ("conversation_factory.py", "profile.py", "telephony/media_connector.py"):
        assert f"agent/{name}" in names


def test_every_named_file_exists() -> None:
    missing = [p.as_posix() for p in tree() if not (REPO / p).exists()]
    assert not missing, f"{DOC.name} names files that do not exist: {missing}"


def test_folders_whose_modules_are_listed_list_them_all() -> None:
    named = set(tree())
    folders = {p.parent for p in named if p.suffix == ".py"}
    unlisted = sorted(
        f.relative_to(REPO).as_posix()
        for folder in folders
        for f in (REPO / folder).glob("*.py")
        if f.name not in ("__init__.py", "__main__.py") and f.relative_to(REPO) not in named
    )
    assert not unlisted, f"{DOC.name}'s tree lacks these modules: {unlisted}"
