// Generation speed of Assay's llama runner (worker thread, message passing, per-request sequence)
// against node-llama-cpp called directly in this process, on the same GGUF, threads, context and
// sampling. Run: npm run bench:runner  (env: BENCH_TOKENS=256 BENCH_REPEATS=7 BENCH_THREADS=n
// BENCH_SWEEP=0 to skip the thread sweep). The last line is JSON for CI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { Sampling } from '../contract/runner';
import { completeDirect } from './llama-direct';
import { writeTestModel } from '../core/runner/gguf/test-model';
import { createLlamaRunner } from '../core/runner/llama';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const CONTEXT = 1024;
const PROMPT = 'Once upon a time';
const sampling = Sampling.parse({ temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: TOKENS, seed: 1234 });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** What the runner does per request, minus the worker: a fresh sequence, LlamaCompletion, streamed chunks. */
async function direct(context: LlamaContext): Promise<{ tokens: number; seconds: number; text: string }> {
  const started = performance.now();
  let tokens = 0;
  let streamed = ''; // collected as the worker collects its stream, so the baseline does that work too
  const text = await completeDirect(context, PROMPT, sampling, { onToken: (t) => (tokens += t.length), onTextChunk: (chunk) => (streamed += chunk) });
  void streamed;
  return { tokens, seconds: (performance.now() - started) / 1000, text };
}

async function sweep(model: LlamaModel, threads: number[]): Promise<string> {
  const parts: string[] = [];
  for (const t of threads) {
    const context = await model.createContext({ contextSize: CONTEXT, threads: t });
    try {
      await direct(context);
      const speeds: number[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await direct(context);
        speeds.push(r.tokens / r.seconds);
      }
      parts.push(`${t} thread${t === 1 ? '' : 's'}: ${median(speeds).toFixed(1)} tok/s`);
    } finally {
      await context.dispose();
    }
  }
  return parts.join(', ');
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-'));
try {
  const file = path.join(dir, 'bench.gguf');
  let t = performance.now();
  const written = await writeTestModel(file, { size: 'bench', seed: 1 });
  console.log(`model: ${(written.parameters / 1e6).toFixed(1)}M parameters, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const requestedThreads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;
  const runner = await createLlamaRunner({ modelPath: file, threads: requestedThreads, contextSize: CONTEXT });
  const threads = runner.loaded.threads;
  console.log(`assay runner loaded in ${((performance.now() - t) / 1000).toFixed(1)} s: ${threads} thread(s) (${requestedThreads ? 'BENCH_THREADS' : 'default'}; ${os.availableParallelism()} logical cores), context ${runner.loaded.contextSize}`);

  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: CONTEXT, threads });

  const viaAssay = async () => {
    const started = performance.now();
    const r = await runner.generate({ input: { mode: 'raw', text: PROMPT }, sampling, onText: () => undefined });
    return { tokens: r.completionTokens ?? 0, seconds: (performance.now() - started) / 1000, text: r.text, decode: r.tokensPerSecond };
  };

  // Warm up both once, then alternate so drift on a shared machine hits both alike.
  const warmAssay = await viaAssay();
  const warmDirect = await direct(context);
  const assaySpeeds: number[] = [];
  const directSpeeds: number[] = [];
  const decodeSpeeds: number[] = [];
  const pairRatios: number[] = [];
  const loadBefore = os.loadavg()[0]!;
  for (let i = 0; i < REPEATS; i++) {
    // ABBA order: neither side always runs right after the other.
    let a: Awaited<ReturnType<typeof viaAssay>>;
    let d: Awaited<ReturnType<typeof direct>>;
    if (i % 2 === 0) {
      a = await viaAssay();
      d = await direct(context);
    } else {
      d = await direct(context);
      a = await viaAssay();
    }
    pairRatios.push(a.seconds > 0 ? d.seconds / a.seconds : 1);
    if (a.tokens !== TOKENS || d.tokens !== TOKENS) throw new Error(`expected ${TOKENS} tokens, got ${a.tokens} (assay) and ${d.tokens} (direct)`);
    assaySpeeds.push(a.tokens / a.seconds);
    directSpeeds.push(d.tokens / d.seconds);
    if (a.decode !== null) decodeSpeeds.push(a.decode);
  }
  const assay = median(assaySpeeds);
  const directSpeed = median(directSpeeds);
  const ratio = assay / directSpeed;
  console.log(`same text from both (seed ${sampling.seed}): ${warmAssay.text === warmDirect.text ? 'yes' : 'NO'}`);
  console.log(`assay runner:       ${assay.toFixed(1)} tok/s (median of ${REPEATS} × ${TOKENS} tokens, wall clock per request; runs: ${assaySpeeds.map((s) => s.toFixed(0)).join(' ')})`);
  console.log(`node-llama-cpp:     ${directSpeed.toFixed(1)} tok/s (runs: ${directSpeeds.map((s) => s.toFixed(0)).join(' ')})`);
  console.log(`decode only (runner's tokensPerSecond): ${median(decodeSpeeds).toFixed(1)} tok/s`);
  console.log(`ratio assay/direct: ${ratio.toFixed(3)} (median of per-pair ratios: ${median(pairRatios).toFixed(3)})`);
  const load = Math.max(loadBefore, os.loadavg()[0]!);
  if (load > 0.5 * os.availableParallelism()) {
    console.log(`note: load average ${load.toFixed(1)} on ${os.availableParallelism()} cores while measuring: other work shares the CPU, so single runs vary; raise BENCH_REPEATS for a steadier figure`);
  }

  await runner.dispose();
  await context.dispose();
  if (process.env.BENCH_SWEEP !== '0') {
    const counts = [...new Set([1, 2, Math.min(4, os.availableParallelism())])];
    console.log(`threads (node-llama-cpp direct, ${TOKENS} tokens): ${await sweep(model, counts)}`);
  }
  await model.dispose();
  await llama.dispose();
  console.log(JSON.stringify({ bench: 'runner', ratio: Number(ratio.toFixed(3)), assay_tokens_per_s: Number(assay.toFixed(1)), direct_tokens_per_s: Number(directSpeed.toFixed(1)) }));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
