"""Who may do what: every command against every role, in one table.

Each cell runs the command as that person in their private chat and reads the first
thing the bot answers: "✓" if it went on with the command, or the refusal they saw — and
then nothing in the database may have changed. The table is data; the same table is in
docs/access.md, kept equal by tests/unit/test_docs.py. Buttons have their table in
test_button_access.py.
"""

from __future__ import annotations

import pytest

from bot import roles
from bot.access import load_actor
from storage import org as org_repo
from tests.e2e.flows import invite_code, join, make_leader, make_secretary, registered, snapshot
from tests.harness import Harness, Person

ROLES = (
    "stranger",
    "pending",
    "member",
    "flowing",
    "secretary",
    "other secretary",
    "demoted secretary",
    "former leader",
    "leader",
    "township staff",
    "staff",
)
MANAGERS_ONLY = "只有支部书记和组织部工作人员可以进行此操作。"
STAFF_ONLY = "只有组织部工作人员可以进行此操作。"
NOT_REGISTERED = "您还没有登记。要加入支部，请打开支部书记发给您的邀请链接。"
LEADERS_ONLY = "只有有联系点的领导干部可以记录。组织部工作人员可用 /appoint 指定联系点。"
VISITS_ONLY = "走访记录供有联系点的领导干部、被走访支部的书记和组织部工作人员查看。"
MEMBERS_ONLY_NOTES = "只有支部党员可以提交心得体会。"
APPOINT_STAFF_ONLY = "只有组织部工作人员可以任命支部书记和联系领导。"
RECORDS_ONLY = "活动记录供支部书记、组织部工作人员和联系该村的领导干部查看。"
WAITING = "您的入组申请正在等待支部书记审核，有结果后我会通知您。"
TOWNSHIPS_ONLY = "只有乡镇党委和县委组织部工作人员可以进行此操作。"
RESEARCH_ONLY = "调研文章由花名册中标注的乡镇领导班子成员提交（“乡镇领导班子”列）。"

