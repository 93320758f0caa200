"""`zhibu import`: staff load the organisation and members from Excel and CSV files.

Each test writes files the way a person at a desk would make them (title rows, a notes
sheet, GB18030 CSVs) and reads back both the report they get and what was stored.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.clock import FrozenClock
from bot.i18n import translator
from bot.roster import ImportReport, format_report, import_roster
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import Member, NewMember
from tests.conftest import START
from tests.unit.test_cli import zhibu

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MEMBER_HEADER = [
    "编号",
    "姓名",
    "乡镇",
    "支部",
    "党小组",
    "出生年份",
    "身份",
    "电话",
    "流动",
    "流入城市",
    "工作单位",
]
UNITS = [
    ["县", "乡镇", "支部", "党小组"],
    ["青山县", "东岭镇", "东岭村党支部", "第一党小组"],
    ["青山县", "东岭镇", "南坡村党支部", ""],
    ["青山县", "西河乡", "西河村党支部", ""],
]
zh = translator("zh")
en = translator("en")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def row(
    key: str,
    name: str,
    year: int,
    *,
    branch: str = "东岭村党支部",
    group: str = "",
    status: str = "正式党员",
    phone: str = "",
    flowing: str = "否",
) -> list[Any]:
    """A members row in MEMBER_HEADER's order (no city, no work unit)."""
    return [key, name, "东岭镇", branch, group, year, status, phone, flowing, "", ""]


def write_csv(
    path: Path, rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


async def members_by_key(db: Database) -> dict[str, Member]:
    async with db.read() as c:
        return {m.roster_key or "": m for m in await member_repo.all_members(c)}


async def unit_names(db: Database, kind: str) -> list[str]:
    async with db.read() as c:
        return [u.name for u in await org_repo.units_of_kind(c, kind)]  # type: ignore[arg-type]


def errors(report: ImportReport) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, en(p.message, **p.fields)) for p in report.errors]


async def test_the_example_workbook_loads_the_county_and_again_changes_nothing(
    db: Database, clock: FrozenClock
) -> None:
    report = await import_roster(db, [EXAMPLES / "roster.xlsx"], clock)
    assert report.errors == [] and report.written
    assert report.units_created == {"county": 1, "township": 3, "branch": 6, "group": 3}
    assert len(report.added) == 20
    assert [n.where for n in report.notes] == ["roster.xlsx [说明]"]  # the notes sheet
    assert await unit_names(db, "township") == ["东岭镇", "北山乡", "西河乡"]
    members = await members_by_key(db)
    li = members["QS0003"]
    assert (li.name, li.birth_year, li.status, li.phone) == ("李志强", 1985, "full", "13800000003")
    assert (li.flowing, li.flow_city, li.flow_employer) == (True, "深圳", "宝安区某电子厂")
    assert li.state == "active" and li.telegram_id is None
    async with db.read() as c:
        group = await org_repo.get_unit(c, li.group_id or 0)
        branch = await org_repo.get_unit(c, li.branch_id)
        logged = await audit.entries(c)
    assert group is not None and group.name == "第二党小组"
    assert branch is not None and branch.name == "东岭村党支部"
    assert members["QS0004"].status == "probationary" and members["QS0004"].flow_employer is None
    assert members["QS0005"].phone is None and not members["QS0005"].flowing
    assert [(e.actor, e.action, e.subject) for e in logged] == [
        ("cli", "roster.import", "roster.xlsx")
    ]
    text = format_report(report, zh)
    assert "新增乡镇 3 个、支部 6 个、党小组 3 个" in text and "新增 20 人" in text
    assert text.endswith("导入完成。")

    # The same data again, this time as the two CSVs: nothing changes.
    again = await import_roster(db, [EXAMPLES / "units.csv", EXAMPLES / "members.csv"], clock)
    assert (sum(again.units_created.values()), again.added, again.updated, again.unchanged) == (
        0,
        [],
        [],
        20,
    )
    assert await members_by_key(db) == members


