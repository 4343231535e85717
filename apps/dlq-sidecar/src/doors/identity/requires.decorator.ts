import { SetMetadata } from '@nestjs/common';
import { Action } from './permissions';

export const REQUIRES = 'identity:requires';

/** What a route does; IdentityGuard refuses anyone whose role may not do it. */
export type Requirement = Action | 'signed-in';

export const Requires = (requirement: Requirement) => SetMetadata(REQUIRES, requirement);