# command: refusal per role, or "✓" for allowed. A pending applicant is refused what a
# stranger is (told that the request waits, where a stranger is told how to join); the
# secretary of another branch may do what a secretary may, for their own branch; a
# secretary relieved of office, or a leader whose role ended, is a member like any other.
# Township staff (of east's township, and members of east) do for their township what
# staff do for the county, but not /appoint or /quota.
TABLE: dict[str, dict[str, str]] = {
    "/help": dict.fromkeys(ROLES, "✓"),
    # one's own list: anyone in the organisation (staff: the notices sent to them)
    "/todo": {
        "stranger": NOT_REGISTERED,
        "member": "✓",
        "flowing": "✓",
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": "✓",
    },
    # staff: their scope's ledger; anyone else: the items they are responsible for
    "/rectify": {
        "stranger": NOT_REGISTERED,
        "member": "✓",
        "flowing": "✓",
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": "✓",
    },
    "/study": {
        "stranger": NOT_REGISTERED,
        "member": "✓",
        "flowing": "✓",
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": "✓",
    },
    "/record": {
        "stranger": NOT_REGISTERED,
        "member": "✓",
        "flowing": "✓",
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": "✓",
    },
    "/note": {
        "stranger": MEMBERS_ONLY_NOTES,
        "member": "✓",
        "flowing": "✓",
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": MEMBERS_ONLY_NOTES,
    },
    "/push": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/notice": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/notices": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/notes": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/report": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/members": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/invite": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/pending": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/meeting": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    # a leader reads their contact points' session records (test_session_records.py)
    "/meetings": {
        "stranger": RECORDS_ONLY,
        "member": RECORDS_ONLY,
        "flowing": RECORDS_ONLY,
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": "✓",
    },
    "/visit": {
        "stranger": LEADERS_ONLY,
        "member": LEADERS_ONLY,
        "flowing": LEADERS_ONLY,
        "secretary": LEADERS_ONLY,
        "leader": "✓",
        "township staff": LEADERS_ONLY,
        "staff": LEADERS_ONLY,
    },
    # staff: any leader's; a secretary: the visits to their branch and its open problems
    "/visits": {
        "stranger": VISITS_ONLY,
        "member": VISITS_ONLY,
        "flowing": VISITS_ONLY,
        "secretary": "✓",
        "leader": "✓",
        "township staff": "✓",
        "staff": "✓",
    },
    "/quota": {
        "stranger": STAFF_ONLY,
        "member": STAFF_ONLY,
        "flowing": STAFF_ONLY,
        "secretary": STAFF_ONLY,
        "leader": STAFF_ONLY,
        "township staff": STAFF_ONLY,
        "staff": "✓",
    },
    # 四议两公开: a secretary their branch's matters, township staff and staff the open ones
    # of the branches they oversee
    "/matters": {
        "stranger": MANAGERS_ONLY,
        "member": MANAGERS_ONLY,
        "flowing": MANAGERS_ONLY,
        "secretary": "✓",
        "leader": MANAGERS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    "/appoint": {
        "stranger": APPOINT_STAFF_ONLY,
        "member": APPOINT_STAFF_ONLY,
        "flowing": APPOINT_STAFF_ONLY,
        "secretary": APPOINT_STAFF_ONLY,
        "leader": APPOINT_STAFF_ONLY,
        "township staff": APPOINT_STAFF_ONLY,
        "staff": "✓",
    },
    # the township leadership's study ledger: a township's staff theirs, staff any
    "/leadership": {
        "stranger": TOWNSHIPS_ONLY,
        "member": TOWNSHIPS_ONLY,
        "flowing": TOWNSHIPS_ONLY,
        "secretary": TOWNSHIPS_ONLY,
        "leader": TOWNSHIPS_ONLY,
        "township staff": "✓",
        "staff": "✓",
    },
    # research reports: the leadership marked on the roster (none of these; see
    # test_leadership_study.py for one who is)
    "/research": dict.fromkeys(
        ("stranger", "member", "flowing", "secretary", "leader", "township staff", "staff"),
        RESEARCH_ONLY,
    ),
}
for _row in TABLE.values():
    _row["pending"] = WAITING if _row["stranger"] == NOT_REGISTERED else _row["stranger"]
    _row["other secretary"] = _row["secretary"]
    _row["demoted secretary"] = _row["former leader"] = _row["member"]
REFUSALS = {
    WAITING,
    MANAGERS_ONLY,
    STAFF_ONLY,
    NOT_REGISTERED,
    LEADERS_ONLY,
    VISITS_ONLY,
    MEMBERS_ONLY_NOTES,
    APPOINT_STAFF_ONLY,
    RECORDS_ONLY,
    TOWNSHIPS_ONLY,
    RESEARCH_ONLY,
}


async def people(h: Harness, county: dict[str, int], staff: Person) -> dict[str, Person]:
    stranger = h.person("陌生人")
    other = await make_secretary(h, county["west"], name="西河书记")
    pending = h.person("申请人")
    await join(pending, await invite_code(other), name="申请人")
    (member,) = await registered(h, county["east"], ["普通党员"])
    (flowing,) = await registered(h, county["east"], ["流动党员"], flowing=True)
    secretary = await make_secretary(h, county["east"])
    leader = await make_leader(h, county["west"], [county["south"]])
    demoted, former = await ended_roles(h, county, staff)
    (township,) = await registered(h, county["east"], ["镇委员"])
    async with h.db.tx() as c:
        await org_repo.grant(
            c, township.id, "township", county["dongling"], staff.id, h.clock.now()
        )
    return {
        "stranger": stranger,
        "pending": pending,
        "member": member,
        "flowing": flowing,
        "secretary": secretary,
        "other secretary": other,
        "demoted secretary": demoted,
        "leader": leader,
        "former leader": former,
        "township staff": township,
        "staff": staff,
    }


async def ended_roles(h: Harness, county: dict[str, int], staff: Person) -> tuple[Person, Person]:
    """A secretary of east relieved of office, and a leader whose role ended — by staff, as
    /appoint does it (its buttons are walked in test_rights.py)."""
    demoted = await make_secretary(h, county["east"], name="前任书记")
    former = await make_leader(h, county["west"], [county["east"]], name="前联系领导")
    by = await load_actor(h.db, staff.id, h.settings.admins)
    assert await roles.relieve_secretary(h.db, h.clock, demoted.id, county["east"], by)
    assert await roles.end_leader(h.db, h.clock, former.id, by)
    await h.settle()  # they are told
    return demoted, former


@pytest.mark.parametrize("command", sorted(TABLE))
async def test_every_role_against_the_command(
    h: Harness, county: dict[str, int], staff: Person, command: str
) -> None:
    cast = await people(h, county, staff)
    seen: dict[str, str] = {}
    for role, person in cast.items():
        before, stored = len(person.sees()), snapshot(h)
        await person.says(command)
        first = person.sees()[before] if len(person.sees()) > before else "(nothing)"
        seen[role] = first if first in REFUSALS else "✓"
        if first in REFUSALS:
            assert snapshot(h) == stored, f"{role} was refused {command} yet something changed"
        await person.says("/cancel")
    assert seen == TABLE[command]
