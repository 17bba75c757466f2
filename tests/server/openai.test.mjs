// The server through the official `openai` client (and raw fetch where the wire itself is the
// point): models, chat and text completions streamed and whole, usage, reasoning split, tool
// calls, errors with their status codes, API key, concurrent streams, client abort, metrics.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, metric, sseLines, waitFor, sleep, thinkTool, loop, lfm25Chat } from './harness.mjs';

const TOOLS = [{ type: 'function', function: { name: 'f' } }];  // small: think-tool's context is 128
const ASK = [{ role: 'user', content: 'Call f please' }];
const EXPECTED_ARGS = { a: 'x', n: [1, { k: null }] };

describe('openai client', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer(['--max-concurrency', '4']);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
  });
  after(async () => { const r = await server.stop(); assert.equal(r.code, 0, server.output()); });

  test('GET /v1/models lists both models with their context length', async () => {
    const list = await client.models.list();
    const byId = Object.fromEntries(list.data.map((m) => [m.id, m]));
    assert.deepEqual(Object.keys(byId).sort(), ['loop', 'think-tool']);
    assert.equal(byId['think-tool'].object, 'model');
    assert.equal(byId['think-tool'].owned_by, 'npustack');
    assert.equal(byId['think-tool'].max_model_len, 128);
    assert.equal(byId.loop.max_model_len, 2048);
    assert.equal(byId['think-tool'].root, thinkTool);
    assert.ok(byId.loop.created > 1.6e9);
  });

  test('chat, whole: content, reasoning under both names, tool call with JSON-string arguments, usage', async () => {
    const r = await client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: TOOLS, temperature: 0 });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-[0-9a-f]{32}$/);
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, 'Sure, calling');
    assert.equal(choice.message.reasoning_content, 'Let me think');
    assert.equal(choice.message.reasoning, 'Let me think');
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.match(call.id, /^chatcmpl-tool-[0-9a-f]{32}$/);
    assert.equal(call.function.name, 'f');
    assert.equal(typeof call.function.arguments, 'string');
    assert.deepEqual(JSON.parse(call.function.arguments), EXPECTED_ARGS);
    assert.ok(r.usage.prompt_tokens > 5, JSON.stringify(r.usage));
    assert.ok(r.usage.completion_tokens >= 10, JSON.stringify(r.usage));
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  test('chat, streamed: role first, reasoning deltas, content deltas, tool-call deltas, finish, usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'think-tool', messages: ASK, tools: TOOLS, temperature: 0, stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
    let reasoning = '';
    let reasoningContent = '';
    let content = '';
    const calls = [];
    let finish = null;
    for (const c of chunks.slice(0, -1)) {
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.id, chunks[0].id);
      const d = c.choices[0].delta;
      if (d.reasoning !== undefined) reasoning += d.reasoning;
      if (d.reasoning_content !== undefined) reasoningContent += d.reasoning_content;
      if (d.content) content += d.content;
      for (const t of d.tool_calls ?? []) {
        if (t.id) calls[t.index] = { id: t.id, type: t.type, name: t.function.name, args: t.function.arguments ?? '' };
        else calls[t.index].args += t.function.arguments;
      }
      if (c.choices[0].finish_reason) finish = c.choices[0].finish_reason;
    }
    assert.equal(reasoning, 'Let me think');
    assert.equal(reasoningContent, 'Let me think');
    assert.equal(content, 'Sure, calling');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].type, 'function');
    assert.equal(calls[0].name, 'f');
    assert.deepEqual(JSON.parse(calls[0].args), EXPECTED_ARGS);
    assert.equal(finish, 'tool_calls');
    const usage = chunks.at(-1);
    assert.deepEqual(usage.choices, []);
    assert.ok(usage.usage.completion_tokens >= 10);
    assert.equal(usage.usage.total_tokens, usage.usage.prompt_tokens + usage.usage.completion_tokens);
  });

  test('the SSE wire: data lines only (no event names), [DONE] last', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'loop', messages: ASK, max_tokens: 3, stream: true }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(res.headers.get('x-npu-backend'), 'edge');
    const blocks = sseLines(await res.text());
    for (const b of blocks) assert.ok(b.startsWith('data: ') || b.startsWith(':'), b);
    assert.equal(blocks.at(-1), 'data: [DONE]');
    const last = JSON.parse(blocks.at(-2).slice(6));
    assert.equal(last.choices[0].finish_reason, 'length');
  });

  test('max_tokens ends with finish_reason length; no limit runs to the full context', async () => {
    const r = await client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 5 });
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 5);
    assert.equal(r.choices[0].message.content, 'Hi again and again and');
    const full = await client.chat.completions.create({ model: 'loop', messages: ASK });
    assert.equal(full.choices[0].finish_reason, 'length');
    // Up to the full context (the last token generated is not fed back into it).
    const total = full.usage.prompt_tokens + full.usage.completion_tokens;
    assert.ok(total >= 2048 && total <= 2049, `${total}`);
  });

  test('presence_penalty / frequency_penalty: OpenAI semantics on the generated tokens (greedy, exact text)', async () => {
    // The loop model's successor logit is 8, every other 0. A successor drawn n times is at
    // 8 - presence - frequency * n; once below 0, the never-drawn token 0 (the byte 0) wins.
    const ask = (extra) => client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 10, temperature: 0, ...extra });
    const plain = await ask({});
    assert.equal(plain.choices[0].message.content, 'Hi again and again and again and again and again');
    // presence 0.5, frequency 2: " again" after 3 draws 1.5 (wins), after 4 -0.5 (loses): the 10th token.
    const r = await ask({ presence_penalty: 0.5, frequency_penalty: 2 });
    assert.equal(r.choices[0].message.content, 'Hi again and again and again and again and\u0000');
    // presence alone lowers a drawn successor to 6 however often it was drawn: no change.
    assert.equal((await ask({ presence_penalty: 2 })).choices[0].message.content, plain.choices[0].message.content);
    // presence 2, frequency 1.6: after 3 draws 1.2, after 4 -0.4.
    assert.equal((await ask({ presence_penalty: 2, frequency_penalty: 1.6 })).choices[0].message.content,
      'Hi again and again and again and again and\u0000');
    // frequency 1.5 alone: after 5 draws 0.5 (wins), after 6 -1: the 14th token.
    const f = await client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 14, temperature: 0, frequency_penalty: 1.5 });
    assert.equal(f.choices[0].message.content, 'Hi' + ' again and'.repeat(6) + '\u0000');
    await assert.rejects(ask({ presence_penalty: 3 }), (e) => e.status === 400 && e.param === 'presence_penalty');
  });

  test('stop strings end the answer with finish_reason stop', async () => {
    const r = await client.chat.completions.create({ model: 'loop', messages: ASK, stop: [' and'], max_tokens: 50 });
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage.completion_tokens < 10, JSON.stringify(r.usage));
    assert.ok(!r.choices[0].message.content.includes('again and again'), r.choices[0].message.content);
  });

  test('text completions, whole and streamed', async () => {
    const r = await client.completions.create({ model: 'loop', prompt: 'Go\n', max_tokens: 4 });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices[0].text, 'Hi again and again');
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 4);
    const stream = await client.completions.create({ model: 'loop', prompt: 'Go\n', max_tokens: 4, stream: true,
      stream_options: { include_usage: true } });
    let text = '';
    let finish = null;
    let usage = null;
    for await (const c of stream) {
      if (c.usage) usage = c.usage;
      if (c.choices.length) { text += c.choices[0].text; finish = c.choices[0].finish_reason ?? finish; }
    }
    assert.equal(text, 'Hi again and again');
    assert.equal(finish, 'length');
    assert.equal(usage.completion_tokens, 4);
  });

  test('errors: 404 unknown model, 400 with param, context too long', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'nope', messages: ASK }), (e) => {
      assert.equal(e.status, 404);
      assert.equal(e.code, 'model_not_found');
      assert.equal(e.param, 'model');
      assert.match(e.message, /nope/);
      return true;
    });
    await assert.rejects(client.chat.completions.create({ model: 'loop', messages: ASK, temperature: 'hot' }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.param, 'temperature');
      assert.match(e.message, /must be a number/);
      return true;
    });
    await assert.rejects(client.chat.completions.create({ model: 'loop', messages: ASK, n: 2 }), (e) => e.status === 400 && e.param === 'n');
    const long = 'word '.repeat(400);
    await assert.rejects(client.chat.completions.create({ model: 'think-tool', messages: [{ role: 'user', content: long }] }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 'context_length_exceeded');
      assert.equal(e.param, 'messages');
      return true;
    });
    // ... and a streamed request that fails before its first token gets the status too, not a 200.
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'think-tool', messages: [{ role: 'user', content: long }], stream: true }),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'context_length_exceeded');
  });

  test('concurrent streams generate at once and all complete', async () => {
    const starts = [];
    const ends = [];
    const run = async (i) => {
      const stream = await client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 300, stream: true });
      let text = '';
      for await (const c of stream) {
        const d = c.choices[0]?.delta?.content;
        if (d) { if (!text) starts[i] = Date.now(); text += d; }
      }
      ends[i] = Date.now();
      return text;
    };
    const texts = await Promise.all([0, 1, 2, 3].map(run));
    for (const t of texts) assert.ok(t.startsWith('Hi again and again'), t);
    // Every stream had its first token before any stream finished: they ran side by side.
    assert.ok(Math.max(...starts) <= Math.min(...ends), `starts ${starts} ends ${ends}`);
  });

  test('a client that disconnects cancels its generation', async () => {
    const before = (await metric(server.url, 'npu:request_success_total{model_name="loop",finished_reason="abort"}')) ?? 0;
    const generatedBefore = await metric(server.url, 'npu:generation_tokens_total{model_name="loop"}');
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'loop', messages: ASK, stream: true }, { signal: controller.signal });
    let n = 0;
    // (The client ends the iteration quietly, or with an abort error, depending on timing.)
    try {
      for await (const c of stream) {
        if (c.choices[0]?.delta?.content && ++n === 3) { controller.abort(); break; }
      }
    } catch (e) {
      assert.match(e.name, /Abort/);
    }
    assert.equal(n, 3);
    const aborted = await waitFor(async () => (await metric(server.url, 'npu:request_success_total{model_name="loop",finished_reason="abort"}')) === before + 1);
    assert.ok(aborted, 'the server did not record the aborted request');
    assert.equal(await metric(server.url, 'npu:num_requests_running'), 0);
    const generated = (await metric(server.url, 'npu:generation_tokens_total{model_name="loop"}')) - generatedBefore;
    assert.ok(generated < 1500, `the generation went on after the client left: ${generated} tokens`);
  });

  test('tool_choice "required": the answer is the tool call (no text, no reasoning), whole and streamed', async () => {
    const r = await client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: TOOLS, tool_choice: 'required', temperature: 0 });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.reasoning_content, null);
    assert.equal(choice.message.tool_calls.length, 1);
    assert.equal(choice.message.tool_calls[0].function.name, 'f');
    assert.deepEqual(JSON.parse(choice.message.tool_calls[0].function.arguments), EXPECTED_ARGS);
    // Without tool_choice the same model thinks and talks first (the test above): 10+ tokens; here
    // only the call's pieces and its closing token.
    assert.ok(r.usage.completion_tokens <= 6, JSON.stringify(r.usage));
    const stream = await client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: TOOLS, tool_choice: 'required', stream: true });
    let args = '';
    let name = null;
    let finish = null;
    let content = '';
    for await (const c of stream) {
      const d = c.choices[0]?.delta ?? {};
      if (d.content) content += d.content;
      for (const t of d.tool_calls ?? []) { if (t.function?.name) name = t.function.name; args += t.function?.arguments ?? ''; }
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(content, '');
    assert.equal(name, 'f');
    assert.deepEqual(JSON.parse(args), EXPECTED_ARGS);
    assert.equal(finish, 'tool_calls');
  });

  test('tool_choice naming a function: that function is called; a call of another is a clear error', async () => {
    const two = [...TOOLS, { type: 'function', function: { name: 'g' } }];
    const r = await client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: two,
      tool_choice: { type: 'function', function: { name: 'f' } } });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].message.tool_calls[0].function.name, 'f');
    assert.deepEqual(JSON.parse(r.choices[0].message.tool_calls[0].function.arguments), EXPECTED_ARGS);
    // The scripted model always calls f: asked for g, the server says so instead of passing f on.
    await assert.rejects(client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: two,
      tool_choice: { type: 'function', function: { name: 'g' } } }), (e) => {
      assert.equal(e.status, 500);
      assert.equal(e.code, 'tool_call_failed');
      assert.match(e.message, /names 'g', but the model called 'f'/);
      return true;
    });
    await assert.rejects(client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'h' } } }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.param, 'tool_choice.function.name');
      assert.match(e.message, /'h', which is not in 'tools'/);
      return true;
    });
  });

  test('a client that disconnects during a long prefill: aborted before it generates, the slot freed', async () => {
    // ~2000 prompt tokens: the prefill takes ~0.2 s here; the client leaves after 40 ms.
    const series = 'npu:request_success_total{model_name="loop",finished_reason="abort"}';
    const before = (await metric(server.url, series)) ?? 0;
    const generatedBefore = await metric(server.url, 'npu:generation_tokens_total{model_name="loop"}');
    const controller = new AbortController();
    const t0 = Date.now();
    const res = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', signal: controller.signal,
      body: JSON.stringify({ model: 'loop', messages: [{ role: 'user', content: 'word '.repeat(395) }], stream: true }),
    }).catch((e) => e);
    await sleep(40);
    assert.equal(await metric(server.url, 'npu:num_requests_running'), 1, 'the request is running (in prefill)');
    controller.abort();
    assert.match(String((await res)?.name ?? ''), /Abort/);
    assert.ok(await waitFor(async () => (await metric(server.url, series)) === before + 1), 'no abort recorded');
    const freed = Date.now() - t0;
    assert.equal(await metric(server.url, 'npu:num_requests_running'), 0);
    // The runtime stops at the first token after the prefill (a prefill is not interrupted between
    // its chunks): one token at most, and the slot is free within the prefill's time plus the poll.
    const generated = (await metric(server.url, 'npu:generation_tokens_total{model_name="loop"}')) - generatedBefore;
    assert.ok(generated <= 1, `${generated} tokens generated after the client left`);
    assert.ok(freed < 3000, `the slot was freed after ${freed} ms`);
  });

  test('metrics: vLLM-style series with values, and the device figures', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /# TYPE npu:time_to_first_token_seconds histogram/);
    assert.ok((await metric(server.url, 'npu:prompt_tokens_total{model_name="think-tool"}')) > 0);
    assert.ok((await metric(server.url, 'npu:request_success_total{model_name="think-tool",finished_reason="tool_calls"}')) >= 2);
    assert.ok((await metric(server.url, 'npu:e2e_request_latency_seconds_count{model_name="loop"}')) >= 5);
    assert.ok((await metric(server.url, 'npu:inter_token_latency_seconds_count{model_name="loop"}')) > 20);
    assert.ok((await metric(server.url, 'npu:device_decode_seconds_total{model_name="loop"}')) > 0);
    assert.ok((await metric(server.url, 'npu:device_busy_seconds_total{device="0"}')) > 0);
    assert.equal(await metric(server.url, 'npu:device_up{device="0"}'), 1);
  });

  test('tokenize / detokenize round trip (vLLM schema), health', async () => {
    const post = (p, body) => fetch(`${server.url}${p}`, { method: 'POST', body: JSON.stringify(body) });
    const t = await (await post('/tokenize', { model: 'loop', prompt: 'Hi again', add_special_tokens: false })).json();
    assert.equal(t.count, t.tokens.length);
    assert.equal(t.max_model_len, 2048);
    assert.ok(t.count >= 2);
    const d = await (await post('/detokenize', { model: 'loop', tokens: t.tokens })).json();
    assert.equal(d.prompt, 'Hi again');
    const bad = await post('/detokenize', { model: 'loop', tokens: [1e9] });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.param, 'tokens');
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  test('the prompt cache: a follow-up turn runs only what its conversation adds', async () => {
    const conv = [{ role: 'system', content: 'You are a test with a long system prompt.' },
      { role: 'user', content: 'Say hi' }];
    const first = await client.chat.completions.create({ model: 'loop', messages: conv, max_tokens: 2 });
    assert.equal(first.choices[0].message.content, 'Hi again');
    const next = [...conv, { role: 'assistant', content: 'Hi again' }, { role: 'user', content: 'Once more' }];
    const second = await client.chat.completions.create({ model: 'loop', messages: next, max_tokens: 2 });
    // Same answer as a fresh session; the first turn's whole prompt came from the session's context.
    assert.equal(second.choices[0].message.content, 'Hi again');
    const cached = second.usage.prompt_tokens_details.cached_tokens;
    assert.ok(cached >= first.usage.prompt_tokens, `cached ${cached} of ${second.usage.prompt_tokens}; the first prompt was ${first.usage.prompt_tokens}`);
    assert.ok(cached < second.usage.prompt_tokens);
    assert.equal(second.usage.total_tokens, second.usage.prompt_tokens + 2);
  });
});

