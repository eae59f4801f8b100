/**
 * A GET over HTTP(S) with node's own client (fetch refuses ports such as 6000, which private
 * indexes use): the URL's user-info sent as Basic authentication and registered as a
 * secret, a timeout on every connection, redirects followed (credentials only to the same
 * origin), and a cap on what is read.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { registerSecrets } from '../core/redact.js';

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

export class HttpFailure extends Error {
  override name = 'HttpFailure';
}

const MAX_REDIRECTS = 5;

function once(url: URL, authorization: string | undefined, timeoutMs: number, maxBytes: number, readBody: boolean): Promise<{ status: number; body: Buffer; location?: string }> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const request = get(url, { headers: { accept: '*/*', ...(authorization ? { authorization } : {}) }, timeout: timeoutMs }, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (!readBody || status < 200 || status >= 300) {
        response.resume();
        resolve({ status, body: Buffer.alloc(0), ...(location ? { location } : {}) });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          request.destroy(new HttpFailure(`the answer is larger than ${Math.round(maxBytes / 1048576)} MiB`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new HttpFailure(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof HttpFailure ? error : new HttpFailure(error.code ?? error.message)));
  });
}

/** GETs the URL; rejects with an HttpFailure naming the cause (ECONNREFUSED, a timeout) when no HTTP answer comes. */
export async function fetchUrl(address: string, options: { timeoutMs: number; maxBytes?: number; readBody?: boolean }): Promise<HttpAnswer> {
  let url = new URL(address);
  let authorization: string | undefined;
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    registerSecrets([password, url.password, user && !password ? user : ''].filter(Boolean));
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const origin = url.origin;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpFailure(`${url.protocol} is not HTTP`);
    const answer = await once(url, url.origin === origin ? authorization : undefined, options.timeoutMs, options.maxBytes ?? 256 * 1024 * 1024, options.readBody ?? true);
    if (answer.status >= 300 && answer.status < 400 && answer.location && hop < MAX_REDIRECTS) {
      url = new URL(answer.location, url);
      continue;
    }
    return { status: answer.status, body: answer.body };
  }
}
