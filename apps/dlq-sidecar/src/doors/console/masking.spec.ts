import { masked, maskCustomerId } from './masking';

describe(maskCustomerId.name, () => {
  it('should keep the first and the last two characters when the id is long enough', () => {
    expect(maskCustomerId('customer-4242')).toBe('c••••42');
  });

  it('should show nothing of a short id', () => {
    expect(maskCustomerId('abcd')).toBe('••••');
  });
});

describe(masked.name, () => {
  it('should mask every occurrence of a customer id, in a body and elsewhere', () => {
    const body = JSON.stringify({ order: { customerId: 'cust-777', note: 'call cust-777' } });

    expect(masked(body, ['cust-777'])).toBe(
      JSON.stringify({ order: { customerId: 'c••••77', note: 'call c••••77' } }),
    );
  });

  it('should leave text without the ids alone', () => {
    expect(masked('nothing here', ['cust-777', ''])).toBe('nothing here');
  });
});
