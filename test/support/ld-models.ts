import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * Runtime checks against LaunchDarkly's own client models. The generated client's models are
 * TypeScript interfaces, gone at run time, so this reads their declarations (`dist/api.d.ts`) with
 * the TypeScript parser into a registry of shapes, and validates a response body against a named
 * model: every missing required field and every wrong type, each with its JSON path.
 */

export type Shape =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'any' | 'object' }
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'enum'; readonly name: string; readonly values: readonly (string | number)[] }
  | { readonly kind: 'array' | 'map'; readonly of: Shape }
  | {
      readonly kind: 'model';
      readonly properties: Readonly<Record<string, Property>>;
      readonly index?: Shape;
    }
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'union'; readonly of: readonly Shape[] };

export interface Property {
  readonly shape: Shape;
  readonly required: boolean;
}

/** One way a value breaks a model, e.g. `{path: '$.items[0].mfa', problem: 'missing required field (string)'}`. */
export interface ModelIssue {
  readonly path: string;
  readonly problem: string;
}

interface Declarations {
  readonly interfaces: Map<string, ts.InterfaceDeclaration>;
  readonly aliases: Map<string, ts.TypeAliasDeclaration>;
  readonly constants: Map<string, ts.TypeNode>;
}

export class ModelRegistry {
  private readonly resolved = new Map<string, Shape>();

  private constructor(private readonly declarations: Declarations) {}

  /** A registry of the models declared in one `.d.ts` (or `.ts`) source text. */
  static fromDeclarations(source: string, fileName = 'models.d.ts'): ModelRegistry {
    const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const declarations: Declarations = { interfaces: new Map(), aliases: new Map(), constants: new Map() };
    for (const statement of file.statements) {
      if (ts.isInterfaceDeclaration(statement)) declarations.interfaces.set(statement.name.text, statement);
      else if (ts.isTypeAliasDeclaration(statement)) declarations.aliases.set(statement.name.text, statement);
      else if (ts.isVariableStatement(statement))
        for (const variable of statement.declarationList.declarations)
          if (ts.isIdentifier(variable.name) && variable.type)
            declarations.constants.set(variable.name.text, variable.type);
    }
    return new ModelRegistry(declarations);
  }

  /** The models of the installed `launchdarkly-api-typescript`, read once. */
  static launchDarkly(): ModelRegistry {
    launchDarklyRegistry ??= ModelRegistry.fromDeclarations(
      readFileSync(launchDarklyDeclarationsPath(), 'utf8'),
      'api.d.ts',
    );
    return launchDarklyRegistry;
  }

  has(name: string): boolean {
    return this.declarations.interfaces.has(name) || this.declarations.aliases.has(name);
  }

  /** The model's shape, with nested models left as references. */
  model(name: string): Shape {
    const known = this.resolved.get(name);
    if (known) return known;
    const shape = this.build(name);
    this.resolved.set(name, shape);
    return shape;
  }

  /** Each property of an object model: its type, as the client declares it, and whether it is required. */
  fields(name: string): { name: string; type: string; required: boolean }[] {
    const shape = this.model(name);
    if (shape.kind !== 'model') throw new Error(`${name} is not an object model`);
    return Object.entries(shape.properties).map(([field, property]) => ({
      name: field,
      type: describeShape(property.shape),
      required: property.required,
    }));
  }

  /** Every way `value` breaks the model `name`, nested models included; empty when it conforms. */
  validate(name: string, value: unknown): ModelIssue[] {
    const issues: ModelIssue[] = [];
    this.check({ kind: 'ref', name }, value, '$', issues);
    return issues;
  }

  private build(name: string): Shape {
    const declaration = this.declarations.interfaces.get(name);
    if (declaration) return this.interfaceShape(declaration);
    const alias = this.declarations.aliases.get(name);
    if (alias) return this.enumShape(name, alias.type) ?? this.shapeOf(alias.type);
    throw new Error(`no model named ${name} in the client's declarations`);
  }

