import cluster from 'node:cluster';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PostGraphileVersionError } from '../errors';
import { PostGraphileInstall } from './locate';

/**
 * Runs PostGraphile's own CLI in this process, with `args` as its argv. There
 * is no child: signals, the terminal, the exit code and pm2's or
 * --cluster-workers' process management all apply to the real server.
 */
export function launchInProcess(install: PostGraphileInstall, args: readonly string[], ownArgv: readonly string[]): void {
  if (!fs.existsSync(install.cliPath)) {
    throw new PostGraphileVersionError(
      `PostGraphile ${install.version} at ${install.dir} has no CLI at ${path.relative(install.dir, install.cliPath)}`,
      `reinstall postgraphile@${install.major === 5 ? '^5' : '^4.14.1'}`,
    );
  }
  // v4's --cluster-workers forks workers from process.argv; make them start
  // through us again, so each worker resolves configuration and keys the same way.
  if (cluster.isPrimary) cluster.setupPrimary({ exec: ownArgv[1], args: [...ownArgv.slice(2)] });
  process.argv = [process.argv[0]!, install.cliPath, ...args];
  require(install.cliPath);
}
