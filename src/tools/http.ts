/**
 * A GET over HTTP(S) with node's own client (fetch refuses ports such as 6000, which private
 * indexes use): the URL's user-info sent as Basic authentication and registered as a
 * secret, a timeout on every connection, redirects followed (credentials only to the same
 * origin), and a cap on what is read. An answer is read whole, or streamed to a file while
 * its sha256 is computed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { registerSecrets } from '../core/redact.js';

export interface HttpAnswer {
  status: number;
  body: Buffer;
  /** Where the answer came from, after redirects: the base of the links in an index page. */
  url: string;
  contentType: string;
}

export class HttpFailure extends Error {
  override name = 'HttpFailure';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Basic authentication for one origin: sent to that origin only, whatever URL is asked. */
export interface Credentials {
  origin: string;
  authorization: string;
}

export interface HttpOptions {
  timeoutMs: number;
  maxBytes?: number;
  readBody?: boolean;
  accept?: string;
  /** Certificates trusted instead of node's own (PIP_CERT and the like). */
  ca?: Buffer;
  /** Credentials of an index, for its files, whose URLs carry none. */
  credentials?: Credentials;
}

const MAX_REDIRECTS = 5;

/** The URL without its user-info, and the user-info as credentials for its origin (registered as secrets). */
export function withoutCredentials(address: string): { url: URL; credentials?: Credentials } {
  const url = new URL(address);
  if (!url.username && !url.password) return { url };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  registerSecrets([password, url.password, user && !password ? user : ''].filter(Boolean));
  url.username = '';
  url.password = '';
  return { url, credentials: { origin: url.origin, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } };
}

type Sink = (response: IncomingMessage, fail: (error: Error) => void) => Promise<Buffer>;

function once(url: URL, options: HttpOptions, authorization: string | undefined, sink: Sink | undefined): Promise<{ status: number; body: Buffer; location?: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const headers = { accept: options.accept ?? '*/*', ...(authorization ? { authorization } : {}) };
    const request = get(url, { headers, timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) }, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      const contentType = String(response.headers['content-type'] ?? '');
      if (!sink || status < 200 || status >= 300) {
        response.resume();
        resolve({ status, body: Buffer.alloc(0), contentType, ...(location ? { location } : {}) });
        return;
      }
      sink(response, (error) => request.destroy(error)).then((body) => resolve({ status, body, contentType }), reject);
    });
    request.on('timeout', () => request.destroy(new HttpFailure(`no answer within ${Math.round(options.timeoutMs / 1000)} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof HttpFailure ? error : new HttpFailure(error.code ?? error.message, error.code)));
  });
}

async function follow(address: string, options: HttpOptions, sink: Sink | undefined): Promise<HttpAnswer> {
  const given = withoutCredentials(address);
  const credentials = given.credentials ?? options.credentials;
  let url = given.url;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpFailure(`${url.protocol} is not HTTP`);
    const authorization = credentials && url.origin === credentials.origin ? credentials.authorization : undefined;
    const answer = await once(url, options, authorization, sink);
    if (answer.status >= 300 && answer.status < 400 && answer.location && hop < MAX_REDIRECTS) {
      url = new URL(answer.location, url);
      continue;
    }
    return { status: answer.status, body: answer.body, url: url.href, contentType: answer.contentType };
  }
}

function readWhole(maxBytes: number): Sink {
  return (response, fail) => new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new HttpFailure(`the answer is larger than ${Math.round(maxBytes / 1048576)} MiB`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
  });
}

/** GETs the URL; rejects with an HttpFailure naming the cause (ECONNREFUSED, a timeout) when no HTTP answer comes. */
export function fetchUrl(address: string, options: HttpOptions): Promise<HttpAnswer> {
  return follow(address, options, options.readBody ?? true ? readWhole(options.maxBytes ?? 256 * 1024 * 1024) : undefined);
}

/**
 * GETs the URL into a file, hashing what it writes: the answer's status, and for a 2xx the
 * sha256 and size of what was written. The caller checks the digest before using the file.
 */
export async function downloadUrl(address: string, file: string, options: HttpOptions): Promise<{ status: number; sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const sink: Sink = (response, fail) => new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', (error) => {
      fail(error);
      reject(error);
    });
    response.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    response.on('error', (error) => {
      out.destroy();
      reject(error);
    });
    response.pipe(out);
    out.on('finish', () => resolve(Buffer.alloc(0)));
  });
  const answer = await follow(address, options, sink);
  return { status: answer.status, sha256: hash.digest('hex'), bytes };
}