describe('chat_template_kwargs', () => {
  // A model named LFM2.5 gets the built-in LFM2.5 template, which drops the <think> reasoning of
  // past assistant turns unless keep_past_thinking is true.
  let server;
  let client;
  before(async () => {
    server = await startServer([], {}, [lfm25Chat]);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => { await server.stop(); });
  const history = [
    { role: 'user', content: 'Q1' },
    { role: 'assistant', content: 'A1', reasoning_content: 'a long past reasoning' },
    { role: 'user', content: 'Q2' },
    { role: 'assistant', content: 'A2' },
    { role: 'user', content: 'Q3' },
  ];
  const tokenize = async (body) => {
    const res = await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ model: 'lfm25-chat', ...body }) });
    return { status: res.status, body: await res.json() };
  };

  test('reach the template: the rendered prompt changes, in /tokenize and in the generation', async () => {
    const plain = await tokenize({ messages: history });
    const kept = await tokenize({ messages: history, chat_template_kwargs: { keep_past_thinking: true } });
    assert.equal(plain.status, 200);
    assert.equal(kept.status, 200);
    const dropped = await tokenize({ messages: history, chat_template_kwargs: { keep_past_thinking: false } });
    assert.deepEqual(dropped.body.tokens, plain.body.tokens);
    // <think>, the reasoning's bytes (the scripted vocabulary has no merges for them), </think>, '\n'.
    const grown = kept.body.count - plain.body.count;
    assert.ok(grown >= 'a long past reasoning'.length + 2, `grew by ${grown}`);
    const detok = await (await fetch(`${server.url}/detokenize`, { method: 'POST',
      body: JSON.stringify({ model: 'lfm25-chat', tokens: kept.body.tokens }) })).json();
    // (detokenize leaves the special tokens <think> and </think> out)
    assert.match(detok.prompt, /a long past reasoningA1/);
    const plainText = await (await fetch(`${server.url}/detokenize`, { method: 'POST',
      body: JSON.stringify({ model: 'lfm25-chat', tokens: plain.body.tokens }) })).json();
    assert.ok(!plainText.prompt.includes('a long past reasoning'), plainText.prompt);
    // The generation renders the same prompt: its prompt_tokens follow the kwargs.
    const r0 = await client.chat.completions.create({ model: 'lfm25-chat', messages: history, max_tokens: 1 });
    const r1 = await client.chat.completions.create({ model: 'lfm25-chat', messages: history, max_tokens: 1,
      chat_template_kwargs: { keep_past_thinking: true } });
    assert.equal(r0.usage.prompt_tokens, plain.body.count);
    assert.equal(r1.usage.prompt_tokens, kept.body.count);
    // add_generation_prompt: false leaves the assistant turn unopened.
    const closed = await tokenize({ messages: history, add_generation_prompt: false });
    assert.ok(closed.body.count < plain.body.count);
  });

  test('kwargs the template cannot take: 400 naming chat_template_kwargs', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'lfm25-chat', messages: history,
      chat_template_kwargs: { add_generation_prompt: false } }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.param, 'chat_template_kwargs');
      assert.match(e.message, /add_generation_prompt/);
      return true;
    });
    const t = await tokenize({ messages: history, chat_template_kwargs: 'x' });
    assert.equal(t.status, 400);
    assert.equal(t.body.error.param, 'chat_template_kwargs');
  });
});

