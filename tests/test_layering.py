"""The import layering: each package's ``__init__`` docstring says what it may import, and
every import in its source files (at any depth, inside functions too) is checked against it.

A module may import its own package and what the nearest "May import:" line above it names
(the module's own docstring first, then its package's ``__init__``, then the parent's). The
names are first-party packages or modules (``bot.nlp``, ``db``, ``handlers``…) and
``telegram``: any other third-party library is free, but ``telegram`` only where named.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("bot", "handlers", "db", "tests", "benchmarks")
CHECKED = ("bot", "handlers", "db", "benchmarks", "tests/support")
# Names that must be in a "May import:" line to be imported at all.
GUARDED_THIRD_PARTY = ("telegram",)
# The answer model's trainer builds a chat the way the bot does (ingest), then fits the
# model: a developer's tool the bot never imports, so it may reach up to the services.
# It reads its training articles through the benchmarks' corpus readers.
EXCEPTIONS = {
    module: ("bot.services.ingest", "bot.sources.documents", "benchmarks.news_corpora")
    for module in ("bot.answers.training", "bot.nlp.answers.training")
}
MAY_IMPORT = re.compile(r"May import:(.*?)(?:\n\s*\n|$)", re.DOTALL)
NAMED = re.compile(r"``([\w.]+)``")


@dataclass(frozen=True)
class Rule:
    where: str  # the file whose docstring gave the rule
    allowed: tuple[str, ...]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def declared(path: Path) -> tuple[str, ...] | None:
    """The names on the file's "May import:" line, or None when it has none. The line ends
    at "Never" (what follows names what is forbidden) or at a blank line."""
    if not path.exists():
        return None
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    match = MAY_IMPORT.search(docstring)
    if match is None:
        return None
    allowed_part = match.group(1).split("Never")[0]
    return tuple(NAMED.findall(allowed_part))


def rule_for(path: Path) -> Rule:
    """The nearest declaration: the module's own, else its package's, else the parent's."""
    own = declared(path)
    if own is not None:
        return Rule(str(path.relative_to(REPO)), own)
    folder = path.parent
    while folder != REPO:
        init = folder / "__init__.py"
        names = declared(init)
        if names is not None:
            return Rule(str(init.relative_to(REPO)), names)
        folder = folder.parent
    raise AssertionError(f"{path.relative_to(REPO)}: no 'May import:' line above it")


def imports_of(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """Every imported module, absolute, with its line; relative imports resolved against
    ``package`` (the file's own, by default). ``from a.b import c`` counts as ``a.b.c``, so
    ``from bot import cli`` imports ``bot.cli`` and ``from telegram import Update`` is
    within ``telegram``."""
    if package is None:
        package = module_name(path)
        if path.name != "__init__.py":
            package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                head = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{head}.{base}" if base else head
            found += [
                (node.lineno, base if alias.name == "*" else f"{base}.{alias.name}")
                for alias in node.names
            ]
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def guarded(name: str) -> bool:
    root = name.split(".")[0]
    return root in FIRST_PARTY or root in GUARDED_THIRD_PARTY


def source_files() -> list[Path]:
    return sorted(p for top in CHECKED for p in (REPO / top).rglob("*.py"))


def violations() -> list[str]:
    found: list[str] = []
    for path in source_files():
        rule = rule_for(path)
        me = module_name(path)
        own_package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        if own_package == "bot" and me != "bot":
            own_package = me  # bot/config.py is a room of its own, not a licence for all of bot
        for line, name in imports_of(path):
            excepted = EXCEPTIONS.get(me, ())
            if not guarded(name) or within(name, own_package):
                continue
            if any(within(name, allowed) for allowed in (*rule.allowed, *excepted)):
                continue
            found.append(f"{path.relative_to(REPO)}:{line} imports {name} ({rule.where})")
    return sorted(set(found))


def test_every_import_is_allowed_by_its_package() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    "package", ["bot.nlp", "bot.sources", "bot.services", "bot.answers", "bot.nlp.answers", "db"]
)
def test_the_core_never_imports_telegram_or_handlers(package: str) -> None:
    folder = REPO.joinpath(*package.split("."))
    if not folder.is_dir():
        pytest.skip(f"{package} is not a package here")
    bad = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in sorted(folder.rglob("*.py"))
        for line, name in imports_of(path)
        if within(name, "telegram") or within(name, "handlers")
    ]
    assert bad == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself can fail: imports inside functions, and relative ones, are seen."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from telegram import Update\n    import handlers.render\n"
        "from ..sources import fetching\n",
        encoding="utf-8",
    )
    names = [name for _, name in imports_of(sample, package="bot.nlp")]
    assert sorted(names) == ["bot.sources.fetching", "handlers.render", "telegram.Update"]
    nlp = declared(REPO / "bot" / "nlp" / "__init__.py")
    assert nlp is not None
    assert not any(within("telegram.Update", allowed) for allowed in nlp)
    assert not any(within("handlers.render", allowed) for allowed in nlp)


def test_handlers_reach_the_core_only_through_the_services() -> None:
    """handlers/ may name the services, never the language work, the sources or the store
    (their types come re-exported from the services); the checker sees a handler that does."""
    allowed = declared(REPO / "handlers" / "__init__.py")
    assert allowed is not None and "bot.services" in allowed
    for core in ("db", "db.store", "bot.nlp", "bot.nlp.tokenizer", "bot.sources", "bot.cli"):
        assert not any(within(core, name) for name in allowed), core
    handler = REPO / "handlers" / "browsing.py"
    assert rule_for(handler).allowed == allowed
    imported = [name for _, name in imports_of(handler)]
    assert "bot.services.stories.Story" in imported  # what it imported from db.store before


def names_a_test_module(name: str) -> bool:
    """``tests.test_faults`` or anything inside it (``tests.test_faults.TOKEN``)."""
    parts = name.split(".")
    return len(parts) > 1 and parts[0] == "tests" and parts[1].startswith("test_")


def test_no_test_module_imports_another() -> None:
    """What tests share lives in ``tests.support``: a test module imported by another ties
    the two suites together, and its helpers are found only by reading the other suite."""
    files = sorted((REPO / "tests").rglob("*.py")) + sorted((REPO / "benchmarks").rglob("*.py"))
    bad = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in files
        for line, name in imports_of(path)
        if names_a_test_module(name)
    ]
    assert bad == []


def test_the_checker_sees_a_test_module_imported(tmp_path: Path) -> None:
    """Every spelling of importing a test module is caught; support modules are not."""
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "from tests.test_faults import TOKEN\nimport tests.test_ingest\n"
        "from tests import test_local_chat\nfrom .test_summaries import STORY\n"
        "from tests.support.bot_process import BOT_NAME\nfrom tests.conftest import article\n",
        encoding="utf-8",
    )
    found = [name for _, name in imports_of(sample, package="tests") if names_a_test_module(name)]
    assert found == [
        "tests.test_faults.TOKEN",
        "tests.test_ingest",
        "tests.test_local_chat",
        "tests.test_summaries.STORY",
    ]
