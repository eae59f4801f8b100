/**
 * Local, protocol-faithful fakes of the GitHub services that @actions/artifact (v6) and
 * @actions/cache (v6) talk to, on 127.0.0.1, so tests run the real clients end to end:
 *
 * - the Actions "results" Twirp service (JSON): ArtifactService CreateArtifact /
 *   FinalizeArtifact / ListArtifacts / GetSignedArtifactURL / DeleteArtifact and CacheService
 *   CreateCacheEntry / FinalizeCacheEntryUpload / GetCacheEntryDownloadURL, under
 *   /twirp/github.actions.results.api.v1.<Service>/<Method>, Bearer-authenticated with the
 *   runtime token;
 * - Azure Blob Storage behind the signed (SAS) URLs those methods return: Put Blob, Put Block,
 *   Put Block List, Get Blob / Get Blob Properties with ranges. SAS signatures, expiry and
 *   permissions are checked as Azure would.
 *
 * Design choices forced by the real clients:
 * - Cache service v2 only. The v1 REST cache API (_apis/artifactcache) is retired on github.com;
 *   env sets ACTIONS_CACHE_SERVICE_V2, and ACTIONS_CACHE_URL points here as well, so a stray v1
 *   call is visible in `requests` (and answered 404) instead of reaching a real host.
 * - Blob URLs are IP-style, as with Azurite: http://127.0.0.1:PORT/devstoreaccount1/CONTAINER/BLOB.
 *   The Azure SDK takes the first path segment as the account there. For downloads, the cache
 *   client only uses the Azure SDK (HEAD then ranged GETs) when the host ends with
 *   .blob.core.windows.net; for this host it does one plain GET, which is what is exercised.
 *   HEAD, Range and x-ms-range are served anyway.
 * - A second CreateCacheEntry for an existing (or reserved) key+version is refused the way the
 *   real service does it: Twirp error already_exists, HTTP 409, "cache entry with the same key,
 *   version, and scope already exists" - not a 200 with ok:false. The v6 client turns it into a
 *   ReserveCacheError, logs "Failed to save: Unable to reserve cache ..." with core.info (not a
 *   warning annotation) and saveCache returns -1.
 * - failCache(true) answers HTTP 500 (Twirp "internal") on every cache endpoint and cache blob.
 *   Both Twirp clients retry 5xx five times with a 3 s x 1.5^n back-off and offer no knob to
 *   shorten it, so each failing cache call takes ~25-35 s before the client gives up and warns.
 * - Twirp JSON only (what the clients send); binary protobuf requests get bad_route. Responses
 *   use proto field names and emit default scalars, like a Twirp Go server.
 * - One cache scope: entries are not partitioned by branch (GITHUB_REF) as on GitHub.
 * - Zipped vs raw artifacts: the protocol only carries mime_type. An artifact is treated as a
 *   zip (and unzipped for `files`) when mime_type is absent (pre-v7 clients) or application/zip
 *   with a name not ending in .zip; a skipArchive upload of a .zip file is kept raw. (A zipped
 *   artifact deliberately named "x.zip" would thus be kept raw too.)
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';

export interface FakeArtifact {
  id: number;
  name: string;
  size: number;
  /** Unzipped entries of a zipped artifact; the single file, under the artifact's name, of a raw one. */
  files: Map<string, Buffer>;
}

export interface FakeCacheEntry {
  key: string;
  version: string;
  size: number;
  data: Buffer;
}

export interface GitHubServices {
  /** What a runner gives a job step so that both clients talk to these fakes. */
  env: Record<string, string>;
  artifacts(): FakeArtifact[];
  caches(): FakeCacheEntry[];
  /** "METHOD /path" of every request received, in order (query strings left out: they hold signatures). */
  requests: string[];
  failCache(on: boolean): void;
  close(): Promise<void>;
}

const ACCOUNT = 'devstoreaccount1';
const ARTIFACT_CONTAINER = 'actions-results';
const CACHE_CONTAINER = 'actions-cache';
const ARTIFACT_SERVICE = 'github.actions.results.api.v1.ArtifactService';
const CACHE_SERVICE = 'github.actions.results.api.v1.CacheService';
const AZURE_VERSION = '2025-11-05';
const SAS_LIFETIME_MS = 6 * 60 * 60 * 1000;

