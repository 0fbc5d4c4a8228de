"""Figures drawn with Pillow: labelled grids of tiles, placeholders, legends, outlines.

The grid follows ImageMagick's montage: tiles centred in equal cells, labels
centred under them, a title at twice the label size, rows = ⌊√n⌋ and
columns = ⌈n / rows⌉. Keep labels ASCII: without FreeType, Pillow's only
font is a fixed bitmap one that draws little else.
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Container, Iterable, List, Optional, Sequence, Tuple, Union, cast

from PIL import Image, ImageDraw, ImageFont

from ..common.compat import Resampling, Transpose
from ..common.modes import WHITE

LABEL_SIZE = 14  # px
SPACING = 8  # px between cells and around the grid
THICKNESS = 16  # px of a legend bar's colour strip
TICK = 4  # px
LABEL_GAP = 4  # px of paper between a tick and its label, a swatch and its text
CAPTION_WIDTH = 240  # px: a legend's caption is wrapped to its bar's length, or to this
INK = (32, 32, 32)
PLACEHOLDER_FILL = (224, 224, 224)
PLACEHOLDER_LINES = (192, 192, 192)
OUTLINE = (255, 0, 0)
FLAG = (230, 120, 0)  # the frame of a tile that needs a second look
FLAG_WIDTH = 3  # px, within the SPACING between cells

RGB = Tuple[int, int, int]
Size = Tuple[int, int]  # (width, height)
Box = Tuple[int, int, int, int]  # (left, top, right, bottom)
# What `font` gives: a scalable font, or the fixed bitmap one.
Font = Union[ImageFont.FreeTypeFont, ImageFont.ImageFont]


@lru_cache(maxsize=8)
def font(size: int = LABEL_SIZE) -> Font:
    """Pillow's default font at `size` px, or its fixed bitmap font where it cannot scale.

    The default font scales from Pillow 10.1 on, and only where Pillow has
    FreeType; elsewhere the bitmap font (about 11 px) is what there is.
    """
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow < 10.1; no FreeType
        return ImageFont.load_default()


def text_width(text: str, text_font: Font) -> int:
    return cast(int, text_font.getbbox(text)[2])  # whole pixels: we draw no stroke


def line_height(text_font: Font) -> int:
    """The height of one line of text, with a little air below it."""
    return cast(int, text_font.getbbox("Ag")[3]) + 2


def format_value(value: float) -> str:
    """A number for a legend or a label: three significant digits."""
    if value == 0 or not math.isfinite(value) or abs(value) < 1e-3:
        return f"{value:.2g}"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}"


# Grids ---------------------------------------------------------------------------

def grid_shape(count: int, columns: Optional[int] = None) -> Tuple[int, int]:
    """(columns, rows) for `count` tiles: montage's choice unless `columns` is given."""
    if columns is None:
        rows = max(1, math.isqrt(count))
        return math.ceil(count / rows), rows
    return columns, max(1, math.ceil(count / columns))


@dataclass(frozen=True)
class Layout:
    """Where everything of a grid goes. Cells are cell_width × (tile_height + label_height)."""
    columns: int
    rows: int
    cell_width: int
    tile_height: int
    label_height: int
    title_height: int
    spacing: int = SPACING

    @property
    def size(self) -> Size:
        width = self.columns * (self.cell_width + self.spacing) + self.spacing
        height = (self.title_height + self.spacing
                  + self.rows * (self.tile_height + self.label_height + self.spacing))
        return width, height

    def cell_origin(self, index: int) -> Tuple[int, int]:
        """The top-left corner of cell `index`, counted along rows."""
        row, column = divmod(index, self.columns)
        return (self.spacing + column * (self.cell_width + self.spacing),
                self.title_height + self.spacing
                + row * (self.tile_height + self.label_height + self.spacing))

    def tile_box(self, index: int, tile_size: Size) -> Box:
        """A tile of this size, centred in its cell's tile area."""
        left, top = self.cell_origin(index)
        width, height = tile_size
        left += (self.cell_width - width) // 2
        top += (self.tile_height - height) // 2
        return left, top, left + width, top + height

    def label_box(self, index: int) -> Box:
        left, top = self.cell_origin(index)
        top += self.tile_height
        return left, top, left + self.cell_width, top + self.label_height


def layout(tile_sizes: Sequence[Size], labels: Sequence[str], *, title: Optional[str] = None,
           columns: Optional[int] = None, font_size: int = LABEL_SIZE) -> Layout:
    """The Layout of a montage of tiles of these sizes with these labels ("\\n" between lines)."""
    label_font, title_font = font(font_size), font(2 * font_size)
    lines = [line for label in labels for line in label.split("\n")]
    line_count = max((label.count("\n") + 1 for label in labels), default=0)
    columns, rows = grid_shape(len(tile_sizes), columns)
    return Layout(
        columns=columns, rows=rows,
        cell_width=max([width for width, _ in tile_sizes]
                       + [text_width(line, label_font) for line in lines]),
        tile_height=max(height for _, height in tile_sizes),
        label_height=line_count * line_height(label_font) + (TICK if line_count else 0),
        title_height=line_height(title_font) if title else 0)


