import { ChildProcess, execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './cli';
import { until } from './process';

export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export interface InstalledProject {
  /** The project folder: package.json, node_modules with postgraphile-cognito and PostGraphile 4.14.1. */
  dir: string;
  remove(): void;
}

/** Runs a command to completion; `started` gets the process (test/run.ts counts its CPU time apart). */
function run(file: string, args: string[], cwd: string, started?: (child: ChildProcess) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    started?.(child);
  });
}

const POSTGRAPHILE_V4 = 'postgraphile@4.14.1';

/** Packs this package and `npm install`s it by file next to `postgraphile` (v4 by default) into the empty folder `dir`. */
async function install(dir: string, started?: (child: ChildProcess) => void, postgraphile = POSTGRAPHILE_V4): Promise<void> {
  const packed = JSON.parse(await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT, started)) as { filename: string }[];
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // --ignore-scripts: npm test has built dist already, and other test files are using it.
  // Offline first: every dependency is in the npm cache after `npm ci` of this repository.
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, packed[0]!.filename), postgraphile], dir, started);
}

/** The project every test file of one `npm test` shares, in its TEST_TMP; null outside test/run.ts. */
function sharedProject(): { dir: string; done: string; failed: string; lock: string } | null {
  const tmp = process.env.TEST_TMP;
  if (!tmp) return null;
  const dir = path.join(tmp, 'installed-project');
  return { dir, done: `${dir}.done`, failed: `${dir}.failed`, lock: `${dir}.lock` };
}

/**
 * Installs the shared project once per `npm test`: the first caller (test/run.ts
 * at start-up, when a file needs it) installs, every other waits for its mark.
 */
export async function prepareSharedProject(started?: (child: ChildProcess) => void): Promise<string> {
  const shared = sharedProject();
  if (!shared) throw new Error('no TEST_TMP: run the tests with npm test');
  try {
    fs.mkdirSync(shared.lock);
  } catch {
    await until(() => fs.existsSync(shared.done) || fs.existsSync(shared.failed), 'the shared installed project', 300_000);
    if (fs.existsSync(shared.failed)) throw new Error(`installing the shared project failed: ${fs.readFileSync(shared.failed, 'utf8')}`);
    return shared.dir;
  }
  try {
    fs.mkdirSync(shared.dir);
    await install(shared.dir, started);
    fs.writeFileSync(shared.done, '');
    return shared.dir;
  } catch (error) {
    fs.writeFileSync(shared.failed, String(error));
    throw error;
  }
}

/**
 * A fresh project with this package installed as users get it: packed, then
 * `npm install`ed by file next to PostGraphile (v4 unless told). Under npm test each v4 file gets
 * a hard-linked copy of one shared install (its own folder, so the files it
 * writes are its own); elsewhere it installs (tens of seconds). `dist` must be
 * built already.
 */
export async function installPackedProject(prefix = 'pgc-project-', postgraphile = POSTGRAPHILE_V4): Promise<InstalledProject> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    // The shared install is next to PostGraphile v4; another PostGraphile gets an install of its own.
    if (sharedProject() && postgraphile === POSTGRAPHILE_V4) {
      const shared = await prepareSharedProject();
      try {
        execFileSync('cp', ['-al', `${shared}/.`, dir], { stdio: 'ignore' });
      } catch {
        fs.cpSync(shared, dir, { recursive: true, verbatimSymlinks: true });
      }
    } else {
      await install(dir, undefined, postgraphile);
    }
    return { dir, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