describe('API key', () => {
  let server;
  before(async () => { server = await startServer(['--api-key', 'sekrit'], {}, [loop]); });
  after(async () => { await server.stop(); });

  test('every route but /health needs the key', async () => {
    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e) => e.status === 401 && e.code === 'invalid_api_key');
    for (const p of ['/metrics', '/v1/models', '/api/tags', '/nowhere']) {
      assert.equal((await fetch(`${server.url}${p}`)).status, 401, p);
    }
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const good = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sekrit', maxRetries: 0 });
    const r = await good.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 2 });
    assert.equal(r.choices[0].message.content, 'Hi again');
  });
});

describe('queue limits', () => {
  let server;
  before(async () => { server = await startServer(['--max-concurrency', '1', '--max-queue', '1'], {}, [loop]); });
  after(async () => { await server.stop(); });

  test('beyond the running slot and the queue: 429 with Retry-After; the queued one still completes', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const first = await client.chat.completions.create({ model: 'loop', messages: ASK, stream: true });
    const it = first[Symbol.asyncIterator]();
    await it.next();  // the first is generating
    const queued = client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 2 });
    await waitFor(async () => (await metric(server.url, 'npu:num_requests_waiting')) === 1);
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', body: JSON.stringify({ model: 'loop', messages: ASK, max_tokens: 2 }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    const body = await res.json();
    assert.equal(body.error.type, 'rate_limit_error');
    assert.match(body.error.message, /capacity/);
    while (!(await it.next()).done);
    assert.equal((await queued).choices[0].message.content, 'Hi again');
  });
});

