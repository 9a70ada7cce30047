import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawSettings, resolveConfig } from '../config';
import { UsageError } from '../errors';
import { optionsFromPostGraphileArgs } from './postgraphile-options';
import { BIN_IN_PROJECT, cognitoSection, ECOSYSTEM_FILE, isEnvReference, RC_FILE, rcOptions, renderEcosystemFile, renderRcFile, RcValue } from './render';
import { PlannedFile, writeFiles } from './write';

export { optionsFromPostGraphileArgs, knownPostGraphileFlags } from './postgraphile-options';
export { renderRcFile, renderEcosystemFile, cognitoSection, rcOptions, RC_FILE, ECOSYSTEM_FILE, KILL_TIMEOUT_MS, PM2_APP_NAME } from './render';
export { writeFiles } from './write';

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
  force: boolean;
}

export interface InitResult {
  written: string[];
  /** One line per file: what went into it. */
  summary: string[];
  /** Things the user should know, e.g. a password now in a file. */
  warnings: string[];
  /** The rc file reads DATABASE_URL when it is loaded. */
  connectionFromEnv: boolean;
}

// PostGraphile and our loader read the extensionless file before .postgraphilerc.js,
// and .postgraphilerc.js before the .json one.
const SHADOWING_RC = '.postgraphilerc';
const SHADOWED_RC = '.postgraphilerc.json';

/** Settings -> file texts -> files on disk, all or nothing. */
export function init(input: InitInput): InitResult {
  if (input.flags.userPoolId === undefined || input.flags.userPoolId === '') {
    throw new UsageError('init needs --user-pool-id: the file it writes must name the pool', 'e.g. postgraphile-cognito init --user-pool-id eu-west-1_AbCdEf123 --pm2 -- --default-role app_anonymous');
  }
  if (input.instances !== null && !input.pm2) throw new UsageError('--instances is for the pm2 ecosystem file', 'add --pm2');
  if (fs.existsSync(path.join(input.dir, SHADOWING_RC))) {
    throw new UsageError(
      `${path.join(input.dir, SHADOWING_RC)} exists, and PostGraphile would read it instead of ${RC_FILE}; nothing was written`,
      `merge it into ${RC_FILE} by hand, or move it away and run init again`,
    );
  }
  // Only the flags, validated as run would validate them: a file that run then refuses helps nobody.
  const { config, warnings } = resolveConfig({ flags: input.flags });
  const options = rcOptions(optionsFromPostGraphileArgs(input.postgraphileArgs));
  const cognito = cognitoSection(input.flags, config);
  const secret = [...options.values()].some(holdsPassword);
  const files: PlannedFile[] = [{ name: RC_FILE, text: renderRcFile({ cognito, options }), mode: secret ? 0o600 : 0o644 }];
  if (input.pm2) files.push({ name: ECOSYSTEM_FILE, text: renderEcosystemFile({ instances: input.instances }), mode: 0o644 });
  writeFiles(input.dir, files, { force: input.force, alsoRefuse: [SHADOWED_RC] });

  const notes = warnings.map((w) => w.text);
  if (secret) {
    notes.push(`${RC_FILE} holds the connection string with its password (the file is readable by you only); keep it out of version control, or leave -c out to read DATABASE_URL instead`);
  }
  if (fs.existsSync(path.join(input.dir, SHADOWED_RC))) notes.push(`${SHADOWED_RC} is no longer read: ${RC_FILE} takes its place`);
  if (input.pm2 && !fs.existsSync(path.join(input.dir, BIN_IN_PROJECT))) {
    notes.push(`${ECOSYSTEM_FILE} runs ${BIN_IN_PROJECT}, which this folder lacks: run npm install postgraphile-cognito here before pm2 start`);
  }
  const connectionFromEnv = isEnvReference(options.get('connection')!);
  const summary = [
    `${RC_FILE}: cognito { ${[...cognito.keys()].join(', ')} }, options { ${[...options.keys()].join(', ')} }; ` +
      (connectionFromEnv ? 'the connection string is read from DATABASE_URL when the server starts' : 'the connection string is written as given'),
  ];
  if (input.pm2) {
    summary.push(
      `${ECOSYSTEM_FILE}: pm2 ${input.instances === null ? 'fork mode, 1 instance' : `cluster mode, ${input.instances} instances`}, running ${BIN_IN_PROJECT} run`,
    );
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
