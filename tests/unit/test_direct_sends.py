"""Every place the bot sends to Telegram directly, held against the one rule for
consequences: only the reply to the person acting goes out inline; every message a change
sets off for someone else is an outbox row written in that change's transaction (so a
crash or a 429 between the change and the send loses nothing).

The product's code is read (ast, not run) for every call that sends, edits, copies or
forwards a message. A call passes if it is, by its shape, a reply to the person acting:

* a method of the chat, message or button press the update came from (``chat =
  update.effective_chat``, ``message = update.effective_message``, ``query =
  update.callback_query``, ``answer.query`` …) — ``chat.send_message``,
  ``message.reply_text``, ``query.edit_message_text``;
* an edit through a button press (a ``CallbackQuery``, named ``query`` or annotated so):
  a press only ever edits the message that was pressed, in the chat it was pressed in;
* a send to the person acting, in their private chat: ``context.bot.send_message(
  context.actor.telegram_id, …)``, ``send(context.bot, chat.id, …)``.

Everything else is named in :data:`ALLOWED` with the reason it may send directly; a new
direct send to anyone else fails here, and so does an entry nothing needs any more.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot, CallbackQuery, Chat, Message, User

ROOT = Path(__file__).resolve().parents[2]
#: The product's packages (the emulator is a test tool: it only pretends to be Telegram).
PACKAGES = ("bot", "handlers", "zhibu")
SKIPPED = {"sandbox"}

#: What sends: PTB's own methods of the Bot and of what an update carries (their camelCase
#: aliases too, and a Message's own shortcuts: ``edit_text``, ``forward``, ``copy`` …),
#: and the bot's one function for an Outgoing (bot/delivery.py).
SENDING = frozenset(
    name
    for cls in (Bot, Message, Chat, User, CallbackQuery)
    for name, _ in inspect.getmembers(cls, inspect.isfunction)
    if name.startswith(
        ("send", "edit_message_", "editMessage", "copy_message", "copyMessage", "forward", "reply_")
    )
    or name
    in (
        "edit_text",
        "edit_caption",
        "edit_media",
        "edit_reply_markup",
        "edit_live_location",
        "edit_checklist",
        "copy",
    )
) | {"send", "send_for_id", "edit", "_post", "do_api_request"}

#: The update's own chat, message and press: what a reply is sent through.
FROM_UPDATE = frozenset(
    {
        "update.effective_chat",
        "update.effective_message",
        "update.message",
        "update.callback_query",
        "query.message",
        "answer.message",
        "answer.query",
        "update.callback_query.message",
        # a form's step gets the update as a Turn (handlers/steps.py): its chat and answer
        "turn.chat",
        "turn.answer.query",
        "turn.answer.message",
    }
)
#: The person acting, whose private chat a reply may go to.
ACTOR = frozenset(
    {
        "context.actor.telegram_id",
        "actor.telegram_id",
        "chat.id",
        "update.effective_chat.id",
        "update.effective_user.id",
        "turn.chat.id",
    }
)
ACTOR_BINDINGS = frozenset({"context.actor"})

#: (module, function) → why it sends directly although the shape above does not say it
#: replies to the person acting.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "bot/delivery.py",
        "send",
    ): "the one function that turns an Outgoing into a Bot API call (replies use it)",
    (
        "bot/delivery.py",
        "send_for_id",
    ): "the outbox sender's own call: this is how outbox rows go out",
    (
        "bot/delivery.py",
        "edit",
    ): "the outbox sender's edit of a message it sent (a group post's live count)",
    ("bot/delivery.py", "Sender._attempt"): "the outbox sender sending a row",
    (
        "bot/journal.py",
        "JournalingBot._post",
    ): "the Bot wrapper that notes what was sent: it passes every call on, sends nothing "
    "of its own",
    ("bot/journal.py", "JournalingBot.edit_message_text"): "the Bot wrapper passing an edit on",
    (
        "bot/journal.py",
        "JournalingBot.edit_message_reply_markup",
    ): "the Bot wrapper passing an edit on",
    (
        "handlers/steps.py",
        "Turn.say",
    ): "a form's reply: a Turn's chat is the chat of the update that answered the form",
}


@dataclass(frozen=True)
class DirectSend:
    module: str
    function: str
    line: int
    call: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} {self.function}: {self.call}"


#: What a name bound to a button press is taken for (see :func:`_bindings`).
PRESS = "update.callback_query"


def _bindings(function: ast.AST) -> dict[str, set[str]]:
    """Each local name → the expressions assigned to it in this function; a parameter
    annotated ``CallbackQuery``, or a ``query`` unpacked from a tuple (a button's press,
    its data and its id), is the update's press."""
    bound: dict[str, set[str]] = {}
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for arg in function.args.args + function.args.kwonlyargs:
            if arg.annotation is not None and ast.unparse(arg.annotation) == "CallbackQuery":
                bound.setdefault(arg.arg, set()).add(PRESS)
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Tuple):
                    for element in target.elts:
                        if isinstance(element, ast.Name) and element.id == "query":
                            bound.setdefault("query", set()).add(PRESS)
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, set()).add(ast.unparse(node.value))
        elif isinstance(node, ast.NamedExpr):
            bound.setdefault(node.target.id, set()).add(ast.unparse(node.value))
    return bound


