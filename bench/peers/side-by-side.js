// SPDX-License-Identifier: Apache-2.0
// Interleaved rounds of us and our peers on one workload, and the table of medians with the issue's goals.
'use strict';
const { median, fmt } = require('../util');

/**
 * Runs `rounds` rounds; in each, every entry of `contenders` ({label: async () => µs per call, or null when
 * that contender is skipped}) is measured once, starting one further along each round so that no side always
 * runs first after the others. Returns {label: [µs, ...]}.
 */
async function interleave(contenders, rounds) {
  const labels = Object.keys(contenders).filter((k) => contenders[k]);
  const samples = Object.fromEntries(labels.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < labels.length; i++) {
      const label = labels[(i + r) % labels.length];
      samples[label].push(await contenders[label]());
    }
  }
  return samples;
}

/** Prints rows [label, µs samples or skip reason] as medians, with each one's ratio to `base` (a label). */
function printSideBySide(title, samples, skipped, base, unit = 'ms') {
  const scale = unit === 'ms' ? 1000 : 1;
  const baseUs = samples[base] ? median(samples[base]) : NaN;
  console.log(`\n${title}`);
  for (const [label, list] of Object.entries(samples)) {
    const us = median(list);
    const spread = `[${fmt(Math.min(...list) / scale, 3)}–${fmt(Math.max(...list) / scale, 3)}]`;
    const ratio = label === base ? '' : `${fmt(us / baseUs)}x ${base}`;
    console.log(`  ${label.padEnd(56)} ${fmt(us / scale, 3).padStart(9)} ${unit.padEnd(3)} ${spread.padEnd(18)} ${ratio}`);
  }
  for (const [label, why] of Object.entries(skipped)) console.log(`  ${label.padEnd(56)}   skipped: ${why.split('\n')[0]}`);
}

/**
 * The median over rounds of a's time over b's in the same round: on a machine whose load drifts, a ratio of
 * two neighbours in time, steadier than a ratio of medians taken minutes apart. NaN when either was skipped.
 */
function pairedRatio(samples, a, b) {
  if (!samples[a] || !samples[b]) return NaN;
  return median(samples[a].map((v, r) => v / samples[b][r]));
}

/** A goal line: `value` (a ratio) against `limit`, or "not measured" when a side of it was skipped. */
function goalLine(label, value, limit, direction = '<=') {
  if (!Number.isFinite(value)) return `  ${label.padEnd(66)} ${'—'.padStart(8)}   not measured (a side was skipped)`;
  const met = direction === '<=' ? value <= limit : value >= limit;
  return `  ${label.padEnd(66)} ${`${fmt(value)}x`.padStart(8)}   goal ${direction} ${limit}x: ${met ? 'met' : 'NOT met'}`;
}

module.exports = { interleave, printSideBySide, goalLine, pairedRatio };
