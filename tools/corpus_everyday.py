"""Seeded grammar of *everyday* English for the everyday-*.tsv.gz corpus (tools/make_corpus.py --everyday).

Sentences are written as people type them: a capital letter, punctuation attached ("I went to the park
with my dog."), contractions about half the time where English allows them ("I'm", "don't", "can't",
"there's"), commas after fronted clauses and before "but"/"so". `surface()` then varies the form
(lower case, no final mark) the way people type.

Covers: pronouns in every person, names, the five tenses plus past progressive, "going to", modals
(can, could, should, must, might, would like), do-questions, wh-questions (what, where, when, why, who,
which, how, how much, how many, how old, how long), negation, imperatives (please, don't, let's),
numbers (words and digits), clock times, days, months, years, ages, prices, durations ("for ten years"),
frequency adverbs (always ... never), comparatives, "one more"/"more", prepositional phrases
(with, for, near, behind, in front of, in, at, on, by bus, from, after, before), because/when/if/that
clauses, relative clauses, coordination, and sentences of 1-25 words.

Steering around Apertium eng-spa 0.8.1 (the English stays grammatical; these only choose which sentences
are written): inverted do-questions only with pronoun or name subjects; no noun subject with an
intransitive verb in the simple present or an ambiguous -ed past; no "station" (Apertium writes
"#canal"): "bus stop" and "railway station" instead; no "key" ("tono"); "that" as a determiner only
at the start of a subject.
Python 3 standard library only; deterministic for a given seed.
"""
import random
import re

import corpus_everyday_words as E
import corpus_words as OW
from corpus_grammar import NP, STATIVE, article_for, plural, singular, verb_forms


def _merge(*lists):
    return list(dict.fromkeys(x for lst in lists for x in lst if x.split(":")[0] not in E.AVOID))


PEOPLE = _merge(E.PEOPLE, OW.PEOPLE)
ANIMALS = _merge(E.ANIMALS, OW.ANIMALS)
THINGS = _merge(E.THINGS, OW.THINGS)
FOOD = _merge(E.FOOD, OW.FOOD)
MASS_FOOD = _merge(E.MASS_FOOD, OW.MASS_FOOD)
PLACES = _merge(E.PLACES, [p for p in OW.PLACES if not p.startswith("station")])
THING_ADJ = _merge(E.THING_ADJ, [a for a in OW.THING_ADJ if a not in ("broken",)])
PERSON_ADJ = _merge(E.PERSON_ADJ, [a for a in OW.PERSON_ADJ if a not in ("surprised", "worried", "excited")])
VERBS_THING = _merge(E.VERBS_THING, OW.VERBS_THING)
VERBS_PERSON = _merge(E.VERBS_PERSON, OW.VERBS_PERSON)
VERBS_INTRANS = _merge(E.VERBS_INTRANS, OW.VERBS_INTRANS)
NAMES = _merge(E.NAMES, OW.NAMES)
ATTRIBUTIVE_PERSON_ADJ = [a for a in PERSON_ADJ if a not in
                          ("afraid", "ready", "sure", "glad", "right", "wrong", "late", "free", "ill", "worried",
                           "excited", "bored")]
PREDICATIVE_ONLY = set("surprised worried excited broken tired married bored".split())
NO_VERY = set("""terrible excellent perfect enormous tiny fantastic amazing awful horrible wonderful huge massive
ancient empty full broken dead frozen raw impossible possible necessary true right wrong sure""".split())
POSSESSIVES = "my your his her our their".split()
PRONOUNS = [("I", "me", 1, False, "my"), ("you", "you", 2, True, "your"), ("he", "him", 3, False, "his"),
            ("she", "her", 3, False, "her"), ("we", "us", 1, True, "our"), ("they", "them", 3, True, "their")]
SURFACES = "table chair bed desk sofa shelf floor".split()
CONTAINERS = "box bag drawer basket suitcase".split()
ON_PLACES_SET = E.ON_PLACES
TRANSPORT = ["bus", "car", "train", "bike", "plane", "taxi", "boat"]


def vsplit(entry):
    """'wait@for:waited:waited:waiting' -> ('wait:waited:waited:waiting', 'for'); 'go' -> ('go', '')."""
    head, _, tail = entry.partition("@")
    if not tail:
        return entry, ""
    particle, _, irr = tail.partition(":")
    return head + (":" + irr if irr else ""), particle


def n_words(words):
    """Words of a list of words and phrases ("my old friend" counts 3), commas not counted."""
    return len([w for w in " ".join(words).split() if w != ","])


def number_word(n):
    small = E.NUMBER_WORDS
    if n <= 20:
        return small[n - 1]
    tens = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty",
            90: "ninety"}
    if n < 100:
        return tens[n - n % 10] + ("" if n % 10 == 0 else "-" + small[n % 10 - 1])
    if n == 100:
        return "one hundred"
    return str(n)


# Contractions: (pattern over the written-out words, contracted form). Applied to about half the places
# where English allows them (`Everyday.contract`).
CONTRACTIONS = [
    (r"\bI am\b", "I'm"), (r"\byou are\b", "you're"), (r"\bwe are\b", "we're"), (r"\bthey are\b", "they're"),
    (r"\bhe is\b", "he's"), (r"\bshe is\b", "she's"), (r"\bit is\b", "it's"), (r"\bthat is\b", "that's"),
    (r"\bthere is\b", "there's"), (r"\bwhat is\b", "what's"), (r"\bwhere is\b", "where's"),
    (r"\bI will\b", "I'll"), (r"\byou will\b", "you'll"), (r"\bwe will\b", "we'll"), (r"\bthey will\b", "they'll"),
    (r"\bhe will\b", "he'll"), (r"\bshe will\b", "she'll"),
    (r"\b(I|you|we|they) have(?= (PARTICIPLE)\b)", r"\1've"),
    (r"\bI would\b", "I'd"),
]
# Negations first, so that "we have not" becomes "we haven't" rather than "we've not".
CONTRACTIONS = [
    (r"\bdo not\b", "don't"), (r"\bdoes not\b", "doesn't"), (r"\bdid not\b", "didn't"), (r"\bwill not\b", "won't"),
    (r"\bcannot\b", "can't"), (r"\bis not\b", "isn't"), (r"\bare not\b", "aren't"), (r"\bwas not\b", "wasn't"),
    (r"\bwere not\b", "weren't"), (r"\bhave not\b", "haven't"), (r"\bhas not\b", "hasn't"),
    (r"\bcould not\b", "couldn't"), (r"\bshould not\b", "shouldn't"), (r"\bwould not\b", "wouldn't"),
] + CONTRACTIONS


