"""Reference PyTorch implementations of the five AttnViz presets (SPEC §3–§4, core/model/model_conventions.md),
built from torch.nn modules (nn.Embedding, nn.GRU / nn.LSTM, nn.Linear), greedy and beam decoding with the
attnviz trace, and the attnviz-model writer/reader.

Every module is named so that its state_dict maps onto attnviz weight names by `attnviz_name()`:
  encoder.embedding.weight                 -> encoder.embedding        (nn.Embedding, V_s × E)
  decoder.embedding.weight                 -> decoder.embedding        (V_t × E)
  {encoder,decoder}.rnn.weight_ih_l{k}     -> {encoder,decoder}.l{k}.weight_ih   (multi-layer nn.GRU/nn.LSTM;
  {encoder,decoder}.rnn.weight_ih_l{k}_reverse -> ….l{k}_reverse.weight_ih        also weight_hh, bias_ih, bias_hh;
                                                                                  "gru"/"lstm" accepted for "rnn")
  {encoder,decoder}.rnns.{k}.weight_ih_l0[_reverse] -> ….l{k}[_reverse].weight_ih  (one nn.LSTM per layer: gnmt)
  attention.{W,W_q,W_k,W_loc}.weight       -> attention.{W,W_q,W_k,W_loc}  (nn.Linear(dk, dq) etc., no bias)
  attention.v.weight (1 × da)              -> attention.v (da)
  attention.b                              -> attention.b  (nn.Parameter, additive bias, optional)
  attention.W_loc.bias                     -> attention.b_loc (optional)
  bridge.weight/bias, combine.weight, out.weight/bias -> unchanged
Keys that already are attnviz names pass through unchanged.

The document I/O (JSON/CBOR) lives in attnviz_files.py and is re-exported here.
Run with Debian's /usr/bin/python3 (python3-torch). Everything is computed in torch.double.
"""

import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

from attnviz_files import dumps_readable, load_document, save_document, tensor_json  # noqa: F401 (re-exported)

SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
PRESETS = ("seq2seq", "seq2seq_attention", "bahdanau", "luong", "gnmt")
SCORES = ("dot", "scaled_dot", "general", "additive", "cosine", "location")
PRESET_DEFAULTS = {
    "seq2seq": {"cell": "lstm", "layers": 1, "score": None},
    "seq2seq_attention": {"cell": "lstm", "layers": 1, "score": "dot"},
    "bahdanau": {"cell": "gru", "layers": 1, "score": "additive"},
    "luong": {"cell": "lstm", "layers": 2, "score": "general", "input_feeding": True},
    "gnmt": {"cell": "lstm", "layers": 8, "score": "additive"},
}


class ConfigError(ValueError):
    pass


def effective_config(arch, config):
    """The preset defaults filled in (model_conventions.md); raises ConfigError on a bad combination."""
    if arch not in PRESETS:
        raise ConfigError("unknown architecture %r (expected one of %s)" % (arch, ", ".join(PRESETS)))
    cfg = dict(PRESET_DEFAULTS[arch])
    cfg.update({"max_len": 50, "lowercase": False})
    cfg.update({k: v for k, v in config.items() if v is not None or k == "score"})
    if cfg.get("score") is None and arch != "seq2seq":
        cfg["score"] = PRESET_DEFAULTS[arch]["score"]
    if cfg["score"] == "concat":
        cfg["score"] = "additive"
    for key in ("hidden_size", "embedding_size"):
        if not isinstance(cfg.get(key), int) or cfg[key] < 1:
            raise ConfigError("config %r: expected a positive integer, found %r" % (key, cfg.get(key)))
    if cfg["cell"] not in ("gru", "lstm"):
        raise ConfigError("config 'cell': expected 'gru' or 'lstm', found %r" % cfg["cell"])
    if arch == "seq2seq":
        cfg["score"] = None
    elif cfg["score"] not in SCORES:
        raise ConfigError("config 'score': expected one of %s, found %r" % (", ".join(SCORES), cfg["score"]))
    if cfg.get("score") == "additive" and not isinstance(cfg.get("attention_size"), int):
        raise ConfigError("config 'attention_size': the additive score needs a positive integer da")
    if arch in ("seq2seq_attention", "bahdanau") and cfg["layers"] != 1:
        raise ConfigError("%s has exactly 1 layer, found layers = %r" % (arch, cfg["layers"]))
    if arch == "bahdanau" and cfg["cell"] != "gru":
        raise ConfigError("bahdanau: the reference implementation supports only cell 'gru'")
    if arch == "gnmt" and (cfg["cell"] != "lstm" or cfg["layers"] < 2):
        raise ConfigError("gnmt needs cell 'lstm' and at least 2 layers")
    if cfg["score"] in ("dot", "scaled_dot", "cosine") and arch == "bahdanau":
        raise ConfigError("score %r needs dq = dk, found dq = H and dk = 2H (bahdanau)" % cfg["score"])
    if arch != "luong":
        cfg.pop("input_feeding", None)
    if cfg.get("score") != "additive":
        cfg.pop("attention_size", None)
    return cfg


