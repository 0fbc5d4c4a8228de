"""The package's types: every public function annotated, and mypy clean on the package
(skipped where mypy, a test extra, is not installed)."""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import PIL
import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "optimize_images"


def public_functions(tree):
    """The module's public functions and the public methods of its public classes."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for member in node.body:
                if isinstance(member, functions) and not member.name.startswith("_"):
                    yield f"{node.name}.{member.name}", member


def unannotated(function):
    """What a function leaves without a type: its return, or an argument's name."""
    arguments = function.args
    named = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    missing = [argument.arg for argument in named
               if argument.annotation is None and argument.arg not in ("self", "cls")]
    missing += [f"*{extra.arg}" for extra in (arguments.vararg, arguments.kwarg)
                if extra is not None and extra.annotation is None]
    if function.returns is None:
        missing.append("return")
    return missing


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_public_function_is_annotated(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    gaps = {name: missing for name, function in public_functions(tree)
            if (missing := unannotated(function))}
    assert gaps == {}


def test_the_checker_sees_a_missing_annotation():
    tree = ast.parse("def shown(a: int, b) -> int: ...\n"
                     "def _hidden(a): ...\n"
                     "class Shown:\n"
                     "    def method(self, a: int): ...\n")
    assert {name: unannotated(function) for name, function in public_functions(tree)} == {
        "shown": ["b"], "Shown.method": ["return"]}


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
@pytest.mark.skipif(not (Path(PIL.__file__).parent / "py.typed").exists(),
                    reason="this Pillow ships no type information (no py.typed)")
def test_mypy_finds_no_error_in_the_package():
    done = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(REPO / "setup.cfg")],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