describe('several models on one device', () => {
  let server;
  before(async () => {
    server = await startServer(['--max-concurrency', '16', '--max-queue', '16'], {}, [loop, thinkTool]);
  });
  after(async () => { await server.stop(); });

  test("one model's idle sessions fill the device: the other model's request gets their room", async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 120000 });
    // More concurrent requests on `loop` than the device holds sessions of (each runs to its
    // full context): some wait for a session; afterwards the idle ones keep every context slot
    // of the device. (Bursts until they did overlap: a loaded machine may serialize one.)
    const learned = /the device holds \d+ sessions of 'loop'/;
    for (let burst = 0; burst < 4 && !learned.test(server.output()); ++burst) {
      const many = await Promise.all(Array.from({ length: 10 }, () =>
        client.chat.completions.create({ model: 'loop', messages: ASK })));
      for (const r of many) assert.equal(r.choices[0].finish_reason, 'length');
    }
    assert.match(server.output(), learned);
    const r = await client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: TOOLS, temperature: 0 });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(JSON.parse(r.choices[0].message.tool_calls[0].function.arguments), EXPECTED_ARGS);
    // (Whether the room came from `loop`'s idle sessions depends on how many of them the pool
    // kept: several sessions that find the device full at once can each lower the learned limit,
    // so fewer may stay idle. That the room maker frees them is ServedModelPool's test.)
    // And `loop` is served on as before.
    const again = await client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 2 });
    assert.equal(again.choices[0].message.content, 'Hi again');
  });
});

