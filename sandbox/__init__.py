"""A local stand-in for Telegram: a strict Bot API emulator (``emulator``) that the tests
and benchmarks talk to over real HTTP, and ``zhibu demo``'s page (``demo``) on top of it.

A tool, not the product: the bot's layers (``bot/``, ``handlers/``, ``storage/``) never
import it — only the command line does, inside ``zhibu demo`` — and what it needs comes
with the ``demo`` extra (``pip install -e ".[demo]"``; the ``test`` extra includes it).
"""
