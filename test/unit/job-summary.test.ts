/**
 * The job summary, written by the real @actions/core: a table in GITHUB_STEP_SUMMARY, and a
 * warning (never an error) when that variable is unset or names a file that cannot be written.
 * Workflow commands go to stdout, which the test reads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { finding } from '../../src/core/finding.js';
import { writeSummary } from '../../src/report/github.js';

const FINDINGS = [
  finding('PH104', 'requirements.lock', 3, 'click has no --hash=sha256:; regenerate the lock'),
  { ...finding('PH318', '/usr/local/phoreus/t/1/venv/lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/cbc', 1, 'inert'), waived: { reason: 'bundled <for> every platform', by: 'phoreus.yaml:4' } },
];

let dir: string;
const saved = process.env.GITHUB_STEP_SUMMARY;

/** Runs writeSummary, returning what it printed on stdout (workflow commands) instead of letting it through. */
async function summaryCommands(): Promise<string> {
  let printed = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += chunk.toString();
    return true;
  });
  try {
    await writeSummary('Phoreus lockfile verification', FINDINGS, [['Interpreter', 'Python 3.11']]);
  } finally {
    write.mockRestore();
  }
  return printed;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoreus-summary-'));
});

afterEach(() => {
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = saved;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// @actions/core keeps the summary file of its first successful write for the process: the
// failures come first, then the one test that writes.
describe('writeSummary', () => {
  it('warns, and does not throw, when GITHUB_STEP_SUMMARY is unset', async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    const printed = await summaryCommands();
    expect(printed).toMatch(/^::warning::no job summary: .*GITHUB_STEP_SUMMARY/);
    expect(printed).not.toContain('::error');
  });

  it('warns, and does not throw, when GITHUB_STEP_SUMMARY cannot be written', async () => {
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'no-such-directory', 'summary.md');
    const printed = await summaryCommands();
    expect(printed).toMatch(/^::warning::no job summary: Unable to access summary file/);
    expect(printed).not.toContain('::error');
  });

  it('appends the facts, the generator and the findings to GITHUB_STEP_SUMMARY, and nothing of the failed attempts', async () => {
    const file = join(dir, 'summary.md');
    writeFileSync(file, '');
    process.env.GITHUB_STEP_SUMMARY = file;
    expect(await summaryCommands()).toBe('');
    const summary = readFileSync(file, 'utf8');
    for (const text of ['<h2>Phoreus lockfile verification</h2>', 'Python 3.11', 'Generator', 'phoreus-rpm', 'PH104', '<strong>1</strong> error(s)']) expect(summary).toContain(text);
    expect(summary.match(/<h2>/g)).toHaveLength(1);
    // A waived finding is in the table, marked, with its reason escaped, and counted apart.
    for (const text of ['<strong>1</strong> waived', '<td>warning, waived</td>', 'waived by phoreus.yaml:4: bundled &lt;for&gt; every platform']) expect(summary).toContain(text);
  });
});
