/**
 * The rules on an RPM's payload, PH301–PH318 (and the modulefile inside it, PH204/PH205),
 * applied as the files stream out of the archive: each file is looked at once, and what
 * needs the whole payload (RECORD digests, installed distributions, shared libraries) is
 * decided at the end from small per-file facts. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { finding, type Finding } from '../checks/finding.js';
import type { RuleId } from '../checks/rules.js';
import { WaiverSet, type Waiver } from '../checks/waivers.js';
import type { Distro } from '../plan/distros.js';
import { normalizeName } from '../requirements/pep508.js';
import { satisfies } from '../requirements/versions.js';
import { lockedPackages } from '../checks/lockfile.js';
import { isDirectory, isRegular, isSymlink, S_IFDIR, S_IFLNK, S_IFREG, type CpioEntry } from './cpio.js';
import { EM_AARCH64, EM_X86_64, newestGlibc, readElf, type ElfInfo } from './elf.js';
import { checkModulefile } from './modulefile-rules.js';
import { holdsString, magicOf, pycTag, readPycHeader, tagOf } from './pyc.js';

export interface PayloadContext {
  tool: string;
  version: string;
  interpreter: string;
  interpreterHome: string;
  interpreterModule: string;
  distro: Distro;
  /** RPM arch: x86_64, aarch64 (noarch is judged as the host would not know: no ELF arch check). */
  arch: string;
  /** Literal build-time paths of the build just made, besides the generic markers. */
  buildPaths: string[];
  /** The configuration's audit waivers: a finding they cover is reported as waived. */
  waivers?: readonly Waiver[];
}

/** Per-rule cap: past it, one more finding says how many were left out. */
const CAP = 25;

/** Where build systems and runners put things; none may appear in an installed file. */
const BUILD_MARKERS = ['/BUILDROOT/', '/rpmbuild/BUILD', '/rpmbuild/SOURCES', '/builddir/build/', '/home/runner/work/', '/__w/', '/hostedtoolcache/', '/phoreus-build-', '/phoreus-app-'];
const PIP_TEMP = /\/tmp\/pip-(install|build-env|req-build|wheel|ephem-wheel-cache|modern-metadata|standalone-pip|unpack|target|build-tracker)-/;

/** Shared libraries every target provides: glibc's and the manylinux policy's (auditwheel). */
const BASE_LIBRARIES = new Set([
  'libc.so.6', 'libm.so.6', 'libdl.so.2', 'librt.so.1', 'libpthread.so.0', 'libutil.so.1', 'libnsl.so.1', 'libcrypt.so.1',
  'libresolv.so.2', 'libgcc_s.so.1', 'libstdc++.so.6', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1',
  'libX11.so.6', 'libXext.so.6', 'libXrender.so.1', 'libICE.so.6', 'libSM.so.6', 'libGL.so.1',
  'libgobject-2.0.so.0', 'libgthread-2.0.so.0', 'libglib-2.0.so.0', 'libz.so.1',
]);

const ELF_MACHINES: Record<string, number> = { x86_64: EM_X86_64, aarch64: EM_AARCH64 };
const MACHINE_NAMES: Record<number, string> = { 3: 'i386', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 's390', 40: 'ARM', 62: 'x86_64', 183: 'aarch64', 243: 'RISC-V' };
const machineName = (machine: number): string => `${MACHINE_NAMES[machine] ?? 'another machine'} (ELF machine ${machine})`;

/** Where every target's loader looks anyway: an RPATH naming one of these adds nothing foreign. */
const SYSTEM_LIBRARY_DIRS = new Set(['/lib', '/lib64', '/usr/lib', '/usr/lib64']);
/** Directories that are plainly a build machine's own: homes, CI workspaces and tool caches, user-installed interpreters, rpm's build trees. */
const BUILD_MACHINE_DIR = /^\/(home|root|Users|github|runner|__w|builddir|var\/tmp)\/|\/(\.pyenv|\.local|\.cache|hostedtoolcache|rpmbuild|BUILDROOT|BUILD)\//;

/** An ELF file built for another machine than the RPM's: judged at the end, by what would load it. */
interface ForeignElf {
  path: string;
  machine: number;
  soname?: string;
}

/** A script's interpreter line, judged at the end, once the payload's symlinks are known. */
interface Shebang {
  path: string;
  line: number;
  interpreter: string;
  first: string;
}

interface FileFacts {
  sha256: string;
  size: number;
  /** The first build-time path found in the bytes, when the file is not bytecode or ELF. */
  buildPath?: string;
  /** Bytecode whose co_filename is not its installed source: the source, and the message. */
  compiledFor?: { source: string; message: string };
}

/**
 * A payload file too large to hold in memory, as the streaming reader saw it go by: its
 * digest, its first bytes, the first build-time path in it, and, when it is ELF, what the
 * ELF reader found in a copy on disk.
 */
