"""The layering docs/architecture.md states is the code's: every module has a layer,
imports only from lower layers, and no import cycle exists."""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "optimize_images"
PAGE = REPO / "docs" / "architecture.md"
PACKAGE_NAME = "optimize_images"


def module_name(path):
    """optimize_images/formats/jpeg.py → 'formats.jpeg'; a package's __init__ → its name."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or PACKAGE_NAME


def modules():
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(name, path, known):
    """The modules of ours that a module imports, anywhere in it (functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0] or PACKAGE_NAME
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = [] if package == PACKAGE_NAME else package.split(".")
                base = parts[:len(parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith(PACKAGE_NAME):
                target = node.module[len(PACKAGE_NAME) + 1:]
            else:
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}".lstrip(".")
                found.add(submodule if submodule in known else (target or PACKAGE_NAME))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE_NAME + "."):
                    found.add(alias.name[len(PACKAGE_NAME) + 1:])
    found.discard(name)
    return {module for module in found if module in known}


def import_graph():
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def stated_layers():
    """{module: layer number} from the page's Layers table."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for row in section.splitlines():
        match = re.match(r"\|\s*(\d+)\s[^|]*\|([^|]*)\|", row)
        if match:
            for module in re.findall(r"`([\w.]+)`", match.group(2)):
                assert module not in layers, f"{module} is listed twice on {PAGE.name}"
                layers[module] = int(match.group(1))
    return layers


def test_the_page_lists_every_module_and_only_those():
    layers, known = stated_layers(), set(modules())
    assert sorted(known - set(layers)) == [], "modules without a layer on the page"
    assert sorted(set(layers) - known) == [], "the page names modules that do not exist"


def test_each_layer_imports_only_lower_layers():
    layers = stated_layers()
    upward = [f"{name} (layer {layers[name]}) imports {other} (layer {layers[other]})"
              for name, others in sorted(import_graph().items()) for other in sorted(others)
              if layers[other] >= layers[name]]
    assert upward == []


def test_there_is_no_import_cycle():
    graph = import_graph()
    finished, on_path = set(), []

    def visit(name):
        if name in on_path:
            pytest.fail("import cycle: " + " -> ".join(on_path[on_path.index(name):] + [name]))
        if name in finished:
            return
        on_path.append(name)
        for other in sorted(graph[name]):
            visit(other)
        on_path.pop()
        finished.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_graph_sees_relative_and_absolute_imports():
    graph = import_graph()
    assert {"discovery", "runner"} <= graph["watch"] and "api" not in graph["watch"]
    assert "formats.base" in graph["formats.jpeg"] and "quality" in graph["formats.jpeg"]
    assert {"diff.command", "compare.command"} <= graph["cli"]  # imported inside a function
    assert "api" in graph[PACKAGE_NAME]


def test_the_core_imports_no_heavy_or_optional_package_at_module_level():
    forbidden = ("numpy", "scipy", "skimage", "multiprocessing", "pillow_heif", "watchdog",
                 "dask", "distributed", "oxipng")
    for name, path in modules().items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for imported_name in names:
                assert imported_name.split(".")[0] not in forbidden, (name, imported_name)
