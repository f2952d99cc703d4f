// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';
import { tfAddon } from '../../lib/binding/library';
import { readOpSignature } from '../../lib/ops/op-def-wire';
import { decode } from '../../lib/proto';

describe('readOpSignature', () => {
  test('reads the same input args and attr types as protobufjs for every registered op', () => {
    const g = new tf.Graph();
    const ops = decode('OpList', tfAddon().allOpList()).op as Array<{ name: string }>;
    expect(ops.length).toBeGreaterThan(1000);
    for (const { name } of ops) {
      const bytes = g._native.opDef(name);
      const def = decode('OpDef', bytes);
      const sig = readOpSignature(bytes);
      expect(sig.name).toBe(def.name);
      expect(sig.inputArgs).toEqual(
        (def.input_arg ?? []).map((a: Record<string, string>) => ({ name: a.name, isList: Boolean(a.number_attr || a.type_list_attr) })),
      );
      expect([...sig.attrTypes]).toEqual((def.attr ?? []).map((a: Record<string, string>) => [a.name, a.type]));
    }
  });

  test('malformed bytes are a RangeError, never a crash', () => {
    const good = new tf.Graph()._native.opDef('AddV2');
    for (const cut of [1, 2, 5, good.length - 1]) expect(() => readOpSignature(good.subarray(0, cut))).toThrow(RangeError);
    expect(() => readOpSignature(Uint8Array.of(0x0b))).toThrow(/wire type 3/);
    const tooLongVarint = Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    expect(() => readOpSignature(tooLongVarint)).toThrow(RangeError);
    expect(readOpSignature(new Uint8Array(0))).toEqual({ name: '', inputArgs: [], attrTypes: new Map() });
  });
});
