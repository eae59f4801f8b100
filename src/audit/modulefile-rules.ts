/**
 * The rules on a modulefile (charter §9): it must load the interpreter module, set
 * VIRTUAL_ENV and prepend the venv's bin to PATH (PH205), and must never touch PYTHONPATH,
 * PYTHONHOME, PYTHONUSERBASE or a site-packages path (PH204). Pure: reads Lua as text.
 */
import { finding, type Finding } from '../checks/finding.js';

const FORBIDDEN = /PYTHONPATH|PYTHONHOME|PYTHONUSERBASE|site-packages/;

/** The Lua without comments, line by line (a "--" inside a string is rare in modulefiles). */
function codeLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((line) => {
    const inString = /^([^"']*("[^"]*"|'[^']*'))*[^"']*/.exec(line)?.[0] ?? line;
    const comment = inString.indexOf('--');
    return comment >= 0 ? line.slice(0, comment) : line;
  });
}

export function checkModulefile(file: string, text: string, interpreterModule: string, venv: string): Finding[] {
  const findings: Finding[] = [];
  const lines = codeLines(text);
  lines.forEach((line, i) => {
    const m = FORBIDDEN.exec(line);
    if (m) findings.push(finding('PH204', file, i + 1, `the modulefile touches ${m[0]}: a Phoreus module activates its venv through VIRTUAL_ENV and PATH only (charter §9); remove the line`));
  });
  const code = lines.join('\n');
  const escaped = interpreterModule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`\\b(load|depends_on|always_load|prereq)\\s*\\(\\s*["']${escaped}(/[^"']*)?["']`).test(code)) {
    findings.push(finding('PH205', file, 1, `the modulefile does not load ${interpreterModule}: add load("${interpreterModule}") before the venv is activated (charter §5, §9)`));
  }
  const venvLiteral = venv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const prefix = venv.replace(/\/venv$/, '');
  const declaresPrefix = code.includes(`"${prefix}"`) || code.includes(`'${prefix}'`);
  const setsVirtualEnv = new RegExp(`setenv\\s*\\(\\s*["']VIRTUAL_ENV["']\\s*,\\s*(["']${venvLiteral}["']|pathJoin\\s*\\(\\s*\\w+\\s*,\\s*["']venv["']\\s*\\))`).test(code);
  if (!setsVirtualEnv || (!code.includes(venv) && !declaresPrefix)) {
    findings.push(finding('PH205', file, 1, `the modulefile does not set VIRTUAL_ENV to ${venv}: add setenv("VIRTUAL_ENV", "${venv}") (charter §9)`));
  }
  const prependsBin = new RegExp(`prepend_path\\s*\\(\\s*["']PATH["']\\s*,\\s*(["']${venvLiteral}/bin["']|pathJoin\\s*\\(\\s*\\w+\\s*,\\s*["']venv/bin["']\\s*\\))`).test(code);
  if (!prependsBin || (!code.includes(venv) && !declaresPrefix)) {
    findings.push(finding('PH205', file, 1, `the modulefile does not prepend ${venv}/bin to PATH: add prepend_path("PATH", "${venv}/bin") (charter §9)`));
  }
  return findings;
}
