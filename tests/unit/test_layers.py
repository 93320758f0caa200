"""Dependencies point one way: zhibu → (sandbox) → handlers → bot → storage.

Every ``import`` and ``from … import`` of the packages below is read from the source
(the AST, so imports inside functions and under ``TYPE_CHECKING`` count as much as those
at the top: a lazy import is still a dependency), and three things fail:

* an arrow that runs back up the layers — storage importing bot, handlers or the root;
  bot importing handlers or the root; the product importing the emulator's package;
* a handler reaching storage for anything but ``storage.models``: handlers may name the
  stored models in annotations and read their fields (a ``Dialog``, a ``Unit``), but
  rows are written and read, and transactions opened, by bot/'s services — never by a
  handler through a repository or ``storage.db``;
* an import cycle between packages (between any two of them, in either direction), or
  between modules anywhere (a module reaching itself through its imports: the cycle of
  27 modules through ``bot/app.py`` and every handler that this test was written to end).

The composition root ``zhibu/`` (the CLI and the Application's assembly) is the only
package that knows every layer. The emulator and the demo (``sandbox/``) are a tool:
``zhibu demo`` imports them, and they are handed the root's assembly rather than
importing it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Lowest first: a package may import those before it in this list, never those after.
LAYERS = ("storage", "bot", "handlers", "sandbox", "zhibu")
#: What handlers may import of storage: the models, for annotations and their fields.
HANDLERS_MAY_READ = ("storage.models",)


def _package(module: str) -> str | None:
    """The layer a module belongs to."""
    top = module.partition(".")[0]
    return top if top in LAYERS else None


def _modules(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in LAYERS:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports(root: Path) -> list[tuple[str, str, int]]:
    """(importer, imported, line) for every import of one of the layers' modules."""
    arrows = []
    for module, path in _modules(root).items():
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    kept = package[: len(package) - node.level + 1]
                    base = ".".join([*kept, base] if base else kept)
                # `from bot import users` imports bot.users; `from bot.x import f`, bot.x
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            arrows += [(module, name, node.lineno) for name in names if _package(name) is not None]
    return arrows


def problems(root: Path) -> list[str]:
    """Every arrow against the layers, every handler's use of storage beyond its models,
    and every cycle between packages, one line each."""
    found = []
    between: dict[str, set[str]] = {top: set() for top in LAYERS}
    for importer, imported, line in imports(root):
        low, high = _package(importer), _package(imported)
        assert low is not None and high is not None
        where = f"{importer}:{line} imports {imported}"
        if LAYERS.index(high) > LAYERS.index(low):
            found.append(f"back up the layers ({low} → {high}): {where}")
        if (
            low == "handlers"
            and high == "storage"
            and not any(
                imported == allowed or imported.startswith(allowed + ".")
                for allowed in HANDLERS_MAY_READ
            )
        ):
            found.append(f"a handler reaching storage: {where}")
        if low != high:
            between[low].add(high)
    found += [f"packages import each other: {', '.join(group)}" for group in _cycles(between)]
    found += [
        f"modules import each other: {', '.join(group)}" for group in _cycles(_module_graph(root))
    ]
    return found


def _module_graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules it imports (``from bot.x import f`` is an arrow to bot.x,
    ``from bot import users`` one to bot.users: the longest name that is a module)."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for importer, imported, _ in imports(root):
        target = imported
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != importer:
            graph[importer].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that reach one another through their imports."""
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for after in graph[todo.pop()]:
                if after not in seen:
                    seen.add(after)
                    todo.append(after)
        reach[start] = seen
    groups = {
        tuple(sorted(other for other in graph if other in reach[top] and top in reach[other]))
        for top in graph
        if top in reach[top]
    }
    return sorted(list(group) for group in groups)


def test_dependencies_point_one_way() -> None:
    assert problems(ROOT) == []


def test_the_walk_sees_every_layer_and_imports_inside_functions() -> None:
    arrows = {(importer, imported) for importer, imported, _ in imports(ROOT)}
    # The root registers the handlers inside build_application, not at the top.
    assert ("zhibu.app", "handlers.register") in arrows
    assert {_package(importer) for importer, _ in arrows} >= {
        "storage",
        "bot",
        "handlers",
        "sandbox",
        "zhibu",
    }


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_each_kind_of_wrong_arrow_is_caught(tmp_path: Path) -> None:
    """The checker itself, on a made-up tree with one of each fault (a checker that finds
    nothing anywhere would pass the test above too)."""
    tree = _tree(
        tmp_path,
        {
            "storage/__init__.py": "",
            "storage/models.py": "",
            "storage/db.py": "def f():\n    from bot import rules\n",  # lazy, still an arrow
            "storage/members.py": "from ..handlers import common\n",
            "bot/__init__.py": "",
            "bot/rules.py": "",
            "bot/app.py": "import handlers\nfrom zhibu.cli import main\n",
            "bot/dialogs.py": "from bot import menus\n",  # two modules of one package …
            "bot/menus.py": (
                "from bot.dialogs import begin\n"  # … that import each other
                "def f():\n    from sandbox import emulator\n"
            ),
            "sandbox/__init__.py": "",
            "sandbox/demo.py": "from zhibu import app\n",  # the tool importing the root
            "handlers/__init__.py": "",
            "handlers/common.py": (
                "from storage.models import Dialog\n"
                "from storage import members\nimport storage.db\n"
            ),
            "zhibu/__init__.py": "",
            "zhibu/app.py": "from handlers import common\n",
            "zhibu/cli.py": "from sandbox import demo\n",
        },
    )
    assert sorted(problems(tree)) == sorted(
        [
            "back up the layers (storage → bot): storage.db:2 imports bot.rules",
            "back up the layers (storage → handlers): storage.members:1 imports handlers.common",
            "back up the layers (bot → handlers): bot.app:1 imports handlers",
            "back up the layers (bot → zhibu): bot.app:2 imports zhibu.cli.main",
            "back up the layers (bot → sandbox): bot.menus:3 imports sandbox.emulator",
            "back up the layers (sandbox → zhibu): sandbox.demo:1 imports zhibu.app",
            "a handler reaching storage: handlers.common:2 imports storage.members",
            "a handler reaching storage: handlers.common:3 imports storage.db",
            "packages import each other: bot, handlers, sandbox, storage, zhibu",
            "modules import each other: bot.dialogs, bot.menus",
            "modules import each other: handlers.common, storage.members",
        ]
    )


def test_a_tree_that_keeps_to_the_layers_passes(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        {
            "storage/__init__.py": "",
            "storage/models.py": "",
            "storage/db.py": "",
            "bot/__init__.py": "",
            "bot/rules.py": "from storage import db\n",
            "handlers/__init__.py": "",
            "handlers/common.py": "from storage.models import Dialog\nfrom bot import rules\n",
            "sandbox/__init__.py": "",
            "sandbox/demo.py": "from bot import rules\n",
            "zhibu/__init__.py": "",
            "zhibu/cli.py": "def demo():\n    from sandbox import demo\n    from . import app\n",
            "zhibu/app.py": "from handlers import common\n",
        },
    )
    assert problems(tree) == []
    assert ("zhibu.cli", "zhibu.app", 3) in imports(tree)  # relative, inside a function
