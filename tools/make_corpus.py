#!/usr/bin/python3
"""Generate the English -> Spanish parallel corpus in samples/data/en-es/.

English sentences come from a seeded grammar (word lists in tools/corpus_words.py);
Spanish comes from Apertium eng-spa (Debian packages `apertium`, `apertium-eng-spa`).
Only this development tool needs Apertium; the app and its tests read the .tsv.gz files.

    /usr/bin/python3 tools/make_corpus.py                 # writes samples/data/en-es/*.tsv.gz
    /usr/bin/python3 tools/make_corpus.py --check-words   # checks every word form against Apertium
    /usr/bin/python3 tools/make_corpus.py --sample 30     # prints 30 random pairs of the written corpus
    /usr/bin/python3 tools/make_corpus.py --everyday      # the everyday corpus: samples/data/en-es/everyday-*.tsv.gz
                                                          # (--check-words, --stats, --sample, --english-only too)
    /usr/bin/python3 tools/make_corpus.py --typed         # Spanish for the hand-written typed.tsv

Python 3 standard library only. Deterministic: same seeds and same Apertium version -> same bytes.
"""
import argparse
import gzip
import io
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_words as W  # noqa: E402
from corpus_grammar import Gen, plural, singular, verb_forms  # noqa: E402

APERTIUM_DIR = "/usr/share/apertium/apertium-eng-spa"

# ================================================================ Apertium

MARKERS = re.compile(r"[*#@~^$<>\\]")  # * unknown, # no generation, @ no translation, stray stream syntax


def apertium(lines):
    """Translates English lines to Spanish, one output line per input line (checked).

    Runs `apertium eng-spa` WITHOUT -u: -u would hide the '*' unknown-word marks we filter on."""
    text = "\n".join(lines) + "\n"
    out = subprocess.run(["apertium", "eng-spa"], input=text, capture_output=True, text=True, check=True).stdout
    result = out.split("\n")
    if result and result[-1] == "":
        result.pop()
    if len(result) != len(lines):
        if len(lines) == 1:
            return [""]  # cannot align: dropped by the caller
        mid = len(lines) // 2
        return apertium(lines[:mid]) + apertium(lines[mid:])
    return result


def tokenise(text):
    """Lower case; punctuation . , ? ¿ ! ¡ ; : as their own tokens; single spaces."""
    text = re.sub(r"([.,?¿!¡;:])", r" \1 ", text.lower())
    return " ".join(text.split())


def spanish(english, raw):
    """Apertium output -> tokenised Spanish, or None when it carries a marker."""
    s = " ".join(raw.split())
    if not s or MARKERS.search(s):
        return None
    if english.endswith("?") and not s.startswith("¿"):
        s = "¿" + s  # Apertium writes no opening question mark; Spanish needs one
    return tokenise(s)


# ================================================================ checking the word lists


def lt_proc(args, lines):
    text = "\n".join(lines) + "\n"
    out = subprocess.run(["lt-proc"] + args, input=text, capture_output=True, text=True, check=True).stdout
    return out.strip("\n").split("\n")