  private interfaceShape(declaration: ts.InterfaceDeclaration): Shape {
    const properties: Record<string, Property> = {};
    for (const clause of declaration.heritageClauses ?? [])
      for (const base of clause.types) {
        const inherited = this.model(entityText(base.expression));
        if (inherited.kind === 'model') Object.assign(properties, inherited.properties);
      }
    const own = this.membersShape(declaration.members);
    return own.kind === 'model' ? { ...own, properties: { ...properties, ...own.properties } } : own;
  }

  private membersShape(members: ts.NodeArray<ts.TypeElement>): Shape {
    const properties: Record<string, Property> = {};
    let index: Shape | undefined;
    for (const member of members) {
      if (ts.isPropertySignature(member) && member.type) {
        properties[propertyName(member.name)] = {
          shape: this.shapeOf(member.type),
          required: member.questionToken === undefined,
        };
      } else if (ts.isIndexSignatureDeclaration(member)) {
        index = this.shapeOf(member.type);
      }
    }
    if (index && Object.keys(properties).length === 0) return { kind: 'map', of: index };
    return { kind: 'model', properties, ...(index ? { index } : {}) };
  }

  /** `export type XEnum = typeof XEnum[keyof typeof XEnum]` over `declare const XEnum: {readonly A: "a"}`. */
  private enumShape(name: string, type: ts.TypeNode): Shape | undefined {
    if (!ts.isIndexedAccessTypeNode(type) || !ts.isTypeQueryNode(type.objectType)) return undefined;
    const constant = this.declarations.constants.get(entityText(type.objectType.exprName));
    if (!constant || !ts.isTypeLiteralNode(constant)) return undefined;
    const values: (string | number)[] = [];
    for (const member of constant.members) {
      const literal = ts.isPropertySignature(member) ? member.type : undefined;
      if (literal && ts.isLiteralTypeNode(literal)) {
        if (ts.isStringLiteral(literal.literal)) values.push(literal.literal.text);
        else if (ts.isNumericLiteral(literal.literal)) values.push(Number(literal.literal.text));
      }
    }
    return { kind: 'enum', name, values };
  }

  private shapeOf(type: ts.TypeNode): Shape {
    switch (type.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { kind: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: 'boolean' };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
        return { kind: 'any' };
      case ts.SyntaxKind.ObjectKeyword:
        return { kind: 'object' };
    }
    if (ts.isParenthesizedTypeNode(type)) return this.shapeOf(type.type);
    if (ts.isArrayTypeNode(type)) return { kind: 'array', of: this.shapeOf(type.elementType) };
    if (ts.isUnionTypeNode(type)) return { kind: 'union', of: type.types.map((t) => this.shapeOf(t)) };
    if (ts.isTypeLiteralNode(type)) return this.membersShape(type.members);
    if (ts.isLiteralTypeNode(type)) return literalShape(type.literal);
    if (ts.isTypeReferenceNode(type)) {
      const name = entityText(type.typeName);
      const [argument] = type.typeArguments ?? [];
      if ((name === 'Array' || name === 'Set') && argument)
        return { kind: 'array', of: this.shapeOf(argument) };
      if (name === 'Date') return { kind: 'string' };
      return { kind: 'ref', name };
    }
    throw new Error(`unsupported type in the client's models: ${ts.SyntaxKind[type.kind]}`);
  }

  private check(shape: Shape, value: unknown, path: string, issues: ModelIssue[]): void {
    if (shape.kind === 'ref') {
      this.check(this.model(shape.name), value, path, issues);
    } else if (!this.matchesKind(shape, value)) {
      issues.push({ path, problem: `expected ${describeShape(shape)}, got ${typeOf(value)}` });
    } else if (shape.kind === 'array') {
      for (const [i, item] of (value as unknown[]).entries())
        this.check(shape.of, item, `${path}[${i}]`, issues);
    } else if (shape.kind === 'map') {
      for (const [key, item] of Object.entries(value as Record<string, unknown>))
        this.check(shape.of, item, childPath(path, key), issues);
    } else if (shape.kind === 'model') {
      this.checkFields(shape, value as Record<string, unknown>, path, issues);
    }
  }

