import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { binariesFor, firstBlocked } from '../../src/demo/postgres-files';

// Others may pass through, as through /tmp: each case below closes what it needs closed.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-pgfiles-'));
fs.chmodSync(root, 0o755);
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Someone who owns nothing here: only the "other" permission bits apply. */
const stranger = { name: 'stranger', uid: 54321, gid: 54321 };

/** A file with exactly `mode`: the umask the tests run under (077 for some) must not change what a case is about. */
function writeFile(file: string, text: string, mode = 0o644): void {
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
}

/** A PostgreSQL-like install under `parent`: bin/initdb and bin/postgres, lib with a symlink and a static library, share. */
function install(parent: string, fileMode = 0o644): string {
  const native = path.join(parent, 'native');
  for (const dir of ['bin', 'lib/postgresql', 'share/postgresql', 'lib/pkgconfig']) fs.mkdirSync(path.join(native, dir), { recursive: true });
  for (const dir of ['', 'bin', 'lib', 'lib/postgresql', 'share', 'share/postgresql', 'lib/pkgconfig']) fs.chmodSync(path.join(native, dir), 0o755);
  for (const bin of ['initdb', 'postgres']) writeFile(path.join(native, 'bin', bin), `#!/bin/sh\necho ${bin}\n`, 0o755);
  writeFile(path.join(native, 'lib', 'libpq.so.5.18'), 'lib', fileMode);
  fs.symlinkSync('libpq.so.5.18', path.join(native, 'lib', 'libpq.so.5'));
  writeFile(path.join(native, 'lib', 'libpq.a'), 'static');
  writeFile(path.join(native, 'lib', 'postgresql', 'plpgsql.so'), 'plpgsql', fileMode);
  writeFile(path.join(native, 'share', 'postgresql', 'postgres.bki'), 'bki', fileMode);
  writeFile(path.join(native, 'pg-symlinks.json'), '[]');
  return native;
}

const binaries = (native: string) => ({ root: native, initdb: path.join(native, 'bin', 'initdb'), postgres: path.join(native, 'bin', 'postgres') });

describe('who can reach the PostgreSQL files', () => {
  test('firstBlocked names the first folder on the way that the account may not enter', () => {
    assert.equal(firstBlocked(root, stranger), null, `${os.tmpdir()} is closed to others: run the tests with TMPDIR=/tmp`);
    const open = fs.mkdtempSync(path.join(root, 'open-'));
    fs.chmodSync(open, 0o755);
    const closed = path.join(open, 'home');
    fs.mkdirSync(path.join(closed, 'clone'), { recursive: true });
    fs.chmodSync(path.join(closed, 'clone'), 0o755);
    fs.chmodSync(closed, 0o700);
    assert.equal(firstBlocked(path.join(closed, 'clone'), stranger), fs.realpathSync(closed));
    assert.equal(firstBlocked(open, stranger), null);
    fs.chmodSync(closed, 0o711);
    assert.equal(firstBlocked(path.join(closed, 'clone'), stranger), null, 'passing through needs only x');
  });

  test('binaries the account can reach and read are used where they are', () => {
    const open = fs.mkdtempSync(path.join(root, 'reachable-'));
    fs.chmodSync(open, 0o755);
    const native = install(open);
    assert.deepEqual(binariesFor(binaries(native), stranger, path.join(open, 'mirror')), binaries(native));
    assert.equal(fs.existsSync(path.join(open, 'mirror')), false);
  });

  test('behind a folder only its owner may enter: hard links in the given folder, without static libraries', () => {
    const home = fs.mkdtempSync(path.join(root, 'home-'));
    const native = install(home);
    const into = path.join(fs.mkdtempSync(path.join(root, 'demo-')), 'postgresql');
    const mirrored = binariesFor(binaries(native), stranger, into);
    assert.deepEqual(mirrored, binaries(into));
    assert.equal(fs.statSync(path.join(into, 'lib', 'libpq.so.5.18')).ino, fs.statSync(path.join(native, 'lib', 'libpq.so.5.18')).ino);
    assert.equal(fs.readlinkSync(path.join(into, 'lib', 'libpq.so.5')), 'libpq.so.5.18');
    assert.equal(fs.existsSync(path.join(into, 'lib', 'libpq.a')), false);
    assert.equal(fs.existsSync(path.join(into, 'lib', 'pkgconfig')), false);
    assert.equal(fs.existsSync(path.join(into, 'pg-symlinks.json')), false);
    assert.equal(fs.statSync(into).mode & 0o777, 0o755);
  });

  test('files the account may not read (installed with umask 077) are copied with modes it can use', () => {
    const home = fs.mkdtempSync(path.join(root, 'umask-'));
    const native = install(home, 0o600);
    fs.chmodSync(path.join(native, 'bin', 'initdb'), 0o700);
    const into = path.join(fs.mkdtempSync(path.join(root, 'demo-')), 'postgresql');
    binariesFor(binaries(native), stranger, into);
    const copied = fs.statSync(path.join(into, 'lib', 'postgresql', 'plpgsql.so'));
    assert.notEqual(copied.ino, fs.statSync(path.join(native, 'lib', 'postgresql', 'plpgsql.so')).ino);
    assert.equal(copied.mode & 0o777, 0o644);
    assert.equal(fs.statSync(path.join(into, 'bin', 'initdb')).mode & 0o777, 0o755);
    assert.equal(fs.readFileSync(path.join(into, 'share', 'postgresql', 'postgres.bki'), 'utf8'), 'bki');
  });
});
