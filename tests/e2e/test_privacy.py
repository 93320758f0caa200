"""Personal data is kept only while it is needed (README "Privacy"): coordinates coarse
from the start, retention jobs erasing on their day and not before, with the bulletins'
figures unchanged, and `zhibu erase-member` on request."""

from __future__ import annotations

import json

from storage import visits as visit_repo
from tests.e2e.flows import make_leader, make_secretary
from tests.harness import Harness


async def test_a_shared_location_is_stored_to_about_a_kilometre(
        h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    await leader.says("/visit")
    await leader.presses("今天")
    await leader.presses("1")
    await leader.presses("调查研究")
    await leader.says("走访了五户困难群众。")
    await leader.presses("没有")
    h.emu.send_location(leader.user, 28.213479, 112.941962)
    await h.settle()
    async with h.db.read() as c:  # the form in progress holds the coarse place already
        rows = await c.execute_fetchall("SELECT data FROM dialogs")
    assert [(json.loads(row[0])["lat"], json.loads(row[0])["lon"]) for row in rows] == [
        (28.21, 112.94)]
    await leader.presses("✅ 保存")
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None and (visit.latitude, visit.longitude) == (28.21, 112.94)
    where = h.emu.messages(secretary.user)[-2]
    assert where.media["location"] == {"latitude": 28.21, "longitude": 112.94}
