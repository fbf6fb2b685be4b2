"""The evaluation harness: its measures on constructed cases, and a whole run on a tiny model."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from beatengine.checkpoints import Registry
from tests.midi_fixtures import make_gmd_dir, tiny_training_config, varied_beat
from training import evaluate as evaluate_command
from training.evaluation import gate as ev
from training.evaluation import measures
from training.evaluation.harness import slices
from training.run_training import main as run_training


def test_identical_distributions_score_as_real():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    assert measures.overlap_area(a[:, 0], a[:, 0]) == pytest.approx(1.0, abs=1e-9)
    assert measures.mean_overlap(a, b) > 0.85
    groups = [str(i) for i in range(300)]
    assert 0.4 < measures.c2st_auc(a, b, groups, groups) < 0.6


def test_different_distributions_are_told_apart():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(300, 4)), rng.normal(1.5, 1.0, size=(300, 4))
    groups = [str(i) for i in range(300)]
    assert measures.c2st_auc(real, fake, groups, groups) > 0.9
    assert measures.overlap_area(real[:, 0], fake[:, 0]) < 0.6
    lo, hi = measures.bootstrap_ci(lambda r, g: measures.overlap_area(r[:, 0], g[:, 0]),
                                   real, fake, n=30)
    assert lo <= measures.overlap_area(real[:, 0], fake[:, 0]) <= hi and hi < 0.75


def test_shuffled_genres_fail_the_genre_check():
    rng = np.random.default_rng(2)
    genres = ["rock", "funk", "jazz"]
    centers = {g: rng.normal(0, 3, size=5) for g in genres}

    def sample(n):
        labels = [genres[i % 3] for i in range(n)]
        return np.array([centers[g] + rng.normal(size=5) for g in labels]), labels

    x_train, y_train = sample(300)
    clf = measures.fit_label_classifier(x_train, y_train)
    x_real, y_real = sample(90)
    x_gen, y_gen = sample(90)
    real_rate = measures.recognition_rate(clf, x_real, y_real)
    assert real_rate > 0.9
    assert measures.recognition_rate(clf, x_gen, y_gen) / real_rate >= ev.MIN_GENRE_RATIO
    shuffled = list(np.roll(y_gen, 1))       # every clip made "for" another genre's request
    assert measures.recognition_rate(clf, x_gen, shuffled) / real_rate < ev.MIN_GENRE_RATIO


def test_gate_names_every_failure():
    results = {
        "realism": {"model": {"c2st_auc": 0.8}, "markov": {"c2st_auc": 0.7}},
        "controls": {"model": {"bars": 0.99, "tempo": 1.0, "time_signature": 1.0,
                               "density_rank_corr": 0.2}},
        "genre_ratio": 0.5, "copy_rates": {"model": 0.3, "real_b": 0.01},
    }
    passed, why = ev.gate(results)
    assert not passed
    text = " ".join(why)
    for word in ("realism", "bars", "density", "genre", "originality"):
        assert word in text
    results.update(realism={"model": {"c2st_auc": 0.6}, "markov": {"c2st_auc": 0.7}},
                   controls={"model": {"bars": 1.0, "tempo": 1.0, "time_signature": 1.0,
                                       "density_rank_corr": 0.7}},
                   genre_ratio=0.95, copy_rates={"model": 0.03, "real_b": 0.01})
    assert ev.gate(results) == (True, [])
    # where a role reports several classifiers the gate names the harder one it judged by
    results["realism"]["model"] |= {"c2st_auc": 0.9, "c2st_classifier": "boosting"}
    assert "(boosting)" in ev.gate(results)[1][0]


def test_served_chord_following_may_trail_markov_only_towards_the_real_lines():
    """As served, a model under Markov on a following measure fails, unless it is nearer the
    real lines (real basses tie the root over a bar line: 0.875 of their downbeats struck)."""
    base = {"realism": {"model": {"c2st_auc": 0.6}, "markov": {"c2st_auc": 0.7}},
            "controls": {"model": {"bars": 1.0, "tempo": 1.0, "time_signature": 1.0,
                                   "density_rank_corr": 0.7}},
            "genre_ratio": 0.95, "copy_rates": {"model": 0.03, "real_b": 0.01}}
    follow = {"real_a": {"downbeat_roots": 0.875}, "markov": {"downbeat_roots": 0.97},
              "model": {"downbeat_roots": 0.95}}
    assert ev.gate({**base, "chord_following": follow}) == (True, [])
    follow["model"]["downbeat_roots"] = 0.70          # below Markov and further from real
    passed, why = ev.gate({**base, "chord_following": follow})
    assert not passed and "downbeat_roots 0.700 below Markov" in why[0]
    del follow["real_a"]                              # no real reference: Markov is the bar
    follow["model"]["downbeat_roots"] = 0.95
    assert not ev.gate({**base, "chord_following": follow})[0]


@pytest.fixture(scope="module")
def varied_run(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A tiny model trained (and evaluated by run_training) on grooves that differ per file."""
    base = tmp_path_factory.mktemp("varied")
    gmd = make_gmd_dir(base / "gmd", {"train": 12, "validation": 30}, beat=varied_beat)
    cfg = tiny_training_config(gmd, base / "models", base / "user")
    (base / "config.json").write_text(json.dumps(cfg))
    assert run_training(["--config", str(base / "config.json")]) == 0
    return base / "config.json", base / "models" / "checkpoints" / "drums" / "1.0.0", gmd


