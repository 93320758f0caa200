"""The emulator and the demo page (``sandbox/``) are a tool, not the product: no module of
the bot's layers imports them, not even lazily inside a function — only the command line's
``zhibu demo`` does, which answers with the install command when the extra is missing."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The command line, which starts the demo, is the composition root's (zhibu/), above them.
PRODUCT = ("bot", "handlers", "storage")


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_product_module_imports_the_sandbox() -> None:
    offenders = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in imported(tree)
                          if name.partition(".")[0] == "sandbox"]
    assert offenders == []
    assert (ROOT / "sandbox" / "emulator.py").exists()  # the walk above is looking somewhere
