"""Read Rasa 3.x ``nlu:`` YAML into typed training examples.

One job: turn files like ``models/nlu/de/nlu.yml`` into :class:`TrainingData`
(plain text + entity spans per example, synonyms, regexes, lookups) and a
content hash for cache invalidation. Every backend and the evaluation read
the data through here, so an admin's typo is reported once, the same way, as
``FILE:LINE: what is wrong``.

Understood (the subset of Rasa 3.x NLU data that matters here)::

    version: "3.1"
    nlu:
    - intent: book_appointment          # also "faq/opening_hours" (retrieval intent)
      examples: |
        - ich hätte gern einen termin [morgen](time)
        - [halb neun]{"entity": "time", "value": "08:30"}
    - synonym: gastherme
      examples: |
        - gas therme
    - regex: plz
      examples: |
        - \\d{5}
    - lookup: product
      examples: |
        - fliesenkleber

Entity annotations: ``[text](entity)``, ``[text](entity:value)`` (Rasa 2
shorthand), ``[text]{"entity": ..., "value": ..., "role": ..., "group": ...}``
and ``[text][{...}, {...}]`` (several entities on one span). Other top-level
keys (``stories``, ``rules``, ``responses``, ...) are ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

__all__ = [
    "Conflict",
    "EntitySpan",
    "Example",
    "TrainingData",
    "TrainingDataError",
    "load_training_data",
    "parse_annotated",
]

#: Bumped when the parsed form (and so the content hash) changes meaning.
FORMAT_VERSION = 1

# Rasa's own annotation pattern (rasa/shared/nlu/training_data/entities_parser.py).
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)"
    r"|\{(?P<dict>[^}]+?)\}"
    r"|\[(?P<list>.*?)\])"
)
# Something that looks like an annotation but is not one: "[text](time" or "[text]{...".
_BROKEN_ANNOTATION = re.compile(r"\[[^\]\n]*\]\s*[({\[]")
_SECTION_KEYS = ("intent", "synonym", "regex", "lookup")


class TrainingDataError(ValueError):
    """Malformed training data; the message starts with ``FILE:LINE:``."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """One annotated entity; ``start``/``end`` index the example's plain text."""

    entity: str
    value: str
    start: int
    end: int
    text: str
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training example: plain text (annotations removed) and its intent.

    ``intent`` is the base intent; for a retrieval intent ``faq/opening_hours``
    it is ``faq`` and ``response_key`` is ``opening_hours``. ``source`` is
    ``FILE:LINE`` for messages.
    """

    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()
    response_key: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Conflict:
    """The same text (after ``key``) labelled with more than one intent."""

    text: str
    intents: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TrainingData:
    examples: tuple[Example, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    regexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lookups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[Path, ...] = ()

    @property
    def intents(self) -> tuple[str, ...]:
        """The intents with at least one example, sorted."""
        return tuple(sorted({e.intent for e in self.examples}))

    def counts(self) -> dict[str, int]:
        """Examples per intent."""
        out: dict[str, int] = defaultdict(int)
        for e in self.examples:
            out[e.intent] += 1
        return dict(sorted(out.items()))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the parsed content: comments and layout do not change it."""
        payload = {
            "format": FORMAT_VERSION,
            "examples": [
                [
                    e.intent,
                    e.response_key,
                    e.text,
                    [[s.entity, s.value, s.start, s.end, s.role, s.group] for s in e.entities],
                ]
                for e in self.examples
            ],
            "synonyms": sorted(self.synonyms.items()),
            "regexes": sorted((k, list(v)) for k, v in self.regexes.items()),
            "lookups": sorted((k, list(v)) for k, v in self.lookups.items()),
        }
        blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def conflicts(self, key: Callable[[str], str] | None = None) -> list[Conflict]:
        """Texts that appear under more than one intent (a classifier cannot learn both).

        ``key`` maps a text to what the classifier sees (default: lower case,
        whitespace squashed, trailing punctuation dropped).
        """
        key = key or _default_key
        seen: dict[str, list[Example]] = defaultdict(list)
        for e in self.examples:
            seen[key(e.text)].append(e)
        out = []
        for text, group in seen.items():
            intents = tuple(sorted({e.intent for e in group}))
            if len(intents) > 1:
                out.append(Conflict(text, intents, tuple(e.source for e in group)))
        return out


def _default_key(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".!?,;: ")


