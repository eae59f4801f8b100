/**
 * The ELF files of the payload: an interpreter copied in (PH306), glibc (PH309), RPATH
 * (PH305), another machine's files (PH309, PH318), needed libraries (PH310). Pure.
 */
import { posix } from 'node:path';
import { EM_AARCH64, EM_X86_64, newestGlibc, type ElfInfo } from '../elf.js';
import { buildPathIn } from './build-paths.js';
import type { PayloadState, Report } from './state.js';

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

/**
 * PH306 (an interpreter copied into bin/), PH309 (glibc), PH305 (RPATH); an ELF file of
 * another machine is judged at the end by what would load it (PH309, PH318), and is neither
 * a library the venv provides nor one whose needs count; needed libraries are judged at the
 * end too (PH310).
 */
export function checkElf(p: PayloadState, report: Report, path: string, elf: ElfInfo): void {
  if (path.startsWith(`${p.venv}/bin/`) && /\/python[\d.]*$/.test(path)) {
    const target = `${p.ctx.interpreterHome}/bin/python${p.ctx.interpreter}`;
    report('PH306', path, 1, `${posix.basename(path)} is a copy of an interpreter, not a link to the target interpreter ${target}: a copy runs with the build machine's RUNPATH and prefix; create the venv with links (python -m venv --symlinks, the default on Linux)`);
  }
  const machine = ELF_MACHINES[p.ctx.arch];
  if (machine !== undefined && elf.machine !== machine) {
    p.foreign.push({ path, machine: elf.machine, ...(elf.soname ? { soname: elf.soname } : {}) });
    return;
  }
  if (elf.soname) p.provided.add(elf.soname);
  p.provided.add(posix.basename(path));
  p.elfNeeds.push({ path, needed: elf.needed });
  const glibc = newestGlibc(elf);
  const [major, minor] = p.ctx.distro.glibc;
  if (glibc && (glibc[0] > major || (glibc[0] === major && glibc[1] > minor))) {
    report('PH309', path, 1, `the ELF file needs GLIBC_${glibc.join('.')}, newer than ${p.ctx.distro.key}'s glibc ${major}.${minor}: use a manylinux wheel no newer than manylinux_${major}_${minor}, or build in a ${p.ctx.distro.image} container`);
  }
  for (const entry of elf.rpath) checkRunpath(p, report, path, entry);
}

/**
 * PH305 and PH320: an RPATH/RUNPATH entry is $ORIGIN-relative, or a directory of the venv, the
 * interpreter's home or the system's own library directories; anything else is a directory
 * of the build machine (an error when it is plainly one: a home, a CI workspace, a user's
 * interpreter) or of the tree an upstream wheel was built in (a warning: scipy's wheels
 * name their manylinux container's /opt/_internal).
 */
export function checkRunpath(p: PayloadState, report: Report, path: string, entry: string): void {
  if (/^\$(ORIGIN|\{ORIGIN\})(\/|$)/.test(entry)) return;
  const marker = buildPathIn(Buffer.from(entry), p.ctx.buildPaths) ?? (entry.startsWith('/tmp/') ? '/tmp/' : undefined);
  if (marker) {
    report('PH305', path, 1, `the ELF RPATH/RUNPATH names ${entry}, a build-time path; use $ORIGIN-relative paths`);
    return;
  }
  if (!entry.startsWith('/')) {
    report('PH305', path, 1, `the ELF RPATH/RUNPATH names ${entry}, a relative directory the loader takes from the current directory of whoever runs the tool; use $ORIGIN-relative paths`);
    return;
  }
  const dir = posix.normalize(entry).replace(/\/+$/, '');
  const within = (root: string): boolean => dir === root || dir.startsWith(`${root}/`);
  if (within(p.venv) || within(p.ctx.interpreterHome) || SYSTEM_LIBRARY_DIRS.has(dir)) return;
  if (BUILD_MACHINE_DIR.test(`${dir}/`)) {
    report('PH305', path, 1, `the ELF RPATH/RUNPATH names ${entry}, outside the venv and the interpreter's home ${p.ctx.interpreterHome}: a directory of the build machine (a home, a CI workspace, a user's interpreter), searched first on every target; use $ORIGIN-relative paths`);
    return;
  }
  report('PH320', path, 1, `the ELF RPATH/RUNPATH names ${entry}, outside the venv and the interpreter's home: most likely the directory the upstream wheel was built in (a manylinux container's), absent on targets but searched first by the loader; ask upstream to use $ORIGIN-relative paths, or waive it with its reason`);
}

/**
 * PH309 and PH318 for ELF files of another machine. The target can never load one: that
 * is an error where something would load it — Python importing it as an extension module,
 * an ELF file of the venv needing it, the shell running it from bin/ — and otherwise an
 * inert file of the wheel (a binary bundled for every platform), worth a warning only.
 */
export function judgeForeignElf(p: PayloadState, report: Report): void {
  const neededBy = new Map<string, string>();
  for (const { path, needed } of p.elfNeeds) for (const lib of needed) if (!neededBy.has(lib)) neededBy.set(lib, path);
  for (const elf of p.foreign) {
    const what = `the ELF file is built for ${machineName(elf.machine)}, not ${p.ctx.arch}`;
    const fix = `lock the package's wheel for ${p.ctx.arch} (its platform tag), or build it from its sdist on ${p.ctx.arch} (packages.forceSource)`;
    const user = neededBy.get(elf.soname ?? '') ?? neededBy.get(posix.basename(elf.path));
    if (isExtensionModule(p, elf.path)) {
      report('PH309', elf.path, 1, `${what}, and it is an extension module Python would import: the import fails on the target; ${fix}`);
    } else if (user) {
      report('PH309', elf.path, 1, `${what}, and ${user} needs it: the loader cannot load it on the target; ${fix}`);
    } else if (posix.dirname(elf.path) === `${p.venv}/bin`) {
      report('PH309', elf.path, 1, `${what}, and it is a program on PATH once the module is loaded: it cannot run on the target; ${fix}`);
    } else {
      report('PH318', elf.path, 1, `${what}; nothing in the venv imports, links or runs it, so it is inert on the target (a binary a wheel bundles for each platform): waive it in phoreus.yaml (audit.waive) with the reason, or remove the package if it needs it`);
    }
  }
}

/** Whether Python would import the file as an extension module: a tagged .so, or a plain one in a package or site-packages itself. */
export function isExtensionModule(p: PayloadState, path: string): boolean {
  if (!path.startsWith(`${p.venv}/lib/`) || !path.endsWith('.so')) return false;
  const name = posix.basename(path);
  if (/\.(cpython-[^/]*|abi3)\.so$/.test(name)) return true;
  const dir = posix.dirname(path);
  return /^[A-Za-z_][A-Za-z0-9_]*\.so$/.test(name) && (dir === p.sitePackages || p.files.has(`${dir}/__init__.py`));
}

/** PH310: every needed shared library is in the venv or in the distro's base set. */
export function checkLibraries(p: PayloadState, report: Report): void {
  for (const { path, needed } of p.elfNeeds) {
    for (const lib of needed) {
      if (!p.provided.has(lib) && !BASE_LIBRARIES.has(lib)) {
        report('PH310', path, 1, `the ELF file needs ${lib}, which is neither in the venv nor in ${p.ctx.distro.key}'s base libraries: the tool may fail to load on an installed system unless another package provides it`);
      }
    }
  }
}

