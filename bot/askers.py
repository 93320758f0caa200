"""Who is asking, for a whole fetched batch in one query.

Every update starts by asking who sent it (``handlers/common.know_user``): their user row,
member record, pending application, roles and contact points — one query per update, a
trip to SQLite's thread each. A burst of presses arrives in batches of up to a hundred,
so the people of a batch are read together as it is fetched (:meth:`Askers.fetched`), and
each update takes its person from there.

Nothing read here may be older than a change the bot made: a person's /lang, an approval
or an appointment must be seen by the next update, from them or anyone. The database
counts the bot's own changes to the tables a person is read from (``Database.watch``);
a person read before a change is not used after it (their update reads them again), so
the cache only ever saves a query, never changes an answer. Changes another process makes
(`zhibu import` beside the running bot) are as visible as before to updates fetched after
them; to an update fetched just before, they are as if the update had arrived a moment
earlier.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from telegram import Update

from bot.access import Actor, actor_of, load_actor
from storage import people
from storage.db import Database

log = logging.getLogger(__name__)

WATCHED = "people"
KEEP = 10_000  # people read ahead and not asked for yet (dropped or repeated updates)


class Askers:
    def __init__(self) -> None:
        # telegram id -> (person, the database and its change count when it was read,
        # updates of theirs still to come)
        self._read: OrderedDict[int, tuple[people.Person, Database, int, int]] = OrderedDict()

    async def fetched(self, db: Database, updates: Sequence[Update]) -> None:
        """Read everyone who sent one of ``updates``, in one query."""
        senders: dict[int, int] = {}
        for update in updates:
            user = update.effective_user
            if user is not None and not user.is_bot:
                senders[user.id] = senders.get(user.id, 0) + 1
        if not senders:
            return
        await db.watch(WATCHED, people.TABLES)
        version = db.version(WATCHED)
        assert version is not None
        async with db.read() as c:
            found = await people.people(c, list(senders))
        for telegram_id, person in found.items():
            earlier = self._read.pop(telegram_id, None)
            waiting = senders[telegram_id] + (earlier[3] if earlier is not None else 0)
            self._read[telegram_id] = (person, db, version, waiting)
        while len(self._read) > KEEP:
            self._read.popitem(last=False)

    async def actor(self, db: Database, telegram_id: int, admins: list[int]) -> Actor:
        """The person as read with their batch, unless the bot changed anyone since."""
        read = self._read.pop(telegram_id, None)
        if read is not None:
            person, read_from, version, waiting = read
            if read_from is db and version == db.version(WATCHED):
                if waiting > 1:
                    self._read[telegram_id] = (person, read_from, version, waiting - 1)
                return actor_of(person, telegram_id, admins)
        return await load_actor(db, telegram_id, admins)