describe('device faults', () => {
  test('a fault before the first token: 500 in OpenAI shape; /health then says 503', async () => {
    const server = await startServer([], { NPU_SIM_FAULTS: 'device_removal@run=2' }, [loop]);
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
      await assert.rejects(client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 4 }), (e) => {
        assert.equal(e.status, 500);
        assert.equal(e.type, 'server_error');
        return true;
      });
      const h = await fetch(`${server.url}/health`);
      assert.equal(h.status, 503);
      assert.match((await h.json()).error.message, /not available/);
    } finally { await server.stop(); }
  });

  test('a fault in the middle of a stream: an error event, then [DONE]', async () => {
    const server = await startServer([], { NPU_SIM_FAULTS: 'device_removal@run=12' }, [loop]);
    try {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST', body: JSON.stringify({ model: 'loop', messages: ASK, stream: true }),
      });
      assert.equal(res.status, 200);
      const blocks = sseLines(await res.text());
      assert.equal(blocks.at(-1), 'data: [DONE]');
      const err = JSON.parse(blocks.at(-2).slice(6));
      assert.ok(err.error, blocks.at(-2));
      assert.equal(err.error.type, 'server_error');
      assert.ok(blocks.some((b) => b.includes('"content":"Hi"')), 'tokens streamed before the fault');
    } finally { await server.stop(); }
  });
});
