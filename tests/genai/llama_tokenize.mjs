// Tokenizes texts with llama.cpp (node-llama-cpp) for tokenizer_oracle_test.cpp.
// Usage: node llama_tokenize.mjs MODEL.gguf TEXTS.json  -> stdout: JSON array of id arrays.
// Special-token strings are parsed; no BOS is added (llama.cpp's tokenize() does not add it).
import {getLlama} from "node-llama-cpp";
import fs from "fs";

const [, , modelPath, textsPath] = process.argv;
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, vocabOnly: true});
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
process.stdout.write(JSON.stringify(texts.map((t) => Array.from(model.tokenize(t, true)))));
await model.dispose();
await llama.dispose();
