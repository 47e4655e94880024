"""The everyday English -> Spanish corpus: `python3 tools/make_corpus.py --everyday` (this file is its body).

Writes samples/data/en-es/everyday-{train,valid,test}.tsv.gz: English as people type it (tools/corpus_everyday.py
grammar + WordNet usage examples, tools/corpus_wordnet.py), Spanish from `apertium eng-spa` as Apertium writes
it. See samples/data/en-es/README.md. Python 3 standard library only; deterministic for the same seeds and
the same Apertium version.
"""
import collections
import os
import random
import re
import subprocess
import sys
import time
import zlib

import corpus_everyday as C
import corpus_everyday_words as E
import corpus_wordnet as WN
from corpus_grammar import plural, singular, verb_forms
from make_corpus import MARKERS, SpanishLexicon, apertium, read_tsv_gz, write_tsv_gz

PAIRS = 232000  # kept pairs in total (grammar + WordNet): 2,000 valid + 3,000 test + the rest for training
N_VALID, N_TEST = 2000, 3000
SEED = 20261125
SPLIT_SEED = 7
SURFACE_SEED_OFFSET = 3  # surface-form variation: seed + 3
NAMES = ("train", "valid", "test")

# Words the issue names; each must be in >= 100 training pairs (checked and reported by --stats).
CHECK_WORDS = "for with near years never one more park dog station fast went where".split()
CHECK_SUBSTITUTES = {"station": ["bus stop", "railway station"]}


def key(english):
    """Deduplication key: case, surrounding space and the final mark do not make a new sentence."""
    return re.sub(r"[.?!]+$", "", " ".join(english.split())).lower()


def spanish(apertium_in, raw):
    """Apertium output -> the Spanish as Apertium writes it, or None when it carries a mark (* # @) or
    stream syntax. Only spacing is tidied (Apertium leaves a space where it dropped a subject pronoun and
    before punctuation after names); the first letter is capitalised when the English one is; and the
    opening ¿ / ¡ that Apertium never writes is added when the sentence ends in ? / !."""
    s = " ".join(raw.split())
    if not s or MARKERS.search(s):
        return None
    s = re.sub(r" ([.,;:?!])", r"\1", s)
    if apertium_in[:1].isupper():
        s = s[0].upper() + s[1:]
    if s.endswith("?") and not s.startswith("¿"):
        s = "¿" + s
    elif s.endswith("!") and not s.startswith("¡"):
        s = "¡" + s
    return s


# Apertium misreadings that the grammar repeats thousands of times and that would teach the models a wrong
# word. "by car" comes out as "por automovilístico" (the adjective "automotive"): 2,767 training pairs against
# about 560 with "coche", enough for the first retrained models to write "automovilístico" for every "car".
# Pairs whose Spanish has one are dropped after the split, so every other pair keeps its split.
MISREADINGS = re.compile(r"automovilístic")


def drop_misreadings(pairs):
    return [p for p in pairs if not MISREADINGS.search(p[1])]


# Apertium knows *station* only inside "railway station" ("estación de vía"); alone or in "train station" it
# writes "#canal", so no pair says "train station", the way people type it, and the first retrained models wrote
# "¿Dónde es la tren de tren?". In the training split only, every second pair with "railway station" (by a
# CRC of its English, so the choice does not depend on order) is respelt "train station" / "estación de tren".
# Valid and test keep Apertium's words; the typed set is untouched.
RESPELLINGS = ((re.compile(r"\b([Rr])ailway station"), lambda m: ("T" if m.group(1) == "R" else "t") + "rain station",
                re.compile(r"\b([Ee])stación de vía"), lambda m: m.group(1) + "stación de tren"),)


def respell_train(pairs):
    out, changed = [], 0
    for p in pairs:
        en, es = p[0], p[1]
        for en_re, en_to, es_re, es_to in RESPELLINGS:
            if en_re.search(en) and es_re.search(es) and zlib.crc32(key(en).encode("utf-8")) % 2 == 0:
                en, es = en_re.sub(en_to, en), es_re.sub(es_to, es)
        changed += (en, es) != (p[0], p[1])
        out.append((en, es) + tuple(p[2:]))
    return out, changed


