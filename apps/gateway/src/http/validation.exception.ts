import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { CONTRACT_VALIDATION, describeValidationErrors, FieldProblem } from '@orders/contracts';

/** A request body that breaks the order contract; carries each bad field for the response. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly fields: FieldProblem[]) {
    super(`Invalid request body: ${fields.map((field) => field.field).join(', ')}`);
  }
}

export function contractValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...CONTRACT_VALIDATION,
    transform: true,
    // A JSON `null` or array body must not slip through as "no properties to check".
    validateCustomDecorators: false,
    exceptionFactory: (errors) => new RequestValidationException(describeValidationErrors(errors)),
  });
}
