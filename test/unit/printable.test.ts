import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PRINTABLE_LENGTH, printable, printableJson } from '../../src/printable';

/** Anything a terminal acts on: C0 and C1 controls, DEL. */
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('printable', () => {
  test('ordinary ids and text pass through unchanged', () => {
    for (const value of ['abcd1234=', 'eu-west-1_AbC', '1f2e-…', 'Zoë 中文 😀', 'a b:c/d+e=f']) assert.equal(printable(value), value);
  });

  test('control characters, escape sequences, bidi and zero-width marks are shown as \\u escapes', () => {
    assert.equal(printable('\u001b]0;title\u0007'), '\\u001b]0;title\\u0007');
    assert.equal(printable('a\nb\rc\td'), 'a\\u000ab\\u000dc\\u0009d');
    assert.equal(printable('x\u009b31my'), 'x\\u009b31my');
    assert.equal(printable('\u202egnp.exe'), '\\u202egnp.exe');
    assert.equal(printable('a\u200bb\u2028c\ufeff'), 'a\\u200bb\\u2028c\\ufeff');
    assert.equal(printable('\u007f'), '\\u007f');
    // A lone surrogate cannot be printed either.
    assert.equal(printable('x\ud800'), 'x\\ud800');
  });

  test('a character beyond the BMP is escaped as its UTF-16 pair', () => {
    assert.equal(printable('tag\u{e0001}'), 'tag\\udb40\\udc01');
  });

  test('the length is bounded, on code points, with an ellipsis', () => {
    const long = 'x'.repeat(10_000);
    assert.equal(printable(long), `${'x'.repeat(MAX_PRINTABLE_LENGTH)}…`);
    assert.equal(printable('abcdef', 3), 'abc…');
    // Never half of a surrogate pair.
    assert.equal(printable('😀😀😀', 2), '😀😀…');
    // The bound applies before escaping: an escape never gets cut in half.
    assert.equal(printable('\u001b\u001b\u001b', 2), '\\u001b\\u001b…');
  });

  test('absent, numbers, booleans and other types', () => {
    assert.equal(printable(undefined), '(none)');
    assert.equal(printable(null), '(none)');
    assert.equal(printable(42), '42');
    assert.equal(printable(false), 'false');
    assert.equal(printable(['a']), '(an array)');
    assert.equal(printable({ a: 1 }), '(a object)');
  });

  test('nothing it returns holds a raw control character', () => {
    let all = '';
    for (let code = 0; code < 0x2100; code++) all += String.fromCharCode(code);
    assert.doesNotMatch(printable(all, 100_000), RAW_CONTROL);
  });
});

describe('printableJson', () => {
  test('parses back to exactly the same values, with nothing raw a terminal acts on', () => {
    const value = { kid: 'k\u001b[2J', sub: 'a\u009bb\u202ec\u2028', n: 1, nested: [{ x: '\u0000' }], tag: '\u{e0001}', plain: 'Zoë' };
    const text = printableJson(value, 2);
    // Newlines are its indentation; no other control character is raw.
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.doesNotMatch(text, /[\u202e\u2028\u{e0001}]/u);
    assert.deepEqual(JSON.parse(text), value);
    // The indentation stays: it is the structure, not the content.
    assert.match(text, /^\{\n {2}"kid"/);
  });

  test('undefined is written as null, as a JSON document must be something', () => {
    assert.equal(printableJson(undefined), 'null');
  });
});
