import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Discard } from '../../operations/discard';
import { EditAndRetry } from '../../operations/edit';
import {
  Actor,
  notFound,
  OperationsErrorCode,
  OperationsException,
} from '../../operations/operations.exception';
import { ReadRecords } from '../../operations/read';
import { DoorRequests } from '../door-requests';
import { Redrive } from '../../operations/redrive';
import { actorOf } from '../identity/identity';
import { identityOf } from '../identity/identified-request';
import { orderOf, rateOf, RequestInput, stagesOf, text } from '../request';
import { ConsolePages } from './console-pages';
import { orderOfForm, problemsByField } from './order-form';
import { confirmCountPage, discardResultPage, DiscardVerb } from './pages/discard.page';
import { editPage, editReviewPage, EditView } from './pages/edit.page';
import { planPage } from './pages/plan.page';
import { plansPage } from './pages/plans.page';
import { recordFilterOf, selectionOf } from './selection';

/** A page to show (with its status), or where to go next (303, so a reload does not post again). */
export type ConsoleAnswer = { page: string; status?: number } | { redirect: string };

const PLAN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The console's actions: each form's input becomes one use case call (the same the admin API and
 * the CLI make), and its result a page or a redirect. The actor is always the verified identity.
 */
@Injectable()
export class ConsoleActions {
  constructor(
    private readonly pages: ConsolePages,
    private readonly read: ReadRecords,
    private readonly redrive: Redrive,
    private readonly editing: EditAndRetry,
    private readonly discarding: Discard,
    private readonly doors: DoorRequests,
  ) {}

  async plan(request: FastifyRequest, body: RequestInput): Promise<ConsoleAnswer> {
    const filter = await recordFilterOf(selectionOf(body), this.read);
    const { plan } = await this.doors.plan(filter, by(request));
    return { redirect: `/console/plans/${plan.id}` };
  }

  async planView(request: FastifyRequest, id: string, query: RequestInput): Promise<ConsoleAnswer> {
    const planId = planIdOf(id);
    const after = text(query, 'after');
    const page = 100;
    const [status, reasons] = await Promise.all([
      this.redrive.status(planId, page + 1, after && /^\d{1,18}$/.test(after) ? after : undefined),
      this.redrive.reasons(planId),
    ]);
    const items = status.items.slice(0, page);
    const nextAfter = status.items.length > page ? items[items.length - 1].recordId : undefined;
    return {
      page: this.pages.render(request, (context) =>
        planPage(context, {
          ...status,
          items,
          reasons,
          nextAfter,
          defaults: { stages: this.redrive.configuredStages, rate: this.redrive.defaultRate },
        }),
      ),
    };
  }

  async plans(request: FastifyRequest): Promise<ConsoleAnswer> {
    const plans = await this.redrive.list(100);
    return { page: this.pages.render(request, (context) => plansPage(context, plans)) };
  }

  async apply(request: FastifyRequest, id: string, body: RequestInput): Promise<ConsoleAnswer> {
    const planId = planIdOf(id);
    const stages =
      body.mode === 'staged'
        ? stagesOf({ stages: body.stages }, this.redrive.configuredStages)
        : body.mode === 'rest'
          ? []
          : undefined;
    await this.redrive.start(planId, by(request), rateOf(body), stages);
    return { redirect: `/console/plans/${planId}` };
  }

  async cancel(request: FastifyRequest, id: string): Promise<ConsoleAnswer> {
    const planId = planIdOf(id);
    await this.redrive.cancel(planId, by(request));
    return { redirect: `/console/plans/${planId}` };
  }

  async editForm(request: FastifyRequest, key: string): Promise<ConsoleAnswer> {
    const view = await this.editView(key);
    return { page: this.pages.render(request, (context) => editPage(context, view)) };
  }

