#!/usr/bin/env node
// llama.cpp decode speed through node-llama-cpp (CPU only, the bundled prebuilt llama.cpp):
// loads a GGUF, evaluates a short prompt, then generates greedily and times the decode steps.
//
//   node llama_decode.mjs --model m.gguf --threads 1 --tokens 64 [--prompt 1,20,30,40] [--context 512]
//
// Prints one JSON object: {"threads", "tokens", "decode_s", "decode_tokens_per_s", "decode_cpu_s",
// "decode_tokens_per_cpu_s", "load_s", "generated"}. decode_s runs from the first generated token
// to the last, so the rate counts tokens - 1 decode steps (as the npustack side does); the CPU
// figures are the whole node process's user + system time over the same steps. Exit code 2 on bad arguments, 3 when
// llama.cpp refuses the model.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

function parseArgs(argv) {
  const args = { threads: 1, tokens: 64, prompt: [1, 20, 30, 40], context: 512 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i], value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === "--model") args.model = value;
    else if (key === "--threads") args.threads = Number(value);
    else if (key === "--tokens") args.tokens = Number(value);
    else if (key === "--context") args.context = Number(value);
    else if (key === "--prompt") args.prompt = value.split(",").filter((s) => s !== "").map(Number);
    else throw new Error(`unknown argument ${key}`);
  }
  if (!args.model) throw new Error("--model is required");
  for (const k of ["threads", "tokens", "context"])
    if (!Number.isInteger(args[k]) || args[k] < 1) throw new Error(`--${k} must be a positive integer`);
  if (args.tokens < 2) throw new Error("--tokens must be at least 2");
  if (args.prompt.length === 0 || args.prompt.some((t) => !Number.isInteger(t) || t < 0))
    throw new Error("--prompt must be a comma-separated list of token ids");
  return args;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`llama_decode: ${e.message}\n`);
    process.exit(2);
  }
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.warn });
  const loadStart = performance.now();
  let model;
  try {
    model = await llama.loadModel({ modelPath: args.model, gpuLayers: 0 });
  } catch (e) {
    process.stderr.write(`llama_decode: llama.cpp refused ${args.model}: ${e.message}\n`);
    process.exit(3);
  }
  const loadS = (performance.now() - loadStart) / 1000;
  const context = await model.createContext({
    contextSize: args.context,
    batchSize: Math.max(args.prompt.length, 8),
    threads: args.threads,
    sequences: 1,
  });
  const sequence = context.getSequence();
  const generated = [];
  let first = 0, last = 0, cpuFirst = 0, cpuLast = 0;
  const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  for await (const token of sequence.evaluate(args.prompt, { temperature: 0 })) {
    last = performance.now();
    cpuLast = cpuNow();
    if (generated.length === 0) first = last, cpuFirst = cpuLast;
    generated.push(token);
    if (generated.length >= args.tokens) break;
  }
  const decodeS = (last - first) / 1000;
  process.stdout.write(JSON.stringify({
    threads: args.threads,
    tokens: generated.length,
    decode_s: decodeS,
    decode_tokens_per_s: decodeS > 0 ? (generated.length - 1) / decodeS : 0,
    decode_cpu_s: cpuLast - cpuFirst,
    decode_tokens_per_cpu_s: cpuLast > cpuFirst ? (generated.length - 1) / (cpuLast - cpuFirst) : 0,
    load_s: loadS,
    generated,
  }) + "\n");
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

main().catch((e) => {
  process.stderr.write(`llama_decode: ${e.stack ?? e}\n`);
  process.exit(1);
});
