"""English sentence grammar for tools/make_corpus.py: inflection (plurals, verb forms, a/an) and a
seeded generator of grammatical sentences (4-15 words) over the word lists in tools/corpus_words.py.

The generator avoids constructions that Apertium eng-spa 0.8 reliably mistranslates (see the comments
at each place), so the Spanish side stays usable; the English is grammatical either way.
Python 3 standard library only.
"""
import random
import re

import corpus_words as W

# ================================================================ morphology


def split_entry(entry):
    """'man:men' -> ('man', ['men']); 'car' -> ('car', [])."""
    parts = entry.split(":")
    return parts[0], parts[1:]


def plural(entry):
    sg, irr = split_entry(entry)
    if irr:
        return irr[0]
    if re.search(r"(s|x|z|ch|sh)$", sg):
        return sg + "es"
    if re.search(r"[^aeiou]y$", sg):
        return sg[:-1] + "ies"
    return sg + "s"


def singular(entry):
    return split_entry(entry)[0]


def verb_forms(entry):
    """Returns dict base, s (3rd person singular), past, pp, ing."""
    base, irr = split_entry(entry)
    if base == "have":
        s = "has"
    elif re.search(r"(s|x|z|ch|sh|o)$", base):
        s = base + "es"
    elif re.search(r"[^aeiou]y$", base):
        s = base[:-1] + "ies"
    else:
        s = base + "s"
    if len(irr) >= 2:
        past, pp = irr[0], irr[1]
    else:
        if base.endswith("e"):
            past = base + "d"
        elif re.search(r"[^aeiou]y$", base):
            past = base[:-1] + "ied"
        else:
            past = base + "ed"
        pp = past
    if len(irr) >= 3:
        ing = irr[2]
    elif base.endswith("ie"):
        ing = base[:-2] + "ying"
    elif base.endswith("e") and not re.search(r"(ee|ye|oe)$", base):
        ing = base[:-1] + "ing"
    else:
        ing = base + "ing"
    return {"base": base, "s": s, "past": past, "pp": pp, "ing": ing}


def article_for(word):
    """'a' or 'an' for the word that follows the article (by sound, with the usual exceptions)."""
    w = word.lower()
    if w.startswith(("hour", "honest", "heir")):
        return "an"
    if w[0] in "aeiou" and not w.startswith(("uni", "use", "eu", "one", "ur")):
        return "an"
    return "a"


# ================================================================ noun phrases


COLOURS = set("red blue green yellow black white brown grey pink".split())
AT_PLACES = set("""station school market office hospital library museum airport restaurant hotel bank
cinema theatre zoo bakery cafe bar stadium university factory supermarket playground farm port""".split())
ON_PLACES = set("beach island bridge road corner mountain".split())
ON_SURFACES = "table chair bed desk sofa shelf:shelves floor carpet".split()
UNDER_SURFACES = "table chair bed desk sofa".split()
IN_CONTAINERS = "box bag drawer basket suitcase".split()
ANIMAL_INTRANS = "sleep:slept:slept run:ran:run:running walk swim:swam:swum:swimming play jump rest eat:ate:eaten".split()
STATIVE = set("need want like love prefer know understand remember forget hear see hope believe trust recognise hate".split())
PLACE_ADJ = """big small large new old beautiful famous quiet noisy dark modern ancient strange wonderful nice
empty dirty clean little different special""".split()
FOOD_ADJ = "big small fresh hot cold good bad little large expensive cheap green red yellow".split() + W.TASTE_ADJ
# Participles used as adjectives: fine after "is", but Apertium reads "the surprised champions" as a verb.
PREDICATIVE_ONLY = set("surprised worried excited broken tired married".split())
COLOUR_LIKE = set("colourful golden pale purple dark bright".split())
NO_VERY = set("""terrible excellent perfect enormous tiny fantastic amazing awful horrible wonderful huge massive
ancient empty full broken dead frozen raw""".split())
POSSESSIVES = "my your his her our their".split()


