import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { GroupTrends } from '../../operations/group-trends';
import { Inspect } from '../../operations/inspect';
import {
  Actor,
  OperationsErrorCode,
  OperationsException,
} from '../../operations/operations.exception';
import { ReadRecords } from '../../operations/read';
import { RECORD_STATES } from '../../records/record';
import { DoorRequests } from '../door-requests';
import { cursorOf, filterOf, limitOf, RequestInput } from '../request';
import { actorOf } from '../identity/identity';
import { identityOf } from '../identity/identified-request';
import { ConsolePages } from './console-pages';
import { auditPage } from './pages/audit.page';
import { groupsPage } from './pages/groups.page';
import { orderPage } from './pages/order.page';
import { LIST_FIELDS, ListQuery, ordersPage } from './pages/orders.page';
import { overviewPage } from './pages/overview.page';

const PAGE_SIZE = 50;

// The list's names in the URL, and the shared parser's names in its messages.
const PARSER_NAMES: Record<string, keyof ListQuery> = {
  since: 'from',
  until: 'to',
  text: 'q',
  order: 'orderId',
  cursor: 'page',
};

export interface LiveCounts {
  total: number;
  groups: Record<string, number>;
  at: string;
}

/** What each console view reads (through the operations) and renders. */
@Injectable()
export class ConsoleViews {
  constructor(
    private readonly pages: ConsolePages,
    private readonly read: ReadRecords,
    private readonly trends: GroupTrends,
    private readonly inspect: Inspect,
    private readonly doors: DoorRequests,
  ) {}

  async overview(request: FastifyRequest): Promise<string> {
    const groups = await this.trends.groups();
    return this.pages.render(request, (context) => overviewPage(context, groups));
  }

  async groups(request: FastifyRequest, input: RequestInput): Promise<string> {
    const since = single(input.since);
    const parsed = inputProblem(() => filterOf({ since }).since);
    const groups = await this.trends.groups(parsed.value);
    return this.pages.render(request, (context) =>
      groupsPage(context, { groups, since, sinceAt: parsed.value, problem: parsed.problem }),
    );
  }

  async orders(request: FastifyRequest, input: RequestInput): Promise<string> {
    const query: ListQuery = Object.fromEntries(
      [...LIST_FIELDS, 'page'].map((name) => [name, single(input[name])]),
    );
    const parsed = inputProblem(() => ({
      filter: filterOf({
        code: query.code,
        client: query.client,
        customer: query.customer,
        order: query.orderId,
        since: query.from,
        until: query.to,
        text: query.q,
        state: query.state,
      }),
      cursor: cursorOf({ cursor: query.page }),
    }));
    const page = parsed.value
      ? await this.read.list(parsed.value.filter, PAGE_SIZE, parsed.value.cursor)
      : undefined;
    return this.pages.render(request, (context) =>
      ordersPage(context, { query, page, problem: parsed.problem }),
    );
  }

  async order(request: FastifyRequest, key: string): Promise<string> {
    const records = await this.inspect.show(key, actor(request));
    return this.pages.render(request, (context) =>
      orderPage(context, { key, records, revealed: false }),
    );
  }

  async reveal(request: FastifyRequest, key: string, body: RequestInput): Promise<string> {
    const reason = typeof body.reason === 'string' ? body.reason : '';
    const records = await this.inspect.reveal(key, reason, actor(request));
    return this.pages.render(request, (context) =>
      orderPage(context, { key, records, revealed: true }),
    );
  }

  /** Owner, note and hold of a group, from the form on the groups view (an empty field keeps the value). */
  async triage(request: FastifyRequest, code: string, body: RequestInput): Promise<void> {
    const filled = Object.fromEntries(
      Object.entries(body).filter(([, value]) => typeof value !== 'string' || value.trim() !== ''),
    );
    await this.doors.triage(code, filled, actor(request));
  }

  async audit(request: FastifyRequest, input: RequestInput): Promise<string> {
    const limit = limitOf({ limit: single(input.limit) }, 100);
    const entries = await this.read.trail(limit);
    // Only a detail can repeat a customer id (a reveal's reason): the orders of those entries.
    const ids = [
      ...new Set(
        entries.flatMap((entry) => (Object.keys(entry.detail).length ? entry.recordIds : [])),
      ),
    ];
    const named = ids.length
      ? (await this.read.list({ ids, states: [...RECORD_STATES] }, ids.length)).items
      : [];
    const customerIds = new Map(
      named.flatMap((record) => (record.customerId ? [[record.id, record.customerId]] : [])),
    );
    return this.pages.render(request, (context) =>
      auditPage(context, { entries, limit, customerIds }),
    );
  }

  async live(): Promise<LiveCounts> {
    const groups = await this.trends.counts();
    return {
      total: Object.values(groups).reduce((sum, count) => sum + count, 0),
      groups,
      at: new Date().toISOString(),
    };
  }
}

function actor(request: FastifyRequest): Actor {
  return { actor: actorOf(identityOf(request)), via: 'http' };
}

/** A query value as one text; a repeated parameter counts by its first value. */
function single(value: unknown): string | undefined {
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'string' && first.trim() !== '' ? first : undefined;
}

/** Bad input in a view's form is said on the page, named as the form names it. */
function inputProblem<T>(parse: () => T): { value?: T; problem?: string } {
  try {
    return { value: parse() };
  } catch (error) {
    if (error instanceof OperationsException && error.code === OperationsErrorCode.InvalidRequest) {
      const [first, ...rest] = error.message.replace(' after until', ' after to').split(' ');
      return { problem: [PARSER_NAMES[first] ?? first, ...rest].join(' ') };
    }
    throw error;
  }
}
