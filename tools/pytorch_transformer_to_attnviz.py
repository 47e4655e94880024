#!/usr/bin/python3
"""Turn a trained PyTorch transformer (nn.Embedding x 2 + nn.Transformer + nn.Linear) into an attnviz-model file.

usage:
  /usr/bin/python3 tools/pytorch_transformer_to_attnviz.py MODEL.pt --heads H \\
      (--src-vocab SRC --tgt-vocab TGT | --src-spm SRC.model --tgt-spm TGT.model) \\
      [--src-spm SRC.model --tgt-spm TGT.model] [--tokenizer whitespace|char] [--lowercase] [--max-len N] \\
      [--src-embedding KEY] [--tgt-embedding KEY] [--out KEY] [--transformer PREFIX] \\
      [--title TEXT] [--example "a sentence" ...] [--float32] -o OUT.json|OUT.cbor [--list]

MODEL.pt   torch.save()d state_dict, a whole nn.Module, or a dict holding one under "state_dict" / "model".
           A "module." prefix on every key (DataParallel) is dropped.

The model must compute what SPEC §4 describes (the attnviz `transformer` preset): source and target embeddings
E[x]*sqrt(d_model) plus sinusoidal positions PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...),
pos from 0; a post-norm nn.Transformer (norm_first=False, activation relu, layer_norm_eps 1e-5, with its final
encoder and decoder norms, as nn.Transformer builds them); logits = out(decoder output). When MODEL.pt holds a
whole module, those settings are checked; a state_dict cannot tell them, so they are your promise.

Key mapping (state_dict key -> attnviz weight name; no transposes, nn.Linear layout):
  <src-embedding>.weight     -> encoder.embedding   (V_s x d_model; default: the first of src_emb, src_embed,
                                                     src_embedding, source_embedding, encoder_embedding,
                                                     embedding_src, encoder.embedding, src_tok_emb.embedding)
  <tgt-embedding>.weight     -> decoder.embedding   (V_t x d_model; same with tgt_/target_/decoder_)
  <transformer>.<name>       -> transformer.<name>  (every key of nn.Transformer.state_dict(); default prefix
                                                     "transformer")
  <out>.weight, <out>.bias   -> out.weight, out.bias (default: the first of out, generator, fc_out, output,
                                                     proj, output_layer)
Sizes: d_model from the embeddings, encoder_layers/decoder_layers from the keys, ff_size from linear1; heads
cannot be read from the weights (--heads). max_len (default 100) bounds both the source and the output.

Vocabularies: --src-vocab/--tgt-vocab, a .json array of tokens or a text file with one token per line (line i =
id i); they must hold <pad>, <sos>, <eos>, <unk>. With SentencePiece (--src-spm/--tgt-spm, the .model files),
the tokenizer is "sentencepiece" (the files are embedded in the model, base64) and a vocabulary defaults to the
SentencePiece model's pieces in id order.

--float32  round every weight to float32 (smaller files; outputs change by about 1e-7).
--list     print every key -> attnviz name and shape; write nothing.
Every weight's presence and shape is checked (the error names the weight, the expected and the found shape);
exit status 2 on bad input.
"""

import argparse
import base64
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attnviz_files import save_document  # noqa: E402

SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")
SRC_EMBEDDINGS = ("src_emb", "src_embed", "src_embedding", "source_embedding", "encoder_embedding", "embedding_src",
                  "encoder.embedding", "src_tok_emb.embedding")
TGT_EMBEDDINGS = ("tgt_emb", "tgt_embed", "tgt_embedding", "target_embedding", "decoder_embedding", "embedding_tgt",
                  "decoder.embedding", "tgt_tok_emb.embedding")
OUTPUTS = ("out", "generator", "fc_out", "output", "proj", "output_layer")


class BadInput(Exception):
    pass


def fail(msg):
    print("pytorch_transformer_to_attnviz: " + msg, file=sys.stderr)
    sys.exit(2)


def read_vocab(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            vocab = json.load(f)
        if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab):
            raise BadInput("%s: expected a JSON array of strings" % path)
        return vocab
    with open(path, encoding="utf-8") as f:
        vocab = [line.rstrip("\r\n") for line in f]
    while vocab and vocab[-1] == "":
        vocab.pop()
    for i, t in enumerate(vocab):
        if t == "":
            raise BadInput("%s line %d: empty token" % (path, i + 1))
    return vocab


def spm_pieces(path):
    try:
        import sentencepiece as spm
    except ImportError:
        raise BadInput("%s: reading a SentencePiece model needs the python3 sentencepiece module" % path)
    sp = spm.SentencePieceProcessor()
    sp.Load(path)
    return [sp.IdToPiece(i) for i in range(sp.GetPieceSize())]


def load_checkpoint(path):
    """-> (state_dict, module or None)"""
    obj = torch.load(path, map_location="cpu")
    module = None
    if isinstance(obj, torch.nn.Module):
        module = obj
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise BadInput("%s: expected a state_dict (a dict of tensors) or an nn.Module" % path)
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj, module


