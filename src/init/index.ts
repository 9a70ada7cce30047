import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawSettings, RC_PLACES, requireSecurityChoices, resolveConfig } from '../config';
import { UsageError } from '../errors';
import { assertNodeFor, locatePostGraphile, PostGraphileInstall, V5_MIN_NODE } from '../launch';
import { BIN_IN_CLONE, BIN_IN_PROJECT, cognitoSection, fileNames, RcValue, renderEcosystemFile } from './render';
import { v4File, v5File } from './server-file';
import { GRAPHILE_CONFIG_FILE } from './v5-config';
import { DEFAULT_ANONYMOUS_ROLE, DEFAULT_AUTHENTICATED_ROLE, LOGIN_ROLE, renderSchemaSql, SCHEMA_FILE } from './schema-sql';
import { PlannedFile, writeFiles } from './write';

export { optionsFromPostGraphileArgs, knownPostGraphileFlags } from './postgraphile-options';
export { renderRcFile, renderEcosystemFile, cognitoSection, rcOptions, fileNames, RC_FILE, ECOSYSTEM_FILE, KILL_TIMEOUT_MS, PM2_APP_NAME } from './render';
export { writeFiles } from './write';
export { v5SettingsFromArgs, renderGraphileConfig, GRAPHILE_CONFIG_FILE } from './v5-config';
export type { V5Settings } from './v5-config';
export { renderSchemaSql, SCHEMA_FILE, LOGIN_ROLE, DEFAULT_ANONYMOUS_ROLE, DEFAULT_AUTHENTICATED_ROLE, EXAMPLE_TABLE } from './schema-sql';
export type { SchemaSqlInput } from './schema-sql';

export interface InitInput {
  /** The folder to write into; its PostGraphile (v4, else v5) decides which file. */
  dir: string;
  /** Our configuration flags: these, and only these, go into the `cognito` section (v5: makeCognitoPreset()). */
  flags: RawSettings;
  /** PostGraphile's arguments, given after `--`: they become `options` (v5: pgServices, grafserv, grafast). */
  postgraphileArgs: readonly string[];
  pm2: boolean;
  /** pm2 cluster mode with this many instances; null is fork mode, one instance. */
  instances: number | null;
  /** Also write schema.sql: roles, grants and a table with a policy, matching the rc file. */
  sql?: boolean;
  force: boolean;
}

export interface InitResult {
  /** The configuration file's name (.postgraphilerc.js, or graphile.config.mjs for v5), then the ecosystem file's with --pm2. */
  written: string[];
  /** One line per file: what went into it. */
  summary: string[];
  /** Things the user should know, e.g. a password now in a file. */
  warnings: string[];
  /** The rc file reads DATABASE_URL when it is loaded. */
  connectionFromEnv: boolean;
  /** The project's PostGraphile: 5 when init wrote graphile.config.mjs. */
  postgraphileMajor: 4 | 5;
}

