"""Every format module against the written contract (`formats.contract.Format`): one record
each, registered, sound, and read by the registry instead of probing the modules."""

import dataclasses
import importlib
import re
from pathlib import Path

import pytest

from optimize_images.image import formats
from optimize_images.image.formats.contract import Format, Opener, Role

FOLDER = Path(formats.__file__).parent
# The modules of formats/ that are no format: what the format modules share.
SHARED = {"__init__", "base", "contract", "lossy", "jpeg_tables"}


def format_modules():
    names = sorted(path.stem for path in FOLDER.glob("*.py") if path.stem not in SHARED)
    return [importlib.import_module(f"optimize_images.image.formats.{name}") for name in names]


def test_every_format_module_declares_one_registered_record():
    modules = format_modules()
    assert len(modules) == 9
    for module in modules:
        record = module.FORMAT
        assert isinstance(record, Format), module.__name__
        assert record.name == module.NAME
        assert formats.FORMATS[record.name] is record, module.__name__
    assert sorted(formats.FORMATS) == sorted(module.NAME for module in modules)


def test_every_record_keeps_the_contract():
    for record in formats.FORMATS.values():
        assert list(record.problems()) == [], record.name
        assert isinstance(record.role, Role) and record.extensions[0].startswith(".")
        if record.role is Role.IN_PLACE:
            assert record.writes and record.is_marked and record.working_memory


def tiny(**capabilities):
    """A record of a format we write, with `capabilities` changed."""
    return dataclasses.replace(formats.FORMATS["GIF"], **capabilities)


def test_a_misspelled_capability_is_an_error_not_a_feature_turned_off():
    with pytest.raises(TypeError, match="encode_animations"):
        tiny(encode_animations=lambda source, job: None)


@pytest.mark.parametrize("capabilities, problem", [
    ({"is_marked": None}, "missing: is_marked"),
    ({"encode": None, "prepare": None, "is_marked": None, "working_memory": None},
     "optimized in place without encode"),
    ({"role": Role.CONVERT_ONLY, "encode": None, "prepare": None, "is_marked": None,
      "working_memory": None}, "encode_animation without encode"),
    ({"encode": lambda image: None}, r"encode does not take \(image, job\)"),
    ({"working_memory": 4}, r"working_memory does not take \(job\)"),
    ({"extensions": ("gif",)}, "each starting with '.'"),
    ({"extensions": ()}, "at least one"),
    ({"role": "in place"}, "is not a Role"),
    ({"inspect": None}, "inspect is missing"),
])
def test_the_contract_refuses_a_record_that_breaks_it(capabilities, problem):
    with pytest.raises(TypeError, match=problem):
        tiny(**capabilities)


def test_a_format_we_only_read_declares_nothing_of_writing():
    with pytest.raises(TypeError, match="codec, max_side without encode"):
        dataclasses.replace(formats.FORMATS["TIFF"], codec="libtiff", max_side=10)
    with pytest.raises(TypeError, match=r"opener's register does not take \(\)"):
        Opener(accept=lambda prefix: False, register=lambda package: True, missing="")


def test_the_registry_reads_the_records(monkeypatch):
    assert formats.keeps_animations("GIF")
    monkeypatch.setitem(formats.FORMATS, "GIF", tiny(encode_animation=None))
    assert not formats.keeps_animations("GIF")
    source = (FOLDER / "__init__.py").read_text(encoding="utf-8")
    assert not re.search(r"\b(hasattr|getattr)\(", source)
