"""The business's documents as sections of text under their headings.

A knowledge folder holds Markdown, plain text, HTML (saved web pages) and PDF. Each file
becomes :class:`Section` s: the heading path (file title, chapter, section) and the
blocks of text below it (a paragraph, a list item, a table row turned into a sentence).
Text is extracted with well-kept libraries (``selectolax`` for HTML, ``pypdf`` for PDF);
only the splitting by headings is done here, because each format marks headings its own
way (``#`` in Markdown, ``<h2>`` in HTML, a larger or bold font in a PDF).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
            ".html": "html", ".htm": "html", ".pdf": "pdf"}  # fmt: skip


class DocumentError(Exception):
    """A file of the knowledge folder cannot be read (named, with the reason)."""


@dataclass(slots=True)
class Section:
    file: str
    headings: tuple[str, ...]
    blocks: list[str] = field(default_factory=list)
    #: blocks that are table rows (each stands alone as a passage)
    rows: set[int] = field(default_factory=set)


def documents_in(folder: Path) -> list[Path]:
    """The files rufbereit reads in ``folder`` (and below), in a stable order."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )  # fmt: skip


def read_document(path: Path, root: Path) -> list[Section]:
    """The sections of one file; DocumentError if it cannot be read."""
    kind = SUFFIXES[path.suffix.lower()]
    name = str(path.relative_to(root))
    try:
        if kind == "pdf":
            return _pdf(path, name)
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("cp1252", "replace")
    except (OSError, ValueError) as exc:
        raise DocumentError(f"{name}: {exc}") from exc
    if kind == "markdown":
        return _markdown(text, name)
    if kind == "html":
        return _html(text, name)
    return _text(text, name)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _title(name: str) -> str:
    stem = Path(name).stem.replace("_", " ").replace("-", " ")
    return stem[:1].upper() + stem[1:]


