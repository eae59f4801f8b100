/** A scratch root holding RPM payloads, for tests that look at or run what an RPM installs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractPayloads } from '../../src/audit/smoke-test.js';

export async function scratchRoot(rpms: string[]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'phoreus-root-'));
  await extractPayloads(rpms, root);
  return root;
}
