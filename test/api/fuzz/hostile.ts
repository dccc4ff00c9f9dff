import fc from 'fast-check';

/**
 * The classes of input an outside probe found answered with 500s, as fast-check arbitraries.
 * Each class has a canonical value (always sent to every place) and an arbitrary for the rest.
 */
export interface HostileClass {
  name: string;
  canonical: unknown;
  values: fc.Arbitrary<unknown>;
  /** Whether every place must refuse it at validation (it can never be stored). */
  alwaysRefused: boolean;
}

const around = (core: fc.Arbitrary<string>) =>
  fc.tuple(fc.string({ maxLength: 6 }), core, fc.string({ maxLength: 6 })).map(([a, b, c]) => `${a}${b}${c}`);

const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((unit) => String.fromCharCode(unit));

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf', '__defineGetter__'];

export const hostileClasses: HostileClass[] = [
  { name: 'NUL character', canonical: 'a\u0000b', values: around(fc.constant('\u0000')), alwaysRefused: true },
  { name: 'lone UTF-16 surrogate', canonical: 'a\ud800b', values: around(loneSurrogate), alwaysRefused: true },
  {
    name: 'huge, negative and non-finite numbers',
    canonical: '99999999999999999999',
    values: fc.oneof(
      fc.constantFrom('99999999999999999999', '-99999999999999999999', '1e308', '-1e308', '1e-400', '-1', '-0', '2147483648', '9007199254740993', 'NaN', 'Infinity', '0x10', '1.5'),
      fc.constantFrom(1e308, -1e308, 1e20, -1e20, -1, 2147483648, -2147483649, 9007199254740993, 1.5, 0),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
    ),
    alwaysRefused: false,
  },
  {
    name: 'leap-second and out-of-range times',
    canonical: '2026-06-30T23:59:60Z',
    values: fc.oneof(
      fc.constantFrom(
        '2016-12-31T23:59:60Z',
        '2026-02-30T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:59:59Z',
        '+275760-09-13T00:00:00.000Z',
        '-000001-01-01T00:00:00Z',
        '2026-01-01T24:00:00Z',
        '2026-06-30 23:59:60',
        '2026-01-01T00:00:00+99:99',
        '2026-01-01',
        '8640000000000001',
      ),
      fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.integer({ min: -9_999_999, max: 9_999_999 }).map((y) => `${y}-01-01T00:00:00Z`),
    ),
    alwaysRefused: false,
  },
  { name: 'prototype names as keys and values', canonical: '__proto__', values: fc.constantFrom(...PROTOTYPE_NAMES), alwaysRefused: false },
  {
    name: 'wrong types',
    canonical: { nested: ['x'] },
    values: fc.oneof(fc.constantFrom(null, true, false, 0, -1, 1.5, '', ' ', [], {}, [[]], { __proto__: null }), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 })),
    alwaysRefused: false,
  },
];

/** Bodies that are not what their Content-Encoding says, or an encoding nobody speaks. */
export const contentEncodings = fc.constantFrom('gzip', 'br', 'deflate', 'x-gzip', 'compress', 'zstd', 'x-bogus', 'gzip, br', 'identity, gzip');

/** JSON that does not parse, or parses into something no schema expects. */
export const malformedJson = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,]', 'nul', "{'a':1}", '\u0000', '{"a":"\\u0000"}', '"\\ud800"', '{"\\u0000":1}', '{"__proto__":{"admin":true}}', '1e999', '[' .repeat(3000) + ']'.repeat(3000)),
  fc.string({ maxLength: 12 }).map((s) => `{${s}`),
);