class _Builder:
    """Collects blocks under the current heading path."""

    def __init__(self, name: str, title: str) -> None:
        self.name = name
        self.path: list[tuple[int, str]] = [(0, title)]
        self.sections: list[Section] = []
        self.current = Section(name, (title,))

    def heading(self, level: int, text: str) -> None:
        text = _inline(text)
        if not text:
            return
        self._close()
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))
        self.current = Section(self.name, tuple(t for _, t in self.path))

    def block(self, text: str, *, row: bool = False) -> None:
        text = _inline(text)
        if text:
            if row:
                self.current.rows.add(len(self.current.blocks))
            self.current.blocks.append(text)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        for row in rows:
            self.block(table_row(header, row), row=True)

    def _close(self) -> None:
        if self.current.blocks:
            self.sections.append(self.current)

    def done(self) -> list[Section]:
        self._close()
        return self.sections


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def _inline(text: str) -> str:
    """Markup inside a line removed: links keep their text, emphasis its words."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())


def table_row(header: list[str], row: list[str]) -> str:
    """A table row as one sentence: "Wartung Gastherme: 129 €" (two columns) or
    "Zone 2: Entfernung 10 bis 20 km, Anfahrt 59 €" (more)."""
    cells = [_inline(c) for c in row]
    if not any(cells):
        return ""
    first, rest = cells[0], cells[1:]
    names = [_inline(h) for h in header[1:]] if header else []
    if len(rest) == 1 or not names:
        tail = ", ".join(c for c in rest if c)
    else:
        tail = ", ".join(
            f"{n} {c}" if n else c for n, c in zip(names + [""] * len(rest), rest, strict=False)
            if c
        )  # fmt: skip
    label = first if first else (_inline(header[0]) if header else "")
    return f"{label}: {tail}" if label and tail else (label or tail)


# --------------------------------------------------------------------------- Markdown

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _markdown(text: str, name: str) -> list[Section]:
    b = _Builder(name, _title(name))
    lines = text.splitlines()
    para: list[str] = []

    def flush() -> None:
        if para:
            b.block(" ".join(para))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _MD_HEADING.match(line):
            flush()
            b.heading(len(m.group(1)), m.group(2))
        elif i + 1 < len(lines) and "|" in line and _TABLE_SEP.match(lines[i + 1]):
            flush()
            header, rows = _cells(line), []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_cells(lines[i]))
                i += 1
            b.table(header, rows)
            continue
        elif not line.strip() or _MD_RULE.match(line):
            flush()
        elif _MD_BULLET.match(line):
            flush()
            para.append(_MD_BULLET.sub("", line))
        elif line.startswith(">"):
            para.append(line.lstrip("> "))
        else:
            para.append(line.strip())
        i += 1
    flush()
    return b.done()


# --------------------------------------------------------------------------- plain text

_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")


def _text(text: str, name: str) -> list[Section]:
    """Paragraphs split by blank lines. A line underlined with === or --- is a heading; a
    paragraph whose first line is a question ("Frage?") has that question as heading."""
    b = _Builder(name, _title(name))
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    for n, para in enumerate(paras):
        lines = [ln.strip() for ln in para.strip().splitlines() if ln.strip()]
        last = n == len(paras) - 1
        if len(lines) >= 2 and _UNDERLINE.match(lines[1]):
            b.heading(1 if lines[1].lstrip().startswith("=") else 2, lines[0])
            lines = lines[2:]
        elif lines[0].endswith("?") and len(lines[0]) < 160:
            b.heading(3, re.sub(r"^(frage|f|q)\s*[:.]\s*", "", lines[0], flags=re.I))
            lines = lines[1:]
        elif (
            len(lines) == 1
            and len(lines[0]) < 60
            and not last
            and not lines[0].endswith((".", ":", "!", "€"))
        ):
            b.heading(2, lines[0])
            continue
        for line in _join_wrapped(lines):
            b.block(re.sub(r"^(antwort|a)\s*:\s*", "", _MD_BULLET.sub("", line), flags=re.I))
    return b.done()


def _join_wrapped(lines: list[str]) -> list[str]:
    """Hard-wrapped lines joined again; bullet lines stay apart."""
    out: list[str] = []
    for line in lines:
        if out and not _MD_BULLET.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


# --------------------------------------------------------------------------- HTML

#: What a saved web page has besides its content.
_BOILERPLATE = (
    "script, style, noscript, template, nav, header, footer, aside, form, button, svg, iframe,"
    " [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true],"
    " [class*=cookie], [id*=cookie], [class*=consent], [id*=consent], [class*=banner]"
)
_BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, table, dt, dd, address, blockquote, pre"


def _html(text: str, name: str) -> list[Section]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    title_node = tree.css_first("title")
    title = _inline(title_node.text()) if title_node else ""
    for node in tree.css(_BOILERPLATE):
        node.decompose()
    root = tree.css_first("main") or tree.css_first("article") or tree.body
    b = _Builder(name, title.split("|")[0].split(" – ")[0].strip() or _title(name))
    if root is None:
        return b.done()
    blocks = root.css(_BLOCKS)
    for node in blocks:
        if _inside(node, ("li", "table", "blockquote", "dd", "dt", "p")):
            continue
        tag = node.tag
        if tag and tag[0] == "h" and tag[1:].isdigit():
            b.heading(int(tag[1:]), node.text(separator=" "))
        elif tag == "table":
            header, rows = _html_table(node)
            b.table(header, rows)
        else:
            b.block(node.text(separator=" "))
    return b.done()


def _inside(node: object, tags: tuple[str, ...]) -> bool:
    parent = getattr(node, "parent", None)
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _html_table(table: object) -> tuple[list[str], list[list[str]]]:
    rows = [
        [c.text(separator=" ").strip() for c in tr.css("th, td")]
        for tr in table.css("tr")  # type: ignore[attr-defined]
    ]
    rows = [r for r in rows if any(r)]
    if not rows:
        return [], []
    first_tr = table.css_first("tr")  # type: ignore[attr-defined]
    has_header = table.css_first("thead") is not None or (  # type: ignore[attr-defined]
        first_tr is not None and not first_tr.css("td")
    )
    return (rows[0], rows[1:]) if has_header else ([], rows)


# --------------------------------------------------------------------------- PDF


@dataclass(slots=True)
class _Line:
    text: str
    size: float
    bold: bool


def _pdf(path: Path, name: str) -> list[Section]:
    """Text by line with its font size; a line in a larger (or bold, short) font than the
    body text is a heading. pypdf gives each piece of text with its font through a
    visitor."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title)
        pages = [_pdf_lines(page) for page in reader.pages]
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise DocumentError(f"{name}: not a readable PDF ({exc})") from exc
    lines = _without_running_lines(pages)
    if not lines:
        log.warning("PDF without text (a scan?)", extra={"file": name})
        return []
    body = Counter(round(ln.size) for ln in lines for _ in ln.text.split()).most_common(1)[0][0]
    sizes = sorted({round(ln.size) for ln in lines if round(ln.size) > body}, reverse=True)
    level = {s: min(n + 1, 5) for n, s in enumerate(sizes)}
    b = _Builder(name, title or _title(name))
    para: list[str] = []

    def flush() -> None:
        if para:
            b.block(" ".join(para))
            para.clear()

    for ln in lines:
        size = round(ln.size)
        short = len(ln.text) < 90 and not ln.text.rstrip().endswith((".", ",", ";"))
        if size > body and short:
            flush()
            b.heading(level[size], ln.text)
        elif ln.bold and short and size == body and len(ln.text.split()) <= 10:
            flush()
            b.heading(len(sizes) + 1, ln.text)
        elif _MD_BULLET.match(ln.text):
            flush()
            para.append(_MD_BULLET.sub("", ln.text))
        else:
            if para and para[-1].endswith("-") and ln.text[:1].islower():
                para[-1] = para[-1][:-1] + ln.text  # "Heizungs-\nwartung"
                continue
            para.append(ln.text)
            if ln.text.rstrip().endswith((".", "!", "?", ":")) or "€" in ln.text:
                flush()  # a finished sentence or a price line: the paragraph may end here
    flush()
    return b.done()


_DIGITS = re.compile(r"\d+")


def _without_running_lines(pages: list[list[_Line]]) -> list[_Line]:
    """The pages' lines without their running heads and feet: a line that comes back on
    most pages (page numbers aside: "Preisliste 2026 · Seite 2 von 4") is no content."""
    if len(pages) < 2:
        return [ln for page in pages for ln in page]
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_DIGITS.sub("#", ln.text) for ln in page})
    running = {text for text, n in seen.items() if n >= max(2, len(pages) // 2 + 1)}
    return [ln for page in pages for ln in page if _DIGITS.sub("#", ln.text) not in running]


def _pdf_lines(page: object) -> list[_Line]:
    pieces: list[tuple[str, float, bool]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        scale = abs(tm[3]) if tm and tm[3] else 1.0
        base = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        pieces.append((text, float(size) * scale, "bold" in base.lower()))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    lines: list[_Line] = []
    current: list[tuple[str, float, bool]] = []

    def close() -> None:
        text = " ".join("".join(p[0] for p in current).split())
        if text:
            size = max(p[1] for p in current if p[0].strip()) if any(
                p[0].strip() for p in current) else current[0][1]  # fmt: skip
            bold = all(p[2] for p in current if p[0].strip())
            lines.append(_Line(text, size, bold))
        current.clear()

    for text, size, bold in pieces:
        parts = text.split("\n")
        for n, part in enumerate(parts):
            if n:
                close()
            if part:
                current.append((part, size, bold))
    close()
    return lines
