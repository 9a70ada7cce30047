import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginNotFoundError, PostGraphileVersionError } from '../errors';

export interface PostGraphileInstall {
  /** Folder of the postgraphile package. */
  dir: string;
  version: string;
  major: 4 | 5;
  /** Its command-line entry point. */
  cliPath: string;
  /** `project` when found from the working directory, `bundled` when ours. */
  origin: 'project' | 'bundled';
}

export interface LocateOptions {
  /** Only v4 will do (the demo, whose server hooks are a v4 plugin): a project's v5 is passed over for the bundled v4. */
  v4Only?: boolean;
}

/**
 * The PostGraphile `run` launches: the user's project's own (v4 or v5), else
 * the v4 bundled with this package.
 */
export function locatePostGraphile(cwd: string, { v4Only = false }: LocateOptions = {}): PostGraphileInstall {
  const project = findInNodeModules(cwd);
  if (project) {
    const major = majorOf(project.version);
    if (major === 4) return { ...project, major, cliPath: path.join(project.dir, 'build', 'postgraphile', 'cli.js'), origin: 'project' };
    if (major === 5 && !v4Only) return { ...project, major, cliPath: path.join(project.dir, 'dist', 'cli-run.js'), origin: 'project' };
    if (major !== 5) {
      throw new PostGraphileVersionError(
        `the project has PostGraphile ${project.version} (${project.dir}), which postgraphile-cognito does not drive`,
        major !== null && major > 5 ? 'install postgraphile@^5 or postgraphile@^4.14.1' : 'install postgraphile@^4.14.1 or postgraphile@^5',
      );
    }
  }
  const bundledDir = path.dirname(require.resolve('postgraphile/package.json'));
  const bundled = readInstall(bundledDir);
  if (!bundled) throw new PostGraphileVersionError('the bundled PostGraphile is missing', 'reinstall postgraphile-cognito');
  return { ...bundled, major: 4, cliPath: path.join(bundled.dir, 'build', 'postgraphile', 'cli.js'), origin: 'bundled' };
}

/** PostGraphile v5 (grafast, grafserv) needs Promise.withResolvers: Node 22. Under 20 it starts, then every query fails. */
export const V5_MIN_NODE = 22;

/** Exit 2 before anything starts when this Node cannot run the project's v5. */
export function assertNodeFor(install: PostGraphileInstall, nodeVersion: string = process.versions.node): void {
  if (install.major !== 5) return;
  const major = Number(nodeVersion.split('.')[0]);
  if (major >= V5_MIN_NODE) return;
  throw new PostGraphileVersionError(
    `the project has PostGraphile ${install.version}, which needs Node.js ${V5_MIN_NODE} or newer; this is Node.js ${nodeVersion}`,
    `run it with Node.js ${V5_MIN_NODE} or newer, or use postgraphile@^4.14.1, which runs on Node.js 20`,
  );
}

function findInNodeModules(start: string): Pick<PostGraphileInstall, 'dir' | 'version'> | null {
  let dir = path.resolve(start);
  for (;;) {
    const found = readInstall(path.join(dir, 'node_modules', 'postgraphile'));
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function readInstall(dir: string): Pick<PostGraphileInstall, 'dir' | 'version'> | null {
  let manifest: { version?: unknown };
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return null;
  }
  const version = typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  return { dir: fs.realpathSync(dir), version };
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
