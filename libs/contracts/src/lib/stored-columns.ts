/**
 * Sizes of the text columns that hold what a client sent, in characters (PostgreSQL's varchar(n)
 * and char(n) count code points). The DTOs and header rules take their limits from here, and a
 * persistence spec compares these with the migrated database's information_schema.
 */
export const STORED_TEXT_COLUMNS = {
  customerId: { table: 'orders', column: 'customer_id', maxLength: 64 },
  currency: { table: 'orders', column: 'currency', maxLength: 3 },
  correlationId: { table: 'orders', column: 'correlation_id', maxLength: 128 },
  clientId: { table: 'orders', column: 'client_id', maxLength: 64 },
  sku: { table: 'order_items', column: 'sku', maxLength: 64 },
} as const;

export const CUSTOMER_ID_MAX_LENGTH = STORED_TEXT_COLUMNS.customerId.maxLength;
export const SKU_MAX_LENGTH = STORED_TEXT_COLUMNS.sku.maxLength;
export const CLIENT_ID_MAX_LENGTH = STORED_TEXT_COLUMNS.clientId.maxLength;
export const CORRELATION_ID_MAX_LENGTH = STORED_TEXT_COLUMNS.correlationId.maxLength;
