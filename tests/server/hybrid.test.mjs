// Hybrid edge/cloud routing: a second local `npu serve` plays the cloud; device faults are
// injected into the edge (NPU_SIM_FAULTS). Each answer names its backend (X-NPU-Backend), moves
// to the other backend before the first byte, and no request is lost.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import { startServer, metric, sseLines, waitFor, loop, thinkTool } from './harness.mjs';

const ASK = [{ role: 'user', content: 'hi' }];
const chat = (url, body, headers = {}) => fetch(`${url}/v1/chat/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
});

describe('hybrid routing', () => {
  let cloud;
  let keyFile;
  before(async () => {
    // The cloud serves the loop model under both names, with a larger context than think-tool's.
    cloud = await startServer(['--api-key', 'cloudkey', '--served-model-name', 'loop', '--served-model-name', 'think-tool'], {}, [loop, loop]);
    keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'npu-hybrid-')), 'key');
    fs.writeFileSync(keyFile, 'cloudkey\n');
  });
  after(async () => { await cloud.stop(); });

  test('a healthy edge answers itself', async () => {
    const edge = await startServer(['--upstream', cloud.url, '--upstream-key-file', keyFile]);
    try {
      const r = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 2 });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-npu-backend'), 'edge');
      assert.equal((await r.json()).choices[0].message.content, 'Hi again');
    } finally { await edge.stop(); }
  });

  test('a faulted device: the request goes to the cloud within 1 s, streamed too', async () => {
    const edge = await startServer(['--upstream', cloud.url, '--upstream-key-file', keyFile], { NPU_SIM_FAULTS: 'device_removal@run=1' });
    try {
      const t0 = Date.now();
      const r = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 3 });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-npu-backend'), 'cloud');
      assert.equal((await r.json()).choices[0].message.content, 'Hi again and');
      assert.ok(Date.now() - t0 < 1000 + 3000, `failover took ${Date.now() - t0} ms`);
      const s = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 3, stream: true });
      assert.equal(s.status, 200);
      assert.equal(s.headers.get('x-npu-backend'), 'cloud');
      const blocks = sseLines(await s.text());
      assert.equal(blocks.at(-1), 'data: [DONE]');
      assert.ok(await waitFor(async () => (await metric(edge.url, 'npu:router_answers_total{backend="cloud"}')) >= 2));
    } finally { await edge.stop(); }
  });

  test('a prompt over the local context and a model only the cloud has go to the cloud', async () => {
    const edge = await startServer(['--upstream', cloud.url, '--upstream-key-file', keyFile], {}, [thinkTool]);
    try {
      const long = [{ role: 'user', content: 'word '.repeat(30) }];
      const r = await chat(edge.url, { model: 'think-tool', messages: long, max_tokens: 2 });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-npu-backend'), 'cloud');
      const m = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 2 });
      assert.equal(m.status, 200);
      assert.equal(m.headers.get('x-npu-backend'), 'cloud');
      // A request that is wrong in itself is answered at the edge, not retried.
      const bad = await chat(edge.url, { model: 'think-tool', messages: ASK, temperature: 'x' });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('x-npu-backend'), 'edge');
    } finally { await edge.stop(); }
  });

  test('Ollama routes fail over too: asked in OpenAI\'s API, answered in Ollama\'s shapes', async () => {
    const edge = await startServer(['--upstream', cloud.url, '--upstream-key-file', keyFile], { NPU_SIM_FAULTS: 'device_removal@run=1' }, [loop]);
    try {
      const ollama = new Ollama({ host: edge.url });
      const whole = await ollama.chat({ model: 'loop:latest', messages: ASK, stream: false, options: { num_predict: 3 } });
      assert.equal(whole.message.content, 'Hi again and');
      assert.equal(whole.done_reason, 'length');
      assert.equal(whole.eval_count, 3);
      assert.ok(whole.prompt_eval_count > 3);
      let text = '';
      let last = null;
      for await (const part of await ollama.chat({ model: 'loop', messages: ASK, stream: true, options: { num_predict: 4 } })) {
        text += part.message.content;
        last = part;
      }
      assert.equal(text, 'Hi again and again');
      assert.equal(last.done, true);
      assert.equal(last.eval_count, 4);
      const gen = await ollama.generate({ model: 'loop', prompt: 'hi', stream: false, options: { num_predict: 2 } });
      assert.equal(gen.response, 'Hi again');
      // A model only the cloud has, with the header saying who answered.
      const r = await fetch(`${edge.url}/api/chat`, { method: 'POST',
        body: JSON.stringify({ model: 'think-tool', messages: ASK, stream: false, options: { num_predict: 2 } }) });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-npu-backend'), 'cloud');
      assert.equal((await r.json()).message.content, 'Hi again');
      // (the router counts an answer once it has relayed all of it: the client may be faster)
      assert.ok(await waitFor(async () => (await metric(edge.url, 'npu:router_answers_total{backend="cloud"}')) === 4),
        `cloud answers: ${await metric(edge.url, 'npu:router_answers_total{backend="cloud"}')}`);
    } finally { await edge.stop(); }
  });

  test('Ollama routes: an upstream that is down too gives an Ollama-shaped error', async () => {
    const edge = await startServer(['--upstream', 'http://127.0.0.1:9'], { NPU_SIM_FAULTS: 'device_removal@run=1' }, [loop]);
    try {
      const r = await fetch(`${edge.url}/api/chat`, { method: 'POST',
        body: JSON.stringify({ model: 'loop', messages: ASK, stream: false }) });
      assert.ok(r.status >= 500, `${r.status}`);
      const body = await r.json();
      assert.equal(typeof body.error, 'string');
      assert.ok(body.error.length > 10, body.error);
    } finally { await edge.stop(); }
  });

  test('a full queue sends the overflow to the cloud; none is lost', async () => {
    const edge = await startServer(['--upstream', cloud.url, '--upstream-key-file', keyFile,
      '--max-concurrency', '1', '--max-queue', '0'], {}, [loop]);
    try {
      const results = await Promise.all([0, 1, 2, 3].map(() => chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 30 })
        .then(async (r) => ({ status: r.status, backend: r.headers.get('x-npu-backend'), body: await r.json() }))));
      for (const r of results) {
        assert.equal(r.status, 200);
        assert.ok(r.body.choices[0].message.content.startsWith('Hi again'));
      }
      const backends = results.map((r) => r.backend);
      assert.ok(backends.includes('edge') && backends.includes('cloud'), backends.join());
    } finally { await edge.stop(); }
  });

  test('cloud-first falls back to the edge when the cloud is down, and sets the cloud aside', async () => {
    const edge = await startServer(['--upstream', 'http://127.0.0.1:9', '--route', 'cloud-first'], {}, [loop]);
    try {
      for (let i = 0; i < 4; ++i) {
        const r = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 2 });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-npu-backend'), 'edge');
      }
      assert.equal(await metric(edge.url, 'npu:router_backend_cooling{backend="cloud"}'), 1);
      assert.equal(await metric(edge.url, 'npu:router_failures_total{backend="cloud"}'), 3);  // set aside after 3
    } finally { await edge.stop(); }
  });

  test('edge-only never asks the cloud: a clear error instead', async () => {
    const edge = await startServer(['--upstream', cloud.url, '--route', 'edge-only'], { NPU_SIM_FAULTS: 'device_removal@run=1' }, [loop]);
    try {
      const r = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 2 });
      assert.equal(r.status, 500);
      assert.equal(r.headers.get('x-npu-backend'), 'edge');
      assert.match((await r.json()).error.message, /lost|fail/i);
    } finally { await edge.stop(); }
  });

  test('both backends failing: a clear error, not a hang', async () => {
    const edge = await startServer(['--upstream', 'http://127.0.0.1:9'], { NPU_SIM_FAULTS: 'device_removal@run=1' }, [loop]);
    try {
      const r = await chat(edge.url, { model: 'loop', messages: ASK, max_tokens: 2 });
      assert.ok(r.status >= 500, `${r.status}`);
      assert.ok((await r.json()).error.message.length > 10);
    } finally { await edge.stop(); }
  });
});
