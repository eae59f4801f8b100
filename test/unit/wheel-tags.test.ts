/**
 * Which locked file the target installs: wheel names and tags (PEP 427), the tags pip accepts
 * for CPython X.Y on a distro's glibc and arch, and sdists recognised by name.
 */
import { describe, expect, it } from 'vitest';
import { parseWheelName, sdistFits, supportedTags, wheelFits } from '../../src/rpm/wheel-tags.js';
import { distro } from '../../src/plan/distros.js';

const el9 = supportedTags('3.11', distro('el9'), 'x86_64');
const el8 = supportedTags('3.11', distro('el8'), 'x86_64');

describe('parseWheelName', () => {
  it('reads name, version and every tag of a compressed tag set', () => {
    expect(parseWheelName('numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toEqual({
      name: 'numpy', version: '2.2.6',
      tags: [['cp311', 'cp311', 'manylinux_2_17_x86_64'], ['cp311', 'cp311', 'manylinux2014_x86_64']],
    });
    expect(parseWheelName('click-8.1.7-py3-none-any.whl')?.tags).toEqual([['py3', 'none', 'any']]);
    expect(parseWheelName('six-1.16.0-py2.py3-none-any.whl')?.tags).toEqual([['py2', 'none', 'any'], ['py3', 'none', 'any']]);
  });

  it('skips the build tag and refuses what is not a wheel name', () => {
    expect(parseWheelName('pkg-1.0-1build-py3-none-any.whl')).toMatchObject({ name: 'pkg', version: '1.0' });
    expect(parseWheelName('pkg-1.0.tar.gz')).toBeUndefined();
    expect(parseWheelName('pkg-1.0-py3-none.whl')).toBeUndefined();
    expect(parseWheelName('../pkg-1.0-py3-none-any.whl')).toBeUndefined();
  });
});

describe('wheelFits', () => {
  const pin = (name: string, version: string) => ({ name, version });

  it('takes CPython 3.11 wheels, abi3 wheels of older minors, and pure wheels', () => {
    expect(wheelFits('numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', pin('numpy', '2.2.6'), el9)).toBe(true);
    expect(wheelFits('cryptography-43.0.0-cp39-abi3-manylinux_2_28_x86_64.whl', pin('cryptography', '43.0.0'), el9)).toBe(true);
    expect(wheelFits('click-8.1.7-py3-none-any.whl', pin('click', '8.1.7'), el9)).toBe(true);
  });

  it('refuses another interpreter, a newer glibc, another arch, or another package or version', () => {
    expect(wheelFits('numpy-2.2.6-cp310-cp310-manylinux_2_17_x86_64.whl', pin('numpy', '2.2.6'), el9)).toBe(false);
    expect(wheelFits('numpy-2.2.6-cp311-cp311-manylinux_2_34_x86_64.whl', pin('numpy', '2.2.6'), el8)).toBe(false);
    expect(wheelFits('numpy-2.2.6-cp311-cp311-manylinux_2_17_aarch64.whl', pin('numpy', '2.2.6'), el9)).toBe(false);
    expect(wheelFits('numpy-2.2.6-cp311-cp311-win_amd64.whl', pin('numpy', '2.2.6'), el9)).toBe(false);
    expect(wheelFits('click-8.1.7-py3-none-any.whl', pin('numpy', '8.1.7'), el9)).toBe(false);
    expect(wheelFits('click-8.1.7-py3-none-any.whl', pin('click', '8.1.8'), el9)).toBe(false);
  });

  it('compares names normalised and versions by PEP 440', () => {
    expect(wheelFits('Zope.Interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl', pin('zope-interface', '6.0'), el9)).toBe(true);
    expect(wheelFits('pkg-1.0.post1-py3-none-any.whl', pin('pkg', '1.0-post1'), el9)).toBe(true);
  });
});

describe('sdistFits', () => {
  it('takes the sdist of the pinned package and version only', () => {
    expect(sdistFits('pureonly-1.0.tar.gz', { name: 'pureonly', version: '1.0' })).toBe(true);
    expect(sdistFits('Pure_Only-1.0.zip', { name: 'pure-only', version: '1.0' })).toBe(true);
    expect(sdistFits('pureonly-1.1.tar.gz', { name: 'pureonly', version: '1.0' })).toBe(false);
    expect(sdistFits('pureonly-1.0-py3-none-any.whl', { name: 'pureonly', version: '1.0' })).toBe(false);
  });
});