def check_module(module):
    """The settings a state_dict cannot show, checked on a whole module."""
    tfs = [m for m in module.modules() if isinstance(m, torch.nn.Transformer)]
    if len(tfs) != 1:
        raise BadInput("expected one nn.Transformer in the module, found %d" % len(tfs))
    tf = tfs[0]
    for layer in list(tf.encoder.layers) + list(tf.decoder.layers):
        if getattr(layer, "norm_first", False):
            raise BadInput("expected a post-norm transformer (norm_first=False), found norm_first=True")
        act = getattr(layer, "activation", None)
        if act is not None and act is not torch.nn.functional.relu and not isinstance(act, torch.nn.ReLU):
            raise BadInput("expected the relu activation, found %r" % (act,))
        for norm in (layer.norm1, layer.norm2) + ((layer.norm3,) if hasattr(layer, "norm3") else ()):
            if abs(norm.eps - 1e-5) > 1e-12:
                raise BadInput("expected LayerNorm eps 1e-5, found %g" % norm.eps)
    if tf.encoder.norm is None or tf.decoder.norm is None:
        raise BadInput("expected the final encoder and decoder norms of nn.Transformer, found none")


def pick(sd, given, candidates, what, needs_bias=False):
    names = [given] if given else list(candidates)
    for name in names:
        if name + ".weight" in sd and (not needs_bias or name + ".bias" in sd):
            return name
    raise BadInput("expected the %s as %s, found none of them in the state_dict (use --%s KEY)"
                   % (what, " or ".join(n + ".weight" for n in names),
                      {"source embedding": "src-embedding", "target embedding": "tgt-embedding",
                       "output layer": "out"}[what]))


def expected_shapes(d, ff, enc_layers, dec_layers, vs, vt):
    """attnviz name -> shape, in the order of core/model/transformer.cpp transformerWeightSlots."""
    s = {"encoder.embedding": (vs, d), "decoder.embedding": (vt, d)}

    def attention(p):
        s[p + ".in_proj_weight"] = (3 * d, d)
        s[p + ".in_proj_bias"] = (3 * d,)
        s[p + ".out_proj.weight"] = (d, d)
        s[p + ".out_proj.bias"] = (d,)

    def feed_forward(p):
        s[p + ".linear1.weight"] = (ff, d)
        s[p + ".linear1.bias"] = (ff,)
        s[p + ".linear2.weight"] = (d, ff)
        s[p + ".linear2.bias"] = (d,)

    def norm(p):
        s[p + ".weight"] = (d,)
        s[p + ".bias"] = (d,)

    for k in range(enc_layers):
        p = "transformer.encoder.layers.%d" % k
        attention(p + ".self_attn")
        feed_forward(p)
        norm(p + ".norm1")
        norm(p + ".norm2")
    norm("transformer.encoder.norm")
    for k in range(dec_layers):
        p = "transformer.decoder.layers.%d" % k
        attention(p + ".self_attn")
        attention(p + ".multihead_attn")
        feed_forward(p)
        norm(p + ".norm1")
        norm(p + ".norm2")
        norm(p + ".norm3")
    norm("transformer.decoder.norm")
    s["out.weight"] = (vt, d)
    s["out.bias"] = (vt,)
    return s


def convert(sd, heads, n_src, n_tgt, src_emb=None, tgt_emb=None, out=None, prefix="transformer"):
    """state_dict -> ({attnviz name: float64 tensor}, config) with every shape checked; -> the key mapping too."""
    src = pick(sd, src_emb, SRC_EMBEDDINGS, "source embedding")
    tgt = pick(sd, tgt_emb, TGT_EMBEDDINGS, "target embedding")
    outl = pick(sd, out, OUTPUTS, "output layer", needs_bias=True)
    mapping = {src + ".weight": "encoder.embedding", tgt + ".weight": "decoder.embedding",
               outl + ".weight": "out.weight", outl + ".bias": "out.bias"}
    pre = prefix.rstrip(".") + "."
    for key in sd:
        if key.startswith(pre):
            mapping[key] = "transformer." + key[len(pre):]
    unknown = [k for k in sd if k not in mapping]
    if unknown:
        raise BadInput("expected only two embeddings, the nn.Transformer under %r and the output layer, found %s"
                       % (prefix, unknown[0]))
    weights = {mapping[k]: sd[k].detach().to(torch.float64).clone() for k in sd}
    d = weights["encoder.embedding"].shape[1] if weights["encoder.embedding"].dim() == 2 else -1
    if heads < 1 or d % heads != 0:
        raise BadInput("--heads: expected a number of heads that divides d_model %d, found %d" % (d, heads))
    layer_ids = {side: {int(m.group(1)) for k in weights for m in [re.match(r"transformer\.%s\.layers\.(\d+)\." % side, k)] if m}
                 for side in ("encoder", "decoder")}
    enc_layers, dec_layers = len(layer_ids["encoder"]), len(layer_ids["decoder"])
    if enc_layers < 1 or dec_layers < 1:
        raise BadInput("expected transformer.encoder.layers.* and transformer.decoder.layers.* weights, found %d encoder "
                       "and %d decoder layers" % (enc_layers, dec_layers))
    ff_key = "transformer.encoder.layers.0.linear1.weight"
    if ff_key not in weights:
        raise BadInput("expected the weight %s (ff_size is its row count), found it missing" % ff_key)
    ff = weights[ff_key].shape[0]
    want = expected_shapes(d, ff, enc_layers, dec_layers, n_src, n_tgt)
    for name, shape in want.items():
        if name not in weights:
            raise BadInput("expected the weight %s of shape %s, found it missing" % (name, list(shape)))
        if tuple(weights[name].shape) != shape:
            raise BadInput("expected %s of shape %s, found shape %s" % (name, list(shape), list(weights[name].shape)))
    extra = [n for n in weights if n not in want]
    if extra:
        raise BadInput("expected only the weights of nn.Transformer, found %s (layer numbers not 0..L-1?)" % extra[0])
    config = {"d_model": d, "heads": heads, "encoder_layers": enc_layers, "decoder_layers": dec_layers, "ff_size": ff}
    return {n: weights[n] for n in want}, config, mapping


