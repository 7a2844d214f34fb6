#!/usr/bin/env python3
"""Reference face pipeline (Python) for the Rust port: BlazeFace -> alignment -> dlib ResNet.

This is the executable specification of what the server does with tract. It runs the two
ONNX files in models/face/ with onnxruntime (or with tract's Python bindings, --runtime
tract) on the photo fixtures and prints detection scores, embedding distances and timings.
Only numpy, Pillow and the runtime are used; the image warps are written out by hand (bilinear,
pixel-centre convention) so that the Rust code can do exactly the same arithmetic.

Run (from the repository root):

    python3 -m venv /tmp/facevenv && . /tmp/facevenv/bin/activate
    pip install numpy==2.4.6 pillow==13.0.0 onnxruntime==1.32.0   # optional: tract==0.23.9
    python scripts/models/reference_pipeline.py                    # fixtures, onnxruntime
    python scripts/models/reference_pipeline.py --runtime tract    # same through tract 0.23.9
    python scripts/models/reference_pipeline.py --debug-dir /tmp/facedebug  # + chips as PNG
    python scripts/models/reference_pipeline.py some.jpg other.jpg # any images

Pipeline (constants in CAPITALS below):

1. Decode, apply EXIF orientation, convert to RGB (u8).
2. Letterbox to 128x128: scale s = 128 / max(w, h), image centred, borders black.
   Model input "input:0" = float32 [1, 128, 128, 3] NHWC, RGB, value = pixel / 127.5 - 1.
   Every resample in this file is `warp_affine`: bilinear, sample point of output pixel
   (u, v) is its centre (u + 0.5, v + 0.5) mapped to the source, minus 0.5 to index the
   source; out-of-image samples are black. Before warping, the source is halved with a 2x2
   box filter while the warp would shrink it by more than 2x (like dlib's pyramid), so
   that bilinear sampling does not alias.
3. BlazeFace front outputs (4 tensors, batch 1):
     "Identity:0"   [1, 512, 1]  score logits, stride-8 grid 16x16, 2 anchors per cell
     "Identity_1:0" [1, 384, 1]  score logits, stride-16 grid 8x8, 6 anchors per cell
     "Identity_2:0" [1, 512, 16] regressors for the 512
     "Identity_3:0" [1, 384, 16] regressors for the 384
   Concatenate 512 then 384 = 896 anchors. Anchor i of a grid with G cells per row and A
   anchors per cell: cell = i // A, ax = (cell % G + 0.5) / G, ay = (cell // G + 0.5) / G
   (all A anchors of a cell are identical: fixed anchor size 1.0).
   score = sigmoid(clamp(logit, -100, 100)).
   With r = the 16 regressors, in letterbox pixels (0..128):
     cx = ax*128 + r0, cy = ay*128 + r1, w = r2, h = r3
     keypoint k (k = 0..5) = (ax*128 + r[4+2k], ay*128 + r[5+2k])
   Keypoints: 0 = right eye (of the person; the eye on the image's left), 1 = left eye,
   2 = nose tip, 3 = mouth centre, 4 = right ear tragion, 5 = left ear tragion.
4. Candidates: score >= MIN_SCORE (0.5). Weighted non-max suppression as MediaPipe and
   keijiro's BlazeFaceBarracuda do it: sort by score descending; take the best remaining
   detection, gather every remaining detection whose IoU with it is >= NMS_IOU (0.3),
   replace the group by the score-weighted mean of their boxes and keypoints, with the
   group's best score; repeat. A face counts when its score >= FACE_THRESHOLD (0.75).
   Map boxes and keypoints back to the image: x_img = (x_lb - pad_x) / s, y likewise.
5. Alignment: least-squares similarity transform (rotation, uniform scale, translation,
   no reflection; Umeyama) from the 4 keypoints eyes, nose tip, mouth centre (ears are
   not used: hijab and hair hide them) to TEMPLATE_150, then warp a 150x150 RGB chip.
6. Embedding: "image" float32 [1, 150, 150, 3] NHWC RGB 0..255 -> "embedding" [1, 128].
   Same person when the Euclidean distance < 0.6 (dlib's threshold).

TEMPLATE_150 is dlib's own chip geometry: dlib aligns with get_face_chip_details(shape,
size=150, padding=0.25), which maps its 68-landmark mean face (the table in
dlib/image_transforms/interpolation.h) to the chip by p_chip = (0.25 + p_mean) / 1.5 * 150.
The dlib ResNet was trained on chips made that way, so the template points are that mean
face's points for what BlazeFace marks: eye centre = mean of the 6 eye-contour landmarks
(36-41, 42-47), nose tip = landmark 30, mouth centre = mean of the inner-lip landmarks
60-67. dlib's coordinates are pixel indices; +0.5 converts them to the pixel-edge
coordinates used here.

Expected on the fixtures (onnxruntime 1.32.0 and tract 0.23.9 agree to 3 decimals):
best score selfie-a 0.929 (1080x1440 0.929, EXIF-rotated 0.928, q60 0.920, mirrored 0.926),
selfie-b 0.793, cat 0.556 (no face), coffee 0.343 (no candidate). Distances: selfie-a
variants 0.03-0.15 apart, mirrored selfie-a 0.30-0.33 from them, selfie-b 0.81-0.83 from all
of them. Cosine similarity is a poor separator for dlib descriptors (selfie-a vs selfie-b is
still 0.83 because the descriptors are not zero-centred): use the Euclidean distance.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_DIR = os.path.join(ROOT, "models", "face")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "photos")
FIXTURE_NAMES = [
    "selfie-a-480x640.jpg",
    "selfie-a-1080x1440.jpg",
    "selfie-a-exif-gps-orientation6.jpg",
    "selfie-a-resaved-360x480-q60.jpg",
    "selfie-b-480x640.jpg",
    "not-a-face-cat-480x640.jpg",
    "not-a-face-coffee-480x640.png",
]

DET_SIZE = 128
MIN_SCORE = 0.5
NMS_IOU = 0.3
FACE_THRESHOLD = 0.75
SAME_PERSON_DISTANCE = 0.6
CHIP_SIZE = 150

# (grid cells per row, anchors per cell), in output order
ANCHOR_LAYERS = ((16, 2), (8, 6))

# dlib mean face, padding 0.25, size 150 -> pixel-index coords, +0.5 -> pixel-edge coords.
TEMPLATE_150 = np.array([
    [47.549183, 46.599033],   # right eye (image left) = mean of dlib landmarks 36-41
    [100.476133, 46.599033],  # left eye = mean of 42-47
    [74.012700, 76.562500],   # nose tip = landmark 30
    [74.012675, 104.907325],  # mouth centre = mean of inner lip 60-67
], dtype=np.float64) + 0.5


# --------------------------------------------------------------------------------------------
# Images


def load_rgb(path: str, mirror: bool = False) -> np.ndarray:
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    arr = np.asarray(img, dtype=np.uint8)
    return arr[:, ::-1].copy() if mirror else arr


def halve(img: np.ndarray) -> np.ndarray:
    """2x2 box filter; an odd last row/column is dropped."""
    h, w = img.shape[0] // 2 * 2, img.shape[1] // 2 * 2
    f = img[:h, :w].astype(np.float32)
    return 0.25 * (f[0::2, 0::2] + f[1::2, 0::2] + f[0::2, 1::2] + f[1::2, 1::2])


def warp_affine(img: np.ndarray, a: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """Bilinear warp. `a` (2x3) maps output coords to source coords (pixel-edge coords:
    pixel i spans [i, i+1)). Returns float32 HxWx3 in 0..255; outside samples are 0."""
    a = np.asarray(a, np.float64).copy()
    src = img.astype(np.float32)
    # shrink factor of the warp: source pixels per output pixel
    shrink = np.sqrt(abs(np.linalg.det(a[:, :2])))
    while shrink > 2.0 and min(src.shape[:2]) >= 4:
        src = halve(src)
        a /= 2.0  # source coords of the halved image are half of the original's
        shrink /= 2.0
    h, w = src.shape[:2]
    u, v = np.meshgrid(np.arange(out_w) + 0.5, np.arange(out_h) + 0.5)
    x = a[0, 0] * u + a[0, 1] * v + a[0, 2] - 0.5
    y = a[1, 0] * u + a[1, 1] * v + a[1, 2] - 0.5
    x0 = np.floor(x).astype(np.int64)
    y0 = np.floor(y).astype(np.int64)
    fx = (x - x0).astype(np.float32)[..., None]
    fy = (y - y0).astype(np.float32)[..., None]

    def tap(yy, xx):
        ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        out = src[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return out * ok[..., None]

    top = tap(y0, x0) * (1 - fx) + tap(y0, x0 + 1) * fx
    bot = tap(y0 + 1, x0) * (1 - fx) + tap(y0 + 1, x0 + 1) * fx
    return top * (1 - fy) + bot * fy


def letterbox(img: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    h, w = img.shape[:2]
    s = DET_SIZE / max(w, h)
    pad_x = (DET_SIZE - w * s) / 2
    pad_y = (DET_SIZE - h * s) / 2
    # output (u, v) -> source ((u - pad_x) / s, (v - pad_y) / s)
    a = np.array([[1 / s, 0, -pad_x / s], [0, 1 / s, -pad_y / s]])
    return warp_affine(img, a, DET_SIZE, DET_SIZE), s, pad_x, pad_y


# --------------------------------------------------------------------------------------------
# Detection


def anchors() -> np.ndarray:
    out = []
    for grid, per_cell in ANCHOR_LAYERS:
        for cell in range(grid * grid):
            ax = (cell % grid + 0.5) / grid
            ay = (cell // grid + 0.5) / grid
            out.extend([(ax, ay)] * per_cell)
    return np.array(out, np.float32)  # [896, 2]


ANCHORS = anchors()


def decode(scores_512, scores_384, regs_512, regs_384):
    logits = np.concatenate([scores_512.reshape(-1), scores_384.reshape(-1)]).astype(np.float64)
    regs = np.concatenate([regs_512.reshape(-1, 16), regs_384.reshape(-1, 16)])
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -100, 100)))
    a = ANCHORS * DET_SIZE
    cx = a[:, 0] + regs[:, 0]
    cy = a[:, 1] + regs[:, 1]
    w, h = regs[:, 2], regs[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kps = regs[:, 4:16].reshape(-1, 6, 2) + a[:, None, :]
    return scores, boxes, kps  # letterbox pixel coords


def iou(b, bs):
    """IoU of box b with each of the boxes bs (x0, y0, x1, y1)."""
    ix0 = np.maximum(b[0], bs[:, 0])
    iy0 = np.maximum(b[1], bs[:, 1])
    ix1 = np.minimum(b[2], bs[:, 2])
    iy1 = np.minimum(b[3], bs[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    area_bs = (bs[:, 2] - bs[:, 0]) * (bs[:, 3] - bs[:, 1])
    return inter / (area_b + area_bs - inter + 1e-9)


def weighted_nms(scores, boxes, kps):
    idx = np.where(scores >= MIN_SCORE)[0]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    faces = []
    while idx.size:
        overlap = iou(boxes[idx[0]], boxes[idx]) >= NMS_IOU
        group = idx[overlap]
        wts = scores[group][:, None]
        faces.append({
            "score": float(scores[group[0]]),
            "box": (boxes[group] * wts).sum(0) / wts.sum(),
            "kps": (kps[group] * wts[:, :, None]).sum(0) / wts.sum(),
            "merged": int(group.size),
        })
        idx = idx[~overlap]
    return faces


# --------------------------------------------------------------------------------------------
# Alignment


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (Umeyama, no reflection) mapping src points to dst. 2x3."""
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    e = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    r = u @ e @ vt
    scale = np.trace(np.diag(sig) @ e) / (s ** 2).sum(axis=1).mean()
    t = md - scale * r @ ms
    return np.hstack([scale * r, t[:, None]])


