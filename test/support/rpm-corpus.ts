/**
 * Deliberately broken RPMs: the payload of a good one, changed in exactly one way, packed
 * again by rpmbuild from a small spec. A change to a file listed in its distribution's
 * RECORD refreshes that row, unless the point is to break RECORD.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { buildHelloTool, helloToolIndex, type BuiltTool } from './hello-tool.js';
import { scratchRoot } from './installed-system.js';
import type { PackageIndex } from './package-index.js';
import { run } from './processes.js';
import { requiredCommand } from './required-tools.js';

export interface SpecChanges {
  name?: string;
  version?: string;
  requires?: string[];
  provides?: string[];
  post?: string;
  /** Extra payload paths for %files (absolute, as installed). */
  files?: string[];
  /** The digest rpmbuild gives each file in the header: SHA-256, its default, or MD5, as old rpms did. */
  fileDigests?: 'sha256' | 'md5';
}

export class Tree {
  constructor(readonly root: string) {}

  path(p: string): string {
    return join(this.root, p);
  }

  read(p: string): string {
    return readFileSync(this.path(p), 'utf8');
  }

  write(p: string, content: string | Buffer, options: { refreshRecord?: boolean } = {}): void {
    mkdirSync(dirname(this.path(p)), { recursive: true });
    writeFileSync(this.path(p), content);
    if (options.refreshRecord !== false) this.refreshRecords(p);
  }

  remove(p: string): void {
    rmSync(this.path(p), { recursive: true, force: true });
  }

  symlink(p: string, target: string): void {
    rmSync(this.path(p), { force: true });
    symlinkSync(target, this.path(p));
  }

  /** Every RECORD file in the tree. */
  records(): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name === 'RECORD' && dir.endsWith('.dist-info')) out.push(full);
      }
    };
    walk(this.root);
    return out;
  }

  private refreshRecords(p: string): void {
    const target = `/${p.replace(/^\//, '')}`;
    for (const record of this.records()) {
      const base = `/${relative(this.root, dirname(dirname(record)))}`;
      const rows = readFileSync(record, 'utf8').split('\n').map((row) => {
        const m = /^(.*),sha256=[^,]*,\d*$/.exec(row);
        if (!m || posix.resolve(base, m[1] ?? '') !== target) return row;
        const data = readFileSync(this.path(p));
        return `${m[1]},sha256=${createHash('sha256').update(data).digest('base64url')},${data.length}`;
      });
      writeFileSync(record, rows.join('\n'));
    }
  }
}

export class RpmCorpus {
  private base = '';

  constructor(private readonly work: string, private readonly goodRpm: string, readonly tool: string, readonly version: string) {}

  async prepare(): Promise<void> {
    this.base = await scratchRoot([this.goodRpm]);
  }

  /** A copy of the good payload, changed by `change`, packed as an RPM with the spec changes. */
  async make(label: string, change: (tree: Tree) => void | Promise<void>, spec: SpecChanges = {}): Promise<string> {
    const dir = join(this.work, label);
    const tree = new Tree(join(dir, 'tree'));
    cpSync(this.base, tree.root, { recursive: true, verbatimSymlinks: true });
    await change(tree);
    const name = spec.name ?? `phoreus-${this.tool}-${this.version}`;
    const version = spec.version ?? this.version;
    const files = [
      `%dir /usr/local/phoreus/${this.tool}`,
      `/usr/local/phoreus/${this.tool}/${this.version}`,
      `%dir /usr/local/phoreus/modulefiles/${this.tool}`,
      `/usr/local/phoreus/modulefiles/${this.tool}/${this.version}.lua`,
      ...(spec.files ?? []),
    ];
    const text = [
      `Name: ${name}`,
      `Version: ${version}`,
      'Release: 1',
      'Summary: audit corpus',
      'License: MIT',
      'AutoReqProv: no',
      '%global debug_package %{nil}',
      '%global __os_install_post %{nil}',
      '%global _build_id_links none',
      '%global _binary_payload w1.zstdio',
      ...(spec.fileDigests === 'md5' ? ['%global _binary_filedigest_algorithm 1'] : []),
      ...(spec.requires ?? ['phoreus', 'phoreus-python-3.11']).map((r) => `Requires: ${r}`),
      ...(spec.provides ?? []).map((p) => `Provides: ${p}`),
      '%description',
      `audit corpus: ${label}`,
      '%install',
      `cp -a ${tree.root}/. %{buildroot}/`,
      ...(spec.post ? ['%post', spec.post] : []),
      '%files',
      ...files,
      '',
    ].join('\n');
    writeFileSync(join(dir, `${label}.spec`), text);
    const r = await run(requiredCommand('rpmbuild', 'rpm'), ['-bb', '--quiet', '--nodeps', '--target', 'x86_64', '--define', `_topdir ${join(dir, 'rpmbuild')}`, join(dir, `${label}.spec`)]);
    if (r.status !== 0) throw new Error(`rpmbuild of ${label} failed: ${r.stderr}`);
    const rpms = join(dir, 'rpmbuild', 'RPMS', 'x86_64');
    return join(rpms, readdirSync(rpms)[0] ?? '');
  }

  cleanup(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}

/** The hello-tool RPM built for real against a local index, and a corpus to break it one way at a time. */
export interface HelloToolCorpus {
  index: PackageIndex;
  built: BuiltTool;
  corpus: RpmCorpus;
  close(): Promise<void>;
}

export async function helloToolCorpus(work: string): Promise<HelloToolCorpus> {
  const index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
  const built = await buildHelloTool(work, index, '3.11', join(work, 'cache'));
  const corpus = new RpmCorpus(join(work, 'corpus'), built.rpm, 'hello-tool', '1.0.0');
  await corpus.prepare();
  return {
    index, built, corpus,
    close: async () => {
      corpus.cleanup();
      await index.close();
    },
  };
}
