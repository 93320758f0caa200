"""zhibu's composition root: the one package that knows every layer.

``handlers → bot → storage`` point one way; something must still build the Application
from all three (register the handlers, start and stop the services) and offer the
``zhibu`` command. That is this package — above the layers, so no arrow runs back up
(tests/unit/test_layers.py walks the imports).
"""

# bot's package sets python-telegram-bot's options before telegram is first imported
# (zhibu.app imports telegram ahead of anything from bot).
import bot  # noqa: F401
