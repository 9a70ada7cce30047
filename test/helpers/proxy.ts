import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A tiny HTTP CONNECT proxy on 127.0.0.1 for tests. Every CONNECT is
 * recorded (its `host:port` target as the client asked for it) and tunnelled
 * to one fixed loopback target, whatever host was asked for, so no real
 * network is ever touched. Plain (non-CONNECT) proxy requests are recorded
 * and refused with 502.
 */
export class ConnectProxy {
  /** `host:port` of every CONNECT request, in order. */
  readonly connects: string[] = [];
  /** Absolute URLs of plain proxy requests (GET http://...), in order. */
  readonly plainRequests: string[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<ConnectProxy> {
    const server = http.createServer();
    const proxy = new ConnectProxy(server, target);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      proxy.plainRequests.push(req.url ?? '');
      res.statusCode = 502;
      res.end('this test proxy only tunnels CONNECT');
    });
    server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => proxy.tunnel(req, client, head));
    server.on('connection', (socket: net.Socket) => proxy.track(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    this.connects.push(req.url ?? '');
    const upstream = net.connect(this.target.port, this.target.host);
    this.track(upstream);
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const destroy = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      destroy();
    });
    client.on('error', destroy);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
