"""The step-sequence model: the numpy decoder matches PyTorch, and the Markov baseline samples."""

import numpy as np
import torch
from safetensors.torch import save

from beatengine.roles.lines import vocab as LV
from beatengine.roles.melody import vocab as MV
from beatengine.seq.config import SeqModelConfig
from beatengine.seq.decoder import Conditions, SeqDecoder
from beatengine.seq.markov import MarkovSeq
from beatengine.seq.model import SeqModel, seq_loss


def tiny(role: str = "melody") -> SeqModel:
    torch.manual_seed(0)
    cfg = SeqModelConfig(role=role, vocab_size=MV.VOCAB.size, num_positions=LV.NUM_POSITIONS,
                         step_features=MV.FEATURES, seq_features=1, hidden=16, layers=2,
                         emb=8, dropout=0.0)
    return SeqModel(cfg).eval()


def test_numpy_decoder_matches_pytorch():
    model = tiny()
    rng = np.random.default_rng(0)
    T = 32
    tokens = rng.integers(0, model.cfg.vocab_size, size=(2, T))
    pos = LV.positions("4/4", 2)
    step = rng.random((T, MV.FEATURES)).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(tokens), torch.from_numpy(pos)[None].repeat(2, 1),
                    torch.from_numpy(step)[None].repeat(2, 1, 1), torch.tensor([3, 3]),
                    torch.tensor([1, 1]), torch.tensor([[0.7], [0.7]])).numpy()
    weights = {k: v.numpy() for k, v in model.state_dict().items()}
    decoder = SeqDecoder(weights, model.cfg)
    cond = Conditions(3, 1, np.array([0.7], np.float32), pos, step)
    out, logits = decoder.decode(cond, 2, rng, forced=tokens)
    assert (out == tokens).all()
    np.testing.assert_allclose(logits, ref, atol=1e-4)


def test_loss_ignores_padding_and_serialises():
    model = tiny()
    tgt = torch.full((1, 16), -1)
    tgt[0, :8] = 3
    logits = model(tgt, torch.zeros(1, 16, dtype=torch.long), torch.zeros(1, 16, MV.FEATURES),
                   torch.tensor([0]), torch.tensor([0]), torch.zeros(1, 1))
    loss = seq_loss(logits, tgt)
    assert torch.isfinite(loss) and 2.0 < float(loss) < 6.0          # ~ln(50) untrained
    assert len(save(model.state_dict())) > 1000
    assert SeqModelConfig.from_json(model.cfg.to_json()) == model.cfg


def test_markov_learns_a_repeating_line():
    line = np.tile([2, 1, 5, 1], 8)[None]                            # (1, 32)
    pos = np.arange(32)[None] % 16
    m = MarkovSeq(MV.VOCAB.size).fit(np.repeat(line, 5, 0), np.repeat(pos, 5, 0), np.zeros(5, int))
    out = m.sample(0, pos[0], np.random.default_rng(0), temperature=0.5)
    assert (out == line[0]).mean() > 0.9
    assert m.nll(line, pos, np.zeros(1, int)) < 0.5
