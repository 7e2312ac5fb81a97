import { describe, expect, it } from 'vitest';
import { ModelRegistry } from '../support/ld-models.js';

// The runtime checker the contract suite relies on: if it could not fail, the suite would prove nothing.
const models = ModelRegistry.launchDarkly();

const link = { self: { href: '/api/v2/members/m1', type: 'application/json' } };
const member = {
  _links: link,
  _id: 'm1',
  role: 'reader',
  email: 'a@example.com',
  _pendingInvite: false,
  _verified: true,
  customRoles: [],
  mfa: 'disabled',
  _lastSeen: 0,
  creationDate: 1_700_000_000_000,
};

const required = (name: string) =>
  models
    .fields(name)
    .filter((f) => f.required)
    .map((f) => f.name)
    .sort();

describe('reading the client models', () => {
  it.each([
    ['Token', ['_id', '_links', 'creationDate', 'lastModified', 'memberId', 'ownerId']],
    [
      'Member',
      [
        '_id',
        '_lastSeen',
        '_links',
        '_pendingInvite',
        '_verified',
        'creationDate',
        'customRoles',
        'email',
        'mfa',
        'role',
      ],
    ],
    ['Members', ['_links', 'items']],
    ['CustomRole', ['_id', '_links', 'key', 'name', 'policy']],
    ['CustomRoles', ['items']],
    ['CallerIdentityRep', []],
    ['NotFoundErrorRep', ['code', 'message']],
  ])('%s requires exactly the fields the client declares without "?"', (name, fields) => {
    expect(required(name)).toEqual(fields);
  });

  it('reads enums, arrays, maps and nested models with the types the client declares', () => {
    const types = Object.fromEntries(models.fields('Token').map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      _member: 'MemberSummary',
      inlineRole: 'Array<Statement>',
      _links: '{[key]: Link}',
      creationDate: 'number',
    });
    expect(models.fields('Statement').find((f) => f.name === 'effect')?.type).toBe('StatementEffectEnum');
    expect(models.model('StatementEffectEnum')).toEqual({
      kind: 'enum',
      name: 'StatementEffectEnum',
      values: ['allow', 'deny'],
    });
  });

  it('an unknown model name is an error, not a pass', () => {
    expect(() => models.validate('NoSuchModel', {})).toThrow(/NoSuchModel/);
  });
});

describe('validating a body against a model', () => {
  it('a conforming body has no issues, and fields the model does not name are tolerated', () => {
    expect(models.validate('Member', member)).toEqual([]);
    expect(models.validate('Member', { ...member, extra: 1 })).toEqual([]);
    expect(models.validate('Members', { items: [member, member], _links: link, totalCount: 2 })).toEqual([]);
  });

  it('catches a missing required field, with its JSON path inside a collection', () => {
    const { mfa: _mfa, ...withoutMfa } = member;
    expect(models.validate('Members', { items: [member, withoutMfa], _links: link })).toEqual([
      { path: '$.items[1].mfa', problem: 'missing required field (string)' },
    ]);
  });

  it('catches a wrong type, null included, with its JSON path', () => {
    expect(
      models.validate('Member', { ...member, _lastSeen: '0', customRoles: ['r', 7], mfa: null }),
    ).toEqual([
      { path: '$.customRoles[1]', problem: 'expected string, got number 7' },
      { path: '$.mfa', problem: 'expected string, got null' },
      { path: '$._lastSeen', problem: 'expected number, got string "0"' },
    ]);
  });

  it('reports every issue at once, not only the first', () => {
    expect(models.validate('Member', {}).map((i) => i.path)).toHaveLength(required('Member').length);
  });

  it('checks optional fields when present, nested models and maps included', () => {
    const token = {
      _id: 't1',
      ownerId: 'o',
      memberId: 'm1',
      creationDate: 1,
      lastModified: 1,
      _links: { self: { href: 7 } },
      _member: { _id: 'm1', role: 'reader', _links: link },
      inlineRole: [{ effect: 'permit', actions: ['*'] }],
      serviceToken: 'no',
    };
    expect(models.validate('Token', token)).toEqual([
      { path: '$._member.email', problem: 'missing required field (string)' },
      { path: '$.inlineRole[0].effect', problem: 'expected "allow" | "deny", got string "permit"' },
      { path: '$.serviceToken', problem: 'expected boolean, got string "no"' },
      { path: '$._links.self.href', problem: 'expected string, got number 7' },
    ]);
  });

  it('a collection that is a bare array is not the object the client expects', () => {
    expect(models.validate('Members', [member])).toEqual([
      { path: '$', problem: expect.stringMatching(/^expected \{items: Array<Member>.*got array$/) },
    ]);
  });

  it('handles unions, literals and inherited fields in declarations', () => {
    const registry = ModelRegistry.fromDeclarations(`
      export interface Base { 'id': string; }
      export interface Thing extends Base { 'kind': 'a' | 'b'; 'size'?: number | string; 'tags'?: string[]; }
    `);
    expect(registry.validate('Thing', { id: 'x', kind: 'a', size: '2', tags: ['t'] })).toEqual([]);
    expect(registry.validate('Thing', { kind: 'c', size: true, tags: 't' })).toEqual([
      { path: '$.id', problem: 'missing required field (string)' },
      { path: '$.kind', problem: 'expected "a" | "b", got string "c"' },
      { path: '$.size', problem: 'expected number | string, got boolean true' },
      { path: '$.tags', problem: 'expected Array<string>, got string "t"' },
    ]);
  });
});
