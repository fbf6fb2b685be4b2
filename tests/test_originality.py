"""The originality index and the generation-time guard."""

from pathlib import Path

import numpy as np

from beatengine.checkpoints import Registry
from beatengine.originality import INDEX_FILE, CopyIndex, interval_ngram_hashes
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.features import onset_window_hashes
from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from tests.conftest import CONSENT, SHIPPED_MODELS, decode_midi, make_client


def test_index_keeps_rare_windows_and_round_trips(tmp_path):
    a, b, c = (np.array(x, np.uint64) for x in ([1, 2, 3], [2, 3, 4], [3, 5]))
    index = CopyIndex.build([a, b, c], idiom_sources=3, max_copy_share=0.25)
    # 3 is in all three pieces: an idiom, not indexed; 2 is in two: indexed
    assert index.found(np.array([1, 2, 3, 4, 5, 6], np.uint64)).tolist() == [
        True, True, False, True, True, False]
    (tmp_path / INDEX_FILE).write_bytes(index.to_bytes())
    loaded = CopyIndex.load(tmp_path / INDEX_FILE)
    assert loaded.hashes.tolist() == index.hashes.tolist() and loaded.max_copy_share == 0.25
    assert loaded.is_copy(np.array([1, 2, 9], np.uint64))
    assert not loaded.is_copy(np.array([7, 8, 9, 10], np.uint64))


def test_a_transposed_copy_of_a_line_is_flagged():
    rng = np.random.default_rng(0)
    pitches = rng.integers(55, 80, size=40)
    onsets = np.cumsum(rng.integers(1, 5, size=40))
    index = CopyIndex.build([interval_ngram_hashes(pitches, onsets)], max_copy_share=0.1)
    # the same line a minor third up, starting two bars later: every n-gram found
    moved = interval_ngram_hashes(pitches[5:30] + 3, onsets[5:30] + 32)
    assert index.copy_share(moved) == 1.0 and index.is_copy(moved)
    other = interval_ngram_hashes(rng.integers(55, 80, size=25), np.cumsum(rng.integers(1, 5, 25)))
    assert index.copy_share(other) == 0.0


def test_a_copied_drum_clip_is_flagged_even_with_a_roll_added():
    hits = np.zeros((8 * 16, V.NUM_PIECES), bool)
    hits[::4, V.KICK] = hits[4::8, V.SNARE] = hits[::2, V.CLOSED_HH] = True
    hits[np.arange(0, 128, 5), V.LOW_TOM] = True             # make it a groove of its own
    index = CopyIndex.build([onset_window_hashes(hits, "4/4")], max_copy_share=0.05)
    rolled = hits.copy()
    rolled[14, V.CLOSED_HH], rolled[14, V.HH_ROLL] = False, True
    assert index.is_copy(onset_window_hashes(hits, "4/4"))
    assert index.copy_share(onset_window_hashes(rolled, "4/4")) == 1.0
    shifted = np.roll(hits, 1, axis=0)
    assert not index.is_copy(onset_window_hashes(shifted, "4/4"))


def _shipped() -> Path:
    return Registry(SHIPPED_MODELS).latest_promoted("drums").path


def forced_copy_model(tmp_path: Path, p: DrumParams) -> tuple[Path, np.ndarray]:
    """A registry whose promoted checkpoint's 'training set' is exactly the clip the model makes for
    `p`: with that seed the model is forced to copy on its first draw."""
    plain = DrumGenerator.load(_shipped())
    plain.copy_index = None
    copied = plain.generate(p)[0].grid.hits
    index = CopyIndex.build([onset_window_hashes(copied, p.time_signature)], max_copy_share=0.05)
    src = _shipped()
    registry = Registry(tmp_path / "models")
    files = {n: (src / n).read_bytes() for n in ("model.safetensors", "config.json")}
    ckpt = registry.publish("drums", {**files, INDEX_FILE: index.to_bytes()}, {})
    Registry.record_evaluation(ckpt, {"passed": True}, promoted=True)
    return tmp_path / "models", copied


def test_guard_resamples_a_model_forced_to_copy(tmp_path):
    p = DrumParams(genre="rock", bpm=100, bars=8, seed=11, fills=0)
    models, copied = forced_copy_model(tmp_path, p)
    guarded = DrumGenerator.load(Registry(models).latest_promoted("drums").path)
    v = guarded.generate(p)[0]
    assert v.originality.resampled >= 1
    assert v.originality.windows == 5 and v.originality.copied_windows == 0
    assert not np.array_equal(v.grid.hits, copied)
    assert guarded.generate(p)[0].grid.hits.tolist() == v.grid.hits.tolist()  # still seeded


def test_api_reports_originality_and_never_returns_the_copy(tmp_path):
    p = DrumParams(genre="rock", bpm=100, bars=8, seed=11, fills=0)
    models, copied = forced_copy_model(tmp_path, p)
    body = {"consent": CONSENT, "genre": "rock", "bpm": 100, "bars": 8, "seed": 11, "fills": 0,
            "humanize": 0.0}
    with make_client(tmp_path, model_dir=models) as c:
        r = c.post("/generate/drums", json=body)
    assert r.status_code == 200
    var = r.json()["variations"][0]
    assert var["originality"]["resampled"] >= 1 and var["originality"]["score"] == 1.0
    kicks = {round(m.time) for m in _abs_messages(decode_midi(var))
             if m.type == "note_on" and m.velocity and m.note == V.GM_NOTE[V.KICK]}
    copied_kicks = {int(s) * 120 for s in np.nonzero(copied[:, V.KICK])[0]}
    assert kicks != copied_kicks


def test_shipped_model_reports_originality(client):
    r = client.post("/generate/drums", json={"consent": CONSENT, "genre": "funk", "bars": 8,
                                             "seed": 3, "variations": 2})
    for var in r.json()["variations"]:
        o = var["originality"]
        assert o["windows"] == 5 and 0.0 <= o["score"] <= 1.0
        assert o["score"] == 1.0 - o["copied_windows"] / o["windows"]


def _abs_messages(mid):
    t = 0
    for msg in mid.tracks[-1]:
        t += msg.time
        yield msg.copy(time=t)
