/** Credentials in URLs: found once, masked everywhere (charter §13, rule PH112). */

const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@\s]+)@/g;
/** pip expands ${VAR} in requirements files, so "${TOKEN}" is a reference, not a credential. */
const ONLY_ENV_REFERENCES = /^(\$\{[A-Z0-9_]+\}|:)*$/;

/** The literal secrets (user and password parts) written into URLs in the text. */
export function literalCredentials(text: string): string[] {
  const secrets: string[] = [];
  for (const m of text.matchAll(USERINFO)) {
    const userinfo = m[2] ?? '';
    if (ONLY_ENV_REFERENCES.test(userinfo)) continue;
    for (const part of userinfo.split(':')) {
      if (part !== '' && !ONLY_ENV_REFERENCES.test(part)) secrets.push(decodeSafely(part), part);
    }
  }
  return [...new Set(secrets)];
}

function decodeSafely(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Replaces the user-info of every URL in the text with "***". */
export function redactUrls(text: string): string {
  return text.replace(USERINFO, (_all, scheme: string, userinfo: string) =>
    ONLY_ENV_REFERENCES.test(userinfo) ? `${scheme}${userinfo}@` : `${scheme}***@`,
  );
}
