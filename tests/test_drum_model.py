"""The drum model: the numpy decoder matches PyTorch, and sampling is seeded and constrained."""

import numpy as np
import torch

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.config import DrumModelConfig
from beatengine.roles.drums.decoder import DrumDecoder
from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.model import DrumModel, drum_loss


def _tiny(active=None) -> tuple[DrumModel, DrumModelConfig]:
    torch.manual_seed(0)
    cfg = DrumModelConfig(hidden=32, emb=16, detail=8, active_tokens=active or [])
    return DrumModel(cfg).eval(), cfg


def _weights(model: DrumModel) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in model.state_dict().items()}


def test_numpy_decoder_matches_torch_logits_along_a_path():
    active = sorted(set(range(0, 1024, 7)) | {0})
    model, cfg = _tiny(active)
    dec = DrumDecoder(_weights(model), cfg)
    pos = np.array([V.position_id(0, t % 16, t // 16 == 1, t // 16) for t in range(32)])
    path = dec.decode(2, 97.0, 0.3, pos, 3, np.random.default_rng(1)).tokens
    assert set(np.unique(path)) <= set(active)
    res = dec.decode(2, 97.0, 0.3, pos, 3, np.random.default_rng(1), forced=path)
    with torch.no_grad():
        out = [x.numpy() for x in model(torch.tensor(path), torch.tensor(np.tile(pos, (3, 1))),
                                        torch.tensor([2, 2, 2]), torch.tensor([97.0] * 3),
                                        torch.tensor([0.3] * 3))]
    np.testing.assert_allclose(out[0][:, :, active], res.logits, atol=1e-4)
    for ours, theirs in zip(dec.detail_logits(res.hidden, path), out[1:], strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-4)        # velocity, offset, roll


def test_config_round_trips_through_json():
    cfg = DrumModelConfig(hidden=40, density_quantiles={"rock": [1.0, 2.0]}, active_tokens=[0, 3])
    assert DrumModelConfig.from_json(cfg.to_json()) == cfg


def test_loss_ignores_padding():
    model, _ = _tiny()
    tgt = torch.randint(0, 1024, (2, 16))
    tgt[1, 8:] = -1
    out = model(tgt, torch.zeros_like(tgt), torch.tensor([0, 1]), torch.tensor([120.0, 90.0]),
                torch.tensor([0.5, 0.5]))
    vel = torch.full((2, 16, V.NUM_PIECES), -1)
    total, nll = drum_loss(out, tgt, vel, vel.clone(), torch.full((2, 16), -1))
    assert torch.isfinite(total) and 5.0 < float(nll) < 8.0       # ~ln(1024) untrained


def test_generation_is_seeded_and_fills_exact_bars():
    model, cfg = _tiny()
    gen = DrumGenerator(_weights(model), cfg)
    p = DrumParams(genre="house", bpm=124, bars=3, time_signature="3/4", seed=5, variations=2,
                   fills=2)
    a, b = gen.generate(p), gen.generate(p)
    assert [v.notes for v in a] == [v.notes for v in b]
    assert a[0].notes != a[1].notes
    assert a[0].grid.n_steps == 36 and a[0].grid.fill_bars.tolist() == [False, True, False]
    assert all(0 <= n.start < 9 for v in a for n in v.notes)
    c = gen.generate(DrumParams(**{**p.__dict__, "seed": 6}))
    assert [v.notes for v in c] != [v.notes for v in a]


def test_excluded_pieces_never_play():
    model, cfg = _tiny()
    gen = DrumGenerator(_weights(model), cfg)
    out = gen.generate(DrumParams(genre="rock", bpm=120, bars=4, seed=1, variations=4,
                                  exclude=["crash", "closed_hh"]))
    played = {n.pitch for v in out for n in v.notes}
    assert played and not played & {49, 42}


def test_four_on_the_floor_is_a_required_hit_for_house():
    model, cfg = _tiny()
    gen = DrumGenerator(_weights(model), cfg)

    def beats_with_kick(genre: str) -> float:
        out = gen.generate(DrumParams(genre=genre, bpm=124, bars=4, seed=3, variations=8,
                                      fills=4, humanize=0.0))
        hits = np.stack([v.grid.hits[:, V.KICK].reshape(4, 16) for v in out])  # (B, bars, 16)
        assert (out[0].grid.fill_bars == [False, False, False, True]).all()
        return float(hits[:, :3, ::4].mean())             # beats of the non-fill bars
    assert beats_with_kick("house") > 0.9 > beats_with_kick("rock")
