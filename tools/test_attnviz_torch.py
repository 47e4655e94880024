#!/usr/bin/python3
"""Self-tests of the PyTorch reference (not part of ctest: PyTorch is not a test dependency).

    /usr/bin/python3 tools/test_attnviz_torch.py

Checks that the torch.nn modules used by tools/attnviz_torch.py compute exactly the equations of SPEC §2–§3
(written out here by hand in numpy), that the state_dict → attnviz name mapping and the shape checks work,
that CBOR round-trips, and that pytorch_to_attnviz.py rejects bad input with exit status 2.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import attnviz_cbor  # noqa: E402
import attnviz_torch as at  # noqa: E402

TOL = 1e-12


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


class Cells(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.H, self.I = 3, 4
        self.x, self.h, self.c = np.random.RandomState(1).randn(3, 4), np.random.RandomState(2).randn(3), \
            np.random.RandomState(3).randn(3)

    def params(self, rnn):
        return [p.detach().numpy() for p in (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)]

    def test_gru_matches_spec(self):
        # SPEC §3: gates [r; z; n]; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h
        rnn = at.make_rnn("gru", self.I, self.H).double()
        Wi, Wh, bi, bh = self.params(rnn)
        H = self.H
        h = self.h.copy()
        for x in self.x:
            gi, gh = Wi @ x + bi, Wh @ h + bh
            r, z = sig(gi[:H] + gh[:H]), sig(gi[H:2 * H] + gh[H:2 * H])
            n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
            h = (1 - z) * n + z * h
        out, hn = rnn(torch.tensor(self.x).unsqueeze(1), torch.tensor(self.h).view(1, 1, -1))
        self.assertLess(np.abs(hn.detach().numpy().ravel() - h).max(), TOL)

    def test_lstm_matches_spec(self):
        # SPEC §3: gates [i; f; g; o]; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')
        rnn = at.make_rnn("lstm", self.I, self.H).double()
        Wi, Wh, bi, bh = self.params(rnn)
        H = self.H
        h, c = self.h.copy(), self.c.copy()
        for x in self.x:
            g = Wi @ x + bi + Wh @ h + bh
            i, f, gg, o = sig(g[:H]), sig(g[H:2 * H]), np.tanh(g[2 * H:3 * H]), sig(g[3 * H:])
            c = f * c + i * gg
            h = o * np.tanh(c)
        _, (hn, cn) = rnn(torch.tensor(self.x).unsqueeze(1),
                          (torch.tensor(self.h).view(1, 1, -1), torch.tensor(self.c).view(1, 1, -1)))
        self.assertLess(np.abs(hn.detach().numpy().ravel() - h).max(), TOL)
        self.assertLess(np.abs(cn.detach().numpy().ravel() - c).max(), TOL)

    def test_bidirectional_output_is_forward_then_backward(self):
        # Bahdanau annotation h̄_j = [→h_j; ←h_j]; h_n[1] = ←h_1 (the backward RNN's output at position 1)
        rnn = at.make_rnn("gru", self.I, self.H, 1, True).double()
        out, hn = rnn(torch.tensor(self.x).unsqueeze(1))
        self.assertLess((out[0, 0, self.H:] - hn[1, 0]).abs().max().item(), TOL)
        self.assertLess((out[-1, 0, :self.H] - hn[0, 0]).abs().max().item(), TOL)


class Scores(unittest.TestCase):
    def test_every_score_matches_spec(self):
        rs = np.random.RandomState(4)
        dq, dk, n, da, ml = 3, 3, 4, 2, 6
        s, Hk = rs.randn(dq), rs.randn(n, dk)
        for kind in at.SCORES:
            sc = at.Score(kind, dq, dk, da, ml, bias=True).double()
            with torch.no_grad():
                for p in sc.parameters():
                    p.copy_(torch.tensor(rs.randn(*p.shape)))
            e = sc(torch.tensor(s), torch.tensor(Hk)).detach().numpy()
            if kind == "dot":
                ref = Hk @ s
            elif kind == "scaled_dot":
                ref = Hk @ s / np.sqrt(dk)
            elif kind == "general":
                W = sc.W.weight.detach().numpy()
                ref = np.array([s @ W @ h for h in Hk])
            elif kind == "additive":
                Wq, Wk = sc.W_q.weight.detach().numpy(), sc.W_k.weight.detach().numpy()
                v, b = sc.v.weight.detach().numpy().ravel(), sc.b.detach().numpy()
                ref = np.array([v @ np.tanh(Wq @ s + Wk @ h + b) for h in Hk])
            elif kind == "cosine":
                ref = np.array([s @ h / (np.linalg.norm(s) * np.linalg.norm(h)) for h in Hk])
            else:
                ref = (sc.W_loc.weight.detach().numpy() @ s + sc.W_loc.bias.detach().numpy())[:n]
            self.assertLess(np.abs(e - ref).max(), TOL, kind)

    def test_textbook_example(self):
        # SPEC §1: s = [10, 5, 10], dot scores 15, 60, 15, 35, context ≈ [5, 0, 1]
        H = torch.tensor([[0, 1, 1], [5, 0, 1], [1, 1, 0], [0, 5, 1]], dtype=torch.double)
        r = at.attend(at.Score("dot", 3, 3), torch.tensor([10, 5, 10], dtype=torch.double), H)
        self.assertEqual(r["scores"].tolist(), [15, 60, 15, 35])
        self.assertLess((r["context"] - torch.tensor([5.0, 0, 1])).abs().max().item(), 1e-10)


class Names(unittest.TestCase):
    def test_mapping(self):
        cases = {"encoder.embedding.weight": "encoder.embedding", "decoder.rnn.weight_ih_l1": "decoder.l1.weight_ih",
                 "encoder.gru.bias_hh_l0_reverse": "encoder.l0_reverse.bias_hh",
                 "encoder.rnns.3.weight_hh_l0": "encoder.l3.weight_hh",
                 "encoder.rnns.0.weight_ih_l0_reverse": "encoder.l0_reverse.weight_ih",
                 "attention.v.weight": "attention.v", "attention.W_loc.bias": "attention.b_loc",
                 "attention.b": "attention.b", "combine.weight": "combine.weight", "out.bias": "out.bias",
                 "encoder.l0.weight_ih": "encoder.l0.weight_ih"}
        for k, v in cases.items():
            self.assertEqual(at.attnviz_name(k), v)

    def test_every_preset_state_dict_maps_onto_expected_shapes(self):
        for arch, extra in (("seq2seq", {}), ("seq2seq_attention", {}), ("bahdanau", {"attention_size": 3}),
                            ("luong", {"score": "location"}), ("gnmt", {"layers": 3, "attention_size": 2})):
            cfg = at.effective_config(arch, dict({"hidden_size": 3, "embedding_size": 2, "max_len": 5}, **extra))
            m = at.Model(arch, cfg, 7, 8, attention_bias=True)
            w = at.to_attnviz_weights(m.state_dict(), arch, cfg, 7, 8)
            req, opt = at.expected_shapes(arch, cfg, 7, 8)
            self.assertEqual(set(req) - set(w), set(), arch)
            for name, t in w.items():
                self.assertEqual(tuple(t.shape), req.get(name, opt.get(name)), name)

    def test_wrong_shape_and_missing_weight_are_named(self):
        cfg = at.effective_config("luong", {"hidden_size": 3, "embedding_size": 2})
        sd = at.Model("luong", cfg, 7, 8).state_dict()
        bad = dict(sd)
        bad["combine.weight"] = torch.zeros(3, 5)
        with self.assertRaisesRegex(at.ConfigError, r"combine.weight.*\[3, 6\].*\[3, 5\]"):
            at.to_attnviz_weights(bad, "luong", cfg, 7, 8)
        del bad["combine.weight"]
        with self.assertRaisesRegex(at.ConfigError, "missing weight combine.weight"):
            at.to_attnviz_weights(bad, "luong", cfg, 7, 8)

    def test_bad_configs(self):
        for arch, cfg in (("nope", {}), ("bahdanau", {"score": "dot"}), ("luong", {"cell": "rnn"}),
                          ("luong", {"score": "additive"})):
            with self.assertRaises(at.ConfigError):
                at.effective_config(arch, dict({"hidden_size": 3, "embedding_size": 2}, **cfg))


class Files(unittest.TestCase):
    def test_cbor_round_trip(self):
        doc = {"a": [1, -2, 3.5, 1e-300, None, True, False], "s": "é ü", "big": 2 ** 40, "neg": -300,
               "nested": {"x": [[0.1, 0.2], []]}}
        self.assertEqual(attnviz_cbor.loads(attnviz_cbor.dumps(doc)), doc)

    def test_converter_exit_status(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = {"hidden_size": 3, "embedding_size": 2, "layers": 1}
            m = at.Model("seq2seq", at.effective_config("seq2seq", cfg), 5, 5)
            torch.save(m.state_dict(), os.path.join(d, "m.pt"))
            vocab = os.path.join(d, "v.json")
            with open(vocab, "w") as f:
                json.dump(list(at.SPECIALS) + ["x"], f)
            base = [sys.executable, os.path.join(HERE, "pytorch_to_attnviz.py"), os.path.join(d, "m.pt"),
                    "--arch", "seq2seq", "--src-vocab", vocab, "--tgt-vocab", vocab, "-o", os.path.join(d, "o.cbor")]
            ok = subprocess.run(base + ["--config", json.dumps(cfg), "--sentence", "x y"], capture_output=True, text=True)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            doc = at.load_document(os.path.join(d, "o.cbor"))
            self.assertEqual(doc["weights"]["encoder.l0.weight_ih"]["shape"], [12, 2])
            bad = subprocess.run(base + ["--config", json.dumps(dict(cfg, hidden_size=4))], capture_output=True, text=True)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("expected shape", bad.stderr)


if __name__ == "__main__":
    unittest.main()
