"""`python -m zhibu` is `zhibu`."""

import sys

from zhibu.cli import main

sys.exit(main())
