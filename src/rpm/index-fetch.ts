/**
 * Locked files fetched straight from the package indexes and find-links pip would read,
 * several at a time: each package's project page read once per index (PEP 691 JSON, else
 * PEP 503 HTML), the file chosen as pip chooses it (a locked sha256, tags that fit the
 * target, the most specific tag first), streamed to a staging file while it is hashed, and
 * moved beside the others only when its digest is one the lock allows (charter §13).
 */
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildFailure } from '../core/errors.js';
import { parseIndexPage, SIMPLE_ACCEPT } from './index-page.js';
import { sdistFits, wheelFits, wheelRank } from './wheel-tags.js';
import type { LockedPackage } from '../checks/lockfile.js';
import { normalizeName } from '../requirements/pep508.js';
import { redact } from '../core/redact.js';
import { DISTRIBUTION_FILE, sha256File } from '../tools/blob-store.js';
import { downloadUrl, fetchUrl, HttpFailure, withoutCredentials, type Credentials } from '../tools/http.js';
import type { PipSources } from '../tools/pip-sources.js';

/** Files fetched at once: enough to fill a link, few enough to be polite to an index. */
const CONCURRENCY = 6;
const RETRIES = 2;
/** Answers worth asking again for, as pip's retries do. */
const RETRY_STATUS = new Set([500, 502, 503, 504, 520, 527]);
/** Node refused the index's certificate: pip, with the machine's trust store, may not. */
const TLS_CODES = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** The index could not be read the way pip reads it (its certificate): the caller lets pip fetch. */
export class LeaveToPip extends Error {
  override name = 'LeaveToPip';
}

interface Candidate {
  file: string;
  /** An HTTP(S) URL, or a local file of a find-links directory. */
  url?: string;
  path?: string;
  sha256?: string;
  credentials?: Credentials;
}

interface Listing {
  candidates: Candidate[];
  /** Why an index or find-links page gave nothing: said when no file is found elsewhere. */
  failures: string[];
}

export interface Fetched {
  pkg: LockedPackage;
  file: string;
  digest: string;
  /** The verified file, in the destination directory. */
  path: string;
}

export class IndexReader {
  private readonly pages = new Map<string, Promise<Listing>>();
  private readonly timeoutMs: number;

  constructor(private readonly sources: PipSources, timeoutS: number) {
    this.timeoutMs = timeoutS * 1000;
  }

  /**
   * Fetches each package's file into `dir`; returns what was fetched, and the packages
   * without any file of the wanted kind (a wheel that fits, or an sdist). Refuses an index
   * that failed when nothing was found elsewhere, and any file whose digest the lock does not allow.
   */
  async fetch(packages: readonly LockedPackage[], sdist: boolean, supported: ReadonlySet<string>, dir: string): Promise<{ fetched: Fetched[]; none: LockedPackage[] }> {
    const staging = join(dir, `.download-${sdist ? 'sdist' : 'wheel'}`);
    mkdirSync(staging, { recursive: true });
    const fetched: Fetched[] = [];
    const none: LockedPackage[] = [];
    try {
      const errors = await pool(packages, CONCURRENCY, async (pkg) => {
        const { candidates, failures } = await this.listing(pkg.name);
        const fits = candidates.filter((c) => (sdist ? sdistFits(c.file, pkg) : wheelFits(c.file, pkg, supported)) && DISTRIBUTION_FILE.test(c.file));
        if (fits.length === 0) {
          if (failures.length > 0) throw new BuildFailure(`${failures[0]}: fix the index or the network, then build again`);
          none.push(pkg);
          return;
        }
        await Promise.all(fits.filter((c) => c.path && !c.sha256).map(async (c) => { c.sha256 = await sha256File(c.path ?? ''); }));
        const ranked = sdist ? fits : fits.map((c, i) => ({ c, i, rank: wheelRank(c.file, supported) })).sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.c);
        // pip keeps the files whose published digest the lock allows; when none is, it fetches the best one and fails its check.
        const chosen = ranked.find((c) => c.sha256 && pkg.hashes.includes(c.sha256)) ?? ranked.find((c) => !c.sha256);
        if (!chosen) throw new BuildFailure(hashRefusal(pkg));
        fetched.push(await this.download(pkg, chosen, staging, dir));
      });
      const first = errors.find((e) => e !== undefined);
      if (first) throw first;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return { fetched, none };
  }

