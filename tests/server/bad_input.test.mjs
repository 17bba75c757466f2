// Bad input: malformed JSON, wrong types, deep nesting, huge bodies and headers, garbage HTTP,
// slow clients, unknown routes and methods. Each gets a clear error and the server keeps serving.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, sleep } from './harness.mjs';

const post = (url, path, body, headers = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

// Sends raw bytes on a new connection; resolves with what came back once the server closes it
// (or after `ms`), and whether it closed.
function raw(url, bytes, ms = 5000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname);
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve({ data, closed: false }); }, ms);
    sock.on('data', (d) => { data += d; });
    sock.on('close', () => { clearTimeout(timer); resolve({ data, closed: true }); });
    sock.on('error', () => {});
    if (bytes) sock.write(bytes);
  });
}

describe('bad input', () => {
  let server;
  before(async () => {
    server = await startServer(['--max-body-bytes', '65536', '--request-timeout', '1'], {}, undefined);
  });
  after(async () => { const r = await server.stop(); assert.equal(r.code, 0, server.output()); });

  const expectError = async (res, status, pattern, param) => {
    assert.equal(res.status, status);
    const body = await res.json();
    assert.ok(body.error, JSON.stringify(body));
    assert.match(body.error.message, pattern);
    if (param !== undefined) assert.equal(body.error.param, param);
  };

  test('malformed JSON, a non-object, an empty body', async () => {
    await expectError(await post(server.url, '/v1/chat/completions', '{"model": "loop", "messages": ['), 400, /not valid JSON/);
    await expectError(await post(server.url, '/v1/chat/completions', '[1,2]'), 400, /must be a JSON object/);
    await expectError(await post(server.url, '/v1/chat/completions', ''), 400, /empty/);
    await expectError(await post(server.url, '/v1/completions', '\u0000\u00ff garbage'), 400, /not valid JSON/);
  });

  test('wrong types name the field', async () => {
    const cases = [
      [{ model: 'loop', messages: 'hi' }, 'messages', /non-empty array/],
      [{ model: 'loop', messages: [] }, 'messages', /non-empty array/],
      [{ model: 'loop', messages: [{ content: 'x' }] }, 'messages[0].role', /role/],
      [{ model: 'loop', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', /wizard/],
      [{ model: 'loop', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', /string or an array/],
      [{ model: 'loop', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, 'messages[0].content[0].type', /text only/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }, 'max_tokens', /between/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], max_tokens: 2.5 }, 'max_tokens', /integer/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream', /true or false/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], top_p: 7 }, 'top_p', /between/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] }, 'tools[0]', /function/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' }, 'tools', /no 'tools'/],
      [{ model: 'loop', messages: [{ role: 'user', content: 'x' }], tool_choice: 'always' }, 'tool_choice', /"required"/],
      [{ model: 7, messages: [{ role: 'user', content: 'x' }] }, 'model', /string/],
      [{ model: 'loop', prompt: { a: 1 } }, 'prompt', /prompt/],
    ];
    for (const [body, param, pattern] of cases) {
      const path = body.prompt !== undefined ? '/v1/completions' : '/v1/chat/completions';
      await expectError(await post(server.url, path, JSON.stringify(body)), 400, pattern, param);
    }
  });

  test('deep nesting is refused without harm', async () => {
    const deep = '{"model":"loop","messages":' + '['.repeat(20000) + ']'.repeat(20000) + '}';
    await expectError(await post(server.url, '/v1/chat/completions', deep), 400, /deeper/);
  });

  test('a body over the limit: 413; headers over the limit: 431', async () => {
    const huge = JSON.stringify({ model: 'loop', messages: [{ role: 'user', content: 'x'.repeat(200000) }] });
    await expectError(await post(server.url, '/v1/chat/completions', huge), 413, /larger than/);
    const r = await raw(server.url, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`);
    assert.match(r.data, /^HTTP\/1\.1 431/);
  });

  test('garbage on the wire: 400 and the connection closed', async () => {
    const r = await raw(server.url, 'HELLO THERE\r\n\r\n');
    assert.match(r.data, /^HTTP\/1\.1 400/);
    assert.ok(r.closed);
  });

  test('a slow client is disconnected after the request timeout; others are served meanwhile', async () => {
    const t0 = Date.now();
    const slow = raw(server.url, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"mo', 8000);
    const idle = raw(server.url, '', 8000);
    const ok = await fetch(`${server.url}/v1/models`);
    assert.equal(ok.status, 200);
    // The idle time is told to clients, so none reuses a connection the server is closing.
    assert.equal(ok.headers.get('keep-alive'), 'timeout=1');
    const [s, i] = await Promise.all([slow, idle]);
    assert.ok(s.closed && i.closed, 'the stalled connections were left open');
    assert.ok(Date.now() - t0 < 6000, `closed after ${Date.now() - t0} ms`);
  });

  test('unknown routes 404 and wrong methods 405, each with a JSON error', async () => {
    await expectError(await fetch(`${server.url}/v2/nothing`), 404, /no route/);
    await expectError(await fetch(`${server.url}/v1/chat/completions`), 405, /POST/);
    await expectError(await post(server.url, '/v1/models', '{}'), 405, /GET/);
    const o = await fetch(`${server.url}/api/nothing`);
    assert.equal(o.status, 404);
    assert.match((await o.json()).error, /no route/);
  });

  test('still serving after all of it', async () => {
    await sleep(100);
    const r = await post(server.url, '/v1/chat/completions', JSON.stringify({ model: 'loop', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'Hi again');
  });
});
