export * from './lib/create-order.dto';
export * from './lib/envelope-route';
export * from './lib/message-attributes';
export * from './lib/order-accepted.envelope';
export * from './lib/order-accepted.view';
export * from './lib/order-item.dto';
export * from './lib/stored-order.view';
export * from './lib/validation-options';
