/**
 * Evaluates the subset of the expr language (github.com/expr-lang/expr) that KEDA scalingModifiers
 * formulas use here: numbers, trigger names, + - * / %, comparisons, && || !, ternaries, parentheses
 * and min/max/abs/ceil/floor. The k8s tests and the simulator run the manifest's own formula.
 */
type Value = number | boolean;

interface Token {
  kind: 'number' | 'name' | 'operator' | 'end';
  text: string;
  position: number;
}

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '?',
  ':',
  '(',
  ')',
  ',',
];
const FUNCTIONS: Record<string, (...values: number[]) => number> = {
  max: Math.max,
  min: Math.min,
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
};

function tokenize(formula: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < formula.length) {
    const rest = formula.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    const number = /^(\d+(\.\d+)?|\.\d+)/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], position: index });
      index += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      const word = name[0];
      const kind = word === 'and' || word === 'or' || word === 'not' ? 'operator' : 'name';
      tokens.push({
        kind,
        text: word === 'and' ? '&&' : word === 'or' ? '||' : word === 'not' ? '!' : word,
        position: index,
      });
      index += word.length;
      continue;
    }
    const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (!operator) {
      throw new Error(`formula: unexpected "${rest[0]}" at ${index} in: ${formula}`);
    }
    tokens.push({ kind: 'operator', text: operator, position: index });
    index += operator.length;
  }
  tokens.push({ kind: 'end', text: '', position: formula.length });
  return tokens;
}

type Node =
  | { type: 'number'; value: number }
  | { type: 'name'; name: string }
  | { type: 'unary'; operator: string; operand: Node }
  | { type: 'binary'; operator: string; left: Node; right: Node }
  | { type: 'ternary'; condition: Node; then: Node; otherwise: Node }
  | { type: 'call'; name: string; args: Node[] };

const BINARY_LEVELS = [
  ['||'],
  ['&&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

function parse(formula: string): Node {
  const tokens = tokenize(formula);
  let position = 0;
  const peek = (): Token => tokens[position];
  const next = (): Token => tokens[position++];
  const expect = (text: string): void => {
    const token = next();
    if (token.text !== text) {
      throw new Error(`formula: expected "${text}" at ${token.position} in: ${formula}`);
    }
  };

  const ternary = (): Node => {
    const condition = binary(0);
    if (peek().text !== '?') {
      return condition;
    }
    next();
    const then = ternary();
    expect(':');
    return { type: 'ternary', condition, then, otherwise: ternary() };
  };
  const binary = (level: number): Node => {
    if (level === BINARY_LEVELS.length) {
      return unary();
    }
    let left = binary(level + 1);
    while (peek().kind === 'operator' && BINARY_LEVELS[level].includes(peek().text)) {
      const operator = next().text;
      left = { type: 'binary', operator, left, right: binary(level + 1) };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek().text === '-' || peek().text === '!') {
      const operator = next().text;
      return { type: 'unary', operator, operand: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = next();
    if (token.kind === 'number') {
      return { type: 'number', value: Number(token.text) };
    }
    if (token.kind === 'name') {
      if (peek().text !== '(') {
        return { type: 'name', name: token.text };
      }
      next();
      const args: Node[] = [];
      while (peek().text !== ')') {
        args.push(ternary());
        if (peek().text === ',') {
          next();
        }
      }
      expect(')');
      if (!FUNCTIONS[token.text]) {
        throw new Error(`formula: unknown function ${token.text}() in: ${formula}`);
      }
      return { type: 'call', name: token.text, args };
    }
    if (token.text === '(') {
      const inner = ternary();
      expect(')');
      return inner;
    }
    throw new Error(
      `formula: unexpected "${token.text || 'end'}" at ${token.position} in: ${formula}`,
    );
  };

  const tree = ternary();
  if (peek().kind !== 'end') {
    throw new Error(`formula: unexpected "${peek().text}" at ${peek().position} in: ${formula}`);
  }
  return tree;
}

function names(node: Node, into: Set<string>): Set<string> {
  switch (node.type) {
    case 'number':
      break;
    case 'name':
      into.add(node.name);
      break;
    case 'unary':
      names(node.operand, into);
      break;
    case 'binary':
      names(node.left, into);
      names(node.right, into);
      break;
    case 'ternary':
      names(node.condition, into);
      names(node.then, into);
      names(node.otherwise, into);
      break;
    case 'call':
      node.args.forEach((arg) => names(arg, into));
      break;
  }
  return into;
}

function asNumber(value: Value): number {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function evaluate(node: Node, variables: Record<string, number>): Value {
  switch (node.type) {
    case 'number':
      return node.value;
    case 'name':
      if (!(node.name in variables)) {
        throw new Error(`formula: no value for "${node.name}"`);
      }
      return variables[node.name];
    case 'unary': {
      const operand = evaluate(node.operand, variables);
      return node.operator === '!' ? !operand : -asNumber(operand);
    }
    case 'ternary':
      return evaluate(node.condition, variables)
        ? evaluate(node.then, variables)
        : evaluate(node.otherwise, variables);
    case 'call':
      return FUNCTIONS[node.name](...node.args.map((arg) => asNumber(evaluate(arg, variables))));
    case 'binary': {
      if (node.operator === '&&') {
        return Boolean(evaluate(node.left, variables)) && Boolean(evaluate(node.right, variables));
      }
      if (node.operator === '||') {
        return Boolean(evaluate(node.left, variables)) || Boolean(evaluate(node.right, variables));
      }
      const left = asNumber(evaluate(node.left, variables));
      const right = asNumber(evaluate(node.right, variables));
      switch (node.operator) {
        case '+':
          return left + right;
        case '-':
          return left - right;
        case '*':
          return left * right;
        case '/':
          return left / right;
        case '%':
          return left % right;
        case '==':
          return left === right;
        case '!=':
          return left !== right;
        case '<':
          return left < right;
        case '<=':
          return left <= right;
        case '>':
          return left > right;
        case '>=':
          return left >= right;
        default:
          throw new Error(`formula: unknown operator ${node.operator}`);
      }
    }
  }
}

export class Formula {
  private readonly tree: Node;

  constructor(readonly source: string) {
    this.tree = parse(source);
  }

  /** Trigger names the formula reads. */
  get variables(): string[] {
    return [...names(this.tree, new Set<string>())].sort();
  }

  /** KEDA requires a number; a boolean result is an error there, so it is one here too. */
  evaluate(variables: Record<string, number>): number {
    const result = evaluate(this.tree, variables);
    if (typeof result !== 'number') {
      throw new Error(`formula returns a boolean, KEDA needs a number: ${this.source}`);
    }
    return result;
  }
}
