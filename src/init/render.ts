import { CognitoConfig, NO_ROLE_CLAIM, RawSettings, SETTING_KEYS, SettingKey } from '../config';
import { OptionValue, PostGraphileOptions } from './postgraphile-options';

/** A value written as `process.env.NAME`: read from the environment each time the file is loaded. */
export interface EnvReference {
  readonly env: string;
}

export type RcValue = OptionValue | EnvReference;

export interface RcContent {
  cognito: ReadonlyMap<SettingKey, OptionValue>;
  options: ReadonlyMap<string, RcValue>;
}

export const RC_FILE = '.postgraphilerc.js';
export const ECOSYSTEM_FILE = 'ecosystem.config.js';

export interface FileNames {
  rc: string;
  ecosystem: string;
}

/**
 * In a `"type": "module"` package a .js file is an ES module, where
 * `module.exports` means nothing: there the files get names Node always loads
 * as CommonJS. PostGraphile and our loader read the extensionless rc file first.
 */
export function fileNames(esm: boolean): FileNames {
  return esm ? { rc: '.postgraphilerc', ecosystem: 'ecosystem.config.cjs' } : { rc: RC_FILE, ecosystem: ECOSYSTEM_FILE };
}
/** What `npm install postgraphile-cognito` puts in the project; the ecosystem file runs it. */
export const BIN_IN_PROJECT = 'node_modules/.bin/postgraphile-cognito';
/** The same entry point in a clone of postgraphile-cognito itself, which has no copy of itself in node_modules. */
export const BIN_IN_CLONE = 'bin/postgraphile-cognito.js';
export const PM2_APP_NAME = 'postgraphile-cognito';
/** PostGraphile exits at once on SIGINT; this is only the bound before pm2 sends SIGKILL. */
export const KILL_TIMEOUT_MS = 5000;

export function isEnvReference(value: RcValue): value is EnvReference {
  return typeof value === 'object' && !Array.isArray(value);
}

/** Each setting in the form the rc file takes, from the validated configuration; null leaves it out. */
const list = (value: readonly string[] | '*') => (value === '*' ? value : [...value]);
const one = (value: readonly string[]) => (value.length === 1 ? value[0]! : [...value]);
const RC_VALUE: Record<SettingKey, (config: CognitoConfig) => OptionValue | null> = {
  userPoolId: ({ shared }) => one(shared.userPoolIds),
  region: ({ shared }) => shared.region,
  endpoint: ({ shared }) => shared.endpoint,
  clientId: ({ shared }) => list(shared.clientIds),
  tokenUse: ({ shared }) => shared.tokenUse,
  issuer: ({ shared }) => one(shared.oidcIssuers),
  audience: ({ shared }) => list(shared.audiences),
  roleClaim: ({ shared }) => shared.roleClaim?.join(',') ?? NO_ROLE_CLAIM,
  allowedRoles: ({ shared }) => list(shared.allowedRoles),
  authenticatedRole: ({ shared }) => shared.authenticatedRole,
  scope: ({ shared }) => [...shared.scopes],
  clientRoles: ({ shared }) => Object.entries(shared.clientRoles).map(([client, role]) => `${client}=${role}`),
  anonymousRole: (c) => c.anonymousRole,
  tokenCache: (c) => c.tokenCache,
  clockTolerance: (c) => c.clockTolerance,
  kid: (c) => c.kid,
  cacheDir: (c) => c.cacheDir,
  offline: (c) => c.offline,
};

/**
 * The `cognito` section: only the settings given as flags, as validated, and
 * the token use always, so the file says which tokens it accepts.
 */
export function cognitoSection(flags: RawSettings, config: CognitoConfig): Map<SettingKey, OptionValue> {
  const section = new Map<SettingKey, OptionValue>();
  for (const key of SETTING_KEYS) {
    const given = flags[key] !== undefined && flags[key] !== '';
    // The token use always, so the file says which Cognito tokens it accepts (when it has pools).
    const always = key === 'tokenUse' && config.issuers.some((i) => i.kind === 'cognito');
    if (!given && !always) continue;
    const value = RC_VALUE[key](config);
    if (value !== null) section.set(key, value);
  }
  return section;
}

/**
 * PostGraphile's `options`: the given ones, and without a connection string
 * `process.env.DATABASE_URL`, so no password is copied into the file.
 */
export function rcOptions(given: PostGraphileOptions): Map<string, RcValue> {
  const options = new Map<string, RcValue>();
  if (!given.has('connection')) options.set('connection', { env: 'DATABASE_URL' });
  for (const [name, value] of given) options.set(name, value);
  return options;
}

