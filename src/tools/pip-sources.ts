/**
 * Where pip would look for a lock's files — the index URL, extra index URLs and find-links
 * of the command line, of pip's environment and of the lock's own option lines, combined as
 * pip combines them — or why only pip itself can say: a pip configuration file, a .netrc,
 * a proxy, a trusted host or any other pip setting the tool does not read. Then the caller
 * lets pip fetch, so what is fetched never silently differs from what pip would fetch.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseRequirementsFile } from '../requirements/parse.js';

export interface PipSources {
  indexes: string[];
  findLinks: string[];
  /** Certificates pip trusts instead of its defaults (PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE). */
  ca?: Buffer;
}

export interface GivenSources {
  indexUrl?: string;
  extraIndexUrls: readonly string[];
  findLinks: readonly string[];
}

const PYPI = 'https://pypi.org/simple';

/** pip settings from the environment that change nothing about which file is fetched, or that the tool reads itself. */
const HARMLESS_PIP_ENV = new Set([
  'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS', 'PIP_CERT', 'PIP_CONFIG_FILE',
  'PIP_DISABLE_PIP_VERSION_CHECK', 'PIP_NO_INPUT', 'PIP_PROGRESS_BAR', 'PIP_ROOT_USER_ACTION', 'PIP_NO_COLOR',
  'PIP_QUIET', 'PIP_VERBOSE', 'PIP_CACHE_DIR', 'PIP_NO_CACHE_DIR', 'PIP_DEFAULT_TIMEOUT', 'PIP_TIMEOUT', 'PIP_RETRIES',
]);

/** pip's configuration files for an interpreter, in the places pip reads them (none when PIP_CONFIG_FILE is the null device). */
export function pipConfigFiles(python: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.PIP_CONFIG_FILE === '/dev/null') return [];
  const home = env.HOME ?? homedir();
  const xdgDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter(Boolean);
  let prefix: string | undefined;
  try {
    prefix = dirname(dirname(realpathSync(python)));
  } catch {
    prefix = undefined;
  }
  return [
    ...xdgDirs.map((d) => join(d, 'pip', 'pip.conf')), '/etc/pip.conf',
    join(env.XDG_CONFIG_HOME || join(home, '.config'), 'pip', 'pip.conf'), join(home, '.pip', 'pip.conf'),
    ...(prefix ? [join(prefix, 'pip.conf')] : []),
    ...(env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : []),
  ].filter((f) => existsSync(f));
}

/** The proxy node's client would bypass for this URL, from HTTP(S)_PROXY and NO_PROXY. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = url.protocol === 'https:' ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy;
  if (!proxy) return undefined;
  const bypass = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  if (bypass.includes('*')) return undefined;
  return bypass.some((h) => url.hostname === h.replace(/^\./, '') || url.hostname.endsWith(h.startsWith('.') ? h : `.${h}`)) ? undefined : proxy;
}

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter(Boolean);

/** pip expands ${VAR} (upper case, digits, underscore) in requirements files from the environment. */
const expand = (value: string, env: NodeJS.ProcessEnv): string => value.replace(/\$\{([A-Z0-9_]+)\}/g, (all, name: string) => env[name] ?? all);

/**
 * The sources pip would read for this lock, or the reason to let pip fetch. pip's order:
 * the command line's index URL (else PIP_INDEX_URL, else PyPI), the environment's extra
 * index URLs and find-links followed by the command line's, then the lock's lines: an index
 * URL there replaces every index so far, extra index URLs and find-links add to them.
 */
export function pipSources(given: GivenSources, lockText: string, python: string, env: NodeJS.ProcessEnv = process.env): PipSources | { pipOnly: string } {
  const config = pipConfigFiles(python, env);
  if (config.length > 0) return { pipOnly: `pip reads its configuration from ${config[0]}` };
  const netrc = env.NETRC ?? join(env.HOME ?? homedir(), '.netrc');
  if (existsSync(netrc)) return { pipOnly: `pip may take credentials from ${netrc}` };
  const other = Object.keys(env).filter((k) => k.startsWith('PIP_') && env[k] !== '' && !HARMLESS_PIP_ENV.has(k)).sort();
  if (other.length > 0) return { pipOnly: `pip is configured by ${other[0]}` };

  let indexes = [given.indexUrl ?? (env.PIP_INDEX_URL || PYPI), ...words(env.PIP_EXTRA_INDEX_URL), ...given.extraIndexUrls];
  const findLinks = [...words(env.PIP_FIND_LINKS), ...given.findLinks];
  for (const entry of parseRequirementsFile(lockText).entries) {
    if (entry.kind !== 'option') continue;
    const value = expand(entry.value ?? '', env);
    if (entry.name === '--index-url') indexes = [value];
    else if (entry.name === '--extra-index-url') indexes.push(value);
    else if (entry.name === '--find-links') findLinks.push(value);
    else if (entry.name === '--trusted-host' || entry.name === '--no-index') return { pipOnly: `the lock sets ${entry.name}` };
  }
  for (const address of [...indexes, ...findLinks.filter((f) => /^https?:/i.test(f))]) {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return { pipOnly: `pip reads ${address} itself` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { pipOnly: `the index ${url.protocol}// is read by pip itself` };
    if (proxyFor(url, env)) return { pipOnly: `${url.host} is reached through a proxy` };
  }
  const caFile = env.PIP_CERT || env.REQUESTS_CA_BUNDLE || env.CURL_CA_BUNDLE || env.SSL_CERT_FILE;
  let ca: Buffer | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile);
    } catch {
      return { pipOnly: `the certificates in ${caFile} are read by pip itself` };
    }
  }
  return { indexes: [...new Set(indexes)], findLinks: findLinks.map((f) => (/^[a-z][a-z0-9+.-]*:/i.test(f) ? f : resolve(f))), ...(ca ? { ca } : {}) };
}
