"""LIDC multi-rater crops: loading, patient split and click simulation.

Layout of the data folder (see ../shared/data/README.md): ``manifest.json`` lists
``{patient, nodule, slices}``; ``<patient>/<nodule>-image.png`` stacks the nodule's
128 x 128 slices vertically, ``<patient>/<nodule>-raters.png`` holds a bit field per
pixel (bit r set where reader r marked the nodule).
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image

CROP = 128
READERS = 4


@dataclass
class SliceSet:
    """All slices with at least one reader mark, as arrays.

    images_SHW: uint8 grey values 0..255 as in the PNGs.
    raters_SRHW: bool masks, one per reader (R = 4).
    patients_S: patient id for each slice.
    """

    images_SHW: np.ndarray
    raters_SRHW: np.ndarray
    patients_S: List[str]

    def __len__(self) -> int:
        return len(self.patients_S)

    def subset(self, indices: Sequence[int]) -> "SliceSet":
        idx = np.asarray(indices, dtype=np.int64)
        return SliceSet(self.images_SHW[idx], self.raters_SRHW[idx], [self.patients_S[i] for i in idx])


def load_slices(data_dir: str, cache_path: str | None = None) -> SliceSet:
    """Read every marked slice of the crops folder (cached as .npz when a path is given)."""
    if cache_path and os.path.exists(cache_path):
        z = np.load(cache_path, allow_pickle=False)
        return SliceSet(z["images"], z["raters"], list(z["patients"]))
    with open(os.path.join(data_dir, "manifest.json")) as f:
        manifest = json.load(f)
    images, raters, patients = [], [], []
    for entry in manifest:
        base = os.path.join(data_dir, entry["patient"], entry["nodule"])
        img = np.asarray(Image.open(base + "-image.png").convert("L"))
        bits = np.asarray(Image.open(base + "-raters.png").convert("L"))
        n = entry["slices"]
        if img.shape != (CROP * n, CROP):
            raise ValueError(f"{base}-image.png: expected {CROP * n}x{CROP}, got {img.shape}")
        for s in range(n):
            b = bits[s * CROP:(s + 1) * CROP]
            masks = np.stack([(b >> r) & 1 for r in range(READERS)]).astype(bool)
            if not masks.any():
                continue
            images.append(img[s * CROP:(s + 1) * CROP])
            raters.append(masks)
            patients.append(entry["patient"])
    out = SliceSet(np.stack(images), np.stack(raters), patients)
    if cache_path:
        os.makedirs(os.path.dirname(cache_path), exist_ok=True)
        np.savez(cache_path, images=out.images_SHW, raters=out.raters_SRHW, patients=np.array(patients))
    return out


def split_patients(patients: Sequence[str], val_fraction: float, seed: int) -> Tuple[List[str], List[str]]:
    """Deterministic patient-level split: sorted unique ids shuffled with ``seed``."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    unique = sorted(set(patients))
    random.Random(seed).shuffle(unique)
    n_val = max(1, round(len(unique) * val_fraction))
    return sorted(unique[n_val:]), sorted(unique[:n_val])


def disk_map(points: Sequence[Tuple[int, int]], radius_px: float, size: int = CROP) -> np.ndarray:
    """Binary disks (float32 H x W) of ``radius_px`` around (row, col) points."""
    out = np.zeros((size, size), np.float32)
    if not points:
        return out
    rr, cc = np.mgrid[0:size, 0:size]
    for (r, c) in points:
        out[(rr - r) ** 2 + (cc - c) ** 2 <= radius_px ** 2] = 1.0
    return out


def click_maps(pos: Sequence[Tuple[int, int]], neg: Sequence[Tuple[int, int]], radius_px: float) -> np.ndarray:
    """The network's click input (float32 2 x H x W): positive disks, then negative ones."""
    return np.stack([disk_map(pos, radius_px), disk_map(neg, radius_px)])


def _random_pixel(mask_HW: np.ndarray, rng: np.random.Generator) -> Tuple[int, int] | None:
    rows, cols = np.nonzero(mask_HW)
    if len(rows) == 0:
        return None
    i = rng.integers(len(rows))
    return int(rows[i]), int(cols[i])


def readers_vote(masks_RHW: np.ndarray) -> np.ndarray:
    """Pixels at least half of the masks mark (with two masks, their union), as the
    harness's ``majorityOf`` (tools/eval/protocols.ts)."""
    return masks_RHW.sum(0) * 2 >= len(masks_RHW)


