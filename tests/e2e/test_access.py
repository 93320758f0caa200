"""Who may do what: every command against every role, in one table.

Each cell runs the command as that person in their private chat and reads the first
thing the bot answers: "✓" if it went on with the command, or the refusal they saw. The
table is data; the same table is in the README ("Who may use what").
"""

from __future__ import annotations

import pytest

from tests.e2e.flows import make_leader, make_secretary, registered
from tests.harness import Harness, Person

ROLES = ("stranger", "member", "flowing", "secretary", "leader", "staff")
MANAGERS_ONLY = "只有支部书记和组织部工作人员可以进行此操作。"
STAFF_ONLY = "只有组织部工作人员可以进行此操作。"
NOT_REGISTERED = "您还没有登记。要加入支部，请打开支部书记发给您的邀请链接。"
LEADERS_ONLY = "只有有联系点的领导干部可以记录。组织部工作人员可用 /appoint 指定联系点。"
MEMBERS_ONLY_NOTES = "只有支部党员可以提交心得体会。"
APPOINT_STAFF_ONLY = "只有组织部工作人员可以任命支部书记和联系领导。"

# command: refusal per role, or "✓" for allowed.
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
                "secretary": LEADERS_ONLY, "leader": "✓", "staff": LEADERS_ONLY},
    "/quota": {"stranger": STAFF_ONLY, "member": STAFF_ONLY, "flowing": STAFF_ONLY,
               "secretary": STAFF_ONLY, "leader": STAFF_ONLY, "staff": "✓"},
    "/appoint": {"stranger": APPOINT_STAFF_ONLY, "member": APPOINT_STAFF_ONLY,
                 "flowing": APPOINT_STAFF_ONLY, "secretary": APPOINT_STAFF_ONLY,
                 "leader": APPOINT_STAFF_ONLY, "staff": "✓"},
}
REFUSALS = {MANAGERS_ONLY, STAFF_ONLY, NOT_REGISTERED, LEADERS_ONLY, MEMBERS_ONLY_NOTES,
            APPOINT_STAFF_ONLY}


async def people(h: Harness, county: dict[str, int], staff: Person) -> dict[str, Person]:
    stranger = h.person("陌生人")
    member, = await registered(h, county["east"], ["普通党员"])
    flowing, = await registered(h, county["east"], ["流动党员"], flowing=True)
    secretary = await make_secretary(h, county["east"])
    leader = await make_leader(h, county["west"], [county["south"]])
    return {"stranger": stranger, "member": member, "flowing": flowing,
            "secretary": secretary, "leader": leader, "staff": staff}


@pytest.mark.parametrize("command", sorted(TABLE))
async def test_every_role_against_the_command(h: Harness, county: dict[str, int],
                                              staff: Person, command: str) -> None:
    cast = await people(h, county, staff)
    seen: dict[str, str] = {}
    for role, person in cast.items():
        before = len(person.sees())
        await person.says(command)
        first = person.sees()[before] if len(person.sees()) > before else "(nothing)"
        seen[role] = first if first in REFUSALS else "✓"
        await person.says("/cancel")
    assert seen == TABLE[command]
