/**
 * The audit of one binary RPM against the charter: the header rules, then the payload rules
 * as the payload streams by. Works on RPMs built by any means.
 */
import { basename } from 'node:path';
import { sortFindings, type Finding } from '../checks/finding.js';
import { DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE, expandPython } from '../build/layout.js';
import { distro as lookupDistro } from '../plan/distros.js';
import { readText } from '../plan/project.js';
import type { Log } from '../report/log.js';
import { checkIdentity, checkProvides, checkRequires, checkScriptlets, payloadIdentity } from './header-rules.js';
import { PayloadAuditor } from './payload.js';
import { assertBinaryRpm, readHeader, readPayload } from './rpm-file.js';
import { smokeTest } from './smoke-test.js';
import type { CpioEntry } from './cpio.js';

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
  /** Install, load and run the tool after the rules (PH314). */
  smokeTest?: { command?: string; python?: string };
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
}

export async function audit(options: AuditOptions, log: Log): Promise<AuditResult> {
  assertBinaryRpm(options.rpm);
  const start = performance.now();
  const distro = lookupDistro(options.distro);
  const file = basename(options.rpm);
  const header = await readHeader(options.rpm);

  // The payload is read once; entries before the identity is known wait in a short queue.
  const pending: CpioEntry[] = [];
  let auditor: PayloadAuditor | undefined;
  let interpreter = options.interpreter ?? /^phoreus-python-(\d+\.\d+)$/.exec(header.requires.map((r) => r.split(/\s/)[0] ?? '').find((r) => /^phoreus-python-/.test(r)) ?? '')?.[1];
  let identity: { tool: string; version: string } | undefined;
  const newAuditor = (tool: string, version: string, minor: string): PayloadAuditor =>
    new PayloadAuditor({
      tool, version, interpreter: minor, distro, arch: header.arch, buildPaths: options.buildPaths ?? [],
      interpreterHome: expandPython(options.interpreterHome ?? DEFAULT_INTERPRETER_HOME, minor),
      interpreterModule: expandPython(options.interpreterModule ?? DEFAULT_INTERPRETER_MODULE, minor),
    });
  await readPayload(options.rpm, (entry) => {
    if (auditor) return auditor.add(entry);
    pending.push(entry);
    identity ??= payloadIdentity([`/${entry.name}`]);
    interpreter ??= /\/venv\/lib\/python(\d+\.\d+)\//.exec(`/${entry.name}`)?.[1];
    if (identity && interpreter) {
      auditor = newAuditor(identity.tool, identity.version, interpreter);
      for (const e of pending.splice(0)) auditor.add(e);
    }
  });
  const minor = interpreter ?? '3.11';
  if (!auditor) {
    // No venv found while streaming: judge what there is with the header's own identity.
    const fallback = identity ?? { tool: header.name.replace(/^phoreus-/, '').replace(new RegExp(`-${header.version}$`), ''), version: header.version };
    auditor = newAuditor(fallback.tool, fallback.version, minor);
    for (const e of pending.splice(0)) auditor.add(e);
  }
  const interpreterModule = expandPython(options.interpreterModule ?? DEFAULT_INTERPRETER_MODULE, minor);
  const ctx = { file, interpreterModule };
  const beside = options.modulefile ? { file: basename(options.modulefile), text: readText(options.modulefile) } : undefined;
  const findings = [
    ...checkIdentity(header, identity, ctx),
    ...checkRequires(header, ctx),
    ...checkProvides(header, ctx),
    ...checkScriptlets(header, ctx),
    ...auditor.finish(beside),
  ];
  if (options.smokeTest && identity) {
    findings.push(...(await smokeTest({
      rpm: options.rpm, tool: identity.tool, version: identity.version, interpreter: minor, interpreterModule,
      interpreterHome: expandPython(options.interpreterHome ?? DEFAULT_INTERPRETER_HOME, minor),
      ...(options.smokeTest.command ? { command: options.smokeTest.command } : {}),
      ...(options.smokeTest.python ? { python: options.smokeTest.python } : {}),
    }, log)));
  }
  const seconds = (performance.now() - start) / 1000;
  log.info(`Audited ${file}: ${auditor.stats.files} payload entries, ${(auditor.stats.bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s`);
  return {
    rpm: options.rpm, name: header.name, interpreter: minor, findings: sortFindings(findings), files: auditor.stats.files, bytes: auditor.stats.bytes, seconds,
    ...(identity ? { tool: identity.tool, version: identity.version } : {}),
  };
}
