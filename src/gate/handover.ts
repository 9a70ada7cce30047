import { CognitoConfig } from '../config';
import { IssuerKeys } from '../jwks';
import type { StartupOptions } from './gate';

/**
 * What `run` leaves for the server adaptor it starts, with the configuration
 * it belongs to: the trusted issuers' keys when it loaded them first (the
 * adaptor does not fetch them a second time), or how to load them alongside
 * PostGraphile's own start-up. (The adaptor's configuration itself comes from
 * the argument list, which spells it out.) A global symbol, not a module
 * variable, so a second copy of this package still finds it.
 */
export interface Handover {
  config: CognitoConfig;
  /** The keys run loaded; null when the gate loads them itself, alongside PostGraphile's start-up. */
  keys: readonly IssuerKeys[] | null;
  /** Then, how: run's start-up rules. */
  startup?: StartupOptions;
}

const KEY = Symbol.for('postgraphile-cognito.handover');

export function setHandover(handover: Handover): void {
  (globalThis as Record<symbol, unknown>)[KEY] = handover;
}

export function takeHandover(): Handover | null {
  const handover = (globalThis as Record<symbol, unknown>)[KEY];
  return (handover as Handover | undefined) ?? null;
}
