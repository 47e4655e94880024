"""attnviz document files: JSON (readable: one line per leaf array, full float precision) or CBOR by the
file extension, written atomically (temporary file + rename). Standard library only."""

import json
import os

import attnviz_cbor


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def save_document(doc, path):
    """JSON (compact weights, one weight a line) or CBOR by extension; written atomically."""
    tmp = path + ".tmp-%d" % os.getpid()
    if path.endswith(".cbor"):
        with open(tmp, "wb") as f:
            f.write(attnviz_cbor.dumps(doc))
    else:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(dumps_readable(doc) + "\n")
    os.replace(tmp, path)


def dumps_readable(doc):
    """json.dumps with one line per leaf array (small and still readable); floats keep full precision."""
    def enc(x, indent):
        pad = " " * indent
        if isinstance(x, dict) and x:
            items = [pad + "  " + json.dumps(k, ensure_ascii=False) + ": " + enc(v, indent + 2) for k, v in x.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(x, list) and x and isinstance(x[0], (dict, list)):
            return "[\n" + ",\n".join(pad + "  " + enc(v, indent + 2) for v in x) + "\n" + pad + "]"
        return json.dumps(x, ensure_ascii=False, allow_nan=False)
    return enc(doc, 0)


def load_document(path):
    if path.endswith(".cbor"):
        with open(path, "rb") as f:
            return attnviz_cbor.loads(f.read())
    with open(path, encoding="utf-8") as f:
        return json.load(f)
