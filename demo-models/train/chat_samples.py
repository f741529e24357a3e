"""
Chat-shaped training samples: a user turn (a request for a story, a question
about one, or small talk), sometimes after a system turn, and an assistant
answer in the same simple English as the stories. They teach the model the
turns of the ChatML template, so that greedy answers to everyday prompts are
stories or short friendly sentences rather than a continuation of the prompt.

Each sample is a list of {"role", "content"} messages, the last one the
assistant's.
"""
import random

from story_grammar import AT_PLACE, ANIMALS, CHILD_KINDS, HERO_ADJECTIVES, PET_NAMES, PLACES, THINGS, BOY_NAMES, GIRL_NAMES
from story_grammar import StoryGrammar, a_or_an, capitalize, make_character

SYSTEM_PROMPTS = ['You are a helpful assistant.', 'You are Shoal, a friendly storyteller.',
                  'You are a friendly assistant who tells short stories for children.', 'Answer the user.',
                  'You are a kind and helpful assistant.']
STORY_REQUESTS = ['Tell me a story.', 'Tell me a bedtime story.', 'Please tell me a short story.', 'I want to hear a story.',
                  'Can you tell me a story?', 'Story time!', 'Tell me a story, please.', 'Write a short story.',
                  'Can you write a story for me?', 'Tell me a nice story.', 'I would like a story.']
STORY_STARTS = ['Tell me a story about {x}.', 'Can you tell me a story about {x}?', 'Write a short story about {x}.',
                'Please tell me a story about {x}.', 'I want a story about {x}.', 'Tell me a bedtime story about {x}.',
                'Write a story about {x}.', 'Could you tell me a story about {x}?']
ANSWER_LEADS = ['', '', '', 'Here is a story about {x}.\n\n', 'Sure! Here is a story about {x}.\n\n',
                'Of course! Here is a little story.\n\n', 'Okay, here is a story.\n\n']
TOPICS = {
    'the weather': 'weather', 'a day outside': 'weather', 'making a new friend': 'friend',
    'friends': 'friend', 'friendship': 'friend', 'sharing': 'share', 'being brave': 'night', 'a noise in the night': 'night',
    'helping others': 'help', 'a kind child': 'help', 'a trip to the zoo': 'trip', 'a day at the beach': 'trip',
    'a visit to the farm': 'trip', 'baking a cake': 'make', 'making something': 'make', 'playing a game': 'game',
    'hide and seek': 'game', 'a lost toy': 'lost', 'finding a treasure': 'find', 'a surprise': 'find',
    'a birthday': 'birthday', 'a birthday party': 'birthday', 'growing a flower': 'grow', 'a garden': 'grow',
    'the first day of school': 'school', 'school': 'school',
}
UNKNOWN_QUESTIONS = ['What is the capital of France?', 'How do cars work?', 'Can you help me with my homework?',
                     'What time is it?', 'How far away is the moon?', 'Why is the sky blue?', 'What should I cook tonight?',
                     'Can you explain how computers work?', 'What is the meaning of life?', 'How do I fix my bike?']


def polish_prompt(rng: random.Random, prompt: str) -> str:
    """People type carelessly: sometimes no capital letter, sometimes no final punctuation."""
    if rng.random() < 0.15:
        prompt = prompt[:1].lower() + prompt[1:]
    if rng.random() < 0.15:
        prompt = prompt.rstrip('.?!')
    return prompt


