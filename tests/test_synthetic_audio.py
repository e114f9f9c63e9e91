"""The synthetic default data set: deterministic, GTZAN-shaped, resumable, learnable but not trivial."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from genre_utils.data.datasets import synthetic_audio
from genre_utils.data.datasets.synthetic_audio import GENRES, SAMPLE_RATE, clip_seed, generate, synthesize_clip
from genre_utils.data.datasets.synthetic_styles import RELATED

# Bars of the learnability test (10 genres x 12 clips x 5 s, seed 0). Measured with seeds 0-7:
# accuracy 0.725-0.808 (0.750 for seed 0), share of errors between related genres 0.57-0.81
# (0.63 for seed 0; 0.29 if errors fell on genre pairs at random).
MIN_ACCURACY = 0.55
MAX_ACCURACY = 0.92
MIN_RELATED_ERROR_SHARE = 0.45


def _wavs(root):
    return sorted((root / "genres").glob("*/*.wav"))


def _stamps(root):
    """Modification times of every file under ``root``, the manifest included."""
    return {path: path.stat().st_mtime_ns for path in sorted(root.rglob("*")) if path.is_file()}


class _Interrupt(Exception):
    pass


def _interrupt_after(monkeypatch, clips: int) -> None:
    """Make generation die like a killed run after ``clips`` clips were synthesized."""
    real, calls = synthetic_audio.synthesize_clip, []

    def synthesize(*args, **kwargs):
        if len(calls) == clips:
            raise _Interrupt
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic_audio, "synthesize_clip", synthesize)


def test_same_seed_gives_identical_files_and_another_seed_other_audio(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, clips_per_genre=1, seconds=1.5, seed=seed, progress=False)
    for genre in GENRES:
        clip = f"genres/{genre}/{genre}.00000.wav"
        assert (tmp_path / "a" / clip).read_bytes() == (tmp_path / "b" / clip).read_bytes()
        other, _ = soundfile.read(tmp_path / "c" / clip)
        same, _ = soundfile.read(tmp_path / "a" / clip)
        assert not np.allclose(same, other, atol=1e-3), genre
    assert (tmp_path / "a/synthetic.json").read_text() == (tmp_path / "b/synthetic.json").read_text()


def test_any_clip_regenerates_alone_from_its_seed(tmp_path):
    generate(tmp_path, clips_per_genre=3, seconds=1.0, seed=7, progress=False)
    for genre, index in (("jazz", 2), ("metal", 0)):
        written, rate = soundfile.read(tmp_path / f"genres/{genre}/{genre}.{index:05d}.wav", dtype="float32")
        alone = synthesize_clip(genre, clip_seed(7, genre, index), 1.0)
        assert rate == SAMPLE_RATE and written.shape == alone.shape
        assert np.abs(written - alone).max() <= 1.0 / 32767  # 16-bit rounding only
    assert len({clip_seed(0, genre, index) for genre in GENRES for index in range(50)}) == 500
    assert clip_seed(0, "rock", 1) != clip_seed(1, "rock", 0)


def test_gtzan_layout_and_format(tmp_path):
    generate(tmp_path, clips_per_genre=2, seconds=3.0, progress=False)
    files = _wavs(tmp_path)
    assert [f"{p.parent.name}/{p.name}" for p in files] == [
        f"{genre}/{genre}.{index:05d}.wav" for genre in GENRES for index in range(2)
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genres", "synthetic.json"]
    assert sorted(p.name for p in (tmp_path / "genres").iterdir()) == sorted(GENRES)
    assert all(p.suffix == ".wav" for p in (tmp_path / "genres").rglob("*") if p.is_file())  # no temp files
    for path in files:
        info = soundfile.info(str(path))
        assert (info.format, info.subtype, info.samplerate, info.channels, info.frames) == (
            "WAV",
            "PCM_16",
            22050,
            1,
            66150,
        ), path.name
    manifest = json.loads((tmp_path / "synthetic.json").read_text())
    assert manifest["complete"] is True and "synthetic" in manifest["note"].lower()
    assert (manifest["clips_per_genre"], manifest["seconds"], manifest["seed"]) == (2, 3.0, 0)
    assert manifest["generator_version"] == synthetic_audio.GENERATOR_VERSION


@pytest.mark.parametrize("seconds", [1.0, 1.3, 2.71828, 7.5])
def test_duration_is_seconds_to_one_sample(seconds):
    samples = synthesize_clip("pop", 1, seconds)
    assert abs(samples.size - seconds * SAMPLE_RATE) <= 1
    assert synthesize_clip("pop", 1, seconds, sample_rate=16000).size == round(seconds * 16000)


def test_clips_are_clean_loud_enough_and_differ_between_genres():
    for genre in GENRES:
        for index in range(4):
            samples = synthesize_clip(genre, clip_seed(0, genre, index), seconds=3.0)
            assert samples.dtype == np.float32 and samples.shape == (66150,)
            assert np.isfinite(samples).all(), genre
            assert np.abs(samples).max() <= 1.0, genre
            assert np.mean(np.abs(samples) > 0.999) < 1e-3, genre  # not clipped flat
            assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 0.01, genre  # not silent
    first = {genre: synthesize_clip(genre, 5, seconds=2.0) for genre in GENRES}
    assert all(not np.allclose(first[a], first[b]) for a in GENRES for b in GENRES if a < b)


def test_genres_differ_in_the_intended_ways():
    """A listening-test substitute: traits that the style table promises, measured on audio."""
    low_share, crest, dynamics = {}, {}, {}
    for genre in GENRES:
        clips = [synthesize_clip(genre, clip_seed(0, genre, i), 4.0).astype(np.float64) for i in range(6)]
        power = [np.abs(np.fft.rfft(clip)) ** 2 for clip in clips]
        below_150 = np.fft.rfftfreq(clips[0].size, 1 / SAMPLE_RATE) < 150
        low_share[genre] = np.median([p[below_150].sum() / p.sum() for p in power])
        crest[genre] = np.median([np.abs(c).max() / np.sqrt(np.mean(c**2)) for c in clips])
        frames = [np.sqrt(np.mean(c[: c.size // 1024 * 1024].reshape(-1, 1024) ** 2, axis=1)) for c in clips]
        dynamics[genre] = np.median([np.std(20 * np.log10(f + 1e-9)) for f in frames])
    # Classical: no kick drum, soft bass. Metal: distorted and limited, a wall of sound.
    # Reggae: sparse one-drop, skank chords and rests, far more dynamic than rock, pop or metal.
    assert min(low_share, key=low_share.get) == "classical", low_share
    assert min(crest, key=crest.get) == "metal", crest
    assert dynamics["reggae"] > 2 * max(dynamics["metal"], dynamics["rock"], dynamics["pop"]), dynamics


def test_second_call_writes_nothing(tmp_path):
    generate(tmp_path, clips_per_genre=2, seconds=1.0, progress=False)
    before = _stamps(tmp_path)
    assert generate(tmp_path, clips_per_genre=2, seconds=1.0, progress=False) == tmp_path
    assert _stamps(tmp_path) == before


def test_a_deleted_clip_is_the_only_one_rewritten(tmp_path):
    generate(tmp_path, clips_per_genre=2, seconds=1.0, progress=False)
    lost = tmp_path / "genres/jazz/jazz.00001.wav"
    original = lost.read_bytes()
    lost.unlink()
    before = _stamps(tmp_path)
    generate(tmp_path, clips_per_genre=2, seconds=1.0, progress=False)
    after = _stamps(tmp_path)
    assert lost.read_bytes() == original
    changed = {path for path in after if before.get(path) != after[path]}
    assert changed == {lost, tmp_path / "synthetic.json"}


def test_a_killed_run_is_marked_incomplete_and_resumes_with_the_missing_clips(tmp_path, monkeypatch):
    _interrupt_after(monkeypatch, 7)
    with pytest.raises(_Interrupt):
        generate(tmp_path / "set", clips_per_genre=2, seconds=1.0, progress=False)
    assert json.loads((tmp_path / "set/synthetic.json").read_text())["complete"] is False
    assert len(_wavs(tmp_path / "set")) == 7
    assert not list((tmp_path / "set").rglob("*.part"))
    monkeypatch.undo()
    before = {path: stamp for path, stamp in _stamps(tmp_path / "set").items() if path.suffix == ".wav"}
    generate(tmp_path / "set", clips_per_genre=2, seconds=1.0, progress=False)
    after = _stamps(tmp_path / "set")
    assert all(after[path] == stamp for path, stamp in before.items())  # the 7 clips were kept
    assert json.loads((tmp_path / "set/synthetic.json").read_text())["complete"] is True
    generate(tmp_path / "fresh", clips_per_genre=2, seconds=1.0, progress=False)
    assert [p.read_bytes() for p in _wavs(tmp_path / "set")] == [p.read_bytes() for p in _wavs(tmp_path / "fresh")]


def test_a_clip_killed_while_being_written_leaves_no_file(tmp_path, monkeypatch):
    def write_half(file, data, samplerate, subtype, format):
        file.write(b"RIFF\x00\x00")
        raise _Interrupt

    monkeypatch.setattr(soundfile, "write", write_half)
    with pytest.raises(_Interrupt):
        generate(tmp_path, clips_per_genre=1, seconds=1.0, progress=False)
    assert not list((tmp_path / "genres").rglob("*.*"))  # neither a clip nor a temporary file


def test_new_parameters_regenerate_and_remove_stale_clips(tmp_path):
    generate(tmp_path, clips_per_genre=3, seconds=1.0, progress=False)
    old = {p: p.read_bytes() for p in _wavs(tmp_path)}
    generate(tmp_path, clips_per_genre=2, seconds=1.5, progress=False)
    assert len(_wavs(tmp_path)) == 20 and not list(tmp_path.rglob("*.00002.wav"))
    assert {soundfile.info(str(p)).frames for p in _wavs(tmp_path)} == {33075}
    assert json.loads((tmp_path / "synthetic.json").read_text())["seconds"] == 1.5
    generate(tmp_path, clips_per_genre=3, seconds=1.0, seed=1, progress=False)  # new seed: new audio
    assert len(_wavs(tmp_path)) == 30
    assert all(p.read_bytes() != old[p] for p in _wavs(tmp_path))


def test_an_interrupted_change_of_parameters_never_mixes_the_two_sets(tmp_path, monkeypatch):
    generate(tmp_path / "set", clips_per_genre=2, seconds=1.0, seed=0, progress=False)
    _interrupt_after(monkeypatch, 3)
    with pytest.raises(_Interrupt):
        generate(tmp_path / "set", clips_per_genre=2, seconds=1.0, seed=1, progress=False)
    monkeypatch.undo()
    for seed in (1, 0):  # finish the new set, then go back to the old one
        generate(tmp_path / "set", clips_per_genre=2, seconds=1.0, seed=seed, progress=False)
        generate(tmp_path / f"fresh{seed}", clips_per_genre=2, seconds=1.0, seed=seed, progress=False)
        assert [p.read_bytes() for p in _wavs(tmp_path / "set")] == [
            p.read_bytes() for p in _wavs(tmp_path / f"fresh{seed}")
        ]


def test_wav_files_it_did_not_write_are_never_overwritten(tmp_path):
    real = tmp_path / "genres/blues/blues.00000.wav"
    real.parent.mkdir(parents=True)
    soundfile.write(real, np.zeros(100, np.float32), SAMPLE_RATE)
    content = real.read_bytes()
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        generate(tmp_path, clips_per_genre=1, seconds=1.0, progress=False)
    assert real.read_bytes() == content and not (tmp_path / "synthetic.json").exists()


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"clips_per_genre": 0}, "clips_per_genre"),
        ({"clips_per_genre": 2.5}, "clips_per_genre"),
        ({"clips_per_genre": True}, "clips_per_genre"),
        ({"clips_per_genre": "3"}, "clips_per_genre"),
        ({"seconds": 0.5}, "seconds"),
        ({"seconds": 61}, "seconds"),
        ({"seconds": float("nan")}, "seconds"),
        ({"seconds": "10"}, "seconds"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": None}, "seed"),
    ],
)
def test_bad_generate_parameters_are_named_and_nothing_is_written(tmp_path, arguments, name):
    with pytest.raises(ValueError, match=name):
        generate(tmp_path / "set", progress=False, **arguments)
    assert not (tmp_path / "set").exists()


def test_an_unknown_genre_is_named():
    with pytest.raises(ValueError, match="polka"):
        synthesize_clip("polka", 0, 1.0)


@pytest.mark.slow
def test_learnable_but_not_trivial_with_the_intended_overlaps(tmp_path):
    """MFCC statistics + logistic regression: far above chance (0.1), far from perfect."""
    import librosa
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    generate(tmp_path, clips_per_genre=12, seconds=5.0, seed=0, progress=False)
    features, labels = [], []
    for path in _wavs(tmp_path):
        samples, rate = soundfile.read(path, dtype="float32")
        mfcc = librosa.feature.mfcc(y=samples, sr=rate, n_mfcc=20, n_fft=2048, hop_length=512)
        features.append(np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)]))
        labels.append(path.parent.name)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    predicted = cross_val_predict(model, np.array(features), np.array(labels), cv=folds)
    accuracy = float(np.mean(predicted == np.array(labels)))
    assert MIN_ACCURACY < accuracy < MAX_ACCURACY, accuracy

    confusion = confusion_matrix(labels, predicted, labels=list(GENRES))
    pairs = {
        (a, b): confusion[i, j] + confusion[j, i] for i, a in enumerate(GENRES) for j, b in enumerate(GENRES) if i < j
    }
    related = {(a, b) for a, b in pairs if b in RELATED[a] or a in RELATED[b]}
    related_share = sum(pairs[pair] for pair in related) / sum(pairs.values())
    assert related_share >= MIN_RELATED_ERROR_SHARE, (related_share, pairs)
    assert max(pairs, key=pairs.get) in related, pairs  # the worst confusion is an intended one
