/**
 * PH401 (charter §11: a released version is never rebuilt in place): is
 * phoreus-<tool>-<version> with this release already in the published RPM repository?
 * The repository is a URL or a path with createrepo's repodata.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BuildFailure } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { fetchUrl } from '../tools/http.js';
import { run } from '../tools/process.js';

export interface PublishedPackage {
  name: string;
  arch: string;
  version: string;
  release: string;
}

/** The primary metadata's location, from repomd.xml. Pure. */
export function primaryLocation(repomd: string): string | undefined {
  const data = /<data\s+type="primary">([\s\S]*?)<\/data>/.exec(repomd)?.[1] ?? '';
  return /<location\s+href="([^"]+)"/.exec(data)?.[1];
}

const unescapeXml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Every package of primary.xml, with its name, arch, version and release. Pure. */
export function primaryPackages(primary: string): PublishedPackage[] {
  const packages: PublishedPackage[] = [];
  for (const m of primary.matchAll(/<package\b[^>]*type="rpm"[^>]*>([\s\S]*?)<\/package>/g)) {
    const body = m[1] ?? '';
    const name = /<name>([^<]*)<\/name>/.exec(body)?.[1];
    const arch = /<arch>([^<]*)<\/arch>/.exec(body)?.[1];
    const version = /<version\s+[^>]*ver="([^"]*)"[^>]*rel="([^"]*)"/.exec(body);
    if (name && arch && version) packages.push({ name: unescapeXml(name), arch, version: unescapeXml(version[1] ?? ''), release: unescapeXml(version[2] ?? '') });
  }
  return packages;
}

/** Bounded: a repository that does not answer is an error, not a hung build. */
const FETCH_TIMEOUT_MS = 60_000;

/** A file of the repository over HTTP(S); every error names the file and the status, never the credentials. */
async function fetchFromRepo(repo: string, path: string): Promise<Buffer> {
  const address = `${repo.replace(/\/+$/, '')}/${path}`;
  let answer;
  try {
    answer = await fetchUrl(address, { timeoutMs: FETCH_TIMEOUT_MS });
  } catch (error) {
    throw new BuildFailure(`the published repository cannot be reached at ${redact(address)} (${redact((error as Error).message)}); fix the published-repo input or the network`);
  }
  if (answer.status !== 200) throw new BuildFailure(`the published repository answered HTTP ${answer.status} for ${redact(address)}; fix the published-repo input`);
  return answer.body;
}

async function fetchBytes(repo: string, path: string): Promise<Buffer> {
  if (/^https?:\/\//i.test(repo)) return fetchFromRepo(repo, path);
  const file = join(repo.replace(/^file:\/\//, ''), path);
  if (!existsSync(file)) throw new BuildFailure(`${file} does not exist: published-repo must be an RPM repository made by createrepo_c`);
  return readFileSync(file);
}

/** Decompresses primary metadata by its suffix: gzip here, xz and zstd with their tools. */
async function decompress(name: string, data: Buffer): Promise<string> {
  if (name.endsWith('.gz')) return gunzipSync(data).toString('utf8');
  if (name.endsWith('.xz') || name.endsWith('.zst') || name.endsWith('.bz2')) {
    const tool = name.endsWith('.xz') ? 'xz' : name.endsWith('.zst') ? 'zstd' : 'bzip2';
    const dir = scratchDir('phoreus-repodata-');
    try {
      const file = join(dir, 'primary');
      writeFileSync(file, data);
      const r = await run(tool, ['-dc', file]);
      if (r.exitCode !== 0) throw new BuildFailure(`cannot decompress ${name} with ${tool}: install ${tool}`);
      return r.stdout;
    } finally {
      removeScratch(dir);
    }
  }
  return data.toString('utf8');
}

export async function publishedPackages(repo: string): Promise<PublishedPackage[]> {
  const repomd = (await fetchBytes(repo, 'repodata/repomd.xml')).toString('utf8');
  const location = primaryLocation(repomd);
  if (!location) throw new BuildFailure('the published repository\'s repomd.xml names no primary metadata');
  return primaryPackages(await decompress(location, await fetchBytes(repo, location)));
}
