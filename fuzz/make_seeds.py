#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/):
small hand-made files and a two-image cut of the shipped MNIST sample.
Run from the repository root; the files are committed."""
import gzip, io, json, os, struct, zipfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def two(flags, a, b):
    return bytes([flags]) + struct.pack("<H", len(a)) + a + b

def gz(b):
    return gzip.compress(b, mtime=0)

# IDX
def idx_images(n, r, c, body):
    return struct.pack(">IIII", 0x803, n, r, c) + bytes(body)
def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)
img = idx_images(2, 2, 2, [0, 255, 51, 0, 255, 255, 0, 0])
lab = idx_labels([1, 0])
put("idx", "tiny", two(4, img, lab))
put("idx", "tiny-gzip-flags", two(4 | 3, img, lab))
put("idx", "tiny-raw-gzip", two(4, gz(img), gz(lab)))
put("idx", "trailing", two(4, img + b"\0", lab))
put("idx", "truncated", two(4, img[:-1], lab))
with gzip.open("data/mnist-sample/t10k-images-idx3-ubyte.gz") as f:
    head = f.read(16 + 2 * 784)
with gzip.open("data/mnist-sample/t10k-labels-idx1-ubyte.gz") as f:
    lhead = f.read(8 + 2)
sample_img = struct.pack(">IIII", 0x803, 2, 28, 28) + head[16:]
sample_lab = struct.pack(">II", 0x801, 2) + lhead[8:]
put("idx", "mnist-sample-2", two(9 << 2, sample_img, sample_lab))
put("idx", "mnist-sample-2-gzip", two(9 << 2 | 3, sample_img, sample_lab))

# CIFAR-10
rec = lambda label, value: bytes([label]) + bytes([value]) * 3072
put("cifar", "one", rec(3, 0))
put("cifar", "two", rec(3, 0) + rec(9, 255))
put("cifar", "bad-label", rec(10, 1))
put("cifar", "short", rec(1, 7)[:3000])
put("cifar", "gzip", gz(rec(2, 128)))

# safetensors
def safetensors(tensors, dtype="F32"):
    header, data = {}, b""
    width = {"F32": 4, "F16": 2, "F64": 8}[dtype]
    fmt = {"F32": "<f", "F16": "<e", "F64": "<d"}[dtype]
    for name, shape, values in tensors:
        raw = b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data
mlp = [("0.weight", [2, 3], [0.5, -1, 2, 0, 1, -0.25]), ("0.bias", [2], [0.1, 0]),
       ("2.weight", [1, 2], [1, -1]), ("2.bias", [1], [0.5])]
put("weights", "mlp-f32", safetensors(mlp))
put("weights", "mlp-f16", safetensors(mlp, "F16"))
put("weights", "mlp-f64-prefixed", safetensors([("layers." + n, s, v) for n, s, v in mlp], "F64"))
put("weights", "missing-bias", safetensors(mlp[:3]))

# .npy
def npy(descr, shape, payload, fortran=False, version=1):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False", "".join("%d," % s for s in shape) if len(shape) == 1 else ", ".join(map(str, shape)))
    pre = 10 if version == 1 else 12
    h = d + " " * (-(pre + len(d) + 1) % 64) + "\n"
    lenfield = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + lenfield + h.encode() + payload
acts32 = npy("<f4", (2, 3), struct.pack("<6f", 0.5, 1, 0, 2, -1, 3))
acts64 = npy("<f8", (2, 3), struct.pack("<6d", 0.5, 1, 0, 2, -1, 3), fortran=True)
labels_u1 = npy("|u1", (2,), bytes([1, 0]))
labels_i8 = npy("<i8", (2,), struct.pack("<2q", 0, 2), version=2)
put("npy", "f32-u8", two(0, acts32, labels_u1))
put("npy", "f64-fortran-i64-v2", two(0, acts64, labels_i8))
put("npy", "int32-labels", two(0, acts32, npy("<i4", (2,), struct.pack("<2i", 3, 1))))
put("npy", "lying-shape", two(0, npy("<f4", (1000000000, 1000), b""), labels_u1))
acts16 = npy("<f2", (2, 3), struct.pack("<6e", 0.5, 1, 0, 2, -1, 65504))
put("npy", "f16-u8", two(0, acts16, labels_u1))

# .npz: several layers in one zip archive (np.savez stores, np.savez_compressed deflates)
def npz(members, method):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()

h1 = npy("<f4", (2, 1), struct.pack("<2f", 1, 0))
put("npz", "h1-h0-stored", two(0, npz([("h1.npy", h1), ("h0.npy", acts32)], zipfile.ZIP_STORED), labels_u1))
put("npz", "named-deflated", two(0, npz([("fc1.npy", acts16), ("fc2.npy", h1)], zipfile.ZIP_DEFLATED), labels_i8))
put("npz", "lying-member", two(0, npz([("h0.npy", npy("<f4", (1000000000, 1000), b""))], zipfile.ZIP_DEFLATED), labels_u1))
put("npz", "bomb-member", two(0, npz([("h0.npy", bytes(1 << 20))], zipfile.ZIP_DEFLATED), labels_u1))
put("npz", "not-npy", two(0, npz([("notes.txt", b"hello")], zipfile.ZIP_STORED), labels_u1))

# ranking CSV
put("ranking", "two", b"layer,neuron\n0,1\n1,0\n")
put("ranking", "blank-rows", b"layer,neuron\r\n0, 2\r\n\r\n 1 ,3\r\n")
put("ranking", "bad-row", b"layer,neuron\n0;1\n")
put("ranking", "no-header", b"0,1\n")
