// Reads vitest's JSON report: prints the passed, failed and skipped counts, and exits 1 when a
// test failed or was skipped, or a test file failed before any test ran (a broken import or hook).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'));
const failed = report.numFailedTests + brokenFiles.length;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
for (const file of brokenFiles) console.log(`failed before its tests ran: ${file.name}: ${(file.message ?? '').split('\n')[0]}`);
process.exit(failed > 0 || skipped > 0 ? 1 : 0);
