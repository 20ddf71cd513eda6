/** The simulated tasks (see `simTask`). */
export type SimTaskName = 'transfer-cube' | 'insertion' | 'lift-cube' | 'lift-colored-cube' | 'occluded-pick';

/** Which ALOHA arm. */
export type ArmSide = 'left' | 'right';
