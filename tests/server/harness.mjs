// Starts `npu serve` on the scripted test models (make_scripted_models) on a free loopback port
// and stops it. Paths come from ctest's environment: NPU_CLI, NPU_SERVER_TEST_MODELS.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const models = process.env.NPU_SERVER_TEST_MODELS;
export const cli = process.env.NPU_CLI;
if (!models || !cli) throw new Error('run through ctest: NPU_CLI and NPU_SERVER_TEST_MODELS must be set');

export const thinkTool = path.join(models, 'think-tool.npk');
export const loop = path.join(models, 'loop.npk');
export const lfm25Chat = path.join(models, 'lfm25-chat.npk');

// Resolves to { url, stop(), output() } once the server prints its address (within 60 s).
export function startServer(args = [], env = {}, modelFiles = [thinkTool, loop]) {
  const proc = spawn(cli, ['serve', ...modelFiles, '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`npu serve did not start in 60 s: ${err}`)); }, 60000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`npu serve exited (${code}): ${err}`)); });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          output: () => out + err,
          stop: async () => {
            proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
            const r = await exited;
            clearTimeout(t);
            return r;
          },
        });
      }
    });
  });
}

// The events of an SSE body as raw "data:" payloads and comment lines.
export function sseLines(text) {
  return text.split('\n\n').filter((b) => b.length > 0);
}

// Reads /metrics and returns the value of one series (exact name with labels), or undefined.
export async function metric(url, series, headers = {}) {
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `check` (async, truthy = done) every 50 ms for at most `ms`.
export async function waitFor(check, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await check();
    if (v) return v;
    await sleep(50);
  }
  return check();
}
