"""PNG's scanline filters, computed on whole images, against the PNG specification's
per-byte definitions written out in plain Python; and the deflate trials."""

import random
import zlib

import pytest

from optimize_images.image._scanlines import (ADAPTIVE, AVERAGE, FILTERS, NONE, PAETH, STRATEGIES,
                                              SUB, UP, Scanlines, deflated)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def reference_row(kind, row, previous, step):
    """One row filtered as the PNG specification defines it, byte by byte."""
    out = []
    for i, x in enumerate(row):
        a = row[i - step] if i >= step else 0
        b = previous[i]
        c = previous[i - step] if i >= step else 0
        prediction = {NONE: 0, SUB: a, UP: b, AVERAGE: (a + b) // 2, PAETH: paeth(a, b, c)}[kind]
        out.append((x - prediction) % 256)
    return bytes(out)


def rows_of(raw, size):
    return [raw[i:i + size] for i in range(0, len(raw), size)]


def unfiltered(stream, size, step):
    """The raw rows back from a filtered stream (what a decoder does)."""
    rows, previous = [], bytes(size)
    for start in range(0, len(stream), size + 1):
        kind, data = stream[start], stream[start + 1:start + 1 + size]
        row = bytearray(size)
        for i, value in enumerate(data):
            a = row[i - step] if i >= step else 0
            b, c = previous[i], previous[i - step] if i >= step else 0
            prediction = {NONE: 0, SUB: a, UP: b, AVERAGE: (a + b) // 2,
                          PAETH: paeth(a, b, c)}[kind]
            row[i] = (value + prediction) % 256
        rows.append(bytes(row))
        previous = bytes(row)
    return b"".join(rows)


def sample(row_bytes, height, seed, palette=(0, 1, 2, 127, 128, 129, 254, 255)):
    """Bytes that reach every branch of Paeth: extremes, ties, near values, noise."""
    rng = random.Random(seed)
    return bytes(rng.choice(palette) if rng.random() < 0.5 else rng.randrange(256)
                 for _ in range(row_bytes * height))


SHAPES = [(30, 7, 1), (30, 7, 3), (32, 5, 4), (12, 6, 2), (3, 4, 3), (1, 3, 1)]


@pytest.mark.parametrize("row_bytes, height, step", SHAPES)
@pytest.mark.parametrize("kind", FILTERS)
def test_each_filter_is_the_specifications(kind, row_bytes, height, step):
    raw = sample(row_bytes, height, seed=row_bytes * 7 + step)
    stream = Scanlines(raw, row_bytes, step).filtered(kind)
    previous, expected = bytes(row_bytes), b""
    for row in rows_of(raw, row_bytes):
        expected += bytes((kind,)) + reference_row(kind, row, previous, step)
        previous = row
    assert stream == expected


@pytest.mark.parametrize("row_bytes, height, step", SHAPES)
def test_adaptive_takes_per_row_the_filter_closest_to_zero(row_bytes, height, step):
    raw = sample(row_bytes, height, seed=step)
    stream = Scanlines(raw, row_bytes, step).filtered(ADAPTIVE)
    previous = bytes(row_bytes)
    for index, row in enumerate(rows_of(raw, row_bytes)):
        chosen = stream[index * (row_bytes + 1)]
        costs = {kind: sum(v if v < 128 else 256 - v
                           for v in reference_row(kind, row, previous, step))
                 for kind in FILTERS}
        assert costs[chosen] == min(costs.values())
        start = index * (row_bytes + 1) + 1
        assert stream[start:start + row_bytes] == reference_row(chosen, row, previous, step)
        previous = row
    assert unfiltered(stream, row_bytes, step) == raw


def test_a_smooth_gradient_prefers_a_predicting_filter():
    raw = bytes((x + y) % 256 for y in range(20) for x in range(40))
    stream = Scanlines(raw, 40, 1).filtered(ADAPTIVE)
    assert {stream[i * 41] for i in range(1, 20)} <= {SUB, UP, AVERAGE, PAETH}


@pytest.mark.parametrize("strategy", STRATEGIES.values())
def test_deflated_is_a_zlib_stream_of_the_data(strategy):
    data = sample(200, 300, seed=3)
    assert zlib.decompress(deflated(data, strategy)) == data


def test_deflated_gives_up_past_its_limit():
    data = sample(200, 3000, seed=4)  # random-ish: deflates to well over 100 kB
    full = deflated(data, STRATEGIES["default"], level=1)
    assert deflated(data, STRATEGIES["default"], level=1, limit=len(full)) == full
    assert deflated(data, STRATEGIES["default"], level=1, limit=len(full) - 1) is None
    assert deflated(data, STRATEGIES["default"], level=1, limit=1000) is None
