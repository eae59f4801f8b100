/** PEP 440 version checks, with pre-releases admitted: a pin is checked, not chosen. */
import { satisfies as pep440Satisfies, valid } from '@renovatebot/pep440';
import { formatSpecifier, type SpecifierClause } from './pep508.js';

export function isValidVersion(version: string): boolean {
  return valid(version) !== null;
}

export function satisfies(version: string, clauses: readonly SpecifierClause[]): boolean {
  if (clauses.length === 0) return true;
  if (!isValidVersion(version)) return false;
  return pep440Satisfies(version, formatSpecifier(clauses), { prereleases: true });
}
