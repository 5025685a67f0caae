/**
 * Deterministic llama-architecture test models, written as GGUF files llama.cpp loads:
 *
 * - 'tiny': a vocabulary of ~1.7k tokens (SentencePiece-style: <unk>/<s>/</s>, the 256 byte tokens,
 *   ▁ and printable ASCII, a few hundred English words as ▁word with every prefix, ChatML's
 *   <|im_start|>/<|im_end|>) and a ChatML chat template; 2 layers, 64 wide, F32. Written in
 *   milliseconds. It speaks word salad: for demos and tests, not for answers.
 * - 'bench': ~48M parameters (512 wide, 8 layers, 32k vocabulary, F16 weights, F32 norms), for
 *   measuring generation speed. It never emits an end token, so it always generates maxTokens.
 *
 * The weights come from a seeded PRNG (same seed → byte-identical file). Random weights alone
 * produce byte garbage; so every token embedding carries a constant in dimension 0 that no layer
 * writes to, and output.weight's dimension 0 holds a bias per token class (whole words up, word
 * prefixes, single characters and bytes down): the output reads as a salad of whole words.
 */
import { writeGguf, gguf, type GgufTensor, type GgufValue } from './writer';

export type TestModelSize = 'tiny' | 'bench';

export interface TestModelOptions {
  size: TestModelSize;
  /** Seeds the weights (the vocabulary is fixed). Default 1. */
  seed?: number;
}

export interface TestModelResult {
  file: string;
  sha256?: string;
  parameters: number;
}

export const TEST_MODEL_NAMES: Record<TestModelSize, string> = {
  tiny: 'tiny test model',
  bench: 'bench test model',
};

interface Shape {
  vocab: number;
  embd: number;
  layers: number;
  heads: number;
  headsKv: number;
  ff: number;
  context: number;
  weights: 'F32' | 'F16';
  /** Logit bias (scaled by the normalized constant dimension) of end-of-turn tokens. */
  endBias: number;
}

const SHAPES: Record<TestModelSize, Shape> = {
  tiny: { vocab: 0, embd: 64, layers: 2, heads: 4, headsKv: 2, ff: 128, context: 2048, weights: 'F32', endBias: 0.5 },
  bench: { vocab: 32000, embd: 512, layers: 8, heads: 8, headsKv: 4, ff: 768, context: 4096, weights: 'F16', endBias: -3 },
};

// SentencePiece token types (llama.cpp's llama_token_type).
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const UNUSED = 5;
const BYTE = 6;

type TokenClass = 'special' | 'byte' | 'char' | 'space' | 'punct' | 'prefix' | 'word' | 'end';

/** Scaled by the normalized constant dimension (≈9): a difference of 0.1 is about one logit. */
const CLASS_BIAS: Record<Exclude<TokenClass, 'end'>, number> = {
  word: 0.5,
  punct: 0.65,
  prefix: -0.35,
  char: -0.35,
  space: -0.6,
  byte: -1.2,
  special: -3,
};

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const WORDS = `the of and to in is was he for it with as his on be at by had are but from or have an they which one you were
her all she there would their we him been has when who will more no if out so said what up its about into than them can only
other new some could time these two may then do first any my now such like our over man me even most made after also did many
before must through back years where much your way well down should because each just those people how too little state good
very make world still own see men work long get here between both life being under never day same another know while last
might us great old year off come since against go came right used take three states himself few house use during without again
place around however home small found thought went say part once general high upon school every does got united left number
course war until always away something fact though water less public put think almost hand enough far took head yet government
system better set told nothing night end why called did eyes find going look asked later knew point next program city business
give group toward young days let room president side social given present several order national possible rather second face
per among form important often things looked early white case john become large big need four within felt along children saw
best church ever least power development light thing seemed family interest want members mind country area others done turned
although open god service certain kind problem began different door thus help sense means whole matter perhaps itself york times
law human line above name example action company hands local show whether five history gave today either act feet across taken
past quite anything having seen death experience body word half really field am car words already themselves information tell
together college shall money period held keep sure probably free seems real behind cannot miss political air question making
office brought whose special heard major problems ago became federal moment study available known result street economic boy
position reason change south board individual job areas society west close turn love community true court force full seem
river garden morning stone quiet green bright winter summer apple bread music paper story letter window river market bridge
forest animal ocean island mountain valley cloud storm silver golden gentle quick slow happy strange simple warm cold`
  .split(/\s+/)
  .filter((w) => w.length > 0);

interface Vocab {
  tokens: string[];
  types: number[];
  scores: number[];
  classes: TokenClass[];
  bos: number;
  eos: number;
  unk: number;
  imStart: number;
  imEnd: number;
}

