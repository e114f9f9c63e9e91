"""What the thesis reports about its own two contenders, kept beside their declarations.

Gessle & Akesson (2019) ran each model once and scored it per clip, on 20 MFCCs with their own
800/200 (GTZAN) and 7200/800 (FMA-small) split. They name other features (log-mel, chroma) as
future work for their CNN; the study answers that with :data:`THESIS_FEATURE_STUDY` and uses the
same model for its leakage demonstration. Its LSTM trails its CNN, and it asks whether more
training data would close the gap: :data:`THESIS_PAIR`, answered by :mod:`genre_utils.analysis.learning_curve`.
"""

THESIS_ACCURACY = {  # (dataset, contender) -> accuracy, one run each, per clip, MFCC on the thesis split
    ("gtzan", "cnn"): 0.560,
    ("gtzan", "lstm"): 0.420,
    ("fma_small", "cnn"): 0.505,
    ("fma_small", "lstm"): 0.335,
}
THESIS_SPLIT, THESIS_FEATURES = "thesis", "mfcc"
THESIS_FEATURE_STUDY = ("cnn", ("mfcc", "logmel", "chroma"))  # the thesis CNN on the features it names
THESIS_PAIR = ("lstm", "cnn")  # (the model that trails, the one it trails): does more training data close the gap?
