"""
A story grammar: short children's stories in simple English, made from
characters, places, objects, events, feelings and dialogue, by a seeded
random generator (the same seed gives the same stories).

A story is one of several plots (finding something, losing something, a new
friend, helping an animal, the weather, making something, a game, a noise
in the night, sharing, a trip, a birthday, growing a plant, a first day at
school). Each plot is a list of beats, and each beat
picks one of several ways to say it, so the same plot reads differently
every time and a model has to learn English patterns (agreement, articles,
pronouns, tenses, quotes), not a handful of fixed sentences.

Every word it uses is in Debian's wamerican word list, so a model that
learns it writes dictionary words.
"""
import random
from dataclasses import dataclass, field

BOY_NAMES = ['Tom', 'Ben', 'Sam', 'Max', 'Leo', 'Jack', 'Tim', 'Noah', 'Finn', 'Jake', 'Oscar', 'Milo',
             'Hugo', 'Oliver', 'Henry', 'Ryan', 'Adam', 'Paul', 'Owen', 'Eli', 'Gus', 'Fred', 'Dan', 'Mark']
GIRL_NAMES = ['Lily', 'Mia', 'Anna', 'Lucy', 'Emma', 'Sara', 'Kate', 'Ella', 'Ruby', 'Zoe', 'Molly', 'Rosie',
              'Daisy', 'Ivy', 'Nina', 'Alice', 'Grace', 'Lola', 'Sophie', 'Amy', 'Rose', 'Ellie', 'Jane', 'Nora']
PET_NAMES = ['Buddy', 'Bella', 'Luna', 'Rex', 'Ginger', 'Pepper', 'Shadow', 'Snowball', 'Rocky', 'Goldie',
             'Clover', 'Pickles', 'Bubbles', 'Muffin', 'Button', 'Honey', 'Maple', 'Hazel', 'Olive', 'Nutmeg']

# Animals that can be the hero or a friend, with a sound and what they like to eat.
ANIMALS = {
    'cat': ('meow', 'fish'), 'dog': ('woof', 'bones'), 'rabbit': ('squeak', 'carrots'),
    'bird': ('tweet', 'seeds'), 'fox': ('yip', 'berries'), 'bear': ('growl', 'honey'),
    'duck': ('quack', 'bread'), 'frog': ('croak', 'bugs'), 'mouse': ('squeak', 'cheese'),
    'owl': ('hoot', 'nuts'), 'pig': ('oink', 'apples'), 'squirrel': ('chirp', 'acorns'),
    'kitten': ('meow', 'milk'), 'puppy': ('woof', 'bones'), 'hedgehog': ('sniff', 'berries'),
    'turtle': ('hum', 'leaves'), 'lamb': ('baa', 'grass'), 'goat': ('baa', 'grass'),
    'pony': ('neigh', 'hay'), 'penguin': ('honk', 'fish'), 'monkey': ('screech', 'bananas'),
    'elephant': ('toot', 'peanuts'), 'dragon': ('roar', 'cookies'), 'hen': ('cluck', 'corn'),
}
CHILD_KINDS = {'boy': 'he', 'girl': 'she'}

HERO_ADJECTIVES = ['little', 'small', 'happy', 'kind', 'brave', 'shy', 'curious', 'funny', 'sleepy',
                   'young', 'clever', 'gentle', 'cheerful', 'busy', 'quiet', 'friendly', 'playful', 'silly', 'helpful',
                   'careful', 'lively', 'tiny', 'proud', 'polite']
HOBBIES = ['play outside', 'read books', 'draw pictures', 'sing songs', 'run and jump', 'look for bugs',
           'build towers', 'dance in the sun', 'splash in puddles', 'climb trees', 'help at home',
           'watch the clouds', 'play with blocks', 'pick flowers', 'tell jokes', 'paint with bright colors',
           'ride a bike', 'count the stars', 'bake with Grandma', 'swim in the lake', 'play the drum',
           'collect shiny stones', 'make funny faces', 'visit the library', 'feed the ducks', 'hum little songs']
COLORS = ['red', 'blue', 'green', 'yellow', 'pink', 'purple', 'white', 'orange', 'brown', 'golden', 'silver']
THING_ADJECTIVES = ['shiny', 'little', 'big', 'old', 'new', 'soft', 'tiny', 'pretty', 'round', 'strange', 'sparkling',
                    'dusty', 'bright', 'funny', 'lovely', 'special', 'heavy', 'magic']

