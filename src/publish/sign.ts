/**
 * Signs the audited RPMs with rpmsign through gpg and the run's private keyring, then checks
 * each signature as an installer would (PH402). rpmsign adds a header-only signature to the
 * signature header: the payload and the main header, hence SHA256HEADER and the payload
 * digest, are what they were, so the build stays reproducible.
 */
import { basename } from 'node:path';
import { checkSignature } from '../audit/signature.js';
import { judgePath } from '../inputs/values.js';
import type { Log } from '../core/log.js';
import { unlockArgs, type Keyring } from '../tools/gpg.js';
import { lastLine, run } from '../tools/process.js';
import { requireTools, which } from '../tools/system.js';
import { BuildFailure } from '../core/errors.js';
import { shown } from '../core/outward.js';

export async function signPackages(keyring: Keyring, files: readonly string[], log: Log): Promise<void> {
  await requireTools(['rpmsign', 'rpmkeys'], log);
  // The keyring's path becomes macro definitions: a space or a "%" in it would rewrite them.
  const wrong = judgePath(keyring.home);
  if (wrong) throw new BuildFailure(`the temporary keyring ${shown(keyring.home)} cannot be named to rpmsign: ${wrong}; set TMPDIR to such a path`);
  const signed = await run('rpmsign', [
    '--addsign',
    '--define', `__gpg ${which('gpg') ?? 'gpg'}`,
    '--define', `_gpg_path ${keyring.home}`,
    '--define', `_gpg_name ${keyring.fingerprint}`,
    '--define', '_gpg_digest_algo sha256',
    '--define', `_gpg_sign_cmd_extra_args ${unlockArgs(keyring)}`,
    ...files,
  ], { env: { ...process.env, GNUPGHOME: keyring.home } });
  if (signed.exitCode !== 0) throw new BuildFailure(`rpmsign failed: ${lastLine(signed.stderr)}`);
  for (const file of files) {
    const wrong = await checkSignature(file, keyring.publicKey);
    if (wrong.length > 0) throw new BuildFailure(`the signature rpmsign made on ${basename(file)} does not verify: ${wrong[0]?.message ?? ''}`);
    log.info(`signed ${basename(file)} with key ${keyring.fingerprint}`);
  }
}