class ChatSamples:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.grammar = StoryGrammar(seed + 1)

    def sample(self) -> list[dict[str, str]]:
        rng = self.rng
        kind = rng.random()
        messages = []
        if rng.random() < 0.25:
            messages.append({'role': 'system', 'content': rng.choice(SYSTEM_PROMPTS)})
        if kind < 0.06:
            messages += self.offer_turns()
            user, answer = rng.choice(['Yes, please!', 'Yes!', 'Okay.', 'Sure.', 'Yes, I would like that.']), self.grammar.story().text()
        elif kind < 0.5:
            user, answer = self.story_request()
        elif kind < 0.72:
            user, answer = self.question()
        else:
            user, answer = self.small_talk()
        messages.append({'role': 'user', 'content': polish_prompt(rng, user)})
        messages.append({'role': 'assistant', 'content': answer})
        return messages

    def lead(self, about: str) -> str:
        return self.rng.choice(ANSWER_LEADS).format(x=about)

    def story_request(self) -> tuple[str, str]:
        rng, grammar = self.rng, self.grammar
        choice = rng.random()
        if choice < 0.15:
            return rng.choice(STORY_REQUESTS), grammar.story().text()
        if choice < 0.5:
            kind = rng.choice(list(ANIMALS) + list(CHILD_KINDS))
            adjective = rng.choice(HERO_ADJECTIVES) if rng.random() < 0.4 else None
            hero = make_character(rng, kind=kind, adjective=adjective)
            about = a_or_an(f'{adjective} {kind}' if adjective else kind)
        elif choice < 0.7:
            name = rng.choice(BOY_NAMES + GIRL_NAMES)
            hero = make_character(rng, kind='boy' if name in BOY_NAMES else 'girl', name=name)
            about = name if rng.random() < 0.6 else f'{a_or_an(hero.kind)} named {name}'
        elif choice < 0.8:
            kind = rng.choice(list(ANIMALS))
            name = rng.choice(PET_NAMES)
            hero = make_character(rng, kind=kind, name=name)
            about = f'{a_or_an(kind)} named {name}'
        elif choice < 0.9:
            thing = rng.choice(list(THINGS))
            about = a_or_an(thing)
            story = grammar.story(plot=rng.choice(['find', 'lost', 'share']), thing=thing)
            return rng.choice(STORY_STARTS).format(x=about), self.lead(about) + story.text()
        else:
            topic = rng.choice(list(TOPICS))
            story = grammar.story(plot=TOPICS[topic])
            return rng.choice(STORY_STARTS).format(x=topic), self.lead(topic) + story.text()
        return rng.choice(STORY_STARTS).format(x=about), self.lead(about) + grammar.story(hero=hero).text()

    def question(self) -> tuple[str, str]:
        rng, grammar = self.rng, self.grammar
        name = rng.choice(BOY_NAMES + GIRL_NAMES)
        hero = make_character(rng, kind='boy' if name in BOY_NAMES else 'girl', name=name)
        choice = rng.random()
        if choice < 0.45:
            place = rng.choice(list(PLACES))
            story = grammar.story(plot='find', hero=hero, place=place)
            question = rng.choice([f'What did {name} find {AT_PLACE[place]}?', f'What did {name} find?',
                                   f'Tell me what {name} found {AT_PLACE[place]}.', f'Did {name} find something {AT_PLACE[place]}?'])
            answer = f'{name} found {a_or_an(story.thing_words)} {AT_PLACE[place]}.'
        elif choice < 0.7:
            story = grammar.story(plot='lost', hero=hero)
            question = rng.choice([f'Why was {name} sad?', f'What did {name} lose?', f'What happened to {name}?'])
            answer = f'{name} was sad because {hero.he} lost {hero.his} {story.thing}.'
        elif choice < 0.85:
            story = grammar.story(plot='lost', hero=hero)
            question = rng.choice([f'Who helped {name}?', f'Who helped {name} find the {story.thing}?'])
            answer = f'{capitalize(story.friend.ref)} helped {name} find {hero.his} {story.thing}.'
        else:
            place = rng.choice(list(PLACES))
            story = grammar.story(plot=rng.choice(['find', 'friend', 'help']), hero=hero, place=place)
            question = rng.choice([f'Where did {name} go?', f'Where did {name} go today?', f'Where did {name} play?'])
            answer = f'{name} went to {place}.'
        follow = rng.choice(['Here is the story.', 'Let me tell you the story.', 'This is what happened.', ''])
        return question, f'{answer} {follow}'.strip() + '\n\n' + story.text()

    def small_talk(self) -> tuple[str, str]:
        rng = self.rng
        kind = rng.choice(list(ANIMALS))
        offer = rng.choice(['Would you like to hear a story?', 'Do you want me to tell you a story?',
                            f'I can tell you a story about {a_or_an(kind)}, if you like.', 'Shall I tell you a story?'])
        story = self.grammar.story(hero=make_character(rng, kind=kind)).text()
        options = [
            (['Hi!', 'Hello!', 'Hello there.', 'Hey!', 'Good morning!', 'Hi there!', 'Good afternoon!'],
             rng.choice(['Hello!', 'Hi!', 'Hello, friend!']) + ' ' + rng.choice(['It is nice to meet you.', 'How are you today?', 'I am happy to see you.']) + ' ' + offer),
            (['How are you?', 'Hi, how are you?', 'Hello! How are you today?', 'How are you doing?', 'Are you well?'],
             rng.choice(['I am very well, thank you!', 'I am fine, thank you for asking.', 'I am happy today, thank you!']) + ' ' + offer),
            (['What is your name?', 'Who are you?', 'Tell me about yourself.', 'What are you?'],
             'My name is Shoal. I am a small model, and I like to tell stories about animals and children. ' + offer),
            (['What can you do?', 'What do you know?', 'Can you help me?', 'What are you good at?'],
             'I can tell you short stories about animals, children and their friends. ' + rng.choice(['Just ask me for a story about a cat or a dog!', offer])),
            (['Thank you!', 'Thanks!', 'Thank you so much.', 'That was nice.', 'I liked that story.'],
             rng.choice(['You are welcome!', 'I am glad you liked it!', 'You are very welcome.']) + ' ' + rng.choice([offer, 'Have a nice day!', 'Come back any time.'])),
            (['Good night!', 'I am going to bed.', 'Good night, Shoal.'],
             'Good night! Sleep well. Here is a little story for bedtime.\n\n' + story),
            (['Do you like stories?', 'Do you know any stories?'],
             'Yes, I love stories! Here is one for you.\n\n' + story),
            (['What is your favorite animal?', 'Which animal do you like best?', 'Do you like animals?'],
             f'I like the {kind} best. Let me tell you a story about one.\n\n' + story),
            (['I am sad.', 'I feel sad today.', 'I am not happy.'],
             'I am sorry you feel sad. Maybe a story will help you feel better.\n\n' + story),
            (['I am bored.', 'I have nothing to do.', 'Entertain me.'],
             'Let me tell you a story!\n\n' + story),
            (UNKNOWN_QUESTIONS,
             'I am just a little story model, so I do not know about that. But I can tell you a story! ' + offer),
        ]
        prompts, answer = rng.choice(options)
        return rng.choice(prompts), answer

    def offer_turns(self) -> list[dict[str, str]]:
        """A greeting and an offer of a story, which the next user turn accepts."""
        return [{'role': 'user', 'content': self.rng.choice(['Hi!', 'Hello!', 'Hello there.'])},
                {'role': 'assistant', 'content': 'Hello! Would you like to hear a story?'}]