# Things to find, lose, share or play with, and what one does with each.
THINGS = {
    'ball': 'bounced it high in the air', 'kite': 'flew it up to the clouds', 'key': 'opened an old box with it',
    'book': 'read it under a tree', 'map': 'followed it to a big rock', 'shell': 'held it up to listen to the sea',
    'stone': 'put it in a safe place', 'flower': 'put it in a cup of water', 'hat': 'wore it all day',
    'cup': 'filled it with water', 'coin': 'kept it in a little jar', 'feather': 'tickled a friend with it',
    'bell': 'rang it again and again', 'drum': 'played a loud song on it', 'boat': 'sailed it on the pond',
    'toy bear': 'hugged it tight', 'toy car': 'raced it down the hill', 'box': 'looked inside it',
    'ribbon': 'tied it in a bow', 'marble': 'rolled it across the floor', 'crayon': 'drew a picture with it',
    'whistle': 'blew it as loud as possible', 'basket': 'filled it with apples', 'umbrella': 'opened it in the rain',
    'necklace': 'wore it with a big smile', 'lantern': 'lit it when it got dark', 'puzzle': 'put it together',
    'acorn': 'planted it in the ground', 'blanket': 'wrapped it around the shoulders', 'wagon': 'pulled it around the yard',
    'sock': 'put it on a foot', 'spoon': 'stirred a bowl of soup with it', 'ring': 'wore it on a finger',
    'rope': 'used it to swing from a branch', 'pencil': 'wrote a letter with it', 'sticker': 'stuck it on the door',
    'shoe': 'put it on and went for a walk', 'jar': 'caught a firefly in it and let it go', 'mirror': 'made funny faces in it',
    'star': 'hung it over the bed', 'scarf': 'wore it on a cold day', 'bucket': 'filled it with sand',
}
# Places, each with spots where something can be hidden or found.
PLACES = {
    'the garden': ['under a bush', 'behind the roses', 'next to the old gate', 'in the soft dirt', 'under a big leaf'],
    'the park': ['under the slide', 'behind a tree', 'near the pond', 'under a bench', 'in the tall grass'],
    'the forest': ['under a log', 'behind a big tree', 'near a little stream', 'in a pile of leaves', 'under a rock'],
    'the beach': ['in the sand', 'near the water', 'under a rock', 'behind a sand castle', 'next to a bucket'],
    'the farm': ['in the barn', 'under the hay', 'near the fence', 'behind the red wagon', 'next to the pig pen'],
    'the kitchen': ['under the table', 'behind the bread box', 'in a drawer', 'on a high shelf', 'next to the oven'],
    'the house': ['under the bed', 'behind the sofa', 'in the closet', 'under a pillow', 'in the toy box'],
    'the playground': ['under the swing', 'in the sandbox', 'behind the slide', 'near the gate', 'under a bench'],
    'the meadow': ['in the tall grass', 'under a flower', 'near a big stone', 'behind a hill', 'by a little tree'],
    'the library': ['behind a big book', 'under a chair', 'on a low shelf', 'near the window', 'in a basket'],
    'the lake': ['near the water', 'under a rock', 'in the reeds', 'by the little dock', 'behind a log'],
    'the yard': ['under the porch', 'behind the shed', 'near the fence', 'in the grass', 'under a flower pot'],
    'the attic': ['in an old trunk', 'under a dusty blanket', 'behind a box', 'near the window', 'on a shelf'],
    'the hill': ['under a rock', 'behind a bush', 'in the grass', 'near a big tree', 'by a little path'],
}
# How a story says where something happens ("at the beach", "on the hill", "in the park").
AT_PLACE = {place: ('at ' if place in ('the beach', 'the farm', 'the lake', 'the playground') else
                    'on ' if place == 'the hill' else 'in ') + place for place in PLACES}
INDOOR_SPOTS = ['under the bed', 'behind the sofa', 'in the closet', 'under the table', 'in the toy box',
                'under a pillow', 'in the bathtub', 'behind the door', 'in a drawer', 'under a chair']
TIMES = ['One day', 'One sunny morning', 'One morning', 'One afternoon', 'One rainy day', 'Last summer',
         'One cold morning', 'After lunch', 'One warm day', 'Early one morning', 'One evening', 'On a windy day']
GAMES = ['hide and seek', 'tag', 'catch', 'a game of ball', 'a running game', 'a guessing game', 'jump rope']
FOODS = ['a cake', 'cookies', 'a pie', 'a big sandwich', 'muffins', 'soup', 'pancakes', 'bread']
BIG_FEELINGS = {'happy': 'glad', 'sad': 'unhappy', 'scared': 'afraid', 'excited': 'eager', 'proud': 'pleased',
                'surprised': 'amazed', 'tired': 'sleepy', 'worried': 'nervous'}


def a_or_an(words: str) -> str:
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class Character:
    kind: str
    name: str | None
    he: str
    adjective: str

    @property
    def him(self) -> str:
        return 'him' if self.he == 'he' else 'her'

    @property
    def his(self) -> str:
        return 'his' if self.he == 'he' else 'her'

    @property
    def is_child(self) -> bool:
        return self.kind in CHILD_KINDS

    @property
    def ref(self) -> str:
        """How the story names the character after meeting it."""
        return self.name if self.name else f'the {self.kind}'

    def intro(self) -> str:
        described = a_or_an(f'{self.adjective} {self.kind}')
        return f'{described} named {self.name}' if self.name else described


