import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/http/errors.js';
import {
  MAX_BODY_DEPTH,
  nestsDeeperThan,
  parseJsonText,
  requireJsonContentType,
} from '../../shared/http/json-body.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (error) {
    return (error as ApiError).code;
  }
};

describe('the JSON body rules', () => {
  it.each([
    ['[1]', 1, false],
    ['[[1]]', 1, true],
    ['{"a":{"b":[]}}', 3, false],
    ['{"a":{"b":[]}}', 2, true],
    ['"[[[[[[["', 1, false],
    ['["\\"[[["]', 1, false],
    ['["\\\\", [[]]]', 2, true],
    ['{"k[":"]{"}', 1, false],
  ])('%s nests deeper than %i: %s', (text, limit, deeper) => {
    expect(nestsDeeperThan(text, limit)).toBe(deeper);
  });

  it('a million brackets are refused by the scan, in linear time, before any parse', () => {
    const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const started = performance.now();
    expect(() => parseJsonText(text)).toThrow(`${MAX_BODY_DEPTH} levels`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('JSON at the depth limit parses', () => {
    const text = '['.repeat(MAX_BODY_DEPTH) + ']'.repeat(MAX_BODY_DEPTH);
    expect(parseJsonText(text)).toBeInstanceOf(Array);
  });

  it.each([
    ['application/json', 'accepted'],
    ['application/json; charset=utf-8', 'accepted'],
    ['application/json;charset=UTF8', 'accepted'],
    ['Application/Json; Charset="utf-8"', 'accepted'],
    ['application/json-patch+json', 'accepted'],
    ['application/vnd.api+json; profile=x', 'accepted'],
    ['application/json; charset=iso-8859-1', 'unsupported_media_type'],
    ['application/jsonp', 'unsupported_media_type'],
    ['application/+json', 'unsupported_media_type'],
    ['text/json', 'unsupported_media_type'],
    ['text/plain', 'unsupported_media_type'],
    ['application/x-www-form-urlencoded', 'unsupported_media_type'],
    ['', 'unsupported_media_type'],
    [undefined, 'unsupported_media_type'],
  ])('Content-Type %s: %s', (type, outcome) => {
    expect(codeOf(() => requireJsonContentType(type))).toBe(outcome);
  });

  it('names the content type it refused, and no more than 100 characters of it', () => {
    expect(() => requireJsonContentType('text/plain')).toThrow('not "text/plain"');
    const long = `text/${'x'.repeat(10_000)}`;
    try {
      requireJsonContentType(long);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).message.length).toBeLessThan(250);
    }
  });
});

describe('text that is not Unicode', () => {
  it.each([
    ['a lone high surrogate', String.raw`{"name":"\ud800"}`],
    ['a lone low surrogate', String.raw`{"name":"a\udc00b"}`],
    ['a reversed pair', String.raw`["\ude00\ud83d"]`],
    ['a lone surrogate in a key', String.raw`{"\ud800":1}`],
    ['a raw lone surrogate', '{"name":"\ud800"}'],
  ])('%s is a 400', (_, text) => {
    expect(() => parseJsonText(text)).toThrow('not valid Unicode');
  });

  it.each([
    ['an escaped pair', String.raw`{"name":"\ud83d\ude00"}`],
    ['a raw emoji', '{"name":"😀"}'],
    ['an escaped backslash before u', String.raw`{"name":"\\ud800"}`],
  ])('%s is text', (_, text) => {
    expect(() => parseJsonText(text)).not.toThrow();
  });

  it('half a million items with one escape are walked without a stack overflow', () => {
    const text = `[${'1,'.repeat(500_000)}"\\ud83d\\ude00"]`;
    expect((parseJsonText(text) as unknown[]).length).toBe(500_001);
  });
});