export interface LargeFile {
  name: string;
  mode: number;
  size: number;
  /** sha256, base64url as RECORD writes it. */
  sha256: string;
  head: Buffer;
  buildPath?: string;
  elf?: ElfInfo;
  /** An ELF file the scratch space had no room to read. */
  elfUnread?: boolean;
}

/** Files rpm may install with these modes break the isolation of the system (PH315). */
const UNSAFE_MODE = 0o7002;

export class PayloadAuditor {
  private readonly findings: Finding[] = [];
  /** Findings per rule, the waived apart: each kind is capped on its own. */
  private readonly counts = new Map<string, { rule: RuleId; waived: boolean; n: number }>();
  private readonly foreign: ForeignElf[] = [];
  private readonly shebangs: Shebang[] = [];
  private readonly files = new Map<string, FileFacts>();
  private readonly symlinks = new Map<string, string>();
  private readonly records: Array<{ path: string; text: string }> = [];
  private readonly metadata: Array<{ path: string; text: string }> = [];
  private readonly elfNeeds: Array<{ path: string; needed: string[] }> = [];
  private readonly provided = new Set<string>();
  private readonly pycVersions = new Map<string, string>();
  private texts: Record<'pyvenv' | 'modulefile' | 'lock' | 'config', string | undefined> = { pyvenv: undefined, modulefile: undefined, lock: undefined, config: undefined };
  private entries = 0;
  private bytes = 0;
  /** Every path the payload holds, to find the header's files it does not (ghosts). */
  private readonly paths = new Set<string>();

  readonly prefix: string;
  readonly venv: string;
  readonly sitePackages: string;
  readonly modulefile: string;
  private readonly waivers: WaiverSet;

  constructor(private readonly ctx: PayloadContext) {
    this.prefix = `/usr/local/phoreus/${ctx.tool}/${ctx.version}`;
    this.venv = `${this.prefix}/venv`;
    this.waivers = new WaiverSet(ctx.waivers ?? [], this.venv);
    this.sitePackages = `${this.venv}/lib/python${ctx.interpreter}/site-packages`;
    this.modulefile = `/usr/local/phoreus/modulefiles/${ctx.tool}/${ctx.version}.lua`;
  }

  get stats(): { files: number; bytes: number } {
    return { files: this.entries, bytes: this.bytes };
  }

  private report(rule: RuleId, file: string, line: number, message: string): void {
    const made = finding(rule, file, line, message);
    const f = this.waivers.apply(made);
    const key = `${rule}${f.waived ? ' waived' : ''}`;
    const count = this.counts.get(key) ?? { rule, waived: f.waived !== undefined, n: 0 };
    count.n++;
    this.counts.set(key, count);
    if (count.n <= CAP) this.findings.push(f);
  }

  /**
   * A file too large to hold: judged from its digest, head, build paths and ELF facts. Texts
   * the audit would read (RECORD, METADATA, .pth, pyvenv.cfg, the lock, the modulefile) are
   * never this large in a venv: they are reported as unreadable.
   */
  addLarge(file: LargeFile): void {
    const path = `/${file.name}`;
    this.entries++;
    this.paths.add(path);
    this.checkPlace(path, file.mode);
    if (!isRegular(file.mode)) return;
    this.bytes += file.size;
    this.files.set(path, { sha256: file.sha256, size: file.size, ...(file.buildPath && !file.elf ? { buildPath: file.buildPath } : {}) });
    if (file.elf) this.checkElf(path, file.elf);
    else if (file.elfUnread) this.report('PH309', path, 1, `the ELF file is ${file.size} bytes and the scratch space has no room to read it, so its architecture and glibc needs cannot be judged: audit with more space in TMPDIR`);
    else if (path.endsWith('.pyc')) this.checkPycHeader(path, file.head);
    const unreadable = largeText(path, this);
    if (unreadable) this.report(unreadable, path, 1, `the file is ${file.size} bytes, too large to be read as the text it should be: ship the file pip installs`);
    if (path.startsWith(`${this.venv}/bin/`)) this.checkShebang(path, file.head);
  }

  add(entry: CpioEntry): void {
    const path = `/${entry.name}`;
    this.entries++;
    this.paths.add(path);
    this.checkPlace(path, entry.mode);
    if (isSymlink(entry.mode)) {
      const target = entry.data.toString('utf8');
      this.symlinks.set(path, target);
      const marker = buildPathIn(Buffer.from(target), this.ctx.buildPaths);
      if (marker) this.report('PH305', path, 1, `the symlink points at ${target}, a build-time path (${marker}); relocate it to the installed path`);
      return;
    }
    if (!isRegular(entry.mode)) return;
    this.bytes += entry.data.length;
    const data = entry.data;
    const facts: FileFacts = { sha256: createHash('sha256').update(data).digest('base64url'), size: data.length };
    this.files.set(path, facts);

    const elf = readElf(data);
    if (elf) {
      this.checkElf(path, elf);
    } else if (path.endsWith('.pyc')) {
      const compiledFor = this.checkPyc(path, data);
      if (compiledFor) facts.compiledFor = compiledFor;
    } else {
      const marker = buildPathIn(data, this.ctx.buildPaths);
      if (marker) facts.buildPath = marker;
    }
    this.remember(path, data);
  }