@dataclass
class Story:
    """The random choices of one story, and the sentences written so far."""
    rng: random.Random
    hero: Character
    friend: Character
    place: str
    thing: str
    thing_words: str
    parent: str
    fixed: dict[str, str]
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])

    def say(self, *options: str) -> None:
        """Adds one of the options, filled in from this story's choices."""
        template = self.rng.choice(options)
        self.paragraphs[-1].append(capitalize(template.format(**self.words())))

    def maybe(self, chance: float, *options: str) -> None:
        if self.rng.random() < chance:
            self.say(*options)

    def new_paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def words(self) -> dict[str, str]:
        hero, friend = self.hero, self.friend
        spots = PLACES.get(self.place, INDOOR_SPOTS)
        spot = self.rng.choice(spots)
        return {**self.fixed,
            'hero': hero.ref, 'Hero': capitalize(hero.ref), 'he': hero.he, 'He': capitalize(hero.he),
            'him': hero.him, 'his': hero.his, 'His': capitalize(hero.his), 'hero_kind': hero.kind,
            'friend': friend.ref, 'Friend': capitalize(friend.ref), 'fhe': friend.he, 'Fhe': capitalize(friend.he),
            'fhim': friend.him, 'fhis': friend.his, 'friend_intro': friend.intro(), 'friend_kind': friend.kind,
            'place': self.place, 'at_place': AT_PLACE.get(self.place, f'in {self.place}'), 'spot': spot, 'Spot': capitalize(spot), 'spot2': self.rng.choice(spots),
            'room_spot': self.rng.choice(INDOOR_SPOTS), 'room_spot2': self.rng.choice(INDOOR_SPOTS),
            'thing': self.thing, 'a_thing': a_or_an(self.thing_words), 'the_thing': f'the {self.thing}',
            'use': THINGS[self.thing], 'parent': self.parent,
            'parent_he': 'she' if self.parent in ('Mom', 'Grandma') or self.parent.startswith('Mother') else 'he',
            'color': self.rng.choice(COLORS), 'time': self.rng.choice(TIMES), 'game': self.rng.choice(GAMES),
            'food': self.rng.choice(FOODS), 'hobby': self.rng.choice(HOBBIES),
            'sound': ANIMALS.get(friend.kind, ('hello', ''))[0], 'treat': ANIMALS.get(friend.kind, ('', 'apples'))[1],
            'feeling': self.rng.choice(list(BIG_FEELINGS)),
        }

    def text(self) -> str:
        return '\n\n'.join(' '.join(paragraph) for paragraph in self.paragraphs if paragraph)


def make_character(rng: random.Random, kind: str | None = None, name: str | None = None,
                   adjective: str | None = None, named: float = 0.8) -> Character:
    if kind is None:
        kind = rng.choice(list(CHILD_KINDS)) if rng.random() < 0.6 else rng.choice(list(ANIMALS))
    if kind in CHILD_KINDS:
        he = CHILD_KINDS[kind]
        if name is None:
            name = rng.choice(BOY_NAMES if he == 'he' else GIRL_NAMES)
    else:
        he = rng.choice(['he', 'she'])
        if name is None and rng.random() < named:
            name = rng.choice(PET_NAMES)
    return Character(kind, name, he, adjective or rng.choice(HERO_ADJECTIVES))


def name_gender(name: str) -> str:
    return 'boy' if name in BOY_NAMES else 'girl' if name in GIRL_NAMES else ''


# ---- Beats shared by many plots ----

def opening(story: Story) -> None:
    hero = story.hero
    story.say('Once upon a time, there was {intro}.', 'There once was {intro}.', '{Intro} lived in a little house by {home}.',
              'Once there was {intro} who lived near {home}.', 'This is a story about {intro}.',
              'Long ago, in a small town, there lived {intro}.')
    story.maybe(0.8, '{He} loved to {hobby}.', '{Hero} liked to {hobby} every day.', 'Every day, {hero} liked to {hobby}.',
                '{His} favorite thing was to {hobby}.')
    story.maybe(0.25, '{He} was {feeling_word} and {hero_adjective}.', '{Hero} had many friends.',
                '{He} lived with {his} {family}.')


def ending(story: Story) -> None:
    story.new_paragraph()
    story.maybe(0.3, '{Hero} learned that good things happen when you are kind.', 'It was a day to remember.',
                'Everyone had a lot of fun.', 'Being a good friend is the best thing of all.')
    story.say('From that day on, {hero} and {friend} were the best of friends.', 'It was a very good day.',
              '{Hero} smiled. It was the best day ever.', 'That night, {hero} went to sleep with a big smile.',
              'And they all lived happily ever after.', '{Hero} was so happy.', 'The end.',
              '{Hero} could not wait to tell everyone about it.', 'What a wonderful day it was!')