def typed_keys(out_dir):
    path = os.path.join(out_dir, "typed.tsv")
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as f:
        return {key(line.split("\t")[0]) for line in f if line.strip()}


class Translator:
    """Batches (english as typed, english for Apertium, source, form) through Apertium and filters."""

    def __init__(self):
        self.lexicon = SpanishLexicon()
        self.dropped = collections.Counter()
        self.tried = collections.Counter()

    def run(self, items):
        translated = apertium([it[1] for it in items])
        all_words = sorted({w for raw in translated for w in re.findall(r"[^\W\d_]+", raw)})
        self.lexicon.unknown_words("", " ".join(all_words))
        kept = []
        for (typed, ap_in, src, form), raw in zip(items, translated):
            self.tried[src] += 1
            es = spanish(ap_in, raw)
            if es is not None:
                plain = re.sub(r"[^\w' -]", " ", ap_in)
                if self.lexicon.unknown_words(plain, es):
                    es = None
            if es is None:
                self.dropped[src] += 1
                continue
            kept.append((typed, es, src, form))
        return kept


def generate(total, seed, batch, exclude, log=sys.stderr):
    """Returns [(english, spanish, source, form)]: the WordNet examples that survive, then grammar
    sentences until `total` pairs are kept."""
    surface_rng = random.Random(seed + SURFACE_SEED_OFFSET)
    seen = set(exclude)
    tr = Translator()
    pairs = []
    wn = []
    for ex in WN.examples():
        form, typed, ap_in = C.surface(surface_rng, WN.written(ex))
        k = key(typed)
        if k in seen:
            continue
        seen.add(k)
        wn.append((typed, ap_in, "wordnet", form))
    for i in range(0, len(wn), batch):
        pairs += tr.run(wn[i:i + batch])
        print(f"  WordNet: {min(i + batch, len(wn))}/{len(wn)} translated, {len(pairs)} kept", file=log)
    gen = C.Everyday(seed)
    while len(pairs) < total:
        items = []
        want = min(batch, int((total - len(pairs)) * 1.15) + 50)
        while len(items) < want:
            form, typed, ap_in = C.surface(surface_rng, gen.sentence())
            k = key(typed)
            if k in seen:
                continue
            seen.add(k)
            items.append((typed, ap_in, "grammar", form))
        for p in tr.run(items):
            if len(pairs) < total:
                pairs.append(p)
        print(f"  grammar: {tr.tried['grammar']} translated, {len(pairs)} pairs kept in all, "
              f"{tr.dropped['grammar']} dropped", file=log)
    return pairs, tr


# ================================================================ statistics

PUNCT = ".,?!¿¡;:"


def words(english):
    return [w for w in (t.strip(PUNCT) for t in english.split()) if w]


def inflections(lemma, exc_inverse):
    forms = {lemma}
    forms.add(plural(lemma))
    f = verb_forms(lemma)
    forms.update(f.values())
    forms.update(exc_inverse.get(lemma, ()))
    if lemma.endswith("e"):
        forms.add(lemma + "r")
        forms.add(lemma + "st")
    else:
        forms.add(lemma + "er")
        forms.add(lemma + "est")
    return forms


