"""Article stock from a CSV file (an ERP export) overriding the profile's catalogue.

The file has a header row with at least ``sku`` and ``stock`` (German headers
``artikelnummer`` / ``bestand`` work too), optionally ``name`` and ``price``/``preis``;
``;`` or ``,`` separated, UTF-8 (with or without BOM). Articles of the catalogue that
the file lists get its stock (and price, when given); an empty stock means "not
tracked". Articles the file lists but the catalogue lacks are ignored (the catalogue
holds the names and synonyms callers use). :class:`CsvStock` re-reads the file when it
changes, so a nightly ERP export is picked up without a restart.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from agent.profile import BusinessProfile, CatalogueItem

log = logging.getLogger(__name__)

_SKU = ("sku", "artikelnummer", "artikel", "article", "artnr")
_STOCK = ("stock", "bestand", "lagerbestand", "menge", "quantity")
_PRICE = ("price", "preis", "unit_price")


class CatalogueCsvError(ValueError):
    """The CSV cannot be used (missing columns, bad numbers); the message says where."""


@dataclass(frozen=True, slots=True)
class ArticleStock:
    sku: str
    stock: int | None
    price: Decimal | None = None


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    for h in header:
        if h.strip().lower() in names:
            return h
    return None


def parse_stock_csv(text: str, source: str = "CSV") -> dict[str, ArticleStock]:
    text = text.lstrip("\ufeff")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text.split("\n", 1)[0], ";,\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = list(reader.fieldnames or [])
    sku_col, stock_col = _column(header, _SKU), _column(header, _STOCK)
    price_col = _column(header, _PRICE)
    if sku_col is None or stock_col is None:
        raise CatalogueCsvError(f"{source}: needs the columns sku and stock, found {header}")
    out: dict[str, ArticleStock] = {}
    for n, row in enumerate(reader, start=2):
        sku = (row.get(sku_col) or "").strip()
        if not sku:
            continue
        raw = (row.get(stock_col) or "").strip()
        try:
            stock = None if raw == "" else int(Decimal(raw.replace(",", ".")))
            price_raw = (row.get(price_col) or "").strip() if price_col else ""
            price = Decimal(price_raw.replace(",", ".")) if price_raw else None
        except InvalidOperation:
            raise CatalogueCsvError(f"{source} line {n}: not a number in {row}") from None
        if stock is not None and stock < 0:
            stock = 0
        out[sku] = ArticleStock(sku, stock, price)
    return out


def apply_stock(profile: BusinessProfile, stock: dict[str, ArticleStock]) -> BusinessProfile:
    """``profile`` with its catalogue's stock (and prices) taken from ``stock``."""
    items: list[CatalogueItem] = []
    for item in profile.catalogue:
        found = stock.get(item.sku)
        if found is None:
            items.append(item)
            continue
        update: dict[str, object] = {"stock": found.stock}
        if found.price is not None:
            update["price"] = found.price
        items.append(item.model_copy(update=update))
    return profile.model_copy(update={"catalogue": items})


def available(item: CatalogueItem, quantity: int) -> tuple[int, int]:
    """``(in stock now, to be reordered)`` of ``quantity`` pieces of ``item``."""
    if item.stock is None:
        return quantity, 0
    now = min(quantity, item.stock)
    return now, quantity - now


class CsvStock:
    """The profile with stock from ``path``, re-read when the file changes. A file that
    is missing or broken keeps the last good stock (and logs a warning)."""

    def __init__(self, profile: BusinessProfile, path: Path) -> None:
        self._base = profile
        self._path = path
        self._mtime: float | None = None
        self._current = profile

    def profile(self) -> BusinessProfile:
        try:
            mtime = self._path.stat().st_mtime
            if mtime != self._mtime:
                self._mtime = mtime  # a broken file is reported once, not at every call
                stock = parse_stock_csv(self._path.read_text(encoding="utf-8"), str(self._path))
                self._current = apply_stock(self._base, stock)
                log.info("article stock loaded", extra={"path": str(self._path),
                                                        "articles": len(stock)})  # fmt: skip
        except (OSError, CatalogueCsvError, UnicodeDecodeError) as exc:
            log.warning("article stock CSV not usable; keeping the last stock",
                        extra={"path": str(self._path), "error": str(exc)})  # fmt: skip
        return self._current
