/** The rules on requirements.lock alone: PH103–PH106, PH109, PH111, PH112. Pure: no I/O. */
import { finding, type Finding } from '../core/finding.js';
import { evaluateMarker, targetEnvironment, type MarkerEnvironment } from '../requirements/markers.js';
import { normalizeName, formatSpecifier } from '../requirements/pep508.js';
import { generatesHashes, parseCompileHeader } from '../requirements/header.js';
import { optionEntries, parseRequirementsFile, requirementEntries, type RequirementEntry, type RequirementsFile } from '../requirements/parse.js';
import { literalCredentials, redact } from '../core/redact.js';

export interface LockContext {
  /** Path of the lock relative to the project, as findings name it. */
  lockName: string;
  /** Path of requirements.in relative to the project, for messages. */
  inName: string;
  lock: RequirementsFile;
  interpreter: string;
  env: MarkerEnvironment;
}

const REGENERATE = (ctx: LockContext): string =>
  `pip-compile --generate-hashes --allow-unsafe --output-file=${ctx.lockName} ${ctx.inName}`;

/** A lock line applies to the target when it has no marker or its marker holds there. */
export function appliesTo(entry: RequirementEntry, env: MarkerEnvironment): boolean {
  const marker = entry.requirement?.marker;
  if (!marker) return true;
  try {
    return evaluateMarker(marker, env);
  } catch {
    return true; // a malformed marker is reported by PH103; count the line as present
  }
}

/** The version a lock entry pins exactly, or undefined when it is not an exact pin. */
export function exactPin(entry: RequirementEntry): string | undefined {
  const spec = entry.requirement?.specifier ?? [];
  const only = spec[0];
  if (spec.length !== 1 || !only || entry.requirement?.url) return undefined;
  if (only.operator === '===') return only.version;
  if (only.operator === '==' && !only.version.includes('*')) return only.version;
  return undefined;
}

export interface LockedPackage {
  name: string;
  version: string;
  /** sha256 hex digests the lock allows for this package. */
  hashes: string[];
}

/** Lines of the lock that apply to the target, as packages with their allowed sha256 digests. */
export function lockedPackages(lock: string | RequirementsFile, interpreter: string, arch: string): LockedPackage[] {
  const env = targetEnvironment(interpreter, arch);
  return requirementEntries(typeof lock === 'string' ? parseRequirementsFile(lock) : lock)
    .filter((e) => appliesTo(e, env) && e.requirement?.name && exactPin(e) !== undefined)
    .map((e) => ({
      name: e.requirement?.name ?? '',
      version: exactPin(e) ?? '',
      hashes: e.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.digest.toLowerCase()),
    }));
}

/** Lines that are names, not locations, and not editable: the ones PH103 and PH104 judge. */
function namedEntries(lock: RequirementsFile): RequirementEntry[] {
  return requirementEntries(lock).filter((e) => e.requirement && !e.requirement.url && !e.editable);
}

export function checkParseProblems(ctx: LockContext): Finding[] {
  return ctx.lock.problems.map((p) => {
    const message = `${redact(p.message)}; regenerate the lock with \`${REGENERATE(ctx)}\` instead of editing it`;
    if (p.kind === 'hash') return finding('PH104', ctx.lockName, p.line, message);
    if (p.kind === 'requirement') return finding('PH103', ctx.lockName, p.line, `cannot read this requirement: ${message}`);
    return finding('PH106', ctx.lockName, p.line, `pip-compile does not write this line: ${message}`);
  });
}

