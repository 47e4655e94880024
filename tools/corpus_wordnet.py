"""WordNet 3.0 (Debian package wordnet-base) as a source of real English for tools/make_corpus.py.

examples(): the usage examples quoted in the glosses of data.noun/verb/adj/adv
    ("cause to be calm ...; "The patient must be sedated before the operation""), cleaned and deduplicated,
    in file order (deterministic).
frequency(): content-word lemmas with their SemCor sense-tagged counts (cntlist.rev), most frequent first:
    the frequency list used to report which common words the corpus covers.
Python 3 standard library only.
"""
import os
import re

WORDNET = "/usr/share/wordnet"
ALLOWED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ,.'?!:-]*$")


def _clean(ex):
    ex = " ".join(ex.split())
    ex = ex.replace(" ,", ",").replace(" .", ".").replace(" ?", "?").replace(" !", "!")
    return ex


def examples(max_words=25):
    """Usage examples that look like plain typed English: letters, digits, spaces and , . ' ? ! : -
    only (no quotes, brackets, semicolons, ellipses), 1 to max_words words, no "--"."""
    out, seen = [], set()
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(WORDNET, "data." + pos), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                gloss = line.split("|", 1)[1]
                for ex in re.findall(r'"([^"]*)"', gloss):
                    ex = _clean(ex)
                    if not ex or "--" in ex or ".." in ex or not ALLOWED.match(ex):
                        continue
                    if ex.count("'") - len(re.findall(r"[A-Za-z]'[A-Za-z]", ex)) - ex.count("s' ") > 0:
                        continue  # quotation marks made of apostrophes
                    n = len(ex.split())
                    if n > max_words:
                        continue
                    key = ex.lower().rstrip(".?!")
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(ex)
    return out


def written(ex):
    """Capital first letter and a final mark, as the grammar's sentences are written."""
    ex = ex[0].upper() + ex[1:]
    if ex[-1] not in ".?!":
        ex += "."
    return ex


def frequency():
    """[(lemma, count)] from cntlist.rev (SemCor tag counts summed over senses and parts of speech),
    single words only, most frequent first; ties in alphabetical order."""
    counts = {}
    with open(os.path.join(WORDNET, "cntlist.rev"), encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue
            lemma = parts[0].split("%")[0]
            if "_" in lemma or not lemma.isalpha():
                continue
            counts[lemma] = counts.get(lemma, 0) + int(parts[2])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def exceptions():
    """Irregular inflections from the *.exc files: {inflected form: [lemma]}."""
    out = {}
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(WORDNET, pos + ".exc"), encoding="latin-1") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    out.setdefault(parts[0], []).extend(parts[1:])
    return out


if __name__ == "__main__":
    ex = examples()
    print(len(ex), "examples")
    for e in ex[::4000]:
        print(" ", written(e))
    print(frequency()[:40])
