"""Turn a drawing into the kind of input MNIST digits are.

MNIST's digits were made in three steps, and a drawing must go through the same three before a
net trained on MNIST can read it:

1. **crop** to the ink's bounding box, so where you drew on the pad does not matter;
2. **fit** the longer side into 20 px keeping the aspect ratio, with anti-aliasing, so how big
   you drew does not matter (a "1" stays thin: it is fitted by its height);
3. **centre** it in 28x28 so that its centre of mass (the ink-weighted mean pixel) lands on the
   middle pixel, 14 (rows and columns counted from 0), the way MNIST's were: by whole pixels.

``strokes_to_mnist(strokes)`` first renders the strokes the pad recorded with a round pen (Pillow
``ImageDraw``), then does the three steps; ``image_to_mnist(img)`` does them to any grayscale
array whose ink is bright. Both return a ``(28, 28)`` float32 array in ``[0, 1]``; an empty drawing
gives all zeros. NumPy and Pillow only.
"""
from __future__ import annotations

import math

import numpy as np

from .validation import positive

#: The pad's pen diameter in canvas pixels on the default 280 px canvas. Chosen so that a digit
#: drawn about 60% of the pad's height comes out with MNIST's stroke thickness (mean ink per image
#: ~0.13, MNIST's mean) after the 20x20 fit.
PEN_WIDTH = 22
#: The pad's side in pixels, and the largest side a canvas may have (a 2048 px square is 4 MB of ink).
CANVAS_SIZE, MAX_CANVAS_SIZE = 280, 2048
#: MNIST's box for the longer side of a digit, and its image side.
BOX, SIDE = 20, 28
#: The thickest pen a fitted drawing may have, in 28x28 pixels. A tiny scribble or a single tap
#: would otherwise be blown up into a 20 px blob; beyond this it is shrunk less instead.
MAX_PEN = 4.0


class Ink:
    """The pen's ink on a ``canvas_size`` square, kept as a uint8 Pillow image (ink = 255).

    A round pen: every segment is a line ``pen_width`` wide with a disc at its end, so joints and
    stroke ends are round and a single point is a dot. The pad adds one segment per mouse event
    (cheap), and ``to_mnist()`` turns the whole drawing into MNIST's format when a prediction is
    due. Ink off the canvas is cut off, as on the screen.

    Both sizes are bounded, so no drawing can take long: ``canvas_size`` at most
    ``MAX_CANVAS_SIZE`` and ``pen_width`` at most ``canvas_size`` (a wider pen would ink the whole
    canvas at the first touch, and Pillow's cost grows with the pen's area); beyond, a ValueError.
    """

    def __init__(self, canvas_size=CANVAS_SIZE, pen_width=PEN_WIDTH):
        from PIL import Image, ImageDraw

        self.canvas_size = positive(canvas_size, "canvas_size", integer=True, maximum=MAX_CANVAS_SIZE)
        self.pen_width = positive(pen_width, "pen_width", maximum=self.canvas_size)
        self.image = Image.new("L", (self.canvas_size, self.canvas_size), 0)
        self._draw = ImageDraw.Draw(self.image)
        self._last = None
        self.bbox = None           # (x0, y0, x1, y1) around all ink so far, in canvas pixels

    def clear(self):
        self.image.paste(0, (0, 0, self.canvas_size, self.canvas_size))
        self._last, self.bbox = None, None

    def stroke(self, points):
        """Add a whole stroke (a sequence of ``(x, y)``)."""
        self.end_stroke()
        for x, y in points:
            self.add_point(x, y)
        self.end_stroke()

    def add_point(self, x, y):
        """Extend the current stroke to ``(x, y)`` (or start one there); a ValueError unless both
        are finite numbers. Points far off the canvas are moved closer: their ink is cut off anyway."""
        n = self.canvas_size
        # Far-away points would make Pillow draw huge spans; the canvas clips them anyway.
        x, y = (min(max(v, -n), 2.0 * n) for v in _coordinates((x, y)))
        r = self.pen_width / 2
        if self._last is not None and self._last != (x, y):
            self._draw.line((self._last, (x, y)), fill=255, width=max(1, round(self.pen_width)))
        self._draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
        self._last = (x, y)
        box = (x - r - 1, y - r - 1, x + r + 2, y + r + 2)
        b = self.bbox
        self.bbox = box if b is None else (min(b[0], box[0]), min(b[1], box[1]), max(b[2], box[2]), max(b[3], box[3]))

    def end_stroke(self):
        """The pen lifts: the next point starts a new stroke."""
        self._last = None

    def array(self):
        """The ink as a ``(canvas_size, canvas_size)`` uint8 array."""
        return np.asarray(self.image)

    def to_mnist(self):
        """The drawing as a ``(28, 28)`` float32 MNIST-style image (all zeros if nothing is drawn)."""
        if self.bbox is None:
            return np.zeros((SIDE, SIDE), np.float32)
        n = self.canvas_size
        x0, y0, x1, y1 = (min(max(int(v), 0), n) for v in self.bbox)
        # Only the region around the ink is scanned and copied, not the whole canvas.
        A = np.asarray(self.image.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))))
        return image_to_mnist(A, max_scale=MAX_PEN / self.pen_width)


