// SPDX-License-Identifier: Apache-2.0
// Issue 15, item 2: a fed plain TypedArray is copied when run() is called, whatever its alignment. It used to
// be used in place when it happened to be 64-byte aligned (1 offset in 16), so an Identity result aliased the
// caller's memory and writes made after run() changed what the run computed.
import * as tf from '../../lib';

const N = 4096; // 16 KiB: over the 4 KiB below which arrays were always copied

function identity() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [N], 'x');
  const y = g.addOperation('Identity', { inputs: [x], name: 'y' }).output(0);
  return { x, y, session: new tf.Session(g) };
}

describe('fed plain TypedArrays', () => {
  test('at all 16 offsets, writes after run() change neither the run nor its result', async () => {
    const { x, y, session } = identity();
    // Offsets 0, 4, …, 60 bytes into one buffer: exactly one of them is 64-byte aligned.
    const backing = new ArrayBuffer(N * 4 + 64);
    for (let k = 0; k < 16; k++) {
      const input = new Float32Array(backing, 4 * k, N).fill(k);
      const pending = session.run(y, new Map([[x, input]]));
      input.fill(-1); // before the run has even started on the pool
      const r = await pending;
      const data = r.data() as Float32Array;
      expect([k, data.every((v) => v === k)]).toEqual([k, true]);
      input.fill(-2); // the result must not be the caller's memory
      expect([k, data.every((v) => v === k)]).toEqual([k, true]);
      r.dispose();

      input.fill(k + 100);
      const sync = session.runSync(y, new Map([[x, input]]));
      input.fill(-3);
      expect([k, (sync.data() as Float32Array).every((v) => v === k + 100)]).toEqual([k, true]);
      sync.dispose();
    }
    await session.close();
  });

  test('a tf.tensor over a plain TypedArray is copied when fed, also at an aligned offset', async () => {
    const { x, y, session } = identity();
    const backing = new ArrayBuffer(N * 4 + 64);
    for (let k = 0; k < 16; k++) {
      const input = new Float32Array(backing, 4 * k, N).fill(k);
      const t = tf.tensor(input); // viewed, not copied, by the host Tensor
      const r = session.runSync(y, new Map([[x, t]]));
      input.fill(-1);
      expect([k, (r.data() as Float32Array).every((v) => v === k)]).toEqual([k, true]);
      r.dispose();
    }
    await session.close();
  });

  test('a fed view of one of our tensors is still shared, not copied', async () => {
    const { x, y, session } = identity();
    const alloc = tf.Tensor.alloc('float32', [N]);
    const view = alloc.data() as Float32Array;
    view.fill(1);
    const r = session.runSync(y, new Map([[x, view]]));
    // Identity forwards the buffer it was fed: the result is alloc's memory.
    view[5] = 42;
    expect((r.data() as Float32Array)[5]).toBe(42);
    r.dispose();
    alloc.dispose();
    await session.close();
  });
});
