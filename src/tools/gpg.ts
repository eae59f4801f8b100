/**
 * A private OpenPGP keyring for one run: the release key imported into a temporary GNUPGHOME
 * inside the run's scratch directory, the passphrase in a file only this user can read (never
 * on a command line), the agent stopped and everything removed when the run is done.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { removeScratch, scratchDir } from './lifecycle.js';
import { lastLine, run } from './process.js';
import { requireTools } from './system.js';

export interface Keyring {
  home: string;
  /** Fingerprint of the one secret key. */
  fingerprint: string;
  /** The file gpg reads the passphrase from, when there is one. */
  passphraseFile?: string;
  /** The key's public half, ASCII-armoured, for checking what was signed. */
  publicKey: string;
}

const SECRET_KEY = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]+-----END PGP PRIVATE KEY BLOCK-----/;

/** gpg run against a keyring, never asking anyone anything. */
function gpg(home: string, args: readonly string[], passphraseFile?: string): ReturnType<typeof run> {
  const unlock = passphraseFile ? ['--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile] : ['--pinentry-mode', 'loopback'];
  return run('gpg', ['--homedir', home, '--batch', '--no-tty', '--no-options', ...unlock, ...args], { env: { ...process.env, GNUPGHOME: home } });
}

/** The gpg arguments that unlock the key without a prompt, for a command line rpmsign builds. */
export function unlockArgs(keyring: Keyring): string {
  return ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...(keyring.passphraseFile ? ['--passphrase-file', keyring.passphraseFile] : [])].join(' ');
}

/**
 * Imports an ASCII-armoured secret key and proves it signs with the passphrase given, before
 * anything is built: a wrong key or passphrase is one line, not a failure after the build.
 */
export async function openKeyring(secretKey: string, passphrase: string | undefined, what: string, log: Log): Promise<Keyring> {
  if (!SECRET_KEY.test(secretKey)) throw new UsageError(`${what} is not an ASCII-armoured OpenPGP secret key; export one with \`gpg --armor --export-secret-keys KEYID\``);
  await requireTools(['gpg', 'gpgconf'], log);
  const home = scratchDir('phoreus-gpg-');
  chmodSync(home, 0o700);
  const keyring: Keyring = { home, fingerprint: '', publicKey: join(home, 'public.asc') };
  try {
    if (passphrase) {
      keyring.passphraseFile = join(home, 'passphrase');
      writeFileSync(keyring.passphraseFile, passphrase, { mode: 0o600 });
    }
    const secretFile = join(home, 'secret.asc');
    writeFileSync(secretFile, secretKey, { mode: 0o600 });
    const imported = await gpg(home, ['--import', secretFile], keyring.passphraseFile);
    rmSync(secretFile, { force: true });
    if (imported.exitCode !== 0) throw new UsageError(`${what} could not be imported by gpg: ${lastLine(imported.stderr)}`);
    const listed = await gpg(home, ['--with-colons', '--list-secret-keys']);
    const lines = listed.stdout.split('\n');
    const secrets = lines.filter((l) => l.startsWith('sec:'));
    if (secrets.length !== 1) throw new UsageError(`${what} holds ${secrets.length} secret keys; give exactly one`);
    if (!(secrets[0]?.split(':')[11] ?? '').includes('S')) throw new UsageError(`${what} cannot make signatures (it has no signing capability); give a signing key`);
    keyring.fingerprint = lines.find((l) => l.startsWith('fpr:'))?.split(':')[9] ?? '';
    const probe = join(home, 'probe');
    writeFileSync(probe, 'phoreus-rpm signing probe\n');
    const signed = await gpg(home, ['--local-user', keyring.fingerprint, '--detach-sign', '--output', `${probe}.sig`, probe], keyring.passphraseFile);
    if (signed.exitCode !== 0) {
      throw new UsageError(`${what} cannot sign: ${lastLine(signed.stderr)}; give its passphrase in PHOREUS_SIGN_PASSPHRASE (the signing-passphrase input)`);
    }
    const exported = await gpg(home, ['--armor', '--output', keyring.publicKey, '--export', keyring.fingerprint]);
    if (exported.exitCode !== 0) throw new UsageError(`the public half of ${what} could not be exported: ${lastLine(exported.stderr)}`);
    return keyring;
  } catch (error) {
    await closeKeyring(keyring);
    throw error;
  }
}

/** Stops the keyring's gpg-agent and removes the keyring, the passphrase file with it. */
export async function closeKeyring(keyring: Keyring): Promise<void> {
  await run('gpgconf', ['--homedir', keyring.home, '--kill', 'all'], { env: { ...process.env, GNUPGHOME: keyring.home } });
  removeScratch(keyring.home);
}

/** A detached, ASCII-armoured signature of a file (repomd.xml.asc beside repomd.xml). */
export async function detachSign(keyring: Keyring, file: string, signature: string): Promise<void> {
  const signed = await gpg(keyring.home, ['--local-user', keyring.fingerprint, '--armor', '--yes', '--detach-sign', '--output', signature, file], keyring.passphraseFile);
  if (signed.exitCode !== 0) throw new UsageError(`gpg could not sign ${file}: ${lastLine(signed.stderr)}`);
}

/** The 16-hex-digit IDs of a public key file's primary key and subkeys, lower case; empty when it holds none. */
export async function keyIds(publicKey: string): Promise<string[]> {
  const home = scratchDir('phoreus-gpg-');
  chmodSync(home, 0o700);
  try {
    const shown = await gpg(home, ['--with-colons', '--show-keys', publicKey]);
    return shown.stdout.split('\n').filter((l) => /^(pub|sub):/.test(l)).map((l) => (l.split(':')[4] ?? '').toLowerCase()).filter((id) => /^[0-9a-f]{16}$/.test(id));
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
    removeScratch(home);
  }
}

/**
 * What of a signing key and passphrase must never be written: the passphrase, the key whole,
 * and each line of its armour (a runner masks line by line). Pure.
 */
export function signingSecrets(key: string, passphrase: string | undefined): string[] {
  const lines = key.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'));
  return [key.trim(), ...lines, ...(passphrase ? [passphrase] : [])].filter((secret) => secret !== '');
}
