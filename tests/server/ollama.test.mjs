// The server through the official `ollama` client: version, tags, ps, show, chat and generate
// streamed (NDJSON) and whole, thinking, tool calls with object arguments, done_reason,
// durations in nanoseconds, errors, abort.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import { startServer, metric, waitFor } from './harness.mjs';

const TOOLS = [{ type: 'function', function: { name: 'f' } }];  // small: think-tool's context is 128
const ASK = [{ role: 'user', content: 'Call f please' }];
const EXPECTED_ARGS = { a: 'x', n: [1, { k: null }] };

describe('ollama client', () => {
  let server;
  let ollama;
  before(async () => {
    server = await startServer();
    ollama = new Ollama({ host: server.url });
  });
  after(async () => { await server.stop(); });

  test('version, tags, ps, show', async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/);
    const tags = await ollama.list();
    assert.deepEqual(tags.models.map((m) => m.name).sort(), ['loop', 'think-tool']);
    const tt = tags.models.find((m) => m.name === 'think-tool');
    assert.equal(tt.details.family, 'lfm2');
    assert.ok(tt.size > 0);
    assert.match(tt.digest, /^[0-9a-f]{64}$/);
    const ps = await ollama.ps();
    assert.equal(ps.models.length, 2);
    assert.ok(ps.models.every((m) => m.size_vram > 0));
    const show = await ollama.show({ model: 'think-tool:latest' });
    assert.ok(show.capabilities.includes('tools') && show.capabilities.includes('thinking'), JSON.stringify(show.capabilities));
    assert.equal(show.model_info['lfm2.context_length'], 128);
  });

  test('chat, whole: content, thinking, tool call with object arguments, durations', async () => {
    const r = await ollama.chat({ model: 'think-tool', messages: ASK, tools: TOOLS, stream: false, options: { temperature: 0 } });
    assert.equal(r.done, true);
    assert.equal(r.done_reason, 'stop');
    assert.equal(r.message.role, 'assistant');
    assert.equal(r.message.content, 'Sure, calling');
    assert.equal(r.message.thinking, 'Let me think');
    assert.equal(r.message.tool_calls.length, 1);
    assert.equal(r.message.tool_calls[0].function.name, 'f');
    assert.deepEqual(r.message.tool_calls[0].function.arguments, EXPECTED_ARGS);
    assert.ok(r.eval_count >= 10);
    assert.ok(r.prompt_eval_count > 5);
    assert.ok(Number.isInteger(r.total_duration) && r.total_duration > 1000, `${r.total_duration} ns`);
    assert.ok(r.total_duration >= r.eval_duration);
    assert.match(r.created_at, /^\d{4}-\d\d-\d\dT/);
  });

  test('chat, streamed: thinking and content parts, the tool call, then done', async () => {
    const stream = await ollama.chat({ model: 'think-tool', messages: ASK, tools: TOOLS, stream: true });
    let thinking = '';
    let content = '';
    const calls = [];
    let last;
    for await (const part of stream) {
      thinking += part.message.thinking ?? '';
      content += part.message.content ?? '';
      calls.push(...(part.message.tool_calls ?? []));
      last = part;
    }
    assert.equal(thinking, 'Let me think');
    assert.equal(content, 'Sure, calling');
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].function.arguments, EXPECTED_ARGS);
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'stop');
    assert.ok(last.eval_count >= 10);
  });

  test('think: false hides the thinking', async () => {
    const r = await ollama.chat({ model: 'think-tool', messages: ASK, think: false, stream: false });
    assert.equal(r.message.thinking, undefined);
    assert.equal(r.message.content, 'Sure, calling');
  });

  test('generate, whole and streamed, num_predict ends with done_reason length', async () => {
    const r = await ollama.generate({ model: 'loop', prompt: 'hello', options: { num_predict: 4 }, stream: false });
    assert.equal(r.response, 'Hi again and again');
    assert.equal(r.done_reason, 'length');
    assert.equal(r.eval_count, 4);
    let text = '';
    let last;
    for await (const part of await ollama.generate({ model: 'loop', prompt: 'hello', options: { num_predict: 3 }, stream: true })) {
      text += part.response;
      last = part;
    }
    assert.equal(text, 'Hi again and');
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'length');
  });

  test('an unknown model is a 404 ResponseError, not a 200', async () => {
    await assert.rejects(ollama.chat({ model: 'nope', messages: ASK }), (e) => {
      assert.equal(e.status_code, 404);
      assert.match(e.error, /nope/);
      return true;
    });
    await assert.rejects(ollama.generate({ model: 'loop', prompt: 'x', options: { temperature: 'hot' } }), (e) => e.status_code === 400 && /temperature/.test(e.error));
  });

  test('aborting a stream cancels the generation', async () => {
    const key = 'npu:request_success_total{model_name="loop",finished_reason="abort"}';
    const before = (await metric(server.url, key)) ?? 0;
    const stream = await ollama.chat({ model: 'loop', messages: ASK, stream: true });
    let n = 0;
    try {
      for await (const part of stream) { if (part.message.content && ++n === 3) stream.abort(); }
    } catch (e) {
      assert.equal(e.name, 'AbortError');
    }
    assert.ok(await waitFor(async () => (await metric(server.url, key)) === before + 1), 'no abort recorded');
  });
});
