/** What the command line's arguments ask for before they are parsed: help, the version, the renamed --version VALUE. */
import { describe, expect, it } from 'vitest';
import { BUILD_OPTIONS } from '../../src/cli/build.js';
import { renameToolVersion, requestOf } from '../../src/cli/flags.js';

describe('requestOf', () => {
  it('finds -h or --help anywhere, before a wrong flag as after it', () => {
    for (const args of [['-h'], ['--help'], ['--project', '.', '--help'], ['--no-such-flag', '-h'], ['-h', '--no-such-flag']]) expect(requestOf(args, BUILD_OPTIONS)).toBe('help');
  });

  it('does not take the value of an option for a request', () => {
    expect(requestOf(['--smoke-command', '--help'], BUILD_OPTIONS)).toBe('run');
    expect(requestOf(['--smoke-command', '-V'], BUILD_OPTIONS)).toBe('run');
  });

  it('finds -V or a bare --version, and lets help win over it', () => {
    expect(requestOf(['-V'], BUILD_OPTIONS)).toBe('version');
    expect(requestOf(['--offline', '--version'], BUILD_OPTIONS)).toBe('version');
    expect(requestOf(['--version', '-h'], BUILD_OPTIONS)).toBe('help');
    expect(requestOf(['--project', '.'], BUILD_OPTIONS)).toBe('run');
  });
});

describe('renameToolVersion', () => {
  const rename = (args: string[]): { args: string[]; warnings: string[] } => {
    const warnings: string[] = [];
    return { args: renameToolVersion(args, (w) => warnings.push(w)), warnings };
  };

  it('renames --version VALUE and --version=VALUE to --tool-version, warning once', () => {
    expect(rename(['--version', '1.2.0', '--offline'])).toEqual({ args: ['--tool-version', '1.2.0', '--offline'], warnings: [expect.stringContaining('deprecated')] });
    expect(rename(['--version=1.2.0'])).toEqual({ args: ['--tool-version=1.2.0'], warnings: [expect.stringContaining('--tool-version VALUE')] });
  });

  it('leaves --version alone where no value follows: it asks for this tool\'s version', () => {
    expect(rename(['--version'])).toEqual({ args: ['--version'], warnings: [] });
    expect(rename(['--version', '--offline'])).toEqual({ args: ['--version', '--offline'], warnings: [] });
  });

  it('leaves --tool-version alone', () => {
    expect(rename(['--tool-version', '2.0'])).toEqual({ args: ['--tool-version', '2.0'], warnings: [] });
  });
});
