/**
 * PH402: the RPM carries an OpenPGP signature by the release key, and it verifies. rpmkeys
 * checks it against a temporary rpm database holding that key alone, so the host's rpmdb is
 * neither read nor written; the signer's key ID in the header must be the key's or one of its
 * subkeys'.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { finding, type Finding } from '../core/finding.js';
import { UsageError } from '../core/errors.js';
import { keyIds } from '../tools/gpg.js';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';
import { lastLine, run } from '../tools/process.js';

/** Every OpenPGP signature tag rpm may carry: v4 header-only (RSA/EdDSA, DSA) and the legacy header+payload ones. */
const SIGNATURES = '%{RSAHEADER:pgpsig}\\n%{DSAHEADER:pgpsig}\\n%{SIGPGP:pgpsig}\\n%{SIGGPG:pgpsig}\\n';

/** Key IDs of the signatures rpm reports ("RSA/SHA256, <date>, Key ID 3b08a4a3489d43e1"). Pure. */
export function signerKeyIds(text: string): string[] {
  return [...new Set([...text.matchAll(/Key ID ([0-9a-fA-F]{16})/g)].map((m) => (m[1] ?? '').toLowerCase()))];
}

export async function checkSignature(rpm: string, publicKey: string): Promise<Finding[]> {
  const file = basename(rpm);
  if (!existsSync(publicKey) || !statSync(publicKey).isFile()) throw new UsageError(`${publicKey} does not exist or is not a file; give the release key's public half (\`gpg --armor --export KEYID\`)`);
  const ids = await keyIds(publicKey);
  if (ids.length === 0) throw new UsageError(`${publicKey} holds no OpenPGP public key; export one with \`gpg --armor --export KEYID\``);
  const q = await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', SIGNATURES, rpm]);
  const signers = signerKeyIds(q.stdout);
  if (signers.length === 0) {
    return [finding('PH402', file, 1, `${file} is not signed: a release is signed with the release key (\`build --sign-key\`, the signing-key input) so that dnf can check where it came from`)];
  }
  const foreign = signers.filter((id) => !ids.includes(id));
  if (foreign.length === signers.length) {
    return [finding('PH402', file, 1, `${file} is signed by key ${foreign.join(', ')}, not by the given key (${ids.join(', ')}): sign it with the release key`)];
  }
  const db = scratchDir('phoreus-rpmdb-');
  try {
    const dbArgs = ['--dbpath', join(db, 'rpmdb')];
    const init = await run('rpm', [...dbArgs, '--initdb']);
    const imported = init.exitCode === 0 ? await run('rpmkeys', [...dbArgs, '--import', publicKey]) : init;
    if (imported.exitCode !== 0) throw new UsageError(`rpm cannot import ${publicKey} into a temporary rpm database: ${lastLine(imported.stderr)}`);
    const checked = await run('rpmkeys', [...dbArgs, '--checksig', '--verbose', rpm]);
    const output = `${checked.stdout}\n${checked.stderr}`;
    if (checked.exitCode !== 0 || /NOT OK|NOKEY|BAD/i.test(output)) {
      const bad = output.split('\n').map((l) => l.trim()).filter((l) => /NOT OK|NOKEY|BAD/i.test(l));
      return [finding('PH402', file, 1, `the signature of ${file} does not verify with the given key: ${bad.join('; ') || lastLine(output)}`)];
    }
    return [];
  } finally {
    removeScratch(db);
  }
}
