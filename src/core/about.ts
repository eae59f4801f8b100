/**
 * This tool's own identity, as reports, SARIF, the spec and --version name it: read from
 * package.json, the one place it is written (inlined into dist/ when bundling).
 */
import packageJson from '../../package.json' with { type: 'json' };

export const TOOL_NAME = packageJson.name;
export const TOOL_VERSION = packageJson.version;
export const TOOL_URL = packageJson.homepage;
export const RULES_URL = `${TOOL_URL}/blob/main/docs/rules.md`;