# ---------------------------------------------------------------------------------------------------------
# Weight names and shapes

def _rnn_shapes(prefix, G, H, I):
    return {prefix + ".weight_ih": (G * H, I), prefix + ".weight_hh": (G * H, H),
            prefix + ".bias_ih": (G * H,), prefix + ".bias_hh": (G * H,)}


def _score_shapes(score, dq, dk, cfg):
    """(required, optional) attention parameter shapes for score `score` (SPEC §2)."""
    if score == "general":
        return {"attention.W": (dq, dk)}, {}
    if score == "additive":
        da = cfg["attention_size"]
        return ({"attention.W_q": (da, dq), "attention.W_k": (da, dk), "attention.v": (da,)},
                {"attention.b": (da,)})
    if score == "location":
        return {"attention.W_loc": (cfg["max_len"], dq)}, {"attention.b_loc": (cfg["max_len"],)}
    return {}, {}


def expected_shapes(arch, cfg, n_src, n_tgt):
    """(required, optional): dicts attnviz weight name -> shape tuple, for the effective config `cfg`."""
    H, E, L = cfg["hidden_size"], cfg["embedding_size"], cfg["layers"]
    G = 3 if cfg["cell"] == "gru" else 4
    req = {"encoder.embedding": (n_src, E), "decoder.embedding": (n_tgt, E)}
    opt = {}
    if arch in ("seq2seq", "seq2seq_attention", "luong"):
        for k in range(L):
            req.update(_rnn_shapes("encoder.l%d" % k, G, H, E if k == 0 else H))
            dec_in = H
            if k == 0:
                dec_in = E + H if (arch == "luong" and cfg["input_feeding"]) else E
            req.update(_rnn_shapes("decoder.l%d" % k, G, H, dec_in))
        dk = H
        out_in = {"seq2seq": H, "seq2seq_attention": 2 * H, "luong": H}[arch]
        if arch == "luong":
            req["combine.weight"] = (H, 2 * H)
    elif arch == "bahdanau":
        req.update(_rnn_shapes("encoder.l0", G, H, E))
        req.update(_rnn_shapes("encoder.l0_reverse", G, H, E))
        req.update({"bridge.weight": (H, H), "bridge.bias": (H,)})
        req.update(_rnn_shapes("decoder.l0", G, H, E + 2 * H))
        dk, out_in = 2 * H, 3 * H + E
    else:  # gnmt
        req.update(_rnn_shapes("encoder.l0", G, H, E))
        req.update(_rnn_shapes("encoder.l0_reverse", G, H, E))
        for k in range(1, L):
            req.update(_rnn_shapes("encoder.l%d" % k, G, H, 2 * H if k == 1 else H))
        for k in range(L):
            req.update(_rnn_shapes("decoder.l%d" % k, G, H, E + H if k == 0 else 2 * H))
        dk, out_in = H, H
    if cfg.get("score"):
        r, o = _score_shapes(cfg["score"], H, dk, cfg)
        req.update(r)
        opt.update(o)
    req.update({"out.weight": (n_tgt, out_in), "out.bias": (n_tgt,)})
    return req, opt


