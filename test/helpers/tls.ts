import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const OPENSSL = '/usr/bin/openssl';


export interface TestCertificates {
  /** PEM of the self-made certificate authority (for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  /** PEM certificate for the host name(s), signed by the CA. */
  cert: string;
  /** PEM private key of that certificate. */
  key: string;
}

/** Makes a throw-away CA and a server certificate for `hostname` (or several) in `dir`, with the openssl command. */
export function makeCertificates(dir: string, hostname: string | readonly string[]): TestCertificates {
  // A requirement of the suite, not a reason to skip: without it the HTTPS tests would pass by not running.
  if (!fs.existsSync(OPENSSL)) throw new Error(`openssl not found at ${OPENSSL}: the HTTPS tests make their certificates with it; install openssl`);
  const names = typeof hostname === 'string' ? [hostname] : hostname;
  const file = (name: string) => path.join(dir, name);
  const run = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', file('ca.key'), '-out', file('ca.pem'),
    '-subj', '/CN=postgraphile-cognito test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${names[0]}`]);
  fs.writeFileSync(
    file('server.ext'),
    [
      `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  run([
    'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '2', '-out', file('server.pem'), '-extfile', file('server.ext'),
  ]);
  return { caPath: file('ca.pem'), cert: fs.readFileSync(file('server.pem'), 'utf8'), key: fs.readFileSync(file('server.key'), 'utf8') };
}