def tensor_json(t, float32=False):
    if float32:
        t = t.to(torch.float32).to(torch.float64)
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def model_document(weights, config, src_vocab, tgt_vocab, tokenizer, src_spm=None, tgt_spm=None, title=None,
                   examples=None, float32=False):
    for side, vocab in (("source", src_vocab), ("target", tgt_vocab)):
        for s in SPECIALS:
            if s not in vocab:
                raise BadInput("vocab %s: expected the special token %s, found it missing" % (side, s))
        if len(set(vocab)) != len(vocab):
            raise BadInput("vocab %s: expected distinct tokens, found duplicates" % side)
    if src_spm or tgt_spm:
        if not (src_spm and tgt_spm):
            raise BadInput("expected both --src-spm and --tgt-spm, found one")
        with open(src_spm, "rb") as f:
            src_bytes = f.read()
        with open(tgt_spm, "rb") as f:
            tgt_bytes = f.read()
        tok = {"type": "sentencepiece", "source": base64.b64encode(src_bytes).decode("ascii"),
               "target": base64.b64encode(tgt_bytes).decode("ascii")}
    else:
        tok = tokenizer
    doc = {"format": "attnviz-model", "version": 1, "architecture": "transformer", "config": config,
           "vocab": {"source": list(src_vocab), "target": list(tgt_vocab)}, "tokenizer": tok,
           "weights": {name: tensor_json(t, float32) for name, t in weights.items()}}
    if title:
        doc["title"] = title
    if examples:
        doc["examples"] = list(examples)
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(prog="pytorch_transformer_to_attnviz.py", description=__doc__.split("\n")[0],
                                 epilog=__doc__[__doc__.index("MODEL.pt "):],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--src-vocab")
    ap.add_argument("--tgt-vocab")
    ap.add_argument("--src-spm")
    ap.add_argument("--tgt-spm")
    ap.add_argument("--tokenizer", choices=("whitespace", "char"), default="whitespace")
    ap.add_argument("--lowercase", action="store_true")
    ap.add_argument("--max-len", type=int, default=100)
    ap.add_argument("--src-embedding")
    ap.add_argument("--tgt-embedding")
    ap.add_argument("--out")
    ap.add_argument("--transformer", default="transformer")
    ap.add_argument("--title")
    ap.add_argument("--example", action="append", default=[])
    ap.add_argument("--float32", action="store_true")
    ap.add_argument("-o", "--output")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    if not args.list and not args.output:
        fail("-o OUT.json|OUT.cbor is required")
    if args.max_len < 1:
        fail("--max-len: expected a positive integer, found %d" % args.max_len)
    try:
        src = read_vocab(args.src_vocab) if args.src_vocab else (spm_pieces(args.src_spm) if args.src_spm else None)
        tgt = read_vocab(args.tgt_vocab) if args.tgt_vocab else (spm_pieces(args.tgt_spm) if args.tgt_spm else None)
        if src is None or tgt is None:
            raise BadInput("expected --src-vocab/--tgt-vocab (or --src-spm/--tgt-spm to take the pieces as vocabularies)")
        sd, module = load_checkpoint(args.checkpoint)
        if module is not None:
            check_module(module)
        weights, config, mapping = convert(sd, args.heads, len(src), len(tgt), args.src_embedding, args.tgt_embedding,
                                           args.out, args.transformer)
        if args.list:
            for key, name in mapping.items():
                print("%-60s -> %-60s %s" % (key, name, list(sd[key].shape)))
            return 0
        config["max_len"] = args.max_len
        config["lowercase"] = bool(args.lowercase)
        doc = model_document(weights, config, src, tgt, args.tokenizer, args.src_spm, args.tgt_spm, args.title,
                             args.example, args.float32)
    except (BadInput, OSError) as e:
        fail(str(e))
    save_document(doc, args.output)
    print("wrote %s: transformer d_model %d, %d heads, %d + %d layers, ff %d, %d weights, %d numbers"
          % (args.output, config["d_model"], config["heads"], config["encoder_layers"], config["decoder_layers"],
             config["ff_size"], len(weights), sum(t.numel() for t in weights.values())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