def render_strokes(strokes, canvas_size=CANVAS_SIZE, pen_width=PEN_WIDTH):
    """Rasterise strokes as the pad shows them: ``(canvas_size, canvas_size)`` uint8, ink = 255."""
    return _ink(strokes, canvas_size, pen_width).array()


def strokes_to_mnist(strokes, canvas_size=CANVAS_SIZE, pen_width=PEN_WIDTH):
    """Strokes recorded on the pad -> ``(28, 28)`` float32 in ``[0, 1]``, MNIST-style.

    ``strokes`` is a list of strokes, each a sequence of ``(x, y)`` canvas pixels (origin top
    left, y down). No strokes, or strokes with no points, give all zeros. The fit is capped so
    the pen is never wider than ``MAX_PEN`` pixels afterwards: a single tap becomes a small dot in
    the middle, not a 20x20 disc.
    """
    return _ink(strokes, canvas_size, pen_width).to_mnist()


def _ink(strokes, canvas_size, pen_width):
    strokes = check_strokes(strokes)
    ink = Ink(canvas_size, pen_width)
    for points in strokes:
        ink.stroke(points.tolist())
    return ink


def image_to_mnist(img, max_scale=None):
    """Any 2-D grayscale image with bright ink -> ``(28, 28)`` float32 in ``[0, 1]``, MNIST-style.

    Integer images are read as 0..255 and float images as 0..1 (values outside are clipped). A
    Pillow image is converted to grayscale first. ``max_scale`` optionally caps the resize factor
    (``strokes_to_mnist`` uses it to keep a tap small). An image with no ink gives all zeros.
    """
    box = crop_to_ink(_as_gray(img))
    if box.size == 0:
        return np.zeros((SIDE, SIDE), np.float32)
    fitted = fit_box(box, BOX, max_scale=max_scale)
    if fitted.dtype == np.uint8:
        fitted = fitted.astype(np.float32) / np.float32(255)
    return center_by_mass(fitted, SIDE)


def crop_to_ink(A):
    """The smallest rectangle of ``A`` holding all its nonzero pixels (empty if there are none)."""
    rows = np.flatnonzero(A.any(axis=1))
    cols = np.flatnonzero(A.any(axis=0))
    if rows.size == 0:
        return A[:0, :0]
    return A[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def fit_box(A, box=BOX, max_scale=None):
    """Resize ``A`` so its longer side is ``box`` pixels, keeping the aspect ratio.

    Shrinking averages the covered source pixels with a bicubic filter sized to the step: the
    anti-aliasing that turns a sharp pen line into MNIST's soft grey edges. ``A`` is uint8
    (0..255, like MNIST's files) or float (0..1); the result has the same kind.
    """
    from PIL import Image

    h, w = A.shape
    scale = box / max(h, w)
    if max_scale is not None:
        scale = min(scale, max_scale)
    size = (max(1, min(box, round(w * scale))), max(1, min(box, round(h * scale))))
    if size == (w, h):
        return A.copy()
    if A.dtype == np.uint8:
        # reducing_gap: bin by a whole factor first, then resample (3x faster, within 3/255).
        return np.asarray(Image.fromarray(A).resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0))
    out = Image.fromarray(np.ascontiguousarray(A, np.float32)).resize(size, Image.Resampling.BICUBIC,
                                                                  reducing_gap=3.0)
    return np.clip(np.asarray(out), 0.0, 1.0)