interface StoredBlob {
  data: Buffer | undefined;
  contentType: string;
  uncommitted: Map<string, Buffer>;
  committedBlocks: Map<string, Buffer>;
  etag: string;
  lastModified: Date;
}

interface ArtifactRecord {
  id: number;
  runId: string;
  jobId: string;
  name: string;
  mimeType: string | undefined;
  blobPath: string;
  createdAt: Date;
  finalized: boolean;
  size: number;
  digest: string | undefined;
}

interface CacheRecord {
  id: number;
  key: string;
  version: string;
  blobPath: string;
  seq: number;
  finalized: boolean;
  size: number;
}

class TwirpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

class AzureError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT (RFC 7519 section 6.1) with the claims a runner's ACTIONS_RUNTIME_TOKEN carries. */
function runtimeToken(runId: string, jobId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId} Actions.UploadArtifacts:00000000-0000-0000-0000-000000000000/1:Build/Build/1`,
    ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]),
    iss: 'vstoken.actions.githubusercontent.com',
    aud: 'vso:00000000-0000-0000-0000-000000000000',
    nbf: now - 60,
    iat: now - 60,
    exp: now + 6 * 60 * 60,
  };
  return `${base64url({ typ: 'JWT', alg: 'none' })}.${base64url(payload)}.`;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The files of a zip, read through its central directory (archiver streams entries with data
 * descriptors, so local headers carry no sizes). Stored and deflated entries, zip64 included;
 * every entry's size and CRC-32 are checked. Directory entries are left out.
 */
export function unzipBuffer(zip: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory record');
  let count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if ((count === 0xffff || offset === 0xffffffff) && locator >= 0 && zip.readUInt32LE(locator) === 0x07064b50) {
    const z64 = Number(zip.readBigUInt64LE(locator + 8));
    if (zip.readUInt32LE(z64) !== 0x06064b50) throw new Error('zip64 end of central directory record missing');
    count = Number(zip.readBigUInt64LE(z64 + 32));
    offset = Number(zip.readBigUInt64LE(z64 + 48));
  }
  const files = new Map<string, Buffer>();
  let p = offset;
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    let compressedSize = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    let localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    // zip64 extended information: only the fields whose 32-bit value is saturated, in this order.
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength;) {
      const id = zip.readUInt16LE(e);
      const length = zip.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(zip.readBigUInt64LE(q)); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = Number(zip.readBigUInt64LE(q)); q += 8; }
        if (localOffset === 0xffffffff) localOffset = Number(zip.readBigUInt64LE(q));
      }
      e += 4 + length;
    }
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(start, start + compressedSize);
    let content: Buffer;
    if (method === 0) content = Buffer.from(raw);
    else if (method === 8) content = inflateRawSync(raw);
    else throw new Error(`${name}: unsupported zip compression method ${method}`);
    if (content.length !== size) throw new Error(`${name}: ${content.length} bytes inflated, ${size} expected`);
    if (crc32(content) !== crc) throw new Error(`${name}: CRC-32 mismatch`);
    if (!name.endsWith('/')) files.set(name, content);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function str(body: Record<string, unknown>, snake: string, camel: string): string | undefined {
  const v = body[snake] ?? body[camel];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
}

function requireStr(body: Record<string, unknown>, snake: string, camel: string): string {
  const v = str(body, snake, camel);
  if (!v) throw new TwirpError(400, 'invalid_argument', `${snake} is required`);
  return v;
}

const xmlUnescape = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startGitHubServices(): Promise<GitHubServices> {
  const runId = randomUUID();
  const jobId = randomUUID();
  const token = runtimeToken(runId, jobId);
  const sasKey = randomBytes(32);
  const requests: string[] = [];
  const blobs = new Map<string, StoredBlob>();
  const artifactRecords: ArtifactRecord[] = [];
  const cacheRecords: CacheRecord[] = [];
  let nextArtifactId = 1001;
  let nextCacheId = 1;
  let seq = 0;
  let cacheFailing = false;
  let origin = '';

  const sign = (path: string, sp: string, se: string): string =>
    createHmac('sha256', sasKey).update(`${sp}\n${se}\n${decodeURIComponent(path)}`).digest('base64');

  const signedUrl = (path: string, sp: string, extra: Record<string, string> = {}): string => {
    const se = new Date(Date.now() + SAS_LIFETIME_MS).toISOString().replace(/\.\d+Z$/, 'Z');
    const q = new URLSearchParams({ sv: AZURE_VERSION, sr: 'b', sp, se, ...extra });
    q.set('sig', sign(path, sp, se));
    return `${origin}${path}?${q.toString()}`;
  };

  const checkIds = (body: Record<string, unknown>, job: boolean): void => {
    if (requireStr(body, 'workflow_run_backend_id', 'workflowRunBackendId') !== runId
      || (job && requireStr(body, 'workflow_job_run_backend_id', 'workflowJobRunBackendId') !== jobId)) {
      throw new TwirpError(403, 'permission_denied', 'the runtime token does not grant access to this workflow run or job');
    }
  };

  const finalizedArtifacts = (): ArtifactRecord[] => artifactRecords.filter((a) => a.finalized);
  const finalizedCaches = (): CacheRecord[] => cacheRecords.filter((c) => c.finalized);

  const artifactService: Record<string, (body: Record<string, unknown>) => unknown> = {
    CreateArtifact(body) {
      checkIds(body, true);
      const name = requireStr(body, 'name', 'name');
      const version = Number(body.version ?? 0);
      if (version < 4) throw new TwirpError(400, 'invalid_argument', `unsupported artifact version ${version}`);
      if (artifactRecords.some((a) => a.runId === runId && a.name === name)) {
        throw new TwirpError(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
      }
      const id = nextArtifactId++;
      const mimeType = str(body, 'mime_type', 'mimeType');
      const zipped = mimeType === undefined || (mimeType === 'application/zip' && !name.toLowerCase().endsWith('.zip'));
      const blobPath = `/${ACCOUNT}/${ARTIFACT_CONTAINER}/${runId}/workflow-job-run-${jobId}/artifacts/${id}${zipped ? '.zip' : ''}`;
      artifactRecords.push({ id, runId, jobId, name, mimeType, blobPath, createdAt: new Date(), finalized: false, size: 0, digest: undefined });
      return { ok: true, signed_upload_url: signedUrl(blobPath, 'cw') };
    },
    FinalizeArtifact(body) {
      checkIds(body, true);
      const name = requireStr(body, 'name', 'name');
      const record = artifactRecords.find((a) => a.runId === runId && a.jobId === jobId && a.name === name && !a.finalized);
      if (!record) throw new TwirpError(404, 'not_found', `no artifact named ${name} is being uploaded by this job`);
      const blob = blobs.get(record.blobPath);
      if (!blob?.data) throw new TwirpError(400, 'failed_precondition', `artifact ${name} has no uploaded content`);
      record.finalized = true;
      record.size = blob.data.length;
      record.digest = str(body, 'hash', 'hash');
      return { ok: true, artifact_id: String(record.id) };
    },
    ListArtifacts(body) {
      checkIds(body, false);
      const nameFilter = str(body, 'name_filter', 'nameFilter');
      const idFilter = str(body, 'id_filter', 'idFilter');
      const listed = finalizedArtifacts()
        .filter((a) => a.runId === runId && (nameFilter === undefined || a.name === nameFilter) && (idFilter === undefined || String(a.id) === idFilter))
        .map((a) => ({
          workflow_run_backend_id: a.runId,
          workflow_job_run_backend_id: a.jobId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt.toISOString(),
          ...(a.digest ? { digest: a.digest } : {}),
        }));
      return { artifacts: listed };
    },
    GetSignedArtifactURL(body) {
      checkIds(body, false);
      const name = requireStr(body, 'name', 'name');
      const job = str(body, 'workflow_job_run_backend_id', 'workflowJobRunBackendId');
      const record = finalizedArtifacts().find((a) => a.runId === runId && a.name === name && (job === undefined || a.jobId === job));
      if (!record) throw new TwirpError(404, 'not_found', `artifact ${name} not found`);
      const fileName = record.blobPath.endsWith('.zip') ? `${record.name}.zip` : record.name;
      const rscd = `attachment; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
      return { signed_url: signedUrl(record.blobPath, 'r', { rscd }) };
    },
    DeleteArtifact(body) {
      checkIds(body, false);
      const name = requireStr(body, 'name', 'name');
      const index = artifactRecords.findIndex((a) => a.finalized && a.runId === runId && a.name === name);
      const record = artifactRecords[index];
      if (!record) throw new TwirpError(404, 'not_found', `artifact ${name} not found`);
      artifactRecords.splice(index, 1);
      blobs.delete(record.blobPath);
      return { ok: true, artifact_id: String(record.id) };
    },
  };

  const cacheService: Record<string, (body: Record<string, unknown>) => unknown> = {
    GetCacheEntryDownloadURL(body) {
      const key = requireStr(body, 'key', 'key');
      const version = requireStr(body, 'version', 'version');
      const restoreKeys = ((body.restore_keys ?? body.restoreKeys ?? []) as unknown[]).map(String);
      const candidates = finalizedCaches().filter((c) => c.version === version).sort((a, b) => b.seq - a.seq);
      // Exact key, then the newest entry prefixed by the key, then each restore key in turn (newest first).
      const hit = candidates.find((c) => c.key === key)
        ?? [key, ...restoreKeys].map((k) => candidates.find((c) => c.key.startsWith(k))).find((c) => c !== undefined);
      if (!hit) return { ok: false, signed_download_url: '', matched_key: '' };
      return { ok: true, signed_download_url: signedUrl(hit.blobPath, 'r'), matched_key: hit.key };
    },
    CreateCacheEntry(body) {
      const key = requireStr(body, 'key', 'key');
      const version = requireStr(body, 'version', 'version');
      if (cacheRecords.some((c) => c.key === key && c.version === version)) {
        throw new TwirpError(409, 'already_exists', 'cache entry with the same key, version, and scope already exists');
      }
      const id = nextCacheId++;
      const blobPath = `/${ACCOUNT}/${CACHE_CONTAINER}/${createHash('sha256').update(`${key}\n${version}`).digest('hex')}-${id}`;
      cacheRecords.push({ id, key, version, blobPath, seq: 0, finalized: false, size: 0 });
      return { ok: true, signed_upload_url: signedUrl(blobPath, 'cw'), message: '' };
    },
    FinalizeCacheEntryUpload(body) {
      const key = requireStr(body, 'key', 'key');
      const version = requireStr(body, 'version', 'version');
      const record = cacheRecords.find((c) => c.key === key && c.version === version && !c.finalized);
      if (!record) throw new TwirpError(404, 'not_found', 'cache entry not found');
      const data = blobs.get(record.blobPath)?.data;
      if (!data) return { ok: false, entry_id: '0', message: 'cache entry has no uploaded content' };
      const declared = Number(str(body, 'size_bytes', 'sizeBytes') ?? -1);
      if (declared !== data.length) {
        return { ok: false, entry_id: '0', message: `declared size ${declared} does not match the ${data.length} bytes uploaded` };
      }
      record.finalized = true;
      record.size = data.length;
      record.seq = ++seq;
      return { ok: true, entry_id: String(record.id), message: '' };
    },
  };

  const handleTwirp = (req: IncomingMessage, path: string, body: Buffer): { status: number; json: unknown } => {
    const m = /^\/twirp\/([^/]+)\/([^/]+)$/.exec(path);
    const service = m?.[1];
    const method = m?.[2] ?? '';
    const table = service === ARTIFACT_SERVICE ? artifactService : service === CACHE_SERVICE ? cacheService : undefined;
    if (req.method !== 'POST' || !table || !Object.hasOwn(table, method)) {
      throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${path}`);
    }
    if (req.headers.authorization !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'invalid or missing runtime token');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new TwirpError(404, 'bad_route', `unsupported Content-Type ${req.headers['content-type'] ?? ''} (this fake speaks Twirp JSON only)`);
    }
    if (service === CACHE_SERVICE && cacheFailing) throw new TwirpError(500, 'internal', 'fake cache service failure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      throw new TwirpError(400, 'malformed', 'the request body is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) throw new TwirpError(400, 'malformed', 'the request body is not a JSON object');
    return { status: 200, json: table[method]?.(parsed as Record<string, unknown>) };
  };

  const blobHeaders = (req: IncomingMessage): Record<string, string> => ({
    'x-ms-request-id': randomUUID(),
    'x-ms-version': String(req.headers['x-ms-version'] ?? AZURE_VERSION),
    ...(req.headers['x-ms-client-request-id'] ? { 'x-ms-client-request-id': String(req.headers['x-ms-client-request-id']) } : {}),
    date: new Date().toUTCString(),
  });

  const touch = (blob: StoredBlob): void => {
    blob.etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
    blob.lastModified = new Date();
  };

  const handleBlob = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void => {
    const path = url.pathname;
    const sig = url.searchParams.get('sig');
    const sp = url.searchParams.get('sp') ?? '';
    const se = url.searchParams.get('se') ?? '';
    if (!sig || sign(path, sp, se) !== sig) {
      throw new AzureError(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
    }
    if (!(Date.parse(se) > Date.now())) throw new AzureError(403, 'AuthenticationFailed', 'Signed expiry time has to be after signed start time');
    if (path.startsWith(`/${ACCOUNT}/${CACHE_CONTAINER}/`) && cacheFailing) {
      throw new AzureError(500, 'InternalError', 'The server encountered an internal error. Please retry the request.');
    }
    const base = blobHeaders(req);
    const comp = url.searchParams.get('comp');
    if (req.method === 'PUT') {
      if (!sp.includes('w') && !sp.includes('c')) throw new AzureError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
      const md5 = req.headers['content-md5'];
      if (md5 && comp !== 'blocklist' && createHash('md5').update(body).digest('base64') !== md5) {
        throw new AzureError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.');
      }
      let blob = blobs.get(path);
      if (!blob) {
        blob = { data: undefined, contentType: 'application/octet-stream', uncommitted: new Map(), committedBlocks: new Map(), etag: '', lastModified: new Date() };
        blobs.set(path, blob);
      }
      if (comp === 'block') {
        const id = url.searchParams.get('blockid') ?? '';
        if (!/^[A-Za-z0-9+/]+=*$/.test(id) || Buffer.from(id, 'base64').length > 64) {
          throw new AzureError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.');
        }
        blob.uncommitted.set(id, body);
        res.writeHead(201, { ...base, 'content-length': '0', 'x-ms-request-server-encrypted': 'true' });
        res.end();
        return;
      }
      if (comp === 'blocklist') {
        const xml = body.toString('utf8');
        if (!/<BlockList\s*>|<BlockList\s*\/>/.test(xml)) throw new AzureError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.');
        const parts: Buffer[] = [];
        const committed = new Map<string, Buffer>();
        for (const m of xml.matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)) {
          const kind = m[1];
          const id = xmlUnescape(m[2] ?? '');
          const block = kind === 'Committed' ? blob.committedBlocks.get(id)
            : kind === 'Uncommitted' ? blob.uncommitted.get(id)
              : blob.uncommitted.get(id) ?? blob.committedBlocks.get(id);
          if (!block) throw new AzureError(400, 'InvalidBlockList', 'The specified block list is invalid.');
          parts.push(block);
          committed.set(id, block);
        }
        blob.data = Buffer.concat(parts);
        blob.committedBlocks = committed;
        blob.uncommitted = new Map();
        blob.contentType = String(req.headers['x-ms-blob-content-type'] ?? 'application/octet-stream');
        touch(blob);
        res.writeHead(201, { ...base, etag: blob.etag, 'last-modified': blob.lastModified.toUTCString(), 'content-length': '0', 'x-ms-request-server-encrypted': 'true' });
        res.end();
        return;
      }
      if (comp !== null) throw new AzureError(400, 'InvalidQueryParameterValue', `comp=${comp} is not supported by this fake`);
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        throw new AzureError(400, 'MissingRequiredHeader', 'An HTTP header that\'s mandatory for this request is not specified: x-ms-blob-type (BlockBlob expected).');
      }
      blob.data = body;
      blob.committedBlocks = new Map();
      blob.uncommitted = new Map();
      blob.contentType = String(req.headers['x-ms-blob-content-type'] ?? 'application/octet-stream');
      touch(blob);
      res.writeHead(201, {
        ...base,
        etag: blob.etag,
        'last-modified': blob.lastModified.toUTCString(),
        'content-md5': createHash('md5').update(body).digest('base64'),
        'content-length': '0',
        'x-ms-request-server-encrypted': 'true',
      });
      res.end();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!sp.includes('r')) throw new AzureError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
      if (comp !== null) throw new AzureError(400, 'InvalidQueryParameterValue', `comp=${comp} is not supported by this fake`);
      const blob = blobs.get(path);
      if (!blob?.data) throw new AzureError(404, 'BlobNotFound', 'The specified blob does not exist.');
      const data = blob.data;
      const headers: Record<string, string> = {
        ...base,
        'content-type': url.searchParams.get('rsct') ?? blob.contentType,
        etag: blob.etag,
        'last-modified': blob.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
        'x-ms-blob-type': 'BlockBlob',
        'x-ms-server-encrypted': 'true',
        'x-ms-creation-time': blob.lastModified.toUTCString(),
      };
      const rscd = url.searchParams.get('rscd');
      if (rscd) headers['content-disposition'] = rscd;
      const range = String(req.headers['x-ms-range'] ?? req.headers.range ?? '');
      let status = 200;
      let slice = data;
      if (range) {
        const r = /^bytes=(\d+)-(\d*)$/.exec(range);
        const start = Number(r?.[1] ?? NaN);
        const end = r?.[2] ? Math.min(Number(r[2]), data.length - 1) : data.length - 1;
        if (!r || start >= data.length || end < start) {
          res.writeHead(416, { ...base, 'content-range': `bytes */${data.length}`, 'x-ms-error-code': 'InvalidRange' });
          res.end();
          return;
        }
        status = 206;
        slice = data.subarray(start, end + 1);
        headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
      }
      headers['content-length'] = String(slice.length);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : slice);
      return;
    }
    throw new AzureError(405, 'UnsupportedHttpVerb', `The resource doesn't support the specified HTTP verb ${req.method ?? ''}.`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin || 'http://127.0.0.1');
    requests.push(`${req.method ?? ''} ${url.pathname}`);
    readBody(req).then((body) => {
      if (url.pathname.startsWith('/twirp/')) {
        try {
          const { status, json } = handleTwirp(req, url.pathname, body);
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        } catch (error) {
          const e = error instanceof TwirpError ? error : new TwirpError(500, 'internal', String(error));
          res.writeHead(e.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: e.code, msg: e.message }));
        }
      } else if (url.pathname.startsWith(`/${ACCOUNT}/`)) {
        try {
          handleBlob(req, res, url, body);
        } catch (error) {
          const e = error instanceof AzureError ? error : new AzureError(500, 'InternalError', String(error));
          const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${e.code}</Code><Message>${e.message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;
          res.writeHead(e.status, { ...blobHeaders(req), 'x-ms-error-code': e.code, 'content-type': 'application/xml', 'content-length': String(req.method === 'HEAD' ? 0 : Buffer.byteLength(xml)) });
          res.end(req.method === 'HEAD' ? undefined : xml);
        }
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    }, () => {
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    env: {
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: `${origin}/`,
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_CACHE_URL: `${origin}/`,
      ACTIONS_RUNTIME_URL: `${origin}/`,
      ACTIONS_CACHE_MODE: 'write',
      GITHUB_SERVER_URL: 'https://github.com',
    },
    artifacts: () => finalizedArtifacts().map((a) => {
      const data = blobs.get(a.blobPath)?.data ?? Buffer.alloc(0);
      let files: Map<string, Buffer>;
      if (a.blobPath.endsWith('.zip')) {
        try {
          files = unzipBuffer(data);
        } catch (error) {
          throw new Error(`artifact ${a.name} (${a.id}) is not a valid zip: ${(error as Error).message}`);
        }
      } else {
        files = new Map([[a.name, data]]);
      }
      return { id: a.id, name: a.name, size: a.size, files };
    }),
    caches: () => finalizedCaches().map((c) => ({ key: c.key, version: c.version, size: c.size, data: blobs.get(c.blobPath)?.data ?? Buffer.alloc(0) })),
    requests,
    failCache: (on: boolean) => { cacheFailing = on; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
