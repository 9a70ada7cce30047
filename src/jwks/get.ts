import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { getProxyForUrl } from 'proxy-from-env';

/**
 * One GET on Node's own http/https: redirects are not followed, at most
 * `maxBytes` are read, and everything (DNS, connect, proxy, body) ends
 * within `timeoutMs`. The proxy comes from HTTPS_PROXY / HTTP_PROXY /
 * ALL_PROXY / NO_PROXY: https URLs go through a CONNECT tunnel (so TLS is
 * checked end to end), http URLs are sent to the proxy whole.
 */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Why a GET failed: Node's own error codes (ECONNREFUSED, ENOTFOUND, ...) or one of these. */
export class GetError extends Error {
  constructor(
    readonly code: 'TIMEOUT' | 'TOO_LARGE' | 'CUT_OFF' | 'PROXY_REFUSED' | string,
    message: string,
  ) {
    super(message);
    this.name = 'GetError';
  }
}

export function get(url: string, timeoutMs: number, maxBytes: number, headers: Record<string, string>): Promise<Answer> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const port = Number(target.port) || (secure ? 443 : 80);
  const proxy = getProxyForUrl(url) ? new URL(getProxyForUrl(url)) : null;
  const request: Socket[] = [];
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, answer?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const socket of request) socket.destroy();
      if (answer) resolve(answer);
      else reject(error);
    };
    const timer = setTimeout(() => settle(new GetError('TIMEOUT', `no answer within ${timeoutMs} ms`)), timeoutMs);
    const send = (options: https.RequestOptions) => {
      // No agent: a fresh connection, or the tunnel (Node ignores createConnection when agent is false).
      const req = (secure ? https : http).request({ ...options, method: 'GET', agent: options.createConnection ? undefined : false }, (res) => {
        const length = Number(res.headers['content-length']);
        if (length > maxBytes) return settle(new GetError('TOO_LARGE', `the answer is larger than ${maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) settle(new GetError('TOO_LARGE', `the answer is larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => settle(null, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('aborted', () => settle(new GetError('CUT_OFF', 'the answer was cut off')));
        res.on('error', () => settle(new GetError('CUT_OFF', 'the answer was cut off')));
      });
      req.on('socket', (socket) => request.push(socket));
      req.on('error', (error) => settle(error));
      req.end();
    };
    const hostHeader = { ...headers, host: target.host };
    const path = `${target.pathname}${target.search}`;
    if (!proxy) {
      send({ host: bare(target.hostname), port, path, headers: hostHeader });
    } else if (!secure) {
      send({ host: bare(proxy.hostname), port: Number(proxy.port) || 80, path: url, headers: { ...hostHeader, ...proxyAuthorization(proxy) } });
    } else {
      tunnel(proxy, target.hostname, port, (socket) => request.push(socket)).then(
        (socket) => send({ host: bare(target.hostname), port, path, headers: hostHeader, createConnection: () => tls.connect({ socket, servername: bare(target.hostname) }) }),
        (error: unknown) => settle(error),
      );
    }
  });
}

/** A CONNECT tunnel through an http (or https) proxy to host:port. */
function tunnel(proxy: URL, host: string, port: number, track: (socket: Socket) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const viaTls = proxy.protocol === 'https:';
    const req = (viaTls ? https : http).request({
      host: bare(proxy.hostname),
      port: Number(proxy.port) || (viaTls ? 443 : 80),
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}`, ...proxyAuthorization(proxy) },
      agent: false,
    });
    req.on('socket', track);
    req.once('connect', (res, socket) => {
      track(socket);
      if (res.statusCode === 200) resolve(socket);
      else reject(new GetError('PROXY_REFUSED', `the proxy answered CONNECT with HTTP ${res.statusCode}`));
    });
    req.once('error', reject);
    req.end();
  });
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** URL.hostname keeps the brackets of an IPv6 address; sockets want it bare. */
function bare(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}
