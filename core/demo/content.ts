/**
 * What the demo workspace holds besides model outputs: prompts a TinyStories model can answer
 * (story openings) and ones it cannot (counting and arithmetic, with references), so a reviewer
 * meets both good English and real failures. Ids are fixed so the demo is the same every time.
 */
export interface DemoPrompt {
  id: string;
  prompt: string;
  reference?: string;
  tags: string[];
}

const STORY_OPENINGS = [
  'Once upon a time',
  'Once upon a time, there was a little girl named Lily.',
  'One day, a boy named Tim went to the park.',
  'There was a big red ball in the garden.',
  'Sam had a little dog. The dog liked to run.',
  'Mia wanted to bake a cake for her mom.',
  'The sun was shining and the birds were singing.',
  'A small cat sat on the wall and looked at the sky.',
  'Ben found a shiny stone near the river.',
  'It was a rainy day, and Lucy was sad.',
  'The little bird could not fly yet.',
  'Tom and his friend Sue built a tall tower of blocks.',
  'Grandpa had an old box in the attic.',
  'Anna saw a big bear in the woods.',
  'The boy wanted a new toy car.',
  'Lily and her mom went to the store.',
  'A tiny frog lived in a pond.',
  'Max was a brave little dog.',
  'The girl found a key under her bed.',
  'One night, the moon was very bright.',
  'Jack liked to play with his blue truck.',
  'Sara was scared of the dark.',
  'The old tree in the park had a secret.',
  'Timmy lost his hat on a windy day.',
];

const ARITHMETIC: Array<[string, string]> = [
  ['What is seven plus 5?', '12'],
  ['What is 2 plus 2?', '4'],
  ['What is ten minus three?', '7'],
  ['What is 3 times 4?', '12'],
  ['If you have 5 apples and eat 2, how many are left?', '3'],
  ['What is half of 10?', '5'],
  ['Lily has 3 balls and Tom gives her 4 more. How many balls does she have?', '7'],
  ['What is 9 minus 9?', '0'],
];

const COUNTING: Array<[string, string]> = [
  ['Count from one to five: one, two,', 'three, four, five'],
  ['Count to ten: 1, 2, 3,', '4, 5, 6, 7, 8, 9, 10'],
  ['How many legs does a dog have?', '4'],
  ['How many days are in a week?', '7'],
  ['Tim saw three cats and two dogs. How many animals did he see?', '5'],
  ['Say the numbers backwards from five: five, four,', 'three, two, one'],
  ['How many wheels does a bike have?', '2'],
  ['Mia has two hands. How many fingers does she have?', '10'],
];

export const DEMO_PROMPTS: DemoPrompt[] = [
  ...STORY_OPENINGS.map((prompt, i) => ({ id: `demo-story-${String(i + 1).padStart(2, '0')}`, prompt, tags: ['story'] })),
  ...ARITHMETIC.map(([q, a], i) => ({ id: `demo-arith-${String(i + 1).padStart(2, '0')}`, prompt: `Question: ${q}\nAnswer:`, reference: a, tags: ['arithmetic', 'question'] })),
  ...COUNTING.map(([q, a], i) => ({ id: `demo-count-${String(i + 1).padStart(2, '0')}`, prompt: `Question: ${q}\nAnswer:`, reference: a, tags: ['counting', 'question'] })),
];

/**
 * The sample model at two sampling settings, each its own model so they can be compared. The
 * temperature is stored as the model's default sampling (settings.sampling), so Playground and Batch
 * start from it, and the demo's own jobs use it.
 */
export const DEMO_MODELS = [
  { name: 'stories260K · careful (temperature 0.2)', temperature: 0.2 },
  { name: 'stories260K · lively (temperature 1.0)', temperature: 1.0 },
] as const;

/** Failure classes a reviewer of this model will need (the workspace already seeds an arithmetic one). */
export const DEMO_FAILURE_CLASSES = [
  { name: 'Repetition', description: 'repeats a sentence, a phrase or a name it has already used', example: 'She saw a little girl named Lily. She saw a little girl named Lily.' },
  { name: 'Contradiction', description: 'says something that contradicts the prompt or an earlier sentence', example: 'Lily was happy. … Lily was sad because she was happy.' },
  { name: 'Ignores the question', description: 'tells a story instead of answering what was asked', example: 'Question: How many days are in a week? Answer: Once there was a boy named Tim…' },
];

export const DEMO_SEED = 42;
export const DEMO_MAX_TOKENS = 96;
