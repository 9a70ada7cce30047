/**
 * Ctrl-C at any moment of the demo's start-up: while initdb runs, while the
 * keys are fetched, while PostGraphile builds its schema. Each must stop
 * everything, exit 130 without an error, and leave nothing behind.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { BIN, cleanEnv, ROOT } from '../helpers/cli';
import { Exit } from '../helpers/demo';
import { processesMentioning, until } from '../helpers/process';

/**
 * Starts the demo with a temporary folder of its own, sends Ctrl-C (SIGINT to
 * its process group, as a terminal does) once `moment` says so, and checks
 * what a clean stop means: exit 130, no error, no process and nothing at all
 * left in that folder (no data, no password file).
 */
async function interruptDemo(moment: (stderr: string) => boolean): Promise<void> {
  // Like /tmp, a folder that PostgreSQL's account (as root: postgres or nobody) may enter.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-demo-start-'));
  fs.chmodSync(tmp, 0o755);
  let running: ChildProcess | undefined;
  try {
    const child = spawn(process.execPath, [BIN, 'demo', '--port', '0'], { cwd: ROOT, env: cleanEnv({ TMPDIR: tmp }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running = child;
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.resume();
    let ended = false;
    const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    void exited.then(() => (ended = true));
    await until(() => ended || moment(err), 'the moment to press Ctrl-C', 60_000).catch(() => assert.fail(err));
    assert.equal(ended, false, err);
    process.kill(-child.pid!, 'SIGINT');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 40_000);
    const exit = await exited;
    clearTimeout(timer);
    assert.deepEqual(exit, { code: 130, signal: null }, err);
    assert.match(err, /stopped; nothing is left running/);
    assert.doesNotMatch(err, /error|^\s+at /im, err);
    assert.doesNotMatch(err, /demo ready/, 'the demo went on starting after Ctrl-C');
    assert.deepEqual(processesMentioning(tmp), [], 'processes still using the temporary folder');
    assert.deepEqual(fs.readdirSync(tmp), [], `left in the temporary folder\n${err}`);
  } finally {
    // A failed check may leave it running: end it before deleting its folder.
    if (running?.exitCode === null && running.signalCode === null) process.kill(-running.pid!, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe('demo, stopped while it starts', () => {
  test('Ctrl-C while initdb runs leaves no process, no data and no password file behind, and no error', async () => {
    await interruptDemo((err) => {
      const dir = /data in (\S+), deleted on exit/.exec(err)?.[1];
      return dir !== undefined && processesMentioning(dir).some((line) => /initdb/.test(line));
    });
  });

  test('Ctrl-C while the demo fetches its keys, before PostGraphile starts: exit 130, nothing started after it', async () => {
    await interruptDemo((err) => /starting PostGraphile…/.test(err));
  });

  test('Ctrl-C while PostGraphile builds its schema: exit 130, no PostGraphile error or stack trace', async () => {
    await interruptDemo((err) => /PostGraphile \d+\.\d+\.\d+ \((project|bundled)\)/.test(err));
  });
});
