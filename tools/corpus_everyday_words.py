"""Word lists for the *everyday* English -> Spanish corpus (tools/corpus_everyday.py).

They extend the lists of tools/corpus_words.py (which stay as they are: the old corpus is made from them)
with the common words of everyday English. Forms are checked against Apertium eng-spa with
`python3 tools/make_corpus.py --everyday --check-words`; words whose Spanish Apertium cannot produce
(e.g. "station" -> "#canal", "key" -> "tono") are left out or replaced (a "bus stop", a "railway station").

Formats as in corpus_words.py: nouns "sg" or "sg:pl"; verbs "base" or "base:past:pp[:ing]".
"""


# Forms Apertium 0.8.1 cannot generate or does not know (--check-words): "the driver" -> "la #motor",
# "the farm" -> "la #parque", "envelope" -> "*envelope". Left out of every list, the old ones included.
AVOID = set("""driver manager swimmer kangaroo envelope farm orchard chance pasta cloudy thirsty station key""".split())


def _w(text):
    return [w for w in text.split() if w.split(":")[0] not in AVOID]


# ---------------------------------------------------------------- nouns
PEOPLE = _w("""
friend mother father brother sister son daughter husband wife:wives child:children baby boy girl
man:men woman:women person:people family:families parent grandmother grandfather uncle aunt cousin
neighbour teacher doctor nurse student pupil driver officer waiter manager boss worker colleague
customer guest visitor tourist player team:teams coach artist writer singer actor journalist lawyer
farmer engineer scientist secretary king queen president leader member owner stranger kid
""")

ANIMALS = _w("dog cat horse bird fish:fish cow pig sheep:sheep chicken duck mouse:mice rabbit lion bear monkey")

THINGS = _w("""
book car bicycle table chair door window letter pen pencil bag box bottle cup glass plate knife:knives
spoon fork phone computer camera lamp bed clock watch picture photo map ticket newspaper magazine
umbrella coat hat shirt dress shoe jacket ring guitar ball toy gift boat bus wallet mirror blanket
sofa card basket bucket hammer candle radio television notebook dictionary song film sweater skirt
glove sock boot scarf suitcase bowl pan pot fridge shelf:shelves desk drawer calendar towel soap
flag stamp coin list message letter story:stories game drawing flower tree stone train plane
envelope paper page bill present photograph poster album cake
""")

FOOD = _w("apple orange banana egg sandwich cake pizza tomato:tomatoes potato:potatoes carrot cookie sausage lemon pear biscuit")
MASS_FOOD = _w("bread cheese soup rice meat fish chicken chocolate sugar salt butter salad fruit food pasta")
DRINKS = _w("milk coffee tea water juice wine beer")
MEALS = _w("breakfast lunch dinner")

# Places you go TO ("to the park"), with "at" when people say "at the ...".
PLACES = _w("""
park school market office hospital library museum beach river lake mountain forest street church
restaurant hotel shop bank airport bridge farm cinema theatre house room kitchen garden village city:cities
town square castle island zoo university:universities factory:factories supermarket bakery:bakeries bar
cafe playground hall building road corner stadium garage bedroom bathroom
""")
# "station" alone comes out as "#canal" in Apertium 0.8.1; the grammar writes these instead.
STATIONS = ["bus stop", "railway station"]
AT_PLACES = set("""school market office hospital library museum airport restaurant hotel bank cinema theatre
zoo bakery cafe bar supermarket playground farm stadium university factory corner""".split())
ON_PLACES = set("beach island bridge street road corner".split())
COUNTRIES = _w("Spain France Italy Germany England Mexico Portugal Brazil Japan China Canada Argentina")
CITIES = _w("London Paris Madrid Rome Berlin Barcelona Lisbon")

# Abstract nouns: talked about, explained, had, needed...
ABSTRACT = _w("""
problem question idea plan answer reason decision mistake story:stories news:news information:information
situation result opinion advice:advice change chance choice job work:work meeting party:parties trip
holiday lesson class:classes exam test game match:matches history:history music:music language
project price:prices moment life:lives future:future past:past weather:weather rule word name number
way example problem subject interest difference experience conversation
""")
ABSTRACT_MASS = set("news information advice work history music weather future past".split())

