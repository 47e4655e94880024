"""Word lists for tools/make_corpus.py (English side of the en-es corpus).

Every word here was checked against Apertium eng-spa 0.8.1 with
`python3 tools/make_corpus.py --check-words` (each surface form must be analysed
by the English morphology with the expected part of speech and have a Spanish
entry in the bilingual dictionary). Words that failed were removed.

Formats (whitespace-separated, so the lists stay compact):
 nouns "sg" or "sg:pl" when the plural is irregular
 mass nouns singular only, never with a/an or numbers
 verbs "base" or "base:past:pp" or "base:past:pp:ing" when irregular;
 the third person singular and regular forms come from rules in make_corpus.py
"""


def _w(text):
 return text.split()


# ---------------------------------------------------------------- nouns
PEOPLE = _w("""
barber plumber electrician tailor banker sculptor inventor explorer citizen pupil
champion winner stranger enemy:enemies hero:heroes giant witch:witches knight detective spy:spies
pirate cowboy astronaut climber cyclist violinist guitarist composer novelist
historian biologist chemist surgeon athlete farmer nephew niece grandson granddaughter
partner owner neighbour boyfriend girlfriend bride groom mayor ambassador soldier servant
teacher doctor nurse student farmer lawyer engineer artist writer singer driver pilot
baker painter dancer musician soldier waiter actor scientist boy girl man:men woman:women
child:children baby friend neighbour brother sister mother father uncle aunt cousin son
daughter grandmother grandfather king queen prince princess director manager worker customer
visitor tourist guest player coach judge journalist photographer poet professor secretary
lady:ladies gentleman:gentlemen husband wife:wives boss colleague policeman:policemen fisherman:fishermen
mechanic carpenter gardener librarian dentist architect president minister priest 
shopkeeper traveller teenager author reader runner swimmer
hunter sailor captain clerk cashier guard thief:thieves prisoner passenger officer
""")

ANIMALS = _w("""
pony:ponies lizard crocodile penguin seal crab worm snail hen swan pigeon
crow hedgehog mule kangaroo gorilla leopard panther rat beetle
dog cat horse cow bird rabbit mouse:mice duck chicken pig lion tiger elephant monkey bear
wolf:wolves fox snake frog goat donkey whale dolphin spider bee butterfly owl eagle parrot
camel zebra giraffe turtle shark kitten sheep:sheep goose:geese
insect ant bull lamb squirrel
""")

THINGS = _w("""
screwdriver axe shovel bell drum violin trumpet flute helmet mask medal trophy:trophies crown
sword shield jewel diamond button needle cushion curtain sheet jar armchair stool bench
fence gate balloon doll robot rocket engine wheel tyre helicopter ship canoe tractor van taxi
ambulance lorry:lorries skateboard tool machine printer keyboard screen battery:batteries cable
bulb torch:torches heater mattress tray napkin recipe menu receipt
passport postcard parcel package album poster frame rug raincoat uniform apron cap sandal
 pocket lock chain wire nail barrel sack jug stove sink sponge broom
book car bicycle table chair door window letter pen pencil key bag box bottle cup glass
plate knife:knives spoon fork phone computer camera lamp bed clock watch picture photo map
ticket newspaper magazine umbrella coat hat shirt dress shoe jacket ring guitar piano ball
toy gift boat truck bus present wallet mirror blanket pillow sofa carpet painting card
basket bucket hammer rope candle radio television bicycle notebook
dictionary novel poem song film letter photograph newspaper sweater skirt glove sock boot
scarf belt necklace bracelet suitcase backpack bowl pan pot kettle fridge oven shelf:shelves
desk drawer calendar diary brush comb towel soap tent flag stamp coin bill report list
message question answer story:stories idea plan problem game puzzle drawing sculpture vase
statue kite flower tree stone leaf:leaves shell feather
""")

FOOD = _w("""
apple orange banana egg sandwich cake pizza tomato:tomatoes potato:potatoes carrot cookie
sausage pie lemon pear peach:peaches cherry:cherries strawberry:strawberries onion biscuit
melon grape hamburger
""")

MASS_FOOD = _w("""
bread cheese soup rice meat fish chicken chocolate sugar salt butter salad fruit
""")

DRINKS = _w("""
milk coffee tea water juice wine beer
""")

PLACES = _w("""
garage cellar attic bedroom bathroom corridor balcony terrace yard orchard vineyard meadow hill
cave coast shore bay ocean sea jungle tower palace temple cathedral prison court gallery
studio club gym pool pharmacy:pharmacies laboratory:laboratories warehouse tunnel avenue lane
path suburb capital country:countries
park school market station city:cities village garden kitchen office hospital library
museum beach river lake mountain forest street church restaurant hotel shop bank airport
bridge farm cinema theatre house room classroom square castle island stadium zoo
university:universities factory:factories town supermarket bakery:bakeries bar cafe
playground hall building port harbour valley desert field road corner
""")

READABLE = _w("book letter newspaper magazine novel poem story:stories report message list card")
VEHICLES = _w("car bicycle boat truck bus")

