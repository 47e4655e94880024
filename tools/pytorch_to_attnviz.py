#!/usr/bin/python3
"""Turn a PyTorch state_dict (+ vocabularies + config) into an attnviz-model file (JSON or CBOR).

usage:
  /usr/bin/python3 tools/pytorch_to_attnviz.py MODEL.pt --arch PRESET --config CONFIG \\
      --src-vocab SRC --tgt-vocab TGT [--tokenizer whitespace|char] [--rename REGEX=REPL ...] \\
      -o OUT.json|OUT.cbor [--sentence "a test sentence"] [--list]

MODEL.pt   torch.save()d state_dict, a whole nn.Module, or a dict holding one under "state_dict" / "model".
           A "module." prefix on every key (DataParallel) is dropped.
--arch     seq2seq | seq2seq_attention | bahdanau | luong | gnmt (SPEC §4)
--config   JSON file or inline JSON: the "config" object (cell, hidden_size, embedding_size, layers, score,
           attention_size, input_feeding, max_len, lowercase). A full attnviz-model-like object with
           "architecture", "config", "tokenizer" and "vocab" is accepted too (then --arch/--*-vocab are optional).
--src-vocab, --tgt-vocab
           a .json file holding an array of tokens, or a text file with one token per line (line i = id i).
           Both must contain <pad>, <sos>, <eos>, <unk>.
--rename   REGEX=REPL, applied (re.sub, in order) to every state_dict key before the standard mapping below;
           e.g. --rename '^enc\\.'=encoder. --rename '^dec\\.'=decoder.
--sentence after writing, read the file back into the reference model and print its greedy translation.
--list     print every key -> attnviz name and shape; write nothing.

Standard key mapping (PyTorch state_dict key -> attnviz weight name); tensors keep PyTorch's layout
(nn.GRU gates [r; z; n], nn.LSTM gates [i; f; g; o], nn.Linear weight = out × in), no transposes:
  encoder.embedding.weight                      -> encoder.embedding            (nn.Embedding V_s × E)
  decoder.embedding.weight                      -> decoder.embedding            (nn.Embedding V_t × E)
  encoder.rnn.weight_ih_l0                      -> encoder.l0.weight_ih         (nn.GRU / nn.LSTM; "gru" or
  encoder.rnn.weight_hh_l1                      -> encoder.l1.weight_hh          "lstm" instead of "rnn" works)
  encoder.rnn.bias_ih_l0_reverse                -> encoder.l0_reverse.bias_ih   (bidirectional: the backward RNN)
  decoder.rnn.<param>_l<k>                      -> decoder.l<k>.<param>
  encoder.rnns.<k>.<param>_l0[_reverse]         -> encoder.l<k>[_reverse].<param>  (one single-layer RNN per
  decoder.rnns.<k>.<param>_l0                   -> decoder.l<k>.<param>             layer, as in gnmt; or "layers")
  attention.W.weight                            -> attention.W      (general: nn.Linear(dk, dq, bias=False))
  attention.W_q.weight, attention.W_k.weight    -> attention.W_q, attention.W_k   (additive)
  attention.v.weight  (1 × da)                  -> attention.v (da)
  attention.b                                   -> attention.b      (additive bias, optional)
  attention.W_loc.weight, attention.W_loc.bias  -> attention.W_loc, attention.b_loc  (location)
  bridge.weight, bridge.bias, combine.weight, out.weight, out.bias -> unchanged
  any key that already is an attnviz name       -> unchanged
Every weight's presence and shape is checked against the preset and config (as the attnviz loader does); an
error names the weight, the expected and the found shape. Exit status 2 on bad input.
"""

import argparse
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnviz_torch as at  # noqa: E402


def fail(msg):
    print("pytorch_to_attnviz: " + msg, file=sys.stderr)
    sys.exit(2)


def read_json_arg(text):
    if os.path.exists(text):
        with open(text, encoding="utf-8") as f:
            return json.load(f)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        fail("--config: expected a JSON file or inline JSON, found %r (%s)" % (text, e))


def read_vocab(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            vocab = json.load(f)
        if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab):
            fail("%s: expected a JSON array of strings" % path)
        return vocab
    with open(path, encoding="utf-8") as f:
        vocab = [line.rstrip("\r\n") for line in f]
    while vocab and vocab[-1] == "":
        vocab.pop()
    for i, t in enumerate(vocab):
        if t == "":
            fail("%s line %d: empty token" % (path, i + 1))
    return vocab


def load_state_dict(path):
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        fail("%s: expected a state_dict (a dict of tensors)" % path)
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def main(argv=None):
    ap = argparse.ArgumentParser(prog="pytorch_to_attnviz.py", description=__doc__.split("\n")[0],
                                 epilog=__doc__[__doc__.index("MODEL.pt "):],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("state_dict")
    ap.add_argument("--arch")
    ap.add_argument("--config", required=True)
    ap.add_argument("--src-vocab")
    ap.add_argument("--tgt-vocab")
    ap.add_argument("--tokenizer", choices=("whitespace", "char"))
    ap.add_argument("--rename", action="append", default=[], metavar="REGEX=REPL")
    ap.add_argument("-o", "--output")
    ap.add_argument("--sentence")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)

    conf = read_json_arg(args.config)
    if not isinstance(conf, dict):
        fail("--config: expected a JSON object")
    header = conf if "config" in conf else {"config": conf}
    arch = args.arch or header.get("architecture")
    tokenizer = args.tokenizer or header.get("tokenizer", "whitespace")
    vocab = header.get("vocab", {})
    src = read_vocab(args.src_vocab) if args.src_vocab else vocab.get("source")
    tgt = read_vocab(args.tgt_vocab) if args.tgt_vocab else vocab.get("target")
    if not arch:
        fail("--arch: missing (or give \"architecture\" in --config)")
    if src is None or tgt is None:
        fail("--src-vocab and --tgt-vocab are required (or give \"vocab\" in --config)")
    renames = []
    for r in args.rename:
        if "=" not in r:
            fail("--rename: expected REGEX=REPL, found %r" % r)
        renames.append(tuple(r.split("=", 1)))
    if not args.list and not args.output:
        fail("-o OUT.json|OUT.cbor is required")
    try:
        cfg = at.effective_config(arch, header["config"])
        sd = load_state_dict(args.state_dict)
        weights = at.to_attnviz_weights(sd, arch, cfg, len(src), len(tgt), renames)
        if args.list:
            for key in sd:
                k = key
                for pattern, repl in renames:
                    k = re.sub(pattern, repl, k)
                name = at.attnviz_name(k)
                print("%-40s -> %-28s %s" % (key, name, list(weights[name].shape)))
            return 0
        doc = at.model_document(weights, arch, cfg, src, tgt, tokenizer)
    except (at.ConfigError, OSError) as e:
        fail(str(e))
    at.save_document(doc, args.output)
    print("wrote %s: %s, %d weights, %d numbers" % (args.output, arch, len(weights),
                                                    sum(t.numel() for t in weights.values())), file=sys.stderr)
    if args.sentence:
        model, cfg2 = at.model_from_document(at.load_document(args.output))
        trace, _ = at.trace_document(model, arch, cfg2, args.sentence, src, tgt, tokenizer)
        print((" " if tokenizer == "whitespace" else "").join(trace["target_tokens"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
