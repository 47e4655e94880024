#!/usr/bin/python3
"""Save a Hugging Face encoder-decoder's attention as an attnviz-trace (SPEC §4 transformer trace, issue 13).

    from transformers import AutoTokenizer, AutoModelForSeq2SeqLM
    from attnviz_hf import save_generate_attentions
    name = "Helsinki-NLP/opus-mt-en-es"
    tok, model = AutoTokenizer.from_pretrained(name), AutoModelForSeq2SeqLM.from_pretrained(name)
    batch = tok(["The red car is very fast."], return_tensors="pt")
    out = model.generate(**batch, num_beams=1, output_attentions=True, return_dict_in_generate=True)
    save_generate_attentions("red_car.trace.json",
        source_tokens=tok.convert_ids_to_tokens(batch.input_ids[0]),
        target_tokens=tok.convert_ids_to_tokens(out.sequences[0, 1:]),   # without the decoder start token
        cross_attentions=out.cross_attentions, encoder_attentions=out.encoder_attentions,
        eos_token=tok.eos_token, title=name)

then `attnviz red_car.trace.json` opens it: the heatmap, the Heads view (every layer and head), the layer/head
picker with the mean and max over heads, and `attnviz export red_car.trace.json -o red_car.png` draws it.

What is read: `cross_attentions` has one entry per generated token, each one entry per decoder layer, of shape
[batch, heads, query_len, source_len] (query_len is 1 with the key/value cache; otherwise the last row is this
step's). `encoder_attentions` (optional) has one entry per encoder layer, [batch, heads, source_len, source_len].
Tensors, NumPy arrays and nested lists all work (anything with .tolist()); only this file's standard library is
needed. The trace's weights are the last decoder layer's mean over heads (SPEC §4). With `eos_token`, a final
end-of-sentence token stays a step (its row in the heatmap) but not a target word. Scores, queries and head
outputs are not part of what generate() returns, so the step-through shows the weights stage only.
"""

import json
import math


def _list(x):
    return x.tolist() if hasattr(x, "tolist") else x


def _check_distribution(row, where):
    if any(not math.isfinite(v) or v < 0 for v in row):
        raise ValueError(f"{where}: expected attention weights ≥ 0, found {min(row)}")
    if abs(sum(row) - 1.0) > 1e-3:
        raise ValueError(f"{where}: expected attention weights that sum to 1, found the sum {sum(row)}")


def generate_trace(source_tokens, target_tokens, cross_attentions, encoder_attentions=None, batch_index=0,
                   eos_token=None, title=None):
    """The attnviz-trace document (a dict) for one sentence of a generate() call; see the module docstring."""
    source_tokens, target_tokens = list(source_tokens), list(target_tokens)
    n = len(source_tokens)
    steps = list(cross_attentions)
    if not steps:
        raise ValueError("cross_attentions: expected one entry per generated token, found none")
    if len(target_tokens) < len(steps):
        raise ValueError(f"target_tokens: expected {len(steps)} tokens (one per generated step), found {len(target_tokens)}")
    out_steps = []
    layers = heads = None
    for t, per_layer in enumerate(steps):
        per_layer = list(per_layer)
        if layers is None:
            layers = len(per_layer)
        if len(per_layer) != layers:
            raise ValueError(f"cross_attentions[{t}]: expected {layers} decoder layers, found {len(per_layer)}")
        step_heads = []
        for l, a in enumerate(per_layer):
            a = _list(a)[batch_index]  # [heads][query_len][source_len]
            if heads is None:
                heads = len(a)
            if len(a) != heads:
                raise ValueError(f"cross_attentions[{t}][{l}]: expected {heads} heads, found {len(a)}")
            rows = []
            for h, q in enumerate(a):
                row = [float(v) for v in q[-1]]  # this step's query is the last one
                if len(row) != n:
                    raise ValueError(f"cross_attentions[{t}][{l}][{batch_index}][{h}]: expected {n} weights (one per source "
                                     f"token), found {len(row)}")
                _check_distribution(row, f"cross_attentions[{t}][{l}][{batch_index}][{h}]")
                rows.append(row)
            step_heads.append(rows)
        out_steps.append({"t": t + 1, "token": str(target_tokens[t]), "heads": step_heads})
    words = [str(w) for w in target_tokens[:len(steps)]]
    if eos_token is not None and words and words[-1] == eos_token:
        words = words[:-1]
    doc = {"format": "attnviz-trace", "version": 1, "score": "multi_head",
           "source_tokens": [str(s) for s in source_tokens], "target_tokens": words, "steps": out_steps}
    if title:
        doc["title"] = str(title)
    if encoder_attentions is not None:
        enc = []
        for l, a in enumerate(encoder_attentions):
            a = _list(a)[batch_index]
            for h, m in enumerate(a):
                if len(m) != n or any(len(r) != n for r in m):
                    raise ValueError(f"encoder_attentions[{l}][{batch_index}][{h}]: expected an {n} × {n} matrix")
                for q, r in enumerate(m):
                    _check_distribution(r, f"encoder_attentions[{l}][{batch_index}][{h}][{q}]")
            enc.append([[[float(v) for v in r] for r in m] for m in a])
        doc["encoder_self_attention"] = enc
    return doc


def save_generate_attentions(path, source_tokens, target_tokens, cross_attentions, **kwargs):
    """Writes generate_trace(...) as JSON to `path` (written whole, then renamed into place)."""
    import os
    doc = generate_trace(source_tokens, target_tokens, cross_attentions, **kwargs)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    os.replace(tmp, path)
    return doc
