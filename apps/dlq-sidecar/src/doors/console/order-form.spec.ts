import 'reflect-metadata';
import { orderFields, orderOfForm, problemsByField } from './order-form';

describe('order form', () => {
  it("should take each field's HTML constraints from the contract's own rules", () => {
    const fields = orderFields({ customerId: 'c-1', currency: 'EUR', items: [{ quantity: 0 }] });

    const byName = Object.fromEntries(fields.map((field) => [field.name, field]));

    expect(byName['items.0.quantity'].rule).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(byName['items.0.quantity'].value).toBe('0');
    expect(byName['items.0.unitPriceCents'].rule).toMatchObject({ minimum: 0 });
    expect(byName.customerId.rule).toMatchObject({ minLength: 1 });
    expect(byName.currency.rule.enum).toContain('EUR');
    expect(byName['items.0.sku'].value).toBe('');
  });

  it('should read whole numbers as numbers, keep anything else as typed for the contract to refuse, and leave removed items out', () => {
    const order = orderOfForm({
      customerId: 'c-1',
      currency: 'EUR',
      'items.0.sku': 'A',
      'items.0.quantity': '3',
      'items.0.unitPriceCents': '1.5',
      'items.1.sku': 'B',
      'items.1.quantity': '1',
      'items.1.unitPriceCents': '0',
      'items.1.remove': 'on',
    });

    expect(order).toEqual({
      customerId: 'c-1',
      currency: 'EUR',
      items: [{ sku: 'A', quantity: 3, unitPriceCents: '1.5' }],
    });
  });

  it("should put the contract's problems on the form's field names", () => {
    const problems = problemsByField([
      { field: 'order.items.0.quantity', problems: ['quantity must not be less than 1'] },
    ]);

    expect([...problems]).toEqual([['items.0.quantity', 'quantity must not be less than 1']]);
  });
});
