import { CognitoConfig, loadRcFile, RawSettings, RcFile, resolveConfig } from '../config';
import { fetchJwks, ValidatedJwks } from '../jwks';
import * as log from '../log';

export interface Prepared {
  config: CognitoConfig;
  warnings: string[];
  rc: RcFile | null;
  jwks: ValidatedJwks;
  fetchedAt: number;
}

/** Configuration -> JWKS: the stages every command starts with. */
export async function prepare(flags: RawSettings): Promise<Prepared> {
  const rc = loadRcFile(process.cwd());
  const { config, warnings } = resolveConfig({ flags, env: process.env, rc });
  const fetchedAt = Date.now();
  const jwks = await fetchJwks(config.jwksUrl);
  for (const skipped of jwks.skipped) log.warn(`skipped JWKS ${skipped}`);
  return { config, warnings, rc, jwks, fetchedAt };
}