def _is_reply(call: ast.Call, bound: dict[str, set[str]]) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = ast.unparse(func.value)
        if receiver in FROM_UPDATE:
            return True
        if (
            isinstance(func.value, ast.Name)
            and bound.get(receiver)
            and (bound[receiver] <= FROM_UPDATE)
        ):
            return True
        if receiver not in ("context.bot", "bot", "self.bot"):
            return False
        target = (
            call.args[0]
            if call.args
            else next((k.value for k in call.keywords if k.arg == "chat_id"), None)
        )
    else:  # send(context.bot, chat_id, out)
        target = call.args[1] if len(call.args) > 1 else None
    if target is None:
        return False
    said = ast.unparse(target)
    if said not in ACTOR:
        return False
    root = said.split(".")[0]
    if root == "chat":
        return bound.get("chat", set()) <= FROM_UPDATE and "chat" in bound
    if root == "actor":
        return "actor" in bound and bound["actor"] <= ACTOR_BINDINGS
    return True


def direct_sends(source: str, module: str) -> Iterator[tuple[DirectSend, bool]]:
    """Every sending call in ``source``, and whether its shape makes it a reply."""
    tree = ast.parse(source)

    def visit(
        node: ast.AST, names: list[str], bound: dict[str, set[str]]
    ) -> Iterator[tuple[DirectSend, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = (
                    {**bound, **_bindings(child)} if not isinstance(child, ast.ClassDef) else bound
                )
                yield from visit(child, [*names, child.name], inner)
                continue
            if isinstance(child, ast.Call):
                func = child.func
                name = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else None
                )
                # ``Message.copy(chat_id)`` sends; a dict's or a model's ``copy()`` does not.
                if name in SENDING and (name != "copy" or child.args or child.keywords):
                    found = DirectSend(module, ".".join(names), child.lineno, ast.unparse(func))
                    yield found, _is_reply(child, bound)
            yield from visit(child, names, bound)

    yield from visit(tree, [], {})


def product_sends() -> list[tuple[DirectSend, bool]]:
    found: list[tuple[DirectSend, bool]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if SKIPPED & set(path.relative_to(ROOT).parts):
                continue
            module = path.relative_to(ROOT).as_posix()
            found += direct_sends(path.read_text(encoding="utf-8"), module)
    return found


def test_only_replies_to_the_person_acting_are_sent_directly() -> None:
    found = product_sends()
    assert len(found) > 100, "the scan found almost nothing: has the code moved?"
    others = [
        send for send, reply in found if not reply and (send.module, send.function) not in ALLOWED
    ]
    assert not others, (
        "These send directly to someone who is not the person acting. A message a change "
        "sets off goes through the outbox, queued in the change's transaction (a renderer "
        "per kind); if it really is an interactive reply, add it to ALLOWED with the "
        "reason:\n" + "\n".join(map(str, others))
    )


def test_every_allowed_place_still_sends() -> None:
    places = {(send.module, send.function) for send, reply in product_sends() if not reply}
    assert not set(ALLOWED) - places, f"no longer needed: {sorted(set(ALLOWED) - places)}"


SNIPPET = """
async def verdict_button(update, context):
    query = update.callback_query
    chat = update.effective_chat
    actor = context.actor
    await query.answer("ok")
    await query.edit_message_text("done")
    await chat.send_message("Saved.")
    await context.bot.send_message(context.actor.telegram_id, "in private")
    await send(context.bot, actor.telegram_id, out)
    author = await notes.author(context.db, 7)
    await context.bot.send_message(author.telegram_id, "Your note was marked excellent")
    await send(context.bot, author.telegram_id, out)
    other = await groups.chat_of(context.db, 3)
    await other.send_message("posted to a group the update did not come from")
    chat = await org.group_chat(context.db, 9)
    posted = await groups.post_of(context.db, 3)
    await posted.edit_text("a live count in a message the update did not come from")
    await posted.forward(author.telegram_id)
    settings = context.settings.copy()
"""


def test_a_send_to_someone_else_is_caught() -> None:
    """The rule is not vacuous: a message to the author, or to a chat the update did not
    come from, is caught; the replies beside it are not."""
    found = list(direct_sends(SNIPPET, "handlers/example.py"))
    caught = [send.call for send, reply in found if not reply]
    assert caught == [
        "chat.send_message",  # ``chat`` is also bound to a group the update did not come
        # from, in the same function: its sends no longer count as replies
        "context.bot.send_message",
        "send",
        "other.send_message",
        "posted.edit_text",
        "posted.forward",
    ]
    assert [send.call for send, reply in found if reply] == [
        "query.edit_message_text",
        "context.bot.send_message",
        "send",
    ]
