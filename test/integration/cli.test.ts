/**
 * The bundled CLI's conventions, as a user meets them: -h/--help anywhere and each command's
 * own help, -V/--version for this tool, --tool-version for the packaged tool (with the old
 * --version VALUE still accepted, with a warning), and bad input answered by one line on stderr
 * with exit status 2 (how it was called) or 1 (what it was given), never an internal error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { REPO, runCli } from '../support/processes.js';

const SEQSTATS = join(REPO, 'examples', 'seqstats');
/** The lead of an RPM file: magic, format 3.0, then the type (0 binary, 1 source). */
const lead = (type: number): Buffer => Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0, 0, type]);

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'phoreus-cli-'));
  mkdirSync(join(work, 'a-directory.rpm'));
  writeFileSync(join(work, 'source.src.rpm'), Buffer.concat([lead(1), Buffer.alloc(120)]));
  writeFileSync(join(work, 'truncated.rpm'), Buffer.concat([lead(0), Buffer.alloc(120)]));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('help', () => {
  it.each([['-h'], ['--help'], ['help']])('%s prints the tool\'s help, naming every command', async (flag) => {
    const r = await runCli([flag]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: phoreus-rpm <command> \[options\]/);
    for (const command of ['verify', 'build', 'audit', 'matrix']) expect(r.stdout).toContain(`  ${command}  `);
  });

  it.each([
    [['build', '--help'], 'build'],
    [['build', '-h'], 'build'],
    [['--help', 'build'], 'build'],
    [['help', 'matrix'], 'matrix'],
    [['verify', '--offline', '-h'], 'verify'],
    [['verify', '--no-such-flag', '--help'], 'verify'],
    [['audit', '--help'], 'audit'],
    [['audit', '-h', 'some.rpm'], 'audit'],
    [['audit', 'some.rpm', '--help'], 'audit'],
    [['audit', 'some.rpm', '--format', 'json', '-h'], 'audit'],
  ])('%j prints the help of %s, not the tool\'s', async (args, command) => {
    const r = await runCli(args);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: phoreus-rpm ${command} `));
    expect(r.stdout).not.toContain('Commands:');
  });

  it('gives build\'s help its own options, and verify\'s not those of build', async () => {
    const build = await runCli(['build', '--help']);
    for (const option of ['--distro', '--tool-version', '--verbose', '--all']) expect(build.stdout).toContain(option);
    const verify = await runCli(['verify', '--help']);
    expect(verify.stdout).toContain('--offline');
    expect(verify.stdout).not.toContain('--distro');
  });
});

describe('version', () => {
  it.each([['--version'], ['-V'], ['verify', '--version'], ['build', '-V'], ['audit', 'some.rpm', '--version'], ['matrix', '-V']])(
    '%j prints this tool\'s version from package.json', async (...args) => {
      const r = await runCli(args);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${packageJson.version}\n`);
    },
  );

  it('takes the packaged tool\'s version from --tool-version', async () => {
    const r = await runCli(['verify', '--project', SEQSTATS, '--offline', '--format', 'json', '--tool-version', '1.2.0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('deprecated');
    const report = JSON.parse(r.stdout);
    expect(report.packagedTool).toEqual({ name: 'seqstats', version: '1.2.0' });
    expect(report.generator).toEqual({ name: 'phoreus-rpm', version: packageJson.version });
  });

  it.each([[['--version', '1.2.0']], [['--version=1.2.0']]])('still takes %j after a command as the packaged tool\'s version, with a warning', async (flag) => {
    const r = await runCli(['verify', '--project', SEQSTATS, '--offline', '--format', 'json', '--quiet', ...flag]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^phoreus-rpm: warning: --version VALUE is deprecated: .*--tool-version VALUE/)]);
    expect(JSON.parse(r.stdout).packagedTool).toEqual({ name: 'seqstats', version: '1.2.0' });
  });
});

