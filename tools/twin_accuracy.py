# SPDX-License-Identifier: MIT
"""How often a model tells a scene from its twin, on tools/make_tuxpaint_scenes.py's sets:

    /usr/bin/python3 tools/twin_accuracy.py SIMS.npy [SIMS.npy ...]

SIMS.npy: a split's (images, captions) scores, one caption per image, as `imram eval --save-sims`
or `tools/linear_baseline.py --save_sims` write them. Scenes 2k and 2k + 1 are twins (the same two
stamps, sides swapped; their captions have the same words in another order). Per pair of twins:
  i2t: each image scores its own caption above its twin's caption (2 decisions per pair);
  t2i: each caption scores its own image above its twin's image (2 decisions per pair);
  both: the pair's 2 x 2 block puts both right matches strictly above both wrong ones' sum, i.e.
        s[a, a] + s[b, b] > s[a, b] + s[b, a] (the assignment is recovered).
A tie counts as wrong (like the project's recall), so a model blind to word order scores 0 %;
guessing would give 50 %.
"""
import sys

import numpy as np


def twin_accuracy(s):
    n = s.shape[0]
    if s.ndim != 2 or s.shape[1] != n or n % 2:
        raise ValueError(f"expected an even square (images, captions) matrix, got shape {s.shape}")
    a, b = np.arange(0, n, 2), np.arange(1, n, 2)
    right_a, right_b, cross_ab, cross_ba = s[a, a], s[b, b], s[a, b], s[b, a]
    i2t = np.concatenate([right_a > cross_ab, right_b > cross_ba])  # image a: caption a over caption b
    t2i = np.concatenate([right_a > cross_ba, right_b > cross_ab])  # caption a: image a over image b
    both = right_a + right_b > cross_ab + cross_ba
    return 100.0 * i2t.mean(), 100.0 * t2i.mean(), 100.0 * both.mean(), n // 2


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(f"{'scores':<50} {'pairs':>6} {'i2t %':>7} {'t2i %':>7} {'both %':>7}")
    for path in sys.argv[1:]:
        try:
            s = np.load(path).astype(np.float64)
            i2t, t2i, both, pairs = twin_accuracy(s)
        except (OSError, ValueError) as e:
            sys.exit(f"error: {path}: {e}")
        print(f"{path:<50} {pairs:6d} {i2t:7.1f} {t2i:7.1f} {both:7.1f}")


if __name__ == "__main__":
    main()
