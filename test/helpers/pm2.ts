import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './cli';
import { alive, until } from './process';

export const PM2_BIN = path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');

export interface Pm2Process {
  pm_id: number;
  pid: number;
  name: string;
  pm2_env: { status: string; exec_mode: string };
}

/**
 * The pm2 CLI with a PM2_HOME of its own, so a test never meets a user's daemon
 * or another test's. Commands run asynchronously: servers in the test process
 * (the JWKS fixture) must keep answering while pm2 starts apps.
 */
export class Pm2 {
  constructor(
    readonly home: string,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    /** The Node.js that runs pm2's CLI, and so its daemon and fork-mode apps (v5 needs 22). */
    private readonly node: string = process.execPath,
  ) {}

  async run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(this.node, [PM2_BIN, ...args], {
        cwd: this.cwd,
        env: { ...this.env, PM2_HOME: this.home },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
    }
  }

  async list(): Promise<Pm2Process[]> {
    return JSON.parse((await this.run('jlist')).stdout) as Pm2Process[];
  }

  /** The text of the apps' log files whose names match, by file name. */
  appLogs(match: RegExp = /./): Record<string, string> {
    const dir = path.join(this.home, 'logs');
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => match.test(f)) : [];
    return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  }

  /** pm2's own log: starts, stops, and any SIGKILL it had to send. */
  daemonLog(): string {
    const file = path.join(this.home, 'pm2.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  daemonPid(): number | null {
    const file = path.join(this.home, 'pm2.pid');
    return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : null;
  }

  /** `pm2 kill`, then waits until the daemon is gone; safe to call when none runs. */
  async kill(): Promise<void> {
    const pid = this.daemonPid();
    if (pid === null) return;
    await this.run('kill');
    await until(() => !alive(pid), `pm2's daemon (pid ${pid}) to end`);
  }
}
