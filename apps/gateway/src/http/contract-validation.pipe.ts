import { ArgumentMetadata, Injectable, PipeTransform, Type } from '@nestjs/common';
import {
  CONTRACT_VALIDATION,
  CreateOrderDto,
  describeValidationErrors,
  isValidOrder,
  toCreateOrderDto,
} from '@orders/contracts';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { RequestValidationException } from './validation.exception';

interface HotContract {
  // class-transformer's generic plainToInstance cost more than validating.
  toInstance: (body: Record<string, unknown>) => object;
  // A body this accepts needs no metadata walk; any other still goes through class-validator.
  isValid: (body: unknown) => boolean;
}
const HOT_CONTRACTS = new Map<Type<unknown>, HotContract>([
  [CreateOrderDto, { toInstance: toCreateOrderDto, isValid: isValidOrder }],
]);

/**
 * Validates request bodies against the contract classes with the same rules the processor applies
 * to queue messages (whitelist, forbidNonWhitelisted), synchronously: no rule is asynchronous.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  private readonly validated = new Map<Type<unknown>, boolean>();

  transform(value: unknown, { type, metatype }: ArgumentMetadata): unknown {
    if (type !== 'body' || !metatype || !this.hasRules(metatype)) {
      return value;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RequestValidationException([
        { field: '(body)', problems: ['the body must be a JSON object'] },
      ]);
    }
    const hot = HOT_CONTRACTS.get(metatype);
    const instance = hot
      ? hot.toInstance(value as Record<string, unknown>)
      : (plainToInstance(metatype, value) as object);
    if (hot?.isValid(value)) {
      return instance;
    }
    const errors = validateSync(instance, CONTRACT_VALIDATION);
    if (errors.length > 0) {
      throw new RequestValidationException(describeValidationErrors(errors));
    }
    return instance;
  }

  private hasRules(metatype: Type<unknown>): boolean {
    let known = this.validated.get(metatype);
    if (known === undefined) {
      known =
        getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).length > 0;
      this.validated.set(metatype, known);
    }
    return known;
  }
}