def invert_affine(m: np.ndarray) -> np.ndarray:
    a = np.linalg.inv(m[:, :2])
    return np.hstack([a, -a @ m[:, 2:3]])


def align(img: np.ndarray, kps_img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = similarity(kps_img[:4].astype(np.float64), TEMPLATE_150)  # image -> chip
    chip = warp_affine(img, invert_affine(m), CHIP_SIZE, CHIP_SIZE)
    return chip, m


# --------------------------------------------------------------------------------------------
# Runtimes


class Runner:
    def __init__(self, path: str, runtime: str, threads: int):
        self.runtime = runtime
        if runtime == "ort":
            import onnxruntime as ort
            so = ort.SessionOptions()
            if threads:
                so.intra_op_num_threads = threads
                so.inter_op_num_threads = 1
            self.sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            self.inputs = [i.name for i in self.sess.get_inputs()]
            self.outputs = [o.name for o in self.sess.get_outputs()]
        else:
            import tract
            self.model = tract.onnx().load(path).into_model().into_runnable()

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        if self.runtime == "ort":
            return self.sess.run(self.outputs, {self.inputs[0]: x})
        return [t.to_numpy() for t in self.model.run([x])]


def detect(det: Runner, img: np.ndarray):
    lb, s, pad_x, pad_y = letterbox(img)
    x = (lb / 127.5 - 1.0).astype(np.float32)[None]
    outs = det(x)
    scores, boxes, kps = decode(*outs)
    faces = weighted_nms(scores, boxes, kps)
    for f in faces:
        f["box"] = (f["box"] - [pad_x, pad_y, pad_x, pad_y]) / s
        f["kps"] = (f["kps"] - [pad_x, pad_y]) / s
    return float(scores.max()), faces, lb


def embed(rec: Runner, chip: np.ndarray) -> np.ndarray:
    return rec(chip.astype(np.float32)[None])[0][0]


# --------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description="BlazeFace + dlib ResNet reference pipeline")
    ap.add_argument("images", nargs="*", help="images (default: the photo fixtures)")
    ap.add_argument("--runtime", choices=["ort", "tract"], default="ort")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (0=all)")
    ap.add_argument("--models", default=MODEL_DIR)
    ap.add_argument("--debug-dir", help="write letterbox inputs and face chips as PNG here")
    ap.add_argument("--no-mirror", action="store_true", help="skip the mirrored selfie-a")
    ap.add_argument("--verbose", action="store_true",
                    help="print keypoints and the first embedding values (test vectors)")
    ap.add_argument("--bench", type=int, default=30,
                    help="runs per model for the inference-only timing (0 = skip)")
    args = ap.parse_args()

    det = Runner(os.path.join(args.models, "blazeface_front_128.onnx"), args.runtime, args.threads)
    rec = Runner(os.path.join(args.models, "face_recognition_resnet.onnx"), args.runtime,
                 args.threads)

    items = [(os.path.basename(p), p, False) for p in args.images] or \
        [(n, os.path.join(FIXTURES, n), False) for n in FIXTURE_NAMES]
    if not args.images and not args.no_mirror:
        items.insert(4, ("selfie-a-480x640.jpg (mirrored)",
                         os.path.join(FIXTURES, "selfie-a-480x640.jpg"), True))
    if args.debug_dir:
        os.makedirs(args.debug_dir, exist_ok=True)

    print(f"runtime {args.runtime}, threads {args.threads or 'all'}; "
          f"faces: score >= {FACE_THRESHOLD} after weighted NMS (IoU {NMS_IOU})\n")
    print(f"{'image':40s} {'size':>10s} {'best':>6s} {'faces':>5s}  "
          f"{'det ms':>6s} {'align ms':>8s} {'embed ms':>8s}  box / eye distance px")
    emb, timings = {}, {"det": [], "align": [], "embed": []}
    for label, path, mirror in items:
        img = load_rgb(path, mirror)
        t0 = time.perf_counter()
        best, faces, lb = detect(det, img)
        t1 = time.perf_counter()
        faces_ok = [f for f in faces if f["score"] >= FACE_THRESHOLD]
        line = (f"{label:40s} {img.shape[1]:>4d}x{img.shape[0]:<5d} {best:6.3f} "
                f"{len(faces_ok):5d}  {(t1 - t0) * 1000:6.1f}")
        safe = label.replace(" ", "_").replace("(", "").replace(")", "")
        if args.debug_dir:
            Image.fromarray(lb.clip(0, 255).astype(np.uint8)).save(
                os.path.join(args.debug_dir, f"lb-{safe}.png"))
        if faces_ok:
            f = faces_ok[0]
            t2 = time.perf_counter()
            chip, _ = align(img, f["kps"])
            t3 = time.perf_counter()
            e = embed(rec, chip)
            t4 = time.perf_counter()
            emb[label] = e
            timings["det"].append(t1 - t0)
            timings["align"].append(t3 - t2)
            timings["embed"].append(t4 - t3)
            eye = np.linalg.norm(f["kps"][1] - f["kps"][0])
            bx = ", ".join(f"{v:.0f}" for v in f["box"])
            line += f" {(t3 - t2) * 1000:8.1f} {(t4 - t3) * 1000:8.1f}  [{bx}] / {eye:.0f}"
            if args.debug_dir:
                Image.fromarray(chip.clip(0, 255).astype(np.uint8)).save(
                    os.path.join(args.debug_dir, f"chip-{safe}.png"))
        elif faces:
            line += f"{'':18s}  (best candidate {faces[0]['score']:.3f} below {FACE_THRESHOLD})"
        print(line)
        if args.verbose and faces_ok:
            kp = " ".join(f"({x:.1f},{y:.1f})" for x, y in faces_ok[0]["kps"])
            print(f"    keypoints px (r-eye l-eye nose mouth r-ear l-ear): {kp}")
            print(f"    embedding[:8] {np.array2string(emb[label][:8], precision=4)}")

    names = list(emb)
    if len(names) > 1:
        for title, fn, fmt in (
            ("Euclidean distance (same person < 0.6)",
             lambda a, b: float(np.linalg.norm(a - b)), "{:8.3f}"),
            ("cosine similarity",
             lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), "{:8.3f}"),
        ):
            print(f"\n{title}")
            print(f"{'':40s}" + "".join(f"{i:>8d}" for i in range(len(names))))
            for i, n in enumerate(names):
                row = "".join(fmt.format(fn(emb[n], emb[m])) for m in names)
                print(f"{i:2d} {n:37s}{row}")
        print("\nembedding L2 norms: " + ", ".join(f"{np.linalg.norm(emb[n]):.3f}" for n in names))
    for k, v in timings.items():
        if v:
            print(f"median {k} {np.median(v) * 1000:.1f} ms over {len(v)} faces "
                  f"(includes Python pre/post-processing)")
    if args.bench:
        x_det = (letterbox(load_rgb(items[0][1]))[0] / 127.5 - 1.0).astype(np.float32)[None]
        x_rec = np.random.default_rng(0).uniform(0, 255, (1, CHIP_SIZE, CHIP_SIZE, 3)).astype(
            np.float32)
        for name, run, x in (("BlazeFace 1x128x128x3", det, x_det),
                             ("dlib ResNet 1x150x150x3", rec, x_rec),
                             ("dlib ResNet 2x150x150x3", rec, np.concatenate([x_rec, x_rec]))):
            run(x)  # warm-up
            t = []
            for _ in range(args.bench):
                t0 = time.perf_counter()
                run(x)
                t.append(time.perf_counter() - t0)
            print(f"inference only, {name}: median {np.median(t) * 1000:.1f} ms, "
                  f"min {min(t) * 1000:.1f} ms ({args.bench} runs)")


if __name__ == "__main__":
    sys.exit(main())
