import { ValidationError, ValidatorOptions } from 'class-validator';

/** Same rules for HTTP bodies and queue messages: unknown fields are an error, not ignored. */
export const CONTRACT_VALIDATION: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: false,
};

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens nested class-validator errors into `items.0.quantity`-style paths. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...describeValidationErrors(error.children ?? [], field)];
  });
}
