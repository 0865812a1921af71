import { describe, expect, it } from 'vitest';
import { cpuIdFrom, machineInfo } from './machine.js';

const ZEN4 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx fma avx2 avx512f avx512dq

processor\t: 1
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 99
`;

describe('machineInfo', () => {
  it("names the first processor's vendor, family, model and vector extensions from /proc/cpuinfo", () => {
    expect(cpuIdFrom(ZEN4)).toBe('AuthenticAMD family 25 model 17: avx avx2 fma avx512f');
    const noAvx = ZEN4.replace(/^flags.*$/m, 'flags\t\t: fpu sse sse2');
    expect(cpuIdFrom(noAvx)).toBe('AuthenticAMD family 25 model 17: no AVX');
    // Another platform's text (an ARM board without these fields): no id rather than a wrong one.
    expect(cpuIdFrom('processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd\n')).toBeUndefined();
  });

  it('records it on Linux', () => {
    const info = machineInfo();
    if (process.platform === 'linux') expect(info.cpuId).toMatch(/family \d+ model \d+: /);
    else expect(info.cpuId).toBeUndefined();
  });
});
