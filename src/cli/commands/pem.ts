import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../errors';
import { fsReason, writeTempFile } from '../../files';
import { pemOf, selectKeys } from '../../jwks';
import { prepare } from '../../launch';
import { kidOfToken } from '../../verify';
import { addConfigOptions, settingsFromOptions } from '../options';

export function pemCommand(): Command {
  const command = new Command('pem')
    .description('print the PEM of a signing key, or write it atomically to a file')
    .option('--kid <kid>', 'the key with this kid (see `keys`)')
    .option('--for-token <jwt>', "the key that signed this token (its header's kid); - reads the token from stdin")
    .option('--all', 'every key, one PEM after another')
    .option('--out <file>', 'write to FILE (temp file, then rename) instead of stdout');
  addConfigOptions(command, 'pool');
  command.addHelpText(
    'after',
    `
A pool has two keys and nothing in the JWKS says which signs which token
type, so with several keys you must choose.

Examples:
  $ npx postgraphile-cognito pem --user-pool-id eu-west-1_AbCdEf123 --kid abcd1234=
  $ echo "$ACCESS_TOKEN" | npx postgraphile-cognito pem --for-token - --out /etc/app/cognito.pem
  $ npx postgraphile-cognito pem --all > pool-keys.pem`,
  );
  command.action(async (opts: Record<string, unknown>) => {
    const tokenKid = typeof opts.forToken === 'string' ? tokenKidOrExit(opts.forToken === '-' ? readStdin() : opts.forToken) : null;
    const { jwks, config } = await prepare(settingsFromOptions(opts));
    const otherSelector = tokenKid !== null || opts.all === true;
    const keys = selectKeys(jwks.keys, {
      // --kid, or else the rc file's cognito.kid when no other selector is given.
      kid: typeof opts.kid === 'string' || !otherSelector ? config.kid : null,
      tokenKid,
      all: opts.all === true,
    });
    const text = keys.map((k) => pemOf(k.jwk)).join('');
    if (typeof opts.out === 'string') writeAtomically(opts.out, text);
    else process.stdout.write(text);
  });
  return command;
}

/** The `kid` in a JWT's header, read without verifying anything. */
function tokenKidOrExit(token: string): string {
  const kid = kidOfToken(token);
  if (kid === null) {
    throw new UsageError('--for-token is not a JWT with a kid in its header', 'pass a Cognito access or ID token (three base64url parts separated by dots)');
  }
  return kid;
}

function isDirectory(target: string): boolean {
  try {
    return fs.statSync(target).isDirectory();
  } catch {
    return false;
  }
}

function readStdin(): string {
  const hint = 'pipe the token in (echo "$TOKEN" | npx postgraphile-cognito pem --for-token -), or pass it as --for-token TOKEN';
  if (process.stdin.isTTY) throw new UsageError('--for-token - reads the token from stdin, which is a terminal', hint);
  let token: string;
  try {
    token = fs.readFileSync(0, 'utf8').trim();
  } catch {
    throw new UsageError('--for-token - could not read a token from stdin', hint);
  }
  if (token === '') throw new UsageError('--for-token - found no token on stdin', hint);
  return token;
}

/** Temp file in the same folder, then rename (see writeTempFile). */
export function writeAtomically(file: string, text: string): void {
  const target = path.resolve(file);
  if (/[\\/]$/.test(file) || isDirectory(target)) {
    throw new UsageError(`--out ${file} is a folder`, 'name the file to write, e.g. --out keys/cognito.pem');
  }
  let temp: string | null = null;
  try {
    temp = writeTempFile(target, text);
    fs.renameSync(temp, target);
  } catch (error) {
    if (temp) fs.rmSync(temp, { force: true });
    throw new UsageError(`cannot write ${target} (${fsReason(error)})`, 'check that the folder exists and is writable');
  }
}
