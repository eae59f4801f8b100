/** The licence fields of wheels' METADATA, read in one run of the build interpreter's zipfile. */
import { basename } from 'node:path';
import { BuildFailure } from '../core/errors.js';
import { lastLine, run } from '../tools/process.js';
import type { LicenceFields } from './sbom.js';

const SCRIPT = `import email.parser, json, sys, zipfile
out = {}
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if not names:
            out[path] = {"classifiers": []}
            continue
        m = email.parser.Parser().parsestr(z.read(names[0]).decode("utf-8", "replace"))
        out[path] = {"expression": m.get("License-Expression"), "license": m.get("License"), "classifiers": m.get_all("Classifier") or []}
json.dump(out, sys.stdout)
`;

export async function wheelLicences(python: string, wheels: readonly string[]): Promise<Map<string, LicenceFields>> {
  if (wheels.length === 0) return new Map();
  const r = await run(python, ['-I', '-c', SCRIPT, ...wheels]);
  if (r.exitCode !== 0) throw new BuildFailure(`cannot read the metadata of the wheels for the SBOM: ${lastLine(r.stderr)}`);
  const parsed = JSON.parse(r.stdout) as Record<string, { expression?: string | null; license?: string | null; classifiers: string[] }>;
  const found = new Map<string, LicenceFields>();
  for (const wheel of wheels) {
    const fields = parsed[wheel];
    if (!fields) throw new BuildFailure(`the metadata of ${basename(wheel)} was not read for the SBOM`);
    found.set(wheel, {
      classifiers: fields.classifiers,
      ...(fields.expression ? { expression: fields.expression } : {}),
      ...(fields.license ? { license: fields.license } : {}),
    });
  }
  return found;
}