def load_training_data(*paths: Path | str) -> TrainingData:
    """Read one or more Rasa NLU YAML files (a directory means its ``*.yml``/``*.yaml``).

    Raises :class:`TrainingDataError` (``FILE:LINE: reason``) for anything
    malformed: invalid YAML, a section without examples, an example line not
    starting with ``-``, a broken entity annotation.
    """
    files = _expand(paths)
    if not files:
        raise TrainingDataError(
            ", ".join(str(p) for p in paths) or "(none)", None, "no training data files"
        )
    examples: list[Example] = []
    synonyms: dict[str, str] = {}
    regexes: dict[str, list[str]] = defaultdict(list)
    lookups: dict[str, list[str]] = defaultdict(list)
    for path in files:
        for kind, name, items in _read_sections(path):
            if kind == "intent":
                examples.extend(_examples(path, name, items))
            elif kind == "synonym":
                for text, _line in items:
                    synonyms[text] = name
            elif kind == "regex":
                for pattern, line in items:
                    _check_regex(path, line, pattern)
                    regexes[name].append(pattern)
            else:
                lookups[name].extend(text for text, _line in items)
    data = TrainingData(
        examples=tuple(examples),
        synonyms=synonyms,
        regexes={k: tuple(v) for k, v in regexes.items()},
        lookups={k: tuple(v) for k, v in lookups.items()},
        sources=tuple(files),
    )
    log.debug(
        "training data loaded",
        extra={
            "files": [str(f) for f in files],
            "examples": len(examples),
            "intents": len(data.intents),
        },
    )
    return data


def parse_annotated(
    line: str, *, where: tuple[Path | str, int | None] = ("<text>", None)
) -> tuple[str, tuple[EntitySpan, ...]]:
    """``"am [montag](time)"`` -> ``("am montag", (EntitySpan("time", "montag", 3, 9, ...),))``."""
    path, lineno = where
    plain: list[str] = []
    spans: list[EntitySpan] = []
    pos = 0  # in line
    out_len = 0  # in the plain text
    for m in _ANNOTATION.finditer(line):
        before = line[pos : m.start()]
        _check_leftover(before, path, lineno)
        plain.append(before)
        out_len += len(before)
        text = m.group("text")
        start, end = out_len, out_len + len(text)
        for ann in _annotations(m, path, lineno):
            entity = ann.get("entity")
            if not isinstance(entity, str) or not entity.strip():
                raise TrainingDataError(
                    path, lineno, f"entity annotation {m.group(0)!r} has no entity name"
                )
            value = ann.get("value", text)
            spans.append(
                EntitySpan(
                    entity=entity.strip(),
                    value=str(value),
                    start=start,
                    end=end,
                    text=text,
                    role=_opt_str(ann.get("role")),
                    group=_opt_str(ann.get("group")),
                )
            )
        plain.append(text)
        out_len = end
        pos = m.end()
    rest = line[pos:]
    _check_leftover(rest, path, lineno)
    plain.append(rest)
    return "".join(plain), tuple(spans)


# --- internals -------------------------------------------------------------------------


