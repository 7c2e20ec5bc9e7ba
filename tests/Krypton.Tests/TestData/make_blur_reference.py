#!/usr/bin/env python3
"""Writes the .npy files that the blur fill is tested against, made by torchvision's own
gaussian_blur (apt-get install python3-torchvision): tiny_mixed_golden.json's image [1, 3, 64, 64]
blurred with sigma 4 (the default for an 8-pixel patch) and 1.5, and a seeded [1, 3, 20, 24] image
with its blur at sigma 8, where the kernel radius is clamped to 19 (one less than the shorter side)."""
import json
import os
import numpy as np
import torch
from torchvision.transforms import functional as F

here = os.path.dirname(os.path.abspath(__file__))


def blur(image, sigma, radius):
    return F.gaussian_blur(image, kernel_size=[2 * radius + 1] * 2, sigma=[sigma, sigma]).numpy()


with open(os.path.join(here, "tiny_mixed_golden.json")) as f:
    golden = torch.tensor(json.load(f)["image"], dtype=torch.float32).reshape(1, 3, 64, 64)
np.save(os.path.join(here, "blur_golden_sigma4.npy"), blur(golden, 4.0, 12))
np.save(os.path.join(here, "blur_golden_sigma1.5.npy"), blur(golden, 1.5, 5))
small = torch.from_numpy(np.random.default_rng(7).normal(size=(1, 3, 20, 24)).astype(np.float32))
np.save(os.path.join(here, "blur_small_1x3x20x24.npy"), small.numpy())
np.save(os.path.join(here, "blur_small_sigma8.npy"), blur(small, 8.0, 19))
