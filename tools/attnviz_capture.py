#!/usr/bin/python3
"""Capture a PyTorch encoder-decoder's hidden states for AttnViz (SPEC §5 "Hidden states from numerical tools").

Forward hooks on your encoder and decoder modules record their outputs while your own code runs the
model; save() writes an .npz (or an attnviz-example .json) that `attnviz attend FILE --score ID` and the
window open:

    from attnviz_capture import Capture
    cap = Capture(encoder=model.encoder_rnn, decoder=model.decoder_rnn)
    with cap:                      # hooks are removed on exit
        model(src, tgt)            # teacher forcing, or your own greedy loop (one decoder call per step)
    cap.save("states.npz", source_tokens=src_words, target_tokens=tgt_words, W=model.attn.weight)

What is recorded: the module's output (the first element when it returns a tuple, as nn.GRU / nn.LSTM
do), batch element `batch_index` (default 0; `batch_first` is read from the module), as rows: encoder_states
(n × dk) from the last encoder call, decoder_states (m × dq) from all decoder calls since the capture began,
concatenated in call order. Extra arrays given to save() (score parameters W, W_q, W_k, v, b, W_loc, b_loc)
are written as they are (a torch Parameter or tensor is detached and moved to the CPU).

Demo (the 20-line nn.GRU encoder-decoder below, Luong "general" attention, random weights):
    /usr/bin/python3 tools/attnviz_capture.py --demo states.npz
    attnviz attend states.npz --score general
"""

import argparse
import json
import sys

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # the module can still be imported for its docs; Capture needs torch
    torch = None
    nn = None


def _rows(module, out, batch_index):
    """The module output as (steps × features) rows of one batch element."""
    if isinstance(out, (tuple, list)):
        out = out[0]
    if hasattr(out, "last_hidden_state"):  # Hugging Face model outputs
        out = out.last_hidden_state
    t = out.detach().to("cpu", torch.float64)
    if t.dim() == 3:
        t = t[batch_index] if getattr(module, "batch_first", True) else t[:, batch_index]
    elif t.dim() == 1:
        t = t.unsqueeze(0)
    elif t.dim() != 2:
        raise ValueError(f"expected an output of 1 to 3 dimensions, found shape {tuple(t.shape)}")
    return t.numpy()


class Capture:
    """Forward hooks recording encoder and decoder outputs (see the module docstring)."""

    def __init__(self, encoder, decoder, batch_index=0):
        if torch is None:
            raise RuntimeError("attnviz_capture needs PyTorch (pip install torch, or apt-get install python3-torch)")
        self.encoder, self.decoder, self.batch_index = encoder, decoder, batch_index
        self.encoder_states, self.decoder_steps, self._handles = None, [], []

    def __enter__(self):
        self.encoder_states, self.decoder_steps = None, []
        self._handles = [self.encoder.register_forward_hook(self._on_encoder),
                         self.decoder.register_forward_hook(self._on_decoder)]
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles = []
        return False

    def _on_encoder(self, module, inputs, out):
        self.encoder_states = _rows(module, out, self.batch_index)

    def _on_decoder(self, module, inputs, out):
        self.decoder_steps.append(_rows(module, out, self.batch_index))

    def arrays(self, **params):
        if self.encoder_states is None or not self.decoder_steps:
            raise RuntimeError("nothing captured: run the model inside `with capture:`")
        out = {"encoder_states": self.encoder_states, "decoder_states": np.concatenate(self.decoder_steps, axis=0)}
        for k, v in params.items():
            out[k] = v.detach().to("cpu", torch.float64).numpy() if torch is not None and isinstance(v, torch.Tensor) else np.asarray(v, dtype=np.float64)
        return out

    def save(self, path, source_tokens=None, target_tokens=None, title=None, score="dot", **params):
        """Writes .npz (arrays named as AttnViz reads them) or, for a .json path, an attnviz-example."""
        a = self.arrays(**params)
        if source_tokens is not None and len(source_tokens) != len(a["encoder_states"]):
            raise ValueError(f"{len(source_tokens)} source tokens for {len(a['encoder_states'])} encoder states")
        if target_tokens is not None and len(target_tokens) != len(a["decoder_states"]):
            raise ValueError(f"{len(target_tokens)} target tokens for {len(a['decoder_states'])} decoder states")
        if path.endswith(".json"):
            doc = {"format": "attnviz-example", "version": 1}
            if title:
                doc["title"] = title
            if source_tokens is not None:
                doc["source_tokens"] = list(source_tokens)
            if target_tokens is not None:
                doc["target_tokens"] = list(target_tokens)
            doc["encoder_states"] = a.pop("encoder_states").tolist()
            doc["decoder_states"] = a.pop("decoder_states").tolist()
            if a:
                doc["parameters"] = {k: v.tolist() for k, v in a.items()}
            doc["score"] = score
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            return
        if source_tokens is not None:
            a["source_tokens"] = np.array(list(source_tokens))
        if target_tokens is not None:
            a["target_tokens"] = np.array(list(target_tokens))
        np.savez(path, **a)


# --- The demo: a 20-line GRU encoder-decoder with Luong "general" attention (SPEC §2: score = sᵀ W h_j). ---
if nn is not None:
    class TinyGRUSeq2Seq(nn.Module):
        def __init__(self, src_vocab, tgt_vocab, hidden=8):
            super().__init__()
            self.src_emb = nn.Embedding(src_vocab, hidden)
            self.tgt_emb = nn.Embedding(tgt_vocab, hidden)
            self.encoder = nn.GRU(hidden, hidden, batch_first=True)
            self.decoder = nn.GRU(hidden, hidden, batch_first=True)
            self.W = nn.Linear(hidden, hidden, bias=False)      # W (dq × dk)
            self.out = nn.Linear(2 * hidden, tgt_vocab)

        def forward(self, src, tgt):                            # src (1, n), tgt (1, m) token ids
            H, h = self.encoder(self.src_emb(src))              # H (1, n, d)
            S, _ = self.decoder(self.tgt_emb(tgt), h)           # S (1, m, d), teacher forcing
            scores = S @ self.W(H).transpose(1, 2)              # (1, m, n): s_t · (W h_j)
            weights = torch.softmax(scores, dim=-1)
            context = weights @ H                               # (1, m, d)
            return self.out(torch.cat([S, context], -1)), weights, context


def demo(path):
    """Runs the tiny GRU model on one sentence pair and saves what AttnViz needs; returns (weights, context)."""
    torch.manual_seed(0)
    src_words, tgt_words = ["I", "am", "a", "student"], ["je", "suis", "étudiant"]
    model = TinyGRUSeq2Seq(len(src_words), len(tgt_words)).double().eval()
    src, tgt = torch.arange(len(src_words)).unsqueeze(0), torch.arange(len(tgt_words)).unsqueeze(0)
    cap = Capture(encoder=model.encoder, decoder=model.decoder)
    with cap, torch.no_grad():
        _, weights, context = model(src, tgt)
    cap.save(path, source_tokens=src_words, target_tokens=tgt_words, W=model.W.weight, score="general",
             title="Tiny GRU encoder-decoder (attnviz_capture demo)")
    return weights[0].numpy(), context[0].numpy()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", metavar="OUT", required=True, help="write the demo model's states to OUT (.npz or .json)")
    args = p.parse_args(argv)
    if torch is None:
        print("attnviz_capture: PyTorch is not installed", file=sys.stderr)
        return 2
    demo(args.demo)
    print(f"wrote {args.demo}; now: attnviz attend {args.demo} --score general")
    return 0


if __name__ == "__main__":
    sys.exit(main())
