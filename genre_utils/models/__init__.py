"""The contenders the study compares, one module each, discovered through :mod:`.registry`.

======================  =====================================================================
``thesis_cnn``          the thesis CNN (Gessle & Akesson 2019)
``thesis_lstm``         the thesis LSTM (Gessle & Akesson 2019)
``mfcc_svm``            the classic baseline: MFCC clip statistics + SVM (Tzanetakis & Cook 2002)
``crnn``                convolutional recurrent network on log-mel (Choi et al. 2017)
``musicnn_probe``       logistic regression on pretrained musicnn embeddings (Pons & Serra 2019)
======================  =====================================================================

The readings of the thesis models' open choices, declared beside them (``READINGS``) and
compared by notebook 07 (:mod:`genre_utils.analysis.readings`):

======================  =====================================================================
``cnn_frames_first``    thesis CNN on the transposed matrix: the 3x2 kernel spans 3 frames x 2 coefficients
``cnn_no_pooling``      thesis CNN without pooling, the literal reading (segments only)
``cnn_clips``           thesis CNN on whole clips, the thesis's unit, whatever the run's segment length
``lstm_clips``          thesis LSTM on whole clips, the thesis's unit, whatever the run's segment length
======================  =====================================================================

Adding a contender is one new module here that defines ``CONTENDER`` (and its test); the
runner, the notebooks, the comparison and ``predict`` find it through :func:`contender_names`
and :func:`get_contender`. Adding a reading is one more entry of its module's ``READINGS``
(:func:`reading`); :func:`reading_names` lists them and :func:`contender_names` leaves them out, so
the report does not train every reading as a contender. ``keras_family`` and ``sklearn_family``
hold what contenders of one family share; :mod:`.training` (the Keras training loop), :mod:`.streaming`
(batches in memory or from the feature store), :mod:`.hyperparameters` and :mod:`.aggregation`
(segment predictions to a track's) are how a contender learns and predicts.

May import: :mod:`genre_utils.features`, :mod:`genre_utils.data` and the base modules.
"""

from genre_utils.models.registry import (  # noqa: F401
    FAMILIES,
    Contender,
    Fitted,
    contender_names,
    contender_table,
    contenders,
    documentation,
    get_contender,
    reading,
    reading_names,
    register,
    unregister,
)


def build_model(name: str, input_shape: tuple[int, int], n_classes: int, **options):
    """The compiled Keras network of contender ``name`` (Keras-family contenders only).

    Raises:
        ValueError: Unknown name, or a contender that is not a Keras network.
    """
    contender = get_contender(name)
    if not hasattr(contender, "build"):
        raise ValueError(f"contender {name!r} is a {FAMILIES[contender.family]}, not a Keras network")
    return contender.build(input_shape, n_classes, **options)