def center_of_mass(A):
    """``(row, col)`` of the ink-weighted mean pixel of ``A``, rows and columns counted from 0."""
    A = np.asarray(A, np.float64)
    mass = A.sum()
    if mass <= 0:
        raise ValueError("center_of_mass needs some ink, got an image that is all zeros")
    row = (A.sum(axis=1) @ np.arange(A.shape[0])) / mass
    col = (A.sum(axis=0) @ np.arange(A.shape[1])) / mass
    return float(row), float(col)


def center_by_mass(A, side=SIDE):
    """Paste ``A`` into a ``side x side`` image so its centre of mass lands on pixel ``side // 2``.

    Shifts are whole pixels, as in MNIST (whose centres of mass sit within half a pixel of
    (14, 14)). The shift is limited so that no ink falls off the edge.
    """
    h, w = A.shape
    if h > side or w > side:
        raise ValueError(f"image must fit in {side}x{side}, got shape {A.shape}")
    out = np.zeros((side, side), np.float32)
    if not A.any():
        return out
    row, col = center_of_mass(A)
    top = min(max(_round_half_up(side // 2 - row), 0), side - h)
    left = min(max(_round_half_up(side // 2 - col), 0), side - w)
    out[top:top + h, left:left + w] = A
    return out


def check_strokes(strokes):
    """``strokes`` as a list of ``(n, 2)`` float arrays, or a ValueError saying what was wrong."""
    if isinstance(strokes, np.ndarray) and strokes.ndim == 2:
        strokes = [strokes]        # a single stroke passed as an (n, 2) array
    try:
        strokes = list(strokes)
    except TypeError:
        raise ValueError(f"strokes must be a list of strokes, each a list of (x, y) points, "
                         f"got {type(strokes).__name__}") from None
    out = []
    for i, stroke in enumerate(strokes):
        try:
            points = np.asarray(stroke, dtype=np.float64)
        except OverflowError:  # a Python int beyond float's range, e.g. 10**400
            raise ValueError(f"stroke {i} has a coordinate too large to be a float (beyond 1.8e308)") from None
        except (TypeError, ValueError):
            raise ValueError(f"stroke {i} must be a sequence of (x, y) number pairs, got {stroke!r:.80}") from None
        if points.size == 0:
            continue
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"stroke {i} must be a sequence of (x, y) pairs, got an array of shape {points.shape}")
        if not np.isfinite(points).all():
            raise ValueError(f"stroke {i} has non-finite coordinates (NaN or inf)")
        out.append(points)
    return out


def _coordinates(point):
    """``(x, y)`` as floats, or a ValueError if either is not a finite number."""
    try:
        x, y = (float(v) for v in point)
    except OverflowError:
        raise ValueError("a point has a coordinate too large to be a float (beyond 1.8e308)") from None
    except (TypeError, ValueError):
        raise ValueError(f"a point must be (x, y) numbers, got {point!r:.80}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"a point must have finite coordinates, got ({x}, {y})")
    return x, y


def _as_gray(img):
    """``img`` as uint8 0..255 (integer and bool input) or float32 0..1 (float input)."""
    if hasattr(img, "convert") and hasattr(img, "mode"):        # a Pillow image
        img = img.convert("L")
    A = np.asarray(img)
    if A.ndim != 2:
        raise ValueError(f"image must be a 2-D grayscale array (rows, cols), got shape {A.shape}"
                         + ("; for RGB use img.mean(axis=2)" if A.ndim == 3 else ""))
    if A.dtype == np.uint8:
        return A
    if A.dtype == np.bool_:
        return A.astype(np.uint8) * np.uint8(255)
    if np.issubdtype(A.dtype, np.integer):
        return np.clip(A, 0, 255).astype(np.uint8)
    if np.issubdtype(A.dtype, np.floating):
        if not np.isfinite(A).all():
            raise ValueError("image has NaN or inf pixels")
        return np.clip(A, 0, 1).astype(np.float32)
    raise ValueError(f"image must hold numbers, got dtype {A.dtype}")


def _round_half_up(v):
    return int(math.floor(v + 0.5))