def montage(tiles: Sequence[Image.Image], labels: Sequence[str], *, title: Optional[str] = None,
            columns: Optional[int] = None, font_size: int = LABEL_SIZE,
            flagged: Container[int] = ()) -> Image.Image:
    """Tiles in a grid, each labelled below, in the order given, under an optional title.

    The tiles whose indexes are `flagged` get a FLAG-coloured frame (say why in
    their labels).
    """
    if len(tiles) != len(labels) or not tiles:
        raise ValueError(f"need one label per tile and at least one tile; got {len(tiles)} "
                         f"tiles and {len(labels)} labels")
    geometry = layout([tile.size for tile in tiles], labels, title=title, columns=columns,
                      font_size=font_size)
    canvas = Image.new("RGB", geometry.size, WHITE)
    draw = ImageDraw.Draw(canvas)
    if title:
        _centred_lines(draw, [title], (0, SPACING // 2, canvas.width, geometry.title_height),
                       font(2 * font_size))
    for index, (tile, label) in enumerate(zip(tiles, labels)):
        box = geometry.tile_box(index, tile.size)
        canvas.paste(tile.convert("RGB"), box[:2])
        if index in flagged:
            draw.rectangle((box[0] - FLAG_WIDTH, box[1] - FLAG_WIDTH, box[2] + FLAG_WIDTH - 1,
                            box[3] + FLAG_WIDTH - 1), outline=FLAG, width=FLAG_WIDTH)
        left, top, right, bottom = geometry.label_box(index)
        _centred_lines(draw, label.split("\n"), (left, top + TICK, right, bottom), font(font_size))
    return canvas


def _centred_lines(draw, lines, box, text_font):
    left, top, right, _ = box
    for line in lines:
        draw.text((left + (right - left - text_width(line, text_font)) // 2, top), line,
                  fill=INK, font=text_font)
        top += line_height(text_font)


def placeholder(size: Size, text: str = "missing", *, font_size: int = LABEL_SIZE) -> Image.Image:
    """A grey tile with a cross and a short text: where a variant could not be made."""
    tile = Image.new("RGB", size, PLACEHOLDER_FILL)
    draw = ImageDraw.Draw(tile)
    width, height = size
    draw.line((0, 0, width - 1, height - 1), fill=PLACEHOLDER_LINES, width=2)
    draw.line((0, height - 1, width - 1, 0), fill=PLACEHOLDER_LINES, width=2)
    text_font = font(font_size)
    lines = text.split("\n")
    top = (height - len(lines) * line_height(text_font)) // 2
    _centred_lines(draw, lines, (0, top, width, height), text_font)
    return tile


# Legends, outlines, zoom ---------------------------------------------------------

def legend_bar(colours: Sequence[RGB], low: float, high: float, *, length: int,
               vertical: bool = False, caption: Iterable[str] = (),
               font_size: int = LABEL_SIZE) -> Image.Image:
    """A colour scale from `low` to `high` with labelled ticks, `length` px long.

    `colours` is the scale, low to high, as RGB triples; `caption` lines say
    what the scale shows, wrapped to the bar's length or CAPTION_WIDTH,
    whichever is longer. Horizontal bars put their labels, then the caption,
    below; vertical ones run upwards with their labels on the right and the
    caption right of those, turned to read upwards. LABEL_GAP px of paper
    part each tick from its label and the labels from one another.
    """
    text_font = font(font_size)
    strip = Image.frombytes("RGB", (len(colours), 1), bytes(c for rgb in colours for c in rgb))
    labels = _labels(low, high, length, text_font, vertical)
    lines = wrapped(caption, max(length, CAPTION_WIDTH), text_font)
    if vertical:
        return _vertical_legend(strip, labels, length, lines, text_font)
    return _horizontal_legend(strip, labels, length, lines, text_font)


def _horizontal_legend(strip, labels, length, lines, text_font):
    label_top = THICKNESS + TICK + LABEL_GAP
    width = max([length, labels[-1][3]] + [text_width(line, text_font) for line in lines])
    height = label_top + (1 + len(lines)) * line_height(text_font)
    legend = Image.new("RGB", (width, height), WHITE)
    legend.paste(strip.resize((length, THICKNESS), Resampling.BILINEAR), (0, 0))
    draw = ImageDraw.Draw(legend)
    for position, text, start, _ in labels:
        draw.line((position, THICKNESS, position, THICKNESS + TICK - 1), fill=INK)
        left, top, _, _ = text_font.getbbox(text)
        draw.text((start - left, label_top - top), text, fill=INK, font=text_font)
    _centred_lines(draw, lines, (0, label_top + line_height(text_font), width, height), text_font)
    return legend


def _vertical_legend(strip, labels, length, lines, text_font):
    label_left = THICKNESS + TICK + LABEL_GAP
    caption_left = label_left + max(_ink_size(text, text_font)[0] for _, text, _, _ in labels)
    caption_left += LABEL_GAP
    caption_length = max([length] + [text_width(line, text_font) for line in lines])
    legend = Image.new("RGB", (caption_left + len(lines) * line_height(text_font),
                               max(caption_length, labels[-1][3])), WHITE)
    legend.paste(strip.transpose(Transpose.ROTATE_90).resize((THICKNESS, length),
                                                              Resampling.BILINEAR), (0, 0))
    draw = ImageDraw.Draw(legend)
    for position, text, start, _ in labels:
        y = length - 1 - position
        draw.line((THICKNESS, y, THICKNESS + TICK - 1, y), fill=INK)
        left, top, _, _ = text_font.getbbox(text)
        draw.text((label_left - left, start - top), text, fill=INK, font=text_font)
    if lines:
        turned = Image.new("RGB", (caption_length, len(lines) * line_height(text_font)), WHITE)
        _centred_lines(ImageDraw.Draw(turned), lines, (0, 0) + turned.size, text_font)
        legend.paste(turned.transpose(Transpose.ROTATE_90), (caption_left, 0))
    return legend


def _labels(low, high, length, text_font, vertical):
    """(tick position, text, where the label's ink starts and ends along the bar) at low,
    middle and high, each centred on its tick within the bar.

    The middle one is left out where it would come within LABEL_GAP of an end's;
    on a bar too short even for the ends, the later one moves on past the bar.
    """
    labels = []
    for value in (low, (low + high) / 2, high):
        position = round((value - low) / (high - low) * (length - 1))
        text = format_value(value)
        size = _ink_size(text, text_font)[1 if vertical else 0]
        centre = length - 1 - position if vertical else position
        start = max(0, min(centre - size // 2, length - size))
        labels.append((position, text, start, start + size))
    if _crowded(labels):
        labels = labels[::2]
    placed = []
    for position, text, start, end in sorted(labels, key=lambda label: label[2]):
        shift = max(0, placed[-1][3] + LABEL_GAP - start) if placed else 0
        placed.append((position, text, start + shift, end + shift))
    return placed


def _crowded(labels):
    spans = sorted((start, end) for _, _, start, end in labels)
    return any(later[0] < earlier[1] + LABEL_GAP for earlier, later in zip(spans, spans[1:]))


def _ink_size(text, text_font):
    left, top, right, bottom = text_font.getbbox(text)
    return right - left, bottom - top


def wrapped(lines: Iterable[str], width: int, text_font: Font) -> List[str]:
    """The lines broken between words so that each fits `width` px where it can."""
    result = []
    for line in lines:
        current = ""
        for word in line.split(" "):
            attempt = f"{current} {word}" if current else word
            if current and text_width(attempt, text_font) > width:
                result.append(current)
                attempt = word
            current = attempt
        result.append(current)
    return result


def key(entries: Sequence[Tuple[RGB, str]], *, font_size: int = LABEL_SIZE) -> Image.Image:
    """A legend of colour swatches, one per line: entries are (RGB, text)."""
    text_font = font(font_size)
    height = line_height(text_font)
    swatch = height - 4
    width = max(swatch + LABEL_GAP + text_width(text, text_font) for _, text in entries)
    legend = Image.new("RGB", (width, height * len(entries)), WHITE)
    draw = ImageDraw.Draw(legend)
    for index, (colour, text) in enumerate(entries):
        top = index * height
        draw.rectangle((0, top + 1, swatch - 1, top + swatch), fill=colour, outline=INK)
        draw.text((swatch + LABEL_GAP, top), text, fill=INK, font=text_font)
    return legend


def attach(image: Image.Image, legend: Image.Image, side: str, *,
           gap: int = SPACING) -> Image.Image:
    """The image at (0, 0) with a legend below it or right of it, on white."""
    if side == "below":
        size = (max(image.width, legend.width), image.height + gap + legend.height)
        at = (0, image.height + gap)
    elif side == "right":
        size = (image.width + gap + legend.width, max(image.height, legend.height))
        at = (image.width + gap, 0)
    else:
        raise ValueError(f"side must be 'below' or 'right', not {side!r}")
    canvas = Image.new("RGB", size, WHITE)
    canvas.paste(image.convert("RGB"), (0, 0))
    canvas.paste(legend, at)
    return canvas


def outlined(image: Image.Image, box: Box, *, colour: RGB = OUTLINE,
             width: int = 3) -> Image.Image:
    """A copy of the image with a frame around `box` (left, top, right, bottom).

    The frame lies just outside the box, leaving its pixels as they were;
    along an edge of the image, where that would leave the image, it lies
    just inside the box instead, so all four sides always show.
    """
    left, top, right, bottom = box
    framed = image.convert("RGB")
    ImageDraw.Draw(framed).rectangle(
        (max(0, left - width), max(0, top - width),
         min(framed.width, right + width) - 1, min(framed.height, bottom + width) - 1),
        outline=colour, width=width)
    return framed


def zoomed(image: Image.Image, factor: int) -> Image.Image:
    """The image `factor` times larger, each pixel a block (nearest neighbour)."""
    if factor == 1:
        return image
    return image.resize((image.width * factor, image.height * factor), Resampling.NEAREST)