def _expand(paths: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yml", ".yaml")))
        else:
            files.append(p)
    return files


def _opt_str(v: object) -> str | None:
    return None if v is None else str(v)


def _check_leftover(fragment: str, path: Path | str, line: int | None) -> None:
    m = _BROKEN_ANNOTATION.search(fragment)
    if m:
        raise TrainingDataError(
            path,
            line,
            f"broken entity annotation near {fragment[m.start() :][:40]!r}: "
            'write [text](entity) or [text]{"entity": "name", "value": "..."}',
        )


def _annotations(m: re.Match[str], path: Path | str, line: int | None) -> list[dict[str, Any]]:
    if m.group("entity") is not None:
        ann: dict[str, Any] = {"entity": m.group("entity")}
        if m.group("value") is not None:
            ann["value"] = m.group("value")
        return [ann]
    if m.group("dict") is not None:
        source = "{" + m.group("dict") + "}"
    else:
        source = "[" + m.group("list") + "]"
    try:
        parsed = json.loads(source)
    except json.JSONDecodeError as exc:
        raise TrainingDataError(
            path, line, f"entity annotation {source!r} is not valid JSON ({exc.msg})"
        ) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items or not all(isinstance(i, dict) for i in items):
        raise TrainingDataError(
            path, line, f"entity annotation {source!r} must be an object or a list of objects"
        )
    return items


def _check_regex(path: Path, line: int, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise TrainingDataError(path, line, f"invalid regex {pattern!r}: {exc}") from None


Items = list[tuple[str, int]]  # (example text as written, 1-based line)


def _read_sections(path: Path) -> Iterator[tuple[str, str, Items]]:
    """Yield ``(kind, name, [(example, line), ...])`` for each ``nlu:`` item of one file."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TrainingDataError(path, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise TrainingDataError(path, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise TrainingDataError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TrainingDataError(path, line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise TrainingDataError(path, None, f"invalid YAML: {exc}") from None
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        raise TrainingDataError(path, _line(root), "the top level must be a mapping with 'nlu:'")
    found_nlu = False
    for key_node, value_node in root.value:
        key = _scalar(path, key_node)
        if key != "nlu":
            continue  # version, stories, rules, responses, ... are not ours
        found_nlu = True
        if _is_null(value_node):
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            raise TrainingDataError(path, _line(value_node), "'nlu:' must be a list of items")
        for item in value_node.value:
            yield _section(path, item)
    if not found_nlu:
        log.debug("no nlu section", extra={"file": str(path)})


def _section(path: Path, node: yaml.Node) -> tuple[str, str, Items]:
    if not isinstance(node, yaml.MappingNode):
        raise TrainingDataError(
            path, _line(node), "each nlu item must be a mapping like '- intent: NAME'"
        )
    fields = {_scalar(path, k): v for k, v in node.value}
    kinds = [k for k in _SECTION_KEYS if k in fields]
    if len(kinds) != 1:
        raise TrainingDataError(
            path,
            _line(node),
            "each nlu item needs exactly one of intent:, synonym:, regex:, lookup: "
            f"(found {', '.join(sorted(fields)) or 'nothing'})",
        )
    kind = kinds[0]
    name = _scalar(path, fields[kind]).strip()
    if not name or (kind == "intent" and name.startswith("/")):
        raise TrainingDataError(path, _line(fields[kind]), f"{kind}: needs a name ({name!r})")
    if "examples" not in fields or _is_null(fields["examples"]):
        raise TrainingDataError(path, _line(node), f"{kind} {name!r} has no examples:")
    return kind, name, _example_lines(path, kind, name, fields["examples"])


def _example_lines(path: Path, kind: str, name: str, node: yaml.Node) -> Items:
    if isinstance(node, yaml.ScalarNode):
        first = _line(node)
        # A literal block (|) starts on the line after its indicator and keeps
        # one value line per source line; other styles are approximate.
        base = first + 1 if node.style in ("|", ">") else first
        out: Items = []
        for i, raw in enumerate(str(node.value).split("\n")):
            line = base + i
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("-"):
                raise TrainingDataError(
                    path,
                    line,
                    f"{kind} {name!r}: example {stripped[:40]!r} must start with '- '",
                )
            text = stripped[1:].strip()
            if not text:
                raise TrainingDataError(path, line, f"{kind} {name!r}: empty example")
            out.append((text, line))
        if not out:
            raise TrainingDataError(path, first, f"{kind} {name!r} has no examples")
        return out
    if isinstance(node, yaml.SequenceNode):
        # Rasa 3 also allows "- text: ..." items with metadata.
        seq: Items = []
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                fields = {_scalar(path, k): v for k, v in item.value}
                if "text" not in fields:
                    raise TrainingDataError(
                        path, _line(item), f"{kind} {name!r}: an example item needs text:"
                    )
                text = _scalar(path, fields["text"]).strip()
                line = _line(fields["text"])
            else:
                text = _scalar(path, item).strip()
                line = _line(item)
            if not text:
                raise TrainingDataError(path, line, f"{kind} {name!r}: empty example")
            seq.append((text, line))
        if not seq:
            raise TrainingDataError(path, _line(node), f"{kind} {name!r} has no examples")
        return seq
    raise TrainingDataError(
        path, _line(node), f"{kind} {name!r}: examples must be a '|' block of '- ' lines"
    )


def _examples(path: Path, intent: str, items: Items) -> Iterator[Example]:
    base, _, response_key = intent.partition("/")
    for raw, line in items:
        text, spans = parse_annotated(raw, where=(path, line))
        if not text.strip():
            raise TrainingDataError(path, line, f"intent {intent!r}: empty example")
        yield Example(
            text=text,
            intent=base,
            entities=spans,
            response_key=response_key or None,
            source=f"{path}:{line}",
        )


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _scalar(path: Path, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise TrainingDataError(path, _line(node), "expected a plain value here")
    return str(node.value)
