/** Credentials in URLs: found once, masked everywhere (charter §13, rule PH112). */

const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@\s]+)@/g;
/** pip expands ${VAR} in requirements files, so "${TOKEN}" is a reference, not a credential. */
const ONLY_ENV_REFERENCES = /^(\$\{[A-Z0-9_]+\}|:)*$/;

/**
 * The literal secrets written into URLs in the text: the password of "user:password@",
 * or the whole user-info of "token@". A user name beside a password is not a secret, and
 * masking it would blank that word everywhere in the log.
 */
export function literalCredentials(text: string): string[] {
  const secrets: string[] = [];
  for (const m of text.matchAll(USERINFO)) {
    const userinfo = m[2] ?? '';
    const colon = userinfo.indexOf(':');
    // ssh authenticates with keys: "git+ssh://git@host" names a user, not a token.
    if (colon < 0 && /ssh/i.test(m[1] ?? '')) continue;
    const secret = colon >= 0 ? userinfo.slice(colon + 1) : userinfo;
    if (secret === '' || ONLY_ENV_REFERENCES.test(secret)) continue;
    secrets.push(secret, decodeSafely(secret));
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
