/**
 * The console's security headers, one definition for both hosts: CloudFront's response headers
 * policy on AWS (constructs/console-hosting.ts) and `npm start`'s static server (local/console-site.ts).
 * Pure: no CDK, no node:http, so both can import it.
 */

/**
 * A strict Content-Security-Policy: everything from the console's own origin (Vite bundles it all,
 * with no inline script or style), and `fetch` only to the API and the sign-in provider.
 */
export function consoleContentSecurityPolicy(
  connectSources: readonly string[],
  options: { https: boolean },
): string {
  const connect = [...new Set(["'self'", ...connectSources])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** The origin of a URL (`https://host[:port]`), as CSP source lists take it; a token or a relative URL is kept as it is. */
export function originOf(url: string): string {
  return /^https?:\/\//.test(url) ? new URL(url).origin : url;
}

/** Every header but HSTS, which only an HTTPS host may send. */
export const CONSOLE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;
