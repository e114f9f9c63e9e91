"""The contenders the study compares, one module each declaring ``CONTENDER``: see :mod:`genre_utils.registry`.

May import: :mod:`genre_utils.features`, :mod:`genre_utils.data` and the base modules.
"""

from genre_utils.models.registry import (  # noqa: F401
    FAMILIES,
    Contender,
    Fitted,
    contender_names,
    contenders,
    documentation,
    get_contender,
    reading,
    reading_names,
    register,
    unregister,
)


def build_model(name: str, input_shape: tuple[int, int], n_classes: int, **options):
    """The compiled Keras network of contender ``name`` (Keras-family contenders only)."""
    contender = get_contender(name)
    if not hasattr(contender, "build"):
        raise ValueError(f"contender {name!r} is a {FAMILIES[contender.family]}, not a Keras network")
    return contender.build(input_shape, n_classes, **options)