/** The tokenizer: SentencePiece ("llama") style, with every prefix of every ▁word present. */
function buildVocab(target: number): Vocab {
  const tokens: string[] = [];
  const types: number[] = [];
  const scores: number[] = [];
  const classes: TokenClass[] = [];
  const index = new Map<string, number>();
  const add = (text: string, type: number, cls: TokenClass, score = 0) => {
    const existing = index.get(text);
    if (existing !== undefined) {
      if (cls === 'word') classes[existing] = 'word';
      return existing;
    }
    index.set(text, tokens.length);
    tokens.push(text);
    types.push(type);
    scores.push(score);
    classes.push(cls);
    return tokens.length - 1;
  };
  const unk = add('<unk>', UNKNOWN, 'special');
  const bos = add('<s>', CONTROL, 'special');
  const eos = add('</s>', CONTROL, 'end');
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, BYTE, 'byte');
  const imStart = add('<|im_start|>', CONTROL, 'special');
  const imEnd = add('<|im_end|>', CONTROL, 'end');
  add('▁', NORMAL, 'space', -1);
  for (let c = 0x21; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    add(ch, NORMAL, ch === '.' || ch === ',' ? 'punct' : 'char', -1);
  }
  // Words: each ▁word with all its prefixes (SentencePiece merges only pairs that are tokens).
  // Longer pieces score higher, so merges grow a word from the left.
  const addWord = (word: string, limit: number): boolean => {
    const missing: string[] = [];
    for (let k = 1; k <= word.length; k++) if (!index.has(`▁${word.slice(0, k)}`)) missing.push(word.slice(0, k));
    if (tokens.length + missing.length > limit) return false;
    for (let k = 1; k <= word.length; k++) add(`▁${word.slice(0, k)}`, NORMAL, k === word.length ? 'word' : 'prefix', k / 100);
    return true;
  };
  const limit = target > 0 ? target : Number.MAX_SAFE_INTEGER;
  for (const w of WORDS) addWord(w, limit);
  if (target > 0) {
    // Fill up with pronounceable made-up words from a fixed generator (independent of the seed).
    const rng = new Rng(0x5eed);
    const consonants = 'bcdfghjklmnprstvwz';
    const vowels = 'aeiou';
    let misses = 0;
    while (tokens.length < target && misses < 1000) {
      let word = '';
      const syllables = 2 + Math.floor(rng.next() * 3);
      for (let s = 0; s < syllables; s++) word += consonants[Math.floor(rng.next() * consonants.length)]! + vowels[Math.floor(rng.next() * vowels.length)]!;
      if (rng.next() < 0.3) word += consonants[Math.floor(rng.next() * consonants.length)]!;
      if (!addWord(word, target)) misses++;
    }
    for (let i = 0; tokens.length < target; i++) add(`<unused${i}>`, UNUSED, 'special');
  }
  return { tokens, types, scores, classes, bos, eos, unk, imStart, imEnd };
}