async def test_a_corrected_file_updates_rows_and_keeps_what_the_bot_learned(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    units = write_csv(tmp_path / "units.csv", UNITS)
    rows: list[list[Any]] = [
        MEMBER_HEADER,
        [
            "0001",
            "陈建国",
            "东岭镇",
            "东岭村党支部",
            "第一党小组",
            1958,
            "正式党员",
            "13800000001",
            "否",
            "",
            "",
        ],
        ["0002", "王秀英", "东岭镇", "东岭村党支部", "", 1972, "预备党员", "", "否", "", ""],
    ]
    await import_roster(db, [units, write_csv(tmp_path / "m.csv", rows)], clock)
    chen = (await members_by_key(db))["0001"]
    async with db.tx() as c:  # he joined in the bot meanwhile and is exempt from writing
        await member_repo.ensure_user(c, 555, clock.now())
        await member_repo.update_member(
            c, chen.id, {"telegram_id": 555, "no_writing": True}, clock.now()
        )

    rows[1] = [
        "0001",
        "陈建国",
        "西河乡",
        "西河村党支部",
        "",
        1958,
        "正式党员",
        "139 0000 0001",
        "是",
        "宁波",
        "港口",
    ]
    rows[2][6] = "正式党员"
    report = await import_roster(db, [units, write_csv(tmp_path / "m.csv", rows)], clock)

    assert report.errors == []
    changes = {c.key: set(c.columns) for c in report.updated}
    assert changes == {
        "0001": {"支部", "党小组", "电话", "流动", "流入城市", "工作单位"},
        "0002": {"身份"},
    }
    chen = (await members_by_key(db))["0001"]
    assert (chen.phone, chen.flowing, chen.flow_city, chen.group_id) == (
        "13900000001",
        True,
        "宁波",
        None,
    )
    assert (chen.telegram_id, chen.no_writing, chen.state) == (555, True, "active")
    assert "0001 陈建国：支部, 党小组, 电话, 流动, 流入城市, 工作单位" in format_report(report, zh)


async def test_bad_rows_are_reported_by_row_and_nothing_is_written(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    book = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "组织": [["青山县组织名册"], UNITS[0], *UNITS[1:]],
            "党员": [
                ["青山县党员花名册"],
                MEMBER_HEADER,
                row("0001", "陈建国", 1958),
                row("0002", "王秀英", 1972, branch="北坡村党支部"),
                row("0003", "李老汉", 1850),
                row("0004", "", 1980),
                row("0001", "陈建华", 1960),
                row("0006", "周海", 1980, status="党员候选"),
                row("0007", "吴燕", 1990, phone="12", flowing="是"),
                row("0008", "郑庆", 1976, group="第九党小组", flowing="也许"),
            ],
        },
    )
    report = await import_roster(db, [book], clock)

    # Every problem in one pass: the cells, and what only the database can tell (an
    # unknown branch, an unknown party group), even on rows with a wrong cell.
    assert errors(report) == [
        (4, "支部", "unknown branch “北坡村党支部” in 东岭镇"),
        (5, "出生年份", "1850 is not a year of birth between 1900 and 2010"),
        (6, "姓名", "empty: write the member's name"),
        (7, "编号", "number 0001 is already used in roster.xlsx [党员], row 3"),
        (8, "身份", "“党员候选” is not a status: write 正式党员, 预备党员 or 入党积极分子"),
        (9, "电话", "“12” does not look like a phone number"),
        (9, "流入城市", "empty: a member working away needs the city they work in"),
        (10, "流动", "“也许”: write 是 (working away) or 否"),
        (10, "党小组", "unknown party group “第九党小组” in 东岭村党支部"),
    ]
    assert await unit_names(db, "township") == [] and await members_by_key(db) == {}
    text = format_report(report, zh)
    assert text.startswith("发现 9 处问题，未写入任何数据。")
    assert "roster.xlsx [党员], 第 5 行, 出生年份: 1850 不是 1900 至 2010 之间的出生年份" in text


