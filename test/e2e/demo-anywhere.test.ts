/**
 * The demo and its embedded PostgreSQL for every user and every folder: an
 * ordinary user with the clone in a home folder only they may enter, and
 * root with the clone in a folder only root may enter (PostgreSQL then runs
 * as an unprivileged account, which cannot read the binaries there). As root
 * the first case runs as the `nobody` account; as anyone else both run as
 * that user. Nothing may be left behind: no process, no folder, no password.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { startEmbeddedPostgres } from '../../src/demo/postgres';
import { DatabaseError } from '../../src/errors';
import { cleanEnv, ROOT } from '../helpers/cli';
import { literal } from '../helpers/cli-assert';
import { graphql, startDemo } from '../helpers/demo';
import { freePort } from '../helpers/net';
import { processesMentioning } from '../helpers/process';
import { tempDirs } from '../helpers/temp';

const isRoot = process.getuid!() === 0;
const dirs = tempDirs('pgc-anywhere-');
after(() => dirs.removeAll());

interface Account {
  uid: number;
  gid: number;
}

/** As root, the `nobody` account; otherwise null: this user. */
function ordinaryUser(): Account | null {
  if (!isRoot) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A folder only `account` (or this user) may enter, as a home folder is. */
function privateFolder(account: Account | null): string {
  const dir = dirs.make();
  fs.chmodSync(dir, 0o700);
  if (account) fs.chownSync(dir, account.uid, account.gid);
  return dir;
}

/** What a clone holds that the demo runs from, hard-linked (copied across file systems) into `parent/clone`. */
function cloneInto(parent: string, account: Account | null): string {
  const clone = path.join(parent, 'clone');
  fs.mkdirSync(clone);
  const parts = ['bin', 'dist', 'package.json', 'node_modules'].map((part) => path.join(ROOT, part));
  try {
    execFileSync('cp', ['-al', ...parts, clone], { stdio: 'ignore' });
  } catch {
    for (const part of parts) fs.cpSync(part, path.join(clone, path.basename(part)), { recursive: true, verbatimSymlinks: true });
  }
  if (account) fs.chownSync(clone, account.uid, account.gid);
  return clone;
}

/** The environment of a user running the demo: their home, their temporary folder, nothing of the tests' own. */
function userEnv(home: string, tmp: string): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _preload, ...env } = cleanEnv({ HOME: home, TMPDIR: tmp, XDG_CACHE_HOME: path.join(home, '.cache') });
  return env;
}

/** Runs the demo from `clone`, checks a token's rows, stops it with Ctrl-C, and checks nothing is left; returns its PostgreSQL binary. */
async function demoRoundTrip(clone: string, env: NodeJS.ProcessEnv, account: Account | null): Promise<string> {
  const demo = await startDemo(['--port', '0'], { cwd: clone, bin: path.join(clone, 'bin', 'postgraphile-cognito.js'), env, account });
  let postgresBinary = '';
  let dir = '';
  try {
    dir = /data in (\S+), deleted on exit/.exec(demo.stderr())![1]!;
    const postmaster = Number(fs.readFileSync(path.join(dir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    postgresBinary = fs.readlinkSync(`/proc/${postmaster}/exe`);
    const res = await graphql(demo.graphqlUrl, '{ allNotes { nodes { owner } } }', demo.tokens.ALICE_ACCESS_TOKEN);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.data!.allNotes.nodes, [{ owner: 'alice' }]);
  } finally {
    const exit = await demo.stop('SIGINT', true);
    assert.deepEqual(exit, { code: 130, signal: null }, demo.stderr());
  }
  assert.doesNotMatch(demo.stderr(), /error:|^\s+at /m, demo.stderr());
  assert.deepEqual(processesMentioning(dir), [], 'processes still using the demo folder');
  assert.deepEqual(processesMentioning(clone), [], 'processes still running from the clone');
  assert.deepEqual(fs.readdirSync(env.TMPDIR!), [], 'left in the temporary folder');
  return postgresBinary;
}

describe('the demo for every user and every folder', () => {
  test(`an ordinary user with the clone in a home folder only they may enter${isRoot ? ' (as nobody)' : ''}`, async () => {
    const account = ordinaryUser();
    const home = privateFolder(account);
    const clone = cloneInto(home, account);
    const tmp = path.join(home, 'tmp');
    fs.mkdirSync(tmp, { mode: 0o700 });
    if (account) fs.chownSync(tmp, account.uid, account.gid);
    const binary = await demoRoundTrip(clone, userEnv(home, tmp), account);
    // It runs as that user, from where npm put it: nothing to copy, no account to create.
    assert.ok(binary.startsWith(fs.realpathSync(clone)), binary);
  });

  test(`root with the clone in a folder only root may enter${isRoot ? '' : ' (here: this user)'}`, async () => {
    const home = privateFolder(null);
    const clone = cloneInto(home, null);
    // Like /tmp: a folder the server's account may enter.
    const tmp = dirs.make();
    if (isRoot) fs.chmodSync(tmp, 0o755);
    const binary = await demoRoundTrip(clone, userEnv(home, tmp), null);
    if (isRoot) {
      // The server's account cannot reach the clone's binaries: it ran links to them in the demo's own folder.
      assert.ok(binary.startsWith(fs.realpathSync(tmp)) && binary.endsWith('/postgresql/bin/postgres'), binary);
    } else {
      assert.ok(binary.startsWith(fs.realpathSync(clone)), binary);
    }
  });
});

describe('embedded PostgreSQL start-up failures are clear errors', () => {
  test(`a data folder ${isRoot ? "the server's account cannot reach is exit 2 naming the folder" : 'in a private folder is fine for this user'}`, async () => {
    const parent = privateFolder(null);
    const dir = path.join(parent, 'pg');
    fs.mkdirSync(dir);
    let stop: () => Promise<void> = async () => {};
    const starting = startEmbeddedPostgres({ dir, port: await freePort(), password: 'x', onStop: (s) => (stop = s) });
    try {
      if (isRoot) {
        const error = await starting.then(() => null, (e: unknown) => e);
        assert.ok(error instanceof DatabaseError, String(error));
        assert.equal(error.exitCode, 2);
        assert.match(error.message, literal(`who cannot enter ${fs.realpathSync(parent)} on the way to`));
        assert.match(error.hint ?? '', /set TMPDIR to a folder everyone may enter/);
      } else {
        await starting;
      }
    } finally {
      await stop();
    }
    assert.deepEqual(fs.readdirSync(dir), [], 'files left in the data folder');
  });

  test('a port already taken: exit 2 with PostgreSQL\'s own reason, and nothing left running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = dirs.make();
    let stop: () => Promise<void> = async () => {};
    try {
      const error = await startEmbeddedPostgres({ dir, port, password: 'x', onStop: (s) => (stop = s) }).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof DatabaseError, String(error));
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /PostgreSQL exited before it was ready \(exit 1\): .*could not (bind|create any TCP\/IP sockets)/);
      assert.match(error.hint ?? '', /--database-url/);
    } finally {
      await stop();
      blocker.close();
    }
    assert.deepEqual(processesMentioning(dir), []);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
