/**
 * What the configuration asks for on one platform (linux-x64, linux-aarch64): packages
 * skipped and packages built from source, each with its reason, and files copied into the
 * venv. Pure.
 */
import { exceptionsFor, type CopyFile, type EffectiveConfig, type LoadedConfig } from '../config/config.js';
import { finding, type Finding } from '../core/finding.js';
import { normalizeName } from '../requirements/pep508.js';

export interface PlatformPlan {
  platform: string;
  /** Normalized package name → reason. */
  skip: Map<string, string>;
  forceSource: Map<string, string>;
  copyFiles: CopyFile[];
}

const normalized = (m: Map<string, string>): Map<string, string> => new Map([...m].map(([k, v]) => [normalizeName(k), v]));

export function platformPlan(config: EffectiveConfig, platform: string): PlatformPlan {
  return {
    platform,
    skip: normalized(exceptionsFor(config.packages.skip, platform)),
    forceSource: normalized(exceptionsFor(config.packages.forceSource, platform)),
    copyFiles: config.packages.platformSpecific?.[platform]?.copyFiles ?? [],
  };
}

/** PH115: one warning per skipped package, quoting its reason, at its line of the configuration. */
export function skipFindings(plan: PlatformPlan, loaded: Pick<LoadedConfig, 'file' | 'index' | 'raw'>, interpreter: string): Finding[] {
  const lineOf = (name: string): number => {
    const keys = [`interpreters.${interpreter}.packages.skip`, 'packages.skip'];
    for (const key of keys) {
      const section = key.startsWith('interpreters') ? (loaded.raw.interpreters as Record<string, { packages?: { skip?: Record<string, unknown> } }> | undefined)?.[interpreter]?.packages?.skip : (loaded.raw.packages as { skip?: Record<string, unknown> } | undefined)?.skip;
      const written = Object.keys(section ?? {}).find((k) => normalizeName(k) === name);
      const line = written ? loaded.index.get(`${key}.${written}.${plan.platform}`) : undefined;
      if (line) return line;
    }
    return 1;
  };
  return [...plan.skip].map(([name, reason]) =>
    finding('PH115', loaded.file, lineOf(name), `${name} is left out of the ${plan.platform} build for Python ${interpreter}: "${reason}"`));
}
