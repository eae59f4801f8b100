/** PH107: the lock satisfies requirements.in (and the files it includes). Pure: no I/O. */
import { finding, type Finding } from '../core/finding.js';
import { appliesTo, exactPin } from './lockfile.js';
import type { MarkerEnvironment } from '../requirements/markers.js';
import { formatSpecifier, normalizeName } from '../requirements/pep508.js';
import { requirementEntries, type RequirementEntry, type RequirementsFile } from '../requirements/parse.js';
import { satisfies } from '../requirements/versions.js';

/** One input file: requirements.in, or a file it pulls in with -r (requirement) or -c (constraint). */
export interface InputFile {
  name: string;
  file: RequirementsFile;
  role: 'requirement' | 'constraint';
}

export function checkSatisfies(
  inputs: readonly InputFile[],
  lockName: string,
  lock: RequirementsFile,
  env: MarkerEnvironment,
): Finding[] {
  const findings: Finding[] = [];
  const pins = new Map<string, RequirementEntry>();
  for (const entry of requirementEntries(lock)) {
    const name = entry.requirement?.name;
    if (name && appliesTo(entry, env) && !pins.has(normalizeName(name))) pins.set(normalizeName(name), entry);
  }

  for (const input of inputs) {
    for (const problem of input.file.problems) {
      findings.push(finding('PH107', input.name, problem.line, `cannot read this line (${problem.message}), so the lock cannot be checked against it; fix the line`));
    }
    for (const entry of requirementEntries(input.file)) {
      const req = entry.requirement;
      if (!req || !req.name || entry.editable || req.url) continue; // locations are PH105's concern in the lock
      if (!appliesTo(entry, env)) continue;
      const pin = pins.get(normalizeName(req.name));
      const wanted = req.specifier.length ? `${req.name}${formatSpecifier(req.specifier)}` : req.name;
      if (!pin) {
        if (input.role === 'requirement') {
          findings.push(finding('PH107', input.name, entry.line, `${wanted} is required here but ${lockName} has no pin for it; re-run pip-compile to update the lock`));
        }
        continue;
      }
      const version = exactPin(pin);
      if (version === undefined || satisfies(version, req.specifier)) continue;
      const kind = input.role === 'constraint' ? 'constrained' : 'required';
      findings.push(finding('PH107', lockName, pin.line, `${req.name}==${version} is outside ${wanted}, ${kind} by ${input.name} line ${entry.line}; re-run pip-compile to update the lock`));
    }
  }
  return findings;
}
