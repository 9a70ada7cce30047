import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import type { CliResult } from './cli';

/** Everything about a CLI run, for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal}) after ${r.ms} ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

export function assertOk(r: CliResult): void {
  assert.equal(r.code, 0, show(r));
}

/**
 * A failure the user can fix: the expected exit code, nothing on stdout, and
 * stderr that is one `postgraphile-cognito: error:` line (plus at most an
 * indented hint line), without a stack trace.
 */
export function assertCleanError(r: CliResult, code: number, ...patterns: RegExp[]): void {
  assert.equal(r.code, code, show(r));
  assert.equal(r.stdout, '', show(r));
  assert.match(r.stderr, /^postgraphile-cognito: error: \S/, show(r));
  assert.doesNotMatch(r.stderr, /^\s*at\s/m, `stack trace on stderr\n${show(r)}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.length <= 2, `expected one error line and at most one hint line\n${show(r)}`);
  if (lines.length === 2) assert.match(lines[1]!, /^ {2}hint: \S/, show(r));
  for (const pattern of patterns) assert.match(r.stderr, pattern, show(r));
}

/** node:crypto's own JWK -> SPKI PEM conversion, the reference for our PEMs. */
export function referencePem(jwk: Record<string, unknown>): string {
  return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
}

/** The value right after `flag`, asserting the flag occurs exactly once. */
export function valueAfter(list: readonly string[], flag: string): string {
  const at = list.indexOf(flag);
  assert.ok(at >= 0, `${flag} missing from ${JSON.stringify(list)}`);
  assert.equal(list.indexOf(flag, at + 1), -1, `${flag} occurs more than once in ${JSON.stringify(list)}`);
  assert.ok(at + 1 < list.length, `${flag} has no value in ${JSON.stringify(list)}`);
  return list[at + 1]!;
}

export function parseJsonArray(r: CliResult): string[] {
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON\n${show(r)}`);
  }
  assert.ok(Array.isArray(value), `stdout is not a JSON array\n${show(r)}`);
  return value as string[];
}

/** Escapes a literal string for use inside a RegExp. */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
