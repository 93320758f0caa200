"""`python -m bot` is `zhibu`."""

import sys

from bot.cli import main

sys.exit(main())
