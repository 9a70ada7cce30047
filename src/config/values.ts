import { ConfigError } from '../errors';
import type { Sourced } from './sources';
import { isLoopbackHost, redact } from './urls';

/** `--client-id '*'`, `--allowed-roles '*'`, `--audience '*'`: the explicit choice to accept any. */
export const ANY = '*';

/** Parsers for one setting's value as a flag, environment variable or rc value; errors name its source. */

export function asString(setting: Sourced<unknown>, numberOk = false): string {
  if (typeof setting.value === 'string') return setting.value;
  if (typeof setting.value === 'number' && numberOk) return String(setting.value);
  throw new ConfigError(`${setting.origin.label} must be a string, not ${describe(setting.value)}`);
}

/** A comma list (flag, environment) or an array of strings (rc file). */
export function asList(setting: Sourced<unknown> | undefined): string[] {
  if (!setting) return [];
  const parts = Array.isArray(setting.value)
    ? setting.value.map((item: unknown) => {
        if (typeof item !== 'string') {
          throw new ConfigError(`${setting.origin.label} must list strings, not ${describe(item)}`);
        }
        return item;
      })
    : asString(setting).split(',');
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** A list, or `'*'` alone: the explicit choice to accept any. */
export function asChoice(setting: Sourced<unknown> | undefined): string[] | '*' {
  const list = asList(setting);
  if (!list.includes(ANY)) return list;
  if (list.length > 1) {
    throw new ConfigError(`${setting!.origin.label} mixes '${ANY}' with names`, `'${ANY}' accepts any and stands alone; list the names without it, or give only '${ANY}'`);
  }
  return ANY;
}

export function asBoolean(setting: Sourced<unknown>): boolean {
  const { value } = setting;
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${setting.origin.label} must be true or false, not ${typeof value === 'string' ? `"${value}"` : describe(value)}`, 'use true or false (1 and 0 work too)');
}

/**
 * `client=role` pairs: a comma list (flag, environment), a list of such
 * strings, or an object `{ client: role }` (rc file).
 */
export function asPairs(setting: Sourced<unknown> | undefined): [string, string][] {
  if (!setting) return [];
  const { value, origin } = setting;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).map(([client, role]) => {
      if (typeof role !== 'string') throw new ConfigError(`${origin.label} must map each app client to a role name, not ${describe(role)}`);
      return [client.trim(), role.trim()];
    });
  }
  return asList(setting).map((pair) => {
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(pair);
    if (!match) throw new ConfigError(`"${pair}" in ${origin.label} is not CLIENT=ROLE`, 'write each as the app client id, =, and the role, e.g. 1example23456789=app_worker');
    return [match[1]!, match[2]!];
  });
}

/**
 * An http(s) URL without query, fragment or credentials; plain http only to
 * this machine. `what` names it in messages ("endpoint", "issuer").
 */
export function parseHttpUrl(raw: string, what: string, where: string, example: string): URL {
  let url: URL;
  // Never echo credentials someone put in the URL.
  const text = redact(raw);
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`${what} "${text}"${where} is not a URL`, `use a URL such as ${example}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${what} "${text}"${where} must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `${what} "${text}"${where} uses plain http to ${url.hostname}`,
      'plain http is only allowed to this machine (localhost, 127.0.0.1, ::1); use https',
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${what} "${text}"${where} must not carry a query, fragment or credentials`);
  }
  return url;
}

export function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}
