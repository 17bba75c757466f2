// Tokenizes texts with llama.cpp (node-llama-cpp) for tokenizer_oracle_test.cpp.
// Usage: node llama_tokenize.mjs MODEL.gguf TEXTS.json
//   -> stdout: {"special": [[ids]...], "plain": [[ids]...], "decoded": [text...]}: ids with
//      special-token parsing on / off, and the "special" ids detokenized with control tokens hidden.
// No BOS is added (llama.cpp's tokenize() does not add it).
import {getLlama} from "node-llama-cpp";
import fs from "fs";

const [, , modelPath, textsPath] = process.argv;
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, vocabOnly: true});
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
process.stdout.write(JSON.stringify({
  special: texts.map((t) => Array.from(model.tokenize(t, true))),
  plain: texts.map((t) => Array.from(model.tokenize(t, false))),
  decoded: texts.map((t) => model.detokenize(model.tokenize(t, true), false)),
}));
await model.dispose();
await llama.dispose();
