import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { GatewayConfig } from '@orders/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { retryAfterSeconds } from '../admission/retry-after';
import { AuthErrorCode, AuthException } from '../auth/auth.exception';
import { ERROR_LIMITS } from '../orders/orders.openapi';
import { OrdersErrorCode, OrdersException } from '../orders/orders.exception';
import { RequestValidationException } from './validation.exception';

interface ErrorBody {
  statusCode: number;
  error: string;
  code?: string;
  message: string;
  fields?: { field: string; problems: string[] }[];
  orderId?: string;
}

/** The one place where errors become HTTP answers; every answer has the same JSON shape. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  constructor(private readonly config: GatewayConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error({
        msg: body.message,
        correlationId: request.id,
        code: body.code,
        error: describe(exception),
      });
    }
    if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
      void reply.header('Retry-After', String(retryAfterSeconds(this.config.RETRY_AFTER_SECONDS)));
    }
    if (exception instanceof AuthException && exception.retryAfterSeconds !== undefined) {
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    }
    if (body.orderId !== undefined) {
      void reply.header('Location', `/orders/${body.orderId}`);
    }
    if (body.statusCode === HttpStatus.UNAUTHORIZED) {
      void reply.header('WWW-Authenticate', 'Bearer');
    }
    body.message = body.message.slice(0, ERROR_LIMITS.message);
    void reply
      .status(body.statusCode)
      .header('Content-Type', 'application/json; charset=utf-8')
      .send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof OrdersException) {
      const statusCode = statusOf(exception.code);
      return {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        code: exception.code,
        message: exception.message,
        ...(exception.orderId !== undefined ? { orderId: exception.orderId } : {}),
      };
    }
    if (exception instanceof AuthException) {
      const statusCode = authStatusOf(exception.code);
      return {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        code: exception.code,
        message: exception.message,
      };
    }
    if (exception instanceof RequestValidationException) {
      // Bounded as the OpenAPI document states (orders.openapi.ts), whatever the body held.
      return {
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_BODY',
        message: exception.message,
        fields: exception.fields.slice(0, ERROR_LIMITS.fields).map((field) => ({
          field: field.field.slice(0, ERROR_LIMITS.field),
          problems: field.problems
            .slice(0, ERROR_LIMITS.problems)
            .map((problem) => problem.slice(0, ERROR_LIMITS.message)),
        })),
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : String((response as { message?: unknown }).message ?? exception.message);
      return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
    }
    // Fastify's own errors (bad JSON, wrong content type, body too large) carry a statusCode.
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (
      typeof fastifyError?.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      const statusCode = fastifyError.statusCode;
      return {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        code: fastifyError.code,
        message: fastifyError.message ?? 'Bad request',
      };
    }
    return { statusCode: 500, error: 'Internal Server Error', message: 'Unexpected error' };
  }
}

function statusOf(code: OrdersErrorCode): number {
  switch (code) {
    case OrdersErrorCode.QueueUnavailable:
    case OrdersErrorCode.OutcomeUnknown:
    case OrdersErrorCode.DatabaseUnavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case OrdersErrorCode.RefusedByQueue:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    case OrdersErrorCode.OrderNotFound:
      return HttpStatus.NOT_FOUND;
    case OrdersErrorCode.InvalidOrderId:
    case OrdersErrorCode.InvalidIdempotencyKey:
      return HttpStatus.BAD_REQUEST;
  }
}

function authStatusOf(code: AuthErrorCode): number {
  switch (code) {
    case AuthErrorCode.MissingApiKey:
    case AuthErrorCode.InvalidApiKey:
      return HttpStatus.UNAUTHORIZED;
    case AuthErrorCode.RateLimited:
    case AuthErrorCode.TooManyFailedAttempts:
      return HttpStatus.TOO_MANY_REQUESTS;
  }
}

function describe(exception: unknown): string {
  const cause = exception instanceof OrdersException ? exception.cause : exception;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
