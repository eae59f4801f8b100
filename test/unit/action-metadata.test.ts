/**
 * action.yml as a runner reads it (valid YAML, the bundle as its entry point), the inputs the
 * sources read all declared in it, and .env.example, the dotenv of a local run with
 * @github/local-action, naming every one of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { REPO } from '../support/processes.js';

const document = parseDocument(readFileSync(join(REPO, 'action.yml'), 'utf8'));
const action = document.toJS() as { runs: { using: string; main: string }; inputs: Record<string, { description: string }> };
const declared = Object.keys(action.inputs).sort();

/** The names passed to input('…') in the action's sources. */
function inputsRead(): string[] {
  const files = [join(REPO, 'src', 'main.ts'), ...readdirSync(join(REPO, 'src', 'action')).map((f) => join(REPO, 'src', 'action', f))];
  const names = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\binput\('([a-z-]+)'\)/g)].map((m) => m[1] ?? ''));
  return [...new Set(names)].sort();
}

describe('action.yml', () => {
  it('is valid YAML that runs the bundle on Node 24', () => {
    expect(document.errors.map((e) => e.message)).toEqual([]);
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('declares, with a description, every input the action reads', () => {
    expect(declared).toEqual(expect.arrayContaining(inputsRead()));
    for (const name of declared) expect(action.inputs[name]?.description, name).toBeTruthy();
  });
});

describe('.env.example', () => {
  const text = readFileSync(join(REPO, '.env.example'), 'utf8');
  const named = [...text.matchAll(/^#? ?INPUT_([A-Z-]+)=/gm)].map((m) => (m[1] ?? '').toLowerCase()).sort();

  it('names every input of action.yml, and no other, as INPUT_<NAME> with hyphens kept', () => {
    expect(named).toEqual(declared);
  });

  it('sets the variables of a first local run: mode, project, offline, and where reports and the summary go', () => {
    for (const line of ['INPUT_MODE=verify', 'INPUT_PROJECT=examples/seqstats', 'INPUT_OFFLINE=true', 'RUNNER_TEMP=', 'GITHUB_STEP_SUMMARY=']) {
      expect(text).toMatch(new RegExp(`^${line}`, 'm'));
    }
  });
});