export function checkPins(ctx: LockContext): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, RequirementEntry>();
  for (const entry of namedEntries(ctx.lock)) {
    const req = entry.requirement;
    if (!req) continue;
    if (req.marker) {
      try {
        evaluateMarker(req.marker, ctx.env);
      } catch (error) {
        findings.push(finding('PH103', ctx.lockName, entry.line, `the marker of ${req.name} cannot be read (${(error as Error).message}); regenerate the lock with \`${REGENERATE(ctx)}\``));
      }
    }
    if (exactPin(entry) === undefined) {
      const spec = req.specifier.length ? `"${formatSpecifier(req.specifier)}"` : 'no version at all';
      findings.push(finding('PH103', ctx.lockName, entry.line, `${req.name} is pinned with ${spec}, not one exact version; pin it with == by regenerating the lock with \`${REGENERATE(ctx)}\``));
    }
    if (!appliesTo(entry, ctx.env)) continue;
    const key = normalizeName(req.name);
    const first = seen.get(key);
    if (first) {
      findings.push(finding('PH103', ctx.lockName, entry.line, `${req.name} is pinned twice (also on line ${first.line}); keep one pin by regenerating the lock with \`${REGENERATE(ctx)}\``));
    } else {
      seen.set(key, entry);
    }
  }
  return findings;
}

const SHA256 = /^[0-9a-f]{64}$/i;

export function checkHashes(ctx: LockContext): Finding[] {
  const findings: Finding[] = [];
  for (const entry of requirementEntries(ctx.lock)) {
    if (entry.editable) continue;
    const name = entry.requirement?.name || redact(entry.text);
    const sha256 = entry.hashes.filter((h) => h.algorithm === 'sha256');
    const malformed = sha256.find((h) => !SHA256.test(h.digest));
    if (malformed) {
      findings.push(finding('PH104', ctx.lockName, entry.line, `${name} has --hash=sha256:${malformed.digest.slice(0, 16)}…, which is not a 64-digit hex sha256 digest; regenerate the lock with \`${REGENERATE(ctx)}\``));
    } else if (sha256.length === 0) {
      const others = entry.hashes.map((h) => h.algorithm);
      const why = others.length ? ` (only ${[...new Set(others)].join(', ')}, which do not count)` : '';
      findings.push(finding('PH104', ctx.lockName, entry.line, `${name} has no --hash=sha256:${why}; regenerate the lock with \`${REGENERATE(ctx)}\` so pip can install it with --require-hashes`));
    }
  }
  return findings;
}

export function checkLocations(ctx: LockContext): Finding[] {
  const findings: Finding[] = [];
  for (const entry of requirementEntries(ctx.lock)) {
    const shown = redact(entry.text);
    const fix = 'publish it to the package index as a versioned release and pin it with == instead';
    if (entry.editable) {
      findings.push(finding('PH105', ctx.lockName, entry.line, `editable requirement "-e ${shown}": a built RPM cannot depend on a working tree; ${fix}`));
      continue;
    }
    const url = entry.requirement?.url;
    if (!url) continue;
    const kind = /^(git|hg|svn|bzr)\+/.test(url)
      ? 'VCS requirement'
      : /^file:/i.test(url) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)
        ? 'local-path requirement'
        : 'direct-URL requirement';
    findings.push(finding('PH105', ctx.lockName, entry.line, `${kind} "${shown}": only named, pinned, hashed releases from the index are allowed; ${fix}`));
  }
  return findings;
}

/** The option lines pip-compile writes into a lock: indexes, find-links, trusted hosts, binary format controls. */
const WRITTEN_BY_PIP_COMPILE = new Set(['--index-url', '--extra-index-url', '--find-links', '--trusted-host', '--no-binary', '--only-binary']);

/**
 * PH106: an option pip-compile never writes. `-r`/`-c` would pull in requirements no hash of
 * this lock covers, `--global-option`/`--config-settings` would change how a package builds,
 * `--pre`, `--no-index` or `--require-hashes` would change how pip reads the file.
 */
export function checkOptions(ctx: LockContext): Finding[] {
  return optionEntries(ctx.lock)
    .filter((o) => !WRITTEN_BY_PIP_COMPILE.has(o.name))
    .map((o) => finding('PH106', ctx.lockName, o.line, `pip-compile never writes ${o.name} into a lock${o.name === '--requirement' || o.name === '--constraint' ? ': it would pull in requirements this lock does not pin with hashes' : ''}; remove the line and regenerate the lock with \`${REGENERATE(ctx)}\``));
}