# ---- Plots ----

def scenery(story: Story, chance: float = 0.5) -> None:
    story.maybe(chance, 'The sun was warm and the sky was blue.', 'Birds sang in the trees.', 'It was a quiet day.',
                'The wind was soft and cool.', 'There were flowers everywhere.', 'The air smelled of fresh grass.',
                'White clouds floated across the sky.', 'The leaves were red and gold.', 'A little bee buzzed by.',
                'Everything was calm and still.', 'The grass was wet from the rain.', 'It was a bright and happy day.')


def plot_find(story: Story) -> None:
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} went to {place}.', '{time}, {hero} went to {place} to play.',
              '{time}, {hero} and {his} {parent_word} went to {place}.', '{time}, {hero} was playing {at_place}.',
              '{time}, {hero} walked to {place} to look around.')
    scenery(story)
    story.say('{Spot}, {he} saw something {color}.', 'Then {he} saw something {spot}.', 'Suddenly, {hero} saw something shiny {spot}.',
              '{He} looked {spot} and saw something.')
    story.say('It was {a_thing}!', '{He} picked it up. It was {a_thing}.', '{Hero} found {a_thing}!',
              'When {he} looked closer, {he} saw that it was {a_thing}.')
    story.say('"Wow!" said {hero}. "Look at this {thing}!"', '"What is this?" {hero} asked.',
              '{Hero} was very surprised. "I found {a_thing}!" {he} said.', '"Look what I found!" {hero} said with a smile.',
              '"Who does this {thing} belong to?" {hero} wondered.')
    story.new_paragraph()
    branch = story.rng.randrange(3)
    if branch == 0:
        story.say('{Hero} ran home to show {parent}.', '{Hero} took the {thing} home to show {parent}.')
        story.say('"Look, {parent}! I found {a_thing} {at_place}!" {he} said.', '"{parent}, look what I found!" said {hero}.')
        story.say('{parent} smiled. "That is a very nice {thing}," {parent_he} said.', '"How lovely!" said {parent}. "You can keep it."',
                  '{parent} looked at it and laughed. "What a good find!"')
        story.say('Then {hero} {use}.', 'After that, {he} {use}.', 'The next day, {hero} {use}.')
    elif branch == 1:
        story.say('Just then, {friend_intro} came by.', 'Then {friend_intro} walked up to {hero}.', 'Soon, {friend_intro} came along.')
        story.say('"That is my {thing}!" said {friend}. "I lost it yesterday."', '"Oh, you found my {thing}!" said {friend}.',
                  '{Friend} looked sad. "I lost my {thing}," {fhe} said.')
        story.say('{Hero} gave the {thing} to {friend}.', '{Hero} smiled and gave it back.', '"Here you go," said {hero}, and {he} gave it back.')
        story.say('"Thank you so much!" said {friend}.', '{Friend} was very happy. "Thank you!" {fhe} said.',
                  '"You are so kind," said {friend}.')
        story.maybe(0.7, 'Then they played together all afternoon.', 'After that, they played {game} together.',
                    'They became good friends.')
    else:
        story.say('{Hero} wanted to see what {he} could do with it.', '{Hero} had an idea.', '{Hero} thought for a moment.')
        story.say('{He} {use}.', 'So {he} {use}.', 'First, {he} {use}.')
        story.say('It was so much fun!', '{He} laughed and laughed.', '{Friend} came to watch, and {fhe} liked it too.',
                  'Everyone thought it was wonderful.')
    ending(story)


def plot_lost(story: Story) -> None:
    opening(story)
    story.say('{Hero} had {a_thing}.', '{Hero} had {a_thing} that {he} loved very much.', '{His} favorite toy was {a_thing}.')
    story.maybe(0.6, '{He} took it everywhere.', '{He} played with it every day.', '{He} never went anywhere without it.')
    story.new_paragraph()
    story.say('{time}, {hero} could not find {his} {thing}.', '{time}, {hero} lost {his} {thing} {at_place}.',
              '{time}, {hero} looked for {his} {thing}, but it was gone.')
    story.say('{He} was very sad.', '{Hero} felt sad and began to cry.', '"Oh no! Where is my {thing}?" cried {hero}.',
              '{Hero} was so worried.')
    story.say('{He} looked {room_spot}. It was not there.', 'First, {he} looked {room_spot}, but it was not there.')
    story.say('{He} looked {room_spot2}. It was not there either.', 'Then {he} looked {spot}, but {he} could not find it.')
    story.new_paragraph()
    story.say('Then {friend_intro} came to help.', '{Friend} saw that {hero} was sad.', 'Just then, {friend_intro} came by.')
    story.say('"Do not be sad," said {friend}. "I will help you look."', '"What is wrong?" asked {friend}.',
              '"Let us look together," said {friend}.')
    story.maybe(0.6, '"I lost my {thing}," said {hero}.', '{Hero} told {friend} about the {thing}.')
    story.say('They looked and looked.', 'They looked everywhere.', 'They looked high and low.')
    story.say('At last, {friend} found the {thing} {spot2}!', 'Then {hero} saw the {thing} {spot2}!',
              'Soon they found the {thing} {spot2}.')
    story.say('"My {thing}!" cried {hero}. "Thank you, {friend}!"', '{Hero} hugged {friend}. "Thank you!" {he} said.',
              '{Hero} was so happy to have {his} {thing} back.')
    story.maybe(0.5, 'Now {hero} keeps the {thing} in a safe place.', 'From then on, {hero} was careful with {his} {thing}.')
    ending(story)


