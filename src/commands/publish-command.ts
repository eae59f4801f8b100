/** `publish`: RPMs added to a repository that only grows, as a report; shared by the CLI and the action. */
import { findingsExitStatus } from '../core/errors.js';
import type { OutputFormat, SigningKey } from '../inputs/options.js';
import { publish, type PublishResult } from '../publish/repository.js';
import { renderJson, renderSarif, renderText, type ReportSubject } from '../report/formats.js';
import type { Log } from '../core/log.js';
import { closeKeyring, openKeyring } from '../tools/gpg.js';

export function publishSubject(result: PublishResult): ReportSubject {
  return {
    mode: 'publish',
    project: result.repo,
    added: result.added,
    leftOut: result.leftOut,
    packages: result.packages,
    ...(result.revision !== undefined ? { revision: result.revision } : {}),
    signed: result.signed,
  };
}

export function renderPublish(format: OutputFormat, result: PublishResult): string {
  if (format === 'json') return renderJson(publishSubject(result), result.findings);
  if (format === 'sarif') return renderSarif(result.findings);
  const lines = [
    ...result.added.map((file) => `added: ${file}`),
    ...result.leftOut.map((l) => `left out: ${l.file}: ${l.reason}`),
  ];
  return `${lines.map((l) => `${l}\n`).join('')}${renderText(publishSubject(result), result.findings)}`;
}

export async function runPublish(repo: string, rpms: string[], signing: SigningKey | undefined, log: Log): Promise<{ result: PublishResult; exitCode: number }> {
  const keyring = signing ? await openKeyring(signing.key, signing.passphrase, signing.source, log) : undefined;
  try {
    const result = await publish({ repo, rpms, ...(keyring ? { keyring } : {}) }, log);
    return { result, exitCode: findingsExitStatus(result.findings) };
  } finally {
    if (keyring) await closeKeyring(keyring);
  }
}
