/** The help texts: the tool's, and each command's own. */
import { TOOL_NAME } from '../core/about.js';
import { DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE } from '../core/layout.js';

const EXIT_STATUS = `Exit status: 0 no error finding, 1 error findings or a failed build, 2 a usage or
environment error (one line on stderr saying what to fix), 70 an internal error (a bug).
`;

const PROJECT_OPTIONS = `  --project DIR          project directory (default: .)
  --interpreter X.Y      target interpreter (default: the lock header's, else the newest sanctioned)
  --config FILE          configuration file (default: phoreus.yaml in the project, if present)
  --tool NAME            the packaged tool's name (default: configuration, then pyproject.toml)
  --tool-version VERSION the packaged tool's version (default: a v-prefixed GITHUB_REF_NAME,
                         configuration, project metadata); formerly --version VERSION
  --index-url URL        package index
  --extra-index-url URL  extra package index (repeatable)
  --python PATH          Python X.Y to run pip with (default: found by version)
  --quiet                no progress messages on stderr`;

const COMMON = `  -h, --help             this help
  -V, --version          print ${TOOL_NAME}'s version`;

export const TOOL_HELP = `Usage: ${TOOL_NAME} <command> [options]
       ${TOOL_NAME} <command> --help

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

export const VERIFY_HELP = `Usage: ${TOOL_NAME} verify [options]

Check requirements.in and requirements.lock against the charter: exact pins, hashes,
provenance, no drift (pip-compile again, with the recorded options), the interpreter, the
tool's name and version, phoreus.yaml. The report goes to stdout, progress to stderr.

Options:
${PROJECT_OPTIONS}
  --offline              skip the drift check (PH108), which re-runs pip-compile
  --format FORMAT        text (default), json or sarif
${COMMON}

${EXIT_STATUS}`;

export const BUILD_HELP = `Usage: ${TOOL_NAME} build [options]

Build the project's RPM, SRPM and Lmod modulefile for one interpreter and distro, audit the
RPM, and write them with build-report.json to the output directory (only the report when the
build or its audit fails, and rpmbuild.log, its whole output, when rpmbuild fails).

Options:
${PROJECT_OPTIONS}
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

export const AUDIT_HELP = `Usage: ${TOOL_NAME} audit FILE.rpm [options]

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

export const PUBLISH_HELP = `Usage: ${TOOL_NAME} publish --repo DIR FILE.rpm... [options]

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

export const MATRIX_HELP = `Usage: ${TOOL_NAME} matrix [options]

Print the (interpreter, distro) pairs of phoreus.yaml as {"include":[...]}, for a workflow's
strategy.matrix with fromJSON().

Options:
  --project DIR          project directory (default: .)
  --config FILE          configuration file (default: phoreus.yaml in the project, if present)
${COMMON}

Exit status: 0 printed, 2 a usage error or an invalid configuration, 70 an internal error (a bug).
`;
