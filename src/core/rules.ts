/**
 * The catalogue of rules: identity, default severity and the charter section each enforces.
 * docs/rules.md explains each one; a unit test keeps the two in step.
 */
export interface Rule {
  title: string;
  severity: 'error' | 'warning';
  /** Section of the Phoreus Python Packaging Charter (or seed document) the rule enforces. */
  charter: string;
  /**
   * Whether `audit.waive` in phoreus.yaml may waive the rule for named payload files. Only
   * rules whose waiver leaves the charter's core intact (hash-locking, isolation, the
   * interpreter, the modulefile) are.
   */
  waivable?: true;
}

export const RULES = {
  PH101: { title: 'requirements.lock missing', severity: 'error', charter: '§6.1, §13, §14' },
  PH102: { title: 'requirements.in missing', severity: 'error', charter: '§6.1, §14' },
  PH103: { title: 'lock requirement not pinned to one exact version', severity: 'error', charter: '§6.1, §10' },
  PH104: { title: 'lock requirement without a sha256 hash', severity: 'error', charter: '§6.1, §13' },
  PH105: { title: 'editable, local, VCS or direct-URL requirement in the lock', severity: 'error', charter: '§6.1, §10' },
  PH106: { title: 'lock not produced by pip-compile --generate-hashes', severity: 'error', charter: '§6.1' },
  PH107: { title: 'lock does not satisfy requirements.in', severity: 'error', charter: '§6.1, §14' },
  PH108: { title: 'lock drifted from what pip-compile produces', severity: 'error', charter: '§6.1, §14' },
  PH109: { title: 'lock compiled with another Python minor version', severity: 'error', charter: '§5, §6.1' },
  PH110: { title: 'conda or mamba used by the project', severity: 'error', charter: '§10' },
  PH111: { title: 'pip not pinned in the lock', severity: 'warning', charter: '§7.1' },
  PH112: { title: 'credentials in an index URL', severity: 'error', charter: '§13' },
  PH113: { title: 'configuration file invalid', severity: 'error', charter: '§13' },
  PH114: { title: 'application build backend not pinned', severity: 'warning', charter: '§6.1, §13' },
  PH115: { title: 'package skipped on this platform', severity: 'warning', charter: '§6.1, §14' },
  PH116: { title: 'build backend of an sdist not pinned', severity: 'warning', charter: '§6.1, §13' },
  PH201: { title: 'interpreter not sanctioned', severity: 'error', charter: '§5' },
  PH202: { title: 'requires a shared Python module or a system Python', severity: 'error', charter: '§3.1, §5, §10' },
  PH203: { title: 'not exactly one interpreter module, or phoreus not required', severity: 'error', charter: '§5, §8' },
  PH204: { title: 'modulefile touches PYTHONPATH, PYTHONHOME or site-packages', severity: 'error', charter: '§9' },
  PH205: { title: 'modulefile does not load the interpreter, set VIRTUAL_ENV and prepend the venv bin', severity: 'error', charter: '§5, §9' },
  PH206: { title: 'scriptlet runs an installer or writes into a venv', severity: 'error', charter: '§10, §11' },
  PH207: { title: 'tool name or version unsafe', severity: 'error', charter: '§3.1, §8' },
  PH301: { title: 'payload file outside the tool version prefix', severity: 'error', charter: '§3.1, §10' },
  PH302: { title: 'pyvenv.cfg missing or system site-packages included', severity: 'error', charter: '§3.1' },
  PH303: { title: '.pth or sitecustomize adds a path outside the venv', severity: 'error', charter: '§3.1, §10' },
  PH304: { title: 'script interpreter outside the venv', severity: 'error', charter: '§3.1, §5' },
  PH305: { title: 'build-time path in the payload', severity: 'error', charter: '§3.1, §4', waivable: true },
  PH306: { title: 'venv does not lead to the target interpreter', severity: 'error', charter: '§5' },
  PH307: { title: 'bytecode for another interpreter', severity: 'error', charter: '§5', waivable: true },
  PH308: { title: 'installed distributions differ from the lock', severity: 'error', charter: '§6.1, §13, §14' },
  PH309: { title: 'ELF file needs a newer glibc, or is for another architecture and imported, linked or run', severity: 'error', charter: '§4, §14', waivable: true },
  PH310: { title: 'ELF file needs a library from outside', severity: 'warning', charter: '§3.1', waivable: true },
  PH311: { title: 'header provides Python modules or sonames', severity: 'error', charter: '§3.1, §10' },
  PH312: { title: 'file differs from its RECORD hash, or a distribution has no RECORD', severity: 'error', charter: '§11, §13' },
  PH313: { title: 'name, version and prefix disagree', severity: 'error', charter: '§3.1, §8' },
  PH314: { title: 'smoke test failed', severity: 'error', charter: '§9, §14' },
  PH315: { title: 'setuid, setgid, sticky or world-writable payload file, or a special file', severity: 'error', charter: '§3.1, §11' },
  PH316: { title: '.pth file runs code at interpreter start', severity: 'warning', charter: '§3.1, §10', waivable: true },
  PH317: { title: 'modulefile sets a value with a control character', severity: 'error', charter: '§9' },
  PH318: { title: 'ELF file for another architecture that nothing loads', severity: 'warning', charter: '§4, §14', waivable: true },
  PH319: { title: 'audit waiver matches no finding', severity: 'warning', charter: '§13, §14' },
  PH320: { title: 'RPATH/RUNPATH names the directory an upstream wheel was built in', severity: 'warning', charter: '§3.1, §4', waivable: true },
  PH401: { title: 'version already published', severity: 'error', charter: '§11' },
  PH402: { title: 'RPM not signed by the release key', severity: 'error', charter: '§11, §15' },
  PH403: { title: 'embedded SBOM differs from the installed distributions', severity: 'error', charter: '§13, §15' },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

export const WAIVABLE_RULES = RULE_IDS.filter((id) => (RULES[id] as Rule).waivable === true);
