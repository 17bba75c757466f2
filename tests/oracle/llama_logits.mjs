#!/usr/bin/env node
// llama.cpp as a numerical oracle: loads a GGUF with node-llama-cpp (CPU, 1 thread, F32 KV cache,
// flash attention off), evaluates the given tokens (the caller adds BOS), then generates greedily,
// and prints JSON with the full logits at every position.
//
//   node llama_logits.mjs --model m.gguf --vocab 300 --tokens 1,20,31 --steps 32 [--context 256]
//
// Output: {"vocab": V, "prompt": [...], "generated": [...], "logits": [[...], ...]} where
// logits[i] follows input i (prompt tokens, then each generated token but the last), and
// generated[k] is the argmax of logits[prompt.length - 1 + k]. Exit code 2 on bad arguments,
// 3 when llama.cpp refuses the model (its log is on stderr).
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

function parseArgs(argv) {
  const args = { context: 256, steps: 32 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i], value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === "--model") args.model = value;
    else if (key === "--tokens") args.tokens = value.split(",").filter((s) => s !== "").map(Number);
    else if (key === "--steps") args.steps = Number(value);
    else if (key === "--context") args.context = Number(value);
    else if (key === "--vocab") args.vocab = Number(value);
    else throw new Error(`unknown argument ${key}`);
  }
  if (!args.model) throw new Error("--model is required");
  if (!Number.isInteger(args.vocab) || args.vocab < 1) throw new Error("--vocab (the model's vocabulary size) is required");
  if (!args.tokens || args.tokens.length === 0 || args.tokens.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new Error("--tokens must be a comma-separated list of token ids");
  }
  if (!Number.isInteger(args.steps) || args.steps < 1) throw new Error("--steps must be a positive integer");
  return args;
}

function denseLogits(map, vocab) {
  const out = new Array(vocab).fill(null);
  for (const [token, logit] of map) {
    if (token < 0 || token >= vocab) throw new Error(`llama.cpp returned token ${token} outside --vocab ${vocab}`);
    out[token] = logit;
  }
  return out;
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`llama_logits: ${e.message}\n`);
    process.exit(2);
  }
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message}\n`),
  });
  let model;
  try {
    model = await llama.loadModel({ modelPath: args.model, gpuLayers: 0 });
  } catch (e) {
    process.stderr.write(`llama_logits: llama.cpp refused ${args.model}: ${e.message}\n`);
    process.exit(3);
  }
  const context = await model.createContext({
    contextSize: args.context,
    batchSize: Math.max(args.tokens.length, 8),
    threads: 1,
    flashAttention: false,
    sequences: 1,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
  });
  const sequence = context.getSequence();
  const vocab = args.vocab;
  const withLogits = (t) => [t, { generateNext: { logits: true } }];

  const logits = [];
  const prompt = await sequence.controlledEvaluate(args.tokens.map(withLogits));
  for (let i = 0; i < args.tokens.length; i++) logits.push(denseLogits(prompt[i].next.logits, vocab));
  const generated = [argmax(logits[logits.length - 1])];
  while (generated.length < args.steps) {
    const [out] = await sequence.controlledEvaluate([withLogits(generated[generated.length - 1])]);
    const step = denseLogits(out.next.logits, vocab);
    logits.push(step);
    generated.push(argmax(step));
  }
  process.stdout.write(JSON.stringify({ vocab, prompt: args.tokens, generated, logits }));
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

main().catch((e) => {
  process.stderr.write(`llama_logits: ${e.stack ?? e}\n`);
  process.exit(1);
});
