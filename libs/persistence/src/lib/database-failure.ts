export type DatabaseFailureKind = 'transient' | 'permanent';

// SQLSTATE classes that depend on the data of one order: retrying the same row fails the same way.
const PERMANENT_CLASSES = ['22', '23'];
// Errors of the connection or the server, whatever the data: worth retrying later.
const TRANSIENT_CODES = new Set([
  '40P01',
  '40001',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53400',
  '58000',
  '58030',
]);
const TRANSIENT_CLASSES = ['08', '53'];
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection.*(closed|ended)/i,
  /the database system is (starting up|shutting down)/i,
  /Client has encountered a connection error/i,
];

function codeOf(error: unknown): string | undefined {
  const candidate = error as {
    code?: unknown;
    driverError?: { code?: unknown };
  };
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Sorts a failed write into "try again later" and "this order can never be stored".
 * Anything not known to be data-dependent counts as transient: it waits in the queue (and reaches the
 * DLQ through maxReceiveCount if it never heals) instead of being dead-lettered on a guess.
 */
export function classifyDatabaseFailure(error: unknown): DatabaseFailureKind {
  const code = codeOf(error);
  if (code && TRANSIENT_CODES.has(code)) {
    return 'transient';
  }
  if (code && NETWORK_CODES.has(code)) {
    return 'transient';
  }
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const sqlClass = code.slice(0, 2);
    if (PERMANENT_CLASSES.includes(sqlClass)) {
      return 'permanent';
    }
    if (TRANSIENT_CLASSES.includes(sqlClass)) {
      return 'transient';
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) {
    return 'transient';
  }
  return 'transient';
}
