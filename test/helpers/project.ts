import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './cli';

export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export interface InstalledProject {
  /** The project folder: package.json, node_modules with postgraphile-cognito and PostGraphile (4.14.1 unless told). */
  dir: string;
  remove(): void;
}

/**
 * A fresh project with this package installed as users get it: packed, then
 * `npm install`ed by file next to PostGraphile v4. Slow (tens of seconds):
 * share one per test file. `dist` must be built already.
 */
export function installPackedProject(prefix = 'pgc-project-', postgraphile = 'postgraphile@4.14.1'): InstalledProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as { filename: string }[];
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // --ignore-scripts: npm test has built dist already, and other test files are using it.
    // Offline first: every dependency is in the npm cache after `npm ci` of this repository.
    execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, packed[0]!.filename), postgraphile], {
      cwd: dir,
      stdio: 'ignore',
      timeout: 300_000,
    });
    return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
