#!/usr/bin/env python3
"""PyTorch peer of `npm run bench` (src/cli/bench.ts), the "(c)" column.

Rebuilds the networks that the TypeScript side exported (a layer graph + torch-layout weights, see
bench/export-graph.ts), then runs, with the same data, batch size and initial weights:
  check   the loss before and after one SGD step on one batch (raw: BN in training mode; e2e: frozen backbone in
          inference mode, head without dropout) — compared with tfjs by the caller;
  raw     resnet-mini with every layer trainable: images/s of Adam steps after a warm-up;
  e2e     the seed's loop as written: every batch goes through the frozen backbone, then the head
          (Dense(500) -> ReLU -> Dropout -> Dense(2)) trains with Adam; validation after every epoch;
  resnet50  inference throughput at 224x224 (random weights).
Prints one JSON object as its last line.

    /usr/bin/python3 bench/torch_bench.py --export DIR [--threads 2] [--skip-raw] [--skip-e2e] [--skip-resnet50]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def load(export_dir):
    with open(os.path.join(export_dir, "manifest.json")) as f:
        manifest = json.load(f)
    blob = open(os.path.join(export_dir, manifest["bin"]), "rb").read()

    def tensor(ref):
        n = 1
        for d in ref["shape"]:
            n *= d
        t = torch.frombuffer(bytearray(blob[ref["offset"]: ref["offset"] + 4 * n]), dtype=torch.float32)
        return t.reshape(ref["shape"]).clone()

    return manifest, tensor


class Graph(nn.Module):
    """Interprets a GraphSpec: NCHW tensors, TF padding made explicit (asymmetric 'same' via F.pad)."""

    def __init__(self, spec, tensor):
        super().__init__()
        self.spec = spec
        self.mods = nn.ModuleDict()
        for l in spec["layers"]:
            t, c, w = l["type"], l["config"], l["weights"]
            key = l["name"]
            if t == "Conv2D":
                pt, pb, pl, pr = c["pad"]
                sym = pt == pb and pl == pr
                m = nn.Conv2d(c["inChannels"], c["filters"], tuple(c["kernel"]), tuple(c["stride"]),
                              padding=(pt, pl) if sym else 0, dilation=tuple(c["dilation"]), bias=c["useBias"])
                m.tf_pad = None if sym else (pl, pr, pt, pb)
            elif t == "BatchNormalization":
                m = nn.BatchNorm2d(c["channels"], eps=c["epsilon"], momentum=1 - c["momentum"])
            elif t == "Dense":
                m = nn.Linear(c["inFeatures"], c["units"], bias=c["useBias"])
            elif t == "Dropout":
                m = nn.Dropout(c["rate"])
            elif t == "MaxPooling2D":
                m = nn.MaxPool2d(tuple(c["pool"]), tuple(c["stride"]))
            else:
                continue
            with torch.no_grad():
                for name, ref in w.items():
                    getattr(m, name).copy_(tensor(ref))
            self.mods[key] = m

    def forward(self, x):
        out = {"input": x}
        for l in self.spec["layers"]:
            t, c, name = l["type"], l["config"], l["name"]
            ins = [out[i] for i in l["inputs"]]
            y = ins[0]
            if t == "Conv2D":
                m = self.mods[name]
                if m.tf_pad is not None:
                    y = F.pad(y, m.tf_pad)
                y = m(y)
            elif t in ("BatchNormalization", "Dense", "Dropout"):
                y = self.mods[name](y)
                if t == "Dense" and c.get("activation") == "relu":
                    y = F.relu(y)
            elif t == "MaxPooling2D":
                pt, pb, pl, pr = c["pad"]
                if pt or pb or pl or pr:
                    y = F.pad(y, (pl, pr, pt, pb), value=float("-inf"))
                y = self.mods[name](y)
            elif t in ("Activation", "ReLU"):
                if t == "Activation" and c["activation"] not in ("relu", "linear"):
                    raise ValueError(f"{name}: activation {c['activation']} unsupported")
                if t == "ReLU" or c["activation"] == "relu":
                    y = F.relu(y)
            elif t == "Add":
                y = ins[0]
                for z in ins[1:]:
                    y = y + z
            elif t == "GlobalAveragePooling2D":
                y = y.mean(dim=(2, 3))
            elif t == "ZeroPadding2D":
                pt, pb, pl, pr = c["pad"]
                y = F.pad(y, (pl, pr, pt, pb))
            else:
                raise ValueError(f"{name}: layer type {t} unsupported")
            out[name] = y
        return out[self.spec["output"]]


def sgd_check(forward, params, x, y, lr):
    loss0 = F.cross_entropy(forward(x), y)
    grads = torch.autograd.grad(loss0, params)
    with torch.no_grad():
        for p, g in zip(params, grads):
            p -= lr * g
    with torch.no_grad():
        loss1 = F.cross_entropy(forward(x), y)
    return {"loss0": loss0.item(), "loss1": loss1.item()}


def run_check(m, tensor):
    ck = m["check"]
    x, y = tensor(ck["images"]), tensor(ck["labels"]).long()
    raw = Graph(m["graphs"]["raw"], tensor).train()  # BN uses batch statistics, as tfjs with training: true
    res = {"raw": sgd_check(raw, list(raw.parameters()), x, y, ck["lr"])}
    backbone = Graph(m["graphs"]["backbone"], tensor).eval()
    head = Graph(m["graphs"]["head"], tensor).eval()  # dropout off for the check
    for p in backbone.parameters():
        p.requires_grad_(False)
    res["e2e"] = sgd_check(lambda v: head(backbone(v)), list(head.parameters()), x, y, ck["lr"])
    return res


def run_raw(m, tensor):
    r = m["raw"]
    images, labels = tensor(m["data"]["images"]), tensor(m["data"]["labels"]).long()
    model = Graph(m["graphs"]["raw"], tensor).train()
    opt = torch.optim.Adam(model.parameters(), lr=r["lr"], eps=r["epsilon"])
    B = m["batchSize"]
    nb = images.shape[0] // B

    def step(i):
        j = i % nb
        x, y = images[j * B:(j + 1) * B], labels[j * B:(j + 1) * B]
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(r["warmup"]):
        step(i)
    # Rounds of 5 steps, best round reported (as the tfjs side: bench/workloads.ts timeRounds).
    rounds, total, done, last = [], 0.0, 0, None
    while done < r["steps"]:
        n = min(5, r["steps"] - done)
        t0 = time.perf_counter()
        for k in range(n):
            last = step(r["warmup"] + done + k)
        s = time.perf_counter() - t0
        rounds.append(n * B / s)
        total += s
        done += n
    return {"steps": r["steps"], "seconds": total, "imagesPerSec": max(rounds), "roundImagesPerSec": rounds,
            "overallImagesPerSec": r["steps"] * B / total, "lastLoss": last}


def run_e2e(m, tensor):
    e = m["e2e"]
    images, labels = tensor(m["data"]["images"]), tensor(m["data"]["labels"]).long()
    val_idx = tensor(e["valIndices"]).long()
    orders = tensor(e["orders"]).long()
    backbone = Graph(m["graphs"]["backbone"], tensor)
    head = Graph(m["graphs"]["head"], tensor)
    for p in backbone.parameters():  # the seed: for p in model.parameters(): p.requires_grad = False
        p.requires_grad_(False)
    model = nn.Sequential(backbone, head)
    opt = torch.optim.Adam(head.parameters(), lr=e["lr"], eps=e["epsilon"])
    B = m["batchSize"]
    history, elapsed, to_ref = [], 0.0, None
    for epoch in range(e["epochs"]):
        t0 = time.perf_counter()
        model.train()
        backbone.eval()  # frozen backbone in inference mode, as the project's fixed pipeline does
        order = orders[epoch]
        train_sum = 0.0
        for k in range(0, order.shape[0], B):
            idx = order[k:k + B]
            x, y = images[idx], labels[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)  # forward through the frozen backbone on every batch
            loss.backward()
            opt.step()
            train_sum += loss.item() * x.shape[0]
        model.eval()
        correct, val_sum = 0, 0.0
        with torch.no_grad():
            for k in range(0, val_idx.shape[0], B):
                idx = val_idx[k:k + B]
                x, y = images[idx], labels[idx]
                out = model(x)
                val_sum += F.cross_entropy(out, y).item() * x.shape[0]
                correct += int((out.argmax(1) == y).sum())
        elapsed += time.perf_counter() - t0
        acc = correct / val_idx.shape[0]
        history.append({"epoch": epoch, "seconds": elapsed, "accuracy": acc,
                        "trainingLoss": train_sum / order.shape[0], "validationLoss": val_sum / val_idx.shape[0]})
        if to_ref is None and acc >= e["reference"]:
            to_ref = elapsed
    return {"history": history, "secondsToReference": to_ref, "seconds": elapsed}


def run_resnet50(m, tensor):
    r = m["resnet50"]
    model = Graph(m["graphs"]["resnet50"], tensor).eval()
    x = torch.rand(r["batch"], 3, r["size"], r["size"]) * 255
    with torch.no_grad():
        for _ in range(r["warmup"]):
            model(x)
        t0 = time.perf_counter()
        for _ in range(r["iters"]):
            model(x)
        s = time.perf_counter() - t0
    return {"imagesPerSec": r["iters"] * r["batch"] / s, "seconds": s, "batch": r["batch"], "iters": r["iters"]}


def blas_name():
    """The BLAS and oneDNN libraries actually loaded (Debian's torch links libblas.so.3, an alternatives link)."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({os.path.basename(l.split()[-1]) for l in f if "blas" in l.lower() or "dnnl" in l.lower()})
        if libs:
            return " ".join(libs)
    except OSError:
        pass
    return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", required=True)
    ap.add_argument("--threads", type=int, default=2)
    for part in ("check", "raw", "e2e", "resnet50"):
        ap.add_argument(f"--skip-{part}", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m, tensor = load(a.export)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_name(),
           "mkldnn": torch.backends.mkldnn.is_available()}
    for part, fn in (("check", run_check), ("raw", run_raw), ("e2e", run_e2e), ("resnet50", run_resnet50)):
        if not getattr(a, f"skip_{part}"):
            out[part] = fn(m, tensor)
            print(f"torch {part}: done", file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
