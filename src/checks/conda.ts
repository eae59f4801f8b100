/** PH110: conda and mamba have no place in a Phoreus project (charter §10). Pure: judges names and contents. */
import { finding, type Finding } from '../core/finding.js';

const CONDA_FILE = /(^|\/)(environment\.ya?ml|conda-lock\.ya?ml|[^/]*\.conda-lock\.ya?ml|conda-[^/]*\.lock|\.condarc|condarc|meta\.yaml|conda_build_config\.yaml)$/;
const CONDA_CALL = /(^|[\s;&|(`"'])(conda|mamba|micromamba)(\s+|\.exe\s+)(install|create|env|run|activate|update|build|remove|lock)\b|setup-miniconda|setup-micromamba|provision-with-micromamba|miniforge|anaconda\.org\/conda/;

/** Files worth reading for conda calls: build scripts, CI definitions, Python build files. */
export const SCANNED_FILE = /(^|\/)(Makefile|GNUmakefile|Dockerfile[^/]*|Containerfile|Justfile|justfile|setup\.py|noxfile\.py|tasks\.py|tox\.ini|setup\.cfg|pyproject\.toml|[^/]+\.(sh|bash|mk|spec|ya?ml))$/;

export function isCondaFile(relPath: string): boolean {
  if (!CONDA_FILE.test(relPath)) return false;
  // meta.yaml is conda-build's recipe only in a recipe directory.
  return !/(^|\/)meta\.yaml$/.test(relPath) || /(^|\/)(recipe|conda-recipe|conda)\//.test(relPath);
}

export function condaFileFinding(relPath: string): Finding {
  return finding('PH110', relPath, 1, `${relPath} is a conda/mamba environment file; Phoreus tools are built only from requirements.in and requirements.lock with pip (§10): delete it and move its packages into requirements.in`);
}

export function scanForCondaCalls(relPath: string, content: string): Finding[] {
  const findings: Finding[] = [];
  content.split(/\r\n|\r|\n/).forEach((line, index) => {
    const stripped = line.replace(/^\s*#.*$/, '');
    const m = CONDA_CALL.exec(stripped);
    if (!m) return;
    const what = m[2] ? `${m[2]} ${m[4]}` : m[0];
    findings.push(finding('PH110', relPath, index + 1, `"${what}" runs an external environment manager, which the charter forbids (§10); install from requirements.lock with pip instead`));
  });
  return findings;
}
