"""ICC profiles for the colour tests, written from their published parameters.

Pillow's ImageCms makes only sRGB, Lab and XYZ profiles, and no other profile is installed
with it, so the wide-gamut ones a camera or phone embeds are written here: ICC v2 matrix/TRC
display profiles (ICC.1:2001-04), the kind those devices embed. Their colorants are the
primaries' RGB -> XYZ matrix adapted from D65 to the profile connection space's D50 with the
Bradford transform, as the ICC prescribes and littleCMS expects.
"""

from __future__ import annotations

import struct

Vector = tuple[float, ...]  # three values: X, Y, Z or R, G, B
Matrix = tuple[Vector, ...]  # three rows
Primaries = tuple[tuple[float, float], ...]  # x, y chromaticities of red, green and blue

D65 = (0.3127, 0.3290)
D50_XYZ = (0.9642, 1.0, 0.8249)
ADOBE_RGB = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))  # Adobe RGB (1998): gamma 563/256
DISPLAY_P3 = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))  # Display P3: sRGB's curve
SRGB = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
BRADFORD = (
    (0.8951, 0.2664, -0.1614),
    (-0.7502, 1.7135, 0.0367),
    (0.0389, -0.0685, 1.0296),
)


def multiply(a: Matrix, b: Matrix) -> Matrix:
    return tuple(
        tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )


def apply(m: Matrix, v: Vector) -> Vector:
    return tuple(sum(m[i][k] * v[k] for k in range(3)) for i in range(3))


def inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )


def xyz(chromaticity: tuple[float, float]) -> Vector:
    x, y = chromaticity
    return x / y, 1.0, (1 - x - y) / y


def rgb_to_xyz(primaries: Primaries, white: tuple[float, float]) -> Matrix:
    """The matrix from linear RGB to XYZ (white Y = 1) for these primaries and white point."""
    columns = tuple(tuple(xyz(primary)[row] for primary in primaries) for row in range(3))
    scale = apply(inverse(columns), xyz(white))
    return tuple(tuple(columns[row][col] * scale[col] for col in range(3)) for row in range(3))


def to_d50(matrix: Matrix) -> Matrix:
    """`matrix` (to XYZ under D65) adapted to the D50 of the ICC's connection space (Bradford)."""
    source, target = apply(BRADFORD, xyz(D65)), apply(BRADFORD, D50_XYZ)
    gains: Matrix = tuple(
        tuple(target[i] / source[i] if i == j else 0.0 for j in range(3)) for i in range(3)
    )
    return multiply(multiply(inverse(BRADFORD), multiply(gains, BRADFORD)), matrix)


def srgb_encoded(linear: float) -> float:
    """The sRGB transfer curve (IEC 61966-2-1): linear light 0..1 -> 0..255."""
    linear = min(1.0, max(0.0, linear))
    value = 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055
    return 255 * value


def srgb_decoded(value: int) -> float:
    encoded = value / 255
    return encoded / 12.92 if encoded <= 0.04045 else ((encoded + 0.055) / 1.055) ** 2.4


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(values: Vector) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(value) for value in values)


def _description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)
        + bytes(67)  # no ScriptCode description
    )


def gamma_curve(gamma: float) -> bytes:
    """A 'curv' tag: one gamma, in u8Fixed8."""
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def srgb_curve() -> bytes:
    """A 'para' tag of function type 3, the sRGB curve (Display P3 uses it too)."""
    parameters = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(map(_s15, parameters))


def _profile(space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries, data = [], b""
    for signature, body in tags:
        entries.append(struct.pack(">4sII", signature, offset + len(data), len(body)))
        data += body + bytes(-len(body) % 4)
    size = 128 + table_size + len(data)
    header = (
        struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", space, b"XYZ ")
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(24)  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual
        + b"".join(_s15(value) for value in D50_XYZ)
        + bytes(4 + 16 + 28)  # creator, profile ID, reserved
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + b"".join(entries) + data


def rgb_profile(
    name: str,
    primaries: Primaries,
    curve: bytes,
) -> bytes:
    """An RGB display profile with these primaries, a D65 white and this tone curve."""
    colorants = to_d50(rgb_to_xyz(primaries, D65))
    return _profile(
        b"RGB ",
        [
            (b"desc", _description(name)),
            (b"wtpt", _xyz_tag(D50_XYZ)),
            (b"rXYZ", _xyz_tag((colorants[0][0], colorants[1][0], colorants[2][0]))),
            (b"gXYZ", _xyz_tag((colorants[0][1], colorants[1][1], colorants[2][1]))),
            (b"bXYZ", _xyz_tag((colorants[0][2], colorants[1][2], colorants[2][2]))),
            (b"rTRC", curve),
            (b"gTRC", curve),
            (b"bTRC", curve),
        ],
    )


def grey_profile(name: str, gamma: float) -> bytes:
    """A monochrome display profile: a grey tone curve of this gamma, D50 white."""
    return _profile(
        b"GRAY",
        [
            (b"desc", _description(name)),
            (b"wtpt", _xyz_tag(D50_XYZ)),
            (b"kTRC", gamma_curve(gamma)),
        ],
    )


def adobe_rgb() -> bytes:
    return rgb_profile("Adobe RGB (1998)", ADOBE_RGB, gamma_curve(563 / 256))


def display_p3() -> bytes:
    return rgb_profile("Display P3", DISPLAY_P3, srgb_curve())
