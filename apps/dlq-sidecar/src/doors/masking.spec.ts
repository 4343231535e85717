import { customerIdsIn, maskCustomerId, maskedValue, maskerOf } from './masking';

describe(maskCustomerId.name, () => {
  it('should keep the first and the last two characters when the id is long enough', () => {
    expect(maskCustomerId('customer-4242')).toBe('c••••42');
  });

  it('should show nothing of a short id', () => {
    expect(maskCustomerId('abcd')).toBe('••••');
  });
});

describe(maskerOf.name, () => {
  it('should mask every occurrence of a customer id, in a body and elsewhere', () => {
    const body = JSON.stringify({ order: { customerId: 'cust-777', note: 'call cust-777' } });

    expect(maskerOf(['cust-777'])(body)).toBe(
      JSON.stringify({ order: { customerId: 'c••••77', note: 'call c••••77' } }),
    );
  });

  it('should leave text without the ids alone', () => {
    expect(maskerOf(['cust-777', ''])('nothing here')).toBe('nothing here');
  });
});

describe(maskedValue.name, () => {
  it('should mask a filter customer and the given ids in every text, and find ids in a JSON body', () => {
    const detail = { filter: { customer: 'cust-777', code: 'X' }, reason: 'call cust-9999' };
    const body = JSON.stringify({ order: { customerId: 'cust-5555' } });

    expect(maskedValue(detail, ['cust-9999'])).toEqual({
      filter: { customer: 'c••••77', code: 'X' },
      reason: 'call c••••99',
    });
    expect([...customerIdsIn([body, { customerId: 'cust-1234' }])]).toEqual([
      'cust-5555',
      'cust-1234',
    ]);
  });
});

describe(maskerOf.name, () => {
  it('should mask the longer of two ids where one contains the other, and ids with pattern characters', () => {
    expect(maskerOf(['cust-1', 'cust-12', 'a.b+c'])('cust-1 cust-12 a.b+c')).toBe(
      'c••••-1 c••••12 a••••+c',
    );
  });
});