# ---------------------------------------------------------------- adjectives
# Adjectives that fit objects and places.
THING_ADJ = _w("""
tidy rare common popular secret private public local foreign natural real comfortable
uncomfortable valuable colourful golden shiny sharp thick wide narrow deep shallow high
low flat round straight smooth rough 
mysterious fantastic amazing awful horrible lovely pleasant unpleasant ordinary unusual normal
typical huge massive pale purple
big small large new old red blue green yellow black white brown grey pink beautiful ugly
expensive cheap heavy long short clean dirty modern ancient famous strange wonderful nice
good bad broken empty full wet dry hot cold warm soft hard wooden simple important
interesting boring dangerous safe quiet noisy dark bright excellent terrible little
different special beautiful perfect useful useless enormous tiny fresh 
""")

# Adjectives for food only ("a sweet pear", not "a sweet pillow").
TASTE_ADJ = _w("sweet sour bitter salty spicy ripe raw frozen delicious")

# Adjectives that fit people and animals.
PERSON_ADJ = _w("""
cheerful gentle wise stupid silly crazy brilliant popular ambitious modest loyal cruel
jealous grateful helpful energetic active sensitive romantic optimistic confident anxious
elderly blind deaf nice good bad
tall short young old happy sad tired angry hungry rich poor kind friendly clever
intelligent lazy busy brave shy strong weak funny nervous serious calm polite rude proud
famous honest sick beautiful handsome quiet curious careful elegant generous
patient thin healthy lonely worried surprised excited
""")

# ---------------------------------------------------------------- verbs
# Transitive verbs keyed by the kind of object they take.
VERBS_THING = _w("""
cut:cut:cut:cutting fill decorate design print copy measure weigh polish fold
wrap:wrapped:wrapped:wrapping pack deliver collect offer hang:hung:hung kick
hit:hit:hit:hitting shake:shook:shaken test inspect examine invent create prepare order replace
destroy burn protect lend:lent:lent rent share accept refuse admire enjoy hate recommend
discover explain win:won:won:winning
buy:bought:bought sell:sold:sold see:saw:seen find:found:found carry clean open close want
need like love paint draw:drew:drawn take:took:taken bring:brought:brought
break:broke:broken fix lose:lost:lost wash move hold:held:held keep:kept:kept
show:showed:shown use choose:chose:chosen forget:forgot:forgotten:forgetting watch build:built:built
steal:stole:stolen throw:threw:thrown catch:caught:caught hide:hid:hidden push pull
drop:dropped:dropped:dropping borrow prefer:preferred:preferred:preferring describe
check repair count touch search receive send:sent:sent
""")
VERBS_FOOD = _w("eat:ate:eaten cook buy:bought:bought like love want prefer:preferred:preferred:preferring need")
VERBS_DRINK = _w("drink:drank:drunk want like prefer:preferred:preferred:preferring need")
VERBS_READ = _w("read:read:read write:wrote:written send:sent:sent receive")
VERBS_VEHICLE = _w("drive:drove:driven ride:rode:ridden wash repair park")
VERBS_PERSON = _w("""
kiss greet marry ignore trust believe forgive:forgave:forgiven warn
save rescue protect attack blame punish encourage surprise interrupt welcome recognise contact
admire miss
see:saw:seen meet:met:met help call visit know:knew:known love like thank follow
understand:understood:understood invite remember hear:heard:heard wait
find:found:found
""")
VERBS_ANIMAL = _w("feed:fed:fed see:saw:seen watch follow find:found:found catch:caught:caught")
VERBS_PLACE_DIRECT = _w("visit clean leave:left:left")
# Intransitive verbs (may take a place phrase "in the park").
VERBS_INTRANS = _w("""
arrive whisper scream wave climb skate hurry relax complain listen pray
breathe bake paint draw:drew:drawn 
sleep:slept:slept run:ran:run:running walk work swim:swam:swum:swimming dance sing:sang:sung
laugh cry wait travel:travelled:travelled:travelling play smile study fall:fell:fallen
sit:sat:sat:sitting stand:stood:stood shout rest jump read:read:read write:wrote:written
cook eat:ate:eaten
""")
# Verbs of motion followed by "to the PLACE".
VERBS_MOTION = _w("go:went:gone come:came:come sail hurry rush walk run:ran:run:running drive:drove:driven travel:travelled:travelled:travelling return fly:flew:flown")

# ---------------------------------------------------------------- closed classes
NAMES = _w("""
John Mary Peter Anna Maria Carlos Lucy Tom Emma David Sarah Paul Laura James Michael Elena
Sophie Daniel Robert Alice Lisa Kate Sam Jack Oliver Helen George
""")

# Number words for plural noun phrases.
NUMBERS = _w("two three four five six seven eight nine ten eleven twelve fifteen twenty thirty fifty")

MANNER_ADV = _w("quickly slowly carefully quietly happily well badly loudly easily")

TIME_PAST = ["yesterday", "last week", "last night", "last year", "this morning", "two days ago"]
TIME_PRESENT = ["every day", "every morning", "every week", "on Sundays"]
TIME_FUTURE = ["tomorrow", "next week", "next year", "soon", "tonight", "next month"]
TIME_PROGRESSIVE = ["now", "at the moment", "today"]
TIME_PERFECT = ["today", "this week", "this year"]

