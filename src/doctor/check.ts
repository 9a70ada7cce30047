/** One line of the doctor's report. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** Stable label: `configuration`, `JWKS`, `database`, `role app_user`, … */
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to change; given with every failure and with warnings that have a fix. */
  readonly hint?: string;
}

export function check(name: string, status: CheckStatus, detail: string, hint?: string): Check {
  return hint === undefined ? { name, status, detail } : { name, status, detail, hint };
}
