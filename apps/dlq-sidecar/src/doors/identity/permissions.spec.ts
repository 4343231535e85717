import { OperatorRole } from '@orders/config';
import { Identity } from './identity';
import { ACTIONS, may, permissionsOf, refusalOf } from './permissions';

const person = (role: OperatorRole): Identity => ({
  subject: 's-1',
  name: 'Rita',
  role,
  via: 'oidc',
});

describe('permissions', () => {
  it('should let each role do exactly what its rank allows', () => {
    const allowed = (role: OperatorRole) =>
      permissionsOf(person(role))
        .filter((line) => line.allowed)
        .map((line) => line.action);

    expect(allowed('reader')).toEqual(['failed-orders.read']);
    expect(allowed('operator')).toEqual([
      'failed-orders.read',
      'failed-orders.reveal',
      'failed-orders.redrive',
      'failed-orders.edit',
      'failed-orders.triage',
      'failed-orders.discard',
    ]);
    expect(allowed('admin')).toEqual(Object.keys(ACTIONS));
  });

  it('should say which role is missing when an action is refused', () => {
    expect(refusalOf(person('reader'), 'failed-orders.redrive')).toBe(
      'Needs the operator role; Rita has the reader role.',
    );
    expect(refusalOf(person('operator'), 'failed-orders.redrive')).toBeUndefined();
    expect(may(person('operator'), 'failed-orders.purge')).toBe(false);
  });
});
