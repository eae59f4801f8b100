/**
 * Credentials: found once, masked in every text that leaves the process (logs, annotations,
 * summary, reports, SARIF, spec, SRPM) by `redact`, the one function that does it (charter
 * §13, rule PH112).
 */

/**
 * The user-info of a URL: everything between "scheme://" and the last "@" before the
 * authority ends ("/", "?", "#" or whitespace), so a password holding "@" is masked whole.
 */
const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#\s]*)@/g;
/** pip expands ${VAR} in requirements files, so "${TOKEN}" is a reference, not a credential. */
const ONLY_ENV_REFERENCES = /^(\$\{[A-Z0-9_]+\}|:)*$/;
/** Shorter literal secrets are masked inside URLs only: masking "ab" everywhere would garble every text. */
const MIN_LITERAL = 4;

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

const registered = new Set<string>();

/** Secrets known to this process (credentials of the inputs): masked wherever they appear, inside a URL or not. */
export function registerSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) if (secret.length >= MIN_LITERAL) registered.add(secret);
}

/** Every credential of the text masked: URL user-info as "***@", and each registered secret as "***". */
export function redact(text: string): string {
  let out = text.replace(USERINFO, (_all, scheme: string, userinfo: string) =>
    ONLY_ENV_REFERENCES.test(userinfo) ? `${scheme}${userinfo}@` : `${scheme}***@`,
  );
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...registered].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}
