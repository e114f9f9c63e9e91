"""Pretrained models used by the study, ported to Keras 3 and checked against their originals.

- :mod:`genre_utils.features.pretrained.musicnn`: the musicnn audio taggers ``MTT_musicnn`` and
  ``MSD_musicnn`` (Pons & Serra 2019), their front end, their tags and their embeddings.
"""
