"""Everything about one Telegram user the bot needs on every update, in one query.

Every update starts by asking who this is: their user row, their member record, a
pending application, their roles and contact points. Five queries would be five trips
to SQLite's thread per button press; this is one, with the dependent rows packed as
JSON by SQLite itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import BaseModel

from storage.db import Conn
from storage.models import Application, Member, User


@dataclass(frozen=True)
class Person:
    user: User | None
    member: Member | None
    application: Application | None
    roles: list[tuple[str, int | None]]
    contact_points: list[int]
    # The branches of the townships whose staff they are (the tree read with the roles,
    # so that "may they act on this branch" needs no second query).
    township_branches: list[int] = field(default_factory=list)


def _as_json(model: type[BaseModel], alias: str) -> str:
    pairs = ", ".join(f"'{name}', {alias}.{name}" for name in model.model_fields)
    return f"json_object({pairs})"


def _select(person_id: str, source: str) -> str:
    return f"""
SELECT {person_id} AS asked_id, u.*,
  (SELECT {_as_json(Member, "m")} FROM members m
   WHERE m.telegram_id = {person_id} AND m.state != 'rejected') AS member_json,
  (SELECT {_as_json(Application, "a")} FROM applications a
   WHERE a.telegram_id = {person_id} AND a.state = 'pending') AS application_json,
  (SELECT json_group_array(json_array(r.role, r.unit_id)) FROM roles r
   WHERE r.telegram_id = {person_id}) AS roles_json,
  (SELECT json_group_array(p.branch_id) FROM contact_points p
   WHERE p.leader_telegram_id = {person_id}) AS points_json,
  (SELECT json_group_array(b.id) FROM roles r JOIN units b ON b.parent_id = r.unit_id
   WHERE r.telegram_id = {person_id} AND r.role = 'township' AND b.kind = 'branch')
   AS township_json
FROM {source} LEFT JOIN users u ON u.telegram_id = {person_id}
"""


_PERSON = _select(":id", "(SELECT 1)")
_PEOPLE = _select("q.value", "json_each(:ids) q")

#: The tables a Person is read from: a change to any of them may change someone's.
TABLES = ("users", "members", "applications", "roles", "contact_points", "units")


def _person(data: dict[str, object]) -> Person:
    data.pop("asked_id")
    member_json = data.pop("member_json")
    application_json = data.pop("application_json")
    roles = [(str(role), unit) for role, unit in json.loads(str(data.pop("roles_json")))]
    points = [int(branch) for branch in json.loads(str(data.pop("points_json")))]
    township = [int(branch) for branch in json.loads(str(data.pop("township_json")))]
    user = User.model_validate(data) if data.get("telegram_id") is not None else None
    return Person(
        user=user,
        member=Member.model_validate(json.loads(str(member_json))) if member_json else None,
        application=(
            Application.model_validate(json.loads(str(application_json)))
            if application_json
            else None
        ),
        roles=roles,
        contact_points=points,
        township_branches=township,
    )


async def person(c: Conn, telegram_id: int) -> Person:
    rows = await c.execute_fetchall(_PERSON, {"id": telegram_id})
    return _person(dict(next(iter(rows))))


async def people(c: Conn, telegram_ids: list[int]) -> dict[int, Person]:
    """Several people in one query (everyone of a fetched batch)."""
    rows = await c.execute_fetchall(_PEOPLE, {"ids": json.dumps(sorted(set(telegram_ids)))})
    return {int(row["asked_id"]): _person(dict(row)) for row in rows}
