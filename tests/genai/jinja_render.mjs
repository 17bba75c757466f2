// Renders chat templates with @huggingface/jinja, the reference Jinja engine of the chat-template
// tests (jinja_oracle_test.cpp).
// Usage: node jinja_render.mjs CASES.json
//   CASES.json: [{"template": "...", "context": {...}}, ...]
//   -> stdout: [{"text": "..."} | {"error": "..."}, ...], one entry per case.
import {Template} from "@huggingface/jinja";
import fs from "fs";

const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const results = cases.map(({template, context}) => {
  try {
    return {text: new Template(template).render(context)};
  } catch (e) {
    return {error: String(e && e.message ? e.message : e)};
  }
});
process.stdout.write(JSON.stringify(results));
