"""Pretrained models ported to Keras 3 and checked against their originals: :mod:`.musicnn` (Pons & Serra 2019)."""
