// SPDX-License-Identifier: Apache-2.0
// SessionConfig → ConfigProto, and each option reaching TensorFlow where a CPU machine can show it.
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '../../lib';
import { encodeConfig } from '../../lib/session/session';
import { decode } from '../../lib/proto';
import { tempDir } from '../helpers/python';

const ROOT = path.resolve(__dirname, '..', '..');
const CPU0 = '/job:localhost/replica:0/task:0/device:CPU:0';

function addOne(device?: string) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [], 'x');
  const build = () => g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
  const y = device ? g.device(device, build) : build();
  return { g, x, y };
}

describe('SessionConfig', () => {
  test('every option is encoded into the ConfigProto field TensorFlow reads', () => {
    const bytes = encodeConfig({
      intraOpParallelismThreads: 3,
      interOpParallelismThreads: -1,
      allowSoftPlacement: true,
      logDevicePlacement: true,
      deviceCount: { CPU: 2, GPU: 0 },
      gpuOptions: { allowGrowth: true, perProcessGpuMemoryFraction: 0.25, visibleDeviceList: '1,0' },
    })!;
    const proto = decode('ConfigProto', bytes);
    expect(proto.intra_op_parallelism_threads).toBe(3);
    expect(proto.inter_op_parallelism_threads).toBe(-1);
    expect(proto.allow_soft_placement).toBe(true);
    expect(proto.log_device_placement).toBe(true);
    expect(proto.device_count).toEqual({ CPU: 2, GPU: 0 });
    expect(proto.gpu_options.allow_growth).toBe(true);
    expect(proto.gpu_options.per_process_gpu_memory_fraction).toBe(0.25);
    expect(proto.gpu_options.visible_device_list).toBe('1,0');
    expect(encodeConfig(undefined)).toBeNull();
    expect(decode('ConfigProto', encodeConfig({})!)).toEqual(decode('ConfigProto', new Uint8Array()));
  });

  test('deviceCount decides how many CPU devices the session has; listDevices gives names, types, memory', async () => {
    const { g } = addOne();
    const one = new tf.Session(g);
    const devices = one.listDevices();
    expect(devices).toEqual([{ name: CPU0, type: 'CPU', memoryBytes: expect.any(Number) }]);
    expect(devices[0].memoryBytes).toBeGreaterThan(0);
    const three = new tf.Session(g, { config: { deviceCount: { CPU: 3 } } });
    expect(three.listDevices().map((d) => d.name)).toEqual([0, 1, 2].map((i) => `/job:localhost/replica:0/task:0/device:CPU:${i}`));
    expect(three.listDevices().every((d) => d.type === 'CPU')).toBe(true);
    // An op on a CPU that only the three-CPU session has.
    const { g: g2, y } = addOne('/device:CPU:2');
    const onCpu2 = new tf.Session(g2, { config: { deviceCount: { CPU: 3 } } });
    const { results, trace } = await onCpu2.run(y, { x: 1 }, { trace: true });
    expect(results.item()).toBe(2);
    expect(trace.ops().find((o) => o.name === 'y')!.device).toBe('/job:localhost/replica:0/task:0/device:CPU:2');
    await Promise.all([one.close(), three.close(), onCpu2.close()]);
  });

  test("soft placement moves an op pinned to '/device:GPU:0' to the CPU when there is no GPU", async () => {
    const { g, y } = addOne('/device:GPU:0');
    expect(y.op.device).toBe('/device:GPU:0');
    const probe = new tf.Session(new tf.Graph());
    const hasGpu = probe.listDevices().some((d) => d.type === 'GPU');
    await probe.close();

    const soft = new tf.Session(g, { config: { allowSoftPlacement: true } });
    const { results, trace } = await soft.run(y, { x: 41 }, { trace: true });
    expect(results.item()).toBe(42);
    expect(trace.ops().find((o) => o.name === 'y')!.device).toMatch(hasGpu ? /device:GPU:0$/ : /device:CPU:0$/);

    const strict = new tf.Session(g, { config: { allowSoftPlacement: false } });
    if (hasGpu) {
      expect((await strict.run(y, { x: 1 })).item()).toBe(2);
    } else {
      const err = await strict.run(y, { x: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err.message).toMatch(/GPU:0/);
    }
    // GPU: 0 hides any GPU, so soft placement is what lets the op run even on a GPU machine.
    const noGpu = new tf.Session(g, { config: { allowSoftPlacement: true, deviceCount: { GPU: 0 } } });
    expect(noGpu.listDevices().some((d) => d.type === 'GPU')).toBe(false);
    expect((await noGpu.run(y, { x: 1 })).item()).toBe(2);
    await Promise.all([soft.close(), strict.close(), noGpu.close()]);
  });

  test('logDevicePlacement logs each op and its device (TensorFlow writes it to stderr)', () => {
    const child = (log: boolean) =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const tf = require('./dist');
           const g = new tf.Graph();
           const x = g.placeholder('float32', [], 'x');
           const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'placed_add' }).output(0);
           const s = new tf.Session(g, { config: { logDevicePlacement: ${log} } });
           console.log('result', s.runSync(y, { x: 1 }).item());`,
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0' } },
      );
    const on = child(true);
    expect(on.status).toBe(0);
    expect(on.stdout).toMatch(/result 2/);
    expect(on.stderr).toMatch(/placed_add: \(AddV2\): \/job:localhost\/replica:0\/task:0\/device:CPU:0/);
    expect(on.stderr).toMatch(/x: \(Placeholder\): \/job:localhost\/replica:0\/task:0\/device:CPU:0/);
    const off = child(false);
    expect(off.status).toBe(0);
    expect(off.stderr + off.stdout).not.toMatch(/placed_add: \(AddV2\)/);
  });

  test('thread and GPU options are accepted by TensorFlow on any machine', async () => {
    const { g, y } = addOne();
    const config: tf.SessionConfig = {
      intraOpParallelismThreads: 1,
      interOpParallelismThreads: -1, // ops run in the thread that runs the step
      gpuOptions: { allowGrowth: true, perProcessGpuMemoryFraction: 0.5 },
    };
    const sess = new tf.Session(g, { config });
    expect((await sess.run(y, { x: 1 })).item()).toBe(2);
    expect(sess.runSync(y, { x: 2 }).item()).toBe(3);
    await sess.close();
  });

  test('a SavedModel session takes the same config', async () => {
    const { g, x, y } = addOne();
    const sess = new tf.Session(g);
    const tmp = tempDir('tfn-config-');
    try {
      const dir = path.join(tmp.dir, 'm');
      await tf.savedModel.save(sess, dir, { signatures: { serving_default: { inputs: { x }, outputs: { y } } } });
      const model = await tf.savedModel.load(dir, { config: { deviceCount: { CPU: 2 }, interOpParallelismThreads: -1 } });
      expect(model.session.listDevices().filter((d) => d.type === 'CPU')).toHaveLength(2);
      expect((await model.run({ x: 1 })).y.item()).toBe(2);
      await model.close();
    } finally {
      tmp.cleanup();
      await sess.close();
    }
  });

  test('bad configs are clear errors before TensorFlow sees them', () => {
    const { g } = addOne();
    const make = (config: unknown) => () => new tf.Session(g, { config: config as tf.SessionConfig });
    expect(make(5)).toThrow(TypeError);
    expect(make({ intraOpParallelismThreads: 1.5 })).toThrow(/integer for intraOpParallelismThreads/);
    expect(make({ interOpParallelismThreads: '2' })).toThrow(TypeError);
    expect(make({ deviceCount: 'CPU' })).toThrow(TypeError);
    expect(make({ deviceCount: { CPU: 'two' } })).toThrow(/deviceCount\.CPU/);
    expect(make({ gpuOptions: true })).toThrow(TypeError);
    expect(make({ gpuOptions: { perProcessGpuMemoryFraction: 0 } })).toThrow(RangeError);
    expect(make({ gpuOptions: { perProcessGpuMemoryFraction: 1.5 } })).toThrow(RangeError);
    expect(make({ gpuOptions: { visibleDeviceList: 0 } })).toThrow(/string for visibleDeviceList/);
  });

  test('thread and device counts TensorFlow would crash on are RangeErrors (in a child process)', () => {
    // 2^31-1 intra- or inter-op threads was a SIGSEGV building the pool, 2^31-1 CPU devices a bad_alloc.
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `
        const tf = require('./dist');
        const g = new tf.Graph();
        const configs = [
          { intraOpParallelismThreads: 2 ** 31 - 1 }, { interOpParallelismThreads: 2 ** 31 - 1 },
          { deviceCount: { CPU: 2 ** 31 - 1 } }, { intraOpParallelismThreads: -1 }, { interOpParallelismThreads: -2 },
          { intraOpParallelismThreads: 1025 }, { deviceCount: { GPU: 257 } }, { deviceCount: { CPU: -1 } },
        ];
        for (const config of configs) {
          try { new tf.Session(g, { config }); console.log('accepted'); } catch (e) { console.log(e.name, e.message); }
        }
        `,
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, timeout: 60_000 },
    );
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(line).toMatch(/^RangeError Expected \S+ between -?\d+ and \d+ but received -?\d+$/);
    expect(lines[0]).toMatch(/intraOpParallelismThreads between 0 and 1024/);
    expect(lines[1]).toMatch(/interOpParallelismThreads between -1 and 1024/);
    expect(lines[2]).toMatch(/deviceCount\.CPU between 0 and 256/);
    expect(r.status).toBe(0);
  });

  test('the bounds themselves are accepted', async () => {
    const { g, x, y } = addOne();
    const config = { intraOpParallelismThreads: 0, interOpParallelismThreads: -1, deviceCount: { CPU: 1, GPU: 0 } };
    const sess = new tf.Session(g, { config });
    expect(sess.runSync(y, new Map([[x, 1]])).item()).toBe(2);
    await sess.close();
    const most = encodeConfig({ intraOpParallelismThreads: 1024, interOpParallelismThreads: 1024, deviceCount: { CPU: 256 } })!;
    expect(decode('ConfigProto', most)).toMatchObject({
      intra_op_parallelism_threads: 1024,
      inter_op_parallelism_threads: 1024,
      device_count: { CPU: 256 },
    });
  });
});
