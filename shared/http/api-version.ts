import { API_VERSIONS } from '../schemas/token.js';
import { invalid } from './errors.js';

/**
 * LaunchDarkly's `LD-API-Version` request header: a client may pin an API version (`20240415`) or ask
 * for `beta`. This service speaks one version, so every known value is accepted and answered alike;
 * an unknown one is a 400 naming the header, as LaunchDarkly answers it, rather than silently
 * served in a version the client did not ask for.
 */
export function checkApiVersionHeader(value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (
    trimmed === 'beta' ||
    ((API_VERSIONS as readonly number[]).includes(Number(trimmed)) && /^\d{8}$/.test(trimmed))
  )
    return;
  throw invalid(`LD-API-Version: must be "beta" or one of ${API_VERSIONS.join(', ')}`);
}