_RULES = [
    (r"^(encoder|decoder)\.embedding\.weight$", r"\1.embedding"),
    (r"^(encoder|decoder)\.(?:rnn|gru|lstm)\.(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$", r"\1.l\3\4.\2"),
    (r"^(encoder|decoder)\.(?:rnns|layers)\.(\d+)\.(weight_ih|weight_hh|bias_ih|bias_hh)_l0(_reverse)?$", r"\1.l\2\4.\3"),
    (r"^attention\.(W|W_q|W_k|W_loc|v)\.weight$", r"attention.\1"),
    (r"^attention\.W_loc\.bias$", r"attention.b_loc"),
]


def attnviz_name(key):
    """PyTorch state_dict key -> attnviz weight name (unchanged when no rule applies)."""
    for pattern, repl in _RULES:
        if re.match(pattern, key):
            return re.sub(pattern, repl, key)
    return key


def to_attnviz_weights(state_dict, arch, cfg, n_src, n_tgt, renames=()):
    """Maps and checks a state_dict: returns {attnviz name: float64 tensor}. `renames` is a list of
    (regex, replacement) applied to every key first. Raises ConfigError naming the weight on any mismatch."""
    req, opt = expected_shapes(arch, cfg, n_src, n_tgt)
    out = {}
    for key, value in state_dict.items():
        k = key
        for pattern, repl in renames:
            k = re.sub(pattern, repl, k)
        name = attnviz_name(k)
        if name not in req and name not in opt:
            raise ConfigError("state_dict key %r (attnviz name %r) is not a weight of %s with this config"
                              % (key, name, arch))
        if name in out:
            raise ConfigError("two state_dict keys map to %r" % name)
        shape = req.get(name, opt.get(name))
        t = value.detach().to(torch.double).cpu()
        if tuple(t.shape) != shape:
            if len(shape) == 1 and t.numel() == shape[0]:
                t = t.reshape(shape)  # e.g. attention.v.weight (1 × da) -> v (da)
            else:
                raise ConfigError("weight %s (state_dict key %r): expected shape %s, found %s"
                                  % (name, key, list(shape), list(t.shape)))
        out[name] = t
    missing = [n for n in req if n not in out]
    if missing:
        raise ConfigError("missing weight %s (expected shape %s)" % (missing[0], list(req[missing[0]])))
    return out


# ---------------------------------------------------------------------------------------------------------
# Modules

class Score(nn.Module):
    """score(s, h_j) of SPEC §2. forward(s (dq), H (n × dk)) -> e (n)."""

    def __init__(self, kind, dq, dk, da=None, max_len=None, bias=False):
        super().__init__()
        self.kind, self.dk = kind, dk
        if kind == "general":
            self.W = nn.Linear(dk, dq, bias=False)            # W (dq × dk): W h_j
        elif kind == "additive":
            self.W_q = nn.Linear(dq, da, bias=False)          # (da × dq)
            self.W_k = nn.Linear(dk, da, bias=False)          # (da × dk)
            self.v = nn.Linear(da, 1, bias=False)             # v (1 × da)
            self.b = nn.Parameter(torch.zeros(da)) if bias else None
        elif kind == "location":
            self.W_loc = nn.Linear(dq, max_len, bias=bias)    # (max_len × dq), bias = b_loc

    def forward(self, s, H):
        if self.kind == "dot":
            return H @ s                                                      # Luong 2015 eq. 8 "dot"
        if self.kind == "scaled_dot":
            return (H @ s) / math.sqrt(self.dk)                               # Vaswani 2017
        if self.kind == "general":
            return self.W(H) @ s                                              # sᵀ W h_j, Luong eq. 8
        if self.kind == "additive":
            pre = self.W_q(s).unsqueeze(0) + self.W_k(H)                      # (n × da)
            if self.b is not None:
                pre = pre + self.b
            return self.v(torch.tanh(pre)).squeeze(-1)                        # Bahdanau 2015 eq. 6
        if self.kind == "cosine":
            return F.cosine_similarity(s.unsqueeze(0), H, dim=1)              # Graves 2014 content-based
        if self.kind == "location":
            return self.W_loc(s)[: H.shape[0]]                                # Luong eq. 9 (first n rows)
        raise ValueError(self.kind)


