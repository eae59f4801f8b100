/**
 * Reading an index as pip does: PEP 691 JSON and PEP 503 HTML project pages, the sources pip
 * would read for a lock (or why only pip can say), and which fitting wheel pip prefers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHtmlPage, parseIndexPage, parseJsonPage } from '../../src/rpm/index-page.js';
import { supportedTags, wheelRank } from '../../src/rpm/wheel-tags.js';
import { distro } from '../../src/plan/distros.js';
import { pipSources, proxyFor } from '../../src/tools/pip-sources.js';

const DIGEST = 'a'.repeat(64);

describe('index pages', () => {
  it('reads PEP 691 JSON: file names, URLs resolved against the page, sha256 from hashes', () => {
    const body = JSON.stringify({ meta: { 'api-version': '1.0' }, files: [
      { filename: 'demo-1.0-py3-none-any.whl', url: '../../files/demo-1.0-py3-none-any.whl', hashes: { sha256: DIGEST.toUpperCase() }, yanked: 'broken' },
      { filename: 'demo-1.0.tar.gz', url: 'https://files.example.org/d/demo-1.0.tar.gz', hashes: {} },
      { url: 42 },
    ] });
    expect(parseJsonPage(body, 'https://index.example.org/simple/demo/')).toEqual([
      { file: 'demo-1.0-py3-none-any.whl', url: 'https://index.example.org/files/demo-1.0-py3-none-any.whl', sha256: DIGEST },
      { file: 'demo-1.0.tar.gz', url: 'https://files.example.org/d/demo-1.0.tar.gz' },
    ]);
    expect(parseJsonPage('not json', 'https://x/')).toEqual([]);
  });

  it('reads PEP 503 HTML: hrefs quoted or not, entities, the sha256 fragment, a <base href>', () => {
    const body = `<html><head><base href="https://mirror.example.org/pkgs/"></head><body>
      <a href="demo-1.0-py3-none-any.whl#sha256=${DIGEST}" data-yanked="">demo-1.0-py3-none-any.whl</a>
      <a data-requires-python="&gt;=3.8" href='/abs/demo%2D1.0.tar.gz?x=1&amp;y=2#md5=00'>demo-1.0.tar.gz</a>
      <a href=plain-1.0.zip>x</a><a name="no-href">y</a></body></html>`;
    expect(parseHtmlPage(body, 'https://index.example.org/simple/demo/')).toEqual([
      { file: 'demo-1.0-py3-none-any.whl', url: 'https://mirror.example.org/pkgs/demo-1.0-py3-none-any.whl', sha256: DIGEST },
      { file: 'demo-1.0.tar.gz', url: 'https://mirror.example.org/abs/demo%2D1.0.tar.gz?x=1&y=2' },
      { file: 'plain-1.0.zip', url: 'https://mirror.example.org/pkgs/plain-1.0.zip' },
    ]);
  });

  it('chooses the parser by the content type', () => {
    const json = JSON.stringify({ files: [{ filename: 'a-1.0.tar.gz', url: 'a-1.0.tar.gz', hashes: {} }] });
    expect(parseIndexPage(json, 'application/vnd.pypi.simple.v1+json', 'https://x/simple/a/')).toHaveLength(1);
    expect(parseIndexPage('<a href="a-1.0.tar.gz">a</a>', 'text/html; charset=utf-8', 'https://x/simple/a/')).toHaveLength(1);
  });
});

describe('the sources pip would read', () => {
  const homes: string[] = [];
  const newHome = (): string => {
    homes.push(mkdtempSync(join(tmpdir(), 'phoreus-home-')));
    return homes[homes.length - 1] ?? '';
  };
  afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
  const quiet = { PIP_CONFIG_FILE: '/dev/null', HOME: newHome() };
  const given = { extraIndexUrls: [] as string[], findLinks: [] as string[] };

  it('takes the command line, then the environment, then PyPI, and lets the lock replace or add', () => {
    expect(pipSources(given, '', '/nonexistent/python', quiet)).toEqual({ indexes: ['https://pypi.org/simple'], findLinks: [] });
    expect(pipSources({ ...given, extraIndexUrls: ['https://b.example/simple'] }, '', '/x', { ...quiet, PIP_INDEX_URL: 'https://a.example/simple', PIP_EXTRA_INDEX_URL: 'https://e.example/simple', PIP_FIND_LINKS: '' }))
      .toEqual({ indexes: ['https://a.example/simple', 'https://e.example/simple', 'https://b.example/simple'], findLinks: [] });
    const lock = '--index-url https://${TOKEN}@lock.example/simple\n--extra-index-url https://more.example/simple\n--find-links /srv/wheels\nsix==1.0 \\\n    --hash=sha256:' + DIGEST + '\n';
    expect(pipSources({ ...given, indexUrl: 'https://cli.example/simple' }, lock, '/x', { ...quiet, TOKEN: 'tok' }))
      .toEqual({ indexes: ['https://tok@lock.example/simple', 'https://more.example/simple'], findLinks: ['/srv/wheels'] });
  });

  it('reads the certificates pip trusts', () => {
    const ca = join(quiet.HOME, 'ca.pem');
    writeFileSync(ca, 'PEM');
    expect(pipSources(given, '', '/x', { ...quiet, PIP_CERT: ca })).toMatchObject({ ca: Buffer.from('PEM') });
    expect(pipSources(given, '', '/x', { ...quiet, PIP_CERT: join(quiet.HOME, 'missing.pem') })).toHaveProperty('pipOnly');
  });

  it('leaves the fetch to pip for a configuration file, a .netrc, an unknown PIP_ setting, a trusted host or a proxy', () => {
    const home = newHome();
    mkdirSync(join(home, 'pip'), { recursive: true });
    writeFileSync(join(home, 'pip', 'pip.conf'), '[global]\nindex-url = https://corp/simple\n');
    expect(pipSources(given, '', '/x', { HOME: home, XDG_CONFIG_DIRS: home })).toEqual({ pipOnly: `pip reads its configuration from ${join(home, 'pip', 'pip.conf')}` });
    writeFileSync(join(quiet.HOME, '.netrc'), 'machine corp login a password b\n');
    expect(pipSources(given, '', '/x', quiet)).toHaveProperty('pipOnly');
    const bare = { PIP_CONFIG_FILE: '/dev/null', HOME: newHome() };
    expect(pipSources(given, '', '/x', { ...bare, PIP_NO_BINARY: ':all:' })).toEqual({ pipOnly: 'pip is configured by PIP_NO_BINARY' });
    expect(pipSources(given, '--trusted-host corp\n', '/x', bare)).toEqual({ pipOnly: 'the lock sets --trusted-host' });
    expect(pipSources(given, '', '/x', { ...bare, https_proxy: 'http://proxy:3128' })).toEqual({ pipOnly: 'pypi.org is reached through a proxy' });
    expect(pipSources(given, '', '/x', { ...bare, https_proxy: 'http://proxy:3128', no_proxy: '.pypi.org' })).toHaveProperty('indexes');
    expect(pipSources({ ...given, indexUrl: 'file:///srv/simple' }, '', '/x', bare)).toHaveProperty('pipOnly');
  });

  it('names the proxy for a URL unless NO_PROXY bypasses it', () => {
    expect(proxyFor(new URL('http://a.example/'), { http_proxy: 'http://p:1' })).toBe('http://p:1');
    expect(proxyFor(new URL('http://a.example/'), { HTTPS_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyFor(new URL('https://x.a.example/'), { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'a.example' })).toBeUndefined();
    expect(proxyFor(new URL('https://x.b.example/'), { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' })).toBeUndefined();
  });
});

describe('wheelRank', () => {
  const el9 = supportedTags('3.11', distro('el9'), 'x86_64');
  it('prefers the interpreter\'s own ABI, then abi3, then pure wheels, and the newest glibc first', () => {
    const order = [
      'x-1-cp311-cp311-manylinux_2_28_x86_64.whl',
      'x-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'x-1-cp39-abi3-manylinux_2_28_x86_64.whl',
      'x-1-py3-none-manylinux_2_17_x86_64.whl',
      'x-1-py3-none-any.whl',
    ];
    const ranks = order.map((f) => wheelRank(f, el9));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(order.length);
    expect(wheelRank('x-1-cp310-cp310-manylinux_2_17_x86_64.whl', el9)).toBe(Infinity);
  });
});