def check_words():
    """Every surface form must be analysed with the expected lemma and tags, and translate."""
    wanted = []  # (surface, lemma, required tag substring)
    for entries in (W.PEOPLE, W.ANIMALS, W.THINGS, W.FOOD, W.PLACES):
        for e in entries:
            wanted.append((singular(e), singular(e), "<n><sg>"))
            wanted.append((plural(e), singular(e), "<n><pl>"))
    for e in W.MASS_FOOD + W.DRINKS:
        wanted.append((e, e, "<n><sg>"))
    for e in W.THING_ADJ + W.PERSON_ADJ + W.TASTE_ADJ:
        wanted.append((e, e, "<adj>"))
    verbs = (W.VERBS_THING + W.VERBS_FOOD + W.VERBS_DRINK + W.VERBS_READ + W.VERBS_VEHICLE + W.VERBS_PERSON
             + W.VERBS_ANIMAL + W.VERBS_PLACE_DIRECT + W.VERBS_INTRANS + W.VERBS_MOTION)
    for e in verbs:
        f = verb_forms(e)
        for key, tag in (("s", "<pri><p3><sg>"), ("past", "<past>"), ("pp", "<pp>"), ("ing", "<ger>")):
            wanted.append((f[key], f["base"], "<vblex>" + tag))
    for n in W.NAMES:
        wanted.append((n, n, "<np>"))
    wanted = sorted(set(wanted))
    analyses = lt_proc([os.path.join(APERTIUM_DIR, "eng-spa.automorf.bin")], [w[0] for w in wanted])
    bad, queries = [], []
    for (surface, lemma, tag), line in zip(wanted, analyses):
        readings = line.strip("^$").split("/")[1:]
        match = [r for r in readings if r.lower().startswith(lemma.lower() + "<") and tag in r]
        if not match and tag == "<adj>":  # participle adjectives: "broken", "worried"
            match = [r for r in readings if "<vblex><pp>" in r]
        if not match:
            bad.append(f"{surface}: expected {lemma}{tag}, analyser gives {line}")
        else:
            queries.append((surface, match[0]))
    bil = lt_proc(["-b", os.path.join(APERTIUM_DIR, "eng-spa.autobil.bin")], ["^%s$" % q[1] for q in queries])
    for (surface, reading), line in zip(queries, bil):
        if "/@" in line or "/" not in line:
            bad.append(f"{surface}: no Spanish for {reading} ({line})")
    for b in bad:
        print(b)
    print(f"{len(wanted)} forms checked, {len(bad)} problems")
    return 1 if bad else 0


# ================================================================ corpus


class SpanishLexicon:
    """Asks Apertium's Spanish analyser which words exist, so that garbled output that carries no
    marker ("¿dónde jack estand?") is dropped too.  Words copied from the English (names) pass."""

    def __init__(self):
        self.known = {}

    def unknown_words(self, english, spanish_raw):
        words = re.findall(r"[^\W\d_]+", spanish_raw)
        todo = sorted({w for w in words if w not in self.known})
        if todo:
            out = lt_proc([os.path.join(APERTIUM_DIR, "spa-eng.automorf.bin")], todo)
            for w, line in zip(todo, out):
                self.known[w] = "/*" not in line
        en = set(english.lower().replace("?", " ").replace(".", " ").split())
        return [w for w in words if not self.known[w] and w.lower() not in en]


def make_pairs(count, seed, batch):
    gen = Gen(seed)
    lexicon = SpanishLexicon()
    seen, pairs, tried, dropped = set(), [], 0, 0
    while len(pairs) < count:
        english = []
        while len(english) < batch:
            s = gen.sentence()
            if s not in seen:
                seen.add(s)
                english.append(s)
        tried += len(english)
        translated = apertium(english)
        unknown = set()
        all_words = sorted({w for raw in translated for w in re.findall(r"[^\W\d_]+", raw)})
        lexicon.unknown_words("", " ".join(all_words))  # one analyser call per batch
        for en, raw in zip(english, translated):
            es = spanish(en, raw)
            if es is not None and lexicon.unknown_words(en, raw):
                unknown.update(lexicon.unknown_words(en, raw))
                es = None
            if es is None:
                dropped += 1
            elif len(pairs) < count:
                pairs.append((tokenise(en), es))
        print(f"  {tried} sentences translated, {len(pairs)} pairs kept, {dropped} dropped "
              f"(unknown Spanish words this batch: {' '.join(sorted(unknown)[:12])})", file=sys.stderr)
    return pairs, tried, dropped


def unpunctuate(pairs, rate, seed):
    """People type "the red car is very fast" without the full stop; every generated sentence has one. A
    seeded `rate` of the statements (both sides end in " .") lose the final " ." on both sides, so trained
    models also translate input without it. Questions keep their "?" (and "¿")."""
    rng = random.Random(seed)
    out = []
    for s, t in pairs:
        if s.endswith(" .") and t.endswith(" .") and rng.random() < rate:
            s, t = s[:-2], t[:-2]
        out.append((s, t))
    return out


def write_tsv_gz(path, pairs):
    """gzip with mtime 0 and no file name so regeneration gives identical bytes; atomic rename."""
    data = "".join(f"{s}\t{t}\n" for s, t in pairs).encode("utf-8")
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(data)
    os.replace(tmp, path)