  /** Whether the value is of the shape's JSON kind; for a union, whether it wholly conforms to one alternative. */
  private matchesKind(shape: Shape, value: unknown): boolean {
    switch (shape.kind) {
      case 'any':
        return true;
      case 'string':
      case 'boolean':
        return typeof value === shape.kind;
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'object':
      case 'map':
      case 'model':
        return isRecord(value);
      case 'array':
        return Array.isArray(value);
      case 'literal':
        return value === shape.value;
      case 'enum':
        return shape.values.includes(value as never);
      case 'union':
      case 'ref':
        return (shape.kind === 'union' ? shape.of : [shape]).some((alternative) =>
          this.conforms(alternative, value),
        );
    }
  }

  private checkFields(
    shape: Shape & { kind: 'model' },
    value: Record<string, unknown>,
    path: string,
    issues: ModelIssue[],
  ): void {
    for (const [field, property] of Object.entries(shape.properties)) {
      if (Object.hasOwn(value, field) && value[field] !== undefined)
        this.check(property.shape, value[field], childPath(path, field), issues);
      else if (property.required)
        issues.push({
          path: childPath(path, field),
          problem: `missing required field (${describeShape(property.shape)})`,
        });
    }
    if (shape.index)
      for (const [key, item] of Object.entries(value))
        if (!Object.hasOwn(shape.properties, key))
          this.check(shape.index, item, childPath(path, key), issues);
  }

  private conforms(shape: Shape, value: unknown): boolean {
    const issues: ModelIssue[] = [];
    this.check(shape, value, '$', issues);
    return issues.length === 0;
  }
}

let launchDarklyRegistry: ModelRegistry | undefined;

function launchDarklyDeclarationsPath(): string {
  const entry = createRequire(import.meta.url).resolve('launchdarkly-api-typescript');
  return join(dirname(entry), 'api.d.ts');
}

/** A type as the client's declarations spell it, e.g. `Array<Statement>`, `{[key]: Link}`. */
export function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case 'literal':
      return JSON.stringify(shape.value);
    case 'enum':
      return shape.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'array':
      return `Array<${describeShape(shape.of)}>`;
    case 'map':
      return `{[key]: ${describeShape(shape.of)}}`;
    case 'model':
      return `{${Object.entries(shape.properties)
        .map(([name, p]) => `${name}${p.required ? '' : '?'}: ${describeShape(p.shape)}`)
        .join('; ')}}`;
    case 'ref':
      return shape.name;
    case 'union':
      return shape.of.map(describeShape).join(' | ');
    default:
      return shape.kind;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function entityText(name: ts.EntityName | ts.Expression): string {
  if (ts.isIdentifier(name)) return name.text;
  if (ts.isQualifiedName(name)) return `${entityText(name.left)}.${name.right.text}`;
  if (ts.isPropertyAccessExpression(name)) return `${entityText(name.expression)}.${name.name.text}`;
  throw new Error(`unsupported type name: ${ts.SyntaxKind[name.kind]}`);
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  throw new Error(`unsupported property name: ${ts.SyntaxKind[name.kind]}`);
}

function literalShape(literal: ts.LiteralTypeNode['literal']): Shape {
  if (ts.isStringLiteral(literal)) return { kind: 'literal', value: literal.text };
  if (ts.isNumericLiteral(literal)) return { kind: 'literal', value: Number(literal.text) };
  if (literal.kind === ts.SyntaxKind.TrueKeyword) return { kind: 'literal', value: true };
  if (literal.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'literal', value: false };
  if (literal.kind === ts.SyntaxKind.NullKeyword) return { kind: 'literal', value: null };
  throw new Error(`unsupported literal type: ${ts.SyntaxKind[literal.kind]}`);
}