/** xoshiro128** seeded through splitmix32: fast, and the same numbers on every platform. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result / 4294967296;
  }

  /** Fills with uniform values of standard deviation `std` around 0. */
  fill(out: Float32Array, std: number): Float32Array {
    const span = std * Math.sqrt(3) * 2;
    for (let i = 0; i < out.length; i++) out[i] = (this.next() - 0.5) * span;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Derives an independent stream per tensor, so tensors can be produced one at a time, in order. */
function tensorRng(seed: number, name: string): Rng {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return new Rng(h);
}

/** Writes a deterministic llama-architecture test model to `file` (atomically). */
export async function writeTestModel(file: string, options: TestModelOptions): Promise<TestModelResult> {
  const shape = SHAPES[options.size];
  const seed = (options.seed ?? 1) >>> 0;
  const vocab = buildVocab(shape.vocab);
  const nVocab = vocab.tokens.length;
  const { embd, ff, heads, headsKv } = shape;
  const headDim = embd / heads;
  const kvDim = headDim * headsKv;

  const CONSTANT = 1; // the value of dimension 0 in every token embedding
  const EMBED_STD = 0.1;
  const LAYER_STD = 0.02;
  const OUTPUT_STD = 0.075;

  const ones = (n: number) => () => new Float32Array(n).fill(1);
  const random = (name: string, n: number, std: number) => () => tensorRng(seed, name).fill(new Float32Array(n), std);
  /** A projection into the residual stream: output row 0 stays zero so dimension 0 keeps the constant. */
  const intoResidual = (name: string, cols: number) => () => {
    const data = tensorRng(seed, name).fill(new Float32Array(cols * embd), LAYER_STD);
    data.fill(0, 0, cols);
    return data;
  };

  const tensors: GgufTensor[] = [];
  tensors.push({
    name: 'token_embd.weight',
    shape: [embd, nVocab],
    type: shape.weights,
    data: () => {
      const data = tensorRng(seed, 'token_embd.weight').fill(new Float32Array(embd * nVocab), EMBED_STD);
      for (let v = 0; v < nVocab; v++) data[v * embd] = CONSTANT;
      return data;
    },
  });
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, shape: [embd], type: 'F32', data: ones(embd) },
      { name: `${p}attn_q.weight`, shape: [embd, embd], type: shape.weights, data: random(`${p}attn_q.weight`, embd * embd, LAYER_STD) },
      { name: `${p}attn_k.weight`, shape: [embd, kvDim], type: shape.weights, data: random(`${p}attn_k.weight`, embd * kvDim, LAYER_STD) },
      { name: `${p}attn_v.weight`, shape: [embd, kvDim], type: shape.weights, data: random(`${p}attn_v.weight`, embd * kvDim, LAYER_STD) },
      { name: `${p}attn_output.weight`, shape: [embd, embd], type: shape.weights, data: intoResidual(`${p}attn_output.weight`, embd) },
      { name: `${p}ffn_norm.weight`, shape: [embd], type: 'F32', data: ones(embd) },
      { name: `${p}ffn_gate.weight`, shape: [embd, ff], type: shape.weights, data: random(`${p}ffn_gate.weight`, embd * ff, LAYER_STD) },
      { name: `${p}ffn_up.weight`, shape: [embd, ff], type: shape.weights, data: random(`${p}ffn_up.weight`, embd * ff, LAYER_STD) },
      { name: `${p}ffn_down.weight`, shape: [ff, embd], type: shape.weights, data: intoResidual(`${p}ffn_down.weight`, ff) },
    );
  }
  tensors.push({ name: 'output_norm.weight', shape: [embd], type: 'F32', data: ones(embd) });
  tensors.push({
    name: 'output.weight',
    shape: [embd, nVocab],
    type: shape.weights,
    data: () => {
      const data = tensorRng(seed, 'output.weight').fill(new Float32Array(embd * nVocab), OUTPUT_STD);
      for (let v = 0; v < nVocab; v++) {
        const cls = vocab.classes[v]!;
        data[v * embd] = cls === 'end' ? shape.endBias : CLASS_BIAS[cls];
      }
      return data;
    },
  });

  const metadata: Array<[string, GgufValue]> = [
    ['general.architecture', gguf.str('llama')],
    ['general.name', gguf.str(TEST_MODEL_NAMES[options.size])],
    ['general.description', gguf.str(`Assay's deterministic ${options.size} test model (random weights, seed ${seed}): it speaks word salad.`)],
    ['general.file_type', gguf.u32(shape.weights === 'F32' ? 0 : 1)],
    ['llama.vocab_size', gguf.u32(nVocab)],
    ['llama.context_length', gguf.u32(shape.context)],
    ['llama.embedding_length', gguf.u32(embd)],
    ['llama.block_count', gguf.u32(shape.layers)],
    ['llama.feed_forward_length', gguf.u32(ff)],
    ['llama.rope.dimension_count', gguf.u32(headDim)],
    ['llama.rope.freq_base', gguf.f32(10000)],
    ['llama.attention.head_count', gguf.u32(heads)],
    ['llama.attention.head_count_kv', gguf.u32(headsKv)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
    ['tokenizer.ggml.model', gguf.str('llama')],
    ['tokenizer.ggml.tokens', gguf.strings(vocab.tokens)],
    ['tokenizer.ggml.scores', gguf.f32s(vocab.scores)],
    ['tokenizer.ggml.token_type', gguf.i32s(vocab.types)],
    ['tokenizer.ggml.bos_token_id', gguf.u32(vocab.bos)],
    ['tokenizer.ggml.eos_token_id', gguf.u32(vocab.eos)],
    ['tokenizer.ggml.unknown_token_id', gguf.u32(vocab.unk)],
    ['tokenizer.ggml.eot_token_id', gguf.u32(vocab.imEnd)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    // Otherwise llama.cpp prepends a space to the text, and the first streamed chunk loses one.
    ['tokenizer.ggml.add_space_prefix', gguf.bool(false)],
    ['tokenizer.chat_template', gguf.str(CHATML_TEMPLATE)],
  ];

  const written = await writeGguf(file, { metadata, tensors });
  return { file: written.file, sha256: written.sha256, parameters: written.parameters };
}
