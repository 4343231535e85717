import { classifyDatabaseFailure } from './database-failure';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
const typeormError = (code: string) => Object.assign(new Error('query failed'), { driverError: { code } });

describe(classifyDatabaseFailure.name, () => {
  it.each(['40P01', '40001', '57P01', '53300', '08006', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'])('should call %s transient', (code) => {
    expect(classifyDatabaseFailure(pgError(code))).toBe('transient');
  });

  it.each(['23514', '23502', '22003', '22P02'])('should call %s (data-dependent) permanent', (code) => {
    expect(classifyDatabaseFailure(typeormError(code))).toBe('permanent');
  });

  it('should call pool timeouts and dropped connections transient', () => {
    expect(classifyDatabaseFailure(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(classifyDatabaseFailure(new Error('Connection terminated unexpectedly'))).toBe('transient');
  });

  it('should give unknown failures the benefit of the doubt', () => {
    expect(classifyDatabaseFailure(new Error('something odd'))).toBe('transient');
  });
});
