"""Who may do what: every command against every role, in one table.

Each cell runs the command as that person in their private chat and reads the first
thing the bot answers: "✓" if it went on with the command, or the refusal they saw — and
then nothing in the database may have changed. The table is data; the same table is in
the README ("Who may use what"). Buttons have their table in test_button_access.py.
"""

from __future__ import annotations

import pytest

from tests.e2e.flows import (
    invite_code,
    join,
    make_leader,
    make_secretary,
    registered,
    snapshot,
)
from tests.harness import Harness, Person

ROLES = ("stranger", "pending", "member", "flowing", "secretary", "other secretary", "leader",
         "staff")
MANAGERS_ONLY = "只有支部书记和组织部工作人员可以进行此操作。"
STAFF_ONLY = "只有组织部工作人员可以进行此操作。"
NOT_REGISTERED = "您还没有登记。要加入支部，请打开支部书记发给您的邀请链接。"
LEADERS_ONLY = "只有有联系点的领导干部可以记录。组织部工作人员可用 /appoint 指定联系点。"
MEMBERS_ONLY_NOTES = "只有支部党员可以提交心得体会。"
APPOINT_STAFF_ONLY = "只有组织部工作人员可以任命支部书记和联系领导。"
WAITING = "您的入组申请正在等待支部书记审核，有结果后我会通知您。"

# command: refusal per role, or "✓" for allowed. A pending applicant is refused what a
# stranger is (told that the request waits, where a stranger is told how to join); the
# secretary of another branch may do what a secretary may, for their own branch.
TABLE: dict[str, dict[str, str]] = {
    "/help": dict.fromkeys(ROLES, "✓"),
    "/study": {"stranger": NOT_REGISTERED, "member": "✓", "flowing": "✓", "secretary": "✓",
               "leader": "✓", "staff": "✓"},
    "/record": {"stranger": NOT_REGISTERED, "member": "✓", "flowing": "✓",
                "secretary": "✓", "leader": "✓", "staff": "✓"},
    "/note": {"stranger": MEMBERS_ONLY_NOTES, "member": "✓", "flowing": "✓",
              "secretary": "✓", "leader": "✓", "staff": MEMBERS_ONLY_NOTES},
    "/push": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY, "flowing": MANAGERS_ONLY,
              "secretary": "✓", "leader": MANAGERS_ONLY, "staff": "✓"},
    "/notice": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY, "flowing": MANAGERS_ONLY,
                "secretary": "✓", "leader": MANAGERS_ONLY, "staff": "✓"},
    "/notices": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY,
                 "flowing": MANAGERS_ONLY, "secretary": "✓", "leader": MANAGERS_ONLY,
                 "staff": "✓"},
    "/notes": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY, "flowing": MANAGERS_ONLY,
               "secretary": "✓", "leader": MANAGERS_ONLY, "staff": "✓"},
    "/report": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY, "flowing": MANAGERS_ONLY,
                "secretary": "✓", "leader": MANAGERS_ONLY, "staff": "✓"},
    "/members": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY,
                 "flowing": MANAGERS_ONLY, "secretary": "✓", "leader": MANAGERS_ONLY,
                 "staff": "✓"},
    "/invite": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY, "flowing": MANAGERS_ONLY,
                "secretary": "✓", "leader": MANAGERS_ONLY, "staff": "✓"},
    "/pending": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY,
                 "flowing": MANAGERS_ONLY, "secretary": "✓", "leader": MANAGERS_ONLY,
                 "staff": "✓"},
    "/meeting": {"stranger": MANAGERS_ONLY, "member": MANAGERS_ONLY,
                 "flowing": MANAGERS_ONLY, "secretary": "✓", "leader": MANAGERS_ONLY,
                 "staff": "✓"},
    "/visit": {"stranger": LEADERS_ONLY, "member": LEADERS_ONLY, "flowing": LEADERS_ONLY,
               "secretary": LEADERS_ONLY, "leader": "✓", "staff": LEADERS_ONLY},
    "/visits": {"stranger": LEADERS_ONLY, "member": LEADERS_ONLY, "flowing": LEADERS_ONLY,
                "secretary": LEADERS_ONLY, "leader": "✓", "staff": "✓"},  # staff: any leader's
    "/quota": {"stranger": STAFF_ONLY, "member": STAFF_ONLY, "flowing": STAFF_ONLY,
               "secretary": STAFF_ONLY, "leader": STAFF_ONLY, "staff": "✓"},
    "/appoint": {"stranger": APPOINT_STAFF_ONLY, "member": APPOINT_STAFF_ONLY,
                 "flowing": APPOINT_STAFF_ONLY, "secretary": APPOINT_STAFF_ONLY,
                 "leader": APPOINT_STAFF_ONLY, "staff": "✓"},
}
for _row in TABLE.values():
    _row["pending"] = WAITING if _row["stranger"] == NOT_REGISTERED else _row["stranger"]
    _row["other secretary"] = _row["secretary"]
REFUSALS = {WAITING, MANAGERS_ONLY, STAFF_ONLY, NOT_REGISTERED, LEADERS_ONLY, MEMBERS_ONLY_NOTES,
            APPOINT_STAFF_ONLY}


async def people(h: Harness, county: dict[str, int], staff: Person) -> dict[str, Person]:
    stranger = h.person("陌生人")
    other = await make_secretary(h, county["west"], name="西河书记")
    pending = h.person("申请人")
    await join(pending, await invite_code(other), name="申请人")
    member, = await registered(h, county["east"], ["普通党员"])
    flowing, = await registered(h, county["east"], ["流动党员"], flowing=True)
    secretary = await make_secretary(h, county["east"])
    leader = await make_leader(h, county["west"], [county["south"]])
    return {"stranger": stranger, "pending": pending, "member": member, "flowing": flowing,
            "secretary": secretary, "other secretary": other, "leader": leader,
            "staff": staff}


@pytest.mark.parametrize("command", sorted(TABLE))
async def test_every_role_against_the_command(h: Harness, county: dict[str, int],
                                              staff: Person, command: str) -> None:
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