/** PH106 and PH109: what the pip-compile header says. */
export function checkHeader(ctx: LockContext): Finding[] {
  const header = parseCompileHeader(ctx.lock);
  if (!header) {
    return [finding('PH106', ctx.lockName, 1, `${ctx.lockName} has no pip-compile header ("This file is autogenerated by pip-compile"); generate it with \`${REGENERATE(ctx)}\``)];
  }
  const findings: Finding[] = [];
  const line = header.commandLine ?? header.line;
  if (!header.command) {
    findings.push(finding('PH106', ctx.lockName, header.line, `the pip-compile header records no command, so --generate-hashes cannot be confirmed; regenerate with \`${REGENERATE(ctx)}\``));
  } else if (!header.args) {
    findings.push(finding('PH106', ctx.lockName, line, `the recorded command "${redact(header.command)}" is not a pip-compile invocation (CUSTOM_COMPILE_COMMAND hides it); unset CUSTOM_COMPILE_COMMAND and regenerate with \`${REGENERATE(ctx)}\``));
  } else if (!generatesHashes(header.args)) {
    findings.push(finding('PH106', ctx.lockName, line, `the recorded command "${redact(header.command)}" lacks --generate-hashes; regenerate with \`${REGENERATE(ctx)}\``));
  }
  if (header.pythonVersion && header.pythonVersion !== ctx.interpreter) {
    findings.push(finding('PH109', ctx.lockName, header.line, `the lock was compiled with Python ${header.pythonVersion} but the target interpreter is ${ctx.interpreter}; pins and hashes differ between Python versions, so re-run pip-compile with python${ctx.interpreter} (\`python${ctx.interpreter} -m piptools compile …\`)`));
  }
  return findings;
}

export function checkPipPinned(ctx: LockContext): Finding[] {
  const pinned = namedEntries(ctx.lock).some((e) => normalizeName(e.requirement?.name ?? '') === 'pip' && exactPin(e) !== undefined);
  if (pinned) return [];
  const commented = ctx.lock.comments.find((c) => c.text.trim() === 'pip');
  return [finding('PH111', ctx.lockName, commented?.line ?? 1, `pip is not pinned in the lock, so the build cannot upgrade pip deterministically; add pip to ${ctx.inName} or regenerate with --allow-unsafe: \`${REGENERATE(ctx)}\``)];
}

export interface CredentialScan {
  findings: Finding[];
  /** Literal secrets found, for masking in logs. Never printed. */
  secrets: string[];
}

/** PH112 over a requirements file: option URLs, requirement URLs and the header's recorded command. */
export function checkCredentials(fileName: string, file: RequirementsFile): CredentialScan {
  const findings: Finding[] = [];
  const secrets: string[] = [];
  const report = (line: number, what: string, text: string): void => {
    const found = literalCredentials(text);
    if (found.length === 0) return;
    secrets.push(...found);
    findings.push(finding('PH112', fileName, line, `${what} holds a credential (${redact(text)}); remove it from the file and pass the URL with its credential through an environment variable or a secret (PIP_INDEX_URL, or \${TOKEN} in the URL)`));
  };
  for (const option of optionEntries(file)) {
    if (option.value) report(option.line, option.name, option.value);
  }
  for (const entry of requirementEntries(file)) {
    report(entry.line, 'the requirement', entry.text);
  }
  for (const comment of file.comments) {
    report(comment.line, 'a comment (the recorded pip-compile command)', comment.text);
  }
  return { findings, secrets };
}

/** All the lock-only rules, in one call. */
export function checkLock(ctx: LockContext): Finding[] {
  return [
    ...checkParseProblems(ctx),
    ...checkHeader(ctx),
    ...checkOptions(ctx),
    ...checkPins(ctx),
    ...checkHashes(ctx),
    ...checkLocations(ctx),
    ...checkPipPinned(ctx),
  ];
}
