import { classifyDatabaseFailure } from './database-failure';

const withCode = (code: string, message = `failure ${code}`) =>
  Object.assign(new Error(message), { code });
// TypeORM wraps server errors in QueryFailedError and keeps pg's error as driverError.
const queryFailed = (code: string) =>
  Object.assign(new Error(`query failed ${code}`), {
    name: 'QueryFailedError',
    driverError: { code },
  });

describe('classifyDatabaseFailure', () => {
  it.each([
    ['deadlock', queryFailed('40P01')],
    ['serialization failure', queryFailed('40001')],
    ['admin shutdown', queryFailed('57P01')],
    ['cannot connect now', queryFailed('57P03')],
    ['too many connections', queryFailed('53300')],
    ['connection failure class', queryFailed('08006')],
    ['lock not available', queryFailed('55P03')],
    ['statement timeout', queryFailed('57014')],
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    ['connect timeout', withCode('ETIMEDOUT')],
    ['pool exhausted', new Error('timeout exceeded when trying to connect')],
    ['server gone', new Error('Connection terminated unexpectedly')],
    ['undefined table (a deploy in progress)', queryFailed('42P01')],
    ['something unknown', new Error('???')],
  ])('should call a %s transient', (_, error) => {
    expect(classifyDatabaseFailure(error)).toBe('transient');
  });

  it.each([
    ['check violation', queryFailed('23514')],
    ['foreign key violation', queryFailed('23503')],
    ['not-null violation', queryFailed('23502')],
    ['value too long', queryFailed('22001')],
    ['numeric overflow', queryFailed('22003')],
  ])('should call a %s permanent', (_, error) => {
    expect(classifyDatabaseFailure(error)).toBe('permanent');
  });
});
