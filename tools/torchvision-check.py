#!/usr/bin/env python3
"""Imports torchvision's classifiers into krypton and checks them, outside the test suite.

Needs PyTorch and torchvision (Debian: apt install python3-torch python3-torchvision; run with
/usr/bin/python3) and a built CLI (dotnet build -c Release). For each model: random weights, an
ONNX export with a dynamic batch (opset 13), then `krypton explain` in naive and exact mode on the
same random input (logits, patch 16, stride 16). Weights are drawn as the test zoo draws them
(export_cnn_zoo.randomize: He initialization, batch norms calibrated on random inputs), so that
the logits are not all near zero. It prints, per model, whether both runs
succeeded, the largest difference between the exact and the naive map, and whether the
unoccluded target's logit equals PyTorch's. The transformers (ViT, Swin) run as opaque networks,
so their exact request runs naively too. Exit code 1 when any check fails.

    /usr/bin/python3 tools/torchvision-check.py [OUT_DIR [NAME,NAME,...]]
"""
import json, os, subprocess, sys
import numpy as np
import torch, torchvision
from torchvision.models import efficientnet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "Krypton.Tests", "TestData"))
from export_cnn_zoo import randomize  # noqa: E402
KRYPTON = os.path.join(ROOT, "src", "Krypton.Cli", "bin", "Release", "net10.0", "krypton")


def models():
    conf = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.5, depth_mult=0.5)[0]
    tv = torchvision.models
    return {
        "alexnet": (tv.alexnet(num_classes=10), 224),
        "googlenet": (tv.googlenet(num_classes=10, aux_logits=False, init_weights=True), 96),
        "mnasnet0_5": (tv.mnasnet0_5(num_classes=10), 96),
        "mobilenet_v3_small": (tv.mobilenet_v3_small(num_classes=10), 96),
        "efficientnet_b0_half": (tv.EfficientNet(conf, 0.2, num_classes=10), 96),
        "efficientnet_v2_s": (tv.efficientnet_v2_s(num_classes=10), 96),
        "regnet_x_400mf": (tv.regnet_x_400mf(num_classes=10), 96),
        "resnext50_32x4d": (tv.resnext50_32x4d(num_classes=10), 96),
        "shufflenet_v2_x0_5": (tv.shufflenet_v2_x0_5(num_classes=10), 96),
        "densenet121": (tv.densenet121(num_classes=10), 96),
        "convnext_tiny": (tv.convnext_tiny(num_classes=10), 96),
        "vit_b_16": (tv.vit_b_16(num_classes=10), 224),
        "swin_t": (tv.swin_t(num_classes=10), 224),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "torchvision-check"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    failed = False
    only = sys.argv[2].split(",") if len(sys.argv) > 2 else None
    for name, (model, size) in models().items():
        if only and name not in only:
            continue
        randomize(model, torch.Generator().manual_seed(sum(map(ord, name))), size)
        x = 2 * torch.rand(1, 3, size, size) - 1
        onnx_file, npy = os.path.join(out, name + ".onnx"), os.path.join(out, name + "-input.npy")
        torch.onnx.export(model, x, onnx_file, opset_version=13, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
        np.save(npy, x.numpy()[0])
        with torch.no_grad():
            logits = model(x).numpy()[0]
        maps, line = {}, ""
        for mode in ("naive", "exact"):
            folder = os.path.join(out, f"{name}-{mode}")
            run = subprocess.run([KRYPTON, "explain", "--model", onnx_file, "--input", npy, "--patch", "16", "--stride", "16",
                                  "--value", "logit", "--mode", mode, "--out", folder, "--quiet"], capture_output=True, text=True)
            if run.returncode != 0:
                line = f"{mode} failed: {run.stderr.strip().splitlines()[-1]}"
                break
            maps[mode] = (np.load(os.path.join(folder, "heatmap.npy")), json.load(open(os.path.join(folder, "explanation.json"))))
        if not line:
            (naive, _), (exact, result) = maps["naive"], maps["exact"]
            target = result["result"]["target"]
            difference = float(np.abs(exact - naive).max())
            same_logit = abs(result["result"]["unoccluded_value"] - float(logits[target])) <= 1e-4 * max(1.0, abs(float(logits[target])))
            predicted = float(logits[target]) >= float(logits.max()) - 1e-4   # ties within rounding may pick either
            ok = difference <= 1e-4 and same_logit and predicted
            line = f"{'ok' if ok else 'FAILED'}: {result['plan']['mode']}, max |exact - naive| {difference:.1e}, logit {result['result']['unoccluded_value']:.6g} vs PyTorch {float(logits[target]):.6g}"
            failed |= not ok
        else:
            failed = True
        print(f"{name:22s} {line}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
