/**
 * The audit of one binary RPM against the charter: the header rules, then the payload rules
 * as the payload streams by. Works on RPMs built by any means, and is safe to run on an RPM
 * from anywhere: nothing of it is extracted except by the smoke test, which runs only on a
 * payload judged sound.
 */
import { basename, dirname } from 'node:path';
import { countBySeverity, sortFindings, type Finding } from '../core/finding.js';
import type { Waiver } from '../core/waivers.js';
import { DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE, expandPython } from '../core/layout.js';
import { BuildFailure } from '../core/errors.js';
import { distro as lookupDistro } from '../plan/distros.js';
import { readText } from '../core/files.js';
import type { Log } from '../core/log.js';
import { checkValues } from '../inputs/options.js';
import { isRegular } from './cpio.js';
import { checkIdentity, checkProvides, checkRequires, checkScriptlets, payloadIdentity, type RpmHeader } from './header-rules.js';
import { PayloadAuditor } from './payload.js';
import { entryReader, Gatherers, type PayloadSink } from './payload-files.js';
import { startPayload, type PayloadStream } from './payload-stream.js';
import { assertBinaryRpm, readHeader } from './rpm-file.js';
import { SbomCheck } from './sbom-rules.js';
import { checkSignature } from './signature.js';
import { smokeTest, type SmokeTestRun } from './smoke-test.js';

export interface AuditOptions {
  rpm: string;
  /** X.Y; else the interpreter module the RPM requires, else the venv's lib/pythonX.Y. */
  interpreter?: string;
  distro: string;
  interpreterHome?: string;
  interpreterModule?: string;
  /** The modulefile written beside the RPM, checked too. */
  modulefile?: string;
  buildPaths?: string[];
  /** The configuration's audit waivers for the RPM's interpreter (audit.waive in phoreus.yaml). */
  waiversFor?: (interpreter: string) => readonly Waiver[];
  /** Install, load and run the tool after the rules (PH314). */
  smokeTest?: { command?: string; python?: string };
  /** An ASCII-armoured OpenPGP public key: the RPM must carry a signature by it that verifies (PH402). */
  signedBy?: string;
}

export interface AuditResult {
  rpm: string;
  name: string;
  interpreter: string;
  tool?: string;
  version?: string;
  findings: Finding[];
  files: number;
  bytes: number;
  seconds: number;
  /** Why the smoke test did not run, when it was asked for and did not. */
  smokeSkipped?: string;
  /** What the smoke test ran and whether it passed, when it ran. */
  smokeTest?: SmokeTestRun;
}

/** Files up to this size may be held in memory. */
const WHOLE_LIMIT = 32 * 1024 * 1024;
/** A venv holds tens of thousands of files, never this many: more is a payload built to exhaust the audit. */
const MAX_ENTRIES = 400_000;

