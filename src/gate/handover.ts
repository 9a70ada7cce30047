import { CognitoConfig } from '../config';
import { KeySource, ValidatedJwks } from '../jwks';

/**
 * `run` fetches the JWKS before PostGraphile loads the plugin and leaves the
 * keys here, with the configuration they belong to, so the plugin does not
 * fetch them a second time. (The plugin's configuration itself comes from the
 * argument list, which spells it out.) A global symbol, not a module
 * variable, so a second copy of this package still finds it.
 */
export interface Handover {
  config: CognitoConfig;
  jwks: ValidatedJwks;
  fetchedAt: number;
  source: KeySource;
}

const KEY = Symbol.for('postgraphile-cognito.handover');

export function setHandover(handover: Handover): void {
  (globalThis as Record<symbol, unknown>)[KEY] = handover;
}

export function takeHandover(): Handover | null {
  const handover = (globalThis as Record<symbol, unknown>)[KEY];
  return (handover as Handover | undefined) ?? null;
}
