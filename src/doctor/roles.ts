import { CognitoConfig, issuerSources } from '../config';
import { quoteIdent } from '../sql';
import { Check, check } from './check';
import type { Probe } from './database';
import type { Sourced } from './target';

/** A role PostGraphile may SET ROLE to, and why. */
export interface RoleUse {
  readonly role: string;
  readonly purposes: readonly string[];
}

/** The default role (PostGraphile's), the authenticated role and every allowed role, each once. */
export function rolesToCheck(defaultRole: Sourced | null, config: CognitoConfig | null): RoleUse[] {
  const uses = new Map<string, string[]>();
  const add = (role: string | null | undefined, purpose: string) => {
    if (!role) return;
    uses.set(role, [...(uses.get(role) ?? []), purpose]);
  };
  add(defaultRole?.value, `default role, from ${defaultRole?.source}`);
  const sources = config ? issuerSources(config) : [];
  for (const role of new Set(sources.map((i) => i.authenticatedRole))) add(role, 'authenticated role');
  add(config?.anonymousRole, 'anonymous role');
  const allowed = new Set(sources.flatMap((i) => ((i.roleClaim || Object.keys(i.clientRoles).length > 0) && i.allowedRoles !== '*' ? i.allowedRoles : [])));
  for (const role of allowed) add(role, 'allowed role');
  return [...uses].map(([role, purposes]) => ({ role, purposes }));
}

const NO_DATABASE = 'no database connection';

/** The connection itself and the server version. */
export function databaseChecks(probe: Probe): Check[] {
  if (!probe.ok) return [check('database', 'fail', `${probe.where}: ${probe.detail}`, probe.hint), check('PostgreSQL version', 'skip', NO_DATABASE)];
  const { facts } = probe;
  const version =
    facts.versionNum < 90600
      ? check('PostgreSQL version', 'warn', `PostgreSQL ${facts.version}`, 'PostGraphile v4 supports PostgreSQL 9.6 and newer; upgrade the server')
      : check('PostgreSQL version', 'pass', `PostgreSQL ${facts.version}`);
  return [check('database', 'pass', `connected to ${probe.where} as ${facts.user}`), version];
}

/** One check per role, then the default role's absence and the connecting role's privileges. */
export function roleChecks(uses: readonly RoleUse[], probe: Probe, defaultRole: Sourced | null): Check[] {
  const checks = uses.map((use) => roleCheck(use, probe));
  if (!defaultRole) {
    const who = probe.ok ? probe.facts.user : 'the connecting role';
    checks.push(
      check(
        'default role',
        'warn',
        `no --default-role: requests without a token run as ${who} itself`,
        'pass --default-role app_anonymous after --, or set options.defaultRole in .postgraphilerc.js',
      ),
    );
  }
  checks.push(connectingRoleCheck(probe, uses));
  return checks;
}

function roleCheck({ role, purposes }: RoleUse, probe: Probe): Check {
  const name = `role ${role}`;
  const why = `(${purposes.join('; ')})`;
  if (!probe.ok) return check(name, 'skip', `${why} ${NO_DATABASE}`);
  const { user, switchPrivilege } = probe.facts;
  const facts = probe.facts.roles.get(role);
  if (!facts) {
    return check(name, 'fail', `${why} does not exist`, `create role ${quoteIdent(role)} nologin; grant ${quoteIdent(role)} to ${quoteIdent(user)};`);
  }
  if (!facts.canSwitch) {
    const withSet = switchPrivilege === 'SET' ? ' with set true' : '';
    return check(
      name,
      'fail',
      `${why} exists, but is not granted to ${user}${withSet ? ' with the SET option' : ''}, so SET ROLE ${role} fails`,
      `grant ${quoteIdent(role)} to ${quoteIdent(user)}${withSet};`,
    );
  }
  const powers = privileges(facts);
  if (powers) {
    return check(name, 'warn', `${why} ${role} ${powers}: row-level security does not apply to requests running as it`, `alter role ${quoteIdent(role)} nosuperuser nobypassrls;`);
  }
  return check(name, 'pass', `${why} exists; ${user} can SET ROLE to it`);
}

function connectingRoleCheck(probe: Probe, uses: readonly RoleUse[]): Check {
  const name = 'connecting role';
  if (!probe.ok) return check(name, 'skip', NO_DATABASE);
  const { user } = probe.facts;
  const powers = privileges(probe.facts);
  const roles = uses.length ? uses.map((u) => quoteIdent(u.role)).join(', ') : 'app_anonymous, app_user';
  if (!powers) return check(name, 'pass', `${user} is not a superuser and has no BYPASSRLS`);
  return check(
    name,
    'warn',
    `${user} ${powers}: row-level security does not apply to it, so a request that runs without SET ROLE sees every row, and it may SET ROLE to any role`,
    `connect as a login role that has neither and is granted only the app roles: create role app_login login password '…'; grant ${roles} to app_login;`,
  );
}

function privileges({ superuser, bypassRls }: { superuser: boolean; bypassRls: boolean }): string | null {
  if (superuser) return 'is a superuser';
  return bypassRls ? 'has BYPASSRLS' : null;
}

export { quoteIdent };