def attend(score, s, H):
    """One attention step (SPEC §1): query s (dq), keys H (n × dk) -> dict of the trace fields."""
    e = score(s, H)
    a = torch.softmax(e, dim=0)
    align = a.unsqueeze(1) * H
    return {"query": s, "scores": e, "weights": a, "alignment": align, "context": align.sum(0)}


def make_rnn(cell, I, H, layers=1, bidirectional=False):
    cls = nn.GRU if cell == "gru" else nn.LSTM
    return cls(I, H, num_layers=layers, bidirectional=bidirectional)


def layer_h(state):
    """Per-layer hidden outputs h (not c) of an nn.GRU/nn.LSTM state, bottom first."""
    h = state[0] if isinstance(state, tuple) else state
    return [h[k, 0] for k in range(h.shape[0])]


def _container(**mods):
    m = nn.Module()
    for k, v in mods.items():
        setattr(m, k, v)
    return m


class Model(nn.Module):
    """One reference model for preset `arch`. encode(src ids) -> enc; step(enc, state, y_prev) ->
    (logits (V_t), info, new state) with info = attention fields (if any) + decoder_states."""

    def __init__(self, arch, cfg, n_src, n_tgt, attention_bias=False):
        super().__init__()
        self.arch, self.cfg = arch, cfg
        H, E, L, cell, score = cfg["hidden_size"], cfg["embedding_size"], cfg["layers"], cfg["cell"], cfg["score"]
        da, ml = cfg.get("attention_size"), cfg["max_len"]
        if arch in ("seq2seq", "seq2seq_attention", "luong"):
            feed = arch == "luong" and cfg["input_feeding"]
            self.encoder = _container(embedding=nn.Embedding(n_src, E), rnn=make_rnn(cell, E, H, L))
            self.decoder = _container(embedding=nn.Embedding(n_tgt, E), rnn=make_rnn(cell, E + H if feed else E, H, L))
            dk, out_in = H, {"seq2seq": H, "seq2seq_attention": 2 * H, "luong": H}[arch]
            if arch == "luong":
                self.combine = nn.Linear(2 * H, H, bias=False)
        elif arch == "bahdanau":
            self.encoder = _container(embedding=nn.Embedding(n_src, E), rnn=make_rnn(cell, E, H, 1, True))
            self.bridge = nn.Linear(H, H)
            self.decoder = _container(embedding=nn.Embedding(n_tgt, E), rnn=make_rnn(cell, E + 2 * H, H))
            dk, out_in = 2 * H, 3 * H + E
        else:  # gnmt
            enc = [make_rnn(cell, E, H, 1, True)] + [make_rnn(cell, 2 * H if k == 1 else H, H) for k in range(1, L)]
            dec = [make_rnn(cell, E + H if k == 0 else 2 * H, H) for k in range(L)]
            self.encoder = _container(embedding=nn.Embedding(n_src, E), rnns=nn.ModuleList(enc))
            self.decoder = _container(embedding=nn.Embedding(n_tgt, E), rnns=nn.ModuleList(dec))
            dk, out_in = H, H
        if score:
            self.attention = Score(score, H, dk, da, ml, attention_bias)
        self.out = nn.Linear(out_in, n_tgt)
        self.double()

    def _emb(self, table, ids):
        return table(torch.tensor(ids, dtype=torch.long)).unsqueeze(1)  # (len, 1, E)

    def encode(self, src):
        """src: list of n token ids -> {"keys": (n × dk), "state": initial decoder state}."""
        x = self._emb(self.encoder.embedding, src)
        if self.arch in ("seq2seq", "seq2seq_attention", "luong"):
            outs, final = self.encoder.rnn(x)          # final: encoder final state per layer (h, c for LSTM)
            state = final if self.arch != "luong" else (final, torch.zeros(self.cfg["hidden_size"], dtype=x.dtype))
            return {"keys": outs[:, 0], "state": state}
        if self.arch == "bahdanau":
            outs, h_n = self.encoder.rnn(x)            # outs (n,1,2H) = [→h_j; ←h_j]; h_n[1] = ←h_1
            s0 = torch.tanh(self.bridge(h_n[1, 0]))    # s_0 = tanh(W_bridge ←h_1 + b)
            return {"keys": outs[:, 0], "state": s0.view(1, 1, -1)}
        # gnmt: bidirectional bottom layer, residual from layer index 2 on
        y, _ = self.encoder.rnns[0](x)
        for k in range(1, len(self.encoder.rnns)):
            o, _ = self.encoder.rnns[k](y)
            y = o + y if k >= 2 else o
        H = self.cfg["hidden_size"]
        zero = torch.zeros(1, 1, H, dtype=x.dtype)
        states = [(zero, zero) for _ in self.decoder.rnns]
        return {"keys": y[:, 0], "state": (states, torch.zeros(H, dtype=x.dtype))}

    def step(self, enc, state, y_prev):
        emb = self._emb(self.decoder.embedding, [y_prev])   # (1,1,E)
        keys = enc["keys"]
        info = {}
        if self.arch in ("seq2seq", "seq2seq_attention"):
            o, state = self.decoder.rnn(emb, state)
            h = o[0, 0]
            info["decoder_states"] = layer_h(state)
            feat = h
            if self.arch == "seq2seq_attention":
                info.update(attend(self.attention, h, keys))          # current h_t queries
                feat = torch.cat([h, info["context"]])                # [h_t; c_t]
        elif self.arch == "luong":
            rnn_state, h_tilde_prev = state
            inp = emb
            if self.cfg["input_feeding"]:
                inp = torch.cat([emb, h_tilde_prev.view(1, 1, -1)], dim=2)  # [E y_{t-1}; h̃_{t-1}]
            o, rnn_state = self.decoder.rnn(inp, rnn_state)
            h = o[0, 0]                                                     # top decoder state h_t
            info.update(attend(self.attention, h, keys))
            h_tilde = torch.tanh(self.combine(torch.cat([info["context"], h])))  # tanh(W_c [c_t; h_t])
            info["decoder_states"] = layer_h(rnn_state)
            state, feat = (rnn_state, h_tilde), h_tilde
        elif self.arch == "bahdanau":
            s_prev = state[0, 0]
            info.update(attend(self.attention, s_prev, keys))              # previous s_{i-1} queries
            c = info["context"]
            o, state = self.decoder.rnn(torch.cat([emb, c.view(1, 1, -1)], dim=2), state)  # GRU([E y; c], s)
            info["decoder_states"] = layer_h(state)
            feat = torch.cat([o[0, 0], c, emb[0, 0]])                       # [s_i; c_i; E y_{i-1}]
        else:  # gnmt
            states, y1_prev = state
            info.update(attend(self.attention, y1_prev, keys))             # bottom output of step i-1 queries
            a = info["context"].view(1, 1, -1)
            new_states, below = [], None
            for k, rnn in enumerate(self.decoder.rnns):
                inp = torch.cat([emb if k == 0 else below, a], dim=2)      # [E y; a] or [y^k; a]
                o, st = rnn(inp, states[k])
                new_states.append(st)
                below = o + below if k >= 2 else o                         # residual from layer index 2
            info["decoder_states"] = [st[0][0, 0] for st in new_states]    # each LSTM's own h
            state = (new_states, new_states[0][0][0, 0])
            feat = below[0, 0]
        return self.out(feat), info, state


