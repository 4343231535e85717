import { Injectable, PipeTransform } from '@nestjs/common';
import {
  CONTRACT_VALIDATION,
  describeValidationErrors,
  OrderAcceptedEnvelope,
  toOrderAcceptedEnvelope,
} from '@orders/contracts';
import { validateSync } from 'class-validator';
import { ProcessingErrorCode, ProcessingException } from './processing.exception';

/**
 * The same contract rules as the gateway's HTTP validation, applied to queue messages. Synchronous
 * and without class-transformer: Nest's ValidationPipe was the largest cost per message in the
 * processor's CPU profile.
 */
@Injectable()
export class EnvelopeValidationPipe implements PipeTransform<unknown, OrderAcceptedEnvelope> {
  transform(value: unknown): OrderAcceptedEnvelope {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ProcessingException(
        ProcessingErrorCode.InvalidEnvelope,
        'Invalid order envelope: not a JSON object',
      );
    }
    const envelope = toOrderAcceptedEnvelope(value as Record<string, unknown>);
    const errors = validateSync(envelope, CONTRACT_VALIDATION);
    if (errors.length > 0) {
      const fields = describeValidationErrors(errors);
      throw new ProcessingException(
        ProcessingErrorCode.InvalidEnvelope,
        `Invalid order envelope: ${fields.map((field) => field.field).join(', ')}`,
        fields,
      );
    }
    return envelope;
  }
}
