/**
 * The spec renderer against rpm itself: for arbitrary strings in every field (free text,
 * release, interpreter home and module, application and pip wheel names), either the value
 * is refused before a spec exists, or `rpmspec` parses the rendered spec into exactly the
 * expected package: its name, version, release and summary, only the two requires, no
 * scriptlet, the expected sections only, and no macro or shell code run.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { PackageIdentity } from '../../src/core/layout.js';
import { renderSpec, type SpecInput } from '../../src/rpm/spec.js';
import { UnsafeValue } from '../../src/inputs/values.js';
import { distro } from '../../src/plan/distros.js';
import { run } from '../support/processes.js';

const work = mkdtempSync(join(tmpdir(), 'phoreus-spec-prop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MARKER = join(work, 'MARKER');

/** What an attacker writes into a field that reaches the spec. */
const INJECTIONS = [
  `%{lua: os.execute("touch ${MARKER}")}`,
  `%(touch ${MARKER})`,
  `x\n%post\ntouch ${MARKER}`,
  'x\nRequires: evil',
  'x\r\nConflicts: phoreus',
  `%%{lua: os.execute("touch ${MARKER}")}`,
  '%{expand:%%post}',
  'x \\\n%pre',
  `$(touch ${MARKER})`,
  "'; touch MARKER; '",
  '%{?dist}%{nil}%',
  '\x1b[2J\x07\u202eevil',
];

const text = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 10 })).map((parts) => parts.join('')),
);
/** A value with a grammar: mostly plausible valid ones (so some samples pass every grammar), and anything at all. */
const graded = (valid: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 9 }, { arbitrary: text, weight: 1 });

const fields = fc.record({
  summary: text,
  license: text,
  url: fc.option(text, { nil: undefined }),
  description: fc.array(text, { maxLength: 3 }),
  release: graded(['1', '12', '2.el9_1', '0.1.rc1']),
  interpreterHome: graded(['/usr/local/phoreus/python/3.11', '/opt/python-3.11']),
  interpreterModule: graded(['phoreus-python-3.11', 'python-3.11']),
  appName: graded(['hello-tool', 'My_App']),
  appVersion: graded(['1.2.0', '2.0rc1', '1.0.post1']),
  pipWheel: graded(['pip-24.2-py3-none-any.whl']),
  meta: fc.boolean(),
});

/** The text rpm shows for a free-text tag: controls gone, newlines folded, trimmed. */
// eslint-disable-next-line no-control-regex -- the controls are what the renderer drops
const shownText = (value: string, fallback: string): string => value.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '').trim() || fallback;

async function rpmspec(spec: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return run('rpmspec', ['--define', `_topdir ${work}`, ...args, spec]);
}

describe('renderSpec under rpmspec, for arbitrary field values', () => {
  it('refuses a value outside its grammar, or renders a spec rpm reads exactly as intended', async () => {
    let rendered = 0;
    let refused = 0;
    await fc.assert(fc.asyncProperty(fields, async (f) => {
      const id: PackageIdentity = { tool: 'hello-tool', version: '1.2.0', release: f.release, interpreter: '3.11', interpreterHome: f.interpreterHome, interpreterModule: f.interpreterModule };
      const input: SpecInput = {
        id, arch: 'x86_64', distro: distro('el9'), summary: f.summary, license: f.license, ...(f.url !== undefined ? { url: f.url } : {}),
        description: f.description, pipWheel: f.pipWheel, installLock: false, copyFiles: false,
        app: { wheel: 'hello_tool-1.2.0-py3-none-any.whl', name: f.appName, version: f.appVersion }, meta: f.meta, epoch: 1_700_000_000, generator: 'phoreus-rpm test',
      };
      let spec: string;
      try {
        spec = renderSpec(input);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafeValue);
        refused++;
        return;
      }
      rendered++;
      const file = join(work, 'prop.spec');
      writeFileSync(file, spec);

      const parsed = await rpmspec(file, ['-P']);
      expect(parsed.status, parsed.stderr).toBe(0);
      const sections = parsed.stdout.split('\n').filter((l) => /^%(package|description|prep|build|install|check|clean|files|changelog|pre|post|preun|postun|pretrans|posttrans|trigger\w*|filetrigger\w*|verifyscript)\b/.test(l));
      // rpmspec -P prints %build's body after %prep's, without its header line.
      expect(sections).toEqual([
        '%description',
        ...(f.meta ? ['%package -n phoreus-hello-tool', '%description -n phoreus-hello-tool', '%files -n phoreus-hello-tool'] : []),
        '%prep', '%install', '%files', '%changelog',
      ]);

      const query = await rpmspec(file, ['-q', '--srpm', '--qf', '%{NAME}\\n%{VERSION}\\n%{RELEASE}\\n%{SUMMARY}\\n%{LICENSE}\\n']);
      expect(query.status, query.stderr).toBe(0);
      expect(query.stdout.split('\n').slice(0, 5)).toEqual(['phoreus-hello-tool-1.2.0', '1.2.0', f.release, shownText(f.summary, 'No summary given'), shownText(f.license, 'Unspecified')]);

      const requires = await rpmspec(file, ['-q', '--requires']);
      expect(requires.stdout.trim().split('\n').filter((l) => !l.startsWith('phoreus-hello-tool-1.2.0'))).toEqual(['phoreus', f.interpreterModule]);
      const scripts = await rpmspec(file, ['-q', '--qf', '[%{PREIN}][%{POSTIN}][%{PREUN}][%{POSTUN}][%{PRETRANS}][%{POSTTRANS}][%{TRIGGERSCRIPTS}]|\\n']);
      expect(scripts.stdout.trim().split('\n').every((l) => l === '|')).toBe(true);
      expect(existsSync(MARKER)).toBe(false);
    }), { numRuns: 80 });
    // Both paths were exercised: values refused at entry, and specs rendered and read by rpm.
    expect(rendered).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });
});