/** What the RPM is judged as: its tool and version, interpreter, and the interpreter's home and module. */
function targetOf(header: RpmHeader, options: AuditOptions) {
  // Who the RPM says it is comes from its header's file list, before a byte of payload is read.
  const paths = header.files.map((f) => f.path);
  const identity = payloadIdentity(paths);
  const minor = options.interpreter
    ?? /^phoreus-python-(\d+\.\d+)$/.exec(header.requires.map((r) => r.split(/\s/)[0] ?? '').find((r) => /^phoreus-python-\d+\.\d+$/.test(r)) ?? '')?.[1]
    ?? paths.map((p) => /\/venv\/lib\/python(\d+\.\d+)\//.exec(p)?.[1]).find(Boolean)
    ?? '3.11';
  const own = identity ?? { tool: header.name.replace(/^phoreus-/, '').replace(new RegExp(`-${header.version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), ''), version: header.version };
  return {
    identity, minor, own,
    interpreterHome: expandPython(options.interpreterHome ?? DEFAULT_INTERPRETER_HOME, minor),
    interpreterModule: expandPython(options.interpreterModule ?? DEFAULT_INTERPRETER_MODULE, minor),
  };
}

/**
 * Every payload entry to the auditor and the SBOM check as it streams by (payload-files.ts),
 * each regular file with the digest the header gives it, which rpm checks the file against
 * when it installs it; a file the header gives none is hashed.
 */
async function readPayloadInto(payload: PayloadStream, file: string, header: RpmHeader, buildPaths: readonly string[], auditor: PayloadAuditor, sbom: SbomCheck): Promise<void> {
  const limits = { limit: WHOLE_LIMIT, gather: new Gatherers(), buildPaths };
  const sink: PayloadSink = {
    readsWhole: (name) => auditor.readsWhole(name) || sbom.reads(name),
    compiledFrom: (name) => auditor.compiledFrom(name),
    isVerbatim: (name, sha256) => auditor.isVerbatim(name, sha256),
    whole: (entry) => {
      auditor.add(entry);
      sbom.see(entry);
    },
    streamed: (f) => auditor.addStreamed(f),
  };
  let entries = 0;
  await payload.read((header, entry) => {
    if (++entries > MAX_ENTRIES) throw new BuildFailure(`the payload of ${file} holds more than ${MAX_ENTRIES} entries, far more than any venv: it is not audited`);
    return entryReader(header, entry, sink, limits);
  }, (name) => header.digests.get(name));
}

/**
 * PH314: the smoke test, when asked for and the audit found no error: a payload with errors
 * may hold anything (paths outside the prefix, unsafe names, setuid files), so it is not
 * installed, even in a namespace. Returns why it did not run, when it did not.
 */
async function smokeTestIfSound(options: AuditOptions, target: ReturnType<typeof targetOf>, findings: Finding[], log: Log, ran: SmokeTestRun): Promise<string | undefined> {
  if (!options.smokeTest) return undefined;
  const errors = countBySeverity(findings).errors;
  const { identity } = target;
  const skipped = errors > 0 ? `the audit found ${errors} error(s), so the payload is not installed` : !identity ? 'the payload has no venv to run' : undefined;
  if (skipped || !identity) {
    log.info(`No smoke test: ${skipped}`);
    return skipped;
  }
  findings.push(...(await smokeTest({
    rpm: options.rpm, tool: identity.tool, version: identity.version, interpreter: target.minor,
    interpreterModule: target.interpreterModule, interpreterHome: target.interpreterHome,
    ...(options.smokeTest.command ? { command: options.smokeTest.command } : {}),
    ...(options.smokeTest.python ? { python: options.smokeTest.python } : {}),
  }, log, ran)));
  return undefined;
}

export async function audit(options: AuditOptions, log: Log): Promise<AuditResult> {
  checkValues(options);
  assertBinaryRpm(options.rpm);
  const start = performance.now();
  const distro = lookupDistro(options.distro);
  const file = basename(options.rpm);
  // The payload starts decompressing while rpm reads the header.
  const payload = startPayload(options.rpm);
  let header;
  try {
    header = await readHeader(options.rpm);
  } catch (error) {
    payload.cancel();
    throw error;
  }

  const target = targetOf(header, options);
  const { identity, minor, own, interpreterModule } = target;
  const buildPaths = options.buildPaths ?? [];
  const auditor = new PayloadAuditor({
    tool: own.tool, version: own.version, interpreter: minor, distro, arch: header.arch, buildPaths, interpreterHome: target.interpreterHome, interpreterModule,
    waivers: options.waiversFor?.(minor) ?? [],
  });
  const sbom = new SbomCheck(auditor.prefix, auditor.sitePackages, { interpreter: minor, arch: header.arch });
  if (header.digests.size === 0 && header.files.some((f) => isRegular(f.mode))) {
    log.info(`${file} gives no SHA-256 file digests that can be trusted (old rpms wrote MD5): every file is hashed as it streams by`);
  }
  await readPayloadInto(payload, file, header, buildPaths, auditor, sbom);
  auditor.checkHeaderFiles(header.files);
  const ctx = { file, interpreterModule };
  const beside = options.modulefile ? { file: basename(options.modulefile), text: readText(options.modulefile, dirname(options.modulefile)) } : undefined;
  const findings = [
    ...checkIdentity(header, identity, ctx),
    ...checkRequires(header, ctx),
    ...checkProvides(header, ctx),
    ...checkScriptlets(header, ctx),
    ...auditor.finish(beside),
    ...sbom.finish(),
    ...(options.signedBy ? await checkSignature(options.rpm, options.signedBy) : []),
  ];
  const smokeRan: SmokeTestRun = { passed: false };
  const smokeSkipped = await smokeTestIfSound(options, target, findings, log, smokeRan);

  const seconds = (performance.now() - start) / 1000;
  log.info(`Audited ${file}: ${auditor.stats.files} payload entries, ${(auditor.stats.bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s`);
  return {
    rpm: options.rpm, name: header.name, interpreter: minor, findings: sortFindings(findings), files: auditor.stats.files, bytes: auditor.stats.bytes, seconds,
    ...(identity ? { tool: identity.tool, version: identity.version } : {}),
    ...(smokeSkipped ? { smokeSkipped } : {}),
    ...(smokeRan.command ? { smokeTest: smokeRan } : {}),
  };
}
