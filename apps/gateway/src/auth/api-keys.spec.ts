import { createHash } from 'node:crypto';
import { ApiKeys, presentedApiKey } from './api-keys';

const sha = (value: string) => createHash('sha256').update(value).digest('hex');

describe(ApiKeys.name, () => {
  const keys = new ApiKeys([`shop-a:${sha('secret-a')}`, `shop-b:${sha('secret-b')}`]);

  it('should identify the client of a configured key', () => {
    expect(keys.identify('secret-b')).toBe('shop-b');
  });

  it('should identify no one for an unknown key', () => {
    expect(keys.identify('secret-c')).toBeUndefined();
  });

  it('should give the same answers the second time (a remembered key, a wrong key again)', () => {
    const fresh = new ApiKeys([`shop-a:${sha('secret-a')}`]);
    expect([fresh.identify('secret-a'), fresh.identify('secret-x')]).toEqual(['shop-a', undefined]);
    expect([fresh.identify('secret-a'), fresh.identify('secret-x')]).toEqual(['shop-a', undefined]);
    expect(fresh.identify('secret-a ')).toBeUndefined();
  });

  it('should read the key from a Bearer authorization or an x-api-key header', () => {
    expect(presentedApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedApiKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(presentedApiKey({})).toBeUndefined();
  });
});
