/**
 * The lockfile verification (charter §6, §10, §13, §14): gathers the project's inputs,
 * applies every PH1xx rule and the interpreter and identity rules, and re-runs pip-compile
 * for the drift check unless offline. Each input is read and parsed once; what the build
 * needs of them is handed on as the verified plan.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { checkModuleEnv, checkOverrideKeys, effectiveConfig, type EffectiveConfig, type LoadedConfig } from '../config/config.js';
import { checkCopyFiles } from '../config/copy-files.js';
import { loadConfig } from '../config/load.js';
import { optional, type VerifyOptions } from '../inputs/options.js';
import { type Arch, platformKey } from '../plan/distros.js';
import type { IdentitySources } from '../plan/identity.js';
import { platformPlan, type PlatformPlan } from '../plan/platform-plan.js';
import { assertProjectDir, projectFiles, readPyproject, type ProjectMetadata } from '../plan/project.js';
import { targetEnvironment } from '../requirements/markers.js';
import { parseCompileHeader } from '../requirements/header.js';
import { optionEntries, parseRequirementsFile, type RequirementsFile } from '../requirements/parse.js';
import type { Log } from '../core/log.js';
import { literalCredentials, redact, registerSecrets } from '../core/redact.js';
import { findPython } from '../tools/python.js';
import { pipToolsPython } from '../tools/pip-tools.js';
import { recompile } from '../tools/pip-compile.js';
import { condaFileFinding, isCondaFile, scanForCondaCalls, SCANNED_FILE } from './conda.js';
import { compareLocks, rerunArguments, seedLock } from './drift.js';
import { finding, sortFindings, type Finding } from '../core/finding.js';
import { checkInterpreterSanctioned, checkToolName, checkToolVersion } from './identity.js';
import { checkCredentials, checkLock, type LockContext } from './lockfile.js';
import { checkSatisfies, type InputFile } from './satisfies.js';
import { readText, insideProject } from '../core/files.js';

/** What a build takes from verification: every input as read and parsed here, never again. */
export interface VerifiedPlan {
  /** The configuration file as read (an empty one when there is none) and the configuration in force for the interpreter. */
  loaded: Pick<LoadedConfig, 'file' | 'index' | 'raw'>;
  config: EffectiveConfig;
  lock: { text: string; file: RequirementsFile };
  /** Where the tool's name and version may come from before anything is built. */
  identity: IdentitySources;
  /** What the configuration asks for on the target's platform, when verification was given one. */
  platform?: PlatformPlan;
}

export interface VerifyResult {
  findings: Finding[];
  /** Literal credentials found in the inputs: to be masked, never printed. */
  secrets: string[];
  interpreter: string;
  project: string;
  requirements: string;
  lock: string;
  config?: string;
  /** Present when the lock could be read: what a build goes on with. */
  plan?: VerifiedPlan;
  tool?: string;
  version?: string;
  drift: 'checked' | 'skipped: offline' | 'skipped: lock unreadable';
}

const DEFAULT_IN = 'requirements.in';
const DEFAULT_LOCK = 'requirements.lock';

/** A lock read and parsed once, whichever step asks for it first. */
type LockReader = (path: string) => { text: string; file: RequirementsFile };

function lockReader(project: string): LockReader {
  const read = new Map<string, { text: string; file: RequirementsFile }>();
  return (path) => {
    let lock = read.get(path);
    if (!lock) {
      const text = readText(path, project);
      lock = { text, file: parseRequirementsFile(text) };
      read.set(path, lock);
    }
    return lock;
  };
}

/** The interpreter asked for, else the lock header's, else the newest sanctioned one. */
function chooseInterpreter(options: VerifyOptions, config: EffectiveConfig, lockPath: string | undefined, readLock: LockReader): string {
  if (options.interpreter) return options.interpreter;
  if (lockPath && existsSync(lockPath)) {
    const recorded = parseCompileHeader(readLock(lockPath).file)?.pythonVersion;
    if (recorded) return recorded;
  }
  const sanctioned = [...config.policy.interpreters].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return sanctioned[sanctioned.length - 1] ?? '3.11';
}

/** requirements.in and every file it pulls in with -r or -c, confined to the project. */
function loadInputs(project: string, inName: string, findings: Finding[]): InputFile[] {
  const inputs: InputFile[] = [];
  const seen = new Set<string>();
  const visit = (name: string, role: InputFile['role']): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const file = parseRequirementsFile(readText(join(project, name), project));
    inputs.push({ name, file, role });
    for (const option of optionEntries(file)) {
      if ((option.name !== '--requirement' && option.name !== '--constraint') || !option.value) continue;
      const included = join(dirname(name), option.value).split('\\').join('/');
      const full = insideProject(project, included);
      if (!full || !existsSync(full)) {
        findings.push(finding('PH107', name, option.line, `${option.name} ${option.value} names a file that is missing or outside the project; fix the path`));
        continue;
      }
      visit(relative(project, full), option.name === '--constraint' ? 'constraint' : role);
    }
  };
  visit(inName, 'requirement');
  return inputs;
}

