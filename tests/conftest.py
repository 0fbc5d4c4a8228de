"""Shared fixtures: the optional real-image corpus and a few made images."""

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "corpus: reads ../shared/corpus (skipped where it is absent)")


def pytest_collection_modifyitems(config, items):
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{CORPUS} is absent (it exists only on our machines)")
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def corpus_dir():
    """The real-image corpus; tests using it must also be marked `corpus`."""
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent")
    return CORPUS
