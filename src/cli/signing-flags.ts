/** --sign-key FILE, with the passphrase from PHOREUS_SIGN_PASSPHRASE: shared by build and publish. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { absolutePath, type SigningKey } from '../inputs/options.js';
import { UsageError } from '../core/errors.js';
import { registerSecrets } from '../core/redact.js';
import { signingSecrets } from '../tools/gpg.js';
import type { Flags, OptionSpec } from './flags.js';

export const SIGNING_OPTIONS: OptionSpec = {
  'sign-key': { type: 'string' },
};

export function signingFlag(flags: Flags): SigningKey | undefined {
  const file = flags.string('sign-key');
  if (file === undefined) return undefined;
  const path = absolutePath(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`--sign-key ${file} does not exist or is not a file; give an ASCII-armoured OpenPGP secret key`);
  const key = readFileSync(path, 'utf8');
  const passphrase = process.env.PHOREUS_SIGN_PASSPHRASE || undefined;
  // No child process (a build backend, an sdist's setup.py, rpmbuild) inherits it.
  delete process.env.PHOREUS_SIGN_PASSPHRASE;
  // Neither the key nor its passphrase is ever written, whatever prints them.
  registerSecrets(signingSecrets(key, passphrase));
  return { key, source: `the signing key ${file}`, ...(passphrase ? { passphrase } : {}) };
}
