// SPDX-License-Identifier: Apache-2.0
// The addon's addOperation contract (native/graph.h): operations as ids, inputs in an Int32Array spec, and
// clear errors, never a crash, for specs the façade would never send.
import * as tf from '../../lib';
import { tfAddon } from '../../lib/binding/library';
import { AttrKind, Native } from '../../lib/binding/native';

const FLOAT32 = 1;

function placeholder(g: Native.Graph, name: string): number {
  return g.addOperation('Placeholder', name, '', new Int32Array([0, 0, 0]), [['dtype', AttrKind.type, FLOAT32]]);
}

/** The name of the error `fn` throws: the addon's errors come from the main realm, not jest's test realm. */
function errorName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return 'nothing thrown';
}

function addSpec(a: number, b: number): Int32Array {
  // [output-count slot, 2 input args, single a:0, single b:0, no control inputs]
  return new Int32Array([0, 2, -1, a, 0, -1, b, 0, 0]);
}

describe('native Graph.addOperation', () => {
  test('returns an id, writes the output count to spec[0], and the id finds the operation', () => {
    const g = new (tfAddon().Graph)();
    const x = placeholder(g, 'x');
    const spec = addSpec(x, x);
    const id = g.addOperation('AddV2', 'sum', '', spec, undefined);
    expect(spec[0]).toBe(1);
    expect(g.operation(id).name()).toBe('sum');
    expect(g.operation(id).input(1)).toEqual(['x', 0]);
    expect(g.operationId('sum')).toBeGreaterThanOrEqual(0);
    expect(g.operation(g.operationId('sum')).type()).toBe('AddV2');
    expect(g.operationId('absent')).toBe(-1);
  });

  test('list inputs and control inputs travel in the spec', () => {
    const g = new (tfAddon().Graph)();
    const x = placeholder(g, 'x');
    const y = placeholder(g, 'y');
    // [slot, 1 input arg, a list of 3: x:0 y:0 x:0, 1 control input: y]
    const id = g.addOperation('AddN', 'n', '', new Int32Array([0, 1, 3, x, 0, y, 0, x, 0, 1, y]), undefined);
    const op = g.operation(id);
    expect(op.numInputs()).toBe(3);
    expect(op.input(1)).toEqual(['y', 0]);
    expect(op.controlInputs()).toEqual(['y']);
  });

  test('unknown ids, bad output indices and malformed specs throw and leave the graph unchanged', () => {
    const g = new (tfAddon().Graph)();
    const x = placeholder(g, 'x');
    const before = g.numOperations();
    expect(errorName(() => g.addOperation('AddV2', 'a', '', addSpec(x, 99), undefined))).toBe('RangeError');
    expect(() => g.addOperation('AddV2', 'a', '', addSpec(x, 99), undefined)).toThrow(/input 1 of 'a' names operation id 99, which this graph never gave out/);
    expect(errorName(() => g.addOperation('AddV2', 'a', '', addSpec(x, -1), undefined))).toBe('RangeError');
    expect(() => g.addOperation('AddV2', 'a', '', new Int32Array([0, 2, -1, x, 1, -1, x, 0, 0]), undefined)).toThrow(/names output 1 of 'x', which has 1 outputs/);
    expect(() => g.addOperation('AddV2', 'a', '', new Int32Array([0, 2, -1, x, 0]), undefined)).toThrow(/input spec of 'a' is malformed/);
    expect(() => g.addOperation('AddN', 'a', '', new Int32Array([0, 1, 1000, x, 0, 0]), undefined)).toThrow(/malformed/);
    expect(() => g.addOperation('AddN', 'a', '', new Int32Array([0, 1, -2, x, 0, 0]), undefined)).toThrow(/malformed/);
    expect(() => g.addOperation('NoOp', 'a', '', new Int32Array([0, 0, 5, x]), undefined)).toThrow(/malformed/);
    expect(() => g.addOperation('NoOp', 'a', '', new Int32Array([0, 0, 1, 7]), undefined)).toThrow(/Control input 0 of 'a' names operation id 7/);
    expect(errorName(() => g.addOperation('NoOp', 'a', '', new Int32Array([]), undefined))).toBe('TypeError');
    const floats = new Float64Array([0, 0, 0]) as unknown as Int32Array;
    expect(errorName(() => g.addOperation('NoOp', 'a', '', floats, undefined))).toBe('TypeError');
    expect(errorName(() => g.addOperation('NoOp', 'a', '', [0, 0, 0] as unknown as Int32Array, undefined))).toBe('TypeError');
    const notAttrs = {} as unknown as Native.AttrEntry[];
    expect(errorName(() => g.addOperation('NoOp', 'a', '', new Int32Array([0, 0, 0]), notAttrs))).toBe('TypeError');
    expect(g.numOperations()).toBe(before);
    expect(errorName(() => g.operation(42))).toBe('RangeError');
    expect(errorName(() => g.operation(0.5))).toBe('RangeError');
  });

  test('an id of another graph is only an index into this graph: unknown here, it is refused', () => {
    const a = new (tfAddon().Graph)();
    const b = new (tfAddon().Graph)();
    placeholder(a, 'p');
    const q = placeholder(a, 'q');
    const bx = placeholder(b, 'x');
    expect(errorName(() => b.addOperation('AddV2', 'sum', '', addSpec(bx, q), undefined))).toBe('RangeError');
  });

  test('long names and op types cross intact', () => {
    const g = new (tfAddon().Graph)();
    for (const length of [126, 127, 128, 300]) {
      const name = 'n'.repeat(length - 1) + 'é';
      const id = g.addOperation('NoOp', name, '', new Int32Array([0, 0, 0]), undefined);
      expect(g.operation(id).name()).toBe(name);
    }
  });
});

describe('Graph.addOperation with inputs that build operations', () => {
  test('a toOutput that builds an operation does not disturb the spec of the operation being built', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const y = g.placeholder('float32', [], 'y');
    // Stands for Neg(y), built when it is used, as a Variable builds its read.
    const negY = { [tf.toOutput]: () => g.addOperation('Neg', { inputs: [[y][0]], name: 'neg_y' }).output(0) };
    const sum = g.addOperation('AddN', { inputs: [[x, negY, x, negY]] });
    expect(sum.inputs.map((o) => o.name)).toEqual(['x:0', 'neg_y:0', 'x:0', 'neg_y_1:0']);
    const session = new tf.Session(g);
    expect(session.runSync(sum.output(0), { x: 3, y: 1 }).item()).toBe(4);
    return session.close();
  });

  test('operations found by name and built ones share ids with the addon', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    g.importGraphDef(g.toGraphDef(), { prefix: 'imported' });
    const imported = g.operation('imported/x')!;
    expect(imported.type).toBe('Placeholder');
    expect(imported.numOutputs).toBe(1);
    const sum = g.ops.addV2(imported.output(0), x);
    expect(sum.op.inputs.map((o) => o.name)).toEqual(['imported/x:0', 'x:0']);
  });
});
