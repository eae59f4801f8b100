/**
 * The rules on an RPM's payload, PH301–PH318 (and the modulefile inside it, PH204/PH205),
 * applied as the files stream out of the archive: each file is looked at once, and what
 * needs the whole payload (RECORD digests, installed distributions, shared libraries) is
 * decided at the end from small per-file facts. The rules live in payload-rules/, in small
 * groups; this auditor gathers the facts they share and reports their findings. Pure: no I/O.
 */
import { lockedPackages } from '../checks/lockfile.js';
import { finding, type Finding } from '../core/finding.js';
import { modulefilePath, phoreusPrefix } from '../core/layout.js';
import type { RuleId } from '../core/rules.js';
import { WaiverSet } from '../core/waivers.js';
import { isRegular, isSymlink, type CpioEntry } from './cpio.js';
import { isElf, readElf, type ElfInfo } from './elf.js';
import { checkModulefile } from './modulefile-rules.js';
import { buildPathIn, checkDirectUrl } from './payload-rules/build-paths.js';
import { checkPyc, checkPycHeader, compiledSource } from './payload-rules/bytecode.js';
import { checkDistributions } from './payload-rules/distributions.js';
import { checkElf, checkLibraries, judgeForeignElf } from './payload-rules/elf-files.js';
import { checkHeaderFiles, checkPlace } from './payload-rules/place.js';
import { checkBuildPaths, checkRecords, parseRecord } from './payload-rules/records.js';
import { checkShebang, judgeShebangs } from './payload-rules/scripts.js';
import { checkPathHooks } from './payload-rules/site-hooks.js';
import type { FileFacts, PayloadContext, PayloadState, Record, Report } from './payload-rules/state.js';
import { checkPythonLinks, checkPyvenv } from './payload-rules/venv.js';

/** Per-rule cap: past it, one more finding says how many were left out. */
const CAP = 25;

/**
 * A payload file judged as it streamed by, without its content (payload-files.ts): its digest,
 * its first bytes, the first build-time path in it, and, when it is ELF, what the ELF reader
 * found in it.
 */
export interface StreamedFile {
  name: string;
  mode: number;
  size: number;
  /** sha256, base64url as RECORD writes it: the header's, or computed as it streamed by. */
  sha256?: string;
  /** Its first bytes: the shebang of a script, the header of bytecode. */
  head: Buffer;
  /** The first build-time path in it; ELF files are not searched, their strings are judged by the ELF rules. */
  buildPath?: string;
  elf?: ElfInfo;
}

export class PayloadAuditor {
  private readonly findings: Finding[] = [];
  /** Findings per rule, the waived apart: each kind is capped on its own. */
  private readonly counts = new Map<string, { rule: RuleId; waived: boolean; n: number }>();
  private readonly p: PayloadState;
  private entries = 0;
  private bytes = 0;
  readonly prefix: string;
  readonly venv: string;
  readonly sitePackages: string;
  readonly modulefile: string;
  /** The texts a rule parses, by path; and where the venv's scripts are. */
  private readonly texts: Map<string, RuleId>;
  private readonly bin: string;

  constructor(ctx: PayloadContext) {
    this.prefix = phoreusPrefix(ctx);
    this.venv = `${this.prefix}/venv`;
    this.sitePackages = `${this.venv}/lib/python${ctx.interpreter}/site-packages`;
    this.modulefile = modulefilePath(ctx);
    this.bin = `${this.venv}/bin/`;
    this.texts = new Map([[`${this.venv}/pyvenv.cfg`, 'PH302'], [this.modulefile, 'PH205'], [`${this.prefix}/requirements.lock`, 'PH308']]);
    this.p = {
      ctx, prefix: this.prefix, venv: this.venv, sitePackages: this.sitePackages, modulefile: this.modulefile,
      waivers: new WaiverSet(ctx.waivers ?? [], this.venv),
      files: new Map(), symlinks: new Map(), paths: new Set(), records: [], metadata: [], elfNeeds: [], provided: new Set(),
      foreign: [], shebangs: [], pycVersions: new Map(), texts: {}, listed: new Set(),
    };
  }

  get stats(): { files: number; bytes: number } {
    return { files: this.entries, bytes: this.bytes };
  }