def stats(splits, meta=None):
    out = []
    allp = [p for ps in splits.values() for p in ps]
    for n, ps in splits.items():
        out.append(f"{n}: {len(ps)} pairs")
    out.append(f"total: {len(allp)} pairs")
    en_vocab = collections.Counter(w.lower() for s, _ in allp for w in words(s))
    en_vocab_cased = {w for s, _ in allp for w in words(s)}
    es_vocab = collections.Counter(w.lower() for _, t in allp for w in words(t))
    out.append(f"English vocabulary: {len(en_vocab)} words lower-cased ({len(en_vocab_cased)} with case), "
               f"{sum(1 for c in en_vocab.values() if c >= 10)} seen 10+ times")
    out.append(f"Spanish vocabulary: {len(es_vocab)} words lower-cased")
    hist = collections.Counter(len(words(s)) for s, _ in allp)
    out.append("English words per sentence: " + ", ".join(f"{n}: {hist[n]}" for n in sorted(hist)))
    buckets = [(1, 5), (6, 10), (11, 14), (15, 20), (21, 25), (26, 99)]
    out.append("  by range: " + ", ".join(
        f"{a}-{b}: {sum(hist[n] for n in range(a, b + 1))} ({100 * sum(hist[n] for n in range(a, b + 1)) / len(allp):.1f}%)"
        for a, b in buckets))
    es_len = [len(t.split()) for _, t in allp]
    out.append(f"Spanish words per sentence: mean {sum(es_len) / len(es_len):.2f}, max {max(es_len)}")
    # surface forms
    form = collections.Counter()
    for s, _ in allp:
        if s == s.lower():
            form["all lower case"] += 1
        if s[-1] not in ".?!":
            form["no final mark"] += 1
        if s[0].isupper() and s[-1] in ".?!":
            form["capital + final mark"] += 1
        if s.endswith("?"):
            form["ends in ?"] += 1
        if s.endswith("!"):
            form["ends in !"] += 1
        if "," in s:
            form["has a comma"] += 1
        if re.search(r"[A-Za-z]'(m|s|re|ve|ll|d|t)\b", s) or "n't" in s:
            form["has a contraction ('m 's 're 've 'll 'd n't)"] += 1
        if "n't" in s:
            form["has n't"] += 1
        if re.search(r"\b(do|does|did|is|are|was|were|will|can|have|has) not\b|\bcannot\b", s, re.I):
            form["has a written-out negation (do not, cannot...)"] += 1
    out.append("surface forms (share of all pairs):")
    for k, v in form.items():
        if v:
            out.append(f"  {k}: {v} ({100 * v / len(allp):.1f}%)")
    # the words of the issue, in the training split
    train = splits.get("train", [])
    low = [" " + " ".join(words(s)).lower() + " " for s, _ in train]
    out.append("training pairs containing the words of the issue:")
    for w in CHECK_WORDS:
        forms = CHECK_SUBSTITUTES.get(w, [w])
        n = sum(1 for s in low if any(f" {f} " in s for f in forms))
        out.append(f"  {' / '.join(forms)}: {n}" + ("" if n >= 100 else "   <-- fewer than 100"))
    # coverage of a frequency list
    freq = WN.frequency()[:3000]
    exc_inv = collections.defaultdict(set)
    for form_, lemmas in WN.exceptions().items():
        for lm in lemmas:
            exc_inv[lm].add(form_)
    train_vocab = collections.Counter(w.lower() for s, _ in train for w in words(s))
    missing = [(lm, c) for lm, c in freq if not any(train_vocab.get(f, 0) for f in inflections(lm, exc_inv))]
    covered10 = sum(1 for lm, _ in freq if sum(train_vocab.get(f, 0) for f in inflections(lm, exc_inv)) >= 10)
    out.append(f"top 3,000 lemmas of WordNet's SemCor counts (content words): {3000 - len(missing)} in the training "
               f"split, {covered10} in 10+ sentences; the 30 most frequent missing: "
               + ", ".join(lm for lm, _ in missing[:30]))
    return "\n".join(out) + "\n"


def check_words(log=sys.stdout):
    """Every noun (with 'the', singular and plural), adjective ('it is X') and verb form ('they X',
    'he Xs', 'they Xed', 'they have Xed', 'they are Xing') of the everyday lists through Apertium:
    prints the forms whose Spanish carries * # @."""
    probes = []
    nouns = C.PEOPLE + C.ANIMALS + C.THINGS + C.FOOD + C.PLACES + E.ABSTRACT + E.TIME_UNITS
    for e in nouns:
        probes += [f"I saw the {singular(e)}.", f"I saw the {plural(e)}."]
    for e in C.MASS_FOOD + E.DRINKS:
        probes.append(f"I like the {e}.")
    for a in sorted(set(C.THING_ADJ + C.PERSON_ADJ + E.ABSTRACT_ADJ + E.WEATHER_ADJ)):
        probes.append(f"It is {a}.")
    verbs = set()
    for name in dir(E):
        if name.startswith("VERBS_"):
            verbs.update(getattr(E, name))
    verbs.update(C.VERBS_THING + C.VERBS_PERSON + C.VERBS_INTRANS)
    for v in sorted(verbs):
        entry, particle = C.vsplit(v)
        f = verb_forms(entry)
        p = (" " + particle) if particle else ""
        probes += [f"They {f['base']}{p}.", f"He {f['s']}{p}.", f"They {f['past']}{p}.",
                   f"They have {f['pp']}{p}.", f"They are {f['ing']}{p}."]
    for n in C.NAMES + E.CITIES + E.COUNTRIES + E.DAYS + E.MONTHS:
        probes.append(f"I saw {n}.")
    for n in E.NUMBER_WORDS:
        probes.append(f"I saw {n} dogs.")
    probes = list(dict.fromkeys(probes))
    out = apertium(probes)
    bad = [(p, o) for p, o in zip(probes, out) if MARKERS.search(o)]
    for p, o in bad:
        print(f"{p}  ->  {o}", file=log)
    print(f"{len(probes)} probes, {len(bad)} with Apertium marks", file=log)
    return 1 if bad else 0