  private async download(pkg: LockedPackage, c: Candidate, staging: string, dir: string): Promise<Fetched> {
    const part = join(staging, `${c.file}.part`);
    let digest: string;
    if (c.path) {
      copyFileSync(c.path, part);
      digest = await sha256File(part);
    } else {
      const url = c.url ?? '';
      const answer = await retried(() => downloadUrl(url, part, { timeoutMs: this.timeoutMs, ...this.tls, ...(c.credentials ? { credentials: c.credentials } : {}) }), (a) => RETRY_STATUS.has(a.status))
        .catch((error: unknown) => { throw networkFailure(error, `fetching ${c.file} from ${shown(url)} failed`); });
      if (answer.status < 200 || answer.status >= 300) throw new BuildFailure(`the package index answered HTTP ${answer.status} for ${shown(url)}: fix the index or the network, then build again`);
      digest = answer.sha256;
    }
    if (!pkg.hashes.includes(digest)) {
      rmSync(part, { force: true });
      throw new BuildFailure(hashRefusal(pkg));
    }
    const path = join(dir, c.file);
    renameSync(part, path);
    return { pkg, file: c.file, digest, path };
  }

  private get tls(): { ca?: Buffer } {
    return this.sources.ca ? { ca: this.sources.ca } : {};
  }

  /** Every file of the project on every index and find-links location, find-links first as pip lists them. */
  private listing(name: string): Promise<Listing> {
    const key = normalizeName(name);
    let listing = this.pages.get(key);
    if (!listing) {
      listing = Promise.all([
        ...this.sources.findLinks.map((f) => this.findLinks(f)),
        ...this.sources.indexes.map((index) => this.page(`${index.replace(/\/+$/, '')}/${key}/`, SIMPLE_ACCEPT)),
      ]).then((all) => ({ candidates: all.flatMap((l) => l.candidates), failures: all.flatMap((l) => l.failures) }));
      this.pages.set(key, listing);
    }
    return listing;
  }

  private async page(address: string, accept: string): Promise<Listing> {
    const { credentials } = withoutCredentials(address);
    try {
      const answer = await retried(() => fetchUrl(address, { timeoutMs: this.timeoutMs, accept, ...this.tls }), (a) => RETRY_STATUS.has(a.status));
      if (answer.status === 404) return { candidates: [], failures: [] };
      if (answer.status !== 200) return { candidates: [], failures: [`the package index answered HTTP ${answer.status} for ${shown(address)}`] };
      const links = parseIndexPage(answer.body.toString('utf8'), answer.contentType, answer.url);
      return { candidates: links.map((l) => ({ file: l.file, url: l.url, ...(l.sha256 ? { sha256: l.sha256 } : {}), ...(credentials ? { credentials } : {}) })), failures: [] };
    } catch (error) {
      if (error instanceof LeaveToPip) throw error;
      return { candidates: [], failures: [`the package index cannot be reached at ${shown(address)} (${redact((error as Error).message)})`] };
    }
  }

  private async findLinks(location: string): Promise<Listing> {
    if (/^https?:/i.test(location)) return this.page(location, 'text/html');
    const path = location.startsWith('file:') ? fileURLToPath(location) : location;
    try {
      if (!statSync(path).isDirectory()) return { candidates: [{ file: basename(path), path }], failures: [] };
      return { candidates: readdirSync(path).sort().map((file) => ({ file, path: join(path, file) })), failures: [] };
    } catch {
      return { candidates: [], failures: [] }; // pip skips a find-links location that is not there
    }
  }
}

function hashRefusal(pkg: LockedPackage): string {
  return `hash verification failed for ${pkg.name}: the index served a file whose sha256 is not in the lock (charter §13); investigate the upstream change, then regenerate the lock`;
}

/** A URL as shown: no user-info, no query, no fragment, any secret masked. */
function shown(address: string): string {
  try {
    const { url } = withoutCredentials(address);
    return redact(`${url.protocol}//${url.host}${url.pathname}`);
  } catch {
    return redact(address);
  }
}

function networkFailure(error: unknown, what: string): Error {
  if (error instanceof LeaveToPip) return error;
  return new BuildFailure(`${what} (${redact((error as Error).message)}): fix the index or the network, then build again`);
}

/** Asks again after a failed connection or an answer worth retrying, as pip's --retries does; a refused certificate goes to pip. */
async function retried<T>(attempt: () => Promise<T>, again: (answer: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      const answer = await attempt();
      if (i < RETRIES && again(answer)) {
        await pause(i);
        continue;
      }
      return answer;
    } catch (error) {
      if (error instanceof HttpFailure && error.code && TLS_CODES.test(error.code)) throw new LeaveToPip(error.code);
      if (i >= RETRIES || !(error instanceof HttpFailure)) throw error;
      await pause(i);
    }
  }
}

const pause = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));

/**
 * Runs `work` on every item, `limit` at a time; after the first failure, starts no more.
 * Returns each item's error (undefined when it succeeded), in the items' order.
 */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<Array<unknown>> {
  const errors: unknown[] = new Array(items.length).fill(undefined);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await work(items[i] as T);
      } catch (error) {
        errors[i] = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return errors;
}
