// `npu serve --multi-process-service`: the server runs its sessions through npud (the device
// shared with other applications) and answers exactly as in-process: whole and streamed chat,
// reasoning and tool calls, concurrent streams, and a clear error once npud is gone.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startServer, waitFor, thinkTool, loop } from './harness.mjs';

const npudPath = process.env.NPU_NPUD;
if (!npudPath) throw new Error('run through ctest: NPU_NPUD must be set');
const ASK = [{ role: 'user', content: 'Call f please' }];
const TOOLS = [{ type: 'function', function: { name: 'f' } }];

const connects = (socket) => new Promise((resolve) => {
  const c = net.connect(socket, () => { c.destroy(); resolve(true); });
  c.on('error', () => resolve(false));
});

describe('npu serve --multi-process-service', () => {
  let npud;
  let npudExit;
  let socket;
  let server;
  let client;
  before(async () => {
    socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'npu-serve-mps-')), 'npud.sock');
    npud = spawn(npudPath, ['--socket', socket, '--devices', 'sim:0', '--foreground'], { stdio: ['ignore', 'ignore', 'pipe'] });
    npudExit = new Promise((resolve) => npud.on('exit', (code) => resolve(code)));
    assert.ok(await waitFor(() => connects(socket), 20000), 'npud did not start listening');
    server = await startServer(['--multi-process-service'], { NPU_NPUD_SOCKET: socket }, [thinkTool, loop]);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 60000 });
  });
  after(async () => {
    if (server) await server.stop();
    if (npud.exitCode === null) { npud.kill('SIGTERM'); await npudExit; }
  });

  test('chat through npud: reasoning, content and the tool call, as in-process', async () => {
    const r = await client.chat.completions.create({ model: 'think-tool', messages: ASK, tools: TOOLS, temperature: 0 });
    const m = r.choices[0].message;
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(m.reasoning_content, 'Let me think');
    assert.equal(m.content, 'Sure, calling');
    assert.equal(m.tool_calls[0].function.name, 'f');
    assert.deepEqual(JSON.parse(m.tool_calls[0].function.arguments), { a: 'x', n: [1, { k: null }] });
  });

  test('concurrent streams through npud all complete with the same text', async () => {
    const run = async () => {
      const stream = await client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 40, stream: true });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      return text;
    };
    const texts = await Promise.all([0, 1, 2, 3].map(run));
    for (const t of texts) assert.equal(t, texts[0]);
    assert.ok(texts[0].startsWith('Hi again and again'), texts[0]);
    assert.equal(texts[0].split(' ').length, 40, texts[0]);
  });

  test('npud gone: a clear server error, and the server keeps answering', async () => {
    npud.kill('SIGTERM');
    await npudExit;
    await assert.rejects(client.chat.completions.create({ model: 'loop', messages: ASK, max_tokens: 2 }), (e) => {
      assert.ok(e.status >= 500, `${e.status}`);
      assert.ok(e.message.length > 10, e.message);
      return true;
    });
    assert.equal((await fetch(`${server.url}/v1/models`)).status, 200);
  });
});
