#!/usr/bin/env python3
"""Writes the .npy fixtures NpyFile is tested against, with numpy itself (apt-get install python3-numpy).
The tests recompute the expected values from the same formulas, not from these files."""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
np.save(os.path.join(here, "numpy_f4_2x3x4.npy"), (np.arange(24, dtype=np.float32) / 8 - 1).reshape(2, 3, 4))
np.save(os.path.join(here, "numpy_f8_1x3x2x2.npy"), (np.arange(12, dtype=np.float64) * 0.1).reshape(1, 3, 2, 2))
np.save(os.path.join(here, "numpy_fortran_2x3.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