async def test_common_chinese_headers_and_months_of_birth(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    from datetime import datetime

    await import_roster(db, [EXAMPLES / "units.csv"], clock)
    book = write_xlsx(
        tmp_path / "花名册.xlsx",
        {
            "党员信息": [
                ["东岭村党员花名册"],
                [
                    "序号",
                    "编号",
                    "姓名",
                    "所在党支部",
                    "党员类别",
                    "出生年月",
                    "是否流动党员",
                    "流入城市",
                ],
                [1, "D1", "陈一", "东岭村党支部", "正式党员", "1975-03", "否", ""],
                [2, "D2", "陈二", "东岭村党支部", "预备党员", "1982年11月", "是", "宁波"],
                [3, "D3", "陈三", "东岭村党支部", "正式党员", datetime(1968, 7, 1), "否", ""],
                [4, "D4", "陈四", "东岭村党支部", "正式党员", 1990.04, "否", ""],
                [
                    5,
                    "D5",
                    "陈五",
                    "东岭村党支部",
                    "正式党员",
                    27454,
                    "否",
                    "",
                ],  # a date's day number
                [6, "D6", "陈六", "东岭村党支部", "入党积极分子", "1999.12.05", "", ""],
            ]
        },
    )
    report = await import_roster(db, [book], clock)
    assert report.errors == [] and report.added == ["D1", "D2", "D3", "D4", "D5", "D6"]
    members = await members_by_key(db)
    assert {key: m.birth_year for key, m in members.items() if key.startswith("D")} == {
        "D1": 1975,
        "D2": 1982,
        "D3": 1968,
        "D4": 1990,
        "D5": 1975,
        "D6": 1999,
    }
    assert (members["D2"].status, members["D2"].flowing, members["D2"].flow_city) == (
        "probationary",
        True,
        "宁波",
    )
    assert members["D6"].status == "activist" and not members["D6"].flowing
    async with db.read() as c:
        branch = await org_repo.get_unit(c, members["D1"].branch_id)
    assert branch is not None and branch.name == "东岭村党支部"

    wrong = write_csv(
        tmp_path / "m.csv",
        [
            ["编号", "姓名", "所在党支部", "党员类别", "出生年月"],
            ["D7", "陈七", "东岭村党支部", "正式党员", "1975-13"],
            ["D8", "陈八", "东岭村党支部", "正式党员", "75年3月"],
        ],
    )
    assert errors(await import_roster(db, [wrong], clock)) == [
        (
            2,
            "出生年月",
            "“1975-13” is not a year or month of birth: write 1975, 1975-03 or 1975年3月",
        ),
        (
            3,
            "出生年月",
            "“75年3月” is not a year or month of birth: write 1975, 1975-03 or 1975年3月",
        ),
    ]


async def test_every_problem_of_every_file_in_one_report(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """A header problem does not hide the rows' problems, a cell problem does not hide
    what the database says, and one file's problems do not hide another's."""
    book = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "组织": [UNITS[0], *UNITS[1:], ["青山县", "", "无乡村党支部", ""]],
            "党员": [
                ["编号", "姓名", "乡镇", "支部", "出生年份"],  # no 身份 column
                ["A1", "甲", "东岭镇", "东岭村党支部", 1850],
                ["A2", "乙", "东岭镇", "北坡村党支部", 1980],
            ],
        },
    )
    more = write_csv(
        tmp_path / "more.csv",
        [
            ["编号", "姓名", "支部", "身份", "电话"],
            ["A1", "丙", "西河村党支部", "正式党员", "12"],
            ["B2", "丁", "不存在村党支部", "正式党员", ""],
        ],
    )
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    report = await import_roster(db, [book, more, old], clock)
    assert [(p.where, *place) for p, place in zip(report.errors, errors(report), strict=True)] == [
        ("roster.xlsx [组织]", 5, "乡镇", "empty: every row needs its township"),
        ("roster.xlsx [党员]", None, "身份", "this column is missing"),
        ("roster.xlsx [党员]", 2, "出生年份", "1850 is not a year of birth between 1900 and 2010"),
        ("roster.xlsx [党员]", 3, "支部", "unknown branch “北坡村党支部” in 东岭镇"),
        ("more.csv", 2, "电话", "“12” does not look like a phone number"),
        ("more.csv", 2, "编号", "number A1 is already used in roster.xlsx [党员], row 2"),
        (
            "more.csv",
            3,
            "支部",
            "unknown branch “不存在村党支部”: add it to the organisation sheet first",
        ),
        (
            "old.xls",
            None,
            None,
            "old Excel/WPS files cannot be read: open the file and save it as .xlsx",
        ),
    ]
    assert await unit_names(db, "county") == [] and await members_by_key(db) == {}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("roster.xls", b"\xd0\xcf\x11\xe0", "old Excel/WPS files cannot be read"),
        ("roster.txt", "编号,姓名".encode(), "unsupported file type .txt"),
        ("roster.xlsx", "编号,姓名\n".encode(), "not a readable .xlsx file"),
        ("roster.csv", "名单\n张三\n".encode(), "no roster table found"),
        ("roster.csv", b"\xff\xfe\x00\x00\x81", "neither UTF-8 nor GB18030"),
    ],
)
async def test_files_that_are_not_rosters_are_refused(
    db: Database, clock: FrozenClock, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = await import_roster(db, [path, EXAMPLES / "units.csv"], clock)
    assert len(report.errors) == 1 and report.errors[0].where == name
    assert expected in en(report.errors[0].message, **report.errors[0].fields)
    assert await unit_names(db, "county") == []  # the good file beside it waits too


async def test_missing_file_and_missing_columns(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    report = await import_roster(db, [tmp_path / "nope.xlsx"], clock)
    assert errors(report) == [(None, None, "file not found")]
    no_status = write_csv(tmp_path / "m.csv", [["编号", "姓名", "支部"], ["1", "张三", "东岭"]])
    report = await import_roster(db, [no_status], clock)
    assert errors(report) == [
        (None, "身份", "this column is missing"),
        (
            None,
            None,
            "the database has no organisation yet: import the organisation sheet "
            "(县, 乡镇, 支部) first or together",
        ),
    ]


async def test_dry_run_reports_the_same_and_writes_nothing(
    db: Database, clock: FrozenClock
) -> None:
    report = await import_roster(db, [EXAMPLES / "roster.xlsx"], clock, dry_run=True)
    assert report.errors == [] and not report.written and len(report.added) == 20
    assert format_report(report, en).endswith("Dry run: nothing was written.")
    assert await unit_names(db, "county") == [] and await members_by_key(db) == {}
    async with db.read() as c:
        assert await audit.entries(c) == []


async def test_members_left_out_are_kept_and_counted(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    await import_roster(db, [EXAMPLES / "roster.xlsx"], clock)
    shorter = tmp_path / "members.csv"
    with (EXAMPLES / "members.csv").open(encoding="utf-8") as source:
        lines = source.readlines()
    shorter.write_text("".join(lines[:-2]), encoding="utf-8")
    report = await import_roster(db, [shorter], clock)
    assert report.not_in_files == [("QS0019", "宋立新"), ("QS0020", "谢金花")]
    assert len(await members_by_key(db)) == 20
    assert "2 members in the database are not in these files (QS0019 宋立新, QS0020 谢金花)" in (
        format_report(report, en)
    )


async def test_gb18030_csv_with_semicolons_and_no_township_column(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    await import_roster(db, [EXAMPLES / "units.csv"], clock)
    path = write_csv(
        tmp_path / "excel-export.csv",
        [
            ["编号*", "姓名*", "支部（全称）", "身份", "是否流动", "流入地", "出生年份"],
            ["X1", "欧阳娜", "柳湾村党支部", "预备", "是", "温州", "1996年"],
            ["X2", "黄强", "东岭村党支部", "正式党员", "否", "", ""],
        ],
        encoding="gb18030",
        delimiter=";",
    )
    report = await import_roster(db, [path], clock)
    assert report.errors == [] and report.added == ["X1", "X2"]
    members = await members_by_key(db)
    assert (members["X1"].status, members["X1"].flow_city, members["X1"].birth_year) == (
        "probationary",
        "温州",
        1996,
    )
    assert members["X2"].birth_year is None


async def test_a_branch_name_in_two_townships_needs_the_township(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    units = write_csv(tmp_path / "u.csv", [*UNITS, ["青山县", "西河乡", "南坡村党支部", ""]])
    members = write_csv(
        tmp_path / "m.csv",
        [["编号", "姓名", "支部", "身份"], ["1", "张三", "南坡村党支部", "正式党员"]],
    )
    report = await import_roster(db, [units, members], clock)
    assert errors(report) == [
        (2, "支部", "several townships have a branch “南坡村党支部”: fill in the township")
    ]


async def test_one_database_holds_one_county(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    await import_roster(db, [EXAMPLES / "units.csv"], clock)
    other = write_csv(tmp_path / "u.csv", [["县", "乡镇"], ["白水县", "白水镇"]])
    assert errors(await import_roster(db, [other], clock)) == [
        (2, "县", "this database is for 青山县, not 白水县")
    ]
    fresh = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        no_county = write_csv(tmp_path / "n.csv", [["乡镇", "支部"], ["白水镇", "白水村"]])
        assert errors(await import_roster(fresh, [no_county], clock)) == [
            (2, "县", "the first import must name the county: add a 县 column")
        ]
        members_only = tmp_path / "members.csv"
        shutil.copy(EXAMPLES / "members.csv", members_only)
        report = await import_roster(fresh, [members_only], clock)
        assert "no organisation yet" in errors(report)[0][2]
    finally:
        await fresh.close()


async def test_a_roster_row_takes_over_someone_who_joined_in_the_bot(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    await import_roster(db, [EXAMPLES / "units.csv"], clock)
    async with db.tx() as c:
        branch = await org_repo.find_unit(c, "township", "东岭镇", (await org_repo.county(c)).id)  # type: ignore[union-attr]
        assert branch is not None
        village = await org_repo.find_unit(c, "branch", "南坡村党支部", branch.id)
        assert village is not None
        await member_repo.ensure_user(c, 777, clock.now())
        joined = await member_repo.insert_member(
            c,
            NewMember(
                branch_id=village.id,
                name="孙桂兰",
                birth_year=1966,
                status="full",
                telegram_id=777,
                state="active",
            ),
            clock.now(),
        )
    report = await import_roster(db, [EXAMPLES / "members.csv"], clock)
    assert report.linked == ["QS0007"] and len(report.added) == 19
    sun = (await members_by_key(db))["QS0007"]
    assert (sun.id, sun.telegram_id, sun.phone) == (joined.id, 777, "13800000007")


def test_the_command_line_reports_in_chinese_and_fails_on_errors(tmp_path: Path) -> None:
    env = {"ZHIBU_DATABASE": str(tmp_path / "z.sqlite3"), "LANG": "zh_CN.UTF-8"}
    dry = zhibu("import", str(EXAMPLES / "roster.xlsx"), "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "新增 20 人" in dry.stdout and "试运行：未写入任何数据。" in dry.stdout
    done = zhibu("import", str(EXAMPLES / "roster.xlsx"), env=env, cwd=tmp_path)
    assert done.returncode == 0 and "导入完成。" in done.stdout
    bad = tmp_path / "bad.csv"
    write_csv(
        bad,
        [
            ["编号", "姓名", "支部", "身份", "出生年份"],
            ["Z1", "张三", "东岭村党支部", "正式党员", "1850"],
        ],
    )
    failed = zhibu("import", str(bad), "--lang", "en", env=env, cwd=tmp_path)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "bad.csv, row 2, 出生年份: 1850 is not a year of birth" in failed.stdout


async def test_the_township_leadership_column(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """乡镇领导班子 marks whose duty the twenty centralised study sessions are; a cell
    that says neither 是 nor 否 is refused, with nothing written."""
    units = write_csv(tmp_path / "units.csv", UNITS)
    header = ["编号", "姓名", "支部", "身份", "乡镇领导班子"]
    bad = write_csv(
        tmp_path / "bad.csv", [header, ["0001", "陈建国", "东岭村党支部", "正式党员", "书记"]]
    )
    report = await import_roster(db, [units, bad], clock)
    assert errors(report) == [
        (2, "乡镇领导班子", "“书记”: write 是 (a member of the township leadership) or 否")
    ]
    assert await members_by_key(db) == {}

    good = write_csv(
        tmp_path / "members.csv",
        [
            header,
            ["0001", "陈建国", "东岭村党支部", "正式党员", "是"],
            ["0002", "王秀英", "东岭村党支部", "正式党员", ""],
        ],
    )
    report = await import_roster(db, [units, good], clock)
    assert not report.errors
    stored = await members_by_key(db)
    assert stored["0001"].township_leadership and not stored["0002"].township_leadership

    write_csv(good, [header, ["0001", "陈建国", "东岭村党支部", "正式党员", "否"]])
    report = await import_roster(db, [good], clock)
    assert not (await members_by_key(db))["0001"].township_leadership


async def test_the_committee_column(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    """支委 marks the branch committee, whom its meetings invite; a later roster without
    the column leaves the marks alone, one that says 否 takes them off."""
    units = write_csv(tmp_path / "units.csv", UNITS)
    header = ["编号", "姓名", "支部", "身份", "支委"]
    bad = write_csv(
        tmp_path / "bad.csv", [header, ["0001", "陈建国", "东岭村党支部", "正式党员", "委员"]]
    )
    report = await import_roster(db, [units, bad], clock)
    assert errors(report) == [
        (2, "支委", "“委员”: write 是 (a member of the branch committee) or 否")
    ]
    good = write_csv(
        tmp_path / "members.csv",
        [
            header,
            ["0001", "陈建国", "东岭村党支部", "正式党员", "是"],
            ["0002", "王秀英", "东岭村党支部", "正式党员", "否"],
        ],
    )
    report = await import_roster(db, [units, good], clock)
    assert not report.errors
    stored = await members_by_key(db)
    assert stored["0001"].committee and not stored["0002"].committee
    write_csv(
        good, [["编号", "姓名", "支部", "身份"], ["0001", "陈建国", "东岭村党支部", "正式党员"]]
    )
    await import_roster(db, [good], clock)
    assert (await members_by_key(db))["0001"].committee
    write_csv(good, [header, ["0001", "陈建国", "东岭村党支部", "正式党员", "否"]])
    await import_roster(db, [good], clock)
    assert not (await members_by_key(db))["0001"].committee
