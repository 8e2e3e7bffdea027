"""Functions short enough to read at once: none in the package is longer than MAX_LINES."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
MAX_LINES = 60

# "module:function" → why it may be longer (none today; a new entry needs its reason)
ALLOWED: dict[str, str] = {}


def long_functions(package: Path = PACKAGE, limit: int = MAX_LINES) -> dict[str, int]:
    """'module:function' → its lines (def line to last line) for every function over ``limit``."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found[f"{module}:{node.name}"] = lines
    return found


def test_no_function_is_longer_than_the_limit():
    over = {name: lines for name, lines in long_functions().items() if name not in ALLOWED}
    assert not over, f"functions over {MAX_LINES} lines: {over} (shorten them, or add them to ALLOWED with a reason)"


def test_every_allowance_is_still_needed():
    long = long_functions()
    assert all(name in long for name in ALLOWED), [name for name in ALLOWED if name not in long]


def test_the_measure_sees_a_long_function(tmp_path):
    (tmp_path / "pkg").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "pkg" / "mod.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n", encoding="utf-8")
    assert long_functions(tmp_path / "pkg") == {"pkg.mod:long": MAX_LINES + 1}
