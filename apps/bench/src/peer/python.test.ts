import { describe, expect, it } from 'vitest';
import { choosePython, INSTALL_COMMAND, isReferenceBlas, PeerError } from './python.js';

const OPENBLAS = ['/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblasp-r0.3.21.so'];
const REFERENCE = ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'];
const probe = (torch: string | null, blas: string[] = OPENBLAS) => ({ python: '3.11.2', torch, blas });

describe('choosing the Python that runs the peer', () => {
  it('takes the first interpreter that imports torch on a real BLAS', () => {
    const chosen = choosePython([
      { python: 'python3', probe: { ...probe(null), error: "ModuleNotFoundError: No module named 'torch'" } },
      { python: '/usr/bin/python3', probe: probe('1.13.0a0') },
    ]);
    expect(chosen.python).toBe('/usr/bin/python3');
    expect(chosen.probe.torch).toBe('1.13.0a0');
  });

  it('tells the user exactly how to install what is missing, without a stack', () => {
    const attempt = () =>
      choosePython([
        { python: 'python3', failure: 'spawnSync python3 ENOENT' },
        { python: '/usr/bin/python3', probe: { ...probe(null), error: "No module named 'torch'" } },
      ]);
    expect(attempt).toThrow(PeerError);
    expect(attempt).toThrow('apt-get install -y python3-torch');
    expect(attempt).toThrow(/python3: cannot run \(spawnSync python3 ENOENT\)/);
    expect(attempt).toThrow(/\/usr\/bin\/python3: Python 3\.11\.2 without torch/);
    expect(INSTALL_COMMAND).toBe('apt-get install -y python3-torch libopenblas0-openmp');
  });

  it("refuses PyTorch on Debian's reference BLAS: its products would not be PyTorch's usual speed", () => {
    expect(isReferenceBlas(REFERENCE)).toBe(true);
    expect(isReferenceBlas(OPENBLAS)).toBe(false);
    // The openblas alternative also provides a libblas.so.3, in its own folder.
    expect(isReferenceBlas(['/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3', ...OPENBLAS])).toBe(
      false,
    );
    expect(isReferenceBlas(['/opt/torch/lib/libmkl_core.so'])).toBe(false);
    expect(isReferenceBlas([])).toBe(false);
    expect(() => choosePython([{ python: '/usr/bin/python3', probe: probe('1.13.0a0', REFERENCE) }])).toThrow(
      /on the reference BLAS[\s\S]*libopenblas0-openmp/,
    );
  });
});