  /** PH301: everything under the tool version's prefix, or its modulefile. */
  private checkPlace(path: string, mode: number): void {
    const allowedDirs = [`/usr/local/phoreus/${this.ctx.tool}`, `/usr/local/phoreus/modulefiles/${this.ctx.tool}`];
    if (path === this.prefix || path.startsWith(`${this.prefix}/`) || path === this.modulefile) return;
    if (isDirectory(mode) && allowedDirs.includes(path)) return;
    this.report('PH301', path, 1, `${path} is outside ${this.prefix}/ and the tool's modulefile: a Phoreus RPM installs nothing into the system or another tool's tree (charter §3.1, §10); remove it from %files`);
  }

  private remember(path: string, data: Buffer): void {
    const text = (): string => data.toString('utf8');
    if (path === `${this.venv}/pyvenv.cfg`) this.texts.pyvenv = text();
    else if (path === this.modulefile) this.texts.modulefile = text();
    else if (path === `${this.prefix}/requirements.lock`) this.texts.lock = text();
    else if (path === `${this.prefix}/phoreus-config.json`) this.texts.config = text();
    else if (/\.dist-info\/RECORD$/.test(path)) this.records.push({ path, text: text() });
    else if (/\.dist-info\/METADATA$/.test(path)) this.metadata.push({ path, text: text() });
    else if (/\.dist-info\/direct_url\.json$/.test(path)) this.checkDirectUrl(path, text());
    if (path.startsWith(`${this.venv}/bin/`)) this.checkShebang(path, data);
    if (path.endsWith('.pth') || /\/(site|user)customize\.py$/.test(path)) this.checkPathHooks(path, text());
  }

  /**
   * PH305: pip writes direct_url.json (PEP 610) for a distribution installed from a path or
   * URL rather than by name; a file: URL names a directory of the machine that installed it,
   * which RECORD lists like any file, so the text markers never judge it.
   */
  private checkDirectUrl(path: string, text: string): void {
    let url: unknown;
    try {
      url = (JSON.parse(text) as { url?: unknown }).url;
    } catch {
      return;
    }
    if (typeof url === 'string' && /^file:/i.test(url)) {
      this.report('PH305', path, 1, `direct_url.json names ${url}, a path on the machine that installed the distribution: install it by name from a wheelhouse (pip --no-index --find-links), for which pip writes no direct_url.json`);
    }
  }

