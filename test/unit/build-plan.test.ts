/**
 * Planning a build: the distro table and its manylinux tags, pip's platform options, the tool
 * and version identity, pip's missing package, and the packages and pip
 * block read from the lock.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lockedPackages } from '../../src/checks/lockfile.js';
import { platformOptions } from '../../src/rpm/wheelhouse.js';
import { missingPackage } from '../../src/tools/index-access.js';
import { UsageError } from '../../src/core/errors.js';
import { DISTRO_KEYS, distro, manylinuxTags, platformKey } from '../../src/plan/distros.js';
import { resolveTool, resolveVersion, versionFromRef } from '../../src/plan/identity.js';

const sha = (content: string): string => createHash('sha256').update(content).digest('hex');

/** The glibc version a manylinux tag stands for. */
function tagGlibc(tag: string): [number, number] {
  const legacy: Record<string, [number, number]> = { manylinux2014: [2, 17], manylinux2010: [2, 12], manylinux1: [2, 5] };
  const pep600 = /^manylinux_(\d+)_(\d+)_/.exec(tag);
  if (pep600) return [Number(pep600[1]), Number(pep600[2])];
  const alias = legacy[tag.split('_')[0] ?? ''];
  if (!alias) throw new Error(`not a manylinux tag: ${tag}`);
  return alias;
}

