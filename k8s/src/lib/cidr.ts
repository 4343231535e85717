// Address arithmetic for NetworkPolicy ipBlocks: does a CIDR (minus its exceptions) hold an address?

function toBigInt(address: string): { value: bigint; bits: number } | undefined {
  if (address.includes('.')) {
    const parts = address.split('.').map(Number);
    if (parts.length !== 4 || parts.some((part) => !(part >= 0 && part <= 255))) {
      return undefined;
    }
    return { value: parts.reduce((sum, part) => sum * 256n + BigInt(part), 0n), bits: 32 };
  }
  const [head, tail = ''] = address.split('::');
  const groups = (text: string): string[] => (text ? text.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = address.includes('::')
    ? [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)]
    : groups(head);
  if (all.length !== 8 || all.some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) {
    return undefined;
  }
  return {
    value: all.reduce((sum, group) => sum * 65536n + BigInt(`0x${group}`), 0n),
    bits: 128,
  };
}

function inCidr(cidr: string, address: string): boolean {
  const [network, length] = cidr.split('/');
  const base = toBigInt(network);
  const target = toBigInt(address);
  if (!base || !target || base.bits !== target.bits) {
    return false;
  }
  const shift = BigInt(base.bits - Number(length ?? base.bits));
  return base.value >> shift === target.value >> shift;
}

/** Whether a NetworkPolicy ipBlock admits the address. */
export function ipBlockAdmits(
  block: { cidr?: string; except?: string[] } | undefined,
  address: string,
): boolean {
  return (
    block?.cidr !== undefined &&
    inCidr(block.cidr, address) &&
    !(block.except ?? []).some((excluded) => inCidr(excluded, address))
  );
}
