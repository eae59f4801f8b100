/**
 * Real tools from the public package index (pypi.org), end to end: each is locked with the
 * real pip-compile for Python 3.10 and 3.11, built by the CLI for el8 and el9 with the smoke
 * test on, installed through Lmod in a private mount namespace and run on real input whose
 * answer is known. NEEDS THE PUBLIC PACKAGE INDEX: run with `npm run test:pypi`.
 *
 *   cutadapt  compiled extensions (its own, dnaio's, isal's, zlib-ng's)
 *   nanostat  a large numeric stack (numpy, pandas, pysam, biopython), sdist-only packages
 *             (nanostat, nanomath, python-deprecated: setup.py without pyproject.toml), and a
 *             console script whose name differs in case from the tool's (NanoStat)
 *   pulp      a pure-Python wheel that ships the CBC solver for several architectures
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provideInterpreter, runInstalled } from '../../src/audit/smoke-test.js';
import { streamLog } from '../../src/core/log.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { scratchRoot } from '../support/installed-system.js';
import { isolatedEnv, pythonPath, REPO, run, runCli, TEST_CACHE } from '../support/processes.js';

const INTERPRETERS = ['3.10', '3.11'] as const;
const DISTROS = ['el8', 'el9'] as const;
const EPOCH = '1700000000';

interface RealTool {
  tool: string;
  version: string;
  /** Shell commands run after `module load`, as nobody, in a home of their own. */
  script: string;
  /** What a correct run prints. */
  expected: RegExp[];
}

const FASTQ = (reads: Array<[string, string]>): string => reads.map(([name, seq]) => `@${name}\\n${seq}\\n+\\n${'I'.repeat(seq.length)}\\n`).join('');

const TOOLS: RealTool[] = [
  {
    tool: 'cutadapt',
    version: '5.2',
    script: `printf '${FASTQ([['r1', 'ACGTACGTACGTAGATCGGAAGAGCACAC'], ['r2', 'TTTTGGGGCCCCAGATCGGAAGAGC'], ['r3', 'GATTACAGATTACA']])}' > in.fastq && cutadapt --quiet -a AGATCGGAAGAGC in.fastq`,
    expected: [/^@r1\nACGTACGTACGT\n\+\nI{12}\n@r2\nTTTTGGGGCCCC\n\+\nI{12}\n@r3\nGATTACAGATTACA\n/m],
  },
  {
    tool: 'nanostat',
    version: '1.6.0',
    script: `printf '${FASTQ([['a', 'A'.repeat(100)], ['b', 'C'.repeat(200)], ['c', 'G'.repeat(300)]])}' > reads.fastq && NanoStat --fastq reads.fastq`,
    expected: [/Number of reads:\s+3(\.0)?\b/, /Total bases:\s+600(\.0)?\b/, /Mean read length:\s+200(\.0)?\b/],
  },
  {
    tool: 'pulp',
    version: '3.3.2',
    // max x + y subject to x <= 3, x + 2y <= 8: x = 3, y = 2.5, objective 5.5, solved by the bundled CBC.
    script: 'python -c "import pulp; p = pulp.LpProblem(\'t\', pulp.LpMaximize); x = pulp.LpVariable(\'x\', 0, 3); y = pulp.LpVariable(\'y\', 0); p += x + y; p += x + 2 * y <= 8; p.solve(pulp.PULP_CBC_CMD(msg=0)); print(pulp.LpStatus[p.status], pulp.value(p.objective))"',
    expected: [/^Optimal 5\.5$/m],
  },
];

interface Row {
  tool: string;
  interpreter: string;
  distro: string;
  seconds: number;
  mib: number;
  smokeTest: string;
  ran: boolean;
}

describe('real tools from pypi.org (needs the public package index)', () => {
  let work: string;
  const rows: Row[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-pypi-'));
    process.env.PHOREUS_RPM_CACHE = TEST_CACHE; // where pip-tools is bootstrapped once per machine
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    const table = ['| tool | interpreter | distro | build (s) | RPM (MiB) | smoke test | ran correctly |', '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.tool} | ${r.interpreter} | ${r.distro} | ${r.seconds.toFixed(1)} | ${r.mib.toFixed(1)} | ${r.smokeTest} | ${r.ran ? 'yes' : 'NO'} |`)].join('\n');
    mkdirSync(join(REPO, 'node_modules/.cache'), { recursive: true });
    writeFileSync(join(REPO, 'node_modules/.cache/phoreus-pypi-results.md'), `${table}\n`);
    console.log(table);
  });

  describe.each(TOOLS)('$tool $version', ({ tool, version, script, expected }) => {
    const projects: Record<string, string> = {};

    beforeAll(async () => {
      for (const minor of INTERPRETERS) {
        const project = join(work, `${tool}-${minor}`);
        mkdirSync(project, { recursive: true });
        writeFileSync(join(project, 'requirements.in'), `${tool}==${version}\npip\n`);
        const pipTools = await pipToolsPython(pythonPath(minor), minor, streamLog(() => undefined));
        const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe', '--strip-extras',
          '--output-file=requirements.lock', 'requirements.in'], { cwd: project, env: isolatedEnv() });
        if (locked.status !== 0) throw new Error(`pip-compile of ${tool} for ${minor} failed:\n${locked.stderr}`);
        projects[minor] = project;
      }
    });

    for (const minor of INTERPRETERS) {
      for (const distro of DISTROS) {
        it(`packages for Python ${minor} on ${distro}, installs through Lmod and gives the known answer`, async () => {
          const project = projects[minor] ?? '';
          const out = join(project, `out-${distro}`);
          const start = performance.now();
          const built = await runCli(['build', '--project', project, '--tool', tool, '--interpreter', minor, '--distro', distro, '--out', out, '--smoke-test'],
            isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') }));
          const seconds = (performance.now() - start) / 1000;
          expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);
          const report = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8'));
          expect(report.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
          expect(report.smokeTest.passed).toBe(true);

          const root = await scratchRoot([report.artifacts.rpm]);
          let ran = false;
          try {
            provideInterpreter(root, `/usr/local/phoreus/python/${minor}`, `phoreus-python-${minor}`);
            const r = await runInstalled(root, `/usr/local/phoreus/python/${minor}`, dirname(dirname(pythonPath(minor))), `module load ${tool}/${version} || exit 97\n${script}`);
            expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
            for (const pattern of expected) expect(r.stdout).toMatch(pattern);
            ran = true;
          } finally {
            rmSync(root, { recursive: true, force: true });
            rows.push({ tool, interpreter: minor, distro, seconds, mib: statSync(report.artifacts.rpm).size / 1048576, smokeTest: report.smokeTest.what, ran });
          }
        }, 1_800_000);
      }
    }
  });
});