def plot_new_friend(story: Story) -> None:
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} went to {place}.', '{time}, {hero} was playing alone {at_place}.', '{time}, {hero} went for a walk to {place}.')
    scenery(story, 0.4)
    story.say('There, {he} saw {friend_intro}.', '{Spot}, {he} saw {friend_intro}.', 'In {place}, {he} met {friend_intro}.')
    story.maybe(0.6, '{Friend} was all alone.', '{Friend} looked a little sad.', '{Friend} was very shy.')
    story.say('"Hello," said {hero}. "What is your name?"', '"Hi! Do you want to play with me?" asked {hero}.',
              '{Hero} walked over and said, "Hello! My name is {hero}."')
    if story.friend.name:
        story.say('"My name is {friend}," said the {friend_kind}.', '"I am {friend}," the {friend_kind} said with a smile.')
    if not story.friend.is_child:
        story.maybe(0.6, '"{sound}!" said {friend}.', '{Friend} said "{sound}" and jumped up and down.')
    story.new_paragraph()
    story.say('They played {game} together.', 'They played {game} all day.', 'Together they played {game} {at_place}.')
    story.maybe(0.6, '{Friend} was very good at it.', 'They laughed and ran in the sun.', 'They had so much fun.')
    story.maybe(0.5, 'Later, they shared some {treat}.', 'Then they sat down and ate some {treat}.')
    story.say('"Will you come back tomorrow?" asked {friend}.', '"I like playing with you," said {friend}.',
              '"You are my new friend," said {hero}.')
    story.say('"Yes!" said {hero}.', '"Of course!" said {hero} with a smile.', '"Me too," said {friend}.')
    ending(story)


def plot_help(story: Story) -> None:
    trouble = story.rng.choice([
        ('was stuck up in a tall tree', 'got a ladder and helped {friend} climb down'),
        ('was lost and could not find {fhis} way home', 'walked with {friend} all the way home'),
        ('was very hungry', 'gave {friend} some {treat}'),
        ('had a hurt leg', 'put a soft bandage on the leg'),
        ('was stuck in the mud', 'pulled {friend} out of the mud'),
        ('was cold and wet from the rain', 'wrapped {friend} in a warm blanket'),
        ('could not reach the apples on the tree', 'climbed up and picked the apples'),
    ])
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} was walking {at_place}.', '{time}, {hero} went to {place}.', '{time}, {hero} was playing near {place}.')
    scenery(story, 0.4)
    story.say('{He} heard a little cry.', 'Suddenly, {he} heard a sad sound.', '{He} heard someone say, "Help!"')
    story.say('It was {friend_intro}.', 'It was {friend_intro}, and {fhe} looked sad.', '{Spot}, {he} saw {friend_intro}.')
    story.say('{Friend} ' + trouble[0] + '.', 'The poor {friend_kind} ' + trouble[0] + '.')
    story.say('"Please help me," said {friend}.', '"Can you help me?" asked {friend}.', '"Oh dear," said {friend}.')
    story.say('"Do not worry. I will help you," said {hero}.', '"I can help!" said {hero}.', '{Hero} wanted to help.')
    story.new_paragraph()
    story.say('{Hero} ' + trouble[1] + '.', 'So {hero} ' + trouble[1] + '.', 'Carefully, {hero} ' + trouble[1] + '.')
    story.say('"Thank you!" said {friend}. "You are very kind."', '{Friend} felt much better. "Thank you," {fhe} said.',
              '"You are a good friend," said {friend}.')
    story.maybe(0.6, '{Hero} felt proud and happy.', '{Hero} smiled. Helping felt good.',
                '{Hero} learned that it is good to help others.')
    ending(story)


