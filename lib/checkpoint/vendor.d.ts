// SPDX-License-Identifier: Apache-2.0
// Types for the packages the index pre-check uses: crc-32 types only its CRC-32 entry point, snappyjs ships none.
declare module 'crc-32/crc32c' {
  /** The CRC-32C of `data` (signed 32-bit, continuing from `seed`). */
  export function buf(data: Uint8Array, seed?: number): number;
}

declare module 'snappyjs' {
  export function uncompress(data: Uint8Array): Uint8Array;
  export function compress(data: Uint8Array): Uint8Array;
}
