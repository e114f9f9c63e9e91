"""The synthetic default dataset: deterministic, GTZAN-shaped, resumable, and learnable but not trivial."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from genre_utils.datasets import synthetic, synthetic_audio
from genre_utils.datasets.synthetic_audio import GENRES, clip_seed, generate, synthesize_clip


def test_same_seed_same_bytes_other_seed_other_audio(tmp_path):
    generate(tmp_path / "a", clips_per_genre=1, seconds=2.0, seed=3, progress=False)
    generate(tmp_path / "b", clips_per_genre=1, seconds=2.0, seed=3, progress=False)
    generate(tmp_path / "c", clips_per_genre=1, seconds=2.0, seed=4, progress=False)
    for genre in GENRES:
        name = f"genres/{genre}/{genre}.00000.wav"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()


def test_gtzan_layout_and_format(tmp_path):
    generate(tmp_path, clips_per_genre=2, seconds=3.0, progress=False)
    files = sorted((tmp_path / "genres").glob("*/*.wav"))
    assert len(files) == 20
    assert files[0].name == "blues.00000.wav" and files[-1].name == "rock.00001.wav"
    info = soundfile.info(str(files[0]))
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (22050, 1, "PCM_16", 66150)
    manifest = json.loads((tmp_path / "synthetic.json").read_text())
    assert manifest["complete"] and "not music recordings" in manifest["note"]
    tracks = synthetic.load_tracks(tmp_path)
    assert len(tracks) == 20 and tracks.status.eq("ok").all()
    assert synthetic.clip_seconds(tmp_path) == 3.0


def test_clips_are_clean_and_genres_differ():
    clips = {genre: synthesize_clip(genre, clip_seed(0, genre, 0), seconds=3.0) for genre in GENRES}
    for genre, samples in clips.items():
        assert samples.dtype == np.float32 and samples.shape == (66150,)
        assert np.isfinite(samples).all() and np.abs(samples).max() <= 1.0
        assert np.sqrt(np.mean(samples**2)) > 0.01, genre
    assert not np.allclose(clips["rock"], clips["metal"])


def test_second_call_writes_nothing_and_a_deleted_clip_is_restored(tmp_path):
    generate(tmp_path, clips_per_genre=2, seconds=2.0, progress=False)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "genres").glob("*/*.wav")}
    generate(tmp_path, clips_per_genre=2, seconds=2.0, progress=False)
    assert stamps == {p: p.stat().st_mtime_ns for p in (tmp_path / "genres").glob("*/*.wav")}
    lost = tmp_path / "genres" / "jazz" / "jazz.00001.wav"
    original = lost.read_bytes()
    lost.unlink()
    generate(tmp_path, clips_per_genre=2, seconds=2.0, progress=False)
    assert lost.read_bytes() == original
    unchanged = [p for p, t in stamps.items() if p != lost and p.stat().st_mtime_ns == t]
    assert len(unchanged) == 19


def test_interrupted_generation_is_not_mistaken_for_a_complete_set(tmp_path, monkeypatch):
    calls = []

    def failing(genre, seed, seconds):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(genre)
        return np.zeros(int(seconds * 22050), np.float32)

    monkeypatch.setattr(synthetic_audio, "synthesize_clip", failing)
    with pytest.raises(KeyboardInterrupt):
        generate(tmp_path, clips_per_genre=1, seconds=1.0, progress=False)
    with pytest.raises(FileNotFoundError, match="incomplete"):
        synthetic.load_tracks(tmp_path)


def test_new_parameters_regenerate_and_remove_stale_clips(tmp_path):
    generate(tmp_path, clips_per_genre=3, seconds=2.0, progress=False)
    generate(tmp_path, clips_per_genre=2, seconds=2.5, progress=False)
    assert len(list((tmp_path / "genres").glob("*/*.wav"))) == 20
    assert soundfile.info(str(tmp_path / "genres/pop/pop.00000.wav")).duration == pytest.approx(2.5)


@pytest.mark.parametrize("arguments, name", [
    ({"clips_per_genre": 0}, "clips_per_genre"), ({"clips_per_genre": 2.5}, "clips_per_genre"),
    ({"seconds": 0.5}, "seconds"), ({"seconds": 61}, "seconds"), ({"seed": -1}, "seed"),
])
def test_bad_parameters_are_named(tmp_path, arguments, name):
    with pytest.raises(ValueError, match=name):
        generate(tmp_path, progress=False, **arguments)
    with pytest.raises(ValueError, match="unknown genre 'polka'"):
        synthesize_clip("polka", 0)


@pytest.mark.slow
def test_learnable_but_not_trivial(tmp_path):
    """MFCC statistics + logistic regression: far above chance (10 %), below perfect."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from genre_utils.explore import clip_statistics
    from genre_utils.feature_store import build_feature_store
    from genre_utils.features import FeatureConfig

    generate(tmp_path / "audio", clips_per_genre=12, seconds=5.0, progress=False)
    tracks = synthetic.load_tracks(tmp_path / "audio")
    store = build_feature_store(tracks, "synthetic", FeatureConfig(clip_seconds=5.0), cache_dir=tmp_path / "cache", progress=False)
    features = clip_statistics(store.clips(store.usable.track_id))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    scores = cross_val_score(model, features, store.usable.genre, cv=StratifiedKFold(4, shuffle=True, random_state=0))
    assert 0.45 < scores.mean() < 0.97, scores.mean()