def marked_and_agreed(masks_RHW: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The masks of the readers who marked the slice, and the pixels all of them mark."""
    marked = masks_RHW[masks_RHW.reshape(len(masks_RHW), -1).any(1)]
    return marked, marked.all(0)


def deepest_pixel(mask_HW: np.ndarray) -> Tuple[int, int] | None:
    """The mask pixel farthest from its boundary, as the engine's ``deepestPoint``
    (src/core/masks.ts) finds it: chamfer 3-4 distance, the grid's edge counting as outside,
    the first maximum in raster order. Computed on the mask's bounding box (a nodule is small)."""
    rows, cols = np.nonzero(mask_HW)
    if len(rows) == 0:
        return None
    r0, c0 = rows.min(), cols.min()
    box = mask_HW[r0:rows.max() + 1, c0:cols.max() + 1].astype(bool)
    h, w = box.shape
    d = np.where(box, 1e9, 0.0)
    pad = lambda y, x: 0.0 if y < 0 or x < 0 or y >= h or x >= w else d[y, x]
    for y in range(h):
        for x in range(w):
            if d[y, x]:
                d[y, x] = min(d[y, x], pad(y - 1, x) + 3, pad(y, x - 1) + 3, pad(y - 1, x - 1) + 4, pad(y - 1, x + 1) + 4)
    for y in range(h - 1, -1, -1):
        for x in range(w - 1, -1, -1):
            if d[y, x]:
                d[y, x] = min(d[y, x], pad(y + 1, x) + 3, pad(y, x + 1) + 3, pad(y + 1, x + 1) + 4, pad(y + 1, x - 1) + 4)
    i = int(np.argmax(d))  # first maximum in raster order, as the engine's strict > scan
    return int(r0 + i // w), int(c0 + i % w)


def derived_click(chosen_HW: np.ndarray, differs_HW: np.ndarray) -> Tuple[int, int] | None:
    """Where the engine puts its correction click after the user chose a candidate
    (``derivedClick``, src/core/preference.ts), for binary masks: of the pixels where the choice
    differs from the rest (``differs_HW``), take the larger side (those the choice adds, or
    those it removes) and its deepest pixel. The click's label is ``chosen_HW`` there."""
    added, removed = differs_HW & (chosen_HW > 0), differs_HW & (chosen_HW == 0)
    return deepest_pixel(added if added.sum() >= removed.sum() else removed)


def simulate_clicks(
    raters_RHW: np.ndarray, target_HW: np.ndarray, rng: np.random.Generator, max_extra: int, deepest_first_prob: float = 0.0,
    deepest_extra_prob: float = 0.0,
) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]], int]:
    """Clicks as SPA simulates them: positive and negative clicks, and how many corrective
    clicks were drawn (none is placed where the target agrees with the readers' majority).

    First click: a pixel every reader who marked the slice agrees is nodule (falls back to
    the target when the readers share no pixel); with probability ``deepest_first_prob`` the
    deepest such pixel, where a user aiming at the structure's middle clicks and where the
    evaluation harness clicks, otherwise any. Then 0..max_extra corrective clicks where
    the target differs from the readers' majority, i.e. where candidates drawn from
    different readers disagree, labelled by the target: at any such pixel, or (with
    probability ``deepest_extra_prob``) where the engine puts its derived click after a
    choice (``derived_click``).
    """
    marked, agree = marked_and_agreed(raters_RHW)
    region = agree if agree.any() else target_HW
    deepest = deepest_first_prob > 0 and rng.random() < deepest_first_prob  # no draw at 0: earlier runs' batches stay as they were
    first = deepest_pixel(region) if deepest else _random_pixel(region, rng)
    positive, negative = [first] if first else [], []
    n_extra = int(rng.integers(0, max_extra + 1))
    if n_extra:
        consensus = readers_vote(marked)
        wrong = target_HW != consensus
        deepest_extra = deepest_extra_prob > 0 and rng.random() < deepest_extra_prob  # no draw at 0, as above
        for _ in range(n_extra):
            p = derived_click(target_HW, wrong) if deepest_extra else _random_pixel(wrong, rng)
            if p is None:
                break
            (positive if target_HW[p] else negative).append(p)
            wrong[max(0, p[0] - 3):p[0] + 4, max(0, p[1] - 3):p[1] + 4] = False
    return positive, negative, n_extra


def preference_vote(marked_RHW: np.ndarray, pixel: Tuple[int, int], label: bool) -> np.ndarray:
    """The >= 50 % vote of the marking readers who gave ``pixel`` the value ``label`` (all of
    them when none did): the target of a user who sides with those readers, as the
    evaluation harness's "spa" protocol builds it (``preferenceTarget``, tools/eval/protocols.ts)."""
    siding = marked_RHW[marked_RHW[:, pixel[0], pixel[1]] == label]
    return readers_vote(siding if len(siding) else marked_RHW)