describe('distro', () => {
  it.each([
    ['el8', '.el8', [2, 28]],
    ['el9', '.el9', [2, 34]],
    ['el10', '.el10', [2, 39]],
    ['amzn2023', '.amzn2023', [2, 34]],
    ['fedora-40', '.fc40', [2, 39]],
  ] as const)('%s has %%{dist} %s and glibc %j', (key, dist, glibc) => {
    const d = distro(key);
    expect(d.key).toBe(key);
    expect(d.dist).toBe(dist);
    expect(d.glibc).toEqual(glibc);
  });

  it('gives each distro its payload compression and container image', () => {
    expect(distro('el8').payload).toBe('w2.xzdio');
    for (const key of ['el9', 'el10', 'amzn2023', 'fedora-40']) expect(distro(key).payload).toBe('w3T0.zstdio');
    expect(distro('el8').image).toBe('rockylinux:8');
    expect(distro('amzn2023').image).toBe('amazonlinux:2023');
    expect(distro('fedora-42').image).toBe('fedora:42');
    expect(distro('fedora-42').dist).toBe('.fc42');
  });

  it('lists every key it accepts', () => {
    expect(DISTRO_KEYS).toEqual(expect.arrayContaining(['el8', 'el9', 'el10', 'amzn2023', 'fedora-40']));
    for (const key of DISTRO_KEYS) expect(distro(key).key).toBe(key);
  });

  it.each(['el7', 'centos-9', 'fedora-37', 'fedora-99', 'fedora-', 'fedora-4O', 'EL9', ''])('refuses %j with a UsageError naming the valid keys', (key) => {
    let error: unknown;
    try {
      distro(key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toContain(`"${key}"`);
    for (const valid of DISTRO_KEYS) expect(message).toContain(valid);
    expect(message).toContain('el8, el9, el10, amzn2023, fedora-38');
  });
});

describe('platformKey', () => {
  it('spells the configuration platforms', () => {
    expect(platformKey('x86_64')).toBe('linux-x64');
    expect(platformKey('aarch64')).toBe('linux-aarch64');
  });
});

describe('manylinuxTags', () => {
  it('lists x86_64 tags for glibc 2.28 newest first, down to manylinux1', () => {
    const tags = manylinuxTags([2, 28], 'x86_64');
    expect(tags[0]).toBe('manylinux_2_28_x86_64');
    expect(tags[tags.length - 1]).toBe('manylinux1_x86_64');
    expect(tags).toEqual(expect.arrayContaining([
      'manylinux2014_x86_64', 'manylinux_2_17_x86_64', 'manylinux2010_x86_64', 'manylinux_2_12_x86_64', 'manylinux_2_5_x86_64', 'manylinux1_x86_64',
    ]));
    // Every glibc minor from 28 to 5, plus the three legacy aliases, each once.
    expect(tags).toHaveLength(24 + 3);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('has no tag newer than the baseline and is ordered newest first', () => {
    const tags = manylinuxTags([2, 28], 'x86_64');
    const versions = tags.map(tagGlibc);
    for (const [major, minor] of versions) expect(major === 2 && minor <= 28).toBe(true);
    for (let i = 1; i < versions.length; i++) expect((versions[i]?.[1] ?? 0) <= (versions[i - 1]?.[1] ?? 0)).toBe(true);
    expect(tags).not.toContain('manylinux_2_29_x86_64');
    expect(tags).not.toContain('manylinux_2_34_x86_64');
  });

  it('puts each legacy alias right after the glibc version it stands for', () => {
    const tags = manylinuxTags([2, 28], 'x86_64');
    expect(tags.indexOf('manylinux2014_x86_64')).toBe(tags.indexOf('manylinux_2_17_x86_64') + 1);
    expect(tags.indexOf('manylinux2010_x86_64')).toBe(tags.indexOf('manylinux_2_12_x86_64') + 1);
    expect(tags.indexOf('manylinux1_x86_64')).toBe(tags.indexOf('manylinux_2_5_x86_64') + 1);
  });

  it('stops aarch64 at 2_17, with manylinux2014 but no manylinux2010 or manylinux1', () => {
    const tags = manylinuxTags([2, 28], 'aarch64');
    expect(tags[0]).toBe('manylinux_2_28_aarch64');
    expect(tags).toContain('manylinux_2_17_aarch64');
    expect(tags).toContain('manylinux2014_aarch64');
    expect(tags[tags.length - 1]).toBe('manylinux2014_aarch64');
    expect(tags.some((t) => t.startsWith('manylinux2010') || t.startsWith('manylinux1_'))).toBe(false);
    expect(tags).not.toContain('manylinux_2_16_aarch64');
    expect(tags.every((t) => t.endsWith('_aarch64'))).toBe(true);
    expect(tags).toHaveLength(12 + 1);
  });

  it('follows the distro glibc: el9 starts at 2_34', () => {
    expect(manylinuxTags(distro('el9').glibc, 'x86_64')[0]).toBe('manylinux_2_34_x86_64');
    expect(manylinuxTags(distro('el10').glibc, 'aarch64')[0]).toBe('manylinux_2_39_aarch64');
  });
});

describe('platformOptions', () => {
  it('restricts pip to binary wheels for CPython X.Y, its ABIs and every manylinux tag', () => {
    const el8 = distro('el8');
    const options = platformOptions('3.11', el8, 'x86_64');
    expect(options[0]).toBe('--only-binary=:all:');
    const pairs = (flag: string): string[] => options.flatMap((o, i) => (o === flag ? [options[i + 1] ?? ''] : []));
    expect(pairs('--implementation')).toEqual(['cp']);
    expect(pairs('--python-version')).toEqual(['3.11']);
    expect(pairs('--abi')).toEqual(['cp311', 'abi3', 'none']);
    expect(pairs('--platform')).toEqual(manylinuxTags(el8.glibc, 'x86_64'));
    expect(options.filter((o) => o === '--platform')).toHaveLength(manylinuxTags([2, 28], 'x86_64').length);
  });

  it('spells the ABI of other interpreters and arches', () => {
    const options = platformOptions('3.12', distro('el9'), 'aarch64');
    expect(options).toContain('cp312');
    expect(options).not.toContain('cp311');
    expect(options).toContain('manylinux_2_34_aarch64');
    expect(options.some((o) => o.endsWith('_x86_64'))).toBe(false);
  });
});

describe('versionFromRef', () => {
  it.each([
    ['v1.2.3', '1.2.3'],
    ['v1.2.3rc1', '1.2.3rc1'],
    ['v0.1', '0.1'],
    ['v2024.01.15', '2024.01.15'],
  ])('reads %s as %s', (ref, version) => {
    expect(versionFromRef(ref)).toBe(version);
  });

  it.each(['main', '1.2.3', 'v', 'refs/tags/v1', 'vfoo', 'v 1.2', 'release-v1.2', 'v1.2/x', ''])('gives nothing for %j', (ref) => {
    expect(versionFromRef(ref)).toBeUndefined();
  });

  it('gives nothing without a ref', () => {
    expect(versionFromRef(undefined)).toBeUndefined();
  });
});

describe('resolveTool', () => {
  it('prefers the explicit tool, then the configuration, then the normalized project name', () => {
    expect(resolveTool({ tool: 'explicit', configTool: 'configured', projectName: 'My_Tool' })).toBe('explicit');
    expect(resolveTool({ configTool: 'configured', projectName: 'My_Tool' })).toBe('configured');
    expect(resolveTool({ projectName: 'My_Tool' })).toBe('my-tool');
    expect(resolveTool({ projectName: 'Foo.Bar__baz' })).toBe('foo-bar-baz');
    expect(resolveTool({})).toBeUndefined();
  });

  it('ignores versions and refs', () => {
    expect(resolveTool({ version: '1.0', refName: 'v1.0', configVersion: '1.0', projectVersion: '1.0' })).toBeUndefined();
  });
});

describe('resolveVersion', () => {
  const all = { version: '4.0.0', refName: 'v3.0.0', configVersion: '2.0.0', projectVersion: '1.0.0' };

  it('prefers the explicit version, then the release tag, then the configuration, then the project', () => {
    expect(resolveVersion(all)).toBe('4.0.0');
    expect(resolveVersion({ ...all, version: undefined })).toBe('3.0.0');
    expect(resolveVersion({ configVersion: '2.0.0', projectVersion: '1.0.0' })).toBe('2.0.0');
    expect(resolveVersion({ projectVersion: '1.0.0' })).toBe('1.0.0');
    expect(resolveVersion({})).toBeUndefined();
  });

  it('skips a ref that is not a release tag', () => {
    expect(resolveVersion({ refName: 'main', configVersion: '2.0.0', projectVersion: '1.0.0' })).toBe('2.0.0');
    expect(resolveVersion({ refName: 'refs/tags/v9', projectVersion: '1.0.0' })).toBe('1.0.0');
  });
});

describe('missingPackage', () => {
  it('reads the package of "No matching distribution found"', () => {
    expect(missingPackage('ERROR: No matching distribution found for numpy==2.0.0')).toBe('numpy');
  });

  it('reads the package of "Could not find a version that satisfies the requirement"', () => {
    expect(missingPackage('ERROR: Could not find a version that satisfies the requirement scipy==1.0 (from versions: none)')).toBe('scipy');
  });

  it('reads it from pip\'s full two-line error, with dotted and underscored names', () => {
    const stderr = [
      'Collecting zope.interface==6.0 (from -r /tmp/x/.requirements.lock (line 3))',
      'ERROR: Could not find a version that satisfies the requirement zope.interface==6.0 (from versions: none)',
      'ERROR: No matching distribution found for zope.interface==6.0',
    ].join('\n');
    expect(missingPackage(stderr)).toBe('zope.interface');
    expect(missingPackage('ERROR: No matching distribution found for typing_extensions==4.12.2')).toBe('typing_extensions');
  });

  it('gives nothing for other errors', () => {
    expect(missingPackage('ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.')).toBeUndefined();
    expect(missingPackage('')).toBeUndefined();
  });
});

const HASH = {
  attrsWhl: sha('attrs whl'),
  attrsSdist: sha('attrs sdist'),
  tomli: sha('tomli'),
  numpy: sha('numpy'),
  pipWhl: sha('pip whl'),
  pipSdist: sha('pip sdist'),
  requests: sha('requests'),
  setuptools: sha('setuptools'),
};

const LOCK = `#
# This file is autogenerated by pip-compile with Python 3.11
# by the following command:
#
#    pip-compile --allow-unsafe --generate-hashes --output-file=requirements.lock requirements.in
#
attrs==23.1.0 \\
    --hash=sha256:${HASH.attrsWhl.toUpperCase()} \\
    --hash=sha256:${HASH.attrsSdist} \\
    --hash=md5:0123456789abcdef0123456789abcdef
    # via -r requirements.in
numpy==1.26.4 ; platform_machine == "aarch64" \\
    --hash=sha256:${HASH.numpy}
    # via -r requirements.in
requests>=2.0 \\
    --hash=sha256:${HASH.requests}
    # via -r requirements.in
tomli==2.0.1 ; python_version < "3.11" \\
    --hash=sha256:${HASH.tomli}
    # via -r requirements.in

# The following packages are considered to be unsafe in a requirements file:
pip==24.2 \\
    --hash=sha256:${HASH.pipWhl} \\
    --hash=sha256:${HASH.pipSdist}
    # via -r requirements.in
setuptools==70.0.0 \\
    --hash=sha256:${HASH.setuptools}
    # via -r requirements.in
`;

describe('lockedPackages', () => {
  it('keeps exact pins whose marker admits the target, with their sha256 digests in lower case', () => {
    expect(lockedPackages(LOCK, '3.11', 'x86_64')).toEqual([
      { name: 'attrs', version: '23.1.0', hashes: [HASH.attrsWhl, HASH.attrsSdist] },
      { name: 'pip', version: '24.2', hashes: [HASH.pipWhl, HASH.pipSdist] },
      { name: 'setuptools', version: '70.0.0', hashes: [HASH.setuptools] },
    ]);
  });

  it('evaluates markers for the target interpreter and arch', () => {
    const py310 = lockedPackages(LOCK, '3.10', 'x86_64').map((p) => p.name);
    expect(py310).toEqual(['attrs', 'tomli', 'pip', 'setuptools']);
    const arm = lockedPackages(LOCK, '3.11', 'aarch64').map((p) => p.name);
    expect(arm).toEqual(['attrs', 'numpy', 'pip', 'setuptools']);
  });

  it('drops digests of other algorithms', () => {
    const attrs = lockedPackages(LOCK, '3.11', 'x86_64').find((p) => p.name === 'attrs');
    expect(attrs?.hashes).toHaveLength(2);
    expect(attrs?.hashes.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    expect(attrs?.hashes).not.toContain('0123456789abcdef0123456789abcdef');
  });

  it('gives nothing for an empty lock', () => {
    expect(lockedPackages('', '3.11', 'x86_64')).toEqual([]);
  });
});