TIME_UNITS = _w("minute hour day week month year")
DAYS = _w("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = _w("January February March April May June July August September October November December")
NUMBER_WORDS = _w("""one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred""")

# ---------------------------------------------------------------- adjectives
THING_ADJ = _w("""
big small large new old red blue green yellow black white brown grey beautiful ugly expensive cheap
heavy light long short clean dirty modern famous strange nice good bad empty full wet dry hot cold warm
soft hard simple important interesting boring dangerous safe quiet noisy dark bright little
different special perfect useful fresh comfortable popular
""")
PERSON_ADJ = _w("""
tall short young old happy sad tired angry hungry thirsty rich poor kind friendly clever intelligent
lazy busy brave shy strong weak funny nervous serious calm polite rude proud famous honest sick ill
beautiful quiet careful generous patient lonely worried excited bored afraid ready late sure free
glad right wrong
""")
ABSTRACT_ADJ = _w("""
good bad important interesting difficult easy hard possible impossible different simple strange
new old clear true real serious terrible great wonderful excellent useful necessary dangerous
""")
WEATHER_ADJ = _w("cold hot warm sunny cloudy windy wet dry")

DEGREE = ["very", "very", "really", "too", "so", "quite"]
COMPARATIVES = {  # adjective: comparative (irregular or -er); others take "more"
    "big": "bigger", "small": "smaller", "large": "larger", "old": "older", "new": "newer", "cheap": "cheaper",
    "long": "longer", "short": "shorter", "tall": "taller", "young": "younger", "fast": "faster",
    "slow": "slower", "good": "better", "bad": "worse", "heavy": "heavier", "easy": "easier",
    "happy": "happier", "rich": "richer", "hot": "hotter", "cold": "colder", "warm": "warmer",
    "clean": "cleaner", "dirty": "dirtier", "strong": "stronger", "nice": "nicer", "quiet": "quieter",
}

# ---------------------------------------------------------------- verbs
# Transitive verbs by the kind of object they take (the old lists of corpus_words.py are used too).
VERBS_THING = _w("""
buy:bought:bought sell:sold:sold see:saw:seen find:found:found carry clean open close want need like
love take:took:taken bring:brought:brought break:broke:broken fix lose:lost:lost wash move
hold:held:held keep:kept:kept show:showed:shown use forget:forgot:forgotten:forgetting watch
build:built:built drop:dropped:dropped:dropping borrow check repair send:sent:sent get:got:got:getting
have:had:had make:made:made leave:left:left pay:paid:paid
look@for:looked:looked:looking
""")
VERBS_ABSTRACT = _w("""
understand:understood:understood explain discuss remember forget:forgot:forgotten:forgetting
like love hate have:had:had need want change accept know:knew:known
hear:heard:heard learn:learned:learned answer ask
""")
VERBS_PERSON = _w("""
see:saw:seen meet:met:met help call visit know:knew:known love like thank follow
understand:understood:understood invite remember hear:heard:heard find:found:found ask
tell:told:told miss kiss trust wait@for:waited:waited:waiting look@at:looked:looked:looking
""")
VERBS_FOOD = _w("eat:ate:eaten cook buy:bought:bought like love want need make:made:made have:had:had")
VERBS_DRINK = _w("drink:drank:drunk want like need have:had:had")
VERBS_READ = _w("read:read:read write:wrote:written send:sent:sent receive get:got:got:getting")
VERBS_INTRANS = _w("""
sleep:slept:slept walk work swim:swam:swum:swimming dance sing:sang:sung laugh cry wait
travel:travelled:travelled:travelling play smile study sit:sat:sat:sitting stand:stood:stood rest
cook arrive listen relax run:ran:run:running
""")
VERBS_MOTION = _w("""go:went:gone come:came:come walk run:ran:run:running drive:drove:driven
travel:travelled:travelled:travelling return fly:flew:flown move""")
# Verbs that take "to" + infinitive.
VERBS_TO_INF = _w("""want need try:tried:tried decide hope plan:planned:planned:planning forget:forgot:forgotten:forgetting
like love hate learn:learned:learned start begin:began:begun:beginning promise agree""")
# Verbs that take a "that" clause.
VERBS_THAT = _w("""think:thought:thought know:knew:known say:said:said hope believe feel:felt:felt
understand:understood:understood remember hear:heard:heard tell@me:told:told""")

FREQ_ADV = _w("always usually often sometimes never")
MANNER_ADV = _w("quickly slowly carefully quietly well badly")
PLACE_ADV = _w("here there")

NAMES = _w("""
John Mary Peter Anna Maria Carlos Lucy Tom Emma David Sarah Paul Laura James Michael Elena Sophie Daniel
Robert Alice Lisa Kate Sam Jack Oliver Helen George Ben Lily Mark Julia Chris Rachel Alex Nick Susan
""")

TIME_PAST = ["yesterday", "last week", "last night", "last year", "this morning", "two days ago",
             "three years ago", "last month", "on Monday", "on Saturday", "in the morning", "an hour ago"]
TIME_PRESENT = ["every day", "every morning", "every week", "on Sundays", "in the evening", "at night",
                "at the weekend", "every year"]
TIME_FUTURE = ["tomorrow", "next week", "next year", "soon", "tonight", "next month", "on Friday",
               "tomorrow morning", "in two weeks", "later"]
TIME_PROGRESSIVE = ["now", "at the moment", "today", "right now"]
TIME_PERFECT = ["today", "this week", "this year", "already", "recently"]
