/**
 * The wheelhouse (and the build backend's private venv) kept in GitHub's cache with
 * @actions/cache, keyed by the lock, the interpreter, the distro and the arch, restored from
 * an older lock's entry when the exact one is missing; and the drift check's pip-tools venv
 * and pip-compile's HTTP cache, keyed by the locks of pip-tools and of the project. A cache
 * service error is a warning, never a failure.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as cache from '@actions/cache';
import type { Log } from '../core/log.js';
import { cacheRoot } from '../tools/cache-dir.js';

export interface CacheScope {
  interpreter: string;
  distro: string;
  arch: string;
  /** The lock (and build lock) the wheelhouse is fetched for. */
  lockText: string;
}

/** The key, and the restore key without the lock's hash. Pure. */
export function cacheKeys(scope: CacheScope): { key: string; restoreKeys: string[] } {
  const prefix = `phoreus-wheelhouse-${scope.arch}-${scope.distro}-py${scope.interpreter}-`;
  const hash = createHash('sha256').update(scope.lockText).digest('hex').slice(0, 32);
  return { key: `${prefix}${hash}`, restoreKeys: [prefix] };
}

/** The drift check's key: pip-tools' locks and the project's locks and inputs, whose change makes a new entry. Pure. */
export function driftCacheKeys({ toolLocks, projectFiles }: { toolLocks: string; projectFiles: string }): { key: string; restoreKeys: string[] } {
  const prefix = `phoreus-drift-${createHash('sha256').update(toolLocks).digest('hex').slice(0, 16)}-`;
  return { key: `${prefix}${createHash('sha256').update(projectFiles).digest('hex').slice(0, 32)}`, restoreKeys: [prefix] };
}

/** The blob store, the targets' choices and the private venvs: everything is checked against a lock when used. */
export const cachePaths = (): string[] => ['blobs', 'choices', 'venvs'].map((dir) => join(cacheRoot(), dir));

/** What the drift check keeps: the private venvs, their wheels, and pip-compile's cache (HTTP answers, which pip revalidates). */
export const driftCachePaths = (): string[] => ['blobs', 'venvs', 'pip-compile'].map((dir) => join(cacheRoot(), dir));

export class WheelhouseCache<Scope = CacheScope> {
  private restoredKey: string | undefined;

  constructor(
    private readonly log: Log,
    private readonly keys: (scope: Scope) => { key: string; restoreKeys: string[] } = cacheKeys as (scope: Scope) => { key: string; restoreKeys: string[] },
    private readonly paths: () => string[] = cachePaths,
  ) {}

  async restore(scope: Scope): Promise<void> {
    const { key, restoreKeys } = this.keys(scope);
    try {
      this.restoredKey = await cache.restoreCache(this.paths(), key, restoreKeys);
      this.log.info(this.restoredKey ? `Cache restored from ${this.restoredKey}` : `No cache for ${key}`);
    } catch (error) {
      this.log.warning(`The cache could not be restored, what it holds will be fetched: ${(error as Error).message}`);
    }
  }

  /** Saved right after the fetch; not when the exact entry was restored, which would only fail. */
  async save(scope: Scope): Promise<void> {
    const { key } = this.keys(scope);
    if (this.restoredKey === key) return;
    try {
      const id = await cache.saveCache(this.paths(), key);
      if (id > 0) this.log.info(`Cache saved as ${key}`);
    } catch (error) {
      this.log.warning(`The cache could not be saved: ${(error as Error).message}`);
    }
  }
}