/** A JavaScript expression for a value; strings through JSON.stringify, never pasted in raw. */
export function jsValue(value: RcValue): string {
  if (isEnvReference(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value.env)) throw new Error(`not an environment variable name: ${value.env}`);
    return `process.env.${value.env}`;
  }
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  return JSON.stringify(value);
}

export function objectBody(entries: Iterable<[string, RcValue]>, indent: string): string {
  // Keys are setting and option names from fixed tables: plain identifiers.
  return [...entries].map(([key, value]) => `${indent}${key}: ${jsValue(value)},\n`).join('');
}

export function renderRcFile({ cognito, options }: RcContent): string {
  return `// Written by \`postgraphile-cognito init\`; edit it freely.
// PostGraphile reads \`options\`: its command-line flags win over them.
// postgraphile-cognito and its plugin read \`cognito\`: their flags and COGNITO_* environment
// variables win over it.
module.exports = {
  options: {
${objectBody(options, '    ')}  },
  cognito: {
${objectBody(cognito, '    ')}  },
};
`;
}

/** `//   command   what it does` lines, aligned. */
function commandLines(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([command]) => command.length)) + 2;
  return rows.map(([command, text]) => `//   ${command.padEnd(width)}${text}`).join('\n');
}

export interface EcosystemInput {
  /** null: fork mode, one instance; else cluster mode with that many. */
  instances: number | null;
  /** `rc` is the configuration file the comments name: graphile.config.mjs for v5. */
  names?: FileNames;
  /** The project's PostGraphile major: v5 needs Node.js 22, so the file says how pm2 picks its Node. */
  major?: 4 | 5;
  /** What pm2 runs, relative to the file: BIN_IN_PROJECT, or BIN_IN_CLONE in a clone of this package. */
  script?: string;
}

/** Fork mode with one instance by default; with `instances`, cluster mode with that many. */
export function renderEcosystemFile({ instances, names = fileNames(false), major = 4, script = BIN_IN_PROJECT }: EcosystemInput): string {
  // pm2 (6, 7) starts a fork-mode app with the Node that ran `pm2 start`, unless `interpreter` names
  // another; cluster-mode instances are cluster.fork()s of its daemon, on the daemon's Node.
  const node22 =
    major === 5
      ? `// PostGraphile v5 needs Node.js 22 or newer, and pm2 runs the app on its own Node: in fork mode the
// Node that runs \`pm2 start\`, in cluster mode the Node of pm2's daemon (the first pm2 command's; \`pm2 kill\`
// ends an older one). So start pm2 under Node 22 (check \`node --version\`); under an older Node, run exits 2
// and \`pm2 logs ${PM2_APP_NAME}\` says so.
`
      : '';
  const interpreter =
    major === 5 && instances === null
      ? `      // Fork mode can name a Node.js 22 of its own instead (cluster mode always runs on the daemon's):
      // interpreter: "/path/to/node-22/bin/node",
`
      : '';
  const mode =
    instances === null
      ? `      exec_mode: "fork",
      instances: 1, // fork instances cannot share a port
      // Cluster mode: the instances share the port, and pm2 spreads connections over them.
      // exec_mode: "cluster",
      // instances: 2,
`
      : `      exec_mode: "cluster",
      instances: ${instances}, // they share the port; pm2 spreads connections over them
`;
  return `// pm2 process file, written by \`postgraphile-cognito init --pm2\`; edit it freely.
// The configuration is in ${names.rc} next to this file: \`run\` reads it from its working folder.
${node22}${commandLines([
    [`pm2 start ${names.ecosystem}`, `start (export DATABASE_URL first if ${names.rc} reads it)`],
    [`pm2 logs ${PM2_APP_NAME}`, 'follow the logs'],
    [`pm2 stop ${PM2_APP_NAME}`, "stop it; `pm2 kill` also ends pm2's daemon"],
  ])}
module.exports = {
  apps: [
    {
      name: ${JSON.stringify(PM2_APP_NAME)},
      cwd: __dirname,
      // ${script === BIN_IN_PROJECT ? "npm's link to the package's JavaScript entry point" : "the package's JavaScript entry point"}: pm2 runs it with Node in both modes.
      script: ${JSON.stringify(script)},
      args: ["run"],
${interpreter}${mode}      // PostGraphile exits at once on SIGINT, pm2's stop signal; SIGKILL follows after this many ms.
      kill_timeout: ${KILL_TIMEOUT_MS},
    },
  ],
};
`;
}
