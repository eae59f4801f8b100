/** The keys of GitHub's cache: a new entry when what it holds would change, restored from the closest one. */
import { describe, expect, it } from 'vitest';
import { cacheKeys, driftCacheKeys } from '../../src/publish/wheelhouse-cache.js';

describe('cache keys', () => {
  it('keys the wheelhouse by target and lock, restoring any lock of the same target', () => {
    const scope = { interpreter: '3.11', distro: 'el9', arch: 'x86_64', lockText: 'six==1.0\n' };
    const { key, restoreKeys } = cacheKeys(scope);
    expect(key.startsWith(restoreKeys[0] ?? '-')).toBe(true);
    expect(cacheKeys({ ...scope, lockText: 'six==1.1\n' }).restoreKeys).toEqual(restoreKeys);
    expect(cacheKeys({ ...scope, lockText: 'six==1.1\n' }).key).not.toBe(key);
    expect(cacheKeys({ ...scope, interpreter: '3.12' }).restoreKeys).not.toEqual(restoreKeys);
  });

  it('keys the drift check by pip-tools\' locks and the project\'s files, restoring any project entry of the same pip-tools', () => {
    const scope = { toolLocks: 'pip-tools==7.6.2', projectFiles: 'requirements.in\0six' };
    const { key, restoreKeys } = driftCacheKeys(scope);
    expect(key).toMatch(/^phoreus-drift-[0-9a-f]{16}-[0-9a-f]{32}$/);
    expect(key.startsWith(restoreKeys[0] ?? '-')).toBe(true);
    const edited = driftCacheKeys({ ...scope, projectFiles: 'requirements.in\0six\nnumpy' });
    expect(edited.key).not.toBe(key);
    expect(edited.restoreKeys).toEqual(restoreKeys);
    expect(driftCacheKeys({ ...scope, toolLocks: 'pip-tools==7.7.0' }).restoreKeys).not.toEqual(restoreKeys);
  });
});
