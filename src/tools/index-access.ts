/**
 * How the tool talks to package indexes: pip with a bounded timeout and few retries, and,
 * when pip finds nothing, a look at the index itself, so that an index that fails (HTTP
 * 500, a refused or dropped connection, no answer) is reported as that, naming the index
 * and the status, instead of as a package without a compatible file.
 */
import { normalizeName } from '../requirements/pep508.js';
import { redact } from '../core/redact.js';
import { fetchUrl } from './http.js';
import { proxyFor } from './pip-sources.js';

const DEFAULT_TIMEOUT_S = 15;
const RETRIES = 2;
const PYPI = 'https://pypi.org/simple';

/** Seconds pip waits for the index on one connection (PHOREUS_RPM_INDEX_TIMEOUT, default 15). */
export function indexTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.PHOREUS_RPM_INDEX_TIMEOUT);
  return Number.isFinite(asked) && asked > 0 ? asked : DEFAULT_TIMEOUT_S;
}

/** pip's own network options: the timeout per connection and the retries, never pip's or the machine's defaults. */
export function pipNetworkArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['--timeout', String(indexTimeout(env)), '--retries', String(RETRIES)];
}

/** pip's options naming where files come from (index, extra indexes, find-links), with the network options. */
export function pipIndexArgs(given: { indexUrl?: string; extraIndexUrls: readonly string[]; findLinks: readonly string[] }): string[] {
  return [
    ...(given.indexUrl ? ['--index-url', given.indexUrl] : []),
    ...given.extraIndexUrls.flatMap((u) => ['--extra-index-url', u]),
    ...given.findLinks.flatMap((u) => ['--find-links', u]),
    ...pipNetworkArgs(),
  ];
}

/** The same, for a pip run by another tool (pip-compile): pip reads its options from PIP_* variables too. */
export function pipNetworkEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const timeout = String(indexTimeout(env));
  return { ...env, PIP_TIMEOUT: timeout, PIP_DEFAULT_TIMEOUT: timeout, PIP_RETRIES: String(RETRIES) };
}

/** The package pip could not find a compatible file for, from its error output. */
export function missingPackage(stderr: string): string | undefined {
  const m = /(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([A-Za-z0-9._-]+)/.exec(stderr);
  return m?.[1];
}

/** The indexes pip reads: the ones given, else pip's environment, else PyPI. */
export function indexUrls(given: { indexUrl?: string; extraIndexUrls: readonly string[] }, env: NodeJS.ProcessEnv = process.env): string[] {
  const primary = given.indexUrl ?? env.PIP_INDEX_URL ?? PYPI;
  const extra = given.extraIndexUrls.length > 0 ? given.extraIndexUrls : (env.PIP_EXTRA_INDEX_URL ?? '').split(/\s+/).filter(Boolean);
  return [primary, ...extra];
}

/**
 * The first index that fails to answer for the package's project page: "the package index
 * URL answered HTTP 500 for six", or undefined when every index answered (200, or 404 for a
 * project it does not hold).
 */
export async function failingIndex(name: string, indexes: readonly string[], timeoutS = indexTimeout()): Promise<string | undefined> {
  for (const index of indexes) {
    let url: URL;
    try {
      url = new URL(`${index.replace(/\/+$/, '')}/${normalizeName(name)}/`);
    } catch {
      return `the package index ${redact(index)} is not a valid URL`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    const shown = redact(`${url.protocol}//${url.host}${url.pathname}`);
    try {
      const answer = await fetchUrl(url.href, { timeoutMs: timeoutS * 1000, readBody: false });
      if (answer.status !== 200 && answer.status !== 404) return `the package index answered HTTP ${answer.status} for ${shown}`;
    } catch (error) {
      // Node's client does not go through HTTP(S)_PROXY as pip does: behind a proxy, a network error here proves nothing.
      if (proxyFor(url)) continue;
      return `the package index cannot be reached at ${shown} (${redact((error as Error).message)})`;
    }
  }
  return undefined;
}
