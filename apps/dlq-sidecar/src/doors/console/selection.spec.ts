import { OperationsException } from '../../operations/operations.exception';
import { selectionOf } from './selection';

describe(selectionOf.name, () => {
  it('should read ticked orders (key repeated) and keep them for a confirm step', () => {
    const selection = selectionOf({ key: ['12', 'a0574f87-b35e-42a6-9eb7-beeef8d34766'] });

    expect(selection.keys).toEqual(['12', 'a0574f87-b35e-42a6-9eb7-beeef8d34766']);
    expect(selection.fields).toEqual([
      ['key', '12'],
      ['key', 'a0574f87-b35e-42a6-9eb7-beeef8d34766'],
    ]);
  });

  it("should read the list's filter fields as the doors' filter when scope=filter", () => {
    const selection = selectionOf({
      scope: 'filter',
      code: 'invalid_envelope',
      orderId: '',
      q: 'SKU-42',
      from: '2026-12-01T10:00',
    });

    expect(selection.filter).toEqual({
      code: 'INVALID_ENVELOPE',
      text: 'SKU-42',
      since: new Date('2026-12-01T10:00'),
    });
    expect(selection.fields).toEqual([
      ['code', 'invalid_envelope'],
      ['from', '2026-12-01T10:00'],
      ['q', 'SKU-42'],
      ['scope', 'filter'],
    ]);
  });

  it('should refuse a choice that names no order', () => {
    for (const body of [{}, { key: ' ' }, { scope: 'filter', code: '' }]) {
      expect(() => selectionOf(body)).toThrow(OperationsException);
    }
  });
});