describe('bad input: one line on stderr, exit status 2 or 1, never an internal error', () => {
  const cases: Array<[string, () => string[], number, RegExp]> = [
    ['no command', () => [], 2, /^phoreus-rpm: a command is needed: verify, build, audit, matrix, publish; run `phoreus-rpm --help`$/],
    ['publish without --repo', () => ['publish', join(work, 'truncated.rpm')], 2, /^phoreus-rpm: publish needs the repository: phoreus-rpm publish --repo DIR FILE\.rpm\.\.\.$/],
    ['publish of a file that is not an RPM', () => ['publish', '--repo', join(work, 'repo'), join(work, 'a-directory.rpm')], 2, /a-directory\.rpm does not exist or is not a file/],
    ['a --sign-key that does not exist', () => ['build', '--project', SEQSTATS, '--sign-key', join(work, 'no-key.asc')], 2, /^phoreus-rpm: --sign-key .*no-key\.asc does not exist or is not a file/],
    ['an unknown command', () => ['pack'], 2, /^phoreus-rpm: unknown command "pack"; run `phoreus-rpm --help`$/],
    ['help on an unknown command', () => ['help', 'pack'], 2, /unknown command "pack"/],
    ['an unknown flag', () => ['verify', '--no-such-flag'], 2, /^phoreus-rpm: Unknown option '--no-such-flag'; run `phoreus-rpm verify --help`$/],
    ['an unknown flag of audit', () => ['audit', join(work, 'x.rpm'), '--offline'], 2, /^phoreus-rpm: Unknown option '--offline'; run `phoreus-rpm audit --help`$/],
    ['a flag without its value', () => ['build', '--distro'], 2, /argument missing; run `phoreus-rpm build --help`$/],
    ['a bad --format', () => ['verify', '--project', SEQSTATS, '--format', 'xml'], 2, /^phoreus-rpm: format "xml" is not one of text, json, sarif$/],
    ['a bad --format of audit', () => ['audit', join(work, 'truncated.rpm'), '--format', 'html'], 2, /format "html" is not one of text, json, sarif/],
    ['a bad --interpreter', () => ['verify', '--project', SEQSTATS, '--interpreter', '3'], 2, /^phoreus-rpm: interpreter "3" is not of the form 3\.X \(for example 3\.11\)$/],
    ['a bad --interpreter of build', () => ['build', '--project', SEQSTATS, '--interpreter', 'python3.11'], 2, /interpreter "python3\.11" is not of the form 3\.X/],
    ['a bad --distro', () => ['build', '--project', SEQSTATS, '--distro', 'el99'], 2, /^phoreus-rpm: distro "el99" is not one of el8, el9, /],
    ['audit without an RPM', () => ['audit'], 2, /^phoreus-rpm: audit needs the path of a binary RPM/],
    ['audit of two RPMs', () => ['audit', 'a.rpm', 'b.rpm'], 2, /unexpected argument 'b\.rpm'; run `phoreus-rpm audit --help`$/],
    ['audit of a missing file', () => ['audit', join(work, 'missing.rpm')], 2, /missing\.rpm does not exist; pass the path of a binary RPM$/],
    ['audit of a directory', () => ['audit', join(work, 'a-directory.rpm')], 2, /a-directory\.rpm is not a file; pass the path of a binary RPM$/],
    ['audit of a file that is not an RPM', () => ['audit', join(REPO, 'README.md')], 2, /README\.md is not an RPM \(it does not start with the RPM magic number\)/],
    ['audit of a source RPM', () => ['audit', join(work, 'source.src.rpm')], 2, /source\.src\.rpm is a source RPM; pass the binary RPM built from it$/],
    ['audit of a damaged RPM', () => ['audit', join(work, 'truncated.rpm'), '--no-smoke-test'], 1, /truncated\.rpm is not a readable RPM/],
    ['a missing project', () => ['verify', '--project', join(work, 'nowhere'), '--offline'], 2, /project directory .*nowhere does not exist/],
    ['a missing project for build', () => ['build', '--project', join(work, 'nowhere'), '--no-smoke-test'], 2, /project directory .*nowhere does not exist/],
    ['a missing project for matrix', () => ['matrix', '--project', join(work, 'nowhere')], 2, /project directory .*nowhere does not exist/],
    ['a directory as --config', () => ['verify', '--project', SEQSTATS, '--offline', '--config', work], 2, /configuration file .* is not a file; fix --config$/],
  ];

  it.each(cases)('%s', async (_what, args, status, message) => {
    const r = await runCli(args());
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(r.status).toBe(status);
  });
});