def plot_weather(story: Story) -> None:
    weather = story.rng.choice([
        ('it began to rain', 'put on {his} boots and jumped in the puddles', 'The rain went tap, tap, tap on the window.'),
        ('it started to snow', 'built a big snowman with a carrot nose', 'Everything was white and soft.'),
        ('the wind began to blow', 'flew a {color} kite high in the sky', 'The trees moved and the leaves danced.'),
        ('the sun came out after the rain', 'saw a big rainbow over the hill', 'Everything looked fresh and bright.'),
        ('it was very hot', 'played in the cool water with {friend}', 'The sun was big and bright.'),
    ])
    opening(story)
    story.new_paragraph()
    story.say('{time}, ' + weather[0] + '.', 'When {hero} woke up, ' + weather[0] + '.', 'In the morning, ' + weather[0] + '.')
    story.say(weather[2], '{Hero} looked out of the window.', '{Hero} ran to the window to see.')
    story.say('"Can I go outside?" {he} asked {parent}.', '"Look!" said {hero}. "Let us go outside!"')
    story.say('"Yes, you can," said {parent}.', '"Yes, but be careful," said {parent}.', '{parent} said yes.')
    story.new_paragraph()
    story.say('{Hero} ran outside and ' + weather[1] + '.', '{Hero} and {friend} went out and ' + weather[1] + '.',
              'Outside, {hero} ' + weather[1] + '.')
    story.maybe(0.6, 'It was so much fun!', '{He} laughed and laughed.', '{Hero} felt very happy.')
    story.say('Later, {hero} came inside and drank a cup of warm milk.', 'When it got dark, {hero} went back inside.',
              'Then {hero} went home, tired and happy.')
    ending(story)


def plot_make(story: Story) -> None:
    made = story.rng.choice(['a cake', 'cookies', 'a sand castle', 'a tall tower', 'a picture', 'a little boat',
                             'a paper hat', 'a birdhouse', 'a card for {parent}', 'a big sandwich'])
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} wanted to make ' + made + '.', '{time}, {hero} and {friend} decided to make ' + made + '.',
              '{time}, {hero} had an idea. "I will make ' + made + '!" {he} said.')
    story.say('{He} got everything ready.', 'First, {he} found all the things {he} needed.', '{He} worked very hard.')
    story.say('But then, something went wrong.', 'Oh no! It fell down.', 'It was harder than {he} thought.')
    story.say('{Hero} felt sad.', '"Oh no," said {hero}.', '{Hero} wanted to give up.')
    story.new_paragraph()
    story.say('"Let us try again," said {friend}.', '"Do not give up," said {parent}.', '{Friend} came to help.')
    story.say('So they tried again, slowly and carefully.', 'This time, they worked together.', '{Hero} tried one more time.')
    story.say('At last, it was done!', 'Soon it was ready, and it was beautiful.', 'This time it worked!')
    story.say('"We did it!" said {hero}.', '"It looks great!" said {friend}.', '{Hero} was very proud.')
    story.maybe(0.5, 'They showed it to everyone.', 'They shared it with all their friends.', '{Hero} gave it to {parent}, who loved it.')
    ending(story)


def plot_game(story: Story) -> None:
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} and {friend} went to {place} to play {game}.', '{time}, {hero} asked {friend} to play {game}.',
              '{time}, {hero} and {friend} played {game} {at_place}.')
    if story.rng.random() < 0.5:
        story.say('{Hero} hid {spot}.', '{Friend} hid {spot}, and {hero} looked for {fhim}.')
        story.say('"Where are you?" called {hero}.', '"I will find you!" said {friend}.')
        story.say('{He} looked {spot2}, but there was nobody there.', 'It took a long time.')
        story.say('At last, they found each other and laughed.', 'Then {fhe} jumped out and said, "Here I am!"')
    else:
        story.say('"Let us race to the big tree!" said {friend}.', '"I can run faster than you!" said {hero}.')
        story.say('They ran as fast as they could.', 'Ready, set, go! They ran and ran.')
        story.say('{Hero} tripped and fell down.', '{Friend} fell on the grass.')
        story.say('{Friend} stopped to help.', '{Hero} stopped and helped {fhim} up.')
        story.say('They walked to the tree together, and nobody won.', 'They did not care who won.')
    story.maybe(0.6, '"That was fun!" said {friend}.', '"Let us play again tomorrow," said {hero}.')
    ending(story)


def plot_night(story: Story) -> None:
    cause = story.rng.choice(['the cat', 'the wind', 'a branch on the window', 'a little mouse', 'the old clock',
                              'rain on the roof', 'the dog snoring'])
    opening(story)
    story.new_paragraph()
    story.say('One night, {hero} was in bed.', 'One dark night, {hero} could not sleep.', 'Late one night, {hero} woke up.')
    story.say('{He} heard a strange noise.', 'Suddenly, there was a loud bump.', '{He} heard something go tap, tap, tap.')
    story.say('{Hero} was scared.', '"What is that?" {he} said in a small voice.', '{Hero} hid under {his} blanket.')
    story.say('{He} wanted to be brave.', 'Then {he} took a deep breath.', '{He} got {his} lantern.')
    story.new_paragraph()
    story.say('{Hero} looked around the room.', 'Slowly, {hero} went to see what it was.', '{He} walked to the door very quietly.')
    story.say('It was only ' + cause + '!', 'It was just ' + cause + '.', 'There was nothing to be afraid of. It was ' + cause + '.')
    story.say('{Hero} laughed.', '{Hero} smiled and went back to bed.', '"Silly me," said {hero}.')
    story.maybe(0.5, 'In the morning, {he} told {parent} all about it.', '{He} felt very brave.')
    ending(story)


