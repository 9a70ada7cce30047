import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { RcFile } from '../../src/config/sources';
import { ConfigError } from '../../src/errors';
import { assertConnectionGiven } from '../../src/launch/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-connection-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An rc file with this text on disk and these options, as loadRcFile would return them. */
function rcFile(text: string, options: Record<string, unknown>): RcFile {
  const filepath = path.join(fs.mkdtempSync(path.join(dir, 'p-')), '.postgraphilerc.js');
  fs.writeFileSync(filepath, text);
  return { filepath, cognito: {}, options };
}

function refusal(fn: () => void): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail('accepted');
}

describe('assertConnectionGiven', () => {
  const initFile = () => rcFile('module.exports = { options: { connection: process.env.DATABASE_URL } };\n', { connection: undefined });

  test("init's connection with DATABASE_URL unset is refused, naming the variable", () => {
    const error = refusal(() => assertConnectionGiven(initFile(), [], {}));
    assert.match(error.message, /^DATABASE_URL is unset: options\.connection in \.postgraphilerc\.js reads it/);
    assert.match(error.hint ?? '', /^export DATABASE_URL=postgres:\/\/…/);
  });

  test("another variable is named as the file names it, process.env['X'] too", () => {
    const file = rcFile("module.exports = { options: { connection: process.env['APP_DB_URL'] } };\n", { connection: undefined });
    assert.match(refusal(() => assertConnectionGiven(file, [], {})).message, /^APP_DB_URL is unset/);
  });

  test('a connection that is null or empty without a variable to name is refused as what it is', () => {
    assert.match(refusal(() => assertConnectionGiven(rcFile('module.exports = { options: { connection: null } };\n', { connection: null }), [], {})).message, /options\.connection in \.postgraphilerc\.js is null/);
    assert.match(refusal(() => assertConnectionGiven(rcFile("module.exports = { options: { connection: '' } };\n", { connection: '' }), [], {})).message, /is empty/);
  });

  test('-c or --connection after --, or DATABASE_URL (PostGraphile falls back on it), make it fine', () => {
    for (const args of [['-c', 'postgres:///app'], ['--connection', 'postgres:///app'], ['--connection=postgres:///app']]) assertConnectionGiven(initFile(), args, {});
    const other = rcFile('module.exports = { options: { connection: process.env.APP_DB_URL } };\n', { connection: undefined });
    assertConnectionGiven(other, [], { DATABASE_URL: 'postgres:///app' });
  });

  test('no connection key, a set connection, or no rc file at all: nothing to say', () => {
    assertConnectionGiven(rcFile('module.exports = { options: {} };\n', {}), [], {});
    assertConnectionGiven(rcFile('', { connection: 'postgres:///app' }), [], {});
    assertConnectionGiven(null, [], {});
  });
});