def draw_preference_vote(marked_RHW: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A simulated user's target, drawn as the harness's "spa" protocol draws it: a preference
    pixel (80 % of the time one the readers dispute, else any), labelled as the readers'
    majority labels it 80 % of the time, then ``preference_vote``. With two readers this is
    mostly one reader's mask, where the readers' majority is their union."""
    n = len(marked_RHW)
    count = marked_RHW.sum(0)
    disputed = np.flatnonzero((count > 0) & (count < n))
    size = count.shape[1]
    flat = int(disputed[rng.integers(len(disputed))]) if len(disputed) and rng.random() < 0.8 else int(rng.integers(count.size))
    pixel = (flat // size, flat % size)
    majority = count[pixel] * 2 >= n
    label = majority if rng.random() < 0.8 else not majority
    return preference_vote(marked_RHW, pixel, label)


def min_max_grey(values: np.ndarray) -> np.ndarray:
    """``values`` from their minimum..maximum to grey 0..255 (float32), as the engine maps a
    crop's HU (src/core/preprocess.ts); all 0 when they are all equal."""
    values = values.astype(np.float64)
    lo, hi = values.min(), values.max()
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    return np.floor((values - lo) * scale + 0.5).astype(np.float32)


def recentre(
    grey_HW: np.ndarray, masks_RHW: np.ndarray, centre: Tuple[int, int], size: int = CROP
) -> Tuple[np.ndarray, np.ndarray, Tuple[int, int]]:
    """Re-crop around ``centre`` as the engine does at inference (src/core/preprocess.ts):
    the crop's centre index is size // 2, pixels outside the image are padded with the
    crop's minimum, and the grey values are min-max normalised again over the part inside.

    Returns grey values 0..255 (float32), the shifted masks and the (row, col) offset to add
    to any point to move it into the new crop.
    """
    h, w = grey_HW.shape
    top, left = centre[0] - size // 2, centre[1] - size // 2
    r0, r1 = max(0, top), min(h, top + size)
    c0, c1 = max(0, left), min(w, left + size)
    window = grey_HW[r0:r1, c0:c1]
    grey = np.zeros((size, size), np.float32)
    grey[r0 - top:r1 - top, c0 - left:c1 - left] = min_max_grey(window)
    masks = np.zeros((masks_RHW.shape[0], size, size), masks_RHW.dtype)
    masks[:, r0 - top:r1 - top, c0 - left:c1 - left] = masks_RHW[:, r0:r1, c0:c1]
    return grey, masks, (-top, -left)


ZOOM_SMALL_AREA_PX = 100  # readers' marks under this many pixels make a slice "small" for --zoom-small-prob


def is_small(raters_RHW: np.ndarray) -> bool:
    """The readers' marks cover fewer than ZOOM_SMALL_AREA_PX pixels, all in the crop's centre half."""
    union = raters_RHW.any(0)
    q = union.shape[0] // 4
    return union.sum() < ZOOM_SMALL_AREA_PX and union.sum() == union[q:-q, q:-q].sum()


def zoom_centre(grey_HW: np.ndarray, masks_RHW: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The crop's centre half at twice the size, as ``tools/eval/probeRound1.ts`` zooms a small
    structure: grey values interpolated bilinearly with pixel centres aligned (zoomed pixel r
    sits at native q + (r + 0.5) / 2 - 0.5, q a quarter of the crop), masks as 2 x 2 blocks,
    then min-max normalised to 0..255 again as the engine normalises a crop."""
    n = grey_HW.shape[0]
    q = n // 4
    pos = q + (np.arange(n) + 0.5) / 2 - 0.5
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    f = pos - i0
    g = grey_HW.astype(np.float64)
    rows = g[i0] * (1 - f)[:, None] + g[i1] * f[:, None]
    zoomed = rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]
    masks = masks_RHW[:, q:n - q, q:n - q].repeat(2, axis=1).repeat(2, axis=2)
    return min_max_grey(zoomed), masks


def flatten_background(grey_HW: np.ndarray, region_HW: np.ndarray, margin_px: int) -> np.ndarray:
    """The crop with everything farther than ``margin_px`` (chessboard distance) from
    ``region_HW`` set to the crop's minimum, then min-max normalised to 0..255 again as the
    engine normalises a crop.

    Trains the network on a nodule on a flat field (a synthetic image, a padded or
    featureless slice), which real crops never show: without it a one-cycle model refused a
    bright disk on a black field (mean logit -8.5 at the click).
    """
    keep = region_HW.astype(bool).copy()
    for _ in range(margin_px):
        grown = keep.copy()
        grown[1:] |= keep[:-1]
        grown[:-1] |= keep[1:]
        grown[:, 1:] |= grown[:, :-1].copy()
        grown[:, :-1] |= grown[:, 1:].copy()
        keep = grown
    return min_max_grey(np.where(keep, grey_HW, grey_HW.min()))


def cut_at_border(grey_HW: np.ndarray, masks_RHW: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, int]:
    """The crop as if the image ended inside the nodule: the rows above a random row through
    the readers' agreed region become padding (the crop's minimum, masks cleared), the rest
    is min-max normalised to 0..255 again, as the engine pads a click near the image's edge.
    Returns the grey values, the masks and the first row kept.

    At least one row of the agreed region (the union, when the readers share no pixel)
    stays, so the first click still has somewhere to go. The caller's rotations put the edge
    on any side.
    """
    marked, agree = marked_and_agreed(masks_RHW)
    rows = np.flatnonzero((agree if agree.any() else marked.any(0)).any(1))
    top = np.flatnonzero(marked.any(0).any(1))[0]
    cut = int(rng.integers(top, rows[-1] + 1))  # rows < cut become padding
    grey = grey_HW.astype(np.float64)
    grey[:cut] = grey[cut:].min()
    masks = masks_RHW.copy()
    masks[:, :cut] = False
    return min_max_grey(grey), masks, cut

