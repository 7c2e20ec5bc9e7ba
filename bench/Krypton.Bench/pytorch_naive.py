"""Batched naive occlusion in PyTorch: the baseline a Python user has (Captum-style, no caching).

Builds torchvision's definition of the network, loads the weights Krypton.Bench wrote (one .npy per
state-dict key), and times one heat map: patch at (i*stride, j*stride), gray fill in ImageNet
normalization, probability of the predicted class. Prints one JSON line with the seconds.
"""
import argparse, glob, json, os, time
import numpy as np
import torch, torchvision

p = argparse.ArgumentParser()
p.add_argument("--arch"); p.add_argument("--weights"); p.add_argument("--size", type=int)
p.add_argument("--patch", type=int); p.add_argument("--stride", type=int)
p.add_argument("--batch", type=int); p.add_argument("--threads", type=int)
p.add_argument("--device", default="cpu")
a = p.parse_args()
dev = torch.device(a.device)
torch.set_num_threads(a.threads)
if a.arch == "inception_v3":
    model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
else:
    model = getattr(torchvision.models, a.arch)(weights=None)
state = {os.path.basename(f)[:-4]: torch.from_numpy(np.load(f)) for f in glob.glob(os.path.join(a.weights, "*.npy"))}
missing, unexpected = model.load_state_dict(state, strict=False)
missing = [m for m in missing if not m.endswith("num_batches_tracked")]
assert not missing and not unexpected, (missing, unexpected)
model.eval().to(dev)

g = torch.Generator().manual_seed(1)
image = torch.rand(1, 3, a.size, a.size, generator=g) * 4 - 2
mean = torch.tensor([0.485, 0.456, 0.406]); std = torch.tensor([0.229, 0.224, 0.225])
fill = ((0.5 - mean) / std).view(1, 3, 1, 1).to(dev)
image = image.to(dev)
def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()
rows = (a.size - a.patch + 1) // a.stride
positions = [(i * a.stride, j * a.stride) for i in range(rows) for j in range(rows)]
with torch.no_grad():
    target = int(torch.softmax(model(image), 1).argmax())
    model(image.repeat(a.batch, 1, 1, 1))  # warm-up at the batch size (cuDNN picks its kernels)
    sync()
    start = time.perf_counter()
    heat = []
    for b in range(0, len(positions), a.batch):
        chunk = positions[b:b + a.batch]
        x = image.repeat(len(chunk), 1, 1, 1)
        for k, (y, xx) in enumerate(chunk):
            x[k, :, y:y + a.patch, xx:xx + a.patch] = fill[0]
        heat.extend(torch.softmax(model(x), 1)[:, target].tolist())
    sync()
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "positions": len(positions), "torch": torch.__version__, "device": str(dev)}))
