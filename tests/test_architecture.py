"""The layering docs/architecture.md states is the code's: every folder has a layer, its
modules import only from their own folder and lower layers, a private module only from its
folder, and no import cycle exists."""

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


def unit_of(name):
    """What the page gives a layer: a module's folder ('image.formats.jpeg' → 'image'), or
    the module itself at the top of the package ('api', 'cli', the package)."""
    return name.split(".")[0]


def stated_units():
    """{folder or top-level module: layer number} from the page's Layers table."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    units = {}
    for row in section.splitlines():
        match = re.match(r"\|\s*(\d+)\s[^|]*\|([^|]*)\|", row)
        if match:
            for unit in re.findall(r"`([\w.]+?)(?:/|\.py)?`", match.group(2)):
                assert unit not in units, f"{unit} is listed twice on {PAGE.name}"
                units[unit] = int(match.group(1))
    return units


def stated_layers():
    """{module: layer number}: each module in the layer of its folder."""
    units = stated_units()
    return {name: units[unit_of(name)] for name in modules() if unit_of(name) in units}


def upward_imports():
    """The imports that cross from one folder (or top-level module) to another of the same
    or a higher layer, as 'a (layer n) imports b (layer m)'."""
    layers = stated_layers()
    return [f"{name} (layer {layers[name]}) imports {other} (layer {layers[other]})"
            for name, others in sorted(import_graph().items()) for other in sorted(others)
            if unit_of(other) != unit_of(name) and layers[other] >= layers[name]]


def described_modules():
    """The module paths the page's Modules table names, each under its row's folder
    ('pipeline.py' in the row of `image/` → 'image/pipeline.py'; "top": the package's own)."""
    section = PAGE.read_text(encoding="utf-8").split("## Modules", 1)[1].split("\n## ", 1)[0]
    described = set()
    for row in section.splitlines():
        match = re.match(r"\|\s*(?:`([\w/]+/)`|top)\s*\|(.*)\|\s*$", row)
        if match:
            folder = match.group(1) or ""
            described |= {folder + name for name in re.findall(r"`([\w/]+\.py)`", match.group(2))}
    return described


def test_the_page_gives_every_folder_a_layer():
    units, known = stated_units(), {unit_of(name) for name in modules()}
    assert sorted(known - set(units)) == [], "folders or modules without a layer on the page"
    assert sorted(set(units) - known) == [], "the page names folders that do not exist"


def has_code(path):
    """False for a folder's __init__.py that only says what the folder holds."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
               for node in body)


def test_the_page_describes_every_module_and_only_those():
    paths = {str(path.relative_to(PACKAGE)) for path in modules().values() if has_code(path)}
    described = described_modules()
    assert sorted(paths - described) == [], "modules the page does not describe"
    assert sorted(described - paths) == [], "the page describes modules that do not exist"


def test_each_folder_imports_only_its_own_and_lower_layers():
    assert upward_imports() == []


def test_a_private_module_is_imported_only_from_its_own_folder():
    graph = import_graph()
    strays = [f"{name} imports {other}" for name, others in sorted(graph.items())
              for other in sorted(others)
              if other.rpartition(".")[2].startswith("_") and other.count(".")
              and not name.startswith(other.rpartition(".")[0] + ".")]
    assert strays == []


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
    assert {"run.discovery", "run.runner"} <= graph["run.watch"]
    assert "api" not in graph["run.watch"]
    assert "image.formats.base" in graph["image.formats.jpeg"]
    assert "measure.quality" in graph["image.formats.jpeg"]
    # imported inside a function
    assert {"commands.diff.command", "commands.compare.command"} <= graph["cli"]
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
