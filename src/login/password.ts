import * as fs from 'node:fs';
import { UsageError } from '../errors';

export const PASSWORD_ENV = 'COGNITO_PASSWORD';

export interface PasswordSource {
  /** --password-stdin: the password is standard input, up to its end. */
  fromStdin: boolean;
  env: NodeJS.ProcessEnv;
  username: string;
}

/**
 * The password from standard input (--password-stdin), else COGNITO_PASSWORD,
 * else a prompt that does not echo when standard input is a terminal. Never
 * from a flag, where it would show in `ps` and the shell's history.
 */
export async function readPassword({ fromStdin, env, username }: PasswordSource): Promise<string> {
  if (fromStdin) {
    // One trailing line break is the end of the line `echo` or a file gave, not part of the password.
    const password = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (password === '') throw new UsageError('--password-stdin: standard input was empty', `e.g. printf '%s' "$PASSWORD" | postgraphile-cognito login --password-stdin ...`);
    return password;
  }
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      'no password: standard input is not a terminal to ask on',
      `pipe it in with --password-stdin, or set ${PASSWORD_ENV}`,
    );
  }
  const password = await promptHidden(`Password for ${username.replace(/[^\x20-\x7e]/g, '?')}: `);
  if (password === '') throw new UsageError('no password given');
  return password;
}

/** Reads one line from the terminal in raw mode, echoing nothing; Ctrl-C ends the process with 130. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: a password typed at once must not appear either.
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  process.stderr.write(question);
  let value = '';
  return new Promise((resolve) => {
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          // Raw mode swallows the signal: end as Ctrl-C would have, with the terminal restored.
          finish();
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
