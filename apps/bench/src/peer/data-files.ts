import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataArrays } from '@diffeo/datasets';
import type { PeerDataFile } from './protocol.js';

/**
 * The data the peer reads, written once per run as raw little-endian float32 files in a temporary
 * folder (removed by `dispose`), so both sides measure on the same rows.
 */
export class PeerDataFiles {
  private dir: string | undefined;
  private readonly files = new Map<string, PeerDataFile>();

  /** The file of `key` (unique per content within a run), written from `make()` the first time. */
  async file(key: string, make: () => DataArrays): Promise<PeerDataFile> {
    const known = this.files.get(key);
    if (known !== undefined) return known;
    this.dir ??= await mkdtemp(path.join(tmpdir(), 'diffeo-bench-peer-'));
    const data = make();
    const bytes = Buffer.alloc(data.x.length * 4);
    // Explicitly little-endian, as the peer reads it.
    for (let i = 0; i < data.x.length; i++) bytes.writeFloatLE(data.x[i]!, i * 4);
    const file = {
      path: path.join(this.dir, `${key.replace(/[^\w.-]/g, '_')}.f32`),
      rows: data.n,
      cols: data.dim,
    };
    await writeFile(file.path, bytes);
    this.files.set(key, file);
    return file;
  }

  async dispose(): Promise<void> {
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.files.clear();
  }
}
