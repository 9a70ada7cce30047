import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface WebSocketResult {
  data?: unknown;
  errors?: { message: string }[];
}

/**
 * One query over a fresh graphql-ws connection that sends `token` as its
 * authorization. An error while the server builds the context (where the
 * token is checked) closes the socket with 4500 and the message as reason:
 * that comes back as `errors`, like GraphQL errors do.
 */
export function overWebSocket(port: number, token: string, query: string, serverOutput: () => string = () => ''): Promise<WebSocketResult> {
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  return new Promise((resolve, reject) => {
    let result: WebSocketResult = {};
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as WebSocketResult),
        error: (error) => {
          void client.dispose();
          if (Array.isArray(error)) resolve({ errors: error as { message: string }[] });
          else if ((error as { code?: number }).code === 4500) resolve({ errors: [{ message: String((error as { reason?: string }).reason) }] });
          else reject(new Error(`WebSocket ${String((error as { type?: string }).type)} ${String((error as { code?: number }).code)}\n${serverOutput()}`));
        },
        complete: () => {
          void client.dispose();
          resolve(result);
        },
      },
    );
  });
}
