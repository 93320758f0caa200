"""What staff get from /report, looked at as they would: the chart names the branches and
leaders in their language, in the font that comes with the bot, with a bar of 0 that can
be seen; the spreadsheet has a title, a heading kept in view, columns that fit, shares
as percentages and a file name ending on the period's last day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Text

from bot import bulletins, charts, reports, visits
from bot.clock import FrozenClock
from bot.i18n import translator
from bot.text_layout import width
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import org as org_repo
from storage.models import NewMeeting, NewVisit
from tests import sheets
from tests.e2e.flows import make_leader, registered
from tests.harness import Harness, Person
from tests.pictures import zero_is_seen

OCTOBER = datetime.fromisoformat("2026-10-01T19:00:00+08:00")
MORE = [
    "北山村党支部",
    "柳树湾村党支部",
    "石门村党支部",
    "桃园村党支部",
    "青龙村党支部",
    "红旗村党支部",
    "新华村党支部",
    "大坪村党支部",
    "长岭岗村第二党支部（含原小河村、大河村）",
]


async def october_with_sessions(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> dict[str, int]:
    """Twelve branches; each held some of its two October sessions — 西河村 none (0 %)."""
    now = clock.now()
    async with h.db.tx() as c:
        for name in MORE:
            county[name] = (await org_repo.add_unit(c, "branch", name, county["dongling"], now)).id
    branch_ids = {
        "东岭村党支部": county["east"],
        "南坡村党支部": county["south"],
        "西河村党支部": county["west"],
        **{n: county[n] for n in MORE},
    }
    for number, (name, branch_id) in enumerate(branch_ids.items()):
        (member,) = await registered(h, branch_id, [f"党员{number}"])
        async with h.db.read() as c:
            member_id = (await member_repo.member_of_user(c, member.id)).id  # type: ignore[union-attr]
        for session in range(2):
            async with h.db.tx() as c:
                meeting = await meeting_repo.add_meeting(
                    c,
                    NewMeeting(
                        branch_id=branch_id,
                        kind="lesson",
                        place="村委会",
                        topic="学习",
                        created_by=staff.id,
                        starts_at=OCTOBER + timedelta(days=2 * number + session),
                    ),
                    now,
                )
                if name != "西河村党支部" and (session == 0 or number % 2):
                    await meeting_repo.put_attendance(c, meeting.id, member_id, "present", now)
                await meeting_repo.set_state(c, meeting.id, "closed")
                await meeting_repo.mark_absent(c, meeting.id, now)
    return branch_ids


def photos(h: Harness, person: Person) -> list[tuple[str, bytes]]:
    found = []
    for message in h.emu.messages(person.user):
        if message.media.get("photo"):
            file_id = message.media["photo"][-1]["file_id"]
            found.append((message.caption or "", h.emu.files[file_id].data))
    return found


def documents(h: Harness, person: Person) -> list[tuple[str, bytes]]:
    return [
        (m.document["file_name"], h.emu.files[m.document["file_id"]].data)
        for m in h.emu.messages(person.user)
        if m.document
    ]


def shown_texts(figure: Any) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_text() and t.get_visible()]


def all_inside(figure: Any) -> None:
    """Every text, the title first, lies within the picture: nothing is cut off."""
    renderer = figure.canvas.get_renderer()
    box = figure.bbox
    for text in shown_texts(figure):
        extent = text.get_window_extent(renderer)
        assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, text.get_text()
        assert box.y0 - 1 <= extent.y0 and extent.y1 <= box.y1 + 1, text.get_text()


def photo_sizes(h: Harness, person: Person) -> list[tuple[int, int]]:
    """Width and height as Telegram reports them for each photo the person got."""
    return [
        (m.media["photo"][-1]["width"], m.media["photo"][-1]["height"])
        for m in h.emu.messages(person.user)
        if m.media.get("photo")
    ]


async def october_report(
    h: Harness,
    county: dict[str, int],
    staff: Person,
    clock: FrozenClock,
    language: str,
    buttons: list[str],
) -> tuple[bulletins.Bulletin, Figure, str, bytes]:
    """Staff ask /report for October's bulletin of the county, pressing ``buttons``; the
    chart they get is the figure built here from the same figures, drawn again, with
    nothing cut off."""
    await staff.says("/report")
    for label in buttons:
        await staff.presses(label)
    built = await bulletins.build(
        h.db, clock, county["county"], date(2026, 10, 1), date(2026, 11, 1), 3.0
    )
    (figure,) = bulletins.chart_figures(built, translator(language))
    ((caption, png),) = photos(h, staff)
    assert png == charts.render(figure)
    all_inside(figure)
    return built, figure, caption, png


async def test_the_branch_bulletin_chart_and_sheet_as_staff_see_them(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    branch_ids = await october_with_sessions(h, county, staff, clock)

    # The chart: the picture the person got is this figure, drawn again here.
    built, figure, caption, png = await october_report(
        h,
        county,
        staff,
        clock,
        "zh",
        ["📊 支部：会议、学习、心得、联系点、通知", "上月（2026-10）", "🏛 全县"],
    )
    ((across, tall),) = photo_sizes(h, staff)
    assert across == 1080 and tall < 20 * across  # a phone's width; Telegram's limits
    assert caption == "📈 各支部应开会议召开率，顺序与通报相同；每条后面另注出勤率。"
    assert figure.get_suptitle().replace("\n", "") == (
        "应开会议召开率：青山县，2026-10-01 至 2026-10-31"
    )
    texts = shown_texts(figure)
    assert {t.get_fontproperties().get_file() for t in texts} == {charts.FONT_FILE}
    labels = [t.get_text().replace("\n", "") for t in figure.axes[0].get_yticklabels()]
    names = [line.name for line in built.active]
    assert len(labels) == len(branch_ids) == 12
    for label, name in zip(labels, names, strict=True):  # in the message's order
        # a name too long for a phone is shortened, visibly
        assert label == name or (label.endswith("…") and name.startswith(label[:-1]))
    assert "长岭岗村第二党支部（含原小河村、大河村）" not in labels
    west = names.index("西河村党支部")
    assert bulletins.chart_data(built)[west] == (0.0, 0.0)  # nothing held, nobody came
    at_west = [t.get_text() for t in texts if t.get_position()[1] == west and "·" in t.get_text()]
    assert at_west == ["0% · 出勤 0%"]
    assert zero_is_seen(figure, png, west)  # a stroke at 0, not nothing
    # No colour marks anyone: one colour for all.
    bars = figure.axes[0].patches
    assert len({bar.get_facecolor() for bar in bars}) == 1

    # The spreadsheet: named for the period's days, with its title, in Chinese.
    ((name, data),) = documents(h, staff)
    assert name == "工作通报-青山县-2026-10-01_2026-10-31.xlsx"
    book = sheets.book(data)
    table = book["支部"]
    assert sheets.title(table).startswith(
        "工作通报：支部 · 青山县 · 2026-10-01 至 2026-10-31 · 制表 2026-11-24 10:00"
    )
    assert table.freeze_panes == "A3"
    assert table.print_title_rows == "$1:$2"  # on every printed page
    heading = sheets.heading(table)
    assert heading[:2] == ("乡镇", "支部")
    rows = sheets.rows(table)
    attendance = heading.index("出勤率")
    shares = {row[1]: row[attendance] for row in rows}
    assert shares["西河村党支部"] == 0 and 0 < shares["东岭村党支部"] < 1
    assert table.cell(3, attendance + 1).number_format == "0%"  # 0.5 shows as 50 %
    longest = max(width(str(row[1])) for row in rows)
    assert table.column_dimensions["B"].width >= longest + 2  # Chinese counts double
    members = book["党员"]
    assert sheets.title(members).startswith("工作通报：党员 · 青山县")
    assert sheets.heading(members)[:2] == ("支部", "党员")


async def test_an_english_reader_gets_english_charts_and_sheets(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    await october_with_sessions(h, county, staff, clock)
    await staff.says("/lang")
    await staff.presses("English")

    _, figure, _, _ = await october_report(
        h,
        county,
        staff,
        clock,
        "en",
        ["📊 Branches: sessions, study, notes, vis…", "Last month (2026-10)", "🏛 The whole county"],
    )
    assert " ".join(figure.get_suptitle().split()) == (  # wrapped to fit
        "Sessions held of those due: 青 山县, 2026-10-01 to 2026-10-31"
    )
    assert figure.axes[0].get_xlabel() == "sessions held of those due (%)"
    ((name, data),) = documents(h, staff)
    assert name == "bulletin-青山县-2026-10-01_2026-10-31.xlsx"
    table = sheets.book(data)["Branches"]
    assert sheets.title(table).startswith(
        "Bulletin: Branches · 青山县 · 2026-10-01 to 2026-10-31 · made 2026-11-24 10:00"
    )
    assert sheets.heading(table)[:2] == ("Township", "Branch")


async def test_the_contact_point_chart_names_the_leaders(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    diligent = await make_leader(h, county["west"], [county["east"]], name="王县长")
    await make_leader(h, county["west"], [county["south"]], name="欧阳乡长")  # no visits
    for month in range(1, 7):
        await visits.log(
            h.db,
            clock,
            NewVisit(
                leader_telegram_id=diligent.id,
                branch_id=county["east"],
                day=date(2026, month, 10),
                days=3.0,
                activity="research",
                record="记录",
            ),
        )

    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("上个半年（2026-01 – 2026-06）")

    built = await reports.visit_bulletin(h.db, clock, date(2026, 1, 1), date(2026, 7, 1), 3.0)
    (figure,) = reports.visit_chart_figures(built, translator("zh"))
    ((caption, png),) = photos(h, staff)
    assert png == charts.render(figure)
    all_inside(figure)  # the half-year title too
    assert photo_sizes(h, staff)[0][0] == 1080
    assert caption.startswith("📈 每位领导的联系点工作天数")
    assert figure.get_suptitle() == "联系点工作天数，2026-01-01 至 2026-06-30"
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["欧阳乡长", "王县长"]  # short of quota first, as in the message
    texts = shown_texts(figure)
    assert {t.get_fontproperties().get_file() for t in texts} == {charts.FONT_FILE}
    assert {t.get_text() for t in texts} >= {"0/18", "18/18"}
    colours = [bar.get_facecolor()[:3] for bar in figure.axes[0].patches]
    assert colours[0] != colours[1]  # short of quota (orange) against on quota (blue)

    ((name, data),) = documents(h, staff)
    assert name == "联系点通报-2026-01-01_2026-06-30.xlsx"
    sheet = sheets.book(data)["联系点"]
    assert sheets.title(sheet).startswith(
        "联系点工作通报：联系点 · 2026-01-01 至 2026-06-30 · 制表 "
    )
    heading = sheets.heading(sheet)
    share = heading.index("确认比例") + 1
    assert sheet.cell(3, share).number_format == "0%"
    assert sheet.freeze_panes == "A3"
