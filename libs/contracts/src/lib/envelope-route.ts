/** The routing key of a message: the processor dispatches on type and version together. */
export interface EnvelopeRoute {
  type: string;
  version: number;
}

export function envelopeRoute(type: string, version: number): EnvelopeRoute {
  return { type, version };
}
