import { CreateOrderDto, FieldProblem, MAX_ITEMS_PER_ORDER, OrderItemDto } from '@orders/contracts';
import { RequestInput } from '../request';

// Where @nestjs/swagger keeps each property's schema: the contract's own rules, the ones the
// OpenAPI document publishes. The form's HTML constraints come from here, so they cannot drift.
const MODEL_PROPERTIES = 'swagger/apiModelProperties';

interface PropertyRule {
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: string[];
}

function ruleOf(dto: { prototype: object }, property: string): PropertyRule {
  return (Reflect.getMetadata(MODEL_PROPERTIES, dto.prototype, property) ?? {}) as PropertyRule;
}

/** One input of the edit form: its name is the field's path in the order (`items.0.quantity`). */
export interface OrderField {
  name: string;
  label: string;
  kind: 'text' | 'number';
  rule: PropertyRule;
  value: string;
}

const ITEM_FIELDS = [
  { property: 'sku', label: 'SKU', kind: 'text' },
  { property: 'quantity', label: 'Quantity', kind: 'number' },
  { property: 'unitPriceCents', label: 'Unit price (cents)', kind: 'number' },
] as const;

/** The rules the browser checks a JSON edit against (the same table as the form's attributes). */
export function orderRules() {
  return {
    customerId: ruleOf(CreateOrderDto, 'customerId'),
    currency: ruleOf(CreateOrderDto, 'currency'),
    items: { minItems: 1, maxItems: MAX_ITEMS_PER_ORDER },
    item: Object.fromEntries(
      ITEM_FIELDS.map(({ property, kind }) => [
        property,
        { ...ruleOf(OrderItemDto, property), kind },
      ]),
    ),
  };
}

/** The form's fields for an order as it is (whatever shape it has), plus `extraItems` empty rows. */
export function orderFields(order: unknown, extraItems = 0): OrderField[] {
  const given = (isObject(order) ? order : {}) as Record<string, unknown>;
  const items = Array.isArray(given.items) ? given.items : [];
  const rows = [...items, ...Array.from({ length: extraItems }, () => ({}))].slice(
    0,
    MAX_ITEMS_PER_ORDER,
  );
  return [
    field(
      'customerId',
      'Customer id',
      'text',
      ruleOf(CreateOrderDto, 'customerId'),
      given.customerId,
    ),
    field(
      'currency',
      'Currency (ISO 4217)',
      'text',
      ruleOf(CreateOrderDto, 'currency'),
      given.currency,
    ),
    ...rows.flatMap((item, index) =>
      ITEM_FIELDS.map(({ property, label, kind }) =>
        field(
          `items.${index}.${property}`,
          `${label} of item ${index + 1}`,
          kind,
          ruleOf(OrderItemDto, property),
          isObject(item) ? (item as Record<string, unknown>)[property] : undefined,
        ),
      ),
    ),
  ];
}

/**
 * The order a submitted form describes: text as typed, whole numbers as numbers (anything else
 * stays text, for the contract to refuse by name). Rows ticked "remove" are left out.
 */
export function orderOfForm(body: RequestInput): Record<string, unknown> {
  const items: Record<string, unknown>[] = [];
  for (let index = 0; index < MAX_ITEMS_PER_ORDER; index++) {
    if (!ITEM_FIELDS.some(({ property }) => `items.${index}.${property}` in body)) {
      break;
    }
    if (body[`items.${index}.remove`] === 'on') {
      continue;
    }
    items.push(
      Object.fromEntries(
        ITEM_FIELDS.map(({ property, kind }) => {
          const value = String(body[`items.${index}.${property}`] ?? '');
          return [
            property,
            kind === 'number' && /^-?\d{1,15}$/.test(value) ? Number(value) : value,
          ];
        }),
      ),
    );
  }
  return {
    customerId: String(body.customerId ?? ''),
    currency: String(body.currency ?? ''),
    items,
  };
}

/** The contract's problems by form field name (`order.items.0.quantity` → `items.0.quantity`). */
export function problemsByField(fields: FieldProblem[] = []): Map<string, string> {
  return new Map(
    fields.map((problem) => [problem.field.replace(/^order\.?/, ''), problem.problems.join('; ')]),
  );
}

function field(
  name: string,
  label: string,
  kind: 'text' | 'number',
  rule: PropertyRule,
  value: unknown,
): OrderField {
  return {
    name,
    label,
    kind,
    rule,
    value:
      value === undefined || value === null
        ? ''
        : typeof value === 'string'
          ? value
          : JSON.stringify(value),
  };
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
