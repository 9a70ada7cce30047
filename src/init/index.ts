import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawSettings, RC_PLACES, requireSecurityChoices, resolveConfig } from '../config';
import { UsageError } from '../errors';
import { optionsFromPostGraphileArgs } from './postgraphile-options';
import { BIN_IN_PROJECT, cognitoSection, fileNames, isEnvReference, rcOptions, RcValue, renderEcosystemFile, renderRcFile } from './render';
import { DEFAULT_ANONYMOUS_ROLE, DEFAULT_AUTHENTICATED_ROLE, LOGIN_ROLE, renderSchemaSql, SCHEMA_FILE } from './schema-sql';
import { PlannedFile, writeFiles } from './write';

export { optionsFromPostGraphileArgs, knownPostGraphileFlags } from './postgraphile-options';
export { renderRcFile, renderEcosystemFile, cognitoSection, rcOptions, fileNames, RC_FILE, ECOSYSTEM_FILE, KILL_TIMEOUT_MS, PM2_APP_NAME } from './render';
export { writeFiles } from './write';
export { renderSchemaSql, SCHEMA_FILE, LOGIN_ROLE, DEFAULT_ANONYMOUS_ROLE, DEFAULT_AUTHENTICATED_ROLE, EXAMPLE_TABLE } from './schema-sql';
export type { SchemaSqlInput } from './schema-sql';

export interface InitInput {
  /** The folder to write into. */
  dir: string;
  /** Our configuration flags: these, and only these, go into the `cognito` section. */
  flags: RawSettings;
  /** PostGraphile's arguments, given after `--`: they become `options`. */
  postgraphileArgs: readonly string[];
  pm2: boolean;
  /** pm2 cluster mode with this many instances; null is fork mode, one instance. */
  instances: number | null;
  /** Also write schema.sql: roles, grants and a table with a policy, matching the rc file. */
  sql?: boolean;
  force: boolean;
}

export interface InitResult {
  /** The rc file's name, then the ecosystem file's with --pm2. */
  written: string[];
  /** One line per file: what went into it. */
  summary: string[];
  /** Things the user should know, e.g. a password now in a file. */
  warnings: string[];
  /** The rc file reads DATABASE_URL when it is loaded. */
  connectionFromEnv: boolean;
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
  const names = fileNames(isEsmPackage(input.dir));
  // PostGraphile reads the first rc file of RC_PLACES: one before ours would hide it, ours hides the ones after.
  const at = RC_PLACES.indexOf(names.rc);
  const hiding = RC_PLACES.slice(0, at).find((name) => fs.existsSync(path.join(input.dir, name)));
  if (hiding) {
    throw new UsageError(
      `${path.join(input.dir, hiding)} exists, and PostGraphile would read it instead of ${names.rc}; nothing was written`,
      `merge it into ${names.rc} by hand, or move it away and run init again`,
    );
  }
  const hidden = RC_PLACES.slice(at + 1);

  // With --sql the rc file names the roles the SQL creates, so run switches to exactly those.
  const pgOptions = optionsFromPostGraphileArgs(input.postgraphileArgs);
  const anonymousGiven = typeof pgOptions.get('defaultRole') === 'string' || Boolean(input.flags.anonymousRole);
  const flags: RawSettings = input.sql
    ? { ...input.flags, authenticatedRole: input.flags.authenticatedRole || DEFAULT_AUTHENTICATED_ROLE, ...(anonymousGiven ? {} : { anonymousRole: DEFAULT_ANONYMOUS_ROLE }) }
    : input.flags;
  // Only the flags, validated as run would validate them: a file that run then refuses helps nobody.
  const { config, warnings } = resolveConfig({ flags });
  requireSecurityChoices(config);
  const options = rcOptions(pgOptions);
  const cognito = cognitoSection(flags, config);
  const secret = [...options.values()].some(holdsPassword);
  const files: PlannedFile[] = [{ name: names.rc, text: renderRcFile({ cognito, options }), mode: secret ? 0o600 : 0o644 }];
  if (input.pm2) files.push({ name: names.ecosystem, text: renderEcosystemFile({ instances: input.instances, names }), mode: 0o644 });
  const schemaOption = options.get('schema');
  const sqlInput = {
    loginRole: LOGIN_ROLE,
    // As v4 reads it: PostGraphile's --default-role, else --anonymous-role.
    anonymousRole: typeof pgOptions.get('defaultRole') === 'string' ? String(pgOptions.get('defaultRole')) : config.anonymousRole ?? DEFAULT_ANONYMOUS_ROLE,
    authenticatedRole: config.shared.authenticatedRole ?? DEFAULT_AUTHENTICATED_ROLE,
    // '*' names no role to create.
    allowedRoles: config.shared.allowedRoles === '*' ? [] : config.shared.allowedRoles,
    schema: Array.isArray(schemaOption) && typeof schemaOption[0] === 'string' ? schemaOption[0] : 'public',
  };
  if (input.sql) files.push({ name: SCHEMA_FILE, text: renderSchemaSql(sqlInput), mode: 0o644 });
  writeFiles(input.dir, files, { force: input.force, alsoRefuse: hidden });

  const notes = warnings.map((w) => w.text);
  if (secret) {
    notes.push(`${names.rc} holds the connection string with its password (the file is readable by you only); keep it out of version control, or leave -c out to read DATABASE_URL instead`);
  }
  for (const name of hidden) if (fs.existsSync(path.join(input.dir, name))) notes.push(`${name} is no longer read: ${names.rc} takes its place`);
  if (input.pm2 && !fs.existsSync(path.join(input.dir, BIN_IN_PROJECT))) {
    notes.push(`${names.ecosystem} runs ${BIN_IN_PROJECT}, which this folder lacks: run npm install postgraphile-cognito here before pm2 start`);
  }
  const connectionFromEnv = isEnvReference(options.get('connection')!);
  const summary = [
    `${names.rc}: cognito { ${[...cognito.keys()].join(', ')} }, options { ${[...options.keys()].join(', ')} }; ` +
      (connectionFromEnv ? 'the connection string is read from DATABASE_URL when the server starts' : 'the connection string is written as given'),
  ];
  if (input.pm2) {
    summary.push(
      `${names.ecosystem}: pm2 ${input.instances === null ? 'fork mode, 1 instance' : `cluster mode, ${input.instances} instances`}, running ${BIN_IN_PROJECT} run`,
    );
  }
  if (input.sql) {
    const roles = [...new Set([sqlInput.anonymousRole, sqlInput.authenticatedRole, ...sqlInput.allowedRoles])].join(', ');
    summary.push(`${SCHEMA_FILE}: login role ${LOGIN_ROLE} (not a superuser, NOINHERIT, no password yet), roles ${roles}, table ${sqlInput.schema}.note with a policy on jwt.claims.sub`);
  }
  return { written: files.map((f) => f.name), summary, warnings: notes, connectionFromEnv };
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