def test_training_records_the_evaluation_and_the_verdict(varied_run):
    _, ckpt, _ = varied_run
    manifest = json.loads((ckpt / "manifest.json").read_text())
    assert isinstance(manifest["promoted"], bool)
    e = manifest["evaluation"]
    assert e["passed"] == manifest["promoted"] and (e["passed"] or e["gate_failures"])
    assert e["clips"]["real_a"] >= 10 and e["clips"]["real_b"] >= 10
    assert e["controls"]["bars"] == e["controls"]["tempo"] == e["controls"]["time_signature"] == 1
    assert e["copy_rates"]["copy"] > 0.9           # copies of training clips are caught
    assert e["copy_rates"]["real_b"] < 0.2         # held-out grooves are not copies
    for name in ("drums.md", "drums.json", "drums-features.png"):
        assert (ckpt / "evaluation" / name).stat().st_size > 0
    # the report's numbers are the manifest's
    report = json.loads((ckpt / "evaluation" / "drums.json").read_text())
    assert report["realism"]["model"]["c2st_auc"] == pytest.approx(e["c2st_auc"]["model"])


def test_evaluation_takes_any_folder_of_midi(varied_run, tmp_path):
    cfg_path, ckpt, gmd = varied_run
    ref = tmp_path / "ref" / "funk"            # the folder's name is the genre
    ref.mkdir(parents=True)
    for i, f in enumerate(sorted((gmd / "drummer1" / "session1").glob("validation*_beat_*.mid"))):
        shutil.copy(f, ref / f"{i}.mid")
    out = tmp_path / "report"
    assert evaluate_command.main(["--config", str(cfg_path), "--checkpoint", str(ckpt), "--reference",
                    str(tmp_path / "ref"), "--out", str(out)]) == 0
    results = json.loads((out / "drums.json").read_text())
    assert results["reference"] == str(tmp_path / "ref")
    assert results["conditions"]["genres"] == ["funk"]
    assert results["clips"]["real_a"] + results["clips"]["real_b"] == 30
    model = results["realism"]["model"]
    assert 0.0 <= model["c2st_auc"] <= 1.0
    # both classifiers reported, the gate's AUC is the harder one's
    by = model["c2st_by_classifier"]
    assert set(by) == {"linear", "boosting"}
    assert model["c2st_auc"] == max(a["auc"] for a in by.values()) == by[model["c2st_classifier"]]["auc"]
    # the structure table: real beside generated, per genre
    funk = results["structure"]["by_genre"]["funk"]
    assert {"real_a", "real_b", "model", "markov"} <= set(funk)
    assert 0.0 <= funk["model"]["loop_repetition"] <= 1.0 and funk["real_a"]["kick_per_bar"] > 0
    text = (out / "drums.md").read_text()
    assert "Promotion gate" in text and "Structure per genre" in text and "boosting" in text


def test_slices_never_share_a_source_file():
    clips = [(f"file{i // 3}", i) for i in range(300)]
    a, b = slices(clips, lambda c: c[0], seed=0, max_clips=1000)
    assert a and b and not {c[0] for c in a} & {c[0] for c in b}
    assert len(a) + len(b) == 300


def test_service_serves_the_newest_promoted_version(varied_run, tmp_path):
    from app.services.models import ModelBank

    _, ckpt, _ = varied_run
    models = tmp_path / "models"
    shutil.copytree(ckpt.parents[2], models)
    registry = Registry(models)
    first = registry.checkpoints("drums")[0]
    Registry.record_evaluation(first, {"passed": True}, promoted=True)
    newer = registry.publish("drums", {n: (first.path / n).read_bytes()
                                       for n in first.manifest["files"]}, {})
    bank = ModelBank(models)
    bank.load_all()
    assert newer.version == "1.1.0" and bank.get("drums").version == "1.0.0"
    Registry.record_evaluation(registry.checkpoints("drums")[0], {"passed": True}, promoted=True)
    bank = ModelBank(models)
    bank.load_all()
    assert bank.get("drums").version == "1.1.0"


def test_role_limits_hold_drums_to_no_regression_genre_loops_and_pairs():
    results = {
        "realism": {"model": {"c2st_auc": 0.72, "c2st_classifier": "boosting"},
                    "previous": {"c2st_auc": 0.79}, "markov": {"c2st_auc": 0.99}},
        "controls": {"model": {"bars": 1.0, "tempo": 1.0, "time_signature": 1.0,
                               "density_rank_corr": 0.8}},
        "genre_ratio": 0.95, "copy_rates": {"model": 0.0, "real_b": 0.01},
        "gate_limits": {"no_worse_than_previous": True, "min_genre_ratio": 0.9,
                        "min_loop_repetition": 0.8, "min_pair_auc": 0.9},
        "programmed": {"by_genre": {"trap": {"model": {"loop_repetition": 0.9}}},
                       "pairs": {"drill/trap": 0.95}},
    }
    assert ev.gate(results) == (True, [])
    results["realism"]["previous"]["c2st_auc"] = 0.70
    results["genre_ratio"] = 0.85
    results["programmed"]["by_genre"]["trap"]["model"]["loop_repetition"] = 0.5
    results["programmed"]["pairs"]["drill/trap"] = 0.6
    why = " ".join(ev.gate(results)[1])
    for words in ("worse than the previous", "genre: recognised 0.85", "trap loop repetition 0.50",
                  "drill/trap told apart with AUC 0.600"):
        assert words in why, why
