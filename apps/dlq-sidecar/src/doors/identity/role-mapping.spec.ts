import { claimValues, RoleMapping } from './role-mapping';

describe(RoleMapping.name, () => {
  it('should take the highest role among the mapped values', () => {
    const mapping = new RoleMapping(['dlq-ops=operator', 'cn=admins,ou=x=admin']);

    expect(mapping.roleOf(['staff', 'dlq-ops', 'reader'])).toBe('operator');
    expect(mapping.roleOf(['cn=admins,ou=x', 'dlq-ops'])).toBe('admin');
    expect(mapping.roleOf(['admin'])).toBe('admin');
  });

  it('should give no role when no value is mapped', () => {
    expect(new RoleMapping([]).roleOf(['staff', 'Admin'])).toBeUndefined();
  });
});

describe('claimValues', () => {
  it('should read lists, nested paths and space- or comma-separated text', () => {
    const claims = {
      roles: ['reader', 7, 'operator'],
      realm_access: { roles: ['admin'] },
      scope: 'openid admin',
      groups: 'a, b',
    };

    expect(claimValues(claims, 'roles')).toEqual(['reader', 'operator']);
    expect(claimValues(claims, 'realm_access.roles')).toEqual(['admin']);
    expect(claimValues(claims, 'scope')).toEqual(['openid', 'admin']);
    expect(claimValues(claims, 'groups')).toEqual(['a', 'b']);
    expect(claimValues(claims, 'realm_access.missing.deeper')).toEqual([]);
  });
});