def translate_typed(out_dir):
    """Adds Apertium's Spanish to samples/data/en-es/typed.tsv (English in the first column)."""
    path = os.path.join(out_dir, "typed.tsv")
    with open(path, encoding="utf-8") as f:
        english = [line.rstrip("\n").split("\t")[0] for line in f if line.strip()]
    out = apertium(english)
    rows, bad = [], []
    for en, raw in zip(english, out):
        es = spanish(en, raw)
        if es is None:
            bad.append(f"{en} -> {raw}")
        rows.append(f"{en}\t{es if es is not None else ' '.join(raw.split())}\n")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(rows)
    for b in bad:
        print("marked:", b)
    print(f"{len(rows)} sentences, {len(bad)} with Apertium marks")
    return 1 if bad else 0


def main(a, argv):
    pairs_total = a.pairs if "--pairs" in argv else PAIRS
    if a.typed:
        return translate_typed(a.out)
    if a.check_words:
        return check_words()
    if a.english_only:
        g = C.Everyday(a.seed)
        rng = random.Random(a.seed + SURFACE_SEED_OFFSET)
        for _ in range(a.english_only):
            print(C.surface(rng, g.sentence())[1])
        return 0
    paths = {n: os.path.join(a.out, f"everyday-{n}.tsv.gz") for n in NAMES}
    if a.sample or a.stats:
        splits = {n: read_tsv_gz(paths[n]) for n in NAMES}
        if a.stats:
            print(stats(splits), end="")
        allp = [p for ps in splits.values() for p in ps]
        for s, t in random.Random(a.seed).sample(allp, min(a.sample, len(allp))):
            print(f"{s}\t{t}")
        return 0
    start = time.time()
    exclude = typed_keys(a.out)
    pairs, tr = generate(pairs_total, a.seed, a.batch, exclude)
    random.Random(a.split_seed).shuffle(pairs)
    splits = {"valid": pairs[:N_VALID], "test": pairs[N_VALID:N_VALID + N_TEST], "train": pairs[N_VALID + N_TEST:]}
    os.makedirs(a.out, exist_ok=True)
    misread = 0
    for n in NAMES:
        kept = drop_misreadings(splits[n])
        misread += len(splits[n]) - len(kept)
        splits[n] = kept
        if n == "train":
            splits[n], respelt = respell_train(splits[n])
        write_tsv_gz(paths[n], [(s, t) for s, t, _, _ in splits[n]])
    pairs = [p for n in NAMES for p in splits[n]]
    print(f"dropped for Apertium misreadings ({MISREADINGS.pattern}): {misread}")
    print(f"training pairs respelt (railway station -> train station): {respelt}")
    src = collections.Counter(p[2] for p in pairs)
    print(f"typed.tsv sentences excluded: {len(exclude)}")
    for s in ("wordnet", "grammar"):
        print(f"{s}: {tr.tried[s]} translated, {tr.dropped[s]} dropped for Apertium marks or unknown Spanish words, "
              f"{src[s]} kept ({100 * src[s] / len(pairs):.1f}% of the corpus)")
    print(stats({n: [(s, t) for s, t, _, _ in splits[n]] for n in NAMES}), end="")
    print(f"time: {time.time() - start:.0f} s")
    return 0