function scanConda(project: string): Finding[] {
  const findings: Finding[] = [];
  for (const rel of projectFiles(project)) {
    if (isCondaFile(rel)) findings.push(condaFileFinding(rel));
    else if (SCANNED_FILE.test(rel)) findings.push(...scanForCondaCalls(rel, readText(join(project, rel), project)));
  }
  return findings;
}

function configuredPath(project: string, value: string | undefined, fallback: string, key: string, loaded: LoadedConfig | undefined, findings: Finding[]): string {
  if (value === undefined) return fallback;
  if (insideProject(project, value)) return value;
  findings.push(finding('PH113', loaded?.file ?? '.', loaded?.index.get(key) ?? 1, `${key}: "${value}" is outside the project; give a path relative to the project directory`));
  return fallback;
}

/**
 * `arch`: the build's target, whose platform plan (packages skipped or built from source,
 * files copied) the verified plan then carries.
 */
/** The configuration file, the interpreter and the configuration in force for it, and where the requirements and the lock are. */
function readConfiguration(options: VerifyOptions, readLock: LockReader, findings: Finding[]) {
  const { project } = options;
  const loaded = loadConfig(project, options.config);
  if (loaded) {
    findings.push(...loaded.findings, ...checkOverrideKeys(loaded), ...checkModuleEnv(loaded), ...checkCopyFiles(loaded, project));
  }
  const shared = effectiveConfig(loaded ?? { raw: {} }, '');
  const interpreter = chooseInterpreter(options, shared, insideProject(project, shared.lock ?? DEFAULT_LOCK), readLock);
  const config = effectiveConfig(loaded ?? { raw: {} }, interpreter);
  const inName = configuredPath(project, config.requirements, DEFAULT_IN, 'requirements', loaded, findings);
  const lockName = configuredPath(project, config.lock, DEFAULT_LOCK, 'lock', loaded, findings);
  return { loaded, config, interpreter, inName, lockName };
}

/** Where the tool's name and version may come from before anything is built. */
function identitySources(options: VerifyOptions, config: EffectiveConfig, metadata: ProjectMetadata): IdentitySources {
  return {
    ...optional('tool', options.tool), ...optional('version', options.version),
    ...optional('configTool', config.tool.name), ...optional('configVersion', config.tool.version),
    ...optional('projectName', metadata.name?.value), ...optional('projectVersion', metadata.version?.value),
  };
}

/** The tool's name and version as given (flag, configuration, pyproject.toml), judged where they are written. */
function checkIdentityInputs(options: VerifyOptions, loaded: LoadedConfig | undefined, config: EffectiveConfig, metadata: ProjectMetadata) {
  const tool = options.tool ?? config.tool.name ?? metadata.name?.value;
  const version = options.version ?? config.tool.version ?? metadata.version?.value;
  const sourceOf = (flag: string | undefined, key: string, meta: { line: number } | undefined) =>
    flag !== undefined ? { file: '.', line: 1 }
      : loaded?.index.has(key) ? { file: loaded.file, line: loaded.index.get(key) ?? 1 }
        : { file: 'pyproject.toml', line: meta?.line ?? 1 };
  const findings = [
    ...(tool !== undefined ? checkToolName(tool, sourceOf(options.tool, 'tool.name', metadata.name)) : []),
    ...(version !== undefined ? checkToolVersion(version, sourceOf(options.version, 'tool.version', metadata.version)) : []),
  ];
  return { tool, version, findings };
}

/** The lock's own rules, credentials in it and in the requirements it must satisfy, and that it satisfies them. */
function checkLockAgainstInputs(project: string, ctx: LockContext, inPresent: boolean, findings: Finding[], secrets: string[]): void {
  findings.push(...checkLock(ctx));
  const lockCredentials = checkCredentials(ctx.lockName, ctx.lock);
  findings.push(...lockCredentials.findings);
  secrets.push(...lockCredentials.secrets);
  if (!inPresent) return;
  const inputs = loadInputs(project, ctx.inName, findings);
  for (const input of inputs) {
    const scan = checkCredentials(input.name, input.file);
    findings.push(...scan.findings);
    secrets.push(...scan.secrets);
  }
  findings.push(...checkSatisfies(inputs, ctx.lockName, ctx.lock, ctx.env));
}

/**
 * `arch`: the build's target, whose platform plan (packages skipped or built from source,
 * files copied) the verified plan then carries.
 */