def _participles():
    entries = []
    for name in dir(E):
        if name.startswith("VERBS_"):
            entries += getattr(E, name)
    for name in dir(OW):
        if name.startswith("VERBS_"):
            entries += getattr(OW, name)
    forms = {verb_forms(vsplit(e)[0])["pp"] for e in entries} | {"been", "lived", "worked", "studied", "stayed",
                                                                  "waited", "started", "finished"}
    return "|".join(sorted(forms, key=lambda f: (-len(f), f)))


CONTRACTIONS = [(re.compile(p.replace("PARTICIPLE", _participles())), r) for p, r in CONTRACTIONS]


class Everyday:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    # ================================================================ noun phrases
    def adjectives(self, pool, p_one=0.4):
        if self.chance(p_one):
            return [self.pick([a for a in pool if a not in PREDICATIVE_ONLY])]
        return []

    def np(self, entries, adj_pool=None, mass=False, plural_p=0.3, subject=False, numbers=True, det=None,
           more=False):
        entry = self.pick(entries)
        adjs = self.adjectives(adj_pool) if adj_pool else []
        pl = (not mass) and self.chance(plural_p)
        noun = plural(entry) if pl else singular(entry)
        words = adjs + [noun]
        if det is None:
            if mass:
                det = self.pick(["the", "the", "some", "this"] + (["more"] if more else []) + (["that"] if subject else [])
                                + POSSESSIVES)
            elif pl:
                dets = ["the", "the", "these", "those", "some", "many", "all the"] + (["more"] if more else []) + POSSESSIVES
                if numbers:
                    dets += ["two", "three", "four", "five", "ten", "twenty"]
                det = self.pick(dets)
            else:
                det = self.pick(["the", "the", "the", "a", "a", "this"] + (["one more"] if more else [])
                                + (["that"] if subject else []) + POSSESSIVES)
                if det == "a":
                    det = article_for(words[0])
        return NP(" ".join([det] + words), 3, pl)

    def things(self):
        """Everyday things twice as often as the long list."""
        return E.THINGS if self.chance(0.65) else THINGS

    def people(self):
        return E.PEOPLE if self.chance(0.65) else PEOPLE

    def pronoun(self, it=False):
        choices = PRONOUNS + ([("it", "it", 3, False, "its")] if it else [])
        subj, obj, person, pl, _ = self.pick(choices)
        return NP(subj, person, pl, subj, obj, kind="pron")

    @staticmethod
    def you():
        return NP("you", 2, True, kind="pron")

    def person_np(self, subject=True):
        x = self.r.random()
        if x < 0.4:
            return self.pronoun()
        if x < 0.55:
            return NP(self.pick(NAMES), kind="name")
        if x < 0.75:  # "my mother", "our neighbours"
            entry = self.pick(E.PEOPLE[:40])
            pl = self.chance(0.25)
            return NP(self.pick(POSSESSIVES) + " " + (plural(entry) if pl else singular(entry)), 3, pl)
        return self.np(self.people(), ATTRIBUTIVE_PERSON_ADJ, subject=subject, numbers=not subject)

    def obj_person(self):
        np = self.person_np(subject=False)
        return np.obj

    def place(self):
        """A place noun phrase: 'the park', 'my house', 'the bus stop', 'London'."""
        x = self.r.random()
        if x < 0.07:
            return "city", self.pick(E.CITIES + E.COUNTRIES)
        if x < 0.15:
            return "station", "the " + self.pick(E.STATIONS)
        entry = singular(self.pick(PLACES))
        adjs = [self.pick(["big", "small", "new", "old", "beautiful", "little", "nice", "quiet", "local"])] \
            if self.chance(0.2) else []
        det = self.pick(["the", "the", "the", "the", "a", "my", "our", "their", "his", "her", "this"])
        if det == "a":
            det = article_for((adjs + [entry])[0])
        return entry, " ".join([det] + adjs + [entry])

    def place_pp(self, allow_near=True):
        kind, np = self.place()
        if kind == "city":
            return "in " + np
        preps = ["in", "in", "behind", "in front of"] + (["near", "near"] if allow_near else [])
        if kind in ON_PLACES_SET:
            preps += ["on", "on"]
        if kind in E.AT_PLACES or kind == "station":
            preps += ["at", "at", "at"]
        return self.pick(preps) + " " + np

    def thing_location(self):
        x = self.r.random()
        if x < 0.4:
            return self.pick(["on", "under"]) + " the " + self.pick(SURFACES)
        if x < 0.65:
            return "in " + self.pick(["the", "my", "his", "her", "your", "our"]) + " " + self.pick(CONTAINERS)
        if x < 0.8:
            return self.pick(["near", "behind", "in front of", "next to"]) + " the " + singular(self.pick(E.THINGS))
        return self.place_pp()

    # ================================================================ times, numbers, companions
    def clock(self):
        h = self.r.randint(1, 12)
        x = self.r.random()
        if x < 0.45:
            return number_word(h) + " o'clock"
        if x < 0.65:
            return number_word(h)
        if x < 0.85:
            return "%d:%02d" % (h, self.pick([0, 15, 30, 45, 10, 20]))
        return "%d %s" % (h, self.pick(["a.m.", "p.m."]))

    def duration(self):
        n = self.pick([1, 2, 2, 3, 3, 4, 5, 6, 10, 10, 12, 15, 20, 30])
        unit = self.pick(E.TIME_UNITS)
        if n == 1:
            return ("an " if unit == "hour" else "a ") + unit
        num = number_word(n) if self.chance(0.8) else str(n)
        return num + " " + unit + "s"

    def time_expr(self, tense):
        table = {"past": E.TIME_PAST, "past_prog": E.TIME_PAST, "present": E.TIME_PRESENT,
                 "future": E.TIME_FUTURE, "going": E.TIME_FUTURE, "progressive": E.TIME_PROGRESSIVE,
                 "perfect": E.TIME_PERFECT, "can": E.TIME_FUTURE, "could": E.TIME_PAST,
                 "should": E.TIME_FUTURE, "must": E.TIME_FUTURE, "might": E.TIME_FUTURE}
        x = self.r.random()
        if tense in ("perfect",):
            return self.pick(E.TIME_PERFECT)
        if x < 0.12:
            return "at " + self.clock()
        if x < 0.22 and tense in ("past", "future", "going", "present", "past_prog"):
            return "on " + self.pick(E.DAYS) + ("s" if tense == "present" else "")
        if x < 0.27 and tense in ("past", "future", "going"):
            return "in " + self.pick(E.MONTHS)
        return self.pick(table[tense])

    def extra_pp(self, kinds):
        """One prepositional phrase of a kind not in `kinds` (which it extends)."""
        options = ["with", "place", "by", "for_person", "after", "from", "without"]
        options = [o for o in options if o not in kinds]
        if not options:
            return None
        k = self.pick(options)
        kinds.add(k)
        if k == "with":
            x = self.r.random()
            if x < 0.4:
                return "with " + self.pick(POSSESSIVES) + " " + self.pick(
                    ["dog", "friends", "family", "brother", "sister", "mother", "father", "children", "wife",
                     "husband", "parents", "cat", "friend", "colleagues", "boyfriend", "girlfriend"])
            if x < 0.6:
                return "with " + self.pick(NAMES)
            return "with " + self.pick(["me", "us", "him", "her", "them", "you"])
        if k == "place":
            return self.place_pp()
        if k == "by":
            return "by " + self.pick(TRANSPORT)
        if k == "for_person":
            return "for " + self.obj_person()
        if k == "after":
            return self.pick(["after", "before"]) + " " + self.pick(
                ["school", "work", "lunch", "dinner", "breakfast", "the meeting", "the class", "the party",
                 "the film", "the game"])
        if k == "from":
            return "from " + self.pick(["work", "school", "home"] + E.CITIES + E.COUNTRIES)
        return "without " + self.pick(["my", "his", "her", "their", "our", "your"]) + " " + self.pick(
            ["phone", "bag", "umbrella", "coat", "wallet", "ticket", "glasses", "passport", "money"])

    # ================================================================ verbs
    def tense(self, modal=True):
        tenses = ["present", "present", "past", "past", "past", "future", "going", "progressive", "past_prog",
                  "perfect"]
        if modal:
            tenses += ["can", "could", "should", "must", "might"]
        return self.pick(tenses)

    def verb_group(self, entry, tense, subj, neg=False, question=False):
        """Returns (aux before the subject or None, words after the subject) for verb entry
        (which may carry a particle: 'wait@for')."""
        entry, particle = vsplit(entry)
        f = verb_forms(entry)
        third = subj.person == 3 and not subj.plural
        tail = [particle] if particle else []
        if tense in ("progressive", "past_prog") and f["base"] in STATIVE | {"have", "know", "own", "believe"}:
            tense = "present" if tense == "progressive" else "past"
        if tense == "present":
            if not neg and not question:
                return None, [f["s"] if third else f["base"]] + tail
            return self._aux("does" if third else "do", [f["base"]] + tail, neg, question)
        if tense == "past":
            if not neg and not question:
                return None, [f["past"]] + tail
            return self._aux("did", [f["base"]] + tail, neg, question)
        if tense == "future":
            return self._aux("will", [f["base"]] + tail, neg, question)
        if tense == "going":
            be = self.be_form("present", subj)
            return self._aux(be, ["going", "to", f["base"]] + tail, neg, question)
        if tense == "can":
            if neg and not question:
                return None, ["cannot", f["base"]] + tail
            return self._aux("can", [f["base"]] + tail, neg, question)
        if tense in ("could", "should", "must", "might", "would"):
            return self._aux(tense, [f["base"]] + tail, neg, question)
        if tense == "progressive":
            return self._aux(self.be_form("present", subj), [f["ing"]] + tail, neg, question)
        if tense == "past_prog":
            return self._aux(self.be_form("past", subj), [f["ing"]] + tail, neg, question)
        if tense == "perfect":
            return self._aux("has" if third else "have", [f["pp"]] + tail, neg, question)
        raise ValueError(tense)

    @staticmethod
    def _aux(aux, rest, neg, question):
        if question:
            return aux, rest
        return None, [aux] + (["not"] if neg else []) + rest

    @staticmethod
    def be_form(tense, subj):
        third = subj.person == 3 and not subj.plural
        if tense == "past":
            return "was" if (not subj.plural and subj.person != 2) else "were"
        return "am" if subj.person == 1 and not subj.plural else ("is" if third else "are")

    def be(self, tense, subj, neg=False, question=False):
        if tense in ("past", "past_prog", "could"):
            return self._aux(self.be_form("past", subj), [], neg, question)
        if tense in ("future", "going", "might", "should", "must", "can"):
            aux = {"going": "will", "can": "will", "future": "will"}.get(tense, tense)
            return self._aux(aux, ["be"], neg, question)
        if tense == "perfect":
            third = subj.person == 3 and not subj.plural
            return self._aux("has" if third else "have", ["been"], neg, question)
        return self._aux(self.be_form("present", subj), [], neg, question)

    def intrans_tense(self, tense, subj, verb):
        """'the dog runs' / 'the man slept' are read as noun compounds by Apertium's tagger."""
        f = verb_forms(vsplit(verb)[0])
        if subj.kind == "noun" and (tense == "present" or (tense == "past" and f["past"] == f["pp"])):
            return self.pick(["future", "going", "progressive", "perfect", "can", "past_prog"])
        return tense

    def verb_and_object(self):
        """(verb entry, object words) for a person subject."""
        x = self.r.random()
        if x < 0.30:
            return self.pick(VERBS_THING), self.np(self.things(), THING_ADJ, more=True).obj
        if x < 0.42:
            mass = self.chance(0.45)
            return self.pick(E.VERBS_FOOD), self.np(MASS_FOOD if mass else FOOD, E.THING_ADJ[:30] if not mass else None,
                                                     mass=mass, more=True).obj
        if x < 0.48:
            return self.pick(E.VERBS_DRINK), self.np(E.DRINKS, None, mass=True, more=True).obj
        if x < 0.52:
            return self.pick(E.VERBS_FOOD), self.pick(["breakfast", "lunch", "dinner"])
        if x < 0.60:
            return self.pick(E.VERBS_READ), self.np(OW.READABLE, THING_ADJ).obj
        if x < 0.74:
            return self.pick(VERBS_PERSON), self.obj_person()
        if x < 0.88:
            entry = self.pick(E.ABSTRACT)
            mass = singular(entry) in E.ABSTRACT_MASS
            return self.pick(E.VERBS_ABSTRACT), self.np([entry], E.ABSTRACT_ADJ, mass=mass,
                                                         plural_p=0 if mass else 0.3).obj
        if x < 0.94:
            return self.pick(OW.VERBS_ANIMAL), self.np(ANIMALS, ATTRIBUTIVE_PERSON_ADJ).obj
        return self.pick(["visit", "clean", "leave:left:left", "like", "love", "find:found:found"]), self.place()[1]

    # ================================================================ clauses
    def clause(self, tense=None, neg=None, subj=None, short=False):
        """A declarative clause (list of words)."""
        tense = tense or self.tense()
        neg = self.chance(0.18) if neg is None else neg
        kind = self.r.random()
        kinds = set()
        if kind < 0.30:  # S V O [PP] [time]
            subj = subj or self.person_np()
            verb, obj = self.verb_and_object()
            _, vg = self.verb_group(verb, tense, subj, neg)
            words = [subj.subj] + vg + obj.split()
            if not short and self.chance(0.35):
                words += self.extra_pp(kinds).split()
        elif kind < 0.42:  # S V_intrans [manner] [PP]
            if subj is None and self.chance(0.2):
                subj = self.np(ANIMALS, ATTRIBUTIVE_PERSON_ADJ, subject=True)
                verb = self.pick(OW.VERBS_ANIMAL[:0] + ["sleep:slept:slept", "run:ran:run:running", "walk", "play",
                                                         "eat:ate:eaten", "swim:swam:swum:swimming"])
            else:
                subj = subj or self.person_np()
                verb = self.pick(VERBS_INTRANS)
            tense = self.intrans_tense(tense, subj, verb)
            _, vg = self.verb_group(verb, tense, subj, neg)
            words = [subj.subj] + vg
            if self.chance(0.2):
                words.append(self.pick(E.MANNER_ADV))
            if not short and self.chance(0.6):
                words += self.extra_pp(kinds).split()
        elif kind < 0.56:  # S go to PLACE [with ...] [by ...]
            subj = subj or self.person_np()
            verb = self.pick(E.VERBS_MOTION)
            tense = self.intrans_tense(tense, subj, verb)
            _, vg = self.verb_group(verb, tense, subj, neg)
            kinds.add("place")
            kinds.add("from")
            p = self.place()[1]
            dest = ["home"] if self.chance(0.08) else ["to"] + p.split()
            words = [subj.subj] + vg + dest
            if not short:
                for _ in range(self.pick([0, 1, 1, 2])):
                    pp = self.extra_pp(kinds)
                    if pp:
                        words += pp.split()
        elif kind < 0.70:  # NP be [very] ADJ
            x = self.r.random()
            if subj is not None or x < 0.45:
                subj = subj or self.person_np()
                adj = self.pick(PERSON_ADJ)
            elif x < 0.52:  # "The red car is very fast."
                subj = self.np(["car", "bus", "train", "bike", "boat", "plane", "horse", "dog", "computer",
                                "taxi"], ["red", "blue", "new", "old", "big", "small", "black", "white"], subject=True)
                adj = self.pick(["fast", "fast", "slow", "expensive", "new", "old", "cheap"])
            elif x < 0.75:
                subj = self.np(THINGS, THING_ADJ if self.chance(0.3) else None, subject=True)
                adj = self.pick(THING_ADJ + ["fast", "slow", "fast"])
            elif x < 0.9:
                entry = self.pick(E.ABSTRACT)
                mass = singular(entry) in E.ABSTRACT_MASS
                subj = self.np([entry], None, mass=mass, plural_p=0 if mass else 0.3, subject=True)
                adj = self.pick(E.ABSTRACT_ADJ)
            else:
                subj = NP("it", 3, False, kind="pron")
                adj = self.pick(E.WEATHER_ADJ + E.ABSTRACT_ADJ)
            _, vg = self.be(tense, subj, neg)
            deg = [self.pick(E.DEGREE)] if self.chance(0.35) and adj not in NO_VERY else []
            words = [subj.subj] + vg + deg + [adj]
            if tense in ("past", "future") and self.chance(0.3):
                words += self.time_expr(tense).split()
            return words
        elif kind < 0.76:  # NP be LOCATION
            if self.chance(0.5):
                subj = subj or self.person_np()
                loc = self.place_pp() if self.chance(0.8) else self.pick(["at home", "at work", "at school", "here",
                                                                          "there"])
            else:
                subj = self.np(THINGS, None, subject=True, numbers=False)
                loc = self.thing_location()
            _, vg = self.be(self.pick(["present", "present", "past", "future"]), subj, neg)
            return [subj.subj] + vg + loc.split()
        elif kind < 0.81:  # there is / there are
            pl = self.chance(0.5)
            if self.chance(0.6):
                np = self.np(THINGS, THING_ADJ, plural_p=1.0 if pl else 0.0)
                loc = self.thing_location()
            else:
                np = self.np(ANIMALS + PEOPLE, ATTRIBUTIVE_PERSON_ADJ, plural_p=1.0 if pl else 0.0)
                loc = self.place_pp()
            w = np.text.split()
            if np.plural:
                w[0] = self.pick(["some", "many", "two", "three", "a lot of", "no", "more", "five", "ten"])
            else:
                w[0] = article_for(w[1])
            t = self.pick(["present", "present", "past", "future"])
            be = {"past": "were" if np.plural else "was", "future": "will be"}.get(t, "are" if np.plural else "is")
            return ["there"] + be.split() + w + loc.split()
        elif kind < 0.86:  # S have NP / S have N brothers
            subj = subj or self.person_np()
            if self.chance(0.5):
                n = self.pick([1, 2, 2, 3, 4, 5])
                what = self.pick(["brother", "sister", "child:children", "son", "daughter", "cousin", "friend",
                                  "cat", "dog", "car", "book", "room", "bedroom", "question", "idea", "problem"])
                obj = ("one " + singular(what)) if n == 1 else (number_word(n) + " " + plural(what))
            else:
                obj = self.np(THINGS + ["idea", "question", "problem", "job", "plan", "meeting", "headache",
                                        "cold"], THING_ADJ, det=self.pick(["a", "a", "one more", "no"])).text
                if obj.startswith("a "):
                    obj = article_for(obj.split()[1]) + obj[1:]
            t = self.pick(["present", "present", "past", "future"])
            _, vg = self.verb_group("have:had:had", t, subj, neg and not obj.startswith("no "))
            words = [subj.subj] + vg + obj.split()
            if self.chance(0.3):
                words += self.time_expr(t).split()
            return words
        elif kind < 0.90:  # S want/need/try to V O
            subj = subj or self.person_np()
            verb, obj = self.verb_and_object()
            while verb_forms(vsplit(verb)[0])["base"] in STATIVE:
                verb, obj = self.verb_and_object()
            t = self.pick(["present", "past", "future", "perfect"])
            _, vg = self.verb_group(self.pick(E.VERBS_TO_INF), t, subj, neg)
            v, particle = vsplit(verb)
            words = [subj.subj] + vg + ["to", verb_forms(v)["base"]] + ([particle] if particle else []) + obj.split()
        elif kind < 0.95:  # duration: have lived here for ten years / waited for two hours
            subj = subj or self.person_np()
            if self.chance(0.5):
                verb = self.pick(["live", "work", "study", "wait", "stay", "be"])
                where = self.pick(["here", "there", "in " + self.pick(E.CITIES + E.COUNTRIES)]) \
                    if verb != "wait" else ""
                if verb == "be":
                    _, vg = self.be("perfect", subj, neg)
                    where = self.pick(["here", "married", "friends", "there", "in " + self.pick(E.CITIES)])
                else:
                    _, vg = self.verb_group(verb, "perfect", subj, neg)
                if verb == "work" and self.chance(0.4):
                    where = self.pick(["at the hospital", "at the bank", "in this office", "at the school",
                                       "at the university"])
                words = [subj.subj] + vg + where.split() + ["for"] + self.duration().split()
            else:
                verb = self.pick(["wait", "walk", "talk", "sleep:slept:slept", "work", "study", "play",
                                  "swim:swam:swum:swimming", "run:ran:run:running", "read:read:read"])
                t = self.pick(["past", "future", "past"])
                _, vg = self.verb_group(verb, t, subj, neg)
                words = [subj.subj] + vg + ["for"] + self.duration().split()
                if self.chance(0.4):
                    words += self.time_expr(t).split()
            return words
        else:  # frequency adverb with the simple present
            subj = subj or self.pronoun()
            adv = self.pick(E.FREQ_ADV)
            verb, obj = self.verb_and_object()
            v, particle = vsplit(verb)
            f = verb_forms(v)
            third = subj.person == 3 and not subj.plural
            words = [subj.subj, adv, f["s"] if third else f["base"]] + ([particle] if particle else []) + obj.split()
            if self.chance(0.4):
                words += self.time_expr("present").split()
            return words
        if not short and self.chance(0.3):
            when = self.time_expr(tense).split()
            # Fronted about a third of the time ("Tomorrow morning we will go to the beach.", with a comma or
            # not): typed sentences often start with the time, and the first corpus had "Tomorrow" capitalised
            # at the start of only 9 sentences.
            if self.chance(0.35):
                return when + ([","] if self.chance(0.4) else []) + words
            words += when
        return words

    # ================================================================ sentence types
    def statement(self):
        return self.clause(), "."

    def comparison(self):
        x = self.r.random()
        if x < 0.5:
            adj = self.pick(sorted(E.COMPARATIVES) + ["expensive", "interesting", "beautiful", "important",
                                                     "comfortable", "dangerous", "difficult", "popular"])
            comp = E.COMPARATIVES.get(adj)
            comp = [comp] if comp else ["more", adj]
            if adj in ("tall", "young", "rich", "happy", "strong") or self.chance(0.3):
                a, b = self.person_np(), self.person_np(subject=False)
                b = b.obj if b.kind != "pron" else self.pick(["me", "him", "her", "us", "them", "you"])
            else:
                a = self.np(THINGS, None, subject=True, numbers=False)
                b = self.np(THINGS, None, numbers=False).obj
            _, vg = self.be(self.pick(["present", "present", "past"]), a)
            return [a.subj] + vg + comp + ["than"] + b.split(), "."
        if x < 0.8:
            subj = self.person_np()
            t = self.pick(["present", "past", "future"])
            _, vg = self.verb_group(self.pick(["need", "want", "have:had:had", "buy:bought:bought"]), t, subj,
                                    self.chance(0.2))
            what = self.pick(["time", "money", "water", "bread", "coffee", "help", "information", "food", "milk",
                              "friends", "books", "chairs", "eggs", "apples", "days", "people"])
            return [subj.subj] + vg + ["more", what], "."
        subj = self.person_np()
        t = self.pick(["present", "past", "future"])
        verb, what = self.pick([("drink:drank:drunk", ["coffee", "cup of tea", "glass of water", "beer"]),
                                ("eat:ate:eaten", ["piece of cake", "apple", "sandwich", "egg", "cookie"]),
                                ("want", ["coffee", "ticket", "day", "week", "minute", "sandwich"]),
                                ("need", ["day", "week", "minute", "ticket", "chair", "bag"]),
                                ("buy:bought:bought", ["ticket", "bottle of water", "book", "apple", "pen"]),
                                ("have:had:had", ["question", "idea", "coffee", "day"])])
        what = self.pick(what)
        _, vg = self.verb_group(verb, t, subj)
        return [subj.subj] + vg + ["one", "more", what], "."

    def complex_sentence(self):
        x = self.r.random()
        t = self.pick(["present", "past", "past", "future"])
        if x < 0.22:  # because
            a, b = self.clause(tense=t), self.clause(tense=self.pick([t, "present", "past"]))
            if self.chance(0.25):
                return ["because"] + b + [","] + a, "."
            return a + ["because"] + b, "."
        if x < 0.42:  # when
            if t == "future":
                a, b = self.clause(tense="future"), self.clause(tense="present", neg=False)
            else:
                a, b = self.clause(tense=t), self.clause(tense=t, neg=False)
            if self.chance(0.5):
                return ["when"] + b + [","] + a, "."
            return a + ["when"] + b, "."
        if x < 0.52:  # if
            a, b = self.clause(tense="future"), self.clause(tense="present")
            if self.chance(0.6):
                return ["if"] + b + [","] + a, "."
            return a + ["if"] + b, "."
        if x < 0.70:  # that-clause
            subj = self.person_np()
            v = self.pick(E.VERBS_THAT)
            t2 = self.pick(["present", "past"])
            _, vg = self.verb_group(v, t2, subj, self.chance(0.1))
            that = ["that"] if self.chance(0.6) else []
            inner = self.clause(tense=self.pick(["present", "past", "future", "perfect", "progressive"]))
            return [subj.subj] + vg + that + inner, "."
        if x < 0.80:  # before / after
            a, b = self.clause(tense="past"), self.clause(tense="past", neg=False)
            w = self.pick(["before", "after"])
            if self.chance(0.4):
                return [w] + b + [","] + a, "."
            return a + [w] + b, "."
        if x < 0.88:  # relative clause on a person subject
            entry = self.pick(E.PEOPLE[:30])
            head = self.pick(["the", "my", "a"]) + " " + singular(entry)
            if head.startswith("a "):
                head = article_for(singular(entry)) + head[1:]
            who = NP(head, 3, False)
            verb, obj = self.verb_and_object()
            _, vg = self.verb_group(verb, self.pick(["present", "past"]), who)
            rel = [self.pick(["who", "who", "that"])] + vg + obj.split()
            _, be = self.be(self.pick(["present", "past"]), who, self.chance(0.15))
            pred = self.pick([[self.pick(PERSON_ADJ)], ["my", self.pick(["friend", "neighbour", "teacher",
                                                                          "cousin", "uncle", "aunt", "boss"])],
                              self.place_pp().split()])
            return head.split() + rel + be + pred, "."
        # coordination: and / but / so / or
        a, b = self.clause(tense=t), self.clause(tense=self.pick([t, t, "present", "future"]))
        conj = self.pick(["and", "and", "but", "but", "so", "or"])
        comma = [","] if conj in ("but", "so") and self.chance(0.6) or (conj == "and" and self.chance(0.15)) else []
        return a + comma + [conj] + b, "."

    def question(self):
        x = self.r.random()
        t = self.pick(["present", "present", "past", "future", "perfect", "progressive"])
        if x < 0.22:  # do/does/did PRONOUN-or-NAME V O?
            subj = (self.you() if self.chance(0.5) else self.pronoun()) if self.chance(0.8) \
                else NP(self.pick(NAMES), kind="name")
            t = self.pick(["present", "present", "past"])
            verb, obj = self.verb_and_object()
            neg = self.chance(0.1)
            aux, vg = self.verb_group(verb, t, subj, question=True)
            if neg:
                aux = aux + "n't"
            words = [aux, subj.subj] + vg + obj.split()
            if self.chance(0.3):
                words += self.time_expr(t).split()
            return words, "?"
        if x < 0.36:  # wh + aux + pronoun + V
            subj = self.you() if self.chance(0.5) else self.pronoun()
            y = self.r.random()
            if y < 0.4:
                wh, verb = "what", self.pick(E.VERBS_THING[:12] + ["eat:ate:eaten", "drink:drank:drunk", "read:read:read",
                                                                  "want", "need", "buy:bought:bought"])
            else:
                wh, verb = self.pick(["where", "when", "why", "how"]), self.pick(VERBS_INTRANS + ["live", "go:went:gone"])
            t2 = self.pick(["present", "past", "future", "progressive"])
            aux, vg = self.verb_group(verb, t2, subj, question=True)
            words = [wh, aux, subj.subj] + vg
            if self.chance(0.3):
                words += self.time_expr(t2).split()
            return words, "?"
        if x < 0.46:  # where is / are NP?
            if self.chance(0.25):
                kind, p = self.place()
                return ["where", "is"] + p.split(), "?"
            np = self.np(THINGS + ANIMALS[:8], None, numbers=False, plural_p=0.25)
            w = np.subj.split()
            if w[0] in ("a", "an", "some", "many", "one", "more", "all"):
                w = ["the"] + w[1:] if w[0] != "all" else w[1:]
            if w[0] == "the" and w[1] in ("more",):
                w = w[:1] + w[2:]
            return ["where", "are" if np.plural else "is"] + w, "?"
        if x < 0.56:  # be S ADJ?
            person = self.chance(0.6)
            subj = self.person_np() if person else self.np(self.things(), None, numbers=False)
            adj = self.pick(PERSON_ADJ if person else THING_ADJ + ["fast", "slow"])
            aux, vg = self.be(self.pick(["present", "present", "past"]), subj, question=True)
            deg = [self.pick(E.DEGREE)] if self.chance(0.2) and adj not in NO_VERY else []
            return [aux, subj.subj] + vg + deg + [adj], "?"
        if x < 0.66:  # can/could/will/would you ...?
            modal = self.pick(["can", "can", "could", "will", "would"])
            subj = self.pick([("you", 2, True), ("you", 2, True), ("I", 1, False), ("we", 1, True)])
            np = NP(subj[0], subj[1], subj[2], kind="pron")
            verb, obj = self.verb_and_object()
            v, particle = vsplit(verb)
            while verb_forms(v)["base"] in STATIVE:
                verb, obj = self.verb_and_object()
                v, particle = vsplit(verb)
            words = [modal, np.subj, verb_forms(v)["base"]] + ([particle] if particle else []) + obj.split()
            if self.chance(0.3):
                words += ([","] if self.chance(0.5) else []) + ["please"]
            return words, "?"
        if x < 0.72:  # is there ... ?
            pl = self.chance(0.4)
            thing = self.np(self.things(), None, plural_p=1.0 if pl else 0.0)
            w = thing.text.split()
            w[0] = ("any" if pl else article_for(w[1]))
            loc = self.pick(["near here", "here", "in this town", "in the kitchen", "near the hotel",
                             "on the table", "in the box", "in your bag", "near the park", "nearby"])
            return ["are" if pl else "is", "there"] + w + loc.split(), "?"
        if x < 0.84:  # how much / how many / how old / how long / what time / which / who
            y = self.r.random()
            if y < 0.15:
                np = self.np(THINGS + FOOD, None, numbers=False, det=self.pick(["this", "that", "the", "your"]))
                return ["how", "much", "is" if not np.plural else "are"] + np.text.split(), "?"
            if y < 0.3:
                subj = self.pronoun()
                what = plural(self.pick(["brother", "sister", "child:children", "book", "cat", "dog", "friend",
                                         "car", "room", "student", "apple", "ticket"]))
                aux, vg = self.verb_group("have:had:had", self.pick(["present", "past"]), subj, question=True)
                return ["how", "many", what, aux, subj.subj] + vg, "?"
            if y < 0.42:
                subj = self.person_np()
                be = self.be_form("present", subj)
                return ["how", "old", be, subj.subj], "?"
            if y < 0.54:
                subj = self.pronoun()
                verb = self.pick(["live", "work", "study", "wait", "be"])
                if verb == "be":
                    return ["how", "long", "have" if subj.plural or subj.person != 3 else "has", subj.subj, "been",
                            self.pick(["here", "married", "there", "in " + self.pick(E.CITIES)])], "?"
                aux, vg = self.verb_group(verb, "perfect", subj, question=True)
                return ["how", "long", aux, subj.subj] + vg + [self.pick(["here", "there"])], "?"
            if y < 0.7:
                if self.chance(0.3):
                    return ["what", "time", "is", "it"], "?"
                what = self.pick(["the shop", "the bank", "the museum", "the library", "the supermarket",
                                  "the restaurant", "the train", "the bus", "the film", "the class", "the meeting",
                                  "the party", "the game"])
                verb = self.pick(["open", "close", "start", "begin:began:begun:beginning", "finish", "leave:left:left",
                                  "arrive"])
                aux, vg = self.verb_group(verb, self.pick(["present", "present", "future"]),
                                          NP(what, 3, False), question=True)
                return [self.pick(["what time", "when"])] + [aux] + what.split() + vg, "?"
            if y < 0.85:
                subj = self.pronoun()
                what = self.pick(["book", "film", "colour", "one", "song", "car", "shirt", "dress", "cake", "bus",
                                  "room", "game"])
                verb = self.pick(["want", "like", "prefer:preferred:preferred:preferring", "need", "buy:bought:bought",
                                  "choose:chose:chosen"])
                aux, vg = self.verb_group(verb, self.pick(["present", "past"]), subj, question=True)
                return ["which", what, aux, subj.subj] + vg, "?"
            who = NP("who", 3, False, kind="pron")
            verb, obj = self.verb_and_object()
            t2 = self.tense(modal=False)
            _, vg = self.verb_group(verb, t2, who)
            return ["who"] + vg + obj.split(), "?"
        if x < 0.9:  # have you ever been to ... / are you going to ...
            if self.chance(0.5):
                return ["have", "you", "ever", "been", "to", self.pick(E.COUNTRIES + E.CITIES)], "?"
            subj = self.pronoun()
            aux, vg = self.verb_group(self.pick(E.VERBS_MOTION), "progressive", subj, question=True)
            return [aux, subj.subj] + vg + ["to"] + self.place()[1].split() + self.time_expr("future").split(), "?"
        # what are you doing? / what's your name? / fixed questions
        return self.pick([
            ["what", "are", "you", "doing"], ["what", "is", "your", "name"], ["how", "are", "you"],
            ["where", "do", "you", "live"], ["where", "are", "you", "from"], ["what", "do", "you", "do"],
            ["what", "is", "this"], ["who", "is", "that", self.pick(["man", "woman", "boy", "girl"])],
            ["what", "day", "is", "it", "today"], ["are", "you", "OK"], ["why", "not"],
            ["what", "is", "the", "weather", "like", "today"], ["where", "are", "my", self.pick(["shoes", "glasses",
                                                                                                 "books"])],
            ["do", "you", "speak", self.pick(["English", "Spanish", "French"])],
            ["how", "was", "your", self.pick(["day", "trip", "holiday", "weekend", "exam"])],
        ]), "?"

    def imperative(self):
        x = self.r.random()
        verb, obj = self.verb_and_object()
        v, particle = vsplit(verb)
        base = verb_forms(v)["base"]
        while base in STATIVE or base in ("have", "know", "hate", "miss", "trust"):
            verb, obj = self.verb_and_object()
            v, particle = vsplit(verb)
            base = verb_forms(v)["base"]
        vp = [base] + ([particle] if particle else []) + obj.split()
        end = "!" if self.chance(0.3) else "."
        if x < 0.3:
            return vp + ([self.pick(["now", "today", "tomorrow", "later"])] if self.chance(0.3) else []), end
        if x < 0.5:
            if self.chance(0.5):
                return ["please"] + vp, end
            return vp + ([","] if self.chance(0.5) else []) + ["please"], end
        if x < 0.7:
            return (["don't"] if self.chance(0.7) else ["do", "not"]) + vp, end
        if x < 0.8:
            return ["let's"] + self.pick([["go", "to"] + self.place()[1].split(), vp, ["go", "home"],
                                          ["eat", "something"], ["have", "dinner"]]), end
        return self.pick([["sit", "down"], ["come", "here"], ["be", "careful"], ["wait", "for", "me"],
                          ["call", "me", self.pick(["tomorrow", "later", "tonight"])], ["help", "me"],
                          ["come", "with", "me"], ["give", "me", "the", self.pick(["book", "bag", "pen", "money",
                                                                                   "ticket"])],
                          ["look", "at", "this"], ["listen", "to", "me"], ["stop"], ["go", "away"],
                          ["close", "the", "door"], ["open", "the", "window"], ["turn", "left"], ["turn", "right"],
                          ["don't", "worry"], ["don't", "be", "late"], ["hurry", "up"]]), end

    def times_and_numbers(self):
        x = self.r.random()
        if x < 0.15:
            h = self.r.randint(1, 12)
            y = self.r.random()
            if y < 0.5:
                t = [number_word(h), "o'clock"]
            elif y < 0.75:
                t = ["half", "past", number_word(h)]
            else:
                t = ["%d:%02d" % (h, self.pick([5, 10, 15, 20, 30, 40, 45, 50]))]
            return ["it", "is"] + t, "."
        if x < 0.3:
            what = self.pick(["the meeting", "the class", "the film", "the party", "the game", "my train",
                              "the bus", "dinner", "lunch", "the concert", "the exam", "my appointment"])
            _, be = self.be(self.pick(["present", "past", "future"]), NP(what, 3, False))
            when = self.pick([["at"] + self.clock().split(), ["on", self.pick(E.DAYS)], ["in", self.pick(E.MONTHS)],
                              ["on", self.pick(E.MONTHS), str(self.r.randint(1, 28))], ["tomorrow"], ["today"]])
            return what.split() + be + when, "."
        if x < 0.42:
            subj = self.person_np()
            n = self.r.randint(2, 90)
            num = number_word(n) if self.chance(0.6) else str(n)
            _, be = self.be(self.pick(["present", "present", "past", "future"]), subj)
            return [subj.subj] + be + [num, "years", "old"], "."
        if x < 0.52:
            subj = self.person_np()
            _, be = self.be("past", subj)
            return [subj.subj] + be + ["born", "in", self.pick([str(self.r.randint(1950, 2020)), self.pick(E.MONTHS),
                                                                 self.pick(E.CITIES + E.COUNTRIES)])], "."
        if x < 0.62:
            np = self.np(THINGS + FOOD, None, numbers=False, det=self.pick(["this", "the", "that", "my"]))
            n = self.pick([2, 3, 5, 10, 12, 15, 20, 25, 30, 50, 100])
            cur = self.pick(["dollars", "euros", "pounds"])
            verb = "costs" if not np.plural else "cost"
            if self.chance(0.3):
                verb = "cost"
            return np.text.split() + [verb, number_word(n) if self.chance(0.5) else str(n), cur], "."
        if x < 0.72:
            return self.pick([["today", "is", self.pick(E.DAYS)], ["tomorrow", "is", self.pick(E.DAYS)],
                              ["my", "birthday", "is", "in", self.pick(E.MONTHS)],
                              ["my", "birthday", "is", "on", self.pick(E.MONTHS), str(self.r.randint(1, 28))],
                              ["it", "is", self.pick(["cold", "hot", "warm", "sunny"]), "in", self.pick(E.MONTHS)],
                              ["there", "are", "seven", "days", "in", "a", "week"],
                              ["there", "are", "twelve", "months", "in", "a", "year"],
                              ["the", "shop", "opens", "at"] + self.clock().split(),
                              ["the", "shop", "closes", "at"] + self.clock().split()]), "."
        if x < 0.85:
            subj = self.pronoun()
            n = self.r.randint(2, 30)
            what = plural(self.pick(["apple", "book", "egg", "ticket", "friend", "student", "chair", "bottle",
                                     "child:children", "person:people", "day", "hour", "minute", "year", "dollar",
                                     "euro", "page", "letter", "photo"]))
            t = self.pick(["present", "past", "future"])
            _, vg = self.verb_group(self.pick(["need", "have:had:had", "want", "buy:bought:bought", "see:saw:seen"]),
                                    t, subj, self.chance(0.1))
            return [subj.subj] + vg + [number_word(n) if self.chance(0.6) else str(n), what], "."
        if x < 0.93:
            subj = self.person_np()
            t = self.pick(["past", "future", "present"])
            verb = self.pick(["get up:got:got:getting", "go to bed:went:gone", "have lunch:had:had",
                              "arrive", "leave:left:left", "finish", "start", "come home:came:come"])
            v = verb.split(" ", 1)
            rest = v[1].split(":")[0].split() if len(v) > 1 else []
            ventry = v[0] + (":" + ":".join(v[1].split(":")[1:]) if len(v) > 1 and ":" in v[1] else "")
            if len(v) == 1:
                ventry = verb
            _, vg = self.verb_group(ventry, t, subj)
            return [subj.subj] + vg + rest + ["at"] + self.clock().split() + (
                ["in", "the", self.pick(["morning", "evening", "afternoon"])] if self.chance(0.3) else []), "."
        a, b = self.r.randint(1, 10), self.r.randint(1, 10)
        return [number_word(a), self.pick(["and", "plus"]), number_word(b), "is", number_word(a + b)], "."

    SHORT = [
        "Hello!", "Hi!", "Hello.", "Hi.", "Good morning!", "Good morning.", "Good afternoon.", "Good evening.",
        "Good night.", "Goodbye!", "Goodbye.", "Bye!", "See you later.", "See you tomorrow!", "See you soon.",
        "Thank you.", "Thank you!", "Thank you very much.", "Thanks!", "Thanks a lot.", "Thanks.",
        "You're welcome.", "Welcome!", "Yes.", "No.", "Yes, please.", "No, thank you.", "No, thanks.", "Please.",
        "Sorry.", "I'm sorry.", "Excuse me.", "Of course.", "OK.", "Me too.", "Really?", "Why?", "Why not?",
        "Where?", "When?", "Who?", "How?", "What?", "Help!", "Be careful!", "Good luck!", "Happy birthday!",
        "Congratulations!", "Welcome home!", "Nice to meet you.", "How are you?", "I'm fine, thanks.",
        "I'm fine.", "Not bad.", "Very good.", "Very well.", "Great!", "Perfect.", "Wait!", "Stop!", "Come in!",
        "Sit down.", "Come here.", "Let's go!", "Hurry up!", "I don't know.", "I know.", "I see.", "I agree.",
        "I'm hungry.", "I'm tired.", "I'm cold.", "I'm ready.", "I'm here.", "I'm late.", "We're late.",
        "It's late.", "It's cold.", "It's hot.", "It's raining.", "It's OK.", "That's right.", "That's true.",
        "Good idea!", "No problem.", "Never mind.", "Not yet.", "Maybe.", "Maybe later.", "Right now.",
        "Today.", "Tomorrow.", "Yesterday.", "Tonight.", "Every day.", "Here.", "Over there.", "Good.",
        "Happy new year!", "Merry Christmas!", "Have a nice day!", "Enjoy your meal!", "See you on Monday.",
        "What time is it?", "What's your name?", "Where are you?", "Are you OK?", "Can you help me?",
        "How much is it?", "Where is the bathroom?", "I love you.", "I miss you.", "Call me.", "Help me!",
        "Do you speak English?", "I don't understand.", "Please wait.", "One moment, please.", "Listen!",
    ]

    def short(self):
        x = self.r.random()
        if x < 0.35:
            s = self.pick(self.SHORT)
            return s[:-1].split(), s[-1]
        if x < 0.5:  # numbers, times, days, months
            y = self.r.random()
            if y < 0.4:
                n = self.r.randint(1, 100)
                return [number_word(n) if self.chance(0.7) else str(n)], "."
            if y < 0.6:
                return self.clock().split(), "."
            if y < 0.8:
                return ["on", self.pick(E.DAYS)] if self.chance(0.4) else [self.pick(E.DAYS)], "."
            return ["in", self.pick(E.MONTHS)] if self.chance(0.4) else [self.pick(E.MONTHS)], "."
        for _ in range(20):
            y = self.r.random()
            if y < 0.4:
                words, end = self.clause(short=True), "."
            elif y < 0.7:
                words, end = self.question()
            elif y < 0.85:
                words, end = self.imperative()
            else:
                words, end = self.times_and_numbers()
            if n_words(words) <= 5:
                return words, end
        return ["thank", "you"], "."

    def long_sentence(self):
        """15-25 words: a complex sentence with a chain of prepositional phrases and a time."""
        low = self.pick([15, 15, 18, 21])
        for _ in range(60):
            words, end = self.complex_sentence()
            kinds = set()
            if "," not in words:
                for _ in range(self.pick([0, 1, 1, 2])):
                    pp = self.extra_pp(kinds)
                    if pp and n_words(words) < low:
                        words = words + pp.split()
            if low <= n_words(words) <= 25:
                return words, end
        return words, end

    # ================================================================ one sentence
    def sentence(self):
        """Canonical written form of one sentence: capital, punctuation attached, contractions sometimes."""
        x = self.r.random()
        if x < 0.08:
            words, end = self.short()
        elif x < 0.26:
            words, end = self.statement()
        elif x < 0.31:
            words, end = self.comparison()
        elif x < 0.47:
            words, end = self.question()
        elif x < 0.52:
            words, end = self.imperative()
        elif x < 0.57:
            words, end = self.times_and_numbers()
        elif x < 0.72:
            words, end = self.complex_sentence()
        else:
            words, end = self.long_sentence()
        if n_words(words) > 25:
            return self.sentence()
        if end == "." and len(words) > 2 and self.chance(0.04):  # "Yes, I know him."
            words = [self.pick(["yes", "no", "well", "OK", "oh"]), ","] + words
        if end == "?" and self.chance(0.04) and words[-1] != "please":
            words = words + [",", self.pick(NAMES)]
        text = " ".join(words).replace(" ,", ",")
        text = self.contract(text)
        text = text[0].upper() + text[1:] + end
        text = text.replace(",,", ",")
        if len(text.split()) > 25:
            return self.sentence()
        return text

    def contract(self, text):
        for pattern, repl in CONTRACTIONS:
            text = pattern.sub(lambda m: m.expand(repl) if self.chance(0.5) else m.group(0), text)
        return text


def surface(rng, text):
    """Typing variation of a canonical sentence. Returns (form, english as typed, english for Apertium).

    about 70% as written, 15% all lower case (Apertium gets the written form), 15% without the final
    mark (Apertium gets it without the mark too)."""
    x = rng.random()
    if x < 0.70:
        return "canonical", text, text
    if x < 0.85:
        return "lower", text.lower(), text
    if text[-1] in ".?!":
        return "nofinal", text[:-1], text[:-1]
    return "canonical", text, text
