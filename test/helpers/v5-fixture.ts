import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { npm } from './project';
import { V5_PROJECT } from './v5';

/** Written after a successful install: the lockfile it installed. */
const MARKER = path.join(V5_PROJECT, 'node_modules', '.postgraphile-cognito-fixture');

/**
 * The PostGraphile v5 project of the tests, installed from its own lockfile
 * (`npm ci` there) when it is missing or out of date. It cannot be a
 * workspace of the repository: hoisting would give v5 a second copy of
 * graphql next to v4's (graphql 15), and v5 refuses to build its schema
 * ("Cannot use GraphQLObjectType from another module or realm").
 */
export async function ensureV5Fixture(): Promise<'installed' | 'up to date'> {
  const lock = createHash('sha256').update(fs.readFileSync(path.join(V5_PROJECT, 'package-lock.json'))).digest('hex');
  if (fs.existsSync(MARKER) && fs.readFileSync(MARKER, 'utf8') === lock) return 'up to date';
  await promisify(execFile)(npm, ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: V5_PROJECT, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  fs.writeFileSync(MARKER, lock);
  return 'installed';
}