/** Settings -> file texts -> files on disk, all or nothing. */
export function init(input: InitInput): InitResult {
  const given = (value: unknown) => value !== undefined && value !== '';
  if (!given(input.flags.userPoolId) && !given(input.flags.issuer)) {
    throw new UsageError(
      'init needs --user-pool-id (or --issuer): the file it writes must name the pool or issuer',
      'e.g. postgraphile-cognito init --user-pool-id eu-west-1_AbCdEf123 --pm2 -- --default-role app_anonymous',
    );
  }
  if (input.instances !== null && !input.pm2) throw new UsageError('--instances is for the pm2 ecosystem file', 'add --pm2');
  const install = locatePostGraphile(input.dir);
  const v5 = install.major === 5;
  const names = fileNames(isEsmPackage(input.dir));
  const server = v5 ? v5File(input.postgraphileArgs) : v4File(names.rc, input.postgraphileArgs);
  const at = server.places.indexOf(server.name);
  const hiding = server.places.slice(0, at).find((name) => fs.existsSync(path.join(input.dir, name)));
  if (hiding) {
    throw new UsageError(
      `${path.join(input.dir, hiding)} exists, and ${server.reader} would read it instead of ${server.name}; nothing was written`,
      `merge it into ${server.name} by hand, or move it away and run init again`,
    );
  }
  const hidden = server.places.slice(at + 1);

  // With --sql the file names the roles the SQL creates, so run switches to exactly those.
  const anonymousGiven = server.defaultRole !== null || Boolean(input.flags.anonymousRole);
  const flags: RawSettings = input.sql
    ? { ...input.flags, authenticatedRole: input.flags.authenticatedRole || DEFAULT_AUTHENTICATED_ROLE, ...(anonymousGiven ? {} : { anonymousRole: DEFAULT_ANONYMOUS_ROLE }) }
    : input.flags;
  // Only the flags, validated as run would validate them: a file that run then refuses helps nobody.
  const { config, warnings } = resolveConfig({ flags });
  requireSecurityChoices(config);
  const cognito = cognitoSection(flags, config);
  const secret = server.connections.some(holdsPassword);
  const files: PlannedFile[] = [{ name: server.name, text: server.render(cognito), mode: secret ? 0o600 : 0o644 }];
  const ecosystemNames = { rc: server.name, ecosystem: names.ecosystem };
  const script = isCloneOfThisPackage(input.dir) ? BIN_IN_CLONE : BIN_IN_PROJECT;
  if (input.pm2) files.push({ name: names.ecosystem, text: renderEcosystemFile({ instances: input.instances, names: ecosystemNames, major: install.major, script }), mode: 0o644 });
  const sqlInput = {
    loginRole: LOGIN_ROLE,
    // As v4 reads it: PostGraphile's --default-role, else --anonymous-role; v5 has only the latter.
    anonymousRole: server.defaultRole ?? config.anonymousRole ?? DEFAULT_ANONYMOUS_ROLE,
    authenticatedRole: config.shared.authenticatedRole ?? DEFAULT_AUTHENTICATED_ROLE,
    // '*' names no role to create.
    allowedRoles: config.shared.allowedRoles === '*' ? [] : config.shared.allowedRoles,
    schema: server.schema,
  };
  if (input.sql) files.push({ name: SCHEMA_FILE, text: renderSchemaSql(sqlInput), mode: 0o644 });
  writeFiles(input.dir, files, { force: input.force, alsoRefuse: hidden });

  const notes = warnings.map((w) => w.text);
  if (secret) {
    notes.push(`${server.name} holds the connection string with its password (the file is readable by you only); keep it out of version control, or leave -c out to read DATABASE_URL instead`);
  }
  for (const name of hidden) if (fs.existsSync(path.join(input.dir, name))) notes.push(`${name} is no longer read: ${server.name} takes its place`);
  if (v5) notes.push(...v5Notes(input.dir, install, config.anonymousRole));
  const lacking = [
    ...(v5 && !installedFrom(input.dir, 'postgraphile-cognito') ? [`${server.name} imports postgraphile-cognito`] : []),
    ...(input.pm2 && !fs.existsSync(path.join(input.dir, script)) ? [`${names.ecosystem} runs ${script}`] : []),
  ];
  if (lacking.length > 0) {
    notes.push(`${lacking.join(', and ')}, which this folder lacks: run npm install postgraphile-cognito here${input.pm2 ? ' before pm2 start' : ''}`);
  }
  const summary = [
    `${server.name}: ${server.describe(cognito)}; ` +
      (server.connectionFromEnv ? 'the connection string is read from DATABASE_URL when the server starts' : 'the connection string is written as given'),
  ];
  if (input.pm2) {
    summary.push(
      `${names.ecosystem}: pm2 ${input.instances === null ? 'fork mode, 1 instance' : `cluster mode, ${input.instances} instances`}, running ${script} run`,
    );
  }
  if (input.sql) {
    const roles = [...new Set([sqlInput.anonymousRole, sqlInput.authenticatedRole, ...sqlInput.allowedRoles])].join(', ');
    summary.push(`${SCHEMA_FILE}: login role ${LOGIN_ROLE} (not a superuser, NOINHERIT, no password yet), roles ${roles}, table ${sqlInput.schema}.note with a policy on jwt.claims.sub`);
  }
  return { written: files.map((f) => f.name), summary, warnings: notes, connectionFromEnv: server.connectionFromEnv, postgraphileMajor: install.major };
}

/** What a v5 user should know before the first start. */
function v5Notes(dir: string, install: PostGraphileInstall, anonymousRole: string | null): string[] {
  const notes: string[] = [];
  try {
    assertNodeFor(install);
  } catch (error) {
    notes.push(`${(error as Error).message}: start the server (and pm2) under Node.js ${V5_MIN_NODE}`);
  }
  if (!anonymousRole) notes.push('no --anonymous-role: requests without a token will run as the connecting role (PostGraphile v5 has no --default-role)');
  const rc = RC_PLACES.find((name) => fs.existsSync(path.join(dir, name)));
  if (rc) notes.push(`${rc} is here too: move it away, so that ${GRAPHILE_CONFIG_FILE} holds the whole configuration`);
  return notes;
}

/**
 * Whether an import of package `name` in a file in `dir` finds it: a
 * node_modules/<name> here or above. (Not require.resolve: from this
 * package, its own name always resolves to itself.)
 */
function installedFrom(dir: string, name: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (fs.existsSync(path.join(at, 'node_modules', name, 'package.json'))) return true;
    if (path.dirname(at) === at) return false;
  }
}

function holdsPassword(value: RcValue): boolean {
  if (typeof value !== 'string') return false;
  if (/(^|\s)password\s*=/i.test(value)) return true;
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/** Whether Node takes .js files in `dir` as ES modules: the nearest package.json says "type": "module". */
function isEsmPackage(dir: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const file = path.join(at, 'package.json');
    if (fs.existsSync(file)) {
      try {
        return (JSON.parse(fs.readFileSync(file, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(at) === at) return false;
  }
}

/** A clone of postgraphile-cognito itself (the README's quick start runs there): its entry point is bin/, not node_modules/.bin. */
function isCloneOfThisPackage(dir: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return manifest.name === 'postgraphile-cognito' && fs.existsSync(path.join(dir, BIN_IN_CLONE));
  } catch {
    return false;
  }
}