  /** review (dry run: the diff, or the fields the contract refuses) → send (kept, retried) → the plan's page. */
  async edit(request: FastifyRequest, key: string, body: RequestInput): Promise<ConsoleAnswer> {
    const view = await this.editView(key);
    const asJson = typeof body.orderJson === 'string';
    let order: unknown;
    try {
      order = asJson ? orderOf({ order: body.orderJson }) : orderOfForm(body);
    } catch (error) {
      return this.editAgain(request, { ...view, json: String(body.orderJson) }, error);
    }
    const shown: EditView = asJson
      ? { ...view, order, json: body.step === 'revise' ? undefined : String(body.orderJson) }
      : { ...view, order };
    if (body.step === 'add-item' || body.step === 'revise') {
      return {
        page: this.pages.render(request, (context) =>
          editPage(context, { ...shown, extraItems: body.step === 'add-item' ? 1 : 0 }),
        ),
      };
    }
    const sending = body.step === 'send';
    try {
      const report = await this.editing.apply(key, order, !sending, by(request));
      if (sending && report.retry) {
        return { redirect: `/console/plans/${report.retry.planId}` };
      }
      return {
        page: this.pages.render(request, (context) =>
          editReviewPage(context, shown, report.diff, report.after),
        ),
      };
    } catch (error) {
      return this.editAgain(request, shown, error);
    }
  }

  /** Soft discard or restore; more than one order only with the count typed back. */
  async discardOrRestore(
    request: FastifyRequest,
    verb: DiscardVerb,
    body: RequestInput,
  ): Promise<ConsoleAnswer> {
    const selection = selectionOf(body);
    const filter = await recordFilterOf(selection, this.read);
    const typed = typeof body.confirmCount === 'string' ? body.confirmCount.trim() : '';
    const expected = /^\d{1,9}$/.test(typed) ? Number(typed) : undefined;
    const matching = (
      await this.read.list(verb === 'restore' ? { ...filter, states: ['discarded'] } : filter, 1)
    ).total;
    if (matching > 1 && expected === undefined) {
      return {
        page: this.pages.render(request, (context) =>
          confirmCountPage(context, verb, matching, selection.fields),
        ),
      };
    }
    try {
      const ids =
        verb === 'discard'
          ? (await this.discarding.discard(filter, expected, by(request))).discarded
          : (await this.discarding.restore(filter, by(request), expected)).restored;
      return {
        page: this.pages.render(request, (context) => discardResultPage(context, verb, ids)),
      };
    } catch (error) {
      if (
        error instanceof OperationsException &&
        error.code === OperationsErrorCode.ConfirmationRequired
      ) {
        return {
          status: 400,
          page: this.pages.render(request, (context) =>
            confirmCountPage(context, verb, matching, selection.fields, error.message),
          ),
        };
      }
      throw error;
    }
  }

  private async editView(key: string): Promise<EditView> {
    const editable = await this.editing.editable(key);
    const [shown] = (await this.read.show(editable.recordId)).filter(
      (candidate) => candidate.record.id === editable.recordId,
    );
    return { key, editable, record: shown.record, edits: shown.edits, order: editable.order };
  }

  // The contract's verdict goes back onto the form, next to the fields it names.
  private editAgain(request: FastifyRequest, view: EditView, error: unknown): ConsoleAnswer {
    if (
      !(error instanceof OperationsException) ||
      (error.code !== OperationsErrorCode.InvalidOrder &&
        error.code !== OperationsErrorCode.InvalidRequest)
    ) {
      throw error;
    }
    const problems = problemsByField(error.fields);
    return {
      status: 400,
      page: this.pages.render(request, (context) =>
        editPage(context, {
          ...view,
          problems,
          message: problems.size > 0 ? undefined : error.message,
        }),
      ),
    };
  }
}

function by(request: FastifyRequest): Actor {
  return { actor: actorOf(identityOf(request)), via: 'http' };
}

function planIdOf(id: string): string {
  if (!PLAN_ID.test(id)) {
    throw notFound(`plan ${id}`);
  }
  return id;
}