class NP:
    """A noun phrase with the agreement it imposes: person 1/2/3, plural flag."""

    def __init__(self, text, person=3, plural=False, subj=None, obj=None, kind="noun"):
        self.text, self.person, self.plural, self.kind = text, person, plural, kind  # kind: noun, name, pron
        self.subj = subj if subj is not None else text  # form as subject ("I")
        self.obj = obj if obj is not None else text  # form as object ("me")


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    # ---- adjectives
    def adjectives(self, pool, p_one=0.45, p_two=0.08):
        x = self.r.random()
        pool = [a for a in pool if a not in PREDICATIVE_ONLY]
        if x < p_two and pool[0] == W.THING_ADJ[0]:  # "the big red car"; colours only for things
            first = self.pick([a for a in pool if a not in COLOURS and a not in COLOUR_LIKE])
            return [first, self.pick(sorted(COLOURS))]
        if x < p_two + p_one:
            return [self.pick(pool)]
        return []

    def noun_phrase(self, entries, adj_pool, mass=False, allow_numbers=True, adj=True, plural_p=0.35,
                    subject=False):
        """Determiner + adjectives + noun.  entries: noun list; mass nouns are singular, never 'a'.
        'that' only starts subjects: after a verb or preposition Apertium tags it as a conjunction."""
        that = ["that"] if subject else []
        entry = self.pick(entries)
        adjs = self.adjectives(adj_pool) if adj else []
        pl = (not mass) and self.chance(plural_p)
        noun = plural(entry) if pl else singular(entry)
        words = adjs + [noun]
        if mass:
            det = self.pick(["the", "the", "some", "this"] + that + POSSESSIVES)
        elif pl:
            dets = ["the", "the", "these", "those", "some", "many"] + POSSESSIVES
            if allow_numbers:
                dets += W.NUMBERS
            det = self.pick(dets)
        else:
            det = self.pick(["the", "the", "the", "a", "a", "this"] + that + POSSESSIVES)
            if det == "a":
                det = article_for(words[0])
        return NP(" ".join([det] + words), 3, pl)

    def person_np(self):
        x = self.r.random()
        if x < 0.25:
            return self.pronoun()
        if x < 0.45:
            return NP(self.pick(W.NAMES), kind="name")
        return self.noun_phrase(W.PEOPLE, W.PERSON_ADJ, subject=True)

    def pronoun(self):
        subj, obj, person, pl = self.pick([("I", "me", 1, False), ("you", "you", 2, True),
                                           ("he", "him", 3, False), ("she", "her", 3, False),
                                           ("we", "us", 1, True), ("they", "them", 3, True)])
        return NP(subj, person, pl, subj, obj, kind="pron")

    def person_object(self):
        np = self.person_np()
        return np.obj

    def place_np(self, adj=True):
        entry = self.pick(W.PLACES)
        adjs = self.adjectives(PLACE_ADJ, 0.3, 0.03) if adj else []
        det = self.pick(["the", "the", "the", "a", "my", "our", "their", "his", "her", "this"])
        if det == "a":
            det = article_for((adjs + [singular(entry)])[0])
        return singular(entry), " ".join([det] + adjs + [singular(entry)])

    def place_phrase(self):
        place, np = self.place_np()
        preps = ["behind", "in front of"]  # "near" comes out as "cerca la" (no "de") from Apertium
        preps += ["on"] if place in ON_PLACES else ["in", "in"]
        if place in AT_PLACES:
            preps += ["at", "at"]
        return self.pick(preps) + " " + np

    def thing_location(self):
        x = self.r.random()
        if x < 0.4:
            return "on the " + singular(self.pick(ON_SURFACES))
        if x < 0.6:
            return "under the " + singular(self.pick(UNDER_SURFACES))
        if x < 0.8:
            return "in " + self.pick(["the", "my", "his", "her", "your"]) + " " + self.pick(IN_CONTAINERS)
        return self.pick(["beside", "behind", "in front of"]) + " the " + singular(self.pick(W.THINGS))

    # ---- verb groups
    def verb_group(self, entry, tense, subj, neg=False, question=False):
        """Returns (aux_before_subject or None, words_after_subject)."""
        f = verb_forms(entry)
        third = subj.person == 3 and not subj.plural
        if tense == "progressive" and f["base"] in STATIVE:
            tense = "present"  # "she is needing" is not English
        if tense == "present":
            if not neg and not question:
                return None, [f["s"] if third else f["base"]]
            aux = "does" if third else "do"
        elif tense == "past":
            if not neg and not question:
                return None, [f["past"]]
            aux = "did"
        elif tense == "future":
            aux = "will"
        elif tense == "can":
            aux = "can"
            if neg and not question:
                return None, ["cannot", f["base"]]
        elif tense == "progressive":
            aux = "am" if subj.person == 1 and not subj.plural else ("is" if third else "are")
            main = f["ing"]
            return self._aux(aux, main, neg, question)
        elif tense == "perfect":
            aux = "has" if third else "have"
            return self._aux(aux, f["pp"], neg, question)
        else:
            raise ValueError(tense)
        return self._aux(aux, f["base"], neg, question)

    @staticmethod
    def _aux(aux, main, neg, question):
        if question:
            return aux, [main]
        return None, [aux] + (["not"] if neg else []) + [main]

    def intrans_tense(self, tense, subj, verb):
        """Apertium's tagger reads "the dog runs" / "the man slept" as noun compounds or participles
        ("las carreras de perro"); with a noun subject, intransitive verbs avoid those ambiguous forms."""
        f = verb_forms(verb)
        if subj.kind == "noun" and (tense == "present" or (tense == "past" and f["past"] == f["pp"])):
            return self.pick(["future", "progressive", "perfect", "can"])
        return tense

    def tense(self):
        return self.pick(["present", "present", "past", "past", "future", "progressive", "perfect", "can"])

    def time_adverb(self, tense):
        table = {"past": W.TIME_PAST, "present": W.TIME_PRESENT, "future": W.TIME_FUTURE,
                 "progressive": W.TIME_PROGRESSIVE, "perfect": W.TIME_PERFECT, "can": W.TIME_FUTURE}
        return self.pick(table[tense])

    def be(self, tense, subj, neg=False, question=False):
        third = subj.person == 3 and not subj.plural
        if tense in ("present", "progressive", "can"):
            aux = "am" if subj.person == 1 and not subj.plural else ("is" if third else "are")
        elif tense == "past":
            aux = "was" if (not subj.plural and subj.person != 2) else "were"
        elif tense == "future":
            return ("will", ["be"]) if question else (None, ["will"] + (["not"] if neg else []) + ["be"])
        else:
            aux = "has" if third else "have"
            return (aux, ["been"]) if question else (None, [aux] + (["not"] if neg else []) + ["been"])
        return (aux, []) if question else (None, [aux] + (["not"] if neg else []))

    # ---- objects by verb class
    def verb_and_object(self):
        """Returns (verb entry, object text) for a person subject."""
        x = self.r.random()
        if x < 0.38:
            return self.pick(W.VERBS_THING), self.noun_phrase(W.THINGS, W.THING_ADJ).obj
        if x < 0.50:
            mass = self.chance(0.4)
            nouns = W.MASS_FOOD if mass else W.FOOD
            return self.pick(W.VERBS_FOOD), self.noun_phrase(nouns, FOOD_ADJ, mass=mass).obj
        if x < 0.56:
            return self.pick(W.VERBS_DRINK), self.noun_phrase(W.DRINKS, ["hot", "cold", "fresh", "good"], mass=True).obj
        if x < 0.66:
            return self.pick(W.VERBS_READ), self.noun_phrase(W.READABLE, W.THING_ADJ).obj
        if x < 0.72:
            return self.pick(W.VERBS_VEHICLE), self.noun_phrase(W.VEHICLES, W.THING_ADJ).obj
        if x < 0.86:
            return self.pick(W.VERBS_PERSON), self.person_object()
        if x < 0.94:
            return self.pick(W.VERBS_ANIMAL), self.noun_phrase(W.ANIMALS, W.PERSON_ADJ).obj
        return self.pick(W.VERBS_PLACE_DIRECT), self.place_np()[1]

    # ================================================================ sentences
    def clause(self):
        """A declarative clause (list of words) with a random tense and polarity."""
        kind = self.r.random()
        tense = self.tense()
        neg = self.chance(0.2)
        if kind < 0.40:  # S V O [PP|location] [time]
            subj = self.person_np()
            verb, obj = self.verb_and_object()
            _, vg = self.verb_group(verb, tense, subj, neg)
            words = [subj.subj] + vg + [obj]
            if self.chance(0.3):
                words.append(self.place_phrase())
        elif kind < 0.58:  # S V_intrans [manner] [PP]
            if self.chance(0.3):
                subj = self.noun_phrase(W.ANIMALS, W.PERSON_ADJ, subject=True)
                verb = self.pick(ANIMAL_INTRANS)
            else:
                subj = self.person_np()
                verb = self.pick(W.VERBS_INTRANS)
            tense = self.intrans_tense(tense, subj, verb)
            _, vg = self.verb_group(verb, tense, subj, neg)
            words = [subj.subj] + vg
            if self.chance(0.3):
                words.append(self.pick(W.MANNER_ADV))
            if self.chance(0.6):
                words.append(self.place_phrase())
        elif kind < 0.70:  # S go to PLACE
            subj = self.person_np()
            verb = self.pick(W.VERBS_MOTION)
            tense = self.intrans_tense(tense, subj, verb)
            _, vg = self.verb_group(verb, tense, subj, neg)
            words = [subj.subj] + vg + ["to", self.place_np()[1]]
        elif kind < 0.85:  # NP be [very] ADJ
            if self.chance(0.5):
                subj = self.noun_phrase(W.THINGS, W.THING_ADJ, adj=self.chance(0.5), subject=True)
                adj = self.pick(W.THING_ADJ + ["fast", "slow"])
            else:
                subj = self.person_np()
                adj = self.pick(W.PERSON_ADJ)
            _, vg = self.be(tense, subj, neg)
            words = [subj.subj] + vg + (["very"] if self.chance(0.3) and adj not in NO_VERY else []) + [adj]
            if tense in ("past", "future") and self.chance(0.3):
                words.append(self.time_adverb(tense))
            return words
        elif kind < 0.93:  # there is / there are
            pl = self.chance(0.5)
            if self.chance(0.5):
                np = self.noun_phrase(W.THINGS, W.THING_ADJ, plural_p=1.0 if pl else 0.0)
                loc = self.thing_location() if self.chance(0.5) else self.place_phrase()
            else:
                np = self.noun_phrase(W.ANIMALS + W.PEOPLE, W.PERSON_ADJ, plural_p=1.0 if pl else 0.0)
                loc = self.place_phrase()
            np = self._indefinite(np)
            be = {"past": "were" if np.plural else "was"}.get(tense, "are" if np.plural else "is")
            if tense == "future":
                be = "will be"
            if neg:  # "there are no small dogs ..."
                return ["there", be, "no"] + np.text.split()[1:] + [loc]
            return ["there", be, np.text, loc]
        else:  # S want/need to V O
            subj = self.person_np()
            verb, obj = self.verb_and_object()
            while verb_forms(verb)["base"] in STATIVE:  # not "wants to like"
                verb, obj = self.verb_and_object()
            tense = self.pick(["present", "past"])
            _, vg = self.verb_group(self.pick(["want", "need", "decide", "hope"]), tense, subj, neg)
            words = [subj.subj] + vg + ["to", verb_forms(verb)["base"], obj]
        if self.chance(0.35):
            words.append(self.time_adverb(tense))
        return words

    def _indefinite(self, np):
        """'there is the dog' is odd: rewrite the determiner as a/an/some/number."""
        words = np.text.split()
        if np.plural:
            words[0] = self.pick(["some", "many", "two", "three"] + W.NUMBERS) if words[0] not in W.NUMBERS else words[0]
        else:
            words[0] = article_for(words[1])
        return NP(" ".join(words), 3, np.plural)

    def question(self):
        """Question forms Apertium eng-spa 0.8 translates into recognisable Spanish: inverted
        do/did only with pronoun subjects ("Do you like apples?" -> "¿Te gustan las manzanas?"),
        who-questions in every tense, be + adjective, where is/are."""
        kind = self.r.random()
        tense = self.pick(["present", "past"])
        if kind < 0.30:  # Who V O?
            who = NP("who", 3, False, kind="pron")
            verb, obj = self.verb_and_object()
            t = self.tense()
            _, vg = self.verb_group(verb, t, who)
            words = ["who"] + vg + [obj]
            return words + ([self.time_adverb(t)] if self.chance(0.3) else [])
        if kind < 0.50:  # Do/Did PRONOUN V O?
            subj = self.pronoun()
            verb, obj = self.verb_and_object()
            aux, vg = self.verb_group(verb, tense, subj, question=True)
            return [aux, subj.subj] + vg + [obj] + ([self.time_adverb(tense)] if self.chance(0.3) else [])
        if kind < 0.65:  # What/Where do PRONOUN V?
            subj = self.pronoun()
            if self.chance(0.6):
                wh, verb = "what", self.pick(W.VERBS_THING + W.VERBS_READ + W.VERBS_FOOD)
            else:
                wh, verb = self.pick(["where", "when", "why"]), self.pick(W.VERBS_INTRANS)
            aux, vg = self.verb_group(verb, tense, subj, question=True)
            return [wh, aux, subj.subj] + vg + ([self.time_adverb(tense)] if self.chance(0.3) else [])
        if kind < 0.85:  # Be S ADJ?
            if self.chance(0.5):
                subj = self.person_np()
                adj = self.pick(W.PERSON_ADJ)
            else:
                subj = self.noun_phrase(W.THINGS, W.THING_ADJ, adj=self.chance(0.4))
                adj = self.pick(W.THING_ADJ)
            aux, vg = self.be(tense, subj, question=True)
            return [aux, subj.subj] + vg + (["very"] if self.chance(0.2) and adj not in NO_VERY else []) + [adj]
        # Where is the red car?
        if self.chance(0.6):
            np = self.noun_phrase(W.THINGS, W.THING_ADJ, allow_numbers=False)
        else:
            np = self.noun_phrase(W.ANIMALS, W.PERSON_ADJ, allow_numbers=False)
        aux, _ = self.be(tense, np, question=True)
        words = np.subj.split()
        if words[0] in ("a", "an", "some", "many"):  # "where is a tyre?" asks about no tyre in particular
            words[0] = "the"
        return ["where", aux] + words

    def sentence(self):
        x = self.r.random()
        if x < 0.22:
            words, end = self.question(), "?"
        elif x < 0.34:
            a, b = self.clause(), self.clause()
            if len(" ".join(a + b).split()) > 14:
                return self.sentence()
            words, end = a + [self.pick(["and", "but", "because"])] + b, "."
        else:
            words, end = self.clause(), "."
        text = " ".join(words)
        if text.startswith("cannot"):
            return self.sentence()
        text = text[0].upper() + text[1:] + end
        n = len(text.split())
        if n < 4 or n > 15:
            return self.sentence()
        return text
