import { CognitoConfig, ConfigWarning } from '../config';
import { ValidatedJwks } from '../jwks';

/**
 * `run` resolves the configuration and fetches the JWKS before PostGraphile
 * loads the plugin; it leaves both here so the plugin neither re-reads the
 * configuration nor fetches the keys a second time. A global symbol, not a
 * module variable, so a second copy of this package still finds it.
 */
export interface Handover {
  config: CognitoConfig;
  warnings: readonly ConfigWarning[];
  jwks: ValidatedJwks;
  fetchedAt: number;
}

const KEY = Symbol.for('postgraphile-cognito.handover');

export function setHandover(handover: Handover): void {
  (globalThis as Record<symbol, unknown>)[KEY] = handover;
}

export function takeHandover(): Handover | null {
  const handover = (globalThis as Record<symbol, unknown>)[KEY];
  return (handover as Handover | undefined) ?? null;
}
