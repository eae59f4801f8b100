/**
 * A project's page of a "simple" package index, read as pip reads it: PEP 691 JSON or
 * PEP 503 HTML (also a find-links page), each link resolved against the page's URL (or its
 * <base href>), with the file name from the link's path and the sha256 from its hashes or
 * its "#sha256=" fragment. Yanked files stay listed: a pinned file may be yanked, and a
 * locked hash is what counts. Pure.
 */

export interface IndexLink {
  /** The file's name, from the last segment of the link's path. */
  file: string;
  url: string;
  /** The sha256 the page gives for the file, when it gives one. */
  sha256?: string;
}

export const SIMPLE_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';

const SHA256 = /^[0-9a-f]{64}$/;

/** The page's links, read as JSON when its content type says so and as HTML otherwise. */
export function parseIndexPage(body: string, contentType: string, pageUrl: string): IndexLink[] {
  return /application\/vnd\.pypi\.simple\.v1\+json/i.test(contentType) ? parseJsonPage(body, pageUrl) : parseHtmlPage(body, pageUrl);
}

export function parseJsonPage(body: string, pageUrl: string): IndexLink[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const files = (parsed as { files?: unknown }).files;
  if (!Array.isArray(files)) return [];
  const links: IndexLink[] = [];
  for (const entry of files as Array<Record<string, unknown>>) {
    if (typeof entry?.url !== 'string') continue;
    const hashes = entry.hashes as Record<string, unknown> | undefined;
    const sha256 = typeof hashes?.sha256 === 'string' ? hashes.sha256.toLowerCase() : undefined;
    const link = linkOf(entry.url, pageUrl, typeof entry.filename === 'string' ? entry.filename : undefined, sha256);
    if (link) links.push(link);
  }
  return links;
}

export function parseHtmlPage(body: string, pageUrl: string): IndexLink[] {
  const baseHref = /<base\b[^>]*\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(body);
  const base = baseHref ? resolve(unescapeHtml(baseHref[2] ?? baseHref[3] ?? baseHref[4] ?? ''), pageUrl) ?? pageUrl : pageUrl;
  const links: IndexLink[] = [];
  for (const anchor of body.matchAll(/<a\b([^>]*)>/gi)) {
    const href = /\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(anchor[1] ?? '');
    if (!href) continue;
    const link = linkOf(unescapeHtml(href[2] ?? href[3] ?? href[4] ?? ''), base, undefined, undefined);
    if (link) links.push(link);
  }
  return links;
}

function linkOf(href: string, base: string, filename: string | undefined, sha256: string | undefined): IndexLink | undefined {
  const absolute = resolve(href, base);
  if (!absolute) return undefined;
  const url = new URL(absolute);
  const fragment = /(?:^#|&)sha256=([0-9a-fA-F]{64})(?:&|$)/.exec(url.hash);
  const digest = sha256 ?? fragment?.[1]?.toLowerCase();
  url.hash = '';
  let file = filename;
  if (file === undefined) {
    try {
      file = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    } catch {
      return undefined;
    }
  }
  if (!file) return undefined;
  return { file, url: url.href, ...(digest && SHA256.test(digest) ? { sha256: digest } : {}) };
}

function resolve(href: string, base: string): string | undefined {
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos|#39);/g, (_all, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[entity] ?? '';
  });
}