export async function verify(options: VerifyOptions, log: Log, arch?: Arch): Promise<VerifyResult> {
  const { project } = options;
  assertProjectDir(project);
  const readLock = lockReader(project);
  const findings: Finding[] = [];
  const secrets: string[] = [];
  registerSecrets([options.indexUrl ?? '', ...options.extraIndexUrls].flatMap(literalCredentials));

  const { loaded, config, interpreter, inName, lockName } = readConfiguration(options, readLock, findings);
  log.info(`Verifying ${lockName} and ${inName} in ${project} for Python ${interpreter}`);
  findings.push(...checkInterpreterSanctioned(interpreter, config.policy.interpreters, { file: loaded?.file ?? lockName, line: loaded?.index.get('policy.interpreters') ?? 1 }));
  findings.push(...checkConfigCredentials(loaded, config, secrets));
  const metadata = readPyproject(project);
  const { tool, version, findings: identityFindings } = checkIdentityInputs(options, loaded, config, metadata);
  findings.push(...identityFindings, ...scanConda(project));

  const inPresent = existsSync(join(project, inName));
  const lockPath = join(project, lockName);
  const result: VerifyResult = { findings, secrets, interpreter, project, requirements: inName, lock: lockName, drift: 'skipped: lock unreadable', ...(loaded ? { config: loaded.file } : {}), ...(tool ? { tool } : {}), ...(version ? { version } : {}) };
  if (!inPresent) {
    findings.push(finding('PH102', inName, 1, `${inName} is missing; list the tool's direct requirements in it (the charter requires requirements.in and requirements.lock)`));
  }
  if (!existsSync(lockPath)) {
    findings.push(finding('PH101', lockName, 1, `${lockName} is missing; generate it with \`pip-compile --generate-hashes --allow-unsafe --output-file=${lockName} ${inName}\` and commit it`));
    return finish(result);
  }

  const read = readLock(lockPath);
  const platform = arch ? platformPlan(config, platformKey(arch)) : undefined;
  result.plan = {
    loaded: loaded ?? { file: 'phoreus.yaml', index: new Map<string, number>(), raw: {} },
    config, lock: read, identity: identitySources(options, config, metadata), ...(platform ? { platform } : {}),
  };
  const ctx: LockContext = { lockName, inName, lock: read.file, interpreter, env: targetEnvironment(interpreter) };
  checkLockAgainstInputs(project, ctx, inPresent, findings, secrets);

  if (options.offline) {
    result.drift = 'skipped: offline';
    return finish(result);
  }
  const header = parseCompileHeader(read.file);
  if (!header?.args || !inPresent) return finish(result);
  result.drift = 'checked';
  findings.push(...(await checkDrift(options, ctx, header.args, header.commandLine ?? header.line, log)));
  return finish(result);
}

function finish(result: VerifyResult): VerifyResult {
  result.findings = sortFindings(result.findings);
  result.secrets = [...new Set(result.secrets)];
  registerSecrets(result.secrets);
  return result;
}

function checkConfigCredentials(loaded: LoadedConfig | undefined, config: EffectiveConfig, secrets: string[]): Finding[] {
  if (!loaded) return [];
  const urls: Array<[string, string]> = [];
  const { registries } = config;
  if (registries['index-url']) urls.push(['registries.index-url', registries['index-url']]);
  (registries['extra-index-urls'] ?? []).forEach((u, i) => urls.push([`registries.extra-index-urls[${i}]`, u]));
  (registries['find-links'] ?? []).forEach((u, i) => urls.push([`registries.find-links[${i}]`, u]));
  const findings: Finding[] = [];
  for (const [key, url] of urls) {
    const found = literalCredentials(url);
    if (found.length === 0) continue;
    secrets.push(...found);
    findings.push(finding('PH112', loaded.file, loaded.index.get(key) ?? 1, `${key} holds a credential (${redact(url)}); keep credentials out of ${loaded.file}: pass the index URL through the index-url input from a secret, or PIP_INDEX_URL`));
  }
  return findings;
}

async function checkDrift(options: VerifyOptions, ctx: LockContext, recorded: readonly string[], headerLine: number, log: Log): Promise<Finding[]> {
  const { options: compileOptions, sources } = rerunArguments(recorded);
  const regenerate = `pip-compile ${recorded.join(' ')}`;
  for (const source of sources) {
    if (source === '-' || !insideProject(options.project, source) || !existsSync(join(options.project, source))) {
      return [finding('PH108', ctx.lockName, headerLine, `the recorded pip-compile command reads "${source}", which is not a file in the project, so the lock cannot be reproduced; compile from ${ctx.inName}`)];
    }
  }
  if (options.indexUrl) compileOptions.push(`--index-url=${options.indexUrl}`);
  for (const extra of options.extraIndexUrls) compileOptions.push(`--extra-index-url=${extra}`);

  return log.group(`Drift check: re-running pip-compile with Python ${ctx.interpreter}`, async () => {
    const python = await findPython(ctx.interpreter, options.python);
    const pipTools = await pipToolsPython(python, ctx.interpreter, log);
    log.info(`pip-compile ${redact([...compileOptions, ...sources].join(' '))}`);
    const outcome = await recompile(pipTools, options.project, seedLock(ctx.lock), compileOptions, sources);
    if (!outcome.ok) {
      return [finding('PH108', ctx.lockName, headerLine, `re-running pip-compile failed (${outcome.reason}); fix ${ctx.inName} so that \`${redact(regenerate)}\` succeeds`)];
    }
    return compareLocks(ctx.lockName, ctx.lock, parseRequirementsFile(outcome.lock), ctx.env, headerLine, redact(regenerate));
  });
}
