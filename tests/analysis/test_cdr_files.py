"""Reading the PBX's records as admins have them: cdr_csv's Master.csv in its variants,
the cdr_custom file with linkedid, a CSV export with a header, CEL; bad rows are named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent.analysis.cdr import CdrError, read_cdr_csv
from agent.analysis.cel import read_cel_links

BERLIN = ZoneInfo("Europe/Berlin")
ROW = (
    '"","01711234567","0891234567","from-trunk","""Max Muster"" <01711234567>",'
    '"PJSIP/trunk-00000001","PJSIP/101-00000002","Dial","PJSIP/101&PJSIP/102,20",'
    '"2026-06-01 09:00:00","2026-06-01 09:00:05","2026-06-01 09:03:00",180,175,'
    '"ANSWERED","DOCUMENTATION","1780000000.1",""'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Master.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_cdr_csv_rows_in_local_time(tmp_path: Path) -> None:
    batch = read_cdr_csv(write(tmp_path, ROW + "\n"), BERLIN)
    (r,) = batch.records
    assert r.src == "01711234567" and r.dstchannel == "PJSIP/101-00000002"
    assert r.clid == '"Max Muster" <01711234567>'
    assert r.start == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 9:00 in Berlin's summer
    assert r.answer == datetime(2026, 6, 1, 7, 0, 5, tzinfo=UTC)
    assert (r.duration, r.billsec, r.disposition, r.uniqueid) == (
        180,
        175,
        "ANSWERED",
        "1780000000.1",
    )


def test_without_uniqueid_and_userfield_and_with_linkedid(tmp_path: Path) -> None:
    short = ROW.rsplit(",", 2)[0]  # loguniqueid=no, loguserfield=no: 16 columns
    custom = ROW + ',"1780000000.1","7"'  # the cdr_custom template: + linkedid, sequence
    batch = read_cdr_csv(write(tmp_path, f"{short}\n{custom}\n"), UTC)
    assert [r.uniqueid for r in batch.records] == ["", "1780000000.1"]
    assert batch.records[1].linkedid == "1780000000.1" and batch.records[1].sequence == 7


def test_a_header_row_names_the_columns_and_a_database_export_may_lack_answer(
    tmp_path: Path,
) -> None:
    text = (
        "calldate,src,dst,channel,dstchannel,lastapp,lastdata,duration,billsec,disposition,"
        "uniqueid,linkedid\n"
        "2026-06-01 09:00:00,01711234567,0891234567,PJSIP/trunk-1,PJSIP/101-2,Dial,"
        "PJSIP/101,30,25,ANSWERED,17.1,17.1\n"
    )
    (r,) = read_cdr_csv(write(tmp_path, text), UTC).records
    assert r.answer == datetime(2026, 6, 1, 9, 0, 5, tzinfo=UTC)  # end minus billsec
    assert r.end == datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC)


def test_bad_rows_are_counted_with_their_line_and_the_rest_is_read(tmp_path: Path) -> None:
    bad_time = ROW.replace('"2026-06-01 09:00:00"', '"gestern"', 1)
    bad_secs = ROW.replace(",180,175,", ",180,999,", 1)
    text = f'{ROW}\n{bad_time}\n"only","three","columns"\n{bad_secs}\n\n{ROW}\n'
    batch = read_cdr_csv(write(tmp_path, text), UTC)
    assert len(batch.records) == 2
    assert [line for line, _ in batch.unreadable] == [2, 3, 4]
    assert "start is not a time" in batch.unreadable[0][1]
    assert "3 columns" in batch.unreadable[1][1]
    assert "billsec 999 > duration 180" in batch.unreadable[2][1]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CdrError, match=r"cannot read .*nope\.csv"):
        read_cdr_csv(tmp_path / "nope.csv", UTC)


def test_cel_gives_each_channel_its_call(tmp_path: Path) -> None:
    path = tmp_path / "cel.csv"
    path.write_text(
        '"CHAN_START","2026-06-01 09:00:00","01711234567","","0891234567","from-trunk",'
        '"PJSIP/trunk-1","","","17.1","17.1","",""\n'
        '"CHAN_START","2026-06-01 09:00:00","01711234567","","101","from-internal",'
        '"Local/101@from-internal-0001;2","","","17.3","17.1","",""\n'
        "broken line\n",
        encoding="utf-8",
    )
    assert read_cel_links(path) == {"17.1": "17.1", "17.3": "17.1"}