def plot_share(story: Story) -> None:
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} and {friend} were playing {at_place}.', '{time}, {friend_intro} came to play with {hero}.')
    story.say('They both wanted to play with {a_thing}.', '{Friend} saw {hero}\'s {thing} and wanted it.',
              'There was only one {thing}, and they both wanted it.')
    story.say('"It is mine!" said {hero}.', '"I want it!" said {friend}.', '"Give it to me!" said {hero}.')
    story.say('They pulled and pulled.', 'They both got angry.', '{Friend} began to cry.')
    story.new_paragraph()
    story.say('{parent} came to see what was wrong.', 'Then {parent} came in.')
    story.say('"Why not take turns?" said {parent}.', '"You can share it," said {parent}. "It is more fun that way."')
    story.say('So {hero} played with it first, and then {friend} had a turn.', '{Hero} gave the {thing} to {friend} first.',
              'They decided to share.')
    story.say('Sharing was more fun than fighting.', 'Soon they were laughing again.', 'They played together happily.')
    story.maybe(0.6, '{Hero} learned that sharing makes everyone happy.', '"I am sorry," said {hero}. "Me too," said {friend}.')
    ending(story)


def plot_trip(story: Story) -> None:
    trip = story.rng.choice([
        ('the beach', ['shells', 'crabs', 'big waves', 'a boat'], 'built a sand castle'),
        ('the zoo', ['a tall giraffe', 'a big elephant', 'funny monkeys', 'a sleepy lion'], 'fed the goats'),
        ('the farm', ['cows', 'pigs', 'a little lamb', 'a red barn'], 'picked some apples'),
        ('the market', ['fresh bread', 'red apples', 'pretty flowers', 'a man with a drum'], 'bought a sweet cake'),
        ('the lake', ['ducks', 'fish', 'a little boat', 'tall reeds'], 'had a picnic on the grass'),
        ('the forest', ['tall trees', 'a deer', 'a little stream', 'mushrooms'], 'had a picnic under a tree'),
    ])
    seen = story.rng.sample(trip[1], 2)
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} went to ' + trip[0] + ' with {parent}.', '{time}, {parent} took {hero} to ' + trip[0] + '.')
    story.say('{Hero} was very excited.', '"I cannot wait!" said {hero}.', 'It was a long ride, but {hero} did not mind.')
    story.say('At ' + trip[0] + ', {he} saw ' + seen[0] + ' and ' + seen[1] + '.',
              'First, {hero} saw ' + seen[0] + '. Then {he} saw ' + seen[1] + '.')
    story.say('"Look!" said {hero}. "Look at that!"', '{Hero} laughed and pointed.', '"Wow!" said {hero}.')
    story.new_paragraph()
    story.say('Then they ' + trip[2] + '.', 'Later, {hero} and {parent} ' + trip[2] + '.')
    story.maybe(0.6, 'They ate ice cream, too.', 'It was a lovely day.', 'The sun was warm and bright.')
    story.say('When it was time to go home, {hero} was very tired.', 'On the way home, {hero} fell asleep.',
              '"Can we come back soon?" asked {hero}.')
    ending(story)


def plot_birthday(story: Story) -> None:
    gift = story.rng.choice(['a red bike', 'a big book of stories', 'a soft toy bear', 'a box of paints', 'a new kite',
                             'a little drum', 'a pair of blue boots', 'a puzzle with a hundred pieces'])
    opening(story)
    story.new_paragraph()
    story.say('{time}, it was the birthday of {hero}.', 'Today was a special day. It was the birthday of {hero}!',
              '{Hero} woke up early. It was {his} birthday!')
    story.say('{Hero} was so excited.', '"I am one year older today!" said {hero}.', '{He} jumped out of bed.')
    story.say('{parent} made a big cake with candles on top.', 'There were balloons and a big cake.',
              '{parent} baked a chocolate cake.')
    story.new_paragraph()
    story.say('Then {friend} came to the party.', 'All of {his} friends came to the party, and {friend} came too.')
    story.say('{Friend} gave {hero} a present.', '"Happy birthday!" said {friend}, and {fhe} gave {hero} a gift.')
    story.say('{Hero} opened it. It was ' + gift + '!', 'Inside the box was ' + gift + '.')
    story.say('"Thank you!" said {hero}. "I love it!"', '{Hero} gave {friend} a big hug.', '"This is the best present!" said {hero}.')
    story.say('Then everyone sang a song, and {hero} blew out the candles.', 'They ate cake and played {game}.')
    ending(story)