def init_random(model, seed, scale=1.0, decimals=4, scales=None):
    """Uniform(-a, a) weights from a fixed seed, a = scales[first key that is a substring of the name] or `scale`, rounded
    to `decimals` so that the JSON text holds exactly the numbers PyTorch used."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            a = next((v for k, v in (scales or {}).items() if k in name), scale)
            u = torch.rand(p.shape, generator=g, dtype=torch.double) * 2 - 1
            p.copy_(torch.round(u * a * 10 ** decimals) / 10 ** decimals)


# ---------------------------------------------------------------------------------------------------------
# Tokenization and decoding

def tokenize(sentence, tokenizer, lowercase=False):
    """whitespace: runs of whitespace separate tokens; char: every character (spaces included)."""
    if lowercase:
        sentence = sentence.lower()
    toks = sentence.split() if tokenizer == "whitespace" else list(sentence)
    if not toks:
        raise ValueError("empty sentence")
    return toks


def source_ids(tokens, vocab):
    """Tokens -> ids and the tokens as the model sees them (unknown -> <unk>)."""
    index = {w: i for i, w in enumerate(vocab)}
    ids = [index.get(w, index["<unk>"]) for w in tokens]
    return ids, [vocab[i] for i in ids]


def _vec(t):
    return [float(x) for x in t.reshape(-1).tolist()]


def _mat(t):
    return [[float(x) for x in row] for row in t.tolist()]


@torch.no_grad()
def greedy_trace(model, src_ids, tgt_vocab, max_len, top_k=5):
    """Greedy decoding (argmax over the whole target vocabulary), stopping after <eos> or max_len output
    tokens. Returns (steps, target tokens without <eos>, keys, margin) where margin is the smallest logit gap
    between the top-1 and top-2 tokens, or 1000 × the smallest logit gap among the first top_k + 1."""
    sos, eos = tgt_vocab.index("<sos>"), tgt_vocab.index("<eos>")
    enc = model.encode(src_ids)
    state, y, steps, target, margin = enc["state"], sos, [], [], float("inf")
    for t in range(1, max_len + 1):
        logits, info, state = model.step(enc, state, y)
        p = torch.softmax(logits, dim=0)
        order = torch.argsort(p, descending=True)
        y = int(order[0])
        # gaps in logits (= log-probabilities + const): argmax and the top_k order must not hinge on rounding
        top = logits[order[: top_k + 1]]
        margin = min(margin, float(top[0] - top[1]), 1e3 * float((top[:-1] - top[1:]).min()))
        step = {"t": t}
        if "query" in info:
            step.update({"query": _vec(info["query"]), "scores": _vec(info["scores"]),
                         "weights": _vec(info["weights"]), "alignment": _mat(info["alignment"]),
                         "context": _vec(info["context"])})
        step["decoder_states"] = [_vec(h) for h in info["decoder_states"]]
        step["top_k"] = [{"token": tgt_vocab[int(i)], "prob": float(p[i])} for i in order[:top_k]]
        step["token"], step["prob"] = tgt_vocab[y], float(p[y])
        steps.append(step)
        if y == eos:
            break
        target.append(tgt_vocab[y])
    return steps, target, enc["keys"], margin


@torch.no_grad()
def beam_search(model, src_ids, tgt_vocab, max_len, k):
    """Beam search per model_conventions.md (see its Amendments for the exact selection rule):
    each step, every live hypothesis is extended by every target token; candidates are ranked by their
    summed log-probability (all have the same length, so this equals the length-normalised score), ties
    broken by (hypothesis rank, token id); the best k − (number finished) candidates are kept; a candidate
    ending in <eos> is finished with score = sum log p / (tokens incl. <eos>). Stops when k have finished
    or after max_len steps. Returns a dict with the winner and every finished hypothesis."""
    sos, eos = tgt_vocab.index("<sos>"), tgt_vocab.index("<eos>")
    enc = model.encode(src_ids)
    live = [([], 0.0, enc["state"])]   # (token ids, sum log p, decoder state)
    finished, min_gap = [], float("inf")
    for _ in range(max_len):
        cands = []
        for rank, (toks, lp, st) in enumerate(live):
            logits, _, st2 = model.step(enc, st, toks[-1] if toks else sos)
            logp = torch.log_softmax(logits, dim=0)
            for w in range(len(tgt_vocab)):
                cands.append((lp + float(logp[w]), rank, w, st2))
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        width = k - len(finished)
        if len(cands) > width:
            min_gap = min(min_gap, cands[width - 1][0] - cands[width][0])
        new_live = []
        for lp, rank, w, st2 in cands[:width]:
            toks = live[rank][0] + [w]
            if w == eos:
                finished.append((toks, lp, lp / len(toks)))
            else:
                new_live.append((toks, lp, st2))
        live = new_live
        if len(finished) >= k or not live:
            break
    pool = [(toks, lp / len(toks), True) for toks, lp, _ in finished] if finished else \
           [(toks, lp / len(toks), False) for toks, lp, _ in live]
    best = max(pool, key=lambda h: h[1])   # first of equal scores wins (finishing order)
    words = lambda ids: [tgt_vocab[i] for i in ids if i != eos]
    return {"beam": k, "tokens": words(best[0]), "score": best[1], "finished": best[2],
            "length": len(best[0]), "min_candidate_gap": min_gap,
            "hypotheses": [{"tokens": words(t), "score": lp / len(t), "sum_log_prob": lp} for t, lp, _ in finished]}


# ---------------------------------------------------------------------------------------------------------
# attnviz-model documents

def model_document(weights, arch, cfg, src_vocab, tgt_vocab, tokenizer="whitespace"):
    """weights: {attnviz name: tensor} (see to_attnviz_weights) -> the attnviz-model document (a dict)."""
    for side, vocab in (("source", src_vocab), ("target", tgt_vocab)):
        for s in SPECIALS:
            if s not in vocab:
                raise ConfigError("vocab %s: missing the special token %s" % (side, s))
        if len(set(vocab)) != len(vocab):
            raise ConfigError("vocab %s: duplicate tokens" % side)
    if tokenizer not in ("whitespace", "char"):
        raise ConfigError("tokenizer: expected 'whitespace' or 'char', found %r" % tokenizer)
    order = ("cell", "hidden_size", "embedding_size", "layers", "score", "attention_size", "input_feeding",
             "max_len", "lowercase")
    config = {k: cfg[k] for k in order if cfg.get(k) is not None}
    config.update({k: v for k, v in cfg.items() if k not in order and v is not None})
    return {"format": "attnviz-model", "version": 1, "architecture": arch, "config": config,
            "vocab": {"source": list(src_vocab), "target": list(tgt_vocab)}, "tokenizer": tokenizer,
            "weights": {name: tensor_json(weights[name]) for name in sorted(weights)}}


def model_from_document(doc):
    """Builds the reference torch model from an attnviz-model document (the inverse of model_document)."""
    arch, vocab = doc["architecture"], doc["vocab"]
    cfg = effective_config(arch, doc["config"])
    weights = {}
    for name, t in doc["weights"].items():
        if isinstance(t, dict):
            weights[name] = torch.tensor(t["data"], dtype=torch.double).reshape(t["shape"])
        else:
            weights[name] = torch.tensor(t, dtype=torch.double)
    model = Model(arch, cfg, len(vocab["source"]), len(vocab["target"]),
                  attention_bias=("attention.b" in weights or "attention.b_loc" in weights))
    sd = model.state_dict()
    by_name = {attnviz_name(k): k for k in sd}
    loaded = {}
    for name, t in weights.items():
        if name not in by_name:
            raise ConfigError("weight %s is not part of %s with this config" % (name, arch))
        key = by_name[name]
        loaded[key] = t.reshape(sd[key].shape)
    missing = [attnviz_name(k) for k in sd if k not in loaded]
    if missing:
        raise ConfigError("missing weight %s" % missing[0])
    model.load_state_dict(loaded)
    return model, cfg


def trace_document(model, arch, cfg, sentence, src_vocab, tgt_vocab, tokenizer="whitespace", title=None):
    """Greedy decoding of `sentence` -> (attnviz-trace document, top-1 probability margin)."""
    toks = tokenize(sentence, tokenizer, cfg.get("lowercase", False))
    ids, seen = source_ids(toks, src_vocab)
    if cfg.get("score") == "location" and len(ids) > cfg["max_len"]:
        raise ConfigError("location score: sentence of %d tokens exceeds max_len %d" % (len(ids), cfg["max_len"]))
    steps, target, keys, margin = greedy_trace(model, ids, tgt_vocab, cfg["max_len"])
    doc = {"format": "attnviz-trace", "version": 1}
    if title:
        doc["title"] = title
    doc["architecture"] = arch
    if cfg.get("score"):
        doc["score"] = cfg["score"]
    # source_tokens keep the surface form of unknown words (the model reads <unk> for them: see source_ids)
    doc.update({"source": sentence, "source_tokens": toks, "source_ids": ids, "target_tokens": target,
                "encoder_states": _mat(keys), "steps": steps})
    return doc, margin