def read_tsv_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [tuple(line.rstrip("\n").split("\t")) for line in f]


def stats(splits):
    allp = [p for ps in splits.values() for p in ps]
    en_vocab = {w for s, _ in allp for w in s.split()}
    es_vocab = {w for _, t in allp for w in t.split()}
    punct = set(".,?¿!¡;:")
    out = io.StringIO()
    for name, ps in splits.items():
        out.write(f"{name}: {len(ps)} pairs\n")
    out.write(f"total: {len(allp)} pairs\n")
    out.write(f"distinct English tokens: {len(en_vocab)} ({len(en_vocab - punct)} words)\n")
    out.write(f"distinct Spanish tokens: {len(es_vocab)} ({len(es_vocab - punct)} words)\n")
    hist = {}
    for s, _ in allp:
        n = sum(1 for w in s.split() if w not in punct)
        hist[n] = hist.get(n, 0) + 1
    out.write("English words per sentence (punctuation not counted): count\n")
    for n in sorted(hist):
        out.write(f"  {n:2d}: {hist[n]}\n")
    src_tok = [len(s.split()) for s, _ in allp]
    tgt_tok = [len(t.split()) for _, t in allp]
    out.write(f"tokens per sentence (with punctuation): English mean {sum(src_tok) / len(allp):.2f} "
              f"max {max(src_tok)}, Spanish mean {sum(tgt_tok) / len(allp):.2f} max {max(tgt_tok)}\n")
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "samples", "data", "en-es"))
    ap.add_argument("--pairs", type=int, default=50000, help="pairs to keep in total")
    ap.add_argument("--seed", type=int, default=20261125, help="grammar seed")
    ap.add_argument("--split-seed", type=int, default=7, help="train/valid/test shuffle seed")
    ap.add_argument("--batch", type=int, default=5000, help="sentences per apertium call")
    ap.add_argument("--unpunctuated", type=float, default=0.2,
                    help="share of training statements written without the final full stop (seed: split seed + 1)")
    ap.add_argument("--check-words", action="store_true", help="check the word lists against Apertium")
    ap.add_argument("--sample", type=int, default=0, help="print N random pairs of the written corpus")
    ap.add_argument("--stats", action="store_true", help="print statistics of the written corpus")
    ap.add_argument("--english-only", type=int, default=0, help="print N generated English sentences")
    ap.add_argument("--everyday", action="store_true",
                    help="the everyday corpus (everyday-*.tsv.gz, typed text); see tools/corpus_everyday.py")
    ap.add_argument("--typed", action="store_true", help="(re)translate samples/data/en-es/typed.tsv with Apertium")
    a = ap.parse_args()
    if a.everyday or a.typed:
        import corpus_everyday_make
        return corpus_everyday_make.main(a, sys.argv[1:])
    if a.check_words:
        return check_words()
    if a.english_only:
        g = Gen(a.seed)
        for _ in range(a.english_only):
            print(g.sentence())
        return 0
    names = ("train", "valid", "test")
    if a.sample or a.stats:
        splits = {n: read_tsv_gz(os.path.join(a.out, n + ".tsv.gz")) for n in names}
        if a.stats:
            print(stats(splits), end="")
        allp = [p for ps in splits.values() for p in ps]
        for s, t in random.Random().sample(allp, min(a.sample, len(allp))):
            print(f"{s}\n  -> {t}")
        return 0
    pairs, tried, dropped = make_pairs(a.pairs, a.seed, a.batch)
    random.Random(a.split_seed).shuffle(pairs)
    n_valid = n_test = len(pairs) // 20  # 90 / 5 / 5
    splits = {"train": pairs[n_valid + n_test:], "valid": pairs[:n_valid], "test": pairs[n_valid:n_valid + n_test]}
    splits["train"] = unpunctuate(splits["train"], a.unpunctuated, a.split_seed + 1)
    os.makedirs(a.out, exist_ok=True)
    for n in names:
        write_tsv_gz(os.path.join(a.out, n + ".tsv.gz"), splits[n])
    print(f"{tried} distinct English sentences translated, {dropped} dropped for Apertium markers")
    print(stats(splits), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
