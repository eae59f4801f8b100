/**
 * What leaves the process: credentials masked by the one redaction function (property-tested
 * over URLs with arbitrary user-info), control characters dropped, workflow commands inert,
 * findings short and printable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finding } from '../../src/core/finding.js';
import { inertForRunner, outward, printable } from '../../src/core/outward.js';
import { literalCredentials, redact, registerSecrets } from '../../src/core/redact.js';
import { parseWorkflowCommands } from '../support/action-runner.js';

/** A password as users write them: any printable character but the ones that end a URL's authority. */
const password = fc.string({ unit: fc.constantFrom(...'abcXYZ019@:!$&\'()*+,;=%-._~[]'.split('')), minLength: 1, maxLength: 24 })
  .filter((p) => !/^(\$\{[A-Z0-9_]+\}|:)*$/.test(p) && p.replace(/[@:]/g, '') !== '');

describe('redact', () => {
  it('masks a password holding "@" whole, not only up to its first "@"', () => {
    expect(redact('https://ci:p@ss@word@index.example/simple')).toBe('https://***@index.example/simple');
    expect(literalCredentials('https://ci:p@ss@word@index.example/simple')).toEqual(['p@ss@word']);
  });

  it('never lets any part of a URL password through, whatever it holds', () => {
    fc.assert(fc.property(password, fc.constantFrom('https', 'http', 'git+https'), fc.constantFrom('', '/simple', '/simple/pkg/?x=1', '#frag'), (pw, scheme, rest) => {
      const url = `${scheme}://user:${pw}@index.example${rest}`;
      const text = `pip said: could not fetch ${url} (HTTP 500)`;
      const out = redact(text);
      expect(out).toBe(`pip said: could not fetch ${scheme}://***@index.example${rest} (HTTP 500)`);
    }), { numRuns: 500 });
  });

  it('masks registered secrets wherever they appear, and the longest first', () => {
    registerSecrets(['s3cr3t-token', 's3cr3t-token-longer', 'abc']);
    expect(redact('a s3cr3t-token-longer and a s3cr3t-token, and abc')).toBe('a *** and a ***, and abc');
  });
});

describe('printable and outward', () => {
  it('drops C0 and C1 controls and bidirectional overrides, keeping tabs and newlines', () => {
    expect(printable('a\x1b[31mred\x1b[0m\tb\nc\x07\x9b2J\u202eevil')).toBe('a[31mred[0m\tb\nc2Jevil');
  });

  it('leaves no control character in any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      // eslint-disable-next-line no-control-regex -- the property is their absence
      expect(outward(text)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    }), { numRuns: 500 });
  });
});

describe('inertForRunner', () => {
  it('leaves no line a runner would read as a workflow command', () => {
    fc.assert(fc.property(fc.array(fc.oneof(
      fc.constantFrom('::error::forged', '  ::add-mask::x', '::stop-commands::tok', '##[error]old style', 'text ##[warning]x', '::set-output name=a::b'),
      fc.string(),
    )), (lines) => {
      const out = inertForRunner(lines.join('\n'));
      expect(parseWorkflowCommands(out)).toEqual([]);
      expect(out).not.toMatch(/^\s*::/m);
      expect(out).not.toContain('##[');
    }), { numRuns: 300 });
  });
});

describe('finding', () => {
  it('is printable, masked and short whatever the message and file quote', () => {
    const f = finding('PH113', 'phoreus.yaml\x1b[2J', 3, `unknown key "${'\x1b]0;title\x07'.repeat(5)}${'x'.repeat(5000)}" https://u:pw@h/`);
    expect(f.message.length).toBeLessThanOrEqual(1000);
    // eslint-disable-next-line no-control-regex -- the escapes are what must be absent
    expect(f.message).not.toMatch(/\x1b|\x07|pw@/);
    expect(f.file).toBe('phoreus.yaml[2J');
  });
});
