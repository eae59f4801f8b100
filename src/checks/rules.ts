/**
 * The catalogue of rules: identity, default severity and the charter section each enforces.
 * docs/rules.md explains each one; a unit test keeps the two in step.
 */
export interface Rule {
  title: string;
  severity: 'error' | 'warning';
  /** Section of the Phoreus Python Packaging Charter (or seed document) the rule enforces. */
  charter: string;
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
  PH201: { title: 'interpreter not sanctioned', severity: 'error', charter: '§5' },
  PH207: { title: 'tool name or version unsafe', severity: 'error', charter: '§3.1, §8' },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];
