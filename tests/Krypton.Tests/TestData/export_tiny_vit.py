#!/usr/bin/env python3
"""Exports a tiny vision transformer (random weights, seed 0) that Krypton cannot reason about and
explains naively: 32x32 RGB input, 4x4 patch embedding, a class token, two encoder layers, 5 classes.
zoo_tiny_vit.onnx has a dynamic batch; zoo_tiny_vit_batch1.onnx fixes the batch at 1, as a plain
torch.onnx.export does. Needs Debian's python3-torch (1.13). Also writes zoo_tiny_vit_input.npy."""
import os
import numpy as np
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))


class Block(nn.Module):
    """Pre-norm encoder block written out (multi-head self-attention, GELU MLP)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, t):
        b, n, d = t.shape
        q, k, v = self.qkv(self.norm1(t)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attention = torch.softmax(q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1)
        t = t + self.proj((attention @ v).transpose(1, 2).reshape(b, n, d))
        return t + self.mlp(self.norm2(t))


class TinyViT(nn.Module):
    def __init__(self, classes=5, dim=32, patch=4, size=32):
        super().__init__()
        self.embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, (size // patch) ** 2 + 1, dim) * 0.5)
        self.encoder = nn.Sequential(Block(dim, 4), Block(dim, 4))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(t.shape[0], -1, -1), t], dim=1) + self.pos
        t = self.encoder(t)
        return self.head(self.norm(t[:, 0]))


torch.manual_seed(0)
model = TinyViT().eval()
# Every parameter random, layer norms included: the exporter stores equal tensors once, which
# would make the file's parameter count differ from the architecture's.
for p in model.parameters():
    nn.init.normal_(p, std=0.3)
x = 2 * torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1)) - 1
np.save(os.path.join(here, "zoo_tiny_vit_input.npy"), x.numpy())
with torch.no_grad():
    torch.onnx.export(model, x, os.path.join(here, "zoo_tiny_vit.onnx"), input_names=["pixels"], output_names=["logits"],
                      dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17)
    torch.onnx.export(model, x, os.path.join(here, "zoo_tiny_vit_batch1.onnx"), input_names=["pixels"], output_names=["logits"], opset_version=17)
    print(model(x))
