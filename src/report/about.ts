/** The tool's own identity, as reports and SARIF name it. */
export const TOOL_NAME = 'phoreus-rpm';
export const TOOL_VERSION = '0.1.0';
export const RULES_URL = 'https://github.com/phoreus/phoreus-rpm/blob/main/docs/rules.md';
