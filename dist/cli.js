#!/usr/bin/env node
import { createRequire as __phoreusCreateRequire } from 'node:module'; const require = __phoreusCreateRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __export = (target2, all) => {
  for (var name in all)
    __defProp(target2, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target2) => (target2 = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target2, "default", { value: mod, enumerable: true }) : target2,
  mod
));

// src/core/redact.ts
function literalCredentials(text) {
  const secrets = [];
  for (const m of text.matchAll(USERINFO)) {
    const userinfo = m[2] ?? "";
    const colon = userinfo.indexOf(":");
    if (colon < 0 && /ssh/i.test(m[1] ?? "")) continue;
    const secret = colon >= 0 ? userinfo.slice(colon + 1) : userinfo;
    if (secret === "" || ONLY_ENV_REFERENCES.test(secret)) continue;
    secrets.push(secret, decodeSafely(secret));
  }
  return [...new Set(secrets)];
}
function decodeSafely(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
function registerSecrets(secrets) {
  for (const secret of secrets) if (secret.length >= MIN_LITERAL) registered.add(secret);
}
function redact(text) {
  let out = text.replace(
    USERINFO,
    (_all, scheme, userinfo) => ONLY_ENV_REFERENCES.test(userinfo) ? `${scheme}${userinfo}@` : `${scheme}***@`
  );
  for (const secret of [...registered].sort((a, b) => b.length - a.length)) out = out.split(secret).join("***");
  return out;
}
var USERINFO, ONLY_ENV_REFERENCES, MIN_LITERAL, registered;
var init_redact = __esm({
  "src/core/redact.ts"() {
    "use strict";
    USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#\s]*)@/g;
    ONLY_ENV_REFERENCES = /^(\$\{[A-Z0-9_]+\}|:)*$/;
    MIN_LITERAL = 4;
    registered = /* @__PURE__ */ new Set();
  }
});

// src/core/outward.ts
function printable(text) {
  return text.replace(UNPRINTABLE, "");
}
function outward(text) {
  return printable(redact(text));
}
function shown(value, max = 80) {
  const clean = value.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
var UNPRINTABLE;
var init_outward = __esm({
  "src/core/outward.ts"() {
    "use strict";
    init_redact();
    UNPRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  }
});

// src/core/rules.ts
var RULES, RULE_IDS, WAIVABLE_RULES;
var init_rules = __esm({
  "src/core/rules.ts"() {
    "use strict";
    RULES = {
      PH101: { title: "requirements.lock missing", severity: "error", charter: "\xA76.1, \xA713, \xA714" },
      PH102: { title: "requirements.in missing", severity: "error", charter: "\xA76.1, \xA714" },
      PH103: { title: "lock requirement not pinned to one exact version", severity: "error", charter: "\xA76.1, \xA710" },
      PH104: { title: "lock requirement without a sha256 hash", severity: "error", charter: "\xA76.1, \xA713" },
      PH105: { title: "editable, local, VCS or direct-URL requirement in the lock", severity: "error", charter: "\xA76.1, \xA710" },
      PH106: { title: "lock not produced by pip-compile --generate-hashes", severity: "error", charter: "\xA76.1" },
      PH107: { title: "lock does not satisfy requirements.in", severity: "error", charter: "\xA76.1, \xA714" },
      PH108: { title: "lock drifted from what pip-compile produces", severity: "error", charter: "\xA76.1, \xA714" },
      PH109: { title: "lock compiled with another Python minor version", severity: "error", charter: "\xA75, \xA76.1" },
      PH110: { title: "conda or mamba used by the project", severity: "error", charter: "\xA710" },
      PH111: { title: "pip not pinned in the lock", severity: "warning", charter: "\xA77.1" },
      PH112: { title: "credentials in an index URL", severity: "error", charter: "\xA713" },
      PH113: { title: "configuration file invalid", severity: "error", charter: "\xA713" },
      PH114: { title: "application build backend not pinned", severity: "warning", charter: "\xA76.1, \xA713" },
      PH115: { title: "package skipped on this platform", severity: "warning", charter: "\xA76.1, \xA714" },
      PH116: { title: "build backend of an sdist not pinned", severity: "warning", charter: "\xA76.1, \xA713" },
      PH201: { title: "interpreter not sanctioned", severity: "error", charter: "\xA75" },
      PH202: { title: "requires a shared Python module or a system Python", severity: "error", charter: "\xA73.1, \xA75, \xA710" },
      PH203: { title: "not exactly one interpreter module, or phoreus not required", severity: "error", charter: "\xA75, \xA78" },
      PH204: { title: "modulefile touches PYTHONPATH, PYTHONHOME or site-packages", severity: "error", charter: "\xA79" },
      PH205: { title: "modulefile does not load the interpreter, set VIRTUAL_ENV and prepend the venv bin", severity: "error", charter: "\xA75, \xA79" },
      PH206: { title: "scriptlet runs an installer or writes into a venv", severity: "error", charter: "\xA710, \xA711" },
      PH207: { title: "tool name or version unsafe", severity: "error", charter: "\xA73.1, \xA78" },
      PH301: { title: "payload file outside the tool version prefix", severity: "error", charter: "\xA73.1, \xA710" },
      PH302: { title: "pyvenv.cfg missing or system site-packages included", severity: "error", charter: "\xA73.1" },
      PH303: { title: ".pth or sitecustomize adds a path outside the venv", severity: "error", charter: "\xA73.1, \xA710" },
      PH304: { title: "script interpreter outside the venv", severity: "error", charter: "\xA73.1, \xA75" },
      PH305: { title: "build-time path in the payload", severity: "error", charter: "\xA73.1, \xA74", waivable: true },
      PH306: { title: "venv does not lead to the target interpreter", severity: "error", charter: "\xA75" },
      PH307: { title: "bytecode for another interpreter", severity: "error", charter: "\xA75", waivable: true },
      PH308: { title: "installed distributions differ from the lock", severity: "error", charter: "\xA76.1, \xA713, \xA714" },
      PH309: { title: "ELF file needs a newer glibc, or is for another architecture and imported, linked or run", severity: "error", charter: "\xA74, \xA714", waivable: true },
      PH310: { title: "ELF file needs a library from outside", severity: "warning", charter: "\xA73.1", waivable: true },
      PH311: { title: "header provides Python modules or sonames", severity: "error", charter: "\xA73.1, \xA710" },
      PH312: { title: "file differs from its RECORD hash, or a distribution has no RECORD", severity: "error", charter: "\xA711, \xA713" },
      PH313: { title: "name, version and prefix disagree", severity: "error", charter: "\xA73.1, \xA78" },
      PH314: { title: "smoke test failed", severity: "error", charter: "\xA79, \xA714" },
      PH315: { title: "setuid, setgid, sticky or world-writable payload file, or a special file", severity: "error", charter: "\xA73.1, \xA711" },
      PH316: { title: ".pth file runs code at interpreter start", severity: "warning", charter: "\xA73.1, \xA710", waivable: true },
      PH317: { title: "modulefile sets a value with a control character", severity: "error", charter: "\xA79" },
      PH318: { title: "ELF file for another architecture that nothing loads", severity: "warning", charter: "\xA74, \xA714", waivable: true },
      PH319: { title: "audit waiver matches no finding", severity: "warning", charter: "\xA713, \xA714" },
      PH320: { title: "RPATH/RUNPATH names the directory an upstream wheel was built in", severity: "warning", charter: "\xA73.1, \xA74", waivable: true },
      PH401: { title: "version already published", severity: "error", charter: "\xA711" },
      PH402: { title: "RPM not signed by the release key", severity: "error", charter: "\xA711, \xA715" },
      PH403: { title: "embedded SBOM differs from the installed distributions", severity: "error", charter: "\xA713, \xA715" }
    };
    RULE_IDS = Object.keys(RULES);
    WAIVABLE_RULES = RULE_IDS.filter((id) => RULES[id].waivable === true);
  }
});

// src/core/finding.ts
function finding(rule, file, line, message) {
  return { rule, severity: RULES[rule].severity, file: cut(outward(file), 300), line: Math.max(1, line), message: cut(outward(message), MAX_MESSAGE) };
}
function countBySeverity(findings) {
  let errors = 0;
  let warnings = 0;
  let waived = 0;
  for (const f of findings) {
    if (f.waived) waived++;
    else if (f.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings, waived };
}
function sortFindings(findings) {
  return [...findings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule)
  );
}
var MAX_MESSAGE, cut;
var init_finding = __esm({
  "src/core/finding.ts"() {
    "use strict";
    init_outward();
    init_rules();
    MAX_MESSAGE = 1e3;
    cut = (text, max) => text.length > max ? `${text.slice(0, max - 3)}...` : text;
  }
});

// src/core/errors.ts
function errorLine(error) {
  const message = error instanceof ExpectedError ? error.message : `internal error: ${error?.message ?? String(error)}`;
  return outward(message.split("\n")[0] ?? "");
}
function exitStatus(error) {
  return error instanceof ExpectedError ? error.exitStatus : INTERNAL_ERROR_STATUS;
}
function findingsExitStatus(findings, stopped2 = false) {
  return stopped2 || countBySeverity(findings).errors > 0 ? 1 : 0;
}
var ExpectedError, UsageError, BuildFailure, INTERNAL_ERROR_STATUS;
var init_errors = __esm({
  "src/core/errors.ts"() {
    "use strict";
    init_finding();
    init_outward();
    ExpectedError = class extends Error {
    };
    UsageError = class extends ExpectedError {
      name = "UsageError";
      exitStatus = 2;
    };
    BuildFailure = class extends ExpectedError {
      /** `log`: the failed tool's whole output, kept in the output directory under its name. */
      constructor(message, log) {
        super(message);
        this.log = log;
      }
      log;
      name = "BuildFailure";
      exitStatus = 1;
    };
    INTERNAL_ERROR_STATUS = 70;
  }
});

// src/core/layout.ts
function expandPython(pattern, interpreter) {
  return pattern.split("{python}").join(interpreter);
}
var PHOREUS_ROOT, DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE, packageName, metaPackageName, MODULEFILE_ROOT, toolDir, phoreusPrefix, venvPath, modulefileDir, modulefilePath, interpreterPath;
var init_layout = __esm({
  "src/core/layout.ts"() {
    "use strict";
    PHOREUS_ROOT = "/usr/local/phoreus";
    DEFAULT_INTERPRETER_HOME = `${PHOREUS_ROOT}/python/{python}`;
    DEFAULT_INTERPRETER_MODULE = "phoreus-python-{python}";
    packageName = (id) => `phoreus-${id.tool}-${id.version}`;
    metaPackageName = (id) => `phoreus-${id.tool}`;
    MODULEFILE_ROOT = `${PHOREUS_ROOT}/modulefiles`;
    toolDir = (tool) => `${PHOREUS_ROOT}/${tool}`;
    phoreusPrefix = (id) => `${toolDir(id.tool)}/${id.version}`;
    venvPath = (id) => `${phoreusPrefix(id)}/venv`;
    modulefileDir = (id) => `${MODULEFILE_ROOT}/${id.tool}`;
    modulefilePath = (id) => `${modulefileDir(id)}/${id.version}.lua`;
    interpreterPath = (id) => `${id.interpreterHome}/bin/python${id.interpreter}`;
  }
});

// src/inputs/values.ts
function judgeRelease(value) {
  if (value.length > MAX_VALUE_LENGTH || !RPM_RELEASE.test(value)) {
    return `use letters and digits joined by single ".", "_", "+" or "~" (no "-", "%", spaces or newlines), at most ${MAX_VALUE_LENGTH} characters, for example "1" or "2.el9_1"`;
  }
  return void 0;
}
function judgeModule(value) {
  const expanded = value.split("{python}").join("3.11");
  if (expanded.length > MAX_VALUE_LENGTH || !MODULE_NAME.test(expanded)) {
    return `use letters and digits joined by single ".", "_", "+" or "-" (an RPM package name, which the RPM requires), with {python} for X.Y, at most ${MAX_VALUE_LENGTH} characters, for example "phoreus-python-{python}"`;
  }
  return void 0;
}
function judgePath(value) {
  const segments = value.split("/").slice(1);
  const normalised = value.startsWith("/") && segments.length > 0 && segments.every((s) => PATH_SEGMENT.test(s));
  if (!normalised || value.length > MAX_PATH_LENGTH) {
    return 'use an absolute, normalised path of letters, digits, ".", "_", "+" and "-" (no "..", "//", trailing "/", spaces or quotes)';
  }
  return void 0;
}
function judgeHome(value) {
  const wrong = judgePath(value.split("{python}").join("3.11"));
  return wrong ? `${wrong}, with {python} for X.Y, for example "${DEFAULT_INTERPRETER_HOME}"` : void 0;
}
function judgeEnvValue(value) {
  return /[\x00-\x1f\x7f]/.test(value) ? "an environment value holds no control characters" : void 0;
}
function judgeToolName(value) {
  if (value.length <= MAX_VALUE_LENGTH && TOOL_NAME.test(value)) return void 0;
  return `use lower-case letters and digits joined by single ".", "_", "+" or "-", at most ${MAX_VALUE_LENGTH} characters`;
}
function judgeToolVersion(value) {
  if (value.length <= MAX_VALUE_LENGTH && TOOL_VERSION.test(value)) return void 0;
  return `use digits and letters joined by single ".", "_", "+" or "~" (no "-"), starting with a digit, at most ${MAX_VALUE_LENGTH} characters`;
}
function assertSafe(what, value, judge) {
  const wrong = judge(value);
  if (wrong) throw new UnsafeValue(`${what} "${shown(value)}" is not safe: ${wrong}`);
  return value;
}
var MAX_VALUE_LENGTH, TOOL_NAME, TOOL_VERSION, RPM_RELEASE, MODULE_NAME, PATH_SEGMENT, MAX_PATH_LENGTH, INTERPRETER, DIST_NAME, DIST_VERSION, WHEEL_FILE, UnsafeValue;
var init_values = __esm({
  "src/inputs/values.ts"() {
    "use strict";
    init_outward();
    init_layout();
    MAX_VALUE_LENGTH = 64;
    TOOL_NAME = /^[a-z0-9]+(?:[._+-][a-z0-9]+)*$/;
    TOOL_VERSION = /^[0-9][0-9A-Za-z]*(?:[._+~][0-9A-Za-z]+)*$/;
    RPM_RELEASE = /^[0-9A-Za-z]+(?:[._+~][0-9A-Za-z]+)*$/;
    MODULE_NAME = /^[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*$/;
    PATH_SEGMENT = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$|^\.[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;
    MAX_PATH_LENGTH = 1024;
    INTERPRETER = /^3\.\d{1,2}$/;
    DIST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
    DIST_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}$/;
    WHEEL_FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.whl$/;
    UnsafeValue = class extends Error {
      name = "UnsafeValue";
    };
  }
});

// src/inputs/options.ts
import { isAbsolute, resolve } from "node:path";
function parseFormat(value) {
  if (FORMATS.includes(value)) return value;
  throw new UsageError(`format "${value}" is not one of ${FORMATS.join(", ")}`);
}
function parseInterpreter(value) {
  if (value === void 0 || value === "") return void 0;
  if (!INTERPRETER.test(value)) throw new UsageError(`interpreter "${shown(value)}" is not of the form 3.X (for example 3.11)`);
  return value;
}
function checkValues(options) {
  const check = (value, flag, judge) => {
    const wrong = value === void 0 ? void 0 : judge(value);
    if (wrong) throw new UsageError(`${flag} "${shown(value ?? "")}" is not safe: ${wrong}`);
  };
  check(options.release, "release (--release, the release input)", judgeRelease);
  check(options.interpreterHome, "interpreter home (--interpreter-home, the interpreter-home input)", judgeHome);
  check(options.interpreterModule, "interpreter module (--interpreter-module, the interpreter-module input)", judgeModule);
}
function absolutePath(path, base = process.cwd()) {
  return isAbsolute(path) ? path : resolve(base, path);
}
function optional(key, value) {
  return value === void 0 || value === "" ? {} : { [key]: value };
}
var FORMATS;
var init_options = __esm({
  "src/inputs/options.ts"() {
    "use strict";
    init_errors();
    init_values();
    init_outward();
    FORMATS = ["text", "json", "sarif"];
  }
});

// package.json
var package_default;
var init_package = __esm({
  "package.json"() {
    package_default = { name: "phoreus-rpm", version: "0.1.0", homepage: "https://github.com/phoreus/phoreus-rpm" };
  }
});

// src/core/about.ts
var TOOL_NAME2, TOOL_VERSION2, TOOL_URL, RULES_URL;
var init_about = __esm({
  "src/core/about.ts"() {
    "use strict";
    init_package();
    TOOL_NAME2 = package_default.name;
    TOOL_VERSION2 = package_default.version;
    TOOL_URL = package_default.homepage;
    RULES_URL = `${TOOL_URL}/blob/main/docs/rules.md`;
  }
});

// src/cli/flags.ts
import { parseArgs } from "node:util";
function requestOf(args, options) {
  const { tokens } = parseArgs({ args, options: { ...options, ...CONVENTIONS }, strict: false, allowPositionals: true, tokens: true });
  const asked = (name) => tokens.some((t) => t.kind === "option" && t.name === name && t.value === void 0);
  if (asked("help")) return "help";
  return asked("version") ? "version" : "run";
}
function renameToolVersion(args, warn) {
  const renamed = args.map((arg, i) => {
    if (arg.startsWith("--version=")) return `--tool-version=${arg.slice("--version=".length)}`;
    const next = args[i + 1];
    return arg === "--version" && next !== void 0 && !next.startsWith("-") ? "--tool-version" : arg;
  });
  if (renamed.some((arg, i) => arg !== args[i])) warn("--version VALUE is deprecated: the packaged tool's version is --tool-version VALUE; --version alone prints this tool's version");
  return renamed;
}
function parseFlags(command, args, options, positionals = 0) {
  try {
    const parsed = parseArgs({ args, strict: true, allowPositionals: positionals > 0, options });
    if (parsed.positionals.length > positionals) throw new Error(`unexpected argument '${parsed.positionals[positionals]}'`);
    return new Flags(parsed.values, parsed.positionals);
  } catch (error) {
    const [what] = error.message.split(/\.(?: |\n|$)/);
    throw new UsageError(`${what}; run \`${TOOL_NAME2} ${command} --help\``);
  }
}
function projectOptions(flags) {
  return {
    project: absolutePath(flags.string("project") ?? "."),
    offline: false,
    extraIndexUrls: flags.list("extra-index-url"),
    ...optional("interpreter", parseInterpreter(flags.string("interpreter"))),
    ...optional("config", flags.string("config") && absolutePath(flags.string("config") ?? "")),
    ...optional("tool", flags.string("tool")),
    ...optional("version", flags.string("tool-version")),
    ...optional("indexUrl", flags.string("index-url")),
    ...optional("python", flags.string("python"))
  };
}
var CONVENTIONS, PROJECT_OPTIONS, Flags;
var init_flags = __esm({
  "src/cli/flags.ts"() {
    "use strict";
    init_options();
    init_errors();
    init_about();
    CONVENTIONS = {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" }
    };
    PROJECT_OPTIONS = {
      project: { type: "string", default: "." },
      interpreter: { type: "string" },
      config: { type: "string" },
      tool: { type: "string" },
      "tool-version": { type: "string" },
      "index-url": { type: "string" },
      "extra-index-url": { type: "string", multiple: true, default: [] },
      python: { type: "string" },
      quiet: { type: "boolean", default: false }
    };
    Flags = class {
      constructor(values, positionals) {
        this.values = values;
        this.positionals = positionals;
      }
      values;
      positionals;
      string(name) {
        const v = this.values[name];
        return typeof v === "string" ? v : void 0;
      }
      boolean(name) {
        return this.values[name] === true;
      }
      list(name) {
        const v = this.values[name];
        return Array.isArray(v) ? v.map(String) : [];
      }
    };
  }
});

// src/tools/lifecycle.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
function superviseRun() {
  if (handling) return;
  handling = true;
  const own = mkdtempSync(join(tmpdir(), "phoreus-rpm-"));
  scratch.add(own);
  process.env.TMPDIR = own;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => void stopEverything(signal));
  }
}
function signalGroup(child, signal) {
  if (child.pid === void 0 || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
    }
  }
}
async function stopEverything(signal) {
  process.stderr.write(`phoreus-rpm: ${signal}: stopping ${children.size} child process(es) and removing temporary files
`);
  for (const child of children) signalGroup(child, "SIGTERM");
  const deadline = Date.now() + GRACE_MS;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
    await new Promise((resolve5) => setTimeout(resolve5, 50));
  }
  for (const child of children) signalGroup(child, "SIGKILL");
  removeAllScratch();
  process.exit(signal === "SIGINT" ? 130 : 143);
}
function adoptChild(child) {
  children.add(child);
  child.once("close", () => children.delete(child));
  child.once("error", () => children.delete(child));
}
function scratchDir(prefix, parent = tmpdir()) {
  const dir = mkdtempSync(join(parent, prefix));
  scratch.add(dir);
  return dir;
}
function removeScratch(dir) {
  rmSync(dir, { recursive: true, force: true });
  scratch.delete(dir);
}
function removeAllScratch() {
  for (const dir of scratch) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
    }
  }
  scratch.clear();
}
var children, scratch, handling, GRACE_MS;
var init_lifecycle = __esm({
  "src/tools/lifecycle.ts"() {
    "use strict";
    children = /* @__PURE__ */ new Set();
    scratch = /* @__PURE__ */ new Set();
    handling = false;
    GRACE_MS = 3e3;
    process.once("exit", removeAllScratch);
  }
});

// node_modules/yaml/dist/nodes/identity.js
var require_identity = __commonJS({
  "node_modules/yaml/dist/nodes/identity.js"(exports) {
    "use strict";
    var ALIAS = /* @__PURE__ */ Symbol.for("yaml.alias");
    var DOC = /* @__PURE__ */ Symbol.for("yaml.document");
    var MAP = /* @__PURE__ */ Symbol.for("yaml.map");
    var PAIR = /* @__PURE__ */ Symbol.for("yaml.pair");
    var SCALAR = /* @__PURE__ */ Symbol.for("yaml.scalar");
    var SEQ = /* @__PURE__ */ Symbol.for("yaml.seq");
    var NODE_TYPE = /* @__PURE__ */ Symbol.for("yaml.node.type");
    var isAlias = (node) => !!node && typeof node === "object" && node[NODE_TYPE] === ALIAS;
    var isDocument = (node) => !!node && typeof node === "object" && node[NODE_TYPE] === DOC;
    var isMap2 = (node) => !!node && typeof node === "object" && node[NODE_TYPE] === MAP;
    var isPair = (node) => !!node && typeof node === "object" && node[NODE_TYPE] === PAIR;
    var isScalar2 = (node) => !!node && typeof node === "object" && node[NODE_TYPE] === SCALAR;
    var isSeq2 = (node) => !!node && typeof node === "object" && node[NODE_TYPE] === SEQ;
    function isCollection(node) {
      if (node && typeof node === "object")
        switch (node[NODE_TYPE]) {
          case MAP:
          case SEQ:
            return true;
        }
      return false;
    }
    function isNode(node) {
      if (node && typeof node === "object")
        switch (node[NODE_TYPE]) {
          case ALIAS:
          case MAP:
          case SCALAR:
          case SEQ:
            return true;
        }
      return false;
    }
    var hasAnchor = (node) => (isScalar2(node) || isCollection(node)) && !!node.anchor;
    exports.ALIAS = ALIAS;
    exports.DOC = DOC;
    exports.MAP = MAP;
    exports.NODE_TYPE = NODE_TYPE;
    exports.PAIR = PAIR;
    exports.SCALAR = SCALAR;
    exports.SEQ = SEQ;
    exports.hasAnchor = hasAnchor;
    exports.isAlias = isAlias;
    exports.isCollection = isCollection;
    exports.isDocument = isDocument;
    exports.isMap = isMap2;
    exports.isNode = isNode;
    exports.isPair = isPair;
    exports.isScalar = isScalar2;
    exports.isSeq = isSeq2;
  }
});

// node_modules/yaml/dist/visit.js
var require_visit = __commonJS({
  "node_modules/yaml/dist/visit.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var BREAK = /* @__PURE__ */ Symbol("break visit");
    var SKIP = /* @__PURE__ */ Symbol("skip children");
    var REMOVE = /* @__PURE__ */ Symbol("remove node");
    function visit(node, visitor) {
      const visitor_ = initVisitor(visitor);
      if (identity2.isDocument(node)) {
        const cd = visit_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
          node.contents = null;
      } else
        visit_(null, node, visitor_, Object.freeze([]));
    }
    visit.BREAK = BREAK;
    visit.SKIP = SKIP;
    visit.REMOVE = REMOVE;
    function visit_(key, node, visitor, path) {
      const ctrl = callVisitor(key, node, visitor, path);
      if (identity2.isNode(ctrl) || identity2.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visit_(key, ctrl, visitor, path);
      }
      if (typeof ctrl !== "symbol") {
        if (identity2.isCollection(node)) {
          path = Object.freeze(path.concat(node));
          for (let i = 0; i < node.items.length; ++i) {
            const ci = visit_(i, node.items[i], visitor, path);
            if (typeof ci === "number")
              i = ci - 1;
            else if (ci === BREAK)
              return BREAK;
            else if (ci === REMOVE) {
              node.items.splice(i, 1);
              i -= 1;
            }
          }
        } else if (identity2.isPair(node)) {
          path = Object.freeze(path.concat(node));
          const ck = visit_("key", node.key, visitor, path);
          if (ck === BREAK)
            return BREAK;
          else if (ck === REMOVE)
            node.key = null;
          const cv = visit_("value", node.value, visitor, path);
          if (cv === BREAK)
            return BREAK;
          else if (cv === REMOVE)
            node.value = null;
        }
      }
      return ctrl;
    }
    async function visitAsync(node, visitor) {
      const visitor_ = initVisitor(visitor);
      if (identity2.isDocument(node)) {
        const cd = await visitAsync_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
          node.contents = null;
      } else
        await visitAsync_(null, node, visitor_, Object.freeze([]));
    }
    visitAsync.BREAK = BREAK;
    visitAsync.SKIP = SKIP;
    visitAsync.REMOVE = REMOVE;
    async function visitAsync_(key, node, visitor, path) {
      const ctrl = await callVisitor(key, node, visitor, path);
      if (identity2.isNode(ctrl) || identity2.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visitAsync_(key, ctrl, visitor, path);
      }
      if (typeof ctrl !== "symbol") {
        if (identity2.isCollection(node)) {
          path = Object.freeze(path.concat(node));
          for (let i = 0; i < node.items.length; ++i) {
            const ci = await visitAsync_(i, node.items[i], visitor, path);
            if (typeof ci === "number")
              i = ci - 1;
            else if (ci === BREAK)
              return BREAK;
            else if (ci === REMOVE) {
              node.items.splice(i, 1);
              i -= 1;
            }
          }
        } else if (identity2.isPair(node)) {
          path = Object.freeze(path.concat(node));
          const ck = await visitAsync_("key", node.key, visitor, path);
          if (ck === BREAK)
            return BREAK;
          else if (ck === REMOVE)
            node.key = null;
          const cv = await visitAsync_("value", node.value, visitor, path);
          if (cv === BREAK)
            return BREAK;
          else if (cv === REMOVE)
            node.value = null;
        }
      }
      return ctrl;
    }
    function initVisitor(visitor) {
      if (typeof visitor === "object" && (visitor.Collection || visitor.Node || visitor.Value)) {
        return Object.assign({
          Alias: visitor.Node,
          Map: visitor.Node,
          Scalar: visitor.Node,
          Seq: visitor.Node
        }, visitor.Value && {
          Map: visitor.Value,
          Scalar: visitor.Value,
          Seq: visitor.Value
        }, visitor.Collection && {
          Map: visitor.Collection,
          Seq: visitor.Collection
        }, visitor);
      }
      return visitor;
    }
    function callVisitor(key, node, visitor, path) {
      if (typeof visitor === "function")
        return visitor(key, node, path);
      if (identity2.isMap(node))
        return visitor.Map?.(key, node, path);
      if (identity2.isSeq(node))
        return visitor.Seq?.(key, node, path);
      if (identity2.isPair(node))
        return visitor.Pair?.(key, node, path);
      if (identity2.isScalar(node))
        return visitor.Scalar?.(key, node, path);
      if (identity2.isAlias(node))
        return visitor.Alias?.(key, node, path);
      return void 0;
    }
    function replaceNode(key, path, node) {
      const parent = path[path.length - 1];
      if (identity2.isCollection(parent)) {
        parent.items[key] = node;
      } else if (identity2.isPair(parent)) {
        if (key === "key")
          parent.key = node;
        else
          parent.value = node;
      } else if (identity2.isDocument(parent)) {
        parent.contents = node;
      } else {
        const pt = identity2.isAlias(parent) ? "alias" : "scalar";
        throw new Error(`Cannot replace node with ${pt} parent`);
      }
    }
    exports.visit = visit;
    exports.visitAsync = visitAsync;
  }
});

// node_modules/yaml/dist/doc/directives.js
var require_directives = __commonJS({
  "node_modules/yaml/dist/doc/directives.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var visit = require_visit();
    var escapeChars = {
      "!": "%21",
      ",": "%2C",
      "[": "%5B",
      "]": "%5D",
      "{": "%7B",
      "}": "%7D"
    };
    var escapeTagName = (tn) => tn.replace(/[!,[\]{}]/g, (ch) => escapeChars[ch]);
    var Directives = class _Directives {
      constructor(yaml, tags) {
        this.docStart = null;
        this.docEnd = false;
        this.yaml = Object.assign({}, _Directives.defaultYaml, yaml);
        this.tags = Object.assign({}, _Directives.defaultTags, tags);
      }
      clone() {
        const copy = new _Directives(this.yaml, this.tags);
        copy.docStart = this.docStart;
        return copy;
      }
      /**
       * During parsing, get a Directives instance for the current document and
       * update the stream state according to the current version's spec.
       */
      atDocument() {
        const res = new _Directives(this.yaml, this.tags);
        switch (this.yaml.version) {
          case "1.1":
            this.atNextDocument = true;
            break;
          case "1.2":
            this.atNextDocument = false;
            this.yaml = {
              explicit: _Directives.defaultYaml.explicit,
              version: "1.2"
            };
            this.tags = Object.assign({}, _Directives.defaultTags);
            break;
        }
        return res;
      }
      /**
       * @param onError - May be called even if the action was successful
       * @returns `true` on success
       */
      add(line, onError) {
        if (this.atNextDocument) {
          this.yaml = { explicit: _Directives.defaultYaml.explicit, version: "1.1" };
          this.tags = Object.assign({}, _Directives.defaultTags);
          this.atNextDocument = false;
        }
        const parts = line.trim().split(/[ \t]+/);
        const name = parts.shift();
        switch (name) {
          case "%TAG": {
            if (parts.length !== 2) {
              onError(0, "%TAG directive should contain exactly two parts");
              if (parts.length < 2)
                return false;
            }
            const [handle, prefix] = parts;
            this.tags[handle] = prefix;
            return true;
          }
          case "%YAML": {
            this.yaml.explicit = true;
            if (parts.length !== 1) {
              onError(0, "%YAML directive should contain exactly one part");
              return false;
            }
            const [version] = parts;
            if (version === "1.1" || version === "1.2") {
              this.yaml.version = version;
              return true;
            } else {
              const isValid = /^\d+\.\d+$/.test(version);
              onError(6, `Unsupported YAML version ${version}`, isValid);
              return false;
            }
          }
          default:
            onError(0, `Unknown directive ${name}`, true);
            return false;
        }
      }
      /**
       * Resolves a tag, matching handles to those defined in %TAG directives.
       *
       * @returns Resolved tag, which may also be the non-specific tag `'!'` or a
       *   `'!local'` tag, or `null` if unresolvable.
       */
      tagName(source2, onError) {
        if (source2 === "!")
          return "!";
        if (source2[0] !== "!") {
          onError(`Not a valid tag: ${source2}`);
          return null;
        }
        if (source2[1] === "<") {
          const verbatim = source2.slice(2, -1);
          if (verbatim === "!" || verbatim === "!!") {
            onError(`Verbatim tags aren't resolved, so ${source2} is invalid.`);
            return null;
          }
          if (source2[source2.length - 1] !== ">")
            onError("Verbatim tags must end with a >");
          return verbatim;
        }
        const [, handle, suffix] = source2.match(/^(.*!)([^!]*)$/s);
        if (!suffix)
          onError(`The ${source2} tag has no suffix`);
        const prefix = this.tags[handle];
        if (prefix) {
          try {
            return prefix + decodeURIComponent(suffix);
          } catch (error) {
            onError(String(error));
            return null;
          }
        }
        if (handle === "!")
          return source2;
        onError(`Could not resolve tag: ${source2}`);
        return null;
      }
      /**
       * Given a fully resolved tag, returns its printable string form,
       * taking into account current tag prefixes and defaults.
       */
      tagString(tag2) {
        for (const [handle, prefix] of Object.entries(this.tags)) {
          if (tag2.startsWith(prefix))
            return handle + escapeTagName(tag2.substring(prefix.length));
        }
        return tag2[0] === "!" ? tag2 : `!<${tag2}>`;
      }
      toString(doc) {
        const lines = this.yaml.explicit ? [`%YAML ${this.yaml.version || "1.2"}`] : [];
        const tagEntries = Object.entries(this.tags);
        let tagNames;
        if (doc && tagEntries.length > 0 && identity2.isNode(doc.contents)) {
          const tags = {};
          visit.visit(doc.contents, (_key, node) => {
            if (identity2.isNode(node) && node.tag)
              tags[node.tag] = true;
          });
          tagNames = Object.keys(tags);
        } else
          tagNames = [];
        for (const [handle, prefix] of tagEntries) {
          if (handle === "!!" && prefix === "tag:yaml.org,2002:")
            continue;
          if (!doc || tagNames.some((tn) => tn.startsWith(prefix)))
            lines.push(`%TAG ${handle} ${prefix}`);
        }
        return lines.join("\n");
      }
    };
    Directives.defaultYaml = { explicit: false, version: "1.2" };
    Directives.defaultTags = { "!!": "tag:yaml.org,2002:" };
    exports.Directives = Directives;
  }
});

// node_modules/yaml/dist/doc/anchors.js
var require_anchors = __commonJS({
  "node_modules/yaml/dist/doc/anchors.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var visit = require_visit();
    function anchorIsValid(anchor) {
      if (/[\x00-\x19\s,[\]{}]/.test(anchor)) {
        const sa = JSON.stringify(anchor);
        const msg = `Anchor must not contain whitespace or control characters: ${sa}`;
        throw new Error(msg);
      }
      return true;
    }
    function anchorNames(root) {
      const anchors = /* @__PURE__ */ new Set();
      visit.visit(root, {
        Value(_key, node) {
          if (node.anchor)
            anchors.add(node.anchor);
        }
      });
      return anchors;
    }
    function findNewAnchor(prefix, exclude) {
      for (let i = 1; true; ++i) {
        const name = `${prefix}${i}`;
        if (!exclude.has(name))
          return name;
      }
    }
    function createNodeAnchors(doc, prefix) {
      const aliasObjects = [];
      const sourceObjects = /* @__PURE__ */ new Map();
      let prevAnchors = null;
      return {
        onAnchor: (source2) => {
          aliasObjects.push(source2);
          prevAnchors ?? (prevAnchors = anchorNames(doc));
          const anchor = findNewAnchor(prefix, prevAnchors);
          prevAnchors.add(anchor);
          return anchor;
        },
        /**
         * With circular references, the source node is only resolved after all
         * of its child nodes are. This is why anchors are set only after all of
         * the nodes have been created.
         */
        setAnchors: () => {
          for (const source2 of aliasObjects) {
            const ref = sourceObjects.get(source2);
            if (typeof ref === "object" && ref.anchor && (identity2.isScalar(ref.node) || identity2.isCollection(ref.node))) {
              ref.node.anchor = ref.anchor;
            } else {
              const error = new Error("Failed to resolve repeated object (this should not happen)");
              error.source = source2;
              throw error;
            }
          }
        },
        sourceObjects
      };
    }
    exports.anchorIsValid = anchorIsValid;
    exports.anchorNames = anchorNames;
    exports.createNodeAnchors = createNodeAnchors;
    exports.findNewAnchor = findNewAnchor;
  }
});

// node_modules/yaml/dist/doc/applyReviver.js
var require_applyReviver = __commonJS({
  "node_modules/yaml/dist/doc/applyReviver.js"(exports) {
    "use strict";
    function applyReviver(reviver, obj, key, val) {
      if (val && typeof val === "object") {
        if (Array.isArray(val)) {
          for (let i = 0, len = val.length; i < len; ++i) {
            const v0 = val[i];
            const v1 = applyReviver(reviver, val, String(i), v0);
            if (v1 === void 0)
              delete val[i];
            else if (v1 !== v0)
              val[i] = v1;
          }
        } else if (val instanceof Map) {
          for (const k of Array.from(val.keys())) {
            const v0 = val.get(k);
            const v1 = applyReviver(reviver, val, k, v0);
            if (v1 === void 0)
              val.delete(k);
            else if (v1 !== v0)
              val.set(k, v1);
          }
        } else if (val instanceof Set) {
          for (const v0 of Array.from(val)) {
            const v1 = applyReviver(reviver, val, v0, v0);
            if (v1 === void 0)
              val.delete(v0);
            else if (v1 !== v0) {
              val.delete(v0);
              val.add(v1);
            }
          }
        } else {
          for (const [k, v0] of Object.entries(val)) {
            const v1 = applyReviver(reviver, val, k, v0);
            if (v1 === void 0)
              delete val[k];
            else if (v1 !== v0)
              val[k] = v1;
          }
        }
      }
      return reviver.call(obj, key, val);
    }
    exports.applyReviver = applyReviver;
  }
});

// node_modules/yaml/dist/nodes/toJS.js
var require_toJS = __commonJS({
  "node_modules/yaml/dist/nodes/toJS.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    function toJS(value, arg, ctx) {
      if (Array.isArray(value))
        return value.map((v, i) => toJS(v, String(i), ctx));
      if (value && typeof value.toJSON === "function") {
        if (!ctx || !identity2.hasAnchor(value))
          return value.toJSON(arg, ctx);
        const data = { aliasCount: 0, count: 1, res: void 0 };
        ctx.anchors.set(value, data);
        ctx.onCreate = (res2) => {
          data.res = res2;
          delete ctx.onCreate;
        };
        const res = value.toJSON(arg, ctx);
        if (ctx.onCreate)
          ctx.onCreate(res);
        return res;
      }
      if (typeof value === "bigint" && !ctx?.keep)
        return Number(value);
      return value;
    }
    exports.toJS = toJS;
  }
});

// node_modules/yaml/dist/nodes/Node.js
var require_Node = __commonJS({
  "node_modules/yaml/dist/nodes/Node.js"(exports) {
    "use strict";
    var applyReviver = require_applyReviver();
    var identity2 = require_identity();
    var toJS = require_toJS();
    var NodeBase = class {
      constructor(type) {
        Object.defineProperty(this, identity2.NODE_TYPE, { value: type });
      }
      /** Create a copy of this node.  */
      clone() {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (this.range)
          copy.range = this.range.slice();
        return copy;
      }
      /** A plain JavaScript representation of this node. */
      toJS(doc, { mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        if (!identity2.isDocument(doc))
          throw new TypeError("A document argument is required");
        const ctx = {
          anchors: /* @__PURE__ */ new Map(),
          doc,
          keep: true,
          mapAsMap: mapAsMap === true,
          mapKeyWarned: false,
          maxAliasCount: typeof maxAliasCount === "number" ? maxAliasCount : 100
        };
        const res = toJS.toJS(this, "", ctx);
        if (typeof onAnchor === "function")
          for (const { count, res: res2 } of ctx.anchors.values())
            onAnchor(res2, count);
        return typeof reviver === "function" ? applyReviver.applyReviver(reviver, { "": res }, "", res) : res;
      }
    };
    exports.NodeBase = NodeBase;
  }
});

// node_modules/yaml/dist/nodes/Alias.js
var require_Alias = __commonJS({
  "node_modules/yaml/dist/nodes/Alias.js"(exports) {
    "use strict";
    var anchors = require_anchors();
    var visit = require_visit();
    var identity2 = require_identity();
    var Node = require_Node();
    var toJS = require_toJS();
    var Alias = class extends Node.NodeBase {
      constructor(source2) {
        super(identity2.ALIAS);
        this.source = source2;
        Object.defineProperty(this, "tag", {
          set() {
            throw new Error("Alias nodes cannot have tags");
          }
        });
      }
      /**
       * Resolve the value of this alias within `doc`, finding the last
       * instance of the `source` anchor before this node.
       */
      resolve(doc, ctx) {
        if (ctx?.maxAliasCount === 0)
          throw new ReferenceError("Alias resolution is disabled");
        let nodes;
        if (ctx?.aliasResolveCache) {
          nodes = ctx.aliasResolveCache;
        } else {
          nodes = [];
          visit.visit(doc, {
            Node: (_key, node) => {
              if (identity2.isAlias(node) || identity2.hasAnchor(node))
                nodes.push(node);
            }
          });
          if (ctx)
            ctx.aliasResolveCache = nodes;
        }
        let found = void 0;
        for (const node of nodes) {
          if (node === this)
            break;
          if (node.anchor === this.source)
            found = node;
        }
        if (found && ctx) {
          const { anchors: anchors2, doc: doc2, maxAliasCount } = ctx;
          let data = anchors2.get(found);
          if (!data) {
            toJS.toJS(found, null, ctx);
            data = anchors2.get(found);
          }
          if (data?.res === void 0) {
            const msg = "This should not happen: Alias anchor was not resolved?";
            throw new ReferenceError(msg);
          }
          if (maxAliasCount >= 0) {
            data.count += 1;
            if (data.aliasCount === 0)
              data.aliasCount = getAliasCount(doc2, found, anchors2);
            if (data.count * data.aliasCount > maxAliasCount) {
              const msg = "Excessive alias count indicates a resource exhaustion attack";
              throw new ReferenceError(msg);
            }
          }
        }
        return found;
      }
      toJSON(_arg, ctx) {
        if (!ctx)
          return { source: this.source };
        const source2 = this.resolve(ctx.doc, ctx);
        if (!source2) {
          const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
          throw new ReferenceError(msg);
        }
        return ctx.anchors.get(source2).res;
      }
      toString(ctx, _onComment, _onChompKeep) {
        const src = `*${this.source}`;
        if (ctx) {
          anchors.anchorIsValid(this.source);
          if (ctx.options.verifyAliasOrder && !ctx.anchors.has(this.source)) {
            const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
            throw new Error(msg);
          }
          if (ctx.implicitKey)
            return `${src} `;
        }
        return src;
      }
    };
    function getAliasCount(doc, node, anchors2) {
      if (identity2.isAlias(node)) {
        const source2 = node.resolve(doc);
        const anchor = anchors2 && source2 && anchors2.get(source2);
        return anchor ? anchor.count * anchor.aliasCount : 0;
      } else if (identity2.isCollection(node)) {
        let count = 0;
        for (const item of node.items) {
          const c = getAliasCount(doc, item, anchors2);
          if (c > count)
            count = c;
        }
        return count;
      } else if (identity2.isPair(node)) {
        const kc = getAliasCount(doc, node.key, anchors2);
        const vc = getAliasCount(doc, node.value, anchors2);
        return Math.max(kc, vc);
      }
      return 1;
    }
    exports.Alias = Alias;
  }
});

// node_modules/yaml/dist/nodes/Scalar.js
var require_Scalar = __commonJS({
  "node_modules/yaml/dist/nodes/Scalar.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Node = require_Node();
    var toJS = require_toJS();
    var isScalarValue = (value) => !value || typeof value !== "function" && typeof value !== "object";
    var Scalar = class extends Node.NodeBase {
      constructor(value) {
        super(identity2.SCALAR);
        this.value = value;
      }
      toJSON(arg, ctx) {
        return ctx?.keep ? this.value : toJS.toJS(this.value, arg, ctx);
      }
      toString() {
        return String(this.value);
      }
    };
    Scalar.BLOCK_FOLDED = "BLOCK_FOLDED";
    Scalar.BLOCK_LITERAL = "BLOCK_LITERAL";
    Scalar.PLAIN = "PLAIN";
    Scalar.QUOTE_DOUBLE = "QUOTE_DOUBLE";
    Scalar.QUOTE_SINGLE = "QUOTE_SINGLE";
    exports.Scalar = Scalar;
    exports.isScalarValue = isScalarValue;
  }
});

// node_modules/yaml/dist/doc/createNode.js
var require_createNode = __commonJS({
  "node_modules/yaml/dist/doc/createNode.js"(exports) {
    "use strict";
    var Alias = require_Alias();
    var identity2 = require_identity();
    var Scalar = require_Scalar();
    var defaultTagPrefix = "tag:yaml.org,2002:";
    function findTagObject(value, tagName, tags) {
      if (tagName) {
        const match = tags.filter((t) => t.tag === tagName);
        const tagObj = match.find((t) => !t.format) ?? match[0];
        if (!tagObj)
          throw new Error(`Tag ${tagName} not found`);
        return tagObj;
      }
      return tags.find((t) => t.identify?.(value) && !t.format);
    }
    function createNode(value, tagName, ctx) {
      if (identity2.isDocument(value))
        value = value.contents;
      if (identity2.isNode(value))
        return value;
      if (identity2.isPair(value)) {
        const map = ctx.schema[identity2.MAP].createNode?.(ctx.schema, null, ctx);
        map.items.push(value);
        return map;
      }
      if (value instanceof String || value instanceof Number || value instanceof Boolean || typeof BigInt !== "undefined" && value instanceof BigInt) {
        value = value.valueOf();
      }
      const { aliasDuplicateObjects, onAnchor, onTagObj, schema, sourceObjects } = ctx;
      let ref = void 0;
      if (aliasDuplicateObjects && value && typeof value === "object") {
        ref = sourceObjects.get(value);
        if (ref) {
          ref.anchor ?? (ref.anchor = onAnchor(value));
          return new Alias.Alias(ref.anchor);
        } else {
          ref = { anchor: null, node: null };
          sourceObjects.set(value, ref);
        }
      }
      if (tagName?.startsWith("!!"))
        tagName = defaultTagPrefix + tagName.slice(2);
      let tagObj = findTagObject(value, tagName, schema.tags);
      if (!tagObj) {
        if (value && typeof value.toJSON === "function") {
          value = value.toJSON();
        }
        if (!value || typeof value !== "object") {
          const node2 = new Scalar.Scalar(value);
          if (ref)
            ref.node = node2;
          return node2;
        }
        tagObj = value instanceof Map ? schema[identity2.MAP] : Symbol.iterator in Object(value) ? schema[identity2.SEQ] : schema[identity2.MAP];
      }
      if (onTagObj) {
        onTagObj(tagObj);
        delete ctx.onTagObj;
      }
      const node = tagObj?.createNode ? tagObj.createNode(ctx.schema, value, ctx) : typeof tagObj?.nodeClass?.from === "function" ? tagObj.nodeClass.from(ctx.schema, value, ctx) : new Scalar.Scalar(value);
      if (tagName)
        node.tag = tagName;
      else if (!tagObj.default)
        node.tag = tagObj.tag;
      if (ref)
        ref.node = node;
      return node;
    }
    exports.createNode = createNode;
  }
});

// node_modules/yaml/dist/nodes/Collection.js
var require_Collection = __commonJS({
  "node_modules/yaml/dist/nodes/Collection.js"(exports) {
    "use strict";
    var createNode = require_createNode();
    var identity2 = require_identity();
    var Node = require_Node();
    function collectionFromPath(schema, path, value) {
      let v = value;
      for (let i = path.length - 1; i >= 0; --i) {
        const k = path[i];
        if (typeof k === "number" && Number.isInteger(k) && k >= 0) {
          const a = [];
          a[k] = v;
          v = a;
        } else {
          v = /* @__PURE__ */ new Map([[k, v]]);
        }
      }
      return createNode.createNode(v, void 0, {
        aliasDuplicateObjects: false,
        keepUndefined: false,
        onAnchor: () => {
          throw new Error("This should not happen, please report a bug.");
        },
        schema,
        sourceObjects: /* @__PURE__ */ new Map()
      });
    }
    var isEmptyPath = (path) => path == null || typeof path === "object" && !!path[Symbol.iterator]().next().done;
    var Collection = class extends Node.NodeBase {
      constructor(type, schema) {
        super(type);
        Object.defineProperty(this, "schema", {
          value: schema,
          configurable: true,
          enumerable: false,
          writable: true
        });
      }
      /**
       * Create a copy of this collection.
       *
       * @param schema - If defined, overwrites the original's schema
       */
      clone(schema) {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (schema)
          copy.schema = schema;
        copy.items = copy.items.map((it) => identity2.isNode(it) || identity2.isPair(it) ? it.clone(schema) : it);
        if (this.range)
          copy.range = this.range.slice();
        return copy;
      }
      /**
       * Adds a value to the collection. For `!!map` and `!!omap` the value must
       * be a Pair instance or a `{ key, value }` object, which may not have a key
       * that already exists in the map.
       */
      addIn(path, value) {
        if (isEmptyPath(path))
          this.add(value);
        else {
          const [key, ...rest] = path;
          const node = this.get(key, true);
          if (identity2.isCollection(node))
            node.addIn(rest, value);
          else if (node === void 0 && this.schema)
            this.set(key, collectionFromPath(this.schema, rest, value));
          else
            throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
      }
      /**
       * Removes a value from the collection.
       * @returns `true` if the item was found and removed.
       */
      deleteIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
          return this.delete(key);
        const node = this.get(key, true);
        if (identity2.isCollection(node))
          return node.deleteIn(rest);
        else
          throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
      }
      /**
       * Returns item at `key`, or `undefined` if not found. By default unwraps
       * scalar values from their surrounding node; to disable set `keepScalar` to
       * `true` (collections are always returned intact).
       */
      getIn(path, keepScalar) {
        const [key, ...rest] = path;
        const node = this.get(key, true);
        if (rest.length === 0)
          return !keepScalar && identity2.isScalar(node) ? node.value : node;
        else
          return identity2.isCollection(node) ? node.getIn(rest, keepScalar) : void 0;
      }
      hasAllNullValues(allowScalar) {
        return this.items.every((node) => {
          if (!identity2.isPair(node))
            return false;
          const n = node.value;
          return n == null || allowScalar && identity2.isScalar(n) && n.value == null && !n.commentBefore && !n.comment && !n.tag;
        });
      }
      /**
       * Checks if the collection includes a value with the key `key`.
       */
      hasIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
          return this.has(key);
        const node = this.get(key, true);
        return identity2.isCollection(node) ? node.hasIn(rest) : false;
      }
      /**
       * Sets a value in this collection. For `!!set`, `value` needs to be a
       * boolean to add/remove the item from the set.
       */
      setIn(path, value) {
        const [key, ...rest] = path;
        if (rest.length === 0) {
          this.set(key, value);
        } else {
          const node = this.get(key, true);
          if (identity2.isCollection(node))
            node.setIn(rest, value);
          else if (node === void 0 && this.schema)
            this.set(key, collectionFromPath(this.schema, rest, value));
          else
            throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
      }
    };
    exports.Collection = Collection;
    exports.collectionFromPath = collectionFromPath;
    exports.isEmptyPath = isEmptyPath;
  }
});

// node_modules/yaml/dist/stringify/stringifyComment.js
var require_stringifyComment = __commonJS({
  "node_modules/yaml/dist/stringify/stringifyComment.js"(exports) {
    "use strict";
    var stringifyComment = (str2) => str2.replace(/^(?!$)(?: $)?/gm, "#");
    function indentComment(comment, indent) {
      if (/^\n+$/.test(comment))
        return comment.substring(1);
      return indent ? comment.replace(/^(?! *$)/gm, indent) : comment;
    }
    var lineComment = (str2, indent, comment) => str2.endsWith("\n") ? indentComment(comment, indent) : comment.includes("\n") ? "\n" + indentComment(comment, indent) : (str2.endsWith(" ") ? "" : " ") + comment;
    exports.indentComment = indentComment;
    exports.lineComment = lineComment;
    exports.stringifyComment = stringifyComment;
  }
});

// node_modules/yaml/dist/stringify/foldFlowLines.js
var require_foldFlowLines = __commonJS({
  "node_modules/yaml/dist/stringify/foldFlowLines.js"(exports) {
    "use strict";
    var FOLD_FLOW = "flow";
    var FOLD_BLOCK = "block";
    var FOLD_QUOTED = "quoted";
    function foldFlowLines(text, indent, mode = "flow", { indentAtStart, lineWidth = 80, minContentWidth = 20, onFold, onOverflow } = {}) {
      if (!lineWidth || lineWidth < 0)
        return text;
      if (lineWidth < minContentWidth)
        minContentWidth = 0;
      const endStep = Math.max(1 + minContentWidth, 1 + lineWidth - indent.length);
      if (text.length <= endStep)
        return text;
      const folds = [];
      const escapedFolds = {};
      let end = lineWidth - indent.length;
      if (typeof indentAtStart === "number") {
        if (indentAtStart > lineWidth - Math.max(2, minContentWidth))
          folds.push(0);
        else
          end = lineWidth - indentAtStart;
      }
      let split = void 0;
      let prev = void 0;
      let overflow = false;
      let i = -1;
      let escStart = -1;
      let escEnd = -1;
      if (mode === FOLD_BLOCK) {
        i = consumeMoreIndentedLines(text, i, indent.length);
        if (i !== -1)
          end = i + endStep;
      }
      for (let ch; ch = text[i += 1]; ) {
        if (mode === FOLD_QUOTED && ch === "\\") {
          escStart = i;
          switch (text[i + 1]) {
            case "x":
              i += 3;
              break;
            case "u":
              i += 5;
              break;
            case "U":
              i += 9;
              break;
            default:
              i += 1;
          }
          escEnd = i;
        }
        if (ch === "\n") {
          if (mode === FOLD_BLOCK)
            i = consumeMoreIndentedLines(text, i, indent.length);
          end = i + indent.length + endStep;
          split = void 0;
        } else {
          if (ch === " " && prev && prev !== " " && prev !== "\n" && prev !== "	") {
            const next = text[i + 1];
            if (next && next !== " " && next !== "\n" && next !== "	")
              split = i;
          }
          if (i >= end) {
            if (split) {
              folds.push(split);
              end = split + endStep;
              split = void 0;
            } else if (mode === FOLD_QUOTED) {
              while (prev === " " || prev === "	") {
                prev = ch;
                ch = text[i += 1];
                overflow = true;
              }
              const j = i > escEnd + 1 ? i - 2 : escStart - 1;
              if (escapedFolds[j])
                return text;
              folds.push(j);
              escapedFolds[j] = true;
              end = j + endStep;
              split = void 0;
            } else {
              overflow = true;
            }
          }
        }
        prev = ch;
      }
      if (overflow && onOverflow)
        onOverflow();
      if (folds.length === 0)
        return text;
      if (onFold)
        onFold();
      let res = text.slice(0, folds[0]);
      for (let i2 = 0; i2 < folds.length; ++i2) {
        const fold = folds[i2];
        const end2 = folds[i2 + 1] || text.length;
        if (fold === 0)
          res = `
${indent}${text.slice(0, end2)}`;
        else {
          if (mode === FOLD_QUOTED && escapedFolds[fold])
            res += `${text[fold]}\\`;
          res += `
${indent}${text.slice(fold + 1, end2)}`;
        }
      }
      return res;
    }
    function consumeMoreIndentedLines(text, i, indent) {
      let end = i;
      let start = i + 1;
      let ch = text[start];
      while (ch === " " || ch === "	") {
        if (i < start + indent) {
          ch = text[++i];
        } else {
          do {
            ch = text[++i];
          } while (ch && ch !== "\n");
          end = i;
          start = i + 1;
          ch = text[start];
        }
      }
      return end;
    }
    exports.FOLD_BLOCK = FOLD_BLOCK;
    exports.FOLD_FLOW = FOLD_FLOW;
    exports.FOLD_QUOTED = FOLD_QUOTED;
    exports.foldFlowLines = foldFlowLines;
  }
});

// node_modules/yaml/dist/stringify/stringifyString.js
var require_stringifyString = __commonJS({
  "node_modules/yaml/dist/stringify/stringifyString.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var foldFlowLines = require_foldFlowLines();
    var getFoldOptions = (ctx, isBlock) => ({
      indentAtStart: isBlock ? ctx.indent.length : ctx.indentAtStart,
      lineWidth: ctx.options.lineWidth,
      minContentWidth: ctx.options.minContentWidth
    });
    var containsDocumentMarker = (str2) => /^(%|---|\.\.\.)/m.test(str2);
    function lineLengthOverLimit(str2, lineWidth, indentLength) {
      if (!lineWidth || lineWidth < 0)
        return false;
      const limit = lineWidth - indentLength;
      const strLen = str2.length;
      if (strLen <= limit)
        return false;
      for (let i = 0, start = 0; i < strLen; ++i) {
        if (str2[i] === "\n") {
          if (i - start > limit)
            return true;
          start = i + 1;
          if (strLen - start <= limit)
            return false;
        }
      }
      return true;
    }
    function doubleQuotedString(value, ctx) {
      const json = JSON.stringify(value);
      if (ctx.options.doubleQuotedAsJSON)
        return json;
      const { implicitKey } = ctx;
      const minMultiLineLength = ctx.options.doubleQuotedMinMultiLineLength;
      const indent = ctx.indent || (containsDocumentMarker(value) ? "  " : "");
      let str2 = "";
      let start = 0;
      for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
        if (ch === " " && json[i + 1] === "\\" && json[i + 2] === "n") {
          str2 += json.slice(start, i) + "\\ ";
          i += 1;
          start = i;
          ch = "\\";
        }
        if (ch === "\\")
          switch (json[i + 1]) {
            case "u":
              {
                str2 += json.slice(start, i);
                const code = json.substr(i + 2, 4);
                switch (code) {
                  case "0000":
                    str2 += "\\0";
                    break;
                  case "0007":
                    str2 += "\\a";
                    break;
                  case "000b":
                    str2 += "\\v";
                    break;
                  case "001b":
                    str2 += "\\e";
                    break;
                  case "0085":
                    str2 += "\\N";
                    break;
                  case "00a0":
                    str2 += "\\_";
                    break;
                  case "2028":
                    str2 += "\\L";
                    break;
                  case "2029":
                    str2 += "\\P";
                    break;
                  default:
                    if (code.substr(0, 2) === "00")
                      str2 += "\\x" + code.substr(2);
                    else
                      str2 += json.substr(i, 6);
                }
                i += 5;
                start = i + 1;
              }
              break;
            case "n":
              if (implicitKey || json[i + 2] === '"' || json.length < minMultiLineLength) {
                i += 1;
              } else {
                str2 += json.slice(start, i) + "\n\n";
                while (json[i + 2] === "\\" && json[i + 3] === "n" && json[i + 4] !== '"') {
                  str2 += "\n";
                  i += 2;
                }
                str2 += indent;
                if (json[i + 2] === " ")
                  str2 += "\\";
                i += 1;
                start = i + 1;
              }
              break;
            default:
              i += 1;
          }
      }
      str2 = start ? str2 + json.slice(start) : json;
      return implicitKey ? str2 : foldFlowLines.foldFlowLines(str2, indent, foldFlowLines.FOLD_QUOTED, getFoldOptions(ctx, false));
    }
    function singleQuotedString(value, ctx) {
      if (ctx.options.singleQuote === false || ctx.implicitKey && value.includes("\n") || /[ \t]\n|\n[ \t]/.test(value))
        return doubleQuotedString(value, ctx);
      const indent = ctx.indent || (containsDocumentMarker(value) ? "  " : "");
      const res = "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&
${indent}`) + "'";
      return ctx.implicitKey ? res : foldFlowLines.foldFlowLines(res, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
    }
    function quotedString(value, ctx) {
      const { singleQuote } = ctx.options;
      let qs;
      if (singleQuote === false)
        qs = doubleQuotedString;
      else {
        const hasDouble = value.includes('"');
        const hasSingle = value.includes("'");
        if (hasDouble && !hasSingle)
          qs = singleQuotedString;
        else if (hasSingle && !hasDouble)
          qs = doubleQuotedString;
        else
          qs = singleQuote ? singleQuotedString : doubleQuotedString;
      }
      return qs(value, ctx);
    }
    var blockEndNewlines;
    try {
      blockEndNewlines = new RegExp("(^|(?<!\n))\n+(?!\n|$)", "g");
    } catch {
      blockEndNewlines = /\n+(?!\n|$)/g;
    }
    function blockString({ comment, type, value }, ctx, onComment, onChompKeep) {
      const { blockQuote, commentString, lineWidth } = ctx.options;
      if (!blockQuote || /\n[\t ]+$/.test(value)) {
        return quotedString(value, ctx);
      }
      const indent = ctx.indent || (ctx.forceBlockIndent || containsDocumentMarker(value) ? "  " : "");
      const literal = blockQuote === "literal" ? true : blockQuote === "folded" || type === Scalar.Scalar.BLOCK_FOLDED ? false : type === Scalar.Scalar.BLOCK_LITERAL ? true : !lineLengthOverLimit(value, lineWidth, indent.length);
      if (!value)
        return literal ? "|\n" : ">\n";
      let chomp;
      let endStart;
      for (endStart = value.length; endStart > 0; --endStart) {
        const ch = value[endStart - 1];
        if (ch !== "\n" && ch !== "	" && ch !== " ")
          break;
      }
      let end = value.substring(endStart);
      const endNlPos = end.indexOf("\n");
      if (endNlPos === -1) {
        chomp = "-";
      } else if (value === end || endNlPos !== end.length - 1) {
        chomp = "+";
        if (onChompKeep)
          onChompKeep();
      } else {
        chomp = "";
      }
      if (end) {
        value = value.slice(0, -end.length);
        if (end[end.length - 1] === "\n")
          end = end.slice(0, -1);
        end = end.replace(blockEndNewlines, `$&${indent}`);
      }
      let startWithSpace = false;
      let startEnd;
      let startNlPos = -1;
      for (startEnd = 0; startEnd < value.length; ++startEnd) {
        const ch = value[startEnd];
        if (ch === " ")
          startWithSpace = true;
        else if (ch === "\n")
          startNlPos = startEnd;
        else
          break;
      }
      let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
      if (start) {
        value = value.substring(start.length);
        start = start.replace(/\n+/g, `$&${indent}`);
      }
      const indentSize = indent ? "2" : "1";
      let header = (startWithSpace ? indentSize : "") + chomp;
      if (comment) {
        header += " " + commentString(comment.replace(/ ?[\r\n]+/g, " "));
        if (onComment)
          onComment();
      }
      if (!literal) {
        const foldedValue = value.replace(/\n+/g, "\n$&").replace(/(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?/g, "$1$2").replace(/\n+/g, `$&${indent}`);
        let literalFallback = false;
        const foldOptions = getFoldOptions(ctx, true);
        if (blockQuote !== "folded" && type !== Scalar.Scalar.BLOCK_FOLDED) {
          foldOptions.onOverflow = () => {
            literalFallback = true;
          };
        }
        const body = foldFlowLines.foldFlowLines(`${start}${foldedValue}${end}`, indent, foldFlowLines.FOLD_BLOCK, foldOptions);
        if (!literalFallback)
          return `>${header}
${indent}${body}`;
      }
      value = value.replace(/\n+/g, `$&${indent}`);
      return `|${header}
${indent}${start}${value}${end}`;
    }
    function plainString(item, ctx, onComment, onChompKeep) {
      const { type, value } = item;
      const { actualString, implicitKey, indent, indentStep, inFlow } = ctx;
      if (implicitKey && value.includes("\n") || inFlow && /[[\]{},]/.test(value)) {
        return quotedString(value, ctx);
      }
      if (/^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/.test(value)) {
        return implicitKey || inFlow || !value.includes("\n") ? quotedString(value, ctx) : blockString(item, ctx, onComment, onChompKeep);
      }
      if (!implicitKey && !inFlow && type !== Scalar.Scalar.PLAIN && value.includes("\n")) {
        return blockString(item, ctx, onComment, onChompKeep);
      }
      if (containsDocumentMarker(value)) {
        if (indent === "") {
          ctx.forceBlockIndent = true;
          return blockString(item, ctx, onComment, onChompKeep);
        } else if (implicitKey && indent === indentStep) {
          return quotedString(value, ctx);
        }
      }
      const str2 = value.replace(/\n+/g, `$&
${indent}`);
      if (actualString) {
        const test = (tag2) => tag2.default && tag2.tag !== "tag:yaml.org,2002:str" && tag2.test?.test(str2);
        const { compat, tags } = ctx.doc.schema;
        if (tags.some(test) || compat?.some(test))
          return quotedString(value, ctx);
      }
      return implicitKey ? str2 : foldFlowLines.foldFlowLines(str2, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
    }
    function stringifyString(item, ctx, onComment, onChompKeep) {
      const { implicitKey, inFlow } = ctx;
      const ss = typeof item.value === "string" ? item : Object.assign({}, item, { value: String(item.value) });
      let { type } = item;
      if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
        if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(ss.value))
          type = Scalar.Scalar.QUOTE_DOUBLE;
      }
      const _stringify = (_type) => {
        switch (_type) {
          case Scalar.Scalar.BLOCK_FOLDED:
          case Scalar.Scalar.BLOCK_LITERAL:
            return implicitKey || inFlow ? quotedString(ss.value, ctx) : blockString(ss, ctx, onComment, onChompKeep);
          case Scalar.Scalar.QUOTE_DOUBLE:
            return doubleQuotedString(ss.value, ctx);
          case Scalar.Scalar.QUOTE_SINGLE:
            return singleQuotedString(ss.value, ctx);
          case Scalar.Scalar.PLAIN:
            return plainString(ss, ctx, onComment, onChompKeep);
          default:
            return null;
        }
      };
      let res = _stringify(type);
      if (res === null) {
        const { defaultKeyType, defaultStringType } = ctx.options;
        const t = implicitKey && defaultKeyType || defaultStringType;
        res = _stringify(t);
        if (res === null)
          throw new Error(`Unsupported default string type ${t}`);
      }
      return res;
    }
    exports.stringifyString = stringifyString;
  }
});

// node_modules/yaml/dist/stringify/stringify.js
var require_stringify = __commonJS({
  "node_modules/yaml/dist/stringify/stringify.js"(exports) {
    "use strict";
    var anchors = require_anchors();
    var identity2 = require_identity();
    var stringifyComment = require_stringifyComment();
    var stringifyString = require_stringifyString();
    function createStringifyContext(doc, options) {
      const opt = Object.assign({
        blockQuote: true,
        commentString: stringifyComment.stringifyComment,
        defaultKeyType: null,
        defaultStringType: "PLAIN",
        directives: null,
        doubleQuotedAsJSON: false,
        doubleQuotedMinMultiLineLength: 40,
        falseStr: "false",
        flowCollectionPadding: true,
        indentSeq: true,
        lineWidth: 80,
        minContentWidth: 20,
        nullStr: "null",
        simpleKeys: false,
        singleQuote: null,
        trailingComma: false,
        trueStr: "true",
        verifyAliasOrder: true
      }, doc.schema.toStringOptions, options);
      let inFlow;
      switch (opt.collectionStyle) {
        case "block":
          inFlow = false;
          break;
        case "flow":
          inFlow = true;
          break;
        default:
          inFlow = null;
      }
      return {
        anchors: /* @__PURE__ */ new Set(),
        doc,
        flowCollectionPadding: opt.flowCollectionPadding ? " " : "",
        indent: "",
        indentStep: typeof opt.indent === "number" ? " ".repeat(opt.indent) : "  ",
        inFlow,
        options: opt
      };
    }
    function getTagObject(tags, item) {
      if (item.tag) {
        const match = tags.filter((t) => t.tag === item.tag);
        if (match.length > 0)
          return match.find((t) => t.format === item.format) ?? match[0];
      }
      let tagObj = void 0;
      let obj;
      if (identity2.isScalar(item)) {
        obj = item.value;
        let match = tags.filter((t) => t.identify?.(obj));
        if (match.length > 1) {
          const testMatch = match.filter((t) => t.test);
          if (testMatch.length > 0)
            match = testMatch;
        }
        tagObj = match.find((t) => t.format === item.format) ?? match.find((t) => !t.format);
      } else {
        obj = item;
        tagObj = tags.find((t) => t.nodeClass && obj instanceof t.nodeClass);
      }
      if (!tagObj) {
        const name = obj?.constructor?.name ?? (obj === null ? "null" : typeof obj);
        throw new Error(`Tag not resolved for ${name} value`);
      }
      return tagObj;
    }
    function stringifyProps(node, tagObj, { anchors: anchors$1, doc }) {
      if (!doc.directives)
        return "";
      const props = [];
      const anchor = (identity2.isScalar(node) || identity2.isCollection(node)) && node.anchor;
      if (anchor && anchors.anchorIsValid(anchor)) {
        anchors$1.add(anchor);
        props.push(`&${anchor}`);
      }
      const tag2 = node.tag ?? (tagObj.default ? null : tagObj.tag);
      if (tag2)
        props.push(doc.directives.tagString(tag2));
      return props.join(" ");
    }
    function stringify2(item, ctx, onComment, onChompKeep) {
      if (identity2.isPair(item))
        return item.toString(ctx, onComment, onChompKeep);
      if (identity2.isAlias(item)) {
        if (ctx.doc.directives)
          return item.toString(ctx);
        if (ctx.resolvedAliases?.has(item)) {
          throw new TypeError(`Cannot stringify circular structure without alias nodes`);
        } else {
          if (ctx.resolvedAliases)
            ctx.resolvedAliases.add(item);
          else
            ctx.resolvedAliases = /* @__PURE__ */ new Set([item]);
          item = item.resolve(ctx.doc);
        }
      }
      let tagObj = void 0;
      const node = identity2.isNode(item) ? item : ctx.doc.createNode(item, { onTagObj: (o) => tagObj = o });
      tagObj ?? (tagObj = getTagObject(ctx.doc.schema.tags, node));
      const props = stringifyProps(node, tagObj, ctx);
      if (props.length > 0)
        ctx.indentAtStart = (ctx.indentAtStart ?? 0) + props.length + 1;
      const str2 = typeof tagObj.stringify === "function" ? tagObj.stringify(node, ctx, onComment, onChompKeep) : identity2.isScalar(node) ? stringifyString.stringifyString(node, ctx, onComment, onChompKeep) : node.toString(ctx, onComment, onChompKeep);
      if (!props)
        return str2;
      return identity2.isScalar(node) || str2[0] === "{" || str2[0] === "[" ? `${props} ${str2}` : `${props}
${ctx.indent}${str2}`;
    }
    exports.createStringifyContext = createStringifyContext;
    exports.stringify = stringify2;
  }
});

// node_modules/yaml/dist/stringify/stringifyPair.js
var require_stringifyPair = __commonJS({
  "node_modules/yaml/dist/stringify/stringifyPair.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Scalar = require_Scalar();
    var stringify2 = require_stringify();
    var stringifyComment = require_stringifyComment();
    function stringifyPair({ key, value }, ctx, onComment, onChompKeep) {
      const { allNullValues, doc, indent, indentStep, options: { commentString, indentSeq, simpleKeys } } = ctx;
      let keyComment = identity2.isNode(key) && key.comment || null;
      if (simpleKeys) {
        if (keyComment) {
          throw new Error("With simple keys, key nodes cannot have comments");
        }
        if (identity2.isCollection(key) || !identity2.isNode(key) && typeof key === "object") {
          const msg = "With simple keys, collection cannot be used as a key value";
          throw new Error(msg);
        }
      }
      let explicitKey = !simpleKeys && (!key || keyComment && value == null && !ctx.inFlow || identity2.isCollection(key) || (identity2.isScalar(key) ? key.type === Scalar.Scalar.BLOCK_FOLDED || key.type === Scalar.Scalar.BLOCK_LITERAL : typeof key === "object"));
      ctx = Object.assign({}, ctx, {
        allNullValues: false,
        implicitKey: !explicitKey && (simpleKeys || !allNullValues),
        indent: indent + indentStep
      });
      let keyCommentDone = false;
      let chompKeep = false;
      let str2 = stringify2.stringify(key, ctx, () => keyCommentDone = true, () => chompKeep = true);
      if (!explicitKey && !ctx.inFlow && str2.length > 1024) {
        if (simpleKeys)
          throw new Error("With simple keys, single line scalar must not span more than 1024 characters");
        explicitKey = true;
      }
      if (ctx.inFlow) {
        if (allNullValues || value == null) {
          if (keyCommentDone && onComment)
            onComment();
          return str2 === "" ? "?" : explicitKey ? `? ${str2}` : str2;
        }
      } else if (allNullValues && !simpleKeys || value == null && explicitKey) {
        str2 = `? ${str2}`;
        if (keyComment && !keyCommentDone) {
          str2 += stringifyComment.lineComment(str2, ctx.indent, commentString(keyComment));
        } else if (chompKeep && onChompKeep)
          onChompKeep();
        return str2;
      }
      if (keyCommentDone)
        keyComment = null;
      if (explicitKey) {
        if (keyComment)
          str2 += stringifyComment.lineComment(str2, ctx.indent, commentString(keyComment));
        str2 = `? ${str2}
${indent}:`;
      } else {
        str2 = `${str2}:`;
        if (keyComment)
          str2 += stringifyComment.lineComment(str2, ctx.indent, commentString(keyComment));
      }
      let vsb, vcb, valueComment;
      if (identity2.isNode(value)) {
        vsb = !!value.spaceBefore;
        vcb = value.commentBefore;
        valueComment = value.comment;
      } else {
        vsb = false;
        vcb = null;
        valueComment = null;
        if (value && typeof value === "object")
          value = doc.createNode(value);
      }
      ctx.implicitKey = false;
      if (!explicitKey && !keyComment && identity2.isScalar(value))
        ctx.indentAtStart = str2.length + 1;
      chompKeep = false;
      if (!indentSeq && indentStep.length >= 2 && !ctx.inFlow && !explicitKey && identity2.isSeq(value) && !value.flow && !value.tag && !value.anchor) {
        ctx.indent = ctx.indent.substring(2);
      }
      let valueCommentDone = false;
      const valueStr = stringify2.stringify(value, ctx, () => valueCommentDone = true, () => chompKeep = true);
      let ws = " ";
      if (keyComment || vsb || vcb) {
        ws = vsb ? "\n" : "";
        if (vcb) {
          const cs = commentString(vcb);
          ws += `
${stringifyComment.indentComment(cs, ctx.indent)}`;
        }
        if (valueStr === "" && !ctx.inFlow) {
          if (ws === "\n" && valueComment)
            ws = "\n\n";
        } else {
          ws += `
${ctx.indent}`;
        }
      } else if (!explicitKey && identity2.isCollection(value)) {
        const vs0 = valueStr[0];
        const nl0 = valueStr.indexOf("\n");
        const hasNewline = nl0 !== -1;
        const flow = ctx.inFlow ?? value.flow ?? value.items.length === 0;
        if (hasNewline || !flow) {
          let hasPropsLine = false;
          if (hasNewline && (vs0 === "&" || vs0 === "!")) {
            let sp0 = valueStr.indexOf(" ");
            if (vs0 === "&" && sp0 !== -1 && sp0 < nl0 && valueStr[sp0 + 1] === "!") {
              sp0 = valueStr.indexOf(" ", sp0 + 1);
            }
            if (sp0 === -1 || nl0 < sp0)
              hasPropsLine = true;
          }
          if (!hasPropsLine)
            ws = `
${ctx.indent}`;
        }
      } else if (valueStr === "" || valueStr[0] === "\n") {
        ws = "";
      }
      str2 += ws + valueStr;
      if (ctx.inFlow) {
        if (valueCommentDone && onComment)
          onComment();
      } else if (valueComment && !valueCommentDone) {
        str2 += stringifyComment.lineComment(str2, ctx.indent, commentString(valueComment));
      } else if (chompKeep && onChompKeep) {
        onChompKeep();
      }
      return str2;
    }
    exports.stringifyPair = stringifyPair;
  }
});

// node_modules/yaml/dist/log.js
var require_log = __commonJS({
  "node_modules/yaml/dist/log.js"(exports) {
    "use strict";
    var node_process = __require("process");
    function debug(logLevel, ...messages) {
      if (logLevel === "debug")
        console.log(...messages);
    }
    function warn(logLevel, warning) {
      if (logLevel === "debug" || logLevel === "warn") {
        if (typeof node_process.emitWarning === "function")
          node_process.emitWarning(warning);
        else
          console.warn(warning);
      }
    }
    exports.debug = debug;
    exports.warn = warn;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/merge.js
var require_merge = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/merge.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Scalar = require_Scalar();
    var MERGE_KEY = "<<";
    var merge = {
      identify: (value) => value === MERGE_KEY || typeof value === "symbol" && value.description === MERGE_KEY,
      default: "key",
      tag: "tag:yaml.org,2002:merge",
      test: /^<<$/,
      resolve: () => Object.assign(new Scalar.Scalar(Symbol(MERGE_KEY)), {
        addToJSMap: addMergeToJSMap
      }),
      stringify: () => MERGE_KEY
    };
    var isMergeKey = (ctx, key) => (merge.identify(key) || identity2.isScalar(key) && (!key.type || key.type === Scalar.Scalar.PLAIN) && merge.identify(key.value)) && ctx?.doc.schema.tags.some((tag2) => tag2.tag === merge.tag && tag2.default);
    function addMergeToJSMap(ctx, map, value) {
      const source2 = resolveAliasValue(ctx, value);
      if (identity2.isSeq(source2))
        for (const it of source2.items)
          mergeValue(ctx, map, it);
      else if (Array.isArray(source2))
        for (const it of source2)
          mergeValue(ctx, map, it);
      else
        mergeValue(ctx, map, source2);
    }
    function mergeValue(ctx, map, value) {
      const source2 = resolveAliasValue(ctx, value);
      if (!identity2.isMap(source2))
        throw new Error("Merge sources must be maps or map aliases");
      const srcMap = source2.toJSON(null, ctx, Map);
      for (const [key, value2] of srcMap) {
        if (map instanceof Map) {
          if (!map.has(key))
            map.set(key, value2);
        } else if (map instanceof Set) {
          map.add(key);
        } else if (!Object.prototype.hasOwnProperty.call(map, key)) {
          Object.defineProperty(map, key, {
            value: value2,
            writable: true,
            enumerable: true,
            configurable: true
          });
        }
      }
      return map;
    }
    function resolveAliasValue(ctx, value) {
      return ctx && identity2.isAlias(value) ? value.resolve(ctx.doc, ctx) : value;
    }
    exports.addMergeToJSMap = addMergeToJSMap;
    exports.isMergeKey = isMergeKey;
    exports.merge = merge;
  }
});

// node_modules/yaml/dist/nodes/addPairToJSMap.js
var require_addPairToJSMap = __commonJS({
  "node_modules/yaml/dist/nodes/addPairToJSMap.js"(exports) {
    "use strict";
    var log = require_log();
    var merge = require_merge();
    var stringify2 = require_stringify();
    var identity2 = require_identity();
    var toJS = require_toJS();
    function addPairToJSMap(ctx, map, { key, value }) {
      if (identity2.isNode(key) && key.addToJSMap)
        key.addToJSMap(ctx, map, value);
      else if (merge.isMergeKey(ctx, key))
        merge.addMergeToJSMap(ctx, map, value);
      else {
        const jsKey = toJS.toJS(key, "", ctx);
        if (map instanceof Map) {
          map.set(jsKey, toJS.toJS(value, jsKey, ctx));
        } else if (map instanceof Set) {
          map.add(jsKey);
        } else {
          const stringKey = stringifyKey(key, jsKey, ctx);
          const jsValue = toJS.toJS(value, stringKey, ctx);
          if (stringKey in map)
            Object.defineProperty(map, stringKey, {
              value: jsValue,
              writable: true,
              enumerable: true,
              configurable: true
            });
          else
            map[stringKey] = jsValue;
        }
      }
      return map;
    }
    function stringifyKey(key, jsKey, ctx) {
      if (jsKey === null)
        return "";
      if (typeof jsKey !== "object")
        return String(jsKey);
      if (identity2.isNode(key) && ctx?.doc) {
        const strCtx = stringify2.createStringifyContext(ctx.doc, {});
        strCtx.anchors = /* @__PURE__ */ new Set();
        for (const node of ctx.anchors.keys())
          strCtx.anchors.add(node.anchor);
        strCtx.inFlow = true;
        strCtx.inStringifyKey = true;
        const strKey = key.toString(strCtx);
        if (!ctx.mapKeyWarned) {
          let jsonStr = JSON.stringify(strKey);
          if (jsonStr.length > 40)
            jsonStr = jsonStr.substring(0, 36) + '..."';
          log.warn(ctx.doc.options.logLevel, `Keys with collection values will be stringified due to JS Object restrictions: ${jsonStr}. Set mapAsMap: true to use object keys.`);
          ctx.mapKeyWarned = true;
        }
        return strKey;
      }
      return JSON.stringify(jsKey);
    }
    exports.addPairToJSMap = addPairToJSMap;
  }
});

// node_modules/yaml/dist/nodes/Pair.js
var require_Pair = __commonJS({
  "node_modules/yaml/dist/nodes/Pair.js"(exports) {
    "use strict";
    var createNode = require_createNode();
    var stringifyPair = require_stringifyPair();
    var addPairToJSMap = require_addPairToJSMap();
    var identity2 = require_identity();
    function createPair(key, value, ctx) {
      const k = createNode.createNode(key, void 0, ctx);
      const v = createNode.createNode(value, void 0, ctx);
      return new Pair(k, v);
    }
    var Pair = class _Pair {
      constructor(key, value = null) {
        Object.defineProperty(this, identity2.NODE_TYPE, { value: identity2.PAIR });
        this.key = key;
        this.value = value;
      }
      clone(schema) {
        let { key, value } = this;
        if (identity2.isNode(key))
          key = key.clone(schema);
        if (identity2.isNode(value))
          value = value.clone(schema);
        return new _Pair(key, value);
      }
      toJSON(_, ctx) {
        const pair = ctx?.mapAsMap ? /* @__PURE__ */ new Map() : {};
        return addPairToJSMap.addPairToJSMap(ctx, pair, this);
      }
      toString(ctx, onComment, onChompKeep) {
        return ctx?.doc ? stringifyPair.stringifyPair(this, ctx, onComment, onChompKeep) : JSON.stringify(this);
      }
    };
    exports.Pair = Pair;
    exports.createPair = createPair;
  }
});

// node_modules/yaml/dist/stringify/stringifyCollection.js
var require_stringifyCollection = __commonJS({
  "node_modules/yaml/dist/stringify/stringifyCollection.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var stringify2 = require_stringify();
    var stringifyComment = require_stringifyComment();
    function stringifyCollection(collection, ctx, options) {
      const flow = ctx.inFlow ?? collection.flow;
      const stringify3 = flow ? stringifyFlowCollection : stringifyBlockCollection;
      return stringify3(collection, ctx, options);
    }
    function stringifyBlockCollection({ comment, items }, ctx, { blockItemPrefix, flowChars, itemIndent, onChompKeep, onComment }) {
      const { indent, options: { commentString } } = ctx;
      const itemCtx = Object.assign({}, ctx, { indent: itemIndent, type: null });
      let chompKeep = false;
      const lines = [];
      for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment2 = null;
        if (identity2.isNode(item)) {
          if (!chompKeep && item.spaceBefore)
            lines.push("");
          addCommentBefore(ctx, lines, item.commentBefore, chompKeep);
          if (item.comment)
            comment2 = item.comment;
        } else if (identity2.isPair(item)) {
          const ik = identity2.isNode(item.key) ? item.key : null;
          if (ik) {
            if (!chompKeep && ik.spaceBefore)
              lines.push("");
            addCommentBefore(ctx, lines, ik.commentBefore, chompKeep);
          }
        }
        chompKeep = false;
        let str3 = stringify2.stringify(item, itemCtx, () => comment2 = null, () => chompKeep = true);
        if (comment2)
          str3 += stringifyComment.lineComment(str3, itemIndent, commentString(comment2));
        if (chompKeep && comment2)
          chompKeep = false;
        lines.push(blockItemPrefix + str3);
      }
      let str2;
      if (lines.length === 0) {
        str2 = flowChars.start + flowChars.end;
      } else {
        str2 = lines[0];
        for (let i = 1; i < lines.length; ++i) {
          const line = lines[i];
          str2 += line ? `
${indent}${line}` : "\n";
        }
      }
      if (comment) {
        str2 += "\n" + stringifyComment.indentComment(commentString(comment), indent);
        if (onComment)
          onComment();
      } else if (chompKeep && onChompKeep)
        onChompKeep();
      return str2;
    }
    function stringifyFlowCollection({ items }, ctx, { flowChars, itemIndent }) {
      const { indent, indentStep, flowCollectionPadding: fcPadding, options: { commentString } } = ctx;
      itemIndent += indentStep;
      const itemCtx = Object.assign({}, ctx, {
        indent: itemIndent,
        inFlow: true,
        type: null
      });
      let reqNewline = false;
      let linesAtValue = 0;
      const lines = [];
      for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity2.isNode(item)) {
          if (item.spaceBefore)
            lines.push("");
          addCommentBefore(ctx, lines, item.commentBefore, false);
          if (item.comment)
            comment = item.comment;
        } else if (identity2.isPair(item)) {
          const ik = identity2.isNode(item.key) ? item.key : null;
          if (ik) {
            if (ik.spaceBefore)
              lines.push("");
            addCommentBefore(ctx, lines, ik.commentBefore, false);
            if (ik.comment)
              reqNewline = true;
          }
          const iv = identity2.isNode(item.value) ? item.value : null;
          if (iv) {
            if (iv.comment)
              comment = iv.comment;
            if (iv.commentBefore)
              reqNewline = true;
          } else if (item.value == null && ik?.comment) {
            comment = ik.comment;
          }
        }
        if (comment)
          reqNewline = true;
        let str2 = stringify2.stringify(item, itemCtx, () => comment = null);
        reqNewline || (reqNewline = lines.length > linesAtValue || str2.includes("\n"));
        if (i < items.length - 1) {
          str2 += ",";
        } else if (ctx.options.trailingComma) {
          if (ctx.options.lineWidth > 0) {
            reqNewline || (reqNewline = lines.reduce((sum, line) => sum + line.length + 2, 2) + (str2.length + 2) > ctx.options.lineWidth);
          }
          if (reqNewline) {
            str2 += ",";
          }
        }
        if (comment)
          str2 += stringifyComment.lineComment(str2, itemIndent, commentString(comment));
        lines.push(str2);
        linesAtValue = lines.length;
      }
      const { start, end } = flowChars;
      if (lines.length === 0) {
        return start + end;
      } else {
        if (!reqNewline) {
          const len = lines.reduce((sum, line) => sum + line.length + 2, 2);
          reqNewline = ctx.options.lineWidth > 0 && len > ctx.options.lineWidth;
        }
        if (reqNewline) {
          let str2 = start;
          for (const line of lines)
            str2 += line ? `
${indentStep}${indent}${line}` : "\n";
          return `${str2}
${indent}${end}`;
        } else {
          return `${start}${fcPadding}${lines.join(" ")}${fcPadding}${end}`;
        }
      }
    }
    function addCommentBefore({ indent, options: { commentString } }, lines, comment, chompKeep) {
      if (comment && chompKeep)
        comment = comment.replace(/^\n+/, "");
      if (comment) {
        const ic = stringifyComment.indentComment(commentString(comment), indent);
        lines.push(ic.trimStart());
      }
    }
    exports.stringifyCollection = stringifyCollection;
  }
});

// node_modules/yaml/dist/nodes/YAMLMap.js
var require_YAMLMap = __commonJS({
  "node_modules/yaml/dist/nodes/YAMLMap.js"(exports) {
    "use strict";
    var stringifyCollection = require_stringifyCollection();
    var addPairToJSMap = require_addPairToJSMap();
    var Collection = require_Collection();
    var identity2 = require_identity();
    var Pair = require_Pair();
    var Scalar = require_Scalar();
    function findPair(items, key) {
      const k = identity2.isScalar(key) ? key.value : key;
      for (const it of items) {
        if (identity2.isPair(it)) {
          if (it.key === key || it.key === k)
            return it;
          if (identity2.isScalar(it.key) && it.key.value === k)
            return it;
        }
      }
      return void 0;
    }
    var YAMLMap = class extends Collection.Collection {
      static get tagName() {
        return "tag:yaml.org,2002:map";
      }
      constructor(schema) {
        super(identity2.MAP, schema);
        this.items = [];
      }
      /**
       * A generic collection parsing method that can be extended
       * to other node classes that inherit from YAMLMap
       */
      static from(schema, obj, ctx) {
        const { keepUndefined, replacer } = ctx;
        const map = new this(schema);
        const add = (key, value) => {
          if (typeof replacer === "function")
            value = replacer.call(obj, key, value);
          else if (Array.isArray(replacer) && !replacer.includes(key))
            return;
          if (value !== void 0 || keepUndefined)
            map.items.push(Pair.createPair(key, value, ctx));
        };
        if (obj instanceof Map) {
          for (const [key, value] of obj)
            add(key, value);
        } else if (obj && typeof obj === "object") {
          for (const key of Object.keys(obj))
            add(key, obj[key]);
        }
        if (typeof schema.sortMapEntries === "function") {
          map.items.sort(schema.sortMapEntries);
        }
        return map;
      }
      /**
       * Adds a value to the collection.
       *
       * @param overwrite - If not set `true`, using a key that is already in the
       *   collection will throw. Otherwise, overwrites the previous value.
       */
      add(pair, overwrite) {
        let _pair;
        if (identity2.isPair(pair))
          _pair = pair;
        else if (!pair || typeof pair !== "object" || !("key" in pair)) {
          _pair = new Pair.Pair(pair, pair?.value);
        } else
          _pair = new Pair.Pair(pair.key, pair.value);
        const prev = findPair(this.items, _pair.key);
        const sortEntries = this.schema?.sortMapEntries;
        if (prev) {
          if (!overwrite)
            throw new Error(`Key ${_pair.key} already set`);
          if (identity2.isScalar(prev.value) && Scalar.isScalarValue(_pair.value))
            prev.value.value = _pair.value;
          else
            prev.value = _pair.value;
        } else if (sortEntries) {
          const i = this.items.findIndex((item) => sortEntries(_pair, item) < 0);
          if (i === -1)
            this.items.push(_pair);
          else
            this.items.splice(i, 0, _pair);
        } else {
          this.items.push(_pair);
        }
      }
      delete(key) {
        const it = findPair(this.items, key);
        if (!it)
          return false;
        const del = this.items.splice(this.items.indexOf(it), 1);
        return del.length > 0;
      }
      get(key, keepScalar) {
        const it = findPair(this.items, key);
        const node = it?.value;
        return (!keepScalar && identity2.isScalar(node) ? node.value : node) ?? void 0;
      }
      has(key) {
        return !!findPair(this.items, key);
      }
      set(key, value) {
        this.add(new Pair.Pair(key, value), true);
      }
      /**
       * @param ctx - Conversion context, originally set in Document#toJS()
       * @param {Class} Type - If set, forces the returned collection type
       * @returns Instance of Type, Map, or Object
       */
      toJSON(_, ctx, Type) {
        const map = Type ? new Type() : ctx?.mapAsMap ? /* @__PURE__ */ new Map() : {};
        if (ctx?.onCreate)
          ctx.onCreate(map);
        for (const item of this.items)
          addPairToJSMap.addPairToJSMap(ctx, map, item);
        return map;
      }
      toString(ctx, onComment, onChompKeep) {
        if (!ctx)
          return JSON.stringify(this);
        for (const item of this.items) {
          if (!identity2.isPair(item))
            throw new Error(`Map items must all be pairs; found ${JSON.stringify(item)} instead`);
        }
        if (!ctx.allNullValues && this.hasAllNullValues(false))
          ctx = Object.assign({}, ctx, { allNullValues: true });
        return stringifyCollection.stringifyCollection(this, ctx, {
          blockItemPrefix: "",
          flowChars: { start: "{", end: "}" },
          itemIndent: ctx.indent || "",
          onChompKeep,
          onComment
        });
      }
    };
    exports.YAMLMap = YAMLMap;
    exports.findPair = findPair;
  }
});

// node_modules/yaml/dist/schema/common/map.js
var require_map = __commonJS({
  "node_modules/yaml/dist/schema/common/map.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var YAMLMap = require_YAMLMap();
    var map = {
      collection: "map",
      default: true,
      nodeClass: YAMLMap.YAMLMap,
      tag: "tag:yaml.org,2002:map",
      resolve(map2, onError) {
        if (!identity2.isMap(map2))
          onError("Expected a mapping for this tag");
        return map2;
      },
      createNode: (schema, obj, ctx) => YAMLMap.YAMLMap.from(schema, obj, ctx)
    };
    exports.map = map;
  }
});

// node_modules/yaml/dist/nodes/YAMLSeq.js
var require_YAMLSeq = __commonJS({
  "node_modules/yaml/dist/nodes/YAMLSeq.js"(exports) {
    "use strict";
    var createNode = require_createNode();
    var stringifyCollection = require_stringifyCollection();
    var Collection = require_Collection();
    var identity2 = require_identity();
    var Scalar = require_Scalar();
    var toJS = require_toJS();
    var YAMLSeq = class extends Collection.Collection {
      static get tagName() {
        return "tag:yaml.org,2002:seq";
      }
      constructor(schema) {
        super(identity2.SEQ, schema);
        this.items = [];
      }
      add(value) {
        this.items.push(value);
      }
      /**
       * Removes a value from the collection.
       *
       * `key` must contain a representation of an integer for this to succeed.
       * It may be wrapped in a `Scalar`.
       *
       * @returns `true` if the item was found and removed.
       */
      delete(key) {
        const idx = asItemIndex(key);
        if (typeof idx !== "number")
          return false;
        const del = this.items.splice(idx, 1);
        return del.length > 0;
      }
      get(key, keepScalar) {
        const idx = asItemIndex(key);
        if (typeof idx !== "number")
          return void 0;
        const it = this.items[idx];
        return !keepScalar && identity2.isScalar(it) ? it.value : it;
      }
      /**
       * Checks if the collection includes a value with the key `key`.
       *
       * `key` must contain a representation of an integer for this to succeed.
       * It may be wrapped in a `Scalar`.
       */
      has(key) {
        const idx = asItemIndex(key);
        return typeof idx === "number" && idx < this.items.length;
      }
      /**
       * Sets a value in this collection. For `!!set`, `value` needs to be a
       * boolean to add/remove the item from the set.
       *
       * If `key` does not contain a representation of an integer, this will throw.
       * It may be wrapped in a `Scalar`.
       */
      set(key, value) {
        const idx = asItemIndex(key);
        if (typeof idx !== "number")
          throw new Error(`Expected a valid index, not ${key}.`);
        const prev = this.items[idx];
        if (identity2.isScalar(prev) && Scalar.isScalarValue(value))
          prev.value = value;
        else
          this.items[idx] = value;
      }
      toJSON(_, ctx) {
        const seq = [];
        if (ctx?.onCreate)
          ctx.onCreate(seq);
        let i = 0;
        for (const item of this.items)
          seq.push(toJS.toJS(item, String(i++), ctx));
        return seq;
      }
      toString(ctx, onComment, onChompKeep) {
        if (!ctx)
          return JSON.stringify(this);
        return stringifyCollection.stringifyCollection(this, ctx, {
          blockItemPrefix: "- ",
          flowChars: { start: "[", end: "]" },
          itemIndent: (ctx.indent || "") + "  ",
          onChompKeep,
          onComment
        });
      }
      static from(schema, obj, ctx) {
        const { replacer } = ctx;
        const seq = new this(schema);
        if (obj && Symbol.iterator in Object(obj)) {
          let i = 0;
          for (let it of obj) {
            if (typeof replacer === "function") {
              const key = obj instanceof Set ? it : String(i++);
              it = replacer.call(obj, key, it);
            }
            seq.items.push(createNode.createNode(it, void 0, ctx));
          }
        }
        return seq;
      }
    };
    function asItemIndex(key) {
      let idx = identity2.isScalar(key) ? key.value : key;
      if (idx && typeof idx === "string")
        idx = Number(idx);
      return typeof idx === "number" && Number.isInteger(idx) && idx >= 0 ? idx : null;
    }
    exports.YAMLSeq = YAMLSeq;
  }
});

// node_modules/yaml/dist/schema/common/seq.js
var require_seq = __commonJS({
  "node_modules/yaml/dist/schema/common/seq.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var YAMLSeq = require_YAMLSeq();
    var seq = {
      collection: "seq",
      default: true,
      nodeClass: YAMLSeq.YAMLSeq,
      tag: "tag:yaml.org,2002:seq",
      resolve(seq2, onError) {
        if (!identity2.isSeq(seq2))
          onError("Expected a sequence for this tag");
        return seq2;
      },
      createNode: (schema, obj, ctx) => YAMLSeq.YAMLSeq.from(schema, obj, ctx)
    };
    exports.seq = seq;
  }
});

// node_modules/yaml/dist/schema/common/string.js
var require_string = __commonJS({
  "node_modules/yaml/dist/schema/common/string.js"(exports) {
    "use strict";
    var stringifyString = require_stringifyString();
    var string = {
      identify: (value) => typeof value === "string",
      default: true,
      tag: "tag:yaml.org,2002:str",
      resolve: (str2) => str2,
      stringify(item, ctx, onComment, onChompKeep) {
        ctx = Object.assign({ actualString: true }, ctx);
        return stringifyString.stringifyString(item, ctx, onComment, onChompKeep);
      }
    };
    exports.string = string;
  }
});

// node_modules/yaml/dist/schema/common/null.js
var require_null = __commonJS({
  "node_modules/yaml/dist/schema/common/null.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var nullTag = {
      identify: (value) => value == null,
      createNode: () => new Scalar.Scalar(null),
      default: true,
      tag: "tag:yaml.org,2002:null",
      test: /^(?:~|[Nn]ull|NULL)?$/,
      resolve: () => new Scalar.Scalar(null),
      stringify: ({ source: source2 }, ctx) => typeof source2 === "string" && nullTag.test.test(source2) ? source2 : ctx.options.nullStr
    };
    exports.nullTag = nullTag;
  }
});

// node_modules/yaml/dist/schema/core/bool.js
var require_bool = __commonJS({
  "node_modules/yaml/dist/schema/core/bool.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var boolTag = {
      identify: (value) => typeof value === "boolean",
      default: true,
      tag: "tag:yaml.org,2002:bool",
      test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
      resolve: (str2) => new Scalar.Scalar(str2[0] === "t" || str2[0] === "T"),
      stringify({ source: source2, value }, ctx) {
        if (source2 && boolTag.test.test(source2)) {
          const sv = source2[0] === "t" || source2[0] === "T";
          if (value === sv)
            return source2;
        }
        return value ? ctx.options.trueStr : ctx.options.falseStr;
      }
    };
    exports.boolTag = boolTag;
  }
});

// node_modules/yaml/dist/stringify/stringifyNumber.js
var require_stringifyNumber = __commonJS({
  "node_modules/yaml/dist/stringify/stringifyNumber.js"(exports) {
    "use strict";
    function stringifyNumber({ format, minFractionDigits, tag: tag2, value }) {
      if (typeof value === "bigint")
        return String(value);
      const num = typeof value === "number" ? value : Number(value);
      if (!isFinite(num))
        return isNaN(num) ? ".nan" : num < 0 ? "-.inf" : ".inf";
      let n = Object.is(value, -0) ? "-0" : JSON.stringify(value);
      if (!format && minFractionDigits && (!tag2 || tag2 === "tag:yaml.org,2002:float") && /^-?\d/.test(n) && !n.includes("e")) {
        let i = n.indexOf(".");
        if (i < 0) {
          i = n.length;
          n += ".";
        }
        let d = minFractionDigits - (n.length - i - 1);
        while (d-- > 0)
          n += "0";
      }
      return n;
    }
    exports.stringifyNumber = stringifyNumber;
  }
});

// node_modules/yaml/dist/schema/core/float.js
var require_float = __commonJS({
  "node_modules/yaml/dist/schema/core/float.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var stringifyNumber = require_stringifyNumber();
    var floatNaN = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
      resolve: (str2) => str2.slice(-3).toLowerCase() === "nan" ? NaN : str2[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
      stringify: stringifyNumber.stringifyNumber
    };
    var floatExp = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      format: "EXP",
      test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
      resolve: (str2) => parseFloat(str2),
      stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
      }
    };
    var float = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
      resolve(str2) {
        const node = new Scalar.Scalar(parseFloat(str2));
        const dot = str2.indexOf(".");
        if (dot !== -1 && str2[str2.length - 1] === "0")
          node.minFractionDigits = str2.length - dot - 1;
        return node;
      },
      stringify: stringifyNumber.stringifyNumber
    };
    exports.float = float;
    exports.floatExp = floatExp;
    exports.floatNaN = floatNaN;
  }
});

// node_modules/yaml/dist/schema/core/int.js
var require_int = __commonJS({
  "node_modules/yaml/dist/schema/core/int.js"(exports) {
    "use strict";
    var stringifyNumber = require_stringifyNumber();
    var intIdentify = (value) => typeof value === "bigint" || Number.isInteger(value);
    var intResolve = (str2, offset, radix, { intAsBigInt }) => intAsBigInt ? BigInt(str2) : parseInt(str2.substring(offset), radix);
    function intStringify(node, radix, prefix) {
      const { value } = node;
      if (intIdentify(value) && value >= 0)
        return prefix + value.toString(radix);
      return stringifyNumber.stringifyNumber(node);
    }
    var intOct = {
      identify: (value) => intIdentify(value) && value >= 0,
      default: true,
      tag: "tag:yaml.org,2002:int",
      format: "OCT",
      test: /^0o[0-7]+$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 2, 8, opt),
      stringify: (node) => intStringify(node, 8, "0o")
    };
    var int = {
      identify: intIdentify,
      default: true,
      tag: "tag:yaml.org,2002:int",
      test: /^[-+]?[0-9]+$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 0, 10, opt),
      stringify: stringifyNumber.stringifyNumber
    };
    var intHex = {
      identify: (value) => intIdentify(value) && value >= 0,
      default: true,
      tag: "tag:yaml.org,2002:int",
      format: "HEX",
      test: /^0x[0-9a-fA-F]+$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 2, 16, opt),
      stringify: (node) => intStringify(node, 16, "0x")
    };
    exports.int = int;
    exports.intHex = intHex;
    exports.intOct = intOct;
  }
});

// node_modules/yaml/dist/schema/core/schema.js
var require_schema = __commonJS({
  "node_modules/yaml/dist/schema/core/schema.js"(exports) {
    "use strict";
    var map = require_map();
    var _null = require_null();
    var seq = require_seq();
    var string = require_string();
    var bool = require_bool();
    var float = require_float();
    var int = require_int();
    var schema = [
      map.map,
      seq.seq,
      string.string,
      _null.nullTag,
      bool.boolTag,
      int.intOct,
      int.int,
      int.intHex,
      float.floatNaN,
      float.floatExp,
      float.float
    ];
    exports.schema = schema;
  }
});

// node_modules/yaml/dist/schema/json/schema.js
var require_schema2 = __commonJS({
  "node_modules/yaml/dist/schema/json/schema.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var map = require_map();
    var seq = require_seq();
    function intIdentify(value) {
      return typeof value === "bigint" || Number.isInteger(value);
    }
    var stringifyJSON = ({ value }) => JSON.stringify(value);
    var jsonScalars = [
      {
        identify: (value) => typeof value === "string",
        default: true,
        tag: "tag:yaml.org,2002:str",
        resolve: (str2) => str2,
        stringify: stringifyJSON
      },
      {
        identify: (value) => value == null,
        createNode: () => new Scalar.Scalar(null),
        default: true,
        tag: "tag:yaml.org,2002:null",
        test: /^null$/,
        resolve: () => null,
        stringify: stringifyJSON
      },
      {
        identify: (value) => typeof value === "boolean",
        default: true,
        tag: "tag:yaml.org,2002:bool",
        test: /^true$|^false$/,
        resolve: (str2) => str2 === "true",
        stringify: stringifyJSON
      },
      {
        identify: intIdentify,
        default: true,
        tag: "tag:yaml.org,2002:int",
        test: /^-?(?:0|[1-9][0-9]*)$/,
        resolve: (str2, _onError, { intAsBigInt }) => intAsBigInt ? BigInt(str2) : parseInt(str2, 10),
        stringify: ({ value }) => intIdentify(value) ? value.toString() : JSON.stringify(value)
      },
      {
        identify: (value) => typeof value === "number",
        default: true,
        tag: "tag:yaml.org,2002:float",
        test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/,
        resolve: (str2) => parseFloat(str2),
        stringify: stringifyJSON
      }
    ];
    var jsonError = {
      default: true,
      tag: "",
      test: /^/,
      resolve(str2, onError) {
        onError(`Unresolved plain scalar ${JSON.stringify(str2)}`);
        return str2;
      }
    };
    var schema = [map.map, seq.seq].concat(jsonScalars, jsonError);
    exports.schema = schema;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/binary.js
var require_binary = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/binary.js"(exports) {
    "use strict";
    var node_buffer = __require("buffer");
    var Scalar = require_Scalar();
    var stringifyString = require_stringifyString();
    var binary = {
      identify: (value) => value instanceof Uint8Array,
      // Buffer inherits from Uint8Array
      default: false,
      tag: "tag:yaml.org,2002:binary",
      /**
       * Returns a Buffer in node and an Uint8Array in browsers
       *
       * To use the resulting buffer as an image, you'll want to do something like:
       *
       *   const blob = new Blob([buffer], { type: 'image/jpeg' })
       *   document.querySelector('#photo').src = URL.createObjectURL(blob)
       */
      resolve(src, onError) {
        if (typeof node_buffer.Buffer === "function") {
          return node_buffer.Buffer.from(src, "base64");
        } else if (typeof atob === "function") {
          const str2 = atob(src.replace(/[\n\r]/g, ""));
          const buffer = new Uint8Array(str2.length);
          for (let i = 0; i < str2.length; ++i)
            buffer[i] = str2.charCodeAt(i);
          return buffer;
        } else {
          onError("This environment does not support reading binary tags; either Buffer or atob is required");
          return src;
        }
      },
      stringify({ comment, type, value }, ctx, onComment, onChompKeep) {
        if (!value)
          return "";
        const buf = value;
        let str2;
        if (typeof node_buffer.Buffer === "function") {
          str2 = buf instanceof node_buffer.Buffer ? buf.toString("base64") : node_buffer.Buffer.from(buf.buffer).toString("base64");
        } else if (typeof btoa === "function") {
          let s = "";
          for (let i = 0; i < buf.length; ++i)
            s += String.fromCharCode(buf[i]);
          str2 = btoa(s);
        } else {
          throw new Error("This environment does not support writing binary tags; either Buffer or btoa is required");
        }
        type ?? (type = Scalar.Scalar.BLOCK_LITERAL);
        if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
          const lineWidth = Math.max(ctx.options.lineWidth - ctx.indent.length, ctx.options.minContentWidth);
          const n = Math.ceil(str2.length / lineWidth);
          const lines = new Array(n);
          for (let i = 0, o = 0; i < n; ++i, o += lineWidth) {
            lines[i] = str2.substr(o, lineWidth);
          }
          str2 = lines.join(type === Scalar.Scalar.BLOCK_LITERAL ? "\n" : " ");
        }
        return stringifyString.stringifyString({ comment, type, value: str2 }, ctx, onComment, onChompKeep);
      }
    };
    exports.binary = binary;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/pairs.js
var require_pairs = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/pairs.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Pair = require_Pair();
    var Scalar = require_Scalar();
    var YAMLSeq = require_YAMLSeq();
    function resolvePairs(seq, onError) {
      if (identity2.isSeq(seq)) {
        for (let i = 0; i < seq.items.length; ++i) {
          let item = seq.items[i];
          if (identity2.isPair(item))
            continue;
          else if (identity2.isMap(item)) {
            if (item.items.length > 1)
              onError("Each pair must have its own sequence indicator");
            const pair = item.items[0] || new Pair.Pair(new Scalar.Scalar(null));
            if (item.commentBefore)
              pair.key.commentBefore = pair.key.commentBefore ? `${item.commentBefore}
${pair.key.commentBefore}` : item.commentBefore;
            if (item.comment) {
              const cn = pair.value ?? pair.key;
              cn.comment = cn.comment ? `${item.comment}
${cn.comment}` : item.comment;
            }
            item = pair;
          }
          seq.items[i] = identity2.isPair(item) ? item : new Pair.Pair(item);
        }
      } else
        onError("Expected a sequence for this tag");
      return seq;
    }
    function createPairs(schema, iterable, ctx) {
      const { replacer } = ctx;
      const pairs2 = new YAMLSeq.YAMLSeq(schema);
      pairs2.tag = "tag:yaml.org,2002:pairs";
      let i = 0;
      if (iterable && Symbol.iterator in Object(iterable))
        for (let it of iterable) {
          if (typeof replacer === "function")
            it = replacer.call(iterable, String(i++), it);
          let key, value;
          if (Array.isArray(it)) {
            if (it.length === 2) {
              key = it[0];
              value = it[1];
            } else
              throw new TypeError(`Expected [key, value] tuple: ${it}`);
          } else if (it && it instanceof Object) {
            const keys = Object.keys(it);
            if (keys.length === 1) {
              key = keys[0];
              value = it[key];
            } else {
              throw new TypeError(`Expected tuple with one key, not ${keys.length} keys`);
            }
          } else {
            key = it;
          }
          pairs2.items.push(Pair.createPair(key, value, ctx));
        }
      return pairs2;
    }
    var pairs = {
      collection: "seq",
      default: false,
      tag: "tag:yaml.org,2002:pairs",
      resolve: resolvePairs,
      createNode: createPairs
    };
    exports.createPairs = createPairs;
    exports.pairs = pairs;
    exports.resolvePairs = resolvePairs;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/omap.js
var require_omap = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/omap.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var toJS = require_toJS();
    var YAMLMap = require_YAMLMap();
    var YAMLSeq = require_YAMLSeq();
    var pairs = require_pairs();
    var YAMLOMap = class _YAMLOMap extends YAMLSeq.YAMLSeq {
      constructor() {
        super();
        this.add = YAMLMap.YAMLMap.prototype.add.bind(this);
        this.delete = YAMLMap.YAMLMap.prototype.delete.bind(this);
        this.get = YAMLMap.YAMLMap.prototype.get.bind(this);
        this.has = YAMLMap.YAMLMap.prototype.has.bind(this);
        this.set = YAMLMap.YAMLMap.prototype.set.bind(this);
        this.tag = _YAMLOMap.tag;
      }
      /**
       * If `ctx` is given, the return type is actually `Map<unknown, unknown>`,
       * but TypeScript won't allow widening the signature of a child method.
       */
      toJSON(_, ctx) {
        if (!ctx)
          return super.toJSON(_);
        const map = /* @__PURE__ */ new Map();
        if (ctx?.onCreate)
          ctx.onCreate(map);
        for (const pair of this.items) {
          let key, value;
          if (identity2.isPair(pair)) {
            key = toJS.toJS(pair.key, "", ctx);
            value = toJS.toJS(pair.value, key, ctx);
          } else {
            key = toJS.toJS(pair, "", ctx);
          }
          if (map.has(key))
            throw new Error("Ordered maps must not include duplicate keys");
          map.set(key, value);
        }
        return map;
      }
      static from(schema, iterable, ctx) {
        const pairs$1 = pairs.createPairs(schema, iterable, ctx);
        const omap2 = new this();
        omap2.items = pairs$1.items;
        return omap2;
      }
    };
    YAMLOMap.tag = "tag:yaml.org,2002:omap";
    var omap = {
      collection: "seq",
      identify: (value) => value instanceof Map,
      nodeClass: YAMLOMap,
      default: false,
      tag: "tag:yaml.org,2002:omap",
      resolve(seq, onError) {
        const pairs$1 = pairs.resolvePairs(seq, onError);
        const seenKeys = [];
        for (const { key } of pairs$1.items) {
          if (identity2.isScalar(key)) {
            if (seenKeys.includes(key.value)) {
              onError(`Ordered maps must not include duplicate keys: ${key.value}`);
            } else {
              seenKeys.push(key.value);
            }
          }
        }
        return Object.assign(new YAMLOMap(), pairs$1);
      },
      createNode: (schema, iterable, ctx) => YAMLOMap.from(schema, iterable, ctx)
    };
    exports.YAMLOMap = YAMLOMap;
    exports.omap = omap;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/bool.js
var require_bool2 = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/bool.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    function boolStringify({ value, source: source2 }, ctx) {
      const boolObj = value ? trueTag : falseTag;
      if (source2 && boolObj.test.test(source2))
        return source2;
      return value ? ctx.options.trueStr : ctx.options.falseStr;
    }
    var trueTag = {
      identify: (value) => value === true,
      default: true,
      tag: "tag:yaml.org,2002:bool",
      test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
      resolve: () => new Scalar.Scalar(true),
      stringify: boolStringify
    };
    var falseTag = {
      identify: (value) => value === false,
      default: true,
      tag: "tag:yaml.org,2002:bool",
      test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
      resolve: () => new Scalar.Scalar(false),
      stringify: boolStringify
    };
    exports.falseTag = falseTag;
    exports.trueTag = trueTag;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/float.js
var require_float2 = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/float.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var stringifyNumber = require_stringifyNumber();
    var floatNaN = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
      resolve: (str2) => str2.slice(-3).toLowerCase() === "nan" ? NaN : str2[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
      stringify: stringifyNumber.stringifyNumber
    };
    var floatExp = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      format: "EXP",
      test: /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
      resolve: (str2) => parseFloat(str2.replace(/_/g, "")),
      stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
      }
    };
    var float = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      test: /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
      resolve(str2) {
        const node = new Scalar.Scalar(parseFloat(str2.replace(/_/g, "")));
        const dot = str2.indexOf(".");
        if (dot !== -1) {
          const f = str2.substring(dot + 1).replace(/_/g, "");
          if (f[f.length - 1] === "0")
            node.minFractionDigits = f.length;
        }
        return node;
      },
      stringify: stringifyNumber.stringifyNumber
    };
    exports.float = float;
    exports.floatExp = floatExp;
    exports.floatNaN = floatNaN;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/int.js
var require_int2 = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/int.js"(exports) {
    "use strict";
    var stringifyNumber = require_stringifyNumber();
    var intIdentify = (value) => typeof value === "bigint" || Number.isInteger(value);
    function intResolve(str2, offset, radix, { intAsBigInt }) {
      const sign = str2[0];
      if (sign === "-" || sign === "+")
        offset += 1;
      str2 = str2.substring(offset).replace(/_/g, "");
      if (intAsBigInt) {
        switch (radix) {
          case 2:
            str2 = `0b${str2}`;
            break;
          case 8:
            str2 = `0o${str2}`;
            break;
          case 16:
            str2 = `0x${str2}`;
            break;
        }
        const n2 = BigInt(str2);
        return sign === "-" ? BigInt(-1) * n2 : n2;
      }
      const n = parseInt(str2, radix);
      return sign === "-" ? -1 * n : n;
    }
    function intStringify(node, radix, prefix) {
      const { value } = node;
      if (intIdentify(value)) {
        const str2 = value.toString(radix);
        return value < 0 ? "-" + prefix + str2.substr(1) : prefix + str2;
      }
      return stringifyNumber.stringifyNumber(node);
    }
    var intBin = {
      identify: intIdentify,
      default: true,
      tag: "tag:yaml.org,2002:int",
      format: "BIN",
      test: /^[-+]?0b[0-1_]+$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 2, 2, opt),
      stringify: (node) => intStringify(node, 2, "0b")
    };
    var intOct = {
      identify: intIdentify,
      default: true,
      tag: "tag:yaml.org,2002:int",
      format: "OCT",
      test: /^[-+]?0[0-7_]+$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 1, 8, opt),
      stringify: (node) => intStringify(node, 8, "0")
    };
    var int = {
      identify: intIdentify,
      default: true,
      tag: "tag:yaml.org,2002:int",
      test: /^[-+]?[0-9][0-9_]*$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 0, 10, opt),
      stringify: stringifyNumber.stringifyNumber
    };
    var intHex = {
      identify: intIdentify,
      default: true,
      tag: "tag:yaml.org,2002:int",
      format: "HEX",
      test: /^[-+]?0x[0-9a-fA-F_]+$/,
      resolve: (str2, _onError, opt) => intResolve(str2, 2, 16, opt),
      stringify: (node) => intStringify(node, 16, "0x")
    };
    exports.int = int;
    exports.intBin = intBin;
    exports.intHex = intHex;
    exports.intOct = intOct;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/set.js
var require_set = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/set.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Pair = require_Pair();
    var YAMLMap = require_YAMLMap();
    var YAMLSet = class _YAMLSet extends YAMLMap.YAMLMap {
      constructor(schema) {
        super(schema);
        this.tag = _YAMLSet.tag;
      }
      add(key) {
        let pair;
        if (identity2.isPair(key))
          pair = key;
        else if (key && typeof key === "object" && "key" in key && "value" in key && key.value === null)
          pair = new Pair.Pair(key.key, null);
        else
          pair = new Pair.Pair(key, null);
        const prev = YAMLMap.findPair(this.items, pair.key);
        if (!prev)
          this.items.push(pair);
      }
      /**
       * If `keepPair` is `true`, returns the Pair matching `key`.
       * Otherwise, returns the value of that Pair's key.
       */
      get(key, keepPair) {
        const pair = YAMLMap.findPair(this.items, key);
        return !keepPair && identity2.isPair(pair) ? identity2.isScalar(pair.key) ? pair.key.value : pair.key : pair;
      }
      set(key, value) {
        if (typeof value !== "boolean")
          throw new Error(`Expected boolean value for set(key, value) in a YAML set, not ${typeof value}`);
        const prev = YAMLMap.findPair(this.items, key);
        if (prev && !value) {
          this.items.splice(this.items.indexOf(prev), 1);
        } else if (!prev && value) {
          this.items.push(new Pair.Pair(key));
        }
      }
      toJSON(_, ctx) {
        return super.toJSON(_, ctx, Set);
      }
      toString(ctx, onComment, onChompKeep) {
        if (!ctx)
          return JSON.stringify(this);
        if (this.hasAllNullValues(true))
          return super.toString(Object.assign({}, ctx, { allNullValues: true }), onComment, onChompKeep);
        else
          throw new Error("Set items must all have null values");
      }
      static from(schema, iterable, ctx) {
        const { replacer } = ctx;
        const set2 = new this(schema);
        if (iterable && Symbol.iterator in Object(iterable))
          for (let value of iterable) {
            if (typeof replacer === "function")
              value = replacer.call(iterable, value, value);
            set2.items.push(Pair.createPair(value, null, ctx));
          }
        return set2;
      }
    };
    YAMLSet.tag = "tag:yaml.org,2002:set";
    var set = {
      collection: "map",
      identify: (value) => value instanceof Set,
      nodeClass: YAMLSet,
      default: false,
      tag: "tag:yaml.org,2002:set",
      createNode: (schema, iterable, ctx) => YAMLSet.from(schema, iterable, ctx),
      resolve(map, onError) {
        if (identity2.isMap(map)) {
          if (map.hasAllNullValues(true))
            return Object.assign(new YAMLSet(), map);
          else
            onError("Set items must all have null values");
        } else
          onError("Expected a mapping for this tag");
        return map;
      }
    };
    exports.YAMLSet = YAMLSet;
    exports.set = set;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/timestamp.js
var require_timestamp = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/timestamp.js"(exports) {
    "use strict";
    var stringifyNumber = require_stringifyNumber();
    function parseSexagesimal(str2, asBigInt) {
      const sign = str2[0];
      const parts = sign === "-" || sign === "+" ? str2.substring(1) : str2;
      const num = (n) => asBigInt ? BigInt(n) : Number(n);
      const res = parts.replace(/_/g, "").split(":").reduce((res2, p) => res2 * num(60) + num(p), num(0));
      return sign === "-" ? num(-1) * res : res;
    }
    function stringifySexagesimal(node) {
      let { value } = node;
      let num = (n) => n;
      if (typeof value === "bigint")
        num = (n) => BigInt(n);
      else if (isNaN(value) || !isFinite(value))
        return stringifyNumber.stringifyNumber(node);
      let sign = "";
      if (value < 0) {
        sign = "-";
        value *= num(-1);
      }
      const _60 = num(60);
      const parts = [value % _60];
      if (value < 60) {
        parts.unshift(0);
      } else {
        value = (value - parts[0]) / _60;
        parts.unshift(value % _60);
        if (value >= 60) {
          value = (value - parts[0]) / _60;
          parts.unshift(value);
        }
      }
      return sign + parts.map((n) => String(n).padStart(2, "0")).join(":").replace(/000000\d*$/, "");
    }
    var intTime = {
      identify: (value) => typeof value === "bigint" || Number.isInteger(value),
      default: true,
      tag: "tag:yaml.org,2002:int",
      format: "TIME",
      test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
      resolve: (str2, _onError, { intAsBigInt }) => parseSexagesimal(str2, intAsBigInt),
      stringify: stringifySexagesimal
    };
    var floatTime = {
      identify: (value) => typeof value === "number",
      default: true,
      tag: "tag:yaml.org,2002:float",
      format: "TIME",
      test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
      resolve: (str2) => parseSexagesimal(str2, false),
      stringify: stringifySexagesimal
    };
    var timestamp = {
      identify: (value) => value instanceof Date,
      default: true,
      tag: "tag:yaml.org,2002:timestamp",
      // If the time zone is omitted, the timestamp is assumed to be specified in UTC. The time part
      // may be omitted altogether, resulting in a date format. In such a case, the time part is
      // assumed to be 00:00:00Z (start of day, UTC).
      test: RegExp("^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \\t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$"),
      resolve(str2) {
        const match = str2.match(timestamp.test);
        if (!match)
          throw new Error("!!timestamp expects a date, starting with yyyy-mm-dd");
        const [, year, month, day, hour, minute, second] = match.map(Number);
        const millisec = match[7] ? Number((match[7] + "00").substr(1, 3)) : 0;
        let date = Date.UTC(year, month - 1, day, hour || 0, minute || 0, second || 0, millisec);
        const tz = match[8];
        if (tz && tz !== "Z") {
          let d = parseSexagesimal(tz, false);
          if (Math.abs(d) < 30)
            d *= 60;
          date -= 6e4 * d;
        }
        return new Date(date);
      },
      stringify: ({ value }) => value?.toISOString().replace(/(T00:00:00)?\.000Z$/, "") ?? ""
    };
    exports.floatTime = floatTime;
    exports.intTime = intTime;
    exports.timestamp = timestamp;
  }
});

// node_modules/yaml/dist/schema/yaml-1.1/schema.js
var require_schema3 = __commonJS({
  "node_modules/yaml/dist/schema/yaml-1.1/schema.js"(exports) {
    "use strict";
    var map = require_map();
    var _null = require_null();
    var seq = require_seq();
    var string = require_string();
    var binary = require_binary();
    var bool = require_bool2();
    var float = require_float2();
    var int = require_int2();
    var merge = require_merge();
    var omap = require_omap();
    var pairs = require_pairs();
    var set = require_set();
    var timestamp = require_timestamp();
    var schema = [
      map.map,
      seq.seq,
      string.string,
      _null.nullTag,
      bool.trueTag,
      bool.falseTag,
      int.intBin,
      int.intOct,
      int.int,
      int.intHex,
      float.floatNaN,
      float.floatExp,
      float.float,
      binary.binary,
      merge.merge,
      omap.omap,
      pairs.pairs,
      set.set,
      timestamp.intTime,
      timestamp.floatTime,
      timestamp.timestamp
    ];
    exports.schema = schema;
  }
});

// node_modules/yaml/dist/schema/tags.js
var require_tags = __commonJS({
  "node_modules/yaml/dist/schema/tags.js"(exports) {
    "use strict";
    var map = require_map();
    var _null = require_null();
    var seq = require_seq();
    var string = require_string();
    var bool = require_bool();
    var float = require_float();
    var int = require_int();
    var schema = require_schema();
    var schema$1 = require_schema2();
    var binary = require_binary();
    var merge = require_merge();
    var omap = require_omap();
    var pairs = require_pairs();
    var schema$2 = require_schema3();
    var set = require_set();
    var timestamp = require_timestamp();
    var schemas = /* @__PURE__ */ new Map([
      ["core", schema.schema],
      ["failsafe", [map.map, seq.seq, string.string]],
      ["json", schema$1.schema],
      ["yaml11", schema$2.schema],
      ["yaml-1.1", schema$2.schema]
    ]);
    var tagsByName = {
      binary: binary.binary,
      bool: bool.boolTag,
      float: float.float,
      floatExp: float.floatExp,
      floatNaN: float.floatNaN,
      floatTime: timestamp.floatTime,
      int: int.int,
      intHex: int.intHex,
      intOct: int.intOct,
      intTime: timestamp.intTime,
      map: map.map,
      merge: merge.merge,
      null: _null.nullTag,
      omap: omap.omap,
      pairs: pairs.pairs,
      seq: seq.seq,
      set: set.set,
      timestamp: timestamp.timestamp
    };
    var coreKnownTags = {
      "tag:yaml.org,2002:binary": binary.binary,
      "tag:yaml.org,2002:merge": merge.merge,
      "tag:yaml.org,2002:omap": omap.omap,
      "tag:yaml.org,2002:pairs": pairs.pairs,
      "tag:yaml.org,2002:set": set.set,
      "tag:yaml.org,2002:timestamp": timestamp.timestamp
    };
    function getTags(customTags, schemaName, addMergeTag) {
      const schemaTags = schemas.get(schemaName);
      if (schemaTags && !customTags) {
        return addMergeTag && !schemaTags.includes(merge.merge) ? schemaTags.concat(merge.merge) : schemaTags.slice();
      }
      let tags = schemaTags;
      if (!tags) {
        if (Array.isArray(customTags))
          tags = [];
        else {
          const keys = Array.from(schemas.keys()).filter((key) => key !== "yaml11").map((key) => JSON.stringify(key)).join(", ");
          throw new Error(`Unknown schema "${schemaName}"; use one of ${keys} or define customTags array`);
        }
      }
      if (Array.isArray(customTags)) {
        for (const tag2 of customTags)
          tags = tags.concat(tag2);
      } else if (typeof customTags === "function") {
        tags = customTags(tags.slice());
      }
      if (addMergeTag)
        tags = tags.concat(merge.merge);
      return tags.reduce((tags2, tag2) => {
        const tagObj = typeof tag2 === "string" ? tagsByName[tag2] : tag2;
        if (!tagObj) {
          const tagName = JSON.stringify(tag2);
          const keys = Object.keys(tagsByName).map((key) => JSON.stringify(key)).join(", ");
          throw new Error(`Unknown custom tag ${tagName}; use one of ${keys}`);
        }
        if (!tags2.includes(tagObj))
          tags2.push(tagObj);
        return tags2;
      }, []);
    }
    exports.coreKnownTags = coreKnownTags;
    exports.getTags = getTags;
  }
});

// node_modules/yaml/dist/schema/Schema.js
var require_Schema = __commonJS({
  "node_modules/yaml/dist/schema/Schema.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var map = require_map();
    var seq = require_seq();
    var string = require_string();
    var tags = require_tags();
    var sortMapEntriesByKey = (a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    var Schema = class _Schema {
      constructor({ compat, customTags, merge, resolveKnownTags, schema, sortMapEntries, toStringDefaults }) {
        this.compat = Array.isArray(compat) ? tags.getTags(compat, "compat") : compat ? tags.getTags(null, compat) : null;
        this.name = typeof schema === "string" && schema || "core";
        this.knownTags = resolveKnownTags ? tags.coreKnownTags : {};
        this.tags = tags.getTags(customTags, this.name, merge);
        this.toStringOptions = toStringDefaults ?? null;
        Object.defineProperty(this, identity2.MAP, { value: map.map });
        Object.defineProperty(this, identity2.SCALAR, { value: string.string });
        Object.defineProperty(this, identity2.SEQ, { value: seq.seq });
        this.sortMapEntries = typeof sortMapEntries === "function" ? sortMapEntries : sortMapEntries === true ? sortMapEntriesByKey : null;
      }
      clone() {
        const copy = Object.create(_Schema.prototype, Object.getOwnPropertyDescriptors(this));
        copy.tags = this.tags.slice();
        return copy;
      }
    };
    exports.Schema = Schema;
  }
});

// node_modules/yaml/dist/stringify/stringifyDocument.js
var require_stringifyDocument = __commonJS({
  "node_modules/yaml/dist/stringify/stringifyDocument.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var stringify2 = require_stringify();
    var stringifyComment = require_stringifyComment();
    function stringifyDocument(doc, options) {
      const lines = [];
      let hasDirectives = options.directives === true;
      if (options.directives !== false && doc.directives) {
        const dir = doc.directives.toString(doc);
        if (dir) {
          lines.push(dir);
          hasDirectives = true;
        } else if (doc.directives.docStart)
          hasDirectives = true;
      }
      if (hasDirectives)
        lines.push("---");
      const ctx = stringify2.createStringifyContext(doc, options);
      const { commentString } = ctx.options;
      if (doc.commentBefore) {
        if (lines.length !== 1)
          lines.unshift("");
        const cs = commentString(doc.commentBefore);
        lines.unshift(stringifyComment.indentComment(cs, ""));
      }
      let chompKeep = false;
      let contentComment = null;
      if (doc.contents) {
        if (identity2.isNode(doc.contents)) {
          if (doc.contents.spaceBefore && hasDirectives)
            lines.push("");
          if (doc.contents.commentBefore) {
            const cs = commentString(doc.contents.commentBefore);
            lines.push(stringifyComment.indentComment(cs, ""));
          }
          ctx.forceBlockIndent = !!doc.comment;
          contentComment = doc.contents.comment;
        }
        const onChompKeep = contentComment ? void 0 : () => chompKeep = true;
        let body = stringify2.stringify(doc.contents, ctx, () => contentComment = null, onChompKeep);
        if (contentComment)
          body += stringifyComment.lineComment(body, "", commentString(contentComment));
        if ((body[0] === "|" || body[0] === ">") && lines[lines.length - 1] === "---") {
          lines[lines.length - 1] = `--- ${body}`;
        } else
          lines.push(body);
      } else {
        lines.push(stringify2.stringify(doc.contents, ctx));
      }
      if (doc.directives?.docEnd) {
        if (doc.comment) {
          const cs = commentString(doc.comment);
          if (cs.includes("\n")) {
            lines.push("...");
            lines.push(stringifyComment.indentComment(cs, ""));
          } else {
            lines.push(`... ${cs}`);
          }
        } else {
          lines.push("...");
        }
      } else {
        let dc = doc.comment;
        if (dc && chompKeep)
          dc = dc.replace(/^\n+/, "");
        if (dc) {
          if ((!chompKeep || contentComment) && lines[lines.length - 1] !== "")
            lines.push("");
          lines.push(stringifyComment.indentComment(commentString(dc), ""));
        }
      }
      return lines.join("\n") + "\n";
    }
    exports.stringifyDocument = stringifyDocument;
  }
});

// node_modules/yaml/dist/doc/Document.js
var require_Document = __commonJS({
  "node_modules/yaml/dist/doc/Document.js"(exports) {
    "use strict";
    var Alias = require_Alias();
    var Collection = require_Collection();
    var identity2 = require_identity();
    var Pair = require_Pair();
    var toJS = require_toJS();
    var Schema = require_Schema();
    var stringifyDocument = require_stringifyDocument();
    var anchors = require_anchors();
    var applyReviver = require_applyReviver();
    var createNode = require_createNode();
    var directives = require_directives();
    var Document = class _Document {
      constructor(value, replacer, options) {
        this.commentBefore = null;
        this.comment = null;
        this.errors = [];
        this.warnings = [];
        Object.defineProperty(this, identity2.NODE_TYPE, { value: identity2.DOC });
        let _replacer = null;
        if (typeof replacer === "function" || Array.isArray(replacer)) {
          _replacer = replacer;
        } else if (options === void 0 && replacer) {
          options = replacer;
          replacer = void 0;
        }
        const opt = Object.assign({
          intAsBigInt: false,
          keepSourceTokens: false,
          logLevel: "warn",
          prettyErrors: true,
          strict: true,
          stringKeys: false,
          uniqueKeys: true,
          version: "1.2"
        }, options);
        this.options = opt;
        let { version } = opt;
        if (options?._directives) {
          this.directives = options._directives.atDocument();
          if (this.directives.yaml.explicit)
            version = this.directives.yaml.version;
        } else
          this.directives = new directives.Directives({ version });
        this.setSchema(version, options);
        this.contents = value === void 0 ? null : this.createNode(value, _replacer, options);
      }
      /**
       * Create a deep copy of this Document and its contents.
       *
       * Custom Node values that inherit from `Object` still refer to their original instances.
       */
      clone() {
        const copy = Object.create(_Document.prototype, {
          [identity2.NODE_TYPE]: { value: identity2.DOC }
        });
        copy.commentBefore = this.commentBefore;
        copy.comment = this.comment;
        copy.errors = this.errors.slice();
        copy.warnings = this.warnings.slice();
        copy.options = Object.assign({}, this.options);
        if (this.directives)
          copy.directives = this.directives.clone();
        copy.schema = this.schema.clone();
        copy.contents = identity2.isNode(this.contents) ? this.contents.clone(copy.schema) : this.contents;
        if (this.range)
          copy.range = this.range.slice();
        return copy;
      }
      /** Adds a value to the document. */
      add(value) {
        if (assertCollection(this.contents))
          this.contents.add(value);
      }
      /** Adds a value to the document. */
      addIn(path, value) {
        if (assertCollection(this.contents))
          this.contents.addIn(path, value);
      }
      /**
       * Create a new `Alias` node, ensuring that the target `node` has the required anchor.
       *
       * If `node` already has an anchor, `name` is ignored.
       * Otherwise, the `node.anchor` value will be set to `name`,
       * or if an anchor with that name is already present in the document,
       * `name` will be used as a prefix for a new unique anchor.
       * If `name` is undefined, the generated anchor will use 'a' as a prefix.
       */
      createAlias(node, name) {
        if (!node.anchor) {
          const prev = anchors.anchorNames(this);
          node.anchor = // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
          !name || prev.has(name) ? anchors.findNewAnchor(name || "a", prev) : name;
        }
        return new Alias.Alias(node.anchor);
      }
      createNode(value, replacer, options) {
        let _replacer = void 0;
        if (typeof replacer === "function") {
          value = replacer.call({ "": value }, "", value);
          _replacer = replacer;
        } else if (Array.isArray(replacer)) {
          const keyToStr = (v) => typeof v === "number" || v instanceof String || v instanceof Number;
          const asStr = replacer.filter(keyToStr).map(String);
          if (asStr.length > 0)
            replacer = replacer.concat(asStr);
          _replacer = replacer;
        } else if (options === void 0 && replacer) {
          options = replacer;
          replacer = void 0;
        }
        const { aliasDuplicateObjects, anchorPrefix, flow, keepUndefined, onTagObj, tag: tag2 } = options ?? {};
        const { onAnchor, setAnchors, sourceObjects } = anchors.createNodeAnchors(
          this,
          // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
          anchorPrefix || "a"
        );
        const ctx = {
          aliasDuplicateObjects: aliasDuplicateObjects ?? true,
          keepUndefined: keepUndefined ?? false,
          onAnchor,
          onTagObj,
          replacer: _replacer,
          schema: this.schema,
          sourceObjects
        };
        const node = createNode.createNode(value, tag2, ctx);
        if (flow && identity2.isCollection(node))
          node.flow = true;
        setAnchors();
        return node;
      }
      /**
       * Convert a key and a value into a `Pair` using the current schema,
       * recursively wrapping all values as `Scalar` or `Collection` nodes.
       */
      createPair(key, value, options = {}) {
        const k = this.createNode(key, null, options);
        const v = this.createNode(value, null, options);
        return new Pair.Pair(k, v);
      }
      /**
       * Removes a value from the document.
       * @returns `true` if the item was found and removed.
       */
      delete(key) {
        return assertCollection(this.contents) ? this.contents.delete(key) : false;
      }
      /**
       * Removes a value from the document.
       * @returns `true` if the item was found and removed.
       */
      deleteIn(path) {
        if (Collection.isEmptyPath(path)) {
          if (this.contents == null)
            return false;
          this.contents = null;
          return true;
        }
        return assertCollection(this.contents) ? this.contents.deleteIn(path) : false;
      }
      /**
       * Returns item at `key`, or `undefined` if not found. By default unwraps
       * scalar values from their surrounding node; to disable set `keepScalar` to
       * `true` (collections are always returned intact).
       */
      get(key, keepScalar) {
        return identity2.isCollection(this.contents) ? this.contents.get(key, keepScalar) : void 0;
      }
      /**
       * Returns item at `path`, or `undefined` if not found. By default unwraps
       * scalar values from their surrounding node; to disable set `keepScalar` to
       * `true` (collections are always returned intact).
       */
      getIn(path, keepScalar) {
        if (Collection.isEmptyPath(path))
          return !keepScalar && identity2.isScalar(this.contents) ? this.contents.value : this.contents;
        return identity2.isCollection(this.contents) ? this.contents.getIn(path, keepScalar) : void 0;
      }
      /**
       * Checks if the document includes a value with the key `key`.
       */
      has(key) {
        return identity2.isCollection(this.contents) ? this.contents.has(key) : false;
      }
      /**
       * Checks if the document includes a value at `path`.
       */
      hasIn(path) {
        if (Collection.isEmptyPath(path))
          return this.contents !== void 0;
        return identity2.isCollection(this.contents) ? this.contents.hasIn(path) : false;
      }
      /**
       * Sets a value in this document. For `!!set`, `value` needs to be a
       * boolean to add/remove the item from the set.
       */
      set(key, value) {
        if (this.contents == null) {
          this.contents = Collection.collectionFromPath(this.schema, [key], value);
        } else if (assertCollection(this.contents)) {
          this.contents.set(key, value);
        }
      }
      /**
       * Sets a value in this document. For `!!set`, `value` needs to be a
       * boolean to add/remove the item from the set.
       */
      setIn(path, value) {
        if (Collection.isEmptyPath(path)) {
          this.contents = value;
        } else if (this.contents == null) {
          this.contents = Collection.collectionFromPath(this.schema, Array.from(path), value);
        } else if (assertCollection(this.contents)) {
          this.contents.setIn(path, value);
        }
      }
      /**
       * Change the YAML version and schema used by the document.
       * A `null` version disables support for directives, explicit tags, anchors, and aliases.
       * It also requires the `schema` option to be given as a `Schema` instance value.
       *
       * Overrides all previously set schema options.
       */
      setSchema(version, options = {}) {
        if (typeof version === "number")
          version = String(version);
        let opt;
        switch (version) {
          case "1.1":
            if (this.directives)
              this.directives.yaml.version = "1.1";
            else
              this.directives = new directives.Directives({ version: "1.1" });
            opt = { resolveKnownTags: false, schema: "yaml-1.1" };
            break;
          case "1.2":
          case "next":
            if (this.directives)
              this.directives.yaml.version = version;
            else
              this.directives = new directives.Directives({ version });
            opt = { resolveKnownTags: true, schema: "core" };
            break;
          case null:
            if (this.directives)
              delete this.directives;
            opt = null;
            break;
          default: {
            const sv = JSON.stringify(version);
            throw new Error(`Expected '1.1', '1.2' or null as first argument, but found: ${sv}`);
          }
        }
        if (options.schema instanceof Object)
          this.schema = options.schema;
        else if (opt)
          this.schema = new Schema.Schema(Object.assign(opt, options));
        else
          throw new Error(`With a null YAML version, the { schema: Schema } option is required`);
      }
      // json & jsonArg are only used from toJSON()
      toJS({ json, jsonArg, mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        const ctx = {
          anchors: /* @__PURE__ */ new Map(),
          doc: this,
          keep: !json,
          mapAsMap: mapAsMap === true,
          mapKeyWarned: false,
          maxAliasCount: typeof maxAliasCount === "number" ? maxAliasCount : 100
        };
        const res = toJS.toJS(this.contents, jsonArg ?? "", ctx);
        if (typeof onAnchor === "function")
          for (const { count, res: res2 } of ctx.anchors.values())
            onAnchor(res2, count);
        return typeof reviver === "function" ? applyReviver.applyReviver(reviver, { "": res }, "", res) : res;
      }
      /**
       * A JSON representation of the document `contents`.
       *
       * @param jsonArg Used by `JSON.stringify` to indicate the array index or
       *   property name.
       */
      toJSON(jsonArg, onAnchor) {
        return this.toJS({ json: true, jsonArg, mapAsMap: false, onAnchor });
      }
      /** A YAML representation of the document. */
      toString(options = {}) {
        if (this.errors.length > 0)
          throw new Error("Document with errors cannot be stringified");
        if ("indent" in options && (!Number.isInteger(options.indent) || Number(options.indent) <= 0)) {
          const s = JSON.stringify(options.indent);
          throw new Error(`"indent" option must be a positive integer, not ${s}`);
        }
        return stringifyDocument.stringifyDocument(this, options);
      }
    };
    function assertCollection(contents) {
      if (identity2.isCollection(contents))
        return true;
      throw new Error("Expected a YAML collection as document contents");
    }
    exports.Document = Document;
  }
});

// node_modules/yaml/dist/errors.js
var require_errors = __commonJS({
  "node_modules/yaml/dist/errors.js"(exports) {
    "use strict";
    var YAMLError = class extends Error {
      constructor(name, pos, code, message) {
        super();
        this.name = name;
        this.code = code;
        this.message = message;
        this.pos = pos;
      }
    };
    var YAMLParseError = class extends YAMLError {
      constructor(pos, code, message) {
        super("YAMLParseError", pos, code, message);
      }
    };
    var YAMLWarning = class extends YAMLError {
      constructor(pos, code, message) {
        super("YAMLWarning", pos, code, message);
      }
    };
    var prettifyError = (src, lc) => (error) => {
      if (error.pos[0] === -1)
        return;
      error.linePos = error.pos.map((pos) => lc.linePos(pos));
      const { line, col } = error.linePos[0];
      error.message += ` at line ${line}, column ${col}`;
      let ci = col - 1;
      let lineStr = src.substring(lc.lineStarts[line - 1], lc.lineStarts[line]).replace(/[\n\r]+$/, "");
      if (ci >= 60 && lineStr.length > 80) {
        const trimStart = Math.min(ci - 39, lineStr.length - 79);
        lineStr = "\u2026" + lineStr.substring(trimStart);
        ci -= trimStart - 1;
      }
      if (lineStr.length > 80)
        lineStr = lineStr.substring(0, 79) + "\u2026";
      if (line > 1 && /^ *$/.test(lineStr.substring(0, ci))) {
        let prev = src.substring(lc.lineStarts[line - 2], lc.lineStarts[line - 1]);
        if (prev.length > 80)
          prev = prev.substring(0, 79) + "\u2026\n";
        lineStr = prev + lineStr;
      }
      if (/[^ ]/.test(lineStr)) {
        let count = 1;
        const end = error.linePos[1];
        if (end?.line === line && end.col > col) {
          count = Math.max(1, Math.min(end.col - col, 80 - ci));
        }
        const pointer = " ".repeat(ci) + "^".repeat(count);
        error.message += `:

${lineStr}
${pointer}
`;
      }
    };
    exports.YAMLError = YAMLError;
    exports.YAMLParseError = YAMLParseError;
    exports.YAMLWarning = YAMLWarning;
    exports.prettifyError = prettifyError;
  }
});

// node_modules/yaml/dist/compose/resolve-props.js
var require_resolve_props = __commonJS({
  "node_modules/yaml/dist/compose/resolve-props.js"(exports) {
    "use strict";
    function resolveProps(tokens, { flow, indicator, next, offset, onError, parentIndent, startOnNewline }) {
      let spaceBefore = false;
      let atNewline = startOnNewline;
      let hasSpace = startOnNewline;
      let comment = "";
      let commentSep = "";
      let hasNewline = false;
      let reqSpace = false;
      let tab = null;
      let anchor = null;
      let tag2 = null;
      let newlineAfterProp = null;
      let comma = null;
      let found = null;
      let start = null;
      for (const token of tokens) {
        if (reqSpace) {
          if (token.type !== "space" && token.type !== "newline" && token.type !== "comma")
            onError(token.offset, "MISSING_CHAR", "Tags and anchors must be separated from the next token by white space");
          reqSpace = false;
        }
        if (tab) {
          if (atNewline && token.type !== "comment" && token.type !== "newline") {
            onError(tab, "TAB_AS_INDENT", "Tabs are not allowed as indentation");
          }
          tab = null;
        }
        switch (token.type) {
          case "space":
            if (!flow && (indicator !== "doc-start" || next?.type !== "flow-collection") && token.source.includes("	")) {
              tab = token;
            }
            hasSpace = true;
            break;
          case "comment": {
            if (!hasSpace)
              onError(token, "MISSING_CHAR", "Comments must be separated from other tokens by white space characters");
            const cb = token.source.substring(1) || " ";
            if (!comment)
              comment = cb;
            else
              comment += commentSep + cb;
            commentSep = "";
            atNewline = false;
            break;
          }
          case "newline":
            if (atNewline) {
              if (comment)
                comment += token.source;
              else if (!found || indicator !== "seq-item-ind")
                spaceBefore = true;
            } else
              commentSep += token.source;
            atNewline = true;
            hasNewline = true;
            if (anchor || tag2)
              newlineAfterProp = token;
            hasSpace = true;
            break;
          case "anchor":
            if (anchor)
              onError(token, "MULTIPLE_ANCHORS", "A node can have at most one anchor");
            if (token.source.endsWith(":"))
              onError(token.offset + token.source.length - 1, "BAD_ALIAS", "Anchor ending in : is ambiguous", true);
            anchor = token;
            start ?? (start = token.offset);
            atNewline = false;
            hasSpace = false;
            reqSpace = true;
            break;
          case "tag": {
            if (tag2)
              onError(token, "MULTIPLE_TAGS", "A node can have at most one tag");
            tag2 = token;
            start ?? (start = token.offset);
            atNewline = false;
            hasSpace = false;
            reqSpace = true;
            break;
          }
          case indicator:
            if (anchor || tag2)
              onError(token, "BAD_PROP_ORDER", `Anchors and tags must be after the ${token.source} indicator`);
            if (found)
              onError(token, "UNEXPECTED_TOKEN", `Unexpected ${token.source} in ${flow ?? "collection"}`);
            found = token;
            atNewline = indicator === "seq-item-ind" || indicator === "explicit-key-ind";
            hasSpace = false;
            break;
          case "comma":
            if (flow) {
              if (comma)
                onError(token, "UNEXPECTED_TOKEN", `Unexpected , in ${flow}`);
              comma = token;
              atNewline = false;
              hasSpace = false;
              break;
            }
          // else fallthrough
          default:
            onError(token, "UNEXPECTED_TOKEN", `Unexpected ${token.type} token`);
            atNewline = false;
            hasSpace = false;
        }
      }
      const last = tokens[tokens.length - 1];
      const end = last ? last.offset + last.source.length : offset;
      if (reqSpace && next && next.type !== "space" && next.type !== "newline" && next.type !== "comma" && (next.type !== "scalar" || next.source !== "")) {
        onError(next.offset, "MISSING_CHAR", "Tags and anchors must be separated from the next token by white space");
      }
      if (tab && (atNewline && tab.indent <= parentIndent || next?.type === "block-map" || next?.type === "block-seq"))
        onError(tab, "TAB_AS_INDENT", "Tabs are not allowed as indentation");
      return {
        comma,
        found,
        spaceBefore,
        comment,
        hasNewline,
        anchor,
        tag: tag2,
        newlineAfterProp,
        end,
        start: start ?? end
      };
    }
    exports.resolveProps = resolveProps;
  }
});

// node_modules/yaml/dist/compose/util-contains-newline.js
var require_util_contains_newline = __commonJS({
  "node_modules/yaml/dist/compose/util-contains-newline.js"(exports) {
    "use strict";
    function containsNewline(key) {
      if (!key)
        return null;
      switch (key.type) {
        case "alias":
        case "scalar":
        case "double-quoted-scalar":
        case "single-quoted-scalar":
          if (key.source.includes("\n"))
            return true;
          if (key.end) {
            for (const st of key.end)
              if (st.type === "newline")
                return true;
          }
          return false;
        case "flow-collection":
          for (const it of key.items) {
            for (const st of it.start)
              if (st.type === "newline")
                return true;
            if (it.sep) {
              for (const st of it.sep)
                if (st.type === "newline")
                  return true;
            }
            if (containsNewline(it.key) || containsNewline(it.value))
              return true;
          }
          return false;
        default:
          return true;
      }
    }
    exports.containsNewline = containsNewline;
  }
});

// node_modules/yaml/dist/compose/util-flow-indent-check.js
var require_util_flow_indent_check = __commonJS({
  "node_modules/yaml/dist/compose/util-flow-indent-check.js"(exports) {
    "use strict";
    var utilContainsNewline = require_util_contains_newline();
    function flowIndentCheck(indent, fc, onError) {
      if (fc?.type === "flow-collection") {
        const end = fc.end[0];
        if (end.indent === indent && (end.source === "]" || end.source === "}") && utilContainsNewline.containsNewline(fc)) {
          const msg = "Flow end indicator should be more indented than parent";
          onError(end, "BAD_INDENT", msg, true);
        }
      }
    }
    exports.flowIndentCheck = flowIndentCheck;
  }
});

// node_modules/yaml/dist/compose/util-map-includes.js
var require_util_map_includes = __commonJS({
  "node_modules/yaml/dist/compose/util-map-includes.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    function mapIncludes(ctx, items, search) {
      const { uniqueKeys } = ctx.options;
      if (uniqueKeys === false)
        return false;
      const isEqual = typeof uniqueKeys === "function" ? uniqueKeys : (a, b) => a === b || identity2.isScalar(a) && identity2.isScalar(b) && a.value === b.value;
      return items.some((pair) => isEqual(pair.key, search));
    }
    exports.mapIncludes = mapIncludes;
  }
});

// node_modules/yaml/dist/compose/resolve-block-map.js
var require_resolve_block_map = __commonJS({
  "node_modules/yaml/dist/compose/resolve-block-map.js"(exports) {
    "use strict";
    var Pair = require_Pair();
    var YAMLMap = require_YAMLMap();
    var resolveProps = require_resolve_props();
    var utilContainsNewline = require_util_contains_newline();
    var utilFlowIndentCheck = require_util_flow_indent_check();
    var utilMapIncludes = require_util_map_includes();
    var startColMsg = "All mapping items must start at the same column";
    function resolveBlockMap({ composeNode, composeEmptyNode }, ctx, bm, onError, tag2) {
      const NodeClass = tag2?.nodeClass ?? YAMLMap.YAMLMap;
      const map = new NodeClass(ctx.schema);
      if (ctx.atRoot)
        ctx.atRoot = false;
      let offset = bm.offset;
      let commentEnd = null;
      for (const collItem of bm.items) {
        const { start, key, sep: sep3, value } = collItem;
        const keyProps = resolveProps.resolveProps(start, {
          indicator: "explicit-key-ind",
          next: key ?? sep3?.[0],
          offset,
          onError,
          parentIndent: bm.indent,
          startOnNewline: true
        });
        const implicitKey = !keyProps.found;
        if (implicitKey) {
          if (key) {
            if (key.type === "block-seq")
              onError(offset, "BLOCK_AS_IMPLICIT_KEY", "A block sequence may not be used as an implicit map key");
            else if ("indent" in key && key.indent !== bm.indent)
              onError(offset, "BAD_INDENT", startColMsg);
          }
          if (!keyProps.anchor && !keyProps.tag && !sep3) {
            commentEnd = keyProps.end;
            if (keyProps.comment) {
              if (map.comment)
                map.comment += "\n" + keyProps.comment;
              else
                map.comment = keyProps.comment;
            }
            continue;
          }
          if (keyProps.newlineAfterProp || utilContainsNewline.containsNewline(key)) {
            onError(key ?? start[start.length - 1], "MULTILINE_IMPLICIT_KEY", "Implicit keys need to be on a single line");
          }
        } else if (keyProps.found?.indent !== bm.indent) {
          onError(offset, "BAD_INDENT", startColMsg);
        }
        ctx.atKey = true;
        const keyStart = keyProps.end;
        const keyNode = key ? composeNode(ctx, key, keyProps, onError) : composeEmptyNode(ctx, keyStart, start, null, keyProps, onError);
        if (ctx.schema.compat)
          utilFlowIndentCheck.flowIndentCheck(bm.indent, key, onError);
        ctx.atKey = false;
        if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
          onError(keyStart, "DUPLICATE_KEY", "Map keys must be unique");
        const valueProps = resolveProps.resolveProps(sep3 ?? [], {
          indicator: "map-value-ind",
          next: value,
          offset: keyNode.range[2],
          onError,
          parentIndent: bm.indent,
          startOnNewline: !key || key.type === "block-scalar"
        });
        offset = valueProps.end;
        if (valueProps.found) {
          if (implicitKey) {
            if (value?.type === "block-map" && !valueProps.hasNewline)
              onError(offset, "BLOCK_AS_IMPLICIT_KEY", "Nested mappings are not allowed in compact mappings");
            if (ctx.options.strict && keyProps.start < valueProps.found.offset - 1024)
              onError(keyNode.range, "KEY_OVER_1024_CHARS", "The : indicator must be at most 1024 chars after the start of an implicit block mapping key");
          }
          const valueNode = value ? composeNode(ctx, value, valueProps, onError) : composeEmptyNode(ctx, offset, sep3, null, valueProps, onError);
          if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bm.indent, value, onError);
          offset = valueNode.range[2];
          const pair = new Pair.Pair(keyNode, valueNode);
          if (ctx.options.keepSourceTokens)
            pair.srcToken = collItem;
          map.items.push(pair);
        } else {
          if (implicitKey)
            onError(keyNode.range, "MISSING_CHAR", "Implicit map keys need to be followed by map values");
          if (valueProps.comment) {
            if (keyNode.comment)
              keyNode.comment += "\n" + valueProps.comment;
            else
              keyNode.comment = valueProps.comment;
          }
          const pair = new Pair.Pair(keyNode);
          if (ctx.options.keepSourceTokens)
            pair.srcToken = collItem;
          map.items.push(pair);
        }
      }
      if (commentEnd && commentEnd < offset)
        onError(commentEnd, "IMPOSSIBLE", "Map comment with trailing content");
      map.range = [bm.offset, offset, commentEnd ?? offset];
      return map;
    }
    exports.resolveBlockMap = resolveBlockMap;
  }
});

// node_modules/yaml/dist/compose/resolve-block-seq.js
var require_resolve_block_seq = __commonJS({
  "node_modules/yaml/dist/compose/resolve-block-seq.js"(exports) {
    "use strict";
    var YAMLSeq = require_YAMLSeq();
    var resolveProps = require_resolve_props();
    var utilFlowIndentCheck = require_util_flow_indent_check();
    function resolveBlockSeq({ composeNode, composeEmptyNode }, ctx, bs, onError, tag2) {
      const NodeClass = tag2?.nodeClass ?? YAMLSeq.YAMLSeq;
      const seq = new NodeClass(ctx.schema);
      if (ctx.atRoot)
        ctx.atRoot = false;
      if (ctx.atKey)
        ctx.atKey = false;
      let offset = bs.offset;
      let commentEnd = null;
      for (const { start, value } of bs.items) {
        const props = resolveProps.resolveProps(start, {
          indicator: "seq-item-ind",
          next: value,
          offset,
          onError,
          parentIndent: bs.indent,
          startOnNewline: true
        });
        if (!props.found) {
          if (props.anchor || props.tag || value) {
            if (value?.type === "block-seq")
              onError(props.end, "BAD_INDENT", "All sequence items must start at the same column");
            else
              onError(offset, "MISSING_CHAR", "Sequence item without - indicator");
          } else {
            commentEnd = props.end;
            if (props.comment)
              seq.comment = props.comment;
            continue;
          }
        }
        const node = value ? composeNode(ctx, value, props, onError) : composeEmptyNode(ctx, props.end, start, null, props, onError);
        if (ctx.schema.compat)
          utilFlowIndentCheck.flowIndentCheck(bs.indent, value, onError);
        offset = node.range[2];
        seq.items.push(node);
      }
      seq.range = [bs.offset, offset, commentEnd ?? offset];
      return seq;
    }
    exports.resolveBlockSeq = resolveBlockSeq;
  }
});

// node_modules/yaml/dist/compose/resolve-end.js
var require_resolve_end = __commonJS({
  "node_modules/yaml/dist/compose/resolve-end.js"(exports) {
    "use strict";
    function resolveEnd(end, offset, reqSpace, onError) {
      let comment = "";
      if (end) {
        let hasSpace = false;
        let sep3 = "";
        for (const token of end) {
          const { source: source2, type } = token;
          switch (type) {
            case "space":
              hasSpace = true;
              break;
            case "comment": {
              if (reqSpace && !hasSpace)
                onError(token, "MISSING_CHAR", "Comments must be separated from other tokens by white space characters");
              const cb = source2.substring(1) || " ";
              if (!comment)
                comment = cb;
              else
                comment += sep3 + cb;
              sep3 = "";
              break;
            }
            case "newline":
              if (comment)
                sep3 += source2;
              hasSpace = true;
              break;
            default:
              onError(token, "UNEXPECTED_TOKEN", `Unexpected ${type} at node end`);
          }
          offset += source2.length;
        }
      }
      return { comment, offset };
    }
    exports.resolveEnd = resolveEnd;
  }
});

// node_modules/yaml/dist/compose/resolve-flow-collection.js
var require_resolve_flow_collection = __commonJS({
  "node_modules/yaml/dist/compose/resolve-flow-collection.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Pair = require_Pair();
    var YAMLMap = require_YAMLMap();
    var YAMLSeq = require_YAMLSeq();
    var resolveEnd = require_resolve_end();
    var resolveProps = require_resolve_props();
    var utilContainsNewline = require_util_contains_newline();
    var utilMapIncludes = require_util_map_includes();
    var blockMsg = "Block collections are not allowed within flow collections";
    var isBlock = (token) => token && (token.type === "block-map" || token.type === "block-seq");
    function resolveFlowCollection({ composeNode, composeEmptyNode }, ctx, fc, onError, tag2) {
      const isMap2 = fc.start.source === "{";
      const fcName = isMap2 ? "flow map" : "flow sequence";
      const NodeClass = tag2?.nodeClass ?? (isMap2 ? YAMLMap.YAMLMap : YAMLSeq.YAMLSeq);
      const coll = new NodeClass(ctx.schema);
      coll.flow = true;
      const atRoot = ctx.atRoot;
      if (atRoot)
        ctx.atRoot = false;
      if (ctx.atKey)
        ctx.atKey = false;
      let offset = fc.offset + fc.start.source.length;
      for (let i = 0; i < fc.items.length; ++i) {
        const collItem = fc.items[i];
        const { start, key, sep: sep3, value } = collItem;
        const props = resolveProps.resolveProps(start, {
          flow: fcName,
          indicator: "explicit-key-ind",
          next: key ?? sep3?.[0],
          offset,
          onError,
          parentIndent: fc.indent,
          startOnNewline: false
        });
        if (!props.found) {
          if (!props.anchor && !props.tag && !sep3 && !value) {
            if (i === 0 && props.comma)
              onError(props.comma, "UNEXPECTED_TOKEN", `Unexpected , in ${fcName}`);
            else if (i < fc.items.length - 1)
              onError(props.start, "UNEXPECTED_TOKEN", `Unexpected empty item in ${fcName}`);
            if (props.comment) {
              if (coll.comment)
                coll.comment += "\n" + props.comment;
              else
                coll.comment = props.comment;
            }
            offset = props.end;
            continue;
          }
          if (!isMap2 && ctx.options.strict && utilContainsNewline.containsNewline(key))
            onError(
              key,
              // checked by containsNewline()
              "MULTILINE_IMPLICIT_KEY",
              "Implicit keys of flow sequence pairs need to be on a single line"
            );
        }
        if (i === 0) {
          if (props.comma)
            onError(props.comma, "UNEXPECTED_TOKEN", `Unexpected , in ${fcName}`);
        } else {
          if (!props.comma)
            onError(props.start, "MISSING_CHAR", `Missing , between ${fcName} items`);
          if (props.comment) {
            let prevItemComment = "";
            loop: for (const st of start) {
              switch (st.type) {
                case "comma":
                case "space":
                  break;
                case "comment":
                  prevItemComment = st.source.substring(1);
                  break loop;
                default:
                  break loop;
              }
            }
            if (prevItemComment) {
              let prev = coll.items[coll.items.length - 1];
              if (identity2.isPair(prev))
                prev = prev.value ?? prev.key;
              if (prev.comment)
                prev.comment += "\n" + prevItemComment;
              else
                prev.comment = prevItemComment;
              props.comment = props.comment.substring(prevItemComment.length + 1);
            }
          }
        }
        if (!isMap2 && !sep3 && !props.found) {
          const valueNode = value ? composeNode(ctx, value, props, onError) : composeEmptyNode(ctx, props.end, sep3, null, props, onError);
          coll.items.push(valueNode);
          offset = valueNode.range[2];
          if (isBlock(value))
            onError(valueNode.range, "BLOCK_IN_FLOW", blockMsg);
        } else {
          ctx.atKey = true;
          const keyStart = props.end;
          const keyNode = key ? composeNode(ctx, key, props, onError) : composeEmptyNode(ctx, keyStart, start, null, props, onError);
          if (isBlock(key))
            onError(keyNode.range, "BLOCK_IN_FLOW", blockMsg);
          ctx.atKey = false;
          const valueProps = resolveProps.resolveProps(sep3 ?? [], {
            flow: fcName,
            indicator: "map-value-ind",
            next: value,
            offset: keyNode.range[2],
            onError,
            parentIndent: fc.indent,
            startOnNewline: false
          });
          if (valueProps.found) {
            if (!isMap2 && !props.found && ctx.options.strict) {
              if (sep3)
                for (const st of sep3) {
                  if (st === valueProps.found)
                    break;
                  if (st.type === "newline") {
                    onError(st, "MULTILINE_IMPLICIT_KEY", "Implicit keys of flow sequence pairs need to be on a single line");
                    break;
                  }
                }
              if (props.start < valueProps.found.offset - 1024)
                onError(valueProps.found, "KEY_OVER_1024_CHARS", "The : indicator must be at most 1024 chars after the start of an implicit flow sequence key");
            }
          } else if (value) {
            if ("source" in value && value.source?.[0] === ":")
              onError(value, "MISSING_CHAR", `Missing space after : in ${fcName}`);
            else
              onError(valueProps.start, "MISSING_CHAR", `Missing , or : between ${fcName} items`);
          }
          const valueNode = value ? composeNode(ctx, value, valueProps, onError) : valueProps.found ? composeEmptyNode(ctx, valueProps.end, sep3, null, valueProps, onError) : null;
          if (valueNode) {
            if (isBlock(value))
              onError(valueNode.range, "BLOCK_IN_FLOW", blockMsg);
          } else if (valueProps.comment) {
            if (keyNode.comment)
              keyNode.comment += "\n" + valueProps.comment;
            else
              keyNode.comment = valueProps.comment;
          }
          const pair = new Pair.Pair(keyNode, valueNode);
          if (ctx.options.keepSourceTokens)
            pair.srcToken = collItem;
          if (isMap2) {
            const map = coll;
            if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
              onError(keyStart, "DUPLICATE_KEY", "Map keys must be unique");
            map.items.push(pair);
          } else {
            const map = new YAMLMap.YAMLMap(ctx.schema);
            map.flow = true;
            map.items.push(pair);
            const endRange = (valueNode ?? keyNode).range;
            map.range = [keyNode.range[0], endRange[1], endRange[2]];
            coll.items.push(map);
          }
          offset = valueNode ? valueNode.range[2] : valueProps.end;
        }
      }
      const expectedEnd = isMap2 ? "}" : "]";
      const [ce, ...ee] = fc.end;
      let cePos = offset;
      if (ce?.source === expectedEnd)
        cePos = ce.offset + ce.source.length;
      else {
        const name = fcName[0].toUpperCase() + fcName.substring(1);
        const msg = atRoot ? `${name} must end with a ${expectedEnd}` : `${name} in block collection must be sufficiently indented and end with a ${expectedEnd}`;
        onError(offset, atRoot ? "MISSING_CHAR" : "BAD_INDENT", msg);
        if (ce && ce.source.length !== 1)
          ee.unshift(ce);
      }
      if (ee.length > 0) {
        const end = resolveEnd.resolveEnd(ee, cePos, ctx.options.strict, onError);
        if (end.comment) {
          if (coll.comment)
            coll.comment += "\n" + end.comment;
          else
            coll.comment = end.comment;
        }
        coll.range = [fc.offset, cePos, end.offset];
      } else {
        coll.range = [fc.offset, cePos, cePos];
      }
      return coll;
    }
    exports.resolveFlowCollection = resolveFlowCollection;
  }
});

// node_modules/yaml/dist/compose/compose-collection.js
var require_compose_collection = __commonJS({
  "node_modules/yaml/dist/compose/compose-collection.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Scalar = require_Scalar();
    var YAMLMap = require_YAMLMap();
    var YAMLSeq = require_YAMLSeq();
    var resolveBlockMap = require_resolve_block_map();
    var resolveBlockSeq = require_resolve_block_seq();
    var resolveFlowCollection = require_resolve_flow_collection();
    function resolveCollection(CN, ctx, token, onError, tagName, tag2) {
      const coll = token.type === "block-map" ? resolveBlockMap.resolveBlockMap(CN, ctx, token, onError, tag2) : token.type === "block-seq" ? resolveBlockSeq.resolveBlockSeq(CN, ctx, token, onError, tag2) : resolveFlowCollection.resolveFlowCollection(CN, ctx, token, onError, tag2);
      const Coll = coll.constructor;
      if (tagName === "!" || tagName === Coll.tagName) {
        coll.tag = Coll.tagName;
        return coll;
      }
      if (tagName)
        coll.tag = tagName;
      return coll;
    }
    function composeCollection(CN, ctx, token, props, onError) {
      const tagToken = props.tag;
      const tagName = !tagToken ? null : ctx.directives.tagName(tagToken.source, (msg) => onError(tagToken, "TAG_RESOLVE_FAILED", msg));
      if (token.type === "block-seq") {
        const { anchor, newlineAfterProp: nl } = props;
        const lastProp = anchor && tagToken ? anchor.offset > tagToken.offset ? anchor : tagToken : anchor ?? tagToken;
        if (lastProp && (!nl || nl.offset < lastProp.offset)) {
          const message = "Missing newline after block sequence props";
          onError(lastProp, "MISSING_CHAR", message);
        }
      }
      const expType = token.type === "block-map" ? "map" : token.type === "block-seq" ? "seq" : token.start.source === "{" ? "map" : "seq";
      if (!tagToken || !tagName || tagName === "!" || tagName === YAMLMap.YAMLMap.tagName && expType === "map" || tagName === YAMLSeq.YAMLSeq.tagName && expType === "seq") {
        return resolveCollection(CN, ctx, token, onError, tagName);
      }
      let tag2 = ctx.schema.tags.find((t) => t.tag === tagName && t.collection === expType);
      if (!tag2) {
        const kt = ctx.schema.knownTags[tagName];
        if (kt?.collection === expType) {
          ctx.schema.tags.push(Object.assign({}, kt, { default: false }));
          tag2 = kt;
        } else {
          if (kt) {
            onError(tagToken, "BAD_COLLECTION_TYPE", `${kt.tag} used for ${expType} collection, but expects ${kt.collection ?? "scalar"}`, true);
          } else {
            onError(tagToken, "TAG_RESOLVE_FAILED", `Unresolved tag: ${tagName}`, true);
          }
          return resolveCollection(CN, ctx, token, onError, tagName);
        }
      }
      const coll = resolveCollection(CN, ctx, token, onError, tagName, tag2);
      const res = tag2.resolve?.(coll, (msg) => onError(tagToken, "TAG_RESOLVE_FAILED", msg), ctx.options) ?? coll;
      const node = identity2.isNode(res) ? res : new Scalar.Scalar(res);
      node.range = coll.range;
      node.tag = tagName;
      if (tag2?.format)
        node.format = tag2.format;
      return node;
    }
    exports.composeCollection = composeCollection;
  }
});

// node_modules/yaml/dist/compose/resolve-block-scalar.js
var require_resolve_block_scalar = __commonJS({
  "node_modules/yaml/dist/compose/resolve-block-scalar.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    function resolveBlockScalar(ctx, scalar, onError) {
      const start = scalar.offset;
      const header = parseBlockScalarHeader(scalar, ctx.options.strict, onError);
      if (!header)
        return { value: "", type: null, comment: "", range: [start, start, start] };
      const type = header.mode === ">" ? Scalar.Scalar.BLOCK_FOLDED : Scalar.Scalar.BLOCK_LITERAL;
      const lines = scalar.source ? splitLines(scalar.source) : [];
      let chompStart = lines.length;
      for (let i = lines.length - 1; i >= 0; --i) {
        const content = lines[i][1];
        if (content === "" || content === "\r")
          chompStart = i;
        else
          break;
      }
      if (chompStart === 0) {
        const value2 = header.chomp === "+" && lines.length > 0 ? "\n".repeat(Math.max(1, lines.length - 1)) : "";
        let end2 = start + header.length;
        if (scalar.source)
          end2 += scalar.source.length;
        return { value: value2, type, comment: header.comment, range: [start, end2, end2] };
      }
      let trimIndent = scalar.indent + header.indent;
      let offset = scalar.offset + header.length;
      let contentStart = 0;
      for (let i = 0; i < chompStart; ++i) {
        const [indent, content] = lines[i];
        if (content === "" || content === "\r") {
          if (header.indent === 0 && indent.length > trimIndent)
            trimIndent = indent.length;
        } else {
          if (indent.length < trimIndent) {
            const message = "Block scalars with more-indented leading empty lines must use an explicit indentation indicator";
            onError(offset + indent.length, "MISSING_CHAR", message);
          }
          if (header.indent === 0)
            trimIndent = indent.length;
          contentStart = i;
          if (trimIndent === 0 && !ctx.atRoot) {
            const message = "Block scalar values in collections must be indented";
            onError(offset, "BAD_INDENT", message);
          }
          break;
        }
        offset += indent.length + content.length + 1;
      }
      for (let i = lines.length - 1; i >= chompStart; --i) {
        if (lines[i][0].length > trimIndent)
          chompStart = i + 1;
      }
      let value = "";
      let sep3 = "";
      let prevMoreIndented = false;
      for (let i = 0; i < contentStart; ++i)
        value += lines[i][0].slice(trimIndent) + "\n";
      for (let i = contentStart; i < chompStart; ++i) {
        let [indent, content] = lines[i];
        offset += indent.length + content.length + 1;
        const crlf = content[content.length - 1] === "\r";
        if (crlf)
          content = content.slice(0, -1);
        if (content && indent.length < trimIndent) {
          const src = header.indent ? "explicit indentation indicator" : "first line";
          const message = `Block scalar lines must not be less indented than their ${src}`;
          onError(offset - content.length - (crlf ? 2 : 1), "BAD_INDENT", message);
          indent = "";
        }
        if (type === Scalar.Scalar.BLOCK_LITERAL) {
          value += sep3 + indent.slice(trimIndent) + content;
          sep3 = "\n";
        } else if (indent.length > trimIndent || content[0] === "	") {
          if (sep3 === " ")
            sep3 = "\n";
          else if (!prevMoreIndented && sep3 === "\n")
            sep3 = "\n\n";
          value += sep3 + indent.slice(trimIndent) + content;
          sep3 = "\n";
          prevMoreIndented = true;
        } else if (content === "") {
          if (sep3 === "\n")
            value += "\n";
          else
            sep3 = "\n";
        } else {
          value += sep3 + content;
          sep3 = " ";
          prevMoreIndented = false;
        }
      }
      switch (header.chomp) {
        case "-":
          break;
        case "+":
          for (let i = chompStart; i < lines.length; ++i)
            value += "\n" + lines[i][0].slice(trimIndent);
          if (value[value.length - 1] !== "\n")
            value += "\n";
          break;
        default:
          value += "\n";
      }
      const end = start + header.length + scalar.source.length;
      return { value, type, comment: header.comment, range: [start, end, end] };
    }
    function parseBlockScalarHeader({ offset, props }, strict, onError) {
      if (props[0].type !== "block-scalar-header") {
        onError(props[0], "IMPOSSIBLE", "Block scalar header not found");
        return null;
      }
      const { source: source2 } = props[0];
      const mode = source2[0];
      let indent = 0;
      let chomp = "";
      let error = -1;
      for (let i = 1; i < source2.length; ++i) {
        const ch = source2[i];
        if (!chomp && (ch === "-" || ch === "+"))
          chomp = ch;
        else {
          const n = Number(ch);
          if (!indent && n)
            indent = n;
          else if (error === -1)
            error = offset + i;
        }
      }
      if (error !== -1)
        onError(error, "UNEXPECTED_TOKEN", `Block scalar header includes extra characters: ${source2}`);
      let hasSpace = false;
      let comment = "";
      let length = source2.length;
      for (let i = 1; i < props.length; ++i) {
        const token = props[i];
        switch (token.type) {
          case "space":
            hasSpace = true;
          // fallthrough
          case "newline":
            length += token.source.length;
            break;
          case "comment":
            if (strict && !hasSpace) {
              const message = "Comments must be separated from other tokens by white space characters";
              onError(token, "MISSING_CHAR", message);
            }
            length += token.source.length;
            comment = token.source.substring(1);
            break;
          case "error":
            onError(token, "UNEXPECTED_TOKEN", token.message);
            length += token.source.length;
            break;
          /* istanbul ignore next should not happen */
          default: {
            const message = `Unexpected token in block scalar header: ${token.type}`;
            onError(token, "UNEXPECTED_TOKEN", message);
            const ts = token.source;
            if (ts && typeof ts === "string")
              length += ts.length;
          }
        }
      }
      return { mode, indent, chomp, comment, length };
    }
    function splitLines(source2) {
      const split = source2.split(/\n( *)/);
      const first = split[0];
      const m = first.match(/^( *)/);
      const line0 = m?.[1] ? [m[1], first.slice(m[1].length)] : ["", first];
      const lines = [line0];
      for (let i = 1; i < split.length; i += 2)
        lines.push([split[i], split[i + 1]]);
      return lines;
    }
    exports.resolveBlockScalar = resolveBlockScalar;
  }
});

// node_modules/yaml/dist/compose/resolve-flow-scalar.js
var require_resolve_flow_scalar = __commonJS({
  "node_modules/yaml/dist/compose/resolve-flow-scalar.js"(exports) {
    "use strict";
    var Scalar = require_Scalar();
    var resolveEnd = require_resolve_end();
    function resolveFlowScalar(scalar, strict, onError) {
      const { offset, type, source: source2, end } = scalar;
      let _type;
      let value;
      const _onError = (rel, code, msg) => onError(offset + rel, code, msg);
      switch (type) {
        case "scalar":
          _type = Scalar.Scalar.PLAIN;
          value = plainValue(source2, _onError);
          break;
        case "single-quoted-scalar":
          _type = Scalar.Scalar.QUOTE_SINGLE;
          value = singleQuotedValue(source2, _onError);
          break;
        case "double-quoted-scalar":
          _type = Scalar.Scalar.QUOTE_DOUBLE;
          value = doubleQuotedValue(source2, _onError);
          break;
        /* istanbul ignore next should not happen */
        default:
          onError(scalar, "UNEXPECTED_TOKEN", `Expected a flow scalar value, but found: ${type}`);
          return {
            value: "",
            type: null,
            comment: "",
            range: [offset, offset + source2.length, offset + source2.length]
          };
      }
      const valueEnd = offset + source2.length;
      const re = resolveEnd.resolveEnd(end, valueEnd, strict, onError);
      return {
        value,
        type: _type,
        comment: re.comment,
        range: [offset, valueEnd, re.offset]
      };
    }
    function plainValue(source2, onError) {
      let badChar = "";
      switch (source2[0]) {
        /* istanbul ignore next should not happen */
        case "	":
          badChar = "a tab character";
          break;
        case ",":
          badChar = "flow indicator character ,";
          break;
        case "%":
          badChar = "directive indicator character %";
          break;
        case "|":
        case ">": {
          badChar = `block scalar indicator ${source2[0]}`;
          break;
        }
        case "@":
        case "`": {
          badChar = `reserved character ${source2[0]}`;
          break;
        }
      }
      if (badChar)
        onError(0, "BAD_SCALAR_START", `Plain value cannot start with ${badChar}`);
      return unfoldLines(source2);
    }
    function singleQuotedValue(source2, onError) {
      if (source2[source2.length - 1] !== "'" || source2.length === 1)
        onError(source2.length, "MISSING_CHAR", "Missing closing 'quote");
      return unfoldLines(source2.slice(1, -1)).replace(/''/g, "'");
    }
    function unfoldLines(source2) {
      const line = /(.*?)\r?\n/sy;
      let match = line.exec(source2);
      if (!match)
        return source2;
      let trimEnd, trimBoth;
      try {
        trimEnd = new RegExp("(?<![ 	])[ 	]+$");
        trimBoth = new RegExp("^[ 	]+|(?<![ 	])[ 	]+$", "g");
      } catch {
        trimEnd = /[ \t]+$/;
        trimBoth = /^[ \t]+|[ \t]+$/g;
      }
      let res = match[1].replace(trimEnd, "");
      let sep3 = " ";
      let pos = line.lastIndex;
      while (match = line.exec(source2)) {
        const lm = match[1].replace(trimBoth, "");
        if (lm === "") {
          if (sep3 === "\n")
            res += sep3;
          else
            sep3 = "\n";
        } else {
          res += sep3 + lm;
          sep3 = " ";
        }
        pos = line.lastIndex;
      }
      const last = /[ \t]*(.*)/sy;
      last.lastIndex = pos;
      match = last.exec(source2);
      return res + sep3 + (match?.[1] ?? "");
    }
    function doubleQuotedValue(source2, onError) {
      let res = "";
      for (let i = 1; i < source2.length - 1; ++i) {
        const ch = source2[i];
        if (ch === "\r" && source2[i + 1] === "\n")
          continue;
        if (ch === "\n") {
          const { fold, offset } = foldNewline(source2, i);
          res += fold;
          i = offset;
        } else if (ch === "\\") {
          let next = source2[++i];
          const cc = escapeCodes[next];
          if (cc)
            res += cc;
          else if (next === "\n") {
            next = source2[i + 1];
            while (next === " " || next === "	")
              next = source2[++i + 1];
          } else if (next === "\r" && source2[i + 1] === "\n") {
            next = source2[++i + 1];
            while (next === " " || next === "	")
              next = source2[++i + 1];
          } else if (next === "x" || next === "u" || next === "U") {
            const length = next === "x" ? 2 : next === "u" ? 4 : 8;
            res += parseCharCode(source2, i + 1, length, onError);
            i += length;
          } else {
            const raw = source2.substr(i - 1, 2);
            onError(i - 1, "BAD_DQ_ESCAPE", `Invalid escape sequence ${raw}`);
            res += raw;
          }
        } else if (ch === " " || ch === "	") {
          const wsStart = i;
          let next = source2[i + 1];
          while (next === " " || next === "	")
            next = source2[++i + 1];
          if (next !== "\n" && !(next === "\r" && source2[i + 2] === "\n"))
            res += i > wsStart ? source2.slice(wsStart, i + 1) : ch;
        } else {
          res += ch;
        }
      }
      if (source2[source2.length - 1] !== '"' || source2.length === 1)
        onError(source2.length, "MISSING_CHAR", 'Missing closing "quote');
      return res;
    }
    function foldNewline(source2, offset) {
      let fold = "";
      let ch = source2[offset + 1];
      while (ch === " " || ch === "	" || ch === "\n" || ch === "\r") {
        if (ch === "\r" && source2[offset + 2] !== "\n")
          break;
        if (ch === "\n")
          fold += "\n";
        offset += 1;
        ch = source2[offset + 1];
      }
      if (!fold)
        fold = " ";
      return { fold, offset };
    }
    var escapeCodes = {
      "0": "\0",
      // null character
      a: "\x07",
      // bell character
      b: "\b",
      // backspace
      e: "\x1B",
      // escape character
      f: "\f",
      // form feed
      n: "\n",
      // line feed
      r: "\r",
      // carriage return
      t: "	",
      // horizontal tab
      v: "\v",
      // vertical tab
      N: "\x85",
      // Unicode next line
      _: "\xA0",
      // Unicode non-breaking space
      L: "\u2028",
      // Unicode line separator
      P: "\u2029",
      // Unicode paragraph separator
      " ": " ",
      '"': '"',
      "/": "/",
      "\\": "\\",
      "	": "	"
    };
    function parseCharCode(source2, offset, length, onError) {
      const cc = source2.substr(offset, length);
      const ok = cc.length === length && /^[0-9a-fA-F]+$/.test(cc);
      const code = ok ? parseInt(cc, 16) : NaN;
      try {
        return String.fromCodePoint(code);
      } catch {
        const raw = source2.substr(offset - 2, length + 2);
        onError(offset - 2, "BAD_DQ_ESCAPE", `Invalid escape sequence ${raw}`);
        return raw;
      }
    }
    exports.resolveFlowScalar = resolveFlowScalar;
  }
});

// node_modules/yaml/dist/compose/compose-scalar.js
var require_compose_scalar = __commonJS({
  "node_modules/yaml/dist/compose/compose-scalar.js"(exports) {
    "use strict";
    var identity2 = require_identity();
    var Scalar = require_Scalar();
    var resolveBlockScalar = require_resolve_block_scalar();
    var resolveFlowScalar = require_resolve_flow_scalar();
    function composeScalar(ctx, token, tagToken, onError) {
      const { value, type, comment, range } = token.type === "block-scalar" ? resolveBlockScalar.resolveBlockScalar(ctx, token, onError) : resolveFlowScalar.resolveFlowScalar(token, ctx.options.strict, onError);
      const tagName = tagToken ? ctx.directives.tagName(tagToken.source, (msg) => onError(tagToken, "TAG_RESOLVE_FAILED", msg)) : null;
      let tag2;
      if (ctx.options.stringKeys && ctx.atKey) {
        tag2 = ctx.schema[identity2.SCALAR];
      } else if (tagName)
        tag2 = findScalarTagByName(ctx.schema, value, tagName, tagToken, onError);
      else if (token.type === "scalar")
        tag2 = findScalarTagByTest(ctx, value, token, onError);
      else
        tag2 = ctx.schema[identity2.SCALAR];
      let scalar;
      try {
        const res = tag2.resolve(value, (msg) => onError(tagToken ?? token, "TAG_RESOLVE_FAILED", msg), ctx.options);
        scalar = identity2.isScalar(res) ? res : new Scalar.Scalar(res);
      } catch (error) {
        const msg = error instanceof Error ? error.message : String(error);
        onError(tagToken ?? token, "TAG_RESOLVE_FAILED", msg);
        scalar = new Scalar.Scalar(value);
      }
      scalar.range = range;
      scalar.source = value;
      if (type)
        scalar.type = type;
      if (tagName)
        scalar.tag = tagName;
      if (tag2.format)
        scalar.format = tag2.format;
      if (comment)
        scalar.comment = comment;
      return scalar;
    }
    function findScalarTagByName(schema, value, tagName, tagToken, onError) {
      if (tagName === "!")
        return schema[identity2.SCALAR];
      const matchWithTest = [];
      for (const tag2 of schema.tags) {
        if (!tag2.collection && tag2.tag === tagName) {
          if (tag2.default && tag2.test)
            matchWithTest.push(tag2);
          else
            return tag2;
        }
      }
      for (const tag2 of matchWithTest)
        if (tag2.test?.test(value))
          return tag2;
      const kt = schema.knownTags[tagName];
      if (kt && !kt.collection) {
        schema.tags.push(Object.assign({}, kt, { default: false, test: void 0 }));
        return kt;
      }
      onError(tagToken, "TAG_RESOLVE_FAILED", `Unresolved tag: ${tagName}`, tagName !== "tag:yaml.org,2002:str");
      return schema[identity2.SCALAR];
    }
    function findScalarTagByTest({ atKey, directives, schema }, value, token, onError) {
      const tag2 = schema.tags.find((tag3) => (tag3.default === true || atKey && tag3.default === "key") && tag3.test?.test(value)) || schema[identity2.SCALAR];
      if (schema.compat) {
        const compat = schema.compat.find((tag3) => tag3.default && tag3.test?.test(value)) ?? schema[identity2.SCALAR];
        if (tag2.tag !== compat.tag) {
          const ts = directives.tagString(tag2.tag);
          const cs = directives.tagString(compat.tag);
          const msg = `Value may be parsed as either ${ts} or ${cs}`;
          onError(token, "TAG_RESOLVE_FAILED", msg, true);
        }
      }
      return tag2;
    }
    exports.composeScalar = composeScalar;
  }
});

// node_modules/yaml/dist/compose/util-empty-scalar-position.js
var require_util_empty_scalar_position = __commonJS({
  "node_modules/yaml/dist/compose/util-empty-scalar-position.js"(exports) {
    "use strict";
    function emptyScalarPosition(offset, before, pos) {
      if (before) {
        pos ?? (pos = before.length);
        for (let i = pos - 1; i >= 0; --i) {
          let st = before[i];
          switch (st.type) {
            case "space":
            case "comment":
            case "newline":
              offset -= st.source.length;
              continue;
          }
          st = before[++i];
          while (st?.type === "space") {
            offset += st.source.length;
            st = before[++i];
          }
          break;
        }
      }
      return offset;
    }
    exports.emptyScalarPosition = emptyScalarPosition;
  }
});

// node_modules/yaml/dist/compose/compose-node.js
var require_compose_node = __commonJS({
  "node_modules/yaml/dist/compose/compose-node.js"(exports) {
    "use strict";
    var Alias = require_Alias();
    var identity2 = require_identity();
    var composeCollection = require_compose_collection();
    var composeScalar = require_compose_scalar();
    var resolveEnd = require_resolve_end();
    var utilEmptyScalarPosition = require_util_empty_scalar_position();
    var CN = { composeNode, composeEmptyNode };
    function composeNode(ctx, token, props, onError) {
      const atKey = ctx.atKey;
      const { spaceBefore, comment, anchor, tag: tag2 } = props;
      let node;
      let isSrcToken = true;
      switch (token.type) {
        case "alias":
          node = composeAlias(ctx, token, onError);
          if (anchor || tag2)
            onError(token, "ALIAS_PROPS", "An alias node must not specify any properties");
          break;
        case "scalar":
        case "single-quoted-scalar":
        case "double-quoted-scalar":
        case "block-scalar":
          node = composeScalar.composeScalar(ctx, token, tag2, onError);
          if (anchor)
            node.anchor = anchor.source.substring(1);
          break;
        case "block-map":
        case "block-seq":
        case "flow-collection":
          try {
            node = composeCollection.composeCollection(CN, ctx, token, props, onError);
            if (anchor)
              node.anchor = anchor.source.substring(1);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            onError(token, "RESOURCE_EXHAUSTION", message);
          }
          break;
        default: {
          const message = token.type === "error" ? token.message : `Unsupported token (type: ${token.type})`;
          onError(token, "UNEXPECTED_TOKEN", message);
          isSrcToken = false;
        }
      }
      node ?? (node = composeEmptyNode(ctx, token.offset, void 0, null, props, onError));
      if (anchor && node.anchor === "")
        onError(anchor, "BAD_ALIAS", "Anchor cannot be an empty string");
      if (atKey && ctx.options.stringKeys && (!identity2.isScalar(node) || typeof node.value !== "string" || node.tag && node.tag !== "tag:yaml.org,2002:str")) {
        const msg = "With stringKeys, all keys must be strings";
        onError(tag2 ?? token, "NON_STRING_KEY", msg);
      }
      if (spaceBefore)
        node.spaceBefore = true;
      if (comment) {
        if (token.type === "scalar" && token.source === "")
          node.comment = comment;
        else
          node.commentBefore = comment;
      }
      if (ctx.options.keepSourceTokens && isSrcToken)
        node.srcToken = token;
      return node;
    }
    function composeEmptyNode(ctx, offset, before, pos, { spaceBefore, comment, anchor, tag: tag2, end }, onError) {
      const token = {
        type: "scalar",
        offset: utilEmptyScalarPosition.emptyScalarPosition(offset, before, pos),
        indent: -1,
        source: ""
      };
      const node = composeScalar.composeScalar(ctx, token, tag2, onError);
      if (anchor) {
        node.anchor = anchor.source.substring(1);
        if (node.anchor === "")
          onError(anchor, "BAD_ALIAS", "Anchor cannot be an empty string");
      }
      if (spaceBefore)
        node.spaceBefore = true;
      if (comment) {
        node.comment = comment;
        node.range[2] = end;
      }
      return node;
    }
    function composeAlias({ options }, { offset, source: source2, end }, onError) {
      const alias = new Alias.Alias(source2.substring(1));
      if (alias.source === "")
        onError(offset, "BAD_ALIAS", "Alias cannot be an empty string");
      if (alias.source.endsWith(":"))
        onError(offset + source2.length - 1, "BAD_ALIAS", "Alias ending in : is ambiguous", true);
      const valueEnd = offset + source2.length;
      const re = resolveEnd.resolveEnd(end, valueEnd, options.strict, onError);
      alias.range = [offset, valueEnd, re.offset];
      if (re.comment)
        alias.comment = re.comment;
      return alias;
    }
    exports.composeEmptyNode = composeEmptyNode;
    exports.composeNode = composeNode;
  }
});

// node_modules/yaml/dist/compose/compose-doc.js
var require_compose_doc = __commonJS({
  "node_modules/yaml/dist/compose/compose-doc.js"(exports) {
    "use strict";
    var Document = require_Document();
    var composeNode = require_compose_node();
    var resolveEnd = require_resolve_end();
    var resolveProps = require_resolve_props();
    function composeDoc(options, directives, { offset, start, value, end }, onError) {
      const opts = Object.assign({ _directives: directives }, options);
      const doc = new Document.Document(void 0, opts);
      const ctx = {
        atKey: false,
        atRoot: true,
        directives: doc.directives,
        options: doc.options,
        schema: doc.schema
      };
      const props = resolveProps.resolveProps(start, {
        indicator: "doc-start",
        next: value ?? end?.[0],
        offset,
        onError,
        parentIndent: 0,
        startOnNewline: true
      });
      if (props.found) {
        doc.directives.docStart = true;
        if (value && (value.type === "block-map" || value.type === "block-seq") && !props.hasNewline)
          onError(props.end, "MISSING_CHAR", "Block collection cannot start on same line with directives-end marker");
      }
      doc.contents = value ? composeNode.composeNode(ctx, value, props, onError) : composeNode.composeEmptyNode(ctx, props.end, start, null, props, onError);
      const contentEnd = doc.contents.range[2];
      const re = resolveEnd.resolveEnd(end, contentEnd, false, onError);
      if (re.comment)
        doc.comment = re.comment;
      doc.range = [offset, contentEnd, re.offset];
      return doc;
    }
    exports.composeDoc = composeDoc;
  }
});

// node_modules/yaml/dist/compose/composer.js
var require_composer = __commonJS({
  "node_modules/yaml/dist/compose/composer.js"(exports) {
    "use strict";
    var node_process = __require("process");
    var directives = require_directives();
    var Document = require_Document();
    var errors = require_errors();
    var identity2 = require_identity();
    var composeDoc = require_compose_doc();
    var resolveEnd = require_resolve_end();
    function getErrorPos(src) {
      if (typeof src === "number")
        return [src, src + 1];
      if (Array.isArray(src))
        return src.length === 2 ? src : [src[0], src[1]];
      const { offset, source: source2 } = src;
      return [offset, offset + (typeof source2 === "string" ? source2.length : 1)];
    }
    function parsePrelude(prelude) {
      let comment = "";
      let atComment = false;
      let afterEmptyLine = false;
      for (let i = 0; i < prelude.length; ++i) {
        const source2 = prelude[i];
        switch (source2[0]) {
          case "#":
            comment += (comment === "" ? "" : afterEmptyLine ? "\n\n" : "\n") + (source2.substring(1) || " ");
            atComment = true;
            afterEmptyLine = false;
            break;
          case "%":
            if (prelude[i + 1]?.[0] !== "#")
              i += 1;
            atComment = false;
            break;
          default:
            if (!atComment)
              afterEmptyLine = true;
            atComment = false;
        }
      }
      return { comment, afterEmptyLine };
    }
    var Composer = class {
      constructor(options = {}) {
        this.doc = null;
        this.atDirectives = false;
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
        this.onError = (source2, code, message, warning) => {
          const pos = getErrorPos(source2);
          if (warning)
            this.warnings.push(new errors.YAMLWarning(pos, code, message));
          else
            this.errors.push(new errors.YAMLParseError(pos, code, message));
        };
        this.directives = new directives.Directives({ version: options.version || "1.2" });
        this.options = options;
      }
      decorate(doc, afterDoc) {
        const { comment, afterEmptyLine } = parsePrelude(this.prelude);
        if (comment) {
          const dc = doc.contents;
          if (afterDoc) {
            doc.comment = doc.comment ? `${doc.comment}
${comment}` : comment;
          } else if (afterEmptyLine || doc.directives.docStart || !dc) {
            doc.commentBefore = comment;
          } else if (identity2.isCollection(dc) && !dc.flow && dc.items.length > 0) {
            let it = dc.items[0];
            if (identity2.isPair(it))
              it = it.key;
            const cb = it.commentBefore;
            it.commentBefore = cb ? `${comment}
${cb}` : comment;
          } else {
            const cb = dc.commentBefore;
            dc.commentBefore = cb ? `${comment}
${cb}` : comment;
          }
        }
        if (afterDoc) {
          for (let i = 0; i < this.errors.length; ++i)
            doc.errors.push(this.errors[i]);
          for (let i = 0; i < this.warnings.length; ++i)
            doc.warnings.push(this.warnings[i]);
        } else {
          doc.errors = this.errors;
          doc.warnings = this.warnings;
        }
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
      }
      /**
       * Current stream status information.
       *
       * Mostly useful at the end of input for an empty stream.
       */
      streamInfo() {
        return {
          comment: parsePrelude(this.prelude).comment,
          directives: this.directives,
          errors: this.errors,
          warnings: this.warnings
        };
      }
      /**
       * Compose tokens into documents.
       *
       * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
       * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
       */
      *compose(tokens, forceDoc = false, endOffset = -1) {
        for (const token of tokens)
          yield* this.next(token);
        yield* this.end(forceDoc, endOffset);
      }
      /** Advance the composer by one CST token. */
      *next(token) {
        if (node_process.env.LOG_STREAM)
          console.dir(token, { depth: null });
        switch (token.type) {
          case "directive":
            this.directives.add(token.source, (offset, message, warning) => {
              const pos = getErrorPos(token);
              pos[0] += offset;
              this.onError(pos, "BAD_DIRECTIVE", message, warning);
            });
            this.prelude.push(token.source);
            this.atDirectives = true;
            break;
          case "document": {
            const doc = composeDoc.composeDoc(this.options, this.directives, token, this.onError);
            if (this.atDirectives && !doc.directives.docStart)
              this.onError(token, "MISSING_CHAR", "Missing directives-end/doc-start indicator line");
            this.decorate(doc, false);
            if (this.doc)
              yield this.doc;
            this.doc = doc;
            this.atDirectives = false;
            break;
          }
          case "byte-order-mark":
          case "space":
            break;
          case "comment":
          case "newline":
            this.prelude.push(token.source);
            break;
          case "error": {
            const msg = token.source ? `${token.message}: ${JSON.stringify(token.source)}` : token.message;
            const error = new errors.YAMLParseError(getErrorPos(token), "UNEXPECTED_TOKEN", msg);
            if (this.atDirectives || !this.doc)
              this.errors.push(error);
            else
              this.doc.errors.push(error);
            break;
          }
          case "doc-end": {
            if (!this.doc) {
              const msg = "Unexpected doc-end without preceding document";
              this.errors.push(new errors.YAMLParseError(getErrorPos(token), "UNEXPECTED_TOKEN", msg));
              break;
            }
            this.doc.directives.docEnd = true;
            const end = resolveEnd.resolveEnd(token.end, token.offset + token.source.length, this.doc.options.strict, this.onError);
            this.decorate(this.doc, true);
            if (end.comment) {
              const dc = this.doc.comment;
              this.doc.comment = dc ? `${dc}
${end.comment}` : end.comment;
            }
            this.doc.range[2] = end.offset;
            break;
          }
          default:
            this.errors.push(new errors.YAMLParseError(getErrorPos(token), "UNEXPECTED_TOKEN", `Unsupported token ${token.type}`));
        }
      }
      /**
       * Call at end of input to yield any remaining document.
       *
       * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
       * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
       */
      *end(forceDoc = false, endOffset = -1) {
        if (this.doc) {
          this.decorate(this.doc, true);
          yield this.doc;
          this.doc = null;
        } else if (forceDoc) {
          const opts = Object.assign({ _directives: this.directives }, this.options);
          const doc = new Document.Document(void 0, opts);
          if (this.atDirectives)
            this.onError(endOffset, "MISSING_CHAR", "Missing directives-end indicator line");
          doc.range = [0, endOffset, endOffset];
          this.decorate(doc, false);
          yield doc;
        }
      }
    };
    exports.Composer = Composer;
  }
});

// node_modules/yaml/dist/parse/cst-scalar.js
var require_cst_scalar = __commonJS({
  "node_modules/yaml/dist/parse/cst-scalar.js"(exports) {
    "use strict";
    var resolveBlockScalar = require_resolve_block_scalar();
    var resolveFlowScalar = require_resolve_flow_scalar();
    var errors = require_errors();
    var stringifyString = require_stringifyString();
    function resolveAsScalar(token, strict = true, onError) {
      if (token) {
        const _onError = (pos, code, message) => {
          const offset = typeof pos === "number" ? pos : Array.isArray(pos) ? pos[0] : pos.offset;
          if (onError)
            onError(offset, code, message);
          else
            throw new errors.YAMLParseError([offset, offset + 1], code, message);
        };
        switch (token.type) {
          case "scalar":
          case "single-quoted-scalar":
          case "double-quoted-scalar":
            return resolveFlowScalar.resolveFlowScalar(token, strict, _onError);
          case "block-scalar":
            return resolveBlockScalar.resolveBlockScalar({ options: { strict } }, token, _onError);
        }
      }
      return null;
    }
    function createScalarToken(value, context) {
      const { implicitKey = false, indent, inFlow = false, offset = -1, type = "PLAIN" } = context;
      const source2 = stringifyString.stringifyString({ type, value }, {
        implicitKey,
        indent: indent > 0 ? " ".repeat(indent) : "",
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
      });
      const end = context.end ?? [
        { type: "newline", offset: -1, indent, source: "\n" }
      ];
      switch (source2[0]) {
        case "|":
        case ">": {
          const he = source2.indexOf("\n");
          const head = source2.substring(0, he);
          const body = source2.substring(he + 1) + "\n";
          const props = [
            { type: "block-scalar-header", offset, indent, source: head }
          ];
          if (!addEndtoBlockProps(props, end))
            props.push({ type: "newline", offset: -1, indent, source: "\n" });
          return { type: "block-scalar", offset, indent, props, source: body };
        }
        case '"':
          return { type: "double-quoted-scalar", offset, indent, source: source2, end };
        case "'":
          return { type: "single-quoted-scalar", offset, indent, source: source2, end };
        default:
          return { type: "scalar", offset, indent, source: source2, end };
      }
    }
    function setScalarValue(token, value, context = {}) {
      let { afterKey = false, implicitKey = false, inFlow = false, type } = context;
      let indent = "indent" in token ? token.indent : null;
      if (afterKey && typeof indent === "number")
        indent += 2;
      if (!type)
        switch (token.type) {
          case "single-quoted-scalar":
            type = "QUOTE_SINGLE";
            break;
          case "double-quoted-scalar":
            type = "QUOTE_DOUBLE";
            break;
          case "block-scalar": {
            const header = token.props[0];
            if (header.type !== "block-scalar-header")
              throw new Error("Invalid block scalar header");
            type = header.source[0] === ">" ? "BLOCK_FOLDED" : "BLOCK_LITERAL";
            break;
          }
          default:
            type = "PLAIN";
        }
      const source2 = stringifyString.stringifyString({ type, value }, {
        implicitKey: implicitKey || indent === null,
        indent: indent !== null && indent > 0 ? " ".repeat(indent) : "",
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
      });
      switch (source2[0]) {
        case "|":
        case ">":
          setBlockScalarValue(token, source2);
          break;
        case '"':
          setFlowScalarValue(token, source2, "double-quoted-scalar");
          break;
        case "'":
          setFlowScalarValue(token, source2, "single-quoted-scalar");
          break;
        default:
          setFlowScalarValue(token, source2, "scalar");
      }
    }
    function setBlockScalarValue(token, source2) {
      const he = source2.indexOf("\n");
      const head = source2.substring(0, he);
      const body = source2.substring(he + 1) + "\n";
      if (token.type === "block-scalar") {
        const header = token.props[0];
        if (header.type !== "block-scalar-header")
          throw new Error("Invalid block scalar header");
        header.source = head;
        token.source = body;
      } else {
        const { offset } = token;
        const indent = "indent" in token ? token.indent : -1;
        const props = [
          { type: "block-scalar-header", offset, indent, source: head }
        ];
        if (!addEndtoBlockProps(props, "end" in token ? token.end : void 0))
          props.push({ type: "newline", offset: -1, indent, source: "\n" });
        for (const key of Object.keys(token))
          if (key !== "type" && key !== "offset")
            delete token[key];
        Object.assign(token, { type: "block-scalar", indent, props, source: body });
      }
    }
    function addEndtoBlockProps(props, end) {
      if (end)
        for (const st of end)
          switch (st.type) {
            case "space":
            case "comment":
              props.push(st);
              break;
            case "newline":
              props.push(st);
              return true;
          }
      return false;
    }
    function setFlowScalarValue(token, source2, type) {
      switch (token.type) {
        case "scalar":
        case "double-quoted-scalar":
        case "single-quoted-scalar":
          token.type = type;
          token.source = source2;
          break;
        case "block-scalar": {
          const end = token.props.slice(1);
          let oa = source2.length;
          if (token.props[0].type === "block-scalar-header")
            oa -= token.props[0].source.length;
          for (const tok of end)
            tok.offset += oa;
          delete token.props;
          Object.assign(token, { type, source: source2, end });
          break;
        }
        case "block-map":
        case "block-seq": {
          const offset = token.offset + source2.length;
          const nl = { type: "newline", offset, indent: token.indent, source: "\n" };
          delete token.items;
          Object.assign(token, { type, source: source2, end: [nl] });
          break;
        }
        default: {
          const indent = "indent" in token ? token.indent : -1;
          const end = "end" in token && Array.isArray(token.end) ? token.end.filter((st) => st.type === "space" || st.type === "comment" || st.type === "newline") : [];
          for (const key of Object.keys(token))
            if (key !== "type" && key !== "offset")
              delete token[key];
          Object.assign(token, { type, indent, source: source2, end });
        }
      }
    }
    exports.createScalarToken = createScalarToken;
    exports.resolveAsScalar = resolveAsScalar;
    exports.setScalarValue = setScalarValue;
  }
});

// node_modules/yaml/dist/parse/cst-stringify.js
var require_cst_stringify = __commonJS({
  "node_modules/yaml/dist/parse/cst-stringify.js"(exports) {
    "use strict";
    var stringify2 = (cst) => "type" in cst ? stringifyToken(cst) : stringifyItem(cst);
    function stringifyToken(token) {
      switch (token.type) {
        case "block-scalar": {
          let res = "";
          for (const tok of token.props)
            res += stringifyToken(tok);
          return res + token.source;
        }
        case "block-map":
        case "block-seq": {
          let res = "";
          for (const item of token.items)
            res += stringifyItem(item);
          return res;
        }
        case "flow-collection": {
          let res = token.start.source;
          for (const item of token.items)
            res += stringifyItem(item);
          for (const st of token.end)
            res += st.source;
          return res;
        }
        case "document": {
          let res = stringifyItem(token);
          if (token.end)
            for (const st of token.end)
              res += st.source;
          return res;
        }
        default: {
          let res = token.source;
          if ("end" in token && token.end)
            for (const st of token.end)
              res += st.source;
          return res;
        }
      }
    }
    function stringifyItem({ start, key, sep: sep3, value }) {
      let res = "";
      for (const st of start)
        res += st.source;
      if (key)
        res += stringifyToken(key);
      if (sep3)
        for (const st of sep3)
          res += st.source;
      if (value)
        res += stringifyToken(value);
      return res;
    }
    exports.stringify = stringify2;
  }
});

// node_modules/yaml/dist/parse/cst-visit.js
var require_cst_visit = __commonJS({
  "node_modules/yaml/dist/parse/cst-visit.js"(exports) {
    "use strict";
    var BREAK = /* @__PURE__ */ Symbol("break visit");
    var SKIP = /* @__PURE__ */ Symbol("skip children");
    var REMOVE = /* @__PURE__ */ Symbol("remove item");
    function visit(cst, visitor) {
      if ("type" in cst && cst.type === "document")
        cst = { start: cst.start, value: cst.value };
      _visit(Object.freeze([]), cst, visitor);
    }
    visit.BREAK = BREAK;
    visit.SKIP = SKIP;
    visit.REMOVE = REMOVE;
    visit.itemAtPath = (cst, path) => {
      let item = cst;
      for (const [field, index] of path) {
        const tok = item?.[field];
        if (tok && "items" in tok) {
          item = tok.items[index];
        } else
          return void 0;
      }
      return item;
    };
    visit.parentCollection = (cst, path) => {
      const parent = visit.itemAtPath(cst, path.slice(0, -1));
      const field = path[path.length - 1][0];
      const coll = parent?.[field];
      if (coll && "items" in coll)
        return coll;
      throw new Error("Parent collection not found");
    };
    function _visit(path, item, visitor) {
      let ctrl = visitor(item, path);
      if (typeof ctrl === "symbol")
        return ctrl;
      for (const field of ["key", "value"]) {
        const token = item[field];
        if (token && "items" in token) {
          for (let i = 0; i < token.items.length; ++i) {
            const ci = _visit(Object.freeze(path.concat([[field, i]])), token.items[i], visitor);
            if (typeof ci === "number")
              i = ci - 1;
            else if (ci === BREAK)
              return BREAK;
            else if (ci === REMOVE) {
              token.items.splice(i, 1);
              i -= 1;
            }
          }
          if (typeof ctrl === "function" && field === "key")
            ctrl = ctrl(item, path);
        }
      }
      return typeof ctrl === "function" ? ctrl(item, path) : ctrl;
    }
    exports.visit = visit;
  }
});

// node_modules/yaml/dist/parse/cst.js
var require_cst = __commonJS({
  "node_modules/yaml/dist/parse/cst.js"(exports) {
    "use strict";
    var cstScalar = require_cst_scalar();
    var cstStringify = require_cst_stringify();
    var cstVisit = require_cst_visit();
    var BOM = "\uFEFF";
    var DOCUMENT = "";
    var FLOW_END = "";
    var SCALAR = "";
    var isCollection = (token) => !!token && "items" in token;
    var isScalar2 = (token) => !!token && (token.type === "scalar" || token.type === "single-quoted-scalar" || token.type === "double-quoted-scalar" || token.type === "block-scalar");
    function prettyToken(token) {
      switch (token) {
        case BOM:
          return "<BOM>";
        case DOCUMENT:
          return "<DOC>";
        case FLOW_END:
          return "<FLOW_END>";
        case SCALAR:
          return "<SCALAR>";
        default:
          return JSON.stringify(token);
      }
    }
    function tokenType(source2) {
      switch (source2) {
        case BOM:
          return "byte-order-mark";
        case DOCUMENT:
          return "doc-mode";
        case FLOW_END:
          return "flow-error-end";
        case SCALAR:
          return "scalar";
        case "---":
          return "doc-start";
        case "...":
          return "doc-end";
        case "":
        case "\n":
        case "\r\n":
          return "newline";
        case "-":
          return "seq-item-ind";
        case "?":
          return "explicit-key-ind";
        case ":":
          return "map-value-ind";
        case "{":
          return "flow-map-start";
        case "}":
          return "flow-map-end";
        case "[":
          return "flow-seq-start";
        case "]":
          return "flow-seq-end";
        case ",":
          return "comma";
      }
      switch (source2[0]) {
        case " ":
        case "	":
          return "space";
        case "#":
          return "comment";
        case "%":
          return "directive-line";
        case "*":
          return "alias";
        case "&":
          return "anchor";
        case "!":
          return "tag";
        case "'":
          return "single-quoted-scalar";
        case '"':
          return "double-quoted-scalar";
        case "|":
        case ">":
          return "block-scalar-header";
      }
      return null;
    }
    exports.createScalarToken = cstScalar.createScalarToken;
    exports.resolveAsScalar = cstScalar.resolveAsScalar;
    exports.setScalarValue = cstScalar.setScalarValue;
    exports.stringify = cstStringify.stringify;
    exports.visit = cstVisit.visit;
    exports.BOM = BOM;
    exports.DOCUMENT = DOCUMENT;
    exports.FLOW_END = FLOW_END;
    exports.SCALAR = SCALAR;
    exports.isCollection = isCollection;
    exports.isScalar = isScalar2;
    exports.prettyToken = prettyToken;
    exports.tokenType = tokenType;
  }
});

// node_modules/yaml/dist/parse/lexer.js
var require_lexer = __commonJS({
  "node_modules/yaml/dist/parse/lexer.js"(exports) {
    "use strict";
    var cst = require_cst();
    function isEmpty(ch) {
      switch (ch) {
        case void 0:
        case " ":
        case "\n":
        case "\r":
        case "	":
          return true;
        default:
          return false;
      }
    }
    var hexDigits = new Set("0123456789ABCDEFabcdef");
    var tagChars = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");
    var flowIndicatorChars = new Set(",[]{}");
    var invalidAnchorChars = new Set(" ,[]{}\n\r	");
    var isNotAnchorChar = (ch) => !ch || invalidAnchorChars.has(ch);
    var Lexer = class {
      constructor() {
        this.atEnd = false;
        this.blockScalarIndent = -1;
        this.blockScalarKeep = false;
        this.buffer = "";
        this.flowKey = false;
        this.flowLevel = 0;
        this.indentNext = 0;
        this.indentValue = 0;
        this.lineEndPos = null;
        this.next = null;
        this.pos = 0;
      }
      /**
       * Generate YAML tokens from the `source` string. If `incomplete`,
       * a part of the last line may be left as a buffer for the next call.
       *
       * @returns A generator of lexical tokens
       */
      *lex(source2, incomplete = false) {
        if (source2) {
          if (typeof source2 !== "string")
            throw TypeError("source is not a string");
          this.buffer = this.buffer ? this.buffer + source2 : source2;
          this.lineEndPos = null;
        }
        this.atEnd = !incomplete;
        let next = this.next ?? "stream";
        while (next && (incomplete || this.hasChars(1)))
          next = yield* this.parseNext(next);
      }
      atLineEnd() {
        let i = this.pos;
        let ch = this.buffer[i];
        while (ch === " " || ch === "	")
          ch = this.buffer[++i];
        if (!ch || ch === "#" || ch === "\n")
          return true;
        if (ch === "\r")
          return this.buffer[i + 1] === "\n";
        return false;
      }
      charAt(n) {
        return this.buffer[this.pos + n];
      }
      continueScalar(offset) {
        let ch = this.buffer[offset];
        if (this.indentNext > 0) {
          let indent = 0;
          while (ch === " ")
            ch = this.buffer[++indent + offset];
          if (ch === "\r") {
            const next = this.buffer[indent + offset + 1];
            if (next === "\n" || !next && !this.atEnd)
              return offset + indent + 1;
          }
          return ch === "\n" || indent >= this.indentNext || !ch && !this.atEnd ? offset + indent : -1;
        }
        if (ch === "-" || ch === ".") {
          const dt = this.buffer.substr(offset, 3);
          if ((dt === "---" || dt === "...") && isEmpty(this.buffer[offset + 3]))
            return -1;
        }
        return offset;
      }
      getLine() {
        let end = this.lineEndPos;
        if (typeof end !== "number" || end !== -1 && end < this.pos) {
          end = this.buffer.indexOf("\n", this.pos);
          this.lineEndPos = end;
        }
        if (end === -1)
          return this.atEnd ? this.buffer.substring(this.pos) : null;
        if (this.buffer[end - 1] === "\r")
          end -= 1;
        return this.buffer.substring(this.pos, end);
      }
      hasChars(n) {
        return this.pos + n <= this.buffer.length;
      }
      setNext(state) {
        this.buffer = this.buffer.substring(this.pos);
        this.pos = 0;
        this.lineEndPos = null;
        this.next = state;
        return null;
      }
      peek(n) {
        return this.buffer.substr(this.pos, n);
      }
      *parseNext(next) {
        switch (next) {
          case "stream":
            return yield* this.parseStream();
          case "line-start":
            return yield* this.parseLineStart();
          case "block-start":
            return yield* this.parseBlockStart();
          case "doc":
            return yield* this.parseDocument();
          case "flow":
            return yield* this.parseFlowCollection();
          case "quoted-scalar":
            return yield* this.parseQuotedScalar();
          case "block-scalar":
            return yield* this.parseBlockScalar();
          case "plain-scalar":
            return yield* this.parsePlainScalar();
        }
      }
      *parseStream() {
        let line = this.getLine();
        if (line === null)
          return this.setNext("stream");
        if (line[0] === cst.BOM) {
          yield* this.pushCount(1);
          line = line.substring(1);
        }
        if (line[0] === "%") {
          let dirEnd = line.length;
          let cs = line.indexOf("#");
          while (cs !== -1) {
            const ch = line[cs - 1];
            if (ch === " " || ch === "	") {
              dirEnd = cs - 1;
              break;
            } else {
              cs = line.indexOf("#", cs + 1);
            }
          }
          while (true) {
            const ch = line[dirEnd - 1];
            if (ch === " " || ch === "	")
              dirEnd -= 1;
            else
              break;
          }
          const n = (yield* this.pushCount(dirEnd)) + (yield* this.pushSpaces(true));
          yield* this.pushCount(line.length - n);
          this.pushNewline();
          return "stream";
        }
        if (this.atLineEnd()) {
          const sp = yield* this.pushSpaces(true);
          yield* this.pushCount(line.length - sp);
          yield* this.pushNewline();
          return "stream";
        }
        yield cst.DOCUMENT;
        return yield* this.parseLineStart();
      }
      *parseLineStart() {
        const ch = this.charAt(0);
        if (!ch && !this.atEnd)
          return this.setNext("line-start");
        if (ch === "-" || ch === ".") {
          if (!this.atEnd && !this.hasChars(4))
            return this.setNext("line-start");
          const s = this.peek(3);
          if ((s === "---" || s === "...") && isEmpty(this.charAt(3))) {
            yield* this.pushCount(3);
            this.indentValue = 0;
            this.indentNext = 0;
            return s === "---" ? "doc" : "stream";
          }
        }
        this.indentValue = yield* this.pushSpaces(false);
        if (this.indentNext > this.indentValue && !isEmpty(this.charAt(1)))
          this.indentNext = this.indentValue;
        return yield* this.parseBlockStart();
      }
      *parseBlockStart() {
        const [ch0, ch1] = this.peek(2);
        if (!ch1 && !this.atEnd)
          return this.setNext("block-start");
        if ((ch0 === "-" || ch0 === "?" || ch0 === ":") && isEmpty(ch1)) {
          const n = (yield* this.pushCount(1)) + (yield* this.pushSpaces(true));
          this.indentNext = this.indentValue + 1;
          this.indentValue += n;
          return "block-start";
        }
        return "doc";
      }
      *parseDocument() {
        yield* this.pushSpaces(true);
        const line = this.getLine();
        if (line === null)
          return this.setNext("doc");
        let n = yield* this.pushIndicators();
        switch (line[n]) {
          case "#":
            yield* this.pushCount(line.length - n);
          // fallthrough
          case void 0:
            yield* this.pushNewline();
            return yield* this.parseLineStart();
          case "{":
          case "[":
            yield* this.pushCount(1);
            this.flowKey = false;
            this.flowLevel = 1;
            return "flow";
          case "}":
          case "]":
            yield* this.pushCount(1);
            return "doc";
          case "*":
            yield* this.pushUntil(isNotAnchorChar);
            return "doc";
          case '"':
          case "'":
            return yield* this.parseQuotedScalar();
          case "|":
          case ">":
            n += yield* this.parseBlockScalarHeader();
            n += yield* this.pushSpaces(true);
            yield* this.pushCount(line.length - n);
            yield* this.pushNewline();
            return yield* this.parseBlockScalar();
          default:
            return yield* this.parsePlainScalar();
        }
      }
      *parseFlowCollection() {
        let nl, sp;
        let indent = -1;
        do {
          nl = yield* this.pushNewline();
          if (nl > 0) {
            sp = yield* this.pushSpaces(false);
            this.indentValue = indent = sp;
          } else {
            sp = 0;
          }
          sp += yield* this.pushSpaces(true);
        } while (nl + sp > 0);
        const line = this.getLine();
        if (line === null)
          return this.setNext("flow");
        if (indent !== -1 && indent < this.indentNext && line[0] !== "#" || indent === 0 && (line.startsWith("---") || line.startsWith("...")) && isEmpty(line[3])) {
          const atFlowEndMarker = indent === this.indentNext - 1 && this.flowLevel === 1 && (line[0] === "]" || line[0] === "}");
          if (!atFlowEndMarker) {
            this.flowLevel = 0;
            yield cst.FLOW_END;
            return yield* this.parseLineStart();
          }
        }
        let n = 0;
        while (line[n] === ",") {
          n += yield* this.pushCount(1);
          n += yield* this.pushSpaces(true);
          this.flowKey = false;
        }
        n += yield* this.pushIndicators();
        switch (line[n]) {
          case void 0:
            return "flow";
          case "#":
            yield* this.pushCount(line.length - n);
            return "flow";
          case "{":
          case "[":
            yield* this.pushCount(1);
            this.flowKey = false;
            this.flowLevel += 1;
            return "flow";
          case "}":
          case "]":
            yield* this.pushCount(1);
            this.flowKey = true;
            this.flowLevel -= 1;
            return this.flowLevel ? "flow" : "doc";
          case "*":
            yield* this.pushUntil(isNotAnchorChar);
            return "flow";
          case '"':
          case "'":
            this.flowKey = true;
            return yield* this.parseQuotedScalar();
          case ":": {
            const next = this.charAt(1);
            if (this.flowKey || isEmpty(next) || next === ",") {
              this.flowKey = false;
              yield* this.pushCount(1);
              yield* this.pushSpaces(true);
              return "flow";
            }
          }
          // fallthrough
          default:
            this.flowKey = false;
            return yield* this.parsePlainScalar();
        }
      }
      *parseQuotedScalar() {
        const quote2 = this.charAt(0);
        let end = this.buffer.indexOf(quote2, this.pos + 1);
        if (quote2 === "'") {
          while (end !== -1 && this.buffer[end + 1] === "'")
            end = this.buffer.indexOf("'", end + 2);
        } else {
          while (end !== -1) {
            let n = 0;
            while (this.buffer[end - 1 - n] === "\\")
              n += 1;
            if (n % 2 === 0)
              break;
            end = this.buffer.indexOf('"', end + 1);
          }
        }
        const qb = this.buffer.substring(0, end);
        let nl = qb.indexOf("\n", this.pos);
        if (nl !== -1) {
          while (nl !== -1) {
            const cs = this.continueScalar(nl + 1);
            if (cs === -1)
              break;
            nl = qb.indexOf("\n", cs);
          }
          if (nl !== -1) {
            end = nl - (qb[nl - 1] === "\r" ? 2 : 1);
          }
        }
        if (end === -1) {
          if (!this.atEnd)
            return this.setNext("quoted-scalar");
          end = this.buffer.length;
        }
        yield* this.pushToIndex(end + 1, false);
        return this.flowLevel ? "flow" : "doc";
      }
      *parseBlockScalarHeader() {
        this.blockScalarIndent = -1;
        this.blockScalarKeep = false;
        let i = this.pos;
        while (true) {
          const ch = this.buffer[++i];
          if (ch === "+")
            this.blockScalarKeep = true;
          else if (ch > "0" && ch <= "9")
            this.blockScalarIndent = Number(ch) - 1;
          else if (ch !== "-")
            break;
        }
        return yield* this.pushUntil((ch) => isEmpty(ch) || ch === "#");
      }
      *parseBlockScalar() {
        let nl = this.pos - 1;
        let indent = 0;
        let ch;
        loop: for (let i2 = this.pos; ch = this.buffer[i2]; ++i2) {
          switch (ch) {
            case " ":
              indent += 1;
              break;
            case "\n":
              nl = i2;
              indent = 0;
              break;
            case "\r": {
              const next = this.buffer[i2 + 1];
              if (!next && !this.atEnd)
                return this.setNext("block-scalar");
              if (next === "\n")
                break;
            }
            // fallthrough
            default:
              break loop;
          }
        }
        if (!ch && !this.atEnd)
          return this.setNext("block-scalar");
        if (indent >= this.indentNext) {
          if (this.blockScalarIndent === -1)
            this.indentNext = indent;
          else {
            this.indentNext = this.blockScalarIndent + (this.indentNext === 0 ? 1 : this.indentNext);
          }
          do {
            const cs = this.continueScalar(nl + 1);
            if (cs === -1)
              break;
            nl = this.buffer.indexOf("\n", cs);
          } while (nl !== -1);
          if (nl === -1) {
            if (!this.atEnd)
              return this.setNext("block-scalar");
            nl = this.buffer.length;
          }
        }
        let i = nl + 1;
        ch = this.buffer[i];
        while (ch === " ")
          ch = this.buffer[++i];
        if (ch === "	") {
          while (ch === "	" || ch === " " || ch === "\r" || ch === "\n")
            ch = this.buffer[++i];
          nl = i - 1;
        } else if (!this.blockScalarKeep) {
          do {
            let i2 = nl - 1;
            let ch2 = this.buffer[i2];
            if (ch2 === "\r")
              ch2 = this.buffer[--i2];
            const lastChar = i2;
            while (ch2 === " ")
              ch2 = this.buffer[--i2];
            if (ch2 === "\n" && i2 >= this.pos && i2 + 1 + indent > lastChar)
              nl = i2;
            else
              break;
          } while (true);
        }
        yield cst.SCALAR;
        yield* this.pushToIndex(nl + 1, true);
        return yield* this.parseLineStart();
      }
      *parsePlainScalar() {
        const inFlow = this.flowLevel > 0;
        let end = this.pos - 1;
        let i = this.pos - 1;
        let ch;
        while (ch = this.buffer[++i]) {
          if (ch === ":") {
            const next = this.buffer[i + 1];
            if (isEmpty(next) || inFlow && flowIndicatorChars.has(next))
              break;
            end = i;
          } else if (isEmpty(ch)) {
            let next = this.buffer[i + 1];
            if (ch === "\r") {
              if (next === "\n") {
                i += 1;
                ch = "\n";
                next = this.buffer[i + 1];
              } else
                end = i;
            }
            if (next === "#" || inFlow && flowIndicatorChars.has(next))
              break;
            if (ch === "\n") {
              const cs = this.continueScalar(i + 1);
              if (cs === -1)
                break;
              i = Math.max(i, cs - 2);
            }
          } else {
            if (inFlow && flowIndicatorChars.has(ch))
              break;
            end = i;
          }
        }
        if (!ch && !this.atEnd)
          return this.setNext("plain-scalar");
        yield cst.SCALAR;
        yield* this.pushToIndex(end + 1, true);
        return inFlow ? "flow" : "doc";
      }
      *pushCount(n) {
        if (n > 0) {
          yield this.buffer.substr(this.pos, n);
          this.pos += n;
          return n;
        }
        return 0;
      }
      *pushToIndex(i, allowEmpty) {
        const s = this.buffer.slice(this.pos, i);
        if (s) {
          yield s;
          this.pos += s.length;
          return s.length;
        } else if (allowEmpty)
          yield "";
        return 0;
      }
      *pushIndicators() {
        let n = 0;
        loop: while (true) {
          switch (this.charAt(0)) {
            case "!":
              n += yield* this.pushTag();
              n += yield* this.pushSpaces(true);
              continue loop;
            case "&":
              n += yield* this.pushUntil(isNotAnchorChar);
              n += yield* this.pushSpaces(true);
              continue loop;
            case "-":
            // this is an error
            case "?":
            // this is an error outside flow collections
            case ":": {
              const inFlow = this.flowLevel > 0;
              const ch1 = this.charAt(1);
              if (isEmpty(ch1) || inFlow && flowIndicatorChars.has(ch1)) {
                if (!inFlow)
                  this.indentNext = this.indentValue + 1;
                else if (this.flowKey)
                  this.flowKey = false;
                n += yield* this.pushCount(1);
                n += yield* this.pushSpaces(true);
                continue loop;
              }
            }
          }
          break loop;
        }
        return n;
      }
      *pushTag() {
        if (this.charAt(1) === "<") {
          let i = this.pos + 2;
          let ch = this.buffer[i];
          while (!isEmpty(ch) && ch !== ">")
            ch = this.buffer[++i];
          return yield* this.pushToIndex(ch === ">" ? i + 1 : i, false);
        } else {
          let i = this.pos + 1;
          let ch = this.buffer[i];
          while (ch) {
            if (tagChars.has(ch))
              ch = this.buffer[++i];
            else if (ch === "%" && hexDigits.has(this.buffer[i + 1]) && hexDigits.has(this.buffer[i + 2])) {
              ch = this.buffer[i += 3];
            } else
              break;
          }
          return yield* this.pushToIndex(i, false);
        }
      }
      *pushNewline() {
        const ch = this.buffer[this.pos];
        if (ch === "\n")
          return yield* this.pushCount(1);
        else if (ch === "\r" && this.charAt(1) === "\n")
          return yield* this.pushCount(2);
        else
          return 0;
      }
      *pushSpaces(allowTabs) {
        let i = this.pos - 1;
        let ch;
        do {
          ch = this.buffer[++i];
        } while (ch === " " || allowTabs && ch === "	");
        const n = i - this.pos;
        if (n > 0) {
          yield this.buffer.substr(this.pos, n);
          this.pos = i;
        }
        return n;
      }
      *pushUntil(test) {
        let i = this.pos;
        let ch = this.buffer[i];
        while (!test(ch))
          ch = this.buffer[++i];
        return yield* this.pushToIndex(i, false);
      }
    };
    exports.Lexer = Lexer;
  }
});

// node_modules/yaml/dist/parse/line-counter.js
var require_line_counter = __commonJS({
  "node_modules/yaml/dist/parse/line-counter.js"(exports) {
    "use strict";
    var LineCounter3 = class {
      constructor() {
        this.lineStarts = [];
        this.addNewLine = (offset) => this.lineStarts.push(offset);
        this.linePos = (offset) => {
          let low = 0;
          let high = this.lineStarts.length;
          while (low < high) {
            const mid = low + high >> 1;
            if (this.lineStarts[mid] < offset)
              low = mid + 1;
            else
              high = mid;
          }
          if (this.lineStarts[low] === offset)
            return { line: low + 1, col: 1 };
          if (low === 0)
            return { line: 0, col: offset };
          const start = this.lineStarts[low - 1];
          return { line: low, col: offset - start + 1 };
        };
      }
    };
    exports.LineCounter = LineCounter3;
  }
});

// node_modules/yaml/dist/parse/parser.js
var require_parser = __commonJS({
  "node_modules/yaml/dist/parse/parser.js"(exports) {
    "use strict";
    var node_process = __require("process");
    var cst = require_cst();
    var lexer = require_lexer();
    function includesToken(list, type) {
      for (let i = 0; i < list.length; ++i)
        if (list[i].type === type)
          return true;
      return false;
    }
    function findNonEmptyIndex(list) {
      for (let i = 0; i < list.length; ++i) {
        switch (list[i].type) {
          case "space":
          case "comment":
          case "newline":
            break;
          default:
            return i;
        }
      }
      return -1;
    }
    function isFlowToken(token) {
      switch (token?.type) {
        case "alias":
        case "scalar":
        case "single-quoted-scalar":
        case "double-quoted-scalar":
        case "flow-collection":
          return true;
        default:
          return false;
      }
    }
    function getPrevProps(parent) {
      switch (parent.type) {
        case "document":
          return parent.start;
        case "block-map": {
          const it = parent.items[parent.items.length - 1];
          return it.sep ?? it.start;
        }
        case "block-seq":
          return parent.items[parent.items.length - 1].start;
        /* istanbul ignore next should not happen */
        default:
          return [];
      }
    }
    function getFirstKeyStartProps(prev) {
      if (prev.length === 0)
        return [];
      let i = prev.length;
      loop: while (--i >= 0) {
        switch (prev[i].type) {
          case "doc-start":
          case "explicit-key-ind":
          case "map-value-ind":
          case "seq-item-ind":
          case "newline":
            break loop;
        }
      }
      while (prev[++i]?.type === "space") {
      }
      return prev.splice(i, prev.length);
    }
    function arrayPushArray(target2, source2) {
      if (source2.length < 1e5)
        Array.prototype.push.apply(target2, source2);
      else
        for (let i = 0; i < source2.length; ++i)
          target2.push(source2[i]);
    }
    function fixFlowSeqItems(fc) {
      if (fc.start.type === "flow-seq-start") {
        for (const it of fc.items) {
          if (it.sep && !it.value && !includesToken(it.start, "explicit-key-ind") && !includesToken(it.sep, "map-value-ind")) {
            if (it.key)
              it.value = it.key;
            delete it.key;
            if (isFlowToken(it.value)) {
              if (it.value.end)
                arrayPushArray(it.value.end, it.sep);
              else
                it.value.end = it.sep;
            } else
              arrayPushArray(it.start, it.sep);
            delete it.sep;
          }
        }
      }
    }
    var Parser = class {
      /**
       * @param onNewLine - If defined, called separately with the start position of
       *   each new line (in `parse()`, including the start of input).
       */
      constructor(onNewLine) {
        this.atNewLine = true;
        this.atScalar = false;
        this.indent = 0;
        this.offset = 0;
        this.onKeyLine = false;
        this.stack = [];
        this.source = "";
        this.type = "";
        this.lexer = new lexer.Lexer();
        this.onNewLine = onNewLine;
      }
      /**
       * Parse `source` as a YAML stream.
       * If `incomplete`, a part of the last line may be left as a buffer for the next call.
       *
       * Errors are not thrown, but yielded as `{ type: 'error', message }` tokens.
       *
       * @returns A generator of tokens representing each directive, document, and other structure.
       */
      *parse(source2, incomplete = false) {
        if (this.onNewLine && this.offset === 0)
          this.onNewLine(0);
        for (const lexeme of this.lexer.lex(source2, incomplete))
          yield* this.next(lexeme);
        if (!incomplete)
          yield* this.end();
      }
      /**
       * Advance the parser by the `source` of one lexical token.
       */
      *next(source2) {
        this.source = source2;
        if (node_process.env.LOG_TOKENS)
          console.log("|", cst.prettyToken(source2));
        if (this.atScalar) {
          this.atScalar = false;
          yield* this.step();
          this.offset += source2.length;
          return;
        }
        const type = cst.tokenType(source2);
        if (!type) {
          const message = `Not a YAML token: ${source2}`;
          yield* this.pop({ type: "error", offset: this.offset, message, source: source2 });
          this.offset += source2.length;
        } else if (type === "scalar") {
          this.atNewLine = false;
          this.atScalar = true;
          this.type = "scalar";
        } else {
          this.type = type;
          yield* this.step();
          switch (type) {
            case "newline":
              this.atNewLine = true;
              this.indent = 0;
              if (this.onNewLine)
                this.onNewLine(this.offset + source2.length);
              break;
            case "space":
              if (this.atNewLine && source2[0] === " ")
                this.indent += source2.length;
              break;
            case "explicit-key-ind":
            case "map-value-ind":
            case "seq-item-ind":
              if (this.atNewLine)
                this.indent += source2.length;
              break;
            case "doc-mode":
            case "flow-error-end":
              return;
            default:
              this.atNewLine = false;
          }
          this.offset += source2.length;
        }
      }
      /** Call at end of input to push out any remaining constructions */
      *end() {
        while (this.stack.length > 0)
          yield* this.pop();
      }
      get sourceToken() {
        const st = {
          type: this.type,
          offset: this.offset,
          indent: this.indent,
          source: this.source
        };
        return st;
      }
      *step() {
        const top = this.peek(1);
        if (this.type === "doc-end" && top?.type !== "doc-end") {
          while (this.stack.length > 0)
            yield* this.pop();
          this.stack.push({
            type: "doc-end",
            offset: this.offset,
            source: this.source
          });
          return;
        }
        if (!top)
          return yield* this.stream();
        switch (top.type) {
          case "document":
            return yield* this.document(top);
          case "alias":
          case "scalar":
          case "single-quoted-scalar":
          case "double-quoted-scalar":
            return yield* this.scalar(top);
          case "block-scalar":
            return yield* this.blockScalar(top);
          case "block-map":
            return yield* this.blockMap(top);
          case "block-seq":
            return yield* this.blockSequence(top);
          case "flow-collection":
            return yield* this.flowCollection(top);
          case "doc-end":
            return yield* this.documentEnd(top);
        }
        yield* this.pop();
      }
      peek(n) {
        return this.stack[this.stack.length - n];
      }
      *pop(error) {
        const token = error ?? this.stack.pop();
        if (!token) {
          const message = "Tried to pop an empty stack";
          yield { type: "error", offset: this.offset, source: "", message };
        } else if (this.stack.length === 0) {
          yield token;
        } else {
          const top = this.peek(1);
          if (token.type === "block-scalar") {
            token.indent = "indent" in top ? top.indent : 0;
          } else if (token.type === "flow-collection" && top.type === "document") {
            token.indent = 0;
          }
          if (token.type === "flow-collection")
            fixFlowSeqItems(token);
          switch (top.type) {
            case "document":
              top.value = token;
              break;
            case "block-scalar":
              top.props.push(token);
              break;
            case "block-map": {
              const it = top.items[top.items.length - 1];
              if (it.value) {
                top.items.push({ start: [], key: token, sep: [] });
                this.onKeyLine = true;
                return;
              } else if (it.sep) {
                it.value = token;
              } else {
                Object.assign(it, { key: token, sep: [] });
                this.onKeyLine = !it.explicitKey;
                return;
              }
              break;
            }
            case "block-seq": {
              const it = top.items[top.items.length - 1];
              if (it.value)
                top.items.push({ start: [], value: token });
              else
                it.value = token;
              break;
            }
            case "flow-collection": {
              const it = top.items[top.items.length - 1];
              if (!it || it.value)
                top.items.push({ start: [], key: token, sep: [] });
              else if (it.sep)
                it.value = token;
              else
                Object.assign(it, { key: token, sep: [] });
              return;
            }
            /* istanbul ignore next should not happen */
            default:
              yield* this.pop();
              yield* this.pop(token);
          }
          if ((top.type === "document" || top.type === "block-map" || top.type === "block-seq") && (token.type === "block-map" || token.type === "block-seq")) {
            const last = token.items[token.items.length - 1];
            if (last && !last.sep && !last.value && last.start.length > 0 && findNonEmptyIndex(last.start) === -1 && (token.indent === 0 || last.start.every((st) => st.type !== "comment" || st.indent < token.indent))) {
              if (top.type === "document")
                top.end = last.start;
              else
                top.items.push({ start: last.start });
              token.items.splice(-1, 1);
            }
          }
        }
      }
      *stream() {
        switch (this.type) {
          case "directive-line":
            yield { type: "directive", offset: this.offset, source: this.source };
            return;
          case "byte-order-mark":
          case "space":
          case "comment":
          case "newline":
            yield this.sourceToken;
            return;
          case "doc-mode":
          case "doc-start": {
            const doc = {
              type: "document",
              offset: this.offset,
              start: []
            };
            if (this.type === "doc-start")
              doc.start.push(this.sourceToken);
            this.stack.push(doc);
            return;
          }
        }
        yield {
          type: "error",
          offset: this.offset,
          message: `Unexpected ${this.type} token in YAML stream`,
          source: this.source
        };
      }
      *document(doc) {
        if (doc.value)
          return yield* this.lineEnd(doc);
        switch (this.type) {
          case "doc-start": {
            if (findNonEmptyIndex(doc.start) !== -1) {
              yield* this.pop();
              yield* this.step();
            } else
              doc.start.push(this.sourceToken);
            return;
          }
          case "anchor":
          case "tag":
          case "space":
          case "comment":
          case "newline":
            doc.start.push(this.sourceToken);
            return;
        }
        const bv = this.startBlockValue(doc);
        if (bv)
          this.stack.push(bv);
        else {
          yield {
            type: "error",
            offset: this.offset,
            message: `Unexpected ${this.type} token in YAML document`,
            source: this.source
          };
        }
      }
      *scalar(scalar) {
        if (this.type === "map-value-ind") {
          const prev = getPrevProps(this.peek(2));
          const start = getFirstKeyStartProps(prev);
          let sep3;
          if (scalar.end) {
            sep3 = scalar.end;
            sep3.push(this.sourceToken);
            delete scalar.end;
          } else
            sep3 = [this.sourceToken];
          const map = {
            type: "block-map",
            offset: scalar.offset,
            indent: scalar.indent,
            items: [{ start, key: scalar, sep: sep3 }]
          };
          this.onKeyLine = true;
          this.stack[this.stack.length - 1] = map;
        } else
          yield* this.lineEnd(scalar);
      }
      *blockScalar(scalar) {
        switch (this.type) {
          case "space":
          case "comment":
          case "newline":
            scalar.props.push(this.sourceToken);
            return;
          case "scalar":
            scalar.source = this.source;
            this.atNewLine = true;
            this.indent = 0;
            if (this.onNewLine) {
              let nl = this.source.indexOf("\n") + 1;
              while (nl !== 0) {
                this.onNewLine(this.offset + nl);
                nl = this.source.indexOf("\n", nl) + 1;
              }
            }
            yield* this.pop();
            break;
          /* istanbul ignore next should not happen */
          default:
            yield* this.pop();
            yield* this.step();
        }
      }
      *blockMap(map) {
        const it = map.items[map.items.length - 1];
        switch (this.type) {
          case "newline":
            this.onKeyLine = false;
            if (it.value) {
              const end = "end" in it.value ? it.value.end : void 0;
              const last = Array.isArray(end) ? end[end.length - 1] : void 0;
              if (last?.type === "comment")
                end?.push(this.sourceToken);
              else
                map.items.push({ start: [this.sourceToken] });
            } else if (it.sep) {
              it.sep.push(this.sourceToken);
            } else {
              it.start.push(this.sourceToken);
            }
            return;
          case "space":
          case "comment":
            if (it.value) {
              map.items.push({ start: [this.sourceToken] });
            } else if (it.sep) {
              it.sep.push(this.sourceToken);
            } else {
              if (this.atIndentedComment(it.start, map.indent)) {
                const prev = map.items[map.items.length - 2];
                const end = prev?.value?.end;
                if (Array.isArray(end)) {
                  arrayPushArray(end, it.start);
                  end.push(this.sourceToken);
                  map.items.pop();
                  return;
                }
              }
              it.start.push(this.sourceToken);
            }
            return;
        }
        if (this.indent >= map.indent) {
          const atMapIndent = !this.onKeyLine && this.indent === map.indent;
          const atNextItem = atMapIndent && (it.sep || it.explicitKey) && this.type !== "seq-item-ind";
          let start = [];
          if (atNextItem && it.sep && !it.value) {
            const nl = [];
            for (let i = 0; i < it.sep.length; ++i) {
              const st = it.sep[i];
              switch (st.type) {
                case "newline":
                  nl.push(i);
                  break;
                case "space":
                  break;
                case "comment":
                  if (st.indent > map.indent)
                    nl.length = 0;
                  break;
                default:
                  nl.length = 0;
              }
            }
            if (nl.length >= 2)
              start = it.sep.splice(nl[1]);
          }
          switch (this.type) {
            case "anchor":
            case "tag":
              if (atNextItem || it.value) {
                start.push(this.sourceToken);
                map.items.push({ start });
                this.onKeyLine = true;
              } else if (it.sep) {
                it.sep.push(this.sourceToken);
              } else {
                it.start.push(this.sourceToken);
              }
              return;
            case "explicit-key-ind":
              if (!it.sep && !it.explicitKey) {
                it.start.push(this.sourceToken);
                it.explicitKey = true;
              } else if (atNextItem || it.value) {
                start.push(this.sourceToken);
                map.items.push({ start, explicitKey: true });
              } else {
                this.stack.push({
                  type: "block-map",
                  offset: this.offset,
                  indent: this.indent,
                  items: [{ start: [this.sourceToken], explicitKey: true }]
                });
              }
              this.onKeyLine = true;
              return;
            case "map-value-ind":
              if (it.explicitKey) {
                if (!it.sep) {
                  if (includesToken(it.start, "newline")) {
                    Object.assign(it, { key: null, sep: [this.sourceToken] });
                  } else {
                    const start2 = getFirstKeyStartProps(it.start);
                    this.stack.push({
                      type: "block-map",
                      offset: this.offset,
                      indent: this.indent,
                      items: [{ start: start2, key: null, sep: [this.sourceToken] }]
                    });
                  }
                } else if (it.value) {
                  map.items.push({ start: [], key: null, sep: [this.sourceToken] });
                } else if (includesToken(it.sep, "map-value-ind")) {
                  this.stack.push({
                    type: "block-map",
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, key: null, sep: [this.sourceToken] }]
                  });
                } else if (isFlowToken(it.key) && !includesToken(it.sep, "newline")) {
                  const start2 = getFirstKeyStartProps(it.start);
                  const key = it.key;
                  const sep3 = it.sep;
                  sep3.push(this.sourceToken);
                  delete it.key;
                  delete it.sep;
                  this.stack.push({
                    type: "block-map",
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start: start2, key, sep: sep3 }]
                  });
                } else if (start.length > 0) {
                  it.sep = it.sep.concat(start, this.sourceToken);
                } else {
                  it.sep.push(this.sourceToken);
                }
              } else {
                if (!it.sep) {
                  Object.assign(it, { key: null, sep: [this.sourceToken] });
                } else if (it.value || atNextItem) {
                  map.items.push({ start, key: null, sep: [this.sourceToken] });
                } else if (includesToken(it.sep, "map-value-ind")) {
                  this.stack.push({
                    type: "block-map",
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start: [], key: null, sep: [this.sourceToken] }]
                  });
                } else {
                  it.sep.push(this.sourceToken);
                }
              }
              this.onKeyLine = true;
              return;
            case "alias":
            case "scalar":
            case "single-quoted-scalar":
            case "double-quoted-scalar": {
              const fs = this.flowScalar(this.type);
              if (atNextItem || it.value) {
                map.items.push({ start, key: fs, sep: [] });
                this.onKeyLine = true;
              } else if (it.sep) {
                this.stack.push(fs);
              } else {
                Object.assign(it, { key: fs, sep: [] });
                this.onKeyLine = true;
              }
              return;
            }
            default: {
              const bv = this.startBlockValue(map);
              if (bv) {
                if (bv.type === "block-seq") {
                  if (!it.explicitKey && it.sep && !includesToken(it.sep, "newline")) {
                    yield* this.pop({
                      type: "error",
                      offset: this.offset,
                      message: "Unexpected block-seq-ind on same line with key",
                      source: this.source
                    });
                    return;
                  }
                } else if (atMapIndent) {
                  map.items.push({ start });
                }
                this.stack.push(bv);
                return;
              }
            }
          }
        }
        yield* this.pop();
        yield* this.step();
      }
      *blockSequence(seq) {
        const it = seq.items[seq.items.length - 1];
        switch (this.type) {
          case "newline":
            if (it.value) {
              const end = "end" in it.value ? it.value.end : void 0;
              const last = Array.isArray(end) ? end[end.length - 1] : void 0;
              if (last?.type === "comment")
                end?.push(this.sourceToken);
              else
                seq.items.push({ start: [this.sourceToken] });
            } else
              it.start.push(this.sourceToken);
            return;
          case "space":
          case "comment":
            if (it.value)
              seq.items.push({ start: [this.sourceToken] });
            else {
              if (this.atIndentedComment(it.start, seq.indent)) {
                const prev = seq.items[seq.items.length - 2];
                const end = prev?.value?.end;
                if (Array.isArray(end)) {
                  arrayPushArray(end, it.start);
                  end.push(this.sourceToken);
                  seq.items.pop();
                  return;
                }
              }
              it.start.push(this.sourceToken);
            }
            return;
          case "anchor":
          case "tag":
            if (it.value || this.indent <= seq.indent)
              break;
            it.start.push(this.sourceToken);
            return;
          case "seq-item-ind":
            if (this.indent !== seq.indent)
              break;
            if (it.value || includesToken(it.start, "seq-item-ind"))
              seq.items.push({ start: [this.sourceToken] });
            else
              it.start.push(this.sourceToken);
            return;
        }
        if (this.indent > seq.indent) {
          const bv = this.startBlockValue(seq);
          if (bv) {
            this.stack.push(bv);
            return;
          }
        }
        yield* this.pop();
        yield* this.step();
      }
      *flowCollection(fc) {
        const it = fc.items[fc.items.length - 1];
        if (this.type === "flow-error-end") {
          let top;
          do {
            yield* this.pop();
            top = this.peek(1);
          } while (top?.type === "flow-collection");
        } else if (fc.end.length === 0) {
          switch (this.type) {
            case "comma":
            case "explicit-key-ind":
              if (!it || it.sep)
                fc.items.push({ start: [this.sourceToken] });
              else
                it.start.push(this.sourceToken);
              return;
            case "map-value-ind":
              if (!it || it.value)
                fc.items.push({ start: [], key: null, sep: [this.sourceToken] });
              else if (it.sep)
                it.sep.push(this.sourceToken);
              else
                Object.assign(it, { key: null, sep: [this.sourceToken] });
              return;
            case "space":
            case "comment":
            case "newline":
            case "anchor":
            case "tag":
              if (!it || it.value)
                fc.items.push({ start: [this.sourceToken] });
              else if (it.sep)
                it.sep.push(this.sourceToken);
              else
                it.start.push(this.sourceToken);
              return;
            case "alias":
            case "scalar":
            case "single-quoted-scalar":
            case "double-quoted-scalar": {
              const fs = this.flowScalar(this.type);
              if (!it || it.value)
                fc.items.push({ start: [], key: fs, sep: [] });
              else if (it.sep)
                this.stack.push(fs);
              else
                Object.assign(it, { key: fs, sep: [] });
              return;
            }
            case "flow-map-end":
            case "flow-seq-end":
              fc.end.push(this.sourceToken);
              return;
          }
          const bv = this.startBlockValue(fc);
          if (bv)
            this.stack.push(bv);
          else {
            yield* this.pop();
            yield* this.step();
          }
        } else {
          const parent = this.peek(2);
          if (parent.type === "block-map" && (this.type === "map-value-ind" && parent.indent === fc.indent || this.type === "newline" && !parent.items[parent.items.length - 1].sep)) {
            yield* this.pop();
            yield* this.step();
          } else if (this.type === "map-value-ind" && parent.type !== "flow-collection") {
            const prev = getPrevProps(parent);
            const start = getFirstKeyStartProps(prev);
            fixFlowSeqItems(fc);
            const sep3 = fc.end.splice(1, fc.end.length);
            sep3.push(this.sourceToken);
            const map = {
              type: "block-map",
              offset: fc.offset,
              indent: fc.indent,
              items: [{ start, key: fc, sep: sep3 }]
            };
            this.onKeyLine = true;
            this.stack[this.stack.length - 1] = map;
          } else {
            yield* this.lineEnd(fc);
          }
        }
      }
      flowScalar(type) {
        if (this.onNewLine) {
          let nl = this.source.indexOf("\n") + 1;
          while (nl !== 0) {
            this.onNewLine(this.offset + nl);
            nl = this.source.indexOf("\n", nl) + 1;
          }
        }
        return {
          type,
          offset: this.offset,
          indent: this.indent,
          source: this.source
        };
      }
      startBlockValue(parent) {
        switch (this.type) {
          case "alias":
          case "scalar":
          case "single-quoted-scalar":
          case "double-quoted-scalar":
            return this.flowScalar(this.type);
          case "block-scalar-header":
            return {
              type: "block-scalar",
              offset: this.offset,
              indent: this.indent,
              props: [this.sourceToken],
              source: ""
            };
          case "flow-map-start":
          case "flow-seq-start":
            return {
              type: "flow-collection",
              offset: this.offset,
              indent: this.indent,
              start: this.sourceToken,
              items: [],
              end: []
            };
          case "seq-item-ind":
            return {
              type: "block-seq",
              offset: this.offset,
              indent: this.indent,
              items: [{ start: [this.sourceToken] }]
            };
          case "explicit-key-ind": {
            this.onKeyLine = true;
            const prev = getPrevProps(parent);
            const start = getFirstKeyStartProps(prev);
            start.push(this.sourceToken);
            return {
              type: "block-map",
              offset: this.offset,
              indent: this.indent,
              items: [{ start, explicitKey: true }]
            };
          }
          case "map-value-ind": {
            this.onKeyLine = true;
            const prev = getPrevProps(parent);
            const start = getFirstKeyStartProps(prev);
            return {
              type: "block-map",
              offset: this.offset,
              indent: this.indent,
              items: [{ start, key: null, sep: [this.sourceToken] }]
            };
          }
        }
        return null;
      }
      atIndentedComment(start, indent) {
        if (this.type !== "comment")
          return false;
        if (this.indent <= indent)
          return false;
        return start.every((st) => st.type === "newline" || st.type === "space");
      }
      *documentEnd(docEnd) {
        if (this.type !== "doc-mode") {
          if (docEnd.end)
            docEnd.end.push(this.sourceToken);
          else
            docEnd.end = [this.sourceToken];
          if (this.type === "newline")
            yield* this.pop();
        }
      }
      *lineEnd(token) {
        switch (this.type) {
          case "comma":
          case "doc-start":
          case "doc-end":
          case "flow-seq-end":
          case "flow-map-end":
          case "map-value-ind":
            yield* this.pop();
            yield* this.step();
            break;
          case "newline":
            this.onKeyLine = false;
          // fallthrough
          case "space":
          case "comment":
          default:
            if (token.end)
              token.end.push(this.sourceToken);
            else
              token.end = [this.sourceToken];
            if (this.type === "newline")
              yield* this.pop();
        }
      }
    };
    exports.Parser = Parser;
  }
});

// node_modules/yaml/dist/public-api.js
var require_public_api = __commonJS({
  "node_modules/yaml/dist/public-api.js"(exports) {
    "use strict";
    var composer = require_composer();
    var Document = require_Document();
    var errors = require_errors();
    var log = require_log();
    var identity2 = require_identity();
    var lineCounter = require_line_counter();
    var parser = require_parser();
    function parseOptions(options) {
      const prettyErrors = options.prettyErrors !== false;
      const lineCounter$1 = options.lineCounter || prettyErrors && new lineCounter.LineCounter() || null;
      return { lineCounter: lineCounter$1, prettyErrors };
    }
    function parseAllDocuments(source2, options = {}) {
      const { lineCounter: lineCounter2, prettyErrors } = parseOptions(options);
      const parser$1 = new parser.Parser(lineCounter2?.addNewLine);
      const composer$1 = new composer.Composer(options);
      const docs = Array.from(composer$1.compose(parser$1.parse(source2)));
      if (prettyErrors && lineCounter2)
        for (const doc of docs) {
          doc.errors.forEach(errors.prettifyError(source2, lineCounter2));
          doc.warnings.forEach(errors.prettifyError(source2, lineCounter2));
        }
      if (docs.length > 0)
        return docs;
      return Object.assign([], { empty: true }, composer$1.streamInfo());
    }
    function parseDocument2(source2, options = {}) {
      const { lineCounter: lineCounter2, prettyErrors } = parseOptions(options);
      const parser$1 = new parser.Parser(lineCounter2?.addNewLine);
      const composer$1 = new composer.Composer(options);
      let doc = null;
      for (const _doc of composer$1.compose(parser$1.parse(source2), true, source2.length)) {
        if (!doc)
          doc = _doc;
        else if (doc.options.logLevel !== "silent") {
          doc.errors.push(new errors.YAMLParseError(_doc.range.slice(0, 2), "MULTIPLE_DOCS", "Source contains multiple documents; please use YAML.parseAllDocuments()"));
          break;
        }
      }
      if (prettyErrors && lineCounter2) {
        doc.errors.forEach(errors.prettifyError(source2, lineCounter2));
        doc.warnings.forEach(errors.prettifyError(source2, lineCounter2));
      }
      return doc;
    }
    function parse2(src, reviver, options) {
      let _reviver = void 0;
      if (typeof reviver === "function") {
        _reviver = reviver;
      } else if (options === void 0 && reviver && typeof reviver === "object") {
        options = reviver;
      }
      const doc = parseDocument2(src, options);
      if (!doc)
        return null;
      doc.warnings.forEach((warning) => log.warn(doc.options.logLevel, warning));
      if (doc.errors.length > 0) {
        if (doc.options.logLevel !== "silent")
          throw doc.errors[0];
        else
          doc.errors = [];
      }
      return doc.toJS(Object.assign({ reviver: _reviver }, options));
    }
    function stringify2(value, replacer, options) {
      let _replacer = null;
      if (typeof replacer === "function" || Array.isArray(replacer)) {
        _replacer = replacer;
      } else if (options === void 0 && replacer) {
        options = replacer;
      }
      if (typeof options === "string")
        options = options.length;
      if (typeof options === "number") {
        const indent = Math.round(options);
        options = indent < 1 ? void 0 : indent > 8 ? { indent: 8 } : { indent };
      }
      if (value === void 0) {
        const { keepUndefined } = options ?? replacer ?? {};
        if (!keepUndefined)
          return void 0;
      }
      if (identity2.isDocument(value) && !_replacer)
        return value.toString(options);
      return new Document.Document(value, _replacer, options).toString(options);
    }
    exports.parse = parse2;
    exports.parseAllDocuments = parseAllDocuments;
    exports.parseDocument = parseDocument2;
    exports.stringify = stringify2;
  }
});

// node_modules/yaml/dist/index.js
var require_dist = __commonJS({
  "node_modules/yaml/dist/index.js"(exports) {
    "use strict";
    var composer = require_composer();
    var Document = require_Document();
    var Schema = require_Schema();
    var errors = require_errors();
    var Alias = require_Alias();
    var identity2 = require_identity();
    var Pair = require_Pair();
    var Scalar = require_Scalar();
    var YAMLMap = require_YAMLMap();
    var YAMLSeq = require_YAMLSeq();
    var cst = require_cst();
    var lexer = require_lexer();
    var lineCounter = require_line_counter();
    var parser = require_parser();
    var publicApi = require_public_api();
    var visit = require_visit();
    exports.Composer = composer.Composer;
    exports.Document = Document.Document;
    exports.Schema = Schema.Schema;
    exports.YAMLError = errors.YAMLError;
    exports.YAMLParseError = errors.YAMLParseError;
    exports.YAMLWarning = errors.YAMLWarning;
    exports.Alias = Alias.Alias;
    exports.isAlias = identity2.isAlias;
    exports.isCollection = identity2.isCollection;
    exports.isDocument = identity2.isDocument;
    exports.isMap = identity2.isMap;
    exports.isNode = identity2.isNode;
    exports.isPair = identity2.isPair;
    exports.isScalar = identity2.isScalar;
    exports.isSeq = identity2.isSeq;
    exports.Pair = Pair.Pair;
    exports.Scalar = Scalar.Scalar;
    exports.YAMLMap = YAMLMap.YAMLMap;
    exports.YAMLSeq = YAMLSeq.YAMLSeq;
    exports.CST = cst;
    exports.Lexer = lexer.Lexer;
    exports.LineCounter = lineCounter.LineCounter;
    exports.Parser = parser.Parser;
    exports.parse = publicApi.parse;
    exports.parseAllDocuments = publicApi.parseAllDocuments;
    exports.parseDocument = publicApi.parseDocument;
    exports.stringify = publicApi.stringify;
    exports.visit = visit.visit;
    exports.visitAsync = visit.visitAsync;
  }
});

// src/core/waivers.ts
function refuseWaivedRule(rule) {
  const waivable = `waivable rules: ${WAIVABLE_RULES.join(", ")}`;
  if (!RULE_IDS.includes(rule)) return `is not a rule of docs/rules.md; ${waivable}`;
  const id = rule;
  if (WAIVABLE_RULES.includes(id)) return void 0;
  if (/^PH[124]/.test(id)) return `cannot be waived: it judges the project, the lock or the release, not payload files; ${waivable}`;
  return `cannot be waived: a waiver of "${RULES[id].title}" would defeat the charter (${RULES[id].charter}); fix what it finds; ${waivable}`;
}
function judgeWaiverPath(glob) {
  if (glob.length > MAX_GLOB_LENGTH) return `is longer than ${MAX_GLOB_LENGTH} characters`;
  if (!/^[\x20-\x7e]+$/.test(glob) || glob.trim() !== glob) return "must be printable ASCII without leading or trailing spaces";
  if (glob.startsWith("/")) return "is absolute: give a glob relative to the venv, such as lib/python3.*/site-packages/pkg/bin/arm64/*";
  if (/[\\[\]{}]/.test(glob)) return "holds a backslash, brackets or braces: only *, ** and ? are wildcards here";
  const segments = glob.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return 'has an empty, "." or ".." segment: give a plain path inside the venv';
  if (segments.every((s) => /^[*?]+$/.test(s))) return "is wildcards alone, which would waive the rule for the whole venv: name the directory or files";
  return void 0;
}
function globPattern(glob) {
  let source2 = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        source2 += "(?:[^/]*/)*";
      } else {
        source2 += ".*";
      }
    } else if (c === "*") {
      source2 += "[^/]*";
    } else if (c === "?") {
      source2 += "[^/]";
    } else {
      source2 += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source2}$`);
}
function waivedLine(f, root) {
  return f.file.startsWith(`${root}/`) ? `${f.rule} ${f.file.slice(root.length + 1)}: ${f.waived?.reason ?? ""}` : `${f.rule}: ${f.message}`;
}
function waivedLines(findings, root) {
  return findings.filter((f) => f.waived).map((f) => waivedLine(f, root));
}
function waivedParagraphs(lines) {
  if (lines.length === 0) return [];
  const shown3 = lines.slice(0, DESCRIBED_WAIVERS);
  const more = lines.length - shown3.length;
  return [
    "Audit findings waived by audit.waive in phoreus.yaml, each with its reason:",
    ...shown3.map((line) => `- ${line}`),
    ...more > 0 ? [`- and ${more} more, listed in the build report`] : []
  ];
}
var MAX_GLOB_LENGTH, MAX_REASON_LENGTH, WaiverSet, DESCRIBED_WAIVERS;
var init_waivers = __esm({
  "src/core/waivers.ts"() {
    "use strict";
    init_finding();
    init_rules();
    MAX_GLOB_LENGTH = 512;
    MAX_REASON_LENGTH = 500;
    WaiverSet = class {
      constructor(waivers, root) {
        this.root = root;
        this.patterns = waivers.map((waiver2) => ({ waiver: waiver2, pattern: globPattern(waiver2.path) }));
      }
      root;
      used = /* @__PURE__ */ new Set();
      patterns;
      /** The waiver that covers a finding of this rule on this payload path, if any. */
      covering(rule, path) {
        if (!path.startsWith(`${this.root}/`)) return void 0;
        const relative7 = path.slice(this.root.length + 1);
        return this.patterns.find((p) => p.waiver.rule === rule && p.pattern.test(relative7))?.waiver;
      }
      /** The finding, marked waived when a waiver covers it. */
      apply(f) {
        const waiver2 = this.covering(f.rule, f.file);
        if (!waiver2) return f;
        this.used.add(waiver2);
        return { ...f, waived: { reason: waiver2.reason, by: `${waiver2.file}:${waiver2.line}` } };
      }
      /** PH319 for each waiver that covered no finding. */
      unmatched() {
        return this.patterns.filter((p) => !this.used.has(p.waiver)).map(({ waiver: waiver2 }) => finding("PH319", waiver2.file, waiver2.line, `the waiver of ${waiver2.rule} for ${waiver2.path} matches no finding in this RPM: the file is gone, the glob is wrong, or the finding is fixed; correct the glob or remove the waiver`));
      }
    };
    DESCRIBED_WAIVERS = 50;
  }
});

// src/config/schema.ts
function describe(n) {
  if ((0, import_yaml.isMap)(n)) return "a mapping";
  if ((0, import_yaml.isSeq)(n)) return "a list";
  if ((0, import_yaml.isScalar)(n)) return n.value === null ? "empty" : `${typeof n.value} "${shown(String(n.value), 40)}"`;
  return "empty";
}
function validate(node, schema, lines, path = "") {
  const validation = new Validation(lines);
  validation.walk(node, schema, path);
  return { errors: validation.errors, index: validation.index };
}
function closeTo(a, b) {
  if (Math.abs(a.length - b.length) > 2) return false;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return (row[b.length] ?? 99) <= 2;
}
var import_yaml, Validation;
var init_schema = __esm({
  "src/config/schema.ts"() {
    "use strict";
    import_yaml = __toESM(require_dist(), 1);
    init_values();
    init_outward();
    Validation = class {
      constructor(lines) {
        this.lines = lines;
      }
      lines;
      errors = [];
      index = /* @__PURE__ */ new Map();
      /** Line of the key whose value is being checked: an empty value has no position of its own. */
      keyLine = 1;
      lineOf(n) {
        const offset = n?.range?.[0];
        return offset === void 0 ? this.keyLine : this.lines.linePos(offset).line;
      }
      fail(n, at, message) {
        this.errors.push({ line: (0, import_yaml.isScalar)(n) && n.value === null ? this.keyLine : this.lineOf(n), path: at, message });
      }
      judged(n, at, judge) {
        const value = (0, import_yaml.isScalar)(n) ? String(n.value) : "";
        const wrong = judge?.(value);
        if (wrong) this.fail(n, at, `${at}: "${shown(value)}" is not safe: ${wrong}`);
      }
      walk(n, s, at) {
        this.index.set(at, this.lineOf(n));
        const where = at || "the top level";
        switch (s.type) {
          case "string":
            return this.string(n, s, at, where);
          case "scalar":
            if (!(0, import_yaml.isScalar)(n) || n.value === null || typeof n.value === "object") return this.fail(n, at, `${where} must be a string or number, not ${describe(n)}`);
            return this.judged(n, at, s.judge);
          case "boolean":
            if (!(0, import_yaml.isScalar)(n) || typeof n.value !== "boolean") this.fail(n, at, `${where} must be true or false, not ${describe(n)}`);
            return;
          case "list":
            if (!(0, import_yaml.isSeq)(n)) return this.fail(n, at, `${where} must be a list, not ${describe(n)}`);
            n.items.forEach((item, i) => this.walk(item, s.items, `${at}[${i}]`));
            return;
          case "object":
          case "map":
            return this.mapping(n, s, at, where);
        }
      }
      string(n, s, at, where) {
        if (s.missing && (n === null || n === void 0 || (0, import_yaml.isScalar)(n) && (n.value === null || String(n.value).trim() === ""))) {
          return this.fail(n, at, `${where} ${s.missing}`);
        }
        if ((0, import_yaml.isScalar)(n) && typeof n.value === "number") {
          return this.fail(n, at, `${where} must be a string, not the number ${String(n.value)}: quote it, as YAML reads an unquoted 1.10 as the number 1.1`);
        }
        if (!(0, import_yaml.isScalar)(n) || typeof n.value !== "string") return this.fail(n, at, `${where} must be a string, not ${describe(n)}`);
        if (s.pattern && !s.pattern.test(n.value)) return this.fail(n, at, `${where}: "${shown(n.value)}" ${s.hint ?? "is not valid"}`);
        const refused = s.refuse?.(n.value);
        if (refused) return this.fail(n, at, `${where}: "${shown(n.value)}" ${refused}`);
        this.judged(n, at, s.judge);
      }
      /** An object (known fields, required ones) or a map (keys of a pattern, values of one schema). */
      mapping(n, s, at, where) {
        if (!(0, import_yaml.isMap)(n)) return this.fail(n, at, `${where} must be a mapping, not ${describe(n)}`);
        if (s.type === "object") {
          const present = new Set(n.items.map((p) => (0, import_yaml.isScalar)(p.key) ? String(p.key.value) : ""));
          for (const key of s.required ?? []) {
            if (!present.has(key)) this.fail(n, at, `${where} needs "${key}"`);
          }
        }
        for (const pair of n.items) {
          const keyNode = pair.key;
          const key = (0, import_yaml.isScalar)(keyNode) ? String(keyNode.value) : "";
          const child = at ? `${at}.${key}` : key;
          this.keyLine = this.lineOf(keyNode);
          const value = s.type === "object" ? this.field(s, keyNode, key, child, where) : this.mapValue(s, keyNode, key, child, where);
          if (!value) continue;
          this.walk(pair.value, value, child);
          this.index.set(child, this.lineOf(keyNode));
        }
      }
      field(s, keyNode, key, child, where) {
        const field = s.fields[key];
        if (field) return field;
        const known = Object.keys(s.fields);
        const near = known.find((k) => closeTo(k, key));
        this.fail(keyNode, child, `unknown key "${shown(key)}" in ${where}${near ? ` (did you mean "${near}"?)` : ""}; known keys: ${known.join(", ")}`);
        return void 0;
      }
      mapValue(s, keyNode, key, child, where) {
        if ((0, import_yaml.isScalar)(keyNode) && typeof keyNode.value === "string" && s.keys.pattern.test(key)) return s.values;
        this.fail(keyNode, child, `"${shown(key)}" in ${where} ${s.keys.hint}`);
        return void 0;
      }
    };
  }
});

// src/config/config.ts
function parseConfig(file, text) {
  const lines = new import_yaml2.LineCounter();
  const doc = (0, import_yaml2.parseDocument)(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const findings = [];
  for (const error of doc.errors) {
    const line = lines.linePos(error.pos[0]).line;
    findings.push(finding("PH113", file, line, `${file} is not valid YAML: ${error.message.split("\n")[0]}; fix the syntax`));
  }
  if (findings.length > 0) return { file, raw: {}, index: /* @__PURE__ */ new Map(), findings };
  if (doc.contents === null) return { file, raw: {}, index: /* @__PURE__ */ new Map(), findings };
  const { errors, index } = validate(doc.contents, CONFIG_SCHEMA, lines);
  for (const error of errors) findings.push(finding("PH113", file, error.line, `${error.message}; fix ${file}`));
  const raw = findings.length === 0 ? doc.toJS() ?? {} : {};
  return { file, raw, index, findings };
}
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function mergeOverride(base, override) {
  const out = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? mergeOverride(current, value) : value;
  }
  return out;
}
function effectiveConfig(loaded, interpreter) {
  const { interpreters, ...shared } = loaded.raw;
  const override = isRecord(interpreters) && isRecord(interpreters[interpreter]) ? interpreters[interpreter] : {};
  const merged = mergeOverride(shared, override);
  const tool = isRecord(merged.tool) ? merged.tool : {};
  const policy = isRecord(merged.policy) ? merged.policy : {};
  return {
    tool: Object.fromEntries(Object.entries(tool).map(([k, v]) => [k, String(v)])),
    ...typeof merged.requirements === "string" ? { requirements: merged.requirements } : {},
    ...typeof merged.lock === "string" ? { lock: merged.lock } : {},
    registries: isRecord(merged.registries) ? merged.registries : {},
    policy: { ...policy, interpreters: policy.interpreters ?? DEFAULT_SANCTIONED },
    module: isRecord(merged.module) ? { ...merged.module, ...isRecord(merged.module.env) ? { env: Object.fromEntries(Object.entries(merged.module.env).map(([k, v]) => [k, String(v)])) } : {} } : {},
    packages: isRecord(merged.packages) ? merged.packages : {},
    waivers: waiversOf(loaded, interpreter)
  };
}
function waiversOf(loaded, interpreter) {
  const listAt = (raw) => isRecord(raw) && isRecord(raw.audit) ? raw.audit.waive : void 0;
  const { interpreters } = loaded.raw;
  const override = isRecord(interpreters) ? listAt(interpreters[interpreter]) : void 0;
  const [key, list] = override !== void 0 ? [`interpreters.${interpreter}.audit.waive`, override] : ["audit.waive", listAt(loaded.raw)];
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((entry, i) => ({
    rule: String(entry.rule),
    path: String(entry.path),
    reason: String(entry.reason).trim(),
    file: loaded.file ?? "phoreus.yaml",
    line: loaded.index?.get(`${key}[${i}]`) ?? 1
  }));
}
function exceptionsFor(exceptions2, platform) {
  const out = /* @__PURE__ */ new Map();
  for (const [name, platforms] of Object.entries(exceptions2 ?? {})) {
    const reason2 = platforms[platform];
    if (reason2) out.set(name, reason2);
  }
  return out;
}
function checkModuleEnv(loaded) {
  const findings = [];
  const visit = (env, path) => {
    if (!isRecord(env)) return;
    for (const [name, value] of Object.entries(env)) {
      if (/^PYTHON/i.test(name) || /site-packages/.test(String(value))) {
        findings.push(finding("PH204", loaded.file, loaded.index.get(`${path}.${name}`) ?? 1, `${path}.${name}: the modulefile may not set ${name}${/^PYTHON/i.test(name) ? "" : " to a site-packages path"}: a Phoreus module activates its venv through VIRTUAL_ENV and PATH only (charter \xA79); remove it`));
      }
    }
  };
  visit(isRecord(loaded.raw.module) ? loaded.raw.module.env : void 0, "module.env");
  const interpreters = loaded.raw.interpreters;
  if (isRecord(interpreters)) {
    for (const [key, override] of Object.entries(interpreters)) {
      if (isRecord(override) && isRecord(override.module)) visit(override.module.env, `interpreters.${key}.module.env`);
    }
  }
  return findings;
}
function checkOverrideKeys(loaded) {
  const { interpreters } = loaded.raw;
  if (!isRecord(interpreters)) return [];
  const sanctioned = effectiveConfig(loaded, "").policy.interpreters;
  return Object.keys(interpreters).filter((key) => !sanctioned.includes(key)).map(
    (key) => finding("PH201", loaded.file, loaded.index.get(`interpreters.${key}`) ?? 1, `interpreters."${key}" overrides an interpreter that is not sanctioned (sanctioned: ${sanctioned.join(", ")}); add it to policy.interpreters or remove the override`)
  );
}
var import_yaml2, DEFAULT_SANCTIONED, str, strings, url, interpreterList, PLATFORM_KEYS, PLATFORM, reason, exceptions, copyFile, waiver, overridable, CONFIG_SCHEMA;
var init_config = __esm({
  "src/config/config.ts"() {
    "use strict";
    import_yaml2 = __toESM(require_dist(), 1);
    init_finding();
    init_waivers();
    init_values();
    init_schema();
    DEFAULT_SANCTIONED = ["3.10", "3.11"];
    str = { type: "string" };
    strings = { type: "list", items: str };
    url = { type: "string", pattern: /^(https?|file):\/\/\S+$/, hint: "is not an http(s):// or file:// URL" };
    interpreterList = { type: "list", items: { type: "string", pattern: INTERPRETER, hint: 'is not an interpreter version of the form 3.X (quote it: "3.10")' } };
    PLATFORM_KEYS = ["linux-x64", "linux-aarch64"];
    PLATFORM = { pattern: /^linux-(x64|aarch64)$/, hint: `is not a Phoreus platform key (${PLATFORM_KEYS.join(", ")})` };
    reason = { type: "string", missing: "needs a reason: say why this package is an exception on this platform" };
    exceptions = {
      type: "map",
      keys: { pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, hint: "is not a package name" },
      values: { type: "map", keys: PLATFORM, values: reason }
    };
    copyFile = { type: "object", fields: { from: str, to: str }, required: ["from", "to"] };
    waiver = {
      type: "object",
      required: ["rule", "path", "reason"],
      fields: {
        rule: { type: "string", refuse: refuseWaivedRule },
        path: { type: "string", missing: "needs a glob of the waived files, relative to the venv", refuse: judgeWaiverPath },
        reason: {
          type: "string",
          missing: "needs a reason: say why the finding is accepted (it is shown in every report and in the RPM's description)",
          // eslint-disable-next-line no-control-regex -- control characters are what is refused
          refuse: (v) => v.length > MAX_REASON_LENGTH || /[\x00-\x1f\x7f]/.test(v.trim()) ? `must be one line of at most ${MAX_REASON_LENGTH} characters` : void 0
        }
      }
    };
    overridable = {
      tool: {
        type: "object",
        fields: { name: str, version: str, summary: str, license: str, url: { type: "string", pattern: /^https?:\/\/\S+$/, hint: "is not an http(s):// URL (RPM's URL tag takes one word)" }, release: { type: "scalar", judge: judgeRelease } }
      },
      requirements: { type: "string", hint: "must be a path inside the project" },
      lock: { type: "string", hint: "must be a path inside the project" },
      registries: {
        type: "object",
        fields: { "index-url": url, "extra-index-urls": { type: "list", items: url }, "find-links": strings }
      },
      module: {
        type: "object",
        fields: {
          whatis: strings,
          help: str,
          env: {
            type: "map",
            keys: { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, hint: "is not an environment variable name" },
            values: { type: "scalar", judge: judgeEnvValue }
          }
        }
      },
      packages: {
        type: "object",
        fields: {
          skip: exceptions,
          forceSource: exceptions,
          platformSpecific: { type: "map", keys: PLATFORM, values: { type: "object", fields: { copyFiles: { type: "list", items: copyFile } } } }
        }
      },
      audit: { type: "object", fields: { waive: { type: "list", items: waiver } } }
    };
    CONFIG_SCHEMA = {
      type: "object",
      fields: {
        ...overridable,
        policy: {
          type: "object",
          fields: { interpreters: interpreterList, "interpreter-home": { type: "string", judge: judgeHome }, "interpreter-module": { type: "string", judge: judgeModule }, distros: strings }
        },
        interpreters: {
          type: "map",
          keys: { pattern: INTERPRETER, hint: 'is not an interpreter version of the form 3.X (quote it: "3.10")' },
          values: { type: "object", fields: overridable }
        }
      }
    };
  }
});

// src/config/copy-files.ts
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join as join2, posix } from "node:path";
function confined(path) {
  if (path === "" || posix.isAbsolute(path) || path.includes("\\")) return void 0;
  const normal = posix.normalize(path);
  if (normal === ".." || normal.startsWith("../")) return void 0;
  return normal === "." ? "" : normal.replace(/\/$/, "");
}
function copyDestination(to, interpreter) {
  return confined(to.split("{site-packages}").join(`lib/python${interpreter}/site-packages`));
}
function symlinkIn(root, rel) {
  let path = root;
  for (const part of rel.split("/").filter(Boolean)) {
    path = join2(path, part);
    if (isSymlink(path)) return path;
  }
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join2(dir, entry.name);
      if (entry.isSymbolicLink()) return full;
      if (entry.isDirectory()) {
        const found = walk(full);
        if (found) return found;
      }
    }
    return void 0;
  };
  return existsSync(path) && lstatSync(path).isDirectory() ? walk(path) : void 0;
}
function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
function entries(raw) {
  const out = [];
  const fromPackages = (packages, prefix) => {
    const specific = packages?.platformSpecific ?? {};
    for (const [platform, settings] of Object.entries(specific)) {
      (settings?.copyFiles ?? []).forEach((entry, i) => out.push({ key: `${prefix}packages.platformSpecific.${platform}.copyFiles[${i}]`, entry }));
    }
  };
  fromPackages(raw.packages, "");
  for (const [interpreter, override] of Object.entries(raw.interpreters ?? {})) {
    fromPackages(override?.packages, `interpreters.${interpreter}.`);
  }
  return out;
}
function checkCopyFiles(loaded, project) {
  const findings = [];
  for (const { key, entry } of entries(loaded.raw)) {
    const line = (field) => loaded.index.get(`${key}.${field}`) ?? loaded.index.get(key) ?? 1;
    const from = confined(entry.from);
    if (from === void 0) {
      findings.push(finding("PH113", loaded.file, line("from"), `${key}.from: "${entry.from}" leaves the project; give a path relative to the project directory, without ".."`));
    } else if (!existsSync(join2(project, from))) {
      findings.push(finding("PH113", loaded.file, line("from"), `${key}.from: "${entry.from}" does not exist in the project`));
    } else {
      const link = symlinkIn(project, from);
      if (link) findings.push(finding("PH113", loaded.file, line("from"), `${key}.from: "${entry.from}" holds the symlink ${posix.relative(project, link)}, which could point anywhere; copy real files only`));
    }
    if (copyDestination(entry.to, "3.11") === void 0) {
      findings.push(finding("PH113", loaded.file, line("to"), `${key}.to: "${entry.to}" leaves the venv; give a path relative to the venv (bin/, {site-packages}/ \u2026), without ".."`));
    }
  }
  return findings;
}
var init_copy_files = __esm({
  "src/config/copy-files.ts"() {
    "use strict";
    init_finding();
  }
});

// src/core/files.ts
import { copyFileSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync as rmSync2, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute as isAbsolute2, join as join3, normalize, relative, sep } from "node:path";
function insideProject(project, relPath) {
  if (isAbsolute2(relPath)) return void 0;
  const full = normalize(join3(project, relPath));
  const rel = relative(project, full);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute2(rel)) return void 0;
  return full;
}
function isWithin(root, path) {
  const rel = relative(root, path);
  return rel === "" || rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute2(rel);
}
function readText(path, root) {
  let real;
  try {
    real = realpathSync(path);
  } catch {
    throw new UsageError(`${path} cannot be read: it does not exist, or a symlink on its way is broken`);
  }
  if (!isWithin(realpathSync(root), real)) {
    throw new UsageError(`${path} leads outside ${root} (to ${shown(real)}): inputs are read from the project only; replace the symlink with the file itself`);
  }
  const stat = statSync(real);
  if (!stat.isFile()) throw new UsageError(`${path} is not a regular file`);
  if (stat.size > MAX_TEXT_BYTES) throw new UsageError(`${path} is ${stat.size} bytes, larger than any requirements or configuration file should be`);
  return readFileSync(real, "utf8");
}
function viaTemporary(target2, write) {
  mkdirSync(dirname(target2), { recursive: true });
  const temp = `${target2}.${process.pid}.partial`;
  try {
    write(temp);
    renameSync(temp, target2);
  } finally {
    rmSync2(temp, { force: true });
  }
}
function writeWhole(target2, content) {
  viaTemporary(target2, (temp) => writeFileSync(temp, content));
}
function copyWhole(source2, target2) {
  viaTemporary(target2, (temp) => copyFileSync(source2, temp));
}
var MAX_TEXT_BYTES;
var init_files = __esm({
  "src/core/files.ts"() {
    "use strict";
    init_errors();
    init_outward();
    MAX_TEXT_BYTES = 16 * 1024 * 1024;
  }
});

// src/config/load.ts
import { existsSync as existsSync2, statSync as statSync2 } from "node:fs";
import { join as join4, relative as relative2 } from "node:path";
function loadConfig(project, explicit) {
  const path = explicit ?? join4(project, "phoreus.yaml");
  if (!existsSync2(path)) {
    if (explicit) throw new UsageError(`configuration file ${explicit} does not exist; fix --config`);
    return void 0;
  }
  if (!statSync2(path).isFile()) throw new UsageError(`configuration file ${path} is not a file; fix --config`);
  const rel = relative2(project, path);
  const root = explicit && rel.startsWith("..") ? process.cwd() : project;
  return parseConfig(rel.startsWith("..") ? path : rel, readText(path, root));
}
var init_load = __esm({
  "src/config/load.ts"() {
    "use strict";
    init_errors();
    init_files();
    init_config();
  }
});

// src/plan/distros.ts
function distro(key) {
  const fixed = FIXED[key];
  if (fixed) return fixed;
  const fedora = /^fedora-([1-9]\d*)$/.exec(key);
  const release = fedora ? Number(fedora[1]) : NaN;
  const glibc = FEDORA_GLIBC[release];
  if (glibc) return { key, dist: `.fc${release}`, glibc, payload: ZSTD, image: `fedora:${release}` };
  throw new UsageError(`distro "${key}" is not one of ${DISTRO_KEYS.join(", ")}`);
}
function hostArch() {
  if (process.arch === "x64") return "x86_64";
  if (process.arch === "arm64") return "aarch64";
  throw new UsageError(`this machine's architecture (${process.arch}) is not one Phoreus builds for (${ARCHES.join(", ")})`);
}
function platformKey(arch) {
  return arch === "x86_64" ? "linux-x64" : "linux-aarch64";
}
function manylinuxTags(glibc, arch) {
  const [major, minor] = glibc;
  const tags = [];
  const legacy = { 17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1" };
  for (let m = minor; m >= 5; m--) {
    if (arch === "aarch64" && m < 17) break;
    tags.push(`manylinux_${major}_${m}_${arch}`);
    const alias = legacy[m];
    if (alias && (arch === "x86_64" || m === 17)) tags.push(`${alias}_${arch}`);
  }
  return tags;
}
var ZSTD, FIXED, FEDORA_GLIBC, DISTRO_KEYS, ARCHES;
var init_distros = __esm({
  "src/plan/distros.ts"() {
    "use strict";
    init_errors();
    ZSTD = "w3T0.zstdio";
    FIXED = {
      el8: { key: "el8", dist: ".el8", glibc: [2, 28], payload: "w2.xzdio", image: "rockylinux:8" },
      el9: { key: "el9", dist: ".el9", glibc: [2, 34], payload: ZSTD, image: "rockylinux:9" },
      el10: { key: "el10", dist: ".el10", glibc: [2, 39], payload: ZSTD, image: "rockylinux/rockylinux:10" },
      amzn2023: { key: "amzn2023", dist: ".amzn2023", glibc: [2, 34], payload: ZSTD, image: "amazonlinux:2023" }
    };
    FEDORA_GLIBC = {
      38: [2, 37],
      39: [2, 38],
      40: [2, 39],
      41: [2, 40],
      42: [2, 41],
      43: [2, 42]
    };
    DISTRO_KEYS = [...Object.keys(FIXED), ...Object.keys(FEDORA_GLIBC).map((n) => `fedora-${n}`)];
    ARCHES = ["x86_64", "aarch64"];
  }
});

// src/requirements/pep508.ts
function normalizeName(name) {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}
function looksLikeLocation(text) {
  if (NAMED_URL.test(text)) return false;
  return URL_SCHEME.test(text) || text.startsWith(".") || text.startsWith("/") || text.startsWith("~") || /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz)$/i.test(text) || text.includes("/") && !text.includes(" @ ") && !/[<>=!~;]/.test(text.split("/")[0] ?? "");
}
function eggName(url2) {
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(url2);
  return egg?.[1] ?? "";
}
function parseRequirement(input) {
  const text = input.trim();
  if (text === "") return { ok: false, error: "empty requirement" };
  if (looksLikeLocation(text)) {
    const [location, marker2] = splitMarker(text, true);
    return { ok: true, requirement: { name: eggName(location), extras: [], specifier: [], url: location, ...markerField(marker2) } };
  }
  const nameMatch = NAME.exec(text);
  if (!nameMatch) return { ok: false, error: `"${text}" does not start with a package name` };
  const name = nameMatch[0];
  let rest = text.slice(name.length).trimStart();
  const extras = [];
  if (rest.startsWith("[")) {
    const close2 = rest.indexOf("]");
    if (close2 < 0) return { ok: false, error: `unclosed "[" in the extras of ${name}` };
    for (const extra of rest.slice(1, close2).split(",")) {
      const e = extra.trim();
      if (e === "") continue;
      if (!NAME.test(e) || NAME.exec(e)?.[0] !== e) return { ok: false, error: `invalid extra "${e}" of ${name}` };
      extras.push(e);
    }
    rest = rest.slice(close2 + 1).trimStart();
  }
  if (rest.startsWith("@")) {
    const [url2, marker2] = splitMarker(rest.slice(1).trim(), true);
    if (url2 === "") return { ok: false, error: `"${name} @" is not followed by a URL` };
    return { ok: true, requirement: { name, extras, specifier: [], url: url2, ...markerField(marker2) } };
  }
  const [specText2, marker] = splitMarker(rest, false);
  const specifier = parseSpecifier(specText2);
  if (typeof specifier === "string") return { ok: false, error: `${specifier} in the requirement on ${name}` };
  return { ok: true, requirement: { name, extras, specifier, ...markerField(marker) } };
}
function markerField(marker) {
  return marker === void 0 || marker === "" ? {} : { marker };
}
function splitMarker(text, afterUrl) {
  const at = afterUrl ? text.search(/\s;/) : text.indexOf(";");
  if (at < 0) return [text.trim(), void 0];
  const cut2 = afterUrl ? text.indexOf(";", at) : at;
  return [text.slice(0, at).trim(), text.slice(cut2 + 1).trim()];
}
function parseSpecifier(input) {
  let text = input.trim();
  if (text.startsWith("(")) {
    if (!text.endsWith(")")) return 'unclosed "(" in a version specifier';
    text = text.slice(1, -1).trim();
  }
  if (text === "") return [];
  const clauses = [];
  for (const part of text.split(",")) {
    const clause = part.trim();
    const op = OPERATOR.exec(clause);
    if (!op) return `"${clause}" is not a version specifier (expected ==, >=, ~= \u2026)`;
    const version = clause.slice(op[0].length).trim();
    const v = VERSION.exec(version);
    if (!v || v[0] !== version) return `"${clause}" has no valid version`;
    clauses.push({ operator: op[0], version });
  }
  return clauses;
}
function formatSpecifier(clauses) {
  return clauses.map((c) => `${c.operator}${c.version}`).join(",");
}
var NAME, OPERATOR, VERSION, URL_SCHEME, NAMED_URL;
var init_pep508 = __esm({
  "src/requirements/pep508.ts"() {
    "use strict";
    NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
    OPERATOR = /^(===|~=|==|!=|<=|>=|<|>)/;
    VERSION = /^[A-Za-z0-9_.*+!-]+/;
    URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
    NAMED_URL = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*@/;
  }
});

// src/plan/platform-plan.ts
function platformPlan(config, platform) {
  return {
    platform,
    skip: normalized(exceptionsFor(config.packages.skip, platform)),
    forceSource: normalized(exceptionsFor(config.packages.forceSource, platform)),
    copyFiles: config.packages.platformSpecific?.[platform]?.copyFiles ?? []
  };
}
function skipFindings(plan, loaded, interpreter) {
  const lineOf = (name) => {
    const keys = [`interpreters.${interpreter}.packages.skip`, "packages.skip"];
    for (const key of keys) {
      const section = key.startsWith("interpreters") ? loaded.raw.interpreters?.[interpreter]?.packages?.skip : loaded.raw.packages?.skip;
      const written = Object.keys(section ?? {}).find((k) => normalizeName(k) === name);
      const line = written ? loaded.index.get(`${key}.${written}.${plan.platform}`) : void 0;
      if (line) return line;
    }
    return 1;
  };
  return [...plan.skip].map(([name, reason2]) => finding("PH115", loaded.file, lineOf(name), `${name} is left out of the ${plan.platform} build for Python ${interpreter}: "${reason2}"`));
}
var normalized;
var init_platform_plan = __esm({
  "src/plan/platform-plan.ts"() {
    "use strict";
    init_config();
    init_finding();
    init_pep508();
    normalized = (m) => new Map([...m].map(([k, v]) => [normalizeName(k), v]));
  }
});

// node_modules/smol-toml/dist/error.js
function getLineColFromPtr(string, ptr) {
  let lines = string.slice(0, ptr).split(/\r?\n/);
  return [lines.length, lines.pop().length + 1];
}
function makeCodeBlock(string, line, column) {
  let lines = string.split(/\r?\n/);
  let codeblock = "";
  let numberLen = (Math.log10(line + 1) | 0) + 1;
  for (let i = line - 1; i <= line + 1; i++) {
    let l = lines[i - 1];
    if (!l)
      continue;
    codeblock += i.toString().padEnd(numberLen, " ");
    codeblock += ":  ";
    codeblock += l;
    codeblock += "\n";
    if (i === line) {
      codeblock += " ".repeat(numberLen + column + 2);
      codeblock += "^\n";
    }
  }
  return codeblock;
}
var TomlError;
var init_error = __esm({
  "node_modules/smol-toml/dist/error.js"() {
    TomlError = class _TomlError extends Error {
      line;
      column;
      codeblock;
      constructor(message, options) {
        const [line, column] = getLineColFromPtr(options.toml, options.ptr);
        const codeblock = makeCodeBlock(options.toml, line, column);
        super(`Invalid TOML document: ${message}

${codeblock}`, options);
        this.line = line;
        this.column = column;
        this.codeblock = codeblock;
      }
      /** @internal */
      static x(message, ctx, ptr) {
        throw new _TomlError(message, { toml: ctx.s, ptr: ptr ?? ctx.p });
      }
    };
  }
});

// node_modules/smol-toml/dist/primitive.js
function parseString(ctx) {
  let startPtr = ctx.p;
  let c = ctx.s.charCodeAt(ctx.p++);
  let first = c;
  let isLiteral = c === 39;
  let isMultiline = c === ctx.s.charCodeAt(ctx.p) && c === ctx.s.charCodeAt(ctx.p + 1);
  if (isMultiline) {
    if ((c = ctx.s.charCodeAt(ctx.p += 2)) === 10)
      ctx.p++;
    else if (c === 13 && ctx.s.charCodeAt(ctx.p + 1) === 10)
      ctx.p += 2;
  }
  let parsed = "";
  let sliceStart = ctx.p;
  let state = 0;
  for (; ctx.p < ctx.s.length; ctx.p++) {
    c = ctx.s.charCodeAt(ctx.p);
    if (isMultiline && (c === 10 || c === 13 && ctx.s.charCodeAt(ctx.p + 1) === 10)) {
      state = state && 3;
    } else if (c < 32 && c !== 9 || c === 127) {
      TomlError.x("control characters are not allowed in strings", ctx);
    } else if ((!state || state === 3) && c === first && (!isMultiline || ctx.s.charCodeAt(ctx.p + 1) === first && ctx.s.charCodeAt(ctx.p + 2) === first)) {
      if (isMultiline) {
        if (ctx.s.charCodeAt(ctx.p + 3) === first)
          ctx.p++;
        if (ctx.s.charCodeAt(ctx.p + 3) === first)
          ctx.p++;
      }
      if (!state) {
        let s = ctx.s.slice(sliceStart, ctx.p);
        parsed = parsed ? parsed + s : s;
      }
      ctx.p += isMultiline ? 3 : 1;
      return parsed;
    } else if (!state) {
      if (!isLiteral && c === 92) {
        parsed += ctx.s.slice(sliceStart, sliceStart = ctx.p);
        state = 1;
      }
    } else if (state === 1) {
      if (c === 120 || c === 117 || c === 85) {
        let errPtr = ctx.p++ - 1;
        let value = 0;
        let len = c === 120 ? 2 : c === 117 ? 4 : 8;
        for (let j = 0; j < len; j++, ctx.p++) {
          let hex = ctx.s.charCodeAt(ctx.p);
          let digit = (
            /* 0-9 */
            hex >= 48 && hex <= 57 ? hex - 48 : (
              /* A-F */
              hex >= 65 && hex <= 70 ? hex - 65 + 10 : (
                /* a-f */
                hex >= 97 && hex <= 102 ? hex - 97 + 10 : -1
              )
            )
          );
          if (digit < 0)
            TomlError.x("invalid non-hex character in unicode escape", ctx);
          value = value << 4 | digit;
        }
        if (value < 0 || value > 1114111 || value >= 55296 && value <= 57343) {
          TomlError.x("invalid unicode escape", ctx, errPtr);
        }
        parsed += String.fromCodePoint(value);
        sliceStart = ctx.p--;
        state = 0;
      } else if (isMultiline && (c === 32 || c === 9)) {
        state = 2;
      } else {
        if (c === 98)
          parsed += "\b";
        else if (c === 116)
          parsed += "	";
        else if (c === 110)
          parsed += "\n";
        else if (c === 102)
          parsed += "\f";
        else if (c === 114)
          parsed += "\r";
        else if (c === 101)
          parsed += "\x1B";
        else if (c === 34)
          parsed += '"';
        else if (c === 92)
          parsed += "\\";
        else
          TomlError.x("unrecognised escape sequence", ctx);
        sliceStart = ctx.p + 1;
        state = 0;
      }
    } else if (c !== 32 && c !== 9) {
      if (state === 2)
        TomlError.x("invalid escape: only line-ending whitespace may be escaped", ctx, sliceStart);
      state = !isLiteral && c === 92 ? 1 : 0;
      sliceStart = ctx.p;
    }
  }
  TomlError.x("unfinished string", ctx, startPtr);
}
var init_primitive = __esm({
  "node_modules/smol-toml/dist/primitive.js"() {
    init_error();
  }
});

// node_modules/smol-toml/dist/date.js
var DATE_TIME_RE, TomlDate;
var init_date = __esm({
  "node_modules/smol-toml/dist/date.js"() {
    DATE_TIME_RE = /^(\d{4}-\d{2}-\d{2})?[Tt ]?(?:(\d{2}):\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|z|[-+]\d{2}:\d{2})?$/i;
    TomlDate = class _TomlDate extends Date {
      #hasDate = false;
      #hasTime = false;
      #offset = null;
      constructor(date, fasttype, unsafeDelim) {
        let hasDate = true;
        let hasTime = true;
        let offset = "Z";
        let c;
        if (typeof date === "string") {
          if (fasttype)
            prep: {
              if (fasttype < 3) {
                if (+date.slice(11, 13) > 23) {
                  date = "";
                  break prep;
                }
                if (fasttype === 2) {
                  offset = null;
                  date += "Z";
                } else if ((c = date.charCodeAt(date.length - 1)) !== 90 && c !== 122) {
                  offset = date.slice(date.length - 6);
                }
                if (unsafeDelim)
                  date = date.slice(0, 10) + "T" + date.slice(11);
              } else if (fasttype === 4) {
                date = +date.slice(0, 2) > 23 ? "" : `0000-01-01T${date}Z`;
              }
              hasDate = fasttype !== 4;
              hasTime = fasttype !== 3;
            }
          else {
            let match = date.match(DATE_TIME_RE);
            if (match) {
              if (!match[1]) {
                hasDate = false;
                date = `0000-01-01T${date}`;
              }
              hasTime = !!match[2];
              hasTime && date[10] === " " && (date = date.replace(" ", "T"));
              if (match[2] && +match[2] > 23) {
                date = "";
              } else {
                offset = match[3] || null;
                if (!offset && hasTime)
                  date += "Z";
              }
            } else {
              date = "";
            }
          }
        }
        super(date);
        if (!isNaN(this.getTime())) {
          this.#hasDate = hasDate;
          this.#hasTime = hasTime;
          this.#offset = offset;
        }
      }
      isDateTime() {
        return this.#hasDate && this.#hasTime;
      }
      isLocal() {
        return !this.#hasDate || !this.#hasTime || !this.#offset;
      }
      isDate() {
        return this.#hasDate && !this.#hasTime;
      }
      isTime() {
        return this.#hasTime && !this.#hasDate;
      }
      isValid() {
        return this.#hasDate || this.#hasTime;
      }
      toISOString() {
        let iso = super.toISOString();
        if (this.isDate())
          return iso.slice(0, 10);
        if (this.isTime())
          return iso.slice(11, 23);
        if (this.#offset === null)
          return iso.slice(0, -1);
        if (this.#offset === "Z" || this.#offset === "z")
          return iso;
        let offset = +this.#offset.slice(1, 3) * 60 + +this.#offset.slice(4, 6);
        offset = this.#offset[0] === "-" ? offset : -offset;
        let offsetDate = new Date(this.getTime() - offset * 6e4);
        return offsetDate.toISOString().slice(0, -1) + this.#offset;
      }
      static wrapAsOffsetDateTime(jsDate, offset = "Z") {
        let date = new _TomlDate(jsDate);
        date.#offset = offset;
        return date;
      }
      static wrapAsLocalDateTime(jsDate) {
        let date = new _TomlDate(jsDate);
        date.#offset = null;
        return date;
      }
      static wrapAsLocalDate(jsDate) {
        let date = new _TomlDate(jsDate);
        date.#hasTime = false;
        date.#offset = null;
        return date;
      }
      static wrapAsLocalTime(jsDate) {
        let date = new _TomlDate(jsDate);
        date.#hasDate = false;
        date.#offset = null;
        return date;
      }
    };
  }
});

// node_modules/smol-toml/dist/extract.js
function isDigit(char, base = 10) {
  return base === 16 ? char > 47 && char < 58 || char > 64 && char < 71 || char > 96 && char < 103 : char > 47 && char < 48 + base;
}
function isEndOfValue(char, delim) {
  return char === 32 || char === 9 || char === 10 || char === 13 || // Structure end or next value delimiter
  delim && (char === delim || char === 44) || // Comment
  char === 35;
}
function extractValue(ctx, end) {
  let errPtr = ctx.p;
  let c = ctx.s.charCodeAt(ctx.p);
  if (c === 91 || c === 123) {
    ctx.d-- || TomlError.x("document contains excessively nested structures. aborting.", ctx);
    let value = c === 91 ? parseArray(ctx) : parseInlineTable(ctx);
    ctx.d++;
    return value;
  }
  if (c === 34 || c === 39) {
    return parseString(ctx);
  }
  if (c === 116) {
    if (ctx.s.charCodeAt(++ctx.p) !== 114 || ctx.s.charCodeAt(++ctx.p) !== 117 || ctx.s.charCodeAt(++ctx.p) !== 101)
      TomlError.x("invalid value", ctx, errPtr);
    return ctx.p++, true;
  }
  if (c === 102) {
    if (ctx.s.charCodeAt(++ctx.p) !== 97 || ctx.s.charCodeAt(++ctx.p) !== 108 || ctx.s.charCodeAt(++ctx.p) !== 115 || ctx.s.charCodeAt(++ctx.p) !== 101)
      TomlError.x("invalid value", ctx, errPtr);
    return ctx.p++, false;
  }
  if (c === 43 || c === 45) {
    return parseNumber(ctx, ctx.p, ctx.s.charCodeAt(++ctx.p), 44 - c, end);
  }
  if (ctx.s.charCodeAt(ctx.p + 4) === 45 && ctx.s.charCodeAt(ctx.p + 7) === 45) {
    return parseDate(ctx, c, end);
  }
  if (ctx.s.charCodeAt(ctx.p + 2) === 58) {
    return parseTime(ctx, c, end);
  }
  return parseNumber(ctx, ctx.p, c, 0, end);
}
function parseNumber(ctx, startPtr, startChr, sign, endChr) {
  let c = startChr;
  let state = 0;
  let hasUnderscores = false;
  if (c === 105) {
    if (ctx.s.charCodeAt(++ctx.p) !== 110 || ctx.s.charCodeAt(++ctx.p) !== 102)
      TomlError.x("invalid value", ctx, startPtr);
    return ctx.p++, (sign || 1) / 0;
  }
  if (c === 110) {
    if (ctx.s.charCodeAt(++ctx.p) !== 97 || ctx.s.charCodeAt(++ctx.p) !== 110)
      TomlError.x("invalid value", ctx, startPtr);
    return ctx.p++, NaN;
  }
  if (c === 48) {
    if (++ctx.p >= ctx.s.length || isEndOfValue(c = ctx.s.charCodeAt(ctx.p), endChr))
      return ctx.bi === true ? 0n : 0;
    if (!sign) {
      if (c === 120)
        return parseIntegerBaseN(ctx, startPtr, 16, endChr);
      else if (c === 98)
        return parseIntegerBaseN(ctx, startPtr, 2, endChr);
      else if (c === 111)
        return parseIntegerBaseN(ctx, startPtr, 8, endChr);
    }
    if (c === 46)
      state = 2;
    else if (c === 101 || c === 69)
      state = 4;
    else
      TomlError.x("illegal leading zero", ctx, startPtr);
  } else if (!isDigit(c))
    TomlError.x("invalid value", ctx, startPtr);
  while (++ctx.p < ctx.s.length && (c = ctx.s.charCodeAt(ctx.p), !isEndOfValue(c, endChr))) {
    if (!state)
      state = 1;
    if (c === 95) {
      if (!(state & 1))
        TomlError.x("illegal underscore", ctx);
      state += 11;
      hasUnderscores = true;
    } else if (state === 1 && c === 46)
      state = 2;
    else if ((state === 1 || state === 3) && (c === 101 || c === 69))
      state = 4;
    else if (state === 4 && (c === 43 || c === 45)) {
      state = 6;
    } else if (!isDigit(c))
      TomlError.x(`illegal character in numeric literal`, ctx);
    else if (state > 9)
      state -= 11;
    else if (!(state & 1))
      state++;
  }
  if (!state) {
    let val = (startChr - 48) * (sign || 1);
    return ctx.bi === true ? BigInt(val) : val;
  }
  if (!(state & 1))
    TomlError.x("unfinished numeric value", ctx, startPtr);
  let str2 = ctx.s.slice(startPtr, ctx.p);
  if (hasUnderscores)
    str2 = str2.replaceAll("_", "");
  return state > 1 ? parseFloat(str2) : parseInteger(ctx, str2, 10, startPtr);
}
function parseIntegerBaseN(ctx, startPtr, base, endChr) {
  let c, underscore = 1;
  while (++ctx.p < ctx.s.length && (c = ctx.s.charCodeAt(ctx.p), !isEndOfValue(c, endChr))) {
    if (c === 95) {
      if (underscore & 1)
        TomlError.x("illegal underscore", ctx);
      underscore = 3;
    } else if (!isDigit(c, base))
      TomlError.x(`illegal character in numeric literal`, ctx);
    else if (underscore & 1)
      underscore--;
  }
  if (underscore & 1)
    TomlError.x("unfinished numeric value", ctx);
  let str2 = ctx.s.slice(startPtr + 2, ctx.p);
  if (underscore)
    str2 = str2.replaceAll("_", "");
  return parseInteger(ctx, str2, base, startPtr);
}
function parseInteger(ctx, str2, base, startPtr) {
  if (ctx.bi !== true)
    int: {
      let val = parseInt(str2, base);
      if (!Number.isSafeInteger(val)) {
        if (ctx.bi)
          break int;
        TomlError.x("integer value cannot be represented losslessly", ctx, startPtr);
      }
      return val;
    }
  return base === 10 ? BigInt(str2) : BigInt((base === 2 ? "0b" : base === 8 ? "0o" : "0x") + str2);
}
function parseDate(ctx, c, endChr) {
  let startPtr = ctx.p++, unsafeSeparator;
  if (!isDigit(c) || !isDigit(ctx.s.charCodeAt(ctx.p++)) || !isDigit(ctx.s.charCodeAt(ctx.p++)) || !isDigit(ctx.s.charCodeAt(ctx.p++))) {
    return parseNumber(ctx, ctx.p = startPtr, c, 0, endChr);
  }
  ctx.p += 5;
  if (!isDigit(ctx.s.charCodeAt(ctx.p++)))
    TomlError.x("invalid date-time: date part is malformed", ctx, startPtr);
  if (ctx.p >= ctx.s.length || ((c = ctx.s.charCodeAt(ctx.p)) !== 32 || (unsafeSeparator = true, !isDigit(ctx.s.charCodeAt(ctx.p + 1)))) && c !== 84 && c !== 116) {
    let t2 = ctx.s.slice(startPtr, ctx.p);
    return readDate(ctx, t2, 3, false, startPtr);
  }
  if (ctx.s.charCodeAt(ctx.p += 3) !== 58)
    TomlError.x("invalid date-time: time part is malformed", ctx, startPtr);
  if (ctx.s.charCodeAt(ctx.p += 3) === 58)
    ctx.p += 3;
  if (ctx.s.charCodeAt(ctx.p) === 46)
    while (isDigit(ctx.s.charCodeAt(++ctx.p)))
      ;
  if (c = ctx.s.charCodeAt(ctx.p)) {
    if (c === 90 || c === 122) {
      let t2 = ctx.s.slice(startPtr, ++ctx.p);
      return readDate(ctx, t2, 1, unsafeSeparator, startPtr, "[+00:00]");
    }
    if (c === 43 || c === 45) {
      let t2 = ctx.s.slice(startPtr, ctx.p += 6);
      return readDate(ctx, t2, 1, unsafeSeparator, startPtr, !ctx.ld && "[" + ctx.s.slice(ctx.p - 6, ctx.p) + "]");
    }
  }
  let t = ctx.s.slice(startPtr, ctx.p);
  return readDate(ctx, t, 2, unsafeSeparator, startPtr);
}
function parseTime(ctx, c, endChr) {
  let start = ctx.p;
  if (!isDigit(c) || !isDigit(ctx.s.charCodeAt(++ctx.p))) {
    return parseNumber(ctx, --ctx.p, c, 0, endChr);
  }
  if (ctx.s.charCodeAt(ctx.p += 4) === 58)
    ctx.p += 3;
  if (ctx.s.charCodeAt(ctx.p) === 46)
    while (isDigit(ctx.s.charCodeAt(++ctx.p)))
      ;
  let t = ctx.s.slice(start, ctx.p);
  return readDate(ctx, t, 4, false, start);
}
function readDate(ctx, str2, type, unsafeDelim, errPtr, temporalSuffix) {
  if (ctx.ld) {
    let date = new TomlDate(str2, type, unsafeDelim);
    if (!date.isValid())
      TomlError.x("invalid date", ctx, errPtr);
    return date;
  }
  try {
    if (temporalSuffix)
      str2 += temporalSuffix;
    switch (type) {
      case 1:
        return Temporal.ZonedDateTime.from(str2);
      case 2:
        return Temporal.PlainDateTime.from(str2);
      case 3:
        return Temporal.PlainDate.from(str2);
      case 4:
        return Temporal.PlainTime.from(str2);
    }
  } catch (e) {
    TomlError.x(e instanceof Error ? e.message : "" + e, ctx, errPtr);
  }
}
var init_extract = __esm({
  "node_modules/smol-toml/dist/extract.js"() {
    init_primitive();
    init_struct();
    init_error();
    init_date();
  }
});

// node_modules/smol-toml/dist/util.js
function skipComment(ctx) {
  for (; ctx.p < ctx.s.length; ctx.p++) {
    let c = ctx.s.charCodeAt(ctx.p);
    if (c === 10)
      break;
    if (c === 13 && ctx.s.charCodeAt(ctx.p + 1) === 10) {
      ctx.p++;
      break;
    }
    if (c < 32 && c !== 9 || c === 127) {
      TomlError.x("control characters are not allowed in comments", ctx);
    }
  }
}
function skipVoid(ctx, banNewLines, banComments) {
  let c;
  while (ctx.p < ctx.s.length) {
    while (ctx.p < ctx.s.length && ((c = ctx.s.charCodeAt(ctx.p)) === 32 || c === 9 || !banNewLines && (c === 10 || c === 13 && ctx.s.charCodeAt(ctx.p + 1) === 10)))
      ctx.p++;
    if (banComments || c !== 35)
      break;
    skipComment(ctx);
  }
}
var init_util = __esm({
  "node_modules/smol-toml/dist/util.js"() {
    init_error();
  }
});

// node_modules/smol-toml/dist/struct.js
function parseKey(ctx, end = 61) {
  let startPtr;
  let state = 0;
  let parsed = [];
  let sliceStart;
  let c = ctx.s.charCodeAt(startPtr = ctx.p);
  do {
    if (c === end) {
      if (!state)
        TomlError.x("unexpected end of key", ctx);
      if (state === 1)
        parsed.push(ctx.s.slice(sliceStart, ctx.p));
      return ctx.p++, parsed;
    } else if (c === 46) {
      if (!state)
        TomlError.x("illegal empty bare key", ctx);
      if (state === 1)
        parsed.push(ctx.s.slice(sliceStart, ctx.p));
      state = 0;
    } else if (!state && (c === 34 || c === 39)) {
      if (c === ctx.s.charCodeAt(ctx.p + 1) && c === ctx.s.charCodeAt(ctx.p + 2))
        TomlError.x("illegal quoted key: multiline strings are not allowed", ctx);
      parsed.push(parseString(ctx));
      state = 2;
      ctx.p--;
    } else if (c === 32 || c === 9) {
      if (state === 1) {
        parsed.push(ctx.s.slice(sliceStart, ctx.p));
        state = 2;
      }
    } else if (state === 2 || c < 48 && c !== 45 || c > 57 && c < 65 || c > 90 && c < 97 && c !== 95 || c > 122) {
      TomlError.x("illegal character in key", ctx);
    } else if (!state) {
      state = 1;
      sliceStart = ctx.p;
    }
  } while (c = ctx.s.charCodeAt(++ctx.p));
  TomlError.x("incomplete key-value: cannot find end of key", ctx, startPtr);
}
function parseInlineTable(ctx) {
  let startPtr = ctx.p++;
  let res = /* @__PURE__ */ Object.create(null);
  let seen = /* @__PURE__ */ new Set();
  let c;
  while (ctx.p < ctx.s.length) {
    skipVoid(ctx);
    if ((c = ctx.s.charCodeAt(ctx.p)) === 125) {
      ctx.p++;
      return res;
    }
    let k;
    let t = res;
    let hasOwn = false;
    let errPtr = ctx.p;
    let key = parseKey(ctx);
    for (let i = 0; i < key.length; i++) {
      if (i)
        t = hasOwn ? t[k] : t[k] = /* @__PURE__ */ Object.create(null);
      k = key[i];
      if ((hasOwn = Object.hasOwn(t, k)) && (typeof t[k] !== "object" || seen.has(t[k]))) {
        TomlError.x("trying to redefine an already defined value", ctx, errPtr);
      }
      let unsafe = k === "__proto__";
      if (ctx.uk && (unsafe || k === "constructor")) {
        t = ctx.uk !== 1 && TomlError.x("document contains an unsafe property", ctx, errPtr);
        break;
      }
      if (!hasOwn && unsafe) {
        Object.defineProperty(t, k, { enumerable: true, configurable: true, writable: true });
      }
    }
    if (hasOwn) {
      TomlError.x("trying to redefine an already defined value", ctx, errPtr);
    }
    skipVoid(ctx, true, true);
    let value = extractValue(
      ctx,
      125
      /* } */
    );
    if (t && typeof (t[k] = value) === "object")
      seen.add(value);
    skipVoid(ctx);
    if ((c = ctx.s.charCodeAt(ctx.p++)) === 125) {
      return res;
    }
    if (c !== 44)
      TomlError.x("expected comma or end of structure", ctx, ctx.p - 1);
  }
  TomlError.x("unfinished table", ctx, startPtr);
}
function parseArray(ctx) {
  let startPtr = ctx.p++;
  let res = [];
  let c;
  while (ctx.p < ctx.s.length) {
    skipVoid(ctx);
    if ((c = ctx.s.charCodeAt(ctx.p)) === 93) {
      ctx.p++;
      return res;
    }
    res.push(extractValue(
      ctx,
      93
      /* ] */
    ));
    skipVoid(ctx);
    if ((c = ctx.s.charCodeAt(ctx.p++)) === 93) {
      return res;
    }
    if (c !== 44)
      TomlError.x("expected comma or end of structure", ctx, ctx.p - 1);
  }
  TomlError.x("unfinished array", ctx, startPtr);
}
var init_struct = __esm({
  "node_modules/smol-toml/dist/struct.js"() {
    init_primitive();
    init_extract();
    init_util();
    init_error();
  }
});

// node_modules/smol-toml/dist/parse.js
function peekTable(ctx, key, table, meta, type) {
  let t = table;
  let m = meta;
  let k;
  let hasOwn = false;
  let state;
  for (let i = 0; i < key.length; i++) {
    if (i) {
      t = hasOwn ? t[k] : t[k] = /* @__PURE__ */ Object.create(null);
      m = (state = m[k]).c;
      if (type === 0 && (state.t === 1 || state.t === 2)) {
        return null;
      }
      if (state.t === 2) {
        let l = t.length - 1;
        t = t[l];
        m = m[l].c;
      }
    }
    k = key[i];
    if ((hasOwn = Object.hasOwn(t, k)) && m[k]?.t === 0 && m[k]?.d) {
      return null;
    }
    if (!hasOwn) {
      let unsafe = k === "__proto__";
      if (ctx.uk && (unsafe || k === "constructor"))
        return false;
      if (unsafe) {
        Object.defineProperty(t, k, { enumerable: true, configurable: true, writable: true });
        Object.defineProperty(m, k, { enumerable: true, configurable: true, writable: true });
      }
      m[k] = {
        t: i < key.length - 1 && type === 2 ? 3 : type,
        d: false,
        i: 0,
        c: /* @__PURE__ */ Object.create(null)
      };
    }
  }
  state = m[k];
  if (state.t !== type && !(type === 1 && state.t === 3)) {
    return null;
  }
  if (type === 2) {
    if (!state.d) {
      state.d = true;
      t[k] = [];
    }
    t[k].push(t = /* @__PURE__ */ Object.create(null));
    state.c[state.i++] = state = { t: 1, d: false, i: 0, c: /* @__PURE__ */ Object.create(null) };
  }
  if (state.d) {
    return null;
  }
  state.d = true;
  if (type === 1) {
    t = hasOwn ? t[k] : t[k] = /* @__PURE__ */ Object.create(null);
  } else if (type === 0 && hasOwn) {
    return null;
  }
  return [k, t, state.c];
}
function validateTablePeek(ctx, peek, ptr) {
  if (peek === null || ctx.uk === 2)
    TomlError.x(peek === null ? "trying to redefine an already defined table or value" : "document contains an unsafe property", ctx, ptr);
}
function parse(toml, options = {}) {
  let ctx = {
    s: toml,
    p: 0,
    d: options.maxDepth ?? 1e3,
    bi: options.integersAsBigInt ?? false,
    ld: options.useLegacyDate ?? true,
    uk: options.unsafeKeyBehaviour === "throw" ? 2 : options.unsafeKeyBehaviour === "drop" ? 1 : 0
  };
  let res = /* @__PURE__ */ Object.create(null);
  let meta = /* @__PURE__ */ Object.create(null);
  let tmp;
  let skipping = false;
  let tbl = res;
  let m = meta;
  if (toml.charCodeAt(0) === 65279)
    ctx.p++;
  skipVoid(ctx);
  while (ctx.p < toml.length) {
    if (toml.charCodeAt(ctx.p) === 91) {
      let isTableArray = toml.charCodeAt(++ctx.p) === 91;
      tmp = ctx.p += +isTableArray;
      skipping = false;
      let k = parseKey(
        ctx,
        93
        /* ] */
      );
      if (isTableArray) {
        if (toml.charCodeAt(ctx.p) !== 93) {
          TomlError.x("expected end of table array declaration", ctx);
        }
        ctx.p++;
      }
      let p = peekTable(
        ctx,
        k,
        res,
        meta,
        isTableArray ? 2 : 1
        /* Type.EXPLICIT */
      );
      if (!p) {
        validateTablePeek(ctx, p, tmp);
        skipping = true;
      } else {
        m = p[2];
        tbl = p[1];
      }
    } else {
      tmp = ctx.p;
      let k = parseKey(ctx);
      let p = peekTable(
        ctx,
        k,
        tbl,
        m,
        0
        /* Type.DOTTED */
      );
      if (!p && !skipping)
        validateTablePeek(ctx, p, tmp);
      skipVoid(ctx, true, true);
      let v = extractValue(ctx, void 0);
      if (p && !skipping)
        p[1][p[0]] = v;
    }
    skipVoid(ctx, true);
    if (ctx.p < toml.length && (tmp = toml.charCodeAt(ctx.p)) !== 10 && (tmp !== 13 || toml.charCodeAt(ctx.p + 1) !== 10)) {
      TomlError.x("each key-value declaration must be followed by an end-of-line", ctx);
    }
    skipVoid(ctx);
  }
  return res;
}
var init_parse = __esm({
  "node_modules/smol-toml/dist/parse.js"() {
    init_struct();
    init_extract();
    init_util();
    init_error();
  }
});

// node_modules/smol-toml/dist/stringify.js
var HAS_WELLFORMED;
var init_stringify = __esm({
  "node_modules/smol-toml/dist/stringify.js"() {
    HAS_WELLFORMED = !!"".isWellFormed;
  }
});

// node_modules/smol-toml/dist/index.js
var init_dist = __esm({
  "node_modules/smol-toml/dist/index.js"() {
    init_parse();
    init_stringify();
    init_date();
    init_error();
  }
});

// src/plan/project.ts
import { existsSync as existsSync3, readdirSync as readdirSync2, statSync as statSync3 } from "node:fs";
import { join as join5 } from "node:path";
function assertProjectDir(project) {
  if (!existsSync3(project) || !statSync3(project).isDirectory()) {
    throw new UsageError(`project directory ${project} does not exist; pass --project with the directory holding requirements.in`);
  }
}
function readPyproject(project) {
  const path = join5(project, "pyproject.toml");
  if (!existsSync3(path)) return {};
  const text = readText(path, project);
  let parsed;
  try {
    parsed = parse(text);
  } catch {
    return {};
  }
  const section = parsed.project;
  const lines = text.split(/\r\n|\r|\n/);
  const start = lines.findIndex((l) => /^\s*\[project\]\s*(#.*)?$/.test(l));
  const lineOf = (key) => {
    const at = lines.findIndex((l, i) => i > start && new RegExp(`^\\s*${key}\\s*=`).test(l));
    return at >= 0 ? at + 1 : Math.max(1, start + 1);
  };
  const meta = {};
  if (typeof section?.name === "string") meta.name = { value: section.name, line: lineOf("name") };
  if (typeof section?.version === "string") meta.version = { value: section.version, line: lineOf("version") };
  return meta;
}
function projectFiles(project, maxDepth = 4, maxFiles = 5e3) {
  const out = [];
  const walk = (dir, depth) => {
    let entries2;
    try {
      entries2 = readdirSync2(join5(project, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries2.sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= maxFiles) return;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (depth < maxDepth && !SKIPPED_DIRS.has(entry.name)) walk(rel, depth + 1);
      } else if (entry.isFile()) {
        out.push(rel);
      }
    }
  };
  walk("", 0);
  return out;
}
var SKIPPED_DIRS;
var init_project = __esm({
  "src/plan/project.ts"() {
    "use strict";
    init_dist();
    init_errors();
    init_files();
    SKIPPED_DIRS = /* @__PURE__ */ new Set([".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__", "dist", "build", ".mypy_cache", ".pytest_cache", "site-packages"]);
  }
});

// node_modules/@renovatebot/pep440/lib/version.js
var require_version = __commonJS({
  "node_modules/@renovatebot/pep440/lib/version.js"(exports, module) {
    var VERSION_PATTERN = [
      "v?",
      "(?:",
      /* */
      "(?:(?<epoch>[0-9]+)!)?",
      // epoch
      /* */
      "(?<release>[0-9]+(?:\\.[0-9]+)*)",
      // release segment
      /* */
      "(?<pre>",
      // pre-release
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<pre_l>(a|b|c|rc|alpha|beta|pre|preview))",
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<pre_n>[0-9]+)?",
      /* */
      ")?",
      /* */
      "(?<post>",
      // post release
      /*    */
      "(?:-(?<post_n1>[0-9]+))",
      /*    */
      "|",
      /*    */
      "(?:",
      /*        */
      "[-_\\.]?",
      /*        */
      "(?<post_l>post|rev|r)",
      /*        */
      "[-_\\.]?",
      /*        */
      "(?<post_n2>[0-9]+)?",
      /*    */
      ")",
      /* */
      ")?",
      /* */
      "(?<dev>",
      // dev release
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<dev_l>dev)",
      /*    */
      "[-_\\.]?",
      /*    */
      "(?<dev_n>[0-9]+)?",
      /* */
      ")?",
      ")",
      "(?:\\+(?<local>[a-z0-9]+(?:[-_\\.][a-z0-9]+)*))?"
      // local version
    ].join("");
    module.exports = {
      VERSION_PATTERN,
      valid: valid3,
      clean,
      explain,
      parse: parse2,
      stringify: stringify2
    };
    var validRegex = new RegExp("^" + VERSION_PATTERN + "$", "i");
    function valid3(version) {
      return validRegex.test(version) ? version : null;
    }
    var cleanRegex = new RegExp("^\\s*" + VERSION_PATTERN + "\\s*$", "i");
    function clean(version) {
      return stringify2(parse2(version, cleanRegex));
    }
    function parse2(version, regex) {
      const { groups } = (regex || validRegex).exec(version) || {};
      if (!groups) {
        return null;
      }
      const parsed = {
        epoch: Number(groups.epoch ? groups.epoch : 0),
        release: groups.release.split(".").map(Number),
        pre: normalize_letter_version(groups.pre_l, groups.pre_n),
        post: normalize_letter_version(
          groups.post_l,
          groups.post_n1 || groups.post_n2
        ),
        dev: normalize_letter_version(groups.dev_l, groups.dev_n),
        local: parse_local_version(groups.local)
      };
      return parsed;
    }
    function stringify2(parsed) {
      if (!parsed) {
        return null;
      }
      const { epoch, release, pre, post, dev, local } = parsed;
      const parts = [];
      if (epoch !== 0) {
        parts.push(`${epoch}!`);
      }
      parts.push(release.join("."));
      if (pre) {
        parts.push(pre.join(""));
      }
      if (post) {
        parts.push("." + post.join(""));
      }
      if (dev) {
        parts.push("." + dev.join(""));
      }
      if (local) {
        parts.push(`+${local}`);
      }
      return parts.join("");
    }
    function normalize_letter_version(letterIn, numberIn) {
      let letter = letterIn;
      let number = numberIn;
      if (letter) {
        if (!number) {
          number = 0;
        }
        letter = letter.toLowerCase();
        if (letter === "alpha") {
          letter = "a";
        } else if (letter === "beta") {
          letter = "b";
        } else if (["c", "pre", "preview"].includes(letter)) {
          letter = "rc";
        } else if (["rev", "r"].includes(letter)) {
          letter = "post";
        }
        return [letter, Number(number)];
      }
      if (!letter && number) {
        letter = "post";
        return [letter, Number(number)];
      }
      return null;
    }
    function parse_local_version(local) {
      if (local) {
        return local.split(/[._-]/).map(
          (part) => Number.isNaN(Number(part)) ? part.toLowerCase() : Number(part)
        );
      }
      return null;
    }
    function explain(version) {
      const parsed = parse2(version);
      if (!parsed) {
        return parsed;
      }
      const { epoch, release, pre, post, dev, local } = parsed;
      let base_version = "";
      if (epoch !== 0) {
        base_version += epoch + "!";
      }
      base_version += release.join(".");
      const is_prerelease = Boolean(dev || pre);
      const is_devrelease = Boolean(dev);
      const is_postrelease = Boolean(post);
      return {
        epoch,
        release,
        pre,
        post: post ? post[1] : post,
        dev: dev ? dev[1] : dev,
        local: local ? local.join(".") : local,
        public: stringify2(parsed).split("+", 1)[0],
        base_version,
        is_prerelease,
        is_devrelease,
        is_postrelease
      };
    }
  }
});

// node_modules/@renovatebot/pep440/lib/operator.js
var require_operator = __commonJS({
  "node_modules/@renovatebot/pep440/lib/operator.js"(exports, module) {
    var { parse: parse2 } = require_version();
    module.exports = {
      compare,
      rcompare,
      lt,
      le,
      eq,
      ne,
      ge,
      gt,
      "<": lt,
      "<=": le,
      "==": eq,
      "!=": ne,
      ">=": ge,
      ">": gt,
      "===": arbitrary
    };
    function lt(version, other) {
      return compare(version, other) < 0;
    }
    function le(version, other) {
      return compare(version, other) <= 0;
    }
    function eq(version, other) {
      return compare(version, other) === 0;
    }
    function ne(version, other) {
      return compare(version, other) !== 0;
    }
    function ge(version, other) {
      return compare(version, other) >= 0;
    }
    function gt(version, other) {
      return compare(version, other) > 0;
    }
    function arbitrary(version, other) {
      return version.toLowerCase() === other.toLowerCase();
    }
    function compare(version, other) {
      const parsedVersion = parse2(version);
      const parsedOther = parse2(other);
      const keyVersion = calculateKey(parsedVersion);
      const keyOther = calculateKey(parsedOther);
      return pyCompare(keyVersion, keyOther);
    }
    function rcompare(version, other) {
      return -compare(version, other);
    }
    function pyCompare(elemIn, otherIn) {
      let elem = elemIn;
      let other = otherIn;
      if (elem === other) {
        return 0;
      }
      if (Array.isArray(elem) !== Array.isArray(other)) {
        elem = Array.isArray(elem) ? elem : [elem];
        other = Array.isArray(other) ? other : [other];
      }
      if (Array.isArray(elem)) {
        const len = Math.min(elem.length, other.length);
        for (let i = 0; i < len; i += 1) {
          const res = pyCompare(elem[i], other[i]);
          if (res !== 0) {
            return res;
          }
        }
        return elem.length - other.length;
      }
      if (elem === -Infinity || other === Infinity) {
        return -1;
      }
      if (elem === Infinity || other === -Infinity) {
        return 1;
      }
      return elem < other ? -1 : 1;
    }
    function calculateKey(input) {
      const { epoch } = input;
      let { release, pre, post, local, dev } = input;
      release = release.concat();
      release.reverse();
      while (release.length && release[0] === 0) {
        release.shift();
      }
      release.reverse();
      if (!pre && !post && dev) pre = -Infinity;
      else if (!pre) pre = Infinity;
      if (!post) post = -Infinity;
      if (!dev) dev = Infinity;
      if (!local) {
        local = -Infinity;
      } else {
        local = local.map(
          (i) => Number.isNaN(Number(i)) ? [-Infinity, i] : [Number(i), ""]
        );
      }
      return [epoch, release, pre, post, dev, local];
    }
  }
});

// node_modules/@renovatebot/pep440/lib/specifier.js
var require_specifier = __commonJS({
  "node_modules/@renovatebot/pep440/lib/specifier.js"(exports, module) {
    var { VERSION_PATTERN, explain: explainVersion } = require_version();
    var Operator = require_operator();
    var RANGE_PATTERN = [
      "(?<operator>(===|~=|==|!=|<=|>=|<|>))",
      "\\s*",
      "(",
      /*  */
      "(?<version>(?:" + VERSION_PATTERN.replace(/\?<\w+>/g, "?:") + "))",
      /*  */
      "(?<prefix>\\.\\*)?",
      /*  */
      "|",
      /*  */
      "(?<legacy>[^,;\\s)]+)",
      ")"
    ].join("");
    module.exports = {
      RANGE_PATTERN,
      parse: parse2,
      satisfies: satisfies2,
      filter,
      validRange,
      maxSatisfying,
      minSatisfying
    };
    var isEqualityOperator = (op) => ["==", "!=", "==="].includes(op);
    var rangeRegex = new RegExp("^" + RANGE_PATTERN + "$", "i");
    function parse2(ranges) {
      if (!ranges.trim()) {
        return [];
      }
      const specifiers = ranges.split(",").map((range) => rangeRegex.exec(range.trim()) || {}).map(({ groups }) => {
        if (!groups) {
          return null;
        }
        let { ...spec } = groups;
        const { operator, version, prefix, legacy } = groups;
        if (version) {
          spec = { ...spec, ...explainVersion(version) };
          if (operator === "~=") {
            if (spec.release.length < 2) {
              return null;
            }
          }
          if (!isEqualityOperator(operator) && spec.local) {
            return null;
          }
          if (prefix) {
            if (!isEqualityOperator(operator) || spec.dev || spec.local) {
              return null;
            }
          }
        }
        if (legacy && operator !== "===") {
          return null;
        }
        return spec;
      });
      if (specifiers.filter(Boolean).length !== specifiers.length) {
        return null;
      }
      return specifiers;
    }
    function filter(versions, specifier, options = {}) {
      const filtered = pick(versions, specifier, options);
      if (filtered.length === 0 && options.prereleases === void 0) {
        return pick(versions, specifier, { prereleases: true });
      }
      return filtered;
    }
    function maxSatisfying(versions, range, options) {
      const found = filter(versions, range, options).sort(Operator.compare);
      return found.length === 0 ? null : found[found.length - 1];
    }
    function minSatisfying(versions, range, options) {
      const found = filter(versions, range, options).sort(Operator.compare);
      return found.length === 0 ? null : found[0];
    }
    function pick(versions, specifier, options) {
      const parsed = parse2(specifier);
      if (!parsed) {
        return [];
      }
      return versions.filter((version) => {
        const explained = explainVersion(version);
        if (!parsed.length) {
          return explained && !(explained.is_prerelease && !options.prereleases);
        }
        return parsed.reduce((pass, spec) => {
          if (!pass) {
            return false;
          }
          return contains({ ...spec, ...options }, { version, explained });
        }, true);
      });
    }
    function satisfies2(version, specifier, options = {}) {
      const filtered = pick([version], specifier, options);
      return filtered.length === 1;
    }
    function arrayStartsWith(array, prefix) {
      if (prefix.length > array.length) {
        return false;
      }
      for (let i = 0; i < prefix.length; i += 1) {
        if (prefix[i] !== array[i]) {
          return false;
        }
      }
      return true;
    }
    function contains(specifier, input) {
      const { explained } = input;
      let { version } = input;
      const { ...spec } = specifier;
      if (spec.prereleases === void 0) {
        spec.prereleases = spec.is_prerelease;
      }
      if (explained && explained.is_prerelease && !spec.prereleases) {
        return false;
      }
      if (spec.operator === "~=") {
        let compatiblePrefix = spec.release.slice(0, -1).concat("*").join(".");
        if (spec.epoch) {
          compatiblePrefix = spec.epoch + "!" + compatiblePrefix;
        }
        return satisfies2(version, `>=${spec.version}, ==${compatiblePrefix}`, {
          prereleases: spec.prereleases
        });
      }
      if (spec.prefix) {
        const isMatching = explained.epoch === spec.epoch && arrayStartsWith(explained.release, spec.release);
        const isEquality = spec.operator !== "!=";
        return isEquality ? isMatching : !isMatching;
      }
      if (explained) {
        if (explained.local && spec.version) {
          version = explained.public;
          spec.version = explainVersion(spec.version).public;
        }
      }
      if (spec.operator === "<" || spec.operator === ">") {
        if (Operator.eq(spec.release.join("."), explained.release.join("."))) {
          return false;
        }
      }
      const op = Operator[spec.operator];
      return op(version, spec.version || spec.legacy);
    }
    function validRange(specifier) {
      return Boolean(parse2(specifier));
    }
  }
});

// node_modules/@renovatebot/pep440/lib/semantic.js
var require_semantic = __commonJS({
  "node_modules/@renovatebot/pep440/lib/semantic.js"(exports, module) {
    var { explain, parse: parse2, stringify: stringify2 } = require_version();
    module.exports = {
      major,
      minor,
      patch,
      inc
    };
    function major(input) {
      const version = explain(input);
      if (!version) {
        throw new TypeError("Invalid Version: " + input);
      }
      return version.release[0];
    }
    function minor(input) {
      const version = explain(input);
      if (!version) {
        throw new TypeError("Invalid Version: " + input);
      }
      if (version.release.length < 2) {
        return 0;
      }
      return version.release[1];
    }
    function patch(input) {
      const version = explain(input);
      if (!version) {
        throw new TypeError("Invalid Version: " + input);
      }
      if (version.release.length < 3) {
        return 0;
      }
      return version.release[2];
    }
    function inc(input, release, preReleaseIdentifier) {
      let identifier = preReleaseIdentifier || `a`;
      const version = parse2(input);
      if (!version) {
        return null;
      }
      if (!["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"].includes(
        identifier
      )) {
        return null;
      }
      switch (release) {
        case "premajor":
          {
            const [majorVersion] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion + 1;
          }
          version.pre = [identifier, 0];
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "preminor":
          {
            const [majorVersion, minorVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion + 1;
          }
          version.pre = [identifier, 0];
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "prepatch":
          {
            const [majorVersion, minorVersion = 0, patchVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion;
            version.release[2] = patchVersion + 1;
          }
          version.pre = [identifier, 0];
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "prerelease":
          if (version.pre === null) {
            const [majorVersion, minorVersion = 0, patchVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion;
            version.release[2] = patchVersion + 1;
            version.pre = [identifier, 0];
          } else {
            if (preReleaseIdentifier === void 0 && version.pre !== null) {
              [identifier] = version.pre;
            }
            const [letter, number] = version.pre;
            if (letter === identifier) {
              version.pre = [letter, number + 1];
            } else {
              version.pre = [identifier, 0];
            }
          }
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "major":
          if (version.release.slice(1).some((value) => value !== 0) || version.pre === null) {
            const [majorVersion] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion + 1;
          }
          delete version.pre;
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "minor":
          if (version.release.slice(2).some((value) => value !== 0) || version.pre === null) {
            const [majorVersion, minorVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion + 1;
          }
          delete version.pre;
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        case "patch":
          if (version.release.slice(3).some((value) => value !== 0) || version.pre === null) {
            const [majorVersion, minorVersion = 0, patchVersion = 0] = version.release;
            version.release.fill(0);
            version.release[0] = majorVersion;
            version.release[1] = minorVersion;
            version.release[2] = patchVersion + 1;
          }
          delete version.pre;
          delete version.post;
          delete version.dev;
          delete version.local;
          break;
        default:
          return null;
      }
      return stringify2(version);
    }
  }
});

// node_modules/@renovatebot/pep440/index.js
var require_pep440 = __commonJS({
  "node_modules/@renovatebot/pep440/index.js"(exports, module) {
    var { valid: valid3, clean, explain, parse: parse2 } = require_version();
    var { lt, le, eq, ne, ge, gt, compare, rcompare } = require_operator();
    var {
      filter,
      maxSatisfying,
      minSatisfying,
      RANGE_PATTERN,
      satisfies: satisfies2,
      validRange
    } = require_specifier();
    var { major, minor, patch, inc } = require_semantic();
    module.exports = {
      // version
      valid: valid3,
      clean,
      explain,
      parse: parse2,
      // operator
      lt,
      le,
      lte: le,
      eq,
      ne,
      neq: ne,
      ge,
      gte: ge,
      gt,
      compare,
      rcompare,
      // range
      filter,
      maxSatisfying,
      minSatisfying,
      RANGE_PATTERN,
      satisfies: satisfies2,
      validRange,
      // semantic
      major,
      minor,
      patch,
      inc
    };
  }
});

// src/requirements/versions.ts
function isValidVersion(version) {
  return (0, import_pep440.valid)(version) !== null;
}
function satisfies(version, clauses) {
  if (clauses.length === 0) return true;
  if (!isValidVersion(version)) return false;
  return (0, import_pep440.satisfies)(version, formatSpecifier(clauses), { prereleases: true });
}
var import_pep440;
var init_versions = __esm({
  "src/requirements/versions.ts"() {
    "use strict";
    import_pep440 = __toESM(require_pep440(), 1);
    init_pep508();
  }
});

// src/requirements/markers.ts
function targetEnvironment(interpreter, arch = "x86_64") {
  return {
    python_version: interpreter,
    python_full_version: `${interpreter}.0`,
    os_name: "posix",
    sys_platform: "linux",
    platform_system: "Linux",
    platform_machine: arch,
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    implementation_version: `${interpreter}.0`,
    platform_release: "",
    platform_version: "",
    extra: ""
  };
}
function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === "(") {
      tokens.push({ kind: "lparen", text: "(" });
      i++;
      continue;
    }
    if (rest[0] === ")") {
      tokens.push({ kind: "rparen", text: ")" });
      i++;
      continue;
    }
    const quote2 = rest[0];
    if (quote2 === '"' || quote2 === "'") {
      const end = rest.indexOf(quote2, 1);
      if (end < 0) throw new Error("unterminated string in marker");
      tokens.push({ kind: "str", text: rest.slice(1, end) });
      i += end + 1;
      continue;
    }
    const op = /^(===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)/.exec(rest);
    if (op) {
      tokens.push({ kind: "op", text: op[0].replace(/\s+/, " ") });
      i += op[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (word) {
      if (word[0] === "and" || word[0] === "or") tokens.push({ kind: word[0], text: word[0] });
      else if (VARIABLES.has(word[0])) tokens.push({ kind: "var", text: LEGACY_NAMES[word[0]] ?? word[0].replace(/\./g, "_") });
      else throw new Error(`unknown marker variable "${word[0]}"`);
      i += word[0].length;
      continue;
    }
    throw new Error(`unexpected "${rest[0]}" in marker`);
  }
  return tokens;
}
function compareValues(op, left, right, versionOperands) {
  if (op === "in") return right.includes(left);
  if (op === "not in") return !right.includes(left);
  if (versionOperands && (0, import_pep4402.valid)(left) && (op === "==" || op === "!=") && /^[0-9][0-9.]*\.\*$/.test(right)) {
    return satisfies(left, [{ operator: op, version: right }]);
  }
  if (versionOperands && (0, import_pep4402.valid)(left) && (0, import_pep4402.valid)(right)) {
    if (op === "===") return left === right;
    return satisfies(left, [{ operator: op, version: right }]);
  }
  switch (op) {
    case "==":
    case "===":
      return left === right;
    case "!=":
      return left !== right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    default:
      return false;
  }
}
function evaluateMarker(marker, env) {
  const tokens = tokenize(marker);
  let pos = 0;
  const peek = () => tokens[pos];
  const value = () => {
    const t = tokens[pos++];
    if (!t) throw new Error("marker ends too early");
    if (t.kind === "str") return { text: t.text, isVersion: false };
    if (t.kind === "var") return { text: env[t.text] ?? "", isVersion: VERSION_VARIABLES.has(t.text) };
    throw new Error(`expected a value in marker, found "${t.text}"`);
  };
  const atom = () => {
    if (peek()?.kind === "lparen") {
      pos++;
      const result2 = orExpr();
      if (tokens[pos++]?.kind !== "rparen") throw new Error('unclosed "(" in marker');
      return result2;
    }
    const left = value();
    const op = tokens[pos++];
    if (!op || op.kind !== "op") throw new Error("expected a comparison in marker");
    const right = value();
    return compareValues(op.text, left.text, right.text, left.isVersion || right.isVersion);
  };
  const andExpr = () => {
    let result2 = atom();
    while (peek()?.kind === "and") {
      pos++;
      result2 = atom() && result2;
    }
    return result2;
  };
  const orExpr = () => {
    let result2 = andExpr();
    while (peek()?.kind === "or") {
      pos++;
      result2 = andExpr() || result2;
    }
    return result2;
  };
  const result = orExpr();
  if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos]?.text}" in marker`);
  return result;
}
var import_pep4402, VARIABLES, LEGACY_NAMES, VERSION_VARIABLES;
var init_markers = __esm({
  "src/requirements/markers.ts"() {
    "use strict";
    import_pep4402 = __toESM(require_pep440(), 1);
    init_versions();
    VARIABLES = /* @__PURE__ */ new Set([
      "python_version",
      "python_full_version",
      "os_name",
      "sys_platform",
      "platform_system",
      "platform_machine",
      "platform_python_implementation",
      "implementation_name",
      "implementation_version",
      "platform_release",
      "platform_version",
      "extra",
      // Legacy spellings pip still accepts.
      "os.name",
      "sys.platform",
      "platform.version",
      "platform.machine",
      "platform.python_implementation",
      "python_implementation"
    ]);
    LEGACY_NAMES = {
      "os.name": "os_name",
      "sys.platform": "sys_platform",
      "platform.version": "platform_version",
      "platform.machine": "platform_machine",
      "platform.python_implementation": "platform_python_implementation",
      python_implementation: "platform_python_implementation"
    };
    VERSION_VARIABLES = /* @__PURE__ */ new Set(["python_version", "python_full_version", "implementation_version", "platform_release"]);
  }
});

// src/requirements/parse.ts
function physicalLines(content) {
  const lines = content.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
function logicalLines(lines) {
  const out = [];
  let pending = [];
  let start = 0;
  lines.forEach((raw, index) => {
    const isComment = /^\s*#/.test(raw);
    if (!raw.endsWith("\\") || isComment) {
      if (pending.length > 0) {
        pending.push(isComment ? ` ${raw}` : raw);
        out.push({ line: start, text: pending.join("") });
        pending = [];
      } else {
        out.push({ line: index + 1, text: raw });
      }
    } else {
      if (pending.length === 0) start = index + 1;
      pending.push(raw.replace(/\\+$/, ""));
    }
  });
  if (pending.length > 0) out.push({ line: start, text: pending.join("") });
  return out.map((l) => ({ line: l.line, text: l.text.replace(COMMENT, "").trim() })).filter((l) => l.text !== "");
}
function shellWords(text) {
  const words2 = [];
  let current = "";
  let inWord = false;
  let quote2 = null;
  for (const ch of text) {
    if (quote2) {
      if (ch === quote2) quote2 = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote2 = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words2.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote2) return null;
  if (inWord) words2.push(current);
  return words2;
}
function parseHash(value) {
  const m = /^([A-Za-z0-9]+):(.+)$/.exec(value);
  return m ? { algorithm: (m[1] ?? "").toLowerCase(), digest: m[2] ?? "" } : null;
}
function parseRequirementsFile(content) {
  const lines = physicalLines(content);
  const file = { entries: [], comments: [], problems: [] };
  let unsafeFrom = Number.POSITIVE_INFINITY;
  lines.forEach((raw, index) => {
    const start = /(^|\s)#/.exec(raw);
    if (start) {
      const text = raw.slice(start.index + start[0].length).replace(/^ /, "");
      file.comments.push({ line: index + 1, text });
      if (UNSAFE_HEADER.test(text) && unsafeFrom === Number.POSITIVE_INFINITY) unsafeFrom = index + 1;
    }
  });
  for (const { line, text } of logicalLines(lines)) {
    parseLogicalLine(file, line, text, line > unsafeFrom);
  }
  return file;
}
function parseLogicalLine(file, line, text, unsafeSection) {
  const problem = (message, kind = "syntax") => {
    file.problems.push({ line, kind, message });
  };
  const words2 = text.split(/\s+/);
  const firstOption = words2.findIndex((w) => w.startsWith("-"));
  const requirementText = (firstOption < 0 ? words2 : words2.slice(0, firstOption)).join(" ");
  const optionWords = shellWords(firstOption < 0 ? "" : words2.slice(firstOption).join(" "));
  if (optionWords === null) {
    problem("unclosed quote");
    return;
  }
  const hashes = [];
  let editable;
  for (let i = 0; i < optionWords.length; i++) {
    const word = optionWords[i] ?? "";
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const inline = eq > 0 ? word.slice(eq + 1) : void 0;
    const shortGlued = /^-[ircfe]./.test(word) && !word.startsWith("--") ? word.slice(0, 2) : void 0;
    const name = shortGlued ?? flag;
    const takeValue = () => {
      if (inline !== void 0) return inline;
      if (shortGlued) return word.slice(2);
      i++;
      return optionWords[i];
    };
    if (name === "-e" || name === "--editable") {
      const value = takeValue();
      if (value === void 0 || value.trim() === "") problem(`${name} needs a value`);
      else editable = value;
    } else if (PER_REQUIREMENT_WITH_VALUE.has(name)) {
      const value = takeValue();
      if (value === void 0) {
        problem(`${name} needs a value`);
        continue;
      }
      if (name !== "--hash") {
        file.entries.push({ kind: "option", line, name, value });
        continue;
      }
      const parsed2 = parseHash(value);
      if (parsed2) hashes.push(parsed2);
      else problem(`"--hash=${value}" is not of the form --hash=sha256:<hex digest>`, "hash");
    } else if (LINE_OPTIONS_WITH_VALUE[name]) {
      const value = takeValue();
      if (value === void 0) problem(`${name} needs a value`);
      else file.entries.push({ kind: "option", line, name: LINE_OPTIONS_WITH_VALUE[name], value });
    } else if (LINE_FLAGS.has(name)) {
      file.entries.push({ kind: "option", line, name });
    } else {
      problem(`unknown option "${name.slice(0, 40)}"`);
    }
  }
  const written = editable ?? requirementText;
  if (written === "") {
    if (hashes.length > 0) problem("--hash given without a requirement", "hash");
    return;
  }
  if (editable !== void 0 && requirementText !== "") problem(`"${requirementText}" and -e ${editable} on one line`);
  const parsed = parseRequirement(written);
  const entry = { kind: "requirement", line, text: written, editable: editable !== void 0, hashes, unsafeSection };
  if (parsed.ok) entry.requirement = parsed.requirement;
  else problem(parsed.error, "requirement");
  file.entries.push(entry);
}
function requirementEntries(file) {
  return file.entries.filter((e) => e.kind === "requirement");
}
function optionEntries(file) {
  return file.entries.filter((e) => e.kind === "option");
}
var LINE_OPTIONS_WITH_VALUE, LINE_FLAGS, PER_REQUIREMENT_WITH_VALUE, COMMENT, UNSAFE_HEADER;
var init_parse2 = __esm({
  "src/requirements/parse.ts"() {
    "use strict";
    init_pep508();
    LINE_OPTIONS_WITH_VALUE = {
      "-i": "--index-url",
      "--index-url": "--index-url",
      "--extra-index-url": "--extra-index-url",
      "-f": "--find-links",
      "--find-links": "--find-links",
      "-r": "--requirement",
      "--requirement": "--requirement",
      "-c": "--constraint",
      "--constraint": "--constraint",
      "--trusted-host": "--trusted-host",
      "--only-binary": "--only-binary",
      "--no-binary": "--no-binary",
      "--use-feature": "--use-feature"
    };
    LINE_FLAGS = /* @__PURE__ */ new Set(["--no-index", "--pre", "--prefer-binary", "--require-hashes"]);
    PER_REQUIREMENT_WITH_VALUE = /* @__PURE__ */ new Set(["--hash", "--config-settings", "--global-option"]);
    COMMENT = /(^|\s+)#.*$/;
    UNSAFE_HEADER = /The following packages are considered to be unsafe in a requirements file/;
  }
});

// src/requirements/header.ts
function parseCompileHeader(file) {
  const comments = file.comments.filter((c) => c.line <= 12);
  const auto = comments.find((c) => AUTOGENERATED.test(c.text.trim()));
  if (!auto) return void 0;
  const header = { line: auto.line };
  const version = AUTOGENERATED.exec(auto.text.trim())?.[1];
  if (version) header.pythonVersion = version;
  const intro = comments.find((c) => c.line > auto.line && COMMAND_INTRO.test(c.text.trim()));
  const command = intro && comments.find((c) => c.line > intro.line && c.text.trim() !== "");
  if (!command) return header;
  header.command = command.text.trim();
  header.commandLine = command.line;
  const words2 = shellWords(header.command);
  if (!words2) return header;
  const start = pipCompileStart(words2);
  if (start >= 0) header.args = words2.slice(start);
  return header;
}
function pipCompileStart(words2) {
  const at = words2.findIndex((w) => w === "pip-compile" || w.endsWith("/pip-compile"));
  if (at >= 0) return at + 1;
  const m = words2.findIndex((w, i) => w === "-m" && words2[i + 1] === "piptools" && words2[i + 2] === "compile");
  return m >= 0 ? m + 3 : -1;
}
function generatesHashes(args) {
  return args.includes("--generate-hashes");
}
var AUTOGENERATED, COMMAND_INTRO;
var init_header = __esm({
  "src/requirements/header.ts"() {
    "use strict";
    init_parse2();
    AUTOGENERATED = /^This file is autogenerated by pip-compile(?: with [Pp]ython (\d+\.\d+))?/;
    COMMAND_INTRO = /^(by the following command|To update, run):\s*$/;
  }
});

// src/tools/process.ts
import { spawn } from "node:child_process";
function run(command, args, options = {}) {
  return new Promise((resolve5) => {
    let child;
    try {
      child = spawn(command, [...args], { cwd: options.cwd, env: definedEnv(options.env ?? process.env), stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (error) {
      resolve5({ exitCode: 127, stdout: "", stderr: error.message });
      return;
    }
    adoptChild(child);
    const out = { stdout: "", stderr: "" };
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    const keep = (stream) => (chunk) => {
      out[stream] += chunk;
      if (out[stream].length > MAX_OUTPUT) out[stream] = out[stream].slice(-MAX_OUTPUT);
    };
    child.stdout.on("data", keep("stdout"));
    child.stderr.on("data", keep("stderr"));
    let timedOut = false;
    const timer = options.timeoutMs === void 0 ? void 0 : setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== void 0) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, options.timeoutMs);
    child.once("error", (error) => {
      if (timer) clearTimeout(timer);
      resolve5({ exitCode: 127, stdout: out.stdout, stderr: `${out.stderr}${error.message}` });
    });
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        resolve5({ exitCode: 124, stdout: out.stdout, stderr: `${out.stderr}
${command} did not finish within ${Math.round((options.timeoutMs ?? 0) / 1e3)} s and was stopped`, timedOut: true });
      } else {
        resolve5({ exitCode: code ?? (signal ? 128 : 1), ...out });
      }
    });
  });
}
function definedEnv(env) {
  return Object.fromEntries(Object.entries(env).filter((e) => e[1] !== void 0));
}
function lastLine(text) {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines[lines.length - 1] ?? "";
}
var MAX_OUTPUT;
var init_process = __esm({
  "src/tools/process.ts"() {
    "use strict";
    init_lifecycle();
    MAX_OUTPUT = 16 * 1024 * 1024;
  }
});

// src/tools/python.ts
import { existsSync as existsSync4, readdirSync as readdirSync3 } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join as join6 } from "node:path";
function versionDirs(root, minor) {
  if (!existsSync4(root)) return [];
  return readdirSync3(root).filter((d) => d === minor || d.startsWith(`${minor}.`)).sort((a, b) => b.localeCompare(a, void 0, { numeric: true })).map((d) => join6(root, d));
}
function pythonCandidates(minor, env = process.env) {
  const exe = `python${minor}`;
  const candidates = [];
  if (env.RUNNER_TOOL_CACHE) {
    for (const dir of versionDirs(join6(env.RUNNER_TOOL_CACHE, "Python"), minor)) {
      for (const arch of ["x64", "arm64", "x86_64", "aarch64"]) candidates.push(join6(dir, arch, "bin", exe));
    }
  }
  const pyenvRoot = env.PYENV_ROOT ?? join6(homedir(), ".pyenv");
  for (const dir of versionDirs(join6(pyenvRoot, "versions"), minor)) candidates.push(join6(dir, "bin", exe));
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && !dir.includes("shims")) candidates.push(join6(dir, exe));
  }
  return candidates.filter((c) => existsSync4(c));
}
async function reportsVersion(python, minor) {
  const result = await run(python, ["-c", PROBE]);
  return result.exitCode === 0 && result.stdout.trim() === minor;
}
async function findPython(minor, explicit) {
  if (explicit) {
    if (await reportsVersion(explicit, minor)) return explicit;
    throw new UsageError(`--python ${explicit} is not a working Python ${minor}; point it at a python${minor} executable`);
  }
  for (const candidate of pythonCandidates(minor)) {
    if (await reportsVersion(candidate, minor)) return candidate;
  }
  throw new UsageError(`no Python ${minor} found (looked for python${minor} in the setup-python tool cache, pyenv and PATH); add actions/setup-python with python-version: '${minor}' to the workflow, or pass --python`);
}
var PROBE;
var init_python = __esm({
  "src/tools/python.ts"() {
    "use strict";
    init_errors();
    init_process();
    PROBE = 'import sys; print("%d.%d" % sys.version_info[:2])';
  }
});

// src/tools/resources.ts
import { existsSync as existsSync5 } from "node:fs";
import { dirname as dirname2, join as join7 } from "node:path";
import { fileURLToPath } from "node:url";
function resourcePath(relative7) {
  let dir = dirname2(fileURLToPath(import.meta.url));
  for (; ; ) {
    const candidate = join7(dir, relative7);
    if (existsSync5(candidate)) return candidate;
    const parent = dirname2(dir);
    if (parent === dir) return void 0;
    dir = parent;
  }
}
var init_resources = __esm({
  "src/tools/resources.ts"() {
    "use strict";
  }
});

// src/tools/blob-store.ts
import { createHash } from "node:crypto";
import { constants, copyFileSync as copyFileSync2, createReadStream, existsSync as existsSync6, mkdirSync as mkdirSync2, readdirSync as readdirSync4, readFileSync as readFileSync2, renameSync as renameSync2, rmSync as rmSync3, statSync as statSync4, utimesSync, writeFileSync as writeFileSync2 } from "node:fs";
import { basename, join as join8 } from "node:path";
async function sha256File(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}
var HEX, DISTRIBUTION_FILE, BlobStore;
var init_blob_store = __esm({
  "src/tools/blob-store.ts"() {
    "use strict";
    HEX = /^[0-9a-f]{64}$/;
    DISTRIBUTION_FILE = /^[A-Za-z0-9][A-Za-z0-9._+!-]*\.(whl|tar\.gz|zip|tar\.bz2|tar\.xz|tgz)$/;
    BlobStore = class {
      dir;
      constructor(root) {
        this.dir = join8(root, "sha256");
      }
      /** Whether a blob of this digest is present (unchecked: `place` checks). */
      has(digest) {
        return HEX.test(digest) && existsSync6(join8(this.dir, digest));
      }
      /** The name recorded with a blob, when it is a plain distribution file name. */
      name(digest) {
        if (!HEX.test(digest)) return void 0;
        try {
          const name = readFileSync2(join8(this.dir, `${digest}.name`), "utf8").trim();
          return DISTRIBUTION_FILE.test(name) ? name : void 0;
        } catch {
          return void 0;
        }
      }
      /**
       * Stores a file the caller has checked (its digest is allowed by the lock). Returns the
       * digest; a file whose content is already stored is not written again.
       */
      async add(file, digest) {
        const hex = digest ?? await sha256File(file);
        const name = basename(file);
        if (!HEX.test(hex) || !DISTRIBUTION_FILE.test(name)) throw new Error(`not a storable distribution file: ${name}`);
        mkdirSync2(this.dir, { recursive: true });
        const target2 = join8(this.dir, hex);
        const temp = `${target2}.${process.pid}.${Date.now()}.tmp`;
        copyFileSync2(file, temp);
        writeFileSync2(`${temp}.name`, `${name}
`);
        renameSync2(`${temp}.name`, `${target2}.name`);
        renameSync2(temp, target2);
        return hex;
      }
      /**
       * Copies the blob into `dir` under its recorded name (a reflink where the file system has
       * them) and hashes the copy: undefined, and the blob dropped, when it is absent, unnamed or
       * not the digest it is stored as.
       */
      async place(digest, dir) {
        const name = this.name(digest);
        if (!name || !this.has(digest)) return void 0;
        mkdirSync2(dir, { recursive: true });
        const path = join8(dir, name);
        try {
          copyFileSync2(join8(this.dir, digest), path, constants.COPYFILE_FICLONE);
        } catch {
          return void 0;
        }
        if (await sha256File(path) !== digest) {
          rmSync3(path, { force: true });
          this.drop(digest);
          return void 0;
        }
        const now = /* @__PURE__ */ new Date();
        try {
          utimesSync(join8(this.dir, digest), now, now);
        } catch {
        }
        return { digest, name, path };
      }
      drop(digest) {
        rmSync3(join8(this.dir, digest), { force: true });
        rmSync3(join8(this.dir, `${digest}.name`), { force: true });
      }
      /**
       * Keeps the store under `maxBytes` by removing the least recently used blobs, except the
       * ones in `keep` (this run's). Temporary files older than a day (a run that was killed)
       * go too.
       */
      evict(maxBytes, keep) {
        if (!existsSync6(this.dir)) return { removed: 0, bytes: 0 };
        const blobs = [];
        let total = 0;
        for (const entry of readdirSync4(this.dir)) {
          const path = join8(this.dir, entry);
          let stat;
          try {
            stat = statSync4(path);
          } catch {
            continue;
          }
          if (entry.endsWith(".tmp") || entry.endsWith(".tmp.name")) {
            if (Date.now() - stat.mtimeMs > 864e5) rmSync3(path, { force: true });
            continue;
          }
          if (!HEX.test(entry)) continue;
          total += stat.size;
          blobs.push({ digest: entry, size: stat.size, used: stat.mtimeMs });
        }
        let removed = 0;
        for (const blob of blobs.sort((a, b) => a.used - b.used)) {
          if (total <= maxBytes) break;
          if (keep.has(blob.digest)) continue;
          this.drop(blob.digest);
          total -= blob.size;
          removed++;
        }
        return { removed, bytes: total };
      }
    };
  }
});

// src/tools/cache-dir.ts
import { homedir as homedir2 } from "node:os";
import { join as join9 } from "node:path";
function cacheRoot(env = process.env) {
  if (env.PHOREUS_RPM_CACHE) return env.PHOREUS_RPM_CACHE;
  if (env.RUNNER_TOOL_CACHE) return join9(env.RUNNER_TOOL_CACHE, "phoreus-rpm");
  return join9(env.XDG_CACHE_HOME ?? join9(homedir2(), ".cache"), "phoreus-rpm");
}
var init_cache_dir = __esm({
  "src/tools/cache-dir.ts"() {
    "use strict";
  }
});

// src/tools/http.ts
import { createHash as createHash2 } from "node:crypto";
import { createWriteStream } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
function withoutCredentials(address) {
  const url2 = new URL(address);
  if (!url2.username && !url2.password) return { url: url2 };
  const user = decodeURIComponent(url2.username);
  const password = decodeURIComponent(url2.password);
  registerSecrets([password, url2.password, user && !password ? user : ""].filter(Boolean));
  url2.username = "";
  url2.password = "";
  return { url: url2, credentials: { origin: url2.origin, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` } };
}
function once(url2, options, authorization, sink) {
  return new Promise((resolve5, reject) => {
    const get = url2.protocol === "https:" ? httpsGet : httpGet;
    const headers = { accept: options.accept ?? "*/*", ...authorization ? { authorization } : {} };
    const request = get(url2, { headers, timeout: options.timeoutMs, ...options.ca ? { ca: options.ca } : {} }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      const contentType = String(response.headers["content-type"] ?? "");
      if (!sink || status < 200 || status >= 300) {
        response.resume();
        resolve5({ status, body: Buffer.alloc(0), contentType, ...location ? { location } : {} });
        return;
      }
      sink(response, (error) => request.destroy(error)).then((body) => resolve5({ status, body, contentType }), reject);
    });
    request.on("timeout", () => request.destroy(new HttpFailure(`no answer within ${Math.round(options.timeoutMs / 1e3)} s`)));
    request.on("error", (error) => reject(error instanceof HttpFailure ? error : new HttpFailure(error.code ?? error.message, error.code)));
  });
}
async function follow(address, options, sink) {
  const given = withoutCredentials(address);
  const credentials = given.credentials ?? options.credentials;
  let url2 = given.url;
  for (let hop = 0; ; hop++) {
    if (url2.protocol !== "http:" && url2.protocol !== "https:") throw new HttpFailure(`${url2.protocol} is not HTTP`);
    const authorization = credentials && url2.origin === credentials.origin ? credentials.authorization : void 0;
    const answer = await once(url2, options, authorization, sink);
    if (answer.status >= 300 && answer.status < 400 && answer.location && hop < MAX_REDIRECTS) {
      url2 = new URL(answer.location, url2);
      continue;
    }
    return { status: answer.status, body: answer.body, url: url2.href, contentType: answer.contentType };
  }
}
function readWhole(maxBytes) {
  return (response, fail) => new Promise((resolve5, reject) => {
    const chunks = [];
    let size = 0;
    response.on("data", (chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new HttpFailure(`the answer is larger than ${Math.round(maxBytes / 1048576)} MiB`));
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => resolve5(Buffer.concat(chunks)));
    response.on("error", reject);
  });
}
function fetchUrl(address, options) {
  return follow(address, options, options.readBody ?? true ? readWhole(options.maxBytes ?? 256 * 1024 * 1024) : void 0);
}
async function downloadUrl(address, file, options) {
  const hash = createHash2("sha256");
  let bytes = 0;
  const sink = (response, fail) => new Promise((resolve5, reject) => {
    const out = createWriteStream(file);
    out.on("error", (error) => {
      fail(error);
      reject(error);
    });
    response.on("data", (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    response.on("error", (error) => {
      out.destroy();
      reject(error);
    });
    response.pipe(out);
    out.on("finish", () => resolve5(Buffer.alloc(0)));
  });
  const answer = await follow(address, options, sink);
  return { status: answer.status, sha256: hash.digest("hex"), bytes };
}
var HttpFailure, MAX_REDIRECTS;
var init_http = __esm({
  "src/tools/http.ts"() {
    "use strict";
    init_redact();
    HttpFailure = class extends Error {
      constructor(message, code) {
        super(message);
        this.code = code;
      }
      code;
      name = "HttpFailure";
    };
    MAX_REDIRECTS = 5;
  }
});

// src/tools/pip-sources.ts
import { existsSync as existsSync7, readFileSync as readFileSync3, realpathSync as realpathSync2 } from "node:fs";
import { homedir as homedir3 } from "node:os";
import { dirname as dirname3, join as join10, resolve as resolve2 } from "node:path";
function pipConfigFiles(python, env = process.env) {
  if (env.PIP_CONFIG_FILE === "/dev/null") return [];
  const home = env.HOME ?? homedir3();
  const xdgDirs = (env.XDG_CONFIG_DIRS || "/etc/xdg").split(":").filter(Boolean);
  let prefix;
  try {
    prefix = dirname3(dirname3(realpathSync2(python)));
  } catch {
    prefix = void 0;
  }
  return [
    ...xdgDirs.map((d) => join10(d, "pip", "pip.conf")),
    "/etc/pip.conf",
    join10(env.XDG_CONFIG_HOME || join10(home, ".config"), "pip", "pip.conf"),
    join10(home, ".pip", "pip.conf"),
    ...prefix ? [join10(prefix, "pip.conf")] : [],
    ...env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : []
  ].filter((f) => existsSync7(f));
}
function proxyFor(url2, env = process.env) {
  const proxy = url2.protocol === "https:" ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy;
  if (!proxy) return void 0;
  const bypass = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  if (bypass.includes("*")) return void 0;
  return bypass.some((h) => url2.hostname === h.replace(/^\./, "") || url2.hostname.endsWith(h.startsWith(".") ? h : `.${h}`)) ? void 0 : proxy;
}
function pipSources(given, lockText, python, env = process.env) {
  const config = pipConfigFiles(python, env);
  if (config.length > 0) return { pipOnly: `pip reads its configuration from ${config[0]}` };
  const netrc = env.NETRC ?? join10(env.HOME ?? homedir3(), ".netrc");
  if (existsSync7(netrc)) return { pipOnly: `pip may take credentials from ${netrc}` };
  const other = Object.keys(env).filter((k) => k.startsWith("PIP_") && env[k] !== "" && !HARMLESS_PIP_ENV.has(k)).sort();
  if (other.length > 0) return { pipOnly: `pip is configured by ${other[0]}` };
  let indexes = [given.indexUrl ?? (env.PIP_INDEX_URL || PYPI), ...words(env.PIP_EXTRA_INDEX_URL), ...given.extraIndexUrls];
  const findLinks = [...words(env.PIP_FIND_LINKS), ...given.findLinks];
  for (const entry of parseRequirementsFile(lockText).entries) {
    if (entry.kind !== "option") continue;
    const value = expand(entry.value ?? "", env);
    if (entry.name === "--index-url") indexes = [value];
    else if (entry.name === "--extra-index-url") indexes.push(value);
    else if (entry.name === "--find-links") findLinks.push(value);
    else if (entry.name === "--trusted-host" || entry.name === "--no-index") return { pipOnly: `the lock sets ${entry.name}` };
  }
  for (const address of [...indexes, ...findLinks.filter((f) => /^https?:/i.test(f))]) {
    let url2;
    try {
      url2 = new URL(address);
    } catch {
      return { pipOnly: `pip reads ${address} itself` };
    }
    if (url2.protocol !== "http:" && url2.protocol !== "https:") return { pipOnly: `the index ${url2.protocol}// is read by pip itself` };
    if (proxyFor(url2, env)) return { pipOnly: `${url2.host} is reached through a proxy` };
  }
  const caFile = env.PIP_CERT || env.REQUESTS_CA_BUNDLE || env.CURL_CA_BUNDLE || env.SSL_CERT_FILE;
  let ca;
  if (caFile) {
    try {
      ca = readFileSync3(caFile);
    } catch {
      return { pipOnly: `the certificates in ${caFile} are read by pip itself` };
    }
  }
  return { indexes: [...new Set(indexes)], findLinks: findLinks.map((f) => /^[a-z][a-z0-9+.-]*:/i.test(f) ? f : resolve2(f)), ...ca ? { ca } : {} };
}
var PYPI, HARMLESS_PIP_ENV, words, expand;
var init_pip_sources = __esm({
  "src/tools/pip-sources.ts"() {
    "use strict";
    init_parse2();
    PYPI = "https://pypi.org/simple";
    HARMLESS_PIP_ENV = /* @__PURE__ */ new Set([
      "PIP_INDEX_URL",
      "PIP_EXTRA_INDEX_URL",
      "PIP_FIND_LINKS",
      "PIP_CERT",
      "PIP_CONFIG_FILE",
      "PIP_DISABLE_PIP_VERSION_CHECK",
      "PIP_NO_INPUT",
      "PIP_PROGRESS_BAR",
      "PIP_ROOT_USER_ACTION",
      "PIP_NO_COLOR",
      "PIP_QUIET",
      "PIP_VERBOSE",
      "PIP_CACHE_DIR",
      "PIP_NO_CACHE_DIR",
      "PIP_DEFAULT_TIMEOUT",
      "PIP_TIMEOUT",
      "PIP_RETRIES"
    ]);
    words = (value) => (value ?? "").split(/\s+/).filter(Boolean);
    expand = (value, env) => value.replace(/\$\{([A-Z0-9_]+)\}/g, (all, name) => env[name] ?? all);
  }
});

// src/tools/index-access.ts
function indexTimeout(env = process.env) {
  const asked = Number(env.PHOREUS_RPM_INDEX_TIMEOUT);
  return Number.isFinite(asked) && asked > 0 ? asked : DEFAULT_TIMEOUT_S;
}
function pipNetworkArgs(env = process.env) {
  return ["--timeout", String(indexTimeout(env)), "--retries", String(RETRIES)];
}
function pipIndexArgs(given) {
  return [
    ...given.indexUrl ? ["--index-url", given.indexUrl] : [],
    ...given.extraIndexUrls.flatMap((u) => ["--extra-index-url", u]),
    ...given.findLinks.flatMap((u) => ["--find-links", u]),
    ...pipNetworkArgs()
  ];
}
function pipNetworkEnv(env = process.env) {
  const timeout = String(indexTimeout(env));
  return { ...env, PIP_TIMEOUT: timeout, PIP_DEFAULT_TIMEOUT: timeout, PIP_RETRIES: String(RETRIES) };
}
function missingPackage(stderr) {
  const m = /(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([A-Za-z0-9._-]+)/.exec(stderr);
  return m?.[1];
}
function indexUrls(given, env = process.env) {
  const primary = given.indexUrl ?? env.PIP_INDEX_URL ?? PYPI2;
  const extra = given.extraIndexUrls.length > 0 ? given.extraIndexUrls : (env.PIP_EXTRA_INDEX_URL ?? "").split(/\s+/).filter(Boolean);
  return [primary, ...extra];
}
async function failingIndex(name, indexes, timeoutS = indexTimeout()) {
  for (const index of indexes) {
    let url2;
    try {
      url2 = new URL(`${index.replace(/\/+$/, "")}/${normalizeName(name)}/`);
    } catch {
      return `the package index ${redact(index)} is not a valid URL`;
    }
    if (url2.protocol !== "http:" && url2.protocol !== "https:") continue;
    const shown3 = redact(`${url2.protocol}//${url2.host}${url2.pathname}`);
    try {
      const answer = await fetchUrl(url2.href, { timeoutMs: timeoutS * 1e3, readBody: false });
      if (answer.status !== 200 && answer.status !== 404) return `the package index answered HTTP ${answer.status} for ${shown3}`;
    } catch (error) {
      if (proxyFor(url2)) continue;
      return `the package index cannot be reached at ${shown3} (${redact(error.message)})`;
    }
  }
  return void 0;
}
var DEFAULT_TIMEOUT_S, RETRIES, PYPI2;
var init_index_access = __esm({
  "src/tools/index-access.ts"() {
    "use strict";
    init_pep508();
    init_redact();
    init_http();
    init_pip_sources();
    DEFAULT_TIMEOUT_S = 15;
    RETRIES = 2;
    PYPI2 = "https://pypi.org/simple";
  }
});

// src/tools/venv.ts
import { createHash as createHash3 } from "node:crypto";
import { existsSync as existsSync8, mkdirSync as mkdirSync3, readdirSync as readdirSync5, readFileSync as readFileSync4, renameSync as renameSync3, rmSync as rmSync4, statSync as statSync5, writeFileSync as writeFileSync3 } from "node:fs";
import { basename as basename2, join as join11 } from "node:path";
function pinDigests(lockText) {
  return requirementEntries(parseRequirementsFile(lockText)).map((e) => e.hashes.filter((h) => h.algorithm === "sha256").map((h) => h.digest.toLowerCase()));
}
async function bundledPip(python) {
  const r = await run(python, ["-I", "-c", 'import ensurepip, glob, os; print(sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1])']);
  const wheel = r.stdout.trim();
  if (r.exitCode !== 0 || !wheel) throw new UsageError(`${python} has no ensurepip to bootstrap pip with: use a complete CPython installation (actions/setup-python, pyenv)`);
  return wheel;
}
async function pipInVenv(venvPython, basePython) {
  const lib = join11(venvPython, "..", "..", "lib");
  const hasPip = existsSync8(lib) && readdirSync5(lib).some((v) => existsSync8(join11(lib, v, "site-packages", "pip", "__init__.py")));
  return hasPip ? ["-m", "pip"] : [`${await bundledPip(basePython)}/pip`];
}
async function verifyKept(venv, python, allowed, store) {
  let digests;
  try {
    digests = JSON.parse(readFileSync4(join11(venv, MANIFEST), "utf8")).wheels;
  } catch {
    return "it records no wheels";
  }
  if (!Array.isArray(digests) || digests.some((d) => typeof d !== "string" || !allowed.has(d))) return "it names wheels the lock does not allow";
  const verifier = resourcePath("tools/venv/verify.py");
  if (!verifier) throw new UsageError("tools/venv/verify.py is missing from the action; use a complete checkout of phoreus-rpm");
  const wheels = scratchDir("phoreus-venv-check-");
  try {
    const placed = [];
    for (const digest of digests) {
      const blob = await store.place(digest, wheels);
      if (!blob) return "a wheel it was made from is no longer in the cache";
      if (blob.name.endsWith(".whl")) placed.push(blob.path);
    }
    const r = await run(python, ["-I", "-S", "-B", verifier, venv, python, ...placed]);
    return r.exitCode === 0 ? void 0 : lastLine(r.stdout) || lastLine(r.stderr) || `the check exited with ${r.exitCode}`;
  } finally {
    removeScratch(wheels);
  }
}
async function install(python, lockPath, pins2, allowed, store, target2) {
  const files = scratchDir("phoreus-venv-files-");
  try {
    for (const digest of allowed) if (store.has(digest)) await store.place(digest, files);
    const bundled = await bundledPip(python);
    const create = await run(python, ["-I", "-m", "venv", "--without-pip", target2]);
    if (create.exitCode !== 0) throw new UsageError(`could not create a virtual environment with ${python}: ${lastLine(create.stderr)}`);
    const pipRun = (args) => {
      const locked = readdirSync5(files).find((f) => /^pip-[^-]+-py3-none-any\.whl$/.test(f));
      return run(join11(target2, "bin", "python"), [`${locked ? join11(files, locked) : bundled}/pip`, ...args], { env: venvEnv() });
    };
    const installArgs = ["install", "--quiet", "--no-input", "--disable-pip-version-check", "--no-index", "--find-links", files, "--require-hashes", "--no-compile", "--no-warn-script-location", "-r", lockPath];
    const stored = pins2.every((digests2) => digests2.some((digest) => store.has(digest)));
    let installed = stored ? await pipRun(installArgs) : void 0;
    if (installed?.exitCode !== 0) {
      const fetched = await run(join11(target2, "bin", "python"), [
        `${bundled}/pip`,
        "download",
        "--quiet",
        "--no-input",
        "--disable-pip-version-check",
        "--no-deps",
        "--require-hashes",
        "--dest",
        files,
        ...pipNetworkArgs(),
        "-r",
        lockPath
      ], { env: venvEnv() });
      if (fetched.exitCode !== 0) throw new UsageError(`could not fetch the files of ${lockPath}: ${redact(lastLine(fetched.stderr))}; check that the package index is reachable (PIP_INDEX_URL)`);
      installed = await pipRun(installArgs);
      if (installed.exitCode !== 0) throw new UsageError(`could not install ${lockPath}: ${redact(lastLine(installed.stderr))}`);
    }
    const digests = [];
    for (const file of readdirSync5(files)) {
      const path = join11(files, file);
      if (!statSync5(path).isFile() || !DISTRIBUTION_FILE.test(file)) continue;
      const digest = await sha256File(path);
      if (!allowed.has(digest)) throw new UsageError(`${file}, fetched for ${lockPath}, has a sha256 the lock does not allow`);
      if (!store.has(digest)) await store.add(path, digest);
      digests.push(digest);
    }
    return digests.sort();
  } finally {
    removeScratch(files);
  }
}
async function pythonVenv(python, lockPath, log) {
  const lockText = readFileSync4(lockPath, "utf8");
  const key = createHash3("sha256").update(lockText).update("\0").update(python).digest("hex").slice(0, 16);
  const venv = join11(cacheRoot(), "venvs", `${basename2(lockPath).replace(/\.lock$/, "")}-${key}`);
  const venvPython = join11(venv, "bin", "python");
  const pins2 = pinDigests(lockText);
  const allowed = new Set(pins2.flat());
  const store = new BlobStore(join11(cacheRoot(), "blobs"));
  if (existsSync8(venv)) {
    const wrong = await verifyKept(venv, python, allowed, store);
    if (!wrong) return venvPython;
    log.warning(`The kept environment for ${basename2(lockPath)} failed its check (${wrong}): rebuilding it from the lock`);
    rmSync4(venv, { recursive: true, force: true });
  }
  log.info(`Installing ${lockPath} into a private virtual environment (--require-hashes)`);
  mkdirSync3(join11(cacheRoot(), "venvs"), { recursive: true });
  const staging = `${venv}.staging-${process.pid}-${Date.now()}`;
  try {
    const digests = await install(python, lockPath, pins2, allowed, store, staging);
    writeFileSync3(join11(staging, MANIFEST), `${JSON.stringify({ lock: basename2(lockPath), python, wheels: digests }, null, 1)}
`);
    try {
      renameSync3(staging, venv);
    } catch {
      const wrong = await verifyKept(venv, python, allowed, store);
      if (wrong) throw new UsageError(`the environment for ${basename2(lockPath)} another run made fails its check (${wrong}); run again`);
    }
  } finally {
    rmSync4(staging, { recursive: true, force: true });
  }
  return venvPython;
}
var MANIFEST, venvEnv;
var init_venv = __esm({
  "src/tools/venv.ts"() {
    "use strict";
    init_errors();
    init_parse2();
    init_redact();
    init_blob_store();
    init_cache_dir();
    init_index_access();
    init_lifecycle();
    init_process();
    init_resources();
    MANIFEST = "phoreus-venv.json";
    venvEnv = (env = process.env) => ({ ...env, PYTHONDONTWRITEBYTECODE: "1" });
  }
});

// src/tools/pip-tools.ts
async function pipToolsPython(python, minor, log) {
  const lockPath = resourcePath(`tools/pip-tools/requirements-${minor}.lock`);
  if (!lockPath) {
    throw new UsageError(`the drift check (PH108) has no pip-tools lock for Python ${minor} (tools/pip-tools/ covers 3.9 to 3.13); pass --offline to skip it`);
  }
  return pythonVenv(python, lockPath, log);
}
var init_pip_tools = __esm({
  "src/tools/pip-tools.ts"() {
    "use strict";
    init_errors();
    init_resources();
    init_venv();
  }
});

// src/tools/pip-compile.ts
import { readFileSync as readFileSync5, writeFileSync as writeFileSync4 } from "node:fs";
import { join as join12 } from "node:path";
function indexesOf(options) {
  const out = { extraIndexUrls: [] };
  options.forEach((word, i) => {
    const m = /^(-i|--index-url|--extra-index-url)(?:=(.*))?$/.exec(word);
    const value = m ? m[2] ?? options[i + 1] : void 0;
    if (!m || value === void 0) return;
    if (m[1] === "--extra-index-url") out.extraIndexUrls.push(value);
    else out.indexUrl = value;
  });
  return out;
}
async function recompile(pipToolsPython2, project, seed, options, sources2) {
  const work = scratchDir("phoreus-drift-");
  try {
    const output = join12(work, "requirements.lock");
    writeFileSync4(output, seed);
    const script = resourcePath("tools/pip-tools/compile.py");
    if (!script) throw new UsageError("tools/pip-tools/compile.py is missing from the action; use a complete checkout of phoreus-rpm");
    const args = [script, "compile", "--quiet", "--no-reuse-hashes", ...options, `--cache-dir=${join12(cacheRoot(), "pip-compile")}`, `--output-file=${output}`, ...sources2];
    const result = await run(pipToolsPython2, args, { cwd: project, env: venvEnv(pipNetworkEnv({ ...process.env, CUSTOM_COMPILE_COMMAND: "" })) });
    const detail = redact(lastLine(result.stderr) || lastLine(result.stdout));
    if (result.exitCode !== 0) {
      const missing = missingPackage(result.stderr);
      const failing = missing ? await failingIndex(missing, indexUrls(indexesOf(options))) : void 0;
      if (failing) throw new UsageError(`${failing}, so the drift check (PH108) cannot run; fix --index-url or the network, or pass --offline to skip PH108`);
      if (UNREACHABLE.test(result.stderr)) {
        throw new UsageError(`the package index could not be reached for the drift check (${detail}); fix --index-url or the network, or pass --offline to skip PH108`);
      }
      return { ok: false, reason: detail || `pip-compile exited with status ${result.exitCode}` };
    }
    return { ok: true, lock: readFileSync5(output, "utf8") };
  } finally {
    removeScratch(work);
  }
}
var UNREACHABLE;
var init_pip_compile = __esm({
  "src/tools/pip-compile.ts"() {
    "use strict";
    init_lifecycle();
    init_errors();
    init_redact();
    init_index_access();
    init_process();
    init_resources();
    init_cache_dir();
    init_venv();
    UNREACHABLE = /(Could not fetch URL|Max retries exceeded|Connection refused|NewConnectionError|Temporary failure in name resolution|Name or service not known|Network is unreachable|ConnectTimeout|ReadTimeout)/;
  }
});

// src/checks/conda.ts
function isCondaFile(relPath) {
  if (!CONDA_FILE.test(relPath)) return false;
  return !/(^|\/)meta\.yaml$/.test(relPath) || /(^|\/)(recipe|conda-recipe|conda)\//.test(relPath);
}
function condaFileFinding(relPath) {
  return finding("PH110", relPath, 1, `${relPath} is a conda/mamba environment file; Phoreus tools are built only from requirements.in and requirements.lock with pip (\xA710): delete it and move its packages into requirements.in`);
}
function scanForCondaCalls(relPath, content) {
  const findings = [];
  content.split(/\r\n|\r|\n/).forEach((line, index) => {
    const stripped = line.replace(/^\s*#.*$/, "");
    const m = CONDA_CALL.exec(stripped);
    if (!m) return;
    const what = m[2] ? `${m[2]} ${m[4]}` : m[0];
    findings.push(finding("PH110", relPath, index + 1, `"${what}" runs an external environment manager, which the charter forbids (\xA710); install from requirements.lock with pip instead`));
  });
  return findings;
}
var CONDA_FILE, CONDA_CALL, SCANNED_FILE;
var init_conda = __esm({
  "src/checks/conda.ts"() {
    "use strict";
    init_finding();
    CONDA_FILE = /(^|\/)(environment\.ya?ml|conda-lock\.ya?ml|[^/]*\.conda-lock\.ya?ml|conda-[^/]*\.lock|\.condarc|condarc|meta\.yaml|conda_build_config\.yaml)$/;
    CONDA_CALL = /(^|[\s;&|(`"'])(conda|mamba|micromamba)(\s+|\.exe\s+)(install|create|env|run|activate|update|build|remove|lock)\b|setup-miniconda|setup-micromamba|provision-with-micromamba|miniforge|anaconda\.org\/conda/;
    SCANNED_FILE = /(^|\/)(Makefile|GNUmakefile|Dockerfile[^/]*|Containerfile|Justfile|justfile|setup\.py|noxfile\.py|tasks\.py|tox\.ini|setup\.cfg|pyproject\.toml|[^/]+\.(sh|bash|mk|spec|ya?ml))$/;
  }
});

// src/checks/lockfile.ts
function appliesTo(entry, env) {
  const marker = entry.requirement?.marker;
  if (!marker) return true;
  try {
    return evaluateMarker(marker, env);
  } catch {
    return true;
  }
}
function exactPin(entry) {
  const spec = entry.requirement?.specifier ?? [];
  const only = spec[0];
  if (spec.length !== 1 || !only || entry.requirement?.url) return void 0;
  if (only.operator === "===") return only.version;
  if (only.operator === "==" && !only.version.includes("*")) return only.version;
  return void 0;
}
function lockedPackages(lock, interpreter, arch) {
  const env = targetEnvironment(interpreter, arch);
  return requirementEntries(typeof lock === "string" ? parseRequirementsFile(lock) : lock).filter((e) => appliesTo(e, env) && e.requirement?.name && exactPin(e) !== void 0).map((e) => ({
    name: e.requirement?.name ?? "",
    version: exactPin(e) ?? "",
    hashes: e.hashes.filter((h) => h.algorithm === "sha256").map((h) => h.digest.toLowerCase())
  }));
}
function namedEntries(lock) {
  return requirementEntries(lock).filter((e) => e.requirement && !e.requirement.url && !e.editable);
}
function checkParseProblems(ctx) {
  return ctx.lock.problems.map((p) => {
    const message = `${redact(p.message)}; regenerate the lock with \`${REGENERATE(ctx)}\` instead of editing it`;
    if (p.kind === "hash") return finding("PH104", ctx.lockName, p.line, message);
    if (p.kind === "requirement") return finding("PH103", ctx.lockName, p.line, `cannot read this requirement: ${message}`);
    return finding("PH106", ctx.lockName, p.line, `pip-compile does not write this line: ${message}`);
  });
}
function checkPins(ctx) {
  const findings = [];
  const seen = /* @__PURE__ */ new Map();
  for (const entry of namedEntries(ctx.lock)) {
    const req = entry.requirement;
    if (!req) continue;
    if (req.marker) {
      try {
        evaluateMarker(req.marker, ctx.env);
      } catch (error) {
        findings.push(finding("PH103", ctx.lockName, entry.line, `the marker of ${req.name} cannot be read (${error.message}); regenerate the lock with \`${REGENERATE(ctx)}\``));
      }
    }
    if (exactPin(entry) === void 0) {
      const spec = req.specifier.length ? `"${formatSpecifier(req.specifier)}"` : "no version at all";
      findings.push(finding("PH103", ctx.lockName, entry.line, `${req.name} is pinned with ${spec}, not one exact version; pin it with == by regenerating the lock with \`${REGENERATE(ctx)}\``));
    }
    if (!appliesTo(entry, ctx.env)) continue;
    const key = normalizeName(req.name);
    const first = seen.get(key);
    if (first) {
      findings.push(finding("PH103", ctx.lockName, entry.line, `${req.name} is pinned twice (also on line ${first.line}); keep one pin by regenerating the lock with \`${REGENERATE(ctx)}\``));
    } else {
      seen.set(key, entry);
    }
  }
  return findings;
}
function checkHashes(ctx) {
  const findings = [];
  for (const entry of requirementEntries(ctx.lock)) {
    if (entry.editable) continue;
    const name = entry.requirement?.name || redact(entry.text);
    const sha256 = entry.hashes.filter((h) => h.algorithm === "sha256");
    const malformed = sha256.find((h) => !SHA256.test(h.digest));
    if (malformed) {
      findings.push(finding("PH104", ctx.lockName, entry.line, `${name} has --hash=sha256:${malformed.digest.slice(0, 16)}\u2026, which is not a 64-digit hex sha256 digest; regenerate the lock with \`${REGENERATE(ctx)}\``));
    } else if (sha256.length === 0) {
      const others = entry.hashes.map((h) => h.algorithm);
      const why = others.length ? ` (only ${[...new Set(others)].join(", ")}, which do not count)` : "";
      findings.push(finding("PH104", ctx.lockName, entry.line, `${name} has no --hash=sha256:${why}; regenerate the lock with \`${REGENERATE(ctx)}\` so pip can install it with --require-hashes`));
    }
  }
  return findings;
}
function checkLocations(ctx) {
  const findings = [];
  for (const entry of requirementEntries(ctx.lock)) {
    const shown3 = redact(entry.text);
    const fix = "publish it to the package index as a versioned release and pin it with == instead";
    if (entry.editable) {
      findings.push(finding("PH105", ctx.lockName, entry.line, `editable requirement "-e ${shown3}": a built RPM cannot depend on a working tree; ${fix}`));
      continue;
    }
    const url2 = entry.requirement?.url;
    if (!url2) continue;
    const kind = /^(git|hg|svn|bzr)\+/.test(url2) ? "VCS requirement" : /^file:/i.test(url2) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url2) ? "local-path requirement" : "direct-URL requirement";
    findings.push(finding("PH105", ctx.lockName, entry.line, `${kind} "${shown3}": only named, pinned, hashed releases from the index are allowed; ${fix}`));
  }
  return findings;
}
function checkOptions(ctx) {
  return optionEntries(ctx.lock).filter((o) => !WRITTEN_BY_PIP_COMPILE.has(o.name)).map((o) => finding("PH106", ctx.lockName, o.line, `pip-compile never writes ${o.name} into a lock${o.name === "--requirement" || o.name === "--constraint" ? ": it would pull in requirements this lock does not pin with hashes" : ""}; remove the line and regenerate the lock with \`${REGENERATE(ctx)}\``));
}
function checkHeader(ctx) {
  const header = parseCompileHeader(ctx.lock);
  if (!header) {
    return [finding("PH106", ctx.lockName, 1, `${ctx.lockName} has no pip-compile header ("This file is autogenerated by pip-compile"); generate it with \`${REGENERATE(ctx)}\``)];
  }
  const findings = [];
  const line = header.commandLine ?? header.line;
  if (!header.command) {
    findings.push(finding("PH106", ctx.lockName, header.line, `the pip-compile header records no command, so --generate-hashes cannot be confirmed; regenerate with \`${REGENERATE(ctx)}\``));
  } else if (!header.args) {
    findings.push(finding("PH106", ctx.lockName, line, `the recorded command "${redact(header.command)}" is not a pip-compile invocation (CUSTOM_COMPILE_COMMAND hides it); unset CUSTOM_COMPILE_COMMAND and regenerate with \`${REGENERATE(ctx)}\``));
  } else if (!generatesHashes(header.args)) {
    findings.push(finding("PH106", ctx.lockName, line, `the recorded command "${redact(header.command)}" lacks --generate-hashes; regenerate with \`${REGENERATE(ctx)}\``));
  }
  if (header.pythonVersion && header.pythonVersion !== ctx.interpreter) {
    findings.push(finding("PH109", ctx.lockName, header.line, `the lock was compiled with Python ${header.pythonVersion} but the target interpreter is ${ctx.interpreter}; pins and hashes differ between Python versions, so re-run pip-compile with python${ctx.interpreter} (\`python${ctx.interpreter} -m piptools compile \u2026\`)`));
  }
  return findings;
}
function checkPipPinned(ctx) {
  const pinned = namedEntries(ctx.lock).some((e) => normalizeName(e.requirement?.name ?? "") === "pip" && exactPin(e) !== void 0);
  if (pinned) return [];
  const commented = ctx.lock.comments.find((c) => c.text.trim() === "pip");
  return [finding("PH111", ctx.lockName, commented?.line ?? 1, `pip is not pinned in the lock, so the build cannot upgrade pip deterministically; add pip to ${ctx.inName} or regenerate with --allow-unsafe: \`${REGENERATE(ctx)}\``)];
}
function checkCredentials(fileName, file) {
  const findings = [];
  const secrets = [];
  const report = (line, what, text) => {
    const found = literalCredentials(text);
    if (found.length === 0) return;
    secrets.push(...found);
    findings.push(finding("PH112", fileName, line, `${what} holds a credential (${redact(text)}); remove it from the file and pass the URL with its credential through an environment variable or a secret (PIP_INDEX_URL, or \${TOKEN} in the URL)`));
  };
  for (const option of optionEntries(file)) {
    if (option.value) report(option.line, option.name, option.value);
  }
  for (const entry of requirementEntries(file)) {
    report(entry.line, "the requirement", entry.text);
  }
  for (const comment of file.comments) {
    report(comment.line, "a comment (the recorded pip-compile command)", comment.text);
  }
  return { findings, secrets };
}
function checkLock(ctx) {
  return [
    ...checkParseProblems(ctx),
    ...checkHeader(ctx),
    ...checkOptions(ctx),
    ...checkPins(ctx),
    ...checkHashes(ctx),
    ...checkLocations(ctx),
    ...checkPipPinned(ctx)
  ];
}
var REGENERATE, SHA256, WRITTEN_BY_PIP_COMPILE;
var init_lockfile = __esm({
  "src/checks/lockfile.ts"() {
    "use strict";
    init_finding();
    init_markers();
    init_pep508();
    init_header();
    init_parse2();
    init_redact();
    REGENERATE = (ctx) => `pip-compile --generate-hashes --allow-unsafe --output-file=${ctx.lockName} ${ctx.inName}`;
    SHA256 = /^[0-9a-f]{64}$/i;
    WRITTEN_BY_PIP_COMPILE = /* @__PURE__ */ new Set(["--index-url", "--extra-index-url", "--find-links", "--trusted-host", "--no-binary", "--only-binary"]);
  }
});

// src/checks/drift.ts
function rerunArguments(recorded) {
  const options = [];
  const sources2 = [];
  for (let i = 0; i < recorded.length; i++) {
    const word = recorded[i] ?? "";
    if (!word.startsWith("-") || word === "-") {
      sources2.push(word);
      continue;
    }
    const name = word.includes("=") ? word.slice(0, word.indexOf("=")) : word;
    const value = !word.includes("=") && WITH_VALUE.has(name) ? recorded[++i] : void 0;
    if (DROPPED.has(name)) continue;
    options.push(word);
    if (value !== void 0) options.push(value);
  }
  return { options, sources: sources2 };
}
function seedLock(file) {
  const lines = [];
  for (const entry of requirementEntries(file)) {
    const pin = exactPin(entry);
    const req = entry.requirement;
    if (!req || pin === void 0) continue;
    const operator = req.specifier[0]?.operator === "===" ? "===" : "==";
    lines.push(`${req.name}${operator}${pin}${req.marker ? ` ; ${req.marker}` : ""}`);
  }
  return `${lines.join("\n")}
`;
}
function pins(file, env) {
  const out = /* @__PURE__ */ new Map();
  for (const entry of requirementEntries(file)) {
    const name = entry.requirement?.name;
    if (!name || !appliesTo(entry, env)) continue;
    const key = normalizeName(name);
    if (out.has(key)) continue;
    const hashes = new Set(entry.hashes.map((h) => `${h.algorithm}:${h.digest.toLowerCase()}`));
    out.set(key, { version: exactPin(entry) ?? entry.text, hashes, line: entry.line, name });
  }
  return out;
}
function shortHashes(hashes) {
  const shown3 = hashes.slice(0, 3).map((h) => `${h.slice(0, 19)}\u2026`).join(", ");
  return hashes.length > 3 ? `${shown3} and ${hashes.length - 3} more` : shown3;
}
function compareLocks(lockName, committed, fresh, env, headerLine, regenerate) {
  const findings = [];
  const before = pins(committed, env);
  const after = pins(fresh, env);
  const fix = `regenerate the lock with \`${regenerate}\` and review the change`;
  for (const [key, pin] of before) {
    const now = after.get(key);
    if (!now) {
      findings.push(finding("PH108", lockName, pin.line, `pip-compile no longer pins ${pin.name} (nothing in the requirements needs it); ${fix}`));
      continue;
    }
    if (now.version !== pin.version) {
      findings.push(finding("PH108", lockName, pin.line, `${pin.name} is pinned to ${pin.version} but pip-compile gives ${now.version}; ${fix}`));
      continue;
    }
    const missing = [...now.hashes].filter((h) => !pin.hashes.has(h));
    const unknown = [...pin.hashes].filter((h) => !now.hashes.has(h));
    if (unknown.length > 0) {
      findings.push(finding("PH108", lockName, pin.line, `${pin.name}==${pin.version} has hashes the index no longer serves (${shortHashes(unknown)}): a file was replaced or removed upstream; investigate before trusting it, then ${fix}`));
    } else if (missing.length > 0) {
      findings.push(finding("PH108", lockName, pin.line, `${pin.name}==${pin.version} lacks hashes of files the index now serves (${shortHashes(missing)}); ${fix}`));
    }
  }
  for (const [key, pin] of after) {
    if (!before.has(key)) {
      findings.push(finding("PH108", lockName, headerLine, `pip-compile adds ${pin.name}==${pin.version}, which the lock lacks; ${fix}`));
    }
  }
  return findings;
}
var WITH_VALUE, DROPPED;
var init_drift = __esm({
  "src/checks/drift.ts"() {
    "use strict";
    init_finding();
    init_lockfile();
    init_pep508();
    init_parse2();
    WITH_VALUE = /* @__PURE__ */ new Set([
      "-o",
      "--output-file",
      "-P",
      "--upgrade-package",
      "-i",
      "--index-url",
      "--extra-index-url",
      "-f",
      "--find-links",
      "--cert",
      "--client-cert",
      "--trusted-host",
      "--cache-dir",
      "--pip-args",
      "--extra",
      "-c",
      "--constraint",
      "--build-deps-for",
      "--max-rounds",
      "--resolver",
      "--annotation-style",
      "--unsafe-package",
      "--config",
      "--newline",
      "--src-dir"
    ]);
    DROPPED = /* @__PURE__ */ new Set(["-o", "--output-file", "-U", "--upgrade", "-P", "--upgrade-package", "--dry-run", "-n", "-v", "--verbose", "-q", "--quiet", "--cache-dir", "--rebuild", "-r", "--config", "--no-config"]);
  }
});

// src/checks/identity.ts
function checkToolName(name, source2) {
  const wrong = judgeToolName(name);
  if (!wrong) return [];
  const suggestion = name.toLowerCase().replace(/[^a-z0-9._+-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "").slice(0, MAX_VALUE_LENGTH);
  const hint = suggestion && TOOL_NAME.test(suggestion) ? ` (for example "${suggestion}")` : "";
  return [finding("PH207", source2.file, source2.line, `tool name "${shown(name)}" is not safe as an RPM name, a path segment and a module name; ${wrong}${hint}`)];
}
function checkToolVersion(version, source2) {
  const wrong = judgeToolVersion(version);
  if (!wrong) return [];
  return [finding("PH207", source2.file, source2.line, `version "${shown(version)}" is not safe as an RPM version and a path segment; ${wrong}`)];
}
function checkInterpreterSanctioned(interpreter, sanctioned, source2) {
  if (sanctioned.includes(interpreter)) return [];
  return [finding("PH201", source2.file, source2.line, `Python ${interpreter} is not a sanctioned interpreter (sanctioned: ${sanctioned.join(", ")}); build for one of those, or add ${interpreter} to policy.interpreters in phoreus.yaml once the Packaging Authority sanctions it`)];
}
var init_identity = __esm({
  "src/checks/identity.ts"() {
    "use strict";
    init_values();
    init_finding();
    init_outward();
  }
});

// src/checks/satisfies.ts
function checkSatisfies(inputs, lockName, lock, env) {
  const findings = [];
  const pins2 = /* @__PURE__ */ new Map();
  for (const entry of requirementEntries(lock)) {
    const name = entry.requirement?.name;
    if (name && appliesTo(entry, env) && !pins2.has(normalizeName(name))) pins2.set(normalizeName(name), entry);
  }
  for (const input of inputs) {
    for (const problem of input.file.problems) {
      findings.push(finding("PH107", input.name, problem.line, `cannot read this line (${problem.message}), so the lock cannot be checked against it; fix the line`));
    }
    for (const entry of requirementEntries(input.file)) {
      const req = entry.requirement;
      if (!req || !req.name || entry.editable || req.url) continue;
      if (!appliesTo(entry, env)) continue;
      const pin = pins2.get(normalizeName(req.name));
      const wanted = req.specifier.length ? `${req.name}${formatSpecifier(req.specifier)}` : req.name;
      if (!pin) {
        if (input.role === "requirement") {
          findings.push(finding("PH107", input.name, entry.line, `${wanted} is required here but ${lockName} has no pin for it; re-run pip-compile to update the lock`));
        }
        continue;
      }
      const version = exactPin(pin);
      if (version === void 0 || satisfies(version, req.specifier)) continue;
      const kind = input.role === "constraint" ? "constrained" : "required";
      findings.push(finding("PH107", lockName, pin.line, `${req.name}==${version} is outside ${wanted}, ${kind} by ${input.name} line ${entry.line}; re-run pip-compile to update the lock`));
    }
  }
  return findings;
}
var init_satisfies = __esm({
  "src/checks/satisfies.ts"() {
    "use strict";
    init_finding();
    init_lockfile();
    init_pep508();
    init_parse2();
    init_versions();
  }
});

// src/checks/verify.ts
import { existsSync as existsSync9 } from "node:fs";
import { dirname as dirname4, join as join13, relative as relative3 } from "node:path";
function lockReader(project) {
  const read = /* @__PURE__ */ new Map();
  return (path) => {
    let lock = read.get(path);
    if (!lock) {
      const text = readText(path, project);
      lock = { text, file: parseRequirementsFile(text) };
      read.set(path, lock);
    }
    return lock;
  };
}
function chooseInterpreter(options, config, lockPath, readLock) {
  if (options.interpreter) return options.interpreter;
  if (lockPath && existsSync9(lockPath)) {
    const recorded = parseCompileHeader(readLock(lockPath).file)?.pythonVersion;
    if (recorded) return recorded;
  }
  const sanctioned = [...config.policy.interpreters].sort((a, b) => a.localeCompare(b, void 0, { numeric: true }));
  return sanctioned[sanctioned.length - 1] ?? "3.11";
}
function loadInputs(project, inName, findings) {
  const inputs = [];
  const seen = /* @__PURE__ */ new Set();
  const visit = (name, role) => {
    if (seen.has(name)) return;
    seen.add(name);
    const file = parseRequirementsFile(readText(join13(project, name), project));
    inputs.push({ name, file, role });
    for (const option of optionEntries(file)) {
      if (option.name !== "--requirement" && option.name !== "--constraint" || !option.value) continue;
      const included = join13(dirname4(name), option.value).split("\\").join("/");
      const full = insideProject(project, included);
      if (!full || !existsSync9(full)) {
        findings.push(finding("PH107", name, option.line, `${option.name} ${option.value} names a file that is missing or outside the project; fix the path`));
        continue;
      }
      visit(relative3(project, full), option.name === "--constraint" ? "constraint" : role);
    }
  };
  visit(inName, "requirement");
  return inputs;
}
function scanConda(project) {
  const findings = [];
  for (const rel of projectFiles(project)) {
    if (isCondaFile(rel)) findings.push(condaFileFinding(rel));
    else if (SCANNED_FILE.test(rel)) findings.push(...scanForCondaCalls(rel, readText(join13(project, rel), project)));
  }
  return findings;
}
function configuredPath(project, value, fallback, key, loaded, findings) {
  if (value === void 0) return fallback;
  if (insideProject(project, value)) return value;
  findings.push(finding("PH113", loaded?.file ?? ".", loaded?.index.get(key) ?? 1, `${key}: "${value}" is outside the project; give a path relative to the project directory`));
  return fallback;
}
function readConfiguration(options, readLock, findings) {
  const { project } = options;
  const loaded = loadConfig(project, options.config);
  if (loaded) {
    findings.push(...loaded.findings, ...checkOverrideKeys(loaded), ...checkModuleEnv(loaded), ...checkCopyFiles(loaded, project));
  }
  const shared = effectiveConfig(loaded ?? { raw: {} }, "");
  const interpreter = chooseInterpreter(options, shared, insideProject(project, shared.lock ?? DEFAULT_LOCK), readLock);
  const config = effectiveConfig(loaded ?? { raw: {} }, interpreter);
  const inName = configuredPath(project, config.requirements, DEFAULT_IN, "requirements", loaded, findings);
  const lockName = configuredPath(project, config.lock, DEFAULT_LOCK, "lock", loaded, findings);
  return { loaded, config, interpreter, inName, lockName };
}
function identitySources(options, config, metadata) {
  return {
    ...optional("tool", options.tool),
    ...optional("version", options.version),
    ...optional("configTool", config.tool.name),
    ...optional("configVersion", config.tool.version),
    ...optional("projectName", metadata.name?.value),
    ...optional("projectVersion", metadata.version?.value)
  };
}
function checkIdentityInputs(options, loaded, config, metadata) {
  const tool = options.tool ?? config.tool.name ?? metadata.name?.value;
  const version = options.version ?? config.tool.version ?? metadata.version?.value;
  const sourceOf = (flag, key, meta) => flag !== void 0 ? { file: ".", line: 1 } : loaded?.index.has(key) ? { file: loaded.file, line: loaded.index.get(key) ?? 1 } : { file: "pyproject.toml", line: meta?.line ?? 1 };
  const findings = [
    ...tool !== void 0 ? checkToolName(tool, sourceOf(options.tool, "tool.name", metadata.name)) : [],
    ...version !== void 0 ? checkToolVersion(version, sourceOf(options.version, "tool.version", metadata.version)) : []
  ];
  return { tool, version, findings };
}
function checkLockAgainstInputs(project, ctx, inPresent, findings, secrets) {
  findings.push(...checkLock(ctx));
  const lockCredentials = checkCredentials(ctx.lockName, ctx.lock);
  findings.push(...lockCredentials.findings);
  secrets.push(...lockCredentials.secrets);
  if (!inPresent) return;
  const inputs = loadInputs(project, ctx.inName, findings);
  for (const input of inputs) {
    const scan = checkCredentials(input.name, input.file);
    findings.push(...scan.findings);
    secrets.push(...scan.secrets);
  }
  findings.push(...checkSatisfies(inputs, ctx.lockName, ctx.lock, ctx.env));
}
async function verify(options, log, arch) {
  const { project } = options;
  assertProjectDir(project);
  const readLock = lockReader(project);
  const findings = [];
  const secrets = [];
  registerSecrets([options.indexUrl ?? "", ...options.extraIndexUrls].flatMap(literalCredentials));
  const { loaded, config, interpreter, inName, lockName } = readConfiguration(options, readLock, findings);
  log.info(`Verifying ${lockName} and ${inName} in ${project} for Python ${interpreter}`);
  findings.push(...checkInterpreterSanctioned(interpreter, config.policy.interpreters, { file: loaded?.file ?? lockName, line: loaded?.index.get("policy.interpreters") ?? 1 }));
  findings.push(...checkConfigCredentials(loaded, config, secrets));
  const metadata = readPyproject(project);
  const { tool, version, findings: identityFindings } = checkIdentityInputs(options, loaded, config, metadata);
  findings.push(...identityFindings, ...scanConda(project));
  const inPresent = existsSync9(join13(project, inName));
  const lockPath = join13(project, lockName);
  const result = { findings, secrets, interpreter, project, requirements: inName, lock: lockName, drift: "skipped: lock unreadable", ...loaded ? { config: loaded.file } : {}, ...tool ? { tool } : {}, ...version ? { version } : {} };
  if (!inPresent) {
    findings.push(finding("PH102", inName, 1, `${inName} is missing; list the tool's direct requirements in it (the charter requires requirements.in and requirements.lock)`));
  }
  if (!existsSync9(lockPath)) {
    findings.push(finding("PH101", lockName, 1, `${lockName} is missing; generate it with \`pip-compile --generate-hashes --allow-unsafe --output-file=${lockName} ${inName}\` and commit it`));
    return finish(result);
  }
  const read = readLock(lockPath);
  const platform = arch ? platformPlan(config, platformKey(arch)) : void 0;
  result.plan = {
    loaded: loaded ?? { file: "phoreus.yaml", index: /* @__PURE__ */ new Map(), raw: {} },
    config,
    lock: read,
    identity: identitySources(options, config, metadata),
    ...platform ? { platform } : {}
  };
  const ctx = { lockName, inName, lock: read.file, interpreter, env: targetEnvironment(interpreter) };
  checkLockAgainstInputs(project, ctx, inPresent, findings, secrets);
  if (options.offline) {
    result.drift = "skipped: offline";
    return finish(result);
  }
  const header = parseCompileHeader(read.file);
  if (!header?.args || !inPresent) return finish(result);
  result.drift = "checked";
  findings.push(...await checkDrift(options, ctx, header.args, header.commandLine ?? header.line, log));
  return finish(result);
}
function finish(result) {
  result.findings = sortFindings(result.findings);
  result.secrets = [...new Set(result.secrets)];
  registerSecrets(result.secrets);
  return result;
}
function checkConfigCredentials(loaded, config, secrets) {
  if (!loaded) return [];
  const urls = [];
  const { registries } = config;
  if (registries["index-url"]) urls.push(["registries.index-url", registries["index-url"]]);
  (registries["extra-index-urls"] ?? []).forEach((u, i) => urls.push([`registries.extra-index-urls[${i}]`, u]));
  (registries["find-links"] ?? []).forEach((u, i) => urls.push([`registries.find-links[${i}]`, u]));
  const findings = [];
  for (const [key, url2] of urls) {
    const found = literalCredentials(url2);
    if (found.length === 0) continue;
    secrets.push(...found);
    findings.push(finding("PH112", loaded.file, loaded.index.get(key) ?? 1, `${key} holds a credential (${redact(url2)}); keep credentials out of ${loaded.file}: pass the index URL through the index-url input from a secret, or PIP_INDEX_URL`));
  }
  return findings;
}
async function checkDrift(options, ctx, recorded, headerLine, log) {
  const { options: compileOptions, sources: sources2 } = rerunArguments(recorded);
  const regenerate = `pip-compile ${recorded.join(" ")}`;
  for (const source2 of sources2) {
    if (source2 === "-" || !insideProject(options.project, source2) || !existsSync9(join13(options.project, source2))) {
      return [finding("PH108", ctx.lockName, headerLine, `the recorded pip-compile command reads "${source2}", which is not a file in the project, so the lock cannot be reproduced; compile from ${ctx.inName}`)];
    }
  }
  if (options.indexUrl) compileOptions.push(`--index-url=${options.indexUrl}`);
  for (const extra of options.extraIndexUrls) compileOptions.push(`--extra-index-url=${extra}`);
  return log.group(`Drift check: re-running pip-compile with Python ${ctx.interpreter}`, async () => {
    const python = await findPython(ctx.interpreter, options.python);
    const pipTools = await pipToolsPython(python, ctx.interpreter, log);
    log.info(`pip-compile ${redact([...compileOptions, ...sources2].join(" "))}`);
    const outcome = await recompile(pipTools, options.project, seedLock(ctx.lock), compileOptions, sources2);
    if (!outcome.ok) {
      return [finding("PH108", ctx.lockName, headerLine, `re-running pip-compile failed (${outcome.reason}); fix ${ctx.inName} so that \`${redact(regenerate)}\` succeeds`)];
    }
    return compareLocks(ctx.lockName, ctx.lock, parseRequirementsFile(outcome.lock), ctx.env, headerLine, redact(regenerate));
  });
}
var DEFAULT_IN, DEFAULT_LOCK;
var init_verify = __esm({
  "src/checks/verify.ts"() {
    "use strict";
    init_config();
    init_copy_files();
    init_load();
    init_options();
    init_distros();
    init_platform_plan();
    init_project();
    init_markers();
    init_header();
    init_parse2();
    init_redact();
    init_python();
    init_pip_tools();
    init_pip_compile();
    init_conda();
    init_drift();
    init_finding();
    init_identity();
    init_lockfile();
    init_satisfies();
    init_files();
    DEFAULT_IN = "requirements.in";
    DEFAULT_LOCK = "requirements.lock";
  }
});

// src/report/formats.ts
function findingLine(f) {
  const waived = f.waived ? ` [waived by ${f.waived.by}: ${f.waived.reason}]` : "";
  return `${f.file}:${f.line}: ${f.waived ? "waived " : ""}${f.severity} ${f.rule}: ${f.message}${waived}`;
}
function renderText(subject, findings) {
  const lines = findings.map(findingLine);
  const { errors, warnings, waived } = countBySeverity(findings);
  lines.push(`${subject.mode}: ${errors} error(s), ${warnings} warning(s)${waived ? `, ${waived} waived` : ""}${subject.interpreter ? ` for Python ${subject.interpreter}` : ""} in ${subject.project}`);
  if (subject.packagedTool) lines.push(`packaged tool: ${nameAndVersion(subject.packagedTool)}`);
  lines.push(`generator: ${nameAndVersion(GENERATOR)}`);
  return outward(`${lines.join("\n")}
`);
}
function renderJson(subject, findings) {
  return outward(`${JSON.stringify({ generator: GENERATOR, ...subject, summary: countBySeverity(findings), findings }, null, 2)}
`);
}
function renderSarif(findings, uriPrefix = "", packagedTool) {
  const used = [...new Set(findings.map((f) => f.rule))].sort();
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          // The driver is this tool only; the packaged tool is in the run's properties.
          driver: {
            name: TOOL_NAME2,
            version: TOOL_VERSION2,
            semanticVersion: TOOL_VERSION2,
            informationUri: TOOL_URL,
            rules: used.map((id) => ({
              id,
              name: RULES[id].title.replace(/(^|\W+)(\w)/g, (_m, _s, c) => c.toUpperCase()),
              shortDescription: { text: RULES[id].title },
              fullDescription: { text: `${RULES[id].title} (Phoreus Python Packaging Charter ${RULES[id].charter})` },
              helpUri: `${RULES_URL}#${id.toLowerCase()}`,
              defaultConfiguration: { level: RULES[id].severity },
              properties: { tags: ["phoreus", "packaging"], precision: "very-high" }
            }))
          }
        },
        ...packagedTool ? { properties: { packagedTool } } : {},
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: used.indexOf(f.rule),
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: joinUri(uriPrefix, f.file) },
                region: { startLine: f.line }
              }
            }
          ],
          partialFingerprints: { primaryLocationLineHash: `${f.rule}:${joinUri(uriPrefix, f.file)}:${f.line}` },
          // SARIF's own form of an accepted finding: still a result, suppressed with its justification.
          ...f.waived ? { suppressions: [{ kind: "external", status: "accepted", justification: `${f.waived.reason} (${f.waived.by})` }] } : {}
        }))
      }
    ]
  };
  return outward(`${JSON.stringify(sarif, null, 2)}
`);
}
function joinUri(prefix, file) {
  const clean = file === "." ? "" : file;
  if (!prefix || prefix === ".") return clean || ".";
  return clean ? `${prefix.replace(/\/+$/, "")}/${clean}` : prefix;
}
var GENERATOR, nameAndVersion;
var init_formats = __esm({
  "src/report/formats.ts"() {
    "use strict";
    init_finding();
    init_rules();
    init_about();
    init_outward();
    GENERATOR = { name: TOOL_NAME2, version: TOOL_VERSION2 };
    nameAndVersion = (tool) => tool.version ? `${tool.name} ${tool.version}` : tool.name;
  }
});

// src/commands/verify-command.ts
function verifySubject(result) {
  return {
    mode: "verify",
    project: result.project,
    interpreter: result.interpreter,
    requirements: result.requirements,
    lock: result.lock,
    ...result.config ? { config: result.config } : {},
    ...result.tool ? { packagedTool: { name: result.tool, ...result.version ? { version: result.version } : {} } } : {},
    drift: result.drift
  };
}
function render(format, result, uriPrefix) {
  if (format === "json") return renderJson(verifySubject(result), result.findings);
  if (format === "sarif") return renderSarif(result.findings, uriPrefix, verifySubject(result).packagedTool);
  return renderText(verifySubject(result), result.findings);
}
async function runVerify(options, log) {
  const result = await verify(options, log);
  return { result, exitCode: findingsExitStatus(result.findings) };
}
var init_verify_command = __esm({
  "src/commands/verify-command.ts"() {
    "use strict";
    init_errors();
    init_verify();
    init_formats();
  }
});

// src/core/log.ts
function streamLog(write, quiet = false) {
  return {
    info: (message) => {
      if (!quiet) write(`${outward(message)}
`);
    },
    warning: (message) => write(`warning: ${outward(message)}
`),
    group: async (name, body) => {
      if (!quiet) write(`== ${outward(name)}
`);
      return body();
    }
  };
}
var init_log = __esm({
  "src/core/log.ts"() {
    "use strict";
    init_outward();
  }
});

// src/cli/verify.ts
var verify_exports = {};
__export(verify_exports, {
  VERIFY_OPTIONS: () => VERIFY_OPTIONS,
  verifyCommand: () => verifyCommand
});
import { relative as relative4 } from "node:path";
async function verifyCommand(args) {
  const flags = parseFlags("verify", args, VERIFY_OPTIONS);
  const format = parseFormat(flags.string("format") ?? "text");
  const options = { ...projectOptions(flags), offline: flags.boolean("offline") };
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean("quiet"));
  const { result, exitCode } = await runVerify(options, log);
  process.stdout.write(render(format, result, relative4(process.cwd(), options.project)));
  return exitCode;
}
var VERIFY_OPTIONS;
var init_verify2 = __esm({
  "src/cli/verify.ts"() {
    "use strict";
    init_verify_command();
    init_options();
    init_log();
    init_redact();
    init_flags();
    VERIFY_OPTIONS = {
      ...PROJECT_OPTIONS,
      offline: { type: "boolean", default: false },
      format: { type: "string", default: "text" }
    };
  }
});

// src/plan/identity.ts
function versionFromRef(refName) {
  const m = /^v(\d[^\s/]*)$/.exec(refName ?? "");
  return m?.[1];
}
function resolveTool(s) {
  return s.tool ?? s.configTool ?? (s.projectName ? normalizeName(s.projectName) : void 0);
}
function resolveVersion(s) {
  return s.version ?? versionFromRef(s.refName) ?? s.configVersion ?? s.projectVersion;
}
var init_identity2 = __esm({
  "src/plan/identity.ts"() {
    "use strict";
    init_pep508();
  }
});

// src/tools/epoch.ts
async function sourceDateEpoch(project) {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (process.env.SOURCE_DATE_EPOCH && Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  const git = await run("git", ["-C", project, "log", "-1", "--format=%ct", "--", "."]);
  const commit = Number(git.stdout.trim());
  return git.exitCode === 0 && Number.isInteger(commit) && commit > 0 ? commit : 0;
}
var init_epoch = __esm({
  "src/tools/epoch.ts"() {
    "use strict";
    init_process();
  }
});

// src/tools/system.ts
import { existsSync as existsSync10 } from "node:fs";
import { delimiter as delimiter2, join as join14 } from "node:path";
function which(command, env = process.env) {
  for (const dir of (env.PATH ?? "").split(delimiter2)) {
    const candidate = join14(dir, command);
    if (dir && existsSync10(candidate)) return candidate;
  }
  return void 0;
}
async function asRoot() {
  if (process.getuid?.() === 0) return [];
  if (which("sudo") && (await run("sudo", ["-n", "true"])).exitCode === 0) return ["sudo", "-n", "-E"];
  return void 0;
}
async function installPackages(packages, what, log) {
  const manager = which("apt-get") ? "apt" : which("dnf") ? "dnf" : void 0;
  const root = await asRoot();
  if (!manager || !root) {
    throw new UsageError(`${what} not found; install ${packages.apt.join(" ")} (\`sudo apt-get install -y ${packages.apt.join(" ")}\`, or \`sudo dnf install -y ${packages.dnf.join(" ")}\`)`);
  }
  const names = manager === "apt" ? packages.apt : packages.dnf;
  await log.group(`Installing ${names.join(", ")} with ${manager}`, async () => {
    const steps = manager === "apt" ? [["apt-get", ["update", "-qq"]], ["apt-get", ["install", "-y", "-qq", ...names]]] : [["dnf", ["install", "-y", "-q", ...names]]];
    for (const [cmd, args] of steps) {
      const [first, ...rest] = [...root, cmd, ...args];
      const r = await run(first ?? cmd, rest, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
      if (r.exitCode !== 0) throw new UsageError(`${cmd} ${args.join(" ")} failed: ${lastLine(r.stderr)}`);
    }
  });
}
async function requireTools(commands, log) {
  const missing = commands.filter((c) => !which(c));
  if (missing.length === 0) return;
  const provider = (c) => PROVIDERS[c] ?? { apt: c, dnf: c };
  await installPackages({
    apt: [...new Set(missing.map((c) => provider(c).apt))],
    dnf: [...new Set(missing.map((c) => provider(c).dnf))]
  }, missing.join(", "), log);
  const still = commands.filter((c) => !which(c));
  if (still.length > 0) throw new UsageError(`${still.join(", ")} still not found after installing their packages`);
}
var PROVIDERS;
var init_system = __esm({
  "src/tools/system.ts"() {
    "use strict";
    init_errors();
    init_process();
    PROVIDERS = {
      rpmbuild: { apt: "rpm", dnf: "rpm-build" },
      rpm: { apt: "rpm", dnf: "rpm" },
      rpm2cpio: { apt: "rpm2cpio", dnf: "rpm" },
      cpio: { apt: "cpio", dnf: "cpio" },
      tar: { apt: "tar", dnf: "tar" },
      unshare: { apt: "util-linux", dnf: "util-linux" },
      rpmsign: { apt: "rpm", dnf: "rpm-sign" },
      rpmkeys: { apt: "rpm", dnf: "rpm" },
      gpg: { apt: "gnupg", dnf: "gnupg2" },
      gpgconf: { apt: "gnupg", dnf: "gnupg2" },
      createrepo_c: { apt: "createrepo-c", dnf: "createrepo_c" }
    };
  }
});

// src/pipeline/in-force.ts
function redactRegistries(options, registries) {
  return {
    ...registries,
    ...options.indexUrl ? { "index-url": "(from the index-url input)" } : {},
    ...options.extraIndexUrls.length ? { "extra-index-urls": options.extraIndexUrls.map(() => "(from the extra-index-url input)") } : {}
  };
}
function configurationInForce(config, made, options) {
  const { id, plan, app } = made;
  return {
    tool: { ...config.tool, name: id.tool, version: id.version, release: id.release },
    interpreter: id.interpreter,
    distro: made.distro,
    arch: made.arch,
    platform: plan.platform,
    policy: { ...config.policy, "interpreter-home": id.interpreterHome, "interpreter-module": id.interpreterModule },
    requirements: made.requirements,
    lock: made.lock,
    registries: redactRegistries(options, config.registries),
    module: config.module,
    ...app ? { application: { name: app.name, version: app.version } } : {},
    skipped: made.skipped.map((s) => s.name),
    skipReasons: Object.fromEntries(plan.skip),
    forceSource: Object.fromEntries(plan.forceSource),
    sourceBuilds: made.sourceBuilds,
    copyFiles: plan.copyFiles,
    ...config.waivers.length > 0 ? { audit: { waive: config.waivers.map(({ rule, path, reason: reason2 }) => ({ rule, path, reason: reason2 })) } } : {}
  };
}
function describeSourceBuild(b) {
  return `${b.name} ${b.version} (sdist sha256:${b.sdistSha256}, wheel sha256:${b.sha256}, built by ${b.generator ?? b.backend}, ${b.pinnedBy ? `pinned by ${b.pinnedBy}` : b.unpinned?.length ? `backend not pinned: ${b.unpinned.join(", ")}` : "no build requirements"})`;
}
function packageTexts(config, made, packageCount) {
  const { id, plan } = made;
  const summary = config.tool.summary ?? `${id.tool} ${id.version} in its own Python ${id.interpreter} environment, for Phoreus`;
  const venv = venvPath(id);
  return {
    summary,
    module: {
      whatis: config.module.whatis ?? [`Name: ${id.tool}`, `Version: ${id.version}`, `Description: ${summary}`, `Interpreter: Python ${id.interpreter} (${id.interpreterModule})`],
      help: config.module.help ?? `${id.tool} ${id.version}, in its own virtual environment under ${venv}.
Its dependencies are exactly those of ${venv.replace(/\/venv$/, "")}/requirements.lock.`,
      env: config.module.env ?? {}
    },
    description: [
      `Hermetically packaged Python application stack for ${id.tool} ${id.version}, including its fully frozen dependency graph: ${packageCount} packages from requirements.lock, installed with hash verification into ${venv}.`,
      `Interpreter: Python ${id.interpreter}, from ${id.interpreterModule}. Load it with: module load ${id.tool}/${id.version}`,
      ...made.skipped.length ? [`Left out on ${plan.platform}: ${made.skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}.`] : [],
      ...made.sourceBuilds.length ? [`Built here from their sdists: ${made.sourceBuilds.map(describeSourceBuild).join("; ")}.`] : []
    ]
  };
}
var init_in_force = __esm({
  "src/pipeline/in-force.ts"() {
    "use strict";
    init_layout();
  }
});

// src/audit/cpio.ts
function hexField(header, i) {
  let value = 0;
  for (let at = 6 + i * 8; at < 14 + i * 8; at++) {
    const c = header[at];
    const lower = c | 32;
    const digit = c >= 48 && c <= 57 ? c - 48 : lower >= 97 && lower <= 102 ? lower - 87 : -1;
    if (digit < 0) return Number.NaN;
    value = value * 16 + digit;
  }
  return value;
}
function fanOut(readers) {
  return {
    data: (chunk) => {
      let needed = false;
      for (const r of readers) if (r.data(chunk) !== false) needed = true;
      return needed ? void 0 : false;
    },
    end: () => {
      for (const r of readers) r.end();
    }
  };
}
function gathered(whole) {
  return (header) => {
    const pieces = [];
    return {
      data: (chunk) => {
        pieces.push(Buffer.from(chunk));
      },
      end: () => whole({ name: header.name, mode: header.mode, data: pieces.length === 1 ? pieces[0] : Buffer.concat(pieces) })
    };
  };
}
var HEADER, TRAILER, MAX_NAME, S_IFMT, S_IFREG, S_IFLNK, S_IFDIR, isRegular, isSymlink2, isDirectory, pad4, NEWC, CpioReader;
var init_cpio = __esm({
  "src/audit/cpio.ts"() {
    "use strict";
    HEADER = 110;
    TRAILER = "TRAILER!!!";
    MAX_NAME = 16384;
    S_IFMT = 61440;
    S_IFREG = 32768;
    S_IFLNK = 40960;
    S_IFDIR = 16384;
    isRegular = (mode) => (mode & S_IFMT) === S_IFREG;
    isSymlink2 = (mode) => (mode & S_IFMT) === S_IFLNK;
    isDirectory = (mode) => (mode & S_IFMT) === S_IFDIR;
    pad4 = (n) => (4 - n % 4) % 4;
    NEWC = Buffer.from("07070", "latin1");
    CpioReader = class {
      constructor(onEntry) {
        this.onEntry = onEntry;
      }
      onEntry;
      /** Unread bytes of the header or name being read; data is never gathered here. */
      chunks = [];
      available = 0;
      done = false;
      header;
      /** The entry whose data is streaming: its reader, whether it still needs the data, and the data and padding bytes still due. */
      current;
      /** How many bytes of the archive were read or skipped. */
      consumed = 0;
      /**
       * Hard links whose data has not come yet: newc stores a link set's data once, with its
       * last link, so the earlier ones wait for it (by inode).
       */
      links = /* @__PURE__ */ new Map();
      take(n) {
        const first = this.chunks[0];
        if (n === 0 || !first) return Buffer.alloc(0);
        this.consumed += n;
        if (first.length >= n) {
          if (first.length === n) this.chunks.shift();
          else this.chunks[0] = first.subarray(n);
          this.available -= n;
          return first.subarray(0, n);
        }
        const out = Buffer.allocUnsafe(n);
        let filled = 0;
        while (filled < n) {
          const head = this.chunks[0];
          const used = Math.min(head.length, n - filled);
          head.copy(out, filled, 0, used);
          filled += used;
          if (used === head.length) this.chunks.shift();
          else this.chunks[0] = head.subarray(used);
        }
        this.available -= n;
        return out;
      }
      /** Passes on as much of the current entry's data (then padding) as `chunk` holds; returns the rest. */
      stream(chunk) {
        const current = this.current;
        if (!current) return chunk;
        const data = Math.min(current.remaining, chunk.length);
        if (data > 0) {
          if (current.needed && current.reader?.data(chunk.subarray(0, data)) === false) current.needed = false;
          current.remaining -= data;
        }
        let rest = chunk.subarray(data);
        const pad = current.remaining === 0 ? Math.min(current.padding, rest.length) : 0;
        current.padding -= pad;
        rest = rest.subarray(pad);
        this.consumed += data + pad;
        this.endEntry();
        return rest;
      }
      endEntry() {
        const current = this.current;
        if (current?.remaining !== 0 || current.padding !== 0) return;
        this.current = void 0;
        current.reader?.end();
      }
      /**
       * The data bytes of the current entry still due, when its reader needs no more of them:
       * the feeder may skip that many bytes of the archive instead of reading them (skip).
       */
      get skippable() {
        return this.current && !this.current.needed ? this.current.remaining : 0;
      }
      /** Passes over `n` bytes of the current entry's data (at most skippable) unread. */
      skip(n) {
        const current = this.current;
        if (!current || current.needed || n > current.remaining) throw new Error(`cannot skip ${n} bytes of the archive here`);
        current.remaining -= n;
        this.consumed += n;
        this.endEntry();
      }
      /** Adds bytes; reports every entry they begin and the data they carry. Throws on a malformed archive. */
      push(input) {
        this.read(input);
        if (this.chunks.length > 0) this.chunks = [Buffer.concat(this.chunks)];
      }
      read(input) {
        if (this.done || input.length === 0) return;
        let chunk = this.stream(input);
        if (chunk.length > 0) {
          this.chunks.push(chunk);
          this.available += chunk.length;
        }
        while (!this.done && !this.current) {
          if (!this.header) {
            if (this.available < HEADER) return;
            const header = this.take(HEADER);
            if (header.compare(NEWC, 0, NEWC.length, 0, NEWC.length) !== 0 || header[5] !== 49 && header[5] !== 50) {
              throw new Error(`not a newc cpio archive (magic "${header.toString("latin1", 0, 6).replace(/[^\x20-\x7e]/g, "?")}")`);
            }
            const parsed = { ino: hexField(header, 0), mode: hexField(header, 1), nlink: hexField(header, 4), size: hexField(header, 6), nameSize: hexField(header, 11) };
            if (![parsed.ino, parsed.mode, parsed.nlink, parsed.size, parsed.nameSize].every(Number.isFinite)) throw new Error("a cpio header field is not hexadecimal");
            if (parsed.nameSize < 1 || parsed.nameSize > MAX_NAME) throw new Error(`a cpio entry's name is ${parsed.nameSize} bytes long`);
            this.header = parsed;
          }
          const { ino, mode, nlink, size, nameSize } = this.header;
          const nameBlock = nameSize + pad4(HEADER + nameSize);
          if (this.available < nameBlock) return;
          const archived = this.take(nameBlock).toString("utf8", 0, nameSize - 1);
          const name = archived.startsWith("./") ? archived.slice(2) : archived;
          const offset = this.consumed;
          this.header = void 0;
          if (name === TRAILER) {
            this.done = true;
            this.chunks = [];
            for (const waiting of this.links.values()) {
              for (const link of waiting) this.onEntry({ ...link, size: 0, offset: this.consumed }).end();
            }
            this.links.clear();
            return;
          }
          let reader;
          if (nlink > 1 && isRegular(mode) && size === 0) {
            this.links.set(ino, [...this.links.get(ino) ?? [], { name, mode }]);
          } else if (nlink > 1 && isRegular(mode)) {
            const earlier = (this.links.get(ino) ?? []).map((link) => this.onEntry({ ...link, size, offset }));
            this.links.delete(ino);
            reader = fanOut([...earlier, this.onEntry({ name, mode, size, offset })]);
          } else {
            reader = this.onEntry({ name, mode, size, offset });
          }
          this.current = { reader, needed: reader !== void 0, remaining: size, padding: pad4(size) };
          const buffered = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
          this.chunks = [];
          this.available = 0;
          chunk = this.stream(buffered);
          if (chunk.length > 0) {
            this.chunks.push(chunk);
            this.available = chunk.length;
          }
        }
      }
      /** True once the trailer was read. */
      get finished() {
        return this.done;
      }
    };
  }
});

// src/audit/header-rules.ts
function checkRequires(header, ctx) {
  const findings = [];
  const names = header.requires.map(depName).filter((n) => !n.startsWith("rpmlib("));
  for (const name of names.filter((n) => SHARED_PYTHON.test(n))) {
    findings.push(finding("PH202", ctx.file, 1, `the RPM requires ${name}, a shared Python module or system Python; a Phoreus tool carries its dependencies in its own venv and requires only phoreus and ${ctx.interpreterModule} (charter \xA73.1, \xA710): disable automatic dependencies (AutoReqProv: no) and drop the Requires`));
  }
  const modules = [...new Set(names.filter((n) => INTERPRETER_MODULE.test(n) || n === ctx.interpreterModule))];
  if (modules.length !== 1 || modules[0] !== ctx.interpreterModule) {
    const found = modules.length ? modules.join(", ") : "none";
    findings.push(finding("PH203", ctx.file, 1, `the RPM must require exactly one interpreter module, ${ctx.interpreterModule}; it requires ${found}: fix the Requires of the spec (charter \xA75)`));
  }
  if (!names.includes("phoreus")) {
    findings.push(finding("PH203", ctx.file, 1, 'the RPM does not require phoreus: add "Requires: phoreus" (charter \xA75, \xA78)'));
  }
  return findings;
}
function checkProvides(header, ctx) {
  return header.provides.map(depName).filter((n) => /^python(3(\.\d+)?)?dist\(|^python\(abi\)|^python3(\.\d+)?-/.test(n) || SONAME.test(n)).map((n) => finding("PH311", ctx.file, 1, `the RPM provides ${n}, so it would satisfy other packages' dependencies with files of a private venv; disable automatic provides (AutoReqProv: no)`));
}
function checkScriptlets(header, ctx) {
  const findings = [];
  for (const s of header.scriptlets) {
    const kind = s.kind.replace(/\s*\(.*$/, "");
    if (RUNS_INSTALLER.test(s.body)) {
      findings.push(finding("PH206", ctx.file, 1, `the ${kind} runs a package installer or environment manager (${RUNS_INSTALLER.exec(s.body)?.[0].trim()}): dependencies are resolved at build time only, never on the installed system (charter \xA710, \xA711); remove it`));
    } else if (WRITES.test(s.body)) {
      findings.push(finding("PH206", ctx.file, 1, `the ${kind} writes into an installed venv: no virtual environment may be modified in place (charter \xA711); remove it`));
    }
  }
  return findings;
}
function payloadIdentity(paths) {
  for (const path of paths) {
    if (!path.startsWith(`${PHOREUS_ROOT}/`)) continue;
    const m = /^([^/]+)\/([^/]+)\/venv(\/|$)/.exec(path.slice(PHOREUS_ROOT.length + 1));
    if (m && m[1] !== "modulefiles" && m[1] !== "python") return { tool: m[1] ?? "", version: m[2] ?? "" };
  }
  return void 0;
}
function checkIdentity(header, identity2, ctx) {
  if (!identity2) {
    return [finding("PH313", ctx.file, 1, `the payload has no venv under ${PHOREUS_ROOT}/<tool>/<version>/venv: a Phoreus tool RPM ships exactly that (charter \xA73.1)`)];
  }
  const expected = packageName(identity2);
  const findings = [];
  if (header.name !== expected) {
    findings.push(finding("PH313", ctx.file, 1, `the RPM is named ${header.name} but its files are under ${phoreusPrefix(identity2)}/: name it ${expected} (charter \xA78)`));
  }
  if (header.version !== identity2.version) {
    findings.push(finding("PH313", ctx.file, 1, `the RPM's Version is ${header.version} but its files are under ${phoreusPrefix(identity2)}/: the two must agree (charter \xA78)`));
  }
  return findings;
}
var SHARED_PYTHON, INTERPRETER_MODULE, depName, SONAME, RUNS_INSTALLER, VENV, WRITES;
var init_header_rules = __esm({
  "src/audit/header-rules.ts"() {
    "use strict";
    init_finding();
    init_layout();
    SHARED_PYTHON = /^(python(\d(\.\d+)?)?(-.+)?$|python\d?(\.\d+)?dist\(|python\(abi\)|\/usr\/bin\/python|libpython)/;
    INTERPRETER_MODULE = /^phoreus-python-\d+\.\d+$/;
    depName = (dep) => dep.split(/\s+/)[0] ?? dep;
    SONAME = /^lib[^()\s]*\.so(\.|\(|$)/;
    RUNS_INSTALLER = /(^|[\s;&|(`"'/])(pip3?(\.\d+)?|ensurepip|conda|mamba|micromamba)(\s|$|;)|-m\s+(pip|ensurepip)\b/m;
    VENV = "\\/usr\\/local\\/phoreus\\/[^\\s/]+\\/[^\\s/]+\\/venv";
    WRITES = new RegExp(`(^|[\\s;&|(])(rm|cp|mv|ln|install|sed\\s+-i|tee|touch|chmod|chown|truncate|patch)\\s[^\\n]*${VENV}|>>?\\s*${VENV}|-m\\s+compileall\\b[^\\n]*${VENV}|find\\s[^\\n]*${VENV}[^\\n]*-(delete|exec)`, "m");
  }
});

// src/audit/elf.ts
import { readSync } from "node:fs";
function fileSource(fd, size, base = 0) {
  const pages = /* @__PURE__ */ new Map();
  const page = (n) => {
    let p = pages.get(n);
    if (!p) {
      p = Buffer.allocUnsafe(Math.min(PAGE, Math.max(0, size - n * PAGE)));
      p = p.subarray(0, readSync(fd, p, 0, p.length, base + n * PAGE));
      if (pages.size >= PAGES_KEPT) pages.delete(pages.keys().next().value);
      pages.set(n, p);
    }
    return p;
  };
  return {
    length: size,
    read(offset, length) {
      const end = Math.min(size, offset + length);
      if (offset >= end) return Buffer.alloc(0);
      const first = Math.floor(offset / PAGE);
      const last = Math.floor((end - 1) / PAGE);
      if (first === last) return page(first).subarray(offset - first * PAGE, end - first * PAGE);
      const parts = [];
      for (let n = first; n <= last; n++) parts.push(page(n));
      return Buffer.concat(parts).subarray(offset - first * PAGE, end - first * PAGE);
    }
  };
}
function readDynamic(r, dynamic, info) {
  const entSize = r.is64 ? 16 : 8;
  for (let at = dynamic.offset; at + entSize <= dynamic.offset + dynamic.size; at += entSize) {
    const entry = r.bytes(at, entSize);
    const tag2 = r.sword(entry, 0);
    if (tag2 === 0) break;
    const value = r.word(entry, r.is64 ? 8 : 4);
    if (tag2 === DT_NEEDED) info.needed.push(r.str(dynamic.link, value));
    else if (tag2 === DT_SONAME) info.soname = r.str(dynamic.link, value);
    else if (tag2 === DT_RPATH || tag2 === DT_RUNPATH) info.rpath.push(...r.str(dynamic.link, value).split(":").filter(Boolean));
  }
}
function readVersionsNeeded(r, verneed, info) {
  let at = verneed.offset;
  for (let n = 0; n < Math.max(verneed.info, 1) && at < verneed.offset + verneed.size; n++) {
    const need = r.bytes(at, 16);
    const count = r.u16(need, 2);
    const file = r.str(verneed.link, r.u32(need, 4));
    const names = [];
    let aux = at + r.u32(need, 8);
    for (let k = 0; k < count; k++) {
      const entry = r.bytes(aux, 16);
      names.push(r.str(verneed.link, r.u32(entry, 8)));
      const nextAux = r.u32(entry, 12);
      if (nextAux === 0) break;
      aux += nextAux;
    }
    info.versionsNeeded[file] = [...info.versionsNeeded[file] ?? [], ...names];
    const next = r.u32(need, 12);
    if (next === 0) break;
    at += next;
  }
}
function readElf(input) {
  const source2 = Buffer.isBuffer(input) ? bufferSource(input) : input;
  const head = source2.read(0, 64);
  if (!isElf(head) || source2.length < 64) return void 0;
  const is64 = head[4] === 2;
  const r = new ElfReader(source2, is64, head[5] === 1);
  try {
    const shoff = r.word(head, is64 ? 40 : 32);
    const shentsize = r.u16(head, is64 ? 58 : 46);
    const shnum = r.u16(head, is64 ? 60 : 48);
    const info = { machine: r.u16(head, 18), is64, needed: [], rpath: [], versionsNeeded: {} };
    if (shoff === 0 || shnum === 0 || shoff + shnum * shentsize > source2.length) return info;
    r.readSections(shoff, shnum, shentsize);
    const dynamic = r.sections.find((s) => s.type === SHT_DYNAMIC);
    if (dynamic) readDynamic(r, dynamic, info);
    const verneed = r.sections.find((s) => s.type === SHT_GNU_VERNEED);
    if (verneed) readVersionsNeeded(r, verneed, info);
    return info;
  } catch {
    return void 0;
  }
}
function newestGlibc(info) {
  let best;
  for (const names of Object.values(info.versionsNeeded)) {
    for (const name of names) {
      const m = /^GLIBC_(\d+)\.(\d+)/.exec(name);
      if (!m) continue;
      const v = [Number(m[1]), Number(m[2])];
      if (!best || v[0] > best[0] || v[0] === best[0] && v[1] > best[1]) best = v;
    }
  }
  return best;
}
var EM_X86_64, EM_AARCH64, isElf, SHT_DYNAMIC, SHT_GNU_VERNEED, DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH, bufferSource, PAGE, PAGES_KEPT, MAX_NAME2, SHORT_NAME, ElfReader;
var init_elf = __esm({
  "src/audit/elf.ts"() {
    "use strict";
    EM_X86_64 = 62;
    EM_AARCH64 = 183;
    isElf = (data) => data.length >= 64 && data[0] === 127 && data[1] === 69 && data[2] === 76 && data[3] === 70;
    SHT_DYNAMIC = 6;
    SHT_GNU_VERNEED = 1879048190;
    DT_NEEDED = 1;
    DT_SONAME = 14;
    DT_RPATH = 15;
    DT_RUNPATH = 29;
    bufferSource = (bytes) => ({
      length: bytes.length,
      read: (offset, length) => bytes.subarray(offset, offset + length)
    });
    PAGE = 16384;
    PAGES_KEPT = 64;
    MAX_NAME2 = 4096;
    SHORT_NAME = 128;
    ElfReader = class {
      constructor(source2, is64, little) {
        this.source = source2;
        this.is64 = is64;
        this.little = little;
      }
      source;
      is64;
      little;
      sections = [];
      /** `n` bytes at `o`, all of them. */
      bytes(o, n) {
        const b = this.source.read(o, n);
        if (b.length < n) throw new RangeError("past the end of the file");
        return b;
      }
      u16(b, o) {
        return this.little ? b.readUInt16LE(o) : b.readUInt16BE(o);
      }
      u32(b, o) {
        return this.little ? b.readUInt32LE(o) : b.readUInt32BE(o);
      }
      /** An address or offset: 64 bits in ELF64 (exact up to 2^53, beyond any file this reads). */
      word(b, o) {
        if (!this.is64) return this.u32(b, o);
        const [low, high] = this.little ? [b.readUInt32LE(o), b.readUInt32LE(o + 4)] : [b.readUInt32BE(o + 4), b.readUInt32BE(o)];
        return high * 4294967296 + low;
      }
      /** A signed tag of the dynamic section: only its small values matter, so its high half is read as signed. */
      sword(b, o) {
        if (!this.is64) return this.little ? b.readInt32LE(o) : b.readInt32BE(o);
        const [low, high] = this.little ? [b.readUInt32LE(o), b.readInt32LE(o + 4)] : [b.readUInt32BE(o + 4), b.readInt32BE(o)];
        return high * 4294967296 + low;
      }
      /** The NUL-terminated string at `offset` of the string table in section `sectionIndex`. */
      str(sectionIndex, offset) {
        const s = this.sections[sectionIndex];
        if (!s) return "";
        const start = s.offset + offset;
        const left = Math.max(0, s.offset + s.size - start);
        let chunk = this.source.read(start, Math.min(SHORT_NAME, left));
        let end = chunk.indexOf(0);
        if (end < 0 && left > chunk.length) {
          chunk = this.source.read(start, Math.min(MAX_NAME2, left));
          end = chunk.indexOf(0);
        }
        return chunk.toString("utf8", 0, end < 0 ? chunk.length : end);
      }
      readSections(shoff, shnum, shentsize) {
        const { is64 } = this;
        this.sections = Array.from({ length: shnum }, (_, i) => {
          const header = this.bytes(shoff + i * shentsize, is64 ? 48 : 32);
          return {
            type: this.u32(header, 4),
            offset: this.word(header, is64 ? 24 : 16),
            size: this.word(header, is64 ? 32 : 20),
            link: this.u32(header, is64 ? 40 : 24),
            info: this.u32(header, is64 ? 44 : 28)
          };
        });
      }
    };
  }
});

// src/audit/modulefile-rules.ts
function withoutComments(text) {
  return text.replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, (m) => m.replace(/[^\n]/g, " ")).split("\n").map((line) => {
    const strings2 = new RegExp(`${STRING}|--.*$`, "g");
    return line.replace(strings2, (m) => m.startsWith("--") ? "" : m);
  }).join("\n");
}
function evaluate(expr, locals) {
  const e = expr.trim();
  if (/^("|')/.test(e)) return unquote(e);
  if (/^\w+$/.test(e)) return locals.get(e);
  const join30 = /^pathJoin\s*\(([\s\S]*)\)$/.exec(e);
  if (!join30) return void 0;
  const parts = (join30[1] ?? "").match(new RegExp(`${STRING}|\\w+`, "g")) ?? [];
  const values = parts.map((p) => evaluate(p, locals));
  return values.every((v) => v !== void 0) ? values.join("/").replace(/\/+/g, "/") : void 0;
}
function holdsControl(body) {
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c < 32 && c !== 9 || c === 127) return true;
    if (body[i] !== "\\") continue;
    const next = body.slice(i + 1);
    if (next.charCodeAt(0) < 32 || /^[nrvfabz]/.test(next) || /^x[01][0-9a-fA-F]/i.test(next)) return true;
    const decimal = /^\d{1,3}/.exec(next)?.[0];
    if (decimal !== void 0 && (Number(decimal) < 32 || Number(decimal) === 127)) return true;
    i++;
  }
  return false;
}
function checkSetterValues(file, code) {
  const findings = [];
  for (const m of code.matchAll(SETTERS)) {
    const start = (m.index ?? 0) + m[0].length;
    let depth = 1;
    let end = start;
    while (end < code.length && depth > 0) {
      const c = code[end];
      if (c === "(") depth++;
      else if (c === ")") depth--;
      end++;
    }
    const args = code.slice(start, end - 1);
    const literals = args.match(/"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\[(=*)\[[\s\S]*?\]\1\]/g) ?? [];
    if (literals.some((l) => l.startsWith("[") ? /[\r\n]/.test(l) : holdsControl(l.slice(1, -1)))) {
      const line = code.slice(0, m.index).split("\n").length;
      findings.push(finding("PH317", file, line, `${m[1]} is given a value with a newline or another control character: Lmod writes it into the user's shell as code, so loading the module would run what follows; remove the control characters`));
    }
  }
  return findings;
}
function checkModulefile(file, text, interpreterModule, venv) {
  const findings = [];
  const code = withoutComments(text);
  findings.push(...checkSetterValues(file, code));
  const described2 = code.replace(DESCRIPTION, (m) => m.replace(/[^\n]/g, " "));
  described2.split("\n").forEach((line, i) => {
    const m = FORBIDDEN.exec(line);
    if (m) findings.push(finding("PH204", file, i + 1, `the modulefile touches ${m[0]}: a Phoreus module activates its venv through VIRTUAL_ENV and PATH only (charter \xA79); remove the line`));
  });
  const locals = /* @__PURE__ */ new Map();
  for (const m of code.matchAll(new RegExp(`\\blocal\\s+(\\w+)\\s*=\\s*(${STRING}|pathJoin\\s*\\([^)]*\\))`, "g"))) {
    const value = evaluate(m[2] ?? "", locals);
    if (value !== void 0) locals.set(m[1] ?? "", value);
  }
  const calls = (name, first) => [...code.matchAll(new RegExp(`\\b${name}\\s*\\(\\s*["']${first}["']\\s*,\\s*((?:pathJoin\\s*\\([^)]*\\))|${STRING}|\\w+)`, "g"))].map((m) => evaluate(m[1] ?? "", locals) ?? "");
  const escaped = interpreterModule.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (!new RegExp(`\\b(load|depends_on|always_load|prereq)\\s*\\(\\s*["']${escaped}(/[^"']*)?["']`).test(code)) {
    findings.push(finding("PH205", file, 1, `the modulefile does not load ${interpreterModule}: add load("${interpreterModule}") before the venv is activated (charter \xA75, \xA79)`));
  }
  const virtualEnv = calls("setenv", "VIRTUAL_ENV");
  if (!virtualEnv.some((v) => v.replace(/\/+$/, "") === venv)) {
    findings.push(finding("PH205", file, 1, `the modulefile does not set VIRTUAL_ENV to ${venv}${virtualEnv.length ? ` (it sets ${virtualEnv.join(", ") || "an expression"})` : ""}: add setenv("VIRTUAL_ENV", "${venv}") (charter \xA79)`));
  }
  const path = calls("prepend_path", "PATH");
  if (!path.some((v) => v.replace(/\/+$/, "") === `${venv}/bin`)) {
    findings.push(finding("PH205", file, 1, `the modulefile does not prepend ${venv}/bin to PATH: add prepend_path("PATH", "${venv}/bin") (charter \xA79)`));
  }
  return findings;
}
var FORBIDDEN, STRING, DESCRIPTION, unquote, SETTERS;
var init_modulefile_rules = __esm({
  "src/audit/modulefile-rules.ts"() {
    "use strict";
    init_finding();
    FORBIDDEN = /PYTHONPATH|PYTHONHOME|PYTHONUSERBASE|site-packages/;
    STRING = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`;
    DESCRIPTION = new RegExp(String.raw`\b(whatis|help)\s*\(\s*(${STRING}|\[(=*)\[[\s\S]*?\]\3\])\s*\)`, "g");
    unquote = (literal) => literal.slice(1, -1).replace(/\\(.)/g, "$1");
    SETTERS = /\b(setenv|pushenv|prepend_path|append_path|remove_path|set_alias|set_shell_function)\s*\(/g;
  }
});

// src/audit/piece-search.ts
var EMPTY, PieceSearch;
var init_piece_search = __esm({
  "src/audit/piece-search.ts"() {
    "use strict";
    EMPTY = Buffer.alloc(0);
    PieceSearch = class {
      constructor(overlap, find) {
        this.overlap = overlap;
        this.find = find;
      }
      overlap;
      find;
      tail = EMPTY;
      result;
      push(chunk) {
        if (this.result !== void 0 || chunk.length === 0) return;
        if (this.tail.length > 0) this.result = this.find(Buffer.concat([this.tail, chunk.subarray(0, this.overlap)]));
        this.result ??= this.find(chunk);
        const last = chunk.length >= this.overlap ? chunk : Buffer.concat([this.tail, chunk]);
        this.tail = Buffer.from(last.subarray(Math.max(0, last.length - this.overlap)));
      }
    };
  }
});

// src/audit/payload-rules/build-paths.ts
function tableFor(literal) {
  if (cached?.literal === literal) return cached.table;
  const table = { bySecond: /* @__PURE__ */ new Map(), unanchored: [], overlap: Math.max(64, ...literal.map((l) => Buffer.byteLength(l))) + 64 };
  [...literal, ...BUILD_MARKERS, PIP_TEMP_START].filter(Boolean).forEach((text, rank) => {
    const marker = { text, bytes: Buffer.from(text), rank };
    const second = marker.bytes[1];
    if (marker.bytes[0] !== SLASH || second === void 0) table.unanchored.push(marker);
    else table.bySecond.set(second, [...table.bySecond.get(second) ?? [], marker]);
  });
  cached = { literal, table };
  return table;
}
function markerAt(data, at, marker) {
  const end = at + marker.bytes.length;
  if (end > data.length || data.compare(marker.bytes, 0, marker.bytes.length, at, end) !== 0) return void 0;
  if (marker.text !== PIP_TEMP_START) return marker.text;
  return PIP_TEMP.exec(data.toString("latin1", at, at + 64))?.[0];
}
function buildPathIn(data, literal) {
  const { bySecond, unanchored } = tableFor(literal);
  let found;
  for (const marker of unanchored) {
    if ((!found || marker.rank < found.rank) && data.includes(marker.bytes)) found = marker;
  }
  let text = found?.text;
  for (let at = data.indexOf(SLASH); at >= 0 && found?.rank !== 0; at = data.indexOf(SLASH, at + 1)) {
    for (const marker of bySecond.get(data[at + 1] ?? -1) ?? []) {
      if (found && marker.rank >= found.rank) break;
      const seen = markerAt(data, at, marker);
      if (seen) {
        found = marker;
        text = seen;
        break;
      }
    }
  }
  return text;
}
function checkDirectUrl(report, path, text) {
  let url2;
  try {
    url2 = JSON.parse(text).url;
  } catch {
    return;
  }
  if (typeof url2 === "string" && /^file:/i.test(url2)) {
    report("PH305", path, 1, `direct_url.json names ${url2}, a path on the machine that installed the distribution: install it by name from a wheelhouse (pip --no-index --find-links), for which pip writes no direct_url.json`);
  }
}
var BUILD_MARKERS, PIP_TEMP_START, PIP_TEMP, SLASH, cached, BuildPathScanner;
var init_build_paths = __esm({
  "src/audit/payload-rules/build-paths.ts"() {
    "use strict";
    init_piece_search();
    BUILD_MARKERS = ["/BUILDROOT/", "/rpmbuild/BUILD", "/rpmbuild/SOURCES", "/builddir/build/", "/home/runner/work/", "/__w/", "/hostedtoolcache/", "/phoreus-build-", "/phoreus-app-"];
    PIP_TEMP_START = "/tmp/pip-";
    PIP_TEMP = /^\/tmp\/pip-(install|build-env|req-build|wheel|ephem-wheel-cache|modern-metadata|standalone-pip|unpack|target|build-tracker)-/;
    SLASH = 47;
    BuildPathScanner = class extends PieceSearch {
      constructor(literal) {
        super(tableFor(literal).overlap, (bytes) => buildPathIn(bytes, literal));
      }
      get found() {
        return this.result;
      }
    };
  }
});

// src/audit/pyc.ts
function magicOf(version) {
  return MAGIC.find((m) => m.version === version)?.final;
}
function readPycHeader(data) {
  if (data.length < 16 || data[2] !== 13 || data[3] !== 10) return void 0;
  const magic = (data[0] ?? 0) | (data[1] ?? 0) << 8;
  const flags = (data[4] ?? 0) | (data[5] ?? 0) << 8;
  const entry = MAGIC.find((m) => magic >= m.from && magic <= m.final);
  return { magic, ...entry ? { version: entry.version } : {}, isFinal: entry?.final === magic, hashBased: (flags & 1) === 1 };
}
function pycTag(fileName) {
  return /\.(cpython-\d+)(?:\.opt-\d)?\.pyc$/.exec(fileName)?.[1];
}
function tagOf(version) {
  return `cpython-${version.replace(".", "")}`;
}
function holdsString(data, text) {
  return holdsBytes(data, Buffer.from(text, "utf8"));
}
function holdsBytes(data, needle) {
  for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + 1)) {
    if (at >= 2 && SHORT_STRINGS.has((data[at - 2] ?? 0) & ~FLAG_REF) && data[at - 1] === needle.length) return true;
    if (at >= 5 && LONG_STRINGS.has((data[at - 5] ?? 0) & ~FLAG_REF) && data.readUInt32LE(at - 4) === needle.length) return true;
  }
  return false;
}
var MAGIC, SHORT_STRINGS, LONG_STRINGS, FLAG_REF, StringFinder;
var init_pyc = __esm({
  "src/audit/pyc.ts"() {
    "use strict";
    init_piece_search();
    MAGIC = [
      { version: "3.8", final: 3413, from: 3400 },
      { version: "3.9", final: 3425, from: 3420 },
      { version: "3.10", final: 3439, from: 3430 },
      { version: "3.11", final: 3495, from: 3450 },
      { version: "3.12", final: 3531, from: 3500 },
      { version: "3.13", final: 3571, from: 3550 },
      { version: "3.14", final: 3627, from: 3600 }
    ];
    SHORT_STRINGS = /* @__PURE__ */ new Set([122, 90]);
    LONG_STRINGS = /* @__PURE__ */ new Set([97, 65, 117, 116]);
    FLAG_REF = 128;
    StringFinder = class extends PieceSearch {
      constructor(text) {
        const needle = Buffer.from(text, "utf8");
        super(needle.length + 4, (bytes) => holdsBytes(bytes, needle) || void 0);
      }
      get found() {
        return this.result === true;
      }
    };
  }
});

// src/audit/payload-rules/bytecode.ts
import { posix as posix2 } from "node:path";
function checkPyc(p, report, path, data) {
  if (!checkPycHeader(p, report, path, data)) return void 0;
  const source2 = compiledSource(path);
  if (source2 === void 0 || holdsString(data, source2)) return void 0;
  const rel = source2.slice(p.sitePackages.length + 1);
  const found = rel ? new RegExp(`[\\x21-\\x7e]*${rel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).exec(data.toString("latin1"))?.[0] : void 0;
  return { source: source2, message: `the bytecode's co_filename is ${found ?? "not the installed source path"}, not exactly ${source2}: compile after relocation, for the installed path (compileall -s BUILDROOT -p /)` };
}
function compiledSource(path) {
  if (!path.includes("/__pycache__/")) return void 0;
  return `${posix2.dirname(posix2.dirname(path))}/${posix2.basename(path).replace(/\.cpython-\d+(\.opt-\d)?\.pyc$/, ".py")}`;
}
function checkPycHeader(p, report, path, data) {
  const header = readPycHeader(data);
  const expected = magicOf(p.ctx.interpreter);
  const tag2 = pycTag(path);
  if (!header) {
    report("PH307", path, 1, "the file is not Python bytecode (bad magic); remove it");
    return false;
  }
  if (!p.waivers.covering("PH307", path)) {
    p.pycVersions.set(header.version ?? `magic ${header.magic}`, path);
    if (tag2) p.pycVersions.set(tag2.replace("cpython-", "").replace(/^(\d)(\d+)$/, "$1.$2"), path);
  }
  if (header.magic !== expected || tag2 && tag2 !== tagOf(p.ctx.interpreter)) {
    const what = header.version ? `Python ${header.version}${header.isFinal ? "" : " (a pre-release)"}` : `an unknown interpreter (magic ${header.magic})`;
    report("PH307", path, 1, `the bytecode is for ${what}, not Python ${p.ctx.interpreter} (magic ${expected}): compile it with the venv's interpreter (Fedora's rule: every .pyc carries its interpreter's magic)`);
  }
  return true;
}
var init_bytecode = __esm({
  "src/audit/payload-rules/bytecode.ts"() {
    "use strict";
    init_pyc();
  }
});

// src/audit/payload-rules/distributions.ts
import { posix as posix3 } from "node:path";
function parseConfigJson(text) {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}
function checkDistributions(p, report) {
  if (p.texts.lock === void 0) {
    report("PH308", `${p.prefix}/requirements.lock`, 1, `the RPM does not ship its lock at ${p.prefix}/requirements.lock, so what it installs cannot be checked (charter \xA713: embed dependency hashes)`);
    return;
  }
  const locked = new Map((p.locked ?? []).map((p2) => [normalizeName(p2.name), p2]));
  const config = parseConfigJson(p.texts.config);
  const application = config.application ? normalizeName(config.application.name) : normalizeName(p.ctx.tool);
  const skipped = new Set((config.skipped ?? []).map(normalizeName));
  const installed = /* @__PURE__ */ new Map();
  for (const meta of p.metadata) {
    if (!meta.path.startsWith(`${p.sitePackages}/`)) continue;
    const name = /^Name:\s*(.+)$/m.exec(meta.text)?.[1]?.trim();
    const version = /^Version:\s*(.+)$/m.exec(meta.text)?.[1]?.trim();
    if (name && version) installed.set(normalizeName(name), { version, path: posix3.dirname(meta.path) });
  }
  for (const [name, dist] of installed) {
    const pin = locked.get(name);
    if (!pin) {
      if (name !== application) report("PH308", dist.path, 1, `${name} ${dist.version} is installed but not in requirements.lock: everything in the venv comes from the lock (charter \xA76.1)`);
    } else if (!satisfies(dist.version, [{ operator: "==", version: pin.version }])) {
      report("PH308", dist.path, 1, `${name} ${dist.version} is installed but the lock pins ${pin.version}`);
    }
  }
  for (const [name, pin] of locked) {
    if (!installed.has(name) && !skipped.has(name)) {
      report("PH308", `${p.prefix}/requirements.lock`, 1, `${pin.name}==${pin.version} is in the lock but not installed in the venv`);
    }
  }
}
var init_distributions = __esm({
  "src/audit/payload-rules/distributions.ts"() {
    "use strict";
    init_pep508();
    init_versions();
  }
});

// src/audit/payload-rules/elf-files.ts
import { posix as posix4 } from "node:path";
function checkElf(p, report, path, elf) {
  if (path.startsWith(`${p.venv}/bin/`) && /\/python[\d.]*$/.test(path)) {
    const target2 = `${p.ctx.interpreterHome}/bin/python${p.ctx.interpreter}`;
    report("PH306", path, 1, `${posix4.basename(path)} is a copy of an interpreter, not a link to the target interpreter ${target2}: a copy runs with the build machine's RUNPATH and prefix; create the venv with links (python -m venv --symlinks, the default on Linux)`);
  }
  const machine = ELF_MACHINES[p.ctx.arch];
  if (machine !== void 0 && elf.machine !== machine) {
    p.foreign.push({ path, machine: elf.machine, ...elf.soname ? { soname: elf.soname } : {} });
    return;
  }
  if (elf.soname) p.provided.add(elf.soname);
  p.provided.add(posix4.basename(path));
  p.elfNeeds.push({ path, needed: elf.needed });
  const glibc = newestGlibc(elf);
  const [major, minor] = p.ctx.distro.glibc;
  if (glibc && (glibc[0] > major || glibc[0] === major && glibc[1] > minor)) {
    report("PH309", path, 1, `the ELF file needs GLIBC_${glibc.join(".")}, newer than ${p.ctx.distro.key}'s glibc ${major}.${minor}: use a manylinux wheel no newer than manylinux_${major}_${minor}, or build in a ${p.ctx.distro.image} container`);
  }
  for (const entry of elf.rpath) checkRunpath(p, report, path, entry);
}
function checkRunpath(p, report, path, entry) {
  if (/^\$(ORIGIN|\{ORIGIN\})(\/|$)/.test(entry)) return;
  const marker = buildPathIn(Buffer.from(entry), p.ctx.buildPaths) ?? (entry.startsWith("/tmp/") ? "/tmp/" : void 0);
  if (marker) {
    report("PH305", path, 1, `the ELF RPATH/RUNPATH names ${entry}, a build-time path; use $ORIGIN-relative paths`);
    return;
  }
  if (!entry.startsWith("/")) {
    report("PH305", path, 1, `the ELF RPATH/RUNPATH names ${entry}, a relative directory the loader takes from the current directory of whoever runs the tool; use $ORIGIN-relative paths`);
    return;
  }
  const dir = posix4.normalize(entry).replace(/\/+$/, "");
  const within = (root) => dir === root || dir.startsWith(`${root}/`);
  if (within(p.venv) || within(p.ctx.interpreterHome) || SYSTEM_LIBRARY_DIRS.has(dir)) return;
  if (BUILD_MACHINE_DIR.test(`${dir}/`)) {
    report("PH305", path, 1, `the ELF RPATH/RUNPATH names ${entry}, outside the venv and the interpreter's home ${p.ctx.interpreterHome}: a directory of the build machine (a home, a CI workspace, a user's interpreter), searched first on every target; use $ORIGIN-relative paths`);
    return;
  }
  report("PH320", path, 1, `the ELF RPATH/RUNPATH names ${entry}, outside the venv and the interpreter's home: most likely the directory the upstream wheel was built in (a manylinux container's), absent on targets but searched first by the loader; ask upstream to use $ORIGIN-relative paths, or waive it with its reason`);
}
function judgeForeignElf(p, report) {
  const neededBy = /* @__PURE__ */ new Map();
  for (const { path, needed } of p.elfNeeds) for (const lib of needed) if (!neededBy.has(lib)) neededBy.set(lib, path);
  for (const elf of p.foreign) {
    const what = `the ELF file is built for ${machineName(elf.machine)}, not ${p.ctx.arch}`;
    const fix = `lock the package's wheel for ${p.ctx.arch} (its platform tag), or build it from its sdist on ${p.ctx.arch} (packages.forceSource)`;
    const user = neededBy.get(elf.soname ?? "") ?? neededBy.get(posix4.basename(elf.path));
    if (isExtensionModule(p, elf.path)) {
      report("PH309", elf.path, 1, `${what}, and it is an extension module Python would import: the import fails on the target; ${fix}`);
    } else if (user) {
      report("PH309", elf.path, 1, `${what}, and ${user} needs it: the loader cannot load it on the target; ${fix}`);
    } else if (posix4.dirname(elf.path) === `${p.venv}/bin`) {
      report("PH309", elf.path, 1, `${what}, and it is a program on PATH once the module is loaded: it cannot run on the target; ${fix}`);
    } else {
      report("PH318", elf.path, 1, `${what}; nothing in the venv imports, links or runs it, so it is inert on the target (a binary a wheel bundles for each platform): waive it in phoreus.yaml (audit.waive) with the reason, or remove the package if it needs it`);
    }
  }
}
function isExtensionModule(p, path) {
  if (!path.startsWith(`${p.venv}/lib/`) || !path.endsWith(".so")) return false;
  const name = posix4.basename(path);
  if (/\.(cpython-[^/]*|abi3)\.so$/.test(name)) return true;
  const dir = posix4.dirname(path);
  return /^[A-Za-z_][A-Za-z0-9_]*\.so$/.test(name) && (dir === p.sitePackages || p.files.has(`${dir}/__init__.py`));
}
function checkLibraries(p, report) {
  for (const { path, needed } of p.elfNeeds) {
    for (const lib of needed) {
      if (!p.provided.has(lib) && !BASE_LIBRARIES.has(lib)) {
        report("PH310", path, 1, `the ELF file needs ${lib}, which is neither in the venv nor in ${p.ctx.distro.key}'s base libraries: the tool may fail to load on an installed system unless another package provides it`);
      }
    }
  }
}
var BASE_LIBRARIES, ELF_MACHINES, MACHINE_NAMES, machineName, SYSTEM_LIBRARY_DIRS, BUILD_MACHINE_DIR;
var init_elf_files = __esm({
  "src/audit/payload-rules/elf-files.ts"() {
    "use strict";
    init_elf();
    init_build_paths();
    BASE_LIBRARIES = /* @__PURE__ */ new Set([
      "libc.so.6",
      "libm.so.6",
      "libdl.so.2",
      "librt.so.1",
      "libpthread.so.0",
      "libutil.so.1",
      "libnsl.so.1",
      "libcrypt.so.1",
      "libresolv.so.2",
      "libgcc_s.so.1",
      "libstdc++.so.6",
      "ld-linux-x86-64.so.2",
      "ld-linux-aarch64.so.1",
      "libX11.so.6",
      "libXext.so.6",
      "libXrender.so.1",
      "libICE.so.6",
      "libSM.so.6",
      "libGL.so.1",
      "libgobject-2.0.so.0",
      "libgthread-2.0.so.0",
      "libglib-2.0.so.0",
      "libz.so.1"
    ]);
    ELF_MACHINES = { x86_64: EM_X86_64, aarch64: EM_AARCH64 };
    MACHINE_NAMES = { 3: "i386", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64", 22: "s390", 40: "ARM", 62: "x86_64", 183: "aarch64", 243: "RISC-V" };
    machineName = (machine) => `${MACHINE_NAMES[machine] ?? "another machine"} (ELF machine ${machine})`;
    SYSTEM_LIBRARY_DIRS = /* @__PURE__ */ new Set(["/lib", "/lib64", "/usr/lib", "/usr/lib64"]);
    BUILD_MACHINE_DIR = /^\/(home|root|Users|github|runner|__w|builddir|var\/tmp)\/|\/(\.pyenv|\.local|\.cache|hostedtoolcache|rpmbuild|BUILDROOT|BUILD)\//;
  }
});

// src/audit/payload-rules/place.ts
function checkPlace(p, report, path, mode) {
  if (path.startsWith(p.prefix) && (path.length === p.prefix.length || path[p.prefix.length] === "/")) return;
  if (path === p.modulefile) return;
  if (isDirectory(mode) && (path === toolDir(p.ctx.tool) || path === modulefileDir(p.ctx))) return;
  report("PH301", path, 1, `${path} is outside ${p.prefix}/ and the tool's modulefile: a Phoreus RPM installs nothing into the system or another tool's tree (charter \xA73.1, \xA710); remove it from %files`);
}
function checkHeaderFiles(p, report, files) {
  for (const { path, mode } of files) {
    if (mode < 0) {
      report("PH301", p.prefix, 1, `the header lists a file whose name breaks its line (${path}): a name with a newline has no place in a venv`);
      continue;
    }
    const type = mode & 61440;
    if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) {
      report("PH315", path, 1, `the RPM installs a device, pipe or socket (mode ${mode.toString(8)}): a venv holds files, directories and symlinks only; remove it`);
    } else if (type !== S_IFLNK && (mode & UNSAFE_MODE) !== 0) {
      const what = [mode & 2048 ? "setuid" : "", mode & 1024 ? "setgid" : "", mode & 512 ? "sticky" : "", mode & 2 ? "world-writable" : ""].filter(Boolean).join(", ");
      report("PH315", path, 1, `the RPM installs it ${what} (mode ${(mode & 4095).toString(8)}): a setuid file runs as its owner, a world-writable one lets any user change the tool (charter \xA73.1, \xA711); give it mode 644 or 755`);
    }
    if (!p.paths.has(path)) checkPlace(p, report, path, mode);
  }
}
var UNSAFE_MODE;
var init_place = __esm({
  "src/audit/payload-rules/place.ts"() {
    "use strict";
    init_cpio();
    init_layout();
    UNSAFE_MODE = 3586;
  }
});

// src/audit/payload-rules/records.ts
import { posix as posix5 } from "node:path";
function parseRecord(path, text) {
  const base = posix5.dirname(posix5.dirname(path));
  const under = (file) => mayNeedResolving(file) ? posix5.resolve(base, file) : `${base}/${file}`;
  const listed = (m) => m ? { file: under((m[1] ?? "").replace(/^"|"$/g, "")), sha256: m[2] ?? "" } : void 0;
  return {
    path,
    rows: text.split(/\r?\n/).map((row, i) => {
      const exact = listed(EXACT_ROW.exec(row));
      const lenient = exact ?? listed(LENIENT_ROW.exec(row));
      return { line: i + 1, ...exact ? { exact } : {}, ...lenient ? { lenient } : {} };
    })
  };
}
function checkRecords(p, report) {
  const distributions = /* @__PURE__ */ new Set();
  for (const path of p.paths) {
    const m = path.includes(".dist-info") ? /^(.*\/site-packages\/[^/]+\.dist-info)(\/|$)/.exec(path) : null;
    if (m?.[1] && m[1].startsWith(`${p.venv}/`)) distributions.add(m[1]);
  }
  for (const dist of distributions) {
    if (!p.files.has(`${dist}/RECORD`)) {
      report("PH312", dist, 1, `${posix5.basename(dist)} has no RECORD: nothing can tell whether its files are the ones its wheel installed; ship the RECORD pip writes, never delete it`);
    }
  }
  for (const record of p.records) {
    for (const { line, exact } of record.rows) {
      if (!exact) continue;
      const facts = p.files.get(exact.file);
      if (!facts) {
        if (!p.symlinks.has(exact.file)) report("PH312", record.path, line, `${exact.file} is listed in RECORD but not shipped`);
      } else if (facts.sha256 !== exact.sha256) {
        report("PH312", exact.file, 1, `the file no longer matches the sha256 its distribution's RECORD gives (line ${line} of ${record.path}): it was stripped, mangled or edited after pip installed it; ship it as installed`);
      }
    }
  }
}
function checkBuildPaths(p, report) {
  for (const [path, facts] of p.files) {
    if (facts.buildPath && !(facts.sha256 !== void 0 && p.listed.has(`${facts.sha256}${path}`))) report("PH305", path, 1, `the file names a build-time path (${facts.buildPath}): relocate the venv to its installed path before packaging`);
    if (facts.compiledFor && p.files.has(facts.compiledFor.source)) report("PH305", path, 1, facts.compiledFor.message);
  }
}
var EXACT_ROW, LENIENT_ROW, mayNeedResolving;
var init_records = __esm({
  "src/audit/payload-rules/records.ts"() {
    "use strict";
    EXACT_ROW = /^(.*),sha256=([A-Za-z0-9_-]+),(\d*)$/;
    LENIENT_ROW = /^(.*),sha256=([A-Za-z0-9_-]+),/;
    mayNeedResolving = (file) => file === "" || file.startsWith(".") || file.startsWith("/") || file.endsWith("/") || file.includes("/.") || file.includes("//");
  }
});

// src/audit/payload-rules/scripts.ts
import { posix as posix6 } from "node:path";
function checkShebang(p, path, data) {
  if (data[0] !== 35 || data[1] !== 33) return;
  const head = data.subarray(0, SCRIPT_HEAD).toString("utf8").split("\n");
  const first = (head[0] ?? "").slice(2).trim();
  const exec = /^'''exec' "?([^"\s]+)"?/.exec(head[1] ?? "");
  const interpreter = first === "/bin/sh" && exec ? exec[1] ?? "" : first.split(/\s+/)[0] ?? "";
  const argument = first.split(/\s+/).slice(1).find((w) => !w.startsWith("-") && !w.includes("=")) ?? "";
  const runsPython = /python/.test(interpreter) || /\/env$/.test(interpreter) && /python/.test(argument) || exec !== null;
  if (runsPython) p.shebangs.push({ path, line: exec ? 2 : 1, interpreter, first });
}
function judgeShebangs(p, report) {
  for (const { path, line, interpreter, first } of p.shebangs) {
    const resolved = interpreter.startsWith("/") ? resolveDirectories(p, interpreter) : interpreter;
    if (resolved.startsWith(`${p.venv}/bin/`) && resolved.length > p.venv.length + 5) continue;
    const named = resolved === interpreter ? interpreter : `${interpreter} (that is, ${resolved})`;
    const why = /\/env$/.test(interpreter) ? `"${first}" picks whatever python is first on PATH` : !interpreter.startsWith("/") ? `"${interpreter}" is a relative path` : `${named} is outside the venv`;
    report("PH304", path, line, `the script's interpreter ${why}; it must be ${p.venv}/bin/python (charter \xA73.1; Debian policy: versioned, honest interpreters)`);
  }
}
function resolveDirectories(p, path) {
  const pending = path.split("/");
  const last = pending.pop() ?? "";
  if (last === "." || last === "..") pending.push(last);
  let dir = "/";
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift() ?? "";
    if (part === "" || part === ".") continue;
    if (part === "..") {
      dir = posix6.dirname(dir);
      continue;
    }
    const next = posix6.join(dir, part);
    const target2 = p.symlinks.get(next);
    if (target2 !== void 0 && hops++ < 40) {
      pending.unshift(...(target2.startsWith("/") ? target2 : `${dir}/${target2}`).split("/"));
      dir = "/";
    } else {
      dir = next;
    }
  }
  return last === "." || last === ".." ? dir : posix6.join(dir, last);
}
var SCRIPT_HEAD;
var init_scripts = __esm({
  "src/audit/payload-rules/scripts.ts"() {
    "use strict";
    SCRIPT_HEAD = 512;
  }
});

// src/audit/payload-rules/site-hooks.ts
import { posix as posix7 } from "node:path";
function checkPathHooks(p, report, path, text) {
  const dir = posix7.dirname(path);
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const isCode = path.endsWith(".py") || /^import[\s\t]/.test(line);
    if (path.endsWith(".pth") && isCode) {
      report("PH316", path, i + 1, `${posix7.basename(path)} runs code at every start of Python in the venv ("${line.length > 60 ? `${line.slice(0, 57)}...` : line}"): check that the package needs it; its build never runs it (pip check runs with site hooks off)`);
    }
    const candidates = isCode ? [...line.matchAll(/["'](\/[^"']+|\.\.\/[^"']*)["']/g)].map((m) => m[1] ?? "") : [line];
    if (isCode && !/sys\.path|addsitedir|PYTHONPATH/.test(line) && !path.endsWith(".pth")) return;
    for (const candidate of candidates) {
      const resolved = posix7.resolve(dir, candidate);
      if (resolved !== p.venv && !resolved.startsWith(`${p.venv}/`)) {
        report("PH303", path, i + 1, `${posix7.basename(path)} adds ${candidate} to the module search path, outside the venv: it would share modules across tools (charter \xA73.1, \xA710); remove it`);
      }
    }
  });
}
var init_site_hooks = __esm({
  "src/audit/payload-rules/site-hooks.ts"() {
    "use strict";
  }
});

// src/audit/payload-rules/venv.ts
import { posix as posix8 } from "node:path";
function checkPyvenv(p, report) {
  const file = `${p.venv}/pyvenv.cfg`;
  const text = p.texts.pyvenv;
  if (text === void 0) {
    report("PH302", file, 1, "pyvenv.cfg is missing: the payload is not a virtual environment (charter \xA73.1)");
    return;
  }
  const values = /* @__PURE__ */ new Map();
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) values.set((m[1] ?? "").toLowerCase(), { value: m[2] ?? "", line: i + 1 });
  });
  const isolation = values.get("include-system-site-packages");
  if (!isolation || isolation.value.toLowerCase() !== "false") {
    report("PH302", file, isolation?.line ?? 1, `include-system-site-packages is ${isolation ? `"${isolation.value}"` : "not set"}: it must be false, so no system site-packages leak in (charter \xA73.1)`);
  }
  const home = values.get("home");
  const expected = `${p.ctx.interpreterHome}/bin`;
  if (!home || home.value.replace(/\/+$/, "") !== expected) {
    report("PH306", file, home?.line ?? 1, `home is ${home ? home.value : "not set"}, not the target interpreter's ${expected}: the venv would not find its interpreter once installed`);
  }
}
function checkPythonLinks(p, report) {
  const target2 = `${p.ctx.interpreterHome}/bin/python${p.ctx.interpreter}`;
  for (const [path, link] of p.symlinks) {
    if (!path.startsWith(`${p.venv}/bin/`) || !/\/python[\d.]*$/.test(path)) continue;
    let current = path;
    let resolved = posix8.resolve(posix8.dirname(current), link);
    for (let hops = 0; hops < 8; hops++) {
      const next = p.symlinks.get(resolved);
      if (next === void 0) break;
      current = resolved;
      resolved = posix8.resolve(posix8.dirname(current), next);
    }
    if (resolved !== target2) {
      report("PH306", path, 1, `${posix8.basename(path)} leads to ${resolved}, not the target interpreter ${target2}`);
    }
  }
}
var init_venv2 = __esm({
  "src/audit/payload-rules/venv.ts"() {
    "use strict";
  }
});

// src/audit/payload.ts
var CAP, PayloadAuditor;
var init_payload = __esm({
  "src/audit/payload.ts"() {
    "use strict";
    init_lockfile();
    init_finding();
    init_layout();
    init_waivers();
    init_cpio();
    init_elf();
    init_modulefile_rules();
    init_build_paths();
    init_bytecode();
    init_distributions();
    init_elf_files();
    init_place();
    init_records();
    init_scripts();
    init_site_hooks();
    init_venv2();
    CAP = 25;
    PayloadAuditor = class {
      findings = [];
      /** Findings per rule, the waived apart: each kind is capped on its own. */
      counts = /* @__PURE__ */ new Map();
      p;
      entries = 0;
      bytes = 0;
      prefix;
      venv;
      sitePackages;
      modulefile;
      /** The texts a rule parses, by path; and where the venv's scripts are. */
      texts;
      bin;
      constructor(ctx) {
        this.prefix = phoreusPrefix(ctx);
        this.venv = `${this.prefix}/venv`;
        this.sitePackages = `${this.venv}/lib/python${ctx.interpreter}/site-packages`;
        this.modulefile = modulefilePath(ctx);
        this.bin = `${this.venv}/bin/`;
        this.texts = /* @__PURE__ */ new Map([[`${this.venv}/pyvenv.cfg`, "PH302"], [this.modulefile, "PH205"], [`${this.prefix}/requirements.lock`, "PH308"]]);
        this.p = {
          ctx,
          prefix: this.prefix,
          venv: this.venv,
          sitePackages: this.sitePackages,
          modulefile: this.modulefile,
          waivers: new WaiverSet(ctx.waivers ?? [], this.venv),
          files: /* @__PURE__ */ new Map(),
          symlinks: /* @__PURE__ */ new Map(),
          paths: /* @__PURE__ */ new Set(),
          records: [],
          metadata: [],
          elfNeeds: [],
          provided: /* @__PURE__ */ new Set(),
          foreign: [],
          shebangs: [],
          pycVersions: /* @__PURE__ */ new Map(),
          texts: {},
          listed: /* @__PURE__ */ new Set()
        };
      }
      get stats() {
        return { files: this.entries, bytes: this.bytes };
      }
      /** Reports a finding, waived when a waiver covers it, and capped per rule (the waived apart). */
      report = (rule, file, line, message) => {
        const f = this.p.waivers.apply(finding(rule, file, line, message));
        const key = `${rule}${f.waived ? " waived" : ""}`;
        const count = this.counts.get(key) ?? { rule, waived: f.waived !== void 0, n: 0 };
        count.n++;
        this.counts.set(key, count);
        if (count.n <= CAP) this.findings.push(f);
      };
      /**
       * Whether the rules read this file whole: the texts they parse. Every other file is judged
       * from what was seen of it as it streamed by (addStreamed).
       */
      readsWhole(name) {
        const path = `/${name}`;
        return path === `${this.p.prefix}/phoreus-config.json` || /\.dist-info\/direct_url\.json$/.test(path) || this.textRule(path) !== void 0;
      }
      /**
       * Whether a RECORD read already lists the file, outside bin/, with this digest: a wheel's
       * file, as installed, whose build paths are not judged (checkBuildPaths), so it need not be
       * searched for them.
       */
      isVerbatim(name, sha256) {
        return sha256 !== void 0 && this.p.listed.has(`${sha256}/${name}`);
      }
      /**
       * For bytecode, the source its co_filename must name, searched for as it streams by ('' for
       * bytecode outside __pycache__, which names none); bytecode is read whole only when it does
       * not hold it (add), and is not searched for build paths.
       */
      compiledFrom(name) {
        return name.endsWith(".pyc") ? compiledSource(`/${name}`) ?? "" : void 0;
      }
      /** The rule that reads a file at this path as text, when it is one of those: too large, it cannot be read. */
      textRule(path) {
        const exact = this.texts.get(path);
        if (exact) return exact;
        if (path.endsWith("/RECORD") || path.endsWith("/METADATA")) return /\.dist-info\/[A-Z]+$/.test(path) ? "PH312" : void 0;
        if (path.endsWith(".pth") || path.endsWith("customize.py")) return /(\.pth|\/(site|user)customize\.py)$/.test(path) ? "PH303" : void 0;
        return void 0;
      }
      /**
       * A file judged from its digest, head, build paths and ELF facts. A text the rules parse
       * arrives here only when it is too large to be read (see readsWhole), and is reported so.
       */
      addStreamed(file) {
        const path = `/${file.name}`;
        this.entries++;
        this.p.paths.add(path);
        checkPlace(this.p, this.report, path, file.mode);
        if (!isRegular(file.mode)) return;
        this.bytes += file.size;
        this.p.files.set(path, { ...file.sha256 ? { sha256: file.sha256 } : {}, size: file.size, ...file.buildPath && !file.elf ? { buildPath: file.buildPath } : {} });
        if (file.elf) checkElf(this.p, this.report, path, file.elf);
        else if (path.endsWith(".pyc")) checkPycHeader(this.p, this.report, path, file.head);
        const unreadable = this.textRule(path);
        if (unreadable) this.report(unreadable, path, 1, `the file is ${file.size} bytes, too large to be read as the text it should be: ship the file pip installs`);
        if (path.startsWith(this.bin)) checkShebang(this.p, path, file.head);
      }
      /** An entry held whole; a regular file comes with its digest. */
      add(entry) {
        const path = `/${entry.name}`;
        this.entries++;
        this.p.paths.add(path);
        checkPlace(this.p, this.report, path, entry.mode);
        if (isSymlink2(entry.mode)) {
          const target2 = entry.data.toString("utf8");
          this.p.symlinks.set(path, target2);
          const marker = buildPathIn(Buffer.from(target2), this.p.ctx.buildPaths);
          if (marker) this.report("PH305", path, 1, `the symlink points at ${target2}, a build-time path (${marker}); relocate it to the installed path`);
          return;
        }
        if (!isRegular(entry.mode)) return;
        this.bytes += entry.data.length;
        const data = entry.data;
        const facts = { ...entry.sha256 ? { sha256: entry.sha256 } : {}, size: data.length };
        this.p.files.set(path, facts);
        const elf = isElf(data) ? readElf(data) : void 0;
        if (elf) {
          checkElf(this.p, this.report, path, elf);
        } else if (path.endsWith(".pyc")) {
          const compiledFor = checkPyc(this.p, this.report, path, data);
          if (compiledFor) facts.compiledFor = compiledFor;
          if (path.startsWith(this.bin)) checkShebang(this.p, path, data);
          return;
        } else {
          const marker = buildPathIn(data, this.p.ctx.buildPaths);
          if (marker) facts.buildPath = marker;
        }
        this.remember(path, data);
      }
      remember(path, data) {
        const text = () => data.toString("utf8");
        if (path === `${this.p.venv}/pyvenv.cfg`) this.p.texts.pyvenv = text();
        else if (path === this.p.modulefile) this.p.texts.modulefile = text();
        else if (path === `${this.p.prefix}/requirements.lock`) this.rememberLock(text());
        else if (path === `${this.p.prefix}/phoreus-config.json`) this.p.texts.config = text();
        else if (/\.dist-info\/RECORD$/.test(path)) this.rememberRecord(parseRecord(path, text()));
        else if (/\.dist-info\/METADATA$/.test(path)) this.p.metadata.push({ path, text: text() });
        else if (/\.dist-info\/direct_url\.json$/.test(path)) checkDirectUrl(this.report, path, text());
        if (path.startsWith(this.bin)) checkShebang(this.p, path, data);
        if (path.endsWith(".pth") || /\/(site|user)customize\.py$/.test(path)) checkPathHooks(this.p, this.report, path, text());
      }
      /** The lock, parsed as it streams by: it comes before the venv, and the end of the audit waits for nothing else. */
      rememberLock(text) {
        this.p.texts.lock = text;
        this.p.locked = lockedPackages(text, this.p.ctx.interpreter, this.p.ctx.arch);
      }
      rememberRecord(record) {
        this.p.records.push(record);
        for (const { lenient } of record.rows) if (lenient && !lenient.file.startsWith(this.bin)) this.p.listed.add(`${lenient.sha256}${lenient.file}`);
      }
      /**
       * PH315 and PH301 on the header's file list, which is what rpm installs (payload-rules/place.ts).
       */
      checkHeaderFiles(files) {
        checkHeaderFiles(this.p, this.report, files);
      }
      finish(modulefileBeside) {
        const { p, report } = this;
        checkPyvenv(p, report);
        checkPythonLinks(p, report);
        judgeShebangs(p, report);
        checkRecords(p, report);
        checkDistributions(p, report);
        judgeForeignElf(p, report);
        checkLibraries(p, report);
        checkBuildPaths(p, report);
        if (new Set(p.pycVersions.keys()).size > 1) {
          report("PH307", p.venv, 1, `the venv holds bytecode for several interpreters (${[...p.pycVersions.keys()].sort().join(", ")}): one venv, one interpreter`);
        }
        if (p.texts.modulefile === void 0) {
          report("PH205", p.modulefile, 1, `the RPM ships no modulefile at ${p.modulefile} (charter \xA79)`);
        } else {
          for (const f of checkModulefile(p.modulefile, p.texts.modulefile, p.ctx.interpreterModule, p.venv)) report(f.rule, f.file, f.line, f.message);
        }
        if (modulefileBeside) {
          for (const f of checkModulefile(modulefileBeside.file, modulefileBeside.text, p.ctx.interpreterModule, p.venv)) report(f.rule, f.file, f.line, f.message);
        }
        for (const { rule, waived, n } of this.counts.values()) {
          if (n <= CAP) continue;
          const more = finding(rule, p.venv, 1, `${n - CAP} more ${waived ? "waived " : ""}${rule} findings like the ones above`);
          this.findings.push(waived ? { ...more, waived: { reason: "waived by the entries of the findings above", by: "audit.waive" } } : more);
        }
        this.findings.push(...p.waivers.unmatched());
        return this.findings;
      }
    };
  }
});

// src/audit/payload-files.ts
function buildPathInSource(source2, buildPaths) {
  const scanner = new BuildPathScanner(buildPaths);
  for (let at = 0; at < source2.length && !scanner.found; at += PIECE) scanner.push(source2.read(at, PIECE));
  return scanner.found;
}
function entryReader(header, entry, sink, limits) {
  if (!isRegular(header.mode)) return gathered((whole) => sink.whole(whole))(header);
  let head = EMPTY2;
  let held = limits.gather.take();
  let kind;
  let scanner;
  let finder;
  const letGo = () => {
    const data = held?.data ?? EMPTY2;
    if (held) limits.gather.give(held);
    held = void 0;
    return data;
  };
  const decide = () => {
    const source2 = sink.compiledFrom(header.name);
    if (isElf(head)) {
      kind = "elf";
      letGo();
    } else if (header.size <= limits.limit && sink.readsWhole(header.name)) {
      kind = "whole";
    } else if (source2 !== void 0) {
      kind = "bytecode";
      const seen = letGo();
      if (source2) {
        finder = new StringFinder(source2);
        finder.push(seen);
      }
    } else if (sink.isVerbatim(header.name, entry.sha256())) {
      kind = "verbatim";
      letGo();
    } else {
      kind = "streamed";
      scanner = new BuildPathScanner(limits.buildPaths);
      scanner.push(letGo());
    }
    return kind;
  };
  return {
    data(chunk) {
      if (kind === "elf") return false;
      if (head.length < HEAD) head = Buffer.concat([head, chunk.subarray(0, HEAD - head.length)]);
      if (kind === void 0 && head.length >= ELF_HEADER && decide() === "elf") return false;
      if (held) held.append(chunk);
      else if (scanner) scanner.push(chunk);
      else finder?.push(chunk);
      const enough = kind === "verbatim" || kind === "bytecode" && !(finder && !finder.found);
      return enough && head.length >= HEAD ? false : void 0;
    },
    end() {
      if (kind === void 0) decide();
      const digest = entry.sha256();
      if (kind === "whole") {
        sink.whole({ name: header.name, mode: header.mode, data: held?.data ?? EMPTY2, ...digest ? { sha256: digest } : {} });
        letGo();
        return;
      }
      if (kind === "bytecode" && finder && !finder.found && header.size <= limits.limit) {
        sink.whole({ name: header.name, mode: header.mode, data: entry.bytes().read(0, header.size), ...digest ? { sha256: digest } : {} });
        return;
      }
      const elf = kind === "elf" ? readElf(entry.bytes()) : void 0;
      const buildPath = kind === "elf" ? elf ? void 0 : buildPathInSource(entry.bytes(), limits.buildPaths) : scanner?.found;
      letGo();
      sink.streamed({
        name: header.name,
        mode: header.mode,
        size: header.size,
        ...digest ? { sha256: digest } : {},
        head,
        ...buildPath ? { buildPath } : {},
        ...elf ? { elf } : {}
      });
    }
  };
}
var HEAD, EMPTY2, Gatherer, Gatherers, ELF_HEADER, PIECE;
var init_payload_files = __esm({
  "src/audit/payload-files.ts"() {
    "use strict";
    init_cpio();
    init_elf();
    init_pyc();
    init_build_paths();
    init_scripts();
    HEAD = SCRIPT_HEAD;
    EMPTY2 = Buffer.alloc(0);
    Gatherer = class {
      bytes = EMPTY2;
      length = 0;
      append(chunk) {
        if (this.length + chunk.length > this.bytes.length) {
          const grown = Buffer.allocUnsafe(Math.max(this.length + chunk.length, this.bytes.length * 2, 65536));
          this.bytes.copy(grown, 0, 0, this.length);
          this.bytes = grown;
        }
        chunk.copy(this.bytes, this.length);
        this.length += chunk.length;
      }
      /** What was gathered: valid until the gatherer is given back. */
      get data() {
        return this.bytes.subarray(0, this.length);
      }
    };
    Gatherers = class {
      free = [];
      take() {
        const gatherer = this.free.pop() ?? new Gatherer();
        gatherer.length = 0;
        return gatherer;
      }
      give(gatherer) {
        this.free.push(gatherer);
      }
    };
    ELF_HEADER = 64;
    PIECE = 16384;
  }
});

// src/audit/payload-location.ts
function headerAt(read, at, which2) {
  const intro = read(at, INTRO);
  if (intro.length < INTRO || !intro.subarray(0, 4).equals(HEADER_MAGIC)) throw new Error(`its ${which2} does not start with the header magic number`);
  const tags = intro.readUInt32BE(8);
  const data = intro.readUInt32BE(12);
  if (tags < 1 || tags > MAX_TAGS || data > MAX_DATA) throw new Error(`its ${which2} claims ${tags} tags and ${data} bytes of data`);
  return { tags, data, end: at + INTRO + tags * ENTRY + data };
}
function locatePayload(read) {
  const signature = headerAt(read, LEAD, "signature header");
  const headerStart = signature.end + (8 - signature.end % 8) % 8;
  const header = headerAt(read, headerStart, "header");
  const index = read(headerStart + INTRO, header.tags * ENTRY);
  const store = read(headerStart + INTRO + header.tags * ENTRY, header.data);
  if (index.length < header.tags * ENTRY || store.length < header.data) throw new Error("its header is cut short");
  let compressor = "gzip";
  for (let i = 0; i < header.tags; i++) {
    const at = i * ENTRY;
    if (index.readUInt32BE(at) !== PAYLOADCOMPRESSOR) continue;
    const offset = index.readUInt32BE(at + 8);
    const end = store.indexOf(0, offset);
    if (index.readUInt32BE(at + 4) !== STRING2 || offset >= store.length || end < 0) throw new Error("its payload compressor tag is malformed");
    compressor = store.toString("latin1", offset, end);
  }
  return { offset: header.end, compressor };
}
function decompressorFor(compressor) {
  switch (compressor) {
    case "zstd":
      return ["zstd", "-dcq"];
    case "xz":
      return ["xz", "-dcq"];
    case "lzma":
      return ["xz", "-dcq", "--format=lzma"];
    case "gzip":
      return ["gzip", "-dcq"];
    case "bzip2":
      return ["bzip2", "-dcq"];
    default:
      return void 0;
  }
}
var LEAD, INTRO, ENTRY, HEADER_MAGIC, MAX_TAGS, MAX_DATA, PAYLOADCOMPRESSOR, STRING2;
var init_payload_location = __esm({
  "src/audit/payload-location.ts"() {
    "use strict";
    LEAD = 96;
    INTRO = 16;
    ENTRY = 16;
    HEADER_MAGIC = Buffer.from([142, 173, 232, 1]);
    MAX_TAGS = 65535;
    MAX_DATA = 268435456;
    PAYLOADCOMPRESSOR = 1125;
    STRING2 = 6;
  }
});

// src/audit/payload-stream.ts
import { spawn as spawn2 } from "node:child_process";
import { createHash as createHash4 } from "node:crypto";
import { close, closeSync, fstatSync, openSync, readSync as readSync2, statfsSync } from "node:fs";
import { dirname as dirname5, join as join15 } from "node:path";
function payloadReader(rpm) {
  const fallback = { command: ["rpm2cpio", rpm] };
  let location;
  const fd = openSync(rpm, "r");
  try {
    location = locatePayload((offset, length) => {
      const bytes = Buffer.allocUnsafe(length);
      return bytes.subarray(0, readSync2(fd, bytes, 0, length, offset));
    });
  } catch {
    return fallback;
  } finally {
    closeSync(fd);
  }
  const command = decompressorFor(location.compressor);
  return command?.[0] && which(command[0]) ? { command, offset: location.offset } : fallback;
}
function openAt(rpm, offset) {
  const fd = openSync(rpm, "r");
  const skip = Buffer.allocUnsafe(Math.max(1, Math.min(offset, READ_SIZE)));
  for (let left = offset; left > 0; ) {
    const n = readSync2(fd, skip, 0, Math.min(left, skip.length), null);
    if (n === 0) break;
    left -= n;
  }
  return fd;
}
function errorLine2(fd) {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(size, STDERR_TAIL));
  readSync2(fd, tail, 0, tail.length, size - tail.length);
  return lastLine(tail.toString("utf8"));
}
function described(onEntry, digests, archive) {
  return (header) => {
    const bytes = () => fileSource(archive, header.size, header.offset);
    const given = digests && isRegular(header.mode) ? digests(header.name) : void 0;
    if (!digests || given !== void 0 || !isRegular(header.mode)) return onEntry(header, { sha256: () => given, bytes });
    const hash = createHash4("sha256");
    let digest;
    const reader = onEntry(header, { sha256: () => digest, bytes });
    return {
      data: (chunk) => {
        hash.update(chunk);
        reader.data(chunk);
      },
      end: () => {
        digest = hash.digest("base64url");
        reader.end();
      }
    };
  };
}
function ending(child) {
  return new Promise((resolve5) => {
    child.once("error", (error) => resolve5({ code: null, error }));
    child.once("close", (code) => resolve5({ code }));
  });
}
function startPayload(rpm) {
  const { command: [tool = "rpm2cpio", ...args], offset } = payloadReader(rpm);
  const dir = scratchDir("phoreus-payload-");
  const parent = dirname5(dir);
  let archive;
  let stderr;
  let child;
  try {
    const written = openSync(join15(dir, "payload.cpio"), "w", 384);
    try {
      archive = openSync(join15(dir, "payload.cpio"), "r");
      stderr = openSync(join15(dir, "stderr"), "w+", 384);
      const input2 = offset === void 0 ? "ignore" : openAt(rpm, offset);
      try {
        child = spawn2(tool, args, { stdio: [input2, written, stderr], detached: true });
      } finally {
        if (typeof input2 === "number") closeSync(input2);
      }
    } finally {
      closeSync(written);
    }
  } catch (error) {
    for (const fd of [archive, stderr]) if (fd !== void 0) closeSync(fd);
    throw error;
  } finally {
    removeScratch(dir);
  }
  adoptChild(child);
  let exited = false;
  const ended = ending(child).then((end) => {
    exited = true;
    return end;
  });
  child.unref();
  const input = archive;
  const errors = stderr;
  const running = () => child.exitCode === null && child.signalCode === null;
  const roomLeft = () => {
    const fs = statfsSync(parent);
    return fs.bavail * fs.bsize;
  };
  let overgrown;
  const watch = setInterval(() => {
    if (!running() || roomLeft() >= RESERVE) return;
    overgrown = fstatSync(input).size;
    child.kill("SIGKILL");
  }, WATCH_MS);
  watch.unref();
  let open = true;
  const release = () => {
    if (!open) return;
    open = false;
    clearInterval(watch);
    close(input, () => void 0);
    closeSync(errors);
  };
  const stop = () => {
    if (running()) child.kill("SIGKILL");
    release();
  };
  return {
    cancel: stop,
    read: (onEntry, digests) => new Promise((resolve5, reject) => {
      child.ref();
      const reader = new CpioReader(described(onEntry, digests, input));
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      const fail = (error) => {
        stop();
        reject(error instanceof ExpectedError ? error : new BuildFailure(`the payload of ${rpm} cannot be read: ${error.message}`));
      };
      const finish2 = async () => {
        const { code, error } = await ended;
        if (error) {
          fail(new BuildFailure(`${tool} could not run: ${error.message}`));
        } else if (overgrown !== void 0 || code !== 0 && roomLeft() < RESERVE) {
          const size = overgrown ?? fstatSync(input).size;
          fail(new UsageError(`the payload of ${rpm} grew to ${Math.round(size / 1048576)} MiB decompressed, past the room in the file system of ${parent} (${RESERVE / 1048576} MiB stay free): free space there, or point TMPDIR at a larger one`));
        } else if (code !== 0 || !reader.finished) {
          const why = errorLine2(errors);
          fail(new BuildFailure(`${tool} could not read the payload of ${rpm}: it is damaged or holds entries its header does not list (${tool} exit status ${code}${why ? `: ${why}` : ""})`));
        } else {
          release();
          resolve5();
        }
      };
      let position = 0;
      let skipped = 0;
      const slice = () => {
        const until = performance.now() + SLICE_MS;
        try {
          for (; ; ) {
            if (skipped === 0 && reader.skippable > 0) {
              skipped = reader.skippable;
              position += skipped;
            }
            const complete = exited;
            const n = readSync2(input, buffer, 0, buffer.length, position);
            if (n === 0) {
              if (complete) void finish2();
              else setTimeout(slice, 1);
              return;
            }
            position += n;
            if (skipped > 0) reader.skip(skipped);
            skipped = 0;
            reader.push(buffer.subarray(0, n));
            if (performance.now() >= until) break;
          }
        } catch (error) {
          fail(error);
          return;
        }
        setImmediate(slice);
      };
      slice();
    })
  };
}
function readPayload(rpm, onEntry) {
  return startPayload(rpm).read((header) => onEntry(header));
}
var READ_SIZE, SLICE_MS, WATCH_MS, RESERVE, STDERR_TAIL;
var init_payload_stream = __esm({
  "src/audit/payload-stream.ts"() {
    "use strict";
    init_errors();
    init_lifecycle();
    init_process();
    init_system();
    init_cpio();
    init_elf();
    init_payload_location();
    READ_SIZE = 1 << 20;
    SLICE_MS = 20;
    WATCH_MS = 50;
    RESERVE = 128 * 1024 * 1024;
    STDERR_TAIL = 65536;
  }
});

// src/audit/rpm-file.ts
import { closeSync as closeSync2, existsSync as existsSync11, openSync as openSync2, readSync as readSync3, statSync as statSync6 } from "node:fs";
function assertBinaryRpm(path) {
  const again = "pass the path of a binary RPM";
  if (!existsSync11(path)) throw new UsageError(`${path} does not exist; ${again}`);
  if (!statSync6(path).isFile()) throw new UsageError(`${path} is not a file; ${again}`);
  const lead = Buffer.alloc(8);
  const fd = openSync2(path, "r");
  try {
    readSync3(fd, lead, 0, lead.length, 0);
  } finally {
    closeSync2(fd);
  }
  if (!lead.subarray(0, 4).equals(RPM_MAGIC)) throw new UsageError(`${path} is not an RPM (it does not start with the RPM magic number); ${again}`);
  if (lead.readUInt16BE(6) === SOURCE_TYPE) throw new UsageError(`${path} is a source RPM; pass the binary RPM built from it`);
}
function parseScriptlets(text) {
  const scriptlets = [];
  let current;
  for (const line of text.split("\n")) {
    const m = SCRIPT_HEADER.exec(line);
    if (m) {
      current = { kind: `${m[1]} ${m[2]}${m[3] ?? ""}`.trim(), body: m[4] ?? "" };
      scriptlets.push(current);
    } else if (current) {
      current.body += `${current.body ? "\n" : ""}${line}`;
    }
  }
  return scriptlets;
}
function parseFiles(text) {
  const files = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^FILE\t(\d+)\t([0-9a-f]*)\t(\/.*)$/.exec(line);
    files.push(m ? { path: m[3] ?? "", mode: Number(m[1]), ...m[2] ? { digest: m[2] } : {} } : { path: line, mode: -1 });
  }
  return files;
}
function headerDigests(files, algorithm, count) {
  const digests = /* @__PURE__ */ new Map();
  if (algorithm !== SHA2562 || files.length !== count) return /* @__PURE__ */ new Map();
  const bytes = Buffer.alloc(32);
  for (const file of files) {
    const name = file.path.slice(1);
    if (file.mode < 0 || digests.has(name)) return /* @__PURE__ */ new Map();
    if (file.digest?.length === 64 && (file.mode & 61440) === 32768 && bytes.write(file.digest, "hex") === 32) digests.set(name, bytes.toString("base64url"));
  }
  return digests;
}
async function readHeader(rpm) {
  const [q, scripts, files] = await Promise.all([
    run("rpm", ["-qp", "--nosignature", "--nodigest", "--qf", QUERY, rpm]),
    run("rpm", ["-qp", "--nosignature", "--nodigest", "--scripts", "--triggers", rpm]),
    run("rpm", ["-qp", "--nosignature", "--nodigest", "--qf", FILES, rpm])
  ]);
  if (q.exitCode !== 0) throw new BuildFailure(`${rpm} is not a readable RPM: ${lastLine(q.stderr)}`);
  const header = { name: "", version: "", release: "", arch: "", requires: [], provides: [], scriptlets: [], files: [], digests: /* @__PURE__ */ new Map() };
  let algorithm = "";
  let count = Number.NaN;
  for (const line of q.stdout.split("\n")) {
    const [key, value = ""] = line.split("	");
    if (key === "NAME") header.name = value;
    else if (key === "DIGESTALGO") algorithm = value;
    else if (key === "MODES") count = /^(\d+ )*$/.test(value) ? value.split(" ").length - 1 : Number.NaN;
    else if (key === "VERSION") header.version = value;
    else if (key === "RELEASE") header.release = value;
    else if (key === "ARCH") header.arch = value;
    else if (key === "REQUIRE") header.requires.push(value);
    else if (key === "PROVIDE") header.provides.push(value);
  }
  header.scriptlets = parseScriptlets(scripts.stdout);
  header.files = parseFiles(files.stdout);
  header.digests = headerDigests(header.files, algorithm, count);
  return header;
}
var QUERY, FILES, SHA2562, SCRIPT_HEADER, RPM_MAGIC, SOURCE_TYPE;
var init_rpm_file = __esm({
  "src/audit/rpm-file.ts"() {
    "use strict";
    init_errors();
    init_process();
    QUERY = "NAME	%{NAME}\nVERSION	%{VERSION}\nRELEASE	%{RELEASE}\nARCH	%{ARCH}\nDIGESTALGO	%{FILEDIGESTALGO}\nMODES	[%{FILEMODES} ]\n[REQUIRE	%{REQUIRENEVRS}\n][PROVIDE	%{PROVIDENEVRS}\n]";
    FILES = "[FILE	%{FILEMODES}	%{FILEDIGESTS}	%{FILENAMES}\n]";
    SHA2562 = "8";
    SCRIPT_HEADER = /^((?:pre|post|trigger|verify|filetrigger|transfiletrigger)\S*) (scriptlet|program|script)\b([^:]*)(?::\s*(.*))?$/;
    RPM_MAGIC = Buffer.from([237, 171, 238, 219]);
    SOURCE_TYPE = 1;
  }
});

// src/rpm/sbom.ts
import { createHash as createHash5 } from "node:crypto";
function licences(fields) {
  const expression = oneLine(fields.expression);
  if (expression) return [{ expression }];
  const classified = fields.classifiers.filter((c) => c.startsWith("License :: ")).map((c) => c.split("::").map((p) => p.trim()).pop() ?? "").filter((name) => name !== "" && name !== "OSI Approved");
  if (classified.length > 0) return [...new Set(classified)].sort().map((name) => ({ license: { name } }));
  const field = oneLine(fields.license);
  return field ? [{ license: { name: field } }] : [];
}
function component(d, type) {
  const purl = pypiPurl(d.name, d.version);
  const found = licences(d.licence);
  return {
    type,
    "bom-ref": purl,
    name: d.name,
    version: d.version,
    hashes: [{ alg: "SHA-256", content: d.sha256 }],
    ...found.length > 0 ? { licenses: found } : {},
    purl,
    properties: [
      { name: "phoreus:file", value: d.file },
      ...d.fromSource ? [{ name: "phoreus:built-from-sdist", value: "true" }] : []
    ]
  };
}
function contentUuid(text) {
  const bytes = createHash5("sha256").update(text).digest().subarray(0, 16);
  bytes[6] = (bytes[6] ?? 0) & 15 | 80;
  bytes[8] = (bytes[8] ?? 0) & 63 | 128;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
function renderSbom(input) {
  const top = rpmPurl(input.rpm);
  const interpreterRef = `pkg:rpm/phoreus/${encodeURIComponent(input.interpreter.module)}`;
  const libraries = [...input.distributions].sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name))).map((d) => component(d, "library"));
  const application = input.application ? component(input.application, "application") : void 0;
  const components = [
    ...application ? [application] : [],
    ...libraries,
    {
      type: "platform",
      "bom-ref": interpreterRef,
      name: input.interpreter.module,
      version: input.interpreter.version,
      purl: interpreterRef,
      description: `Python ${input.interpreter.version}, the interpreter module the RPM requires`
    }
  ];
  const refs = (list) => list.map((c) => String(c["bom-ref"]));
  const body = {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    version: 1,
    metadata: {
      timestamp: new Date(input.epoch * 1e3).toISOString().replace(/\.\d{3}Z$/, "Z"),
      tools: { components: [{ type: "application", name: input.generator.name, version: input.generator.version }] },
      component: {
        type: "application",
        "bom-ref": top,
        name: input.rpm.name,
        version: `${input.rpm.version}-${input.rpm.release}`,
        description: input.rpm.summary,
        licenses: [{ license: { name: input.rpm.license } }],
        purl: top
      }
    },
    components,
    dependencies: [
      { ref: top, dependsOn: [...application ? refs([application]) : [], ...refs(libraries), interpreterRef] },
      ...application ? [{ ref: String(application["bom-ref"]), dependsOn: refs(libraries) }] : [],
      ...libraries.map((l) => ({ ref: String(l["bom-ref"]), dependsOn: [] })),
      { ref: interpreterRef, dependsOn: [] }
    ]
  };
  const serialNumber = `urn:uuid:${contentUuid(JSON.stringify(body))}`;
  const { bomFormat, specVersion, ...rest } = body;
  return `${JSON.stringify({ bomFormat, specVersion, serialNumber, ...rest }, null, 2)}
`;
}
function sbomDistributions(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return void 0;
  }
  const components = doc.components;
  if (!Array.isArray(components)) return void 0;
  const found = /* @__PURE__ */ new Map();
  for (const c of components) {
    const purl = typeof c.purl === "string" ? c.purl : "";
    if (!purl.startsWith("pkg:pypi/") || typeof c.name !== "string" || typeof c.version !== "string") continue;
    const hashes = Array.isArray(c.hashes) ? c.hashes : [];
    found.set(normalizeName(c.name), { version: c.version, sha256: hashes.filter((h) => h.alg === "SHA-256" && typeof h.content === "string").map((h) => String(h.content).toLowerCase()) });
  }
  return found;
}
var oneLine, pypiPurl, rpmPurl;
var init_sbom = __esm({
  "src/rpm/sbom.ts"() {
    "use strict";
    init_pep508();
    oneLine = (text) => {
      const t = text?.trim();
      return t && !t.includes("\n") && t.length <= 200 && !/^unknown$/i.test(t) ? t : void 0;
    };
    pypiPurl = (name, version) => `pkg:pypi/${normalizeName(name)}@${encodeURIComponent(version)}`;
    rpmPurl = (rpm) => `pkg:rpm/phoreus/${encodeURIComponent(rpm.name)}@${encodeURIComponent(`${rpm.version}-${rpm.release}`)}?arch=${encodeURIComponent(rpm.arch)}`;
  }
});

// src/rpm/spec-model.ts
function emptySpec() {
  return {
    preamble: [],
    tags: [],
    sources: [],
    requires: [],
    buildRequires: [],
    description: "",
    subpackages: [],
    sections: { prep: [], build: [], install: [], files: [], changelog: [] }
  };
}
function writeSpec(spec) {
  return [
    ...spec.preamble,
    "",
    ...spec.tags.map(([name, value]) => tag(name, value)),
    ...spec.sources.map(([number, file]) => tag(`Source${number}`, file)),
    "",
    ...spec.requires.map((r) => tag("Requires", r)),
    ...spec.buildRequires.map((r) => tag("BuildRequires", r)),
    "",
    "%description",
    spec.description,
    ...spec.subpackages.flatMap((lines) => ["", ...lines]),
    ...SECTIONS.flatMap((section) => ["", `%${section}`, ...spec.sections[section]]),
    ""
  ].join("\n");
}
var SECTIONS, tag;
var init_spec_model = __esm({
  "src/rpm/spec-model.ts"() {
    "use strict";
    SECTIONS = ["prep", "build", "install", "files", "changelog"];
    tag = (name, value) => `${`${name}:`.padEnd(16)}${value}`;
  }
});

// src/rpm/spec.ts
function specText(text) {
  return text.replace(/[\r\n]+/g, " ").replace(/[\x00-\x1f\x7f-\x9f]/g, "").replace(/%/g, "%%").trim();
}
function specWord(word) {
  const quoted = /^[A-Za-z0-9_@+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
  return quoted.replace(/%/g, "%%");
}
function checkInput(input) {
  const { id, app } = input;
  assertSafe("tool name", id.tool, judgeToolName);
  assertSafe("tool version", id.version, judgeToolVersion);
  assertSafe("release", id.release, judgeRelease);
  assertSafe("interpreter", id.interpreter, judgeBy(INTERPRETER, "use X.Y"));
  assertSafe("interpreter home", id.interpreterHome, judgeHome);
  assertSafe("interpreter module", id.interpreterModule, judgeModule);
  if (input.url !== void 0) assertSafe("URL", input.url, judgeBy(/^[\x21-\x7e]+$/, "a URL is one word of printable ASCII"));
  if (!Number.isSafeInteger(input.epoch) || input.epoch < 0) throw new Error(`spec input epoch ${input.epoch} is not a time in seconds`);
  if (input.pipWheel !== void 0) assertSafe("pip wheel", input.pipWheel, judgeBy(WHEEL_FILE, "not a wheel file name"));
  if (app) {
    assertSafe("application wheel", app.wheel, judgeBy(WHEEL_FILE, "not a wheel file name"));
    assertSafe("application name", app.name, judgeBy(DIST_NAME, "not a distribution name"));
    assertSafe("application version", app.version, judgeBy(DIST_VERSION, "not a version"));
  }
}
function changelogDate(epoch) {
  const d = new Date(epoch * 1e3);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, "0")} ${d.getUTCFullYear()}`;
}
function definitions(spec, input) {
  const { id } = input;
  spec.preamble.push(
    `# Generated by ${specText(input.generator)}: the spec of ${packageName(id)} for ${input.distro.key}/${input.arch}.`,
    `%global tool ${id.tool}`,
    `%global tool_version ${id.version}`,
    `%global pyver ${id.interpreter}`,
    `%global phoreus_root ${PHOREUS_ROOT}`,
    `%global phoreus_prefix ${phoreusPrefix(id)}`,
    `%global venv ${venvPath(id)}`,
    `%global python_home ${id.interpreterHome}`,
    `%global modulefile_dir ${modulefileDir(id)}`,
    `%global modulefile ${modulefilePath(id)}`,
    "# The interpreter the venv is built with: the target one, unless the builder names another of the same X.Y.",
    `%{!?phoreus_build_python:%global phoreus_build_python ${interpreterPath(id)}}`,
    "",
    "# A venv is a frozen runtime stack: no automatic requires or provides (Debian and",
    "# Fedora rpm would generate python3dist(), python(abi) and sonames), no build-id links",
    "# (two tools shipping one wheel would conflict), no debuginfo, no strip, no",
    "# byte-compilation by the system interpreter, no shebang mangling.",
    "AutoReqProv:    no",
    "%global debug_package %{nil}",
    "%global _build_id_links none",
    "%global __os_install_post %{nil}",
    "%global __brp_mangle_shebangs %{nil}",
    "%global __brp_python_bytecompile %{nil}",
    "%global __brp_strip %{nil}",
    `%global _binary_payload ${input.distro.payload}`,
    `%global _source_payload ${input.distro.payload}`,
    "# Reproducible packages: the build time and every file time are this build's",
    "# SOURCE_DATE_EPOCH, kept here so a rebuild of the SRPM anywhere gives the same payload.",
    "# rpm clamps file times only to a positive epoch.",
    `%{lua: posix.setenv("SOURCE_DATE_EPOCH", "${Math.max(input.epoch, 1)}")}`,
    "%global use_source_date_epoch_as_buildtime 1",
    "%global clamp_mtime_to_source_date_epoch 1",
    "%global _buildhost phoreus-rpm"
  );
}
function identity(spec, input) {
  const { id } = input;
  spec.tags.push(
    ["Name", "phoreus-%{tool}-%{tool_version}"],
    ["Version", "%{tool_version}"],
    ["Release", `${id.release}%{?dist}`],
    // rpmbuild refuses an empty Summary or License: text that escapes to nothing says so.
    ["Summary", specText(input.summary) || "No summary given"],
    ["License", specText(input.license) || "Unspecified"],
    ...input.url ? [["URL", specText(input.url)]] : [],
    ["ExclusiveArch", input.arch]
  );
  spec.requires.push("phoreus", id.interpreterModule);
  spec.buildRequires.push(id.interpreterModule);
  spec.description = input.description.map(specText).join("\n\n");
}
function sources(spec, input) {
  spec.sources.push(
    [0, SOURCES.lock],
    [1, SOURCES.wheelhouse],
    [2, SOURCES.relocate],
    [3, SOURCES.modulefile],
    [4, SOURCES.config],
    ...input.meta ? [[6, SOURCES.moduleDefault]] : [],
    ...input.app ? [[7, input.app.wheel]] : [],
    ...installsLock(input) ? [[8, SOURCES.installLock]] : [],
    ...input.copyFiles ? [[9, SOURCES.copyFiles]] : [],
    ...input.sbom ? [[10, SOURCES.sbom]] : []
  );
  spec.sections.prep.push(
    "rm -rf %{name}-%{version}",
    "mkdir %{name}-%{version}",
    BUILD_DIR,
    `tar -xf ${source(SOURCES.wheelhouse)}`,
    `cp ${source(SOURCES.lock)} requirements.lock`
  );
}
function venvBuild(spec, input) {
  const { app } = input;
  const lock = installsLock(input) ? source(SOURCES.installLock) : "requirements.lock";
  spec.sections.build.push(
    BUILD_DIR,
    BUILD_PYTHON,
    "# Charter \xA77: create the venv, install the locked pip, dependencies and application;",
    "# offline, from the sources only. Bytecode of the pip that runs goes to pycache/, never",
    "# into the venv.",
    "unset PYTHONDONTWRITEBYTECODE",
    'export PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONPYCACHEPREFIX="$PWD/pycache"',
    "rm -rf venv pip-run pycache",
    '"$build_python" -m venv --without-pip venv',
    ...input.pipWheel ? ["# pip runs from the locked pip wheel, unpacked: the same pip installs itself with the rest.", `pip_wheel=wheelhouse/${specWord(input.pipWheel)}`] : [
      "# The lock pins no pip (PH111): install with the interpreter's bundled pip.",
      `pip_wheel="$("$build_python" -c 'import ensurepip, glob, os; print(sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1])')"`
    ],
    '"$build_python" -m zipfile -e "$pip_wheel" pip-run',
    "# One pip run, while site-packages holds nothing: no dependency's code runs here.",
    "# --ignore-installed: the pip that runs is on the path and would count as installed.",
    ...app ? [`cp ${source(app.wheel)} wheelhouse/`] : [],
    `venv/bin/python pip-run/pip ${PIP_INSTALL} --ignore-installed -r ${lock}`,
    "# pip check with the venv's site hooks off (-I -S) and its site-packages put on the path",
    "# explicitly: a .pth file of a locked wheel never runs on the build host.",
    `venv/bin/python -I -S -X pycache_prefix="$PWD/pycache" -c 'import sys; sys.path[0:0] = sys.argv[1:3]; del sys.argv[1:3]; from pip._internal.cli.main import main; sys.exit(main())' pip-run venv/lib/python%{pyver}/site-packages check`
  );
}
function venvInstall(spec, input) {
  spec.sections.install.push(
    BUILD_DIR,
    BUILD_PYTHON,
    `mkdir -p ${ROOT}%{phoreus_prefix}`,
    "# Moved, not copied: the venv is packaged where it was built.",
    `mv venv ${ROOT}%{venv}`,
    "# Relocation drops bytecode no RECORD lists; it is compiled below, by the target",
    "# interpreter version, for the installed path.",
    `"$build_python" ${source(SOURCES.relocate)} ${ROOT}%{venv} "$PWD/venv" %{venv} %{python_home} %{pyver}`,
    ...input.copyFiles ? ["# copyFiles of phoreus.yaml, laid out as the venv.", `tar -xf ${source(SOURCES.copyFiles)} -C ${ROOT}%{venv} --strip-components=1 --no-same-owner --no-same-permissions`] : [],
    "# No setuid, setgid, sticky or group/world-writable file ships (PH315).",
    `chmod -R u+rwX,go+rX,go-w,a-st ${ROOT}%{phoreus_prefix}`,
    "# Bytecode for the installed path, on every core; wheels that ship bytecode list it in",
    "# RECORD: those rows are kept true to what was compiled.",
    `"$build_python" ${source(SOURCES.relocate)} --bytecode ${ROOT} ${ROOT}%{venv}`,
    `install -m 0644 ${source(SOURCES.lock)} ${ROOT}%{phoreus_prefix}/requirements.lock`,
    `install -m 0644 ${source(SOURCES.config)} ${ROOT}%{phoreus_prefix}/phoreus-config.json`,
    ...input.sbom ? [`install -m 0644 ${source(SOURCES.sbom)} ${ROOT}%{phoreus_prefix}/${SOURCES.sbom}`] : [],
    `install -D -m 0644 ${source(SOURCES.modulefile)} ${ROOT}%{modulefile}`
  );
  spec.sections.files.push(
    "%defattr(-,root,root,-)",
    "%dir %{phoreus_root}/%{tool}",
    "%{phoreus_prefix}/",
    "%dir %{modulefile_dir}",
    "%{modulefile}"
  );
}
function metaPackage(spec, input) {
  if (!input.meta) return;
  const { id } = input;
  spec.sections.install.push(`install -D -m 0644 ${source(SOURCES.moduleDefault)} ${ROOT}%{modulefile_dir}/.modulerc.lua`);
  spec.subpackages.push([
    `%package -n ${metaPackageName(id)}`,
    `Summary:        Default version of ${specText(id.tool)}: ${id.version}`,
    `Requires:       ${packageName(id)} = %{version}-%{release}`,
    "",
    `%description -n ${metaPackageName(id)}`,
    `Marks ${id.tool} ${id.version} as the default ${id.tool} module and pulls it in.`,
    "Installing a newer version of this package moves the default; it never touches",
    "the environment of any version (charter \xA711).",
    "",
    `%files -n ${metaPackageName(id)}`,
    "%{modulefile_dir}/.modulerc.lua"
  ]);
}
function changelog(spec, input) {
  spec.sections.changelog.push(
    `* ${changelogDate(input.epoch)} phoreus-rpm <phoreus-rpm@localhost> - ${input.id.version}-${input.id.release}`,
    `- Built from requirements.lock by ${specText(input.generator)}`
  );
}
function renderSpec(input) {
  checkInput(input);
  const spec = emptySpec();
  for (const part of PARTS) part(spec, input);
  return writeSpec(spec);
}
var SOURCES, judgeBy, source, ROOT, BUILD_PYTHON, BUILD_DIR, PIP_INSTALL, installsLock, PARTS;
var init_spec = __esm({
  "src/rpm/spec.ts"() {
    "use strict";
    init_values();
    init_layout();
    init_spec_model();
    SOURCES = {
      lock: "requirements.lock",
      wheelhouse: "wheelhouse.tar",
      relocate: "relocate.py",
      modulefile: "modulefile.lua",
      config: "phoreus-config.json",
      moduleDefault: "modulerc.lua",
      installLock: "install.lock",
      copyFiles: "copyfiles.tar",
      sbom: "sbom.cdx.json"
    };
    judgeBy = (pattern, hint) => (value) => pattern.test(value) ? void 0 : hint;
    source = (name) => `"$RPM_SOURCE_DIR"/${specWord(name)}`;
    ROOT = '"$RPM_BUILD_ROOT"';
    BUILD_PYTHON = 'build_python="${PHOREUS_BUILD_PYTHON:-%{phoreus_build_python}}"';
    BUILD_DIR = "cd %{name}-%{version}";
    PIP_INSTALL = "install --no-index --find-links wheelhouse --require-hashes --no-compile";
    installsLock = (input) => input.installLock || input.app !== void 0;
    PARTS = [definitions, identity, sources, venvBuild, venvInstall, metaPackage, changelog];
  }
});

// src/audit/sbom-rules.ts
import { posix as posix9 } from "node:path";
var SbomCheck;
var init_sbom_rules = __esm({
  "src/audit/sbom-rules.ts"() {
    "use strict";
    init_finding();
    init_lockfile();
    init_sbom();
    init_spec();
    init_pep508();
    init_versions();
    SbomCheck = class {
      constructor(prefix, sitePackages, target2) {
        this.prefix = prefix;
        this.sitePackages = sitePackages;
        this.target = target2;
        this.path = `${prefix}/${SOURCES.sbom}`;
      }
      prefix;
      sitePackages;
      target;
      sbom;
      /** The lock's pins for the target, parsed as it streams by. */
      locked;
      installed = /* @__PURE__ */ new Map();
      path;
      /** Whether the check reads this payload file: the SBOM, the lock, the installed distributions' METADATA. */
      reads(name) {
        const path = `/${name}`;
        return path === this.path || path === `${this.prefix}/requirements.lock` || path.endsWith("/METADATA") && this.isMetadata(path);
      }
      /** An installed distribution's METADATA: site-packages/<name>.dist-info/METADATA. */
      isMetadata(path) {
        return posix9.dirname(posix9.dirname(path)) === this.sitePackages && /\.dist-info\/METADATA$/.test(path);
      }
      see(entry) {
        const path = `/${entry.name}`;
        if (path === this.path) this.sbom = entry.data.toString("utf8");
        else if (path === `${this.prefix}/requirements.lock`) this.locked = lockedPackages(entry.data.toString("utf8"), this.target.interpreter, this.target.arch);
        else if (this.isMetadata(path)) {
          const text = entry.data.toString("utf8");
          const name = /^Name:\s*(.+)$/m.exec(text)?.[1]?.trim();
          const version = /^Version:\s*(.+)$/m.exec(text)?.[1]?.trim();
          if (name && version) this.installed.set(normalizeName(name), { version, path: posix9.dirname(path) });
        }
      }
      finish() {
        if (this.sbom === void 0) {
          return [finding("PH403", this.path, 1, `the RPM ships no SBOM at ${this.path}, so what it installs cannot be shown to an auditor (charter \xA713, \xA715); build it with phoreus-rpm, which writes one`)];
        }
        const listed = sbomDistributions(this.sbom);
        if (!listed) return [finding("PH403", this.path, 1, "the SBOM is not a CycloneDX JSON document with components; ship the one the build wrote")];
        const findings = [];
        for (const [name, dist] of this.installed) {
          const entry = listed.get(name);
          if (!entry) findings.push(finding("PH403", dist.path, 1, `${name} ${dist.version} is installed but the SBOM does not list it: the SBOM must name everything in the venv`));
          else if (!satisfies(dist.version, [{ operator: "==", version: entry.version }])) findings.push(finding("PH403", dist.path, 1, `${name} ${dist.version} is installed but the SBOM says ${entry.version}`));
        }
        for (const [name, entry] of listed) {
          if (!this.installed.has(name)) findings.push(finding("PH403", this.path, 1, `the SBOM lists ${name} ${entry.version}, which is not installed in the venv`));
        }
        for (const pin of this.locked ?? []) {
          const entry = listed.get(normalizeName(pin.name));
          if (!entry) continue;
          if (!entry.sha256.some((h) => pin.hashes.includes(h))) {
            findings.push(finding("PH403", this.path, 1, `the SBOM gives ${pin.name} ${entry.version} the sha256 ${entry.sha256[0] ?? "(none)"}, which requirements.lock does not allow for ${pin.name}==${pin.version}`));
          }
        }
        return findings;
      }
    };
  }
});

// src/tools/gpg.ts
import { chmodSync, rmSync as rmSync5, writeFileSync as writeFileSync5 } from "node:fs";
import { join as join16 } from "node:path";
function gpg(home, args, passphraseFile) {
  const unlock = passphraseFile ? ["--pinentry-mode", "loopback", "--passphrase-file", passphraseFile] : ["--pinentry-mode", "loopback"];
  return run("gpg", ["--homedir", home, "--batch", "--no-tty", "--no-options", ...unlock, ...args], { env: { ...process.env, GNUPGHOME: home } });
}
function unlockArgs(keyring) {
  return ["--batch", "--no-tty", "--pinentry-mode", "loopback", ...keyring.passphraseFile ? ["--passphrase-file", keyring.passphraseFile] : []].join(" ");
}
async function openKeyring(secretKey, passphrase, what, log) {
  if (!SECRET_KEY.test(secretKey)) throw new UsageError(`${what} is not an ASCII-armoured OpenPGP secret key; export one with \`gpg --armor --export-secret-keys KEYID\``);
  await requireTools(["gpg", "gpgconf"], log);
  const home = scratchDir("phoreus-gpg-");
  chmodSync(home, 448);
  const keyring = { home, fingerprint: "", publicKey: join16(home, "public.asc") };
  try {
    if (passphrase) {
      keyring.passphraseFile = join16(home, "passphrase");
      writeFileSync5(keyring.passphraseFile, passphrase, { mode: 384 });
    }
    const secretFile = join16(home, "secret.asc");
    writeFileSync5(secretFile, secretKey, { mode: 384 });
    const imported = await gpg(home, ["--import", secretFile], keyring.passphraseFile);
    rmSync5(secretFile, { force: true });
    if (imported.exitCode !== 0) throw new UsageError(`${what} could not be imported by gpg: ${lastLine(imported.stderr)}`);
    const listed = await gpg(home, ["--with-colons", "--list-secret-keys"]);
    const lines = listed.stdout.split("\n");
    const secrets = lines.filter((l) => l.startsWith("sec:"));
    if (secrets.length !== 1) throw new UsageError(`${what} holds ${secrets.length} secret keys; give exactly one`);
    if (!(secrets[0]?.split(":")[11] ?? "").includes("S")) throw new UsageError(`${what} cannot make signatures (it has no signing capability); give a signing key`);
    keyring.fingerprint = lines.find((l) => l.startsWith("fpr:"))?.split(":")[9] ?? "";
    const probe = join16(home, "probe");
    writeFileSync5(probe, "phoreus-rpm signing probe\n");
    const signed = await gpg(home, ["--local-user", keyring.fingerprint, "--detach-sign", "--output", `${probe}.sig`, probe], keyring.passphraseFile);
    if (signed.exitCode !== 0) {
      throw new UsageError(`${what} cannot sign: ${lastLine(signed.stderr)}; give its passphrase in PHOREUS_SIGN_PASSPHRASE (the signing-passphrase input)`);
    }
    const exported = await gpg(home, ["--armor", "--output", keyring.publicKey, "--export", keyring.fingerprint]);
    if (exported.exitCode !== 0) throw new UsageError(`the public half of ${what} could not be exported: ${lastLine(exported.stderr)}`);
    return keyring;
  } catch (error) {
    await closeKeyring(keyring);
    throw error;
  }
}
async function closeKeyring(keyring) {
  await run("gpgconf", ["--homedir", keyring.home, "--kill", "all"], { env: { ...process.env, GNUPGHOME: keyring.home } });
  removeScratch(keyring.home);
}
async function detachSign(keyring, file, signature) {
  const signed = await gpg(keyring.home, ["--local-user", keyring.fingerprint, "--armor", "--yes", "--detach-sign", "--output", signature, file], keyring.passphraseFile);
  if (signed.exitCode !== 0) throw new UsageError(`gpg could not sign ${file}: ${lastLine(signed.stderr)}`);
}
async function keyIds(publicKey) {
  const home = scratchDir("phoreus-gpg-");
  chmodSync(home, 448);
  try {
    const shown3 = await gpg(home, ["--with-colons", "--show-keys", publicKey]);
    return shown3.stdout.split("\n").filter((l) => /^(pub|sub):/.test(l)).map((l) => (l.split(":")[4] ?? "").toLowerCase()).filter((id) => /^[0-9a-f]{16}$/.test(id));
  } finally {
    await run("gpgconf", ["--homedir", home, "--kill", "all"], { env: { ...process.env, GNUPGHOME: home } });
    removeScratch(home);
  }
}
function signingSecrets(key, passphrase) {
  const lines = key.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith("-----"));
  return [key.trim(), ...lines, ...passphrase ? [passphrase] : []].filter((secret) => secret !== "");
}
var SECRET_KEY;
var init_gpg = __esm({
  "src/tools/gpg.ts"() {
    "use strict";
    init_errors();
    init_lifecycle();
    init_process();
    init_system();
    SECRET_KEY = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]+-----END PGP PRIVATE KEY BLOCK-----/;
  }
});

// src/audit/signature.ts
import { existsSync as existsSync12, statSync as statSync7 } from "node:fs";
import { basename as basename3, join as join17 } from "node:path";
function signerKeyIds(text) {
  return [...new Set([...text.matchAll(/Key ID ([0-9a-fA-F]{16})/g)].map((m) => (m[1] ?? "").toLowerCase()))];
}
async function checkSignature(rpm, publicKey) {
  const file = basename3(rpm);
  if (!existsSync12(publicKey) || !statSync7(publicKey).isFile()) throw new UsageError(`${publicKey} does not exist or is not a file; give the release key's public half (\`gpg --armor --export KEYID\`)`);
  const ids = await keyIds(publicKey);
  if (ids.length === 0) throw new UsageError(`${publicKey} holds no OpenPGP public key; export one with \`gpg --armor --export KEYID\``);
  const q = await run("rpm", ["-qp", "--nosignature", "--nodigest", "--qf", SIGNATURES, rpm]);
  const signers = signerKeyIds(q.stdout);
  if (signers.length === 0) {
    return [finding("PH402", file, 1, `${file} is not signed: a release is signed with the release key (\`build --sign-key\`, the signing-key input) so that dnf can check where it came from`)];
  }
  const foreign = signers.filter((id) => !ids.includes(id));
  if (foreign.length === signers.length) {
    return [finding("PH402", file, 1, `${file} is signed by key ${foreign.join(", ")}, not by the given key (${ids.join(", ")}): sign it with the release key`)];
  }
  const db = scratchDir("phoreus-rpmdb-");
  try {
    const dbArgs = ["--dbpath", join17(db, "rpmdb")];
    const init = await run("rpm", [...dbArgs, "--initdb"]);
    const imported = init.exitCode === 0 ? await run("rpmkeys", [...dbArgs, "--import", publicKey]) : init;
    if (imported.exitCode !== 0) throw new UsageError(`rpm cannot import ${publicKey} into a temporary rpm database: ${lastLine(imported.stderr)}`);
    const checked = await run("rpmkeys", [...dbArgs, "--checksig", "--verbose", rpm]);
    const output = `${checked.stdout}
${checked.stderr}`;
    if (checked.exitCode !== 0 || /NOT OK|NOKEY|BAD/i.test(output)) {
      const bad = output.split("\n").map((l) => l.trim()).filter((l) => /NOT OK|NOKEY|BAD/i.test(l));
      return [finding("PH402", file, 1, `the signature of ${file} does not verify with the given key: ${bad.join("; ") || lastLine(output)}`)];
    }
    return [];
  } finally {
    removeScratch(db);
  }
}
var SIGNATURES;
var init_signature = __esm({
  "src/audit/signature.ts"() {
    "use strict";
    init_finding();
    init_errors();
    init_gpg();
    init_lifecycle();
    init_process();
    SIGNATURES = "%{RSAHEADER:pgpsig}\\n%{DSAHEADER:pgpsig}\\n%{SIGPGP:pgpsig}\\n%{SIGGPG:pgpsig}\\n";
  }
});

// src/rpm/modulefile.ts
function luaString(text) {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/[\x00-\x1f\x7f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, "0")}`)}"`;
}
function checkEnv(env) {
  for (const [name, value] of Object.entries(env)) {
    assertSafe("module environment name", name, (n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && !/^PYTHON/i.test(n) ? void 0 : "a variable name, never PYTHON*");
    assertSafe(`value of ${name}`, value, judgeEnvValue);
  }
}
function renderModulefile(id, text) {
  checkEnv(text.env);
  const prefix = phoreusPrefix(id);
  const lines = [
    `-- ${id.tool}/${id.version}: Lmod modulefile of phoreus-${id.tool}-${id.version}, generated by phoreus-rpm.`,
    "-- Loads the interpreter module, then activates the tool's own virtual environment.",
    ...text.whatis.map((w) => `whatis(${luaString(w)})`),
    `help(${luaString(text.help)})`,
    "",
    // Two versions of one tool in one shell would shadow each other on PATH; Lmod swaps
    // same-name modules on load, and this keeps any other route from stacking them.
    `conflict(${luaString(id.tool)})`,
    `load(${luaString(id.interpreterModule)})`,
    "",
    `local prefix = ${luaString(prefix)}`,
    'setenv("VIRTUAL_ENV", pathJoin(prefix, "venv"))',
    'prepend_path("PATH", pathJoin(prefix, "venv/bin"))',
    ...Object.entries(text.env).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([name, value]) => `setenv(${luaString(name)}, ${luaString(value)})`)
  ];
  return `${lines.join("\n")}
`;
}
function renderModuleDefault(id) {
  return `-- Default version of ${id.tool}, set by the meta package phoreus-${id.tool}.
module_version(${luaString(`${id.tool}/${id.version}`)}, "default")
`;
}
var init_modulefile = __esm({
  "src/rpm/modulefile.ts"() {
    "use strict";
    init_values();
    init_layout();
  }
});

// src/audit/smoke-command.ts
function consoleScripts(entryPoints) {
  const names = [];
  let section = "";
  for (const raw of entryPoints.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = (header[1] ?? "").trim();
      continue;
    }
    const name = /^([^=\s]+)\s*=/.exec(line)?.[1];
    if (section === "console_scripts" && name && SCRIPT_NAME.test(name)) names.push(name);
  }
  return names;
}
function toolScript(tool, scripts) {
  return scripts.find((s) => s === tool) ?? scripts.find((s) => s.toLowerCase() === tool.toLowerCase()) ?? scripts.find((s) => normalizeName(s) === normalizeName(tool));
}
function defaultSmokeCommand(tool, meta) {
  const script = toolScript(tool, consoleScripts(meta.entryPoints ?? "").filter((s) => meta.installed.has(s))) ?? (meta.installed.has(tool) && SCRIPT_NAME.test(tool) ? tool : void 0);
  if (script) return { command: `${script} --version || ${script} --help`, what: `the console script ${script}` };
  const modules = (meta.topLevel ?? "").split("\n").map((l) => l.trim()).filter((m) => MODULE_NAME2.test(m) && !m.startsWith("_") && m !== "tests");
  if (modules.length > 0) {
    const list = [...new Set(modules)].sort().slice(0, 8);
    return { command: `python -c "import ${list.join(", ")}"`, what: `an import of ${list.join(", ")}` };
  }
  return { command: 'python -c "import sys; print(sys.prefix)"', what: "the venv's python" };
}
var SCRIPT_NAME, MODULE_NAME2;
var init_smoke_command = __esm({
  "src/audit/smoke-command.ts"() {
    "use strict";
    init_pep508();
    SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,100}$/;
    MODULE_NAME2 = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;
  }
});

// src/audit/smoke-test.ts
import { closeSync as closeSync3, existsSync as existsSync13, lstatSync as lstatSync2, mkdirSync as mkdirSync4, openSync as openSync3, readdirSync as readdirSync6, readFileSync as readFileSync6, symlinkSync, writeFileSync as writeFileSync6, writeSync } from "node:fs";
import { dirname as dirname6, join as join18, posix as posix10 } from "node:path";
function lmodInit(env = process.env) {
  const candidates = env.LMOD_PKG ? [join18(env.LMOD_PKG, "init", "bash"), ...LMOD_INITS] : LMOD_INITS;
  return candidates.find((c) => existsSync13(c));
}
async function smokeTestUnavailable() {
  if (!await asRoot()) return "it needs root or passwordless sudo";
  if (!which("unshare") || !which("setpriv")) return "unshare and setpriv (util-linux) are not installed";
  if (!lmodInit()) return "Lmod is not installed (apt-get install lmod, or dnf install Lmod)";
  return void 0;
}
async function provideSmokeTestTools(log) {
  if (!lmodInit()) await installPackages({ apt: ["lmod"], dnf: ["Lmod"] }, "Lmod", log);
  await requireTools(["unshare", "setpriv"], log);
}
function target(root, name) {
  const normal = posix10.normalize(`/${name}`).slice(1);
  if (!normal.startsWith(TREE)) return void 0;
  let at = root;
  for (const part of normal.split("/").slice(0, -1)) {
    at = join18(at, part);
    if (existsSync13(at) && lstatSync2(at).isSymbolicLink()) throw new UnsafePayload(`${name} would be written through the symlink ${posix10.relative(root, at)}`);
  }
  return join18(root, normal);
}
function extractEntry(root, header) {
  const path = target(root, header.name);
  const none = { data: () => void 0, end: () => void 0 };
  if (!path) return none;
  if (isDirectory(header.mode)) {
    mkdirSync4(path, { recursive: true, mode: 493 });
    return none;
  }
  mkdirSync4(dirname6(path), { recursive: true, mode: 493 });
  if (isSymlink2(header.mode)) return gathered((entry) => symlinkSync(entry.data.toString("utf8"), path))(header);
  if (!isRegular(header.mode)) return none;
  const fd = openSync3(path, "wx", header.mode & 73 ? 493 : 420);
  return { data: (c) => {
    writeSync(fd, c);
  }, end: () => closeSync3(fd) };
}
async function extractPayloads(rpms, root) {
  for (const rpm of rpms) await readPayload(rpm, payloadExtractor(root));
}
function provideInterpreter(root, interpreterHome, interpreterModule) {
  for (const [what, wrong] of [["interpreter home", judgeHome(interpreterHome)], ["interpreter module", judgeModule(interpreterModule)]]) {
    if (wrong) throw new UsageError(`the smoke test's ${what} is not safe: ${wrong}`);
  }
  mkdirSync4(join18(root, interpreterHome), { recursive: true });
  const module = join18(root, MODULEFILE_ROOT, `${interpreterModule}.lua`);
  if (existsSync13(module)) return;
  mkdirSync4(dirname6(module), { recursive: true });
  writeFileSync6(module, [
    'whatis("Python interpreter module for the smoke test")',
    `prepend_path("PATH", ${luaString(`${interpreterHome}/bin`)})`,
    `prepend_path("LD_LIBRARY_PATH", ${luaString(`${interpreterHome}/lib`)})`,
    ""
  ].join("\n"));
}
async function runInstalled(root, interpreterHome, pythonPrefix, script) {
  const prefix = await asRoot();
  const init = lmodInit();
  if (!prefix || !init) throw new UsageError(`the smoke test cannot run here: ${await smokeTestUnavailable()}`);
  const wrong = judgeHome(interpreterHome);
  if (wrong) throw new UsageError(`the smoke test's interpreter home is not safe: ${wrong}`);
  const user = [
    "unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYENV_VERSION",
    `source ${quote(init)}`,
    `module use ${MODULEFILE_ROOT}`,
    script
  ].join("\n");
  const setup = [
    "set -e",
    "mount -t tmpfs tmpfs /usr/local",
    `mkdir -p ${PHOREUS_ROOT} /usr/local/smoke-home`,
    `chown ${NOBODY}:${NOBODY} /usr/local/smoke-home`,
    `mount --bind ${quote(join18(root, PHOREUS_ROOT))} ${PHOREUS_ROOT}`,
    `mount --bind ${quote(pythonPrefix)} ${quote(interpreterHome)}`,
    "cd /usr/local/smoke-home",
    // A clean user environment: nothing of the host's Python setup leaks in.
    `exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups --no-new-privs env -i HOME=/usr/local/smoke-home PATH=/usr/bin:/bin LANG=C.UTF-8 bash -c ${quote(user)}`
  ].join("\n");
  const [command, ...args] = [...prefix, "unshare", "--mount", "--net", "--propagation", "private", "bash", "-c", setup];
  return run(command ?? "unshare", args);
}
function smallFile(path) {
  try {
    const st = lstatSync2(path);
    return st.isFile() && st.size <= 256 * 1024 ? readFileSync6(path, "utf8") : void 0;
  } catch {
    return void 0;
  }
}
function toolMetadata(venv, tool, interpreter) {
  const bin = join18(venv, "bin");
  const installed = new Set(existsSync13(bin) ? readdirSync6(bin).filter((f) => {
    const st = lstatSync2(join18(bin, f));
    return st.isFile() || st.isSymbolicLink();
  }) : []);
  const site = join18(venv, "lib", `python${interpreter}`, "site-packages");
  const distInfo = existsSync13(site) ? readdirSync6(site).find((d) => d.endsWith(".dist-info") && normalizeName(d.split("-")[0] ?? "") === normalizeName(tool)) : void 0;
  if (!distInfo) return { installed };
  const entryPoints = smallFile(join18(site, distInfo, "entry_points.txt"));
  const topLevel = smallFile(join18(site, distInfo, "top_level.txt")) ?? recordedTopLevel(smallFile(join18(site, distInfo, "RECORD")) ?? "");
  return { installed, ...entryPoints !== void 0 ? { entryPoints } : {}, topLevel };
}
function recordedTopLevel(record) {
  const modules = record.split("\n").map((line) => /^([A-Za-z_]\w*)(?:\/__init__\.py|\.py),/.exec(line)?.[1]).filter((m) => m !== void 0);
  return modules.join("\n");
}
async function smokeTest(input, log, ran = { passed: false }) {
  const modulefile = modulefilePath(input);
  if (judgeToolName(input.tool) || judgeToolVersion(input.version)) {
    return [finding("PH314", modulefile, 1, "smoke test not run: the payload's tool name or version is not a plain name (PH207), so it is not loaded")];
  }
  const root = scratchDir("phoreus-smoke-");
  try {
    try {
      await extractPayloads([input.rpm], root);
    } catch (error) {
      return [finding("PH314", modulefile, 1, `smoke test not run: the payload cannot be extracted safely (${error.message})`)];
    }
    provideInterpreter(root, input.interpreterHome, input.interpreterModule);
    const python = await findPython(input.interpreter, input.python);
    const pythonPrefix = dirname6(dirname6(python));
    const module = `${input.tool}/${input.version}`;
    const chosen = input.command ? { command: input.command, what: "the configured command" } : defaultSmokeCommand(input.tool, toolMetadata(join18(root, venvPath(input)), input.tool, input.interpreter));
    const command = chosen.command;
    ran.command = command;
    ran.what = chosen.what;
    log.info(`Smoke test: module load ${module} && ${command}`);
    const r = await runInstalled(root, input.interpreterHome, pythonPrefix, `module load ${quote(module)} || exit 97
${command}`);
    if (r.exitCode === 0) {
      log.info(`Smoke test passed: ${r.stdout.trim().split("\n").slice(-3).join(" | ")}`);
      ran.passed = true;
      return [];
    }
    const output = `${r.stdout}
${r.stderr}`.trim().split("\n").slice(-12).join("\n");
    const what = r.exitCode === 97 ? `module load ${module} failed` : `"${command}" exited with status ${r.exitCode}`;
    return [finding("PH314", modulefile, 1, `smoke test: after installing the payload and loading the module, ${what}:
${output}`)];
  } finally {
    removeScratch(root);
  }
}
var LMOD_INITS, NOBODY, TREE, UnsafePayload, payloadExtractor, quote;
var init_smoke_test = __esm({
  "src/audit/smoke-test.ts"() {
    "use strict";
    init_finding();
    init_errors();
    init_values();
    init_modulefile();
    init_lifecycle();
    init_python();
    init_process();
    init_system();
    init_cpio();
    init_payload_stream();
    init_smoke_command();
    init_pep508();
    init_layout();
    LMOD_INITS = ["/usr/share/lmod/lmod/init/bash", "/usr/share/lmod/lmod/init/profile", "/opt/apps/lmod/lmod/init/bash"];
    NOBODY = "65534";
    TREE = `${PHOREUS_ROOT.slice(1)}/`;
    UnsafePayload = class extends Error {
      name = "UnsafePayload";
    };
    payloadExtractor = (root) => (header) => extractEntry(root, header);
    quote = (word) => `'${word.replace(/'/g, "'\\''")}'`;
  }
});

// src/audit/audit.ts
import { basename as basename4, dirname as dirname7 } from "node:path";
function targetOf(header, options) {
  const paths = header.files.map((f) => f.path);
  const identity2 = payloadIdentity(paths);
  const minor = options.interpreter ?? /^phoreus-python-(\d+\.\d+)$/.exec(header.requires.map((r) => r.split(/\s/)[0] ?? "").find((r) => /^phoreus-python-\d+\.\d+$/.test(r)) ?? "")?.[1] ?? paths.map((p) => /\/venv\/lib\/python(\d+\.\d+)\//.exec(p)?.[1]).find(Boolean) ?? "3.11";
  const own = identity2 ?? { tool: header.name.replace(/^phoreus-/, "").replace(new RegExp(`-${header.version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`), ""), version: header.version };
  return {
    identity: identity2,
    minor,
    own,
    interpreterHome: expandPython(options.interpreterHome ?? DEFAULT_INTERPRETER_HOME, minor),
    interpreterModule: expandPython(options.interpreterModule ?? DEFAULT_INTERPRETER_MODULE, minor)
  };
}
async function readPayloadInto(payload, file, header, buildPaths, auditor, sbom) {
  const limits = { limit: WHOLE_LIMIT, gather: new Gatherers(), buildPaths };
  const sink = {
    readsWhole: (name) => auditor.readsWhole(name) || sbom.reads(name),
    compiledFrom: (name) => auditor.compiledFrom(name),
    isVerbatim: (name, sha256) => auditor.isVerbatim(name, sha256),
    whole: (entry) => {
      auditor.add(entry);
      sbom.see(entry);
    },
    streamed: (f) => auditor.addStreamed(f)
  };
  let entries2 = 0;
  await payload.read((header2, entry) => {
    if (++entries2 > MAX_ENTRIES) throw new BuildFailure(`the payload of ${file} holds more than ${MAX_ENTRIES} entries, far more than any venv: it is not audited`);
    return entryReader(header2, entry, sink, limits);
  }, (name) => header.digests.get(name));
}
async function smokeTestIfSound(options, target2, findings, log, ran) {
  if (!options.smokeTest) return void 0;
  const errors = countBySeverity(findings).errors;
  const { identity: identity2 } = target2;
  const skipped = errors > 0 ? `the audit found ${errors} error(s), so the payload is not installed` : !identity2 ? "the payload has no venv to run" : void 0;
  if (skipped || !identity2) {
    log.info(`No smoke test: ${skipped}`);
    return skipped;
  }
  findings.push(...await smokeTest({
    rpm: options.rpm,
    tool: identity2.tool,
    version: identity2.version,
    interpreter: target2.minor,
    interpreterModule: target2.interpreterModule,
    interpreterHome: target2.interpreterHome,
    ...options.smokeTest.command ? { command: options.smokeTest.command } : {},
    ...options.smokeTest.python ? { python: options.smokeTest.python } : {}
  }, log, ran));
  return void 0;
}
async function audit(options, log) {
  checkValues(options);
  assertBinaryRpm(options.rpm);
  const start = performance.now();
  const distro2 = distro(options.distro);
  const file = basename4(options.rpm);
  const payload = startPayload(options.rpm);
  let header;
  try {
    header = await readHeader(options.rpm);
  } catch (error) {
    payload.cancel();
    throw error;
  }
  const target2 = targetOf(header, options);
  const { identity: identity2, minor, own, interpreterModule } = target2;
  const buildPaths = options.buildPaths ?? [];
  const auditor = new PayloadAuditor({
    tool: own.tool,
    version: own.version,
    interpreter: minor,
    distro: distro2,
    arch: header.arch,
    buildPaths,
    interpreterHome: target2.interpreterHome,
    interpreterModule,
    waivers: options.waiversFor?.(minor) ?? []
  });
  const sbom = new SbomCheck(auditor.prefix, auditor.sitePackages, { interpreter: minor, arch: header.arch });
  if (header.digests.size === 0 && header.files.some((f) => isRegular(f.mode))) {
    log.info(`${file} gives no SHA-256 file digests that can be trusted (old rpms wrote MD5): every file is hashed as it streams by`);
  }
  await readPayloadInto(payload, file, header, buildPaths, auditor, sbom);
  auditor.checkHeaderFiles(header.files);
  const ctx = { file, interpreterModule };
  const beside = options.modulefile ? { file: basename4(options.modulefile), text: readText(options.modulefile, dirname7(options.modulefile)) } : void 0;
  const findings = [
    ...checkIdentity(header, identity2, ctx),
    ...checkRequires(header, ctx),
    ...checkProvides(header, ctx),
    ...checkScriptlets(header, ctx),
    ...auditor.finish(beside),
    ...sbom.finish(),
    ...options.signedBy ? await checkSignature(options.rpm, options.signedBy) : []
  ];
  const smokeRan = { passed: false };
  const smokeSkipped = await smokeTestIfSound(options, target2, findings, log, smokeRan);
  const seconds = (performance.now() - start) / 1e3;
  log.info(`Audited ${file}: ${auditor.stats.files} payload entries, ${(auditor.stats.bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s`);
  return {
    rpm: options.rpm,
    name: header.name,
    interpreter: minor,
    findings: sortFindings(findings),
    files: auditor.stats.files,
    bytes: auditor.stats.bytes,
    seconds,
    ...identity2 ? { tool: identity2.tool, version: identity2.version } : {},
    ...smokeSkipped ? { smokeSkipped } : {},
    ...smokeRan.command ? { smokeTest: smokeRan } : {}
  };
}
var WHOLE_LIMIT, MAX_ENTRIES;
var init_audit = __esm({
  "src/audit/audit.ts"() {
    "use strict";
    init_finding();
    init_layout();
    init_errors();
    init_distros();
    init_files();
    init_options();
    init_cpio();
    init_header_rules();
    init_payload();
    init_payload_files();
    init_payload_stream();
    init_rpm_file();
    init_sbom_rules();
    init_signature();
    init_smoke_test();
    WHOLE_LIMIT = 32 * 1024 * 1024;
    MAX_ENTRIES = 4e5;
  }
});

// src/publish/published-repo.ts
import { existsSync as existsSync14, readFileSync as readFileSync7, writeFileSync as writeFileSync7 } from "node:fs";
import { join as join19 } from "node:path";
import { gunzipSync } from "node:zlib";
function primaryLocation(repomd) {
  const data = /<data\s+type="primary">([\s\S]*?)<\/data>/.exec(repomd)?.[1] ?? "";
  return /<location\s+href="([^"]+)"/.exec(data)?.[1];
}
function primaryPackages(primary) {
  const packages = [];
  for (const m of primary.matchAll(/<package\b[^>]*type="rpm"[^>]*>([\s\S]*?)<\/package>/g)) {
    const body = m[1] ?? "";
    const name = /<name>([^<]*)<\/name>/.exec(body)?.[1];
    const arch = /<arch>([^<]*)<\/arch>/.exec(body)?.[1];
    const version = /<version\s+[^>]*ver="([^"]*)"[^>]*rel="([^"]*)"/.exec(body);
    if (name && arch && version) packages.push({ name: unescapeXml(name), arch, version: unescapeXml(version[1] ?? ""), release: unescapeXml(version[2] ?? "") });
  }
  return packages;
}
async function fetchFromRepo(repo, path) {
  const address = `${repo.replace(/\/+$/, "")}/${path}`;
  let answer;
  try {
    answer = await fetchUrl(address, { timeoutMs: FETCH_TIMEOUT_MS });
  } catch (error) {
    throw new BuildFailure(`the published repository cannot be reached at ${redact(address)} (${redact(error.message)}); fix the published-repo input or the network`);
  }
  if (answer.status !== 200) throw new BuildFailure(`the published repository answered HTTP ${answer.status} for ${redact(address)}; fix the published-repo input`);
  return answer.body;
}
async function fetchBytes(repo, path) {
  if (/^https?:\/\//i.test(repo)) return fetchFromRepo(repo, path);
  const file = join19(repo.replace(/^file:\/\//, ""), path);
  if (!existsSync14(file)) throw new BuildFailure(`${file} does not exist: published-repo must be an RPM repository made by createrepo_c`);
  return readFileSync7(file);
}
async function decompress(name, data) {
  if (name.endsWith(".gz")) return gunzipSync(data).toString("utf8");
  if (name.endsWith(".xz") || name.endsWith(".zst") || name.endsWith(".bz2")) {
    const tool = name.endsWith(".xz") ? "xz" : name.endsWith(".zst") ? "zstd" : "bzip2";
    const dir = scratchDir("phoreus-repodata-");
    try {
      const file = join19(dir, "primary");
      writeFileSync7(file, data);
      const r = await run(tool, ["-dc", file]);
      if (r.exitCode !== 0) throw new BuildFailure(`cannot decompress ${name} with ${tool}: install ${tool}`);
      return r.stdout;
    } finally {
      removeScratch(dir);
    }
  }
  return data.toString("utf8");
}
async function publishedPackages(repo) {
  const repomd = (await fetchBytes(repo, "repodata/repomd.xml")).toString("utf8");
  const location = primaryLocation(repomd);
  if (!location) throw new BuildFailure("the published repository's repomd.xml names no primary metadata");
  return primaryPackages(await decompress(location, await fetchBytes(repo, location)));
}
var unescapeXml, FETCH_TIMEOUT_MS;
var init_published_repo = __esm({
  "src/publish/published-repo.ts"() {
    "use strict";
    init_lifecycle();
    init_errors();
    init_redact();
    init_http();
    init_process();
    unescapeXml = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
    FETCH_TIMEOUT_MS = 6e4;
  }
});

// src/publish/sign.ts
import { basename as basename5 } from "node:path";
async function signPackages(keyring, files, log) {
  await requireTools(["rpmsign", "rpmkeys"], log);
  const wrong = judgePath(keyring.home);
  if (wrong) throw new BuildFailure(`the temporary keyring ${shown(keyring.home)} cannot be named to rpmsign: ${wrong}; set TMPDIR to such a path`);
  const signed = await run("rpmsign", [
    "--addsign",
    "--define",
    `__gpg ${which("gpg") ?? "gpg"}`,
    "--define",
    `_gpg_path ${keyring.home}`,
    "--define",
    `_gpg_name ${keyring.fingerprint}`,
    "--define",
    "_gpg_digest_algo sha256",
    "--define",
    `_gpg_sign_cmd_extra_args ${unlockArgs(keyring)}`,
    ...files
  ], { env: { ...process.env, GNUPGHOME: keyring.home } });
  if (signed.exitCode !== 0) throw new BuildFailure(`rpmsign failed: ${lastLine(signed.stderr)}`);
  for (const file of files) {
    const wrong2 = await checkSignature(file, keyring.publicKey);
    if (wrong2.length > 0) throw new BuildFailure(`the signature rpmsign made on ${basename5(file)} does not verify: ${wrong2[0]?.message ?? ""}`);
    log.info(`signed ${basename5(file)} with key ${keyring.fingerprint}`);
  }
}
var init_sign = __esm({
  "src/publish/sign.ts"() {
    "use strict";
    init_signature();
    init_values();
    init_gpg();
    init_process();
    init_system();
    init_errors();
    init_outward();
  }
});

// src/requirements/blocks.ts
function requirementBlocks(lockText) {
  const lines = physicalLines(lockText);
  const blocks = /* @__PURE__ */ new Map();
  for (const entry of requirementEntries(parseRequirementsFile(lockText))) {
    const name = entry.requirement?.name;
    if (!name) continue;
    const block = [];
    for (let i = entry.line - 1; i < lines.length; i++) {
      const line = lines[i] ?? "";
      block.push(line);
      if (!line.trimEnd().endsWith("\\")) break;
    }
    blocks.set(normalizeName(name), `${block.join("\n")}
`);
  }
  return blocks;
}
function withExtraHashes(lockText, extra) {
  if (extra.size === 0) return lockText;
  const lines = physicalLines(lockText);
  const insertAfter = /* @__PURE__ */ new Map();
  for (const entry of requirementEntries(parseRequirementsFile(lockText))) {
    const digest = entry.requirement?.name ? extra.get(normalizeName(entry.requirement.name)) : void 0;
    if (digest) insertAfter.set(entry.line - 1, digest);
  }
  const out = [];
  lines.forEach((line, index) => {
    const digest = insertAfter.get(index);
    if (!digest) {
      out.push(line);
      return;
    }
    const continued = line.trimEnd().endsWith("\\");
    out.push(continued ? line : `${line.trimEnd()} \\`, `    --hash=sha256:${digest}${continued ? " \\" : ""}`);
  });
  return `${out.join("\n")}
`;
}
function lockSubset(lockText, names) {
  const options = physicalLines(lockText).filter((l) => /^\s*(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host)\b/.test(l));
  const blocks = [...requirementBlocks(lockText)].filter(([name]) => names.has(name)).map(([, block]) => block);
  return `${[...options, ""].join("\n")}${blocks.join("")}`;
}
function withoutRequirements(lockText, names) {
  if (names.size === 0) return lockText;
  const lines = physicalLines(lockText);
  const dropped = /* @__PURE__ */ new Set();
  for (const entry of requirementEntries(parseRequirementsFile(lockText))) {
    if (!entry.requirement?.name || !names.has(normalizeName(entry.requirement.name))) continue;
    for (let i = entry.line - 1; i < lines.length; i++) {
      dropped.add(i);
      if (!(lines[i] ?? "").trimEnd().endsWith("\\")) break;
    }
  }
  return `${lines.filter((_, i) => !dropped.has(i)).join("\n")}
`;
}
var init_blocks = __esm({
  "src/requirements/blocks.ts"() {
    "use strict";
    init_pep508();
    init_parse2();
  }
});

// src/rpm/sdist-backend.ts
import { posix as posix11 } from "node:path";
function buildSystem(pyproject) {
  const legacy = { requires: LEGACY_REQUIRES, backend: LEGACY_BACKEND, backendPath: [] };
  if (pyproject === void 0) return legacy;
  let table;
  try {
    table = parse(pyproject)["build-system"];
  } catch {
    return legacy;
  }
  if (typeof table !== "object" || table === null) return legacy;
  const { requires, "build-backend": backend, "backend-path": backendPath } = table;
  const strings2 = (value) => Array.isArray(value) ? value.filter((r) => typeof r === "string") : void 0;
  return {
    requires: strings2(requires) ?? LEGACY_REQUIRES,
    backend: typeof backend === "string" && /^[\w.:]{1,200}$/.test(backend) ? backend : LEGACY_BACKEND,
    backendPath: strings2(backendPath) ?? []
  };
}
function outsideTree(backendPath) {
  return backendPath.find((entry) => entry === "" || entry.includes("\0") || posix11.isAbsolute(entry) || posix11.normalize(entry).split("/")[0] === "..");
}
function unpinnedRequires(requires, lockText, interpreter, arch) {
  const pinned = new Set(lockedPackages(lockText, interpreter, arch).map((p) => normalizeName(p.name)));
  const missing = [];
  for (const text of requires) {
    const parsed = parseRequirement(text);
    const name = parsed.ok ? normalizeName(parsed.requirement.name) : text;
    if (!pinned.has(name)) missing.push(name);
  }
  return missing;
}
function generatorOf(wheelFile) {
  const line = /^Generator:[ \t]*(.+)$/m.exec(wheelFile)?.[1]?.trim();
  if (!line) return void 0;
  const m = /^([\w.+-]{1,100})[ \t]*\(?[ \t]*([\w.+!-]{1,60})?\)?$/.exec(line);
  return m ? m[2] ? `${m[1]} ${m[2]}` : m[1] : void 0;
}
var LEGACY_BACKEND, LEGACY_REQUIRES;
var init_sdist_backend = __esm({
  "src/rpm/sdist-backend.ts"() {
    "use strict";
    init_dist();
    init_lockfile();
    init_pep508();
    LEGACY_BACKEND = "setuptools.build_meta:__legacy__";
    LEGACY_REQUIRES = ["setuptools>=40.8.0"];
  }
});

// src/rpm/app-wheel.ts
import { cpSync, existsSync as existsSync15, lstatSync as lstatSync3, mkdirSync as mkdirSync5, readdirSync as readdirSync7, readFileSync as readFileSync8, realpathSync as realpathSync3 } from "node:fs";
import { basename as basename6, join as join20, relative as relative5, sep as sep2 } from "node:path";
function leftOut(relPath) {
  const parts = relPath.split(sep2);
  const name = parts[parts.length - 1] ?? "";
  return NOT_COPIED_ANYWHERE.has(name) || name.endsWith(".egg-info") || parts.length === 1 && NOT_COPIED_AT_TOP.has(name);
}
function isApplicationProject(project) {
  return existsSync15(join20(project, "pyproject.toml")) || existsSync15(join20(project, "setup.py"));
}
function refuseEscapingLink(root, path) {
  if (!lstatSync3(path).isSymbolicLink()) return;
  let target2;
  try {
    target2 = realpathSync3(path);
  } catch {
    return;
  }
  if (target2 !== root && !target2.startsWith(`${root}${sep2}`)) {
    throw new BuildFailure(`${relative5(root, path)} is a symlink to ${shown(target2)}, outside the project: the application wheel would carry a file of the build machine; replace it with the file itself`);
  }
}
async function wheelMetadata(python, wheel) {
  const script = 'import sys, zipfile, email.parser\nz = zipfile.ZipFile(sys.argv[1])\nm = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")][0]\nh = email.parser.Parser().parsestr(z.read(m).decode())\nprint(h["Name"]); print(h["Version"])';
  const r = await run(python, ["-c", script, wheel]);
  const [name, version] = r.stdout.trim().split("\n");
  if (r.exitCode !== 0 || !name || !version) throw new BuildFailure(`cannot read the metadata of ${basename6(wheel)}: ${lastLine(r.stderr)}`);
  if (!DIST_NAME.test(name) || !DIST_VERSION.test(version)) {
    throw new BuildFailure(`the application wheel's metadata names "${shown(name)}" version "${shown(version)}", which is not a valid distribution name and version; fix [project] name and version in pyproject.toml`);
  }
  return { name, version };
}
async function lockedBuilder(project, python, log) {
  const buildLock = join20(project, BUILD_LOCK);
  return existsSync15(buildLock) ? pythonVenv(python, buildLock, log) : void 0;
}
function wheelCommand(source2, wheelDir, python, lockedPython, options) {
  if (lockedPython === void 0) {
    return [python, ["-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "--no-input", "--wheel-dir", wheelDir, ...pipIndexArgs(options), source2]];
  }
  const frontend = resourcePath("tools/pep517/build_wheel.py");
  if (!frontend) throw new UsageError("tools/pep517/build_wheel.py is missing from the action; use a complete checkout of phoreus-rpm");
  const pyproject = join20(source2, "pyproject.toml");
  const system = buildSystem(existsSync15(pyproject) ? readFileSync8(pyproject, "utf8") : void 0);
  const outside = outsideTree(system.backendPath);
  if (outside !== void 0) throw new BuildFailure(`pyproject.toml: [build-system] backend-path "${shown(outside)}" is not a directory inside the project, as PEP 517 requires; name a directory of the project, relative to it`);
  return [lockedPython, [frontend, source2, wheelDir, system.backend, ...system.backendPath]];
}
async function buildAppWheel(project, python, lockedPython, out, epoch, log, options) {
  const work = scratchDir("phoreus-app-");
  try {
    const source2 = join20(work, "src");
    const root = realpathSync3(project);
    cpSync(project, source2, {
      recursive: true,
      filter: (src) => {
        refuseEscapingLink(root, src);
        return !leftOut(relative5(project, src));
      }
    });
    const [command, args] = wheelCommand(source2, join20(work, "wheel"), python, lockedPython, options);
    log.info(`Building the application wheel${lockedPython !== void 0 ? ` with the backend pinned by ${BUILD_LOCK}` : ""}`);
    const result = await run(command, args, { env: venvEnv(pipNetworkEnv({ ...process.env, SOURCE_DATE_EPOCH: String(epoch) })) });
    if (result.exitCode !== 0) throw new BuildFailure(`building the application wheel failed: ${lastLine(result.stderr)}`);
    const file = readdirSync7(join20(work, "wheel")).find((f) => f.endsWith(".whl"));
    if (!file) throw new BuildFailure("building the application wheel produced no wheel");
    if (!WHEEL_FILE.test(file)) throw new BuildFailure(`the application wheel is named "${shown(file)}", which is not a plain wheel file name; fix the project's name and version`);
    mkdirSync5(out, { recursive: true });
    const path = join20(out, file);
    cpSync(join20(work, "wheel", file), path);
    return { path, file, ...await wheelMetadata(python, path) };
  } finally {
    removeScratch(work);
  }
}
var BUILD_LOCK, NOT_COPIED_ANYWHERE, NOT_COPIED_AT_TOP;
var init_app_wheel = __esm({
  "src/rpm/app-wheel.ts"() {
    "use strict";
    init_values();
    init_lifecycle();
    init_errors();
    init_process();
    init_index_access();
    init_resources();
    init_venv();
    init_sdist_backend();
    init_outward();
    BUILD_LOCK = "requirements-build.lock";
    NOT_COPIED_ANYWHERE = /* @__PURE__ */ new Set([".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"]);
    NOT_COPIED_AT_TOP = /* @__PURE__ */ new Set(["build", "dist", ".venv", "venv", "node_modules", ".tox", ".nox", ".eggs"]);
  }
});

// src/rpm/rpmbuild.ts
import { copyFileSync as copyFileSync3, mkdirSync as mkdirSync6, readdirSync as readdirSync8, writeFileSync as writeFileSync8 } from "node:fs";
import { join as join21 } from "node:path";
async function rpmbuild(input) {
  const wrong = judgePath(input.topdir);
  if (wrong) throw new UsageError(`the work directory (TMPDIR) ${shown(input.topdir)} cannot be named in an RPM spec: ${wrong}`);
  const sources2 = join21(input.topdir, "SOURCES");
  const specs = join21(input.topdir, "SPECS");
  mkdirSync6(sources2, { recursive: true });
  mkdirSync6(specs, { recursive: true });
  for (const [name, source2] of Object.entries(input.sources)) {
    if ("content" in source2) writeFileSync8(join21(sources2, name), source2.content);
    else copyFileSync3(source2.path, join21(sources2, name));
  }
  for (const tarball of input.tarballs) {
    const tar = await run("tar", [
      "--sort=name",
      `--mtime=@${input.epoch}`,
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--format=gnu",
      "--mode=go-w,a-st",
      "-cf",
      join21(sources2, tarball.name),
      "-C",
      tarball.parent,
      tarball.dir
    ]);
    if (tar.exitCode !== 0) throw new BuildFailure(`packing ${tarball.name} failed: ${lastLine(tar.stderr)}`);
  }
  const specPath = join21(specs, input.specName);
  writeFileSync8(specPath, input.spec);
  const fileClasses = join21(input.topdir, "file-classes.magic");
  writeFileSync8(fileClasses, FILE_CLASSES);
  const result = await run("rpmbuild", [
    "-ba",
    "--nodeps",
    "--target",
    input.arch,
    "--define",
    `_topdir ${input.topdir}`,
    "--define",
    `dist ${input.dist}`,
    specPath
  ], {
    env: {
      ...process.env,
      LC_ALL: "C",
      MAGIC: fileClasses,
      // The spec reads the build interpreter from the environment, so the SRPM's header never names it.
      PHOREUS_BUILD_PYTHON: input.buildPython
    }
  });
  if (result.exitCode !== 0) {
    const reason2 = result.stderr.split("\n").filter((l) => /error|Error|ERROR/.test(l)).slice(-3).join(" | ") || lastLine(result.stderr);
    throw new BuildFailure(`rpmbuild failed: ${reason2}`, { name: RPMBUILD_LOG, text: `${result.stdout}
${result.stderr}` });
  }
  const rpmDir = join21(input.topdir, "RPMS", input.arch);
  const rpms = readdirSync8(rpmDir).filter((f) => f.endsWith(".rpm")).sort().map((f) => join21(rpmDir, f));
  const srpmDir = join21(input.topdir, "SRPMS");
  const srpm = readdirSync8(srpmDir).find((f) => f.endsWith(".src.rpm"));
  if (rpms.length === 0 || !srpm) throw new BuildFailure("rpmbuild reported success but wrote no RPM");
  return { rpms, srpm: join21(srpmDir, srpm) };
}
var FILE_CLASSES, RPMBUILD_LOG;
var init_rpmbuild = __esm({
  "src/rpm/rpmbuild.ts"() {
    "use strict";
    init_values();
    init_errors();
    init_process();
    init_outward();
    FILE_CLASSES = [
      "0	string	\\177ELF	ELF",
      ">4	byte	1	32-bit",
      ">4	byte	2	64-bit",
      ">5	byte	1	LSB",
      ">5	byte	2	MSB",
      ""
    ].join("\n");
    RPMBUILD_LOG = "rpmbuild.log";
  }
});

// src/rpm/wheel-metadata.ts
import { basename as basename7 } from "node:path";
async function wheelLicences(python, wheels) {
  if (wheels.length === 0) return /* @__PURE__ */ new Map();
  const r = await run(python, ["-I", "-c", SCRIPT, ...wheels]);
  if (r.exitCode !== 0) throw new BuildFailure(`cannot read the metadata of the wheels for the SBOM: ${lastLine(r.stderr)}`);
  const parsed = JSON.parse(r.stdout);
  const found = /* @__PURE__ */ new Map();
  for (const wheel of wheels) {
    const fields = parsed[wheel];
    if (!fields) throw new BuildFailure(`the metadata of ${basename7(wheel)} was not read for the SBOM`);
    found.set(wheel, {
      classifiers: fields.classifiers,
      ...fields.expression ? { expression: fields.expression } : {},
      ...fields.license ? { license: fields.license } : {}
    });
  }
  return found;
}
var SCRIPT;
var init_wheel_metadata = __esm({
  "src/rpm/wheel-metadata.ts"() {
    "use strict";
    init_errors();
    init_process();
    SCRIPT = `import email.parser, json, sys, zipfile
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
  }
});

// src/rpm/package.ts
import { chmodSync as chmodSync2, copyFileSync as copyFileSync4, cpSync as cpSync2, lstatSync as lstatSync4, mkdirSync as mkdirSync7, readdirSync as readdirSync9, statSync as statSync8, writeFileSync as writeFileSync9 } from "node:fs";
import { basename as basename8, join as join22 } from "node:path";
function normaliseModes(path) {
  const stat = lstatSync4(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync2(path, 493);
    for (const entry of readdirSync9(path)) normaliseModes(join22(path, entry));
  } else {
    chmodSync2(path, stat.mode & 73 ? 493 : 420);
  }
}
function stageCopyFiles(project, entries2, interpreter, stage) {
  for (const entry of entries2) {
    const from = confined(entry.from);
    const to = copyDestination(entry.to, interpreter);
    if (from === void 0 || to === void 0 || symlinkIn(project, from)) {
      throw new BuildFailure(`copyFiles entry ${entry.from} \u2192 ${entry.to} leaves the project or the venv, or holds a symlink`);
    }
    const source2 = join22(project, from);
    const target2 = join22(stage, "copyfiles", to);
    if (statSync8(source2).isDirectory()) {
      cpSync2(source2, target2, { recursive: true });
    } else {
      const file = entry.to.endsWith("/") ? join22(target2, basename8(source2)) : target2;
      mkdirSync7(join22(file, ".."), { recursive: true });
      copyFileSync4(source2, file);
    }
  }
  if (entries2.length > 0) normaliseModes(join22(stage, "copyfiles"));
}
async function buildPackages(a, log) {
  const { id } = a;
  const relocate = resourcePath("tools/rpm/relocate.py");
  if (!relocate) throw new UsageError("tools/rpm/relocate.py is missing from the action; use a complete checkout of phoreus-rpm");
  const pipWheel = a.wheelhouse.files.get("pip");
  const modulefile = redact(renderModulefile(id, a.module));
  const appPin = a.app ? `${a.app.name}==${a.app.version} \\
    --hash=sha256:${await sha256File(a.app.path)}
` : "";
  const base = a.wheelhouse.installLock;
  const installLockText = appPin ? `${base}${base.endsWith("\n") ? "" : "\n"}${appPin}` : base;
  const installLock = installLockText !== a.lockText;
  const spec = redact(renderSpec({
    id,
    arch: a.arch,
    distro: a.distro,
    summary: a.summary,
    license: a.license,
    ...a.url ? { url: a.url } : {},
    description: a.description,
    ...pipWheel ? { pipWheel } : {},
    installLock,
    copyFiles: a.copyFiles.length > 0,
    ...a.app ? { app: { wheel: a.app.file, name: a.app.name, version: a.app.version } } : {},
    meta: a.meta,
    epoch: a.epoch,
    generator: `${TOOL_NAME2} ${TOOL_VERSION2}`,
    sbom: true
  }));
  const sbom = redact(await sbomOf(a));
  const stage = join22(a.work, "stage");
  mkdirSync7(join22(stage, "wheelhouse"), { recursive: true });
  const shipped = [...a.wheelhouse.files.values(), ...[...a.wheelhouse.built.values()].map((b) => b.sdist)];
  for (const file of shipped) copyFileSync4(join22(a.wheelhouse.dir, file), join22(stage, "wheelhouse", file));
  stageCopyFiles(a.project, a.copyFiles, id.interpreter, stage);
  log.info(`rpmbuild -ba ${packageName(id)}.spec (${a.distro.key}, ${a.arch})`);
  const built = await rpmbuild({
    topdir: join22(a.work, "rpmbuild"),
    specName: `${packageName(id)}.spec`,
    spec,
    dist: a.distro.dist,
    arch: a.arch,
    buildPython: a.python,
    epoch: a.epoch,
    tarballs: [
      { name: SOURCES.wheelhouse, parent: stage, dir: "wheelhouse" },
      ...a.copyFiles.length > 0 ? [{ name: SOURCES.copyFiles, parent: stage, dir: "copyfiles" }] : []
    ],
    sources: {
      [SOURCES.lock]: { content: a.lockText },
      ...installLock ? { [SOURCES.installLock]: { content: installLockText } } : {},
      [SOURCES.relocate]: { path: relocate },
      [SOURCES.modulefile]: { content: modulefile },
      [SOURCES.config]: { content: redact(`${JSON.stringify(a.inForce, null, 2)}
`) },
      [SOURCES.sbom]: { content: sbom },
      ...a.meta ? { [SOURCES.moduleDefault]: { content: renderModuleDefault(id) } } : {},
      ...a.app ? { [a.app.file]: { path: a.app.path } } : {}
    }
  });
  const main2 = built.rpms.find((r) => r.includes(`/${packageName(id)}-${id.version}-`)) ?? built.rpms[0] ?? "";
  const meta = built.rpms.find((r) => r !== main2);
  const modulefilePath2 = join22(a.work, `${id.tool}-${id.version}.lua`);
  writeFileSync9(modulefilePath2, modulefile);
  const sbomPath = join22(a.work, SOURCES.sbom);
  writeFileSync9(sbomPath, sbom);
  return { rpm: main2, srpm: built.srpm, modulefile: modulefilePath2, sbom: sbomPath, ...meta ? { metaRpm: meta } : {} };
}
async function sbomOf(a) {
  const pins2 = new Map(a.packages.map((p) => [normalizeName(p.name), p]));
  const wheels = [...a.wheelhouse.files.values()].map((file) => join22(a.wheelhouse.dir, file));
  const found = await wheelLicences(a.python, a.app ? [...wheels, a.app.path] : wheels);
  const distributions = [];
  for (const [name, wheel] of a.wheelhouse.files) {
    const pin = pins2.get(name);
    if (!pin) throw new BuildFailure(`${wheel} is in the wheelhouse but ${name} is not pinned in the lock`);
    const source2 = a.wheelhouse.built.get(name)?.sdist;
    const locked = source2 ?? wheel;
    distributions.push({
      name: pin.name,
      version: pin.version,
      file: locked,
      sha256: await sha256File(join22(a.wheelhouse.dir, locked)),
      licence: found.get(join22(a.wheelhouse.dir, wheel)) ?? { classifiers: [] },
      ...source2 ? { fromSource: true } : {}
    });
  }
  const application = a.app ? { name: a.app.name, version: a.app.version, file: a.app.file, sha256: await sha256File(a.app.path), licence: found.get(a.app.path) ?? { classifiers: [] } } : void 0;
  return renderSbom({
    rpm: { name: packageName(a.id), version: a.id.version, release: `${a.id.release}${a.distro.dist}`, arch: a.arch, summary: a.summary, license: a.license },
    distributions,
    ...application ? { application } : {},
    interpreter: { module: a.id.interpreterModule, version: a.id.interpreter },
    generator: { name: TOOL_NAME2, version: TOOL_VERSION2 },
    epoch: a.epoch
  });
}
function place(built, out, id) {
  mkdirSync7(out, { recursive: true });
  const copy = (path, name = basename8(path)) => {
    const target2 = join22(out, name);
    copyWhole(path, target2);
    return target2;
  };
  return {
    rpm: copy(built.rpm),
    srpm: copy(built.srpm),
    modulefile: copy(built.modulefile, `${id.tool}-${id.version}.lua`),
    sbom: copy(built.sbom, sbomFileName(built.rpm)),
    ...built.metaRpm ? { metaRpm: copy(built.metaRpm) } : {}
  };
}
var sbomFileName;
var init_package2 = __esm({
  "src/rpm/package.ts"() {
    "use strict";
    init_copy_files();
    init_blob_store();
    init_files();
    init_errors();
    init_about();
    init_redact();
    init_resources();
    init_layout();
    init_modulefile();
    init_rpmbuild();
    init_sbom();
    init_spec();
    init_wheel_metadata();
    init_pep508();
    sbomFileName = (rpm) => `${basename8(rpm).replace(/\.rpm$/, "")}.cdx.json`;
  }
});

// src/rpm/sdist-failure.ts
function failureLines(output, max = 3) {
  const lines = output.split("\n").map(plain).filter((l) => l.length > 0 && !FRAMING.test(l));
  const reasons = lines.filter((l) => REASON.test(l));
  const chosen = (reasons.length > 0 ? reasons : lines).slice(-12);
  const distinct = [...new Set(chosen)].slice(-max);
  return distinct.map((l) => l.length > 240 ? `${l.slice(0, 237)}...` : l);
}
function needsSystemTools(output) {
  return NEEDS_SYSTEM.some((pattern) => pattern.test(output));
}
var FRAMING, REASON, NEEDS_SYSTEM, plain;
var init_sdist_failure = __esm({
  "src/rpm/sdist-failure.ts"() {
    "use strict";
    FRAMING = /subprocess-exited-with-error|Failed building wheel|Failed to build|did not run successfully|This error originates from a subprocess|lines of output\]|end of output|exit code:|See above for output|ERROR: Could not build wheels|legacy-install-failure|ERROR: Failed to build installable wheels|finished with status 'error'|^Building wheel for /;
    REASON = /\b(error|Error|ERROR|fatal|No such file|not found|cannot find|[A-Z]\w*(Error|Exception)|invalid command|undefined reference|Unable to)\b/;
    NEEDS_SYSTEM = [
      /command '[^']*\b(gcc|cc|c\+\+|g\+\+|clang|gfortran|x86_64-linux-gnu-gcc)' failed/,
      /\b(gcc|g\+\+|cc|c\+\+|clang|gfortran|cmake|make|pkg-config|ninja|cargo|rustc)\b[^\n]*\b(not found|No such file|failed with exit|is required)/,
      /fatal error: [\w./+-]+\.(h|hpp|hh)\b/,
      /cannot find -l[\w+-]+/,
      /\blibrary [\w.+-]+ (is )?not found/i,
      /\bPython\.h\b/,
      /No CMAKE_\w+_COMPILER could be found|Unknown compiler|could not find a (C|Fortran) compiler|can't find Rust compiler/i,
      /Package '?[\w.+-]+'? was not found in the pkg-config search path|Dependency "?[\w.+-]+"? not found/
    ];
    plain = (line) => line.replace(/^[\s│╰─>×║]+/u, "").trimEnd();
  }
});

// src/rpm/source-build.ts
import { createHash as createHash6 } from "node:crypto";
import { existsSync as existsSync16, mkdirSync as mkdirSync8, readdirSync as readdirSync10, readFileSync as readFileSync9, renameSync as renameSync4, rmSync as rmSync6 } from "node:fs";
import { basename as basename9, join as join23 } from "node:path";
function isSound(wheel, hostGlibc2, distro2, arch, hostArch2) {
  if (/-none-any\.whl$/.test(wheel)) return true;
  if (!hostGlibc2 || hostArch2 !== arch) return false;
  const [major, minor] = hostGlibc2;
  return major < distro2.glibc[0] || major === distro2.glibc[0] && minor <= distro2.glibc[1];
}
async function hostGlibc(python) {
  const r = await run(python, ["-c", "import platform; print(platform.libc_ver()[1])"]);
  const m = /^(\d+)\.(\d+)/.exec(r.stdout.trim());
  return m ? [Number(m[1]), Number(m[2])] : void 0;
}
async function pythonJson(python, script, file) {
  const r = await run(python, ["-I", "-S", "-c", script, file]);
  if (r.exitCode !== 0) return void 0;
  try {
    const value = JSON.parse(r.stdout);
    return typeof value === "string" ? value : void 0;
  } catch {
    return void 0;
  }
}
function chooseBuildLock(request, system) {
  const own = join23(PACKAGE_BUILD_LOCKS, `${normalizeName(request.name)}.lock`);
  let unpinned = unpinnedRequires(system.requires, "", request.interpreter, request.arch);
  for (const candidate of [own, BUILD_LOCK]) {
    const path = join23(request.project, candidate);
    if (!existsSync16(path)) continue;
    const missing = unpinnedRequires(system.requires, readText(path, request.project), request.interpreter, request.arch);
    if (candidate === own && missing.length > 0) {
      throw new BuildFailure(`${candidate} does not pin ${missing.join(", ")}, which ${request.name}'s sdist needs to build (its [build-system] requires ${system.requires.join(", ")}); add them to the .in file it is compiled from and compile it again with pip-compile --generate-hashes --allow-unsafe`);
    }
    if (missing.length === 0) return { lock: candidate, unpinned: [] };
    if (candidate === BUILD_LOCK) unpinned = missing;
  }
  return { unpinned };
}
async function builder(request, lock, work, log) {
  if (lock) {
    const python = await pythonVenv(request.python, join23(request.project, lock), log);
    return { python, args: [...await pipInVenv(python, request.python), "wheel", "--no-build-isolation", "--no-index"] };
  }
  const venv = join23(work, "venv");
  const created = await run(request.python, ["-I", "-m", "venv", "--without-pip", venv]);
  if (created.exitCode !== 0) throw new BuildFailure(`could not create a virtual environment with ${request.python}: ${lastLine(created.stderr)}`);
  const pip = request.lockedPip ?? await bundledPip(request.python);
  return { python: join23(venv, "bin", "python"), args: [`${pip}/pip`, "wheel", ...request.indexArgs] };
}
async function buildFromSdist(request, log) {
  const work = join23(request.dir, `.sdist-${request.name}`);
  rmSync6(work, { recursive: true, force: true });
  mkdirSync8(work, { recursive: true });
  try {
    const system = buildSystem(await pythonJson(request.python, READ_PYPROJECT, request.sdist));
    const { lock, unpinned } = chooseBuildLock(request, system);
    log.info(`${request.name} ${request.version}: building from its sdist (${request.reason}) with ${system.backend}${lock ? `, pinned by ${lock}` : ", resolved by pip's build isolation"}`);
    const wheelDir = join23(work, "wheel");
    const using = await builder(request, lock, work, log);
    const built = await run(using.python, [
      ...using.args,
      "--use-pep517",
      "--no-deps",
      "--no-cache-dir",
      "--disable-pip-version-check",
      "--no-input",
      "--wheel-dir",
      wheelDir,
      request.sdist
    ], { env: venvEnv(pipNetworkEnv({ ...process.env, SOURCE_DATE_EPOCH: String(request.epoch) })) });
    if (built.exitCode !== 0) throw new BuildFailure(failureMessage(request, system, lock, `${built.stdout}
${built.stderr}`));
    const wheel = readdirSync10(wheelDir).find((f) => f.endsWith(".whl")) ?? "";
    if (!WHEEL_FILE.test(wheel)) throw new BuildFailure(`${request.name}: building its sdist produced no wheel with a plain file name`);
    if (!isSound(wheel, await hostGlibc(request.python), request.distro, request.arch, hostArch())) {
      throw new BuildFailure(`${request.name} has no wheel for ${request.distro.key} ${request.arch}, and its sdist builds compiled code (${wheel}) against this machine's newer glibc, which would not run on ${request.distro.key}: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow)`);
    }
    const generator = generatorOf(await pythonJson(request.python, READ_WHEEL_FILE, join23(wheelDir, wheel)) ?? "");
    const data = readFileSync9(join23(wheelDir, wheel));
    renameSync4(join23(wheelDir, wheel), join23(request.dir, wheel));
    return {
      name: request.name,
      version: request.version,
      sdist: basename9(request.sdist),
      sdistSha256: request.sdistSha256,
      wheel,
      sha256: createHash6("sha256").update(data).digest("hex"),
      backend: system.backend,
      reason: request.reason,
      ...generator ? { generator } : {},
      ...lock ? { pinnedBy: lock } : { unpinned }
    };
  } finally {
    rmSync6(work, { recursive: true, force: true });
  }
}
function failureMessage(request, system, lock, output) {
  const said = redact(failureLines(output).join(" | ") || "pip gave no reason");
  const what = `${request.name} ${request.version}: building its sdist with ${system.backend} failed: ${said}`;
  if (needsSystemTools(output)) {
    return `${what}; it needs a compiler, build tool or system library this machine lacks: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow) with them installed`;
  }
  return lock ? `${what}; the build requirements pinned by ${lock} do not build it: pin the versions its [build-system] needs and compile ${lock} again` : system.requires.length === 0 ? `${what}; pin a version of ${request.name} that builds` : `${what}; pin a version of ${request.name} that builds, or pin its build requirements (${system.requires.join(", ")}) in ${PACKAGE_BUILD_LOCKS}/${normalizeName(request.name)}.lock (pip-compile --generate-hashes --allow-unsafe)`;
}
var PACKAGE_BUILD_LOCKS, READ_PYPROJECT, READ_WHEEL_FILE;
var init_source_build = __esm({
  "src/rpm/source-build.ts"() {
    "use strict";
    init_values();
    init_distros();
    init_files();
    init_pep508();
    init_redact();
    init_index_access();
    init_process();
    init_venv();
    init_app_wheel();
    init_errors();
    init_sdist_backend();
    init_sdist_failure();
    PACKAGE_BUILD_LOCKS = "build-locks";
    READ_PYPROJECT = `
import json, sys, tarfile, zipfile
path, text = sys.argv[1], None
top = lambda n: n[2:] if n.startswith("./") else n
wanted = lambda n: top(n).count("/") == 1 and top(n).endswith("/pyproject.toml")
if path.endswith(".zip"):
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            if wanted(i.filename) and i.file_size <= 1048576:
                text = z.read(i).decode("utf-8", "replace"); break
else:
    with tarfile.open(path) as t:
        for m in t:
            if m.isfile() and wanted(m.name):
                if m.size <= 1048576: text = t.extractfile(m).read().decode("utf-8", "replace")
                break
print(json.dumps(text))
`;
    READ_WHEEL_FILE = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/WHEEL")]
    print(json.dumps(z.read(names[0]).decode("utf-8", "replace")[:4096] if names else None))
`;
  }
});

// src/rpm/index-page.ts
function parseIndexPage(body, contentType, pageUrl) {
  return /application\/vnd\.pypi\.simple\.v1\+json/i.test(contentType) ? parseJsonPage(body, pageUrl) : parseHtmlPage(body, pageUrl);
}
function parseJsonPage(body, pageUrl) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const files = parsed.files;
  if (!Array.isArray(files)) return [];
  const links = [];
  for (const entry of files) {
    if (typeof entry?.url !== "string") continue;
    const hashes = entry.hashes;
    const sha256 = typeof hashes?.sha256 === "string" ? hashes.sha256.toLowerCase() : void 0;
    const link = linkOf(entry.url, pageUrl, typeof entry.filename === "string" ? entry.filename : void 0, sha256);
    if (link) links.push(link);
  }
  return links;
}
function parseHtmlPage(body, pageUrl) {
  const baseHref = /<base\b[^>]*\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(body);
  const base = baseHref ? resolve3(unescapeHtml(baseHref[2] ?? baseHref[3] ?? baseHref[4] ?? ""), pageUrl) ?? pageUrl : pageUrl;
  const links = [];
  for (const anchor of body.matchAll(/<a\b([^>]*)>/gi)) {
    const href = /\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(anchor[1] ?? "");
    if (!href) continue;
    const link = linkOf(unescapeHtml(href[2] ?? href[3] ?? href[4] ?? ""), base, void 0, void 0);
    if (link) links.push(link);
  }
  return links;
}
function linkOf(href, base, filename, sha256) {
  const absolute = resolve3(href, base);
  if (!absolute) return void 0;
  const url2 = new URL(absolute);
  const fragment = /(?:^#|&)sha256=([0-9a-fA-F]{64})(?:&|$)/.exec(url2.hash);
  const digest = sha256 ?? fragment?.[1]?.toLowerCase();
  url2.hash = "";
  let file = filename;
  if (file === void 0) {
    try {
      file = decodeURIComponent(url2.pathname.split("/").pop() ?? "");
    } catch {
      return void 0;
    }
  }
  if (!file) return void 0;
  return { file, url: url2.href, ...digest && SHA2563.test(digest) ? { sha256: digest } : {} };
}
function resolve3(href, base) {
  try {
    return new URL(href, base).href;
  } catch {
    return void 0;
  }
}
function unescapeHtml(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos|#39);/g, (_all, entity) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[entity] ?? "";
  });
}
var SIMPLE_ACCEPT, SHA2563;
var init_index_page = __esm({
  "src/rpm/index-page.ts"() {
    "use strict";
    SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
    SHA2563 = /^[0-9a-f]{64}$/;
  }
});

// src/rpm/wheel-tags.ts
function parseWheelName(file) {
  const m = WHEEL.exec(file);
  if (!m) return void 0;
  const [, name = "", version = "", py = "", abi = "", plat = ""] = m;
  const tags = [];
  for (const p of py.split(".")) for (const a of abi.split(".")) for (const t of plat.split(".")) tags.push([p, a, t]);
  return { name, version, tags };
}
function supportedTags(interpreter, distro2, arch) {
  const minor = Number(interpreter.split(".")[1]);
  const cp = `cp3${minor}`;
  const platforms = manylinuxTags(distro2.glibc, arch);
  const tags = /* @__PURE__ */ new Set();
  const across = (python, abi) => platforms.forEach((plat) => tags.add(`${python}-${abi}-${plat}`));
  across(cp, cp);
  across(cp, "abi3");
  across(cp, "none");
  for (let m = minor - 1; m >= 2; m--) across(`cp3${m}`, "abi3");
  const generic = [`py3${minor}`, "py3", ...Array.from({ length: minor }, (_, i) => `py3${minor - 1 - i}`)];
  for (const python of generic) across(python, "none");
  tags.add(`${cp}-none-any`);
  for (const python of generic) tags.add(`${python}-none-any`);
  return tags;
}
function wheelRank(file, supported) {
  const wheel = parseWheelName(file);
  if (!wheel) return Infinity;
  let rank = Infinity;
  let i = 0;
  const wanted = new Set(wheel.tags.map(([p, a, t]) => `${p}-${a}-${t}`));
  for (const tag2 of supported) {
    if (wanted.has(tag2)) {
      rank = i;
      break;
    }
    i++;
  }
  return rank;
}
function wheelFits(file, pin, supported) {
  const wheel = parseWheelName(file);
  if (!wheel || normalizeName(wheel.name) !== normalizeName(pin.name) || !sameVersion(wheel.version, pin.version)) return false;
  return wheel.tags.some(([p, a, t]) => supported.has(`${p}-${a}-${t}`));
}
function sdistFits(file, pin) {
  const m = /^(.+)-([^-]+)\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz)$/.exec(file);
  return m !== null && normalizeName(m[1] ?? "") === normalizeName(pin.name) && sameVersion(m[2] ?? "", pin.version);
}
function sameVersion(file, pin) {
  return file === pin || satisfies(file, [{ operator: "==", version: pin }]);
}
var WHEEL;
var init_wheel_tags = __esm({
  "src/rpm/wheel-tags.ts"() {
    "use strict";
    init_distros();
    init_pep508();
    init_versions();
    WHEEL = /^([A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/;
  }
});

// src/rpm/index-fetch.ts
import { copyFileSync as copyFileSync5, mkdirSync as mkdirSync9, readdirSync as readdirSync11, renameSync as renameSync5, rmSync as rmSync7, statSync as statSync9 } from "node:fs";
import { basename as basename10, join as join24 } from "node:path";
import { fileURLToPath as fileURLToPath2 } from "node:url";
function hashRefusal(pkg) {
  return `hash verification failed for ${pkg.name}: the index served a file whose sha256 is not in the lock (charter \xA713); investigate the upstream change, then regenerate the lock`;
}
function shown2(address) {
  try {
    const { url: url2 } = withoutCredentials(address);
    return redact(`${url2.protocol}//${url2.host}${url2.pathname}`);
  } catch {
    return redact(address);
  }
}
function networkFailure(error, what) {
  if (error instanceof LeaveToPip) return error;
  return new BuildFailure(`${what} (${redact(error.message)}): fix the index or the network, then build again`);
}
async function retried(attempt, again) {
  for (let i = 0; ; i++) {
    try {
      const answer = await attempt();
      if (i < RETRIES2 && again(answer)) {
        await pause(i);
        continue;
      }
      return answer;
    } catch (error) {
      if (error instanceof HttpFailure && error.code && TLS_CODES.test(error.code)) throw new LeaveToPip(error.code);
      if (i >= RETRIES2 || !(error instanceof HttpFailure)) throw error;
      await pause(i);
    }
  }
}
async function pool(items, limit, work) {
  const errors = new Array(items.length).fill(void 0);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await work(items[i]);
      } catch (error) {
        errors[i] = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return errors;
}
var CONCURRENCY, RETRIES2, RETRY_STATUS, TLS_CODES, LeaveToPip, IndexReader, pause;
var init_index_fetch = __esm({
  "src/rpm/index-fetch.ts"() {
    "use strict";
    init_errors();
    init_index_page();
    init_wheel_tags();
    init_pep508();
    init_redact();
    init_blob_store();
    init_http();
    CONCURRENCY = 6;
    RETRIES2 = 2;
    RETRY_STATUS = /* @__PURE__ */ new Set([500, 502, 503, 504, 520, 527]);
    TLS_CODES = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;
    LeaveToPip = class extends Error {
      name = "LeaveToPip";
    };
    IndexReader = class {
      constructor(sources2, timeoutS) {
        this.sources = sources2;
        this.timeoutMs = timeoutS * 1e3;
      }
      sources;
      pages = /* @__PURE__ */ new Map();
      timeoutMs;
      /**
       * Fetches each package's file into `dir`; returns what was fetched, and the packages
       * without any file of the wanted kind (a wheel that fits, or an sdist). Refuses an index
       * that failed when nothing was found elsewhere, and any file whose digest the lock does not allow.
       */
      async fetch(packages, sdist, supported, dir) {
        const staging = join24(dir, `.download-${sdist ? "sdist" : "wheel"}`);
        mkdirSync9(staging, { recursive: true });
        const fetched = [];
        const none = [];
        try {
          const errors = await pool(packages, CONCURRENCY, async (pkg) => {
            const { candidates, failures } = await this.listing(pkg.name);
            const fits = candidates.filter((c) => (sdist ? sdistFits(c.file, pkg) : wheelFits(c.file, pkg, supported)) && DISTRIBUTION_FILE.test(c.file));
            if (fits.length === 0) {
              if (failures.length > 0) throw new BuildFailure(`${failures[0]}: fix the index or the network, then build again`);
              none.push(pkg);
              return;
            }
            await Promise.all(fits.filter((c) => c.path && !c.sha256).map(async (c) => {
              c.sha256 = await sha256File(c.path ?? "");
            }));
            const ranked = sdist ? fits : fits.map((c, i) => ({ c, i, rank: wheelRank(c.file, supported) })).sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.c);
            const chosen = ranked.find((c) => c.sha256 && pkg.hashes.includes(c.sha256)) ?? ranked.find((c) => !c.sha256);
            if (!chosen) throw new BuildFailure(hashRefusal(pkg));
            fetched.push(await this.download(pkg, chosen, staging, dir));
          });
          const first = errors.find((e) => e !== void 0);
          if (first) throw first;
        } finally {
          rmSync7(staging, { recursive: true, force: true });
        }
        return { fetched, none };
      }
      async download(pkg, c, staging, dir) {
        const part = join24(staging, `${c.file}.part`);
        let digest;
        if (c.path) {
          copyFileSync5(c.path, part);
          digest = await sha256File(part);
        } else {
          const url2 = c.url ?? "";
          const answer = await retried(() => downloadUrl(url2, part, { timeoutMs: this.timeoutMs, ...this.tls, ...c.credentials ? { credentials: c.credentials } : {} }), (a) => RETRY_STATUS.has(a.status)).catch((error) => {
            throw networkFailure(error, `fetching ${c.file} from ${shown2(url2)} failed`);
          });
          if (answer.status < 200 || answer.status >= 300) throw new BuildFailure(`the package index answered HTTP ${answer.status} for ${shown2(url2)}: fix the index or the network, then build again`);
          digest = answer.sha256;
        }
        if (!pkg.hashes.includes(digest)) {
          rmSync7(part, { force: true });
          throw new BuildFailure(hashRefusal(pkg));
        }
        const path = join24(dir, c.file);
        renameSync5(part, path);
        return { pkg, file: c.file, digest, path };
      }
      get tls() {
        return this.sources.ca ? { ca: this.sources.ca } : {};
      }
      /** Every file of the project on every index and find-links location, find-links first as pip lists them. */
      listing(name) {
        const key = normalizeName(name);
        let listing = this.pages.get(key);
        if (!listing) {
          listing = Promise.all([
            ...this.sources.findLinks.map((f) => this.findLinks(f)),
            ...this.sources.indexes.map((index) => this.page(`${index.replace(/\/+$/, "")}/${key}/`, SIMPLE_ACCEPT))
          ]).then((all) => ({ candidates: all.flatMap((l) => l.candidates), failures: all.flatMap((l) => l.failures) }));
          this.pages.set(key, listing);
        }
        return listing;
      }
      async page(address, accept) {
        const { credentials } = withoutCredentials(address);
        try {
          const answer = await retried(() => fetchUrl(address, { timeoutMs: this.timeoutMs, accept, ...this.tls }), (a) => RETRY_STATUS.has(a.status));
          if (answer.status === 404) return { candidates: [], failures: [] };
          if (answer.status !== 200) return { candidates: [], failures: [`the package index answered HTTP ${answer.status} for ${shown2(address)}`] };
          const links = parseIndexPage(answer.body.toString("utf8"), answer.contentType, answer.url);
          return { candidates: links.map((l) => ({ file: l.file, url: l.url, ...l.sha256 ? { sha256: l.sha256 } : {}, ...credentials ? { credentials } : {} })), failures: [] };
        } catch (error) {
          if (error instanceof LeaveToPip) throw error;
          return { candidates: [], failures: [`the package index cannot be reached at ${shown2(address)} (${redact(error.message)})`] };
        }
      }
      async findLinks(location) {
        if (/^https?:/i.test(location)) return this.page(location, "text/html");
        const path = location.startsWith("file:") ? fileURLToPath2(location) : location;
        try {
          if (!statSync9(path).isDirectory()) return { candidates: [{ file: basename10(path), path }], failures: [] };
          return { candidates: readdirSync11(path).sort().map((file) => ({ file, path: join24(path, file) })), failures: [] };
        } catch {
          return { candidates: [], failures: [] };
        }
      }
    };
    pause = (attempt) => new Promise((resolve5) => setTimeout(resolve5, 250 * 2 ** attempt));
  }
});

// src/rpm/wheelhouse.ts
import { mkdirSync as mkdirSync10, readdirSync as readdirSync12, readFileSync as readFileSync10, renameSync as renameSync6, rmSync as rmSync8, statSync as statSync10, writeFileSync as writeFileSync10 } from "node:fs";
import { join as join25 } from "node:path";
function platformOptions(interpreter, distro2, arch) {
  const abi = `cp${interpreter.replace(".", "")}`;
  return [
    "--only-binary=:all:",
    "--implementation",
    "cp",
    "--python-version",
    interpreter,
    "--abi",
    abi,
    "--abi",
    "abi3",
    "--abi",
    "none",
    ...manylinuxTags(distro2.glibc, arch).flatMap((tag2) => ["--platform", tag2])
  ];
}
function storeLimit(env = process.env) {
  const mb = Number(env.PHOREUS_RPM_CACHE_MAX_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 10240) * 1024 * 1024;
}
function readChoices(file) {
  try {
    const parsed = JSON.parse(readFileSync10(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e) => typeof e[1] === "string"));
  } catch {
    return {};
  }
}
function writeChoices(file, update) {
  mkdirSync10(join25(file, ".."), { recursive: true });
  const merged = { ...readChoices(file), ...update };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync10(temp, `${JSON.stringify(merged, null, 1)}
`);
  renameSync6(temp, file);
}
async function fetchWheelhouse(request, log) {
  mkdirSync10(request.dir, { recursive: true });
  const fetch = new WheelhouseFetch(request, log);
  const fromSource = new Map([...request.forceSource].map(([name, reason2]) => [normalizeName(name), `forceSource: ${reason2}`]));
  const fromIndex = request.packages.filter((p) => !fromSource.has(normalizeName(p.name)));
  const missing = [];
  for (const p of fromIndex) if (!await fetch.fromStore(p, false)) missing.push(p);
  if (missing.length < fromIndex.length) log.info(`${fromIndex.length - missing.length} of ${fromIndex.length} wheels from the cache (each hashed against the lock)`);
  if (missing.length > 0) {
    log.info(`Fetching ${missing.length} locked packages for cp${request.interpreter.replace(".", "")} on ${request.distro.key} (glibc ${request.distro.glibc.join(".")}) ${request.arch}`);
    await fetch.download(missing, false, fromSource);
  }
  const needSdist = request.packages.filter((p) => fromSource.has(normalizeName(p.name)));
  const sdistsMissing = [];
  for (const p of needSdist) if (!await fetch.fromStore(p, true)) sdistsMissing.push(p);
  if (sdistsMissing.length > 0) await fetch.download(sdistsMissing, true, /* @__PURE__ */ new Map());
  const built = /* @__PURE__ */ new Map();
  const lockedPip = fetch.files.get("pip");
  for (const [name, reason2] of fromSource) {
    const sdist = fetch.sdists.get(name);
    const pkg = request.packages.find((p) => normalizeName(p.name) === name);
    if (!sdist || !pkg) continue;
    built.set(name, await buildFromSdist({
      python: request.python,
      interpreter: request.interpreter,
      name: pkg.name,
      version: pkg.version,
      sdist: join25(request.dir, sdist),
      sdistSha256: await sha256File(join25(request.dir, sdist)),
      dir: request.dir,
      project: request.project,
      distro: request.distro,
      arch: request.arch,
      indexArgs: pipIndexArgs(request),
      epoch: request.epoch,
      reason: reason2,
      ...lockedPip && /^pip-[^-]+-py3-none-any\.whl$/.test(lockedPip) ? { lockedPip: join25(request.dir, lockedPip) } : {}
    }, log));
  }
  for (const [name, b] of built) fetch.files.set(name, b.wheel);
  const unmatched = request.packages.filter((p) => !fetch.files.has(normalizeName(p.name)));
  if (unmatched.length > 0) throw new BuildFailure(`no file for ${unmatched.map((p) => `${p.name}==${p.version}`).join(", ")} matches the lock's hashes; regenerate the lock with pip-compile --generate-hashes`);
  const { fromCache } = fetch.finish();
  let bytes = 0;
  [...fetch.files.values()].sort().forEach((file, i) => {
    bytes += statSync10(join25(request.dir, file)).size;
    log.info(`wheel ${i + 1} of ${fetch.files.size}: ${file}`);
  });
  log.info(`${fromCache ? "Wheelhouse from the cache, the package index not contacted" : "Fetched the wheelhouse"}: ${fetch.files.size} wheels, ${(bytes / 1048576).toFixed(1)} MiB${built.size ? `, ${built.size} built from sdists` : ""}`);
  const installLock = withExtraHashes(request.lockText, new Map([...built].map(([name, b]) => [name, b.sha256])));
  return { dir: request.dir, files: fetch.files, fromCache: fromCache && built.size === 0, built, installLock };
}
function firstError(stderr) {
  return stderr.split("\n").find((l) => l.startsWith("ERROR:"))?.slice(7).trim() ?? stderr.trim().split("\n").pop() ?? "";
}
function noFileAdvice(name, request) {
  return `${name} has no wheel for CPython ${request.interpreter} on ${request.distro.key} ${request.arch} (glibc ${request.distro.glibc.join(".")}) and no sdist with a locked hash: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow), or pin a version that publishes a compatible wheel`;
}
function downloadError(stderr, request) {
  const missing = missingPackage(stderr);
  if (missing) return noFileAdvice(missing, request);
  if (/THESE PACKAGES DO NOT MATCH THE HASHES/.test(stderr)) {
    const pkg = /^\s+([A-Za-z0-9._-]+)==\S+ from /m.exec(stderr)?.[1] ?? "a package";
    return `hash verification failed for ${pkg}: the index served a file whose sha256 is not in the lock (charter \xA713); investigate the upstream change, then regenerate the lock`;
  }
  return `fetching the wheelhouse failed: ${redact(firstError(stderr) || "pip download failed")}`;
}
var choicesFile, choiceKey, WheelhouseFetch;
var init_wheelhouse = __esm({
  "src/rpm/wheelhouse.ts"() {
    "use strict";
    init_errors();
    init_distros();
    init_blocks();
    init_pep508();
    init_redact();
    init_blob_store();
    init_cache_dir();
    init_index_access();
    init_pip_sources();
    init_process();
    init_index_fetch();
    init_source_build();
    init_wheel_tags();
    choicesFile = (request) => join25(cacheRoot(), "choices", `${request.arch}-${request.distro.key}-py${request.interpreter}.json`);
    choiceKey = (p, sdist) => `${sdist ? "sdist:" : ""}${normalizeName(p.name)}==${p.version}`;
    WheelhouseFetch = class {
      constructor(request, log) {
        this.request = request;
        this.log = log;
        this.supported = supportedTags(request.interpreter, request.distro, request.arch);
        this.choices = readChoices(choicesFile(request));
      }
      request;
      log;
      store = new BlobStore(join25(cacheRoot(), "blobs"));
      supported;
      choices;
      chosen = {};
      used = /* @__PURE__ */ new Set();
      files = /* @__PURE__ */ new Map();
      sdists = /* @__PURE__ */ new Map();
      contacted = false;
      /** Takes a package's earlier choice from the store, checked end to end; false when it cannot be used. */
      async fromStore(p, sdist) {
        const digest = this.choices[choiceKey(p, sdist)];
        if (!digest || !p.hashes.includes(digest)) return false;
        const placed = await this.store.place(digest, this.request.dir);
        if (!placed) return false;
        if (sdist ? !sdistFits(placed.name, p) : !wheelFits(placed.name, p, this.supported)) {
          rmSync8(placed.path, { force: true });
          return false;
        }
        this.keep(p, sdist, digest, placed.name);
        return true;
      }
      keep(p, sdist, digest, file) {
        this.used.add(digest);
        this.chosen[choiceKey(p, sdist)] = digest;
        (sdist ? this.sdists : this.files).set(normalizeName(p.name), file);
      }
      /**
       * Fetches the packages' files, straight from the indexes pip would read, or through pip when
       * its configuration says more than the tool reads. Packages without a compatible wheel go
       * to `noWheel`; a package without a locked sdist is refused.
       */
      async download(packages, sdist, noWheel) {
        const r = this.request;
        const wanted = packages.filter((p) => !noWheel.has(normalizeName(p.name)));
        if (wanted.length === 0) return;
        this.contacted = true;
        const reader = this.reader();
        if ("pipOnly" in reader) {
          this.log.info(`Fetching through pip: ${reader.pipOnly}`);
          return this.downloadWithPip(wanted, sdist, noWheel);
        }
        try {
          const { fetched, none } = await reader.fetch(wanted, sdist, this.supported, r.dir);
          for (const f of fetched) {
            await this.store.add(f.path, f.digest);
            this.keep(f.pkg, sdist, f.digest, f.file);
          }
          const [first] = none;
          if (first && sdist) throw new BuildFailure(noFileAdvice(first.name, r));
          for (const p of none) noWheel.set(normalizeName(p.name), `no wheel for ${r.distro.key} ${r.arch}`);
        } catch (error) {
          if (!(error instanceof LeaveToPip)) throw error;
          this.direct = { pipOnly: `the index's certificate (${error.message}) is left to pip's trust store` };
          this.log.info(`Fetching through pip: ${this.direct.pipOnly}`);
          await this.downloadWithPip(wanted, sdist, noWheel);
        }
      }
      direct;
      reader() {
        if (!this.direct) {
          const r = this.request;
          const sources2 = pipSources(r, r.lockText, r.python);
          this.direct = "pipOnly" in sources2 ? sources2 : new IndexReader(sources2, indexTimeout());
        }
        return this.direct;
      }
      /** pip download into a staging directory, keeping each file whose digest the lock allows; pip stops at the first package without a compatible wheel. */
      async downloadWithPip(packages, sdist, noWheel) {
        const r = this.request;
        let wanted = packages.filter((p) => !noWheel.has(normalizeName(p.name)) && !(sdist ? this.sdists : this.files).has(normalizeName(p.name)));
        while (wanted.length > 0) {
          const staging = join25(r.dir, `.download-${sdist ? "sdist" : "wheel"}`);
          rmSync8(staging, { recursive: true, force: true });
          mkdirSync10(staging, { recursive: true });
          const lockFile = join25(r.dir, ".requirements.lock");
          writeFileSync10(lockFile, lockSubset(r.lockText, new Set(wanted.map((p) => normalizeName(p.name)))));
          const result = await run(r.python, [
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--require-hashes",
            "--progress-bar",
            "off",
            "--disable-pip-version-check",
            "--no-input",
            "--dest",
            staging,
            ...sdist ? [`--no-binary=${wanted.map((p) => normalizeName(p.name)).join(",")}`] : platformOptions(r.interpreter, r.distro, r.arch),
            ...pipIndexArgs(r),
            "-r",
            lockFile
          ]);
          rmSync8(lockFile, { force: true });
          await this.keepDownloads(staging, wanted, sdist);
          rmSync8(staging, { recursive: true, force: true });
          if (result.exitCode === 0) break;
          const missing = missingPackage(result.stderr);
          const index = missing ? await failingIndex(missing, indexUrls(r)) : void 0;
          if (index) throw new BuildFailure(`${index}: fix the index or the network, then build again (pip: ${redact(firstError(result.stderr))})`);
          if (!missing || sdist || !wanted.some((p) => normalizeName(p.name) === normalizeName(missing))) throw new BuildFailure(downloadError(result.stderr, r));
          noWheel.set(normalizeName(missing), `no wheel for ${r.distro.key} ${r.arch}`);
          wanted = wanted.filter((p) => !noWheel.has(normalizeName(p.name)) && !this.files.has(normalizeName(p.name)));
        }
      }
      async keepDownloads(staging, wanted, sdist) {
        for (const file of readdirSync12(staging)) {
          const path = join25(staging, file);
          if (!statSync10(path).isFile()) continue;
          const digest = await sha256File(path);
          const pkg = wanted.find((p) => p.hashes.includes(digest));
          const fits = pkg && (sdist ? sdistFits(file, pkg) : wheelFits(file, pkg, this.supported));
          if (!pkg || !fits) {
            throw new BuildFailure(`pip downloaded ${file}, whose sha256 ${digest.slice(0, 16)}\u2026 the lock does not allow for a package it names (charter \xA713); investigate the index, then regenerate the lock`);
          }
          await this.store.add(path, digest);
          const placed = await this.store.place(digest, this.request.dir);
          if (!placed) throw new BuildFailure(`the wheelhouse cache in ${cacheRoot()} could not keep ${file}; check its disk space and permissions`);
          this.keep(pkg, sdist, digest, placed.name);
        }
      }
      finish() {
        writeChoices(choicesFile(this.request), this.chosen);
        const { removed } = this.store.evict(storeLimit(), this.used);
        if (removed > 0) this.log.info(`Wheelhouse cache: removed ${removed} least recently used file(s) to stay under ${Math.round(storeLimit() / 1048576)} MiB`);
        return { fromCache: !this.contacted };
      }
    };
  }
});

// src/pipeline/steps.ts
import { existsSync as existsSync17 } from "node:fs";
import { join as join26 } from "node:path";
function lineOfPin(lock, name) {
  return requirementEntries(lock).find((e) => e.requirement && normalizeName(e.requirement.name) === normalizeName(name))?.line ?? 1;
}
var Build;
var init_steps = __esm({
  "src/pipeline/steps.ts"() {
    "use strict";
    init_audit();
    init_identity();
    init_verify();
    init_errors();
    init_files();
    init_finding();
    init_layout();
    init_redact();
    init_waivers();
    init_identity2();
    init_published_repo();
    init_sign();
    init_blocks();
    init_parse2();
    init_pep508();
    init_app_wheel();
    init_package2();
    init_source_build();
    init_wheelhouse();
    init_gpg();
    init_lifecycle();
    Build = class {
      constructor(options, services, log, distro2, arch) {
        this.options = options;
        this.services = services;
        this.log = log;
        this.distro = distro2;
        this.arch = arch;
      }
      options;
      services;
      log;
      distro;
      arch;
      timings = {};
      findings = [];
      secrets = [];
      interpreter = "";
      skipped = [];
      sourceBuilds = [];
      smokeTest;
      payload;
      lockName = "requirements.lock";
      work = scratchDir("phoreus-build-");
      cleanup() {
        removeScratch(this.work);
      }
      /** The findings so far, in their stable order. */
      sortedFindings() {
        return sortFindings(this.findings);
      }
      /**
       * The release key is tried before anything is built, so that a wrong key or passphrase stops
       * the build at once, and then put away: no keyring exists while the project's and the locked
       * packages' code runs (build backends, sdists, rpmbuild), only while signing.
       */
      async tryKey() {
        const signing = this.options.signing;
        if (signing) await closeKeyring(await openKeyring(signing.key, signing.passphrase, signing.source, this.log));
      }
      async sign(files) {
        const signing = this.options.signing;
        if (!signing) return;
        const keyring = await openKeyring(signing.key, signing.passphrase, signing.source, this.log);
        try {
          await signPackages(keyring, files, this.log);
        } finally {
          await closeKeyring(keyring);
        }
      }
      async timed(phase, body) {
        const start = performance.now();
        try {
          return await this.log.group(phase, body);
        } finally {
          this.timings[phase] = Math.round(performance.now() - start) / 1e3;
        }
      }
      get indexOptions() {
        return { extraIndexUrls: this.options.extraIndexUrls, findLinks: this.options.findLinks, ...this.options.indexUrl ? { indexUrl: this.options.indexUrl } : {} };
      }
      /** Step 1: the lockfile rules, offline; an error stops the build before anything is built. */
      async verify() {
        const version = resolveVersion({ ...this.options.version ? { version: this.options.version } : {}, ...this.options.refName ? { refName: this.options.refName } : {} });
        const result = await this.timed("Verify the lock", () => verify({ ...this.options, offline: true, ...version ? { version } : {} }, this.log, this.arch));
        this.findings.push(...result.findings);
        this.secrets = result.secrets;
        this.interpreter = result.interpreter;
        this.lockName = result.lock;
        return result;
      }
      /**
       * Step 2: everything the build takes from the package index — every locked file but the
       * skipped ones, for the target's glibc, ABI and arch, and the application's locked build
       * backend — then kept in the store, if there is one, right away.
       */
      async fetch(python, lock, packages, platform, epoch) {
        const lockText = lock.text;
        const scope = { interpreter: this.interpreter, distro: this.distro.key, arch: this.arch, lockText: `${lockText}\0${this.buildLockText()}` };
        await this.services.store?.restore(scope);
        return this.timed("Fetch the wheelhouse", async () => {
          const wheelhouse = await fetchWheelhouse({
            python,
            interpreter: this.interpreter,
            distro: this.distro,
            arch: this.arch,
            epoch,
            ...this.indexOptions,
            lockText: withoutRequirements(lockText, new Set(platform.skip.keys())),
            packages: packages.filter((p) => !platform.skip.has(normalizeName(p.name))),
            forceSource: platform.forceSource,
            dir: join26(this.work, "wheelhouse"),
            project: this.options.project
          }, this.log);
          this.sourceBuilds = [...wheelhouse.built.values()].sort((a, b) => a.name.localeCompare(b.name));
          for (const b of this.sourceBuilds) {
            if (b.pinnedBy || !b.unpinned?.length) continue;
            this.findings.push(finding("PH116", this.lockName, lineOfPin(lock.file, b.name), `${b.name} ${b.version} was built from its sdist with ${b.generator ?? b.backend}, which pip's build isolation resolved from the index at build time (unpinned: ${b.unpinned.join(", ")}); pin them in ${PACKAGE_BUILD_LOCKS}/${normalizeName(b.name)}.lock (pip-compile --generate-hashes --allow-unsafe) or in ${BUILD_LOCK}`));
          }
          const builder2 = isApplicationProject(this.options.project) ? await lockedBuilder(this.options.project, python, this.log) : void 0;
          await this.services.store?.save(scope);
          return { wheelhouse, ...builder2 ? { builder: builder2 } : {} };
        });
      }
      buildLockText() {
        const path = join26(this.options.project, BUILD_LOCK);
        return existsSync17(path) ? readText(path, this.options.project) : "";
      }
      /** Step 3: the application wheel, when the project is an application and not only a lock. */
      async appWheel(python, builder2, epoch) {
        if (!isApplicationProject(this.options.project)) {
          this.log.info("No pyproject.toml or setup.py: the project is a lock of a third-party tool, nothing to build");
          return void 0;
        }
        return this.timed("Build the application wheel", async () => {
          const wheel = await buildAppWheel(this.options.project, python, builder2, join26(this.work, "app"), epoch, this.log, this.indexOptions);
          if (!builder2) {
            this.findings.push(finding("PH114", "pyproject.toml", 1, "the build backend of the application wheel is not pinned: pip resolved it from the index at build time; add requirements-build.lock (`pip-compile --generate-hashes --allow-unsafe --output-file=requirements-build.lock` from a requirements-build.in listing the [build-system] requires)"));
          }
          return wheel;
        });
      }
      /**
       * Step 4: which tool and version this is, once the application's metadata is known: as
       * known before the build (`early`), else from the application wheel, else the lock's pin.
       */
      identity(config, early, app, packages) {
        const tool = early.tool ?? (app ? normalizeName(app.name) : void 0);
        if (!tool) throw new UsageError("the project is only a lock and names no tool: pass --tool (the action's tool input) or set tool.name in phoreus.yaml");
        const version = early.version ?? app?.version ?? packages.find((p) => normalizeName(p.name) === normalizeName(tool))?.version;
        if (!version) throw new UsageError(`no version for ${tool}: pass --version, push a v-prefixed tag, or pin ${tool} in requirements.in`);
        const unsafe = [...checkToolName(tool, { file: ".", line: 1 }), ...checkToolVersion(version, { file: ".", line: 1 })];
        if (unsafe.length > 0) {
          this.findings.push(...unsafe);
          throw new BuildFailure("the tool name or version is not safe");
        }
        return {
          tool,
          version,
          release: this.release(config),
          interpreter: this.interpreter,
          interpreterHome: expandPython(this.options.interpreterHome ?? config.policy["interpreter-home"] ?? DEFAULT_INTERPRETER_HOME, this.interpreter),
          interpreterModule: expandPython(this.options.interpreterModule ?? config.policy["interpreter-module"] ?? DEFAULT_INTERPRETER_MODULE, this.interpreter)
        };
      }
      release(config) {
        return this.options.release ?? config.tool.release ?? "1";
      }
      /**
       * PH401 (charter §11): a released version is never rebuilt in place. Checked once, as soon
       * as the name, version and release are known.
       */
      async refuseRepublication(tool, version, release) {
        const repo = this.options.publishedRepo;
        if (!repo) return;
        const name = packageName({ tool, version });
        const fullRelease = `${release}${this.distro.dist}`;
        const published = await this.timed("Check the published repository", () => publishedPackages(repo));
        const same = published.find((p) => p.name === name && p.version === version && p.release === fullRelease && (p.arch === this.arch || p.arch === "src"));
        if (!same) {
          this.log.info(`${name}-${version}-${fullRelease} is not in ${redact(repo)} yet`);
          return;
        }
        this.findings.push(finding("PH401", ".", 1, `${name}-${version}-${fullRelease}.${same.arch} is already published in ${redact(repo)}: a released version is never rebuilt in place (charter \xA711); bump the version, or the release (release input) for a rebuild of the same version`));
        throw new BuildFailure(`${name}-${version}-${fullRelease} is already published`);
      }
      /**
       * Steps 5 and 6: the RPM and SRPM, then their audit; only an RPM that passes reaches the
       * output, signed when a key is given. When the audit waives findings, the packages are
       * built again with a description that names them (known only once the RPM is audited), so
       * the RPM says what was accepted and the SRPM rebuilds to the same description.
       */
      async packageAndAudit(input, waivers) {
        const auditOf = (built2) => audit({
          rpm: built2.rpm,
          interpreter: this.interpreter,
          distro: this.distro.key,
          modulefile: built2.modulefile,
          interpreterHome: input.id.interpreterHome,
          interpreterModule: input.id.interpreterModule,
          buildPaths: [this.work, input.wheelhouse.dir, input.project],
          waiversFor: () => waivers,
          ...this.options.smokeTest ? { smokeTest: { ...this.options.smokeTest, ...this.options.python ? { python: this.options.python } : {} } } : {}
        }, this.log);
        const venv = venvPath(input.id);
        let built = await this.timed("Build the RPM and SRPM", () => buildPackages({ ...input, work: this.work, distro: this.distro, arch: this.arch }, this.log));
        let audited = await this.timed("Audit the RPM", () => auditOf(built));
        const waived = waivedLines(audited.findings, venv);
        if (waived.length > 0 && countBySeverity(audited.findings).errors === 0) {
          const description = [...input.description, ...waivedParagraphs(waived)];
          built = await this.timed("Build the RPM and SRPM naming the waived findings", () => buildPackages({ ...input, description, work: join26(this.work, "waived"), distro: this.distro, arch: this.arch }, this.log));
          audited = await this.timed("Audit the RPM again", () => auditOf(built));
          if (waivedLines(audited.findings, venv).join("\n") !== waived.join("\n")) {
            throw new BuildFailure("the second build's waived findings differ from the first's, so its description cannot name them: the build is not reproducible; look for files that change between builds");
          }
        }
        this.findings.push(...audited.findings);
        if (audited.smokeTest) this.smokeTest = audited.smokeTest;
        this.payload = { files: audited.files, bytes: audited.bytes };
        if (countBySeverity(audited.findings).errors > 0) return void 0;
        if (this.options.signing) await this.timed("Sign the RPM and SRPM", () => this.sign([built.rpm, ...built.metaRpm ? [built.metaRpm] : [], built.srpm]));
        return place(built, this.options.out, input.id);
      }
    };
  }
});

// src/pipeline/build.ts
import { join as join27 } from "node:path";
function targetArch(asked) {
  const arch = hostArch();
  if (asked && !ARCHES.includes(asked)) throw new UsageError(`arch "${asked}" is not one of ${ARCHES.join(", ")}`);
  if (asked && asked !== arch) {
    throw new UsageError(`a virtual environment cannot be cross-built: this runner is ${arch}, the target is ${asked}; run the job on an ${asked} runner (for aarch64: runs-on: ubuntu-24.04-arm)`);
  }
  return arch;
}
function stopped(run2, failure, identity2) {
  return {
    ok: false,
    findings: run2.sortedFindings(),
    secrets: run2.secrets,
    interpreter: run2.interpreter,
    distro: run2.distro.key,
    arch: run2.arch,
    wheels: 0,
    wheelhouseFromCache: false,
    skipped: run2.skipped,
    sourceBuilds: run2.sourceBuilds,
    timings: run2.timings,
    config: {},
    failure,
    ...identity2 ? { identity: identity2 } : {}
  };
}
function keepFailureLog(failure, out) {
  if (!failure.log) return failure.message;
  const path = join27(out, failure.log.name);
  writeWhole(path, outward(failure.log.text));
  return `${failure.message} (its whole output: ${path})`;
}
async function build(options, log, services = {}) {
  checkValues(options);
  const arch = targetArch(options.arch);
  const run2 = new Build(options, services, log, distro(options.distro), arch);
  try {
    const verification = await run2.verify();
    const plan = verification.plan;
    if (countBySeverity(run2.findings).errors > 0 || !plan?.platform) return stopped(run2, "the lock verification found errors");
    await run2.tryKey();
    return await buildVerified(run2, verification, { ...plan, platform: plan.platform }, options, log);
  } catch (error) {
    if (error instanceof BuildFailure) return stopped(run2, keepFailureLog(error, options.out));
    throw error;
  } finally {
    run2.cleanup();
  }
}
async function buildVerified(run2, verification, plan, options, log) {
  const { config, lock, platform } = plan;
  const interpreter = run2.interpreter;
  run2.findings.push(...skipFindings(platform, plan.loaded, interpreter));
  run2.skipped = [...platform.skip].map(([name, reason2]) => ({ name, reason: reason2 }));
  for (const { name, reason: reason2 } of run2.skipped) log.warning(`${name} is skipped on ${platform.platform}: ${reason2}`);
  const early = { tool: resolveTool(plan.identity), version: resolveVersion(plan.identity) };
  const knownEarly = Boolean(early.tool && early.version);
  if (early.tool && early.version) await run2.refuseRepublication(early.tool, early.version, run2.release(config));
  await requireTools(["rpmbuild", "rpm", "rpm2cpio", "tar"], log);
  const python = await findPython(interpreter, options.python);
  const epoch = await sourceDateEpoch(options.project);
  const packages = lockedPackages(lock.file, interpreter, run2.arch);
  const { wheelhouse, builder: builder2 } = await run2.fetch(python, lock, packages, platform, epoch);
  const app = await run2.appWheel(python, builder2, epoch);
  const id = run2.identity(config, early, app, packages);
  if (!knownEarly) await run2.refuseRepublication(id.tool, id.version, id.release);
  const made = {
    id,
    distro: run2.distro.key,
    arch: run2.arch,
    plan: platform,
    app,
    skipped: run2.skipped,
    sourceBuilds: run2.sourceBuilds,
    requirements: verification.requirements,
    lock: verification.lock
  };
  const inForce = configurationInForce(config, made, options);
  if (options.verbose) log.info(`Configuration in force:
${JSON.stringify(inForce, null, 2)}`);
  const artifacts = await run2.packageAndAudit({
    id,
    epoch,
    python,
    project: options.project,
    lockText: lock.text,
    packages,
    wheelhouse,
    app,
    meta: options.meta,
    inForce,
    ...packageTexts(config, made, packages.length),
    license: config.tool.license ?? "Unspecified",
    ...config.tool.url ? { url: config.tool.url } : {},
    copyFiles: platform.copyFiles
  }, config.waivers);
  if (!artifacts) return stopped(run2, "the audit of the built RPM found errors", id);
  return {
    ok: true,
    findings: run2.sortedFindings(),
    secrets: run2.secrets,
    interpreter,
    distro: run2.distro.key,
    arch: run2.arch,
    identity: id,
    artifacts,
    wheels: wheelhouse.files.size,
    wheelhouseFromCache: wheelhouse.fromCache,
    skipped: run2.skipped,
    sourceBuilds: run2.sourceBuilds,
    timings: run2.timings,
    config: inForce,
    ...run2.payload ? { payload: run2.payload } : {},
    ...run2.smokeTest ? { smokeTest: run2.smokeTest } : {}
  };
}
var init_build = __esm({
  "src/pipeline/build.ts"() {
    "use strict";
    init_lockfile();
    init_errors();
    init_files();
    init_finding();
    init_outward();
    init_options();
    init_distros();
    init_identity2();
    init_platform_plan();
    init_epoch();
    init_python();
    init_system();
    init_in_force();
    init_steps();
  }
});

// src/plan/matrix.ts
function buildMatrix(raw) {
  const policy = raw.policy ?? {};
  const interpreters = policy.interpreters ?? DEFAULT_SANCTIONED;
  const distros = policy.distros ?? DEFAULT_DISTROS;
  return interpreters.flatMap((interpreter) => distros.map((distro2) => ({ interpreter, distro: distro2 })));
}
function pairDirectory(entry) {
  return `${entry.distro}-py${entry.interpreter}`;
}
var DEFAULT_DISTROS;
var init_matrix = __esm({
  "src/plan/matrix.ts"() {
    "use strict";
    init_config();
    DEFAULT_DISTROS = ["el9"];
  }
});

// src/commands/audit-command.ts
import { setFlagsFromString } from "node:v8";
function auditSubject(result) {
  return {
    mode: "audit",
    project: result.rpm,
    interpreter: result.interpreter,
    package: result.name,
    ...result.tool ? { packagedTool: { name: result.tool, ...result.version ? { version: result.version } : {} } } : {},
    files: result.files,
    bytes: result.bytes,
    seconds: Number(result.seconds.toFixed(3)),
    ...result.smokeTest ? { smokeTest: result.smokeTest } : {},
    ...result.smokeSkipped ? { smokeSkipped: result.smokeSkipped } : {}
  };
}
function smokeTestLine(ran, skipped) {
  if (ran?.command) return `smoke test ${ran.passed ? "passed" : "failed"}: ${ran.what ?? "the command"}: ${ran.command}`;
  return skipped ? `smoke test not run: ${skipped}` : void 0;
}
function renderAudit(format, result) {
  if (format === "json") return renderJson(auditSubject(result), result.findings);
  if (format === "sarif") return renderSarif(result.findings, "", auditSubject(result).packagedTool);
  const line = smokeTestLine(result.smokeTest, result.smokeSkipped);
  return renderText(auditSubject(result), result.findings) + (line ? outward(`${line}
`) : "");
}
async function resolveSmokeTest(asked, defaultOn, log) {
  if (asked === false) return false;
  if (asked === true && await smokeTestUnavailable()) await provideSmokeTestTools(log);
  const unavailable = await smokeTestUnavailable();
  if (asked === true && unavailable) throw new UsageError(`the smoke test cannot run here: ${unavailable}`);
  if (unavailable) {
    if (defaultOn) log.info(`No smoke test: ${unavailable}`);
    return false;
  }
  return asked === true || defaultOn;
}
function configuredWaivers(project, config) {
  const loaded = loadConfig(project, config);
  if (!loaded) return void 0;
  const [wrong] = loaded.findings;
  if (wrong) throw new UsageError(`${wrong.file}:${wrong.line}: ${wrong.message}`);
  return (interpreter) => effectiveConfig(loaded, interpreter).waivers;
}
function spareTheDecompressor() {
  if (Number(process.versions.v8.split(".")[0]) < 12) setFlagsFromString("--no-turbofan");
}
async function runAudit(options, log) {
  spareTheDecompressor();
  await requireTools(["rpm", "rpm2cpio"], log);
  const result = await audit(options, log);
  return { result, exitCode: findingsExitStatus(result.findings) };
}
var init_audit_command = __esm({
  "src/commands/audit-command.ts"() {
    "use strict";
    init_audit();
    init_errors();
    init_config();
    init_load();
    init_formats();
    init_smoke_test();
    init_outward();
    init_system();
  }
});

// src/commands/matrix-command.ts
function matrixFor(project, config) {
  assertProjectDir(project);
  const loaded = loadConfig(project, config);
  if (loaded && loaded.findings.length > 0) {
    const first = loaded.findings[0];
    throw new UsageError(`${first?.file}:${first?.line}: ${first?.message}`);
  }
  return buildMatrix(loaded?.raw ?? {});
}
function renderMatrix(entries2) {
  return JSON.stringify({ include: entries2 });
}
var init_matrix_command = __esm({
  "src/commands/matrix-command.ts"() {
    "use strict";
    init_load();
    init_errors();
    init_matrix();
    init_project();
  }
});

// src/commands/build-command.ts
import { mkdirSync as mkdirSync11 } from "node:fs";
import { join as join28 } from "node:path";
function buildSubject(result, project) {
  return {
    mode: "build",
    project,
    interpreter: result.interpreter,
    distro: result.distro,
    arch: result.arch,
    ok: result.ok,
    ...result.failure ? { failure: result.failure } : {},
    ...result.identity ? { package: packageName(result.identity), packagedTool: { name: result.identity.tool, version: result.identity.version }, release: result.identity.release } : {},
    ...result.artifacts ? { artifacts: result.artifacts } : {},
    wheels: result.wheels,
    ...result.payload ? { payload: result.payload } : {},
    wheelhouseFromCache: result.wheelhouseFromCache,
    skipped: result.skipped,
    sourceBuilds: result.sourceBuilds,
    ...result.smokeTest ? { smokeTest: result.smokeTest } : {},
    timings: result.timings,
    config: result.config
  };
}
async function runBuild(options, log, services = {}) {
  assertProjectDir(options.project);
  const result = await build(options, log, services);
  const subject = buildSubject(result, options.project);
  mkdirSync11(options.out, { recursive: true });
  const report = join28(options.out, "build-report.json");
  writeWhole(report, renderJson(subject, result.findings));
  const lines = [renderText(subject, result.findings).trimEnd()];
  for (const b of result.sourceBuilds) lines.push(`built from its sdist: ${describeSourceBuild(b)}`);
  const smoke = smokeTestLine(result.smokeTest, void 0);
  if (smoke) lines.push(smoke);
  if (result.artifacts) {
    lines.push(`rpm: ${result.artifacts.rpm}`, `srpm: ${result.artifacts.srpm}`, `modulefile: ${result.artifacts.modulefile}`);
    if (result.artifacts.metaRpm) lines.push(`meta rpm: ${result.artifacts.metaRpm}`);
  } else {
    lines.push(`build stopped: ${result.failure ?? "see the findings"}`);
  }
  lines.push(`report: ${report}`);
  return { result, report, text: outward(`${lines.join("\n")}
`), exitCode: findingsExitStatus(result.findings, !result.ok) };
}
async function runBuildAll(options, log, services = {}) {
  const runs = [];
  for (const entry of matrixFor(options.project, options.config)) {
    const run2 = await log.group(`Build for Python ${entry.interpreter} on ${entry.distro}`, () => runBuild({ ...options, interpreter: entry.interpreter, distro: entry.distro, out: join28(options.out, pairDirectory(entry)) }, log, services));
    runs.push(run2);
  }
  const report = join28(options.out, "build-report.json");
  writeWhole(report, outward(`${JSON.stringify({ generator: GENERATOR, mode: "build --all", project: options.project, builds: runs.map((r) => ({ report: r.report, ...buildSubject(r.result, options.project), findings: r.result.findings })) }, null, 2)}
`));
  const failed = runs.filter((r) => r.exitCode !== 0);
  const text = `${runs.map((r) => r.text).join("\n")}
built ${runs.length - failed.length} of ${runs.length}; summary: ${report}
`;
  const last = runs[runs.length - 1];
  if (!last) throw new UsageError("the configuration names no (interpreter, distro) pair to build");
  return { result: last.result, report, text, exitCode: Math.max(0, ...runs.map((r) => r.exitCode)), runs };
}
var init_build_command = __esm({
  "src/commands/build-command.ts"() {
    "use strict";
    init_files();
    init_build();
    init_in_force();
    init_layout();
    init_errors();
    init_formats();
    init_outward();
    init_matrix();
    init_project();
    init_audit_command();
    init_matrix_command();
  }
});

// src/cli/signing-flags.ts
import { existsSync as existsSync18, readFileSync as readFileSync11, statSync as statSync11 } from "node:fs";
function signingFlag(flags) {
  const file = flags.string("sign-key");
  if (file === void 0) return void 0;
  const path = absolutePath(file);
  if (!existsSync18(path) || !statSync11(path).isFile()) throw new UsageError(`--sign-key ${file} does not exist or is not a file; give an ASCII-armoured OpenPGP secret key`);
  const key = readFileSync11(path, "utf8");
  const passphrase = process.env.PHOREUS_SIGN_PASSPHRASE || void 0;
  delete process.env.PHOREUS_SIGN_PASSPHRASE;
  registerSecrets(signingSecrets(key, passphrase));
  return { key, source: `the signing key ${file}`, ...passphrase ? { passphrase } : {} };
}
var SIGNING_OPTIONS;
var init_signing_flags = __esm({
  "src/cli/signing-flags.ts"() {
    "use strict";
    init_options();
    init_errors();
    init_redact();
    init_gpg();
    SIGNING_OPTIONS = {
      "sign-key": { type: "string" }
    };
  }
});

// src/cli/smoke-test-flags.ts
async function smokeTestFlag(flags, log) {
  const asked = flags.boolean("no-smoke-test") ? false : flags.boolean("smoke-test") ? true : void 0;
  const on = await resolveSmokeTest(asked, process.getuid?.() === 0, log);
  const command = flags.string("smoke-command");
  return on ? command ? { command } : {} : void 0;
}
var SMOKE_TEST_OPTIONS;
var init_smoke_test_flags = __esm({
  "src/cli/smoke-test-flags.ts"() {
    "use strict";
    init_audit_command();
    SMOKE_TEST_OPTIONS = {
      "smoke-test": { type: "boolean" },
      "no-smoke-test": { type: "boolean" },
      "smoke-command": { type: "string" }
    };
  }
});

// src/cli/build.ts
var build_exports = {};
__export(build_exports, {
  BUILD_OPTIONS: () => BUILD_OPTIONS,
  buildCommand: () => buildCommand
});
async function buildCommand(args) {
  const flags = parseFlags("build", args, BUILD_OPTIONS);
  const options = {
    ...projectOptions(flags),
    distro: flags.string("distro") ?? "el9",
    out: absolutePath(flags.string("out") ?? "out"),
    findLinks: flags.list("find-links"),
    meta: flags.boolean("meta"),
    verbose: flags.boolean("verbose"),
    ...optional("arch", flags.string("arch")),
    ...optional("release", flags.string("release")),
    ...optional("interpreterHome", flags.string("interpreter-home")),
    ...optional("interpreterModule", flags.string("interpreter-module")),
    ...optional("refName", process.env.GITHUB_REF_TYPE === "tag" || !process.env.GITHUB_REF_TYPE ? process.env.GITHUB_REF_NAME : void 0)
  };
  const signing = signingFlag(flags);
  if (signing) options.signing = signing;
  const log = streamLog((text2) => process.stderr.write(redact(text2)), flags.boolean("quiet"));
  const smoke = await smokeTestFlag(flags, log);
  if (smoke) options.smokeTest = smoke;
  const { text, exitCode } = flags.boolean("all") ? await runBuildAll(options, log) : await runBuild(options, log);
  process.stdout.write(text);
  return exitCode;
}
var BUILD_OPTIONS;
var init_build2 = __esm({
  "src/cli/build.ts"() {
    "use strict";
    init_build_command();
    init_options();
    init_log();
    init_redact();
    init_signing_flags();
    init_flags();
    init_smoke_test_flags();
    BUILD_OPTIONS = {
      ...PROJECT_OPTIONS,
      ...SMOKE_TEST_OPTIONS,
      distro: { type: "string", default: "el9" },
      arch: { type: "string" },
      release: { type: "string" },
      "find-links": { type: "string", multiple: true, default: [] },
      out: { type: "string", default: "out" },
      "interpreter-home": { type: "string" },
      "interpreter-module": { type: "string" },
      meta: { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      ...SIGNING_OPTIONS
    };
  }
});

// src/cli/audit.ts
var audit_exports = {};
__export(audit_exports, {
  AUDIT_OPTIONS: () => AUDIT_OPTIONS,
  auditCommand: () => auditCommand
});
import { dirname as dirname8 } from "node:path";
async function auditCommand(args) {
  const flags = parseFlags("audit", args, AUDIT_OPTIONS, 1);
  const [rpm] = flags.positionals;
  if (rpm === void 0) throw new UsageError(`audit needs the path of a binary RPM: ${TOOL_NAME2} audit FILE.rpm [options]`);
  const format = parseFormat(flags.string("format") ?? "text");
  const key = flags.string("key");
  if (flags.boolean("require-signature") !== (key !== void 0)) {
    throw new UsageError("--require-signature and --key PUBKEY go together: the RPM must be signed by the key in PUBKEY (ASCII-armoured, `gpg --armor --export KEYID`)");
  }
  const log = streamLog((text) => process.stderr.write(text), flags.boolean("quiet"));
  const config = flags.string("config") && absolutePath(flags.string("config") ?? "");
  const waiversFor = config ? configuredWaivers(dirname8(config), config) : void 0;
  const smoke = await smokeTestFlag(flags, log);
  const { result, exitCode } = await runAudit({
    rpm: absolutePath(rpm),
    ...smoke ? { smokeTest: { ...smoke, ...optional("python", flags.string("python")) } } : {},
    distro: flags.string("distro") ?? "el9",
    ...optional("interpreter", parseInterpreter(flags.string("interpreter"))),
    ...optional("modulefile", flags.string("modulefile") && absolutePath(flags.string("modulefile") ?? "")),
    ...optional("interpreterHome", flags.string("interpreter-home")),
    ...optional("interpreterModule", flags.string("interpreter-module")),
    ...optional("waiversFor", waiversFor),
    ...optional("signedBy", key && absolutePath(key))
  }, log);
  process.stdout.write(renderAudit(format, result));
  return exitCode;
}
var AUDIT_OPTIONS;
var init_audit2 = __esm({
  "src/cli/audit.ts"() {
    "use strict";
    init_audit_command();
    init_options();
    init_errors();
    init_about();
    init_log();
    init_flags();
    init_smoke_test_flags();
    AUDIT_OPTIONS = {
      ...SMOKE_TEST_OPTIONS,
      interpreter: { type: "string" },
      distro: { type: "string", default: "el9" },
      format: { type: "string", default: "text" },
      modulefile: { type: "string" },
      config: { type: "string" },
      "interpreter-home": { type: "string" },
      "interpreter-module": { type: "string" },
      python: { type: "string" },
      "require-signature": { type: "boolean", default: false },
      key: { type: "string" },
      quiet: { type: "boolean", default: false }
    };
  }
});

// src/cli/matrix.ts
var matrix_exports = {};
__export(matrix_exports, {
  MATRIX_OPTIONS: () => MATRIX_OPTIONS,
  matrixCommand: () => matrixCommand
});
async function matrixCommand(args) {
  const flags = parseFlags("matrix", args, MATRIX_OPTIONS);
  const config = flags.string("config");
  process.stdout.write(`${renderMatrix(matrixFor(absolutePath(flags.string("project") ?? "."), config && absolutePath(config)))}
`);
  return 0;
}
var MATRIX_OPTIONS;
var init_matrix2 = __esm({
  "src/cli/matrix.ts"() {
    "use strict";
    init_matrix_command();
    init_options();
    init_flags();
    MATRIX_OPTIONS = {
      project: { type: "string", default: "." },
      config: { type: "string" }
    };
  }
});

// src/publish/rpm-version.ts
function rpmvercmp(a, b) {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const separator = /[^A-Za-z0-9~^]/;
  while (i < a.length || j < b.length) {
    while (i < a.length && separator.test(a[i] ?? "")) i++;
    while (j < b.length && separator.test(b[j] ?? "")) j++;
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /[0-9]/.test(a[i] ?? "");
    const run2 = numeric ? /^[0-9]+/ : /^[A-Za-z]+/;
    const x = run2.exec(a.slice(i))?.[0] ?? "";
    const y = run2.exec(b.slice(j))?.[0] ?? "";
    if (y === "") return numeric ? 1 : -1;
    i += x.length;
    j += y.length;
    if (numeric) {
      const xn = x.replace(/^0+/, "");
      const yn = y.replace(/^0+/, "");
      if (xn.length !== yn.length) return xn.length > yn.length ? 1 : -1;
      if (xn !== yn) return xn > yn ? 1 : -1;
    } else if (x !== y) {
      return x > y ? 1 : -1;
    }
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}
function compareVersionRelease(a, b) {
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}
var init_rpm_version = __esm({
  "src/publish/rpm-version.ts"() {
    "use strict";
  }
});

// src/publish/repository.ts
import { chmodSync as chmodSync3, copyFileSync as copyFileSync6, existsSync as existsSync19, linkSync, mkdirSync as mkdirSync12, readdirSync as readdirSync13, readFileSync as readFileSync12, renameSync as renameSync7, rmSync as rmSync9, statSync as statSync12 } from "node:fs";
import { basename as basename11, dirname as dirname9, join as join29, relative as relative6, resolve as resolve4 } from "node:path";
async function readCandidate(file) {
  if (!existsSync19(file) || !statSync12(file).isFile()) throw new UsageError(`${file} does not exist or is not a file; pass the RPMs to publish`);
  const lead = readFileSync12(file).subarray(0, 4);
  if (!lead.equals(RPM_MAGIC2)) throw new UsageError(`${file} is not an RPM (it does not start with the RPM magic number)`);
  const q = await run("rpm", ["-qp", "--nosignature", "--nodigest", "--qf", "%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{BUILDTIME}\\t%{SOURCERPM}\\n[%{FILENAMES}\\n]", file]);
  if (q.exitCode !== 0) throw new UsageError(`${file} is not a readable RPM: ${lastLine(q.stderr)}`);
  const [head = "", ...files] = q.stdout.split("\n");
  const [name = "", version = "", release = "", arch = "", buildTime = "0", sourceRpm = ""] = head.split("	");
  return {
    file,
    name,
    version,
    release,
    arch: sourceRpm === "(none)" ? "src" : arch,
    buildTime: Number(buildTime) || 0,
    meta: files.some((f) => /^\/usr\/local\/phoreus\/modulefiles\/[^/]+\/\.modulerc\.lua$/.test(f))
  };
}
function filesUnder(root, dir = root) {
  return readdirSync13(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join29(dir, e.name);
    return e.isDirectory() ? filesUnder(root, full) : [relative6(root, full)];
  });
}
function stageCopy(repo, stage) {
  for (const file of filesUnder(repo)) {
    const target2 = join29(stage, file);
    mkdirSync12(dirname9(target2), { recursive: true });
    if (file.startsWith("repodata/")) {
      copyFileSync6(join29(repo, file), target2);
    } else {
      linkSync(join29(repo, file), target2);
    }
  }
}
function revisionOf(candidates, repomd) {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (process.env.SOURCE_DATE_EPOCH && Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  const previous = Number(/<revision>(\d+)<\/revision>/.exec(repomd ?? "")?.[1] ?? 0);
  return Math.max(previous, ...candidates.map((c) => c.buildTime));
}
function staleMetaPackages(candidates, published) {
  const stale = /* @__PURE__ */ new Map();
  for (const c of candidates.filter((x) => x.meta)) {
    const rivals = [...published, ...candidates.filter((x) => x !== c)].filter((p) => p.name === c.name && p.arch === c.arch);
    const newer = rivals.find((p) => compareVersionRelease(p, c) > 0);
    if (newer) stale.set(c.file, `${c.name} ${newer.version}-${newer.release} is newer: the default module stays ${newer.version}`);
  }
  return stale;
}
function openRepository(request) {
  const repo = resolve4(request.repo);
  if (existsSync19(repo) && !statSync12(repo).isDirectory()) throw new UsageError(`${repo} is not a directory; --repo names the repository's directory`);
  const repomdPath = join29(repo, "repodata", "repomd.xml");
  const exists = existsSync19(repomdPath);
  if (!exists && existsSync19(repo) && readdirSync13(repo).length > 0) {
    throw new UsageError(`${repo} holds files but no repodata/repomd.xml: it is not a repository made by createrepo_c; give a new or empty directory, or the repository's own`);
  }
  if (exists && existsSync19(`${repomdPath}.asc`) && !request.keyring) {
    throw new UsageError(`${repomdPath} is signed (repomd.xml.asc): give the signing key (--sign-key, the signing-key input) so that the new repomd.xml is signed too`);
  }
  if (request.rpms.length === 0) throw new UsageError("nothing to publish: pass one or more RPMs");
  return { repo, repomdPath, exists };
}
function replacements(repo, candidates, published) {
  const findings = [];
  const seen = /* @__PURE__ */ new Map();
  for (const c of candidates) {
    const same = published.find((p) => nevra(p) === nevra(c));
    const twice = seen.get(nevra(c));
    const file = join29(PACKAGES, basename11(c.file));
    if (same) {
      findings.push(finding("PH401", basename11(c.file), 1, `${nevra(c)} is already published in ${repo}: a released package is never replaced (charter \xA711); bump the version, or the release for a rebuild`));
    } else if (twice) {
      throw new UsageError(`${basename11(c.file)} and ${basename11(twice)} are both ${nevra(c)}; publish one`);
    } else if (existsSync19(join29(repo, file))) {
      findings.push(finding("PH401", basename11(c.file), 1, `${file} already exists in ${repo}: a published file is never replaced (charter \xA711)`));
    }
    seen.set(nevra(c), c.file);
  }
  return findings;
}
async function publish(request, log) {
  await requireTools(["createrepo_c", "rpm"], log);
  const { repo, repomdPath, exists } = openRepository(request);
  const candidates = [];
  for (const file of request.rpms) candidates.push(await readCandidate(resolve4(file)));
  const published = exists ? await publishedPackages(repo) : [];
  const result = { repo, findings: replacements(repo, candidates, published), added: [], leftOut: [], packages: published.length, signed: false };
  if (result.findings.length > 0) return result;
  const stale = staleMetaPackages(candidates, published);
  for (const [file, reason2] of stale) {
    result.leftOut.push({ file, reason: reason2 });
    log.warning(`${basename11(file)} is left out: ${reason2}`);
  }
  const adding = candidates.filter((c) => !stale.has(c.file));
  if (adding.length === 0) return result;
  const parent = dirname9(repo);
  mkdirSync12(parent, { recursive: true });
  const stage = scratchDir(`.${basename11(repo)}.publish-`, parent);
  try {
    chmodSync3(stage, existsSync19(repo) ? statSync12(repo).mode & 4095 : 493);
    if (existsSync19(repo)) stageCopy(repo, stage);
    rmSync9(join29(stage, "repodata", "repomd.xml.asc"), { force: true });
    mkdirSync12(join29(stage, PACKAGES), { recursive: true, mode: 493 });
    for (const c of adding) {
      const target2 = join29(stage, PACKAGES, basename11(c.file));
      copyFileSync6(c.file, target2);
      chmodSync3(target2, 420);
      result.added.push(join29(PACKAGES, basename11(c.file)));
    }
    const revision = revisionOf(adding, exists ? readFileSync12(repomdPath, "utf8") : void 0);
    const after = await updateRepodata(stage, revision, [...published, ...adding], log);
    if (request.keyring) {
      await detachSign(request.keyring, join29(stage, "repodata", "repomd.xml"), join29(stage, "repodata", "repomd.xml.asc"));
      result.signed = true;
    }
    swapIn(stage, repo);
    result.packages = after.length;
    result.revision = revision;
    return result;
  } finally {
    removeScratch(stage);
  }
}
async function updateRepodata(stage, revision, expected, log) {
  const created = await log.group("createrepo_c --update", () => run("createrepo_c", [
    "--update",
    "--keep-all-metadata",
    "--no-database",
    "--workers",
    "1",
    "--revision",
    String(revision),
    "--set-timestamp-to-revision",
    stage
  ]));
  if (created.exitCode !== 0) throw new BuildFailure(`createrepo_c failed: ${lastLine(created.stderr) || lastLine(created.stdout)}`);
  const after = await publishedPackages(stage);
  const missing = expected.filter((p) => !after.some((q) => nevra(q) === nevra(p)));
  if (missing.length > 0) throw new BuildFailure(`the new repodata lacks ${missing.map(nevra).join(", ")}: nothing was published`);
  return after;
}
function swapIn(stage, repo) {
  if (!existsSync19(repo)) {
    renameSync7(stage, repo);
    return;
  }
  const previous = `${stage}.previous`;
  renameSync7(repo, previous);
  try {
    renameSync7(stage, repo);
  } catch (error) {
    renameSync7(previous, repo);
    throw error;
  }
  rmSync9(previous, { recursive: true, force: true });
}
var PACKAGES, RPM_MAGIC2, nevra;
var init_repository = __esm({
  "src/publish/repository.ts"() {
    "use strict";
    init_errors();
    init_finding();
    init_gpg();
    init_lifecycle();
    init_process();
    init_system();
    init_published_repo();
    init_rpm_version();
    PACKAGES = "Packages";
    RPM_MAGIC2 = Buffer.from([237, 171, 238, 219]);
    nevra = (p) => `${p.name}-${p.version}-${p.release}.${p.arch}`;
  }
});

// src/commands/publish-command.ts
function publishSubject(result) {
  return {
    mode: "publish",
    project: result.repo,
    added: result.added,
    leftOut: result.leftOut,
    packages: result.packages,
    ...result.revision !== void 0 ? { revision: result.revision } : {},
    signed: result.signed
  };
}
function renderPublish(format, result) {
  if (format === "json") return renderJson(publishSubject(result), result.findings);
  if (format === "sarif") return renderSarif(result.findings);
  const lines = [
    ...result.added.map((file) => `added: ${file}`),
    ...result.leftOut.map((l) => `left out: ${l.file}: ${l.reason}`)
  ];
  return `${lines.map((l) => `${l}
`).join("")}${renderText(publishSubject(result), result.findings)}`;
}
async function runPublish(repo, rpms, signing, log) {
  const keyring = signing ? await openKeyring(signing.key, signing.passphrase, signing.source, log) : void 0;
  try {
    const result = await publish({ repo, rpms, ...keyring ? { keyring } : {} }, log);
    return { result, exitCode: findingsExitStatus(result.findings) };
  } finally {
    if (keyring) await closeKeyring(keyring);
  }
}
var init_publish_command = __esm({
  "src/commands/publish-command.ts"() {
    "use strict";
    init_errors();
    init_repository();
    init_formats();
    init_gpg();
  }
});

// src/cli/publish.ts
var publish_exports = {};
__export(publish_exports, {
  PUBLISH_OPTIONS: () => PUBLISH_OPTIONS,
  publishCommand: () => publishCommand
});
async function publishCommand(args) {
  const flags = parseFlags("publish", args, PUBLISH_OPTIONS, Number.MAX_SAFE_INTEGER);
  const repo = flags.string("repo");
  if (repo === void 0) throw new UsageError(`publish needs the repository: ${TOOL_NAME2} publish --repo DIR FILE.rpm...`);
  if (flags.positionals.length === 0) throw new UsageError(`publish needs one or more RPMs: ${TOOL_NAME2} publish --repo DIR FILE.rpm...`);
  const format = parseFormat(flags.string("format") ?? "text");
  const signing = signingFlag(flags);
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean("quiet"));
  const { result, exitCode } = await runPublish(absolutePath(repo), flags.positionals.map((p) => absolutePath(p)), signing, log);
  process.stdout.write(redact(renderPublish(format, result)));
  return exitCode;
}
var PUBLISH_OPTIONS;
var init_publish = __esm({
  "src/cli/publish.ts"() {
    "use strict";
    init_publish_command();
    init_options();
    init_errors();
    init_about();
    init_log();
    init_redact();
    init_flags();
    init_signing_flags();
    PUBLISH_OPTIONS = {
      ...SIGNING_OPTIONS,
      repo: { type: "string" },
      format: { type: "string", default: "text" },
      quiet: { type: "boolean", default: false }
    };
  }
});

// src/cli.ts
init_flags();

// src/cli/help.ts
init_about();
init_layout();
var EXIT_STATUS = `Exit status: 0 no error finding, 1 error findings or a failed build, 2 a usage or
environment error (one line on stderr saying what to fix), 70 an internal error (a bug).
`;
var PROJECT_OPTIONS2 = `  --project DIR          project directory (default: .)
  --interpreter X.Y      target interpreter (default: the lock header's, else the newest sanctioned)
  --config FILE          configuration file (default: phoreus.yaml in the project, if present)
  --tool NAME            the packaged tool's name (default: configuration, then pyproject.toml)
  --tool-version VERSION the packaged tool's version (default: a v-prefixed GITHUB_REF_NAME,
                         configuration, project metadata); formerly --version VERSION
  --index-url URL        package index
  --extra-index-url URL  extra package index (repeatable)
  --python PATH          Python X.Y to run pip with (default: found by version)
  --quiet                no progress messages on stderr`;
var COMMON = `  -h, --help             this help
  -V, --version          print ${TOOL_NAME2}'s version`;
var TOOL_HELP = `Usage: ${TOOL_NAME2} <command> [options]
       ${TOOL_NAME2} <command> --help

Package hash-locked Python projects as Phoreus virtual-environment RPMs,
and enforce the Phoreus Python Packaging Charter.

Commands:
  verify    Check requirements.in and requirements.lock against the charter
            (rules PH101-PH115, PH201, PH207; see docs/rules.md)
  build     Build the RPM, the SRPM and the Lmod modulefile of the project,
            and audit the RPM before writing anything
  audit     Audit a binary RPM, built by any means, against the charter
            (rules PH202-PH206, PH301-PH317, PH402, PH403)
  publish   Add RPMs to a yum/dnf repository that only grows (PH401), and sign
            its repomd.xml
  matrix    Print the build matrix of phoreus.yaml (every interpreter x distro)
            as JSON for a workflow's strategy.matrix

Options:
${COMMON}

${EXIT_STATUS}`;
var VERIFY_HELP = `Usage: ${TOOL_NAME2} verify [options]

Check requirements.in and requirements.lock against the charter: exact pins, hashes,
provenance, no drift (pip-compile again, with the recorded options), the interpreter, the
tool's name and version, phoreus.yaml. The report goes to stdout, progress to stderr.

Options:
${PROJECT_OPTIONS2}
  --offline              skip the drift check (PH108), which re-runs pip-compile
  --format FORMAT        text (default), json or sarif
${COMMON}

${EXIT_STATUS}`;
var BUILD_HELP = `Usage: ${TOOL_NAME2} build [options]

Build the project's RPM, SRPM and Lmod modulefile for one interpreter and distro, audit the
RPM, and write them with build-report.json to the output directory (only the report when the
build or its audit fails, and rpmbuild.log, its whole output, when rpmbuild fails).

Options:
${PROJECT_OPTIONS2}
  --distro DISTRO        el8, el9 (default), el10, fedora-<N>, amzn2023
  --arch ARCH            x86_64 or aarch64 (default: this machine's; no cross-builds)
  --release N            RPM release (default: 1)
  --find-links DIR|URL   extra wheel location (repeatable)
  --out DIR              output directory (default: ./out)
  --interpreter-home P   target interpreter home, {python} for X.Y (default: ${DEFAULT_INTERPRETER_HOME})
  --interpreter-module M interpreter module, {python} for X.Y (default: ${DEFAULT_INTERPRETER_MODULE})
  --meta                 also build the meta default package phoreus-<tool>
  --all                  build every (interpreter, distro) pair of phoreus.yaml, each into
                         <out>/<distro>-py<X.Y>/
  --[no-]smoke-test      install the RPM in a private mount namespace, load its module with
                         Lmod and run --smoke-command (default: on when running as root)
  --smoke-command CMD    the smoke test's command (default: TOOL --version, else TOOL --help)
  --verbose              also print the configuration in force (always in build-report.json
                         and the SRPM)
  --sign-key FILE        sign the audited RPM and SRPM with this ASCII-armoured OpenPGP secret
                         key (passphrase from PHOREUS_SIGN_PASSPHRASE)
${COMMON}

${EXIT_STATUS}`;
var AUDIT_HELP = `Usage: ${TOOL_NAME2} audit FILE.rpm [options]

Audit a binary RPM, built by any means, against the charter: its header, its payload and,
with --modulefile, its modulefile. The report goes to stdout, progress to stderr.

Options:
  --interpreter X.Y      target interpreter (default: the interpreter module the RPM requires)
  --distro DISTRO        target distro, for the glibc check (default: el9)
  --format FORMAT        text (default), json or sarif
  --modulefile FILE      the modulefile shipped beside the RPM, checked too
  --config FILE          the project's phoreus.yaml: its audit.waive entries apply, as in the
                         build (waived findings are reported as such and fail nothing)
  --interpreter-home P   target interpreter home, {python} for X.Y (default: ${DEFAULT_INTERPRETER_HOME})
  --interpreter-module M interpreter module, {python} for X.Y (default: ${DEFAULT_INTERPRETER_MODULE})
  --[no-]smoke-test      install the RPM in a private mount namespace, load its module with
                         Lmod and run --smoke-command (default: on when running as root)
  --smoke-command CMD    the smoke test's command (default: TOOL --version, else TOOL --help)
  --python PATH          the Python X.Y the smoke test mounts as the interpreter
  --require-signature    the RPM must be signed by the key of --key (PH402)
  --key PUBKEY           ASCII-armoured OpenPGP public key, with --require-signature
  --quiet                no progress messages on stderr
${COMMON}

${EXIT_STATUS}`;
var PUBLISH_HELP = `Usage: ${TOOL_NAME2} publish --repo DIR FILE.rpm... [options]

Add binary and source RPMs to the yum/dnf repository in DIR (created when new) with
createrepo_c --update. A name, version, release and arch already there is refused (PH401) and
the repository is left byte for byte as it was; nothing is ever replaced or removed. A meta
default package older than the newest one published is left out, so the default module never
moves back. The new state is built beside DIR and swapped in only when complete.

Options:
  --repo DIR             the repository's directory
  --sign-key FILE        sign repodata/repomd.xml (repomd.xml.asc) with this ASCII-armoured
                         OpenPGP secret key (passphrase from PHOREUS_SIGN_PASSPHRASE)
  --format FORMAT        text (default), json or sarif
  --quiet                no progress messages on stderr
${COMMON}

${EXIT_STATUS}`;
var MATRIX_HELP = `Usage: ${TOOL_NAME2} matrix [options]

Print the (interpreter, distro) pairs of phoreus.yaml as {"include":[...]}, for a workflow's
strategy.matrix with fromJSON().

Options:
  --project DIR          project directory (default: .)
  --config FILE          configuration file (default: phoreus.yaml in the project, if present)
${COMMON}

Exit status: 0 printed, 2 a usage error or an invalid configuration, 70 an internal error (a bug).
`;

// src/cli.ts
init_errors();
init_about();
init_redact();
init_lifecycle();
var COMMANDS = {
  verify: { load: async () => {
    const m = await Promise.resolve().then(() => (init_verify2(), verify_exports));
    return { options: m.VERIFY_OPTIONS, run: m.verifyCommand };
  }, help: VERIFY_HELP, takesToolVersion: true },
  build: { load: async () => {
    const m = await Promise.resolve().then(() => (init_build2(), build_exports));
    return { options: m.BUILD_OPTIONS, run: m.buildCommand };
  }, help: BUILD_HELP, takesToolVersion: true },
  audit: { load: async () => {
    const m = await Promise.resolve().then(() => (init_audit2(), audit_exports));
    return { options: m.AUDIT_OPTIONS, run: m.auditCommand };
  }, help: AUDIT_HELP, takesToolVersion: false },
  matrix: { load: async () => {
    const m = await Promise.resolve().then(() => (init_matrix2(), matrix_exports));
    return { options: m.MATRIX_OPTIONS, run: m.matrixCommand };
  }, help: MATRIX_HELP, takesToolVersion: false },
  publish: { load: async () => {
    const m = await Promise.resolve().then(() => (init_publish(), publish_exports));
    return { options: m.PUBLISH_OPTIONS, run: m.publishCommand };
  }, help: PUBLISH_HELP, takesToolVersion: false }
};
var HELP_FLAGS = ["-h", "--help", "help"];
var VERSION_FLAGS = ["-V", "--version"];
function print(text) {
  process.stdout.write(text);
  return 0;
}
function commandNamed(name) {
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run \`${TOOL_NAME2} --help\``);
  return command;
}
async function main(argv) {
  const [first, ...rest] = argv;
  if (first === void 0) throw new UsageError(`a command is needed: ${Object.keys(COMMANDS).join(", ")}; run \`${TOOL_NAME2} --help\``);
  if (HELP_FLAGS.includes(first)) {
    const topic = rest.find((arg) => !arg.startsWith("-"));
    return print(topic === void 0 ? TOOL_HELP : commandNamed(topic).help);
  }
  if (VERSION_FLAGS.includes(first)) return print(`${TOOL_VERSION2}
`);
  const command = commandNamed(first);
  const args = command.takesToolVersion ? renameToolVersion(rest, (message) => process.stderr.write(`${TOOL_NAME2}: warning: ${message}
`)) : rest;
  const { options, run: run2 } = await command.load();
  const request = requestOf(args, options);
  if (request === "help") return print(command.help);
  if (request === "version") return print(`${TOOL_VERSION2}
`);
  return run2(args);
}
superviseRun();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${TOOL_NAME2}: ${redact(errorLine(error))}
`);
    if (process.env.PHOREUS_RPM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}
`);
    process.exitCode = exitStatus(error);
  }
);