def plot_grow(story: Story) -> None:
    plant = story.rng.choice(['a sunflower', 'a little apple tree', 'a pumpkin', 'some carrots', 'a red rose', 'some beans'])
    opening(story)
    story.new_paragraph()
    story.say('{time}, {parent} gave {hero} a tiny seed.', '{time}, {hero} found a seed {spot}.', '{time}, {hero} wanted to grow something.')
    story.say('{Hero} planted the seed {at_place}.', '{He} dug a little hole and put the seed in it.', '{He} planted a seed in a small pot.')
    story.say('Every day, {he} gave it some water.', '{He} watered it every morning.', 'Each day, {hero} checked on the seed.')
    story.say('But nothing happened.', 'For a long time, nothing grew.', '{Hero} waited and waited.')
    story.say('"Will it ever grow?" asked {hero}.', '"Be patient," said {parent}.', '{Hero} felt a little sad.')
    story.new_paragraph()
    story.say('Then one morning, {hero} saw a tiny green leaf!', 'At last, a little green shoot came out of the dirt.')
    story.say('It grew and grew.', 'The sun and the rain helped it grow.', 'Day by day, it got bigger.')
    story.say('Soon it was ' + plant + '.', 'By the end of summer, there was ' + plant + '.')
    story.say('"Look what I grew!" said {hero}.', '{Hero} was very proud of ' + plant + '.', '{Hero} showed it to {friend}.')
    ending(story)


def plot_school(story: Story) -> None:
    opening(story)
    story.new_paragraph()
    story.say('{time}, {hero} went to school for the first time.', 'It was the first day of school for {hero}.')
    story.say('{He} was a little scared.', '{Hero} felt nervous and held {parent}\'s hand.', '"What if nobody likes me?" {he} asked.')
    story.say('"You will have a good day," said {parent}.', '{parent} gave {him} a hug and said, "You will be fine."')
    story.say('The teacher smiled and said, "Welcome to our class!"', 'The teacher was kind and showed {him} a little desk.')
    story.new_paragraph()
    story.say('Next to {him} sat {friend_intro}.', 'At lunch, {hero} sat next to {friend_intro}.')
    story.say('"Hello," said {friend}. "Do you want to draw with me?"', '"Hi! Do you want to be friends?" asked {friend}.')
    story.say('{Hero} smiled and said, "Yes!"', '"I would like that," said {hero}.')
    story.say('They drew pictures and played {game}.', 'They read a book about a big {color} bus.', 'They sang songs with the class.')
    story.say('When {parent} came, {hero} said, "School is fun!"', 'After school, {hero} ran to {parent}. "I made a friend!" {he} said.')
    ending(story)


PLOTS = {
    'find': plot_find, 'lost': plot_lost, 'friend': plot_new_friend, 'help': plot_help, 'weather': plot_weather,
    'make': plot_make, 'game': plot_game, 'night': plot_night, 'share': plot_share, 'trip': plot_trip,
    'birthday': plot_birthday, 'grow': plot_grow, 'school': plot_school,
}


class StoryGrammar:
    """Makes stories (`.text()` is the story); `story()` with no arguments picks everything at random."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def story(self, plot: str | None = None, hero: Character | None = None, place: str | None = None,
              thing: str | None = None) -> Story:
        rng = self.rng
        hero = hero or make_character(rng)
        friend = make_character(rng, named=0.6)
        while friend.name == hero.name and friend.name is not None or friend.kind == hero.kind and not friend.name:
            friend = make_character(rng, named=0.6)
        thing = thing or rng.choice(list(THINGS))
        thing_words = thing if rng.random() < 0.3 else f'{rng.choice(THING_ADJECTIVES + COLORS)} {thing}'
        if hero.is_child:
            parent = rng.choice(['Mom', 'Dad', 'Grandma', 'Grandpa'])
        else:
            parent = rng.choice(['Mother', 'Father']) + ' ' + capitalize(hero.kind)
        fixed = {
            'intro': hero.intro(), 'Intro': capitalize(hero.intro()), 'home': rng.choice(['the woods', 'the sea', 'a big hill', 'a river', 'the park']),
            'feeling_word': rng.choice(['kind', 'happy', 'curious', 'brave', 'funny']), 'hero_adjective': rng.choice(['smart', 'gentle', 'strong', 'polite']),
            'family': rng.choice(['mom and dad', 'grandma', 'big sister', 'little brother', 'family']),
            'parent_word': rng.choice(['mom', 'dad', 'grandma', 'grandpa', 'friend']) if hero.is_child else 'mother',
        }
        story = Story(rng, hero, friend, place or rng.choice(list(PLACES)), thing, thing_words, parent, fixed)
        PLOTS[plot or rng.choice(list(PLOTS))](story)
        return story
