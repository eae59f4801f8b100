/** Which tool and version a build produces, and when: resolved from inputs, tag, configuration and metadata. Pure. */
import { normalizeName } from '../requirements/pep508.js';

/** `v1.2.3` (a release tag) gives 1.2.3; any other ref gives nothing. */
export function versionFromRef(refName: string | undefined): string | undefined {
  const m = /^v(\d[^\s/]*)$/.exec(refName ?? '');
  return m?.[1];
}

export interface IdentitySources {
  tool?: string;
  version?: string;
  refName?: string;
  configTool?: string;
  configVersion?: string;
  projectName?: string;
  projectVersion?: string;
}

export function resolveTool(s: IdentitySources): string | undefined {
  return s.tool ?? s.configTool ?? (s.projectName ? normalizeName(s.projectName) : undefined);
}

/** The version before anything is built; the app wheel's or the lock's pin may still supply it. */
export function resolveVersion(s: IdentitySources): string | undefined {
  return s.version ?? versionFromRef(s.refName) ?? s.configVersion ?? s.projectVersion;
}
