import { describe, expect, it } from 'vitest';
import { consoleScripts, defaultSmokeCommand, toolScript } from '../../src/audit/smoke-command.js';

const NANOSTAT_ENTRY_POINTS = '[console_scripts]\nNanoStat = nanostat.NanoStat:main\n\n[other]\nnanostat = x:y\n';

describe('the smoke test\'s default command', () => {
  it('reads only [console_scripts] names that can reach a shell', () => {
    expect(consoleScripts('[gui_scripts]\ngui = a:b\n[console_scripts]\n# comment\ncutadapt = cutadapt.cli:main\nbad;rm = x:y\n$(id) = x:y\n  spaced  =  m:f [extra]\n')).toEqual(['cutadapt', 'spaced']);
    expect(consoleScripts('')).toEqual([]);
  });

  it('matches the tool\'s name exactly, then in any case, then in any spelling', () => {
    expect(toolScript('nanostat', ['NanoStat'])).toBe('NanoStat');
    expect(toolScript('my-tool', ['my_tool'])).toBe('my_tool');
    expect(toolScript('pulp', ['pulptest'])).toBeUndefined();
    expect(toolScript('Tool', ['tool', 'Tool'])).toBe('Tool');
  });

  it('runs the console script whose name differs in case from the tool\'s (NanoStat for nanostat)', () => {
    expect(defaultSmokeCommand('nanostat', { entryPoints: NANOSTAT_ENTRY_POINTS, installed: new Set(['NanoStat', 'python']) }))
      .toEqual({ command: 'NanoStat --version || NanoStat --help', what: 'the console script NanoStat' });
  });

  it('never runs a declared script that is not installed, nor another tool\'s script; imports the packages instead', () => {
    const meta = { entryPoints: '[console_scripts]\npulptest = pulp.tests:main\n', topLevel: 'pulp\n_private\ntests\n', installed: new Set(['pulptest']) };
    expect(defaultSmokeCommand('pulp', meta)).toEqual({ command: 'python -c "import pulp"', what: 'an import of pulp' });
    expect(defaultSmokeCommand('nanostat', { entryPoints: NANOSTAT_ENTRY_POINTS, installed: new Set() }).command).toBe('python -c "import sys; print(sys.prefix)"');
  });

  it('falls back to a script named like the tool, then to the venv\'s python; never puts an unsafe module name in the command', () => {
    expect(defaultSmokeCommand('tool', { installed: new Set(['tool']) }).command).toBe('tool --version || tool --help');
    expect(defaultSmokeCommand('tool', { topLevel: 'os; rm -rf /\n"x"\n', installed: new Set() }).command).toBe('python -c "import sys; print(sys.prefix)"');
  });
});