  /** Reports a finding, waived when a waiver covers it, and capped per rule (the waived apart). */
  private readonly report: Report = (rule, file, line, message) => {
    const f = this.p.waivers.apply(finding(rule, file, line, message));
    const key = `${rule}${f.waived ? ' waived' : ''}`;
    const count = this.counts.get(key) ?? { rule, waived: f.waived !== undefined, n: 0 };
    count.n++;
    this.counts.set(key, count);
    if (count.n <= CAP) this.findings.push(f);
  };

  /**
   * Whether the rules read this file whole: the texts they parse. Every other file is judged
   * from what was seen of it as it streamed by (addStreamed).
   */
  readsWhole(name: string): boolean {
    const path = `/${name}`;
    return path === `${this.p.prefix}/phoreus-config.json` || /\.dist-info\/direct_url\.json$/.test(path) || this.textRule(path) !== undefined;
  }

  /**
   * Whether a RECORD read already lists the file, outside bin/, with this digest: a wheel's
   * file, as installed, whose build paths are not judged (checkBuildPaths), so it need not be
   * searched for them.
   */
  isVerbatim(name: string, sha256: string | undefined): boolean {
    return sha256 !== undefined && this.p.listed.has(`${sha256}/${name}`);
  }

  /**
   * For bytecode, the source its co_filename must name, searched for as it streams by ('' for
   * bytecode outside __pycache__, which names none); bytecode is read whole only when it does
   * not hold it (add), and is not searched for build paths.
   */
  compiledFrom(name: string): string | undefined {
    return name.endsWith('.pyc') ? compiledSource(`/${name}`) ?? '' : undefined;
  }

  /** The rule that reads a file at this path as text, when it is one of those: too large, it cannot be read. */
  private textRule(path: string): RuleId | undefined {
    const exact = this.texts.get(path);
    if (exact) return exact;
    if (path.endsWith('/RECORD') || path.endsWith('/METADATA')) return /\.dist-info\/[A-Z]+$/.test(path) ? 'PH312' : undefined;
    if (path.endsWith('.pth') || path.endsWith('customize.py')) return /(\.pth|\/(site|user)customize\.py)$/.test(path) ? 'PH303' : undefined;
    return undefined;
  }

  /**
   * A file judged from its digest, head, build paths and ELF facts. A text the rules parse
   * arrives here only when it is too large to be read (see readsWhole), and is reported so.
   */
  addStreamed(file: StreamedFile): void {
    const path = `/${file.name}`;
    this.entries++;
    this.p.paths.add(path);
    checkPlace(this.p, this.report, path, file.mode);
    if (!isRegular(file.mode)) return;
    this.bytes += file.size;
    this.p.files.set(path, { ...(file.sha256 ? { sha256: file.sha256 } : {}), size: file.size, ...(file.buildPath && !file.elf ? { buildPath: file.buildPath } : {}) });
    if (file.elf) checkElf(this.p, this.report, path, file.elf);
    else if (path.endsWith('.pyc')) checkPycHeader(this.p, this.report, path, file.head);
    const unreadable = this.textRule(path);
    if (unreadable) this.report(unreadable, path, 1, `the file is ${file.size} bytes, too large to be read as the text it should be: ship the file pip installs`);
    if (path.startsWith(this.bin)) checkShebang(this.p, path, file.head);
  }

  /** An entry held whole; a regular file comes with its digest. */
  add(entry: CpioEntry & { sha256?: string }): void {
    const path = `/${entry.name}`;
    this.entries++;
    this.p.paths.add(path);
    checkPlace(this.p, this.report, path, entry.mode);
    if (isSymlink(entry.mode)) {
      const target = entry.data.toString('utf8');
      this.p.symlinks.set(path, target);
      const marker = buildPathIn(Buffer.from(target), this.p.ctx.buildPaths);
      if (marker) this.report('PH305', path, 1, `the symlink points at ${target}, a build-time path (${marker}); relocate it to the installed path`);
      return;
    }
    if (!isRegular(entry.mode)) return;
    this.bytes += entry.data.length;
    const data = entry.data;
    const facts: FileFacts = { ...(entry.sha256 ? { sha256: entry.sha256 } : {}), size: data.length };
    this.p.files.set(path, facts);

    const elf = isElf(data) ? readElf(data) : undefined;
    if (elf) {
      checkElf(this.p, this.report, path, elf);
    } else if (path.endsWith('.pyc')) {
      const compiledFor = checkPyc(this.p, this.report, path, data);
      if (compiledFor) facts.compiledFor = compiledFor;
      if (path.startsWith(this.bin)) checkShebang(this.p, path, data);
      return;
    } else {
      const marker = buildPathIn(data, this.p.ctx.buildPaths);
      if (marker) facts.buildPath = marker;
    }
    this.remember(path, data);
  }