  /** PH304: scripts on PATH must run the venv's own interpreter (judged in judgeShebangs). */
  private checkShebang(path: string, data: Buffer): void {
    if (data[0] !== 0x23 || data[1] !== 0x21) return;
    const head = data.subarray(0, 512).toString('utf8').split('\n');
    const first = (head[0] ?? '').slice(2).trim();
    const exec = /^'''exec' "?([^"\s]+)"?/.exec(head[1] ?? '');
    const interpreter = first === '/bin/sh' && exec ? exec[1] ?? '' : first.split(/\s+/)[0] ?? '';
    // What env runs: its first argument that is neither an option (-S, -i) nor an assignment.
    const argument = first.split(/\s+/).slice(1).find((w) => !w.startsWith('-') && !w.includes('=')) ?? '';
    const runsPython = /python/.test(interpreter) || (/\/env$/.test(interpreter) && /python/.test(argument)) || exec !== null;
    if (runsPython) this.shebangs.push({ path, line: exec ? 2 : 1, interpreter, first });
  }

  /**
   * PH304 once the payload's symlinks are known: the interpreter path as the kernel resolves
   * it ("//", "/./" and ".." taken as they are, through the payload's own directory links)
   * must be a file in the venv's bin/.
   */
  private judgeShebangs(): void {
    for (const { path, line, interpreter, first } of this.shebangs) {
      const resolved = interpreter.startsWith('/') ? this.resolveDirectories(interpreter) : interpreter;
      if (resolved.startsWith(`${this.venv}/bin/`) && resolved.length > this.venv.length + 5) continue;
      const named = resolved === interpreter ? interpreter : `${interpreter} (that is, ${resolved})`;
      const why = /\/env$/.test(interpreter) ? `"${first}" picks whatever python is first on PATH` : !interpreter.startsWith('/') ? `"${interpreter}" is a relative path` : `${named} is outside the venv`;
      this.report('PH304', path, line, `the script's interpreter ${why}; it must be ${this.venv}/bin/python (charter §3.1; Debian policy: versioned, honest interpreters)`);
    }
  }

  /** An absolute path with its directories resolved as the kernel would, through the payload's symlinks; its last name kept. */
  private resolveDirectories(path: string): string {
    const pending = path.split('/');
    const last = pending.pop() ?? '';
    if (last === '.' || last === '..') pending.push(last);
    let dir = '/';
    for (let hops = 0; pending.length > 0;) {
      const part = pending.shift() ?? '';
      if (part === '' || part === '.') continue;
      if (part === '..') {
        dir = posix.dirname(dir);
        continue;
      }
      const next = posix.join(dir, part);
      const target = this.symlinks.get(next);
      if (target !== undefined && hops++ < 40) {
        pending.unshift(...(target.startsWith('/') ? target : `${dir}/${target}`).split('/'));
        dir = '/';
      } else {
        dir = next;
      }
    }
    return last === '.' || last === '..' ? dir : posix.join(dir, last);
  }

  /**
   * PH303: .pth files and site/usercustomize may not reach outside the venv. PH316: a .pth
   * line that starts with "import" is code Python runs at every start of the venv.
   */
  private checkPathHooks(path: string, text: string): void {
    const dir = posix.dirname(path);
    text.split(/\r\n|\r|\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const isCode = path.endsWith('.py') || /^import[\s\t]/.test(line);
      if (path.endsWith('.pth') && isCode) {
        this.report('PH316', path, i + 1, `${posix.basename(path)} runs code at every start of Python in the venv ("${line.length > 60 ? `${line.slice(0, 57)}...` : line}"): check that the package needs it; its build never runs it (pip check runs with site hooks off)`);
      }
      const candidates = isCode ? [...line.matchAll(/["'](\/[^"']+|\.\.\/[^"']*)["']/g)].map((m) => m[1] ?? '') : [line];
      if (isCode && !/sys\.path|addsitedir|PYTHONPATH/.test(line) && !path.endsWith('.pth')) return;
      for (const candidate of candidates) {
        const resolved = posix.resolve(dir, candidate);
        if (resolved !== this.venv && !resolved.startsWith(`${this.venv}/`)) {
          this.report('PH303', path, i + 1, `${posix.basename(path)} adds ${candidate} to the module search path, outside the venv: it would share modules across tools (charter §3.1, §10); remove it`);
        }
      }
    });
  }

  /**
   * PH307: bytecode for interpreter X.Y only. Returns what the co_filename names when it is not
   * the installed source path (PH305, judged at the end: bytecode without its source beside it
   * cannot be compiled again, and is left as its wheel ships it).
   */
  private checkPyc(path: string, data: Buffer): FileFacts['compiledFor'] {
    if (!this.checkPycHeader(path, data)) return undefined;
    if (!path.includes('/__pycache__/')) return undefined;
    const source = `${posix.dirname(posix.dirname(path))}/${posix.basename(path).replace(/\.cpython-\d+(\.opt-\d)?\.pyc$/, '.py')}`;
    if (holdsString(data, source)) return undefined;
    const rel = source.slice(this.sitePackages.length + 1);
    const found = rel ? new RegExp(`[\\x21-\\x7e]*${rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(data.toString('latin1'))?.[0] : undefined;
    return { source, message: `the bytecode's co_filename is ${found ?? 'not the installed source path'}, not exactly ${source}: compile after relocation, for the installed path (compileall -s BUILDROOT -p /)` };
  }

  /** PH307 from a bytecode file's header and name; false when it is not bytecode at all. */
  private checkPycHeader(path: string, data: Buffer): boolean {
    const header = readPycHeader(data);
    const expected = magicOf(this.ctx.interpreter);
    const tag = pycTag(path);
    if (!header) {
      this.report('PH307', path, 1, 'the file is not Python bytecode (bad magic); remove it');
      return false;
    }
    // Bytecode a waiver accepts (data a package ships) does not make the venv one of several interpreters.
    if (!this.waivers.covering('PH307', path)) {
      this.pycVersions.set(header.version ?? `magic ${header.magic}`, path);
      if (tag) this.pycVersions.set(tag.replace('cpython-', '').replace(/^(\d)(\d+)$/, '$1.$2'), path);
    }
    if (header.magic !== expected || (tag && tag !== tagOf(this.ctx.interpreter))) {
      const what = header.version ? `Python ${header.version}${header.isFinal ? '' : ' (a pre-release)'}` : `an unknown interpreter (magic ${header.magic})`;
      this.report('PH307', path, 1, `the bytecode is for ${what}, not Python ${this.ctx.interpreter} (magic ${expected}): compile it with the venv's interpreter (Fedora's rule: every .pyc carries its interpreter's magic)`);
    }
    return true;
  }

  /**
   * PH315 and PH301 on the header's file list, which is what rpm installs: no setuid,
   * setgid, sticky or world-writable file, nothing but files, directories and symlinks, and
   * no file the payload does not hold (a %ghost) outside the prefix.
   */
  checkHeaderFiles(files: ReadonlyArray<{ path: string; mode: number }>): void {
    for (const { path, mode } of files) {
      if (mode < 0) {
        this.report('PH301', this.prefix, 1, `the header lists a file whose name breaks its line (${path}): a name with a newline has no place in a venv`);
        continue;
      }
      const type = mode & 0o170000;
      if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) {
        this.report('PH315', path, 1, `the RPM installs a device, pipe or socket (mode ${mode.toString(8)}): a venv holds files, directories and symlinks only; remove it`);
      } else if (type !== S_IFLNK && (mode & UNSAFE_MODE) !== 0) {
        const what = [mode & 0o4000 ? 'setuid' : '', mode & 0o2000 ? 'setgid' : '', mode & 0o1000 ? 'sticky' : '', mode & 0o002 ? 'world-writable' : ''].filter(Boolean).join(', ');
        this.report('PH315', path, 1, `the RPM installs it ${what} (mode ${(mode & 0o7777).toString(8)}): a setuid file runs as its owner, a world-writable one lets any user change the tool (charter §3.1, §11); give it mode 644 or 755`);
      }
      if (!this.paths.has(path)) this.checkPlace(path, mode);
    }
  }

  /**
   * PH306 (an interpreter copied into bin/), PH309 (glibc), PH305 (RPATH); an ELF file of
   * another machine is judged at the end by what would load it (PH309, PH318), and is neither
   * a library the venv provides nor one whose needs count; needed libraries are judged at the
   * end too (PH310).
   */
  private checkElf(path: string, elf: ElfInfo): void {
    if (path.startsWith(`${this.venv}/bin/`) && /\/python[\d.]*$/.test(path)) {
      const target = `${this.ctx.interpreterHome}/bin/python${this.ctx.interpreter}`;
      this.report('PH306', path, 1, `${posix.basename(path)} is a copy of an interpreter, not a link to the target interpreter ${target}: a copy runs with the build machine's RUNPATH and prefix; create the venv with links (python -m venv --symlinks, the default on Linux)`);
    }
    const machine = ELF_MACHINES[this.ctx.arch];
    if (machine !== undefined && elf.machine !== machine) {
      this.foreign.push({ path, machine: elf.machine, ...(elf.soname ? { soname: elf.soname } : {}) });
      return;
    }
    if (elf.soname) this.provided.add(elf.soname);
    this.provided.add(posix.basename(path));
    this.elfNeeds.push({ path, needed: elf.needed });
    const glibc = newestGlibc(elf);
    const [major, minor] = this.ctx.distro.glibc;
    if (glibc && (glibc[0] > major || (glibc[0] === major && glibc[1] > minor))) {
      this.report('PH309', path, 1, `the ELF file needs GLIBC_${glibc.join('.')}, newer than ${this.ctx.distro.key}'s glibc ${major}.${minor}: use a manylinux wheel no newer than manylinux_${major}_${minor}, or build in a ${this.ctx.distro.image} container`);
    }
    for (const entry of elf.rpath) this.checkRunpath(path, entry);
  }

  /**
   * PH305 and PH320: an RPATH/RUNPATH entry is $ORIGIN-relative, or a directory of the venv, the
   * interpreter's home or the system's own library directories; anything else is a directory
   * of the build machine (an error when it is plainly one: a home, a CI workspace, a user's
   * interpreter) or of the tree an upstream wheel was built in (a warning: scipy's wheels
   * name their manylinux container's /opt/_internal).
   */
  private checkRunpath(path: string, entry: string): void {
    if (/^\$(ORIGIN|\{ORIGIN\})(\/|$)/.test(entry)) return;
    const marker = buildPathIn(Buffer.from(entry), this.ctx.buildPaths) ?? (entry.startsWith('/tmp/') ? '/tmp/' : undefined);
    if (marker) {
      this.report('PH305', path, 1, `the ELF RPATH/RUNPATH names ${entry}, a build-time path; use $ORIGIN-relative paths`);
      return;
    }
    if (!entry.startsWith('/')) {
      this.report('PH305', path, 1, `the ELF RPATH/RUNPATH names ${entry}, a relative directory the loader takes from the current directory of whoever runs the tool; use $ORIGIN-relative paths`);
      return;
    }
    const dir = posix.normalize(entry).replace(/\/+$/, '');
    const within = (root: string): boolean => dir === root || dir.startsWith(`${root}/`);
    if (within(this.venv) || within(this.ctx.interpreterHome) || SYSTEM_LIBRARY_DIRS.has(dir)) return;
    if (BUILD_MACHINE_DIR.test(`${dir}/`)) {
      this.report('PH305', path, 1, `the ELF RPATH/RUNPATH names ${entry}, outside the venv and the interpreter's home ${this.ctx.interpreterHome}: a directory of the build machine (a home, a CI workspace, a user's interpreter), searched first on every target; use $ORIGIN-relative paths`);
      return;
    }
    this.report('PH320', path, 1, `the ELF RPATH/RUNPATH names ${entry}, outside the venv and the interpreter's home: most likely the directory the upstream wheel was built in (a manylinux container's), absent on targets but searched first by the loader; ask upstream to use $ORIGIN-relative paths, or waive it with its reason`);
  }

  /**
   * PH309 and PH318 for ELF files of another machine. The target can never load one: that
   * is an error where something would load it — Python importing it as an extension module,
   * an ELF file of the venv needing it, the shell running it from bin/ — and otherwise an
   * inert file of the wheel (a binary bundled for every platform), worth a warning only.
   */
  private judgeForeignElf(): void {
    const neededBy = new Map<string, string>();
    for (const { path, needed } of this.elfNeeds) for (const lib of needed) if (!neededBy.has(lib)) neededBy.set(lib, path);
    for (const elf of this.foreign) {
      const what = `the ELF file is built for ${machineName(elf.machine)}, not ${this.ctx.arch}`;
      const fix = `lock the package's wheel for ${this.ctx.arch} (its platform tag), or build it from its sdist on ${this.ctx.arch} (packages.forceSource)`;
      const user = neededBy.get(elf.soname ?? '') ?? neededBy.get(posix.basename(elf.path));
      if (this.isExtensionModule(elf.path)) {
        this.report('PH309', elf.path, 1, `${what}, and it is an extension module Python would import: the import fails on the target; ${fix}`);
      } else if (user) {
        this.report('PH309', elf.path, 1, `${what}, and ${user} needs it: the loader cannot load it on the target; ${fix}`);
      } else if (posix.dirname(elf.path) === `${this.venv}/bin`) {
        this.report('PH309', elf.path, 1, `${what}, and it is a program on PATH once the module is loaded: it cannot run on the target; ${fix}`);
      } else {
        this.report('PH318', elf.path, 1, `${what}; nothing in the venv imports, links or runs it, so it is inert on the target (a binary a wheel bundles for each platform): waive it in phoreus.yaml (audit.waive) with the reason, or remove the package if it needs it`);
      }
    }
  }

  /** Whether Python would import the file as an extension module: a tagged .so, or a plain one in a package or site-packages itself. */
  private isExtensionModule(path: string): boolean {
    if (!path.startsWith(`${this.venv}/lib/`) || !path.endsWith('.so')) return false;
    const name = posix.basename(path);
    if (/\.(cpython-[^/]*|abi3)\.so$/.test(name)) return true;
    const dir = posix.dirname(path);
    return /^[A-Za-z_][A-Za-z0-9_]*\.so$/.test(name) && (dir === this.sitePackages || this.files.has(`${dir}/__init__.py`));
  }

  finish(modulefileBeside?: { file: string; text: string }): Finding[] {
    this.checkPyvenv();
    this.checkPythonLinks();
    this.judgeShebangs();
    this.checkRecords();
    this.checkDistributions();
    this.judgeForeignElf();
    this.checkLibraries();
    this.checkBuildPaths();
    if (new Set(this.pycVersions.keys()).size > 1) {
      this.report('PH307', this.venv, 1, `the venv holds bytecode for several interpreters (${[...this.pycVersions.keys()].sort().join(', ')}): one venv, one interpreter`);
    }
    if (this.texts.modulefile === undefined) {
      this.report('PH205', this.modulefile, 1, `the RPM ships no modulefile at ${this.modulefile} (charter §9)`);
    } else {
      for (const f of checkModulefile(this.modulefile, this.texts.modulefile, this.ctx.interpreterModule, this.venv)) this.report(f.rule, f.file, f.line, f.message);
    }
    if (modulefileBeside) {
      for (const f of checkModulefile(modulefileBeside.file, modulefileBeside.text, this.ctx.interpreterModule, this.venv)) this.report(f.rule, f.file, f.line, f.message);
    }
    for (const { rule, waived, n } of this.counts.values()) {
      if (n <= CAP) continue;
      const more = finding(rule, this.venv, 1, `${n - CAP} more ${waived ? 'waived ' : ''}${rule} findings like the ones above`);
      this.findings.push(waived ? { ...more, waived: { reason: 'waived by the entries of the findings above', by: 'audit.waive' } } : more);
    }
    this.findings.push(...this.waivers.unmatched());
    return this.findings;
  }

  /** PH302 and PH306: the venv is isolated and points at the target interpreter. */
  private checkPyvenv(): void {
    const file = `${this.venv}/pyvenv.cfg`;
    const text = this.texts.pyvenv;
    if (text === undefined) {
      this.report('PH302', file, 1, 'pyvenv.cfg is missing: the payload is not a virtual environment (charter §3.1)');
      return;
    }
    const values = new Map<string, { value: string; line: number }>();
    text.split(/\r?\n/).forEach((line, i) => {
      const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) values.set((m[1] ?? '').toLowerCase(), { value: m[2] ?? '', line: i + 1 });
    });
    const isolation = values.get('include-system-site-packages');
    if (!isolation || isolation.value.toLowerCase() !== 'false') {
      this.report('PH302', file, isolation?.line ?? 1, `include-system-site-packages is ${isolation ? `"${isolation.value}"` : 'not set'}: it must be false, so no system site-packages leak in (charter §3.1)`);
    }
    const home = values.get('home');
    const expected = `${this.ctx.interpreterHome}/bin`;
    if (!home || home.value.replace(/\/+$/, '') !== expected) {
      this.report('PH306', file, home?.line ?? 1, `home is ${home ? home.value : 'not set'}, not the target interpreter's ${expected}: the venv would not find its interpreter once installed`);
    }
  }

  /** PH306: bin/python* lead to the target interpreter. */
  private checkPythonLinks(): void {
    const target = `${this.ctx.interpreterHome}/bin/python${this.ctx.interpreter}`;
    for (const [path, link] of this.symlinks) {
      if (!path.startsWith(`${this.venv}/bin/`) || !/\/python[\d.]*$/.test(path)) continue;
      // Follow the chain inside the payload; where it leaves the payload is where it leads.
      let current = path;
      let resolved = posix.resolve(posix.dirname(current), link);
      for (let hops = 0; hops < 8; hops++) {
        const next = this.symlinks.get(resolved);
        if (next === undefined) break;
        current = resolved;
        resolved = posix.resolve(posix.dirname(current), next);
      }
      if (resolved !== target) {
        this.report('PH306', path, 1, `${posix.basename(path)} leads to ${resolved}, not the target interpreter ${target}`);
      }
    }
  }

  /** PH312: every distribution has its RECORD, and files match their RECORD rows. */
  private checkRecords(): void {
    const distributions = new Set<string>();
    for (const path of this.paths) {
      const m = /^(.*\/site-packages\/[^/]+\.dist-info)(\/|$)/.exec(path);
      if (m?.[1] && m[1].startsWith(`${this.venv}/`)) distributions.add(m[1]);
    }
    for (const dist of distributions) {
      if (!this.files.has(`${dist}/RECORD`)) {
        this.report('PH312', dist, 1, `${posix.basename(dist)} has no RECORD: nothing can tell whether its files are the ones its wheel installed; ship the RECORD pip writes, never delete it`);
      }
    }
    for (const record of this.records) {
      const base = posix.dirname(posix.dirname(record.path));
      record.text.split(/\r?\n/).forEach((row, i) => {
        const m = /^(.*),sha256=([A-Za-z0-9_-]+),(\d*)$/.exec(row);
        if (!m) return;
        const file = posix.resolve(base, (m[1] ?? '').replace(/^"|"$/g, ''));
        const facts = this.files.get(file);
        if (!facts) {
          if (!this.symlinks.has(file)) this.report('PH312', record.path, i + 1, `${file} is listed in RECORD but not shipped`);
        } else if (facts.sha256 !== m[2]) {
          this.report('PH312', file, 1, `the file no longer matches the sha256 its distribution's RECORD gives (line ${i + 1} of ${record.path}): it was stripped, mangled or edited after pip installed it; ship it as installed`);
        }
      });
    }
  }

  /** PH308: the installed distributions are the lock's plus the application. */
  private checkDistributions(): void {
    if (this.texts.lock === undefined) {
      this.report('PH308', `${this.prefix}/requirements.lock`, 1, `the RPM does not ship its lock at ${this.prefix}/requirements.lock, so what it installs cannot be checked (charter §13: embed dependency hashes)`);
      return;
    }
    const locked = new Map(lockedPackages(this.texts.lock, this.ctx.interpreter, this.ctx.arch).map((p) => [normalizeName(p.name), p]));
    const config = parseConfigJson(this.texts.config);
    const application = config.application ? normalizeName(config.application.name) : normalizeName(this.ctx.tool);
    const skipped = new Set((config.skipped ?? []).map(normalizeName));
    const installed = new Map<string, { version: string; path: string }>();
    for (const meta of this.metadata) {
      if (!meta.path.startsWith(`${this.sitePackages}/`)) continue;
      const name = /^Name:\s*(.+)$/m.exec(meta.text)?.[1]?.trim();
      const version = /^Version:\s*(.+)$/m.exec(meta.text)?.[1]?.trim();
      if (name && version) installed.set(normalizeName(name), { version, path: posix.dirname(meta.path) });
    }
    for (const [name, dist] of installed) {
      const pin = locked.get(name);
      if (!pin) {
        if (name !== application) this.report('PH308', dist.path, 1, `${name} ${dist.version} is installed but not in requirements.lock: everything in the venv comes from the lock (charter §6.1)`);
      } else if (!satisfies(dist.version, [{ operator: '==', version: pin.version }])) {
        this.report('PH308', dist.path, 1, `${name} ${dist.version} is installed but the lock pins ${pin.version}`);
      }
    }
    for (const [name, pin] of locked) {
      if (!installed.has(name) && !skipped.has(name)) {
        this.report('PH308', `${this.prefix}/requirements.lock`, 1, `${pin.name}==${pin.version} is in the lock but not installed in the venv`);
      }
    }
  }

  /** PH310: every needed shared library is in the venv or in the distro's base set. */
  private checkLibraries(): void {
    for (const { path, needed } of this.elfNeeds) {
      for (const lib of needed) {
        if (!this.provided.has(lib) && !BASE_LIBRARIES.has(lib)) {
          this.report('PH310', path, 1, `the ELF file needs ${lib}, which is neither in the venv nor in ${this.ctx.distro.key}'s base libraries: the tool may fail to load on an installed system unless another package provides it`);
        }
      }
    }
  }

  /** PH305 for files not shipped verbatim from a hash-locked wheel: a build path in them came from the build. */
  private checkBuildPaths(): void {
    const verbatim = new Set<string>();
    for (const record of this.records) {
      const base = posix.dirname(posix.dirname(record.path));
      for (const row of record.text.split(/\r?\n/)) {
        const m = /^(.*),sha256=([A-Za-z0-9_-]+),/.exec(row);
        const file = m ? posix.resolve(base, (m[1] ?? '').replace(/^"|"$/g, '')) : undefined;
        if (file && this.files.get(file)?.sha256 === m?.[2] && !file.startsWith(`${this.venv}/bin/`)) verbatim.add(file);
      }
    }
    for (const [path, facts] of this.files) {
      if (facts.buildPath && !verbatim.has(path)) this.report('PH305', path, 1, `the file names a build-time path (${facts.buildPath}): relocate the venv to its installed path before packaging`);
      if (facts.compiledFor && this.files.has(facts.compiledFor.source)) this.report('PH305', path, 1, facts.compiledFor.message);
    }
  }
}

/** The rule that reads a file at this path as text, when it is one of those: too large, it cannot be read. */
function largeText(path: string, auditor: PayloadAuditor): RuleId | undefined {
  if (/\.dist-info\/(RECORD|METADATA)$/.test(path)) return 'PH312';
  if (path.endsWith('.pth') || /\/(site|user)customize\.py$/.test(path)) return 'PH303';
  if (path === `${auditor.venv}/pyvenv.cfg`) return 'PH302';
  if (path === auditor.modulefile) return 'PH205';
  if (path === `${auditor.prefix}/requirements.lock`) return 'PH308';
  return undefined;
}

/**
 * Finds the first build-time path in bytes that arrive in pieces: each piece is searched
 * with the end of the one before, so a marker split between two pieces is found too.
 */
export class BuildPathScanner {
  private tail = Buffer.alloc(0);
  private readonly overlap: number;
  found: string | undefined;

  constructor(private readonly literal: readonly string[]) {
    this.overlap = Math.max(64, ...literal.map((l) => Buffer.byteLength(l))) + 64;
  }

  push(chunk: Buffer): void {
    if (this.found) return;
    const window = Buffer.concat([this.tail, chunk]);
    this.found = buildPathIn(window, this.literal);
    this.tail = Buffer.from(window.subarray(Math.max(0, window.length - this.overlap)));
  }
}

function parseConfigJson(text: string | undefined): { application?: { name: string }; skipped?: string[] } {
  try {
    return text ? (JSON.parse(text) as { application?: { name: string }; skipped?: string[] }) : {};
  } catch {
    return {};
  }
}

/** The first build-time path marker in the bytes, if any. */
export function buildPathIn(data: Buffer, literal: readonly string[]): string | undefined {
  for (const marker of [...literal, ...BUILD_MARKERS]) {
    if (marker && data.includes(marker)) return marker;
  }
  if (data.includes('/tmp/pip-')) {
    const m = PIP_TEMP.exec(data.toString('latin1'));
    if (m) return m[0];
  }
  return undefined;
}
