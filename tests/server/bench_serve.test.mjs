// `npu bench serve` against `npu serve`: the load it reports is the load it sent (vLLM's key
// names, every request completed, the tokens asked for), with npustack's own figures.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, cli, loop } from './harness.mjs';

const run = promisify(execFile);

describe('npu bench serve', () => {
  let server;
  before(async () => { server = await startServer(['--max-concurrency', '4'], {}, [loop]); });
  after(async () => { await server.stop(); });

  for (const endpoint of ['/v1/completions', '/v1/chat/completions']) {
    test(`${endpoint}: 6 requests, 2 in flight, 8 tokens each`, async () => {
      const { stdout } = await run(cli, ['bench', 'serve', '--base-url', server.url, '--endpoint', endpoint,
        '--num-prompts', '6', '--max-concurrency', '2', '--random-input-len', '4', '--random-output-len', '8',
        '--num-warmups', '1', '--json']);
      const r = JSON.parse(stdout);
      assert.equal(r.model_id, 'loop');
      assert.equal(r.completed, 6);
      assert.equal(r.failed, 0);
      assert.deepEqual(r.errors, []);
      assert.equal(r.total_output_tokens, 48);
      assert.ok(r.total_input_tokens > 6 * 4, `${r.total_input_tokens}`);
      for (const k of ['mean_ttft_ms', 'median_tpot_ms', 'p99_itl_ms', 'mean_e2el_ms']) assert.ok(r[k] > 0, k);
      assert.ok(r.median_e2el_ms >= r.median_ttft_ms);
      assert.ok(Math.abs(r.output_throughput - 48 / r.duration) < 1e-6 * r.output_throughput + 1e-9);
      assert.equal(r.max_concurrency, 2);
      assert.ok(r.npu_device.busy_s > 0);
      assert.ok(r.npu_server.stream_seconds > 0);
      assert.ok(r.npu_server.stream_cpu_seconds > 0);
    });
  }

  test('an unreachable server: exit status 1 and a message, no hang', async () => {
    await assert.rejects(run(cli, ['bench', 'serve', '--base-url', 'http://127.0.0.1:9', '--num-prompts', '1']), (e) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /cannot connect/);
      return true;
    });
  });
});
