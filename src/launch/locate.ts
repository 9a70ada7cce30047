import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginNotFoundError, PostGraphileVersionError } from '../errors';

export interface PostGraphileInstall {
  /** Folder of the postgraphile package. */
  dir: string;
  version: string;
  /** Its command-line entry point. */
  cliPath: string;
  /** `project` when found from the working directory, `bundled` when ours. */
  origin: 'project' | 'bundled';
}

/**
 * The PostGraphile `run` launches: the user's project's own when it is v4,
 * else the one bundled with this package. A v5 in the project is refused: it
 * is a different product without JWT flags, and silently running our v4
 * instead would hide that.
 */
export function locatePostGraphile(cwd: string): PostGraphileInstall {
  const project = findInNodeModules(cwd);
  if (project) {
    const major = majorOf(project.version);
    if (major === 4) return { ...project, origin: 'project' };
    if (major !== null && major >= 5) {
      throw new PostGraphileVersionError(
        `the project has PostGraphile ${project.version} (${project.dir}); postgraphile-cognito drives PostGraphile v4`,
        'PostGraphile v5 has no JWT flags; install postgraphile@^4.14.1 in this project, or remove it to use the bundled v4',
      );
    }
    throw new PostGraphileVersionError(
      `the project has PostGraphile ${project.version} (${project.dir}), which is too old`,
      'install postgraphile@^4.14.1',
    );
  }
  const bundledDir = path.dirname(require.resolve('postgraphile/package.json'));
  const bundled = readInstall(bundledDir);
  if (!bundled) throw new PostGraphileVersionError('the bundled PostGraphile is missing', 'reinstall postgraphile-cognito');
  return { ...bundled, origin: 'bundled' };
}

function findInNodeModules(start: string): Omit<PostGraphileInstall, 'origin'> | null {
  let dir = path.resolve(start);
  for (;;) {
    const found = readInstall(path.join(dir, 'node_modules', 'postgraphile'));
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function readInstall(dir: string): Omit<PostGraphileInstall, 'origin'> | null {
  let manifest: { version?: unknown };
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return null;
  }
  const version = typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  const real = fs.realpathSync(dir);
  return { dir: real, version, cliPath: path.join(real, 'build', 'postgraphile', 'cli.js') };
}

function majorOf(version: string): number | null {
  const match = /^(\d+)\./.exec(version);
  return match ? Number(match[1]) : null;
}

/**
 * Checks that PostGraphile will be able to require() each server plugin, so
 * a typo is a usage error naming the plugin rather than a crash inside it.
 */
export function assertPluginsLoadable(install: PostGraphileInstall, plugins: readonly string[]): void {
  for (const spec of plugins) {
    // PostGraphile's syntax `module:export.path` names a module first.
    const moduleName = path.isAbsolute(spec) ? spec : spec.split(':')[0]!;
    try {
      // Resolved from where PostGraphile's CLI will require() it.
      require.resolve(moduleName, { paths: [path.dirname(install.cliPath)] });
    } catch {
      throw new PluginNotFoundError(
        `PostGraphile ${install.version} (${install.dir}) cannot find the server plugin "${spec}"`,
        install.origin === 'project'
          ? `npm install ${moduleName}, or give the plugin's path starting with ./`
          : `install postgraphile@^4.14.1 in this project next to ${moduleName}, or give the plugin's path starting with ./`,
      );
    }
  }
}
