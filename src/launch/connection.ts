import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RcFile } from '../config';
import { ConfigError } from '../errors';

/**
 * Refuses to start when the rc file names a connection that is not there:
 * `init` writes `connection: process.env.DATABASE_URL`, and with that variable
 * unset PostGraphile quietly connects to the PostgreSQL defaults (so under
 * pm2: fails, restarts, fails). A file with no `connection` key at all is
 * left alone: there the PG* variables may be meant.
 */
export function assertConnectionGiven(rc: RcFile | null, postgraphileArgs: readonly string[], env: NodeJS.ProcessEnv): void {
  if (!rc || !Object.prototype.hasOwnProperty.call(rc.options, 'connection')) return;
  const connection = rc.options.connection;
  if (connection !== undefined && connection !== null && connection !== '') return;
  // PostGraphile itself falls back on DATABASE_URL, and -c wins over the file.
  if (env.DATABASE_URL || postgraphileArgs.some((arg) => arg === '-c' || arg === '--connection' || arg.startsWith('--connection='))) return;
  const file = path.basename(rc.filepath);
  const variable = variableRead(rc.filepath);
  const hint = `export ${variable ?? 'DATABASE_URL'}=postgres://… before starting (under pm2: in the app's env, then pm2 restart --update-env), or pass -c after --`;
  if (variable) {
    throw new ConfigError(
      `${variable} is unset: options.connection in ${file} reads it (connection: process.env.${variable}), and PostGraphile would connect to the PostgreSQL defaults instead`,
      hint,
    );
  }
  throw new ConfigError(`options.connection in ${file} is ${connection === '' ? 'empty' : String(connection)}, and PostGraphile would connect to the PostgreSQL defaults instead`, hint);
}

/** The environment variable the file's `connection:` reads, when written plainly (as init writes it). */
function variableRead(filepath: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(filepath, 'utf8');
  } catch {
    return null;
  }
  const match = /\bconnection\s*:\s*process\.env(?:\.([A-Za-z_$][\w$]*)|\[\s*['"]([^'"]+)['"]\s*\])/.exec(text);
  return match ? (match[1] ?? match[2] ?? null) : null;
}