  private remember(path: string, data: Buffer): void {
    const text = (): string => data.toString('utf8');
    if (path === `${this.p.venv}/pyvenv.cfg`) this.p.texts.pyvenv = text();
    else if (path === this.p.modulefile) this.p.texts.modulefile = text();
    else if (path === `${this.p.prefix}/requirements.lock`) this.rememberLock(text());
    else if (path === `${this.p.prefix}/phoreus-config.json`) this.p.texts.config = text();
    else if (/\.dist-info\/RECORD$/.test(path)) this.rememberRecord(parseRecord(path, text()));
    else if (/\.dist-info\/METADATA$/.test(path)) this.p.metadata.push({ path, text: text() });
    else if (/\.dist-info\/direct_url\.json$/.test(path)) checkDirectUrl(this.report, path, text());
    if (path.startsWith(this.bin)) checkShebang(this.p, path, data);
    if (path.endsWith('.pth') || /\/(site|user)customize\.py$/.test(path)) checkPathHooks(this.p, this.report, path, text());
  }

  /** The lock, parsed as it streams by: it comes before the venv, and the end of the audit waits for nothing else. */
  private rememberLock(text: string): void {
    this.p.texts.lock = text;
    this.p.locked = lockedPackages(text, this.p.ctx.interpreter, this.p.ctx.arch);
  }

  private rememberRecord(record: Record): void {
    this.p.records.push(record);
    for (const { lenient } of record.rows) if (lenient && !lenient.file.startsWith(this.bin)) this.p.listed.add(`${lenient.sha256}${lenient.file}`);
  }

  /**
   * PH315 and PH301 on the header's file list, which is what rpm installs (payload-rules/place.ts).
   */
  checkHeaderFiles(files: ReadonlyArray<{ path: string; mode: number }>): void {
    checkHeaderFiles(this.p, this.report, files);
  }

  finish(modulefileBeside?: { file: string; text: string }): Finding[] {
    const { p, report } = this;
    checkPyvenv(p, report);
    checkPythonLinks(p, report);
    judgeShebangs(p, report);
    checkRecords(p, report);
    checkDistributions(p, report);
    judgeForeignElf(p, report);
    checkLibraries(p, report);
    checkBuildPaths(p, report);
    if (new Set(p.pycVersions.keys()).size > 1) {
      report('PH307', p.venv, 1, `the venv holds bytecode for several interpreters (${[...p.pycVersions.keys()].sort().join(', ')}): one venv, one interpreter`);
    }
    if (p.texts.modulefile === undefined) {
      report('PH205', p.modulefile, 1, `the RPM ships no modulefile at ${p.modulefile} (charter §9)`);
    } else {
      for (const f of checkModulefile(p.modulefile, p.texts.modulefile, p.ctx.interpreterModule, p.venv)) report(f.rule, f.file, f.line, f.message);
    }
    if (modulefileBeside) {
      for (const f of checkModulefile(modulefileBeside.file, modulefileBeside.text, p.ctx.interpreterModule, p.venv)) report(f.rule, f.file, f.line, f.message);
    }
    for (const { rule, waived, n } of this.counts.values()) {
      if (n <= CAP) continue;
      const more = finding(rule, p.venv, 1, `${n - CAP} more ${waived ? 'waived ' : ''}${rule} findings like the ones above`);
      this.findings.push(waived ? { ...more, waived: { reason: 'waived by the entries of the findings above', by: 'audit.waive' } } : more);
    }
    this.findings.push(...p.waivers.unmatched());
    return this.findings;
  }
}
