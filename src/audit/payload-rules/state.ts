/**
 * What the payload rules share: the context of the audit, the facts gathered file by file as
 * the archive streams by (kept small: digests, links, parsed RECORD rows, a few texts), and
 * the one way to report a finding. Pure.
 */
import type { Waiver, WaiverSet } from '../../core/waivers.js';
import type { RuleId } from '../../core/rules.js';
import type { Distro } from '../../plan/distros.js';
import type { LockedPackage } from '../../checks/lockfile.js';

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

/** Reports a finding (waived, capped) at a file of the payload. */
export type Report = (rule: RuleId, file: string, line: number, message: string) => void;

/** An ELF file built for another machine than the RPM's: judged at the end, by what would load it. */
export interface ForeignElf {
  path: string;
  machine: number;
  soname?: string;
}

/** A script's interpreter line, judged at the end, once the payload's symlinks are known. */
export interface Shebang {
  path: string;
  line: number;
  interpreter: string;
  first: string;
}

export interface FileFacts {
  /** The header's digest, which rpm checks the file against as it installs it; hashed as it streams by when the header gives none. */
  sha256?: string;
  size: number;
  /** The first build-time path found in the bytes, when the file is not bytecode or ELF. */
  buildPath?: string;
  /** Bytecode whose co_filename is not its installed source: the source, and the message. */
  compiledFor?: { source: string; message: string };
}

/** A file a RECORD row names, with the digest it gives. */
export interface Listed {
  file: string;
  sha256: string;
}

/** A distribution's RECORD, parsed once for every rule that reads it. */
export interface Record {
  path: string;
  rows: Array<{
    line: number;
    /** A well-formed row: path, sha256 digest and size. */
    exact?: Listed;
    /** Any row that gives a path and a sha256 digest. */
    lenient?: Listed;
  }>;
}

export interface PayloadState {
  readonly ctx: PayloadContext;
  readonly prefix: string;
  readonly venv: string;
  readonly sitePackages: string;
  readonly modulefile: string;
  readonly waivers: WaiverSet;
  readonly files: Map<string, FileFacts>;
  readonly symlinks: Map<string, string>;
  /** Every path the payload holds, to find the header's files it does not (ghosts). */
  readonly paths: Set<string>;
  readonly records: Record[];
  readonly metadata: Array<{ path: string; text: string }>;
  readonly elfNeeds: Array<{ path: string; needed: string[] }>;
  readonly provided: Set<string>;
  readonly foreign: ForeignElf[];
  readonly shebangs: Shebang[];
  readonly pycVersions: Map<string, string>;
  readonly texts: { pyvenv?: string; modulefile?: string; lock?: string; config?: string };
  /** The lock's pins for the target, read when the lock streams by (it comes before the venv). */
  locked?: LockedPackage[];
  /** "<sha256><path>" of every file a RECORD lists, outside bin/: the wheels' files as installed, when a file has that digest. */
  readonly listed: Set<string>;
}
