import { BadRequestException } from '@nestjs/common';
import { FieldProblem } from '@orders/contracts';

/** A request body that breaks the order contract; carries each bad field for the response. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly fields: FieldProblem[]) {
    super(`Invalid request body: ${fields.map((field) => field.field).join(', ')}`);
  }
}
