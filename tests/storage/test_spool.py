"""The disk spool on its own (no database needed)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest

from agent.storage.spool import Spool, SpoolError


def _segment_files(path: Path) -> list[Path]:
    return sorted(path.glob("segment-*"))


async def _spool(path: Path, **kw: int) -> Spool:
    spool = Spool(path, **kw)
    await spool.open()
    return spool


async def test_appends_are_read_back_in_order_and_removed(tmp_path: Path) -> None:
    spool = await _spool(tmp_path)
    assert spool.empty
    for i in range(5):
        await spool.append({"i": i})
    assert not spool.empty
    segments = await spool.seal()
    assert len(segments) == 1
    await spool.append({"i": 5})  # goes to a new segment while the old one is consumed
    assert [r["i"] for r in await spool.read(segments[0])] == [0, 1, 2, 3, 4]
    await spool.remove(segments[0])
    rest = await spool.seal()
    assert [r["i"] for r in await spool.read(rest[0])] == [5]
    await spool.remove(rest[0])
    assert spool.empty
    await spool.close()
    assert not _segment_files(tmp_path)


async def test_concurrent_appends_keep_their_order_and_share_fsyncs(tmp_path: Path) -> None:
    spool = await _spool(tmp_path)
    await asyncio.gather(*(spool.append({"i": i}) for i in range(500)))
    records = [r for seg in await spool.seal() for r in await spool.read(seg)]
    assert [r["i"] for r in records] == list(range(500))
    await spool.close()


async def test_a_later_process_finds_the_segments_and_never_appends_to_them(
    tmp_path: Path,
) -> None:
    first = await _spool(tmp_path)
    await first.append({"i": 1})
    await first.close()
    second = await _spool(tmp_path)
    assert not second.empty
    await second.append({"i": 2})
    segments = await second.seal()
    assert [s.name for s in segments] == ["segment-0000000001.jsonl", "segment-0000000002.jsonl"]
    assert [r["i"] for s in segments for r in await second.read(s)] == [1, 2]
    await second.close()


async def test_torn_last_line_and_garbage_are_quarantined_not_the_rest(tmp_path: Path) -> None:
    spool = await _spool(tmp_path)
    for i in range(3):
        await spool.append({"i": i})
    await spool.close()
    segment = tmp_path / "segment-0000000001.jsonl"
    lines = segment.read_bytes().split(b"\n")
    # a garbage line in the middle, and a write torn by a crash at the end
    torn = b'{"i": 3, "x'
    segment.write_bytes(b"\n".join([lines[0], b"\x00\x00garbage", *lines[1:3], torn]))
    spool = await _spool(tmp_path)
    (seg,) = await spool.seal()
    assert [r["i"] for r in await spool.read(seg)] == [0, 1, 2]
    quarantined = (tmp_path / "quarantine-segment-0000000001.jsonl").read_bytes().splitlines()
    assert quarantined == [b"\x00\x00garbage", b'{"i": 3, "x']
    await spool.close()


async def test_a_whole_last_line_missing_only_its_newline_is_used(tmp_path: Path) -> None:
    (tmp_path / "segment-0000000007.jsonl").write_bytes(b'{"i": 1}\n{"i": 2}')
    spool = await _spool(tmp_path)
    (seg,) = await spool.seal()
    assert [r["i"] for r in await spool.read(seg)] == [1, 2]
    await spool.append({"i": 3})
    assert (await spool.seal())[-1].name == "segment-0000000008.jsonl"
    await spool.close()


async def test_segments_rotate_by_size(tmp_path: Path) -> None:
    spool = await _spool(tmp_path, segment_bytes=200)
    for i in range(40):
        await spool.append({"i": i, "pad": "x" * 20})
    segments = await spool.seal()
    assert len(segments) > 5
    assert [r["i"] for s in segments for r in await spool.read(s)] == list(range(40))
    await spool.close()


async def test_one_process_per_spool_directory(tmp_path: Path) -> None:
    first = await _spool(tmp_path)
    with pytest.raises(SpoolError, match="in use by another rufbereit process"):
        await _spool(tmp_path)
    await first.close()
    second = await _spool(tmp_path)  # free again after close
    await second.close()


async def test_unusable_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SpoolError, match="RUFBEREIT_SPOOL_DIR"):
        await _spool(blocker / "spool")


async def test_rejected_records_are_kept_with_the_reason(tmp_path: Path) -> None:
    spool = await _spool(tmp_path)
    where = await spool.reject({"op": "x"}, "CheckViolation (SQLSTATE 23514)")
    entry = json.loads(where.read_text())
    assert entry["record"] == {"op": "x"} and "23514" in entry["reason"]
    await spool.close()


async def test_a_cancelled_appenders_line_is_not_stranded(tmp_path: Path) -> None:
    spool = await _spool(tmp_path)
    first = asyncio.create_task(spool.append({"i": 1}))
    second = asyncio.create_task(spool.append({"i": 2}))
    await asyncio.sleep(0)  # the first is writing, the second waits for the disk
    second.cancel()
    await first
    with contextlib.suppress(asyncio.CancelledError):
        await second
    assert not spool.empty
    records = [r for seg in await spool.seal() for r in await spool.read(seg)]
    assert [r["i"] for r in records] == [1, 2]
    await spool.close()
